// The sync loop: push a batch, pull a page, commit both, repeat.
#include "sync_engine.h"

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "attachment_store.h"
#include "fieldcheck/bundle.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/record_number.h"
#include "http_client.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

using nlohmann::json;

const std::map<std::string, std::string> kProtocolHeaders{
    {"Fieldcheck-Protocol", std::to_string(protocol::kVersion)}, {"Content-Type", protocol::kJsonMediaType}};

// The server's own message for a refused request, or a generic one.
Problem serverProblem(const HttpReply& reply) {
  try {
    const auto j = json::parse(reply.body);
    const auto& e = j.at("error");
    return problem(e.at("vi").get<std::string>(), e.at("en").get<std::string>());
  } catch (const std::exception&) {
    return problem("Máy chủ trả lời lỗi " + std::to_string(reply.status) + ".",
                   "The server answered with error " + std::to_string(reply.status) + ".");
  }
}

// Why the server refused this laptop's login: in its own words when it says the token expired
// (it names how long unused), otherwise the causes a laptop can guess at.
Problem refusedLogin(const HttpReply& reply) {
  try {
    if (json::parse(reply.body).at("error").at("code") == "token_expired") return serverProblem(reply);
  } catch (const std::exception&) {
  }
  return problem("Máy chủ không nhận phiên đăng nhập của máy này (bị thu hồi, hoặc máy chủ được khôi phục từ một bản sao lưu "
                 "cũ hơn lần đăng nhập này?); hãy đăng nhập lại.",
                 "The server no longer accepts this laptop's login (revoked, or the server was restored from a backup older "
                 "than this login?); log in again.");
}

Result<HttpReply> requestWithRetries(HttpConnection& connection, const std::string& target, const std::string& body,
                                     std::map<std::string, std::string> headers, const std::string& method = "POST") {
  auto pause = tuning::kRetryPauseFirst;
  for (int attempt = 1;; ++attempt) {
    auto reply = connection.request(method, target, headers, body, tuning::kSyncRequestTimeout);
    // A 5xx is the server's trouble, as transient as a cut link.
    if (reply && reply.value().status < 500) return reply;
    if (attempt == tuning::kSyncAttempts) return reply;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kRetryPauseMax));
  }
}

// One sync step over the link: the answer to `request`, decoded and checked, or why there is none.
Result<protocol::SyncResponse> exchange(HttpConnection& connection, const protocol::SyncRequest& request,
                                        const std::map<std::string, std::string>& headers) {
  auto reply = requestWithRetries(connection, "/v1/sync", protocol::toBinary(request), headers);
  if (!reply) return reply.problem();
  if (reply.value().status == 401) return refusedLogin(reply.value());
  if (reply.value().status != 200) return serverProblem(reply.value());
  auto response = protocol::syncResponseFromBinary(reply.value().body);
  if (!response) {
    auto malformed = problem("Máy chủ trả lời không đúng dạng; hãy thử lại sau. Nếu vẫn lỗi, máy chủ và máy này có thể khác phiên bản.",
                             "The server's answer was malformed; try again later. If it persists, the server and this "
                             "laptop may run different versions.");
    malformed.details.push_back(response.problem().message);
    return malformed;
  }
  return response;
}

// The server's answer to an upload request.
Result<UploadReply> uploadReply(const Result<HttpReply>& reply) {
  if (!reply) return reply.problem();
  const auto status = reply.value().status;
  if (status == 401) return refusedLogin(reply.value());
  if (status == 413 || status == 422) return UploadReply{{}, serverProblem(reply.value()).message};
  if (status != 200 && status != 409) return serverProblem(reply.value());
  try {
    const auto j = json::parse(reply.value().body);
    return UploadReply{{j.at("received").get<std::uint64_t>(), j.at("complete").get<bool>()}, std::nullopt};
  } catch (const std::exception&) {
    return problem("Máy chủ trả lời không đúng dạng khi nhận ảnh.", "The server's answer to an upload was malformed.");
  }
}

