// The HTTP API's request handling.
#include "api.h"

#include <algorithm>
#include <charconv>
#include <atomic>
#include <chrono>
#include <cstring>
#include <system_error>
#include <variant>

#include <SQLiteCpp/Exception.h>
#include <nlohmann/json.hpp>

#include "accounts.h"
#include "fieldcheck/compression.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"
#include "push_rules.h"
#include "fieldcheck/text.h"
#include "metrics.h"
#include "server_log.h"
#include "tuning.h"

namespace fieldcheck::server {
namespace {

using nlohmann::json;

// Text from a request (its path, a header) may be any bytes: bytes that are not UTF-8 are written
// as U+FFFD, so an answer that echoes them can always be written.
ApiResponse jsonResponse(unsigned status, const json& body) {
  return {status, "application/json; charset=utf-8", body.dump(-1, ' ', false, json::error_handler_t::replace), ""};
}

ApiResponse error(unsigned status, const std::string& code, const std::string& vi, const std::string& en) {
  return jsonResponse(status, json{{"error", {{"code", code}, {"vi", vi}, {"en", en}}}});
}

// Reads a JSON text without keeping anything, adding up what its values would take in memory once
// parsed: a node each, an allocation for each container, the bytes of each text and key. Stops
// (returns false) past `limit`, or at the first syntax error, which the real parse then reports.
class JsonMemoryEstimate final : public nlohmann::json_sax<json> {
 public:
  explicit JsonMemoryEstimate(std::size_t limit) : limit_(limit) {}
  bool over() const { return estimated_ > limit_; }

  bool null() override { return add(0); }
  bool boolean(bool) override { return add(0); }
  bool number_integer(number_integer_t) override { return add(0); }
  bool number_unsigned(number_unsigned_t) override { return add(0); }
  bool number_float(number_float_t, const string_t&) override { return add(0); }
  bool string(string_t& text) override { return add(text.size()); }
  bool binary(binary_t& bytes) override { return add(bytes.size()); }
  bool start_object(std::size_t) override { return add(kContainerBytes); }
  bool key(string_t& text) override { return add(text.size()); }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return add(kContainerBytes); }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  static constexpr std::size_t kNodeBytes = sizeof(json) + 16, kContainerBytes = 64;
  bool add(std::size_t extra) {
    estimated_ += kNodeBytes + extra;
    return !over();
  }
  std::size_t limit_;
  std::size_t estimated_ = 0;
};

// The parsed JSON body, or the 4xx that says why there is none: more values than the server lets
// a body take in memory (found by a first reading that keeps nothing, so such a body is refused
// before it is held), malformed text, or a number that does not fit (which the parser reports
// apart from syntax).
std::variant<json, ApiResponse> parseJsonBody(const std::string& body) {
  JsonMemoryEstimate estimate(tuning::kMaxParsedJsonBytes);
  json::sax_parse(body, &estimate, nlohmann::detail::input_format_t::json, false);
  if (estimate.over())
    return error(413, "too_complex", "Nội dung JSON có quá nhiều giá trị; hãy chia thành nhiều lần gửi nhỏ hơn.",
                 "The JSON body holds too many values; send it in smaller parts.");
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return error(400, "bad_json", "Nội dung không phải JSON hợp lệ (byte " + std::to_string(e.byte) + ").",
                 "The body is not valid JSON (byte " + std::to_string(e.byte) + ").");
  } catch (const json::exception&) {
    return error(400, "bad_json", "Nội dung JSON có số quá lớn hoặc giá trị không đọc được.",
                 "The JSON body holds a number too large or a value that cannot be read.");
  }
}

