// fieldcheck: the inspector's offline client.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#include "fieldcheck/main_guard.h"
#include "platform.h"

int main(int argc, char** argv) {
  namespace platform = fieldcheck::client::platform;
  std::ios::sync_with_stdio(false);
  platform::useUtf8Console();
  platform::keepNewFilesPrivate();
  // UTF-8 from here on, on Windows too (where argv is in the ANSI code page).
  const std::vector<std::string> args = platform::argumentsUtf8(argc, argv);
  std::vector<const char*> arg_pointers;
  for (const auto& arg : args) arg_pointers.push_back(arg.c_str());
  return fieldcheck::runGuarded(std::cerr, [&] {
    return fieldcheck::client::runCli(static_cast<int>(arg_pointers.size()), arg_pointers.data(), std::cin, std::cout, std::cerr);
  });
}
