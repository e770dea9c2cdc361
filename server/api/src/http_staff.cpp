// The staff HTTP API (and the channel list and search): JSON over HTTP with `Authorization: Bearer
// <JWT>`. Writes go through Actions, exactly like the WebSocket ops; request bodies are validated
// by the protocol parser (the body becomes the fields of the matching op), so errors name the field
// the same way on both transports. Reads run on the reader pool.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>

#include "parley/api/context.hpp"
#include "parley/api/http_api.hpp"
#include "parley/ops/actions.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

std::optional<Identity> bearer_identity(const ApiContext& ctx, const HttpRequest& req) {
  const std::string& h = req.authorization;
  // The scheme is case-insensitive (RFC 7235).
  if (h.size() <= 7 || h[6] != ' ' ||
      !std::equal(h.begin(), h.begin() + 6, "bearer", [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
      })) {
    return std::nullopt;
  }
  auto res = ctx.tokens.verify(h.substr(7), now_s());
  if (!res.claims || ctx.bots.refuses(*res.claims) || ctx.erasures.refuses(*res.claims)) {
    return std::nullopt;
  }
  return Identity{res.claims->sub, res.claims->name, res.claims->role, res.claims->guest,
                  res.claims->email};
}

// Parses an unsigned query parameter; absent = `def`; malformed = nullopt.
std::optional<std::uint64_t> query_uint(const std::string& target, std::string_view name,
                                        std::uint64_t def) {
  std::string v = query_param(target, name);
  if (v.empty()) return def;
  std::uint64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return out;
}

HttpResponse outcome_response(const Outcome& o) {
  if (!o.ok) {
    auto code = protocol::to_wire(o.code);
    auto r = json_error(http_status(code), code, o.message);
    if (o.retry_after_ms >= 0) {
      r.headers.emplace_back("Retry-After", std::to_string((o.retry_after_ms + 999) / 1000));
    }
    return r;
  }
  return json_ok("{" + o.fields + "}");
}

// Turns a JSON object body into a protocol frame for `op` (plus fixed leading fields) and
// parses it. Returns the command, or sets *error to a 400 response naming the field.
std::optional<protocol::Command> body_command(const ApiContext& ctx, std::string_view op,
                                              const std::string& leading, const std::string& body,
                                              HttpResponse* error) {
  std::size_t b = body.find_first_not_of(" \t\r\n");
  std::size_t e = body.find_last_not_of(" \t\r\n");
  if (b == std::string::npos || body[b] != '{' || body[e] != '}') {
    *error = json_error(400, "bad_request", "body must be a JSON object");
    return std::nullopt;
  }
  std::string inner = body.substr(b + 1, e - b - 1);
  bool empty = inner.find_first_not_of(" \t\r\n") == std::string::npos;
  std::string frame =
      "{\"op\":\"" + std::string(op) + "\"" + leading + (empty ? "" : "," + inner) + "}";
  auto parsed = protocol::parse_request(frame, ctx.parse_limits);
  if (!parsed.ok()) {
    auto code = protocol::to_wire(parsed.failure->error.code);
    *error = json_error(http_status(code), code, parsed.failure->error.message);
    return std::nullopt;
  }
  return std::move(parsed.request->cmd);
}

}  // namespace

void HttpApi::list_channels(const HttpRequest& req, Respond respond) {
  auto who = bearer_identity(ctx_, req);
  bool staff = who && protocol::is_staff(who->role);
  HttpResponse r;
  JsonWriter w(r.body);
  w.begin_object().key("channels").begin_array();
  for (const auto& ch : ctx_.store.list_channels()) {
    bool visible = !ch.archived && ch.kind != protocol::ChannelKind::private_;
    if (ch.kind == protocol::ChannelKind::private_ && !ch.archived && who) {
      visible = ctx_.moderation.is_member(ch.name, who->id);
    }
    if (!visible && !staff) continue;
    w.raw("{" + channel_fields(ch, ctx_.cfg.knowledge.publish_default) + "}");
  }
  w.end_array().end_object();
  respond(std::move(r));
}

