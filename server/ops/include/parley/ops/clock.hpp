// The wall clock the server stamps with: milliseconds since the Unix epoch (message and record
// timestamps, mute and ban expiries, UTC days). One definition for every file.
#pragma once

#include <chrono>
#include <cstdint>

namespace parley::server {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Seconds since the Unix epoch: JWT times (`iat`, `exp`, checking a token).
inline std::int64_t now_s() { return now_ms() / 1000; }

}  // namespace parley::server
