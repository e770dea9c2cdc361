// The WebSocket transport for Session: reads frames, and writes an outbound queue of shared
// payloads, coalescing everything pending into one WebSocket frame ('\n'-separated JSON
// objects, DESIGN §2) and one gathered write.
//
// Callback style with shared_from_this (as Beast's chat-multi example): an idle connection then
// costs only its pending read, not a coroutine frame. Every handler holds `self`.
//
// Plain and TLS connections share one class and one websocket::stream instantiation: the next
// layer is MaybeTlsStream (tls_stream.hpp), which forwards inline to the socket when plain.
#include "ws_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <vector>

#include "hub.hpp"
#include "session.hpp"
#include "shard.hpp"

namespace parley::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Beast finds these by argument-dependent lookup when a close handshake finishes: the plain
// path is Beast's own TCP teardown, TLS exchanges close_notify first.
template <class TeardownHandler>
void async_teardown(beast::role_type role, MaybeTlsStream& s, TeardownHandler&& handler) {
  if (!s.is_tls()) {
    return websocket::async_teardown(role, s.socket(), std::forward<TeardownHandler>(handler));
  }
  s.async_tls_teardown(MaybeTlsStream::DoneHandler(std::forward<TeardownHandler>(handler)));
}

namespace {

constexpr auto kCloseGrace = std::chrono::seconds(5);
// An idle connection always has a read pending, and Beast prepares the destination buffer when
// the read starts: a plain async_read would hold ~1.5 KiB per idle connection. The first read
// of each message asks for at most this much (most client frames fit); the rest of a longer
// message follows with Beast's own sizing. After a message the buffer is trimmed back if it
// grew beyond twice this.
constexpr std::size_t kFirstReadBytes = 256;

class WsSession final : public Session {
 public:
  WsSession(Shard& shard, MaybeTlsStream stream, std::string remote_ip)
      : Session(shard, std::move(remote_ip)), ws_(std::move(stream)) {}

