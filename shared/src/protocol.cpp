// The sync protocol's JSON form, read strictly.
#include "fieldcheck/protocol.h"

#include <future>

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

#include <cereal/archives/portable_binary.hpp>
#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/text.h"
#include "fieldcheck/wire_archive.h"
#include "fieldcheck/wire_types.h"

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

// Where in a message a check looks: a chain of names and list positions, spelled out only when
// the check fails (building the text for every field of every entry cost more than the checks).
struct Where {
  const Where* parent = nullptr;
  std::string_view name;
  std::int64_t index = -1;

  Where at(std::string_view child) const { return {this, child}; }
  Where item(std::size_t i) const { return {this, "", static_cast<std::int64_t>(i)}; }
  std::string text() const {
    std::string out = parent ? parent->text() : "";
    if (!name.empty()) out.append(out.empty() || name.front() == '[' ? "" : ".").append(name);
    if (index >= 0) out += "[" + std::to_string(index) + "]";
    return out;
  }
};

void checkText(const std::string& s, const Where& where, std::size_t max_bytes) {
  if (s.size() > max_bytes || !isCleanUtf8(s)) throw Malformed{where.text() + " is too long or not clean UTF-8"};
}

// A sequence number or cursor.
void checkNumber(std::int64_t n, const Where& where) {
  if (n < 0 || n > kMaxSequence) throw Malformed{where.text() + " must be a whole number from 0 to 2^53"};
}

// What both forms must satisfy once read: the JSON reader's syntax cannot express some of these
// (a NaN, a stray byte), the binary one can.
void checkValue(const Value& value, const Where& where) {
  struct Visitor {
    const Where& where;
    void operator()(std::monostate) const {}
    void operator()(bool) const {}
    void operator()(std::int64_t) const {}
    void operator()(double v) const {
      if (!std::isfinite(v)) throw Malformed{where.text() + " is not a finite number"};
    }
    void operator()(const std::string& v) const { checkText(v, where, kMaxTextBytes); }
    void operator()(const DateTime& v) const {
      // Years 1 to 9999, offsets within ±14:59, as the text form allows.
      constexpr std::int64_t kFirst = -62'135'596'800'000, kLast = 253'402'300'799'000;
      if (v.epoch_ms < kFirst || v.epoch_ms > kLast || v.offset_minutes < -899 || v.offset_minutes > 899)
        throw Malformed{where.text() + " is not a date between years 1 and 9999"};
      // Whole seconds, as the text form holds them (and every revision id hashes): a binary body
      // cannot carry a time its JSON form, and the stored record, would not.
      if (v.epoch_ms % 1000 != 0) throw Malformed{where.text() + " is not a whole second"};
    }
    void operator()(const Choices& v) const {
      for (std::size_t i = 0; i < v.size(); ++i) checkText(v[i], where.item(i), 256);
    }
    void operator()(const GeoPoint& v) const {
      if (!std::isfinite(v.latitude) || !std::isfinite(v.longitude) || (v.accuracy_m && !std::isfinite(*v.accuracy_m)))
        throw Malformed{where.text() + " is not a finite GPS point"};
    }
    void operator()(const AttachmentRef& v) const {
      checkText(v.sha256, where.at("sha256"), 64);
      checkText(v.media_type, where.at("type"), 100);
    }
  };
  std::visit(Visitor{where}, value.storage());
}

void checkDocument(const Document& d, const Where& where) {
  checkText(d.id, where.at("id"), 256);
  if (!isDocumentId(d.id)) throw Malformed{where.at("id").text() + " must be 32 lowercase hex digits"};
  checkText(d.kind, where.at("kind"), 64);
  checkText(d.revision, where.at("revision"), 256);
  if (revisionGeneration(d.revision) == 0) throw Malformed{where.at("revision").text() + " is not a revision id"};
  if (d.parents.size() > 2) throw Malformed{where.at("parents").text() + " has more than 2 items"};
  for (std::size_t i = 0; i < d.parents.size(); ++i) checkText(d.parents[i], where.at("parents").item(i), 64);
  checkText(d.author, where.at("author"), 64);
  checkText(d.device, where.at("device"), 64);
  // The text form holds 16 digits of wall time and 8 of counter, never a negative one.
  if (!d.stamp.valid()) throw Malformed{where.at("stamp").text() + " is not a hybrid clock stamp"};
  const auto fields = where.at("fields");
  if (d.fields.size() > kMaxFields)
    throw Malformed{fields.text() + " must hold at most " + std::to_string(kMaxFields) + " fields"};
  for (const auto& [name, value] : d.fields) {
    const auto field = fields.at(name);
    checkText(name, field, 256);
    checkValue(value, field);
  }
}

