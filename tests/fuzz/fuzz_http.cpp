// fuzz_http: the bytes of one HTTP connection through the server's request reader
// (server/net/include/parley/net/http_reader.hpp: the parser's limits, what a failed read answers,
// the checks a parsed request passes, the target's origin form), driven by Beast's request parser
// the way http::async_read drives it in server/net/src/http_session.cpp.
//
// The session itself needs the services (an ApiContext) and a socket; everything it does with
// the bytes before a request is served is in http_reader.hpp, which this target calls. It
// replays the read loop (keep-alive included: a fresh parser per request over the same buffer)
// and checks:
//  - no crash, no sanitizer report, no parser that stops consuming without finishing (the
//    read loop would spin);
//  - the limits hold: an accepted body is at most body_limit bytes, an accepted header at most
//    three times header_limit (Beast's limit is a window, not a total; README.md, "Findings");
//  - a failed read is answered with 400, 413 or 431, or the connection just closes, never
//    anything else; an accepted request either passes check() or is refused with 400, and its
//    target in origin form is never longer than the target and keeps its path and query;
//  - the outcome does not depend on how the bytes arrive: the whole stream in one read
//    (parsed with eager(false), header first) and in random-size reads (eager(true), as
//    async_read does) give the same requests and fail at the same request — except that a
//    header over the limit may pass one way and fail the other;
//  - at no point does the connection hold more unparsed bytes than one header plus one read.
//    Beast 1.81 bounds neither chunk-size lines, chunk extensions nor trailers; the session's
//    flat_buffer has that maximum (http_reader::buffer_limit), so a longer one ends the read
//    with buffer_overflow (answered 413/431) instead of growing the buffer
//    (regressions/fuzz_http/chunk-*-unbounded; README.md, "Findings").
// Both the server's limits (16 KiB header, 64 KiB body) and scaled-down ones (256 / 1024
// bytes, so short inputs reach every limit path) are used.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "parley/net/http_reader.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using parley::fuzz::Rng;

namespace reader = parley::server::http_reader;

// The server's header limit, and config.hpp's limits.max_http_body_bytes default.
constexpr std::uint32_t kServerHeaderLimit = reader::kHeaderLimit;
constexpr std::uint64_t kServerBodyLimit = 64 * 1024;
constexpr std::size_t kReadSize = reader::kReadSize;
// Requests parsed per connection before we stop (keep-alive pipelining).
constexpr std::size_t kMaxRequests = 16;

struct Limits {
  std::uint32_t header;
  std::uint64_t body;
};

// What one read of a request gave: enough to tell two runs apart.
struct Outcome {
  std::string error;            // empty on success
  std::string refused;          // accepted by the parser, refused by check()
  bool header_limit = false;    // the error is header_limit
  std::size_t header_size = 0;  // accepted: bytes up to and including the blank line
  std::string method, target, body, authorization, content_type, origin;
  unsigned version = 0;
  bool keep_alive = false, upgrade = false, chunked = false;
  std::size_t field_count = 0;

  bool operator==(const Outcome&) const = default;
};

std::string describe(const Outcome& o) {
  if (!o.error.empty()) return "error " + o.error;
  return o.method + " " + o.target + " v" + std::to_string(o.version) + " header " +
         std::to_string(o.header_size) + " body " + std::to_string(o.body.size());
}

std::string describe(const std::vector<Outcome>& v) {
  std::string out;
  for (const Outcome& o : v) out += "[" + describe(o) + "]";
  return out;
}

// How the stream arrives: all at once, or in reads of pseudo-random size.
struct Delivery {
  bool eager;  // what the parser is set to (async_read: true)
  Rng* rng;    // null: the whole stream in one read
};

