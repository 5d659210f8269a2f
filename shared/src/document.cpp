// Documents: revision ids and the construction of new revisions.
#include "fieldcheck/document.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"

namespace fieldcheck {

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

std::string computeRevision(const Document& doc) {
  int generation = 1;
  for (const auto& parent : doc.parents)
    generation = std::max(generation, revisionGeneration(parent) + 1);
  // nlohmann::json keeps object keys sorted, so this text is canonical.
  const nlohmann::json canonical{{"id", doc.id},         {"kind", doc.kind},
                                 {"fields", fieldsToJson(doc.fields)},
                                 {"parents", doc.parents}, {"deleted", doc.deleted},
                                 {"author", doc.author}, {"device", doc.device},
                                 {"stamp", doc.stamp.toString()}};
  return std::to_string(generation) + "-" + sha256Hex(canonical.dump()).substr(0, 32);
}

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
