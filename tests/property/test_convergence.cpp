// The convergence property (issue 4): two inspectors and a supervisor of one district, each a
// real local store, and the real server storage and API in-process, go through random edits of
// the same establishments, random partial syncs (small batches and pages) and a fault at a
// random commit or acknowledgement boundary of each sync: a dropped request, a dropped response,
// a request delivered twice, the server crashing inside its transaction or after its commit, a
// laptop crashing before or after storing the answer. Supervisors resolve conflicts on their
// laptops and on the server as they go. After one clean sync of everyone:
//   - every replica holds exactly the server's heads of what its role and district may see;
//   - no saved edit is lost: each value saved is in the head, or in a conflict record, or was
//     replaced by a person who had it in front of them (a later edit or a resolution on top of it);
//   - every field two concurrent edits changed to different values is in exactly one conflict
//     record (one per merge, with the base the merge used), and no merge happens twice.
//
// Size and seed come from the environment (see README.md, "For developers"):
//   FIELDCHECK_SCHEDULES  schedules to run (default 1000: about a minute on the CI machine)
//   FIELDCHECK_SEED       the first schedule's seed (default 20191632); schedule k uses seed + k
//   FIELDCHECK_STEPS      steps per schedule (default 40)
// A failure prints its seed and the shortest schedule that still fails.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "accounts.h"
#include "api.h"
#include "fieldcheck/sqlite_database.h"
#include "fieldcheck/conflict_record.h"
#include "fieldcheck/crypto.h"
#include "fieldcheck/seed.h"
#include "inspector_service.h"
#include "local_store.h"
#include "provincial_storage.h"
#include "support/temp_dir.h"
#include "sync_engine.h"
#include "tuning.h"

namespace fs = std::filesystem;
using namespace fieldcheck;
using namespace fieldcheck::server;
using namespace fieldcheck::client;

