// Fuzz target: files carried on a USB stick — bundles the server reads, receipts a laptop reads.
// The first byte picks the reader: 0 a bundle file as it is (readBundle), 1 the rest sealed to the
// server's key and framed as a bundle file (so the fuzzer reaches what is inside the seal), 2 a
// receipt file as it is (readReceipt), 3 the rest signed with the server's key and framed as a
// receipt file. The keys are made once per process.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "fuzz_check.h"

using namespace fieldcheck;
using fieldcheck::fuzz::contractBroken;

namespace {

constexpr std::string_view kBundleMagic = "FIELDCHECK-BUNDLE 1\n";
constexpr std::string_view kReceiptMagic = "FIELDCHECK-RECEIPT 1\n";
// The device named inside the receipts of the corpus.
constexpr const char* kDevice = "0123456789abcdef0123456789abcdef";

const KeyPair& sealingKeys() {
  static const KeyPair keys = newSealingKeys();
  return keys;
}
const KeyPair& signingKeys() {
  static const KeyPair keys = newSigningKeys();
  return keys;
}

void readBundleFile(const std::string& file) {
  auto read = bundle::readBundle(file, sealingKeys());
  if (!read) return;
  // What was read writes a bundle that reads back the same.
  auto again = bundle::readBundle(bundle::writeBundle(read.value(), sealingKeys().public_hex), sealingKeys());
  if (!again) contractBroken("a bundle read does not read back once written", again.problem().message.en);
  if (again.value().batches.size() != read.value().batches.size() || again.value().attachments.size() != read.value().attachments.size())
    contractBroken("a bundle changed on its round trip");
}

void readReceiptFile(const std::string& file) {
  auto read = bundle::readReceipt(file, signingKeys().public_hex, kDevice);
  if (!read) return;
  auto again = bundle::readReceipt(bundle::writeReceipt(read.value(), signingKeys().secret_hex), signingKeys().public_hex, kDevice);
  if (!again) contractBroken("a receipt read does not read back once written", again.problem().message.en);
  if (again.value().answers.size() != read.value().answers.size()) contractBroken("a receipt changed on its round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size == 0) return 0;
  const auto rest = fuzz::afterSelector(data, size);
  switch (data[0] % 4) {
    case 0: readBundleFile(std::string(rest)); break;
    case 1: readBundleFile(std::string(kBundleMagic) + seal(rest, sealingKeys().public_hex)); break;
    case 2: readReceiptFile(std::string(rest)); break;
    case 3: readReceiptFile(std::string(kReceiptMagic) + signMessage(rest, signingKeys().secret_hex)); break;
  }
  return 0;
}
