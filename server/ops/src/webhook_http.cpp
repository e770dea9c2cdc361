// The admin API of webhooks (DESIGN §10; protocol/PROTOCOL.md §9.9):
//   POST   /api/webhooks                              {url, events, channels?} -> 201 {id, secret,
//   …} GET    /api/webhooks                              -> {webhooks:[…]} (no secrets) DELETE
//   /api/webhooks/ID                           -> {id, deleted} POST   /api/webhooks/ID/rotate ->
//   {id, secret, previous_valid_until} GET    /api/webhooks/ID/deliveries                ->
//   {deliveries:[…]} newest first POST   /api/webhooks/ID/deliveries/DID/retry      -> 202 {id,
//   status}
// Every change is audited and logged as one structured line.
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

constexpr std::size_t kMaxHooks = 100;
constexpr std::size_t kMaxChannels = 100;

std::string new_hook_id() { return "wh_" + random_hex(8); }

// "msg_<n>" -> n (0 when not one).
std::uint64_t parse_delivery_id(std::string_view s) {
  if (s.substr(0, 4) != "msg_") return 0;
  s.remove_prefix(4);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() ? v : 0;
}

void write_hook(JsonWriter& w, const WebhookService::Hook& h) {
  w.begin_object().field("id", h.id).field("url", h.url).key("events").begin_array();
  for (const auto& e : h.events) w.value(e);
  w.end_array().key("channels").begin_array();
  for (const auto& c : h.channels) w.value(c);
  w.end_array().field("created", h.created).field("disabled", h.disabled);
  if (h.disabled) w.field("disabled_reason", h.disabled_reason);
  if (!h.old_secret.empty() && h.old_until > now_ms()) w.field("previous_valid_until", h.old_until);
}

}  // namespace

void WebhookService::save_hook(const Hook& h, const std::string& actor, const std::string& action,
                               std::function<void(bool)> done) {
  storage::WriteRequest req;
  std::optional<std::string> value;
  if (action != "webhook_delete") value = encode_hook(h);
  req.op = storage::OutboxWrite{{{"H" + h.id, std::move(value)}}};
  storage::AuditEntry a;
  a.actor = actor;
  a.action = action;
  std::string details;
  JsonWriter dw(details);
  dw.begin_object().field("webhook", h.id).field("url", h.url).end_object();
  a.details = details;
  req.audit = std::move(a);
  spdlog::info("event={} webhook={} url=\"{}\" by={}", action, h.id, h.url, actor);
  if (!core_.writes.submit(std::move(req), Completion::after_events([done](storage::Committed& c) {
                             done(c.status == storage::WriteStatus::ok);
                           }))) {
    done(false);
  }
}

void WebhookService::put_hook(const Hook& h) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<Hooks>(*hooks_);
  next->insert_or_assign(h.id, h);
  set_hooks(next);
}