namespace {

constexpr std::int64_t kSqliteIoError = 10;  // SQLITE_IOERR, as a crashed write would report

std::uint64_t fromEnvironment(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::stoull(text) : fallback;
}

// ---- What a schedule is made of ----------------------------------------------------------------

enum class Fault {
  kNone,
  kDropRequest,             // lost on the way: the server never sees it
  kDropResponse,            // the server commits, the answer is lost
  kDuplicate,               // delivered twice; either answer may arrive
  kServerCrashBeforeCommit, // the server dies inside its transaction (rolled back) and restarts
  kServerCrashAfterCommit,  // the server commits, dies before answering, and restarts
  kLaptopCrashBeforeCommit, // the answer arrives, the laptop dies before storing it
  kLaptopCrashAfterCommit,  // the laptop stores the answer and dies
};
constexpr int kFaultCount = 8;

const char* faultName(Fault f) {
  static const char* names[] = {"none", "drop-request", "drop-response", "duplicate", "server-crash-before-commit",
                                "server-crash-after-commit", "laptop-crash-before-commit", "laptop-crash-after-commit"};
  return names[static_cast<int>(f)];
}

struct Step {
  enum Kind { kEdit, kSync, kResolveOnLaptop, kResolveOnServer } kind = kEdit;
  int laptop = 0;      // which laptop (edit, sync)
  int record = 0;      // which establishment (edit); which open conflict, modulo their count (resolve)
  int field = 0;       // which field (edit)
  int choice = 0;      // resolve: 0 keep applied, 1 take other, 2 a new value
  Fault fault = Fault::kNone;
  int fault_at = 1;    // the how-many-th exchange of the sync meets the fault
  std::size_t batch = 1;
  std::uint32_t page = 1;
  int id = 0;          // the step's number when generated: makes every saved value unique
};

const char* const kFields[] = {"owner", "phone", "address", "workers"};
constexpr int kRecords = 2;

struct LaptopSpec {
  const char* user;
  Role role;
};
const LaptopSpec kLaptops[] = {{"lan", Role::kInspector}, {"hoa", Role::kInspector}, {"giam", Role::kSupervisor}};
constexpr int kLaptopCount = 3;
constexpr int kSupervisor = 2;

std::string describe(const Step& s) {
  std::ostringstream out;
  switch (s.kind) {
    case Step::kEdit:
      out << kLaptops[s.laptop].user << " edits " << kFields[s.field] << " of establishment " << s.record << " (value " << s.id << ")";
      break;
    case Step::kSync:
      out << kLaptops[s.laptop].user << " syncs (batches of " << s.batch << ", pages of " << s.page << "), "
          << faultName(s.fault) << " at exchange " << s.fault_at;
      break;
    case Step::kResolveOnLaptop:
    case Step::kResolveOnServer:
      out << "giam resolves open conflict #" << s.record << " (mod count) "
          << (s.kind == Step::kResolveOnLaptop ? "on the laptop" : "on the server") << ": "
          << (s.choice == 0 ? "keep applied" : s.choice == 1 ? "take other" : "new value");
      break;
  }
  return out.str();
}

std::vector<Step> generate(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  std::vector<Step> steps;
  for (int i = 0; i < count; ++i) {
    Step s;
    s.id = i + 1;
    const int roll = pick(100);
    s.kind = roll < 50 ? Step::kEdit : roll < 90 ? Step::kSync : roll < 97 ? Step::kResolveOnLaptop : Step::kResolveOnServer;
    s.laptop = pick(kLaptopCount);
    s.record = pick(kRecords * 4);
    if (s.kind == Step::kEdit) s.record %= kRecords;
    s.field = pick(4);
    s.choice = pick(3);
    s.fault = pick(3) == 0 ? Fault::kNone : static_cast<Fault>(1 + pick(kFaultCount - 1));
    s.fault_at = 1 + pick(3);
    s.batch = 1 + static_cast<std::size_t>(pick(3));
    s.page = 1 + static_cast<std::uint32_t>(pick(4));
    steps.push_back(s);
  }
  return steps;
}

// ---- The province: a template made once, copied for every schedule -----------------------------

struct Tokens {
  std::string token[kLaptopCount];
  std::string device[kLaptopCount];
  std::string records[kRecords];  // the establishments everyone edits
};

// A server storage that dies inside its next push transaction: SQLite rolls it back, as it does
// for a process killed before its commit.
class CrashingStorage final : public ProvincialStorage {
 public:
  explicit CrashingStorage(ProvincialStorage& inner) : inner_(inner) {}
  PushOutcome applyPush(const Identity& who, const std::vector<CheckedEntry>& entries, const PushJudge& judge) override {
    auto outcome = inner_.applyPush(who, entries,
                                    [&](const auto& by, const auto& entry, const auto& head, const auto& lookup) -> PushDecision {
      (void)judge(by, entry, head, lookup);
      throw SQLite::Exception("injected crash before commit", static_cast<int>(kSqliteIoError));
    });
    (void)outcome;  // nothing to judge in it: the crash comes right after that commit instead
    throw SQLite::Exception("injected crash", static_cast<int>(kSqliteIoError));
  }
  Result<std::size_t> importSeed(const Seed& seed) override { return inner_.importSeed(seed); }
  std::optional<std::string> setting(const std::string& key) override { return inner_.setting(key); }
  std::optional<std::string> findDistrict(const std::string& c) override { return inner_.findDistrict(c); }
  std::vector<std::string> idsWithNumber(const std::string& n) override { return inner_.idsWithNumber(n); }
  std::vector<std::pair<std::string, std::string>> districts() override { return inner_.districts(); }
  Result<User> addUser(const User& u, const std::string& h) override { return inner_.addUser(u, h); }
  std::vector<User> users() override { return inner_.users(); }
  std::optional<std::pair<User, std::string>> userWithHash(const std::string& n) override { return inner_.userWithHash(n); }
  std::int64_t loginPausedUntil(const std::string& n, const std::string& a) override { return inner_.loginPausedUntil(n, a); }
  void recordLogin(const std::string& n, const std::string& a, bool ok, std::int64_t now) override {
    inner_.recordLogin(n, a, ok, now);
  }
  Result<std::size_t> revokeUser(const std::string& n) override { return inner_.revokeUser(n); }
  Result<DeviceRecord> revokeDevice(const std::string& d) override { return inner_.revokeDevice(d); }
  Result<std::string> enrolDevice(const std::string& u, const std::string& d, const std::string& n,
                                  const std::string& h) override {
    return inner_.enrolDevice(u, d, n, h);
  }
  std::vector<DeviceRecord> devices(const std::string& u) override { return inner_.devices(u); }
  std::string laptopNumber(const std::string& d, const std::string& s) override { return inner_.laptopNumber(d, s); }
  std::optional<Identity> identityForToken(const std::string& h) override { return inner_.identityForToken(h); }
  void audit(const std::string& u, const std::string& d, const std::string& a, const std::string& x) override {
    inner_.audit(u, d, a, x);
  }
  protocol::SyncResponse pull(const PullScope& s, std::int64_t c, std::uint32_t l) override { return inner_.pull(s, c, l); }
  std::vector<ConflictRecord> conflicts(const ConflictQuery& q) override { return inner_.conflicts(q); }
  Result<std::string> resolveConflict(std::int64_t n, const ConflictDecision& d, const std::string& b) override {
    return inner_.resolveConflict(n, d, b);
  }
  Result<Document> amend(const std::string& id, const std::function<Result<Fields>(const Document&)>& change,
                         const std::string& by) override {
    return inner_.amend(id, change, by);
  }
  std::vector<std::string> idsWithPrefix(const std::string& k, const std::string& p, std::size_t n) override {
    return inner_.idsWithPrefix(k, p, n);
  }
  std::size_t refreshReportIndex(std::int64_t max_changes) override { return inner_.refreshReportIndex(max_changes); }
  void scanFilled(const FilledQuery& q, const std::function<void(const FilledRow&)>& row) override { inner_.scanFilled(q, row); }
  void scanHeads(const HeadQuery& q, const std::function<void(const HeadRow&)>& row) override {
    inner_.scanHeads(q, row);
  }
  Keys serverKeys() override { return inner_.serverKeys(); }
  protocol::UploadState uploadState(const std::string& sha, const std::string& d) override { return inner_.uploadState(sha, d); }
  Result<UploadOutcome> appendUpload(const Identity& who, const std::string& sha, std::uint64_t offset, std::uint64_t size,
                                             const std::string& type, std::string_view chunk, const std::string& chunk_sha) override {
    return inner_.appendUpload(who, sha, offset, size, type, chunk, chunk_sha);
  }
  std::optional<std::pair<fs::path, std::string>> attachmentFile(const PullScope& s, const std::string& sha) override {
    return inner_.attachmentFile(s, sha);
  }
  std::vector<WaitingAttachment> waitingAttachments() override { return inner_.waitingAttachments(); }
  std::optional<Document> head(const std::string& id) override { return inner_.head(id); }
  std::vector<Document> heads(const std::string& kind) override { return inner_.heads(kind); }
  std::size_t documentCount(const std::string& kind) override { return inner_.documentCount(kind); }
  ActivityCounts activitySince(std::int64_t seq) override { return inner_.activitySince(seq); }
  std::int64_t openConflictCount() override { return inner_.openConflictCount(); }
  std::uint64_t storageBytes() override { return inner_.storageBytes(); }
  void addConsoleSession(const std::string& h, const std::string& u, const std::string& c, std::int64_t now) override {
    inner_.addConsoleSession(h, u, c, now);
  }
  std::optional<ConsoleSession> consoleSession(const std::string& h, std::int64_t now) override {
    return inner_.consoleSession(h, now);
  }
  void endConsoleSession(const std::string& h) override { inner_.endConsoleSession(h); }
  Result<User> setPassword(const std::string& n, const std::string& h, bool once, const std::string& keep) override {
    return inner_.setPassword(n, h, once, keep);
  }
  void deviceSeen(const std::string& d, std::int64_t now) override { inner_.deviceSeen(d, now); }
  InspectionPage listInspections(const InspectionQuery& q) override { return inner_.listInspections(q); }
  std::vector<RevisionEntry> history(const std::string& id) override { return inner_.history(id); }
  std::vector<AuditEntry> auditEntries(const AuditQuery& q) override { return inner_.auditEntries(q); }
  fs::path scratchFolder() override { return inner_.scratchFolder(); }

