// Bot accounts (bots.hpp): the records, the admin API and the check at auth.
#include "parley/ops/bots.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "parley/ops/bot_commands.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

// Bot tokens live long: deleting the bot is how they end.
constexpr std::int64_t kTokenLifetimeS = 10LL * 365 * 86400;
constexpr std::size_t kMaxBots = 1000;

}  // namespace

std::string BotService::encode(const Bot& b) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("id", b.id).field("name", b.name).field("jti", b.jti);
  w.field("created_at", b.created_at).field("created_by", b.created_by);
  w.field("revoked_at", b.revoked_at).end_object();
  return out;
}

std::optional<BotService::Bot> BotService::decode(const std::string& value) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(value).get(o) != simdjson::SUCCESS) return std::nullopt;
  Bot b;
  std::string_view s;
  std::int64_t i = 0;
  if (o["id"].get(s) != simdjson::SUCCESS) return std::nullopt;
  b.id.assign(s);
  if (o["name"].get(s) == simdjson::SUCCESS) b.name.assign(s);
  if (o["jti"].get(s) == simdjson::SUCCESS) b.jti.assign(s);
  if (o["created_by"].get(s) == simdjson::SUCCESS) b.created_by.assign(s);
  if (o["created_at"].get(i) == simdjson::SUCCESS) b.created_at = i;
  if (o["revoked_at"].get(i) == simdjson::SUCCESS) b.revoked_at = i;
  return b;
}

void BotService::start() {
  auto bots = std::make_shared<Bots>();
  for (const auto& [key, value] : core_.store.outbox_scan("B", "", SIZE_MAX)) {
    if (auto b = decode(value)) bots->emplace(b->id, std::move(*b));
  }
  spdlog::info("event=bots_loaded bots={}", bots->size());
  std::lock_guard lock(mu_);
  bots_ = std::move(bots);
}

std::shared_ptr<const BotService::Bots> BotService::snapshot() const {
  std::lock_guard lock(mu_);
  return bots_;
}

void BotService::put(const Bot& b) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<Bots>(*bots_);
  next->insert_or_assign(b.id, b);
  bots_ = std::move(next);
}

std::optional<std::string> BotService::refuses(const protocol::Claims& claims) const {
  auto snap = snapshot();
  auto it = snap->find(claims.sub);
  if (it == snap->end()) return std::nullopt;
  const Bot& b = it->second;
  if (b.revoked_at != 0) return "revoked";
  // A token of an earlier incarnation of this bot (a jti that is not the current one).
  if (!claims.jti.empty() && claims.jti != b.jti) return "revoked";
  return std::nullopt;
}

void BotService::save(const Bot& b, const std::string& actor, const std::string& action,
                      std::function<void(bool)> done) {
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{{{"B" + b.id, encode(b)}}};
  storage::AuditEntry a;
  a.actor = actor;
  a.action = action;
  a.target_user = b.id;
  req.audit = std::move(a);
  spdlog::info("event={} bot={} by={}", action, b.id, actor);
  if (!core_.writes.submit(std::move(req), Completion::after_events([done](storage::Committed& c) {
                             done(c.status == storage::WriteStatus::ok);
                           }))) {
    done(false);
  }
}

void BotService::http(const HttpRequest& req, const std::string& path, const std::string& actor,
                      Respond respond) {
  const std::string& m = req.method;
  if (path == "/api/bots") {
    if (m == "GET" || m == "HEAD") {
      auto snap = snapshot();
      std::string out;
      JsonWriter w(out);
      w.begin_object().key("bots").begin_array();
      for (const auto& [id, b] : *snap) {
        w.begin_object().field("id", b.id).field("name", b.name);
        w.field("created_at", b.created_at).field("created_by", b.created_by);
        if (b.revoked_at != 0) w.field("revoked_at", b.revoked_at);
        w.end_object();
      }
      w.end_array().end_object();
      return respond(json_ok(std::move(out)));
    }
    if (m != "POST") return respond(json_error(405, "bad_request", "use GET or POST"));
    return create(req, actor, std::move(respond));
  }
  const std::string id = path.substr(std::string_view("/api/bots/").size());
  if (path.rfind("/api/bots/", 0) != 0 || id.empty() || id.find('/') != std::string::npos) {
    return respond(json_error(404, "not_found", "no such endpoint"));
  }
  if (m != "DELETE") return respond(json_error(405, "bad_request", "use DELETE"));
  revoke(id, actor, std::move(respond));
}

