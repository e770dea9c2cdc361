// ApiContext: everything the protocol session and the HTTP API use, handed to them by the
// process (server/app/src/app.cpp) once the store is open and the services are built: the Core
// every ops service gets, and the services the API forwards to. The API layer decides nothing
// itself: it reads through these references and forwards operations to server/ops.
//
// Thread-safety: each referenced object says its own; they all outlive every session and the
// HTTP API.
#pragma once

#include <string>

#include "parley/fanout/router.hpp"
#include "parley/net/transport.hpp"
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
#include "parley/ops/writes.hpp"
#include "parley/protocol/limits.hpp"
#include "parley/search/index.hpp"
#include "parley/storage/store.hpp"

namespace parley::cluster {
class Membership;
}

namespace parley::server {

// Everything of Core (what every ops service works with: cfg, store for reads, writes,
// readers, router, metrics, moderation, users), and the rest the API uses.
struct ApiContext : Core {
  // Frame limits of the protocol parser and of every WebSocket connection ([limits]).
  const protocol::ParseLimits& parse_limits;
  const WsLimits& ws_limits;
  // The server's HS256 secret (guest tokens) and the token verifier.
  const std::string& secret;
  const TokenKeys& tokens;

  Actions& actions;
  AdvocacyService& advocacy;
  SearchService& search_service;
  // The search index, or nullptr when [search] enabled is off.
  search::SearchIndex* search;
  WebhookService& webhooks;
  EmailService& email;
  Erasures& erasures;
  BotService& bots;
  CommandRegistry& commands;
  // This node's membership of the cluster ([cluster] nats_url), or nullptr on a single node.
  cluster::Membership* cluster;
};

}  // namespace parley::server
