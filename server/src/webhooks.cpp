// The webhook service (webhooks.hpp): events into outbox rows, the delivery threads, and the
// question.unanswered clock. The admin API is in webhook_http.cpp, the pure parts in
// webhook_signing.cpp.
#include "webhooks.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>

#include "clock.hpp"
#include "hub.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "records_json.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

constexpr std::string_view kServerAgent = "parley/0.1.0 (webhooks)";
constexpr std::size_t kKeepFinished = 100;     // deliveries kept per webhook for its log
constexpr std::size_t kMaxAttemptsKept = 20;   // attempts recorded in one delivery
constexpr std::size_t kMaxQuestions = 100000;  // questions followed for question.unanswered
constexpr std::int64_t kOverdueMs = 5 * 60 * 1000;  // a due delivery this late: /readyz says so

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

// A delivery record as the JSON kept in the outbox.
struct DeliveryRecord {
  std::string hook, event, body, status = "pending";
  std::int64_t created = 0, next_at = 0;
  std::string attempts = "[]";  // JSON array as stored
  std::size_t attempt_count = 0;
  unsigned failed_in_a_row = 0;
};

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
  if (o["failed_in_a_row"].get(u) == simdjson::SUCCESS) d.failed_in_a_row = static_cast<unsigned>(u);
  if (o["attempts"].get(a) == simdjson::SUCCESS) {
    d.attempts = simdjson::minify(a);
    d.attempt_count = a.size();
  }
  return d;
}

// Appends one attempt to the JSON array `attempts` (dropping the oldest past the bound).
void add_attempt(DeliveryRecord& d, std::int64_t at, long status, const std::string& error, std::int64_t ms) {
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

}  // namespace

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

namespace {

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
    for (auto e : a) if (e.get(s) == simdjson::SUCCESS) h.events.emplace_back(s);
  }
  if (o["channels"].get(a) == simdjson::SUCCESS) {
    for (auto e : a) if (e.get(s) == simdjson::SUCCESS) h.channels.emplace_back(s);
  }
  if (o["secret"].get(s) == simdjson::SUCCESS) h.secret.assign(s);
  if (o["old_secret"].get(s) == simdjson::SUCCESS) h.old_secret.assign(s);
  if (o["old_until"].get(i) == simdjson::SUCCESS) h.old_until = i;
  if (o["disabled"].get(b) == simdjson::SUCCESS) h.disabled = b;
  if (o["disabled_reason"].get(s) == simdjson::SUCCESS) h.disabled_reason.assign(s);
  if (o["created"].get(i) == simdjson::SUCCESS) h.created = i;
  return h;
}

struct CurlEasy {
  CURL* h = curl_easy_init();
  ~CurlEasy() {
    if (h) curl_easy_cleanup(h);
  }
};

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Ends an attempt in flight when the server stops (a graceful stop does not wait for a slow
// receiver's timeout; the delivery stays pending and is sent after the restart).
int abort_when_stopping(void* stopping, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(stopping)->load(std::memory_order_relaxed) ? 1 : 0;
}

std::size_t read_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string_view line(data, size * n);
  auto* retry_after = static_cast<std::string*>(user);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kName) {
      auto v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      retry_after->assign(v);
    }
  }
  return size * n;
}

}  // namespace

bool WebhookService::Hook::wants(std::string_view event, std::string_view channel) const {
  if (disabled) return false;
  if (std::find(events.begin(), events.end(), event) == events.end()) return false;
  return channels.empty() || channel.empty() ||
         std::find(channels.begin(), channels.end(), channel) != channels.end();
}

WebhookService::WebhookService(Hub& hub) : hub_(hub), hooks_(std::make_shared<Hooks>()) {}

WebhookService::~WebhookService() { stop(); }

std::shared_ptr<const WebhookService::Hooks> WebhookService::snapshot() const {
  std::lock_guard lock(mu_);
  return hooks_;
}

void WebhookService::set_hooks(std::shared_ptr<const Hooks> hooks) {
  int enabled = 0;
  for (const auto& [id, h] : *hooks) enabled += h.disabled ? 0 : 1;
  hooks_ = std::move(hooks);
  active_.store(enabled, std::memory_order_relaxed);
}

