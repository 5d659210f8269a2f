// The sync protocol's JSON form, read strictly.
#include "fieldcheck/protocol.h"

#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/text.h"

namespace fieldcheck::protocol {
namespace {

using nlohmann::json;

// Thrown inside the readers, turned into a Problem at their edge.
struct Malformed {
  std::string what;
};

void onlyKeys(const json& j, std::initializer_list<const char*> keys, const std::string& where) {
  if (!j.is_object()) throw Malformed{where + " must be an object"};
  for (const auto& [key, _] : j.items()) {
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) throw Malformed{where + ": unknown field '" + key + "'"};
  }
}

const json& member(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw Malformed{where + ": missing '" + key + "'"};
  return j[key];
}

std::string text(const json& j, const char* key, const std::string& where, std::size_t max_bytes = 256) {
  const auto& v = member(j, key, where);
  if (!v.is_string()) throw Malformed{where + "." + key + " must be text"};
  auto s = v.get<std::string>();
  if (s.size() > max_bytes || !isCleanUtf8(s)) throw Malformed{where + "." + key + " is too long or not clean UTF-8"};
  return s;
}

std::int64_t integer(const json& j, const char* key, const std::string& where) {
  const auto& v = member(j, key, where);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) throw Malformed{where + "." + key + " must be a whole number >= 0"};
  return v.get<std::int64_t>();
}

template <class T, class F>
std::vector<T> list(const json& j, const char* key, std::size_t max, const std::string& where, F read) {
  const auto& v = member(j, key, where);
  if (!v.is_array()) throw Malformed{where + "." + key + " must be a list"};
  if (v.size() > max) throw Malformed{where + "." + key + " has more than " + std::to_string(max) + " items"};
  std::vector<T> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out.push_back(read(v[i], where + "." + key + "[" + std::to_string(i) + "]"));
  return out;
}

Document readDocument(const json& j, const std::string& where) {
  onlyKeys(j, {"id", "kind", "revision", "parents", "deleted", "author", "device", "stamp", "fields"}, where);
  Document d;
  d.id = text(j, "id", where);
  if (!isDocumentId(d.id)) throw Malformed{where + ".id must be 32 lowercase hex digits"};
  d.kind = text(j, "kind", where, 64);
  d.revision = text(j, "revision", where);
  d.parents = list<std::string>(j, "parents", 2, where, [](const json& p, const std::string& w) {
    if (!p.is_string() || p.get<std::string>().size() > 64) throw Malformed{w + " must be a revision id"};
    return p.get<std::string>();
  });
  const auto& deleted = member(j, "deleted", where);
  if (!deleted.is_boolean()) throw Malformed{where + ".deleted must be true or false"};
  d.deleted = deleted.get<bool>();
  d.author = text(j, "author", where, 64);
  d.device = text(j, "device", where, 64);
  auto stamp = HybridTimestamp::parse(text(j, "stamp", where, 32));
  if (!stamp) throw Malformed{where + ".stamp is not a hybrid clock stamp"};
  d.stamp = *stamp;
  const auto& fields = member(j, "fields", where);
  if (!fields.is_object() || fields.size() > 1000) throw Malformed{where + ".fields must be an object of at most 1000 fields"};
  try {
    d.fields = fieldsFromJson(fields);
  } catch (const std::invalid_argument& e) {
    throw Malformed{where + ".fields: " + e.what()};
  }
  for (const auto& [name, value] : d.fields)
    if (const auto* s = value.get<std::string>(); s && !isCleanUtf8(*s))
      throw Malformed{where + ".fields." + name + " is not clean UTF-8"};
  if (revisionGeneration(d.revision) == 0) throw Malformed{where + ".revision is not a revision id"};
  return d;
}

template <class T, class F>
Result<T> guarded(F read) {
  try {
    return read();
  } catch (const Malformed& m) {
    return problem("Dữ liệu đồng bộ không hợp lệ: " + m.what, "Malformed sync data: " + m.what);
  } catch (const json::exception& e) {
    return problem(std::string("Dữ liệu đồng bộ không hợp lệ: ") + e.what(), std::string("Malformed sync data: ") + e.what());
  }
}

}  // namespace

