// Token buckets for per-minute limits (guest tokens, searches): `per_min` tokens a minute,
// at most `per_min` saved up.
//
// Thread-safety: TokenBucket is a plain value (its owner serialises use); KeyedLimiter locks.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::server {

struct TokenBucket {
  double tokens = -1;  // < 0: not used yet (full)
  std::chrono::steady_clock::time_point at{};

  // Takes a token: 0 when there was one, else the milliseconds until there will be.
  std::int64_t take(double per_min, std::chrono::steady_clock::time_point now) {
    if (tokens < 0) {
      tokens = per_min;
    } else {
      tokens = std::min(per_min,
                        tokens + std::chrono::duration<double>(now - at).count() * per_min / 60);
    }
    at = now;
    if (tokens < 1) return static_cast<std::int64_t>(std::ceil((1 - tokens) * 60000 / per_min));
    tokens -= 1;
    return 0;
  }
};

// One bucket per key (an IP address, a user id), bounded: past `max_keys` keys the map starts
// again, so a flood of new keys costs memory up to that bound and no more.
class KeyedLimiter {
 public:
  explicit KeyedLimiter(std::size_t max_keys = 100000) : max_keys_(max_keys) {}
  std::int64_t take(const std::string& key, double per_min) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (buckets_.size() >= max_keys_ && !buckets_.contains(key)) buckets_.clear();
    return buckets_[key].take(per_min, now);
  }

 private:
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace parley::server
