// Token verification (DESIGN §3, §12): HS256 with the server's secret, and RS256/ES256 tokens
// of the company's identity provider, verified against its JWKS ([auth] jwks_file, jwks_url),
// with `iss` and `aud` checked when [auth] issuer / audience are set.
//
// The key set is loaded at start (a jwks_file that cannot be read or parsed stops the start)
// and reloaded by a background thread every [auth] jwks_refresh_s, and sooner (at most every
// kRefetchMs, 5 s) when a token names a key it does not know (a rotation at the provider). The last
// good key set stays in use while a reload fails.
//
// Thread-safety: verify() from any thread; start()/stop() from the owner.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "parley/ops/config.hpp"
#include "parley/protocol/jwt.hpp"

namespace parley::server {

class TokenKeys {
 public:
  TokenKeys(const Config& cfg, std::string secret) : cfg_(cfg.auth), secret_(std::move(secret)) {}
  ~TokenKeys() { stop(); }

  // Loads the key set (file first, then URL) and starts the reloads; false (with *error) when
  // a configured jwks_file cannot be used. A URL that fails is retried in the background.
  bool start(std::string* error);
  void stop();

  protocol::JwtResult verify(std::string_view token, std::int64_t now_s) const;

  bool configured() const { return !cfg_.jwks_file.empty() || !cfg_.jwks_url.empty(); }
  // For /readyz: why the identity provider's keys are not usable now ("" when they are, or
  // when none are configured).
  std::string problem() const;

  static constexpr std::int64_t kRefetchMs = 5000;

 private:
  // Reads the file and/or fetches the URL; installs the result when it parses.
  bool reload(std::string* error);
  void run();

  Config::Auth cfg_;
  std::string secret_;
  mutable std::mutex mu_;
  std::shared_ptr<const protocol::KeySet> keys_;  // the two below together; guarded by mu_
  std::shared_ptr<const protocol::KeySet> file_keys_, url_keys_;  // guarded by mu_
  bool url_loaded_ = false;  // the URL was loaded once; guarded by mu_
  std::string last_error_;   // of the last reload; guarded by mu_
  mutable std::condition_variable cv_;
  bool stopping_ = false;        // guarded by mu_
  mutable bool wanted_ = false;  // a reload was asked for (unknown kid); guarded by mu_
  std::atomic<std::int64_t> last_reload_ms_{0};
  std::thread thread_;
};

}  // namespace parley::server
