// The email service (email.hpp): events into notifications and the mailer thread. Also:
// email_compose.cpp (the mail itself), email_smtp.cpp (sending it), email_http.cpp
// (/unsubscribe).
#include "parley/ops/email.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

constexpr std::size_t kMaxPerUser = 500;  // notifications kept waiting for one user
constexpr unsigned kMaxFailures = 6;      // attempts at one mail before giving up
constexpr std::size_t kEventsPerRound = 256;
// Waits after the 1st, 2nd, … failed attempt at a user's mail.
constexpr std::int64_t kRetryMs[kMaxFailures] = {30'000,    120'000,   600'000,
                                                 1'800'000, 3'600'000, 7'200'000};

std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
  return out;
}

std::string event_key(std::uint64_t id) { return "Q" + be64(id); }
std::string items_prefix(const std::string& user) { return "M" + user + std::string(1, '\0'); }
std::string sent_key(const std::string& user) { return "S" + user; }

std::uint64_t event_id_of(std::string_view key) {
  if (key.size() != 9 || key[0] != 'Q') return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < 9; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

// The user of an "M" key ("" when it is not one).
std::string user_of_item(std::string_view key) {
  if (key.size() < 18 || key[0] != 'M') return {};
  const std::size_t nul = key.find('\0', 1);
  if (nul == std::string_view::npos) return {};
  return std::string(key.substr(1, nul - 1));
}

bool is_message_kind(mail::Kind k) {
  return k == mail::Kind::dm || k == mail::Kind::mention || k == mail::Kind::reply ||
         k == mail::Kind::answer;
}

std::string event_json(std::string_view type, const std::string& channel, std::uint64_t seq,
                       std::uint64_t answer_seq, const std::string& by) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("type", type).field("channel", channel).field("seq", seq);
  if (answer_seq != 0) w.field("answer_seq", answer_seq);
  if (!by.empty()) w.field("by", by);
  w.end_object();
  return out;
}

}  // namespace

EmailService::EmailService(Core& core, const std::string& secret)
    : core_(core), secret_(secret), enabled_(!core.cfg.email.smtp_url.empty()) {}

EmailService::~EmailService() { stop(); }

std::string EmailService::server_url() const {
  const auto& cfg = core_.cfg;
  return cfg.email.server_url.empty() ? cfg.knowledge.base_url : cfg.email.server_url;
}

void EmailService::start() {
  if (!enabled_) return;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto& store = core_.store;
  std::size_t events = 0, items = 0;
  std::map<std::string, std::pair<std::int64_t, std::size_t>> first;  // user -> oldest, count
  for (std::string from = "Q";;) {
    auto page = store.outbox_scan("Q", from, 4096);
    for (const auto& [key, value] : page) {
      if (auto id = event_id_of(key)) events_.insert(id), ++events;
    }
    if (page.size() < 4096) break;
    from = page.back().first + std::string(1, '\0');
  }
  for (std::string from = "M";;) {
    auto page = store.outbox_scan("M", from, 4096);
    for (const auto& [key, value] : page) {
      const std::string user = user_of_item(key);
      auto item = mail::decode_item(value);
      if (user.empty() || !item) continue;
      auto [it, fresh] = first.emplace(user, std::pair{item->created, std::size_t{0}});
      it->second.first = std::min(it->second.first, item->created);
      ++it->second.second;
      ++items;
    }
    if (page.size() < 4096) break;
    from = page.back().first + std::string(1, '\0');
  }
  pending_.store(items);
  for (const auto& [user, oldest] : first) {
    schedule(user, oldest.first);
    due_[user].count = oldest.second;
  }
  spdlog::info("event=email_loaded events={} notifications={} users={}", events, items,
               first.size());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "parley-mailer");
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);  // background work, as webhooks
    run();
  });
}

void EmailService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_flag_.store(true, std::memory_order_relaxed);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// --- events ---------------------------------------------------------------------------------

void EmailService::attach(storage::WriteRequest& req, const std::string& by) {
  if (!enabled_) return;
  if (const auto* am = std::get_if<storage::AppendMessage>(&req.op)) {
    const bool concerns =
        protocol::is_dm_channel(am->channel) || am->msg.reply_to != 0 || !am->msg.mentions.empty();
    if (!concerns) return;
  } else if (!std::holds_alternative<storage::SetSolved>(req.op)) {
    return;
  }
  auto before = std::move(req.outbox);
  req.outbox = [before = std::move(before), by](const storage::WriteOp& op) {
    std::vector<storage::OutboxRow> rows;
    if (before) rows = before(op);
    storage::OutboxRow row;
    row.prefix = "Q";
    if (const auto* am = std::get_if<storage::AppendMessage>(&op)) {
      row.value = event_json("message", am->channel, am->msg.seq, 0, {});
    } else if (const auto* s = std::get_if<storage::SetSolved>(&op)) {
      if (s->answer_seq == 0) return rows;
      row.value = event_json("solved", s->channel, s->question_seq, s->answer_seq, by);
    } else {
      return rows;
    }
    rows.push_back(std::move(row));
    return rows;
  };
}

