// zstd compression with bounded, streaming decompression.
#include "fieldcheck/compression.h"

#include <memory>

#include <zstd.h>

namespace fieldcheck {

namespace {
constexpr int kLevel = 3;  // zstd's default: fast on a laptop, good on JSON
}

std::string compress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const auto n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), kLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> decompress(std::string_view data, std::size_t max_bytes) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(), ZSTD_freeDStream);
  if (!stream) throw std::bad_alloc();
  ZSTD_initDStream(stream.get());
  std::string out;
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