 private:
  ProvincialStorage& inner_;
};

// ---- One schedule ------------------------------------------------------------------------------

class LaptopCrash : public std::exception {};

// What the schedules did, so a run shows it exercised what it claims.
struct Tally {
  std::size_t edits = 0, syncs = 0, faults = 0, merges = 0, conflict_records = 0, resolutions = 0;
};

struct SavedValue {
  std::string doc_id;
  std::string field;
  Value value;
};

class World {
 public:
  World(const fs::path& template_dir, const fs::path& dir, const Tokens& tokens, Tally* tally = nullptr)
      : dir_(dir), tokens_(tokens), tally_(tally ? *tally : scratch_) {
    fs::copy(template_dir, dir, fs::copy_options::recursive);
    restartServer();
    for (int i = 0; i < kLaptopCount; ++i) restartLaptop(i);
  }

  // Runs the steps, settles, and checks; a description of what does not hold, or nullopt.
  std::optional<std::string> run(const std::vector<Step>& steps) {
    for (const auto& step : steps) {
      if (auto failure = perform(step)) return "step “" + describe(step) + "”: " + *failure;
    }
    if (auto failure = settle()) return failure;
    return check();
  }

 private:
  // ---- the link: the real API handler in-process, with the step's fault --------------------
  class Link final : public SyncLink {
   public:
    Link(World& world, int laptop, const Step& step) : world_(world), laptop_(laptop), step_(step) {}
    bool laptop_crash_after_commit = false;