// Sends every attachment still to upload, each in chunks from what the server already holds.
// A refusal for good is recorded and the next goes on; a link that fails stops here (the next
// sync resumes).
std::optional<Problem> uploadAttachments(LocalStore& store, const std::filesystem::path& dir, SyncLink& link,
                                         SyncCounts& counts, const std::function<void(const SyncCounts&)>& progress) {
  const AttachmentStore files(dir);
  for (const auto& upload : store.uploads(true)) {
    const auto& ref = upload.ref;
    std::string bytes;
    try {
      bytes = readWholeFile(files.pathOf(ref));
    } catch (const std::system_error&) {
      store.finishUpload(ref.sha256, Bilingual{"Ảnh không còn trên máy này (" + utf8Of(files.pathOf(ref)) + "); hãy đính kèm lại.",
                                               "The photo is no longer on this laptop (" + utf8Of(files.pathOf(ref)) +
                                                   "); attach it again."});
      ++counts.attachments_refused;
      continue;
    }
    auto reply = link.uploadState(ref);
    auto pause = tuning::kRetryPauseFirst;
    int failures = 0;
    while (reply && !reply.value().refused && !reply.value().state.complete) {
      const auto offset = reply.value().state.received;
      if (offset >= bytes.size()) {
        reply = problem("Máy chủ báo đã nhận nhiều hơn kích thước ảnh.", "The server says it holds more than the photo's size.");
        break;
      }
      const auto chunk = std::string_view(bytes).substr(offset, protocol::kUploadChunkBytes);
      counts.attachment_bytes_sent += chunk.size();
      reply = link.uploadChunk(ref, offset, chunk);
      counts.bytes_sent = link.bytesSent();
      counts.bytes_received = link.bytesReceived();
      if (progress) progress(counts);
      if (reply || ++failures == tuning::kSyncAttempts) continue;
      // A cut link: ask the server what it holds and go on from there, not from the start.
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kRetryPauseMax));
      reply = link.uploadState(ref);
    }
    if (!reply) return reply.problem();
    if (reply.value().refused) {
      store.finishUpload(ref.sha256, reply.value().refused);
      ++counts.attachments_refused;
      continue;
    }
    store.finishUpload(ref.sha256);
    ++counts.attachments_sent;
  }
  return std::nullopt;
}

}  // namespace

