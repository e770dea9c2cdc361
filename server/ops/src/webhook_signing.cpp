// The pure parts of webhooks (webhooks.hpp, namespace webhook): Standard Webhooks signatures,
// secrets, target checks and the retry schedule.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <ctime>
#include <memory>

#include "parley/ops/webhooks.hpp"

namespace parley::server::webhook {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(std::max(len, 0)));
  return out;
}

// Standard base64 with padding; nullopt when `in` is not that.
std::optional<std::string> unbase64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
  if (len < 0) return std::nullopt;
  std::size_t n = static_cast<std::size_t>(len);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (in.back() == '=') --n;
  if (in.size() >= 2 && in[in.size() - 2] == '=') --n;
  out.resize(n);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool public_v4(std::uint32_t a) {  // host byte order
  const auto in = [a](std::uint32_t net, int bits) {
    return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits));
  };
  return !(in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
           in(0x0A000000, 8) ||   // 10/8
           in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
           in(0x7F000000, 8) ||   // 127/8 loopback
           in(0xA9FE0000, 16) ||  // 169.254/16 link-local
           in(0xAC100000, 12) ||  // 172.16/12
           in(0xC0000000, 24) ||  // 192.0.0/24 protocol assignments
           in(0xC0A80000, 16) ||  // 192.168/16
           in(0xC6120000, 15) ||  // 198.18/15 benchmarking
           in(0xE0000000, 4) ||   // 224/4 multicast
           in(0xF0000000, 4));    // 240/4 reserved, broadcast
}

}  // namespace

bool known_event(std::string_view event) {
  return std::find(std::begin(kEvents), std::end(kEvents), event) != std::end(kEvents);
}

std::string new_secret() {
  std::array<unsigned char, 32> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) return {};
  return std::string(kSecretPrefix) + base64(key.data(), key.size());
}

std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp_s,
                 std::string_view body) {
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) return {};
  const auto decoded = unbase64(secret.substr(kSecretPrefix.size()));
  if (!decoded || decoded->empty()) return {};
  const std::string& key = *decoded;
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(1, '.').append(std::to_string(timestamp_s)).append(1, '.').append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac,
           &mac_len) == nullptr) {
    return {};
  }
  return "v1," + base64(mac, mac_len);
}

bool is_public_address(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    return public_v4(ntohl(v4->sin_addr.s_addr));
  }
  if (addr->sa_family != AF_INET6) return false;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
  const unsigned char* b = v6->sin6_addr.s6_addr;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, b)) {
    const std::uint32_t a = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                            (std::uint32_t{b[14]} << 8) | b[15];
    return public_v4(a);
  }
  if (IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xff) return false;                           // multicast
  return true;
}

Target check_target(std::string_view url, const std::vector<std::string>& allow_hosts) {
  Target t;
  if (url.size() > 2000) {
    t.error = "\"url\" is longer than 2000 characters";
    return t;
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  const std::string s(url);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, s.c_str(), 0) != CURLUE_OK) {
    t.error = "\"url\" is not a valid absolute URL";
    return t;
  }
  auto part = [&](CURLUPart p, unsigned flags = 0) -> std::string {
    char* v = nullptr;
    if (curl_url_get(u.get(), p, &v, flags) != CURLUE_OK || v == nullptr) return {};
    std::string out(v);
    curl_free(v);
    return out;
  };
  const std::string scheme = lower(part(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    t.error = "\"url\" must be http:// or https://";
    return t;
  }
  std::string host = lower(part(CURLUPART_HOST));
  const std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (host.empty()) {
    t.error = "\"url\" has no host";
    return t;
  }
  const std::string bare =
      host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  const bool allowed =
      std::any_of(allow_hosts.begin(), allow_hosts.end(), [&](const std::string& a) {
        const std::string l = lower(a);
        return l == host || l == bare;
      });
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(bare.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    t.error = "the host of \"url\" (" + host + ") does not resolve";
    return t;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  std::string first;
  for (const addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
    ::inet_ntop(a->ai_family, raw, text, sizeof text);
    if (!allowed && !is_public_address(a->ai_addr)) {
      t.error = "\"url\" resolves to a loopback, private or link-local address (" +
                std::string(text) + "); list the host in [webhooks] allow_hosts to allow it";
      return t;
    }
    if (first.empty()) first = a->ai_family == AF_INET6 ? "[" + std::string(text) + "]" : text;
  }
  // Pin the checked address so that a second lookup (DNS rebinding) cannot change it.
  unsigned char buf[sizeof(in6_addr)];
  const bool literal =
      ::inet_pton(AF_INET, bare.c_str(), buf) == 1 || ::inet_pton(AF_INET6, bare.c_str(), buf) == 1;
  if (!allowed && !literal) t.pin = bare + ":" + port + ":" + first;
  t.ok = true;
  return t;
}

std::optional<std::int64_t> retry_delay_ms(unsigned failed, double jitter) {
  static constexpr std::int64_t kScheduleS[] = {5, 300, 1800, 7200, 18000, 36000, 36000};
  if (failed == 0 || failed > std::size(kScheduleS)) return std::nullopt;
  const double base = static_cast<double>(kScheduleS[failed - 1]) * 1000.0;
  return static_cast<std::int64_t>(
      std::llround(base * (1.0 + 0.2 * std::clamp(jitter, -1.0, 1.0))));
}

std::string iso8601_ms(std::int64_t ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buf,
                static_cast<int>(ms % 1000));
  return out;
}

}  // namespace parley::server::webhook
