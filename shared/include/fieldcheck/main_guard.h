// The one catch-all of each program's main: whatever a command did not foresee ends in a message
// a person can act on and exit code 1, never in std::terminate.
#pragma once

#include <exception>
#include <ostream>

namespace fieldcheck {

/// Runs `command` (the whole command line) and returns its exit code; an exception that escapes
/// it is written to `err` in Vietnamese and English and ends the program with 1. Every save is a
/// transaction of its own, so what was saved before stays saved.
template <class Command>
int runGuarded(std::ostream& err, Command&& command) {
  try {
    return command();
  } catch (const std::exception& e) {
    err << "Lỗi không lường trước: " << e.what() << "\nNhững gì đã lưu vẫn còn; hãy báo lỗi này cho quản trị viên.\n"
        << "Unexpected error: " << e.what() << "\nWhat was saved is kept; please report this error to the administrator.\n";
    return 1;
  }
}

}  // namespace fieldcheck
