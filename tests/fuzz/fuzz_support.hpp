// Shared by the fuzz targets and the replay driver: invariant checks that fail loudly in both
// builds (libFuzzer and the g++ replay), and a reader that turns fuzzer bytes into values.
//
// Checks use FUZZ_CHECK, never assert(): Release builds define NDEBUG, and the replay driver
// must catch a broken invariant exactly like the fuzzer does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parley::fuzz {

// Thrown instead of aborting when the replay driver runs with --expect-failure (known/ inputs).
struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Set by the replay driver only; the fuzzers always abort so libFuzzer records the input.
inline bool& throw_on_failure() {
  static bool value = false;
  return value;
}

[[noreturn]] inline void check_failed(const char* expr, const char* file, int line,
                                      std::string_view detail) {
  std::string msg = std::string(file) + ":" + std::to_string(line) + ": check failed: " + expr;
  if (!detail.empty()) msg.append(" (").append(detail).append(")");
  if (throw_on_failure()) throw CheckFailed(msg);
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::abort();
}

// FNV-1a: a stable hash of the input, used to seed decisions that should vary between inputs
// without taking bytes away from the data itself (e.g. how the HTTP stream is split).
inline std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ULL;
  return h;
}

// splitmix64: a tiny deterministic generator (same sequence for the same seed on every build).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform-ish in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept {
    return lo + next() % (hi - lo + 1);
  }

 private:
  std::uint64_t s_;
};

// Consumes fuzzer bytes front to back; once they run out every read returns zeros / empty.
// (A minimal stand-in for libFuzzer's FuzzedDataProvider, which g++ builds do not have.)
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : p_(data), left_(size) {}

  std::uint8_t byte() noexcept {
    if (left_ == 0) return 0;
    --left_;
    return *p_++;
  }
  bool boolean() noexcept { return (byte() & 1) != 0; }
  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  std::uint32_t u32() noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  // Up to max_len bytes, the length taken from the next byte.
  std::string_view bytes(std::size_t max_len) noexcept {
    std::size_t n = byte() % (max_len + 1);
    if (n > left_) n = left_;
    std::string_view out(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    left_ -= n;
    return out;
  }
  std::size_t remaining() const noexcept { return left_; }

 private:
  const std::uint8_t* p_;
  std::size_t left_;
};

}  // namespace parley::fuzz

#define FUZZ_CHECK_MSG(cond, detail)                                                \
  do {                                                                              \
    if (!(cond)) ::parley::fuzz::check_failed(#cond, __FILE__, __LINE__, (detail)); \
  } while (0)
#define FUZZ_CHECK(cond) FUZZ_CHECK_MSG(cond, "")

// The libFuzzer entry point every target defines.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