void EmailService::helpful(const std::string& channel, std::uint64_t seq, const std::string& by) {
  if (!enabled_) return;
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{};
  const std::string value = event_json("helpful", channel, seq, 0, by);
  req.outbox = [value](const storage::WriteOp&) {
    storage::OutboxRow row;
    row.prefix = "Q";
    row.value = value;
    return std::vector<storage::OutboxRow>{std::move(row)};
  };
  if (!core_.writes.submit(std::move(req))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);  // the queue is full: the mark stands
  }
}

void EmailService::on_committed(const std::vector<storage::Committed>& batch) {
  if (!enabled_) return;
  bool added = false;
  for (const auto& c : batch) {
    for (const auto& row : c.req.outbox_rows) {
      if (row.prefix != "Q") continue;
      std::lock_guard lock(mu_);
      events_.insert(row.id);
      added = true;
    }
  }
  if (added) cv_.notify_one();
}

// --- the mailer -------------------------------------------------------------------------------

void EmailService::run() {
  for (;;) {
    std::int64_t next = INT64_MAX, oldest = INT64_MAX;
    unsigned failures = 0;
    for (const auto& [user, d] : due_) {
      next = std::min(next, d.at);
      if (d.first_at < oldest) oldest = d.first_at, failures = d.failures;
    }
    oldest_due_.store(oldest, std::memory_order_relaxed);
    oldest_failures_.store(failures, std::memory_order_relaxed);
    const std::int64_t wait_ms =
        std::clamp<std::int64_t>(next == INT64_MAX ? 1000 : next - now_ms(), 0, 1000);
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                   [this] { return stopping_ || !events_.empty(); });
      if (stopping_) return;
    }
    resolve_events();
    send_due(now_ms());
  }
}

void EmailService::release(std::uint64_t n) {
  std::uint64_t cur = pending_.load(std::memory_order_relaxed);
  while (!pending_.compare_exchange_weak(cur, cur > n ? cur - n : 0, std::memory_order_relaxed)) {
  }
}

bool EmailService::write(std::vector<storage::KvEntry> entries) {
  if (entries.empty()) return true;
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{std::move(entries)};
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  if (!core_.writes.submit(std::move(req), Completion::after_events([done](storage::Committed& c) {
                             done->set_value(c.status == storage::WriteStatus::ok);
                           }))) {
    return false;
  }
  return result.get();
}

void EmailService::resolve_events() {
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    while (!events_.empty() && ids.size() < kEventsPerRound) {
      ids.push_back(*events_.begin());
      events_.erase(events_.begin());
    }
  }
  if (ids.empty()) return;
  std::vector<storage::KvEntry> writes;
  std::map<std::string, std::int64_t> touched;  // user -> notifications added
  for (auto id : ids) {
    const std::string key = event_key(id);
    if (auto value = core_.store.outbox_get(key)) resolve(id, *value, writes, touched);
    writes.push_back({key, std::nullopt});
  }
  std::uint64_t added = 0;
  for (const auto& [user, n] : touched) added += static_cast<std::uint64_t>(n);
  if (!write(std::move(writes))) {
    // The store refused (full queue, or closing): the events stay and are tried again.
    std::lock_guard lock(mu_);
    events_.insert(ids.begin(), ids.end());
    return;
  }
  pending_.fetch_add(added, std::memory_order_relaxed);
  for (const auto& [user, n] : touched) {
    schedule(user, now_ms());
    due_[user].count += static_cast<std::size_t>(n);
  }
}

