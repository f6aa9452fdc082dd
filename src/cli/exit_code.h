// The exit codes of every freshet command, decided by a Status's code and
// sub-code alone (never by its message). Frozen: scripts and supervisors
// branch on them; the README's "Exit codes" table lists them.
#pragma once

#include <string_view>

#include "common/status.h"

namespace freshet {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,            // any error not below (I/O, corruption, not found, ...)
  kExitUsage = 2,            // bad command line, argument or configuration
  kExitLeaseHeld = 3,        // another runner holds the pipeline's lease
  kExitFenced = 4,           // another runner took over: this one's epoch is stale
  kExitKeyExists = 5,        // a write-once key already exists
  kExitCollapseRefused = 6,  // a generation that would collapse the index, not published
  kExitInterrupted = 130,    // a second SIGINT/SIGTERM while stopping
};

// The table above, for --help.
extern const std::string_view kExitCodesHelp;

// The exit code for `status` (kExitOk when it is OK).
int ExitCodeOf(const Status& status);

// Prints "freshet: <status>" to stderr and returns ExitCodeOf(status).
// REQUIRES: !status.ok()
int ReportFailure(const Status& status);

}  // namespace freshet
