// App: the wiring. It builds the server's parts in dependency order, hands each the references
// it needs (ops services a Core and the services they name; the protocol session and the HTTP
// API an ApiContext), starts them, and stops them in the reverse order. It decides nothing a
// client could see: every operation lives in server/ops, every request in server/api.
//
// Order of start(): the store (its commits go to Writes::on_commit), the moderation state, the
// search index, the token keys, the cluster membership (with [cluster] nats_url); then the services
// are built, each after the ones it uses (search, webhooks, email, commands, advocacy, actions,
// bots, erasures), the Writes observers registered, and the services started; then the shards, and
// last the erasure worker (it waits for the shards).
//
// Thread-safety: start() and shutdown() from the controlling thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "parley/api/context.hpp"
#include "parley/cluster/membership.hpp"
#include "parley/fanout/router.hpp"
#include "parley/fanout/shards.hpp"
#include "parley/ops/actions.hpp"
#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/bots.hpp"
#include "parley/ops/config.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"
#include "parley/ops/erasure.hpp"
#include "parley/ops/metrics.hpp"
#include "parley/ops/moderation.hpp"
#include "parley/ops/readers.hpp"
#include "parley/ops/search_service.hpp"
#include "parley/ops/token_keys.hpp"
#include "parley/ops/users.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/ops/word_filter.hpp"
#include "parley/ops/writes.hpp"
#include "parley/protocol/limits.hpp"
#include "parley/search/index.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

class App {
 public:
  // `shards` are this process's I/O threads and `router` reaches every recipient (LocalRouter on
  // one node); both outlive the app.
  App(const Config& cfg, std::string secret, ShardSet& shards, Router& router);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the store, builds the services and starts them and the shards.
  bool start(std::string* error);
  // Graceful stop: sessions closed with 1012, the writer flushed, the store closed. Idempotent.
  void shutdown();

  // What the protocol sessions and the HTTP API use; valid from a successful start() on.
  ApiContext& api() { return *api_; }
  ShardSet& shards() { return shards_; }

 private:
  void close_store();

  const Config cfg_;
  const std::string secret_;
  protocol::ParseLimits parse_limits_;
  WsLimits ws_limits_;
  Metrics metrics_;
  ShardSet& shards_;
  Router& router_;
  Readers readers_;
  Moderation moderation_;
  WordFilter filter_;
  Writes writes_;
  Users users_;
  TokenKeys tokens_;

  // Built by start(), in this order (and destroyed in the reverse one).
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<search::SearchIndex> search_;
  std::optional<Core> core_;
  std::unique_ptr<SearchService> search_service_;
  std::unique_ptr<WebhookService> webhooks_;
  std::unique_ptr<EmailService> email_;
  std::unique_ptr<CommandRegistry> commands_;
  std::unique_ptr<AdvocacyService> advocacy_;
  std::unique_ptr<Actions> actions_;
  std::unique_ptr<BotService> bots_;
  std::unique_ptr<Erasures> erasures_;
  // With [cluster] nats_url: this node's membership (docs/CLUSTER.md).
  std::unique_ptr<cluster::Membership> cluster_;
  std::optional<ApiContext> api_;
};

}  // namespace parley::server
