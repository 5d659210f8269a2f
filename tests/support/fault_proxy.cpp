// The fault-injecting proxy: one coroutine pair per connection on a single-threaded io_context.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include "fault_proxy.h"

#include <array>
#include <chrono>
#include <deque>
#include <string>
#include <random>

#include <boost/asio.hpp>

namespace fieldcheck::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct FaultProxy::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  tcp::endpoint upstream;
  FaultPlan plan;
  std::mt19937_64 rng;
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> cuts{0};
  std::atomic<std::uint64_t> cuts_done{0};
  std::atomic<bool> healed{false};
  std::atomic<std::uint64_t> bytes_up{0};
  bool planned_cut_done = false;
};

namespace {

struct Link {
  tcp::socket client;
  tcp::socket server;
  explicit Link(net::io_context& ioc) : client(ioc), server(ioc) {}
  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
  }
};

// One direction of a link: what was read, each piece with the time it may be delivered.
struct Pipe {
  explicit Pipe(net::io_context& ioc) : wake(ioc) {}
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> pieces;
  net::steady_timer wake;
  bool closed = false;
};

// Reads one direction as fast as it comes, stamping each piece with its delivery time (latency).
net::awaitable<void> readSide(std::shared_ptr<Link> link, bool upward, std::shared_ptr<Pipe> pipe, FaultPlan plan) {
  auto& from = upward ? link->client : link->server;
  std::array<char, 4096> buf{};
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await from.async_read_some(net::buffer(buf), net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    pipe->pieces.emplace_back(std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.delay_ms), std::string(buf.data(), n));
    pipe->wake.cancel();
  }
  pipe->closed = true;
  pipe->wake.cancel();
}

// Delivers one direction: each piece not before its time, no faster than the bandwidth; after
// `cut_at` bytes (when >= 0) it delivers no more and drops the link.
net::awaitable<void> writeSide(std::shared_ptr<Link> link, bool upward, std::shared_ptr<Pipe> pipe, std::int64_t cut_at,
                               FaultProxy::Impl* s) {
  const auto& plan = s->plan;
  auto& to = upward ? link->server : link->client;
  std::int64_t passed = 0;
  auto line_free = std::chrono::steady_clock::now();  // when the throttled line can take the next byte
  net::steady_timer timer(to.get_executor());
  for (;;) {
    boost::system::error_code ec;
    if (pipe->pieces.empty()) {
      if (pipe->closed) break;
      pipe->wake.expires_at(std::chrono::steady_clock::time_point::max());
      co_await pipe->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    auto [due, bytes] = std::move(pipe->pieces.front());
    pipe->pieces.pop_front();
    auto start = std::max(due, line_free);
    if (plan.bytes_per_second > 0) {
      line_free = start + std::chrono::microseconds(bytes.size() * 1'000'000 / plan.bytes_per_second);
      start = line_free;  // the last byte of the piece is through the line then
    }
    if (start > std::chrono::steady_clock::now()) {
      timer.expires_at(start);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    std::size_t n = bytes.size();
    bool cut = false;
    if (cut_at >= 0 && passed + static_cast<std::int64_t>(n) > cut_at) {
      n = static_cast<std::size_t>(cut_at - passed);
      cut = true;
    }
    const auto total = static_cast<std::int64_t>(s->bytes_up.load());
    if (upward && !s->planned_cut_done && plan.cut_upload_at >= 0 && total + static_cast<std::int64_t>(n) > plan.cut_upload_at) {
      n = static_cast<std::size_t>(plan.cut_upload_at - total);
      cut = true;
      s->planned_cut_done = true;
    }
    if (n > 0) co_await net::async_write(to, net::buffer(bytes.data(), n), net::redirect_error(net::use_awaitable, ec));
    passed += static_cast<std::int64_t>(n);
    if (upward) s->bytes_up += n;
    if (cut) ++s->cuts_done;
    if (ec || cut) break;
  }
  link->close();
}

void pump(std::shared_ptr<Link> link, bool upward, std::int64_t cut_at, FaultProxy::Impl* s) {
  auto pipe = std::make_shared<Pipe>(s->ioc);
  net::co_spawn(s->ioc, readSide(link, upward, pipe, s->plan), net::detached);
  net::co_spawn(s->ioc, writeSide(link, upward, pipe, cut_at, s), net::detached);
}

net::awaitable<void> acceptLoop(FaultProxy::Impl* s) {
  for (;;) {
    auto link = std::make_shared<Link>(s->ioc);
    boost::system::error_code ec;
    co_await s->acceptor.async_accept(link->client, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    co_await link->server.async_connect(s->upstream, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      link->close();
      continue;
    }
    ++s->connections;
    std::int64_t cut_up = -1, cut_down = -1;
    if (!s->healed && std::uniform_real_distribution<double>(0, 1)(s->rng) < s->plan.cut_probability) {
      const auto offset =
          static_cast<std::int64_t>(std::uniform_int_distribution<std::uint64_t>(0, s->plan.max_cut_offset)(s->rng));
      (s->rng() % 2 ? cut_up : cut_down) = offset;
      ++s->cuts;
    }
    pump(link, true, cut_up, s);
    pump(link, false, cut_down, s);
  }
}

}  // namespace

std::uint64_t FaultProxy::connections() const { return impl_->connections; }
std::uint64_t FaultProxy::cuts() const { return impl_->cuts; }
std::uint64_t FaultProxy::cutsDone() const { return impl_->cuts_done; }
std::uint64_t FaultProxy::bytesUp() const { return impl_->bytes_up; }
void FaultProxy::heal() { impl_->healed = true; }
void FaultProxy::breakAgain() { impl_->healed = false; }

FaultProxy::FaultProxy(unsigned short upstream_port, FaultPlan plan) : impl_(std::make_unique<Impl>()) {
  impl_->plan = plan;
  impl_->rng.seed(plan.seed);
  impl_->upstream = tcp::endpoint(net::ip::make_address("127.0.0.1"), upstream_port);
  const tcp::endpoint local(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(local.protocol());
  impl_->acceptor.bind(local);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();

  net::co_spawn(impl_->ioc, acceptLoop(impl_.get()), net::detached);
  thread_ = std::thread([this] { impl_->ioc.run(); });
}

FaultProxy::~FaultProxy() {
  net::post(impl_->ioc, [this] { impl_->ioc.stop(); });
  thread_.join();
}

}  // namespace fieldcheck::test
