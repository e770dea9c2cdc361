// The server's HTTP request reader, without the socket: the parser's limits, what a failed read
// answers, and the checks a parsed request passes before it is served. http_session.cpp reads
// each request with these and Beast's http::async_read; the fuzz target tests/fuzz/fuzz_http.cpp
// runs the same functions over arbitrary bytes. Header-only (Beast), pure, thread-safe.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::server::http_reader {

namespace beast = boost::beast;
namespace http = beast::http;

using Request = http::request<http::string_body>;
using Parser = http::request_parser<http::string_body>;

// A request's header (Beast applies it per put(), as a window: README of tests/fuzz).
inline constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// http::async_read asks the socket for at most this much per read.
inline constexpr std::size_t kReadSize = 64 * 1024;
// Bytes read but not yet parsed that one connection may hold (the flat_buffer's maximum): a
// header window plus one read. Beast 1.81 applies neither limit to a chunk-size line, its
// extensions or a trailer, so without this cap one chunked request could make the server
// buffer everything its client sends until the timeout (tests/fuzz/README.md, "Findings").
constexpr std::size_t buffer_limit(std::uint32_t header_limit) { return header_limit + kReadSize; }
inline constexpr std::size_t kBufferLimit = buffer_limit(kHeaderLimit);

// A fresh parser's limits, for one request (the server: kHeaderLimit and
// limits.max_http_body_bytes).
inline void configure(Parser& parser, std::uint32_t header_limit, std::uint64_t body_limit) {
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
}

// What the server answers before it closes the connection (a JSON error, http_api.hpp).
struct Refusal {
  unsigned status = 400;
  std::string_view code;
  std::string_view message;
};

// What a failed read answers, given whether the request's header had been read; nullopt when
// nothing can be answered (the peer closed, reset or went quiet: the connection just closes).
inline std::optional<Refusal> refusal(beast::error_code ec, bool header_done) {
  if (ec == http::error::body_limit) return Refusal{413, "too_large", "request body too large"};
  if (ec == http::error::header_limit)
    return Refusal{431, "too_large", "request headers too large"};
  if (ec == http::error::buffer_overflow) {
    // The unparsed bytes reached the buffer limit: in the chunked framing or the trailer once
    // the header is done, else in the header.
    if (header_done) return Refusal{413, "too_large", "request too large"};
    return Refusal{431, "too_large", "request headers too large"};
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == boost::asio::error::operation_aborted || ec == boost::asio::error::connection_reset ||
      ec == http::error::partial_message) {
    return std::nullopt;
  }
  return Refusal{400, "bad_request", "malformed HTTP request"};
}

// The origin form of a request target: "http://host:port/a?b" -> "/a?b" ("/" when the
// absolute form has no path); any other target unchanged. Proxies send the absolute form; it
// names the same resource as its path (RFC 9112 §3.2.2).
inline std::string origin_form(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme)) {
      const auto rest = target.substr(scheme.size());
      const auto slash = rest.find_first_of("/?");
      if (slash == std::string_view::npos) return "/";
      return rest[slash] == '/' ? std::string(rest.substr(slash))
                                : "/" + std::string(rest.substr(slash));
    }
  }
  return std::string(target);
}

// The checks a parsed request passes before it is served: an HTTP/1.1 request has exactly one
// Host (RFC 9112 §3.2; HTTP/1.0 may have none).
inline std::optional<Refusal> check(const Request& req) {
  const auto hosts = req.count(http::field::host);
  if (hosts > 1) return Refusal{400, "bad_request", "more than one Host header"};
  if (hosts == 0 && req.version() >= 11) return Refusal{400, "bad_request", "missing Host header"};
  return std::nullopt;
}

}  // namespace parley::server::http_reader
