// zstd compression with bounded, streaming decompression.
#include "fieldcheck/compression.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <zstd.h>

namespace fieldcheck {

namespace {
constexpr int kLevel = 1;  // on the wire JSON of inspections, level 1 measured both faster and smaller than 3
}

std::string compress(std::string_view data) {
  // A context and an output buffer per thread, kept: a pull page is about a megabyte, and fresh
  // buffers of that size cost more in page faults and zeroing than the compression itself.
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  thread_local std::unique_ptr<char[]> buffer;
  thread_local std::size_t capacity = 0;
  if (!context) throw std::bad_alloc();
  const auto bound = ZSTD_compressBound(data.size());
  if (bound > capacity) {
    buffer.reset(new char[bound]);
    capacity = bound;
  }
  const auto n = ZSTD_compressCCtx(context.get(), buffer.get(), capacity, data.data(), data.size(), kLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  return std::string(buffer.get(), n);
}

Result<std::string> decompress(std::string_view data, std::size_t max_bytes) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(), ZSTD_freeDStream);
  if (!stream) throw std::bad_alloc();
  ZSTD_initDStream(stream.get());
  std::string out;
  // The frame says how large it expands to (when the sender knew it): room for it at once, within
  // the limit, instead of growing piece by piece.
  if (const auto size = ZSTD_getFrameContentSize(data.data(), data.size());
      size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR)
    out.reserve(static_cast<std::size_t>(std::min<unsigned long long>(size, max_bytes)));
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::size_t last = 1;
  while (in.pos < in.size || last != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(last))
      return problem("Dữ liệu nén bị hỏng.", std::string("The compressed data is damaged (") + ZSTD_getErrorName(last) + ").");
    if (out.size() + o.pos > max_bytes)
      return problem("Dữ liệu giải nén vượt quá giới hạn " + std::to_string(max_bytes) + " byte.",
                     "The data expands beyond the limit of " + std::to_string(max_bytes) + " bytes.");
    out.append(chunk.data(), o.pos);
    if (in.pos == in.size && o.pos == 0 && last != 0)
      return problem("Dữ liệu nén bị cắt cụt.", "The compressed data is truncated.");
  }
  return out;
}

}  // namespace fieldcheck
