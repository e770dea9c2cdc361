// HTTP routes served on the same port as /ws: health, metrics, the JSON API and static files.
//
// Transport-neutral (no Beast here): the HTTP transport (parley/net/http_session.hpp) turns a
// Beast request into HttpRequest, calls this as its HttpHandler and writes the HttpResponse back.
// Handlers are quick and never touch disk: static files are loaded into memory at start-up.
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

#include "parley/net/http_handler.hpp"
#include "parley/net/transport.hpp"
#include "parley/ops/rate_limit.hpp"

namespace parley::server {

struct ApiContext;
class KnowledgePages;
struct Identity;

// The rule behind HttpApi::origin_permitted (pure, for tests).
bool origin_permitted(const std::vector<std::string>& allowed, std::string_view origin,
                      std::string_view host);

class HttpApi final : public HttpHandler {
 public:
  HttpApi(ApiContext& ctx, const std::string& web_root);
  ~HttpApi();

  // Answers `req` through `respond`, exactly once, possibly later and from another thread
  // (staff endpoints read storage on the reader pool).
  void handle(const HttpRequest& req, Respond respond) override;

  // Whether a browser page from `origin` may use this server (/api and the /ws upgrade):
  // no Origin (not a browser), the server's own origin (scheme://`host`), or one listed in
  // server.allowed_origins ("*" = any).
  bool origin_permitted(std::string_view origin, std::string_view host) const override {
    return parley::server::origin_permitted(allowed_origins_, origin, host);
  }

  // [limits] max_http_body_bytes.
  std::size_t max_body_bytes() const override;
  // Under [limits] max_connections open connections (else counted as rejected).
  bool admit_websocket() override;
  // A protocol session on the connection (ws_session.cpp).
  void open_websocket(Shard& shard, MaybeTlsStream stream, std::string accept,
                      std::optional<std::string> bearer, std::string remote_ip,
                      std::string early) override;

  // Files served from the web root (for logs): count and bytes.
  std::size_t static_file_count() const { return files_.size(); }

  // Runs `f` off the I/O threads (the reader pool): a ChunkSource's next().
  void read_async(std::function<void()> f) override;

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
  // GET /api/cluster (admins): {"cluster":false} on a single node, else this node's view of
  // the members (docs/CLUSTER.md); http_admin.cpp.
  void cluster_status(const HttpRequest& req, Respond respond);
  // GET /api/users/ID/export: one user's data as NDJSON, for that user or an admin.
  void export_user(const HttpRequest& req, const std::string& user, const Identity& who,
                   Respond respond);
  // GET /api/search: any reader, anonymous ones limited per IP (search_service.hpp).
  void search(const HttpRequest& req, Respond respond);

  ApiContext& ctx_;
  const std::vector<std::string>& allowed_origins_;
  std::unordered_map<std::string, File> files_;  // "/widget.js" -> file

  std::unique_ptr<KnowledgePages> kb_;
  KeyedLimiter guest_limiter_;               // guest tokens per IP
  KeyedLimiter search_ip_limiter_;           // anonymous searches per IP
  KeyedLimiter search_user_limiter_;         // searches with a token, per user
  std::atomic<bool> backup_running_{false};  // one backup at a time
};

}  // namespace parley::server
