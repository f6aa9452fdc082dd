// Names of lease holders, and how a runner tells that a holder of its own
// host is gone (killed with kill -9, say) so that it need not wait out the
// holder's lease.
//
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace freshet {

// The holder name of a runner started without --holder: "HOST:PID".
std::string DefaultLeaseHolder();

// True only if `holder` is a default holder name ("HOST:PID") whose HOST is
// this host's name and whose PID names no process here (kill(PID, 0) fails
// with ESRCH). False for any other name, another host, a live process, or a
// process this one may not signal: when in doubt, the holder is alive.
// Runners in separate PID namespaces that share a host name (containers with
// the host's name) must be given distinct --holder names.
bool LocalHolderIsGone(std::string_view holder);

}  // namespace freshet
