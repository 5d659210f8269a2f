// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the project's
// own writers and the sample seed, so the fuzzers start from real inputs. Run once when a format
// changes: build-fuzz/tests/fuzz/fuzz-make-corpus tests/fuzz/corpus (ids and seals differ each run).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fieldcheck/bundle.h"
#include "fieldcheck/checklist_template.h"
#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/value.h"
#include "support/sample_inspection.h"

using namespace fieldcheck;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path g_root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  const auto dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string withSelector(int selector, const std::string& rest) { return std::string(1, static_cast<char>(selector)) + rest; }

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A frame as bundles and receipts hold them: a 64-bit little-endian length, then the bytes.
std::string frame(const std::string& bytes) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bytes.size() >> (8 * i)) & 0xFF));
  return out + bytes;
}

std::string httpRequest(const std::string& method, const std::string& target, const std::vector<std::string>& headers,
                        const std::string& body, bool content_length = true) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : headers) out += h + "\r\n";
  if (content_length && (!body.empty() || method == "POST" || method == "PUT")) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz-make-corpus DIR\n";
    return 2;
  }
  g_root = argv[1];
  const fs::path seed_dir = FIELDCHECK_SEED_DIR;
  const std::string kDevice = "0123456789abcdef0123456789abcdef";
  const std::vector<std::string> establishments{seedDocumentId("establishment", "CS-15"), seedDocumentId("establishment", "CS-27")};
  const auto inspection = test::sampleInspection("lan", kDevice, "bao-lac", establishments, 3);
  auto edited = nextRevision(inspection, inspection.fields, "lan", kDevice, HybridTimestamp{inspection.stamp.wall_ms + 1000, 0});
  edited.fields["notes"] = Value{std::string("Đã kiểm tra lại.")};
  edited.revision = computeRevision(edited);

  // Sync bodies.
  // Version 1 (no identity), as the first seeds were written; version 2 below.
  protocol::SyncRequest request{{{1, "", inspection}, {2, inspection.revision, edited}}, 5, 100, std::nullopt};
  protocol::SyncRequest empty_request{{}, 0, 500, std::nullopt};
  protocol::SyncResponse response{2, {{7, inspection.id, "out_of_scope", {"Ngoài phạm vi.", "Outside your scope."}}},
                                  {protocol::PulledChange::of(11, inspection)}, 11, false, 1'556'870'400'000, "", 0, 0};
  write("sync_body", "request-binary", withSelector(0, protocol::toBinary(request)));
  write("sync_body", "request-empty-binary", withSelector(0, protocol::toBinary(empty_request)));
  write("sync_body", "response-binary", withSelector(1, protocol::toBinary(response)));
  write("sync_body", "request-json", withSelector(2, protocol::toJson(request).dump()));
  write("sync_body", "request-empty-json", withSelector(2, protocol::toJson(empty_request).dump()));
  write("sync_body", "response-json", withSelector(3, protocol::toJson(response).dump()));
  write("sync_body", "document-json", withSelector(4, protocol::documentToJson(edited).dump()));
  // Version 2: a laptop that heard the server's identity, and an answer of a restored server.
  const std::string kServerId = "fedcba9876543210fedcba9876543210";
  auto identified = request;
  identified.server_id = kServerId;
  auto restored = response;
  restored.server_id = kServerId;
  restored.restored_seq = 9;
  restored.device_seq = 2;
  write("sync_body", "request-identity-binary", withSelector(0, protocol::toBinary(identified)));
  write("sync_body", "response-restored-binary", withSelector(1, protocol::toBinary(restored)));
  write("sync_body", "request-identity-json", withSelector(2, protocol::toJson(identified).dump()));
  write("sync_body", "response-restored-json", withSelector(3, protocol::toJson(restored).dump()));
  write("sync_body", "zstd-binary", withSelector(5, compress(protocol::toBinary(request))));
  write("sync_body", "zstd-json", withSelector(5, compress(protocol::toJson(request).dump())));

  // Field text.
  write("field_text", "canonical-inspection", withSelector(0, canonicalFieldsJson(inspection.fields)));
  write("field_text", "canonical-empty", withSelector(0, "{}"));
  write("field_text", "general-inspection", withSelector(0, fieldsToJson(inspection.fields).dump(1)));
  int n = 0;
  for (const auto& [name, value] : inspection.fields) {
    if (n++ % 3 == 0) write("field_text", "value-" + name, withSelector(1, valueToJson(value).dump()));
  }
  write("field_text", "value-attachment",
        withSelector(1, valueToJson(AttachmentRef{sha256Hex("photo"), 1234, "image/jpeg"}).dump()));
  write("field_text", "value-gps-no-accuracy", withSelector(1, R"({"lat":22.6657,"lon":106.257})"));
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"datetime-offset", "2019-05-03T14:30:00+07:00"}, {"datetime-space", "2019-05-03 14:30"},
           {"date-only", "2019-02-28"}, {"datetime-zulu", "2020-02-29T23:59:59Z"}})
    write("field_text", name, withSelector(2, std::string(1, '\x64') + text));
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"offset-plus", "+07:00"}, {"offset-zulu", "Z"}, {"offset-minus", "-03:30"}})
    write("field_text", name, withSelector(3, text));

  // Templates, plans, expressions, typed answers.
  std::vector<fs::path> template_files;
  for (const auto& entry : fs::directory_iterator(seed_dir / "templates")) template_files.push_back(entry.path());
  std::sort(template_files.begin(), template_files.end());
  std::vector<ChecklistTemplate> templates;
  for (const auto& file : template_files) {
    const auto text = readFile(file);
    write("template_plan", "template-" + file.stem().string(), withSelector(0, text));
    templates.push_back(parseTemplate(text, file.filename().string()).value());
  }
  write("template_plan", "plan", withSelector(1, readFile(seed_dir / "plan.json")));
  n = 0;
  for (const auto& t : templates)
    for (const auto& q : t.questions) {
      if (q.relevant) write("template_plan", "expression-" + q.id, withSelector(2, q.relevant->text()));
    }
  for (const auto& t : templates)
    for (const auto& c : t.constraints) write("template_plan", "constraint-" + c.id, withSelector(2, c.check.text()));
  write("template_plan", "expression-functions",
        withSelector(2, "(selected(violations, 'fine') and count(actions) >= 2) or not answered(notes) != false"));
  write("template_plan", "expression-compare", withSelector(2, "workers_total > 3.5 and establishment.kind = \"bar\" or x <= null"));
  // One typed answer per question, in the order the target numbers them (templates by file name).
  int index = 0;
  for (const auto& t : templates)
    for (const auto& q : t.questions) {
      std::string input;
      switch (q.type) {
        case QuestionType::kYesNo: input = index % 2 ? "có" : "không"; break;
        case QuestionType::kInteger: input = index % 2 ? "2.000.000" : "12"; break;
        case QuestionType::kDecimal: input = "20,5"; break;
        case QuestionType::kText: input = "Nông Văn An, Lê Thị Bình"; break;
        case QuestionType::kSingleChoice: input = q.choices.empty() ? "" : q.choices.front().code; break;
        case QuestionType::kMultipleChoice:
          input = q.choices.size() < 2 ? "" : q.choices[0].code + ", " + q.choices[1].label.vi;
          break;
        case QuestionType::kDateTime: input = index % 2 ? "now" : "2019-05-03 14:30"; break;
        case QuestionType::kGps: input = "22.6657, 106.2570, 8"; break;
        case QuestionType::kPhoto:
        case QuestionType::kSignature: input = "photo.jpg"; break;
      }
      if (index < 256) write("template_plan", "answer-" + t.id + "-" + q.id, withSelector(3, std::string(1, static_cast<char>(index)) + input));
      ++index;
    }

  // Bundles and receipts: the inner frames (selectors 1 and 3, which the target seals or signs),
  // and whole files sealed or signed with keys the target does not hold (selectors 0 and 2).
  const std::string photo = std::string("\xff\xd8\xff\xe0", 4) + "JFIF fuzz photo";
  const json bundle_header{{"device", kDevice}, {"token", "fuzz-inspector-token"}, {"cursor", 5}, {"batches", 1},
                           {"attachments", json::array({{{"sha256", sha256Hex(photo)}, {"size", photo.size()}, {"type", "image/jpeg"}}})}};
  write("bundle", "bundle-inner", withSelector(1, frame(bundle_header.dump()) + frame(protocol::toBinary(protocol::SyncRequest{request.push, 5, 1})) + frame(photo)));
  const json empty_bundle{{"device", kDevice}, {"token", "t"}, {"cursor", 0}, {"batches", 0}, {"attachments", json::array()}};
  write("bundle", "bundle-inner-empty", withSelector(1, frame(empty_bundle.dump())));
  const auto other_server = newSealingKeys();
  write("bundle", "bundle-file", withSelector(0, bundle::writeBundle(bundle::Bundle{kDevice, "t", {request.push}, 5, {}}, other_server.public_hex)));
  const json receipt_header{{"device", kDevice}, {"attachments_held", {sha256Hex(photo)}}, {"answers", 1}};
  write("bundle", "receipt-inner", withSelector(3, frame(receipt_header.dump()) + frame(protocol::toBinary(response))));
  const auto other_signer = newSigningKeys();
  write("bundle", "receipt-file", withSelector(2, bundle::writeReceipt(bundle::Receipt{kDevice, {response}, {}}, other_signer.secret_hex)));

  // Requests on a connection, as the server reads them.
  const std::vector<std::string> kProtocol{"Fieldcheck-Protocol: 1"};
  const std::vector<std::string> kInspector{"Fieldcheck-Protocol: 1", "Authorization: Bearer fuzz-inspector-token"};
  const std::vector<std::string> kSupervisor{"Fieldcheck-Protocol: 1", "Authorization: Bearer fuzz-supervisor-token"};
  auto with = [](std::vector<std::string> headers, std::vector<std::string> more) {
    headers.insert(headers.end(), more.begin(), more.end());
    return headers;
  };
  write("http_request", "health", httpRequest("GET", "/v1/health", {}, ""));
  write("http_request", "login",
        httpRequest("POST", "/v1/login", with(kProtocol, {"Content-Type: application/json"}),
                    R"({"user":"lan","password":"wrong-pass!","device_name":"Laptop Bảo Lạc 1","device_id":"0123456789abcdef0123456789abcdef"})"));
  write("http_request", "whoami-then-health",
        httpRequest("GET", "/v1/whoami", kInspector, "") + httpRequest("GET", "/v1/health", {"Connection: close"}, ""));
  write("http_request", "sync-json", httpRequest("POST", "/v1/sync", with(kInspector, {"Content-Type: application/json"}),
                                                 protocol::toJson(request).dump()));
  write("http_request", "sync-empty-json", httpRequest("POST", "/v1/sync", with(kSupervisor, {"Content-Type: application/json"}),
                                                       R"({"push":[],"cursor":0,"page_limit":5})"));
  write("http_request", "sync-binary", httpRequest("POST", "/v1/sync", with(kInspector, {"Content-Type: application/x-fieldcheck"}),
                                                   protocol::toBinary(request)));
  write("http_request", "sync-binary-zstd",
        httpRequest("POST", "/v1/sync",
                    with(kInspector, {"Content-Type: application/x-fieldcheck", "Content-Encoding: zstd", "Accept-Encoding: zstd"}),
                    compress(protocol::toBinary(request))));
  {
    const std::string body = R"({"push":[],"cursor":0,"page_limit":2})";
    std::string chunked = "10\r\n" + body.substr(0, 16) + "\r\n";
    chunked += [&] { char buf[8]; std::snprintf(buf, sizeof buf, "%zx", body.size() - 16); return std::string(buf); }() + "\r\n" + body.substr(16) + "\r\n0\r\n\r\n";
    write("http_request", "sync-chunked",
          httpRequest("POST", "/v1/sync", with(kInspector, {"Content-Type: application/json", "Transfer-Encoding: chunked"}), chunked, false));
  }
  const auto sha = sha256Hex(photo);
  write("http_request", "upload-put",
        httpRequest("PUT", "/v1/uploads/" + sha,
                    with(kInspector, {"Content-Type: image/jpeg", "Fieldcheck-Offset: 0", "Fieldcheck-Size: " + std::to_string(photo.size()),
                                      "Fieldcheck-Chunk-Sha256: " + sha256Hex(photo)}),
                    photo) +
            httpRequest("GET", "/v1/uploads/" + sha, kInspector, ""));
  write("http_request", "upload-put-part",
        httpRequest("PUT", "/v1/uploads/" + sha,
                    with(kInspector, {"Content-Type: image/jpeg", "Fieldcheck-Offset: 4", "Fieldcheck-Size: " + std::to_string(photo.size()),
                                      "Fieldcheck-Chunk-Sha256: " + sha256Hex(photo.substr(4, 6))}),
                    photo.substr(4, 6)));
  write("http_request", "attachment-get", httpRequest("GET", "/v1/attachments/" + sha, kSupervisor, ""));
  write("http_request", "transfer-gzip",
        httpRequest("POST", "/v1/sync", with(kInspector, {"Transfer-Encoding: gzip"}), "", false));
  write("http_request", "unauthorized-body", httpRequest("POST", "/v1/sync", kProtocol, "{}"));
  return 0;
}
