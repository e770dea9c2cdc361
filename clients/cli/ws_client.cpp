#include "ws_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <optional>
#include <type_traits>

namespace parley::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context ioc{1};
  // Exactly one of the two streams exists: plain unless use_tls() was called.
  std::optional<websocket::stream<beast::tcp_stream>> ws{std::in_place, ioc};
  std::optional<ssl::context> tls_ctx;
  std::string server_name;
  std::optional<websocket::stream<ssl::stream<beast::tcp_stream>>> wss;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;

  // Calls f with whichever websocket stream is in use.
  template <class F>
  decltype(auto) with_stream(F&& f) {
    if (wss) return f(*wss);
    return f(*ws);
  }

  // Runs the io_context until `done` or the timeout. Returns true if done.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      ioc.run_one_for(deadline - now);
    }
    return true;
  }

  template <class Ws>
  bool connect(Ws& s, const std::string& host, std::uint16_t port, std::string* error,
               const std::string& target, const std::string& bearer,
               std::chrono::milliseconds timeout);
};

template <class Ws>
bool WsClient::Impl::connect(Ws& s, const std::string& host, std::uint16_t port, std::string* error,
                             const std::string& target, const std::string& bearer,
                             std::chrono::milliseconds timeout) {
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    *error = "resolve: " + ec.message();
    return false;
  }
  auto& layer = beast::get_lowest_layer(s);
  layer.expires_after(timeout);
  bool done = false;
  layer.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  run_until([&] { return done; }, timeout + std::chrono::seconds(1));
  if (!done || ec) {
    *error = "connect: " + (done ? ec.message() : std::string("timeout"));
    return false;
  }
  layer.socket().set_option(tcp::no_delay(true), ec);
  if constexpr (!std::is_same_v<Ws, websocket::stream<beast::tcp_stream>>) {
    auto& tls = s.next_layer();
    const std::string& name = server_name.empty() ? host : server_name;
    if (!SSL_set_tlsext_host_name(tls.native_handle(), name.c_str())) {
      *error = "tls: cannot set SNI " + name;
      return false;
    }
    tls.set_verify_callback(ssl::host_name_verification(name));
    layer.expires_after(timeout);
    done = false;
    tls.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    run_until([&] { return done; }, timeout + std::chrono::seconds(1));
    if (!done || ec) {
      *error = "tls handshake: " + (done ? ec.message() : std::string("timeout"));
      return false;
    }
  }
  s.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& req) {
    if (!bearer.empty()) req.set(beast::http::field::authorization, "Bearer " + bearer);
  }));
  layer.expires_after(timeout);
  done = false;
  s.async_handshake(host + ":" + std::to_string(port), target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  run_until([&] { return done; }, timeout + std::chrono::seconds(1));
  if (!done || ec) {
    *error = "handshake: " + (done ? ec.message() : std::string("timeout"));
    return false;
  }
  layer.expires_never();
  s.read_message_max(64u << 20);
  return true;
}

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { abort(); }

bool WsClient::use_tls(const std::string& ca_file, std::string* error,
                       const std::string& server_name) {
  auto& im = *impl_;
  auto& ctx = im.tls_ctx.emplace(ssl::context::tls_client);
  beast::error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  if (!ec) ctx.load_verify_file(ca_file, ec);
  if (!ec) ctx.set_verify_mode(ssl::verify_peer, ec);
  if (ec) {
    *error = "tls: cannot load " + ca_file + ": " + ec.message();
    im.tls_ctx.reset();
    return false;
  }
  im.server_name = server_name;
  im.wss.emplace(im.ioc, ctx);
  im.ws.reset();
  return true;
}

bool WsClient::connect(const std::string& host, std::uint16_t port, std::string* error,
                       const std::string& target, const std::string& bearer,
                       std::chrono::milliseconds timeout) {
  return impl_->with_stream(
      [&](auto& s) { return impl_->connect(s, host, port, error, target, bearer, timeout); });
}

bool WsClient::send(std::string_view text) {
  if (closed_) return false;
  beast::error_code ec;
  impl_->with_stream([&](auto& s) {
    s.text(true);
    s.write(asio::buffer(text.data(), text.size()), ec);
  });
  return !ec;
}

bool WsClient::send_binary(std::string_view data) {
  if (closed_) return false;
  beast::error_code ec;
  impl_->with_stream([&](auto& s) {
    s.binary(true);
    s.write(asio::buffer(data.data(), data.size()), ec);
    s.text(true);
  });
  return !ec;
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  while (pending_.empty()) {
    if (closed_) return std::nullopt;
    if (!im.reading) {
      im.reading = true;
      im.read_done = false;
      im.with_stream([&im](auto& s) {
        s.async_read(im.buffer, [&im](beast::error_code ec, std::size_t) {
          im.read_ec = ec;
          im.read_done = true;
        });
      });
    }
    if (!im.run_until([&] { return im.read_done; }, timeout)) return std::nullopt;
    im.reading = false;
    if (im.read_ec) {
      closed_ = true;
      if (im.read_ec == websocket::error::closed) {
        im.with_stream([&](auto& s) {
          close_code_ = s.reason().code;
          close_reason_ = std::string(s.reason().reason.c_str());
        });
      }
      return std::nullopt;
    }
    ++frames_;
    std::string frame = beast::buffers_to_string(im.buffer.data());
    im.buffer.consume(im.buffer.size());
    std::size_t start = 0;
    while (start <= frame.size()) {
      auto nl = frame.find('\n', start);
      if (nl == std::string::npos) nl = frame.size();
      if (nl > start) pending_.push_back(frame.substr(start, nl - start));
      start = nl + 1;
    }
  }
  std::string out = std::move(pending_.front());
  pending_.pop_front();
  return out;
}

void WsClient::close() {
  if (closed_) return;
  auto& im = *impl_;
  bool done = false;
  im.with_stream([&](auto& s) {
    s.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  });
  // A pending read completes with `closed` once the server answers.
  im.run_until([&] { return done && (!im.reading || im.read_done); }, std::chrono::seconds(2));
  closed_ = true;
}

void WsClient::abort() {
  if (!impl_) return;
  beast::error_code ec;
  impl_->with_stream([&](auto& s) { beast::get_lowest_layer(s).socket().close(ec); });
  closed_ = true;
}

}  // namespace parley::client
