// The inspector's operations over the local store.
#include "inspector_service.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <tuple>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/image.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/seed.h"
#include "fieldcheck/text.h"
#include "sync_engine.h"
#include "tuning.h"

namespace fieldcheck::client {
namespace {

namespace fs = std::filesystem;
namespace f = inspection_fields;

// The answers an inspection holds: its fields without the bookkeeping ones.
Fields answersOf(const Document& inspection) {
  Fields answers;
  for (const auto& [name, value] : inspection.fields)
    if (!name.empty() && name[0] != '_') answers.emplace(name, value);
  return answers;
}

Problem finalizedProblem(const std::string& name) {
  return problem("Phiếu " + name + " đã hoàn tất nên không sửa được nữa; "
                 "nếu cần sửa, hãy báo giám sát viên.",
                 "Inspection " + name + " is finalized and can no longer be edited; "
                 "ask a supervisor if it needs an amendment.");
}

}  // namespace

std::optional<Assignment> parseAssignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return Assignment{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<InitSummary> initHome(const Home& home, const fs::path& seed_dir, const std::string& user) {
  auto seed = loadSeed(seed_dir);
  if (!seed) return seed.problem();
  if (auto failed = makeHomeFolders(home)) return *failed;
  auto store = LocalStore::open(home.database(), true);
  if (!store) return store.problem();
  auto& s = store.value();
  InitSummary summary;
  summary.already_initialised = s.setting("province").has_value();
  if (summary.already_initialised && s.setting("province") != seed.value().province)
    return problem("Thư mục " + utf8Of(home.dir) + " đã dùng cho tỉnh " + *s.setting("province") +
                       "; hãy chọn thư mục khác bằng --home.",
                   "The folder " + utf8Of(home.dir) + " already holds the province " + *s.setting("province") +
                       "; choose another folder with --home.");
  s.importShared(seed.value().documents);
  s.setSetting("province", seed.value().province);
  s.setSetting("utc_offset_minutes", std::to_string(seed.value().utc_offset_minutes));
  if (!user.empty() || !s.setting("user")) s.setSetting("user", user.empty() ? "inspector" : user);
  summary.province = seed.value().province;
  summary.documents = seed.value().documents.size();
  summary.establishments = static_cast<std::size_t>(
      std::count_if(seed.value().documents.begin(), seed.value().documents.end(),
                    [](const Document& d) { return d.kind == kinds::kEstablishment; }));
  summary.device = s.device();
  return summary;
}

Result<AttachmentRef> fetchPhoto(const Home& home, std::string photo) {
  auto store = LocalStore::open(home.database(), false);
  if (!store) return store.problem();
  // A photo's name ("HA-2-0007-photo_front-1") stands for the hash its record holds.
  if (auto service = InspectorService::open(home))
    if (auto named = service.value().photoByName(photo)) {
      if (!*named) return named->problem();
      photo = named->value().sha256;
    }
  return fetchAttachment(store.value(), home.attachments(), photo);
}

std::string photoFileName(const Home& home, const AttachmentRef& ref) {
  auto service = InspectorService::open(home);
  const auto name = service ? service.value().photoName(ref.sha256) : ref.sha256.substr(0, 12);
  return name + std::string(imageExtension(ref.media_type));
}

InspectorService::InspectorService(LocalStore store, Home home)
    : store_(std::move(store)), home_(std::move(home)), attachments_(home_.attachments()) {
  utc_offset_minutes_ = std::stoi(store_.setting("utc_offset_minutes").value_or("0"));
}

Result<InspectorService> InspectorService::open(const Home& home) {
  auto store = LocalStore::open(home.database(), false);
  if (!store) return store.problem();
  if (!store.value().setting("province"))
    return problem("Thư mục " + utf8Of(home.dir) + " chưa có dữ liệu tỉnh. Hãy chạy `fieldcheck init --seed THƯ_MỤC` "
                   "(không cần mạng), hoặc `fieldcheck sync` sau khi đã `fieldcheck login`.",
                   "The folder " + utf8Of(home.dir) + " holds no province yet. Run `fieldcheck init --seed DIR` "
                   "(offline), or `fieldcheck sync` after `fieldcheck login`.");
  return InspectorService(std::move(store.value()), home);
}

std::vector<InspectorService::Place> InspectorService::places() const {
  std::vector<Place> out;
  for (const auto& d : store_.heads(kinds::kDistrict))
    if (!d.deleted) out.push_back({textField(d, "code"), textField(d, "name"), {}});
  for (const auto& c : store_.heads(kinds::kCommune)) {
    if (c.deleted) continue;
    const auto district = textField(c, "district");
    for (auto& place : out)
      if (place.code == district) place.communes.emplace_back(textField(c, "code"), textField(c, "name"));
  }
  sortVietnamese(out, [](const Place& p) -> const std::string& { return p.name; });
  for (auto& place : out) sortVietnamese(place.communes, [](const auto& c) -> const std::string& { return c.second; });
  return out;
}

std::vector<std::string> InspectorService::inspectionsOf(const std::string& establishment_id) const {
  std::vector<std::string> out;
  for (auto& id : store_.idsWhere(kinds::kInspection, f::kEstablishment, establishment_id)) {
    auto doc = store_.head(id);
    if (doc && !doc->deleted) out.push_back(std::move(id));
  }
  return out;
}

std::string InspectorService::districtName(const std::string& code) const {
  auto doc = store_.head(seedDocumentId(kinds::kDistrict, code));
  return doc ? textField(*doc, "name") : code;
}

std::optional<Problem> InspectorService::outsideDistrict(const std::string& district, const std::string& what_vi,
                                                         const std::string& what_en) const {
  // The district this laptop's user works in, as the server said at login ("" for the province).
  const auto mine = store_.setting("district").value_or("");
  if (worksIn(mine, district)) return std::nullopt;
  return problem(what_vi + " thuộc " + districtName(district) + ", ngoài huyện của bạn (" + districtName(mine) +
                     "); máy chủ sẽ không nhận, nên không ghi gì.",
                 what_en + " is in " + districtName(district) + ", outside your district (" + districtName(mine) +
                     "); the server would refuse it, so nothing was written.");
}

std::string InspectorService::communeName(const std::string& code) const {
  if (code.empty()) return "";
  auto doc = store_.head(seedDocumentId(kinds::kCommune, code));
  return doc ? textField(*doc, "name") : code;
}

Result<std::vector<Document>> InspectorService::establishments(const std::optional<std::string>& district,
                                                               const std::optional<std::string>& search) const {
  auto page = establishmentPage(district, std::nullopt, search, std::numeric_limits<std::size_t>::max());
  if (!page) return page.problem();
  return std::move(page.value().items);
}

Result<InspectorService::EstablishmentPage> InspectorService::establishmentPage(const std::optional<std::string>& district,
                                                                                const std::optional<std::string>& commune,
                                                                                const std::optional<std::string>& search,
                                                                                std::size_t limit) const {
  std::optional<std::string> district_code;
  if (district) {
    auto found = findPlace(kinds::kDistrict, *district);
    if (!found) return found.problem();
    district_code = textField(found.value(), "code");
  }
  const auto& index = establishmentIndex();
  const auto words = search ? searchWords(*search) : std::vector<std::string>{};
  // Establishments whose name matches come before those found by code, address or owner; each
  // group in the index's order (district, then code).
  std::vector<const IndexedEstablishment*> by_name, by_other;
  for (const auto& entry : index) {
    if (district_code && entry.district != *district_code) continue;
    if (commune && entry.commune != *commune) continue;
    if (!search || foldedMatches(entry.folded_name, words)) by_name.push_back(&entry);
    else if (foldedMatches(entry.folded_all, words)) by_other.push_back(&entry);
  }
  EstablishmentPage page;
  page.total = by_name.size() + by_other.size();
  page.items.reserve(std::min(page.total, limit));
  for (const auto* group : {&by_name, &by_other})
    for (const auto* entry : *group) {
      if (page.items.size() >= limit) break;
      if (auto doc = store_.head(entry->id)) page.items.push_back(std::move(*doc));
    }
  return page;
}

std::optional<Document> InspectorService::establishmentByCode(std::string_view code) const {
  const auto wanted = foldForSearch(code);
  if (wanted.empty()) return std::nullopt;
  for (const auto& entry : establishmentIndex())
    if (entry.folded_code == wanted) return store_.head(entry.id);
  return std::nullopt;
}

const std::vector<InspectorService::IndexedEstablishment>& InspectorService::establishmentIndex() const {
  const auto mark = store_.changeMark(kinds::kEstablishment);
  if (establishment_index_mark_ == mark && !establishment_index_.empty()) return establishment_index_;
  establishment_index_.clear();
  for (auto& doc : store_.heads(kinds::kEstablishment)) {
    if (doc.deleted) continue;
    IndexedEstablishment entry;
    entry.district = textField(doc, "district");
    entry.code = textField(doc, "code");
    entry.commune = textField(doc, "commune");
    entry.folded_code = foldForSearch(entry.code);
    entry.folded_name = foldForSearch(textField(doc, "name"));
    entry.folded_all = foldForSearch(entry.code + " " + textField(doc, "name") + " " + textField(doc, "address") + " " +
                                     textField(doc, "owner"));
    entry.id = doc.id;
    establishment_index_.push_back(std::move(entry));
  }
  std::sort(establishment_index_.begin(), establishment_index_.end(),
            [](const auto& a, const auto& b) { return std::tie(a.district, a.code) < std::tie(b.district, b.code); });
  establishment_index_mark_ = mark;
  return establishment_index_;
}

Result<Document> InspectorService::findById(std::initializer_list<std::string_view> kinds, std::string_view ref,
                                            const Noun& noun) const {
  if (ref.size() >= tuning::kMinIdPrefixChars) {
    std::vector<std::string> ids;
    for (const auto kind : kinds)
      for (auto& id : store_.idsWithPrefix(kind, ref)) ids.push_back(std::move(id));
    if (ids.size() == 1) return *store_.head(ids[0]);
    if (ids.size() > 1)
      return problem("Mã “" + std::string(ref) + "” khớp nhiều " + noun.vi + "; hãy gõ dài hơn.",
                     "“" + std::string(ref) + "” matches several " + noun.en_plural + "; type more of it.");
  }
  return problem("Không tìm thấy " + noun.vi + " “" + std::string(ref) + "”. Dùng `" + noun.list_command +
                     "` để xem danh sách.",
                 "No " + noun.en + " “" + std::string(ref) + "”. Use `" + noun.list_command + "` to list them.");
}

Result<Document> InspectorService::findPlace(std::string_view kind, std::string_view ref) const {
  const bool commune = kind == kinds::kCommune;
  const auto wanted = foldForSearch(ref);
  std::string known;
  for (auto& doc : store_.heads(kind)) {
    known += (known.empty() ? "" : ", ") + textField(doc, "name");
    if (foldForSearch(textField(doc, "code")) == wanted || foldForSearch(textField(doc, "name")) == wanted) return doc;
  }
  return problem(std::string(commune ? "Không có xã “" : "Không có huyện “") + std::string(ref) + "”. " +
                     (commune ? "Các xã: " : "Các huyện: ") + known + ".",
                 std::string(commune ? "There is no commune “" : "There is no district “") + std::string(ref) + "”. " +
                     (commune ? "Communes: " : "Districts: ") + known + ".");
}

Result<Document> InspectorService::findEstablishment(std::string_view ref) const {
  if (auto doc = establishmentByCode(ref)) return *doc;
  return findById({kinds::kEstablishment}, ref,
                  {"cơ sở", "establishment", "establishments", "fieldcheck establishments"});
}

std::string InspectorService::shortId(const std::string& id) const {
  for (std::size_t n = 8; n < id.size(); ++n) {
    const auto prefix = std::string_view(id).substr(0, n);
    if (store_.idsWithPrefix(kinds::kInspection, prefix).size() + store_.idsWithPrefix(kinds::kReport, prefix).size() <= 1)
      return id.substr(0, n);
  }
  return id;
}

std::string InspectorService::recordName(const Document& record) const {
  const auto number = textField(record, f::kNumber);
  return number.empty() ? shortId(record.id) : number;
}

std::string InspectorService::documentName(const std::string& id) const {
  const auto doc = store_.head(id);
  if (doc && (doc->kind == kinds::kInspection || doc->kind == kinds::kReport)) return recordName(*doc);
  if (doc && doc->kind == kinds::kEstablishment) return textField(*doc, "code") + " " + textField(*doc, "name");
  return id.substr(0, 8);
}

FieldDescription InspectorService::describeField(const Document& doc, const std::string& name, const Value& value) const {
  RecordNaming naming;
  naming.district_name = [this](const std::string& code) { return districtName(code); };
  naming.commune_name = [this](const std::string& code) { return communeName(code); };
  naming.document_name = [this](const std::string& id) { return documentName(id); };
  naming.record_name = [this](const Document& record) { return recordName(record); };
  naming.checklist = [this](const Document& d) -> std::shared_ptr<const ChecklistTemplate> {
    if (d.kind == kinds::kEstablishment) return establishmentTemplate();
    if (const auto template_doc = store_.head(textField(d, f::kTemplate)))
      if (auto parsed = parsedTemplate(*template_doc)) return parsed.value();
    return nullptr;
  };
  return fieldcheck::describeField(doc, name, value, naming);
}

std::string InspectorService::photoName(const std::string& sha256) const {
  for (const auto kind : {kinds::kInspection, kinds::kReport})
    for (const auto& doc : store_.heads(kind))
      for (const auto& [field, value] : doc.fields)
        if (const auto* ref = value.get<AttachmentRef>(); ref && ref->sha256 == sha256) return photoName(doc, field);
  return sha256.substr(0, 12);
}

std::optional<Result<AttachmentRef>> InspectorService::photoByName(std::string_view name) const {
  // NUMBER-QUESTION[-POSITION][.jpg|.png] (an export's file name): a question id has no '-', a
  // number has two.
  std::string_view rest = name;
  for (const std::string_view extension : {".jpg", ".png"})
    if (rest.size() > extension.size() && rest.substr(rest.size() - extension.size()) == extension)
      rest.remove_suffix(extension.size());

  int position = 1;
  if (const auto dash = rest.rfind('-'); dash != std::string_view::npos && dash + 1 < rest.size() &&
                                         std::all_of(rest.begin() + dash + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    position = rest.size() - dash - 1 <= 3 ? std::stoi(std::string(rest.substr(dash + 1))) : 0;
    rest = rest.substr(0, dash);
  }
  const auto dash = rest.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string question(rest.substr(dash + 1));
  if (!isValidQuestionId(question) || !parseRecordNumber(rest.substr(0, dash))) return std::nullopt;
  auto record = findInspection(rest.substr(0, dash), true);
  if (!record) return Result<AttachmentRef>(record.problem());
  const auto it = record.value().fields.find(question);
  const auto* ref = it == record.value().fields.end() ? nullptr : it->second.get<AttachmentRef>();
  if (!ref || position != 1)
    return Result<AttachmentRef>(problem("Phiếu " + recordName(record.value()) + " không có ảnh “" + std::string(name) + "” (xem `fieldcheck inspect show " + recordName(record.value()) + "`).",
                                         "Record " + recordName(record.value()) + " has no photo “" + std::string(name) + "” (see `fieldcheck inspect show " + recordName(record.value()) + "`)."));
  return Result<AttachmentRef>(*ref);
}

std::string InspectorService::newNumber(const std::string& district) {
  const auto place = store_.head(seedDocumentId(kinds::kDistrict, district));
  RecordNumber number;
  number.district = districtAbbreviation(district, place ? textField(*place, "abbreviation") : "");
  // The server's number for this laptop once it logged in, its marker until then.
  const auto given = store_.setting("laptop_number").value_or("");
  number.laptop = isLaptopTag(given) ? given : laptopMarker(store_.device());
  number.counter = static_cast<int>(store_.nextCount("number_count " + number.prefix()));
  return number.text();
}

Result<Document> InspectorService::findInspection(std::string_view ref, bool discarded_too) const {
  // Periodic reports are filled, finalized and reviewed by the same commands, so an id or a
  // number names either.
  const std::initializer_list<std::string_view> filled = {kinds::kInspection, kinds::kReport};
  auto found = [&]() -> Result<Document> {
    if (const auto number = parseRecordNumber(ref)) {
      std::vector<std::string> ids;
      for (const auto kind : filled)
        for (auto& id : store_.idsWhere(kind, f::kNumber, number->text())) ids.push_back(std::move(id));
      if (ids.size() == 1) return *store_.head(ids[0]);
      if (ids.size() > 1)  // two laptops that never logged in drew the same marker (record_number.h)
        return problem("Có " + std::to_string(ids.size()) + " phiếu số " + number->text() + "; hãy dùng id: " + ids[0] + ", " + ids[1] + ".",
                       "There are " + std::to_string(ids.size()) + " records numbered " + number->text() + "; use an id: " + ids[0] + ", " + ids[1] + ".");
      return problem("Không có phiếu số " + number->text() + " trên máy này. Dùng `fieldcheck inspect list` để xem danh sách.",
                     "There is no record numbered " + number->text() + " on this laptop. Use `fieldcheck inspect list` to list them.");
    }
    // An id: the record itself, without looking at establishments' codes.
    if (isDocumentId(ref))
      if (auto doc = store_.head(ref); doc && (doc->kind == kinds::kInspection || doc->kind == kinds::kReport)) return *doc;
    // An establishment's code: its inspection, when it has one here (or a list to choose from).
    if (const auto found_est = establishmentByCode(ref)) {
      const auto& est = *found_est;
      std::vector<Document> kept, gone;
      for (const auto& id : store_.idsWhere(kinds::kInspection, f::kEstablishment, est.id)) {
        auto doc = *store_.head(id);
        (doc.deleted ? gone : kept).push_back(std::move(doc));
      }
      if (kept.size() == 1) return kept.front();
      const auto code = textField(est, "code");
      if (kept.empty())
        return problem("Cơ sở " + code + " chưa có phiếu kiểm tra nào trên máy này; bắt đầu bằng `fieldcheck inspect new --establishment " + code + "`.",
                       "Establishment " + code + " has no inspection on this laptop; start one with `fieldcheck inspect new --establishment " + code + "`.");
      std::string list;
      for (const auto& doc : kept)
        list += (list.empty() ? "" : ", ") + recordName(doc) + " (" + std::string(inspectionStanding(doc, store_.hasPendingChanges(doc.id)).code) + ")";
      return problem("Cơ sở " + code + " có " + std::to_string(kept.size()) + " phiếu kiểm tra: " + list + "; hãy chọn một số phiếu.",
                     "Establishment " + code + " has " + std::to_string(kept.size()) + " inspections: " + list + "; choose one by its number.");
    }
    return findById(filled, ref, {"phiếu kiểm tra", "inspection", "inspections", "fieldcheck inspect list"});
  }();

  if (found && found.value().deleted && !discarded_too)
    return problem("Phiếu “" + std::string(ref) + "” đã bị bỏ (lịch sử vẫn còn: `fieldcheck history " + std::string(ref) + "`).",
                   "Inspection “" + std::string(ref) + "” was discarded (its history stays: `fieldcheck history " + std::string(ref) + "`).");
  return found;
}

Result<Document> InspectorService::findInspectionOrEstablishment(std::string_view ref) const {
  // An establishment's code names the establishment here (its own history), not its inspection.
  if (auto est = establishmentByCode(ref)) return *est;
  Result<Document> doc = findInspection(ref, true);
  if (!doc) doc = findEstablishment(ref);
  if (!doc)
    return problem("Không tìm thấy phiếu hay cơ sở “" + std::string(ref) + "”.",
                   "No inspection or establishment “" + std::string(ref) + "”.");
  return doc;
}

Result<std::shared_ptr<const ChecklistTemplate>> InspectorService::templateByPurpose(std::string_view purpose,
                                                              const std::optional<std::string>& template_id) const {
  std::vector<std::shared_ptr<const ChecklistTemplate>> found;
  for (const auto& doc : store_.heads(kinds::kTemplate)) {
    if (textField(doc, "purpose") != purpose) continue;
    if (template_id && textField(doc, "template_id") != *template_id) continue;
    auto t = parsedTemplate(doc);
    if (!t) return t.problem();
    found.push_back(std::move(t.value()));
  }
  if (found.size() == 1) return std::move(found.front());
  if (found.empty())
    return problem("Không có mẫu phiếu " + (template_id ? "“" + *template_id + "”" : std::string(purpose)) +
                       " trong dữ liệu này.",
                   "There is no " + (template_id ? "template “" + *template_id + "”" : std::string(purpose) + " template") +
                       " in this data.");
  std::string ids;
  for (const auto& t : found) ids += (ids.empty() ? "" : ", ") + t->id;
  return problem("Có nhiều mẫu phiếu (" + ids + "); hãy chọn bằng --template.",
                 "There are several templates (" + ids + "); choose one with --template.");
}

Result<Document> InspectorService::correctEstablishment(std::string_view ref,
                                                        const std::vector<Assignment>& changes) {
  auto est = findEstablishment(ref);
  if (!est) return est;
  const auto code = textField(est.value(), "code");
  if (auto outside = outsideDistrict(textField(est.value(), "district"), "Cơ sở " + code, "Establishment " + code))
    return *outside;
  auto record = templateByPurpose("establishment", std::nullopt);
  if (!record) return record.problem();
  Fields updates;
  std::vector<Bilingual> faults;
  for (const auto& [name, input] : changes) {
    if (name == "code" || name == "district") {
      faults.push_back({"“" + name + "” do văn phòng tỉnh sửa, không sửa trên máy này",
                        "“" + name + "” is changed by the provincial office, not on this laptop"});
      continue;
    }
    const auto* q = record.value()->find(name);
    if (!q) {
      std::string known;
      for (const auto& question : record.value()->questions)
        if (question.id != "code" && question.id != "district") known += (known.empty() ? "" : ", ") + question.id;
      faults.push_back({"không có trường “" + name + "” (các trường: " + known + ")",
                        "there is no field “" + name + "” (fields: " + known + ")"});
      continue;
    }
    auto value = parseAnswerInput(*q, input, utc_offset_minutes_, wallClockMs());
    if (!value) {
      faults.push_back(value.problem().message);
      continue;
    }
    if (value.value().isNull() && q->required) {
      faults.push_back({"“" + q->label.vi + "” không được để trống", "“" + q->label.en + "” cannot be empty"});
      continue;
    }
    updates[name] = value.value();
  }
  if (!faults.empty())
    return Problem{{"Chưa lưu gì: có giá trị không hợp lệ.", "Nothing was saved: some values are not valid."}, faults};
  return store_.write(est.value().id, kinds::kEstablishment, [&](const Document* current) -> Result<Fields> {
    Fields fields = current->fields;
    for (const auto& [name, value] : updates) {
      if (value.isNull()) fields.erase(name);
      else fields[name] = value;
    }
    return fields;
  });
}

Result<Document> InspectorService::newInspection(std::string_view establishment_ref,
                                                 const std::optional<std::string>& template_ref) {
  auto est = findEstablishment(establishment_ref);
  if (!est) return est;
  const auto code = textField(est.value(), "code");
  if (auto outside = outsideDistrict(textField(est.value(), "district"), "Cơ sở " + code, "Establishment " + code))
    return *outside;
  auto checklist = templateByPurpose("inspection", template_ref);
  if (!checklist) return checklist.problem();
  Fields fields{{f::kEstablishment, est.value().id},
                {f::kTemplate, seedDocumentId(kinds::kTemplate, checklist.value()->id)},
                {f::kTemplateVersion, checklist.value()->version},
                {f::kDistrict, textField(est.value(), "district")},
                {f::kStatus, std::string(kStatusDraft)},
                {f::kStartedAt, DateTime{wallClockMs() / 1000 * 1000, utc_offset_minutes_}}};
  return store_.write(newDocumentId(), kinds::kInspection, [&](const Document*) -> Result<Fields> {
    fields[f::kNumber] = newNumber(textField(est.value(), "district"));  // counted only when the write commits
    return fields;
  });
}

Result<Document> InspectorService::newReport(const std::optional<std::string>& template_ref, const std::optional<std::string>& commune,
                                             const std::optional<std::string>& district, std::string period) {
  if (period.empty())  // this year, on the province's calendar
    period = formatDateTime(DateTime{wallClockMs(), utc_offset_minutes_}).substr(0, 4);
  if (!periodDays(period))
    return problem("Kỳ báo cáo “" + period + "” không hợp lệ: dùng năm (2019), quý (2019-Q3) hoặc tháng (2019-07).",
                   "The period “" + period + "” is not valid: use a year (2019), a quarter (2019-Q3) or a month (2019-07).");
  Fields fields;
  std::string purpose;
  if (commune) {
    purpose = "commune_report";
    auto found = findPlace(kinds::kCommune, *commune);
    if (!found) return found.problem();
    fields[f::kCommune] = textField(found.value(), "code");
    fields[f::kDistrict] = textField(found.value(), "district");
  } else if (district) {
    purpose = "district_report";
    auto found = findPlace(kinds::kDistrict, *district);
    if (!found) return found.problem();
    fields[f::kDistrict] = textField(found.value(), "code");
  } else {
    return problem("Báo cáo định kỳ cần --commune XÃ hoặc --district HUYỆN.", "A periodic report needs --commune NAME or --district NAME.");
  }
  if (auto outside = outsideDistrict(*fields[f::kDistrict].get<std::string>(), "Nơi báo cáo", "The report's place")) return *outside;
  auto checklist = templateByPurpose(purpose, template_ref);
  if (!checklist) return checklist.problem();
  fields[f::kTemplate] = seedDocumentId(kinds::kTemplate, checklist.value()->id);
  fields[f::kTemplateVersion] = checklist.value()->version;
  fields[f::kPeriod] = period;
  fields[f::kStatus] = std::string(kStatusDraft);
  fields[f::kStartedAt] = DateTime{wallClockMs() / 1000 * 1000, utc_offset_minutes_};
  return store_.write(newDocumentId(), kinds::kReport, [&](const Document*) -> Result<Fields> {
    fields[f::kNumber] = newNumber(*fields[f::kDistrict].get<std::string>());  // counted only when the write commits
    return fields;
  });

}

Result<std::shared_ptr<const ChecklistTemplate>> InspectorService::parsedTemplate(const Document& template_doc) const {
  if (auto it = templates_by_revision_.find(template_doc.revision); it != templates_by_revision_.end())
    return it->second;
  auto parsed = templateFromDocument(template_doc);
  if (!parsed) return parsed.problem();
  auto shared = std::make_shared<const ChecklistTemplate>(std::move(parsed.value()));
  templates_by_revision_.emplace(template_doc.revision, shared);
  return shared;
}

Result<InspectionView> InspectorService::viewOf(const Document& inspection) const {
  // A periodic report is about its commune or district, shown where an inspection shows its establishment.
  const auto commune = textField(inspection, f::kCommune);
  auto est = inspection.kind != kinds::kReport ? store_.head(textField(inspection, f::kEstablishment))
             : !commune.empty()               ? store_.head(seedDocumentId(kinds::kCommune, commune))
                                              : store_.head(seedDocumentId(kinds::kDistrict, textField(inspection, f::kDistrict)));
  auto template_doc = store_.head(textField(inspection, f::kTemplate));
  if (!est || !template_doc)
    return problem("Phiếu " + recordName(inspection) + " tham chiếu cơ sở hoặc mẫu phiếu không có trên máy này.",
                   "Inspection " + recordName(inspection) + " refers to an establishment or template not on this laptop.");
  auto checklist = parsedTemplate(*template_doc);
  if (!checklist) return checklist.problem();
  ChecklistState state(*checklist.value(), answersOf(inspection), est->fields);
  const bool unsent = store_.hasPendingChanges(inspection.id);
  auto failures = constraintFailures(*checklist.value(), state, est->fields, inspection.fields);
  return InspectionView{inspection, *est, checklist.value(), std::move(state), unsent, std::move(failures)};
}

std::vector<ConstraintFailure> InspectorService::constraintFailures(const ChecklistTemplate& checklist,
                                                                    const ChecklistState& state,
                                                                    const Fields& establishment,
                                                                    const Fields& record) const {
  if (checklist.constraints.empty()) return {};
  const auto provinces = store_.heads(kinds::kProvince);
  const auto context = constraintContext(wallClockMs(), provinces.empty() ? nullptr : &provinces.front(),
                                         store_.heads(kinds::kPlan));
  return failedConstraints(checklist, state, establishment, context, record);
}

FillPresence InspectorService::enterFill(const std::string& id) const {
  const auto dir = home_.dir / "fills";
  std::error_code ec;
  fs::create_directories(dir, ec);
  // The lock file is held, and on Windows a held range cannot be read or written through another
  // handle: when the fill began goes in a file of its own beside it.
  const auto since = dir / (id + ".since");
  FillPresence presence;
  presence.lock = platform::FileLock::tryLock(dir / (id + ".lock"));
  if (presence.lock) {
    std::ofstream(since, std::ios::trunc) << formatDateTime(DateTime{wallClockMs(), utc_offset_minutes_}).substr(11, 5);
  } else {
    std::ifstream in(since);
    std::getline(in, presence.other_since);
  }
  return presence;
}

std::vector<WaitingEdit> InspectorService::waitingEdits() const {
  std::vector<WaitingEdit> out;
  for (const auto& merge : store_.serverMerges()) {
    // This laptop's side of the merge, and what it was edited from.
    std::optional<Document> mine, theirs;
    for (const auto& parent : merge.parents) {
      auto revision = store_.revision(merge.id, parent);
      if (revision && revision->device == store_.device()) mine = std::move(revision);
      else theirs = std::move(revision);
    }
    if (!mine || !theirs || mine->deleted) continue;
    const auto base = mine->parents.empty() ? std::nullopt : store_.revision(merge.id, mine->parents.front());
    const auto head = store_.head(merge.id);
    if (!head) continue;
    // Settled once a decision came after the merge: a revision with two parents that is not
    // another of the server's merges (a supervisor's, from a laptop or written on the server).
    bool after = false, decided = false;
    for (const auto& revision : store_.history(merge.id)) {
      if (revision.revision == merge.revision) after = true;
      else if (after && revision.parents.size() >= 2 && !(revision.device == "server" && revision.author == "server"))
        decided = true;
    }
    if (decided) continue;
    auto valueOf = [](const Document& doc, const std::string& field) {
      const auto it = doc.fields.find(field);
      return it == doc.fields.end() ? Value{} : it->second;
    };
    for (const auto& [field, value] : mine->fields) {
      if (field.empty() || field.front() == '_') continue;
      const bool changed_here = !base || valueOf(*base, field) != value;
      // Still set aside: the head holds the applied value, not this laptop's.
      if (!changed_here || valueOf(merge, field) == value || valueOf(*head, field) != valueOf(merge, field)) continue;
      // Named and shown as people read them: the record, the question's label, the values.
      const auto lost = describeField(*head, field, value);
      out.push_back({documentName(merge.id), lost.label, lost.shown, describeField(*head, field, valueOf(merge, field)).shown,
                     theirs->author});
    }
  }
  return out;
}

InspectionStanding inspectionStanding(const Document& inspection, bool unsent) {
  const auto state = reviewState(inspection);
  if (state == ReviewState::kSubmitted && unsent) return {"finalized", {"Đã hoàn tất, chờ gửi", "finalized, waiting to be sent"}};
  return {reviewStateCode(state), reviewStateLabel(state)};
}

Result<InspectionView> InspectorService::view(std::string_view inspection_ref) const {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection.problem();
  return viewOf(inspection.value());
}

Result<Document> InspectorService::editDraft(
    const Document& inspection, const std::function<Result<Fields>(const InspectionView&)>& change) {
  const bool may_amend = mayAmendFinalized(role());
  return store_.write(inspection.id, inspection.kind, [&](const Document* current) -> Result<Fields> {
    // The check runs on the revision inside the write transaction, not on the one read before.
    const bool finalized = textField(*current, f::kStatus) != kStatusDraft;
    if (finalized && !may_amend) return finalizedProblem(recordName(*current));
    auto view = viewOf(*current);
    if (!view) return view.problem();
    auto fields = change(view.value());
    if (!fields || !finalized) return fields;
    // A supervisor's amendment keeps the finalized record complete.
    const auto establishment = store_.head(textField(*current, f::kEstablishment));
    const ChecklistState amended(*view.value().checklist, fields.value(), establishment ? establishment->fields : Fields{});
    // ... and breaking no error constraint, which the server refuses in a finalized record.
    std::vector<Bilingual> broken;
    for (const auto& failure : constraintFailures(*view.value().checklist, amended,
                                                  establishment ? establishment->fields : Fields{}, fields.value()))
      if (failure.constraint->level == ConstraintLevel::kError) broken.push_back(describeFailure(failure));
    if (!amended.complete() || !broken.empty()) {
      Problem p = problem("Sửa đổi này làm phiếu đã hoàn tất thiếu hoặc sai câu trả lời; không lưu.",
                          "This amendment would leave the finalized inspection with missing or invalid answers; not saved.");
      for (const auto* issue : amended.issues()) p.details.push_back(*issue->issue);
      p.details.insert(p.details.end(), broken.begin(), broken.end());
      return p;
    }
    return fields;
  });
}

Result<Document> InspectorService::setAnswers(std::string_view inspection_ref, const std::vector<Assignment>& answers) {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  return editDraft(inspection.value(), [&](const InspectionView& view) -> Result<Fields> {
    Fields fields = view.inspection.fields;
    std::vector<Bilingual> faults;
    for (const auto& [qid, input] : answers) {
      const auto* q = view.checklist->find(qid);
      if (!q) {
        faults.push_back({"không có câu hỏi “" + qid + "” trong mẫu " + view.checklist->id +
                              " (xem `fieldcheck inspect show " + recordName(view.inspection) + "`)",
                          "there is no question “" + qid + "” in template " + view.checklist->id +
                              " (see `fieldcheck inspect show " + recordName(view.inspection) + "`)"});
        continue;
      }
      auto value = parseAnswerInput(*q, input, utc_offset_minutes_, wallClockMs());
      if (!value) {
        faults.push_back(value.problem().message);
        continue;
      }
      if (value.value().isNull()) fields.erase(qid);
      else fields[qid] = value.value();
    }
    if (!faults.empty())
      return Problem{{"Chưa lưu gì: có câu trả lời không hợp lệ.", "Nothing was saved: some answers are not valid."},
                     faults};
    return fields;
  });
}

Result<Document> InspectorService::setAnswer(std::string_view inspection_ref, const std::string& question_id,
                                             Value value) {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  return editDraft(inspection.value(), [&](const InspectionView& view) -> Result<Fields> {
    const auto* q = view.checklist->find(question_id);
    if (!q)
      return problem("Không có câu hỏi “" + question_id + "”.", "There is no question “" + question_id + "”.");
    if (auto issue = checkAnswer(*q, value)) return Problem{*issue, {}};
    Fields fields = view.inspection.fields;
    if (value.isNull()) fields.erase(question_id);
    else fields[question_id] = value;
    return fields;
  });
}

Result<Document> InspectorService::attach(std::string_view inspection_ref, const std::string& question_id,
                                          const fs::path& file) {
  return attachRef(inspection_ref, question_id, [&] { return attachments_.add(file); });
}

Result<Document> InspectorService::attachBytes(std::string_view inspection_ref, const std::string& question_id,
                                               const std::string& bytes, const std::string& name) {
  return attachRef(inspection_ref, question_id, [&] { return attachments_.store(bytes, name); });
}

Result<Document> InspectorService::attachRef(std::string_view inspection_ref, const std::string& question_id,
                                             const std::function<Result<AttachmentRef>()>& store) {
  auto v = view(inspection_ref);
  if (!v) return v.problem();
  const auto* q = v.value().checklist->find(question_id);
  if (!q || !takesAttachment(q->type))
    return problem("“" + question_id + "” không phải câu hỏi ảnh hay chữ ký của mẫu phiếu này.",
                   "“" + question_id + "” is not a photo or signature question of this checklist.");
  if (textField(v.value().inspection, f::kStatus) != kStatusDraft) return finalizedProblem(recordName(v.value().inspection));
  auto ref = store();
  if (!ref) return ref.problem();
  return setAnswer(v.value().inspection.id, question_id, Value{ref.value()});
}

std::optional<fs::path> InspectorService::photoFile(std::string_view sha256) const {
  if (!isSha256Hex(sha256) || store_.attachmentsStartingWith(sha256).empty()) return std::nullopt;
  auto path = attachments_.pathOf(AttachmentRef{std::string(sha256), 0, ""});
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

InspectorService::Session InspectorService::session() const {
  Session s;
  s.user = store_.user();
  s.role = std::string(roleName(role()));
  s.district = store_.setting("district").value_or("");
  s.device = store_.device();
  s.laptop_number = store_.setting("laptop_number").value_or("");
  s.province = store_.setting("province").value_or("");
  s.server = store_.setting("server_url").value_or("");
  s.may_review = mayReview(role());
  return s;
}

std::uint64_t InspectorService::pendingUploadBytes() const {
  std::uint64_t total = 0;
  for (const auto& upload : store_.uploads(true)) total += upload.ref.size_bytes;
  return total;
}

Result<Document> InspectorService::finalize(std::string_view inspection_ref) {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  if (textField(inspection.value(), f::kStatus) == kStatusFinalized)
    return problem("Phiếu " + recordName(inspection.value()) + " đã hoàn tất rồi.",
                   "Inspection " + recordName(inspection.value()) + " is already finalized.");
  const auto name = recordName(inspection.value());
  return editDraft(inspection.value(), [&](const InspectionView& view) -> Result<Fields> {
    // Everything that holds it back, at once: missing or invalid answers, then checks across
    // answers not met (errors are corrected; warnings corrected or confirmed for their values).
    const auto issues = view.state.issues();
    std::vector<Bilingual> open;
    for (const auto& failure : view.failures) {
      if (failure.confirmed) continue;
      auto line = describeFailure(failure);
      if (failure.constraint->level == ConstraintLevel::kError) {
        line.vi += ": sửa bằng `fieldcheck inspect set " + name + " ...`";
        line.en += ": correct it with `fieldcheck inspect set " + name + " ...`";
      } else {
        line.vi += ": sửa, hoặc xác nhận bằng `fieldcheck inspect confirm " + name + " " + failure.constraint->id + "`";
        line.en += ": correct it, or confirm it with `fieldcheck inspect confirm " + name + " " + failure.constraint->id + "`";
      }
      open.push_back(std::move(line));
    }
    if (!issues.empty()) {
      Problem p{{"Chưa hoàn tất được phiếu: còn " + std::to_string(issues.size()) + " câu thiếu hoặc sai" +
                     (open.empty() ? "" : " và " + std::to_string(open.size()) + " kiểm tra giữa các câu trả lời chưa đạt") +
                     ". Sửa bằng `fieldcheck inspect fill " + name + "`.",
                 "The inspection cannot be finalized yet: " + std::to_string(issues.size()) + " answer(s) missing or invalid" +
                     (open.empty() ? "" : " and " + std::to_string(open.size()) + " check(s) across answers not met") +
                     ". Fix them with `fieldcheck inspect fill " + name + "`."},
                {}};
      for (const auto* s : issues) p.details.push_back(*s->issue);
      for (auto& line : open) p.details.push_back(std::move(line));
      return p;
    }
    if (!open.empty())
      return Problem{{"Chưa hoàn tất được phiếu: " + std::to_string(open.size()) +
                          " kiểm tra giữa các câu trả lời chưa đạt (lỗi phải sửa; cảnh báo phải sửa hoặc xác nhận).",
                      "The inspection cannot be finalized yet: " + std::to_string(open.size()) +
                          " check(s) across answers not met (errors must be corrected; warnings corrected or confirmed)."},
                     std::move(open)};
    Fields fields = view.inspection.fields;
    // Answers to questions that do not apply are not part of the finalized record.
    for (const auto& s : view.state.questions())
      if (!s.relevant) fields.erase(s.question->id);
    clearReview(fields);
    fields[f::kStatus] = std::string(kStatusFinalized);
    fields[f::kFinalizedAt] = DateTime{wallClockMs() / 1000 * 1000, utc_offset_minutes_};
    return fields;
  });
}

Result<Document> InspectorService::confirm(std::string_view inspection_ref, const std::string& constraint_id) {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  const auto user = store_.user();
  return editDraft(inspection.value(), [&](const InspectionView& view) -> Result<Fields> {
    const auto& constraints = view.checklist->constraints;
    const auto it = std::find_if(constraints.begin(), constraints.end(),
                                 [&](const Constraint& c) { return c.id == constraint_id; });
    if (it == constraints.end()) {
      std::string known;
      for (const auto& c : constraints)
        if (c.level == ConstraintLevel::kWarning) known += (known.empty() ? "" : ", ") + c.id;
      return problem("Mẫu phiếu không có kiểm tra “" + constraint_id + "” (các cảnh báo: " + known + ").",
                     "The template has no check “" + constraint_id + "” (its warnings: " + known + ").");
    }
    if (it->level == ConstraintLevel::kError)
      return problem("“" + constraint_id + "” là lỗi, không xác nhận được; hãy sửa câu trả lời: " + it->message.vi,
                     "“" + constraint_id + "” is an error, which cannot be confirmed; correct the answers: " + it->message.en);
    for (const auto& failure : view.failures)
      if (failure.constraint == &*it) return withConfirmation(view.inspection.fields, failure, user);
    return problem("Cảnh báo “" + constraint_id + "” không xuất hiện với các câu trả lời hiện có; không cần xác nhận.",
                   "Warning “" + constraint_id + "” does not fire for the current answers; there is nothing to confirm.");
  });
}

Result<Document> InspectorService::discard(std::string_view inspection_ref) {
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  const bool may_discard_finalized = mayDiscardOthersWork(role());
  return store_.writeRevision(inspection.value().id, [&](const Document& current, HybridTimestamp stamp) -> Result<Document> {
    // Checked on the head inside the write transaction, not on the one read before.
    if (current.deleted) return problem("Phiếu này đã bị bỏ.", "This inspection was discarded already.");
    if (textField(current, f::kStatus) != kStatusDraft && !may_discard_finalized)
      return problem("Phiếu " + recordName(current) + " đã hoàn tất nên cán bộ kiểm tra không bỏ được; hãy báo giám sát viên.",
                     "Inspection " + recordName(current) + " is finalized, so an inspector cannot discard it; ask a supervisor.");
    auto gone = nextRevision(current, current.fields, store_.user(), store_.device(), stamp);
    gone.deleted = true;
    return gone;
  });
}

Result<Document> InspectorService::review(std::string_view inspection_ref, const ReviewDecision& decision) {
  if (!mayReview(role()))
    return problem("Chỉ giám sát viên, cán bộ tỉnh hoặc quản trị mới duyệt phiếu. Nếu bạn giám sát, hãy đăng nhập lại (`fieldcheck login`).",
                   "Only a supervisor, provincial officer or administrator reviews inspections. If you supervise, log in again "
                   "(`fieldcheck login`).");
  auto inspection = findInspection(inspection_ref);
  if (!inspection) return inspection;
  const auto at = DateTime{wallClockMs() / 1000 * 1000, utc_offset_minutes_};
  return store_.write(inspection.value().id, inspection.value().kind, [&](const Document* current) -> Result<Fields> {
    return reviewedFields(*current, decision, store_.user(), at);
  });
}

Result<std::vector<Document>> InspectorService::inspections(const std::optional<std::string>& status) const {
  constexpr std::string_view kFilters[] = {"draft", "finalized", "submitted", "approved", "returned"};
  if (status && std::find(std::begin(kFilters), std::end(kFilters), *status) == std::end(kFilters))
    return problem("Trạng thái phải là draft, finalized, submitted, approved hoặc returned.",
                   "The status must be draft, finalized, submitted, approved or returned.");
  std::vector<Document> out;
  auto all = store_.heads(kinds::kInspection);
  for (auto& report : store_.heads(kinds::kReport)) all.push_back(std::move(report));
  for (auto& doc : all) {
    if (doc.deleted) continue;  // discarded
    if (!status || textField(doc, f::kStatus) == *status || inspectionStanding(doc, store_.hasPendingChanges(doc.id)).code == *status)
      out.push_back(std::move(doc));
  }
  std::sort(out.begin(), out.end(), [](const Document& a, const Document& b) { return a.stamp > b.stamp; });
  return out;
}

StatusSummary InspectorService::status() const {
  StatusSummary s;
  // This laptop's user's work: the records written here, not the colleagues' that syncs brought.
  const auto mine = store_.idsWrittenHere();
  for (const auto kind : {kinds::kInspection, kinds::kReport})
  for (const auto& doc : store_.heads(kind)) {
    if (doc.deleted || !mine.count(doc.id)) continue;
    const auto st = textField(doc, f::kStatus);
    if (st == kStatusDraft) ++s.drafts;
    else if (st == kStatusFinalized) ++s.finalized;
    if (reviewState(doc) == ReviewState::kReturned) ++s.returned;
  }
  s.pending_changes = store_.pendingChanges();
  s.waiting = waitingEdits();
  if (const auto mine = store_.setting("district").value_or(""); !mine.empty())
    for (const auto& id : store_.unsentOutside(mine)) {
      const auto doc = store_.head(id);
      const auto place = doc->kind == kinds::kEstablishment ? textField(*doc, "district") : textField(*doc, f::kDistrict);
      s.outside.push_back(documentName(id) + " (" + districtName(place) + ")");
    }

  s.user = store_.user();
  s.device = store_.device();
  s.province = store_.setting("province").value_or("");
  s.server = store_.setting("server_url").value_or("");
  s.last_sync = store_.setting("last_sync_at").value_or("");
  s.clock_skew_ms = std::stoll(store_.setting("clock_skew_ms").value_or("0"));
  // What the server refused, once per record (its latest refusal), and nothing of a record
  // thrown away here since: the refusal is settled.
  std::set<std::string> told;
  for (auto& refusal : store_.refusals()) {
    if (!told.insert(refusal.doc_id).second) continue;
    if (const auto head = store_.head(refusal.doc_id); head && head->deleted) continue;
    s.refused.push_back(std::move(refusal));
  }
  s.open_conflicts = conflicts(false).size();
  s.pending_uploads = store_.uploads(true).size();
  for (auto& upload : store_.uploads(false))
    if (upload.refused) s.refused_uploads.push_back(std::move(upload));
  return s;
}

Role InspectorService::role() const {
  // Before its first login a laptop's user is an inspector, whatever they may be on the server.
  return parseRole(store_.setting("role").value_or("")).value_or(Role::kInspector);
}

std::vector<ConflictView> InspectorService::conflicts(bool all) const {
  std::vector<ConflictView> out;
  for (const auto& doc : store_.heads(kinds::kConflict)) {
    auto record = ConflictRecord::fromDocument(doc);
    if (!record) continue;
    ConflictView view{std::move(*record), {}};
    if (!view.record.resolved) {
      // A revision written here with the other side among its parents resolves it once sent.
      for (const auto& revision : store_.history(view.record.doc_id))
        if (revision.device == store_.device() &&
            std::find(revision.parents.begin(), revision.parents.end(), view.record.other().revision) != revision.parents.end())
          view.resolved_here = revision.revision;
    }
    if (all || view.open()) out.push_back(std::move(view));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.record.number < b.record.number; });
  return out;
}

Result<ConflictView> InspectorService::findConflict(std::string_view ref) const {
  const auto text = std::string(ref.substr(!ref.empty() && ref.front() == '#' ? 1 : 0));
  const bool number = !text.empty() && text.size() <= 12 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool id_prefix = text.size() >= 4 && std::all_of(text.begin(), text.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                         });
  std::vector<ConflictView> found;
  for (auto& view : conflicts(true))
    if ((number && std::to_string(view.record.number) == text) ||
        (!number && id_prefix && view.record.id.compare(0, text.size(), text) == 0))
      found.push_back(std::move(view));
  if (found.size() == 1) return std::move(found.front());
  if (found.size() > 1)
    return problem("“" + text + "” là phần đầu của nhiều xung đột; hãy dùng số xung đột.",
                   "“" + text + "” begins the ids of several conflicts; use the conflict's number.");
  return problem("Máy này không có xung đột “" + text + "”; xem `fieldcheck conflicts list` (hãy đồng bộ để nhận xung đột mới).",
                 "This laptop has no conflict “" + text + "”; see `fieldcheck conflicts list` (sync to receive new ones).");
}

Result<Document> InspectorService::resolveConflict(std::string_view ref, const std::vector<std::string>& takes,
                                                   const std::vector<std::string>& sets) {
  if (!mayResolveConflicts(role()))
    return problem("Chỉ giám sát viên, cán bộ tỉnh hoặc quản trị mới giải quyết xung đột.",
                   "Only a supervisor, provincial officer or administrator resolves conflicts.");
  auto view = findConflict(ref);
  if (!view) return view.problem();
  const auto& record = view.value().record;
  const auto number = record.number;
  if (record.resolved)
    return problem("Xung đột #" + std::to_string(number) + " đã được " + record.resolved_by + " giải quyết.",
                   "Conflict #" + std::to_string(number) + " was already resolved by " + record.resolved_by + ".");
  if (!view.value().resolved_here.empty())
    return problem("Xung đột #" + std::to_string(number) + " đã được giải quyết trên máy này, chờ đồng bộ.",
                   "Conflict #" + std::to_string(number) + " is already resolved on this laptop, waiting to sync.");
  std::optional<Document> other;
  for (auto& revision : store_.history(record.doc_id))
    if (revision.revision == record.other().revision) other = std::move(revision);
  const auto templates = store_.heads(kinds::kTemplate);
  return store_.writeRevision(record.doc_id, [&](const Document& head, HybridTimestamp stamp) -> Result<Document> {
    auto decision = decisionFromInput(takes, sets, head, templates, utc_offset_minutes_);
    if (!decision) return decision.problem();
    return resolvingRevision(record, decision.value(), head, other ? &*other : nullptr, store_.user(), store_.device(), stamp);
  });
}

}  // namespace fieldcheck::client