void HttpApi::staff(const HttpRequest& req, const std::string& path, Respond respond) {
  auto who = bearer_identity(ctx_, req);
  if (!who) {
    auto r = json_error(401, "unauthorized", "send Authorization: Bearer <staff JWT>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return respond(std::move(r));
  }
  // A user's own data: the user, or an admin (DESIGN §12).
  if (path.rfind("/api/users/", 0) == 0 && path.ends_with("/export") && path.size() > 18) {
    const std::string user = percent_decode(path.substr(11, path.size() - 11 - 7));
    return export_user(req, user, *who, std::move(respond));
  }
  const Subject subject{who->role, who->guest};
  if (auto d = check(Action::staff_api, subject, nullptr)) {
    return respond(json_error(403, "forbidden", d->message));
  }
  const auto admin_only = check(Action::administer, subject, nullptr);
  if (path.rfind("/api/admin/", 0) == 0) {
    if (admin_only) return respond(json_error(403, "forbidden", admin_only->message));
    return admin(req, path, who->id, std::move(respond));
  }
  if (path == "/api/bots" || path.rfind("/api/bots/", 0) == 0) {
    if (admin_only) return respond(json_error(403, "forbidden", admin_only->message));
    return ctx_.bots.http(req, path, who->id, std::move(respond));
  }
  if (path == "/api/cluster") {
    if (admin_only) return respond(json_error(403, "forbidden", admin_only->message));
    return cluster_status(req, std::move(respond));
  }
  if (path == "/api/webhooks" || path.rfind("/api/webhooks/", 0) == 0) {
    if (admin_only) return respond(json_error(403, "forbidden", admin_only->message));
    return ctx_.webhooks.http(req, path, who->id, std::move(respond));
  }
  const std::string& m = req.method;
  auto done = [respond](Outcome o) { respond(outcome_response(o)); };
  auto& actions = ctx_.actions;
  HttpResponse err;

  if (path == "/api/channels" && m == "POST") {
    auto cmd = body_command(ctx_, "create_channel", "", req.body, &err);
    if (!cmd) return respond(std::move(err));
    return actions.create_channel(*who, std::get<protocol::CreateChannelCmd>(*cmd), done);
  }
  if (path.rfind("/api/channels/", 0) == 0 && m == "PATCH") {
    std::string name = percent_decode(path.substr(14));
    // Each field of the body is one change, validated like its WebSocket op.
    std::vector<protocol::Command> changes;
    std::string ch_json;
    protocol::append_json_string(ch_json, name);
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    simdjson::padded_string padded(req.body);
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS) {
      return respond(json_error(400, "bad_request", "body must be a JSON object"));
    }
    static const std::map<std::string_view, std::pair<const char*, const char*>> kFields = {
        {"title", {"update_channel", "title"}},
        {"archived", {"archive_channel", "archived"}},
        {"locked", {"lock", "locked"}},
        {"slow_mode_s", {"slow_mode", "interval_s"}},
        {"publish", {"update_channel", "publish"}},
    };
    for (auto [key, value] : obj) {
      auto f = kFields.find(key);
      if (f == kFields.end()) {
        return respond(json_error(400, "bad_request",
                                  "unknown field \"" + std::string(key) +
                                      "\" (title, archived, locked, slow_mode_s, publish)"));
      }
      std::string frame =
          "{\"" + std::string(f->second.second) + "\":" + simdjson::minify(value) + "}";
      auto cmd = body_command(ctx_, f->second.first, ",\"channel\":" + ch_json, frame, &err);
      if (!cmd) {
        if (key == "slow_mode_s")
          err = json_error(400, "bad_request", "\"slow_mode_s\" must be an integer 0-86400");
        return respond(std::move(err));
      }
      changes.push_back(std::move(*cmd));
    }
    if (changes.empty()) {
      return respond(json_error(
          400, "bad_request",
          "body needs one of \"title\", \"archived\", \"locked\", \"slow_mode_s\", \"publish\""));
    }
    // One field: the op itself (its own audit action: lock, archive_channel, …). Several: one
    // write, all or nothing (Actions::patch_channel).
    auto done_http = [respond](Outcome o) { respond(outcome_response(o)); };
    if (changes.size() > 1) return ctx_.actions.patch_channel(*who, name, changes, done_http);
    return std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, protocol::UpdateChannelCmd>)
            ctx_.actions.update_channel(*who, c, done_http);
          else if constexpr (std::is_same_v<T, protocol::ArchiveChannelCmd>)
            ctx_.actions.archive_channel(*who, c, done_http);
          else if constexpr (std::is_same_v<T, protocol::LockCmd>)
            ctx_.actions.lock(*who, c, done_http);
          else if constexpr (std::is_same_v<T, protocol::SlowModeCmd>)
            ctx_.actions.slow_mode(*who, c, done_http);
        },
        changes[0]);
  }
  if (path == "/api/reports" && (m == "GET" || m == "HEAD")) {
    std::string st = query_param(req.target, "status");
    std::optional<storage::ReportStatus> status = storage::ReportStatus::open;
    if (st == "upheld")
      status = storage::ReportStatus::upheld;
    else if (st == "dismissed")
      status = storage::ReportStatus::dismissed;
    else if (st == "all")
      status = std::nullopt;
    else if (!st.empty() && st != "open") {
      return respond(
          json_error(400, "bad_request", "\"status\" must be open, upheld, dismissed or all"));
    }
    auto before = query_uint(req.target, "before", 0);
    auto limit = query_uint(req.target, "limit", 50);
    if (!before || !limit || *limit == 0 || *limit > 200) {
      return respond(
          json_error(400, "bad_request", "\"before\" and \"limit\" (1-200) must be integers"));
    }
    return ctx_.readers.post([this, status, b = *before, l = *limit, respond] {
      auto reports = ctx_.store.list_reports(status, b, l + 1);  // one more tells has_more
      bool more = reports.size() > l;
      if (more) reports.pop_back();
      HttpResponse r;
      JsonWriter w(r.body);
      w.begin_object().key("reports").begin_array();
      for (auto& rep : reports) {
        w.begin_object();
        write_report_fields(w, rep);
        w.end_object();
      }
      w.end_array().field("has_more", more).end_object();
      respond(std::move(r));
    });
  }
  if (path.rfind("/api/reports/", 0) == 0 && path.size() > 21 &&
      path.compare(path.size() - 8, 8, "/resolve") == 0 && m == "POST") {
    std::string id = path.substr(13, path.size() - 21);
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      return respond(json_error(404, "not_found", "no such report"));
    }
    auto cmd = body_command(ctx_, "resolve_report", ",\"report_id\":" + id, req.body, &err);
    if (!cmd) return respond(std::move(err));
    return actions.resolve_report(*who, std::get<protocol::ResolveReportCmd>(*cmd), done);
  }
  if (path == "/api/audit" && (m == "GET" || m == "HEAD")) {
    auto before = query_uint(req.target, "before", 0);
    auto limit = query_uint(req.target, "limit", 50);
    if (!before || !limit || *limit == 0 || *limit > 200) {
      return respond(
          json_error(400, "bad_request", "\"before\" and \"limit\" (1-200) must be integers"));
    }
    return ctx_.readers.post([this, b = *before, l = *limit, respond] {
      auto entries = ctx_.store.list_audit(b, l + 1);
      bool more = entries.size() > l;
      if (more) entries.pop_back();
      HttpResponse r;
      JsonWriter w(r.body);
      w.begin_object().key("entries").begin_array();
      for (auto& a : entries) write_audit(w, a);
      w.end_array().field("has_more", more).end_object();
      respond(std::move(r));
    });
  }
  if ((path == "/api/advocates" || path == "/api/at-risk") && (m == "GET" || m == "HEAD")) {
    auto limit = query_uint(req.target, "limit", 50);
    if (!limit || *limit == 0 || *limit > 1000) {
      return respond(json_error(400, "bad_request", "\"limit\" must be an integer 1-1000"));
    }
    if (!ctx_.advocacy.enabled())
      return respond(json_error(404, "not_found", "advocacy is disabled"));
    auto send = [respond](std::string body) { respond(json_ok(std::move(body))); };
    if (path == "/api/advocates") return ctx_.advocacy.advocates(*limit, send);
    return ctx_.advocacy.at_risk(*limit, send);
  }
  if (path == "/api/insights" && (m == "GET" || m == "HEAD")) {
    auto days = query_uint(req.target, "window", ctx_.cfg.advocacy.window_days);
    if (!days || *days == 0 || *days > 3650) {
      return respond(json_error(400, "bad_request", "\"window\" must be a number of days 1-3650"));
    }
    std::string channel = percent_decode(query_param(req.target, "channel"));
    if (!channel.empty() && !protocol::is_valid_channel_name(channel)) {
      return respond(json_error(400, "bad_request", "invalid channel name"));
    }
    if (!ctx_.advocacy.enabled())
      return respond(json_error(404, "not_found", "advocacy is disabled"));
    return ctx_.advocacy.insights(static_cast<int>(*days), channel, [respond](std::string body) {
      respond(json_ok(std::move(body)));
    });
  }
  if (path == "/api/knowledge" && (m == "GET" || m == "HEAD")) {
    auto offset = query_uint(req.target, "offset", 0);
    if (!offset || *offset > 1000000) {
      return respond(json_error(400, "bad_request", "\"offset\" must be an integer 0-1000000"));
    }
    auto limit = query_uint(req.target, "limit", 50);
    if (!limit || *limit == 0 || *limit > 200) {
      return respond(json_error(400, "bad_request", "\"limit\" must be an integer 1-200"));
    }
    if (ctx_.search == nullptr) {
      return respond(json_error(404, "not_found", "search is not enabled on this server"));
    }
    return ctx_.search_service.knowledge(
        static_cast<std::uint32_t>(*offset), static_cast<std::uint32_t>(*limit),
        [respond](std::string body) { respond(json_ok(std::move(body))); });
  }
  if (path.rfind("/api/users/", 0) == 0 && m == "DELETE") {
    if (admin_only) return respond(json_error(403, "forbidden", admin_only->message));
    return ctx_.erasures.http_erase(percent_decode(path.substr(11)), who->id, std::move(respond));
  }
  if (path.rfind("/api/users/", 0) == 0 && (m == "GET" || m == "HEAD")) {
    std::string user = percent_decode(path.substr(11));
    if (!protocol::is_valid_user_id(user))
      return respond(json_error(404, "not_found", "no such user"));
    return ctx_.readers.post([this, user, respond] {
      auto now = now_ms();
      auto rec = ctx_.store.get_user(user);
      auto upheld = ctx_.store.reports_against(user, 50);
      auto ban = ctx_.moderation.ban_for(user, now);
      auto mutes = ctx_.moderation.mutes_of(user, now);
      HttpResponse r;
      JsonWriter w(r.body);
      w.begin_object().field("id", user);
      if (rec) {
        w.field("name", rec->name).field("role", protocol::to_string(rec->role));
        w.field("guest", rec->guest).field("first_seen", rec->first_seen);
        w.field("last_seen", rec->last_seen);
      }
      w.key("ban");
      if (ban)
        write_ban(w, *ban);
      else
        w.null();
      w.key("mutes").begin_array();
      for (auto& mu : mutes) write_mute(w, mu);
      w.end_array();
      if (auto e = ctx_.erasures.last(user)) w.key("erasure").raw("{" + Erasures::fields(*e) + "}");
      w.key("upheld_reports").begin_array();
      for (auto& rep : upheld) {
        w.begin_object();
        write_report_fields(w, rep);
        w.end_object();
      }
      w.end_array().end_object();
      respond(std::move(r));
    });
  }
  respond(json_error(404, "not_found", "no such endpoint"));
}