    Result<protocol::SyncResponse> exchange(const protocol::SyncRequest& request) override {
      const bool faulty = ++calls_ == step_.fault_at;
      const auto fault = faulty ? step_.fault : Fault::kNone;
      auto lost = [] { return problem("Mất kết nối (thử nghiệm).", "Connection lost (test)."); };
      switch (fault) {
        case Fault::kDropRequest:
          return lost();
        case Fault::kDropResponse:
          (void)deliver(request, world_.server());
          return lost();
        case Fault::kDuplicate: {
          auto first = deliver(request, world_.server());
          auto second = deliver(request, world_.server());
          return (calls_ % 2 == 0) ? first : second;
        }
        case Fault::kServerCrashBeforeCommit: {
          CrashingStorage crashing(world_.server());
          auto answer = deliver(request, crashing);
          world_.restartServer();
          if (answer) throw std::logic_error("a crashed server answered");
          return lost();
        }
        case Fault::kServerCrashAfterCommit:
          (void)deliver(request, world_.server());
          world_.restartServer();
          return lost();
        case Fault::kLaptopCrashBeforeCommit:
          (void)deliver(request, world_.server());
          throw LaptopCrash();
        case Fault::kLaptopCrashAfterCommit:
          laptop_crash_after_commit = true;
          return deliver(request, world_.server());
        case Fault::kNone:
          break;
      }
      return deliver(request, world_.server());
    }

    // Attachments go straight to the API (no fault: the schedules carry no photos yet).
    Result<UploadReply> uploadState(const AttachmentRef& ref) override { return upload("GET", ref, 0, ""); }
    Result<UploadReply> uploadChunk(const AttachmentRef& ref, std::uint64_t offset, std::string_view chunk) override {
      return upload("PUT", ref, offset, chunk);
    }

   private:
    Result<UploadReply> upload(const char* method, const AttachmentRef& ref, std::uint64_t offset, std::string_view chunk) {
      ApiRequest http{method, "/v1/uploads/" + ref.sha256,
                      {{"fieldcheck-protocol", std::to_string(protocol::kVersion)},
                       {"authorization", "Bearer " + world_.tokens_.token[laptop_]},
                       {"content-type", ref.media_type},
                       {"fieldcheck-offset", std::to_string(offset)},
                       {"fieldcheck-size", std::to_string(ref.size_bytes)},
                       {"fieldcheck-chunk-sha256", sha256Hex(chunk)}},
                      std::string(chunk),
                      "127.0.0.1"};
      const auto reply = handle(http, world_.server(), world_.logins_);
      const auto body = nlohmann::json::parse(reply.body);
      if (reply.status == 413 || reply.status == 422)
        return UploadReply{{}, Bilingual{body["error"]["vi"].get<std::string>(), body["error"]["en"].get<std::string>()}};
      if (reply.status != 200 && reply.status != 409) return problem("Máy chủ trả lời lỗi.", "The server answered " + reply.body);
      return UploadReply{{body["received"].get<std::uint64_t>(), body["complete"].get<bool>()}, std::nullopt};
    }

    Result<protocol::SyncResponse> deliver(const protocol::SyncRequest& request, ProvincialStorage& storage) {
      ApiRequest http{"POST", "/v1/sync",
                      {{"fieldcheck-protocol", std::to_string(protocol::kVersion)},
                       {"authorization", "Bearer " + world_.tokens_.token[laptop_]},
                       {"content-type", protocol::kBinaryMediaType}},
                      protocol::toBinary(request),
                      "127.0.0.1"};
      const auto reply = handle(http, storage, world_.logins_);
      if (reply.status != 200) return problem("Máy chủ trả lời lỗi.", "The server answered " + std::to_string(reply.status) + ": " + reply.body);
      // The server committed: remember the base each revision was first merged on.
      for (const auto& entry : request.push) world_.delivered_base_.emplace(entry.doc.revision, entry.base_revision);
      return protocol::syncResponseFromBinary(reply.body);
    }

