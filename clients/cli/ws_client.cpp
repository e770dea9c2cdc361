#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace parley::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context ioc{1};
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;

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
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { abort(); }

bool WsClient::connect(const std::string& host, std::uint16_t port, std::string* error,
                       const std::string& target, const std::string& bearer,
                       std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  beast::error_code ec;
  tcp::resolver resolver(im.ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    *error = "resolve: " + ec.message();
    return false;
  }
  auto& layer = beast::get_lowest_layer(im.ws);
  layer.expires_after(timeout);
  bool done = false;
  layer.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  im.run_until([&] { return done; }, timeout + std::chrono::seconds(1));
  if (!done || ec) {
    *error = "connect: " + (done ? ec.message() : std::string("timeout"));
    return false;
  }
  layer.socket().set_option(tcp::no_delay(true), ec);
  im.ws.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& req) {
    if (!bearer.empty()) req.set(beast::http::field::authorization, "Bearer " + bearer);
  }));
  done = false;
  im.ws.async_handshake(host + ":" + std::to_string(port), target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  im.run_until([&] { return done; }, timeout + std::chrono::seconds(1));
  if (!done || ec) {
    *error = "handshake: " + (done ? ec.message() : std::string("timeout"));
    return false;
  }
  layer.expires_never();
  im.ws.read_message_max(64u << 20);
  return true;
}

bool WsClient::send(std::string_view text) {
  if (closed_) return false;
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text.data(), text.size()), ec);
  return !ec;
}

bool WsClient::send_binary(std::string_view data) {
  if (closed_) return false;
  beast::error_code ec;
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(data.data(), data.size()), ec);
  impl_->ws.text(true);
  return !ec;
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  while (pending_.empty()) {
    if (closed_) return std::nullopt;
    if (!im.reading) {
      im.reading = true;
      im.read_done = false;
      im.ws.async_read(im.buffer, [&im](beast::error_code ec, std::size_t) {
        im.read_ec = ec;
        im.read_done = true;
      });
    }
    if (!im.run_until([&] { return im.read_done; }, timeout)) return std::nullopt;
    im.reading = false;
    if (im.read_ec) {
      closed_ = true;
      if (im.read_ec == websocket::error::closed) {
        close_code_ = im.ws.reason().code;
        close_reason_ = std::string(im.ws.reason().reason.c_str());
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
  im.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  // A pending read completes with `closed` once the server answers.
  im.run_until([&] { return done && (!im.reading || im.read_done); }, std::chrono::seconds(2));
  closed_ = true;
}

void WsClient::abort() {
  if (!impl_) return;
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  closed_ = true;
}

}  // namespace parley::client
