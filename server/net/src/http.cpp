#include "parley/net/http.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "parley/protocol/serialize.hpp"

namespace parley::server {

std::string query_param(const std::string& target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string::npos) return "";
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

std::string percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string form_value(const std::string& target, std::string_view name) {
  std::string v = query_param(target, name);
  std::replace(v.begin(), v.end(), '+', ' ');
  return percent_decode(v);
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

HttpResponse json_ok(std::string body, unsigned status) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

unsigned http_status(std::string_view code) {
  if (code == "bad_request") return 400;
  if (code == "unauthorized") return 401;
  if (code == "forbidden" || code == "muted" || code == "banned" || code == "slow_mode") return 403;
  if (code == "not_found") return 404;
  if (code == "conflict") return 409;
  if (code == "too_large") return 413;
  if (code == "rate_limited") return 429;
  if (code == "unavailable") return 503;
  return 500;
}

HttpResponse json_error(unsigned status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  protocol::JsonWriter w(r.body);
  w.begin_object().key("error").begin_object().field("code", code).field("message", message);
  w.end_object().end_object();
  return r;
}

}  // namespace parley::server
