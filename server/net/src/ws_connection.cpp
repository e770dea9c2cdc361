// The WebSocket transport: RFC 6455 framing, server side, written on Asio directly.
//
// Why not Beast's websocket::stream (which this file used until the connection-memory and
// fan-out work of issue #3): its per-stream state is ~2.6 KiB (a 1.5 KiB read buffer inside),
// every idle connection keeps a read operation with a prepared buffer and a ping timer, and every
// write runs a composed operation per recipient. Here:
// - An idle plain connection holds no buffer at all: it waits for readability (async_wait) and
//   then reads into a per-thread scratch buffer; only the bytes of an unfinished frame are kept
//   per connection. TLS connections read through a 4 KiB per-connection buffer (decrypted data
//   can arrive for several connections before their handlers run), besides the ~34 KiB of
//   record buffers Asio's ssl::stream holds for each.
// - Keep-alive pings and the idle cut-off run in the shard's once-a-second sweep, not in a timer
//   per connection.
// - A write is one gathered send() of everything queued: pending control frames, one text frame
//   header and the shared payloads joined by '\n' (DESIGN §2). On a plain socket it is tried at
//   once without blocking; only what the kernel does not take goes through an async write.
//
// Frames are parsed by ws::FrameParser (ws_frames.hpp: what is checked, and the close codes of
// violations). Extensions (permessage-deflate) and subprotocols are not negotiated.
//
// Callback style with shared_from_this: every pending operation's handler holds `self`.
#include "parley/net/ws_connection.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "parley/protocol/close_codes.hpp"

namespace parley::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

std::optional<std::string> websocket_accept(std::string_view key) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (key.size() != 24 || key.substr(22) != "==") return std::nullopt;
  for (char c : key.substr(0, 22)) {
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
  }
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input;
  input.reserve(key.size() + kGuid.size());
  input.append(key).append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1) {
    return std::nullopt;
  }
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

namespace {

constexpr auto kCloseGrace = std::chrono::seconds(5);
constexpr std::size_t kScratchBytes = 64 * 1024;  // per shard thread, shared by its connections
// TLS reads copy decrypted bytes out of Asio's ssl::stream, which keeps a record-sized input
// buffer of its own per connection; a large second buffer here would only double that.
constexpr std::size_t kTlsReadBytes = 4 * 1024;
constexpr int kReadsPerWake = 4;               // then back to the reactor (fairness)
constexpr std::size_t kKeptRxCapacity = 4096;  // a larger leftover buffer is released
constexpr std::size_t kKeptEntries = 16;       // larger write vectors are released

// A view of a range of const_buffers that Asio can use as a buffer sequence without copying it
// (asio::async_write copies the sequence object it is given; a vector would be reallocated).
struct BufferSpan {
  const asio::const_buffer* first;
  const asio::const_buffer* last;
  const asio::const_buffer* begin() const { return first; }
  const asio::const_buffer* end() const { return last; }
};

char* scratch_buffer() {
  thread_local std::vector<char> buf(kScratchBytes);
  return buf.data();
}

}  // namespace

WsConnection::WsConnection(MaybeTlsStream stream, const WsLimits& limits)
    : limits_(limits),
      stream_(std::move(stream)),
      parser_(limits.hard_frame_bytes),
      last_rx_(Clock::now()) {}

WsConnection::~WsConnection() = default;

void WsConnection::start(FrameHandler& handler, const std::string& accept,
                         std::optional<std::string> bearer, std::string early) {
  handler_ = &handler;
  if (!stream_.is_tls()) {
    error_code ec;
    stream_.socket().non_blocking(true, ec);  // reads and the first try of a write
    if (ec) return finish();
  }
  ctrl_.append(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Server: parley/0.1.0\r\n"
      "Sec-WebSocket-Accept: ");
  ctrl_.append(accept).append("\r\n\r\n");
  handler_->on_open(std::move(bearer));  // may queue frames (a Bearer auth): they follow the 101
  schedule_write();
  if (!early.empty() && !consume(early.data(), early.size())) return;
  start_read();
}

SendStatus WsConnection::enqueue(Payload p) {
  if (closing_ || done_) return SendStatus::closed;
  queued_bytes_ += p->size() + 1;
  queue_.push_back(std::move(p));
  const std::size_t cap = limits_.outbound_queue_bytes;
  if (queued_bytes_ > cap) {
    close(protocol::close_code::policy, "outbound queue overflow");
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
  // The write starts after the handler that is running now (usually one storage batch's
  // deliveries): everything it queues for this connection then goes out in one send.
  schedule_write();
  return SendStatus::ok;
}

void WsConnection::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || done_) return;
  if (code == protocol::close_code::policy)
    drop_queue();  // a reader that fell behind: drop, not late
  begin_close(code, reason.substr(0, 120));
}

