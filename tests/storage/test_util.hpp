// Shared fixtures for the storage tests: a temporary directory per test, a CommitHandler that
// records results and lets tests wait for them, and a way to stall the writer thread.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parley/storage/store.hpp"

namespace parley::storage::testing {

// A fresh directory under the system temp dir, removed (with everything in it) afterwards.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "parley-storage-";
    if (info != nullptr) name += std::string(info->test_suite_name()) + "-" + info->name() + "-";
    name += std::to_string(rd()) + std::to_string(rd());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string db() const { return (path_ / "db").string(); }

 private:
  std::filesystem::path path_;
};

// Records every Committed the store reports. Must outlive the Store it is given to (the store
// reports on close()), so declare it before the store.
class Collector {
 public:
  // Upper bound on any wait: a broken store fails the test instead of hanging it. It is a
  // safety net only; tests synchronise on the conditions themselves.
  static constexpr auto kTimeout = std::chrono::seconds(60);

  CommitHandler handler() {
    return [this](std::vector<Committed>& batch) { on_batch(batch); };
  }

  // Runs on the writer thread before a batch is recorded (e.g. to stall the writer).
  void set_hook(std::function<void(std::vector<Committed>&)> hook) { hook_ = std::move(hook); }

  // Waits until at least `n` results arrived; false on timeout.
  bool wait_count(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return results_.size() >= n; });
  }

  // Waits for the result of the request submitted with `cookie`.
  Committed wait_cookie(std::uint64_t cookie) {
    std::unique_lock lock(mu_);
    bool found = cv_.wait_for(lock, kTimeout, [&] { return by_cookie_.contains(cookie); });
    EXPECT_TRUE(found) << "no result for cookie " << cookie;
    return found ? results_[by_cookie_[cookie]] : Committed{};
  }

  std::vector<Committed> results() const {
    std::lock_guard lock(mu_);
    return results_;
  }
  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }

 private:
  void on_batch(std::vector<Committed>& batch) {
    if (hook_) hook_(batch);
    {
      std::lock_guard lock(mu_);
      batch_sizes_.push_back(batch.size());
      for (auto& c : batch) {
        by_cookie_[c.req.cookie] = results_.size();
        results_.push_back(std::move(c));
      }
    }
    cv_.notify_all();
  }

  std::function<void(std::vector<Committed>&)> hook_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Committed> results_;
  std::vector<std::size_t> batch_sizes_;
  std::unordered_map<std::uint64_t, std::size_t> by_cookie_;
};

// Stalls the writer inside the CommitHandler of its first batch until release() is called:
// while stalled, everything submitted stays queued. wait_entered() returns once the writer is
// held. Install before opening the store; keep a ReleaseGuard after the store so that a failing
// assertion releases the writer before the store's destructor waits for it.
class WriterStall {
 public:
  void install(Collector& c) {
    c.set_hook([this](std::vector<Committed>&) {
      if (fired_.exchange(true)) return;
      entered_.count_down();
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return released_; });
    });
  }
  void wait_entered() { entered_.wait(); }
  void release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

  struct ReleaseGuard {
    WriterStall& stall;
    ~ReleaseGuard() { stall.release(); }
  };

 private:
  std::atomic<bool> fired_{false};
  std::latch entered_{1};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// A clock the test moves by hand.
class ManualClock {
 public:
  explicit ManualClock(TimestampMs start) : now_(start) {}
  void set(TimestampMs t) { now_.store(t); }
  std::function<TimestampMs()> fn() {
    return [this] { return now_.load(); };
  }

 private:
  std::atomic<TimestampMs> now_;
};

inline Options options_for(const TempDir& dir, Durability durability = Durability::fast) {
  Options o;
  o.path = dir.db();
  o.durability = durability;
  o.block_cache_bytes = 4u << 20;  // keep the test processes small
  o.write_buffer_bytes = 4u << 20;
  return o;
}

