// Usage errors of the command lines (fieldcheck and fieldcheck-server) as people read them:
// in Vietnamese and English, with the closest command or option when a word looks mistyped.
// Header-only: both programs parse with CLI11, the core library does not.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "fieldcheck/files.h"

namespace fieldcheck {

/// The edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of two
/// neighbours each count one).
inline std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

/// Of `candidates`, the one closest to `word` when it is close enough to be a typo of it (at most
/// two edits, fewer for short words); "" otherwise.
inline std::string closestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(1, std::min<std::size_t>(2, word.size() / 3)) + 1;
  for (const auto& candidate : candidates)
    if (const auto distance = editDistance(word, candidate); distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  return best;
}

/// Writes the usage error `e` of `app` to `err` (help to `out`, when it was asked for) and returns
/// the exit code: 0 for help, 2 for a usage error. Names the command it happened in, says what is
/// wrong in Vietnamese and English, suggests the closest subcommand or option to a word it did not
/// know, and where to read the command's help.
inline int reportUsageError(CLI::App& app, const CLI::ParseError& e, std::ostream& out, std::ostream& err) {
  if (e.get_exit_code() == 0) return app.exit(e, out, err);  // --help, --help-all
  // The deepest command the words named before it went wrong.
  CLI::App* at = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (auto* sub : at->get_subcommands())
      if (sub->parsed()) {
        at = sub;
        deeper = true;
        break;
      }
  }
  // The command as typed after the program's own name (the top's name is the path it ran by).
  auto nameOf = [](const CLI::App* a) {
    return a->get_parent() ? a->get_name() : utf8Of(pathFromUtf8(a->get_name()).filename());
  };
  std::string path = nameOf(at);
  for (auto* parent = at->get_parent(); parent; parent = parent->get_parent()) path = nameOf(parent) + " " + path;
  std::vector<std::string> commands, options;
  for (const auto* sub : at->get_subcommands([](const CLI::App*) { return true; })) commands.push_back(sub->get_name());
  for (const auto* option : at->get_options())
    for (const auto& name : option->get_lnames()) options.push_back("--" + name);
  // A word it did not know: the first left over, here or at the top.
  std::vector<std::string> left = at->remaining(true);
  if (left.empty()) left = app.remaining(true);
  std::string vi, en;
  if (!left.empty()) {
    const auto& word = left.front();
    const bool option = word.rfind("-", 0) == 0;
    const auto stem = option ? word.substr(0, word.find('=')) : word;
    const auto suggestion = closestName(stem, option ? options : commands);
    vi = std::string(option ? "tùy chọn" : "lệnh") + " “" + word + "” không có trong “" + path + "”";
    en = "“" + word + "” is not " + (option ? "an option" : "a command") + " of “" + path + "”";
    if (!suggestion.empty()) {
      vi += "; có phải ý bạn là “" + suggestion + "”?";
      en += "; did you mean “" + suggestion + "”?";
    } else {
      vi += ".";
      en += ".";
    }
  } else if (dynamic_cast<const CLI::RequiredError*>(&e) && !commands.empty() && std::string(e.what()).find("subcommand") != std::string::npos) {
    std::string list;
    for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
    vi = "“" + path + "” cần một lệnh: " + list + ".";
    en = "“" + path + "” needs a command: " + list + ".";
  } else if (dynamic_cast<const CLI::RequiredError*>(&e) || dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    vi = "“" + path + "” thiếu tham số bắt buộc (" + e.what() + ").";
    en = "“" + path + "” is missing what it needs: " + e.what();
  } else {
    vi = "“" + path + "”: giá trị hoặc cách gọi không hợp lệ (" + e.what() + ").";
    en = "“" + path + "”: " + e.what();
  }
  err << "Lỗi cách dùng: " << vi << "\nUsage error: " << en << "\nXem / See: " << path << " --help\n";
  return 2;
}

}  // namespace fieldcheck