void WebhookService::start() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto& store = hub_.store();
  auto hooks = std::make_shared<Hooks>();
  for (const auto& [key, value] : store.outbox_scan("H", "", SIZE_MAX)) {
    if (auto h = decode_hook(value)) hooks->emplace(h->id, std::move(*h));
  }
  const auto now = now_ms();
  std::size_t pending = 0;
  {
    std::lock_guard lock(mu_);
    set_hooks(hooks);
    std::string from = "D";
    for (;;) {
      auto page = store.outbox_scan("D", from, 4096);
      for (const auto& [key, value] : page) {
        const std::uint64_t id = delivery_id_of(key);
        auto d = decode(value);
        if (id == 0 || !d) continue;
        if (d->status == "pending") {
          pending_.emplace(id, Pending{d->hook, d->next_at});
          due_.emplace(d->next_at, id);
          ++pending;
        } else {
          finished_[d->hook].push_back(id);
        }
      }
      if (page.size() < 4096) break;
      from = page.back().first + std::string(1, '\0');
    }
  }
  pending_count_.store(pending);
  last_progress_ms_.store(now);
  load_questions(now);
  spdlog::info("event=webhooks_loaded hooks={} pending={}", hooks->size(), pending);
  const unsigned workers = std::max(1u, hub_.config().webhooks.workers);
  for (unsigned i = 0; i < workers; ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "parley-webhook");
      worker();
    });
  }
  // The clock of question.unanswered: every few seconds, bounded by the stop flag.
  threads_.emplace_back([this] {
    pthread_setname_np(pthread_self(), "parley-wh-clock");
    std::unique_lock lock(mu_);
    std::int64_t checked = 0;
    while (!stopping_) {
      clock_cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (stopping_) break;
      lock.unlock();
      flush_writes();
      if (const auto now = now_ms(); now - checked >= 2000) {
        check_unanswered(now);
        checked = now;
      }
      lock.lock();
    }
  });
}

void WebhookService::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  stop_flag_.store(true, std::memory_order_relaxed);
  cv_.notify_all();
  clock_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  flush_writes();  // the results of the last deliveries, before the store closes
}

storage::OutboxRow WebhookService::delivery_row(const Hook& h, std::string_view event,
                                                std::string_view data, std::int64_t now) const {
  DeliveryRecord d;
  d.hook = h.id;
  d.event = std::string(event);
  d.created = now;
  d.next_at = now;
  d.body = payload(event, now, data);
  storage::OutboxRow row;
  row.prefix = "D";
  row.value = encode(d);
  return row;
}

void WebhookService::attach(storage::WriteRequest& req) {
  if (!active()) return;
  auto snap = snapshot();
  std::optional<protocol::ChannelKind> kind;
  if (const auto* am = std::get_if<storage::AppendMessage>(&req.op)) {
    if (protocol::is_dm_channel(am->channel)) return;  // DMs never leave the server
    kind = hub_.store().channel_kind(am->channel);
  } else if (!std::holds_alternative<storage::SetSolved>(req.op) &&
             !std::holds_alternative<storage::CreateReport>(req.op)) {
    return;
  }
  const std::size_t max_pending = hub_.config().webhooks.max_pending;
  req.outbox = [this, snap, kind, max_pending](const storage::WriteOp& op) {
    std::vector<storage::OutboxRow> rows;
    const auto now = now_ms();
    auto add = [&](const Hook& h, std::string_view event, const std::string& data) {
      if (!reserve(max_pending)) return;
      rows.push_back(delivery_row(h, event, data, now));
    };
    if (const auto* am = std::get_if<storage::AppendMessage>(&op)) {
      const std::string msg = message_json(am->channel, am->msg);
      const bool question = kind == protocol::ChannelKind::support && am->msg.reply_to == 0;
      for (const auto& [id, h] : *snap) {
        if (h.wants("message.created", am->channel)) add(h, "message.created", msg);
        if (question && h.wants("question.created", am->channel)) add(h, "question.created", msg);
        if (!am->msg.mentions.empty() && h.wants("user.mentioned", am->channel)) {
          std::string_view rest = am->msg.mentions;
          while (!rest.empty()) {
            const std::size_t sp = rest.find(' ');
            std::string data;
            JsonWriter w(data);
            w.begin_object().field("user", rest.substr(0, sp)).key("message").raw(msg).end_object();
            add(h, "user.mentioned", data);
            rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
          }
        }
      }
    } else if (const auto* s = std::get_if<storage::SetSolved>(&op)) {
      if (s->answer_seq == 0) return rows;
      std::string data;
      JsonWriter w(data);
      w.begin_object().field("channel", s->channel).field("question_seq", s->question_seq);
      w.field("answer_seq", s->answer_seq).key("question");
      write_stored_message(w, s->channel, s->result);
      w.end_object();
      for (const auto& [id, h] : *snap) {
        if (h.wants("question.solved", s->channel)) add(h, "question.solved", data);
      }
    } else if (const auto* r = std::get_if<storage::CreateReport>(&op)) {
      std::string data;
      JsonWriter w(data);
      w.begin_object();
      write_report_fields(w, r->report);
      w.end_object();
      for (const auto& [id, h] : *snap) {
        if (h.wants("report.created", r->report.channel)) add(h, "report.created", data);
      }
    }
    return rows;
  };
}

