// fieldcheck: the inspector's offline client.
#include <iostream>

#include "cli.h"
#include "fieldcheck/main_guard.h"
#include "platform.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  fieldcheck::client::platform::keepNewFilesPrivate();
  return fieldcheck::runGuarded(std::cerr, [&] { return fieldcheck::client::runCli(argc, argv, std::cin, std::cout, std::cerr); });
}
