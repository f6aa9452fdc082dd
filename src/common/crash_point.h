// Test seams: named fault points and safeguard switches for fault-injection
// tests. They exist only in the test build (FRESHET_TEST_SEAMS defined: the
// `freshet-test` binary, the unit tests); in the `freshet` binary every call
// below does nothing and returns false, and the variables are never read.
//
// Named fault points, set by environment:
//   FRESHET_TEST_CRASH_POINT=name     SIGKILL itself at that point, as a
//   FRESHET_TEST_CRASH_POINT=name:N   power cut would (at the N-th hit)
//   FRESHET_TEST_PAUSE_POINT=name:S   sleep S seconds there (to let a test
//                                     act in the middle of a batch), after
//                                     logging a `test_pause` event
// Unset, a point costs two cached lookups. Points: after_listing,
// mid_read (after each input file parsed), after_read, after_inputs (the
// chain record written, the segments not yet), after_segments,
// after_manifest, after_supersessions (a delta's supersession objects
// written), before_commit, after_commit, during_gc; compactions pass
// after_merge (segments merged in memory, nothing written), then
// after_segments, after_manifest, before_commit and after_commit.
//
//   FRESHET_TEST_DISABLE_SAFEGUARD=name[,name]  turns named safeguards off,
//   so that the fault-injection suite can show that it catches the
//   violation each one prevents (tests/faults). Never set in production.
//   Names: watermark_monotonic, checksum, commit_before_current,
//   current_repair, epoch_fencing, group_recompute, bad_record_accounting,
//   secret_redaction, create_if_absent (local store).
#pragma once

#include <string_view>

namespace freshet {

void CrashPoint(std::string_view name);

// True when FRESHET_TEST_DISABLE_SAFEGUARD names `name`; logs a
// `safeguard_disabled` warning the first time. Thread-safe.
bool SafeguardDisabled(std::string_view name);

}  // namespace freshet
