#include "parley/ops/metrics.hpp"

#include <bit>

namespace parley::server {

void Metrics::observe_batch(std::size_t n) {
  write_batches.fetch_add(1, std::memory_order_relaxed);
  write_batch_items.fetch_add(n, std::memory_order_relaxed);
  std::size_t bucket = n <= 1 ? 0 : std::bit_width(n - 1);  // ceil(log2 n)
  if (bucket >= kBatchBuckets) bucket = kBatchBuckets - 1;
  batch_size_hist[bucket].fetch_add(1, std::memory_order_relaxed);
}

namespace {
// Microseconds as decimal seconds, exactly ("0.00005", "1").
std::string seconds(std::uint64_t us) {
  std::string s = std::to_string(us / 1000000);
  if (const auto frac = us % 1000000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 6 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

void counter(std::string& out, const char* name, const char* help, std::uint64_t v,
             const char* type = "counter") {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}
}  // namespace

std::string Metrics::render(const storage::Store& store) const {
  const std::size_t store_queue = store.queue_depth();
  auto get = [](const auto& a) {
    return static_cast<std::uint64_t>(a.load(std::memory_order_relaxed));
  };
  std::string out;
  out.reserve(4096);
  counter(out, "parley_connections_accepted_total", "WebSocket connections accepted.",
          get(connections_accepted));
  counter(out, "parley_connections_open", "WebSocket connections open now.",
          static_cast<std::uint64_t>(std::max<std::int64_t>(0, connections_open.load())), "gauge");
  counter(out, "parley_connections_rejected_total", "Connections refused at a limit.",
          get(connections_rejected));
  counter(out, "parley_frames_in_total", "Client frames received.", get(frames_in));
  counter(out, "parley_frames_out_total", "Server frames queued for clients.", get(frames_out));
  counter(out, "parley_bytes_in_total", "Client frame bytes received.", get(bytes_in));
  counter(out, "parley_bytes_out_total", "Bytes written to clients.", get(bytes_out));
  counter(out, "parley_deliveries_total", "Messages delivered to subscribers.", get(deliveries));
  counter(out, "parley_messages_stored_total", "Messages committed to storage.",
          get(messages_stored));
  counter(out, "parley_duplicate_sends_total", "Sends answered from the idempotency record.",
          get(duplicates));
  counter(out, "parley_errors_sent_total", "Error frames sent.", get(errors_sent));
  counter(out, "parley_queue_overflows_total", "Connections dropped for a full outbound queue.",
          get(queue_overflows));
  counter(out, "parley_http_requests_total", "HTTP requests served.", get(http_requests));
  counter(out, "parley_storage_queue_depth", "Writes waiting for the storage writer.", store_queue,
          "gauge");

  out += "# HELP parley_write_batch_size Requests per storage commit.\n";
  out += "# TYPE parley_write_batch_size histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBatchBuckets; ++i) {
    cumulative += get(batch_size_hist[i]);
    out += "parley_write_batch_size_bucket{le=\"";
    out += i + 1 == kBatchBuckets ? std::string("+Inf") : std::to_string(1ULL << i);
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += "parley_write_batch_size_sum " + std::to_string(get(write_batch_items)) + "\n";
  out += "parley_write_batch_size_count " + std::to_string(get(write_batches)) + "\n";

  // Seconds, as Prometheus prefers; buckets from storage's microsecond bounds.
  const auto lat = store.commit_latency();
  out += "# HELP parley_commit_seconds Time of one storage group commit (fsync included).\n";
  out += "# TYPE parley_commit_seconds histogram\n";
  cumulative = 0;
  for (std::size_t i = 0; i < lat.counts.size(); ++i) {
    cumulative += lat.counts[i];
    const auto bound = storage::Store::kCommitBucketsUs[i];
    out += "parley_commit_seconds_bucket{le=\"";
    out += i + 1 == lat.counts.size() ? std::string("+Inf") : seconds(bound);
    out += "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "parley_commit_seconds_sum " + seconds(lat.sum_us) + "\n";
  out += "parley_commit_seconds_count " + std::to_string(lat.count) + "\n";

  for (const auto& [name, v] : store.engine_stats()) {
    const std::string metric = "parley_rocksdb_" + name;
    const bool is_counter = name == "background_errors";
    out += "# HELP " + metric + " RocksDB " + name +
           " (summed over column families where per family).\n";
    out += "# TYPE " + metric + (is_counter ? " counter\n" : " gauge\n");
    out += metric + " " + std::to_string(v) + "\n";
  }
  return out;
}

void Metrics::render_webhooks(const WebhookService::Stats& s, std::string& out) {
  counter(out, "parley_webhooks", "Webhooks registered.", s.hooks, "gauge");
  counter(out, "parley_webhooks_disabled", "Webhooks disabled (410 Gone).", s.disabled, "gauge");
  counter(out, "parley_webhook_deliveries_pending", "Deliveries waiting in the outbox.", s.pending,
          "gauge");
  counter(out, "parley_webhook_deliveries_delivered_total", "Deliveries answered with 2xx.",
          s.delivered);
  counter(out, "parley_webhook_deliveries_failed_total",
          "Deliveries given up (attempts spent, 410, webhook gone).", s.failed);
  counter(out, "parley_webhook_deliveries_dropped_total",
          "Deliveries not queued because the outbox was full.", s.dropped);
  counter(out, "parley_webhook_attempts_total", "HTTP attempts made.", s.attempts);
}

void Metrics::render_email(const EmailService::Stats& s, std::string& out) {
  counter(out, "parley_email_notifications_pending", "Notifications waiting for their mail.",
          s.pending, "gauge");
  counter(out, "parley_email_sent_total", "Mails the SMTP server accepted.", s.sent);
  counter(out, "parley_email_failed_total",
          "Mails given up after their attempts failed (their notifications dropped).", s.failed);
  counter(out, "parley_email_cancelled_total",
          "Notifications not mailed: read meanwhile, message deleted, or email turned off.",
          s.cancelled);
  counter(out, "parley_email_dropped_total",
          "Notifications not queued because the outbox (or the user's share) was full.", s.dropped);
  counter(out, "parley_email_unsubscribed_total", "One-click unsubscribes.", s.unsubscribed);
}

void Metrics::render_search(const search::IndexStats& s, std::string& out) {
  counter(out, "parley_search_documents", "Messages in the search index.", s.documents, "gauge");
  counter(out, "parley_search_index_bytes", "Size of the search index's files.", s.bytes, "gauge");
  counter(out, "parley_search_lag_messages", "Committed messages and changes not yet searchable.",
          s.lag_messages, "gauge");
  out += "# HELP parley_search_lag_seconds Age of the oldest change not yet searchable.\n";
  out += "# TYPE parley_search_lag_seconds gauge\n";
  out += "parley_search_lag_seconds " + std::to_string(s.lag_seconds) + "\n";
  counter(out, "parley_search_indexed_total", "Documents added, replaced or removed.",
          s.indexed_total);
  counter(out, "parley_search_catch_ups_total",
          "Channels read back from storage to fill a gap (start-up, overflow).", s.catch_ups);
  out += "# HELP parley_search_query_seconds Time of one search query.\n";
  out += "# TYPE parley_search_query_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < s.query_counts.size(); ++i) {
    cumulative += s.query_counts[i];
    out += "parley_search_query_seconds_bucket{le=\"";
    out += i + 1 == s.query_counts.size() ? std::string("+Inf")
                                          : seconds(search::IndexStats::kQueryBucketsUs[i]);
    out += "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "parley_search_query_seconds_sum " + seconds(s.query_sum_us) + "\n";
  out += "parley_search_query_seconds_count " + std::to_string(s.queries) + "\n";
}

}  // namespace parley::server
