#include "http_cache.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace parley::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (lower(k) == lower(name)) return &v;
  }
  return nullptr;
}

// Whether an If-None-Match list names `etag` (weak comparison, as RFC 9110 §13.1.2 asks; a
// gzip variant's tag "…-gz" names the same entity).
bool none_match_hits(std::string_view list, std::string_view etag) {
  auto bare = [](std::string_view t) {
    t = trim(t);
    if (t.starts_with("W/")) t.remove_prefix(2);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    if (t.ends_with("-gz")) t.remove_suffix(3);
    return t;
  };
  if (trim(list) == "*") return true;
  const std::string_view want = bare(etag);
  while (!list.empty()) {
    auto comma = list.find(',');
    if (bare(list.substr(0, comma)) == want) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string entity_tag(std::string_view body) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

std::optional<std::string> gzip(std::string_view body) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper, not zlib's.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(body.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const std::size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(n);
  return out;
}

bool accepts_gzip(std::string_view header) {
  bool gzip_ok = false, star_ok = false, gzip_named = false;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    std::string_view coding = trim(item.substr(0, item.find(';')));
    double q = 1;
    if (auto semi = item.find(';'); semi != std::string_view::npos) {
      std::string params = lower(item.substr(semi + 1));
      if (auto qpos = params.find("q="); qpos != std::string::npos) {
        q = std::atof(params.c_str() + qpos + 2);
      }
    }
    std::string c = lower(coding);
    if (c == "gzip" || c == "x-gzip") {
      gzip_named = true;
      gzip_ok = q > 0;
    } else if (c == "*") {
      star_ok = q > 0;
    }
  }
  return gzip_named ? gzip_ok : star_ok;
}

bool compressible(std::string_view content_type) {
  std::string t = lower(content_type.substr(0, content_type.find(';')));
  return t.starts_with("text/") || t == "application/json" || t == "application/javascript" ||
         t == "application/xml" || t == "application/atom+xml" || t == "image/svg+xml" ||
         t == "application/ld+json" || t == "application/manifest+json";
}

std::string http_date(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view s) {
  std::tm tm{};
  std::string str(trim(s));
  const char* end = strptime(str.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

void finish_response(const HttpRequest& req, HttpResponse& r) {
  if (r.status != 200 || (req.method != "GET" && req.method != "HEAD")) return;
  if (r.stream) return;  // made while it is sent: no validator, no gzip
  std::string etag;
  if (const auto* e = header(r, "ETag")) {
    etag = *e;
  } else {
    etag = entity_tag(r.body);
    r.headers.emplace_back("ETag", etag);
  }
  bool not_modified = false;
  if (!req.if_none_match.empty()) {
    not_modified = none_match_hits(req.if_none_match, etag);
  } else if (!req.if_modified_since.empty()) {
    const auto* lm = header(r, "Last-Modified");
    auto since = parse_http_date(req.if_modified_since);
    auto modified = lm ? parse_http_date(*lm) : std::nullopt;
    not_modified = since && modified && *modified <= *since;
  }
  const bool zip = compressible(r.content_type);
  if (zip) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (not_modified) {
    r.status = 304;
    r.body.clear();
    r.gzip_body.reset();
    return;
  }
  if (!zip || r.body.size() < 512 || !accepts_gzip(req.accept_encoding)) return;
  std::optional<std::string> packed;
  if (r.gzip_body) {
    packed = *r.gzip_body;
  } else {
    packed = gzip(r.body);
  }
  if (!packed || packed->size() >= r.body.size()) return;
  r.body = std::move(*packed);
  r.headers.emplace_back("Content-Encoding", "gzip");
  // The compressed representation has its own tag (RFC 9110 §8.8.3).
  for (auto& [k, v] : r.headers) {
    if (lower(k) == "etag" && v.size() >= 2 && v.back() == '"') v.insert(v.size() - 1, "-gz");
  }
}

}  // namespace parley::server
