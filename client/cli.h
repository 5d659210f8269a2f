// The `fieldcheck` command line: parses arguments, calls the inspector service, renders results.
#pragma once

#include <iosfwd>

namespace fieldcheck::client {

/// Runs one command. Returns the exit code: 0 on success, 1 with a message on a user error
/// (bad value, unknown id, damaged data...), 2 on bad usage (unknown command or option).
int runCli(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::client