void WebhookService::attach_events(storage::WriteRequest& req, std::vector<WebhookEvent> events) {
  if (!active() || events.empty()) return;
  auto snap = snapshot();
  const std::size_t max_pending = hub_.config().webhooks.max_pending;
  req.outbox = [this, snap, events = std::move(events), max_pending](const storage::WriteOp&) {
    std::vector<storage::OutboxRow> rows;
    const auto now = now_ms();
    for (const auto& e : events) {
      for (const auto& [id, h] : *snap) {
        if (!h.wants(e.type, e.channel) || !reserve(max_pending)) continue;
        rows.push_back(delivery_row(h, e.type, e.data_json, now));
      }
    }
    return rows;
  };
}

bool WebhookService::reserve(std::size_t max_pending) {
  if (pending_count_.load(std::memory_order_relaxed) + batch_reserved_ >= max_pending) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ++batch_reserved_;
  return true;
}

void WebhookService::on_committed(const std::vector<storage::Committed>& batch) {
  batch_reserved_ = 0;  // the batch's rows are pending now (or were not written at all)
  std::size_t added = 0;
  for (const auto& c : batch) {
    // Questions to watch for question.unanswered (only while someone may want them).
    if (c.status == storage::WriteStatus::ok && active()) {
      if (const auto* am = std::get_if<storage::AppendMessage>(&c.req.op)) {
        if (hub_.store().channel_kind(am->channel) == protocol::ChannelKind::support) {
          std::lock_guard lock(questions_mu_);
          const std::pair<std::string, std::uint64_t> me{am->channel, am->msg.seq};
          if (am->msg.reply_to == 0) {
            if (questions_.size() < kMaxQuestions) {
              questions_.emplace(me, Question{am->msg.ts, am->msg.from_id});
            }
          } else {
            std::uint64_t q = am->msg.reply_to;
            if (auto t = thread_of_.find({am->channel, q}); t != thread_of_.end()) q = t->second;
            auto it = questions_.find({am->channel, q});
            if (it != questions_.end()) {
              if (it->second.asker != am->msg.from_id) {
                questions_.erase(it);  // answered
              } else if (thread_of_.size() < kMaxQuestions) {
                thread_of_.emplace(me, q);  // the asker adds detail: replies to it answer too
              }
            }
          }
        }
      }
    }
    if (c.req.outbox_rows.empty()) continue;
    std::lock_guard lock(mu_);
    for (const auto& row : c.req.outbox_rows) {
      if (row.prefix != "D") continue;
      auto d = decode(row.value);
      if (!d) continue;
      pending_.emplace(row.id, Pending{d->hook, d->next_at});
      due_.emplace(d->next_at, row.id);
      pending_count_.fetch_add(1, std::memory_order_relaxed);
      ++added;
    }
  }
  // As many workers as there is work for (waking all of them for one row makes them fight
  // over the lock: perf, fan-out with 5 webhooks).
  for (std::size_t i = 0; i < std::min<std::size_t>(added, threads_.size()); ++i) cv_.notify_one();
}

