#include "parley/ops/token_keys.hpp"

#include <curl/curl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "parley/ops/clock.hpp"

namespace parley::server {
namespace {

constexpr std::size_t kMaxJwksBytes = 1 << 20;
constexpr long kFetchTimeoutS = 10;

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxJwksBytes) return 0;  // too large: abort the transfer
  body->append(data, size * n);
  return size * n;
}

// GET `url` (https verified against the system's CAs); the body, or nullopt with *error.
std::optional<std::string> fetch(const std::string& url, std::string* error) {
  CURL* h = curl_easy_init();
  if (h == nullptr) {
    *error = "curl_easy_init failed";
    return std::nullopt;
  }
  std::string body;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, kFetchTimeoutS);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "parley/0.1.0 (jwks)");
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) {
    *error = "cannot fetch " + url + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return std::nullopt;
  }
  if (status != 200) {
    *error = "cannot fetch " + url + ": HTTP " + std::to_string(status);
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  std::string body = s.str();
  if (body.size() > kMaxJwksBytes) {
    *error = path + " is larger than 1 MiB";
    return std::nullopt;
  }
  return body;
}

}  // namespace

bool TokenKeys::reload(std::string* error) {
  last_reload_ms_.store(now_ms(), std::memory_order_relaxed);
  // Each source is reloaded on its own: one that fails keeps its previous keys.
  std::string errors;
  auto load = [&](const std::string& what, const std::optional<std::string>& body, std::string why,
                  std::shared_ptr<const protocol::KeySet>& slot) {
    std::shared_ptr<const protocol::KeySet> set;
    if (body) set = protocol::KeySet::parse(*body, &why);
    if (!set) {
      errors += (errors.empty() ? "" : "; ") + (body ? what + ": " + why : why);
      return;
    }
    for (const auto& s : set->skipped())
      spdlog::warn("event=jwks_key_skipped source=\"{}\" why=\"{}\"", what, s);
    slot = std::move(set);
  };
  std::shared_ptr<const protocol::KeySet> file_keys, url_keys;
  {
    std::lock_guard lock(mu_);
    file_keys = file_keys_;
    url_keys = url_keys_;
  }
  std::string why;
  if (!cfg_.jwks_file.empty()) {
    auto body = read_file(cfg_.jwks_file, &why);
    load(cfg_.jwks_file, body, why, file_keys);
  }
  bool url_ok = true;
  if (!cfg_.jwks_url.empty()) {
    why.clear();
    auto body = fetch(cfg_.jwks_url, &why);
    const std::size_t before = errors.size();
    load(cfg_.jwks_url, body, why, url_keys);
    url_ok = errors.size() == before;
  }
  std::shared_ptr<const protocol::KeySet> keys =
      file_keys && url_keys ? protocol::KeySet::combine(*file_keys, *url_keys)
                            : (file_keys ? file_keys : url_keys);
  if (keys) {
    std::string kids;
    for (const auto& k : keys->kids()) kids += (kids.empty() ? "" : ",") + k;
    spdlog::info("event=jwks_loaded keys={} kids=\"{}\"", keys->size(), kids);
  }
  std::lock_guard lock(mu_);
  file_keys_ = file_keys;
  url_keys_ = url_keys;
  keys_ = std::move(keys);
  if (url_ok && url_keys_) url_loaded_ = true;
  last_error_ = errors;
  if (!errors.empty()) *error = errors;
  return errors.empty();
}

bool TokenKeys::start(std::string* error) {
  if (!configured()) return true;
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference-counted: also done by webhooks and email
  if (!cfg_.jwks_file.empty()) {          // a bad file is a configuration error: refuse to start
    std::string why;
    auto body = read_file(cfg_.jwks_file, &why);
    if (body && !protocol::KeySet::parse(*body, &why)) body.reset();
    if (!body) {
      *error = "auth.jwks_file " + cfg_.jwks_file + ": " + why;
      return false;
    }
  }
  std::string why;
  if (!reload(&why)) {  // the URL: retried in the background
    spdlog::error("event=jwks_load_failed error=\"{}\" retry_in_s={}", why, kRefetchMs / 1000);
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "parley-jwks");
    run();
  });
  return true;
}

void TokenKeys::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TokenKeys::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Every jwks_refresh_s, sooner while there are no keys or a token named an unknown key,
    // but never more often than kRefetchMs.
    const auto every = std::chrono::seconds(cfg_.jwks_refresh_s);
    const bool missing = !keys_ || (!cfg_.jwks_url.empty() && !url_loaded_);
    cv_.wait_for(lock, missing ? std::chrono::milliseconds(kRefetchMs) : every,
                 [this] { return stopping_ || wanted_; });
    if (stopping_) break;
    const std::int64_t since = now_ms() - last_reload_ms_.load(std::memory_order_relaxed);
    if (since < kRefetchMs) {
      cv_.wait_for(lock, std::chrono::milliseconds(kRefetchMs - since),
                   [this] { return stopping_; });
      if (stopping_) break;
    }
    wanted_ = false;
    lock.unlock();
    std::string why;
    if (!reload(&why)) spdlog::error("event=jwks_load_failed error=\"{}\"", why);
    lock.lock();
  }
}

protocol::JwtResult TokenKeys::verify(std::string_view token, std::int64_t now_s) const {
  std::shared_ptr<const protocol::KeySet> keys;
  if (configured()) {
    std::lock_guard lock(mu_);
    // With a provider configured, RS256/ES256 tokens are its: before its keys are loaded they
    // name a key nobody knows (unknown_key), not a forbidden algorithm.
    keys = keys_ ? keys_ : protocol::KeySet::none();
  }
  protocol::VerifyOptions o;
  o.secret = secret_;
  o.keys = keys.get();
  o.issuer = cfg_.issuer;
  o.audience = cfg_.audience;
  auto r = protocol::jwt_verify(token, o, now_s);
  if (!r.claims && r.error == protocol::JwtError::unknown_key && configured()) {
    {
      std::lock_guard lock(mu_);
      wanted_ = true;
    }
    cv_.notify_all();
  }
  return r;
}

std::string TokenKeys::problem() const {
  if (!configured()) return {};
  std::lock_guard lock(mu_);
  // Keys loaded once stay in use while a reload fails; never loaded is a problem.
  if (keys_ && (cfg_.jwks_url.empty() || url_loaded_)) return {};
  return "the identity provider's keys are not loaded" +
         (last_error_.empty() ? "" : ": " + last_error_);
}

}  // namespace parley::server