Result<LoginResult> login(const Home& home, const std::string& server_url, const std::string& user,
                          const std::string& password, const std::string& device_name,
                          const std::filesystem::path& ca_file) {
  auto address = parseServerUrl(server_url);
  if (!address) return address.problem();
  ServerTrust trust;
  if (!ca_file.empty()) {
    if (!address.value().https)
      return problem("--ca chỉ dùng với máy chủ https://; " + address.value().url() + " không mã hóa nên không có chứng chỉ để xác minh.",
                     "--ca goes with an https:// server only; " + address.value().url() + " is not encrypted, so there is "
                     "no certificate to verify.");
    auto ca = readCaCertificates(ca_file);
    if (!ca) return ca.problem();
    trust.ca_pem = std::move(ca.value());
  }
  if (auto failed = makeHomeFolders(home)) return *failed;
  auto store = LocalStore::open(home.database(), true);
  if (!store) return store.problem();
  // The server takes a change only from the user who wrote it. Work done before this laptop's
  // first login carries the name it was set up with, and becomes the work of whoever logs in
  // first; work of a user who logged in here before is theirs to send.
  const bool logged_in_before = store.value().setting("token").has_value();
  if (const auto others = store.value().pendingByOthers(user); logged_in_before && !others.empty()) {
    const auto& [other, count] = others.front();
    return problem("Máy này còn " + std::to_string(count) + " thay đổi chưa gửi của " + other + ". Hãy để " + other +
                         " đăng nhập và đồng bộ trước khi người khác dùng máy (hoặc dùng một thư mục khác với --home).",
                     "This laptop holds " + std::to_string(count) + " unsent changes of " + other + ". Let " + other +
                         " log in and sync before someone else uses it (or use another folder with --home).");
  }
  // Logging in again to the same server keeps to the province's CA given at an earlier login (the
  // USB stick it came on may be gone); its key is verified anew and remembered.
  if (trust.ca_pem.empty() && address.value().https && store.value().setting("server_url") == address.value().url())
    trust.ca_pem = store.value().setting("server_ca_pem").value_or("");
  HttpConnection connection(address.value(), trust);
  // A server refused at the TLS checks is told at once, before the password goes anywhere.
  if (auto not_open = connection.open(tuning::kSyncRequestTimeout); not_open && connection.refused()) return *not_open;
  const json body{{"user", user}, {"password", password}, {"device_name", device_name}, {"device_id", store.value().device()}};
  auto reply = requestWithRetries(connection, "/v1/login", body.dump(), kProtocolHeaders);
  if (!reply) return reply.problem();
  if (reply.value().status != 200) return serverProblem(reply.value());
  LoginResult result;
  try {
    const auto j = json::parse(reply.value().body);
    result = {address.value().url(), j.at("user").get<std::string>(), j.at("role").get<std::string>(),
              j.at("district").is_null() ? "" : j.at("district").get<std::string>(), j.at("device").get<std::string>()};
    auto& s = store.value();
    // Renamed before the token is kept: a laptop stopped in between renames them at its next login.
    if (logged_in_before) s.setSetting("user", result.user);
    else s.adoptPending(result.user);
    // What this laptop verified (https): later connections refuse a server with another key.
    result.server_key_sha256 = connection.serverKeySha256();
    s.setSetting("server_key_sha256", result.server_key_sha256);
    s.setSetting("server_ca_pem", trust.ca_pem);
    s.setSetting("server_url", result.server);
    s.setSetting("token", j.at("token").get<std::string>());
    s.setSetting("role", result.role);
    s.setSetting("district", result.district);
    // The number this laptop's records carry from now on (record_number.h); an older server gives none.
    result.laptop_number = j.value("laptop_number", std::string());
    result.number_prefix = j.value("number_prefix", std::string());
    if (isLaptopTag(result.laptop_number)) s.setSetting("laptop_number", result.laptop_number);
    // A home set up from the province's seed holds every district: it keeps what the server's
    // scope gives this user, and work not sent yet wherever it is.
    if (!result.district.empty()) result.removed_outside = s.keepOnlyDistrict(result.district);


    s.setSetting("server_sealing_key", j.at("sealing_key").get<std::string>());
    s.setSetting("server_signing_key", j.at("signing_key").get<std::string>());
    // A home that has synced nothing yet takes the server's identity now, whatever it heard
    // before (a login to the server before it was restored): nothing of it was acknowledged and
    // nothing pulled, so its first sync or bundle sends and pulls everything anyway, and then
    // counts at once on a restored server (protocol.h). A home that has synced keeps what it heard,
    // so that its next sync finds out whether the server lacks what it had acknowledged.
    const auto server_id = j.value("server_id", std::string());
    if (!server_id.empty() && s.setting("acked_seq").value_or("0") == "0" && s.setting("pull_cursor").value_or("0") == "0")
      s.setSetting("server_id", server_id);
  } catch (const std::exception&) {
    return problem("Máy chủ trả lời không đúng dạng khi đăng nhập.", "The server's answer to the login was malformed.");
  }
  return result;
}

// A connection's TLS refusal of its server (a certificate or key that fails a check), found by
// opening it before anything is sent: told at once, as retrying cannot make a certificate valid.
std::optional<Problem> refusedServer(HttpConnection& connection) {
  auto not_open = connection.open(tuning::kSyncRequestTimeout);
  if (not_open && connection.refused()) return not_open;
  return std::nullopt;
}

