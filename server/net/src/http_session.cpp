#include "parley/net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <memory>
#include <optional>

#include "parley/fanout/shard.hpp"
#include "parley/net/http_reader.hpp"
#include "parley/net/ws_connection.hpp"

namespace parley::server {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr auto kHttpTimeout = std::chrono::seconds(30);
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(5);
// One class for both listeners: Stream is beast::tcp_stream (plain) or MaybeTlsStream (always
// TLS here; its TLS operations are compiled in tls_stream.cpp, not here). The differences are
// the TLS handshake before the first read, the close_notify at the end, and what the WebSocket
// session is handed on an upgrade.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, MaybeTlsStream>;

 public:
  HttpSession(Shard& shard, HttpHandler& api, tcp::socket socket) requires(!kTls)
      : shard_(shard), api_(api), stream_(std::move(socket)) {
    init();
  }
  HttpSession(Shard& shard, HttpHandler& api, boost::asio::ssl::context& tls,
              tcp::socket socket) requires kTls : shard_(shard),
                                                  api_(api),
                                                  stream_(std::move(socket), tls) {
    init();
  }

  void run() {
    if constexpr (kTls) {
      // The handshake is bounded by the same timeout as a request.
      tcp_layer().expires_after(kHttpTimeout);
      stream_.async_tls_handshake([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->on_handshake_failed(ec);
        self->do_read();
      });
    } else {
      do_read();
    }
  }

 private:
  // The tcp_stream whose timeouts bound every operation.
  beast::tcp_stream& tcp_layer() {
    if constexpr (kTls) {
      return stream_.tls_tcp();
    } else {
      return stream_;
    }
  }

  void init() {
    beast::error_code ec;
    auto ep = tcp_layer().socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = ep.address().to_string();
  }

  void on_handshake_failed(beast::error_code ec) {
    // Plain HTTP sent to the TLS port, an old protocol version, a scanner, a timeout: the
    // connection just closes (the stream's destructor). Debug level: the internet does this
    // all day.
    spdlog::debug("event=tls_handshake_failed remote={} error=\"{}\"", remote_ip_, ec.message());
  }