// GET /api/search?q=…&channel=…&solved=true&limit=…&cursor=…: the `search` op over HTTP. With a
// Bearer token it searches what that user may read; without one, published threads only.
void HttpApi::search(const HttpRequest& req, Respond respond) {
  std::optional<Identity> who;
  if (!req.authorization.empty()) {
    who = bearer_identity(ctx_, req);
    if (!who) {
      auto r = json_error(401, "unauthorized", "the Bearer token is invalid or expired");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return respond(std::move(r));
    }
  }
  const auto& sc = ctx_.cfg.search;
  std::int64_t wait = who ? search_user_limiter_.take(who->id, sc.per_connection_per_min)
                          : search_ip_limiter_.take(req.remote_ip, sc.anonymous_per_ip_per_min);
  if (wait > 0) {
    return respond(outcome_response(
        Outcome::failure(protocol::ErrorCode::rate_limited, "too many searches; slow down", wait)));
  }
  auto param = [&](std::string_view name) { return form_value(req.target, name); };
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("query", param("q"));
  if (std::string ch = param("channel"); !ch.empty()) w.field("channel", ch);
  if (std::string solved = param("solved"); !solved.empty()) {
    if (solved != "true" && solved != "false" && solved != "1" && solved != "0") {
      return respond(json_error(400, "bad_request", "solved must be true or false"));
    }
    w.field("solved", solved == "true" || solved == "1");
  }
  if (std::string limit = param("limit"); !limit.empty()) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc() || p != limit.data() + limit.size()) {
      return respond(json_error(400, "bad_request", "\"limit\" must be an integer from 1 to 50"));
    }
    w.field("limit", n);
  }
  if (std::string cursor = param("cursor"); !cursor.empty()) w.field("cursor", cursor);
  w.end_object();
  HttpResponse err;
  auto cmd = body_command(ctx_, "search", "", body, &err);
  if (!cmd) return respond(std::move(err));
  ctx_.search_service.search(who, std::get<protocol::SearchCmd>(*cmd),
                             [respond](Outcome o) { respond(outcome_response(o)); });
}

}  // namespace parley::server
