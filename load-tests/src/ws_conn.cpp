// The Beast translation unit of the load generator (see ws_conn.hpp).
//
// Every handler holds a shared_ptr to Impl, so the socket outlives each pending operation; the
// owning WsConn may vanish first (owner_ = nullptr), after which no callback is made.
#include "ws_conn.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace parley::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kShrinkReadBufferAbove = 64 * 1024;
constexpr std::size_t kWriteBufferBytes = 1024;  // frames are small; Beast masks in chunks
}  // namespace

struct WsConn::Impl : std::enable_shared_from_this<Impl> {
  // `framing`: socket.io only, the WebSocket is up and the socket.io handshake is running.
  enum class State : std::uint8_t { idle, connecting, handshaking, framing, open, closing, closed };

  Impl(asio::io_context& ioc, WsConn* owner) : ws(ioc), owner(owner) {}

  websocket::stream<tcp::socket> ws;
  beast::flat_buffer rbuf;
  std::vector<std::string> queue;  // queue[head..] not written yet
  std::size_t head = 0;
  WsConn* owner;
  State state = State::idle;
  bool writing = false;
  bool close_wanted = false;
  bool by_us = false;
  std::string host_header;
  std::string target;
  Framing framing = Framing::parley;
  SocketIoFraming sio;