  void do_read() {
    parser_.emplace();
    http_reader::configure(*parser_, http_reader::kHeaderLimit, api_.max_body_bytes());
    tcp_layer().expires_after(kHttpTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return shutdown();
    // A TLS error or a peer that dropped TCP without close_notify: nothing can be answered.
    if (ec.category() == boost::asio::error::get_ssl_category() ||
        ec == boost::asio::ssl::error::stream_truncated) {
      return;
    }
    if (ec) {
      // Oversized or malformed requests get a JSON answer before the connection closes.
      if (auto r = http_reader::refusal(ec, parser_->is_header_done())) {
        return send_error(r->status, r->code, r->message);
      }
      return;
    }
    auto req = parser_->release();
    if (auto r = http_reader::check(req)) return send_error(r->status, r->code, r->message);
    const std::string target = http_reader::origin_form(req.target());
    if (beast::websocket::is_upgrade(req)) {
      if (target != "/ws") return send_error(404, "not_found", "WebSocket endpoint is /ws");
      // Browsers always send Origin on a WebSocket upgrade and let any page open one, so this
      // is what keeps other sites from embedding the community (server.allowed_origins).
      auto origin = req[http::field::origin];
      auto host = req[http::field::host];
      if (!api_.origin_permitted(std::string_view(origin.data(), origin.size()),
                                 std::string_view(host.data(), host.size()))) {
        return send_error(403, "forbidden", "origin not allowed");
      }
      if (!api_.admit_websocket()) {
        return send_error(503, "rate_limited", "server at its connection limit");
      }
      if (req[http::field::sec_websocket_version] != "13") {
        auto r = json_error(426, "bad_request", "unsupported WebSocket version; use 13");
        r.headers.emplace_back("Sec-WebSocket-Version", "13");
        return write(std::move(r), false, 11, false);
      }
      auto accept = websocket_accept(req[http::field::sec_websocket_key]);
      if (!accept) return send_error(400, "bad_request", "missing or malformed Sec-WebSocket-Key");
      std::optional<std::string> bearer;
      auto auth = req[http::field::authorization];
      if (auth.size() > 7 && beast::iequals(auth.substr(0, 7), "Bearer ")) {
        bearer = std::string(auth.substr(7));
      }
      tcp_layer().expires_never();
      // Bytes the client sent right after its request (frames pipelined before it read the
      // 101) are already in our buffer: the WebSocket session reads them first.
      std::string early(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if constexpr (kTls) {
        api_.open_websocket(shard_, std::move(stream_), std::move(*accept), std::move(bearer),
                            remote_ip_, std::move(early));
      } else {
        api_.open_websocket(shard_, MaybeTlsStream(stream_.release_socket()), std::move(*accept),
                            std::move(bearer), remote_ip_, std::move(early));
      }
      return;
    }
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = target;
    hr.body = std::move(req.body());
    hr.authorization = std::string(req[http::field::authorization]);
    hr.content_type = std::string(req[http::field::content_type]);
    hr.origin = std::string(req[http::field::origin]);
    hr.host = std::string(req[http::field::host]);
    hr.remote_ip = remote_ip_;
    hr.if_none_match = std::string(req[http::field::if_none_match]);
    hr.if_modified_since = std::string(req[http::field::if_modified_since]);
    hr.accept_encoding = std::string(req[http::field::accept_encoding]);
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();
    bool head = req.method() == http::verb::head;
    // The answer may come from a reader thread: hop back onto this connection's shard.
    auto self = this->shared_from_this();
    api_.handle(hr, [self, keep_alive, version, head](HttpResponse r) {
      boost::asio::post(self->shard_.ioc(),
                        [self, r = std::move(r), keep_alive, version, head]() mutable {
                          self->write(std::move(r), keep_alive, version, head);
                        });
    });
  }

  void send_error(unsigned status, std::string_view code, std::string_view message) {
    write(json_error(status, code, message), false, 11, false);
  }

  void write(HttpResponse r, bool keep_alive, unsigned version, bool head) {
    if (r.stream) return write_stream(std::move(r), keep_alive, version, head);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "parley/0.1.0");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    if (!head) res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head) res->content_length(r.body.size());
    tcp_layer().expires_after(kHttpTimeout);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return;
          if (!keep_alive) return self->shutdown();
          self->do_read();
        });
  }

  // A chunked body: the header, then each piece of the source once the previous one was
  // written (so at most one piece is held), then the last chunk.
  void write_stream(HttpResponse r, bool keep_alive, unsigned version, bool head) {
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "parley/0.1.0");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    if (!head) res->chunked(true);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    tcp_layer().expires_after(kHttpTimeout);
    http::async_write_header(stream_, *sr,
                             [self = this->shared_from_this(), res, sr, src = r.stream, keep_alive,
                              head](beast::error_code ec, std::size_t) {
                               if (ec) return;
                               if (head) return self->after_write(keep_alive);
                               self->pump(src, keep_alive);
                             });
  }

  void pump(std::shared_ptr<ChunkSource> src, bool keep_alive) {
    api_.read_async([self = this->shared_from_this(), src, keep_alive] {
      auto piece = std::make_shared<std::string>(src->next());
      boost::asio::post(self->shard_.ioc(), [self, src, piece, keep_alive] {
        self->tcp_layer().expires_after(kHttpTimeout);
        if (piece->empty()) {
          boost::asio::async_write(self->stream_, http::make_chunk_last(),
                                   [self, keep_alive](beast::error_code ec, std::size_t) {
                                     if (!ec) self->after_write(keep_alive);
                                   });
          return;
        }
        boost::asio::async_write(self->stream_, http::make_chunk(boost::asio::buffer(*piece)),
                                 [self, src, piece, keep_alive](beast::error_code ec, std::size_t) {
                                   if (!ec) self->pump(src, keep_alive);
                                 });
      });
    });
  }

  void after_write(bool keep_alive) {
    if (!keep_alive) return shutdown();
    do_read();
  }

  void shutdown() {
    if constexpr (kTls) {
      // close_notify, then wait (briefly) for the peer's; either way the socket then closes.
      tcp_layer().expires_after(kTlsShutdownTimeout);
      stream_.async_tls_teardown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Shard& shard_;
  HttpHandler& api_;
  Stream stream_;
  beast::flat_buffer buffer_{http_reader::kBufferLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_ip_;
};

}  // namespace

void start_http_session(Shard& shard, HttpHandler& api, tcp::socket socket) {
  std::make_shared<HttpSession<beast::tcp_stream>>(shard, api, std::move(socket))->run();
}

void start_https_session(Shard& shard, HttpHandler& api, boost::asio::ssl::context& tls,
                         tcp::socket socket) {
  std::make_shared<HttpSession<MaybeTlsStream>>(shard, api, tls, std::move(socket))->run();
}

}  // namespace parley::server