void EmailService::resolve(std::uint64_t id, const std::string& value,
                           std::vector<storage::KvEntry>& writes,
                           std::map<std::string, std::int64_t>& touched) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(value).get(o) != simdjson::SUCCESS) return;
  std::string_view type, channel_view, by_view;
  std::uint64_t seq = 0, answer_seq = 0;
  if (o["type"].get(type) || o["channel"].get(channel_view) || o["seq"].get(seq)) return;
  if (o["answer_seq"].get(answer_seq) != simdjson::SUCCESS) answer_seq = 0;
  if (o["by"].get(by_view) != simdjson::SUCCESS) by_view = {};
  const std::string channel(channel_view), by(by_view);
  auto& store = core_.store;
  std::string by_name = by;
  if (!by.empty()) {
    if (auto u = store.get_user(by)) by_name = u->name;
  }
  const auto info = store.get_channel(channel);
  if (!info) return;
  const auto now = now_ms();

  // Who is told what, first reason first: (user, item).
  std::vector<std::pair<std::string, mail::Item>> out;
  auto add = [&](const std::string& user, mail::Kind kind, const storage::StoredMessage& m,
                 const std::string& from, std::uint64_t read_seq) {
    for (const auto& [u, it] : out) {
      if (u == user) return;
    }
    mail::Item it;
    it.kind = kind;
    it.channel = channel;
    it.seq = m.seq;
    it.ts = kind == mail::Kind::helpful || kind == mail::Kind::solved ? now : m.ts;
    it.from = from;
    it.text = mail::excerpt(m.text, mail::kExcerptChars);
    it.read_seq = read_seq;
    it.created = now;
    out.emplace_back(user, std::move(it));
  };

  std::string actor;
  if (type == "message") {
    auto m = store.get_message(channel, seq);
    if (!m || m->deleted) return;
    actor = m->from_id;
    if (auto members = protocol::dm_members(channel)) {
      const std::string other(members->first == m->from_id ? members->second : members->first);
      add(other, mail::Kind::dm, *m, m->from_name, m->seq);
    }
    for (std::string_view rest = m->mentions; !rest.empty();) {
      const std::size_t sp = rest.find(' ');
      add(std::string(rest.substr(0, sp)), mail::Kind::mention, *m, m->from_name, m->seq);
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    if (m->reply_to != 0) {
      // The thread's question (its root) in a support channel: its asker hears of the answer;
      // whoever was replied to hears of the reply.
      std::optional<storage::StoredMessage> parent = store.get_message(channel, m->reply_to);
      std::optional<storage::StoredMessage> root = parent;
      for (int depth = 0; root && root->reply_to != 0 && depth < 32; ++depth) {
        root = store.get_message(channel, root->reply_to);
      }
      if (root && !root->deleted && root->reply_to == 0 &&
          info->kind == protocol::ChannelKind::support) {
        add(root->from_id, mail::Kind::answer, *m, m->from_name, m->seq);
      }
      if (parent && !parent->deleted)
        add(parent->from_id, mail::Kind::reply, *m, m->from_name, m->seq);
    }
  } else if (type == "solved") {
    auto question = store.get_message(channel, seq);
    auto answer = store.get_message(channel, answer_seq);
    if (!question || !answer || answer->deleted) return;
    actor = by;
    add(question->from_id, mail::Kind::solved, *answer, by_name, 0);
  } else if (type == "helpful") {
    auto m = store.get_message(channel, seq);
    if (!m || m->deleted) return;
    actor = by;
    add(m->from_id, mail::Kind::helpful, *m, by_name, 0);
  }

  std::uint64_t k = 0;
  for (auto& [user, item] : out) {
    if (user == actor || core_.users.has_session(user)) continue;
    if (info->kind == protocol::ChannelKind::private_ &&
        !core_.moderation.is_member(channel, user)) {
      continue;
    }
    auto u = store.get_user(user);
    if (!u || u->email.empty() || u->email_pref == storage::EmailPref::off) continue;
    auto& n = touched[user];
    const auto d = due_.find(user);
    const std::size_t waiting = d == due_.end() ? 0 : d->second.count;
    if (pending_.load(std::memory_order_relaxed) >= core_.cfg.email.max_pending ||
        waiting + static_cast<std::size_t>(n) >= kMaxPerUser) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    writes.push_back({items_prefix(user) + be64(id) + be64(k++), mail::encode_item(item)});
    ++n;
  }
  std::erase_if(touched, [](const auto& t) { return t.second == 0; });
}

void EmailService::schedule(const std::string& user, std::int64_t first) {
  if (due_.contains(user)) return;  // already waiting: its batch began earlier
  const auto& cfg = core_.cfg.email;
  Due d;
  d.at = first + static_cast<std::int64_t>(cfg.batch_s) * 1000;
  // A digest user: at most one mail per digest_s. The preference is read when the mail goes
  // too; here it only decides how long the batch waits.
  auto u = core_.store.get_user(user);
  if (u && u->email_pref == storage::EmailPref::digest) {
    auto it = last_sent_.find(user);
    if (it == last_sent_.end()) {
      std::int64_t last = 0;
      if (auto v = core_.store.outbox_get(sent_key(user)))
        last = std::strtoll(v->c_str(), nullptr, 10);
      it = last_sent_.emplace(user, last).first;
    }
    d.at = std::max(d.at, it->second + static_cast<std::int64_t>(cfg.digest_s) * 1000);
  }
  d.first_at = d.at;
  due_.emplace(user, d);
}