void WebhookService::write(std::vector<storage::KvEntry> entries) {
  if (entries.empty()) return;
  // Delivery results are batched: one write per 64 records or per 100 ms (the clock thread
  // flushes), not one per delivery. A crash may lose the last results: those deliveries are
  // sent again, with their ids (at least once).
  bool full = false;
  {
    std::lock_guard lock(writes_mu_);
    for (auto& e : entries) writes_.push_back(std::move(e));
    full = writes_.size() >= 64;
  }
  if (full) flush_writes();
}

void WebhookService::flush_writes() {
  std::vector<storage::KvEntry> entries;
  {
    std::lock_guard lock(writes_mu_);
    entries.swap(writes_);
  }
  if (entries.empty()) return;
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{std::move(entries)};
  // A full queue is retried: the record must not be lost (the delivery threads may wait).
  for (int i = 0; i < 200 && !hub_.store().submit(std::move(req)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void WebhookService::worker() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = now_ms();
    auto it = due_.begin();
    while (it != due_.end() && in_flight_.contains(it->second)) ++it;
    if (it == due_.end()) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    if (it->first > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(it->first - now, 1000)));
      continue;
    }
    const std::uint64_t id = it->second;
    due_.erase(it);
    auto p = pending_.find(id);
    if (p == pending_.end()) continue;
    const std::string hook = p->second.hook;
    in_flight_.insert(id);
    lock.unlock();
    deliver(id, hook);
    lock.lock();
    in_flight_.erase(id);
  }
}

void WebhookService::deliver(std::uint64_t id, const std::string& hook_id) {
  const std::string key = delivery_key(id);
  auto value = hub_.store().outbox_get(key);
  std::optional<DeliveryRecord> d = value ? decode(*value) : std::nullopt;
  std::vector<storage::KvEntry> writes;
  auto snap = snapshot();
  auto h = snap->find(hook_id);
  if (!d) {
    // Gone (the webhook was deleted meanwhile): forget it.
    std::lock_guard lock(mu_);
    if (pending_.erase(id)) pending_count_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  const auto now = now_ms();
  if (h == snap->end()) {
    // Deleted while this delivery was on its way here: it goes with its webhook.
    writes.push_back({key, std::nullopt});
    {
      std::lock_guard lock(mu_);
      if (pending_.erase(id)) pending_count_.fetch_sub(1, std::memory_order_relaxed);
    }
    return write(std::move(writes));
  }
  if (h->second.disabled) {
    d->status = "failed";
    add_attempt(*d, now, 0, "webhook disabled", 0);
    writes.push_back({key, encode(*d)});
    failed_.fetch_add(1, std::memory_order_relaxed);
    finish(id, hook_id, writes);
    return write(std::move(writes));
  }
  const Hook& hook = h->second;
  const auto target = checked_target(hook.url);
  long status = 0;
  std::string error, retry_after;
  const auto t0 = std::chrono::steady_clock::now();
  if (!target.ok) {
    error = target.error;
  } else {
    const std::string msg_id = "msg_" + std::to_string(id);
    const std::int64_t ts = now / 1000;
    std::string signature = webhook::sign(hook.secret, msg_id, ts, d->body);
    if (!hook.old_secret.empty() && now < hook.old_until) {
      signature += " " + webhook::sign(hook.old_secret, msg_id, ts, d->body);
    }
    thread_local CurlEasy curl;
    CURL* c = curl.h;
    curl_easy_reset(c);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("webhook-id: " + msg_id).c_str());
    headers = curl_slist_append(headers, ("webhook-timestamp: " + std::to_string(ts)).c_str());
    headers = curl_slist_append(headers, ("webhook-signature: " + signature).c_str());
    headers = curl_slist_append(headers, "Expect:");
    curl_slist* resolve = nullptr;
    if (!target.pin.empty()) resolve = curl_slist_append(resolve, target.pin.c_str());
    curl_easy_setopt(c, CURLOPT_URL, hook.url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d->body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_USERAGENT, std::string(kServerAgent).c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(hub_.config().webhooks.timeout_s));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is a failure (the spec)
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &discard_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &read_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &abort_when_stopping);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &stop_flag_);
    const CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    } else {
      error = curl_easy_strerror(rc);
    }
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0).count();
  if (stop_flag_.load(std::memory_order_relaxed) && status == 0) return;  // stopped: still pending
  attempts_.fetch_add(1, std::memory_order_relaxed);
  last_progress_ms_.store(now_ms(), std::memory_order_relaxed);
  if (error.empty() && (status < 200 || status > 299)) error = "HTTP " + std::to_string(status);
  add_attempt(*d, now, status, status >= 200 && status <= 299 ? "" : error, ms);

  if (status >= 200 && status <= 299) {
    d->status = "delivered";
    d->failed_in_a_row = 0;
    delivered_.fetch_add(1, std::memory_order_relaxed);
    writes.push_back({key, encode(*d)});
    finish(id, hook_id, writes);
    spdlog::debug("event=webhook_delivered hook={} id=msg_{} ms={}", hook_id, id, ms);
    return write(std::move(writes));
  }
  if (status == 410) {
    // Gone: the receiver asks us to stop. The webhook is disabled, its deliveries end.
    {
      std::lock_guard lock(mu_);  // copy, change and publish under one lock: no change is lost
      auto next = std::make_shared<Hooks>(*hooks_);
      if (auto it = next->find(hook_id); it != next->end()) {
        it->second.disabled = true;
        it->second.disabled_reason = "the endpoint answered 410 Gone";
        writes.push_back({"H" + hook_id, encode_hook(it->second)});
        set_hooks(next);
      }
    }
    spdlog::warn("event=webhook_disabled hook={} reason=410", hook_id);
    d->status = "failed";
    failed_.fetch_add(1, std::memory_order_relaxed);
    writes.push_back({key, encode(*d)});
    finish(id, hook_id, writes);
    return write(std::move(writes));
  }
  ++d->failed_in_a_row;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::optional<std::int64_t> delay =
      webhook::retry_delay_ms(d->failed_in_a_row, std::uniform_real_distribution<double>(-1, 1)(rng));
  if (delay && (status == 429 || status == 502 || status == 504) && !retry_after.empty()) {
    // Retry-After in seconds (an HTTP date is not honoured: the schedule applies), at most a day.
    std::int64_t s = 0;
    auto [p, ec] = std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), s);
    if (ec == std::errc() && p == retry_after.data() + retry_after.size() && s >= 0) {
      delay = std::min<std::int64_t>(s, 86400) * 1000;
    }
  }
  if (!delay) {
    d->status = "failed";
    failed_.fetch_add(1, std::memory_order_relaxed);
    writes.push_back({key, encode(*d)});
    finish(id, hook_id, writes);
    spdlog::warn("event=webhook_failed hook={} id=msg_{} attempts={} error=\"{}\"", hook_id, id,
                 d->attempt_count, error);
    return write(std::move(writes));
  }
  d->next_at = now_ms() + *delay;
  writes.push_back({key, encode(*d)});
  write(std::move(writes));
  std::lock_guard lock(mu_);
  if (auto p = pending_.find(id); p != pending_.end()) {
    p->second.next_at = d->next_at;
    due_.emplace(d->next_at, id);
  }
}

