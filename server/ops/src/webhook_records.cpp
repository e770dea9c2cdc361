// webhook_records.hpp: the stored form of webhooks and their deliveries.
#include "parley/ops/webhook_records.hpp"

#include <simdjson.h>

#include "parley/ops/records_json.hpp"
#include "parley/protocol/serialize.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace webhook_records {

namespace {
constexpr std::size_t kMaxAttemptsKept = 20;  // attempts recorded in one delivery
}  // namespace

std::string delivery_key(std::uint64_t id) {
  storage::OutboxRow r;
  r.prefix = "D";
  r.id = id;
  return r.key();
}

std::uint64_t delivery_id_of(std::string_view key) {
  if (key.size() != 9 || key[0] != 'D') return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < 9; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

std::string unanswered_key(const std::string& channel, std::uint64_t seq) {
  storage::OutboxRow r;
  r.prefix = "U" + channel + std::string(1, '\0');
  r.id = seq;
  return r.key();
}

// The Standard Webhooks payload: {"type","timestamp","data"}.
std::string payload(std::string_view type, std::int64_t now, std::string_view data) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", type).field("timestamp", webhook::iso8601_ms(now));
  w.key("data").raw(data).end_object();
  return out;
}

std::string message_json(const std::string& channel, const storage::StoredMessage& m) {
  std::string out;
  JsonWriter w(out);
  write_stored_message(w, channel, m);
  return out;
}

std::string encode(const DeliveryRecord& d) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("hook", d.hook).field("event", d.event).field("created", d.created);
  w.field("status", d.status).field("next_at", d.next_at);
  w.field("failed_in_a_row", static_cast<std::uint64_t>(d.failed_in_a_row));
  w.field("body", d.body).key("attempts").raw(d.attempts).end_object();
  return out;
}

std::optional<DeliveryRecord> decode(const std::string& value) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(value).get(o) != simdjson::SUCCESS) return std::nullopt;
  DeliveryRecord d;
  std::string_view s;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  simdjson::dom::array a;
  if (o["hook"].get(s) != simdjson::SUCCESS) return std::nullopt;
  d.hook.assign(s);
  if (o["event"].get(s) == simdjson::SUCCESS) d.event.assign(s);
  if (o["body"].get(s) == simdjson::SUCCESS) d.body.assign(s);
  if (o["status"].get(s) == simdjson::SUCCESS) d.status.assign(s);
  if (o["created"].get(i) == simdjson::SUCCESS) d.created = i;
  if (o["next_at"].get(i) == simdjson::SUCCESS) d.next_at = i;
  if (o["failed_in_a_row"].get(u) == simdjson::SUCCESS)
    d.failed_in_a_row = static_cast<unsigned>(u);
  if (o["attempts"].get(a) == simdjson::SUCCESS) {
    d.attempts = simdjson::minify(a);
    d.attempt_count = a.size();
  }
  return d;
}

// Appends one attempt to the JSON array `attempts` (dropping the oldest past the bound).
void add_attempt(DeliveryRecord& d, std::int64_t at, long status, const std::string& error,
                 std::int64_t ms) {
  std::string one;
  JsonWriter w(one);
  w.begin_object().field("at", at);
  if (status > 0) w.field("status", static_cast<std::int64_t>(status));
  if (!error.empty()) w.field("error", error);
  w.field("ms", ms).end_object();
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  std::string out = "[";
  std::size_t kept = 0;
  if (parser.parse(d.attempts).get(a) == simdjson::SUCCESS) {
    const std::size_t skip = a.size() + 1 > kMaxAttemptsKept ? a.size() + 1 - kMaxAttemptsKept : 0;
    std::size_t i = 0;
    for (auto e : a) {
      if (i++ < skip) continue;
      if (kept++) out += ',';
      out += simdjson::minify(e);
    }
  }
  if (kept) out += ',';
  out += one + "]";
  d.attempts = std::move(out);
  ++d.attempt_count;
}

std::optional<WebhookService::Hook> decode_hook(const std::string& value) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(value).get(o) != simdjson::SUCCESS) return std::nullopt;
  WebhookService::Hook h;
  std::string_view s;
  std::int64_t i = 0;
  bool b = false;
  simdjson::dom::array a;
  if (o["id"].get(s) != simdjson::SUCCESS) return std::nullopt;
  h.id.assign(s);
  if (o["url"].get(s) == simdjson::SUCCESS) h.url.assign(s);
  if (o["events"].get(a) == simdjson::SUCCESS) {
    for (auto e : a)
      if (e.get(s) == simdjson::SUCCESS) h.events.emplace_back(s);
  }
  if (o["channels"].get(a) == simdjson::SUCCESS) {
    for (auto e : a)
      if (e.get(s) == simdjson::SUCCESS) h.channels.emplace_back(s);
  }
  if (o["secret"].get(s) == simdjson::SUCCESS) h.secret.assign(s);
  if (o["old_secret"].get(s) == simdjson::SUCCESS) h.old_secret.assign(s);
  if (o["old_until"].get(i) == simdjson::SUCCESS) h.old_until = i;
  if (o["disabled"].get(b) == simdjson::SUCCESS) h.disabled = b;
  if (o["disabled_reason"].get(s) == simdjson::SUCCESS) h.disabled_reason.assign(s);
  if (o["created"].get(i) == simdjson::SUCCESS) h.created = i;
  return h;
}

}  // namespace webhook_records

using namespace webhook_records;

// Hooks as stored ("H" id -> JSON).
std::string WebhookService::encode_hook(const Hook& h) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("id", h.id).field("url", h.url).key("events").begin_array();
  for (const auto& e : h.events) w.value(e);
  w.end_array().key("channels").begin_array();
  for (const auto& c : h.channels) w.value(c);
  w.end_array().field("secret", h.secret).field("old_secret", h.old_secret);
  w.field("old_until", h.old_until).field("disabled", h.disabled);
  w.field("disabled_reason", h.disabled_reason).field("created", h.created).end_object();
  return out;
}

std::optional<std::string> WebhookService::rearm_record(const std::string& value,
                                                        std::int64_t now) {
  auto d = decode(value);
  if (!d) return std::nullopt;
  d->status = "pending";
  d->next_at = now;
  d->failed_in_a_row = 0;
  return encode(*d);
}

}  // namespace parley::server