// The read side of one connection, as http_session.cpp + http::async_read do it.
std::vector<Outcome> run_connection(std::string_view stream, const Limits& lim, Delivery how) {
  std::vector<Outcome> outcomes;
  std::string buffer;  // the session's flat_buffer: bytes read but not yet consumed
  // Its maximum (the header limit plus one read).
  const std::size_t cap = reader::buffer_limit(lim.header);
  std::size_t delivered = 0;

  for (std::size_t n_req = 0; n_req < kMaxRequests; ++n_req) {
    reader::Parser parser;
    reader::configure(parser, lim.header, lim.body);
    parser.eager(how.eager);
    const std::size_t start = delivered - buffer.size();  // of this request in the stream
    beast::error_code ec;

    while (!parser.is_done()) {
      if (!buffer.empty()) {
        const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
        FUZZ_CHECK(used <= buffer.size());
        buffer.erase(0, used);
        if (ec == http::error::need_more) {
          ec = {};
          // Parsed everything it can: what stays buffered is what the server must hold.
          FUZZ_CHECK_MSG(buffer.size() <= lim.header + kReadSize,
                         std::to_string(buffer.size()) + " bytes held unparsed");
        } else if (ec) {
          break;
        } else {
          // async_read calls put() again on the same bytes when it neither finished nor asked
          // for more: without progress that is an endless loop.
          FUZZ_CHECK(used > 0 || parser.is_done() || buffer.empty());
          continue;
        }
      }
      if (delivered == stream.size()) {  // the client closed the connection
        if (!parser.got_some()) {
          ec = http::error::end_of_stream;
        } else {
          parser.put_eof(ec);
          FUZZ_CHECK(ec || parser.is_done());
        }
        break;
      }
      // async_read reads at most min(64 KiB, room left); a full buffer fails the read.
      const std::size_t room = cap - buffer.size();
      if (room == 0) {
        ec = http::error::buffer_overflow;
        break;
      }
      std::size_t n = stream.size() - delivered;
      if (how.rng != nullptr) n = how.rng->between(1, n < 64 ? n : how.rng->next() % 4 ? 64 : n);
      if (n > kReadSize) n = kReadSize;
      if (n > room) n = room;
      buffer.append(stream.substr(delivered, n));
      delivered += n;
    }

    Outcome o;
    if (ec) {
      o.error = ec.message();
      o.header_limit = ec == http::error::header_limit;
      // The session answers 400/413/431 and closes, or just closes (the peer went away).
      if (auto r = reader::refusal(ec, parser.is_header_done())) {
        FUZZ_CHECK_MSG(r->status == 400 || r->status == 413 || r->status == 431,
                       std::to_string(r->status) + " for " + o.error);
        FUZZ_CHECK(!r->code.empty() && !r->message.empty());
      } else {
        FUZZ_CHECK_MSG(ec == http::error::end_of_stream || ec == http::error::partial_message,
                       "no answer for " + o.error);
      }
      outcomes.push_back(std::move(o));
      return outcomes;
    }
    FUZZ_CHECK(parser.is_header_done());
    // Beast ends a header only at CRLF CRLF.
    const std::size_t blank = stream.find("\r\n\r\n", start);
    FUZZ_CHECK(blank != std::string_view::npos);
    o.header_size = blank + 4 - start;
    // Beast checks header_limit per put() against the bytes it has not consumed yet: the
    // request line gets one window, the fields parsed in the same call another, and the rest
    // (once it waits for the blank line) a third. So up to three times the limit gets in.
    FUZZ_CHECK_MSG(o.header_size <= 3 * std::size_t{lim.header},
                   std::to_string(o.header_size) + " header bytes accepted");

    // What on_read() looks at, read the same way.
    reader::Request req = parser.release();
    if (auto r = reader::check(req)) {
      FUZZ_CHECK(r->status == 400);
      o.refused = std::string(r->message);
    }
    // The origin form: a target that starts with "/" is kept; an absolute one becomes its path
    // and query (a query alone gets a "/" in front), or "/".
    const std::string_view target(req.target().data(), req.target().size());
    const std::string origin = reader::origin_form(target);
    if (target.starts_with('/')) FUZZ_CHECK(origin == target);
    if (origin != target) {
      FUZZ_CHECK(origin.starts_with('/'));
      FUZZ_CHECK(
          origin == "/" || target.ends_with(origin) ||
          (origin.starts_with("/?") && target.ends_with(std::string_view(origin).substr(1))));
    }
    FUZZ_CHECK(req.body().size() <= lim.body);
    o.method = std::string(req.method_string());
    o.target = std::string(req.target());
    o.body = req.body();
    o.authorization = std::string(req[http::field::authorization]);
    o.content_type = std::string(req[http::field::content_type]);
    o.origin = std::string(req[http::field::origin]);
    o.version = req.version();
    o.keep_alive = req.keep_alive();
    o.upgrade = beast::websocket::is_upgrade(req);
    o.chunked = req.chunked();
    for (const auto& field : req) {
      (void)field;
      ++o.field_count;
    }
    // HttpApi::handle's first step.
    const std::string path = o.target.substr(0, o.target.find('?'));
    FUZZ_CHECK(path.size() <= o.target.size());

    const bool last = o.upgrade || !o.keep_alive;  // a WebSocket takes over, or the close
    outcomes.push_back(std::move(o));
    if (last) return outcomes;
  }
  return outcomes;
}

// One side accepted a header over the limit that the other refused: Beast's window (above).
bool header_window_quirk(const Outcome& a, const Outcome& b, const Limits& lim) {
  return a.error.empty() && b.header_limit && a.header_size > lim.header;
}

void check_limits(std::string_view stream, const Limits& lim, std::uint64_t seed) {
  // Whole stream, header first.
  const std::vector<Outcome> whole = run_connection(stream, lim, {false, nullptr});
  // Random-size reads, eager like async_read.
  Rng rng(seed);
  const std::vector<Outcome> pieces = run_connection(stream, lim, {true, &rng});

  for (std::size_t i = 0; i < whole.size() && i < pieces.size(); ++i) {
    const Outcome& a = whole[i];
    const Outcome& b = pieces[i];
    // Refused either way, maybe for different reasons: Beast parses a header that arrives in
    // pieces only once its blank line is in, so e.g. bare-LF line ends are "bad version" in one
    // read but "partial message" at EOF when they trickle in. Both close the connection.
    if (!a.error.empty() && !b.error.empty()) return;
    if (header_window_quirk(a, b, lim) || header_window_quirk(b, a, lim)) return;
    FUZZ_CHECK_MSG(a == b, describe(whole) + " vs " + describe(pieces));
  }
  FUZZ_CHECK_MSG(whole.size() == pieces.size(), describe(whole) + " vs " + describe(pieces));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const std::uint64_t seed = parley::fuzz::fnv1a(data, size);
  check_limits(stream, {kServerHeaderLimit, kServerBodyLimit}, seed);
  check_limits(stream, {256, 1024}, seed ^ 1);
  return 0;
}
