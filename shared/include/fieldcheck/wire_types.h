// cereal serialisation of the document types, each with a class version. Use the portable
// binary archive or the JSON archive; never cereal's non-portable BinaryArchive. The sync messages
// (protocol.h) still travel as JSON: cereal's standard loaders size strings and vectors from the
// input before checking it, so binary bodies from the network wait for a bounded input archive.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include "fieldcheck/document.h"
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

}  // namespace fieldcheck

CEREAL_CLASS_VERSION(fieldcheck::DateTime, 1)
CEREAL_CLASS_VERSION(fieldcheck::GeoPoint, 1)
CEREAL_CLASS_VERSION(fieldcheck::AttachmentRef, 1)
CEREAL_CLASS_VERSION(fieldcheck::Value, 1)
CEREAL_CLASS_VERSION(fieldcheck::HybridTimestamp, 1)
CEREAL_CLASS_VERSION(fieldcheck::Document, 1)
