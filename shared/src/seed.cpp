// Loading a seed folder into first-revision documents.
#include "fieldcheck/seed.h"
#include "fieldcheck/plan.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fieldcheck/answer_validation.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/record_number.h"
#include "fieldcheck/text.h"

namespace fieldcheck {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxSeedFileBytes = 16 * 1024 * 1024;

class SeedFaults {
 public:
  explicit SeedFaults(fs::path dir) : dir_(std::move(dir)) {}
  void add(const std::string& file, const std::string& vi, const std::string& en) {
    details_.push_back({file + ": " + vi, file + ": " + en});
  }
  void addAll(const Problem& p) {
    if (p.details.empty()) details_.push_back(p.message);
    details_.insert(details_.end(), p.details.begin(), p.details.end());
  }
  bool any() const { return !details_.empty(); }
  Problem problem() const {
    return Problem{{"Thư mục dữ liệu mẫu " + utf8Of(dir_) + " không dùng được; hãy sửa các lỗi dưới đây.",
                    "The seed folder " + utf8Of(dir_) + " cannot be used; fix the faults below."},
                   details_};
  }

 private:
  fs::path dir_;
  std::vector<Bilingual> details_;
};

std::optional<std::string> readText(const fs::path& path, SeedFaults& faults) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    faults.add(utf8Of(path.filename()), "không đọc được tệp (" + ec.message() + ")",
               "cannot read the file (" + ec.message() + ")");
    return std::nullopt;
  }
  if (size > kMaxSeedFileBytes) {
    faults.add(utf8Of(path.filename()), "tệp lớn quá 16 MiB", "file larger than 16 MiB");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) {
    faults.add(utf8Of(path.filename()), "không đọc được tệp", "cannot read the file");
    return std::nullopt;
  }
  return buffer.str();
}

std::optional<json> readJson(const fs::path& path, SeedFaults& faults) {
  auto text = readText(path, faults);
  if (!text) return std::nullopt;
  try {
    auto j = json::parse(*text);
    if (!j.is_object()) {
      faults.add(utf8Of(path.filename()), "tệp phải là một đối tượng JSON", "the file must hold a JSON object");
      return std::nullopt;
    }
    return j;
  } catch (const json::parse_error& e) {
    faults.add(utf8Of(path.filename()), "JSON hỏng tại byte " + std::to_string(e.byte),
               "malformed JSON at byte " + std::to_string(e.byte));
    return std::nullopt;
  } catch (const json::exception&) {  // a number too large for a double, which the parser reports apart
    faults.add(utf8Of(path.filename()), "JSON có số quá lớn hoặc giá trị không đọc được",
               "the JSON holds a number too large or a value that cannot be read");
    return std::nullopt;
  }
}

std::string text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? toNfc(j[key].get<std::string>()) : std::string();
}

Document seedDocument(std::string_view kind, std::string_view code, Fields fields) {
  return firstRevision(seedDocumentId(kind, code), std::string(kind), std::move(fields),
                       std::string(kSeedAuthor), std::string(kSeedAuthor), HybridTimestamp{});
}

}  // namespace

std::string seedDocumentId(std::string_view kind, std::string_view code) {
  return sha256Hex(std::string(kind) + ":" + std::string(code)).substr(0, 32);
}

Result<ChecklistTemplate> templateFromDocument(const Document& doc) {
  auto it = doc.fields.find("definition");
  const auto* definition = it == doc.fields.end() ? nullptr : it->second.get<std::string>();
  if (doc.kind != kinds::kTemplate || !definition)
    return problem("Tài liệu " + doc.id + " không phải mẫu phiếu.", "Document " + doc.id + " is not a template.");
  return parseTemplate(*definition, "template " + doc.id.substr(0, 8));
}

