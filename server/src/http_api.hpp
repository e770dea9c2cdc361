// HTTP routes served on the same port as /ws: health, metrics, the JSON API and static files.
//
// Transport-neutral (no Beast here): http_session.cpp turns a Beast request into HttpRequest
// and writes the HttpResponse back. Handlers are quick and never touch disk: static files are
// loaded into memory at start-up.
//
// Thread-safety: handle() may be called from any shard thread concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rate_limit.hpp"

namespace parley::server {

class Hub;
class KnowledgePages;
struct Identity;

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

// The rule behind HttpApi::origin_permitted (pure, for tests).
bool origin_permitted(const std::vector<std::string>& allowed, std::string_view origin,
                      std::string_view host);

class HttpApi {
 public:
  HttpApi(Hub& hub, const std::string& web_root);
  Hub& hub() { return hub_; }
  ~HttpApi();

  // Answers `req` through `respond`, exactly once, possibly later and from another thread
  // (staff endpoints read storage on the reader pool).
  void handle(const HttpRequest& req, Respond respond);

  // Whether a browser page from `origin` may use this server (/api and the /ws upgrade):
  // no Origin (not a browser), the server's own origin (scheme://`host`), or one listed in
  // server.allowed_origins ("*" = any).
  bool origin_permitted(std::string_view origin, std::string_view host) const {
    return parley::server::origin_permitted(allowed_origins_, origin, host);
  }

  // Files served from the web root (for logs): count and bytes.
  std::size_t static_file_count() const { return files_.size(); }

  // Runs `f` off the I/O threads (the reader pool): a ChunkSource's next().
  void read_async(std::function<void()> f);

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
    std::shared_ptr<const std::string> gzip_body;  // when compressible and smaller
  };
  void load_web_root(const std::string& root);
  HttpResponse guest_token(const HttpRequest& req);
  void list_channels(const HttpRequest& req, Respond respond);
  // Staff endpoints (http_staff.cpp). `path` has no query string.
  void staff(const HttpRequest& req, const std::string& path, Respond respond);
  HttpResponse serve_static(const std::string& path);
  // Admin endpoints (http_admin.cpp): /api/admin/…, for `admin` tokens only.
  void admin(const HttpRequest& req, const std::string& path, const std::string& actor,
             Respond respond);
  // GET /api/admin/export?channel=…: the channel as NDJSON, streamed (http_export.cpp).
  void export_channel(const HttpRequest& req, const std::string& actor, Respond respond);
  // GET /api/users/ID/export: one user's data as NDJSON, for that user or an admin.
  void export_user(const HttpRequest& req, const std::string& user, const Identity& who,
                   Respond respond);
  // GET /api/search: any reader, anonymous ones limited per IP (search_service.hpp).
  void search(const HttpRequest& req, Respond respond);

  Hub& hub_;
  const std::vector<std::string>& allowed_origins_;
  std::unordered_map<std::string, File> files_;  // "/widget.js" -> file

  std::unique_ptr<KnowledgePages> kb_;
  KeyedLimiter guest_limiter_;               // guest tokens per IP
  KeyedLimiter search_ip_limiter_;           // anonymous searches per IP
  KeyedLimiter search_user_limiter_;         // searches with a token, per user
  std::atomic<bool> backup_running_{false};  // one backup at a time
};

// The raw value of query parameter `name` in `target` ("" when absent), its %XX-decoding, and
// both with form encoding's '+' for a space.
std::string query_param(const std::string& target, std::string_view name);
std::string percent_decode(std::string_view s);
std::string form_value(const std::string& target, std::string_view name);

// {"error":{"code":…,"message":…}}
HttpResponse json_error(unsigned status, std::string_view code, std::string_view message);
// A JSON body with `status` (application/json).
HttpResponse json_ok(std::string body, unsigned status = 200);
// `bytes` random bytes (OpenSSL's RAND_bytes) as lowercase hex; throws if none are to be had.
std::string random_hex(std::size_t bytes);
// HTTP status for a protocol error code (bad_request 400, unauthorized 401, forbidden 403, …).
unsigned http_status(std::string_view code);

}  // namespace parley::server
