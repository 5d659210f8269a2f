// The `fieldcheck-server` command line: init, user management, serve.
#pragma once

#include <iosfwd>

namespace fieldcheck::server {

/// Runs one command. Returns the exit code: 0 on success, 1 with a message on an error the
/// operator can fix, 2 on bad usage.
int runServerCli(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace fieldcheck::server
