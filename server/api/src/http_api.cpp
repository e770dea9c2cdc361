#include "parley/api/http_api.hpp"

#include <openssl/rand.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "http_cache.hpp"
#include "kb_pages.hpp"
#include "parley/api/context.hpp"
#include "parley/ops/clock.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "ws_session.hpp"

namespace parley::server {

namespace fs = std::filesystem;
using protocol::JsonWriter;

namespace {

constexpr std::size_t kMaxStaticBytes = 64u << 20;  // everything under the web root together

std::string content_type_for(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace

std::size_t HttpApi::max_body_bytes() const { return ctx_.cfg.limits.max_http_body_bytes; }

bool HttpApi::admit_websocket() {
  auto& m = ctx_.metrics;
  if (static_cast<std::size_t>(m.connections_open.load()) >= ctx_.cfg.limits.max_connections) {
    m.connections_rejected.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void HttpApi::open_websocket(Shard& shard, MaybeTlsStream stream, std::string accept,
                             std::optional<std::string> bearer, std::string remote_ip,
                             std::string early) {
  ctx_.metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  start_websocket(ctx_, shard, std::move(stream), std::move(accept), std::move(bearer),
                  std::move(remote_ip), std::move(early));
}

HttpApi::HttpApi(ApiContext& ctx, const std::string& web_root)
    : ctx_(ctx),
      allowed_origins_(ctx.cfg.server.allowed_origins),
      kb_(std::make_unique<KnowledgePages>(ctx)) {
  if (!web_root.empty()) load_web_root(web_root);
}

HttpApi::~HttpApi() = default;

void HttpApi::load_web_root(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    spdlog::warn("event=web_root_missing path=\"{}\"", root);
    return;
  }
  std::size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    // npm's install folder (clients/web/node_modules, used to build the served vendor/ files)
    // and hidden folders are not part of the site.
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      const auto name = it->path().filename().string();
      if (name == "node_modules" || name.starts_with('.')) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    auto rel = fs::relative(it->path(), root, ec).generic_string();
    if (ec || rel.empty() || rel[0] == '.') continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    total += body.size();
    if (total > kMaxStaticBytes) {
      spdlog::warn("event=web_root_too_large path=\"{}\"", root);
      break;
    }
    File f{content_type_for(it->path()), std::move(body), {}, nullptr};
    f.etag = entity_tag(f.body);
    if (compressible(f.content_type)) {
      if (auto gz = gzip(f.body); gz && gz->size() < f.body.size()) {
        f.gzip_body = std::make_shared<const std::string>(std::move(*gz));
      }
    }
    files_["/" + rel] = std::move(f);
  }
}

void HttpApi::handle(const HttpRequest& req, Respond respond) {
  ctx_.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
  // Every GET/HEAD answer gets its validators, a 304 when the client has it, and gzip.
  if (req.method == "GET" || req.method == "HEAD") {
    HttpRequest cond;  // only what finish_response() reads
    cond.method = req.method;
    cond.if_none_match = req.if_none_match;
    cond.if_modified_since = req.if_modified_since;
    cond.accept_encoding = req.accept_encoding;
    respond = [respond = std::move(respond), cond = std::move(cond)](HttpResponse r) {
      finish_response(cond, r);
      respond(std::move(r));
    };
  }
  std::string path = req.target.substr(0, req.target.find('?'));
  // /api from a browser page: only the server's own origin and the allowed ones may call it,
  // and those get CORS headers (the widget embedded on a company's site).
  const bool api = path.rfind("/api/", 0) == 0;
  if (api && !req.origin.empty()) {
    if (!origin_permitted(req.origin, req.host)) {
      return respond(json_error(403, "forbidden", "origin not allowed"));
    }
    respond = [respond = std::move(respond), origin = req.origin](HttpResponse r) {
      r.headers.emplace_back("Access-Control-Allow-Origin", origin);
      r.headers.emplace_back("Vary", "Origin");
      respond(std::move(r));
    };
  }
  bool is_get = req.method == "GET" || req.method == "HEAD";

  if (api && req.method == "OPTIONS") {
    HttpResponse r;
    r.status = 204;
    r.headers = {{"Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS"},
                 {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                 {"Access-Control-Max-Age", "600"}};
    return respond(std::move(r));
  }
  if (path == "/healthz") {
    if (!is_get) return respond(json_error(405, "bad_request", "use GET"));
    HttpResponse r;
    r.body = R"({"status":"ok"})";
    return respond(std::move(r));
  }
  if (path == "/readyz") {
    if (!is_get) return respond(json_error(405, "bad_request", "use GET"));
    // Liveness is /healthz; this says whether writes would succeed now (DESIGN §12).
    auto rd = ctx_.store.readiness();
    if (auto p = ctx_.webhooks.problem()) rd.problems.push_back(*p);
    if (auto p = ctx_.email.problem()) rd.problems.push_back(*p);
    if (auto p = ctx_.tokens.problem(); !p.empty()) rd.problems.push_back(p);
    HttpResponse r;
    r.status = rd.problems.empty() ? 200 : 503;
    JsonWriter w(r.body);
    w.begin_object().field("status", rd.problems.empty() ? "ready" : "not_ready");
    w.key("problems").begin_array();
    for (const auto& p : rd.problems) w.value(p);
    w.end_array();
    w.key("storage").begin_object().field("free_bytes", rd.free_bytes);
    w.field("min_free_bytes", rd.min_free_bytes);
    w.field("queue_depth", static_cast<std::uint64_t>(rd.queue_depth));
    w.field("max_queue", static_cast<std::uint64_t>(rd.max_queue)).end_object();
    w.end_object();
    return respond(std::move(r));
  }
  if (path == "/metrics") {
    if (!is_get) return respond(json_error(405, "bad_request", "use GET"));
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = ctx_.metrics.render(ctx_.store);
    if (auto* index = ctx_.search) Metrics::render_search(index->stats(), r.body);
    Metrics::render_webhooks(ctx_.webhooks.stats(), r.body);
    Metrics::render_email(ctx_.email.stats(), r.body);
    return respond(std::move(r));
  }
  if (path == "/unsubscribe") return ctx_.email.http_unsubscribe(req, std::move(respond));
  if (path == "/api/guest") {
    if (req.method != "POST") return respond(json_error(405, "bad_request", "use POST"));
    return respond(guest_token(req));
  }
  if (path == "/api/channels" && is_get) return list_channels(req, std::move(respond));
  if (path == "/api/search") {
    if (!is_get) return respond(json_error(405, "bad_request", "use GET"));
    return search(req, std::move(respond));
  }
  if (path.rfind("/api/", 0) == 0) return staff(req, path, std::move(respond));
  if (KnowledgePages::owns(path)) return kb_->handle(req, path, std::move(respond));
  if (path == "/ws")
    return respond(json_error(400, "bad_request", "/ws needs a WebSocket upgrade"));
  if (!is_get) return respond(json_error(405, "bad_request", "static files are read with GET"));
  respond(serve_static(path));
}

bool origin_permitted(const std::vector<std::string>& allowed, std::string_view origin,
                      std::string_view host) {
  if (origin.empty()) return true;  // not a browser (bots, the CLI, curl)
  // Same origin: the page was served by this server (the demo page, the console). Browsers
  // send the Host they connected to, and the Origin of a page from there is scheme://host.
  if (!host.empty()) {
    for (std::string_view scheme : {"http://", "https://"}) {
      if (origin.size() == scheme.size() + host.size() && origin.starts_with(scheme) &&
          origin.substr(scheme.size()) == host)
        return true;
    }
  }
  for (const auto& o : allowed) {
    if (o == "*" || o == origin) return true;
  }
  return false;
}

HttpResponse HttpApi::serve_static(const std::string& path) {
  std::string key = path;
  if (key == "/") key = "/index.html";
  if (key == "/console" || key == "/console/") key = "/console.html";
  // Only names loaded from the web root exist here: "..", "//" or encoded tricks simply miss.
  auto it = files_.find(key);
  if (it == files_.end()) return json_error(404, "not_found", "no such file");
  HttpResponse r;
  r.content_type = it->second.content_type;
  r.body = it->second.body;
  r.gzip_body = it->second.gzip_body;
  r.headers.emplace_back("ETag", it->second.etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

HttpResponse HttpApi::guest_token(const HttpRequest& req) {
  simdjson::padded_string body(req.body);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return json_error(400, "bad_request", "body must be a JSON object {\"name\":…}");
  }
  std::string_view name;
  if (doc["name"].get_string().get(name) != simdjson::SUCCESS) {
    return json_error(400, "bad_request", "\"name\" is required and must be a string");
  }
  if (!protocol::is_valid_display_name(name)) {
    return json_error(400, "bad_request",
                      "\"name\" must be 1-64 characters, no control characters");
  }
  if (guest_limiter_.take(req.remote_ip, ctx_.cfg.limits.guest_tokens_per_ip_per_min) > 0) {
    auto r = json_error(429, "rate_limited", "too many guest tokens from this address");
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }
  protocol::Claims c;
  c.sub = "g-" + random_hex(8);
  c.name = std::string(name);
  c.role = protocol::Role::customer;
  c.guest = true;
  c.iat = now_s();
  c.exp = c.iat + ctx_.cfg.auth.guest_ttl_s;
  HttpResponse r;
  JsonWriter w(r.body);
  w.begin_object().field("token", protocol::jwt_sign(c, ctx_.secret));
  w.key("user").begin_object().field("id", c.sub).field("name", c.name);
  w.field("role", "customer").field("guest", true).end_object();
  w.field("expires_at", c.exp).end_object();
  return r;
}

}  // namespace parley::server