std::string header(const ApiRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

std::optional<ApiResponse> checkProtocol(const ApiRequest& r) {
  const auto version = header(r, kProtocolHeader);
  if (version.empty())
    return error(400, "protocol_missing", "Yêu cầu thiếu phiên bản giao thức (header Fieldcheck-Protocol: 1).",
                 "The request does not say its protocol version (header Fieldcheck-Protocol: 1).");
  if (version != std::to_string(tuning::kProtocolVersion))
    return error(400, "protocol_unsupported",
                 "Máy chủ dùng giao thức " + std::to_string(tuning::kProtocolVersion) + ", không phải " + version +
                     "; hãy cập nhật Fieldcheck trên máy này.",
                 "This server speaks protocol " + std::to_string(tuning::kProtocolVersion) + ", not " + version +
                     "; update Fieldcheck on this device.");
  return std::nullopt;
}

// [tokens] device_token_unused_days, in hours (setDeviceTokenUnused); 0: never.
std::atomic<std::int64_t> device_token_unused_hours{24 * 90};

std::chrono::hours deviceTokenUnused() { return std::chrono::hours(device_token_unused_hours.load(std::memory_order_relaxed)); }

// Who holds the request's token when it is known and neither its device nor its user is revoked,
// whether or not it went unused too long: its last use is its last sync or its login, if later.
std::optional<Identity> tokenHolder(const ApiRequest& r, ProvincialStorage& storage) {
  const auto auth = header(r, "authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0) return std::nullopt;
  const auto token = auth.substr(kBearer.size());
  auto who = storage.identityForToken(tokenHash(token));
  if (who) who->last_used_at = std::max(who->last_used_at, tokenIssuedAt(token));
  return who;
}

// The caller, from a valid token: known, not revoked, and used within deviceTokenUnused().
std::optional<Identity> authenticate(const ApiRequest& r, ProvincialStorage& storage) {
  auto who = tokenHolder(r, storage);
  if (who && deviceTokenExpired(who->last_used_at, deviceTokenUnused(), wallClockMs())) return std::nullopt;
  return who;
}

// The 401 for a token its laptop left unused too long, audited; nullopt when the request carries
// no such token. The laptop logs in again, and keeps everything it holds.
std::optional<ApiResponse> expiredToken(const ApiRequest& r, ProvincialStorage& storage) {
  const auto who = tokenHolder(r, storage);
  const auto unused = deviceTokenUnused();
  if (!who || !deviceTokenExpired(who->last_used_at, unused, wallClockMs())) return std::nullopt;
  storage.audit(who->user, who->device, "token.expired", forLog(r.peer) + " last used " + who->last_used_at);
  const auto days = std::to_string(unused.count() / 24);
  return error(401, "token_expired",
               "Phiên đăng nhập của máy này đã hết hạn vì không dùng quá " + days +
                   " ngày; hãy đăng nhập lại (fieldcheck login). Dữ liệu trên máy không mất.",
               "This laptop's login expired after more than " + days +
                   " days unused; log in again (fieldcheck login). Nothing on the laptop is lost.");
}

// `answer` marked with who asked, for the request's log line (request_dispatch.cpp).
ApiResponse signedBy(const Identity& who, ApiResponse answer) {
  answer.log_user = who.user;
  answer.log_device = who.device;
  return answer;
}

ApiResponse unauthorized() {
  return error(401, "unauthorized", "Chưa đăng nhập hoặc thiết bị đã bị thu hồi quyền; hãy đăng nhập lại.",
               "Not logged in, or this device's access was revoked; log in again.");
}

// A JSON object with exactly the expected string keys; nullopt (and a 400 in `refusal`) otherwise.
std::optional<json> readObject(const ApiRequest& r, std::initializer_list<const char*> keys, ApiResponse& refusal) {
  auto parsed = parseJsonBody(r.body);
  if (auto* bad = std::get_if<ApiResponse>(&parsed)) {
    refusal = std::move(*bad);
    return std::nullopt;
  }
  auto& body = std::get<json>(parsed);
  if (!body.is_object()) {
    refusal = error(400, "bad_request", "Nội dung phải là một đối tượng JSON.", "The body must be a JSON object.");
    return std::nullopt;
  }
  for (const auto& [key, value] : body.items()) {
    if (std::find_if(keys.begin(), keys.end(), [&](const char* k) { return key == k; }) == keys.end()) {
      refusal = error(400, "unknown_field", "Trường lạ “" + key + "”.", "Unknown field “" + key + "”.");
      return std::nullopt;
    }
    if (!value.is_string()) {
      refusal = error(400, "wrong_type", "Trường “" + key + "” phải là chuỗi.", "Field “" + key + "” must be a string.");
      return std::nullopt;
    }
  }
  for (const char* key : keys) {
    if (!body.contains(key)) {
      refusal = error(400, "missing_field", std::string("Thiếu trường “") + key + "”.",
                      std::string("Missing field “") + key + "”.");
      return std::nullopt;
    }
  }
  return body;
}

ApiResponse login(const ApiRequest& r, ProvincialStorage& storage, LoginBudget& logins) {
  ApiResponse refusal;
  auto body = readObject(r, {"user", "password", "device_name", "device_id"}, refusal);
  if (!body) return refusal;
  const auto name = (*body)["user"].get<std::string>();
  const auto password = (*body)["password"].get<std::string>();
  const auto device_name = (*body)["device_name"].get<std::string>();
  const auto device_id = (*body)["device_id"].get<std::string>();
  if (!isDocumentId(device_id))
    return error(400, "bad_request", "Mã thiết bị không hợp lệ.", "The device id is not valid.");
  if (device_name.size() > 200 || !isCleanUtf8(device_name))
    return error(400, "bad_request", "Tên thiết bị quá dài hay không hợp lệ.", "The device name is too long or not valid.");
  auto checked = checkCredentials(name, password, r.peer, "", storage, logins, wallClockMs());
  if (auto* refused = std::get_if<ApiResponse>(&checked)) return std::move(*refused);
  const auto& user = std::get<User>(checked);
  // A one-time code an administrator set is for the console only: its holder chooses their own
  // password there first, so no laptop holds a code somebody else knows.
  if (user.must_change_password)
    return error(403, "password_change_required",
                 "Mật khẩu này là mã dùng một lần do quản trị viên cấp. Hãy đăng nhập bảng điều khiển tỉnh trên trình duyệt, "
                 "đổi sang mật khẩu của riêng bạn, rồi đăng nhập lại trên máy này bằng mật khẩu mới.",
                 "This password is a one-time code an administrator gave you. Log in to the provincial console in a browser, "
                 "change it to a password of your own, then log in here again with the new one.");
  const auto token = newToken();
  const auto device = storage.enrolDevice(user.name, device_id, toNfc(device_name), token.hash);
  if (!device) return error(409, "device_refused", device.problem().message.vi, device.problem().message.en);
  // The laptop's number in its user's district (or province-wide), that begins the numbers of
  // the records it makes from now on.
  const auto laptop_number = storage.laptopNumber(device.value(), user.district.value_or(""));
  // How this laptop's records will begin ("BLC-2"), for its user to read; province-wide laptops
  // number records of any district, so theirs begin with the record's district.
  std::string number_prefix;
  if (user.district)
    if (const auto place = storage.head(seedDocumentId(kinds::kDistrict, *user.district)))
      number_prefix = districtAbbreviation(*user.district, textField(*place, "abbreviation")) + "-" + laptop_number;
  storage.audit(user.name, device.value(), "login", r.peer + " " + device_name + " laptop " + laptop_number);
  const auto keys = storage.serverKeys();
  return signedBy({user.name, user.role, user.district, device.value()}, jsonResponse(200, json{{"token", token.token},
                                {"device", device.value()},
                                {"laptop_number", laptop_number},
                                {"number_prefix", number_prefix},
                                // Remembered by a laptop with nothing synced yet (protocol.h on restores).
                                {"server_id", storage.identity().id},
                                {"user", user.name},
                                {"role", roleName(user.role)},
                                {"district", user.district ? json(*user.district) : json()},
                                {"sealing_key", keys.sealing.public_hex},
                                {"signing_key", keys.signing.public_hex}}));
}

bool mediaTypeIs(const std::string& header_value, const char* media_type) {
  return header_value.compare(0, std::strlen(media_type), media_type) == 0;
}

// The request in the form its Content-Type names (binary for Fieldcheck, JSON for scripts), or
// the 4xx answer saying why it cannot be read.
std::variant<protocol::SyncRequest, ApiResponse> readSyncRequest(const ApiRequest& r) {
  const auto content_type = header(r, "content-type");
  auto refused = [](const Problem& p) { return error(400, "bad_request", p.message.vi, p.message.en); };
  if (mediaTypeIs(content_type, protocol::kBinaryMediaType)) {
    auto request = protocol::syncRequestFromBinary(r.body);
    if (!request) return refused(request.problem());
    return std::move(request.value());
  }
  if (!content_type.empty() && !mediaTypeIs(content_type, protocol::kJsonMediaType))
    return error(415, "media_type",
                 std::string("Máy chủ chỉ nhận nội dung dạng ") + protocol::kJsonMediaType + " hoặc " + protocol::kBinaryMediaType +
                     "; hãy gửi kèm header Content-Type: " + protocol::kJsonMediaType + ".",
                 std::string("The server accepts only bodies of type ") + protocol::kJsonMediaType + " or " + protocol::kBinaryMediaType +
                     "; send the header Content-Type: " + protocol::kJsonMediaType + ".");
  auto parsed = parseJsonBody(r.body);
  if (auto* bad = std::get_if<ApiResponse>(&parsed)) return std::move(*bad);
  auto request = protocol::syncRequestFromJson(std::get<json>(parsed));
  if (!request) return refused(request.problem());
  return std::move(request.value());
}

ApiResponse sync(const ApiRequest& r, const Identity& who, ProvincialStorage& storage) {
  auto read = readSyncRequest(r);
  if (auto* refusal = std::get_if<ApiResponse>(&read)) return *refusal;
  auto& request = std::get<protocol::SyncRequest>(read);
  // A laptop that last synced with another history of this server (before a restore), or that
  // never heard an identity while this server was restored, has nothing applied until it has heard
  // this one's: its batch may leave a gap (protocol.h).
  const auto own = storage.identity();
  if (!request.server_id && own.restored_seq > 0) {
    const auto why = updateRequired().message;
    return error(409, "update_required", why.vi, why.en);
  }
  const bool other_history = request.server_id && protocol::otherHistory(*request.server_id, own.id, own.restored_seq);
  const auto entries = other_history ? 0 : request.push.size();
  const auto pushed = other_history ? PushOutcome{} : pushBatch(who, std::move(request.push), storage);
  countPush(entries);
  auto response = storage.pull(pullScope(who), request.cursor, request.page_limit);
  response.acked_through = other_history ? response.device_seq : pushed.acked_through;
  response.refused = pushed.refused;
  response.server_wall_ms = wallClockMs();
  if (!request.server_id) response.server_id.clear();  // a laptop of protocol version 1 reads version 1
  // Answered in binary when asked with Accept, or, without an Accept naming JSON, when the request
  // itself came in binary (so Fieldcheck need not spend an extra header on every sync).
  const auto accept = header(r, "accept");
  const bool binary = accept.find(protocol::kBinaryMediaType) != std::string::npos ||
                      (accept.find(protocol::kJsonMediaType) == std::string::npos &&
                       mediaTypeIs(header(r, "content-type"), protocol::kBinaryMediaType));
  if (binary) return {200, protocol::kBinaryMediaType, protocol::toBinary(response), ""};
  return jsonResponse(200, protocol::toJson(response));
}

// A header's whole value as a decimal count: digits only, nothing before or after ("65536abc",
// " 1", "+1" and "-1" are not counts), and no overflow.
std::optional<std::uint64_t> decimalHeader(const ApiRequest& r, const std::string& name) {
  const auto text = header(r, name);
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stopped, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || stopped != end || text.front() < '0' || text.front() > '9') return std::nullopt;
  return value;
}

json uploadJson(const protocol::UploadState& state) { return json{{"received", state.received}, {"complete", state.complete}}; }

// GET /v1/uploads/SHA256: how much the server holds. PUT: one chunk (see protocol.h).
ApiResponse upload(const ApiRequest& r, const Identity& who, ProvincialStorage& storage, const std::string& sha256) {
  if (r.method == "GET") return jsonResponse(200, uploadJson(storage.uploadState(sha256, who.device)));
  if (r.method != "PUT") return error(405, "method", "Chỉ dùng GET hoặc PUT.", "Use GET or PUT.");
  const auto offset_header = decimalHeader(r, "fieldcheck-offset"), size_header = decimalHeader(r, "fieldcheck-size");
  if (!offset_header || !size_header)
    return error(400, "upload_headers", "Thiếu hoặc sai header Fieldcheck-Offset / Fieldcheck-Size (chỉ gồm chữ số).",
                 "The headers Fieldcheck-Offset and Fieldcheck-Size are missing or not plain numbers.");
  const auto offset = *offset_header, size = *size_header;
  if (size > tuning::kMaxAttachmentBytes) {
    const auto why = attachmentTooLarge(size).message;
    return error(413, "too_large", why.vi, why.en);
  }
  if (r.body.size() > tuning::kMaxUploadChunkBytes)
    return error(413, "chunk_too_large", "Phần gửi lên quá lớn.", "The chunk is too large.");
  auto appended = storage.appendUpload(who, sha256, offset, size, header(r, "content-type"), r.body,
                                       header(r, "fieldcheck-chunk-sha256"));
  if (!appended) return error(422, "upload_refused", appended.problem().message.vi, appended.problem().message.en);
  const auto& outcome = appended.value();
  if (outcome.appended) countUploadedBytes(r.body.size());
  // Not where the server stands (a chunk sent twice, or after a cut): the caller goes on from there.
  return jsonResponse(outcome.appended || outcome.state.complete ? 200 : 409, uploadJson(outcome.state));
}

// GET /v1/attachments/SHA256: the file, for those who review (supervisors and up) in their scope.
ApiResponse attachment(const ApiRequest& r, const Identity& who, ProvincialStorage& storage, const std::string& sha256) {
  if (r.method != "GET") return error(405, "method", "Chỉ dùng GET.", "Use GET.");
  if (!mayReview(who.role))
    return error(403, "role", "Chỉ giám sát viên và cán bộ tỉnh xem được ảnh từ máy chủ.",
                 "Only supervisors and provincial staff fetch attachments from the server.");
  const auto file = storage.attachmentFile(pullScope(who), sha256);
  if (!file)
    return error(404, "no_attachment", "Máy chủ chưa có ảnh này, hoặc ảnh không thuộc phạm vi của bạn.",
                 "The server does not have this attachment whole, or it is outside your scope.");
  std::string bytes;
  try {
    bytes = readWholeFile(file->first);
  } catch (const std::system_error& e) {
    logMessage(LogLevel::kError, "cannot read attachment " + sha256 + ": " + forLog(e.what()));
    return error(503, "storage", "Máy chủ tạm thời không đọc được ảnh; hãy thử lại sau.",
                 "The server cannot read the attachment right now; try again later.");
  }
  storage.audit(who.user, who.device, "attachment.fetch", sha256);
  return {200, file->second, std::move(bytes), ""};
}

}  // namespace

