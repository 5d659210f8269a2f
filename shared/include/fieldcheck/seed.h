// Seed folders: a province's districts, communes, establishments, plan and templates as data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fieldcheck/checklist_template.h"
#include "fieldcheck/document.h"
#include "fieldcheck/result.h"

namespace fieldcheck {

/// Kinds of seed documents.
namespace kinds {
inline constexpr std::string_view kProvince = "province";
inline constexpr std::string_view kDistrict = "district";
inline constexpr std::string_view kCommune = "commune";
inline constexpr std::string_view kEstablishment = "establishment";
inline constexpr std::string_view kPlan = "plan";
inline constexpr std::string_view kTemplate = "template";
inline constexpr std::string_view kInspection = "inspection";
/// A periodic report of a commune or a district, filled from a "commune_report" or
/// "district_report" template; it syncs and is reviewed like an inspection.
inline constexpr std::string_view kReport = "report";
}  // namespace kinds

inline constexpr std::string_view kSeedAuthor = "seed";

struct Seed {
  std::string province;
  std::int32_t utc_offset_minutes = 0;
  std::vector<Document> documents;  // first revisions, identical on every replica
};

/// The document id of a seed item: derived from its kind and code, so every replica that loads
/// the same seed agrees on ids without coordination.
std::string seedDocumentId(std::string_view kind, std::string_view code);

/// Reads a seed folder (province.json, communes.json, establishments.json, plan.json,
/// templates/*.json). Every template is checked with parseTemplate and every establishment
/// against the establishment template. Refuses, naming each file and fault, when anything is
/// missing or wrong. Reads files only; opens no database.
Result<Seed> loadSeed(const std::filesystem::path& dir);

/// The template stored in a template document (its "definition" field).
Result<ChecklistTemplate> templateFromDocument(const Document& doc);

}  // namespace fieldcheck
