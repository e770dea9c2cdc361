// The stored form of webhooks and their deliveries (webhooks.hpp): keys, the JSON records
// kept in the outbox column family, and the Standard Webhooks payload. Private to the
// webhook service's files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/ops/webhooks.hpp"
#include "parley/storage/store.hpp"

namespace parley::server::webhook_records {

// "D" be64(id): a delivery; "U" channel '\0' be64(seq): question.unanswered was sent.
std::string delivery_key(std::uint64_t id);
std::uint64_t delivery_id_of(std::string_view key);  // 0 when `key` is not a delivery key
std::string unanswered_key(const std::string& channel, std::uint64_t seq);

// The Standard Webhooks payload {"type","timestamp","data"}.
std::string payload(std::string_view type, std::int64_t now, std::string_view data);
// A stored message as the JSON of history.
std::string message_json(const std::string& channel, const storage::StoredMessage& m);

// A delivery as kept in the outbox.
struct DeliveryRecord {
  std::string hook, event, body, status = "pending";
  std::int64_t created = 0, next_at = 0;
  std::string attempts = "[]";  // JSON array as stored
  std::size_t attempt_count = 0;
  unsigned failed_in_a_row = 0;
};
std::string encode(const DeliveryRecord& d);
std::optional<DeliveryRecord> decode(const std::string& value);
// Appends one attempt (at most the last 20 are kept).
void add_attempt(DeliveryRecord& d, std::int64_t at, long status, const std::string& error,
                 std::int64_t ms);

std::optional<WebhookService::Hook> decode_hook(const std::string& value);

}  // namespace parley::server::webhook_records