  void start(const ConnectSpec& spec) {
    host_header = spec.host_header;
    target = spec.target;
    framing = spec.framing;
    state = State::connecting;
    beast::error_code ec;
    auto remote = asio::ip::make_address(spec.remote_ip, ec);
    if (ec) return fail_later(CloseInfo::Stage::connect, ec);
    tcp::endpoint ep(remote, spec.port);
    auto& sock = ws.next_layer();
    sock.open(ep.protocol(), ec);
    if (ec) return fail_later(CloseInfo::Stage::connect, ec);
    if (!spec.source_ip.empty()) {
      // Defer the port choice to connect(): ports are then unique per 4-tuple, not per source.
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      auto src = asio::ip::make_address(spec.source_ip, ec);
      if (!ec) sock.bind(tcp::endpoint(src, 0), ec);
      if (ec) return fail_later(CloseInfo::Stage::connect, ec);
    }
    sock.set_option(tcp::no_delay(true), ec);
    sock.async_connect(ep,
                       [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
  }

  void fail_later(CloseInfo::Stage stage, beast::error_code ec) {
    asio::post(ws.get_executor(),
               [self = shared_from_this(), stage, ec] { self->finish(stage, ec); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return finish(CloseInfo::Stage::connect, ec);
    if (state != State::connecting)
      return finish(CloseInfo::Stage::connect, asio::error::operation_aborted);
    state = State::handshaking;
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    ws.secure_prng(false);  // masking keys need no cryptographic randomness here
    ws.write_buffer_bytes(kWriteBufferBytes);
    ws.auto_fragment(false);
    ws.read_message_max(64u << 20);
    ws.async_handshake(host_header, target,
                       [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return finish(CloseInfo::Stage::handshake, ec);
    if (state != State::handshaking)
      return finish(CloseInfo::Stage::handshake, asio::error::operation_aborted);
    std::string().swap(host_header);
    std::string().swap(target);
    if (framing == Framing::socketio) {
      state = State::framing;  // open once socket.io says so (on_read)
      return do_read();
    }
    state = State::open;
    do_read();
    if (owner) owner->on_open();
  }

  void do_read() {
    ws.async_read(rbuf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish(CloseInfo::Stage::open, ec);
    auto data = rbuf.cdata();
    std::string_view all(static_cast<const char*>(data.data()), data.size());
    if (framing == Framing::socketio && !unwrap(all)) return;
    // A server frame carries one or more objects separated by '\n'.
    while (!all.empty() && owner && state != State::closed) {
      auto nl = all.find('\n');
      auto obj = all.substr(0, nl);
      if (!obj.empty()) owner->on_object(obj);
      if (nl == std::string_view::npos) break;
      all.remove_prefix(nl + 1);
    }
    rbuf.consume(rbuf.size());
    if (rbuf.capacity() > kShrinkReadBufferAbove) rbuf.shrink_to_fit();
    if (state == State::closed) return;
    do_read();
  }

  // socket.io: acts on one message; leaves in `msg` the Parley payload to split (empty when
  // there is none). Returns false once the connection failed (nothing else to do).
  bool unwrap(std::string_view& msg) {
    auto step = sio.on_message(msg);
    msg = {};
    switch (step.kind) {
      case SocketIoFraming::Kind::ignore:
        break;
      case SocketIoFraming::Kind::reply:
        // Not once closing: Beast allows no write next to async_close.
        if (state == State::framing || state == State::open) push(std::string(step.data));
        break;
      case SocketIoFraming::Kind::opened:
        if (state != State::framing) break;
        state = State::open;
        if (owner) owner->on_open();
        break;
      case SocketIoFraming::Kind::payload:
        msg = step.data;
        break;
      case SocketIoFraming::Kind::fail:
        finish(state == State::framing ? CloseInfo::Stage::handshake : CloseInfo::Stage::open, {},
               std::string(step.data));
        return false;
    }
    return true;
  }

  bool send(std::string text) {
    if (state != State::open || close_wanted) return false;
    push(framing == Framing::socketio ? SocketIoFraming::wrap(text) : std::move(text));
    return true;
  }

  void push(std::string frame) {
    queue.push_back(std::move(frame));
    if (!writing) do_write();
  }

  void do_write() {
    writing = true;
    ws.text(true);
    const std::string& s = queue[head];
    ws.async_write(
        asio::buffer(s.data(), s.size()),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing = false;
    if (ec) {
      // The pending read reports the failure.
      beast::error_code ignored;
      ws.next_layer().close(ignored);
      return;
    }
    if (++head == queue.size()) {
      queue.clear();
      head = 0;
      if (queue.capacity() > 256) std::vector<std::string>().swap(queue);
    }
    if (head < queue.size()) return do_write();
    if (close_wanted && state == State::open) do_close();
  }

  void close() {
    by_us = true;
    if (state == State::open) {
      close_wanted = true;
      if (!writing) do_close();
    } else if (state != State::closing && state != State::closed) {
      abort();
    }
  }

  void do_close() {
    state = State::closing;
    ws.async_close(websocket::close_code::normal,
                   [self = shared_from_this()](beast::error_code ec) {
                     if (ec) {
                       beast::error_code ignored;
                       self->ws.next_layer().close(ignored);
                     }
                   });
  }

  void abort() {
    by_us = true;
    if (state == State::closed) return;
    beast::error_code ignored;
    ws.next_layer().close(ignored);  // pending operations complete with operation_aborted
  }

  // `why` (a framing failure) replaces the error code's message.
  void finish(CloseInfo::Stage stage, beast::error_code ec, std::string why = {}) {
    if (state == State::closed) return;
    state = State::closed;
    beast::error_code ignored;
    ws.next_layer().close(ignored);
    queue.clear();
    head = 0;
    if (!owner) return;
    CloseInfo info;
    info.stage = stage;
    info.by_us = by_us;
    if (!why.empty()) {
      info.reason = std::move(why);
    } else if (ec == websocket::error::closed) {
      info.code = static_cast<std::uint16_t>(ws.reason().code);
      info.reason = std::string(ws.reason().reason.c_str());
    } else {
      info.reason = ec.message();
    }
    owner->on_closed(info);
  }
};

WsConn::WsConn(asio::io_context& ioc) : impl_(std::make_shared<Impl>(ioc, this)) {}

WsConn::~WsConn() {
  impl_->owner = nullptr;
  impl_->abort();
}

void WsConn::connect(const ConnectSpec& spec) { impl_->start(spec); }
bool WsConn::send(std::string text) { return impl_->send(std::move(text)); }
void WsConn::close() { impl_->close(); }
void WsConn::abort() { impl_->abort(); }
bool WsConn::is_open() const { return impl_->state == Impl::State::open && !impl_->close_wanted; }
std::size_t WsConn::queued_frames() const { return impl_->queue.size() - impl_->head; }

}  // namespace parley::load