    World& world_;
    int laptop_;
    const Step& step_;
    int calls_ = 0;
  };

  ProvincialStorage& server() { return *server_; }
  fs::path attachmentsOf(int laptop) const { return Home{dir_ / kLaptops[laptop].user}.attachments(); }

  void restartServer() {
    server_.reset();
    auto opened = openSqliteStorage(dir_ / "server", false);
    if (!opened) throw std::runtime_error(opened.problem().message.en);
    server_ = std::move(opened.value());
  }

  // A laptop's process starting again: its store opened afresh, its service when next needed.
  void restartLaptop(int i) {
    services_[i].reset();
    stores_[i].reset();
    auto store = LocalStore::open(Home{dir_ / kLaptops[i].user}.database(), false);
    if (!store) throw std::runtime_error(store.problem().message.en);
    stores_[i].emplace(std::move(store.value()));
  }

  InspectorService& service(int i) {
    if (!services_[i]) {
      auto opened = InspectorService::open(Home{dir_ / kLaptops[i].user});
      if (!opened) throw std::runtime_error(opened.problem().message.en);
      services_[i].emplace(std::move(opened.value()));
    }
    return *services_[i];
  }

  std::optional<std::string> perform(const Step& step) {
    switch (step.kind) {
      case Step::kEdit: {
        const std::string field = kFields[step.field];
        const std::string input = field == "workers" ? std::to_string(1000 + step.id) : "v" + std::to_string(step.id);
        auto saved = service(step.laptop).correctEstablishment(tokens_.records[step.record], {{field, input}});
        if (!saved) return "the edit was refused: " + saved.problem().message.en;
        saved_.push_back({saved.value().id, field, saved.value().fields.at(field)});
        ++tally_.edits;
        return std::nullopt;
      }
      case Step::kSync: {
        Link link(*this, step.laptop, step);
        ++tally_.syncs;
        tally_.faults += step.fault != Fault::kNone;
        try {
          (void)synchronizeOver(*stores_[step.laptop], attachmentsOf(step.laptop), link, {step.batch, step.page}, [&](const SyncCounts&) {
            if (link.laptop_crash_after_commit) throw LaptopCrash();
          });
        } catch (const LaptopCrash&) {
          restartLaptop(step.laptop);
        }
        return std::nullopt;
      }
      case Step::kResolveOnLaptop:
      case Step::kResolveOnServer: {
        const bool on_laptop = step.kind == Step::kResolveOnLaptop;
        std::vector<ConflictRecord> open;
        if (on_laptop) {
          for (auto& view : service(kSupervisor).conflicts(false)) open.push_back(std::move(view.record));
        } else {
          open = server_->conflicts();
        }
        if (open.empty()) return std::nullopt;
        const auto& record = open[static_cast<std::size_t>(step.record) % open.size()];
        const auto& field = record.conflicts.front().field;
        std::vector<std::string> takes, sets;
        if (step.choice == 2 && !field.empty())
          sets.push_back(field + "=" + (field == "workers" ? std::to_string(5000 + step.id) : "r" + std::to_string(step.id)));
        else
          takes.push_back(step.choice == 0 ? "applied" : "other");
        for (std::size_t i = 1; i < record.conflicts.size(); ++i) takes.push_back(record.conflicts[i].field + "=other");
        if (on_laptop) {
          auto resolved = service(kSupervisor).resolveConflict(std::to_string(record.number), takes, sets);
          if (!resolved) return "the supervisor's resolution was refused: " + resolved.problem().message.en;
          ++tally_.resolutions;
          return std::nullopt;
        }
        const auto head = server_->head(record.doc_id);
        auto decision = decisionFromInput(takes, sets, *head, server_->heads(std::string(kinds::kTemplate)), 420);
        if (!decision) return "the decision was refused: " + decision.problem().message.en;
        if (auto resolved = server_->resolveConflict(record.number, decision.value(), "giam"); !resolved)
          return "the server's resolution was refused: " + resolved.problem().message.en;
        ++tally_.resolutions;
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // One clean sync of everyone, repeated until nothing moves (a merge made by one laptop's push
  // reaches the others on their next sync).
  std::optional<std::string> settle() {
    for (int round = 0; round < 4; ++round) {
      std::size_t moved = 0;
      for (int i = 0; i < kLaptopCount; ++i) {
        Step clean;
        Link link(*this, i, clean);
        auto counts = synchronizeOver(*stores_[i], attachmentsOf(i), link, {}, nullptr);
        if (!counts) return std::string("a clean sync failed: ") + counts.problem().message.en;
        moved += counts.value().pushed + counts.value().pulled;
      }
      if (moved == 0) return std::nullopt;
    }
    return std::string("the replicas still exchange changes after four clean rounds");
  }

  // ---- the checks ------------------------------------------------------------------------

  std::optional<std::string> check() {
    // Every revision any replica holds, by id (ids hash the content, so replicas agree on them).
    std::map<std::string, Document> all;
    auto collect = [&](const fs::path& file, const char* table) {
      SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
      SQLite::Statement st(db, std::string("SELECT doc_id, kind, fields, revision, parents, deleted, author, device, hlc FROM ") + table);
      while (st.executeStep()) {
        auto doc = readDocumentRow(st);
        all.emplace(doc.revision, std::move(doc));
      }
    };
    collect(dir_ / "server" / "provincial.db", "changes");
    for (const auto& spec : kLaptops) collect(Home{dir_ / spec.user}.database(), "revisions");

    // 1. Every replica holds exactly the server's heads of what it may see, nothing pending.
    std::map<std::string, std::string> server_heads;  // id -> revision, in the district's scope
    std::set<std::string> conflict_ids;
    {
      SQLite::Database db((dir_ / "server" / "provincial.db").string(), SQLite::OPEN_READONLY);
      SQLite::Statement st(db, "SELECT id, kind, revision FROM heads WHERE district IS NULL OR district = 'bao-lac'");
      while (st.executeStep()) {
        server_heads[st.getColumn(0).getString()] = st.getColumn(2).getString();
        if (st.getColumn(1).getString() == kinds::kConflict) conflict_ids.insert(st.getColumn(0).getString());
      }
    }
    for (int i = 0; i < kLaptopCount; ++i) {
      const auto& who = kLaptops[i].user;
      if (stores_[i]->pendingChanges() != 0) return std::string(who) + " still has changes waiting to be sent";
      if (!stores_[i]->refusals().empty())
        return std::string(who) + " had a change refused: " + stores_[i]->refusals().front().reason.en;
      std::map<std::string, std::string> local;
      SQLite::Database db(Home{dir_ / who}.database().string(), SQLite::OPEN_READONLY);
      SQLite::Statement st(db, "SELECT d.id, r.revision FROM documents d JOIN revisions r ON r.seq = d.head_seq");
      while (st.executeStep()) local[st.getColumn(0).getString()] = st.getColumn(1).getString();
      for (const auto& [id, revision] : server_heads) {
        const bool may_see = kLaptops[i].role != Role::kInspector || !conflict_ids.count(id);
        auto it = local.find(id);
        if (may_see && (it == local.end() || it->second != revision))
          return std::string(who) + " does not hold the server's head of " + id + " (" + revision + ")";
        if (!may_see && it != local.end()) return std::string(who) + ", an inspector, holds conflict record " + id;
      }
      for (const auto& [id, revision] : local)
        if (!server_heads.count(id)) return std::string(who) + " holds " + id + ", which the server does not have in scope";
    }

    // The conflict records, all of them.
    const auto records = server_->conflicts({false, "", 0});
    std::map<std::string, std::vector<const ConflictRecord*>> records_by_merge;
    for (std::size_t k = 0; k < records.size(); ++k) {
      if (records[k].number != static_cast<std::int64_t>(k) + 1) return std::string("conflict records are not numbered 1, 2, 3, ...");
      records_by_merge[records[k].merge_revision].push_back(&records[k]);
    }

    // 2. No saved value is lost.
    auto valueIn = [](const Document& doc, const std::string& field) -> std::optional<Value> {
      if (doc.deleted) return std::nullopt;
      auto it = doc.fields.find(field);
      return it == doc.fields.end() ? std::nullopt : std::optional<Value>(it->second);
    };
    for (const auto& saved : saved_) {
      const auto head = server_->head(saved.doc_id);
      if (head && valueIn(*head, saved.field) == saved.value) continue;
      bool kept = false;
      for (const auto& r : records)
        for (const auto& c : r.conflicts)
          kept = kept || (r.doc_id == saved.doc_id && c.field == saved.field &&
                          (c.winner.value == saved.value || c.other.value == saved.value));
      // Replaced by a person who had it: a revision written by someone (not a merge) on top of
      // one that held the value.
      for (const auto& [id, doc] : all) {
        if (kept) break;
        if (doc.id != saved.doc_id || doc.author == "server" || valueIn(doc, saved.field) == saved.value) continue;
        for (const auto& parent : doc.parents) {
          auto p = all.find(parent);
          if (p != all.end() && valueIn(p->second, saved.field) == saved.value) kept = true;
        }
      }
      if (!kept)
        return "the saved value " + displayValue(saved.value) + " of " + saved.field + " (" + saved.doc_id +
               ") is lost: not in the head, in no conflict record, and nobody replaced it knowingly";
    }

    // 3. Each merge has one record listing exactly the fields changed both ways, and no revision
    // is merged twice.
    std::set<std::string> merged_incoming;
    std::size_t merges_with_conflicts = 0;
    for (const auto& [id, merge] : all) {
      if (merge.author != "server" || merge.device != "server" || merge.parents.size() != 2 || merge.kind == kinds::kConflict)
        continue;
      const auto& head_rev = merge.parents[0];
      const auto& incoming_rev = merge.parents[1];
      if (!merged_incoming.insert(incoming_rev).second) return "revision " + incoming_rev + " was merged twice";
      ++tally_.merges;
      auto based = delivered_base_.find(incoming_rev);
      if (based == delivered_base_.end()) return "merge " + id + " of a revision never delivered";
      const auto base = all.find(based->second);
      const auto head = all.find(head_rev);
      const auto incoming = all.find(incoming_rev);
      if (base == all.end() || head == all.end() || incoming == all.end()) return "merge " + id + " of revisions nobody holds";
      std::set<std::string> names, expected;
      for (const auto* d : {&base->second, &head->second, &incoming->second})
        for (const auto& [name, _] : d->fields) names.insert(name);
      for (const auto& name : names) {
        const auto b = valueIn(base->second, name), h = valueIn(head->second, name), i = valueIn(incoming->second, name);
        if (b != h && b != i && h != i) expected.insert(name);
      }
      const auto found = records_by_merge.find(id);
      const std::size_t count = found == records_by_merge.end() ? 0 : found->second.size();
      if (expected.empty()) {
        if (count != 0) return "merge " + id + " changed no field both ways but has a conflict record";
        continue;
      }
      ++merges_with_conflicts;
      ++tally_.conflict_records;
      if (count != 1) return "merge " + id + " has " + std::to_string(count) + " conflict records, not one";
      const auto& record = *found->second.front();
      std::set<std::string> listed;
      for (const auto& c : record.conflicts)
        if (!listed.insert(c.field).second) return "conflict #" + std::to_string(record.number) + " lists " + c.field + " twice";
      if (listed != expected) return "conflict #" + std::to_string(record.number) + " does not list exactly the fields changed both ways";
      if (record.base_revision != base->second.revision) return "conflict #" + std::to_string(record.number) + " names another base";
    }
    if (merges_with_conflicts != records.size())
      return std::to_string(records.size()) + " conflict records for " + std::to_string(merges_with_conflicts) + " merges with conflicts";
    return std::nullopt;
  }

  fs::path dir_;
  const Tokens& tokens_;
  Tally scratch_;
  Tally& tally_;
  std::unique_ptr<ProvincialStorage> server_;
  LoginBudget logins_{1000, std::chrono::minutes(5), 100};
  std::optional<LocalStore> stores_[kLaptopCount];
  std::optional<InspectorService> services_[kLaptopCount];
  std::vector<SavedValue> saved_;
  std::map<std::string, std::string> delivered_base_;  // revision -> the base it was first committed with
};

// The province every schedule starts from: the server with the sample seed, three laptops
// enrolled and synced once.
struct Province {
  test::TempDir dir;
  fs::path template_dir = dir / "template";
  Tokens tokens;

  Province() {
    fs::create_directories(template_dir / "server");
    auto storage = openSqliteStorage(template_dir / "server", true);
    if (!storage) throw std::runtime_error(storage.problem().message.en);
    auto& server = *storage.value();
    const auto seed = loadSeed(test::sampleSeed());
    if (!seed || !server.importSeed(seed.value())) throw std::runtime_error("the sample seed did not load");
    int record = 0;
    for (const auto& doc : seed.value().documents)
      if (doc.kind == kinds::kEstablishment && textField(doc, "district") == "bao-lac" && record < kRecords)
        tokens.records[record++] = doc.id;
    if (record < kRecords) throw std::runtime_error("the sample seed has too few establishments in bao-lac");
    const auto password = hashPassword("property-test");
    for (int i = 0; i < kLaptopCount; ++i) {
      const Home home{template_dir / kLaptops[i].user};
      fs::create_directories(home.dir);
      auto store = LocalStore::open(home.database(), true);
      if (!store) throw std::runtime_error(store.problem().message.en);
      const auto token = newToken();
      if (!server.addUser({kLaptops[i].user, kLaptops[i].role, std::string("bao-lac"), false, ""}, password) ||
          !server.enrolDevice(kLaptops[i].user, store.value().device(), "laptop", token.hash))
        throw std::runtime_error("enrolment failed");
      tokens.token[i] = token.token;
      tokens.device[i] = store.value().device();
      store.value().setSetting("user", kLaptops[i].user);
      store.value().setSetting("role", std::string(roleName(kLaptops[i].role)));
      store.value().setSetting("district", "bao-lac");
      store.value().setSetting("token", token.token);
    }
  }
};

std::optional<std::string> runSchedule(const Province& province, const fs::path& dir, const std::vector<Step>& steps,
                                       Tally* tally = nullptr) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  World world(province.template_dir, dir, province.tokens, tally);
  try {
    return world.run(steps);
  } catch (const std::exception& e) {
    return std::string("an exception escaped: ") + e.what();
  }
}

// Removes steps while the schedule still fails: halves, then quarters, ..., then single steps.
std::vector<Step> shrink(const Province& province, const fs::path& dir, std::vector<Step> steps, std::string& failure) {
  for (std::size_t chunk = steps.size() / 2; chunk >= 1; chunk /= 2) {
    for (std::size_t start = 0; start + chunk <= steps.size();) {
      std::vector<Step> shorter(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(start));
      shorter.insert(shorter.end(), steps.begin() + static_cast<std::ptrdiff_t>(start + chunk), steps.end());
      if (auto still = runSchedule(province, dir, shorter)) {
        steps = std::move(shorter);
        failure = *still;
      } else {
        start += chunk;
      }
    }
    if (chunk == 1) break;
  }
  return steps;
}

}  // namespace

TEST_CASE("convergence: laptops and the server through random edits, partial syncs and faults at every boundary",
          "[property][sync]") {
  const auto schedules = fromEnvironment("FIELDCHECK_SCHEDULES", 1000);
  const auto first_seed = fromEnvironment("FIELDCHECK_SEED", 20191632);
  const auto steps = static_cast<int>(fromEnvironment("FIELDCHECK_STEPS", 40));
  Province province;
  // The initial sync of each laptop (pulls the seed), once for all schedules.
  {
    const auto dir = province.dir / "initial";
    {
      World world(province.template_dir, dir, province.tokens);
      const auto failure = world.run({});
      INFO(failure.value_or(""));
      REQUIRE_FALSE(failure.has_value());
    }
    fs::remove_all(province.template_dir);
    fs::copy(dir, province.template_dir, fs::copy_options::recursive);
  }
  // The server logs each injected storage failure; thousands of them would drown the report.
  std::ostringstream server_log;
  auto* const cerr_buffer = std::cerr.rdbuf(server_log.rdbuf());
  struct Restore {
    std::streambuf* buffer;
    ~Restore() { std::cerr.rdbuf(buffer); }
  } restore{cerr_buffer};
  Tally tally;
  std::uint64_t run = 0;
  for (; run < schedules; ++run) {
    const auto seed = first_seed + run;
    const auto schedule = generate(seed, steps);
    server_log.str("");
    auto failure = runSchedule(province, province.dir / "schedule", schedule, &tally);
    if (!failure) continue;
    std::string shortest_failure = *failure;
    const auto shortest = shrink(province, province.dir / "shrink", schedule, shortest_failure);
    std::ostringstream report;
    report << "seed " << seed << " fails: " << *failure << "\nshortest schedule found (" << shortest.size() << " of "
           << schedule.size() << " steps), failing with: " << shortest_failure << "\n";
    for (const auto& s : shortest) report << "  " << describe(s) << "\n";
    report << "rerun: FIELDCHECK_SEED=" << seed << " FIELDCHECK_SCHEDULES=1 FIELDCHECK_STEPS=" << steps << "\n";
    FAIL(report.str());
  }
  std::cout << "convergence: " << run << " schedules of " << steps << " steps from seed " << first_seed << " held: "
            << tally.edits << " edits, " << tally.syncs << " syncs (" << tally.faults << " with a fault), " << tally.merges
            << " merges, " << tally.conflict_records << " conflict records, " << tally.resolutions << " resolutions\n";
  CHECK(tally.conflict_records > 0);  // the schedules did reach conflicts
}
