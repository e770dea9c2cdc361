// Webhooks (DESIGN §10), Standard Webhooks 1.0: the admin API (/api/webhooks), the events a
// committed write makes, the outbox and the delivery threads.
//
// The outbox: a request that causes an event carries a render function (storage::WriteRequest::
// outbox) that turns its result into one delivery row per subscribed webhook, written by the
// storage writer in the same RocksDB batch as the change itself. A crash therefore loses no
// delivery, and a delivery keeps its id (`msg_<row id>`) across retries and restarts. Delivery
// threads (never an I/O thread) post the rows with libcurl and record every attempt in the row.
//
// Records, in the store's outbox column family (values are JSON):
//   "H" id             a webhook: url, events, channels, secret(s), disabled
//   "D" be64(row id)   a delivery: hook, event, body, status, next attempt, attempts
//   "U" channel '\0' be64(seq)   question.unanswered was sent for this question
//
// Files: webhooks.cpp (this class's core), webhook_records.cpp (the stored form),
// webhook_delivery.cpp (delivery threads), webhook_questions.cpp (question.unanswered),
// webhook_http.cpp (admin API), webhook_signing.cpp (namespace webhook below).
//
// Thread-safety: every public method may be called from any thread; render functions run on
// the storage writer thread and take no lock of this class beyond a short one.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "parley/net/http.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;

namespace webhook {

// Every event type, in the order the docs list them.
inline constexpr std::string_view kEvents[] = {
    "message.created", "question.created", "question.unanswered", "question.solved",
    "report.created",  "advocate.changed", "user.mentioned"};
bool known_event(std::string_view event);

// "whsec_" + base64 of 32 random bytes.
std::string new_secret();
// One Standard Webhooks signature, "v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed with
// the base64-decoded part of `secret` after "whsec_"; "" for a malformed secret.
std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp_s,
                 std::string_view body);

// Whether an address may be a webhook target: not loopback, private (RFC 1918, fc00::/7,
// 100.64.0.0/10), link-local, unspecified, multicast or broadcast (IPv4-mapped IPv6 included).
bool is_public_address(const sockaddr* addr);

// A URL checked as a target: http or https, a host that resolves, and (unless the host is in
// allow_hosts) only to public addresses. On success `pin` is "host:port:address" for curl's
// CURLOPT_RESOLVE, so the request goes to the address that was checked (empty for an IP literal
// or an allow-listed host).
struct Target {
  bool ok = false;
  std::string error;  // why not, for the caller
  std::string pin;
};
Target check_target(std::string_view url, const std::vector<std::string>& allow_hosts);

// The wait before the next attempt after `failed` failed attempts (Standard Webhooks' schedule:
// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), with `jitter` in [-1, 1] moving it by up to 20%;
// nullopt once the 8 attempts are spent.
std::optional<std::int64_t> retry_delay_ms(unsigned failed, double jitter);

// "2026-12-07T02:51:20.123Z"
std::string iso8601_ms(std::int64_t ms);

}  // namespace webhook

// An event that is not the result of a stored change alone (advocate.changed,
// question.unanswered): its type, its channel ("" for none) and its `data` as JSON.
struct WebhookEvent {
  std::string type;
  std::string channel;
  std::string data_json;
};

class WebhookService {
 public:
  explicit WebhookService(Core& core);
  ~WebhookService();

  // Loads the webhooks and the pending deliveries and starts the delivery threads. Call after
  // the store is open.
  void start();
  // Stops the threads (deliveries in flight finish or time out first). Idempotent.
  void stop();

  // Whether any webhook is enabled: with none, nothing is attached to writes.
  bool active() const { return active_.load(std::memory_order_relaxed) > 0; }
  // Makes `req` write the deliveries of the events its op causes, once it commits:
  // message.created, question.created and user.mentioned (AppendMessage), question.solved
  // (SetSolved with an answer), report.created (CreateReport). No-op when none is active.
  void attach(storage::WriteRequest& req);
  // Makes `req` write deliveries of `events` (to every webhook that wants them).
  void attach_events(storage::WriteRequest& req, std::vector<WebhookEvent> events);

  // Storage writer thread, after each batch: queues the new deliveries and follows questions
  // for question.unanswered. Must not block.
  void on_committed(const std::vector<storage::Committed>& batch);

