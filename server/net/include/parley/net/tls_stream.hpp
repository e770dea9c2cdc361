// MaybeTlsStream: the byte stream under a WebSocket session, either a plain tcp::socket or a TLS
// connection; also the stream of a TLS connection's HTTP session, which hands it on to the
// WebSocket session on an upgrade. One WebSocket session class (ws_session.cpp) serves both
// transports, and the TLS layer's operations (Asio's ssl::stream over a beast::tcp_stream) are
// compiled once, in tls_stream.cpp, not once per operation that uses them.
//
// Plain: every operation forwards inline to the socket. The object is the socket plus one null
// pointer, and nothing is allocated that a bare socket would not allocate.
// TLS: the ssl::stream lives on the heap behind that pointer; each read or write goes through an
// any_completion_handler (one small allocation per operation, on the TLS path only). A write
// passes on at most kMaxWriteBuffers buffers / ~8 KiB, which is also all Asio's ssl::stream puts
// into one TLS record when it is handed several buffers. Timeouts are those of the tcp_stream
// under TLS (tls_tcp()); the WebSocket session turns them off and uses its own.
//
// Thread-safety: that of a socket. One read and one write at a time, started on the owning
// shard's thread; completions run there too.
#pragma once

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <memory>
#include <utility>

namespace parley::server {

class MaybeTlsStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using IoHandler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using DoneHandler = boost::asio::any_completion_handler<void(boost::system::error_code)>;
  static constexpr std::size_t kMaxWriteBuffers = 32;
  using WriteBuffers = std::array<boost::asio::const_buffer, kMaxWriteBuffers>;

  // Plain.
  explicit MaybeTlsStream(boost::asio::ip::tcp::socket socket);
  // TLS, server side, before the handshake. `ctx` must outlive the stream.
  MaybeTlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx);
  MaybeTlsStream(MaybeTlsStream&&) noexcept;
  MaybeTlsStream& operator=(MaybeTlsStream&&) noexcept;
  ~MaybeTlsStream();

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  bool is_tls() const noexcept { return tls_ != nullptr; }

  template <class MutableBufferSequence, class ReadHandler>
  void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    if (!tls_) return socket_.async_read_some(buffers, std::forward<ReadHandler>(handler));
    // Like ssl::stream itself, read into the first non-empty buffer only.
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && first.size() == 0; ++it) {
      first = boost::asio::mutable_buffer(*it);
    }
    tls_read(first, IoHandler(std::forward<ReadHandler>(handler)));
  }

  template <class ConstBufferSequence, class WriteHandler>
  void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    if (!tls_) return socket_.async_write_some(buffers, std::forward<WriteHandler>(handler));
    // A prefix of the sequence is a valid partial write; async_write asks again for the rest.
    WriteBuffers prefix{};
    std::size_t n = 0, bytes = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && n < kMaxWriteBuffers &&
         bytes < kTlsRecordBytes;
         ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      prefix[n++] = b;
      bytes += b.size();
    }
    tls_write(prefix, IoHandler(std::forward<WriteHandler>(handler)));
  }

  // Plain: the socket itself (readiness waits, non-blocking reads and writes, shutdown).
  // REQUIRES: !is_tls().
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

  // --- TLS only (REQUIRES: is_tls()). ---
  // The TCP layer under TLS: its expires_after() bounds every operation, handshake included.
  boost::beast::tcp_stream& tls_tcp() noexcept;
  // The server side of the TLS handshake.
  void async_tls_handshake(DoneHandler handler);
  // Sends close_notify, waits for the peer's (bounded by the tcp_stream's timeout or by
  // close()), then closes the TCP connection.
  void async_tls_teardown(DoneHandler handler);
  // Closes the TCP connection at once; pending operations complete with an error.
  void close();

 private:
  static constexpr std::size_t kTlsRecordBytes = 8192;
  struct Tls;

  void tls_read(boost::asio::mutable_buffer buffer, IoHandler handler);
  void tls_write(const WriteBuffers& buffers, IoHandler handler);

  boost::asio::ip::tcp::socket socket_;  // TLS: unused (its executor is the connection's)
  std::unique_ptr<Tls> tls_;             // null on the plain path
};

}  // namespace parley::server
