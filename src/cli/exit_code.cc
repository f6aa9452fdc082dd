#include "cli/exit_code.h"

#include <cassert>
#include <iostream>

namespace freshet {

const std::string_view kExitCodesHelp =
    "Exit codes (every command): 0 success, 1 error, 2 bad command line, argument or\n"
    "configuration, 3 the lease is held by another runner, 4 fenced (another runner took\n"
    "over), 5 a write-once key exists, 6 a collapse refused (see --allow-shrink), 130 a\n"
    "second SIGINT/SIGTERM.";

int ExitCodeOf(const Status& status) {
  switch (status.subcode()) {
    case StatusSubCode::kLeaseHeld:
      return kExitLeaseHeld;
    case StatusSubCode::kFenced:
      return kExitFenced;
    case StatusSubCode::kCollapseRefused:
      return kExitCollapseRefused;
    case StatusSubCode::kNone:
      break;
  }
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kAlreadyExists:
      return kExitKeyExists;
    default:
      return kExitError;
  }
}

int ReportFailure(const Status& status) {
  assert(!status.ok());
  std::cerr << "freshet: " << status.ToString() << "\n";
  return ExitCodeOf(status);
}

}  // namespace freshet
