// The TLS half of MaybeTlsStream: Asio's ssl::stream operations, instantiated once here for the
// type-erased handlers instead of once per operation in ws_session.cpp and http_session.cpp.
#include "parley/net/tls_stream.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace parley::server {

// A tcp_stream underneath gives the HTTP session its timeouts, the TLS handshake's included.
struct MaybeTlsStream::Tls {
  Tls(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx)
      : stream(std::move(socket), ctx) {}
  boost::asio::ssl::stream<boost::beast::tcp_stream> stream;
};

MaybeTlsStream::MaybeTlsStream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

MaybeTlsStream::MaybeTlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx)
    : socket_(socket.get_executor()), tls_(std::make_unique<Tls>(std::move(socket), ctx)) {}

MaybeTlsStream::MaybeTlsStream(MaybeTlsStream&&) noexcept = default;
MaybeTlsStream& MaybeTlsStream::operator=(MaybeTlsStream&&) noexcept = default;
MaybeTlsStream::~MaybeTlsStream() = default;

// The handlers are bound to the connection's executor (which is also theirs: a session lives
// on one shard's io_context): Boost 1.81's any_completion_executor cannot be required to be
// blocking.never, which tcp_stream asks of a handler's executor.
void MaybeTlsStream::tls_read(boost::asio::mutable_buffer buffer, IoHandler handler) {
  tls_->stream.async_read_some(buffer,
                               boost::asio::bind_executor(get_executor(), std::move(handler)));
}

void MaybeTlsStream::tls_write(const WriteBuffers& buffers, IoHandler handler) {
  tls_->stream.async_write_some(buffers,
                                boost::asio::bind_executor(get_executor(), std::move(handler)));
}

boost::beast::tcp_stream& MaybeTlsStream::tls_tcp() noexcept { return tls_->stream.next_layer(); }

void MaybeTlsStream::async_tls_handshake(DoneHandler handler) {
  tls_->stream.async_handshake(boost::asio::ssl::stream_base::server,
                               boost::asio::bind_executor(get_executor(), std::move(handler)));
}

void MaybeTlsStream::async_tls_teardown(DoneHandler handler) {
  // The Tls object is on the heap and outlives the operation (the session that owns this
  // object is kept alive by the operation's handler).
  Tls* tls = tls_.get();
  tls->stream.async_shutdown(
      [tls, handler = std::move(handler)](boost::system::error_code ec) mutable {
        tls->stream.next_layer().close();
        std::move(handler)(ec);
      });
}

void MaybeTlsStream::close() {
  boost::system::error_code ec;
  if (tls_) {
    tls_->stream.next_layer().close();
  } else {
    socket_.close(ec);
  }
}

}  // namespace parley::server
