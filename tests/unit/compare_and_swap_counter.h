// A test of compare-and-swap for any store: read a counter with its token,
// write it back incremented with PutIfMatch, again on refusal. Writers doing
// this at once lose no increment only if every stale swap is refused.
#pragma once

#include <string>

#include "storage/object_store.h"

namespace freshet {

// Increments the object "counter" `times` times. Returns the number of swaps
// refused (races lost), or -1 on any other error.
inline int IncrementCounter(ObjectStore& store, int times) {
  int refused = 0;
  for (int done = 0; done < times;) {
    auto v = store.GetVersioned("counter");
    if (!v.ok()) return -1;
    Status st = store.PutIfMatch("counter", std::to_string(std::stoi(v->data) + 1), v->token);
    if (st.ok()) {
      ++done;
    } else if (st.code() == StatusCode::kFailedPrecondition) {
      ++refused;
    } else {
      return -1;
    }
  }
  return refused;
}

}  // namespace freshet
