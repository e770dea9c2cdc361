// HTTP requests and responses as the transport hands them to the HTTP API and writes them back
// (no Beast here: http_session.cpp converts).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string target;  // path and query
  std::string body;
  std::string authorization;
  std::string content_type;
  std::string origin;  // the Origin header, if any
  std::string host;    // the Host header, if any
  std::string remote_ip;
  // Conditional requests and compression (http_cache.hpp).
  std::string if_none_match;
  std::string if_modified_since;
  std::string accept_encoding;
};

// A body made piece by piece and sent with Transfer-Encoding: chunked, so that a large answer
// (an export) takes constant memory: next() runs on a reader thread, one call at a time, each
// after the previous piece was written to the client; "" ends the body.
struct ChunkSource {
  virtual ~ChunkSource() = default;
  virtual std::string next() = 0;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // `body` gzip-compressed ahead of time (static files), used when the client accepts gzip.
  std::shared_ptr<const std::string> gzip_body;
  // When set, the body comes from here instead of `body` (never gzipped).
  std::shared_ptr<ChunkSource> stream;
};

using Respond = std::function<void(HttpResponse)>;

// {"error":{"code":…,"message":…}}
HttpResponse json_error(unsigned status, std::string_view code, std::string_view message);
// A JSON body with `status` (application/json).
HttpResponse json_ok(std::string body, unsigned status = 200);
// HTTP status for a protocol error code (bad_request 400, unauthorized 401, forbidden 403, …).
unsigned http_status(std::string_view code);

// The raw value of query parameter `name` in `target` ("" when absent), its %XX-decoding, and
// both with form encoding's '+' for a space.
std::string query_param(const std::string& target, std::string_view name);
std::string percent_decode(std::string_view s);
std::string form_value(const std::string& target, std::string_view name);

// `bytes` random bytes (OpenSSL's RAND_bytes) as lowercase hex; throws if none are to be had.
std::string random_hex(std::size_t bytes);

}  // namespace parley::server