  void start(http::request<http::string_body> req) {
    const auto& lim = shard().hub().config().limits;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = std::chrono::seconds(lim.idle_timeout_s);
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(lim.hard_frame_bytes);
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "parley/0.1.0");
    }));
    std::optional<std::string> bearer;
    auto auth = req[http::field::authorization];
    if (auth.size() > 7 && beast::iequals(auth.substr(0, 7), "Bearer ")) {
      bearer = std::string(auth.substr(7));
    }
    auto self = std::static_pointer_cast<WsSession>(shared_from_this());
    ws_.async_accept(req, [self, bearer = std::move(bearer)](beast::error_code ec) mutable {
      if (ec) return self->finish();
      self->on_open(std::move(bearer));
      self->do_read();
    });
  }

  SendStatus enqueue(Payload p) override {
    if (closing_ || done_) return SendStatus::closed;
    queued_bytes_ += p->size() + 1;
    queue_.push_back(std::move(p));
    const std::size_t cap = shard().hub().config().limits.outbound_queue_bytes;
    if (queued_bytes_ > cap) {
      close(close_code::policy, "outbound queue overflow");
      return SendStatus::overflow;
    }
    if (!warned_ && queued_bytes_ > cap / 4 * 3) {
      // Past three quarters of the cap: warn once (a client that reads it can catch up).
      warned_ = true;
      static const Payload kWarning = make_payload(
          R"({"op":"warning","code":"slow_reader","message":"you are not reading fast enough; )"
          R"(the connection closes (1008) if the server's queue for you fills up"})");
      queued_bytes_ += kWarning->size() + 1;
      queue_.push_back(kWarning);
    }
    if (!writing_ && !write_posted_) {
      // Start the write after the handler that is running now (usually one storage batch's
      // deliveries): everything it enqueues for this connection then goes out in one send.
      write_posted_ = true;
      asio::post(ws_.get_executor(),
                 [self = std::static_pointer_cast<WsSession>(shared_from_this())] {
                   self->write_posted_ = false;
                   if (self->writing_ || self->done_ || self->close_started_ ||
                       self->queue_.empty())
                     return;
                   self->do_write();
                 });
    }
    return SendStatus::ok;
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_ || done_) return;
    closing_ = true;
    close_deadline_ = std::chrono::steady_clock::now() + kCloseGrace;
    if (code == close_code::policy) {
      // A reader that fell behind: what it has not read yet is dropped, not delivered late.
      for (auto& p : queue_) queued_bytes_ -= p->size() + 1;
      queue_.clear();
    }
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                           std::string(reason).substr(0, 120));
    if (!writing_ && queue_.empty()) do_close();
  }

  std::size_t queued_bytes() const override { return queued_bytes_; }

  void on_sweep(std::chrono::steady_clock::time_point now) override {
    Session::on_sweep(now);
    if (closing_ && !done_ && now > close_deadline_) {
      // The peer never finished the close handshake (or never read): cut the socket.
      ws_.next_layer().close();
    }
  }

 private:
  // Reads one message into rbuf_: a small first read, then (if the message is longer) reads of
  // Beast's choosing until it is complete. read_message_max bounds the total.
  void do_read(std::size_t limit = kFirstReadBytes) {
    ws_.async_read_some(rbuf_, limit,
                        [self = std::static_pointer_cast<WsSession>(shared_from_this())](
                            beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish();
    if (!ws_.is_message_done()) return do_read(0);  // 0: Beast picks the size
    auto data = rbuf_.cdata();
    on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()),
             !ws_.got_text());
    rbuf_.consume(rbuf_.size());
    if (rbuf_.capacity() > 2 * kFirstReadBytes) rbuf_.shrink_to_fit();
    // Keep reading while closing too: the close handshake's reply arrives through it.
    do_read();
  }

  void do_write() {
    inflight_.swap(queue_);
    bufs_.clear();
    bufs_.reserve(inflight_.size() * 2);
    static constexpr char kNewline = '\n';
    for (std::size_t i = 0; i < inflight_.size(); ++i) {
      if (i > 0) bufs_.emplace_back(&kNewline, 1);
      bufs_.emplace_back(inflight_[i]->data(), inflight_[i]->size());
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(bufs_, [self = std::static_pointer_cast<WsSession>(shared_from_this())](
                               beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
  }

  void on_write(beast::error_code ec, std::size_t n) {
    writing_ = false;
    if (done_) return inflight_.clear();
    for (auto& p : inflight_) queued_bytes_ -= p->size() + 1;
    inflight_.clear();
    shard().hub().metrics().bytes_out.fetch_add(n, std::memory_order_relaxed);
    if (ec) {
      ws_.next_layer().close();
      return finish();
    }
    if (warned_ && queued_bytes_ < shard().hub().config().limits.outbound_queue_bytes / 4) {
      warned_ = false;  // caught up: warn again next time
    }
    if (!queue_.empty()) return do_write();
    if (queue_.capacity() > 64) std::vector<Payload>().swap(queue_);
    if (closing_) return do_close();
    on_writable();
  }

  void do_close() {
    if (close_started_ || done_) return;
    close_started_ = true;
    ws_.async_close(close_reason_,
                    [self = std::static_pointer_cast<WsSession>(shared_from_this())](
                        beast::error_code) { self->finish(); });
  }

  void finish() {
    if (done_) return;
    done_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    on_closed();
  }

  websocket::stream<MaybeTlsStream> ws_;
  beast::flat_buffer rbuf_;
  std::vector<Payload> queue_;
  std::vector<Payload> inflight_;
  std::vector<asio::const_buffer> bufs_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool done_ = false;
  bool warned_ = false;
  bool write_posted_ = false;  // a do_write is posted (enqueue); cleared when it runs
  websocket::close_reason close_reason_;
  std::chrono::steady_clock::time_point close_deadline_;
};

}  // namespace

void start_websocket(Shard& shard, MaybeTlsStream stream, http::request<http::string_body> req,
                     std::string remote_ip) {
  auto s = std::make_shared<WsSession>(shard, std::move(stream), std::move(remote_ip));
  s->start(std::move(req));
}

}  // namespace parley::server
