// A cereal input archive for bytes that arrive from the network and may be hostile.
//
// It reads what cereal's PortableBinaryOutputArchive writes in little-endian order (a leading
// endianness byte, then fixed-width little-endian numbers, 64-bit sizes), and it is bounded:
//   - a size prefix larger than the bytes left is refused before anything is allocated, so a
//     string can never ask for more memory than the body holds;
//   - every list and map holds at most `max_items` entries and is grown as entries are read,
//     never resized ahead from a count the sender chose;
//   - reading past the end is refused.
// Everything refused throws cereal::Exception; the protocol's readers turn it into a Problem.
//
// cereal's own PortableBinaryInputArchive trusts size prefixes: it resizes a vector of N
// documents before reading one, so a 16 MiB body could ask for gigabytes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>

namespace fieldcheck {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian and Fieldcheck builds only for little-endian machines");

class WireInputArchive : public cereal::InputArchive<WireInputArchive, cereal::AllowEmptyClassElision> {
 public:
  WireInputArchive(std::string_view data, std::size_t max_items)
      : cereal::InputArchive<WireInputArchive, cereal::AllowEmptyClassElision>(this), data_(data), max_items_(max_items) {
    std::uint8_t little_endian = 0;
    (*this)(little_endian);
    if (little_endian != 1) throw cereal::Exception("not a little-endian Fieldcheck body");
  }

  void read(void* out, std::size_t size) {
    if (size > remaining())
      throw cereal::Exception("truncated: " + std::to_string(size) + " bytes wanted, " + std::to_string(remaining()) + " left");
    std::memcpy(out, data_.data() + position_, size);
    position_ += size;
  }
  std::size_t remaining() const { return data_.size() - position_; }
  std::size_t maxItems() const { return max_items_; }

  /// A list's or map's entry count, refused when above the limit or above the bytes left
  /// (every entry takes at least one byte).
  std::size_t readCount() {
    cereal::size_type count = 0;
    (*this)(count);
    if (count > max_items_) throw cereal::Exception("a list of " + std::to_string(count) + " entries (at most " +
                                                    std::to_string(max_items_) + ")");
    if (count > remaining()) throw cereal::Exception("a list longer than the bytes left");
    return static_cast<std::size_t>(count);
  }

 private:
  std::string_view data_;
  std::size_t position_ = 0;
  std::size_t max_items_;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, T& t) {
  if constexpr (std::is_same_v<T, bool>) {
    // A bool is one byte, 0 or 1: any other byte copied into a bool is undefined behaviour.
    std::uint8_t byte = 0;
    ar.read(&byte, 1);
    if (byte > 1) throw cereal::Exception("a yes/no byte that is neither 0 nor 1");
    t = byte == 1;
  } else {
    ar.read(std::addressof(t), sizeof(t));
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, cereal::BinaryData<T>& data) {
  ar.read(data.data, static_cast<std::size_t>(data.size));
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireInputArchive& ar, cereal::NameValuePair<T>& nvp) {
  ar(nvp.value);
}

// Sizes of strings (and of anything else cereal sizes) can never exceed the bytes left.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(WireInputArchive& ar, cereal::SizeTag<T>& tag) {
  cereal::size_type size = 0;
  ar(size);
  if (size > ar.remaining()) throw cereal::Exception("a size of " + std::to_string(size) + " bytes, more than the body holds");
  tag.size = static_cast<std::remove_reference_t<T>>(size);
}

template <class T, class A>
void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, std::vector<T, A>& list) {
  const auto count = ar.readCount();
  list.clear();
  for (std::size_t i = 0; i < count; ++i) {
    T item{};
    ar(item);
    list.push_back(std::move(item));
  }
}

template <class K, class V, class C, class A>
void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, std::map<K, V, C, A>& map) {
  const auto count = ar.readCount();
  map.clear();
  for (std::size_t i = 0; i < count; ++i) {
    K key{};
    V value{};
    ar(key, value);
    if (!map.emplace(std::move(key), std::move(value)).second) throw cereal::Exception("a key appears twice");
  }
}

}  // namespace fieldcheck
