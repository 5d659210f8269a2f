// The reports' index on SQLite: one narrow row per inspection or periodic report head.
#pragma once

#include <functional>

#include <SQLiteCpp/SQLiteCpp.h>

#include "provincial_storage.h"

namespace fieldcheck::server {

/// See ProvincialStorage::refreshReportIndex. Writes in transactions of its own; safe to run while
/// others push (each step reads committed heads).
std::size_t refreshReportIndex(SQLite::Database& db, std::int64_t max_changes = 0);

/// Makes (again, when the templates changed since) one SQL view per kind of record with one
/// column per question, for people who query the database with the sqlite3 shell: inspections,
/// reports, establishments (see sync-server/README.md).
void refreshSqlViews(SQLite::Database& db);

/// See ProvincialStorage::scanFilled: reads the database `file` through a connection of its own.
void scanFilled(const std::filesystem::path& file, const FilledQuery& query, const std::function<void(const FilledRow&)>& row);

/// Whether a record's codes hold `code` for `field` ("true" for a yes answered to a yes/no question).
bool hasCode(std::string_view codes, std::string_view field, std::string_view code);
/// The number a record answered to `field`, or nullopt.
std::optional<double> numberOf(std::string_view numbers, std::string_view field);
/// Calls `each` with every code a record's codes hold for `field`.
void forEachCode(std::string_view codes, std::string_view field, const std::function<void(std::string_view)>& each);

}  // namespace fieldcheck::server
