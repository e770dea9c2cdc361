// Writes: the one path every write takes, and how its result comes back.
//
// Every change of state — a message, an edit, a mute, a read marker, an audit entry — is a
// storage::WriteRequest handed to Writes::submit() with a Completion. The store's writer commits
// it in a batch; on_commit() then, for the whole batch and in commit order: tells the observers
// (advocacy, webhooks, email, search, erasures, users), applies each write's effects (the
// events its readers get, moderation state, the sessions a ban closes), hands acks and events
// to the Router in one call, and last runs the after-events completions. So the two reply
// orders PROTOCOL.md promises ("Reply order") are two kinds of Completion on one path:
//
//   Completion::ack(route)         a message's ack rides with its batch to the sender's shard,
//                                  ahead of the batch's messages: ack before echo;
//   Completion::after_events(fn)   `fn` runs once the batch's events are with the router:
//                                  a reply never overtakes the event it reports;
//   Completion::none()             nobody waits; the effects still follow the commit.
//
// Nothing else submits to the store (scripts/check-includes.py checks it).
//
// Thread-safety: submit() from any thread; on_commit() on the storage writer thread; bind()
// and observe() once, before the first submit().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "parley/fanout/delivery.hpp"
#include "parley/fanout/router.hpp"
#include "parley/ops/config.hpp"
#include "parley/ops/metrics.hpp"
#include "parley/ops/moderation.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

// The change a committed write made to a channel, as the event its readers get (PROTOCOL.md
// §4), or nothing: storage::Options::change_event, so the store numbers and keeps it for
// `join` with `changes_since`. Writer thread.
std::optional<storage::ChangeEvent> change_event_of(const storage::WriteOp& write);

// Where the ack of a message a session sent goes: the session's id and a cookie it chose
// (Subscriber::complete_write).
struct AckRoute {
  std::uint64_t session = 0;
  std::uint64_t cookie = 0;
};

class Completion {
 public:
  using Then = std::function<void(storage::Committed&)>;

  // Nobody waits for the result.
  static Completion none() { return Completion(); }
  // A message's ack (AppendMessage only), delivered to the session ahead of the batch's events.
  static Completion ack(AckRoute route) {
    Completion c;
    c.kind_ = Kind::ack;
    c.route_ = route;
    return c;
  }
  // `then` runs on the writer thread after the batch's events were handed to the router.
  static Completion after_events(Then then) {
    Completion c;
    c.kind_ = Kind::after_events;
    c.then_ = std::move(then);
    return c;
  }

 private:
  friend class Writes;
  enum class Kind { none, ack, after_events };
  Kind kind_ = Kind::none;
  AckRoute route_;
  Then then_;
};

class Writes {
 public:
  // Sees every committed batch, on the writer thread, before its events are published.
  using Observer = std::function<void(std::vector<storage::Committed>&)>;

  Writes(const Config& cfg, Router& router, Metrics& metrics, Moderation& moderation);

  // The store this path writes to; its commit callback must call on_commit().
  void bind(storage::Store& store) { store_ = &store; }
  void observe(Observer o) { observers_.push_back(std::move(o)); }

  // Submits `req`; its result comes back as `done` says. Returns false when the store refuses
  // it (queue full or closing): nothing of `done` then runs, `req` is left as it was (a caller
  // may submit it again later), and the caller answers (usually rate_limited, "server busy").
  bool submit(storage::WriteRequest&& req, Completion done = Completion::none());

  // Drops change records older than [storage] change_retention_days: at most once an hour
  // (the first time at start-up); called by shard 0's sweep.
  void trim_changes();

  // Called on the storage writer thread after every batch.
  void on_commit(std::vector<storage::Committed>& batch);

 private:
  // WriteRequest::origin of a write with an after-events completion (its cookie keys then_).
  static constexpr std::uint64_t kAfterEvents = ~0ULL;

  void apply_effects(storage::Committed& c, std::vector<Delivery>& out);
  // The message event and the sender's ack of one committed AppendMessage.
  void message_committed(storage::Committed& c, std::vector<Delivery>& deliveries,
                         std::vector<WriteAck>& acks);

  const Config& cfg_;
  Router& router_;
  Metrics& metrics_;
  Moderation& moderation_;
  storage::Store* store_ = nullptr;
  std::vector<Observer> observers_;

  std::mutex then_mu_;
  std::unordered_map<std::uint64_t, Completion::Then> then_;
  std::uint64_t next_then_ = 1;  // guarded by then_mu_

  std::atomic<std::int64_t> changes_trimmed_at_{0};  // ms; trim_changes()
};

}  // namespace parley::server
