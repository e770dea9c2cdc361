// Erasure of a user's personal data (erasure.hpp).
#include "parley/ops/erasure.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <utility>

#include "parley/fanout/shards.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

namespace {

constexpr std::size_t kPiece = 256;               // messages read per step
constexpr auto kRetry = std::chrono::seconds(5);  // after a failed write (e.g. the disk is full)

}  // namespace

Erasures::Erasures(Core& core, ShardSet& shards) : core_(core), shards_(shards) {}

Erasures::~Erasures() { stop(); }

void Erasures::start() {
  {
    std::lock_guard lock(mu_);
    for (auto& e : core_.store.erasures()) {
      if (e.finished == 0) queue_.push_back(e.user);
      known_.insert_or_assign(e.user, std::move(e));
    }
    any_.store(!known_.empty(), std::memory_order_release);
    if (!queue_.empty()) spdlog::info("event=erasure_resume users={}", queue_.size());
  }
  worker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "parley-erasure");
    run();
  });
}

void Erasures::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool Erasures::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

std::optional<std::string> Erasures::refuses(const protocol::Claims& claims) const {
  if (!any_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = known_.find(claims.sub);
  if (it == known_.end()) return std::nullopt;
  if (it->second.finished == 0) return "the user is being erased";
  if (claims.iat < it->second.started / 1000) return "issued before the user's erasure";
  return std::nullopt;
}

std::optional<storage::Store::Erasure> Erasures::last(const std::string& user) const {
  std::lock_guard lock(mu_);
  auto it = known_.find(user);
  if (it == known_.end()) return std::nullopt;
  return it->second;
}

std::string Erasures::fields(const storage::Store::Erasure& e) {
  std::string out;
  protocol::JsonWriter w(out);
  w.field("status", e.finished == 0 ? "pending" : "done").field("by", e.by);
  w.field("started", e.started);
  if (e.finished != 0) w.field("finished", e.finished);
  return out;
}

Erasures::Stats Erasures::stats() const {
  std::lock_guard lock(mu_);
  return Stats{queue_.size(), finished_, messages_};
}

void Erasures::on_committed(std::vector<storage::Committed>& batch) {
  for (const auto& c : batch) {
    const auto* op = std::get_if<storage::EraseUser>(&c.req.op);
    if (op && c.status == storage::WriteStatus::ok) committed(*op);
  }
}

void Erasures::committed(const storage::EraseUser& op) {
  {
    std::lock_guard lock(mu_);
    known_.insert_or_assign(op.user,
                            storage::Store::Erasure{op.user, op.by, op.started, op.finished});
    any_.store(true, std::memory_order_release);
    if (op.finish) {
      ++finished_;
    } else if (std::find(queue_.begin(), queue_.end(), op.user) == queue_.end()) {
      queue_.push_back(op.user);
    }
  }
  cv_.notify_all();
}

void Erasures::http_erase(const std::string& user, const std::string& actor, Respond respond) {
  if (!protocol::is_valid_user_id(user))
    return respond(json_error(404, "not_found", "no such user"));
  auto accepted = [user](const storage::Store::Erasure& e) {
    std::string body;
    protocol::JsonWriter w(body);
    w.begin_object().field("user", user).key("erasure").raw("{" + fields(e) + "}").end_object();
    return json_ok(std::move(body), 202);
  };
  {
    std::lock_guard lock(mu_);
    auto it = known_.find(user);
    if (it != known_.end() && it->second.finished == 0) return respond(accepted(it->second));
    if (starting_.contains(user)) {
      return respond(accepted(storage::Store::Erasure{user, actor, now_ms(), 0}));
    }
    if (queue_.size() + starting_.size() >= kMaxPending) {
      return respond(
          json_error(503, "unavailable", "too many erasures are running; try again later"));
    }
    starting_.insert(user);
  }
  core_.readers.post([this, user, actor, respond, accepted] {
    auto unstart = [this, &user] {
      std::lock_guard lock(mu_);
      starting_.erase(user);
    };
    if (!core_.store.get_user(user) && !last(user)) {
      unstart();
      return respond(json_error(404, "not_found", "no such user"));
    }
    storage::WriteRequest req;
    req.op = storage::EraseUser{user, actor, kName, false};
    storage::AuditEntry a;
    a.actor = actor;
    a.action = "erase_user";
    a.target_user = user;
    req.audit = std::move(a);
    // committed() has queued the erasure by the time this runs (Erasures::on_committed runs
    // before the batch's after-events completions).
    const bool queued = core_.writes.submit(
        std::move(req),
        Completion::after_events([this, user, respond, accepted](storage::Committed& c) {
          {
            std::lock_guard lock(mu_);
            starting_.erase(user);
          }
          if (c.status != storage::WriteStatus::ok) {
            return respond(json_error(500, "internal", "the erasure could not start: " + c.error));
          }
          const auto& op = std::get<storage::EraseUser>(c.req.op);
          respond(accepted(storage::Store::Erasure{user, op.by, op.started, op.finished}));
        }));
    if (!queued) {
      unstart();
      respond(json_error(503, "unavailable", "the server is busy; try again"));
    }
  });
}

void Erasures::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    const std::string user = queue_.front();
    lock.unlock();
    const bool done = erase(user);
    lock.lock();
    if (stop_) return;
    if (done) {
      std::erase(queue_, user);
    } else {
      // Failed (the store refused a write): the others first, this one again later.
      std::erase(queue_, user);
      queue_.push_back(user);
      cv_.wait_for(lock, kRetry, [&] { return stop_; });
    }
  }
}