void EmailService::send_due(std::int64_t now) {
  std::vector<std::string> users;
  for (const auto& [user, d] : due_) {
    if (d.at <= now) users.push_back(user);
  }
  for (const auto& user : users) {
    if (stop_flag_.load(std::memory_order_relaxed)) return;
    const bool ok = mail_user(user, now);
    auto it = due_.find(user);
    if (it == due_.end()) continue;
    if (ok) {
      // Everything waiting went (or was cancelled): only this thread adds notifications.
      due_.erase(it);
      continue;
    }
    if (++it->second.failures >= kMaxFailures) {
      // Given up: the notifications go, counted as failed.
      std::vector<storage::KvEntry> drop;
      for (const auto& [key, value] :
           core_.store.outbox_scan(items_prefix(user), "", kMaxPerUser)) {
        drop.push_back({key, std::nullopt});
      }
      due_.erase(it);
      failed_.fetch_add(1, std::memory_order_relaxed);
      const auto n = drop.size();
      if (write(std::move(drop))) release(n);
      continue;
    }
    it->second.at = now + kRetryMs[it->second.failures - 1];
  }
}

bool EmailService::mail_user(const std::string& user, std::int64_t now) {
  auto& store = core_.store;
  const auto rows = store.outbox_scan(items_prefix(user), "", kMaxPerUser);
  std::vector<storage::KvEntry> done;
  for (const auto& [key, value] : rows) done.push_back({key, std::nullopt});
  auto finish = [&](std::uint64_t cancelled, bool sent) {
    const auto n = done.size();
    if (sent) done.push_back({sent_key(user), std::to_string(now)});
    if (!write(std::move(done))) return false;
    release(n);
    cancelled_.fetch_add(cancelled, std::memory_order_relaxed);
    if (sent) {
      sent_.fetch_add(1, std::memory_order_relaxed);
      last_sent_[user] = now;
    }
    return true;
  };
  if (rows.empty()) return true;
  auto u = store.get_user(user);
  if (!u || u->email.empty() || u->email_pref == storage::EmailPref::off)
    return finish(rows.size(), false);
  std::vector<mail::Item> items;
  for (const auto& [key, value] : rows) {
    auto it = mail::decode_item(value);
    if (!it) continue;
    // Read meanwhile, back meanwhile (a mark), or the message is gone: nothing to tell.
    if (it->read_seq == 0 ? core_.users.last_connected(user) >= it->created
                          : store.last_read(user, it->channel).value_or(0) >= it->read_seq) {
      continue;
    }
    if (is_message_kind(it->kind)) {
      auto m = store.get_message(it->channel, it->seq);
      if (!m || m->deleted) continue;
    }
    items.push_back(std::move(*it));
  }
  if (items.empty()) return finish(rows.size(), false);
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  const auto& cfg = core_.cfg;
  mail::Context ctx;
  ctx.site = cfg.knowledge.title;
  ctx.widget_url = cfg.email.widget_url.empty() ? server_url() + "/" : cfg.email.widget_url;
  ctx.unsubscribe_url =
      server_url() + "/unsubscribe?token=" + mail::unsubscribe_token(secret_, user);
  const mail::Mail m = mail::compose(ctx, u->name, items);
  if (auto err = send(u->email, m, ctx.unsubscribe_url)) {
    spdlog::warn("event=email_failed user={} error=\"{}\"", user, *err);
    return false;
  }
  spdlog::info("event=email_sent user={} notifications={}", user, items.size());
  return finish(rows.size() - items.size(), true);
}

// --- health -------------------------------------------------------------------------------------

EmailService::Stats EmailService::stats() const {
  Stats s;
  s.pending = pending_.load(std::memory_order_relaxed);
  s.sent = sent_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.cancelled = cancelled_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.unsubscribed = unsubscribed_.load(std::memory_order_relaxed);
  return s;
}

std::optional<std::string> EmailService::problem() const {
  if (!enabled_) return std::nullopt;
  const auto max = core_.cfg.email.max_pending;
  if (pending_.load(std::memory_order_relaxed) >= max) {
    return "email outbox full (" + std::to_string(max) + " notifications pending)";
  }
  // Later than four attempts' worth of time: the SMTP server is not taking mail.
  const std::int64_t overdue_ms = 4 * 1000 * static_cast<std::int64_t>(core_.cfg.email.timeout_s);
  const auto at = oldest_due_.load(std::memory_order_relaxed);
  const auto now = now_ms();
  if (at != INT64_MAX && now - at > overdue_ms) {
    return "email outbox stuck: a mail is " + std::to_string((now - at) / 1000) + " s overdue (" +
           std::to_string(oldest_failures_.load(std::memory_order_relaxed)) + " failed attempts)";
  }
  return std::nullopt;
}

}  // namespace parley::server
