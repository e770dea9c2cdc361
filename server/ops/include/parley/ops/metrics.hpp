// Process-wide counters exposed at /metrics in the Prometheus text format (version 0.0.4).
//
// Prometheus' C++ client is not packaged by Debian, so the few counters we need are relaxed
// atomics rendered by hand; the exposition format is small and stable.
//
// Thread-safety: every member is atomic; render() may run concurrently with updates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "parley/ops/email.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/search/index.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Metrics {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_rejected{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_out{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> deliveries{0};
  std::atomic<std::uint64_t> messages_stored{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> errors_sent{0};
  std::atomic<std::uint64_t> queue_overflows{0};
  std::atomic<std::uint64_t> write_batches{0};
  std::atomic<std::uint64_t> write_batch_items{0};
  std::atomic<std::uint64_t> http_requests{0};

  // Write-batch sizes, log2 buckets: <=1, <=2, <=4, … <=4096, +Inf.
  static constexpr std::size_t kBatchBuckets = 14;
  std::array<std::atomic<std::uint64_t>, kBatchBuckets> batch_size_hist{};

  void observe_batch(std::size_t n);
  // With the storage figures read at render time: queue depth, commit latency, RocksDB stats
  // (all memory-only reads, fine on an I/O thread).
  std::string render(const storage::Store& store) const;
  // The search index's figures (lag, size, query latency), appended after render()'s.
  static void render_search(const search::IndexStats& s, std::string& out);
  static void render_webhooks(const WebhookService::Stats& s, std::string& out);
  static void render_email(const EmailService::Stats& s, std::string& out);
};

}  // namespace parley::server
