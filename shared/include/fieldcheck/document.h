// Documents: everything that syncs (establishments, inspections, templates, plans, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fieldcheck/hybrid_clock.h"
#include "fieldcheck/value.h"

namespace fieldcheck {

/// One revision of a document. Revisions are immutable; an edit makes a new revision whose
/// parent is the revision it was based on (a merge has two parents).
struct Document {
  std::string id;        // 128-bit, 32 hex digits
  std::string kind;      // "establishment", "inspection", "template", ...
  Fields fields;
  std::string revision;  // "<generation>-<hash>", see computeRevision
  std::vector<std::string> parents;
  bool deleted = false;
  std::string author;    // user name
  std::string device;    // device id
  HybridTimestamp stamp;

  bool operator==(const Document&) const = default;
};

/// A field's text, or "" when the field is absent or holds another type.
std::string textField(const Document& doc, const std::string& name);

/// The generation of a revision id ("3-ab12..." is generation 3); 0 when malformed.
int revisionGeneration(const std::string& revision);

/// The revision id of `doc` as it stands: its generation (one more than the highest parent,
/// 1 without parents) and a 128-bit BLAKE2b hash over everything else (its attributes as a JSON
/// array, a newline, its canonical fields text), so the same content from the same
/// author, device and clock always gets the same id on every replica.
std::string computeRevision(const Document& doc);

/// The same, given `fields_json`, the canonicalFieldsJson of doc.fields already computed (the
/// store hashes the very text it writes, and serialises it once).
std::string computeRevision(const Document& doc, std::string_view fields_json);

/// The canonical JSON text of fields (keys sorted, no spaces): what is hashed and stored.
std::string canonicalFieldsJson(const Fields& fields);

/// The next revision of `current` with `fields`, written by `author` on `device` at `stamp`.
Document nextRevision(const Document& current, Fields fields, std::string author,
                      std::string device, HybridTimestamp stamp);

/// A first revision of a new document.
Document firstRevision(std::string id, std::string kind, Fields fields, std::string author,
                       std::string device, HybridTimestamp stamp);

}  // namespace fieldcheck
