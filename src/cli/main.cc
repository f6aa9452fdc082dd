#include <cstdio>

int main() {
  std::puts("freshet");
  return 0;
}