inline std::unique_ptr<Store> open_or_fail(const Options& o, Collector& c) {
  std::string error;
  auto store = Store::open(o, c.handler(), &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

inline WriteRequest append_req(std::string channel, std::string from, std::string client_msg_id,
                               std::string text, std::uint64_t cookie) {
  AppendMessage a;
  a.channel = std::move(channel);
  a.client_msg_id = std::move(client_msg_id);
  a.msg.from_id = from;
  a.msg.from_name = "Name of " + from;
  a.msg.text = std::move(text);
  WriteRequest r;
  r.op = std::move(a);
  r.cookie = cookie;
  return r;
}

inline WriteRequest create_req(std::string name, ChannelKind kind, std::string title,
                               std::uint64_t cookie) {
  CreateChannel c;
  c.info.name = std::move(name);
  c.info.kind = kind;
  c.info.title = std::move(title);
  WriteRequest r;
  r.op = std::move(c);
  r.cookie = cookie;
  return r;
}

inline const AppendMessage& as_append(const Committed& c) {
  return std::get<AppendMessage>(c.req.op);
}

// Any op as a request, optionally with an audit entry.
template <typename Op>
WriteRequest op_req(Op op, std::uint64_t cookie, std::optional<AuditEntry> audit = std::nullopt) {
  WriteRequest r;
  r.op = std::move(op);
  r.audit = std::move(audit);
  r.cookie = cookie;
  return r;
}

// The op of a result, as the writer left it (with its results filled in).
template <typename Op>
const Op& op_of(const Committed& c) {
  return std::get<Op>(c.req.op);
}

inline WriteRequest edit_req(std::string channel, std::uint64_t seq, std::string editor,
                             std::string text, std::uint64_t cookie) {
  EditMessage e;
  e.channel = std::move(channel);
  e.seq = seq;
  e.editor = std::move(editor);
  e.text = std::move(text);
  return op_req(std::move(e), cookie);
}

inline WriteRequest delete_req(std::string channel, std::uint64_t seq, std::string by,
                               bool as_moderator, std::uint64_t cookie) {
  DeleteMessage d;
  d.channel = std::move(channel);
  d.seq = seq;
  d.by = std::move(by);
  d.as_moderator = as_moderator;
  return op_req(std::move(d), cookie);
}

inline WriteRequest react_req(std::string channel, std::uint64_t seq, std::string user,
                              std::string emoji, bool add, std::uint64_t cookie) {
  React r;
  r.channel = std::move(channel);
  r.seq = seq;
  r.user = std::move(user);
  r.emoji = std::move(emoji);
  r.add = add;
  return op_req(std::move(r), cookie);
}

inline AuditEntry audit_entry(std::string actor, std::string action, std::string target = {}) {
  AuditEntry a;
  a.actor = std::move(actor);
  a.action = std::move(action);
  a.target_user = std::move(target);
  return a;
}

// (emoji, count) pairs of a message, for compact comparisons.
inline std::vector<std::pair<std::string, std::uint32_t>> reactions_of(const StoredMessage& m) {
  std::vector<std::pair<std::string, std::uint32_t>> out;
  for (const auto& r : m.reactions) out.emplace_back(r.emoji, r.count);
  return out;
}

// A store whose writer is held inside its first batch: opens a store with `options`, submits
// `first` (by default a warm-up append by "zed" to #general, cookie 1) and waits until the
// writer holds it, so that everything submitted until release() commits as one batch. The
// writer is released when this goes, also after a failed assertion (`store` closes after it).
class HeldWriter {
 public:
  explicit HeldWriter(const Options& options,
                      WriteRequest first = append_req("general", "zed", "warmup", "w", 1)) {
    stall.install(c);
    store = open_or_fail(options, c);
    if (store == nullptr) return;
    EXPECT_TRUE(store->submit(std::move(first)));
    stall.wait_entered();
  }
  ~HeldWriter() { release(); }
  HeldWriter(const HeldWriter&) = delete;
  HeldWriter& operator=(const HeldWriter&) = delete;
  void release() { stall.release(); }

  Collector c;
  WriterStall stall;  // destroyed after `store`, whose writer calls its hook while closing
  std::unique_ptr<Store> store;
};

// Submits and waits for the result. Cookies must be unique per Collector.
inline Committed submit_wait(Store& store, Collector& c, WriteRequest req) {
  const std::uint64_t cookie = req.cookie;
  EXPECT_TRUE(store.submit(std::move(req)));
  return c.wait_cookie(cookie);
}

}  // namespace parley::storage::testing