// The server this laptop logged in to, over HTTP or HTTPS.
class HttpSyncLink final : public SyncLink {
 public:
  HttpSyncLink(const ServerAddress& address, const ServerTrust& trust, const std::string& token)
      : connection_(address, trust), headers_(kProtocolHeaders) {
    headers_["Authorization"] = "Bearer " + token;
    headers_["Content-Type"] = protocol::kBinaryMediaType;  // and the server answers in kind
  }
  Result<protocol::SyncResponse> exchange(const protocol::SyncRequest& request) override {
    if (auto refused = refusedServer(connection_)) return *refused;
    return client::exchange(connection_, request, headers_);
  }
  Result<UploadReply> uploadState(const AttachmentRef& ref) override {
    if (auto refused = refusedServer(connection_)) return *refused;
    return uploadReply(requestWithRetries(connection_, "/v1/uploads/" + ref.sha256, "", headers_, "GET"));
  }
  Result<UploadReply> uploadChunk(const AttachmentRef& ref, std::uint64_t offset, std::string_view chunk) override {
    if (auto refused = refusedServer(connection_)) return *refused;
    auto headers = headers_;
    headers["Content-Type"] = ref.media_type;
    headers["Fieldcheck-Offset"] = std::to_string(offset);
    headers["Fieldcheck-Size"] = std::to_string(ref.size_bytes);
    headers["Fieldcheck-Chunk-Sha256"] = sha256Hex(chunk);
    // One attempt: after a failure the caller asks where the server stands before sending more.
    return uploadReply(connection_.request("PUT", "/v1/uploads/" + ref.sha256, headers, std::string(chunk), tuning::kSyncRequestTimeout));
  }
  bool serverRefused() const override { return connection_.refused(); }
  std::uint64_t bytesSent() const override { return connection_.bytesSent(); }
  std::uint64_t bytesReceived() const override { return connection_.bytesReceived(); }

 private:
  HttpConnection connection_;
  std::map<std::string, std::string> headers_;
};

// The server this laptop logged in to: where, what this laptop verified of it there, and its token.
struct LoggedInServer {
  ServerAddress address;
  ServerTrust trust;
  std::string token;
};

// The server this laptop logged in to, or why there is none.
Result<LoggedInServer> loggedInServer(const LocalStore& store) {
  const auto url = store.setting("server_url");
  const auto token = store.setting("token");
  if (!url || !token)
    return problem("Máy này chưa đăng nhập máy chủ: chạy `fieldcheck login --server URL --user TÊN` trước.",
                   "This laptop is not logged in to a server: run `fieldcheck login --server URL --user NAME` first.");
  auto address = parseServerUrl(*url);
  if (!address) return address.problem();
  LoggedInServer server{address.value(), {store.setting("server_ca_pem").value_or(""), store.setting("server_key_sha256").value_or("")},
                        *token};
  // Without the key verified at login, any certificate its CA vouches for would do: log in again.
  if (server.address.https && !isSha256Hex(server.trust.key_sha256))
    return problem("Máy này không còn giữ khóa của máy chủ " + *url + " đã xác minh khi đăng nhập; hãy đăng nhập lại "
                   "(`fieldcheck login --server " + *url + " --user TÊN`).",
                   "This laptop no longer holds the key of the server " + *url + " it verified at login; log in again "
                   "(`fieldcheck login --server " + *url + " --user NAME`).");
  return server;
}

Result<SyncCounts> synchronize(LocalStore& store, const std::filesystem::path& attachments_dir,
                               const std::function<void(const SyncCounts&)>& progress) {
  auto server = loggedInServer(store);
  if (!server) return server.problem();
  HttpSyncLink link(server.value().address, server.value().trust, server.value().token);
  return synchronizeOver(store, attachments_dir, link, {}, progress);
}

bool clockSkewWorthWarning(std::int64_t skew_ms) {
  return std::abs(skew_ms) > std::chrono::duration_cast<std::chrono::milliseconds>(tuning::kClockSkewWarning).count();
}