Document readDocument(const json& j, const std::string& where) {
  onlyKeys(j, {"id", "kind", "revision", "parents", "deleted", "author", "device", "stamp", "fields"}, where);
  Document d;
  d.id = text(j, "id", where);
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
  if (!fields.is_object() || fields.size() > kMaxFields)
    throw Malformed{where + ".fields must be an object of at most " + std::to_string(kMaxFields) + " fields"};
  try {
    d.fields = fieldsFromJson(fields);
  } catch (const std::invalid_argument& e) {
    throw Malformed{where + ".fields: " + e.what()};
  }
  checkDocument(d, Where{nullptr, where});
  return d;
}

// A server's identity: 32 lowercase hex digits, or empty (none known, or none kept).
void checkServerId(const std::string& id, const Where& where) {
  if (!id.empty() && !isDocumentId(id)) throw Malformed{where.text() + " must be empty or 32 lowercase hex digits"};
}

void checkRequest(const SyncRequest& r) {
  const Where request{nullptr, "request"};
  if (r.push.size() > kMaxBatchEntries) throw Malformed{"request.push has more than " + std::to_string(kMaxBatchEntries) + " items"};
  const auto push = request.at("push");
  for (std::size_t i = 0; i < r.push.size(); ++i) {
    const auto entry = push.item(i);
    checkNumber(r.push[i].seq, entry.at("seq"));
    checkText(r.push[i].base_revision, entry.at("base_revision"), 64);
    checkDocument(r.push[i].doc, entry.at("doc"));
  }
  checkNumber(r.cursor, request.at("cursor"));
  if (r.server_id) checkServerId(*r.server_id, request.at("server_id"));
  if (r.page_limit < 1 || r.page_limit > kMaxPageChanges)
    throw Malformed{"request.page_limit must be 1 to " + std::to_string(kMaxPageChanges)};
}

// Pages with at least this many changes are checked on two cores.
constexpr std::size_t kParallelCheckChanges = 200;

void checkResponse(const SyncResponse& r) {
  const Where response{nullptr, "response"};
  checkNumber(r.acked_through, response.at("acked_through"));
  if (r.refused.size() > kMaxBatchEntries || r.changes.size() > kMaxPageChanges) throw Malformed{"response: too many items"};
  const auto refused = response.at("refused");
  for (std::size_t i = 0; i < r.refused.size(); ++i) {
    const auto& x = r.refused[i];
    const auto where = refused.item(i);
    checkNumber(x.seq, where.at("seq"));
    checkText(x.doc_id, where.at("doc_id"), 256);
    checkText(x.code, where.at("code"), 256);
    checkText(x.reason.vi, where.at("vi"), 2000);
    checkText(x.reason.en, where.at("en"), 2000);
  }
  const auto changes = response.at("changes");
  auto checkChanges = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const auto& change = r.changes[i];
      const auto where = changes.item(i);
      checkNumber(change.seq, where.at("seq"));
      checkDocument(change.doc, where.at("doc"));
      if (!change.doc.fields.empty()) throw Malformed{where.text() + ".doc.fields must travel as fields_json"};
      checkText(change.fields_json, where.at("fields_json"), kMaxFieldsJsonBytes);
      // The revision id hashes the fields' canonical text: a match proves the text is the one its
      // author wrote and the server checked, so it is stored without being parsed.
      if (computeRevision(change.doc, change.fields_json) != change.doc.revision)
        throw Malformed{where.text() + " does not match its revision id"};
    }
  };
  // A full page is about a megabyte to hash: its second half is checked on another core meanwhile.
  const auto half = r.changes.size() >= kParallelCheckChanges ? r.changes.size() / 2 : r.changes.size();
  auto second = half < r.changes.size() ? std::async(std::launch::async, checkChanges, half, r.changes.size())
                                        : std::future<void>();
  checkChanges(0, half);
  if (second.valid()) second.get();
  checkNumber(r.cursor, response.at("cursor"));
  checkNumber(r.server_wall_ms, response.at("server_wall_ms"));
  checkServerId(r.server_id, response.at("server_id"));
  checkNumber(r.restored_seq, response.at("restored_seq"));
  checkNumber(r.device_seq, response.at("device_seq"));
}

