// The interactive fill: one question at a time, each answer saved as the draft at once.
#pragma once

#include <iosfwd>
#include <string>

#include "inspector_service.h"

namespace fieldcheck::client {

/// Walks an inspection's questions that apply, reading answers from `in` and writing prompts
/// to `out`. Each valid answer is saved at once, so stopping at any point (":q", end of input,
/// a killed process) keeps every answer given. Starts at the first unanswered question, so a
/// later fill resumes. Returns 0, or 1 when the inspection cannot be filled (the reason is
/// written to `out`).
///
/// At a prompt: an answer; Enter to keep the current answer and go on; "<" back; ">" skip;
/// "-" clear; ":q" stop; "?" help.
int runFill(InspectorService& service, const std::string& inspection_ref, std::istream& in, std::ostream& out);

}  // namespace fieldcheck::client
