#include "common/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace freshet {

namespace {
constexpr uintptr_t kHugePageBytes = uintptr_t{2} << 20;
}  // namespace

void AdviseHugePages(const void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t last = (start + bytes) & ~(kHugePageBytes - 1);
  if (data == nullptr || last <= first) return;
  // A failure (a kernel without THP) leaves ordinary pages: nothing to report.
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace freshet
