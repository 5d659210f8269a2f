// fieldcheck-server: the provincial sync server.
#include <iostream>

#include "server_cli.h"

int main(int argc, char** argv) {
  return fieldcheck::server::runServerCli(argc, argv, std::cin, std::cout, std::cerr);
}