Result<AttachmentRef> fetchAttachment(LocalStore& store, const std::filesystem::path& attachments_dir,
                                      std::string sha256) {
  if (!isSha256Hex(sha256)) {
    const auto matches = sha256.size() >= 6 ? store.attachmentsStartingWith(sha256) : std::vector<std::string>{};
    if (matches.size() != 1)
      return problem("“" + sha256 + "” " + (matches.empty() ? "không là phần đầu mã của ảnh nào trong hồ sơ trên máy này"
                                                                  : "là phần đầu mã của nhiều ảnh") +
                         "; hãy gõ thêm chữ số (ít nhất 6), xem mã ảnh trong `inspect show`.",
                     "“" + sha256 + "” " + (matches.empty() ? "begins no photo's SHA-256 in the records on this laptop"
                                                                 : "begins the SHA-256 of several photos") +
                         "; type more digits (6 at least), see the photo's SHA-256 in `inspect show`.");
    sha256 = matches.front();
  }
  auto server = loggedInServer(store);
  if (!server) return server.problem();
  HttpConnection connection(server.value().address, server.value().trust);
  if (auto refused = refusedServer(connection)) return *refused;
  auto headers = kProtocolHeaders;
  headers["Authorization"] = "Bearer " + server.value().token;
  auto reply = requestWithRetries(connection, "/v1/attachments/" + sha256, "", headers, "GET");
  if (!reply) return reply.problem();
  if (reply.value().status != 200) return serverProblem(reply.value());
  if (sha256Hex(reply.value().body) != sha256)
    return problem("Ảnh nhận từ máy chủ không khớp mã của nó; hãy thử lại.", "The attachment received does not match its name; try again.");
  return AttachmentStore(attachments_dir).store(reply.value().body, sha256);
}