template <class T, class F>
Result<T> guarded(F read) {
  try {
    return read();
  } catch (const Malformed& m) {
    return problem("Dữ liệu đồng bộ không hợp lệ: " + m.what, "Malformed sync data: " + m.what);
  } catch (const json::exception& e) {
    return problem(std::string("Dữ liệu đồng bộ không hợp lệ: ") + e.what(), std::string("Malformed sync data: ") + e.what());
  } catch (const cereal::Exception& e) {
    return problem(std::string("Dữ liệu đồng bộ dạng nhị phân không hợp lệ: ") + e.what(),
                   std::string("Malformed binary sync data: ") + e.what());
  }
}

}  // namespace

PulledChange PulledChange::of(std::int64_t seq, const Document& doc) {
  PulledChange change{seq, doc, canonicalFieldsJson(doc.fields)};
  change.doc.fields.clear();
  return change;
}

Document PulledChange::document() const {
  Document whole = doc;
  whole.fields = fieldsFromJsonText(fields_json);
  return whole;
}

json documentToJson(const Document& doc) {
  return json{{"id", doc.id},         {"kind", doc.kind},     {"revision", doc.revision},
              {"parents", doc.parents}, {"deleted", doc.deleted}, {"author", doc.author},
              {"device", doc.device},   {"stamp", doc.stamp.toString()}, {"fields", fieldsToJson(doc.fields)}};
}

json toJson(const SyncRequest& r) {
  json push = json::array();
  for (const auto& e : r.push) push.push_back({{"seq", e.seq}, {"base_revision", e.base_revision}, {"doc", documentToJson(e.doc)}});
  json out{{"push", push}, {"cursor", r.cursor}, {"page_limit", r.page_limit}};
  if (r.server_id) out["server_id"] = *r.server_id;
  return out;
}

json toJson(const SyncResponse& r) {
  json refused = json::array(), changes = json::array();
  for (const auto& x : r.refused)
    refused.push_back({{"seq", x.seq}, {"doc_id", x.doc_id}, {"code", x.code}, {"vi", x.reason.vi}, {"en", x.reason.en}});
  for (const auto& c : r.changes) {
    auto doc = documentToJson(c.doc);
    doc["fields"] = json::parse(c.fields_json);
    changes.push_back({{"seq", c.seq}, {"doc", std::move(doc)}});
  }
  json out{{"acked_through", r.acked_through}, {"refused", refused}, {"changes", changes},
           {"cursor", r.cursor}, {"last_page", r.last_page}, {"server_wall_ms", r.server_wall_ms}};
  if (!r.server_id.empty()) {
    out["server_id"] = r.server_id;
    out["restored_seq"] = r.restored_seq;
    out["device_seq"] = r.device_seq;
  }
  return out;
}

bool otherHistory(std::string_view heard, std::string_view own, std::int64_t restored_seq) {
  if (own.empty()) return false;
  return heard.empty() ? restored_seq > 0 : heard != own;
}

Result<Document> documentFromJson(const json& j) {
  return guarded<Document>([&] { return readDocument(j, "doc"); });
}

Result<SyncRequest> syncRequestFromJson(const json& j) {
  return guarded<SyncRequest>([&] {
    onlyKeys(j, {"push", "cursor", "page_limit", "server_id"}, "request");
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
    // Absent in the form of version 1.
    if (j.contains("server_id")) r.server_id = text(j, "server_id", "request", 64);
    else r.server_id.reset();
    checkRequest(r);
    return r;
  });
}

