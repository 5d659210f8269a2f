// cereal serialisation of the document types and the sync messages, each with a class version.
// Write with the portable binary archive (little-endian) or the JSON archive, never cereal's
// non-portable BinaryArchive; read bytes from the network only with WireInputArchive
// (wire_archive.h), which bounds every size the sender states. protocol.h has the entry points.
#pragma once

#include <cstdio>
#include <string>

#include <cereal/cereal.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include "fieldcheck/document.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/value.h"

namespace fieldcheck {

template <class Archive>
void serialize(Archive& ar, DateTime& v, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("epoch_ms", v.epoch_ms), cereal::make_nvp("offset_minutes", v.offset_minutes));
}

template <class Archive>
void serialize(Archive& ar, GeoPoint& v, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("lat", v.latitude), cereal::make_nvp("lon", v.longitude),
     cereal::make_nvp("accuracy_m", v.accuracy_m));
}

template <class Archive>
void serialize(Archive& ar, AttachmentRef& v, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("sha256", v.sha256), cereal::make_nvp("size", v.size_bytes),
     cereal::make_nvp("type", v.media_type));
}

template <class Archive>
void serialize(Archive& ar, Value& v, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("value", v.storage()));
}

template <class Archive>
void serialize(Archive& ar, HybridTimestamp& v, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("wall_ms", v.wall_ms), cereal::make_nvp("counter", v.counter));
}

template <class Archive>
void serialize(Archive& ar, Document& d, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("id", d.id), cereal::make_nvp("kind", d.kind),
     cereal::make_nvp("fields", d.fields), cereal::make_nvp("revision", d.revision),
     cereal::make_nvp("parents", d.parents), cereal::make_nvp("deleted", d.deleted),
     cereal::make_nvp("author", d.author), cereal::make_nvp("device", d.device),
     cereal::make_nvp("stamp", d.stamp));
}

template <class Archive>
void serialize(Archive& ar, Bilingual& b, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("vi", b.vi), cereal::make_nvp("en", b.en));
}

namespace protocol {

template <class Archive>
void serialize(Archive& ar, PushEntry& e, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("seq", e.seq), cereal::make_nvp("base_revision", e.base_revision), cereal::make_nvp("doc", e.doc));
}

/// A server's identity (32 lowercase hex digits, or empty) in 16 bytes, as two numbers: every sync
/// carries it, and an idle sync is a few hundred bytes. Saving a malformed identity throws.
template <class Archive>
void serverIdentity(Archive& ar, const std::string& id) {
  std::uint64_t high = 0, low = 0;
  if (!id.empty()) {
    if (id.size() != 32 || id.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw cereal::Exception("a server identity that is not 32 lowercase hex digits");
    high = std::stoull(id.substr(0, 16), nullptr, 16);
    low = std::stoull(id.substr(16), nullptr, 16);
  }
  ar(cereal::make_nvp("server_id_high", high), cereal::make_nvp("server_id_low", low));
}

template <class Archive>
std::string serverIdentity(Archive& ar) {
  std::uint64_t high = 0, low = 0;
  ar(cereal::make_nvp("server_id_high", high), cereal::make_nvp("server_id_low", low));
  if (high == 0 && low == 0) return "";
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(high), static_cast<unsigned long long>(low));
  return text;
}

/// Version 2 adds the identity the laptop last heard (protocol.h); a request of version 1 reads
/// with none (nullopt).
template <class Archive>
void serialize(Archive& ar, SyncRequest& r, std::uint32_t version) {
  if (version > 2) throw cereal::Exception("a sync request of version " + std::to_string(version) + ", newer than this Fieldcheck");
  ar(cereal::make_nvp("push", r.push), cereal::make_nvp("cursor", r.cursor), cereal::make_nvp("page_limit", r.page_limit));
  if (version >= 2) {
    if constexpr (Archive::is_saving::value) {
      serverIdentity(ar, r.server_id.value_or(""));
    } else {
      r.server_id = serverIdentity(ar);
    }
  } else if constexpr (!Archive::is_saving::value) {
    r.server_id.reset();
  }
}

template <class Archive>
void serialize(Archive& ar, Refusal& r, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("seq", r.seq), cereal::make_nvp("doc_id", r.doc_id), cereal::make_nvp("code", r.code),
     cereal::make_nvp("reason", r.reason));
}

template <class Archive>
void serialize(Archive& ar, PulledChange& c, std::uint32_t /*version*/) {
  ar(cereal::make_nvp("seq", c.seq), cereal::make_nvp("doc", c.doc), cereal::make_nvp("fields_json", c.fields_json));
}

/// A SyncRequest written in version 1 (one that carries no identity: protocol.h).
struct SyncRequestV1 {
  SyncRequest* request;
};

template <class Archive>
void serialize(Archive& ar, SyncRequestV1& v, std::uint32_t /*version*/) {
  serialize(ar, *v.request, 1);
}

/// Version 2 adds the server's identity, the sequence it was restored at and how far it holds the
/// device's outbox (protocol.h). An answer without an identity is written as version 1
/// (SyncResponseV1), byte for byte what a laptop of version 1 reads.
template <class Archive>
void serialize(Archive& ar, SyncResponse& r, std::uint32_t version) {
  if (version > 2) throw cereal::Exception("a sync answer of version " + std::to_string(version) + ", newer than this Fieldcheck");
  ar(cereal::make_nvp("acked_through", r.acked_through), cereal::make_nvp("refused", r.refused),
     cereal::make_nvp("changes", r.changes), cereal::make_nvp("cursor", r.cursor),
     cereal::make_nvp("last_page", r.last_page), cereal::make_nvp("server_wall_ms", r.server_wall_ms));
  if (version >= 2) {
    if constexpr (Archive::is_saving::value) serverIdentity(ar, r.server_id);
    else r.server_id = serverIdentity(ar);
    ar(cereal::make_nvp("restored_seq", r.restored_seq), cereal::make_nvp("device_seq", r.device_seq));
  }
}

/// A SyncResponse written in version 1 (for laptops that know no identities).
struct SyncResponseV1 {
  SyncResponse* response;
};

template <class Archive>
void serialize(Archive& ar, SyncResponseV1& v, std::uint32_t /*version*/) {
  serialize(ar, *v.response, 1);
}

}  // namespace protocol
}  // namespace fieldcheck

CEREAL_CLASS_VERSION(fieldcheck::DateTime, 1)
CEREAL_CLASS_VERSION(fieldcheck::GeoPoint, 1)
CEREAL_CLASS_VERSION(fieldcheck::AttachmentRef, 1)
CEREAL_CLASS_VERSION(fieldcheck::Value, 1)
CEREAL_CLASS_VERSION(fieldcheck::HybridTimestamp, 1)
CEREAL_CLASS_VERSION(fieldcheck::Document, 1)
CEREAL_CLASS_VERSION(fieldcheck::Bilingual, 1)
CEREAL_CLASS_VERSION(fieldcheck::protocol::PushEntry, 1)
CEREAL_CLASS_VERSION(fieldcheck::protocol::SyncRequest, 2)
CEREAL_CLASS_VERSION(fieldcheck::protocol::SyncRequestV1, 1)
CEREAL_CLASS_VERSION(fieldcheck::protocol::Refusal, 1)
CEREAL_CLASS_VERSION(fieldcheck::protocol::PulledChange, 1)
CEREAL_CLASS_VERSION(fieldcheck::protocol::SyncResponse, 2)
CEREAL_CLASS_VERSION(fieldcheck::protocol::SyncResponseV1, 1)
