// Named crash points for fault-injection tests. When the environment
// variable FRESHET_TEST_CRASH_POINT equals a point's name (or "name:N", to
// crash at its N-th hit), the process kills itself with SIGKILL there, as a
// power cut would. Unset, a crash point costs one cached lookup.
#pragma once

#include <string_view>

namespace freshet {

void CrashPoint(std::string_view name);

}  // namespace freshet
