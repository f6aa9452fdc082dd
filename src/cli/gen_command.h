// `freshet gen`: writes a synthetic ads workload (see docs/workload.md).
#pragma once

namespace CLI {
class App;
}

namespace freshet {

// Registers the `gen` subcommand on `app`. The subcommand runs from its
// CLI11 callback; on failure it prints the error to stderr and throws
// CLI::RuntimeError with the exit code of cli/exit_code.h, which main()
// returns without printing more.
void AddGenCommand(CLI::App& app);

}  // namespace freshet
