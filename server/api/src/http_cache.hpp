// Validators and compression for HTTP responses: ETag / Last-Modified with 304 Not Modified
// (RFC 9110 §8.8, §13), and gzip (zlib) for text when the client accepts it.
//
// Pure functions of the request's headers and the response; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/api/http_api.hpp"

namespace parley::server {

// A strong entity tag for `body`: "\"" + 16 hex digits of a 64-bit FNV-1a hash + "\"".
std::string entity_tag(std::string_view body);
// `body` gzip-compressed (zlib, level 6), or nullopt if zlib fails.
std::optional<std::string> gzip(std::string_view body);
// Whether an Accept-Encoding header accepts gzip (a `gzip` or `*` coding with q > 0, and
// `gzip;q=0` refusing it).
bool accepts_gzip(std::string_view accept_encoding);
// Text worth compressing: text/*, JSON, JavaScript, XML, SVG, Atom.
bool compressible(std::string_view content_type);
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of a Unix time in seconds, and back.
std::string http_date(std::int64_t unix_s);
std::optional<std::int64_t> parse_http_date(std::string_view s);

// Finishes a response to a GET or HEAD: for a 200, sets ETag (from the identity body, unless the
// handler set one), answers 304 Not Modified (no body) when If-None-Match names it, or — with
// no If-None-Match — when If-Modified-Since is at or after the response's Last-Modified; else
// compresses a compressible body of at least 512 bytes when the client accepts gzip (using
// `r.gzip_body` when the handler prepared one) and adds `Vary: Accept-Encoding`.
void finish_response(const HttpRequest& req, HttpResponse& r);

}  // namespace parley::server