void WsConnection::sweep(Clock::time_point now) {
  if (done_) return;
  if (closing_) {
    // The peer never finished the close handshake (or never read): cut the connection.
    if (now > close_deadline_) cut();
    return;
  }
  if (!writing_ && !write_posted_ && queue_.empty()) {
    // Nothing to send: an idle connection keeps no write vectors (a few hundred bytes each
    // of thousands of connections; one that is busy reallocates them once a second at most).
    std::vector<Payload>().swap(queue_);
    std::vector<Payload>().swap(inflight_);
    std::vector<asio::const_buffer>().swap(bufs_);
  }
  const auto idle = std::chrono::seconds(limits_.idle_timeout_s);
  // Only a ping that went unanswered leads to the cut (a late sweep does not skip the ping).
  if (ping_sent_ && now - last_rx_ >= idle) return cut();  // clients see 1006
  if (!ping_sent_ && now - last_rx_ >= idle / 2) {
    ping_sent_ = true;  // any frame from the peer (its pong) resets the idle time
    ws::append_control(ctrl_, ws::kPing, {});
    schedule_write();
  }
}

void WsConnection::start_read() {
  if (!reading()) return;
  if (stream_.is_tls()) {
    if (!tls_buf_) tls_buf_ = std::make_unique<char[]>(kTlsReadBytes);
    stream_.async_read_some(asio::buffer(tls_buf_.get(), kTlsReadBytes),
                            [self = keep_alive()](error_code ec, std::size_t n) {
                              if (self->done_) return;
                              if (ec) return self->finish();
                              if (self->consume(self->tls_buf_.get(), n)) self->start_read();
                            });
    return;
  }
  stream_.socket().async_wait(tcp::socket::wait_read, [self = keep_alive()](error_code ec) {
    if (self->done_) return;
    if (ec) return self->finish();
    self->on_readable();
  });
}

