// Documents: revision ids and the construction of new revisions.
#include "fieldcheck/document.h"

#include <algorithm>


#include "fieldcheck/crypto.h"

namespace fieldcheck {

std::string textField(const Document& doc, const std::string& name) {
  auto it = doc.fields.find(name);
  if (it == doc.fields.end()) return "";
  if (const auto* s = it->second.get<std::string>()) return *s;
  return "";
}

int revisionGeneration(const std::string& revision) {
  const auto dash = revision.find('-');
  if (dash == std::string::npos || dash == 0 || dash > 9) return 0;
  int generation = 0;
  for (std::size_t i = 0; i < dash; ++i) {
    if (revision[i] < '0' || revision[i] > '9') return 0;
    generation = generation * 10 + (revision[i] - '0');
  }
  return generation;
}

std::string computeRevision(const Document& doc, std::string_view fields_json) {
  int generation = 1;
  for (const auto& parent : doc.parents)
    generation = std::max(generation, revisionGeneration(parent) + 1);
  // The attributes as one JSON array, [id, kind, [parents], deleted, author, device, stamp] (no
  // raw newline can occur in it), a newline, then the fields' canonical JSON exactly as stored.
  std::string attributes = "[";
  auto text = [&attributes](std::string_view s) {
    appendJsonString(attributes, s);
    attributes += ',';
  };
  text(doc.id);
  text(doc.kind);
  attributes += '[';
  for (std::size_t i = 0; i < doc.parents.size(); ++i) {
    if (i) attributes += ',';
    appendJsonString(attributes, doc.parents[i]);
  }
  attributes += doc.deleted ? "],true," : "],false,";
  text(doc.author);
  text(doc.device);
  appendJsonString(attributes, doc.stamp.toString());
  attributes += ']';
  return std::to_string(generation) + "-" + blake2b128Hex({attributes, "\n", fields_json});
}

std::string computeRevision(const Document& doc) { return computeRevision(doc, canonicalFieldsJson(doc.fields)); }

std::string canonicalFieldsJson(const Fields& fields) { return fieldsToJsonText(fields); }

Document nextRevision(const Document& current, Fields fields, std::string author,
                      std::string device, HybridTimestamp stamp) {
  Document next{current.id, current.kind, std::move(fields), {}, {current.revision},
                false,      std::move(author), std::move(device), stamp};
  next.revision = computeRevision(next);
  return next;
}

Document firstRevision(std::string id, std::string kind, Fields fields, std::string author,
                       std::string device, HybridTimestamp stamp) {
  Document doc{std::move(id), std::move(kind), std::move(fields), {}, {}, false,
               std::move(author), std::move(device), stamp};
  doc.revision = computeRevision(doc);
  return doc;
}

}  // namespace fieldcheck