Result<Seed> loadSeed(const fs::path& dir) {
  SeedFaults faults(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return problem("Không có thư mục dữ liệu mẫu " + utf8Of(dir) + ".",
                   "There is no seed folder " + utf8Of(dir) + ".");
  Seed seed;

  // Province and districts.
  std::set<std::string> districts;
  std::map<std::string, std::string> abbreviations;  // abbreviation → district code
  if (auto p = readJson(dir / "province.json", faults)) {
    if (p->value("format", "") != "fieldcheck-seed/1")
      faults.add("province.json", "'format' phải là \"fieldcheck-seed/1\"", "'format' must be \"fieldcheck-seed/1\"");
    seed.province = text(*p, "province");
    const auto code = text(*p, "code");
    auto offset = parseUtcOffset(text(*p, "utc_offset"));
    if (seed.province.empty() || code.empty() || !offset)
      faults.add("province.json", "cần 'province', 'code' và 'utc_offset' (ví dụ \"+07:00\")",
                 "needs 'province', 'code' and 'utc_offset' (e.g. \"+07:00\")");
    seed.utc_offset_minutes = offset.value_or(0);
    Fields province{{"code", code}, {"name", seed.province}, {"utc_offset", text(*p, "utc_offset")}};
    // The province's bounding box, which constraints read (province.lat_min ...): optional.
    if (p->contains("bounds")) {
      const auto& b = (*p)["bounds"];
      const auto number = [&](const char* key) -> std::optional<double> {
        if (!b.is_object() || !b.contains(key) || !b[key].is_number()) return std::nullopt;
        return b[key].get<double>();
      };
      const auto lat_min = number("lat_min"), lat_max = number("lat_max"), lon_min = number("lon_min"),
                 lon_max = number("lon_max");
      if (!b.is_object() || b.size() != 4 || !lat_min || !lat_max || !lon_min || !lon_max || *lat_min < -90 ||
          *lat_max > 90 || *lat_min >= *lat_max || *lon_min < -180 || *lon_max > 180 || *lon_min >= *lon_max) {
        faults.add("province.json",
                   "'bounds' cần đúng lat_min < lat_max (-90 đến 90) và lon_min < lon_max (-180 đến 180)",
                   "'bounds' needs exactly lat_min < lat_max (-90 to 90) and lon_min < lon_max (-180 to 180)");
      } else {
        province["lat_min"] = *lat_min;
        province["lat_max"] = *lat_max;
        province["lon_min"] = *lon_min;
        province["lon_max"] = *lon_max;
      }
    }
    seed.documents.push_back(seedDocument(kinds::kProvince, code, std::move(province)));
    if (!p->contains("districts") || !(*p)["districts"].is_array() || (*p)["districts"].empty())
      faults.add("province.json", "cần danh sách 'districts'", "needs a 'districts' list");
    for (const auto& d : p->value("districts", json::array())) {
      const auto dcode = text(d, "code"), name = text(d, "name");
      if (dcode.empty() || name.empty() || !districts.insert(dcode).second) {
        faults.add("province.json", "mỗi huyện cần 'code' riêng và 'name'", "each district needs a unique 'code' and a 'name'");
        continue;
      }
      // The letters that begin its records' numbers (record_number.h): unique in the province,
      // or two districts' laptops could make the same number.
      const auto given = text(d, "abbreviation");
      const auto abbreviation = districtAbbreviation(dcode, given);
      if (!given.empty() && !isDistrictAbbreviation(given))
        faults.add("province.json", "huyện '" + dcode + "': 'abbreviation' phải là 1 đến 4 chữ in hoa A-Z",
                   "district '" + dcode + "': 'abbreviation' must be 1 to 4 capital letters A-Z");
      else if (auto [it, fresh] = abbreviations.emplace(abbreviation, dcode); !fresh)
        faults.add("province.json",
                   "huyện '" + dcode + "' và '" + it->second + "' có cùng chữ viết tắt " + abbreviation +
                       " (dùng trong số phiếu); hãy cho mỗi huyện một 'abbreviation' riêng",
                   "districts '" + dcode + "' and '" + it->second + "' have the same abbreviation " + abbreviation +
                       " (used in record numbers); give each its own 'abbreviation'");
      seed.documents.push_back(
          seedDocument(kinds::kDistrict, dcode, {{"code", dcode}, {"name", name}, {"abbreviation", abbreviation}}));

    }
  }

  // Communes.
  std::map<std::string, std::string> commune_district;
  if (auto c = readJson(dir / "communes.json", faults)) {
    for (const auto& item : c->value("communes", json::array())) {
      const auto code = text(item, "code"), name = text(item, "name"), district = text(item, "district");
      if (code.empty() || name.empty() || !districts.count(district) || commune_district.count(code)) {
        faults.add("communes.json", "xã '" + code + "' cần 'code' riêng, 'name' và 'district' có trong province.json",
                   "commune '" + code + "' needs a unique 'code', a 'name' and a 'district' from province.json");
        continue;
      }
      commune_district[code] = district;
      seed.documents.push_back(seedDocument(kinds::kCommune, code,
                                            {{"code", code}, {"name", name}, {"district", district}}));
    }
  }

  // Templates.
  std::optional<ChecklistTemplate> record_template;
  bool has_inspection_template = false;
  std::vector<fs::path> template_files;
  for (const auto& entry : fs::directory_iterator(dir / "templates", ec))
    if (entry.path().extension() == ".json") template_files.push_back(entry.path());
  std::sort(template_files.begin(), template_files.end());
  for (const auto& path : template_files) {
    auto json_text = readText(path, faults);
    if (!json_text) continue;
    auto parsed = parseTemplate(*json_text, "templates/" + utf8Of(path.filename()));
    if (!parsed) {
      faults.addAll(parsed.problem());
      continue;
    }
    const auto& t = parsed.value();
    if (t.purpose == "establishment") record_template = t;
    if (t.purpose == "inspection") has_inspection_template = true;
    seed.documents.push_back(seedDocument(
        kinds::kTemplate, t.id,
        {{"template_id", t.id}, {"version", t.version}, {"purpose", t.purpose},
         {"title_vi", t.title.vi}, {"title_en", t.title.en}, {"definition", toNfc(*json_text)}}));
  }
  if (!record_template || !has_inspection_template)
    faults.add("templates/", "cần một mẫu 'establishment' và ít nhất một mẫu 'inspection'",
               "needs one 'establishment' template and at least one 'inspection' template");

  // Establishments, each checked against the establishment record template.
  if (auto e = readJson(dir / "establishments.json", faults); e && record_template) {
    std::set<std::string> codes;
    for (const auto& item : e->value("establishments", json::array())) {
      const auto code = text(item, "code");
      const std::string where = "establishments.json";
      if (code.empty() || !codes.insert(code).second) {
        faults.add(where, "mỗi cơ sở cần 'code' riêng", "each establishment needs a unique 'code'");
        continue;
      }
      Fields fields{{"code", code}};
      bool ok = true;
      for (const auto& [key, raw] : item.items()) {
        if (key == "code") continue;
        const auto* q = record_template->find(key);
        if (!q) {
          faults.add(where, code + ": trường lạ '" + key + "'", code + ": unknown field '" + key + "'");
          ok = false;
          continue;
        }
        Value v;
        try {
          v = valueFromJson(raw);
        } catch (const std::invalid_argument& err) {
          faults.add(where, code + ": '" + key + "' sai dạng", code + ": '" + key + "': " + err.what());
          ok = false;
          continue;
        }
        if (const auto* s = v.get<std::string>()) v = toNfc(*s);
        fields[key] = std::move(v);
      }
      for (const auto& issue : recordIssues(*record_template, fields, {"code"})) {
        faults.add(where, code + ": " + issue.vi, code + ": " + issue.en);
        ok = false;
      }
      const auto* district = fields.count("district") ? fields["district"].get<std::string>() : nullptr;
      if (!district || !districts.count(*district)) {
        faults.add(where, code + ": 'district' không có trong province.json", code + ": 'district' is not in province.json");
        ok = false;
      }
      if (auto it = fields.find("commune"); it != fields.end() && it->second.get<std::string>() && district) {
        auto cd = commune_district.find(*it->second.get<std::string>());
        if (cd == commune_district.end() || cd->second != *district) {
          faults.add(where, code + ": xã không thuộc huyện " + *district, code + ": commune is not in district " + *district);
          ok = false;
        }
      }
      if (ok) seed.documents.push_back(seedDocument(kinds::kEstablishment, code, std::move(fields)));
    }
  }

  // The plan: kept whole as its definition; its targets are read by the reports.
  if (auto plan_text = readText(dir / "plan.json", faults)) {
    auto plan = parsePlan(*plan_text);
    if (!plan) {
      for (const auto& d : plan.problem().details) faults.add("plan.json", d.vi, d.en);
      if (plan.problem().details.empty()) faults.add("plan.json", plan.problem().message.vi, plan.problem().message.en);
    } else {
      const auto& p = plan.value();
      seed.documents.push_back(seedDocument(kinds::kPlan, p.code,
                                            {{"code", p.code},
                                             {"title_vi", p.title.vi},
                                             {"title_en", p.title.en},
                                             {"definition", toNfc(*plan_text)}}));
    }
  }

  if (faults.any()) return faults.problem();
  return seed;
}

}  // namespace fieldcheck