void WsConnection::on_readable() {
  char* buf = scratch_buffer();
  for (int i = 0; i < kReadsPerWake; ++i) {
    error_code ec;
    const std::size_t n = stream_.socket().read_some(asio::buffer(buf, kScratchBytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return start_read();
    if (ec) return finish();  // end of stream or a reset (while draining: the peer's FIN)
    if (!draining_ && !consume(buf, n)) return;
    if (n < kScratchBytes) return start_read();  // drained; the reactor says when there is more
  }
  // Stopped at kReadsPerWake full reads with more probably waiting. Asio's epoll is
  // edge-triggered: a readiness wait now would not fire for bytes that are already there, so
  // continue after the other ready handlers instead.
  asio::post(stream_.get_executor(), [self = keep_alive()] {
    if (self->reading()) self->on_readable();
  });
}

// Takes `n` received bytes at `data` (mutable: frames are unmasked in place). Returns false
// once nothing more is to be read.
bool WsConnection::consume(char* data, std::size_t n) {
  last_rx_ = Clock::now();
  ping_sent_ = false;
  if (rx_.empty()) {
    const std::size_t used = parse_frames(data, n);
    if (used < n && !stop_reading_ && !done_) rx_.assign(data + used, n - used);
  } else {
    rx_.append(data, n);
    const std::size_t used = parse_frames(rx_.data(), rx_.size());
    rx_.erase(0, used);
    if (rx_.empty() && rx_.capacity() > kKeptRxCapacity) std::string().swap(rx_);
  }
  return !stop_reading_ && !done_;
}

// Handles every complete frame in [base, base+n); returns the bytes used. What is left is the
// start of a frame (kept by the caller until the rest arrives).
std::size_t WsConnection::parse_frames(char* base, std::size_t n) {
  return parser_.parse(base, n, [this](const ws::Event& e) {
    switch (e.kind) {
      case ws::Event::Kind::message:
        if (!closing_) handler_->on_frame(e.payload, e.binary);  // closing: nothing new is taken
        break;
      case ws::Event::Kind::ping:
        if (!closing_) {
          ws::append_control(ctrl_, ws::kPong, e.payload);
          schedule_write();
        }
        break;
      case ws::Event::Kind::pong:
        break;  // its arrival already counted as activity
      case ws::Event::Kind::close:
        on_peer_close(e.code);
        break;
      case ws::Event::Kind::violation:
        fail(e.code, e.payload);
        break;
    }
    return !stop_reading_ && !done_;
  });
}

// A protocol violation: no more input is taken; the close frame is sent after what is already
// queued is dropped, and the TCP connection is closed right after it.
void WsConnection::fail(std::uint16_t code, std::string_view reason) {
  stop_reading_ = true;
  close_after_write_ = true;
  drop_queue();
  if (close_sent_) return shutdown_transport();  // our close is out already: end now
  if (!closing_) begin_close(code, reason);
}

void WsConnection::on_peer_close(std::uint16_t code) {
  stop_reading_ = true;  // nothing may follow a close frame
  close_after_write_ = true;
  if (close_sent_) return shutdown_transport();  // the handshake we started is complete
  if (!closing_) {
    // The peer closes: answer with its code (Beast did the same). What was queued for it is
    // dropped; it said it will read nothing more.
    drop_queue();
    begin_close(code, {});
  }
}

void WsConnection::schedule_write() {
  if (writing_ || write_posted_ || done_) return;
  write_posted_ = true;
  asio::post(stream_.get_executor(), [self = keep_alive()] {
    self->write_posted_ = false;
    self->do_write();
  });
}

void WsConnection::do_write() {
  if (writing_ || done_ || close_sent_) return;
  bufs_.clear();
  wctrl_.swap(ctrl_);
  if (!wctrl_.empty()) bufs_.emplace_back(wctrl_.data(), wctrl_.size());
  inflight_.swap(queue_);
  if (!inflight_.empty()) {
    std::size_t len = inflight_.size() - 1;  // the '\n' separators
    for (const auto& p : inflight_) len += p->size();
    const std::size_t hn = ws::frame_header(ws::kText, len, hdr_.data());
    bufs_.emplace_back(hdr_.data(), hn);
    static constexpr char kNewline = '\n';
    for (std::size_t i = 0; i < inflight_.size(); ++i) {
      if (i > 0) bufs_.emplace_back(&kNewline, 1);
      bufs_.emplace_back(inflight_[i]->data(), inflight_[i]->size());
    }
  }
  if (!close_frame_.empty()) {
    // Everything queued before the close is in this write, ahead of the close frame.
    bufs_.emplace_back(close_frame_.data(), close_frame_.size());
    close_in_write_ = true;
  }
  if (bufs_.empty()) return;
  writing_ = true;
  write_total_ = 0;
  for (const auto& b : bufs_) write_total_ += b.size();

  std::size_t first = 0;
  if (!stream_.is_tls()) {
    error_code ec;
    const BufferSpan all{bufs_.data(), bufs_.data() + bufs_.size()};
    std::size_t n = stream_.socket().write_some(all, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      writing_ = false;
      return finish();
    }
    if (!ec && n == write_total_) return write_done();
    // Skip what the kernel took; the rest goes out asynchronously.
    while (first < bufs_.size() && n >= bufs_[first].size()) n -= bufs_[first++].size();
    if (first < bufs_.size()) bufs_[first] += n;
  }
  asio::async_write(stream_, BufferSpan{bufs_.data() + first, bufs_.data() + bufs_.size()},
                    [self = keep_alive()](error_code ec, std::size_t) {
                      if (self->done_) return;
                      if (ec) {
                        self->writing_ = false;
                        return self->finish();
                      }
                      self->write_done();
                    });
}

void WsConnection::write_done() {
  writing_ = false;
  if (limits_.bytes_out) limits_.bytes_out->fetch_add(write_total_, std::memory_order_relaxed);
  for (auto& p : inflight_) queued_bytes_ -= p->size() + 1;
  inflight_.clear();
  wctrl_.clear();
  if (close_in_write_) {
    close_sent_ = true;
    if (close_after_write_) return shutdown_transport();
    return;  // reading on: the peer's close completes the handshake (or the sweep cuts)
  }
  if (warned_ && queued_bytes_ < limits_.outbound_queue_bytes / 4) {
    warned_ = false;  // caught up: warn again next time
  }
  // A burst (a replay, a presence storm) leaves large vectors behind: not kept. The sweep
  // releases the rest once the connection is quiet.
  if (queue_.empty() && queue_.capacity() > kKeptEntries) std::vector<Payload>().swap(queue_);
  if (inflight_.capacity() > kKeptEntries) std::vector<Payload>().swap(inflight_);
  if (bufs_.capacity() > 2 * kKeptEntries) std::vector<asio::const_buffer>().swap(bufs_);
  std::string().swap(wctrl_);  // the 101 response or a pong: no need to keep the capacity
  if (!queue_.empty() || !ctrl_.empty() || !close_frame_.empty()) schedule_write();
  if (!closing_) handler_->on_writable();
}

void WsConnection::drop_queue() {
  for (auto& p : queue_) queued_bytes_ -= p->size() + 1;
  queue_.clear();
}

void WsConnection::begin_close(std::uint16_t code, std::string_view reason) {
  closing_ = true;
  close_deadline_ = Clock::now() + kCloseGrace;
  std::string payload;
  if (code != 0) {
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason.substr(0, 123));
  }
  ws::append_control(close_frame_, ws::kClose, payload);
  schedule_write();
}

// Both close frames are through (or we give up after a violation): end the transport. Over
// TLS, close_notify is exchanged first.
void WsConnection::shutdown_transport() {
  if (done_ || shutting_down_) return;
  shutting_down_ = true;
  if (stream_.is_tls()) {
    stream_.async_tls_teardown([self = keep_alive()](error_code) { self->finish(); });
    return;
  }
  // Like Beast's teardown: send FIN, then read (and drop) until the peer's FIN, so that what
  // the peer still sends (its close frame) does not meet a closed socket and reset the
  // connection before it has read ours. The sweep cuts a peer that never closes.
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  draining_ = true;  // the read loop goes on, dropping what it reads
  start_read();
}

// Closes the TCP connection at once.
void WsConnection::cut() {
  stream_.close();
  finish();
}

void WsConnection::finish() {
  if (done_) return;
  done_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  stream_.close();  // pending operations complete with operation_aborted
  handler_->on_closed();
}

}  // namespace parley::server