Result<SyncCounts> synchronizeOver(LocalStore& store, const std::filesystem::path& attachments_dir, SyncLink& link,
                                   SyncLimits limits, const std::function<void(const SyncCounts&)>& progress) {
  const auto batch_documents = limits.push_batch_documents ? limits.push_batch_documents : tuning::kPushBatchDocuments;
  const auto page_changes = limits.pull_page_changes ? limits.pull_page_changes : tuning::kPullPageChanges;
  const auto max_round_trips = limits.max_round_trips ? limits.max_round_trips : tuning::kMaxSyncRoundTrips;
  SyncCounts counts;
  auto stopped = [&](const Problem& why) {
    Problem p = why;
    const auto done_vi = "Đã gửi " + std::to_string(counts.pushed) + " thay đổi và nhận " + std::to_string(counts.pulled) +
                         " thay đổi trước khi dừng; những gì đã gửi được máy chủ giữ";
    const auto done_en = "Sent " + std::to_string(counts.pushed) + " changes and received " + std::to_string(counts.pulled) +
                         " before stopping; the server keeps what was sent";
    // A server this laptop refused says itself what to do: no later sync goes on by itself.
    if (link.serverRefused()) p.details.push_back({done_vi + ".", done_en + "."});
    else p.details.push_back({done_vi + ", lần đồng bộ sau tiếp tục từ đó.", done_en + ", and the next sync goes on from there."});
    return p;
  };
  // When a step pushed nothing and more pages wait, the next page is fetched and read while this
  // one is stored: the link and the disk work at the same time. Only the store moves the cursor,
  // so a page fetched ahead and never stored (a failure meanwhile) is simply fetched again.
  std::future<Result<protocol::SyncResponse>> next_page;
  std::int64_t next_page_cursor = 0;
  for (;;) {
    protocol::SyncRequest request;
    request.page_limit = page_changes;
    request.server_id = store.setting("server_id").value_or("");
    if (next_page.valid()) {
      request.cursor = next_page_cursor;
    } else {
      request.push = store.nextPushBatch(batch_documents);
      request.cursor = std::stoll(store.setting("pull_cursor").value_or("0"));
    }
    auto response = next_page.valid() ? next_page.get() : link.exchange(request);
    counts.bytes_sent = link.bytesSent();
    counts.bytes_received = link.bytesReceived();
    if (!response) return stopped(response.problem());
    // Another identity than the one remembered, or the first one heard from a restored server: the
    // server was restored from a backup, and applied nothing of this request. Go back to what both
    // histories share and go on from there.
    const auto& heard = response.value().server_id;
    if (!heard.empty() && protocol::otherHistory(*request.server_id, heard, response.value().restored_seq)) {
      if (store.restartWithServer(heard, response.value().restored_seq, response.value().device_seq))
        counts.server_restored = true;
      if (++counts.round_trips == max_round_trips)
        return stopped(problem("Đồng bộ đã qua " + std::to_string(max_round_trips) + " lượt mà vẫn chưa xong; hãy đồng bộ lại để tiếp tục.",
                               "The sync took " + std::to_string(max_round_trips) + " round trips and is not done; sync again "
                               "to go on."));
      continue;
    }
    if (!heard.empty() && request.server_id->empty()) store.setSetting("server_id", heard);  // the first heard
    if (!request.push.empty() && response.value().acked_through < request.push.back().seq)
      return stopped(problem("Máy chủ không xác nhận lô thay đổi vừa gửi; chúng vẫn được giữ trên máy này, hãy đồng bộ lại sau.",
                             "The server did not acknowledge the batch just sent; it stays on this laptop, sync again later."));
    // A cursor that goes back, or a page that promises more without moving, would loop forever.
    const auto cursor = response.value().cursor;
    if (cursor < request.cursor || (!response.value().last_page && cursor == request.cursor))
      return stopped(problem("Máy chủ trả lời mà không tiến thêm (vị trí nhận " + std::to_string(request.cursor) + " → " +
                                 std::to_string(cursor) + "); đồng bộ dừng để không lặp mãi. Hãy báo cán bộ kỹ thuật của tỉnh.",
                             "The server answered without moving on (pull cursor " + std::to_string(request.cursor) + " → " +
                                 std::to_string(cursor) + "); the sync stopped rather than loop forever. Tell the "
                                 "province's IT staff."));
    if (request.push.empty() && !response.value().last_page) {
      next_page_cursor = response.value().cursor;
      protocol::SyncRequest following{{}, next_page_cursor, page_changes, request.server_id};
      next_page = std::async(std::launch::async, [&link, following] { return link.exchange(following); });
    }
    counts.pulled += store.applySync(response.value());
    counts.pushed += request.push.size();
    counts.refused += response.value().refused.size();
    counts.clock_skew_ms = response.value().server_wall_ms - wallClockMs();
    ++counts.round_trips;
    if (progress) progress(counts);
    if (request.push.empty() && response.value().last_page) break;
    if (counts.round_trips == max_round_trips)
      return stopped(problem("Đồng bộ đã qua " + std::to_string(max_round_trips) + " lượt mà vẫn chưa xong; hãy đồng bộ lại để tiếp tục.",
                             "The sync took " + std::to_string(max_round_trips) + " round trips and is not done; sync again "
                             "to go on."));
  }
  // Records first, then their attachments: a record whose photo is still on its way is already
  // on the server, marked as waiting for it.
  if (auto failed = uploadAttachments(store, attachments_dir, link, counts, progress)) return stopped(*failed);
  store.setSetting("last_sync_at", formatDateTime(DateTime{wallClockMs() / 1000 * 1000, 0}));
  store.setSetting("clock_skew_ms", std::to_string(counts.clock_skew_ms));
  return counts;
}