  // /api/webhooks… (admins only; the caller has checked the role). `actor` is audited.
  void http(const HttpRequest& req, const std::string& path, const std::string& actor,
            Respond respond);

  struct Stats {
    std::uint64_t hooks = 0, disabled = 0, pending = 0;
    std::uint64_t delivered = 0, failed = 0, dropped = 0, attempts = 0;
  };
  Stats stats() const;
  // Why the outbox is not healthy (for /readyz): full, or deliveries overdue; nullopt if fine.
  std::optional<std::string> problem() const;

  struct Hook {
    std::string id, url;
    std::vector<std::string> events, channels;
    std::string secret, old_secret;
    std::int64_t old_until = 0;  // ms; old_secret signs too until then
    bool disabled = false;
    std::string disabled_reason;
    std::int64_t created = 0;
    bool wants(std::string_view event, std::string_view channel) const;
  };
  // A webhook's record ("H" id) as stored.
  static std::string encode_hook(const Hook& h);
  // A delivery record made pending again, due at `now`, its schedule started over; nullopt
  // when it does not decode.
  static std::optional<std::string> rearm_record(const std::string& value, std::int64_t now);

 private:
  using Hooks = std::map<std::string, Hook>;
  struct Pending {
    std::string hook;
    std::int64_t next_at = 0;
  };

  std::shared_ptr<const Hooks> snapshot() const;
  void set_hooks(std::shared_ptr<const Hooks> hooks);  // mu_ held
  void put_hook(const Hook& h);  // adds or replaces h in memory (stored already)
  storage::OutboxRow delivery_row(const Hook& h, std::string_view event, std::string_view data,
                                  std::int64_t now) const;
  // In a render function (writer thread): room for one more delivery under max_pending?
  // Counts it for this batch, or counts it dropped.
  bool reserve(std::size_t max_pending);
  void worker();
  // webhook::check_target for a delivery, its result reused for 10 s.
  webhook::Target checked_target(const std::string& url);
  void deliver(std::uint64_t id, const std::string& hook);
  void finish(std::uint64_t id, const std::string& hook, std::vector<storage::KvEntry>& writes);
  void check_unanswered(std::int64_t now);
  // Follows a stored message of a support channel: a question, or a reply in a followed
  // thread (questions_mu_ held).
  void note_question(const std::string& channel, const storage::StoredMessage& m);
  void load_questions(std::int64_t now);
  // Records to store: buffered, written in batches (flush_writes()).
  void write(std::vector<storage::KvEntry> entries);
  void flush_writes();
  void save_hook(const Hook& h, const std::string& actor, const std::string& action,
                 std::function<void(bool)> done);

  Core& core_;
  mutable std::mutex mu_;
  std::condition_variable cv_;        // delivery workers
  std::condition_variable clock_cv_;  // the clock thread (flushes, question.unanswered)
  std::mutex writes_mu_;
  std::vector<storage::KvEntry> writes_;                       // guarded by writes_mu_
  std::shared_ptr<const Hooks> hooks_;                         // copy on write, guarded by mu_
  std::atomic<int> active_{0};                                 // enabled hooks
  std::map<std::uint64_t, Pending> pending_;                   // by row id, guarded by mu_
  std::multimap<std::int64_t, std::uint64_t> due_;             // next_at -> row id, guarded by mu_
  std::set<std::uint64_t> in_flight_;                          // guarded by mu_
  std::map<std::string, std::deque<std::uint64_t>> finished_;  // per hook, oldest first
  std::atomic<std::uint64_t> pending_count_{0};
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, dropped_{0}, attempts_{0};
  std::atomic<std::int64_t> last_progress_ms_{0};
  std::uint64_t batch_reserved_ = 0;  // writer thread: rows made for the batch being written

  // Questions without an answer yet (question.unanswered), writer thread and maintenance.
  struct Question {
    std::int64_t ts = 0;
    std::string asker;
  };
  std::mutex questions_mu_;
  std::map<std::pair<std::string, std::uint64_t>, Question> questions_;
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> thread_of_;  // reply -> question

  std::mutex targets_mu_;
  std::map<std::string, std::pair<std::int64_t, webhook::Target>> targets_;  // url -> (ms, check)

  bool stopping_ = false;               // guarded by mu_
  std::atomic<bool> stop_flag_{false};  // the same, for curl's progress callback
  std::vector<std::thread> threads_;
};

}  // namespace parley::server
