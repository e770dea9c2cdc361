// The webhook service (webhooks.hpp): the webhooks in memory, events into outbox rows, start
// and stop, health. Also: webhook_records.cpp (stored form), webhook_delivery.cpp (the delivery
// threads), webhook_questions.cpp (question.unanswered), webhook_http.cpp (the admin API),
// webhook_signing.cpp (signatures, targets, schedule).
#include "parley/ops/webhooks.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/ops/webhook_records.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::JsonWriter;
using namespace webhook_records;

namespace {
// The delivery threads' nice value (the rest of the process runs at 0): under a load that
// takes every core, deliveries get what chat leaves (docs/PERFORMANCE.md, webhooks).
constexpr int kDeliveryNice = 19;
constexpr std::int64_t kOverdueMs = 5 * 60 * 1000;  // a due delivery this late: /readyz says so
}  // namespace

bool WebhookService::Hook::wants(std::string_view event, std::string_view channel) const {
  if (disabled) return false;
  if (std::find(events.begin(), events.end(), event) == events.end()) return false;
  return channels.empty() || channel.empty() ||
         std::find(channels.begin(), channels.end(), channel) != channels.end();
}

WebhookService::WebhookService(Core& core) : core_(core), hooks_(std::make_shared<Hooks>()) {}

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
  auto& store = core_.store;
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
  const unsigned workers = std::max(1u, core_.cfg.webhooks.workers);
  for (unsigned i = 0; i < workers; ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "parley-webhook");
      // Below the I/O and storage threads: deliveries lag (bounded by max_pending) instead of
      // slowing the message path.
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kDeliveryNice);
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
    kind = core_.store.channel_kind(am->channel);
  } else if (!std::holds_alternative<storage::SetSolved>(req.op) &&
             !std::holds_alternative<storage::CreateReport>(req.op)) {
    return;
  }
  const std::size_t max_pending = core_.cfg.webhooks.max_pending;
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
      // A report quotes the message: one of a DM stays in the server like the DM itself.
      if (protocol::is_dm_channel(r->report.channel)) return rows;
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
  const std::size_t max_pending = core_.cfg.webhooks.max_pending;
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
      const auto* am = std::get_if<storage::AppendMessage>(&c.req.op);
      if (am && core_.store.channel_kind(am->channel) == protocol::ChannelKind::support) {
        std::lock_guard lock(questions_mu_);
        note_question(am->channel, am->msg);
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
  const auto max = core_.cfg.webhooks.max_pending;
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