void BotService::create(const HttpRequest& req, const std::string& actor, Respond respond) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  simdjson::padded_string padded(req.body);
  if (parser.parse(padded).get(obj) != simdjson::SUCCESS) {
    return respond(json_error(400, "bad_request", "body must be a JSON object"));
  }
  Bot b;
  std::string_view v;
  auto id = obj["id"];
  if (id.error() == simdjson::NO_SUCH_FIELD)
    return respond(json_error(400, "bad_request", "\"id\" is required"));
  if (id.get(v) != simdjson::SUCCESS || !protocol::is_valid_user_id(v)) {
    return respond(json_error(
        400, "bad_request", "\"id\" must be a user id: 1-64 characters of A-Z a-z 0-9 . _ @ + -"));
  }
  b.id.assign(v);
  b.name = b.id;
  if (auto name = obj["name"]; name.error() != simdjson::NO_SUCH_FIELD && !name.is_null()) {
    if (name.get(v) != simdjson::SUCCESS || !protocol::is_valid_display_name(v)) {
      return respond(json_error(400, "bad_request",
                                "\"name\" must be 1-64 characters without control characters"));
    }
    b.name.assign(v);
  }
  auto snap = snapshot();
  if (auto it = snap->find(b.id); it != snap->end() && it->second.revoked_at == 0) {
    return respond(json_error(409, "conflict", "bot \"" + b.id + "\" exists"));
  }
  std::size_t active = 0;
  for (const auto& [id_, bot] : *snap) active += bot.revoked_at == 0 ? 1 : 0;
  if (active >= kMaxBots) {
    return respond(json_error(409, "conflict", "at most " + std::to_string(kMaxBots) + " bots"));
  }
  // A person's id is not for a bot: the user record is read off the I/O threads.
  core_.readers.post([this, b = std::move(b), actor, respond = std::move(respond)]() mutable {
    if (auto u = core_.store.get_user(b.id); u && u->role != protocol::Role::bot) {
      return respond(json_error(409, "conflict", "\"" + b.id + "\" is a user who is not a bot"));
    }
    const auto now = now_ms();
    b.jti = random_hex(16);
    b.created_at = now;
    b.created_by = actor;
    save(b, actor, "create_bot", [this, b, respond](bool ok) {
      if (!ok)
        return respond(json_error(503, "internal", "storage busy or failing; nothing was changed"));
      put(b);
      protocol::Claims c;
      c.sub = b.id;
      c.name = b.name;
      c.role = protocol::Role::bot;
      c.jti = b.jti;
      c.iat = b.created_at / 1000;
      c.exp = c.iat + kTokenLifetimeS;
      std::string out;
      JsonWriter w(out);
      w.begin_object().field("id", b.id).field("name", b.name);
      w.field("token", protocol::jwt_sign(c, secret_));
      w.field("created_at", b.created_at).field("created_by", b.created_by).end_object();
      respond(json_ok(std::move(out), 201));
    });
  });
}

void BotService::revoke(const std::string& id, const std::string& actor, Respond respond) {
  auto snap = snapshot();
  auto it = snap->find(id);
  if (it == snap->end()) return respond(json_error(404, "not_found", "no bot \"" + id + "\""));
  auto reply = [respond](const Bot& b) {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("id", b.id).field("revoked_at", b.revoked_at).end_object();
    respond(json_ok(std::move(out)));
  };
  if (it->second.revoked_at != 0) return reply(it->second);  // revoked already: the same answer
  Bot b = it->second;
  b.revoked_at = now_ms();
  save(b, actor, "revoke_bot", [this, b, reply, respond](bool ok) {
    if (!ok)
      return respond(json_error(503, "internal", "storage busy or failing; nothing was changed"));
    put(b);
    commands_.forget(b.id);
    // Its open sessions end now: the error, then close 4401 (a reconnect is refused).
    std::string frame;
    protocol::write_error(frame, "", protocol::ErrorCode::unauthorized, "token revoked");
    Delivery d;
    d.kind = Delivery::Kind::close_user;
    d.user = b.id;
    d.close = close_code::unauthorized;
    d.close_reason = "token revoked";
    d.payload = make_payload(std::move(frame));
    std::vector<Delivery> out;
    out.push_back(std::move(d));
    core_.router.publish(std::move(out));
    reply(b);
  });
}

}  // namespace parley::server