std::string forLog(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (const unsigned char c : text.substr(0, max_bytes)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

Problem updateRequired() {
  return problem("Máy chủ đã được khôi phục từ một bản sao lưu, và phiên bản Fieldcheck trên máy này quá cũ để gửi lại những gì "
                 "máy chủ thiếu. Hãy cập nhật Fieldcheck rồi đồng bộ lại; không có gì trên máy này bị mất.",
                 "The server was restored from a backup, and the version of Fieldcheck on this laptop is too old to send again "
                 "what the server lacks. Update Fieldcheck, then sync again; nothing on this laptop is lost.");
}

ApiResponse errorResponse(unsigned status, const std::string& code, const std::string& vi, const std::string& en) {
  return error(status, code, vi, en);
}

std::variant<std::map<std::string, std::string>, ApiResponse> readStringFields(const std::string& body,
                                                                               std::initializer_list<const char*> keys) {
  ApiResponse refusal;
  ApiRequest request;
  request.body = body;
  auto object = readObject(request, keys, refusal);
  if (!object) return refusal;
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : object->items()) fields[key] = value.get<std::string>();
  return fields;
}

std::variant<User, ApiResponse> checkCredentials(const std::string& name, const std::string& password,
                                                 const std::string& peer, const std::string& audit_device,
                                                 ProvincialStorage& storage, LoginBudget& logins, std::int64_t now_ms) {
  // An address that keeps failing is refused before anything is hashed, so it cannot keep the
  // serving threads busy; the others go on logging in.
  if (const auto wait = logins.waitFor(peer, LoginBudget::Clock::now()); wait > LoginBudget::Clock::duration::zero()) {
    countLogin(LoginOutcome::kPaused);
    const auto minutes = std::to_string(std::chrono::duration_cast<std::chrono::minutes>(wait).count() + 1);
    return error(429, "login_paused", "Quá nhiều lần đăng nhập sai từ địa chỉ này; hãy thử lại sau " + minutes + " phút.",
                 "Too many failed logins from this address; try again in " + minutes + " minutes.");
  }
  if (password.size() > tuning::kMaxPasswordBytes)
    return error(400, "bad_request", "Mật khẩu quá dài.", "The password is too long.");
  auto found = isValidUserName(name) ? storage.userWithHash(name) : std::nullopt;
  if (found) {
    const auto paused_until = storage.loginPausedUntil(name, peer);
    if (paused_until > now_ms) {
      countLogin(LoginOutcome::kPaused);
      const auto minutes = std::to_string((paused_until - now_ms) / 60'000 + 1);
      return error(429, "login_paused", "Nhập sai mật khẩu quá nhiều lần; hãy thử lại sau " + minutes + " phút.",
                   "Too many wrong passwords; try again in " + minutes + " minutes.");
    }
  }
  // An unknown user costs the same hashing as a known one, so timing reveals nothing either.
  static const std::string kDecoyHash = hashPassword("decoy password for unknown users");
  const bool password_ok = verifyPassword(password, found ? found->second : kDecoyHash);
  // The same answer for an unknown user, a wrong password and a revoked user: nothing to probe.
  if (!found || found->first.revoked || !password_ok) {
    logins.failed(peer, LoginBudget::Clock::now());
    countLogin(LoginOutcome::kFailed);
    if (found) storage.recordLogin(name, peer, false, now_ms);
    storage.audit(name.substr(0, 64), audit_device, "login.refused", peer);
    return error(401, "login_refused", "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị thu hồi.",
                 "Wrong user name or password, or the account was revoked.");
  }
  storage.recordLogin(name, peer, true, now_ms);
  countLogin(LoginOutcome::kOk);
  return std::move(found->first);
}

std::size_t bodyLimitFor(const ApiRequest& head, ProvincialStorage& storage) {
  return authenticate(head, storage) ? tuning::kMaxRequestBodyBytes : tuning::kMaxUnauthenticatedBodyBytes;
}

std::variant<std::size_t, ApiResponse> admitBody(const ApiRequest& head, std::optional<std::uint64_t> content_length,
                                                 ProvincialStorage& storage) {
  const auto limit = bodyLimitFor(head, storage);
  const bool logged_in = limit == tuning::kMaxRequestBodyBytes;
  if (!logged_in && head.target != "/v1/login" && head.target != "/v1/health") {
    if (auto expired = expiredToken(head, storage)) return std::move(*expired);
    return unauthorized();
  }
  if (content_length && *content_length > limit)
    return error(413, "too_large", "Yêu cầu quá lớn.", "The request is too large.");
  return limit;
}

void setDeviceTokenUnused(std::chrono::hours unused) {
  device_token_unused_hours.store(std::max<std::int64_t>(unused.count(), 0), std::memory_order_relaxed);
}

ApiResponse handleEncoded(ApiRequest request, ProvincialStorage& storage, LoginBudget& logins) {
  const auto encoding = header(request, "content-encoding");
  if (!encoding.empty()) {
    if (encoding != kContentCoding)
      return error(415, "encoding", "Máy chủ chỉ nhận nội dung nén zstd.", "The server accepts only zstd-compressed bodies.");
    auto plain = decompress(request.body, bodyLimitFor(request, storage));
    if (!plain) return error(400, "bad_encoding", plain.problem().message.vi, plain.problem().message.en);
    request.body = std::move(plain.value());
  }
  auto response = handle(request, storage, logins);
  constexpr std::size_t kWorthCompressingBytes = 256;
  // Photos are compressed already.
  if (response.body.size() >= kWorthCompressingBytes && response.content_type.rfind("image/", 0) != 0 &&
      header(request, "accept-encoding").find(kContentCoding) != std::string::npos) {
    response.body = compress(response.body);
    response.content_encoding = std::string(kContentCoding);
  }
  return response;
}

ApiResponse handle(const ApiRequest& r, ProvincialStorage& storage, LoginBudget& logins) {
  try {
    if (r.target == "/v1/health") {
      if (r.method != "GET") return error(405, "method", "Chỉ dùng GET.", "Use GET.");
      return jsonResponse(200, json{{"status", "ok"},
                                    {"protocol", tuning::kProtocolVersion},
                                    {"province", storage.setting("province").value_or("")}});
    }
    if (auto refused = checkProtocol(r)) return *refused;
    if (r.target == "/v1/login") {
      if (r.method != "POST") return error(405, "method", "Chỉ dùng POST.", "Use POST.");
      return login(r, storage, logins);
    }
    // Every other endpoint needs a token: one unused too long is told apart, so its laptop's
    // user knows to log in again.
    if (auto expired = expiredToken(r, storage)) return std::move(*expired);
    if (r.target == "/v1/sync") {
      if (r.method != "POST") return error(405, "method", "Chỉ dùng POST.", "Use POST.");
      auto who = authenticate(r, storage);
      if (!who) return unauthorized();
      storage.deviceSeen(who->device, wallClockMs());
      return signedBy(*who, sync(r, *who, storage));
    }
    for (const auto& [prefix, route] : {std::pair{std::string_view("/v1/uploads/"), &upload},
                                        std::pair{std::string_view("/v1/attachments/"), &attachment}}) {
      if (r.target.compare(0, prefix.size(), prefix) != 0) continue;
      const auto sha256 = r.target.substr(prefix.size());
      if (!isSha256Hex(sha256))
        return error(404, "not_found", "Mã ảnh phải là 64 chữ số hex thường.", "An attachment is named by 64 lowercase hex digits.");
      auto who = authenticate(r, storage);
      if (!who) return unauthorized();
      return signedBy(*who, route(r, *who, storage, sha256));
    }
    if (r.target == "/v1/whoami") {
      if (r.method != "GET") return error(405, "method", "Chỉ dùng GET.", "Use GET.");
      auto who = authenticate(r, storage);
      if (!who) return unauthorized();
      return signedBy(*who, jsonResponse(200, json{{"user", who->user},
                                                   {"role", roleName(who->role)},
                                                   {"district", who->district ? json(*who->district) : json()},
                                                   {"device", who->device}}));
    }
    return error(404, "not_found", "Không có địa chỉ " + r.target.substr(0, 200) + ".",
                 "There is no endpoint " + r.target.substr(0, 200) + ".");
  } catch (const SQLite::Exception& e) {
    logMessage(LogLevel::kError, "storage failure on " + forLog(r.method, 16) + " " + forLog(r.target.substr(0, r.target.find('?'))) +
                                     ": " + forLog(e.what()));
    return error(503, "storage", "Máy chủ tạm thời không truy cập được dữ liệu; hãy thử lại sau.",
                 "The server cannot reach its data right now; try again later.");
  } catch (const std::system_error& e) {
    // Attachment files: a full or failing disk.
    logMessage(LogLevel::kError, "file failure on " + forLog(r.method, 16) + " " + forLog(r.target.substr(0, r.target.find('?'))) +
                                     ": " + forLog(e.what()));
    return error(503, "storage", "Máy chủ tạm thời không ghi được tệp; hãy thử lại sau.",
                 "The server cannot write its files right now; try again later.");
  } catch (const std::exception& e) {
    // A request nothing above foresaw still gets an answer, and the server goes on.
    logMessage(LogLevel::kError, "request failed: " + forLog(r.method, 16) + " " + forLog(r.target.substr(0, r.target.find('?'))) +
                                     " from " + forLog(r.peer) + ": " + forLog(e.what()));
    return error(500, "internal", "Máy chủ không xử lý được yêu cầu này.", "The server could not handle this request.");
  }
}

}  // namespace fieldcheck::server