Result<SyncResponse> syncResponseFromJson(const json& j) {
  return guarded<SyncResponse>([&] {
    onlyKeys(j, {"acked_through", "refused", "changes", "cursor", "last_page", "server_wall_ms", "server_id", "restored_seq", "device_seq"},
             "response");
    SyncResponse r;
    r.acked_through = integer(j, "acked_through", "response");
    r.refused = list<Refusal>(j, "refused", kMaxBatchEntries, "response", [](const json& x, const std::string& w) {
      onlyKeys(x, {"seq", "doc_id", "code", "vi", "en"}, w);
      return Refusal{integer(x, "seq", w), text(x, "doc_id", w), text(x, "code", w),
                     {text(x, "vi", w, 2000), text(x, "en", w, 2000)}};
    });
    r.changes = list<PulledChange>(j, "changes", kMaxPageChanges, "response", [](const json& c, const std::string& w) {
      onlyKeys(c, {"seq", "doc"}, w);
      return PulledChange::of(integer(c, "seq", w), readDocument(member(c, "doc", w), w + ".doc"));
    });
    r.cursor = integer(j, "cursor", "response");
    const auto& last = member(j, "last_page", "response");
    if (!last.is_boolean()) throw Malformed{"response.last_page must be true or false"};
    r.last_page = last.get<bool>();
    r.server_wall_ms = integer(j, "server_wall_ms", "response");
    // Present together, from a server of version 2.
    if (j.contains("server_id")) {
      r.server_id = text(j, "server_id", "response", 64);
      r.restored_seq = integer(j, "restored_seq", "response");
      r.device_seq = integer(j, "device_seq", "response");
    }
    checkResponse(r);
    return r;
  });
}

namespace {

// The most room an encoding thread keeps for the next message.
constexpr std::size_t kKeptEncodeBufferBytes = 8u << 20;

template <class Message>
std::string toBinaryMessage(const Message& message) {
  // Written straight into a buffer that keeps its room from one message to the next on this
  // thread (a pull page is about a megabyte: growing a fresh string to that size copies it over
  // and over), then copied out once.
  struct StringBuffer : std::streambuf {
    std::string text;
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      text.append(s, static_cast<std::size_t>(n));
      return n;
    }
    int_type overflow(int_type c) override {
      if (c != traits_type::eof()) text.push_back(static_cast<char>(c));
      return c;
    }
  };
  thread_local StringBuffer buffer;
  buffer.text.clear();
  {
    std::ostream out(&buffer);
    cereal::PortableBinaryOutputArchive archive(out, cereal::PortableBinaryOutputArchive::Options::LittleEndian());
    archive(message);
  }
  std::string bytes = buffer.text;
  // A rare huge message does not pin its room for the thread's life.
  if (buffer.text.capacity() > kKeptEncodeBufferBytes) std::string().swap(buffer.text);
  return bytes;
}

template <class Message, class Check>
Result<Message> fromBinaryMessage(std::string_view bytes, Check check) {
  return guarded<Message>([&] {
    Message message;
    WireInputArchive archive(bytes, std::max(kMaxBatchEntries, kMaxFields));
    archive(message);
    if (archive.remaining() != 0) throw Malformed{std::to_string(archive.remaining()) + " stray bytes after the message"};
    check(message);
    return message;
  });
}

}  // namespace

std::string toBinary(const SyncRequest& request) {
  if (request.server_id) return toBinaryMessage(request);
  SyncRequestV1 v1{const_cast<SyncRequest*>(&request)};  // only read: the archive saves
  return toBinaryMessage(v1);
}
std::string toBinary(const SyncResponse& response) {
  if (!response.server_id.empty()) return toBinaryMessage(response);
  SyncResponseV1 v1{const_cast<SyncResponse*>(&response)};  // only read: the archive saves
  return toBinaryMessage(v1);
}

Result<SyncRequest> syncRequestFromBinary(std::string_view bytes) {
  return fromBinaryMessage<SyncRequest>(bytes, checkRequest);
}

Result<SyncResponse> syncResponseFromBinary(std::string_view bytes) {
  return fromBinaryMessage<SyncResponse>(bytes, checkResponse);
}

}  // namespace fieldcheck::protocol
