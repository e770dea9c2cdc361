// Bot accounts (DESIGN §11): admins create a bot and get its token once; deleting the bot
// revokes it: its sessions close with 4401 and its tokens are refused, across restarts.
//
//   POST   /api/bots      {id, name?}  -> 201 {id, name, token, created_at, created_by}
//   GET    /api/bots                   -> {bots:[{id, name, created_at, created_by, revoked_at?}]}
//   DELETE /api/bots/ID                -> {id, revoked_at}
//
// A bot's token carries `role: bot` and a `jti`, the bot's current token id. Records live in
// the store's outbox column family as "B" id -> JSON {id, name, jti, created_at, created_by,
// revoked_at}; a revoked bot keeps its record (so its tokens stay refused) until it is created
// again, which draws a new jti (the old token stays refused).
//
// Thread-safety: every public method may be called from any thread; refuses() reads memory
// only (I/O threads call it at auth).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "parley/net/http.hpp"
#include "parley/protocol/jwt.hpp"

namespace parley::server {

struct Core;
class CommandRegistry;

class BotService {
 public:
  BotService(Core& core, CommandRegistry& commands, const std::string& secret)
      : core_(core), commands_(commands), secret_(secret), bots_(std::make_shared<Bots>()) {}

  // Loads the bots. Call after the store is open.
  void start();

  // Why a verified token must be refused ("revoked"), or nullopt: the token's `sub` is a bot
  // that was deleted, or the token's jti is not the bot's current one.
  std::optional<std::string> refuses(const protocol::Claims& claims) const;

  // /api/bots… (admins only; the caller has checked the role). `actor` is audited.
  void http(const HttpRequest& req, const std::string& path, const std::string& actor,
            Respond respond);

 private:
  struct Bot {
    std::string id, name, jti, created_by;
    std::int64_t created_at = 0, revoked_at = 0;  // ms; revoked_at 0 = active
  };
  using Bots = std::map<std::string, Bot>;

  static std::string encode(const Bot& b);
  static std::optional<Bot> decode(const std::string& value);
  std::shared_ptr<const Bots> snapshot() const;
  void put(const Bot& b);
  void create(const HttpRequest& req, const std::string& actor, Respond respond);
  void revoke(const std::string& id, const std::string& actor, Respond respond);
  // Stores `b` with an audit entry; `done(ok)` after the commit.
  void save(const Bot& b, const std::string& actor, const std::string& action,
            std::function<void(bool)> done);

  Core& core_;
  CommandRegistry& commands_;
  const std::string& secret_;
  mutable std::mutex mu_;
  std::shared_ptr<const Bots> bots_;  // copy on write, guarded by mu_
};

}  // namespace parley::server