webhook::Target WebhookService::checked_target(const std::string& url) {
  // A check resolves the host; its result (and the address it pinned) is reused for a few
  // seconds, so a busy webhook is not one DNS lookup per delivery. Still checked again after
  // that, and a new webhook's URL is checked when it is made.
  constexpr std::int64_t kReuseMs = 10'000;
  const auto now = now_ms();
  {
    std::lock_guard lock(targets_mu_);
    if (auto it = targets_.find(url); it != targets_.end() && now - it->second.first < kReuseMs) {
      return it->second.second;
    }
  }
  auto t = webhook::check_target(url, hub_.config().webhooks.allow_hosts);
  std::lock_guard lock(targets_mu_);
  if (targets_.size() > 1000) targets_.clear();
  targets_.insert_or_assign(url, std::pair{now, t});
  return t;
}

void WebhookService::finish(std::uint64_t id, const std::string& hook,
                            std::vector<storage::KvEntry>& writes) {
  std::lock_guard lock(mu_);
  if (pending_.erase(id)) pending_count_.fetch_sub(1, std::memory_order_relaxed);
  auto& done = finished_[hook];
  done.push_back(id);
  while (done.size() > kKeepFinished) {
    writes.push_back({delivery_key(done.front()), std::nullopt});
    done.pop_front();
  }
}

