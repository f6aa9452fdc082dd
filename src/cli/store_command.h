// `freshet store`: the object-store operations of the engine, by hand: list,
// read, write, describe and delete objects of any store URL (file://, s3://).
// Useful to check an S3 configuration before pointing a pipeline at it.
#pragma once

namespace CLI {
class App;
}

namespace freshet {

// Registers the `store` subcommand on `app`. Like `gen`, it runs from its
// CLI11 callback and reports failure by throwing CLI::RuntimeError with the
// exit code of cli/exit_code.h (5 when PutIfAbsent finds the key).
void AddStoreCommand(CLI::App& app);

}  // namespace freshet