void WebhookService::http(const HttpRequest& req, const std::string& path, const std::string& actor,
                          Respond respond) {
  const std::string& m = req.method;
  const auto& cfg = core_.cfg.webhooks;
  // Path segments after /api/webhooks.
  std::vector<std::string> seg;
  for (std::size_t i = std::string_view("/api/webhooks").size(); i < path.size();) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    seg.push_back(path.substr(i, j == std::string::npos ? std::string::npos : j - i));
    i = j == std::string::npos ? path.size() : j;
  }
  auto busy = [respond](bool ok) {
    if (!ok) respond(json_error(503, "internal", "storage busy or failing; nothing was changed"));
    return ok;
  };

  if (seg.empty()) {
    if (m == "GET" || m == "HEAD") {
      auto snap = snapshot();
      std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;  // pending, finished
      {
        std::lock_guard lock(mu_);
        for (const auto& [id, p] : pending_) ++counts[p.hook].first;
        for (const auto& [hook, ids] : finished_) counts[hook].second = ids.size();
      }
      std::string out;
      JsonWriter w(out);
      w.begin_object().key("webhooks").begin_array();
      for (const auto& [id, h] : *snap) {
        write_hook(w, h);
        w.field("pending", counts[id].first).end_object();
      }
      w.end_array().end_object();
      return respond(json_ok(std::move(out)));
    }
    if (m != "POST") return respond(json_error(405, "bad_request", "use GET or POST"));
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    simdjson::padded_string padded(req.body);
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS) {
      return respond(json_error(400, "bad_request", "body must be a JSON object"));
    }
    Hook h;
    bool have_url = false, have_events = false;
    for (auto [key, value] : obj) {
      if (key == "url") {
        std::string_view v;
        if (value.get(v) != simdjson::SUCCESS)
          return respond(json_error(400, "bad_request", "\"url\" must be a string"));
        h.url.assign(v);
        have_url = true;
      } else if (key == "events") {
        simdjson::dom::array a;
        if (value.get(a) != simdjson::SUCCESS) {
          return respond(
              json_error(400, "bad_request", "\"events\" must be an array of event names"));
        }
        if (a.size() == 0) return respond(json_error(400, "bad_request", "\"events\" is empty"));
        if (a.size() > std::size(webhook::kEvents)) {
          return respond(json_error(400, "bad_request",
                                    "\"events\" lists more than " +
                                        std::to_string(std::size(webhook::kEvents)) + " events"));
        }
        for (auto e : a) {
          std::string_view ev;
          if (e.get(ev) != simdjson::SUCCESS || !webhook::known_event(ev)) {
            std::string known;
            for (auto k : webhook::kEvents) known += (known.empty() ? "" : ", ") + std::string(k);
            return respond(json_error(
                400, "bad_request",
                "unknown event " + std::string(simdjson::minify(e)) + " (" + known + ")"));
          }
          if (std::find(h.events.begin(), h.events.end(), ev) == h.events.end())
            h.events.emplace_back(ev);
        }
        have_events = true;
      } else if (key == "channels") {
        simdjson::dom::array a;
        if (value.get(a) != simdjson::SUCCESS) {
          return respond(
              json_error(400, "bad_request", "\"channels\" must be an array of channel names"));
        }
        if (a.size() > kMaxChannels) {
          return respond(
              json_error(400, "bad_request", "\"channels\" lists more than 100 channels"));
        }
        for (auto e : a) {
          std::string_view ch;
          if (e.get(ch) != simdjson::SUCCESS || !protocol::is_valid_channel_name(ch)) {
            return respond(
                json_error(400, "bad_request", "\"channels\" holds an invalid channel name"));
          }
          if (!core_.store.get_channel(ch)) {
            return respond(
                json_error(400, "bad_request", "unknown channel \"" + std::string(ch) + "\""));
          }
          if (std::find(h.channels.begin(), h.channels.end(), ch) == h.channels.end())
            h.channels.emplace_back(ch);
        }
      } else {
        return respond(
            json_error(400, "bad_request",
                       "unknown field \"" + std::string(key) + "\" (url, events, channels)"));
      }
    }
    if (!have_url) return respond(json_error(400, "bad_request", "\"url\" is required"));
    if (!have_events) return respond(json_error(400, "bad_request", "\"events\" is required"));
    // The target check resolves the host: not on this (I/O) thread.
    return core_.readers.post(
        [this, h = std::move(h), actor, respond, allow = cfg.allow_hosts]() mutable {
          const auto t = webhook::check_target(h.url, allow);
          if (!t.ok) return respond(json_error(400, "bad_request", t.error));
          if (snapshot()->size() >= kMaxHooks) {
            return respond(json_error(409, "conflict", "at most 100 webhooks; delete one first"));
          }
          h.id = new_hook_id();
          h.secret = webhook::new_secret();
          h.created = now_ms();
          save_hook(h, actor, "webhook_create", [this, h, respond](bool ok) {
            if (!ok)
              return (void)respond(
                  json_error(503, "internal", "storage busy or failing; nothing was changed"));
            put_hook(h);
            std::string out;
            JsonWriter w(out);
            write_hook(w, h);
            w.field("secret", h.secret).end_object();
            respond(json_ok(std::move(out), 201));
          });
        });
  }

  auto snap = snapshot();
  auto it = snap->find(seg[0]);
  if (it == snap->end())
    return respond(json_error(404, "not_found", "no webhook \"" + seg[0] + "\""));
  Hook h = it->second;

  if (seg.size() == 1) {
    if (m != "DELETE") return respond(json_error(405, "bad_request", "use DELETE"));
    return save_hook(h, actor, "webhook_delete", [this, h, respond, busy](bool ok) {
      if (!busy(ok)) return;
      std::vector<storage::KvEntry> gone;
      {
        std::lock_guard lock(mu_);
        auto next = std::make_shared<Hooks>(*hooks_);
        next->erase(h.id);
        set_hooks(next);
        for (auto p = pending_.begin(); p != pending_.end();) {
          if (p->second.hook == h.id && !in_flight_.contains(p->first)) {
            gone.push_back({storage::OutboxRow{"D", {}, p->first}.key(), std::nullopt});
            p = pending_.erase(p);
            pending_count_.fetch_sub(1, std::memory_order_relaxed);
          } else {
            ++p;
          }
        }
        for (std::uint64_t id : finished_[h.id]) {
          storage::OutboxRow r{"D", {}, id};
          gone.push_back({r.key(), std::nullopt});
        }
        finished_.erase(h.id);
      }
      write(std::move(gone));
      std::string out;
      JsonWriter w(out);
      w.begin_object().field("id", h.id).field("deleted", true).end_object();
      respond(json_ok(std::move(out)));
    });
  }

  if (seg.size() == 2 && seg[1] == "rotate") {
    if (m != "POST") return respond(json_error(405, "bad_request", "use POST"));
    h.old_secret = h.secret;
    h.old_until = now_ms() + static_cast<std::int64_t>(cfg.rotation_overlap_s) * 1000;
    h.secret = webhook::new_secret();
    return save_hook(h, actor, "webhook_rotate", [this, h, respond, busy](bool ok) {
      if (!busy(ok)) return;
      put_hook(h);
      std::string out;
      JsonWriter w(out);
      w.begin_object().field("id", h.id).field("secret", h.secret);
      w.field("previous_valid_until", h.old_until).end_object();
      respond(json_ok(std::move(out)));
    });
  }

  if (seg.size() == 2 && seg[1] == "deliveries") {
    if (m != "GET" && m != "HEAD") return respond(json_error(405, "bad_request", "use GET"));
    std::vector<std::uint64_t> ids;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, p] : pending_)
        if (p.hook == h.id) ids.push_back(id);
      for (std::uint64_t id : finished_[h.id]) ids.push_back(id);
    }
    std::sort(ids.rbegin(), ids.rend());
    if (ids.size() > 200) ids.resize(200);
    flush_writes();  // results still buffered go to the writer first (the log lags less)
    return core_.readers.post([this, ids, respond] {
      std::string out;
      JsonWriter w(out);
      w.begin_object().key("deliveries").begin_array();
      for (std::uint64_t id : ids) {
        storage::OutboxRow r{"D", {}, id};
        auto v = core_.store.outbox_get(r.key());
        if (!v) continue;
        simdjson::dom::parser parser;
        simdjson::dom::object o;
        if (parser.parse(*v).get(o) != simdjson::SUCCESS) continue;
        std::string_view event, status, body;
        std::int64_t created = 0, next_at = 0;
        simdjson::dom::array attempts;
        // A record without these fields is not one this server wrote: left out.
        if (o["event"].get(event) || o["status"].get(status) || o["body"].get(body) ||
            o["created"].get(created) || o["next_at"].get(next_at)) {
          continue;
        }
        w.begin_object().field("id", "msg_" + std::to_string(id)).field("event", event);
        w.field("created", created).field("status", status);
        if (status == "pending") w.field("next_attempt_at", next_at);
        w.key("attempts");
        if (o["attempts"].get(attempts) == simdjson::SUCCESS) {
          w.raw(simdjson::minify(attempts));
        } else {
          w.begin_array().end_array();
        }
        w.key("payload").raw(body).end_object();
      }
      w.end_array().end_object();
      respond(json_ok(std::move(out)));
    });
  }

  if (seg.size() == 4 && seg[1] == "deliveries" && seg[3] == "retry") {
    if (m != "POST") return respond(json_error(405, "bad_request", "use POST"));
    const std::uint64_t id = parse_delivery_id(seg[2]);
    if (h.disabled) return respond(json_error(409, "conflict", "the webhook is disabled"));
    return core_.readers.post([this, id, h, actor, respond] {
      storage::OutboxRow r{"D", {}, id};
      auto v = id ? core_.store.outbox_get(r.key()) : std::nullopt;
      simdjson::dom::parser parser;
      simdjson::dom::object o;
      std::string_view hook, status;
      if (!v || parser.parse(*v).get(o) != simdjson::SUCCESS ||
          o["hook"].get(hook) != simdjson::SUCCESS || hook != h.id) {
        return respond(json_error(404, "not_found", "no such delivery of this webhook"));
      }
      if (o["status"].get(status))
        return respond(json_error(500, "internal", "the delivery record is unreadable"));
      const auto now = now_ms();
      {
        std::lock_guard lock(mu_);
        if (status == "pending" || pending_.contains(id)) {
          return respond(json_error(409, "conflict", "the delivery is pending already"));
        }
      }
      // The stored record says pending again (a restart resumes it) and its schedule starts
      // over. Queued before the delivery threads can see it, so their result is written after.
      flush_writes();  // a result still buffered must not land after this
      auto value = rearm_record(*v, now);
      if (!value) return respond(json_error(500, "internal", "the delivery record is unreadable"));
      storage::WriteRequest req;
      req.op = storage::OutboxWrite{{{r.key(), std::move(*value)}}};
      storage::AuditEntry a;
      a.actor = actor;
      a.action = "webhook_retry";
      a.details = "{\"webhook\":\"" + h.id + "\",\"delivery\":\"msg_" + std::to_string(id) + "\"}";
      req.audit = std::move(a);
      if (!core_.writes.submit(std::move(req))) {
        return respond(json_error(503, "internal", "storage busy; try again"));
      }
      {
        std::lock_guard lock(mu_);
        auto& done = finished_[h.id];
        done.erase(std::remove(done.begin(), done.end(), id), done.end());
        pending_.emplace(id, Pending{h.id, now});
        due_.emplace(now, id);
        pending_count_.fetch_add(1, std::memory_order_relaxed);
      }
      spdlog::info("event=webhook_retry webhook={} delivery=msg_{} by={}", h.id, id, actor);
      cv_.notify_all();
      std::string out;
      JsonWriter w(out);
      w.begin_object()
          .field("id", "msg_" + std::to_string(id))
          .field("status", "pending")
          .end_object();
      respond(json_ok(std::move(out), 202));
    });
  }
  respond(json_error(404, "not_found", "no such endpoint"));
}

}  // namespace parley::server
