// Benchmark: sync over loopback against the real server, with baselines measured in the same run.
//
//   fieldcheck-bench-sync [--clients 50] [--inspections 2000] [--batch 200] [--rounds 3]
//
// Rows: push ingest (concurrent clients, each its own device, pushing realistic inspections of
// about 30 fields in batches, durable) against a plain SQLite insert of the same documents in
// the same batches and durability; pushes of edits of drafts when one in ten conflicts with
// another inspector's edit (merged on the server, a conflict recorded) against the same pushes
// with none; pull apply on a client store; bytes on the wire per inspection against its JSON
// size; a sync with nothing to do; the server's peak memory; and push ingest over HTTPS (a second
// server, the same documents, a certificate of a CA made in the run) against the same over plain
// HTTP, the two taking turns to go first from round to round.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include "fieldcheck/crypto.h"
#include "fieldcheck/files.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "http_client.h"
#include "local_store.h"
#include "tuning.h"
#include "support/process.h"
#include "support/sample_inspection.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"

using namespace fieldcheck;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct Options {
  int clients = 50;
  int inspections = 2000;
  int batch = 200;
  int rounds = 3;
};

// What one round measured.
struct Round {
  double ingest_rate = 0, plain_rate = 0, apply_rate = 0, plain_page_rate = 0, wire_per_inspection = 0;
  double edit_rate = 0, conflict_edit_rate = 0, conflict_share = 0;
  double tls_ingest_rate = 0;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct ClientSetup {
  std::string user, device, district;
  std::vector<std::string> establishments;  // ids in its district
};

// A server the clients push to: where, what they trust there, and each client's login and place.
struct Target {
  client::ServerAddress address;
  client::ServerTrust trust;
  std::vector<std::string> tokens;
  std::vector<std::int64_t> seq, cursor;
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] { return i + 1 < argc ? std::max(1, std::atoi(argv[++i])) : 1; };
    if (!std::strcmp(argv[i], "--clients")) opt.clients = next();
    else if (!std::strcmp(argv[i], "--inspections")) opt.inspections = next();
    else if (!std::strcmp(argv[i], "--batch")) opt.batch = std::min(next(), static_cast<int>(protocol::kMaxBatchEntries));
    else if (!std::strcmp(argv[i], "--rounds")) opt.rounds = next();
    else {
      std::fprintf(stderr, "usage: %s [--clients N] [--inspections N] [--batch N] [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  test::TempDir dir;
  const auto data = (dir / "data").string();
  const auto tls_data = (dir / "data-tls").string();
  for (const auto& d : {data, tls_data})
    if (test::runProcess({test::serverBinary(), "--data", d, "init", "--seed", test::sampleSeed().string()}).exit_code != 0)
      return 1;
  auto seed = loadSeed(test::sampleSeed());
  std::map<std::string, std::vector<std::string>> by_district;
  for (const auto& d : seed.value().documents)
    if (d.kind == "establishment") by_district[*d.fields.at("district").get<std::string>()].push_back(d.id);
  std::vector<std::string> districts;
  for (const auto& [district, _] : by_district) districts.push_back(district);

  std::vector<ClientSetup> clients(static_cast<std::size_t>(opt.clients));
  for (int i = 0; i < opt.clients; ++i) {
    auto& c = clients[static_cast<std::size_t>(i)];
    c.user = "bench" + std::to_string(i);
    c.district = districts[static_cast<std::size_t>(i) % districts.size()];
    c.establishments = by_district[c.district];
    c.device = newDocumentId();
    test::ProcessOptions password;
    password.input = "bench-password\n";
    for (const auto& d : {data, tls_data})
      if (test::runProcess({test::serverBinary(), "--data", d, "user", "add", c.user, "--role", "inspector", "--district", c.district},
                           password)
              .exit_code != 0)
        return 1;
  }
  test::ServerProcess server(data);
  const auto certs = test::makeTestCertificates(dir / "certs");
  test::ServerProcess tls_server(tls_data, 0, {"--tls-cert", certs.good.cert.string(), "--tls-key", certs.good.key.string()});
  client::ServerAddress address{"127.0.0.1", std::to_string(server.port())};
  Target plain_target{address, {}, {}, std::vector<std::int64_t>(clients.size(), 0), std::vector<std::int64_t>(clients.size(), 0)};
  Target tls_target{{"127.0.0.1", std::to_string(tls_server.port()), true},
                    {readWholeFile(certs.ca.cert), ""},
                    {},
                    std::vector<std::int64_t>(clients.size(), 0),
                    std::vector<std::int64_t>(clients.size(), 0)};
  const std::map<std::string, std::string> v1{{"Fieldcheck-Protocol", "1"}, {"Content-Type", "application/json"}};
  // What the fieldcheck client sends and asks for.
  const std::map<std::string, std::string> binary{{"Fieldcheck-Protocol", "1"}, {"Content-Type", protocol::kBinaryMediaType}};
  for (auto* target : {&plain_target, &tls_target})
    for (auto& c : clients) {
      client::HttpConnection http(target->address, target->trust);
      auto r = http.request("POST", "/v1/login", v1,
                            json{{"user", c.user}, {"password", "bench-password"}, {"device_name", "bench"}, {"device_id", c.device}}.dump(),
                            std::chrono::seconds(30));
      if (!r || r.value().status != 200) {
        std::fprintf(stderr, "login to %s failed: %s\n", target->address.url().c_str(), r ? r.value().body.c_str() : r.problem().message.en.c_str());
        return 1;
      }
      target->tokens.push_back(json::parse(r.value().body)["token"].get<std::string>());
    }

  // Each round: every client's new documents, made before the clock starts; the ingest; the
  // baselines on the same documents; a laptop applying them. Rows report the median round, as
  // the machine is shared and noisy; the server's database grows from round to round.
  // What each client pushes: (base revision, document) in order.
  using Outbox = std::vector<std::vector<std::pair<std::string, Document>>>;
  auto wholeBatches = [](const std::vector<std::vector<Document>>& per_client) {
    Outbox out(per_client.size());
    for (std::size_t i = 0; i < per_client.size(); ++i)
      for (const auto& d : per_client[i]) out[i].emplace_back(d.parents.empty() ? "" : d.parents[0], d);
    return out;
  };
  // Every client pushes its outbox to `target` at once, each on its own connection, in batches;
  // returns the seconds taken (-1 when a push failed or was refused) and adds the bytes sent.
  auto pushTo = [&](Target& target, const Outbox& outbox, std::uint64_t& bytes) {
    std::atomic<std::uint64_t> sent{0}, refused{0};
    std::atomic<bool> failed{false};
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < outbox.size(); ++i) {
      if (outbox[i].empty()) continue;
      threads.emplace_back([&, i] {
        client::HttpConnection http(target.address, target.trust);
        auto headers = binary;
        headers["Authorization"] = "Bearer " + target.tokens[i];
        auto& seq = target.seq[i];
        auto& cursor = target.cursor[i];
        const auto& list = outbox[i];
        for (std::size_t start = 0; start < list.size(); start += static_cast<std::size_t>(opt.batch)) {
          protocol::SyncRequest req;
          req.cursor = cursor;
          req.page_limit = 1;
          for (std::size_t k = start; k < std::min(list.size(), start + static_cast<std::size_t>(opt.batch)); ++k)
            req.push.push_back({++seq, list[k].first, list[k].second});
          auto r = http.request("POST", "/v1/sync", headers, protocol::toBinary(req), std::chrono::seconds(120));
          auto answer = r && r.value().status == 200 ? protocol::syncResponseFromBinary(r.value().body)
                                                     : Result<protocol::SyncResponse>(problem("", ""));
          if (!answer) {
            failed = true;
            return;
          }
          refused += answer.value().refused.size();
          cursor = answer.value().cursor;
        }
        sent += http.bytesSent();
      });
    }
    for (auto& t : threads) t.join();
    bytes += sent;
    if (failed || refused > 0) {
      std::fprintf(stderr, "push failed (%llu refused)\n", static_cast<unsigned long long>(refused.load()));
      return -1.0;
    }
    return seconds(Clock::now() - t0);
  };
  auto pushAll = [&](const Outbox& outbox, std::uint64_t& bytes) { return pushTo(plain_target, outbox, bytes); };
  // Another client of the same district (clients are dealt to districts in turn), if any.
  auto partnerOf = [&](std::size_t i) -> std::optional<std::size_t> {
    const auto step = districts.size();
    if (i >= step) return i - step;
    if (i + step < clients.size()) return i + step;
    return std::nullopt;
  };

  std::vector<Round> rounds;
  std::size_t json_bytes_per_inspection = 0, total_conflicts = 0;
  const std::size_t page_size = client::tuning::kPullPageChanges;  // what the client asks for
  for (int round = 0; round < opt.rounds; ++round) {
    std::vector<std::vector<Document>> docs(clients.size());
    for (std::size_t i = 0; i < clients.size(); ++i)
      for (int n = 0; n < opt.inspections; ++n) docs[i].push_back(test::sampleInspection(clients[i].user, clients[i].device, clients[i].district,
                                                   clients[i].establishments, n));
    json_bytes_per_inspection = protocol::documentToJson(docs[0][0]).dump().size();

    // Ingest, and the same over HTTPS to the other server; the two take turns to go first.
    std::uint64_t bytes_sent = 0, tls_bytes_sent = 0;
    const auto outbox = wholeBatches(docs);
    double tls_s = round % 2 == 1 ? pushTo(tls_target, outbox, tls_bytes_sent) : 0;
    const double ingest_s = pushAll(outbox, bytes_sent);
    if (round % 2 == 0) tls_s = pushTo(tls_target, outbox, tls_bytes_sent);
    if (ingest_s < 0 || tls_s < 0) return 1;
    const double total = static_cast<double>(opt.clients) * opt.inspections;

    // Baseline: the same documents inserted plainly, in batches of `batch_size`, same durability.
    auto plainInsert = [&](const std::string& file, std::size_t batch_size) {
      SQLite::Database db((dir / file).string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("CREATE TABLE docs(id TEXT PRIMARY KEY, fields TEXT NOT NULL)");
      SQLite::Statement insert(db, "INSERT INTO docs(id, fields) VALUES (?, ?)");
      const auto p0 = Clock::now();
      for (const auto& list : docs) {
        for (std::size_t start = 0; start < list.size(); start += batch_size) {
          SQLite::Transaction tx(db);
          for (std::size_t k = start; k < std::min(list.size(), start + batch_size); ++k) {
            insert.reset();
            insert.bind(1, list[k].id);
            insert.bind(2, canonicalFieldsJson(list[k].fields));
            insert.exec();
          }
          tx.commit();
        }
      }
      return seconds(Clock::now() - p0);
    };
    const auto suffix = std::to_string(round) + ".db";
    const double plain_s = plainInsert("plain-" + suffix, static_cast<std::size_t>(opt.batch));
    const double plain_page_s = plainInsert("plain-pages-" + suffix, page_size);

    // Pull apply on a client store: pages of changes as the server sends them, encoded before the
    // clock starts; timed is what the laptop does with them: decode (with its checks) and store.
    double apply_s = 0;
    std::size_t applied = 0;
    {
      auto store = client::LocalStore::open(dir / ("laptop-" + suffix), true);
      if (!store) return 1;
      std::vector<std::string> pages;
      std::int64_t seq = 0;
      for (const auto& list : docs) {
        for (std::size_t start = 0; start < list.size(); start += page_size) {
          protocol::SyncResponse page;
          for (std::size_t k = start; k < std::min(list.size(), start + page_size); ++k)
            page.changes.push_back(protocol::PulledChange::of(++seq, list[k]));
          page.cursor = seq;
          pages.push_back(protocol::toBinary(page));
        }
      }
      // As synchronize() does, the next page is read while this one is stored.
      const auto a0 = Clock::now();
      auto next = std::async(std::launch::async, [&] { return protocol::syncResponseFromBinary(pages[0]); });
      for (std::size_t k = 0; k < pages.size(); ++k) {
        auto page = next.get();
        if (!page) return 1;
        if (k + 1 < pages.size())
          next = std::async(std::launch::async, [&, k] { return protocol::syncResponseFromBinary(pages[k + 1]); });
        applied += store.value().applySync(page.value());
      }
      apply_s = seconds(Clock::now() - a0);
    }
    // Edits of drafts: every client edits its own drafts twice. Between the two, for one draft in
    // ten, another inspector of its district edits it first, so that one edit in ten of the second
    // pass is concurrent and merged on the server. The second pass against the first.
    std::vector<std::vector<Document>> drafts(clients.size()), edited(clients.size()), again(clients.size());
    const int draft_count = std::max(1, opt.inspections / 4);
    for (std::size_t i = 0; i < clients.size(); ++i)
      for (int n = 0; n < draft_count; ++n) {
        auto d = test::sampleInspection(clients[i].user, clients[i].device, clients[i].district, clients[i].establishments, n);
        d.fields["_status"] = "draft";
        d.revision = computeRevision(d);
        drafts[i].push_back(d);
      }
    std::uint64_t ignored_bytes = 0;
    if (pushAll(wholeBatches(drafts), ignored_bytes) < 0) return 1;
    auto editAll = [&](const std::vector<std::vector<Document>>& from, std::int64_t at, std::vector<std::vector<Document>>& to) {
      for (std::size_t i = 0; i < from.size(); ++i)
        for (const auto& d : from[i]) {
          auto fields = d.fields;
          fields["workers_total"] = std::get<std::int64_t>(fields.at("workers_total").storage()) + 1;
          to[i].push_back(nextRevision(d, std::move(fields), clients[i].user, clients[i].device, HybridTimestamp{at, 0}));
        }
    };
    editAll(drafts, 1'600'000'000'000, edited);
    const double edit_s = pushAll(wholeBatches(edited), ignored_bytes);
    Outbox theirs(clients.size());
    std::size_t concurrent = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const auto partner = partnerOf(i);
      if (!partner) continue;
      for (std::size_t k = 0; k < edited[i].size(); k += 10, ++concurrent) {
        auto fields = edited[i][k].fields;  // the same field as the owner's next edit, to another value
        fields["workers_total"] = std::get<std::int64_t>(fields.at("workers_total").storage()) + 5;
        fields["notes"] = "Đã kiểm tra lại cùng đội huyện.";
        theirs[*partner].emplace_back(edited[i][k].revision,
                                      nextRevision(edited[i][k], std::move(fields), clients[*partner].user, clients[*partner].device,
                                                   HybridTimestamp{1'600'000'100'000, 0}));
      }
    }
    if (pushAll(theirs, ignored_bytes) < 0) return 1;
    editAll(edited, 1'600'000'200'000, again);
    const double conflict_s = pushAll(wholeBatches(again), ignored_bytes);
    if (edit_s < 0 || conflict_s < 0) return 1;
    {
      // Every concurrent edit must have been merged with a conflict recorded, or the row lies.
      SQLite::Database provincial(data + "/provincial.db", SQLite::OPEN_READONLY);
      total_conflicts += concurrent;
      const auto recorded = static_cast<std::size_t>(provincial.execAndGet("SELECT count(*) FROM documents WHERE kind = 'conflict'").getInt64());
      if (recorded != total_conflicts) {
        std::fprintf(stderr, "expected %zu conflicts on the server, found %zu\n", total_conflicts, recorded);
        return 1;
      }
    }
    const double edits = static_cast<double>(clients.size()) * draft_count;

    rounds.push_back({total / ingest_s, total / plain_s, static_cast<double>(applied) / apply_s, total / plain_page_s,
                      static_cast<double>(bytes_sent) / total, edits / edit_s, edits / conflict_s,
                      static_cast<double>(concurrent) / edits, total / tls_s});
    std::fprintf(stderr, "round %d: ingest %.0f/s (over TLS %.0f/s, plain %.0f/s), apply %.0f/s (plain %.0f/s), edits %.0f/s, with %.0f%% concurrent %.0f/s\n",
                 round + 1, rounds.back().ingest_rate, rounds.back().tls_ingest_rate, rounds.back().plain_rate, rounds.back().apply_rate,
                 rounds.back().plain_page_rate, rounds.back().edit_rate, 100 * rounds.back().conflict_share,
                 rounds.back().conflict_edit_rate);
  }

  // A sync with nothing to do: one round trip, bytes each way.
  client::HttpConnection idle(address);
  auto headers = binary;
  headers["Authorization"] = "Bearer " + plain_target.tokens[0];
  // First bring the cursor to the end, then measure one idle step on a fresh connection.
  std::int64_t cursor = 0;
  for (;;) {
    auto r = idle.request("POST", "/v1/sync", headers, protocol::toBinary(protocol::SyncRequest{{}, cursor, 1000}),
                          std::chrono::seconds(60));
    if (!r) return 1;
    const auto page = protocol::syncResponseFromBinary(r.value().body);
    if (!page) return 1;
    cursor = page.value().cursor;
    if (page.value().last_page) break;
  }
  client::HttpConnection fresh(address);
  auto step = fresh.request("POST", "/v1/sync", headers, protocol::toBinary(protocol::SyncRequest{{}, cursor, 500}),
                            std::chrono::seconds(60));
  if (!step) return 1;

  const long peak_kib = test::peakMemoryKiB(server.pid()).value_or(-1);
  server.stop(SIGTERM);
  tls_server.stop(SIGTERM);

  auto column = [&](auto member) {
    std::vector<double> values;
    for (const auto& r : rounds) values.push_back(member(r));
    return median(values);
  };
  const double ingest_rate = column([](const Round& r) { return r.ingest_rate; });
  const double plain_rate = column([](const Round& r) { return r.plain_rate; });
  const double ingest_ratio = column([](const Round& r) { return r.ingest_rate / r.plain_rate; });
  const double apply_rate = column([](const Round& r) { return r.apply_rate; });
  const double plain_page_rate = column([](const Round& r) { return r.plain_page_rate; });
  const double apply_ratio = column([](const Round& r) { return r.apply_rate / r.plain_page_rate; });
  const double wire_per_inspection = column([](const Round& r) { return r.wire_per_inspection; });
  const double edit_rate = column([](const Round& r) { return r.edit_rate; });
  const double conflict_edit_rate = column([](const Round& r) { return r.conflict_edit_rate; });
  const double conflict_ratio = column([](const Round& r) { return r.conflict_edit_rate / r.edit_rate; });
  const double conflict_share = column([](const Round& r) { return r.conflict_share; });
  const double tls_ingest_rate = column([](const Round& r) { return r.tls_ingest_rate; });
  const double tls_ratio = column([](const Round& r) { return r.tls_ingest_rate / r.ingest_rate; });
  std::printf("Sync over loopback: %d clients x %d inspections, batches of %d; median of %d rounds\n\n", opt.clients,
              opt.inspections, opt.batch, opt.rounds);
  std::printf("| benchmark | measured | baseline (same run) | ratio | target |\n|---|---:|---:|---:|---|\n");
  std::printf("| push ingest, durable | %.0f inspections/s | plain insert %.0f/s | %.2f | >= 20,000/s and >= 0.30 |\n",
              ingest_rate, plain_rate, ingest_ratio);
  std::printf("| push ingest, durable, over HTTPS (a TLS handshake per client) | %.0f inspections/s | over plain HTTP %.0f/s | %.2f | >= 0.70 |\n",
              tls_ingest_rate, ingest_rate, tls_ratio);
  std::printf("| push of edits, %.0f%% of them conflicting (merged, conflict recorded) | %.0f edits/s | no conflict %.0f edits/s | %.2f | >= 0.50 |\n",
              100 * conflict_share, conflict_edit_rate, edit_rate, conflict_ratio);
  std::printf("| pull apply on a client, pages of %zu | %.0f changes/s | plain insert %.0f/s | %.2f | >= 50,000/s |\n", page_size,
              apply_rate, plain_page_rate, apply_ratio);
  std::printf("| bytes on the wire per inspection | %.0f B | JSON %zu B | %.2f | <= 0.50 |\n", wire_per_inspection,
              json_bytes_per_inspection, wire_per_inspection / static_cast<double>(json_bytes_per_inspection));
  std::printf("| sync with nothing to do | 1 round trip, %llu B up, %llu B down | | | <= 300 B each way |\n",
              static_cast<unsigned long long>(fresh.bytesSent()), static_cast<unsigned long long>(fresh.bytesReceived()));
  std::printf("| server peak memory (VmHWM) | %.1f MB | | | <= 64 MB |\n", static_cast<double>(peak_kib) / 1024);
  return 0;
}
