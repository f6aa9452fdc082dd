// `freshet gen`: writes a synthetic ads workload (see docs/workload.md).
#pragma once

namespace CLI {
class App;
}

namespace freshet {

// Registers the `gen` subcommand on `app`. The subcommand runs from its
// CLI11 callback; on failure it prints the error to stderr and throws
// CLI::RuntimeError (exit code 2 for bad options, 1 otherwise), which
// CLI11_PARSE turns into the process's exit code without printing more.
void AddGenCommand(CLI::App& app);

}  // namespace freshet
