// The app's API (API.md): each request read, the inspector service or the sync engine called, its
// result written as JSON. No SQL and no rule here: what applies, what is valid and what may be
// done is the service's to say.
#include "app_api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "app_json.h"
#include "cli_print.h"
#include "fieldcheck/http_target.h"
#include "fieldcheck/review.h"
#include "fieldcheck/text.h"
#include "local_store.h"
#include "sync_engine.h"

namespace fieldcheck::client {
namespace {

using nlohmann::json;
namespace f = inspection_fields;

AppResponse jsonResponse(unsigned status, const json& body) {
  AppResponse r;
  r.status = status;
  // A text that is not UTF-8 (echoed from a hostile request) is written with U+FFFD, never thrown on.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

AppResponse problemResponse(unsigned status, const Problem& p) { return jsonResponse(status, problemJson(p)); }

AppResponse notFound() {
  return problemResponse(404, problem("Không có trang hay mục này.", "No such page or item."));
}

AppResponse badRequest(const std::string& vi, const std::string& en) { return problemResponse(400, problem(vi, en)); }

// A JSON body, or why not.
std::optional<json> parseBody(const AppRequest& request) {
  auto body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

AppResponse notJson() {
  return badRequest("Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not a valid JSON object.");
}

std::string stringAt(const json& body, const char* key) {
  auto found = body.find(key);
  return found != body.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::string nowIsoDate() {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  return formatDateTime(DateTime{now_ms, 0}).substr(0, 10);
}

std::optional<std::string> readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A scratch file in the home for a bundle or a receipt on its way, removed when this ends.
struct ScratchFile {
  std::filesystem::path path;
  explicit ScratchFile(const Home& home, const char* name) : path(home.dir / name) {}
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

Result<std::unique_ptr<AppApi>> AppApi::open(const Home& home) {
  auto service = InspectorService::open(home);
  if (!service) return service.problem();
  // The search keys of every establishment, folded now rather than at the first letter typed.
  (void)service.value().establishmentPage(std::nullopt, std::nullopt, std::nullopt, 0);
  return std::unique_ptr<AppApi>(new AppApi(home, std::move(service.value())));
}

AppResponse AppApi::handle(const AppRequest& request) {
  try {
    return route(request);
  } catch (const std::exception& e) {
    // The library's words go to the terminal fieldcheck ui runs in, for whoever helps; the page
    // says what happened and what to do.
    std::cerr << "fieldcheck ui: " << request.method << " " << request.target.substr(0, 200) << " failed: " << e.what()
              << std::endl;
    return problemResponse(500, problem("Không đọc hay ghi được dữ liệu trên máy này. Những gì đã lưu trước đó vẫn còn. "
                                        "Thử lại; nếu vẫn lỗi, báo cho quản trị viên (cửa sổ chạy fieldcheck ui ghi rõ lỗi).",
                                        "This laptop's data could not be read or written. What was saved before is kept. "
                                        "Try again; if it goes on, tell your administrator (the window running fieldcheck ui "
                                        "says what failed)."));
  }
}

AppResponse AppApi::route(const AppRequest& request) {
  auto target = parseHttpTarget(request.target);
  if (!target || target->segments.empty() || target->segments[0] != "api") return notFound();
  // Every name and parameter is text: a byte sequence that is not UTF-8 names nothing here.
  bool text_only = std::all_of(target->segments.begin(), target->segments.end(),
                               [](const std::string& segment) { return isCleanUtf8(segment); });
  for (const auto& [key, value] : target->query) text_only = text_only && isCleanUtf8(key) && isCleanUtf8(value);
  if (!text_only) return badRequest("Địa chỉ yêu cầu có ký tự không hợp lệ.", "The request's address holds bytes that are not text.");
  const auto& seg = target->segments;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  const auto n = seg.size();
  auto is = [&](std::initializer_list<const char*> parts) {
    if (parts.size() != n - 1) return false;
    std::size_t i = 1;
    for (const char* part : parts) {
      if (std::string_view(part) != "*" && seg[i] != part) return false;
      ++i;
    }
    return true;
  };

  if (get && is({"session"})) {
    const auto s = service_.session();
    return jsonResponse(200, json{{"user", s.user},
                                  {"role", s.role},
                                  {"district", s.district},
                                  {"district_name", s.district.empty() ? std::string() : service_.districtName(s.district)},
                                  {"device", s.device},
                                  {"laptop_number", s.laptop_number},
                                  {"province", s.province},
                                  {"server", s.server},
                                  {"may_review", s.may_review},
                                  {"utc_offset_minutes", service_.utcOffsetMinutes()}});
  }

  if (get && is({"today"})) return today();

  if (get && is({"places"})) {
    json districts = json::array();
    for (const auto& d : service_.places()) {
      json communes = json::array();
      for (const auto& c : d.communes) communes.push_back({{"code", c.first}, {"name", c.second}});
      districts.push_back({{"code", d.code}, {"name", d.name}, {"communes", communes}});
    }
    return jsonResponse(200, json{{"districts", districts}});
  }

  if (get && is({"establishments"})) {
    const auto limit_text = target->param("limit").value_or("100");
    std::size_t limit = 100;
    try {
      limit = std::min<std::size_t>(std::stoul(limit_text), 1000);
    } catch (const std::exception&) {
      return badRequest("limit phải là một số.", "limit must be a number.");
    }
    auto found = service_.establishmentPage(target->param("district"), target->param("commune"), target->param("q"), limit);
    if (!found) return problemResponse(404, found.problem());
    const auto record = service_.establishmentTemplate();
    json items = json::array();
    for (const auto& e : found.value().items) items.push_back(establishmentItemJson(service_, record.get(), e));
    const auto total = found.value().total;
    return jsonResponse(200, json{{"total", total}, {"items", items}});
  }

  if (n == 3 && seg[1] == "establishments" && (get || post)) {
    if (post) {
      auto body = parseBody(request);
      if (!body) return notJson();
      auto changes = body->find("changes");
      if (changes == body->end() || !changes->is_object())
        return badRequest("Thiếu danh sách thay đổi (changes).", "The changes are missing.");
      std::vector<Assignment> assignments;
      for (const auto& [field, value] : changes->items()) {
        if (!value.is_string()) return badRequest("Mỗi giá trị phải là chữ.", "Each value must be text.");
        assignments.emplace_back(field, value.get<std::string>());
      }
      auto saved = service_.correctEstablishment(seg[2], assignments);
      if (!saved) return problemResponse(422, saved.problem());
    }
    auto est = service_.findEstablishment(seg[2]);
    if (!est) return problemResponse(404, est.problem());
    const auto& e = est.value();
    const auto record = service_.establishmentTemplate();
    json fields = json::array();
    if (record)
      for (const auto& q : record->questions) {
        auto value = e.fields.count(q.id) ? e.fields.at(q.id) : Value{};
        auto j = questionJson(q, value);
        // The code and the district are the provincial office's to change (correctEstablishment).
        j["editable"] = q.id != "code" && q.id != "district";
        if (q.id == "district") j["shown"] = service_.districtName(textField(e, "district"));
        if (q.id == "commune") j["shown"] = service_.communeName(textField(e, "commune"));
        fields.push_back(std::move(j));
      }
    json records = json::array();
    for (const auto& id : service_.inspectionsOf(e.id)) {
      auto v = service_.view(id);
      if (v) records.push_back(recordRowJson(service_, v.value()));
    }
    return jsonResponse(200, json{{"id", e.id},
                                  {"code", textField(e, "code")},
                                  {"name", textField(e, "name")},
                                  {"district_name", service_.districtName(textField(e, "district"))},
                                  {"commune_name", service_.communeName(textField(e, "commune"))},
                                  {"fields", fields},
                                  {"records", records}});
  }

  if (seg.size() >= 2 && seg[1] == "inspections") return inspections(request, *target);

  if (seg.size() >= 2 && seg[1] == "conflicts") return conflicts(request, *target);

  if (n == 4 && post && seg[1] == "photos" && seg[3] == "fetch") {
    // A colleague's photo a record here names, fetched from the server (supervisors and above).
    auto fetched = fetchPhoto(home_, seg[2]);
    if (!fetched) return problemResponse(409, fetched.problem());
    return jsonResponse(200, json{{"ok", true}, {"sha256", fetched.value().sha256}});
  }

  if (n == 3 && get && seg[1] == "photos") {
    auto file = service_.photoFile(seg[2]);
    if (!file) return notFound();
    auto bytes = readWholeFile(*file);
    if (!bytes) return notFound();
    AppResponse r;
    r.content_type = std::string(imageMediaType(*bytes));
    if (r.content_type.empty()) r.content_type = "application/octet-stream";
    r.body = std::move(*bytes);
    r.headers.emplace_back("Cache-Control", "private, max-age=31536000, immutable");
    return r;
  }

  if (is({"sync"})) {
    if (post) {
      const auto status = service_.status();
      if (status.server.empty())
        return problemResponse(409, problem("Máy này chưa đăng nhập máy chủ. Chạy `fieldcheck login --server ĐỊA_CHỈ --user TÊN` một lần.",
                                            "This laptop has not logged in to a server. Run `fieldcheck login --server URL --user NAME` once."));
      if (!sync_.start(service_.pendingDocuments(), service_.pendingUploadBytes()))
        return problemResponse(409, problem("Đang đồng bộ; chờ lần này xong.", "A sync is running; wait for it to end."));
      return jsonResponse(202, json{{"started", true}});
    }
    if (get) {
      const auto p = sync_.progress();
      json result;
      if (p.result) {
        if (p.result->ok()) result = {{"ok", true}, {"counts", syncJson(p.result->value())}};
        else result = {{"ok", false}, {"error", problemJson(p.result->problem())["error"]}};
      }
      return jsonResponse(200, json{{"running", p.running},
                                    {"started_at", p.started_at},
                                    {"total", {{"changes", p.total_changes}, {"upload_bytes", p.total_upload_bytes}}},
                                    {"done", syncJson(p.done)},
                                    {"result", result}});
    }
  }

  if (get && is({"bundle"})) {
    auto store = LocalStore::open(home_.database(), false);
    if (!store) return problemResponse(409, store.problem());
    ScratchFile scratch(home_, "app-bundle.tmp");
    auto written = exportBundle(store.value(), home_.attachments(), scratch.path);
    if (!written) return problemResponse(409, written.problem());
    auto bytes = readWholeFile(scratch.path);
    if (!bytes) return problemResponse(500, problem("Không đọc được gói vừa ghi.", "The bundle just written could not be read."));
    AppResponse r;
    r.content_type = "application/octet-stream";
    r.body = std::move(*bytes);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"fieldcheck-" + service_.session().user + "-" +
                                                      nowIsoDate() + ".fcb\"");
    return r;
  }

  if (post && is({"receipt"})) {
    auto store = LocalStore::open(home_.database(), false);
    if (!store) return problemResponse(409, store.problem());
    ScratchFile scratch(home_, "app-receipt.tmp");
    {
      std::ofstream out(scratch.path, std::ios::binary);
      out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
      if (!out) return problemResponse(500, problem("Không ghi được biên nhận ra đĩa.", "The receipt could not be written to disk."));
    }
    auto applied = importReceipt(store.value(), scratch.path);
    if (!applied) return problemResponse(422, applied.problem());
    const auto& a = applied.value();
    return jsonResponse(200, json{{"acknowledged", a.acknowledged}, {"refused", a.refused}, {"pulled", a.pulled},
                                  {"attachments", a.attachments}});
  }

  return notFound();
}

AppResponse AppApi::today() {
  const auto status = service_.status();
  json refused = json::array();
  for (const auto& r : status.refused) refused.push_back({{"record", service_.documentName(r.doc_id)}, {"reason", bilingualJson(r.reason)}});
  json refused_uploads = json::array();
  for (const auto& u : status.refused_uploads)
    refused_uploads.push_back({{"name", service_.photoName(u.ref.sha256)}, {"reason", bilingualJson(*u.refused)}});
  json waiting = json::array();
  for (const auto& w : status.waiting)
    waiting.push_back({{"record", w.record}, {"field", bilingualJson(w.field)}, {"mine", w.mine}, {"applied", w.applied}, {"by", w.by}});
  json clock_warning;
  if (clockSkewWorthWarning(status.clock_skew_ms)) {
    const auto minutes = std::to_string(std::llabs(status.clock_skew_ms) / 60000);
    clock_warning = {{"vi", "Đồng hồ máy này lệch " + minutes + " phút so với máy chủ. Hãy chỉnh lại giờ của máy."},
                     {"en", "This laptop's clock is " + minutes + " minutes off the server's. Set the laptop's time."}};
  }
  json drafts = json::array(), returned = json::array(), waiting_to_send = json::array(), review_queue = json::array();
  // The tiles count what the lists hold: this laptop's own work (not the colleagues' a sync
  // brought), returned records apart from drafts, finalized ones only while waiting to be sent.
  std::size_t own_drafts = 0, own_returned = 0, own_finalized = 0;
  const auto session = service_.session();
  const auto mine = service_.idsWrittenHere();
  auto records = service_.inspections(std::nullopt);
  constexpr std::size_t kMostPerList = 50;
  auto add = [&](json& list, const json& row) {
    if (list.size() < kMostPerList) list.push_back(row);
  };
  if (records) {
    for (const auto& doc : records.value()) {
      auto v = service_.viewOf(doc);
      if (!v) continue;
      const auto row = recordRowJson(service_, v.value());
      const auto code = inspectionStanding(doc, v.value().unsent).code;
      const bool own = mine.count(doc.id) > 0;
      if (v.value().unsent) add(waiting_to_send, row);
      if (code == "submitted" && session.may_review) add(review_queue, row);
      if (!own) continue;
      if (code == "returned") ++own_returned, add(returned, row);
      else if (code == "draft") ++own_drafts, add(drafts, row);
      else if (code == "finalized") ++own_finalized;
    }
  }
  json conflicts = json::array();
  if (session.may_review)
    for (const auto& c : service_.conflicts(false)) conflicts.push_back(conflictRowJson(service_, c));
  return jsonResponse(200, json{{"status",
                                 {{"drafts", own_drafts},
                                  {"finalized", own_finalized},
                                  {"returned", own_returned},
                                  {"pending_changes", service_.pendingDocuments()},  // records, not saved answers
                                  {"pending_uploads", status.pending_uploads},
                                  {"server", status.server},
                                  {"last_sync", status.last_sync.empty() ? std::string()
                                                                         : formatDateTimeForPeople(DateTime{
                                                                               parseDateTime(status.last_sync, 0).value_or(DateTime{}).epoch_ms,
                                                                               service_.utcOffsetMinutes()})},
                                  {"clock_skew_ms", status.clock_skew_ms},
                                  {"clock_warning", clock_warning},
                                  {"refused", refused},
                                  {"refused_uploads", refused_uploads},
                                  {"waiting", waiting},
                                  {"outside", status.outside}}},
                                {"drafts", drafts},
                                {"returned", returned},
                                {"waiting_to_send", waiting_to_send},
                                {"review_queue", review_queue},
                                {"conflicts", conflicts}});
}

AppResponse AppApi::inspections(const AppRequest& request, const HttpTarget& target) {
  const auto& seg = target.segments;
  const auto n = seg.size();
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (n == 2 && get) {
    auto records = service_.inspections(target.param("status"));
    if (!records) return problemResponse(400, records.problem());
    json items = json::array();
    for (const auto& doc : records.value()) {
      if (items.size() >= 500) break;
      auto v = service_.viewOf(doc);
      if (v) items.push_back(recordRowJson(service_, v.value()));
    }
    return jsonResponse(200, json{{"items", items}});
  }
  if (n == 2 && post) {
    auto body = parseBody(request);
    if (!body) return notJson();
    auto made = service_.newInspection(stringAt(*body, "establishment"), std::nullopt);
    if (!made) return problemResponse(409, made.problem());
    auto v = service_.viewOf(made.value());
    if (!v) return problemResponse(500, v.problem());
    return jsonResponse(201, formJson(service_, v.value()));
  }
  if (n < 3) return notFound();
  const auto& ref = seg[2];
  // After any change: the form as it now stands.
  auto formOf = [&](const Result<Document>& changed, unsigned refused_status) {
    if (!changed) return problemResponse(refused_status, changed.problem());
    auto v = service_.viewOf(changed.value());
    if (!v) return problemResponse(500, v.problem());
    return jsonResponse(200, formJson(service_, v.value()));
  };
  if (n == 3 && get) {
    auto v = service_.view(ref);
    if (!v) return problemResponse(404, v.problem());
    return jsonResponse(200, formJson(service_, v.value()));
  }
  if (n == 4 && get && seg[3] == "history") {
    auto doc = service_.findInspectionOrEstablishment(ref);
    if (!doc) return problemResponse(404, doc.problem());
    return jsonResponse(200, historyJson(service_, doc.value()));
  }
  if (!post || n != 4) return notFound();
  const auto& action = seg[3];
  if (action == "photo") {
    const auto question = target.param("question");
    if (!question) return badRequest("Thiếu câu hỏi (question) của ảnh.", "The photo's question is missing.");
    return formOf(service_.attachBytes(ref, *question, request.body, "ảnh tải lên / uploaded image"), 422);
  }
  if (action == "finalize") {
    auto done = service_.finalize(ref);
    if (done) return formOf(done, 422);
    auto v = service_.view(ref);
    auto body = problemJson(done.problem());
    if (v) body["form"] = formJson(service_, v.value());
    return jsonResponse(422, body);
  }
  if (action == "discard") {
    auto gone = service_.discard(ref);
    if (!gone) return problemResponse(409, gone.problem());
    return jsonResponse(200, json{{"discarded", service_.recordName(gone.value())}});
  }
  auto body = parseBody(request);
  if (!body) return notJson();
  if (action == "answer") {
    const auto question = stringAt(*body, "question");
    auto saved = service_.setAnswers(ref, {{question, stringAt(*body, "text")}});
    if (!saved) {
      auto answer = problemJson(saved.problem());
      answer["question"] = question;
      return jsonResponse(422, answer);
    }
    return formOf(saved, 422);
  }
  if (action == "confirm") return formOf(service_.confirm(ref, stringAt(*body, "constraint")), 409);
  if (action == "review") {
    auto approve = body->find("approve");
    if (approve == body->end() || !approve->is_boolean())
      return badRequest("Hãy chọn duyệt hay trả lại.", "Choose to approve or to return.");
    return formOf(service_.review(ref, ReviewDecision{approve->get<bool>(), stringAt(*body, "comment")}), 409);
  }
  return notFound();
}

AppResponse AppApi::conflicts(const AppRequest& request, const HttpTarget& target) {
  const auto& seg = target.segments;
  const auto n = seg.size();
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (n == 2 && get) {
    json items = json::array();
    for (const auto& c : service_.conflicts(target.param("all").has_value())) items.push_back(conflictRowJson(service_, c));
    return jsonResponse(200, json{{"items", items}});
  }
  if (n < 3) return notFound();
  if (n == 3 && get) {
    auto found = service_.findConflict(seg[2]);
    if (!found) return problemResponse(404, found.problem());
    return jsonResponse(200, conflictJson(service_, found.value()));
  }
  if (n == 4 && post && seg[3] == "resolve") {
    auto body = parseBody(request);
    if (!body) return notJson();
    std::vector<std::string> takes, sets;
    for (const char* key : {"takes", "sets"}) {
      auto list = body->find(key);
      if (list == body->end()) continue;
      if (!list->is_array()) return badRequest("takes và sets phải là danh sách.", "takes and sets must be lists.");
      for (const auto& item : *list) {
        if (!item.is_string()) return badRequest("takes và sets phải là danh sách chữ.", "takes and sets must be lists of text.");
        (std::string_view(key) == "takes" ? takes : sets).push_back(item.get<std::string>());
      }
    }
    auto resolved = service_.resolveConflict(seg[2], takes, sets);
    if (!resolved) return problemResponse(422, resolved.problem());
    auto found = service_.findConflict(seg[2]);
    if (!found) return problemResponse(500, found.problem());
    return jsonResponse(200, conflictJson(service_, found.value()));
  }
  return notFound();
}

}  // namespace fieldcheck::client
