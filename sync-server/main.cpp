// fieldcheck-server: the provincial sync server.
#include <iostream>

#include <sys/stat.h>

#include "fieldcheck/main_guard.h"
#include "server_cli.h"

int main(int argc, char** argv) {
  // Everything the server writes (its database, photos, reports, exports, receipts) names
  // businesses, owners and workers: readable by the server's own user only.
  ::umask(S_IRWXG | S_IRWXO);
  return fieldcheck::runGuarded(std::cerr, [&] { return fieldcheck::server::runServerCli(argc, argv, std::cin, std::cout, std::cerr); });
}