bool Erasures::erase(const std::string& user) {
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t before = 0;
  {
    std::lock_guard lock(mu_);
    before = messages_;
  }
  if (!settle()) return false;
  for (const auto& channel : core_.store.message_channels()) {
    if (!erase_channel(user, channel)) return false;
  }
  storage::WriteRequest fin;
  fin.op = storage::EraseUser{user, {}, kName, true};
  if (!write_all({std::move(fin)})) return false;
  std::uint64_t erased = 0;
  {
    std::lock_guard lock(mu_);
    erased = messages_ - before;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  spdlog::info("event=erasure_done user={} messages={} ms={}", user, erased, ms);
  return true;
}

bool Erasures::erase_channel(const std::string& user, const std::string& channel) {
  // The `edited` events in the change log carry the text of each edit: when one of the user's
  // messages here was edited, the channel's changes from before the erasure go (clients that
  // resume from before it get changes_reset and reload).
  const std::int64_t since = now_ms();
  bool edited = false;
  std::uint64_t after = 0;
  while (true) {
    if (stopping()) return false;
    auto msgs = core_.store.read_after(channel, after, kPiece);
    std::vector<storage::WriteRequest> reqs;
    for (const auto& m : msgs) {
      after = m.seq;
      if (m.from_id != user) continue;
      if (m.edited_at != 0) edited = true;
      if (m.deleted && m.from_name == kName) continue;  // done before
      storage::DeleteMessage d;
      d.channel = channel;
      d.seq = m.seq;
      d.by = user;
      d.author_name = kName;
      storage::WriteRequest req;
      req.op = std::move(d);
      reqs.push_back(std::move(req));
    }
    const std::size_t n = reqs.size();
    if (!write_all(std::move(reqs))) return false;
    {
      std::lock_guard lock(mu_);
      messages_ += n;
    }
    if (msgs.size() < kPiece) break;
  }
  if (!edited) return true;
  storage::WriteRequest trim;
  storage::TrimChanges t;
  t.before_ms = since;
  t.channel = channel;
  trim.op = std::move(t);
  return write_all({std::move(trim)});
}

bool Erasures::write_all(std::vector<storage::WriteRequest> reqs) {
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    std::size_t left = 0;
    bool failed = false;
  };
  auto w = std::make_shared<Wait>();
  w->left = reqs.size();
  auto done = [w](storage::Committed& c) {
    std::lock_guard lock(w->mu);
    if (c.status != storage::WriteStatus::ok) {
      spdlog::warn("event=erasure_write_failed error=\"{}\"", c.error);
      w->failed = true;
    }
    if (--w->left == 0) w->cv.notify_all();
  };
  std::size_t submitted = 0;
  for (auto& req : reqs) {
    // A full queue: wait for room (the writer drains it), unless the server stops.
    bool ok = false;
    while (
        !(ok = core_.writes.submit(storage::WriteRequest(req), Completion::after_events(done))) &&
        !stopping()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!ok) break;
    ++submitted;
  }
  std::unique_lock lock(w->mu);
  if (submitted < reqs.size()) {  // stopped: the ones submitted still report into `w`
    w->left -= reqs.size() - submitted;
    w->failed = true;
  }
  w->cv.wait(lock, [&] { return w->left == 0; });
  return !w->failed && !stopping();
}

bool Erasures::settle() {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    auto reached = std::make_shared<std::promise<void>>();
    auto f = reached->get_future();
    boost::asio::post(shards_.at(i).ioc(), [reached] { reached->set_value(); });
    while (f.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (stopping()) return false;
    }
  }
  storage::WriteRequest barrier;
  barrier.op = storage::AuditOnly{};  // without an audit entry: writes nothing
  std::vector<storage::WriteRequest> one;
  one.push_back(std::move(barrier));
  return write_all(std::move(one));
}

}  // namespace parley::server