json documentToJson(const Document& doc) {
  return json{{"id", doc.id},         {"kind", doc.kind},     {"revision", doc.revision},
              {"parents", doc.parents}, {"deleted", doc.deleted}, {"author", doc.author},
              {"device", doc.device},   {"stamp", doc.stamp.toString()}, {"fields", fieldsToJson(doc.fields)}};
}

json toJson(const SyncRequest& r) {
  json push = json::array();
  for (const auto& e : r.push) push.push_back({{"seq", e.seq}, {"base_revision", e.base_revision}, {"doc", documentToJson(e.doc)}});
  return json{{"push", push}, {"cursor", r.cursor}, {"page_limit", r.page_limit}};
}

json toJson(const SyncResponse& r) {
  json refused = json::array(), changes = json::array();
  for (const auto& x : r.refused)
    refused.push_back({{"seq", x.seq}, {"doc_id", x.doc_id}, {"code", x.code}, {"vi", x.reason.vi}, {"en", x.reason.en}});
  for (const auto& c : r.changes) changes.push_back({{"seq", c.seq}, {"doc", documentToJson(c.doc)}});
  return json{{"acked_through", r.acked_through}, {"refused", refused}, {"changes", changes},
              {"cursor", r.cursor}, {"last_page", r.last_page}, {"server_wall_ms", r.server_wall_ms}};
}

Result<Document> documentFromJson(const json& j) {
  return guarded<Document>([&] { return readDocument(j, "doc"); });
}

Result<SyncRequest> syncRequestFromJson(const json& j) {
  return guarded<SyncRequest>([&] {
    onlyKeys(j, {"push", "cursor", "page_limit"}, "request");
    SyncRequest r;
    r.push = list<PushEntry>(j, "push", kMaxBatchEntries, "request", [](const json& e, const std::string& w) {
      onlyKeys(e, {"seq", "base_revision", "doc"}, w);
      PushEntry entry;
      entry.seq = integer(e, "seq", w);
      entry.base_revision = text(e, "base_revision", w, 64);
      entry.doc = readDocument(member(e, "doc", w), w + ".doc");
      return entry;
    });
    r.cursor = integer(j, "cursor", "request");
    const auto limit = integer(j, "page_limit", "request");
    if (limit < 1 || limit > static_cast<std::int64_t>(kMaxPageChanges))
      throw Malformed{"request.page_limit must be 1 to " + std::to_string(kMaxPageChanges)};
    r.page_limit = static_cast<std::uint32_t>(limit);
    return r;
  });
}

Result<SyncResponse> syncResponseFromJson(const json& j) {
  return guarded<SyncResponse>([&] {
    onlyKeys(j, {"acked_through", "refused", "changes", "cursor", "last_page", "server_wall_ms"}, "response");
    SyncResponse r;
    r.acked_through = integer(j, "acked_through", "response");
    r.refused = list<Refusal>(j, "refused", kMaxBatchEntries, "response", [](const json& x, const std::string& w) {
      onlyKeys(x, {"seq", "doc_id", "code", "vi", "en"}, w);
      return Refusal{integer(x, "seq", w), text(x, "doc_id", w), text(x, "code", w),
                     {text(x, "vi", w, 2000), text(x, "en", w, 2000)}};
    });
    r.changes = list<PulledChange>(j, "changes", kMaxPageChanges, "response", [](const json& c, const std::string& w) {
      onlyKeys(c, {"seq", "doc"}, w);
      return PulledChange{integer(c, "seq", w), readDocument(member(c, "doc", w), w + ".doc")};
    });
    r.cursor = integer(j, "cursor", "response");
    const auto& last = member(j, "last_page", "response");
    if (!last.is_boolean()) throw Malformed{"response.last_page must be true or false"};
    r.last_page = last.get<bool>();
    r.server_wall_ms = integer(j, "server_wall_ms", "response");
    return r;
  });
}

}  // namespace fieldcheck::protocol