void WebhookService::load_questions(std::int64_t now) {
  if (!active()) return;
  auto& store = hub_.store();
  const std::int64_t after = static_cast<std::int64_t>(hub_.config().webhooks.unanswered_after_s) * 1000;
  const std::int64_t from = now - 2 * after;
  std::lock_guard lock(questions_mu_);
  for (const auto& info : store.list_channels()) {
    if (info.kind != protocol::ChannelKind::support) continue;
    std::uint64_t seq = store.first_seq_since(info.name, from) - 1;
    for (int pages = 0; pages < 40; ++pages) {  // at most 10,240 messages per channel
      auto msgs = store.read_after(info.name, seq, 256);
      for (const auto& m : msgs) {
        const std::pair<std::string, std::uint64_t> me{info.name, m.seq};
        if (m.reply_to == 0) {
          if (!m.deleted && questions_.size() < kMaxQuestions &&
              !store.outbox_get(unanswered_key(info.name, m.seq))) {
            questions_.emplace(me, Question{m.ts, m.from_id});
          }
          continue;
        }
        std::uint64_t q = m.reply_to;
        if (auto t = thread_of_.find({info.name, q}); t != thread_of_.end()) q = t->second;
        auto it = questions_.find({info.name, q});
        if (it == questions_.end()) continue;
        if (it->second.asker != m.from_id) {
          questions_.erase(it);
        } else {
          thread_of_.emplace(me, q);
        }
      }
      if (msgs.size() < 256) break;
      seq = msgs.back().seq;
    }
  }
}

void WebhookService::check_unanswered(std::int64_t now) {
  const std::int64_t after = static_cast<std::int64_t>(hub_.config().webhooks.unanswered_after_s) * 1000;
  std::vector<std::pair<std::pair<std::string, std::uint64_t>, Question>> due;
  {
    std::lock_guard lock(questions_mu_);
    for (auto it = questions_.begin(); it != questions_.end();) {
      if (now - it->second.ts >= after) {
        due.emplace_back(it->first, it->second);
        it = questions_.erase(it);
      } else {
        ++it;
      }
    }
    // Replies of threads no longer followed are not needed either.
    if (due.size() > 0 || thread_of_.size() > kMaxQuestions / 2) {
      std::erase_if(thread_of_, [&](const auto& e) {
        return !questions_.contains({e.first.first, e.second});
      });
    }
  }
  for (const auto& [ref, q] : due) {
    auto m = hub_.store().get_message(ref.first, ref.second);
    if (!m || m->deleted) continue;
    std::string data;
    JsonWriter w(data);
    w.begin_object().field("channel", ref.first).field("seq", ref.second);
    w.field("waiting_s", (now - q.ts) / 1000).key("question");
    write_stored_message(w, ref.first, *m);
    w.end_object();
    storage::WriteRequest req;
    // The mark and the deliveries in one batch: sent once, also across restarts.
    req.op = storage::OutboxWrite{{{unanswered_key(ref.first, ref.second), std::to_string(q.ts)}}};
    attach_events(req, {WebhookEvent{"question.unanswered", ref.first, data}});
    if (!hub_.store().submit(std::move(req))) {
      std::lock_guard lock(questions_mu_);
      questions_.emplace(ref, q);  // the queue is full: the next tick tries again
    }
  }
}

WebhookService::Stats WebhookService::stats() const {
  Stats s;
  auto snap = snapshot();
  s.hooks = snap->size();
  for (const auto& [id, h] : *snap) s.disabled += h.disabled ? 1 : 0;
  s.pending = pending_count_.load(std::memory_order_relaxed);
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.attempts = attempts_.load(std::memory_order_relaxed);
  return s;
}

std::optional<std::string> WebhookService::problem() const {
  const auto max = hub_.config().webhooks.max_pending;
  if (pending_count_.load(std::memory_order_relaxed) >= max) {
    return "webhook outbox full (" + std::to_string(max) + " deliveries pending)";
  }
  std::lock_guard lock(mu_);
  const auto now = now_ms();
  for (const auto& [at, id] : due_) {
    if (in_flight_.contains(id)) continue;
    if (now - at > kOverdueMs) {
      return "webhook outbox stuck: a delivery is " + std::to_string((now - at) / 1000) +
             " s overdue";
    }
    break;
  }
  return std::nullopt;
}

}  // namespace parley::server
