// fieldcheck-server: the provincial sync server.
#include <csignal>
#include <iostream>

#include <sys/stat.h>

#include "fieldcheck/main_guard.h"
#include "server_cli.h"

int main(int argc, char** argv) {
  // Everything the server writes (its database, photos, reports, exports, receipts) names
  // businesses, owners and workers: readable by the server's own user only.
  ::umask(S_IRWXG | S_IRWXO);
  // A reload (SIGHUP) asked for while the server still reads its configuration must not end it
  // (SIGHUP's default action): `serve` takes the signal over once it can reload; the short commands
  // (backup, restore, …) finish their work rather than stop halfway when their terminal goes.
  ::signal(SIGHUP, SIG_IGN);
  return fieldcheck::runGuarded(std::cerr, [&] { return fieldcheck::server::runServerCli(argc, argv, std::cin, std::cout, std::cerr); });
}
