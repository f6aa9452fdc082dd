// Named fault points for fault-injection tests, set by environment:
//   FRESHET_TEST_CRASH_POINT=name     SIGKILL itself at that point, as a
//   FRESHET_TEST_CRASH_POINT=name:N   power cut would (at the N-th hit)
//   FRESHET_TEST_PAUSE_POINT=name:S   sleep S seconds there (to let a test
//                                     act in the middle of a batch), after
//                                     logging a `test_pause` event
// Unset, a point costs two cached lookups. Points: after_listing,
// after_read, after_segments, after_manifest, before_commit, after_commit,
// during_gc.
#pragma once

#include <string_view>

namespace freshet {

void CrashPoint(std::string_view name);

}  // namespace freshet