Result<BundleSummary> exportBundle(const LocalStore& store, const std::filesystem::path& attachments_dir,
                                   const std::filesystem::path& file) {
  const auto key = store.setting("server_sealing_key");
  const auto token = store.setting("token");
  if (!key || !token)
    return problem("Máy này chưa có khóa của máy chủ: hãy đăng nhập (`fieldcheck login`) một lần khi có mạng, rồi xuất gói.",
                   "This laptop does not have the server's key yet: log in (`fieldcheck login`) once while online, then export.");
  bundle::Bundle b;
  b.device = store.device();
  b.token = *token;
  b.cursor = std::stoll(store.setting("pull_cursor").value_or("0"));
  b.server_id = store.setting("server_id").value_or("");
  BundleSummary summary;
  for (auto batch = store.nextPushBatch(tuning::kPushBatchDocuments); !batch.empty();) {
    const auto last = batch.back().seq;
    summary.changes += batch.size();
    b.batches.push_back(std::move(batch));
    batch = store.pushBatchAfter(last, tuning::kPushBatchDocuments);
  }
  const AttachmentStore files(attachments_dir);
  for (const auto& upload : store.uploads(true)) {
    try {
      b.attachments.push_back({upload.ref, readWholeFile(files.pathOf(upload.ref))});
    } catch (const std::system_error&) {
      continue;  // a photo no longer here: the next sync records why it cannot be sent
    }
  }
  summary.attachments = b.attachments.size();
  if (summary.changes == 0 && summary.attachments == 0)
    return problem("Không có gì chờ gửi; không cần gói.", "Nothing is waiting to be sent; no bundle is needed.");
  const auto bytes = bundle::writeBundle(b, *key);
  summary.bytes = bytes.size();
  try {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    appendDurably(file, bytes);
  } catch (const std::system_error& e) {
    return problem("Không ghi được gói vào " + utf8Of(file) + " (USB đầy hoặc chỉ đọc?).",
                   "Cannot write the bundle to " + utf8Of(file) + " (USB stick full or read-only?).");
  }
  return summary;
}

Result<ReceiptSummary> importReceipt(LocalStore& store, const std::filesystem::path& file) {
  const auto key = store.setting("server_signing_key");
  if (!key)
    return problem("Máy này chưa có khóa của máy chủ: hãy đăng nhập (`fieldcheck login`) một lần khi có mạng.",
                   "This laptop does not have the server's key yet: log in (`fieldcheck login`) once while online.");
  std::string bytes;
  try {
    if (std::filesystem::file_size(file) > bundle::kMaxFileBytes)
      return problem("Tệp biên nhận quá lớn.", "The receipt file is too large.");
    bytes = readWholeFile(file);
  } catch (const std::exception&) {
    return problem("Không đọc được tệp " + utf8Of(file) + ".", "Cannot read the file " + utf8Of(file) + ".");
  }
  auto receipt = bundle::readReceipt(bytes, *key, store.device());
  if (!receipt) return receipt.problem();
  // A receipt from a server restored from a backup since this laptop last synced: its answers
  // belong to another history than this laptop's cursor and acknowledgements. Nothing of it is
  // applied; the laptop goes back to what both histories share, as a sync would, and its next
  // sync or bundle sends again what the restored server lacks.
  const auto remembered = store.setting("server_id").value_or("");
  for (const auto& answer : receipt.value().answers) {
    if (answer.server_id.empty() || !protocol::otherHistory(remembered, answer.server_id, answer.restored_seq)) continue;
    store.restartWithServer(answer.server_id, answer.restored_seq, answer.device_seq);
    return problem("Biên nhận này của máy chủ đã được khôi phục từ một bản sao lưu; máy này không áp dụng nó và sẽ gửi lại "
                   "những gì máy chủ thiếu. Hãy đồng bộ khi có mạng, hoặc xuất một gói mới.",
                   "This receipt is from a server restored from a backup; this laptop did not apply it and will send again "
                   "what the server lacks. Sync when online, or export a new bundle.");
  }
  ReceiptSummary summary;
  const auto before = store.pendingChanges();
  for (const auto& answer : receipt.value().answers) {
    if (!answer.server_id.empty() && remembered.empty()) store.setSetting("server_id", answer.server_id);  // the first heard
    summary.pulled += store.applySync(answer);
    summary.refused += answer.refused.size();
  }
  summary.acknowledged = before - store.pendingChanges();
  for (const auto& sha : receipt.value().attachments_held) {
    store.finishUpload(sha);
    ++summary.attachments;
  }
  return summary;
}

}  // namespace fieldcheck::client
