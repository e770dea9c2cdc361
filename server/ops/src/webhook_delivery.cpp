// The delivery threads of the webhook service (webhooks.hpp): each takes the next due
// delivery, posts it with libcurl (signed, to the checked address), records the attempt and
// schedules the next one or ends it; results are written in batches.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <random>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/webhook_records.hpp"
#include "parley/ops/webhooks.hpp"

namespace parley::server {

using namespace webhook_records;

namespace {

constexpr std::string_view kServerAgent = "parley/0.1.0 (webhooks)";
constexpr std::size_t kKeepFinished = 100;  // deliveries kept per webhook for its log

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
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
        v.remove_suffix(1);
      retry_after->assign(v);
    }
  }
  return size * n;
}

}  // namespace

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
  const std::size_t n = entries.size();
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{std::move(entries)};
  // A full queue is retried: the record must not be lost (the delivery threads may wait). A
  // refused submit leaves `req` as it was (Writes::submit), so the same request is offered again.
  for (int i = 0; i < 200; ++i) {
    if (core_.writes.submit(std::move(req))) return;  // NOLINT(bugprone-use-after-move)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  spdlog::error("event=webhook_record_lost entries={} error=\"storage queue full for 10 s\"", n);
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
  auto value = core_.store.outbox_get(key);
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
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(core_.cfg.webhooks.timeout_s));
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
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
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
  std::optional<std::int64_t> delay = webhook::retry_delay_ms(
      d->failed_in_a_row, std::uniform_real_distribution<double>(-1, 1)(rng));
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
  auto t = webhook::check_target(url, core_.cfg.webhooks.allow_hosts);
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

}  // namespace parley::server
