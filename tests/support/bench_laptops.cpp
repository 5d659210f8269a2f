// Laptops for benchmarks: inspectors' devices that log in to a real server and push inspections.
#include "support/bench_laptops.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "fieldcheck/crypto.h"
#include "fieldcheck/protocol.h"
#include "fieldcheck/seed.h"
#include "support/sample_inspection.h"

namespace fieldcheck::test {

std::optional<BenchLaptops> BenchLaptops::enrol(server::ProvincialStorage& storage, int count,
                                                const std::string& prefix,
                                                const std::string& password_hash) {
  std::map<std::string, std::vector<std::string>> by_district;
  for (const auto& e : storage.heads("establishment"))
    by_district[textField(e, "district")].push_back(e.id);
  std::vector<std::string> districts;
  for (const auto& [district, list] : by_district) districts.push_back(district);
  if (districts.empty()) return std::nullopt;
  BenchLaptops out;
  for (int i = 0; i < count; ++i) {
    Laptop l;
    l.user = prefix + std::to_string(i);
    l.district = districts[static_cast<std::size_t>(i) % districts.size()];
    l.establishments = by_district[l.district];
    if (!storage.userWithHash(l.user) &&
        !storage.addUser({l.user, Role::kInspector, l.district, false, ""}, password_hash).ok())
      return std::nullopt;
    out.laptops_.push_back(std::move(l));
  }
  return out;
}

bool BenchLaptops::login(const client::ServerAddress& address, const std::string& password) {
  address_ = address;
  const std::map<std::string, std::string> v1{{"Fieldcheck-Protocol", "1"},
                                              {"Content-Type", "application/json"}};
  for (auto& l : laptops_) {
    l.device = newDocumentId();
    client::HttpConnection http(address);
    auto r = http.request("POST", "/v1/login", v1,
                          nlohmann::json{{"user", l.user},
                                         {"password", password},
                                         {"device_name", "bench"},
                                         {"device_id", l.device}}
                              .dump(),
                          std::chrono::seconds(30));
    if (!r || r.value().status != 200) {
      std::fprintf(stderr, "%s could not log in: %s\n", l.user.c_str(),
                   r ? r.value().body.c_str() : r.problem().message.en.c_str());
      return false;
    }
    l.token = nlohmann::json::parse(r.value().body)["token"].get<std::string>();
    l.seq = 0;
    l.cursor = 0;
  }
  return true;
}

BenchLaptops::Pushed BenchLaptops::pushInspections(int per_laptop, int batch) {
  std::vector<std::vector<Document>> docs(laptops_.size());
  for (std::size_t i = 0; i < laptops_.size(); ++i)
    for (int n = 0; n < per_laptop; ++n)
      docs[i].push_back(sampleInspection(laptops_[i].user, laptops_[i].device, laptops_[i].district,
                                         laptops_[i].establishments, made_ + n));
  made_ += per_laptop;
  std::atomic<bool> failed{false};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < laptops_.size(); ++i)
    threads.emplace_back([&, i] {
      auto& l = laptops_[i];
      client::HttpConnection http(address_);
      const std::map<std::string, std::string> headers{{"Fieldcheck-Protocol", "1"},
                                                       {"Content-Type", protocol::kBinaryMediaType},
                                                       {"Authorization", "Bearer " + l.token}};
      const auto& list = docs[i];
      for (std::size_t start = 0; start < list.size(); start += static_cast<std::size_t>(batch)) {
        protocol::SyncRequest req;
        req.cursor = l.cursor;
        req.page_limit = 1;
        for (std::size_t k = start;
             k < std::min(list.size(), start + static_cast<std::size_t>(batch)); ++k)
          req.push.push_back({++l.seq, "", list[k]});
        auto r = http.request("POST", "/v1/sync", headers, protocol::toBinary(req),
                              std::chrono::seconds(120));
        auto answer = r && r.value().status == 200
                          ? protocol::syncResponseFromBinary(r.value().body)
                          : Result<protocol::SyncResponse>(problem("", ""));
        if (!answer || !answer.value().refused.empty()) {
          std::fprintf(stderr, "%s: a push failed or was refused\n", l.user.c_str());
          failed = true;
          return;
        }
        l.cursor = answer.value().cursor;
      }
    });
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {static_cast<long>(per_laptop) * static_cast<long>(laptops_.size()),
          failed ? -1 : seconds};
}

}  // namespace fieldcheck::test
