// The hub ties the shards to the store: it owns both, turns each committed storage batch into
// acks and deliveries handed to the router (LocalRouter: one post per shard, the serialized
// message shared by all of them), and runs blocking reads on a small reader pool.
//
// Thread-safety: on_commit() runs on the storage writer thread; everything else may be called
// from any shard thread unless stated.
#pragma once

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "parley/fanout/router.hpp"
#include "parley/fanout/shards.hpp"
#include "parley/net/transport.hpp"
#include "parley/ops/actions.hpp"
#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/bots.hpp"
#include "parley/ops/config.hpp"
#include "parley/ops/email.hpp"
#include "parley/ops/erasure.hpp"
#include "parley/ops/metrics.hpp"
#include "parley/ops/moderation.hpp"
#include "parley/ops/search_service.hpp"
#include "parley/ops/token_keys.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/ops/word_filter.hpp"
#include "parley/protocol/limits.hpp"
#include "parley/search/index.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

// What the server records of an identity at `now` (first and last seen; the store keeps the
// first first_seen and the preferences).
storage::UserRecord user_record(const Identity& who, std::int64_t now);

class Hub {
 public:
  // `shards` are this process's I/O threads and `router` reaches every recipient (LocalRouter on
  // one node); both outlive the hub. start() starts the shards, shutdown() stops them.
  Hub(const Config& cfg, std::string secret, ShardSet& shards, Router& router);
  ~Hub();

  // Opens the store (the writer starts reporting into on_commit) and starts the shards.
  bool start(std::string* error);
  // Graceful stop: sessions closed with 1012, the writer flushed, the store closed.
  void shutdown();

  const Config& config() const { return cfg_; }
  const protocol::ParseLimits& parse_limits() const { return parse_limits_; }
  const std::string& secret() const { return secret_; }
  // Verifies a token (HS256 with the secret, or the identity provider's RS256/ES256).
  const TokenKeys& tokens() const { return tokens_; }
  storage::Store& store() { return *store_; }
  Metrics& metrics() { return metrics_; }
  // The limits every WebSocket connection shares (from [limits]; counts into metrics()).
  const WsLimits& ws_limits() const { return ws_limits_; }
  Moderation& moderation() { return moderation_; }
  const WordFilter& filter() const { return filter_; }
  Actions& actions() { return actions_; }
  AdvocacyService& advocacy() { return *advocacy_; }
  // The search index, or nullptr when [search] enabled is off (or before start()).
  search::SearchIndex* search() { return search_ptr_.load(std::memory_order_acquire); }
  SearchService& search_service() { return search_service_; }
  WebhookService& webhooks() { return *webhooks_; }
  EmailService& email() { return *email_; }
  Erasures& erasures() { return *erasures_; }
  const Erasures& erasures() const { return *erasures_; }
  const BotService& bots() const { return bots_; }
  BotService& bots() { return bots_; }
  CommandRegistry& commands() { return commands_; }

  // Reaches every recipient of an event: publish, subscribe, presence and typing.
  Router& router() { return router_; }
  // This process's shards (I/O threads): new connections go to shards().next().
  ShardSet& shards() { return shards_; }

  // Runs `work` on the reader pool (blocking storage reads live there, never on I/O threads).
  template <class F>
  void read_async(F&& work) {
    boost::asio::post(readers_, std::forward<F>(work));
  }

  // Submits a write whose result goes to `done` (on the writer thread, after the batch commits
  // and its effects — events, moderation state — are applied). Returns false when the store
  // refuses it (queue full or closing); `done` is then not called.
  bool submit_with(storage::WriteRequest req, std::function<void(storage::Committed&)> done);
  // Drops change records older than [storage] change_retention_days: at most once an hour
  // (the first time at start-up); called by shard 0's sweep.
  void trim_changes();

  // `@here` in `channel` (DESIGN §10): 0 when it may go now (and the time is recorded), else
  // the milliseconds until it may ([limits] here_interval_s per channel).
  std::int64_t take_here(const std::string& channel, std::int64_t now_ms);

  // Per-IP connection accounting: acquire returns false (and counts nothing) at the limit.
  bool acquire_ip(const std::string& ip);
  void release_ip(const std::string& ip);

  // At auth: remembers the user's role and records the user (at most every few minutes).
  void note_user(const Identity& who);
  // Authenticated sessions per user, across shards (email goes only to users with none), and
  // when each last authenticated (ms; 0 = not since the start, or forgotten: bounded).
  void user_connected(const std::string& user);
  void user_disconnected(const std::string& user);
  bool has_session(const std::string& user);
  std::int64_t last_connected(const std::string& user);

  // At a refused auth: audits the ban enforcement (at most once a minute per user).
  void audit_ban_enforced(const std::string& user);

  // Called on the storage writer thread after every batch.
  void on_commit(std::vector<storage::Committed>& batch);

  // WriteRequest::origin of writes submitted with submit_with().
  static constexpr std::uint64_t kCallbackOrigin = ~0ULL;

 private:
  Config cfg_;
  protocol::ParseLimits parse_limits_;
  std::string secret_;
  Metrics metrics_;
  WsLimits ws_limits_;
  ShardSet& shards_;
  Router& router_;
  boost::asio::thread_pool readers_;
  std::unique_ptr<storage::Store> store_;

  void apply_effects(storage::Committed& c, std::vector<Delivery>& out);

  Moderation moderation_;
  WordFilter filter_;
  Actions actions_{*this};
  SearchService search_service_{*this};
  std::unique_ptr<search::SearchIndex> search_;
  // search_.get() once the index is open: on_commit() reads it on the writer thread.
  std::atomic<search::SearchIndex*> search_ptr_{nullptr};
  std::unique_ptr<AdvocacyService> advocacy_;
  std::unique_ptr<WebhookService> webhooks_;
  std::unique_ptr<EmailService> email_;
  std::unique_ptr<Erasures> erasures_;
  BotService bots_{*this};
  CommandRegistry commands_{*this};
  TokenKeys tokens_{cfg_, secret_};

  std::mutex callbacks_mu_;
  std::unordered_map<std::uint64_t, std::function<void(storage::Committed&)>> callbacks_;
  std::uint64_t next_callback_ = 1;  // guarded by callbacks_mu_

  std::mutex users_mu_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::string>> user_noted_;  // ms, what
  std::unordered_map<std::string, std::int64_t> ban_audited_at_;                      // user -> ms

  std::mutex sessions_mu_;
  std::unordered_map<std::string, unsigned> user_sessions_;     // user -> authenticated sessions
  std::unordered_map<std::string, std::int64_t> connected_at_;  // user -> ms of the last auth

  std::mutex here_mu_;
  std::unordered_map<std::string, std::int64_t> here_at_;  // channel -> ms of the last @here

  std::mutex ips_mu_;
  std::unordered_map<std::string, std::size_t> ips_;

  std::atomic<std::int64_t> changes_trimmed_at_{0};  // ms; trim_changes()
};

}  // namespace parley::server
