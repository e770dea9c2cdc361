// TLS for the listener: the server's OpenSSL context. (The stream TLS sessions run on is
// MaybeTlsStream, tls_stream.hpp.)
//
// Thread-safety: the context is built once at start-up and only read afterwards (OpenSSL
// allows SSL_new on one SSL_CTX from several threads).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace parley::server {

// A server context: TLS 1.2 and 1.3 only, ECDHE with AES-GCM or ChaCha20-Poly1305 for 1.2,
// the server's cipher order, no compression, no renegotiation. `cert_file` is a PEM chain (leaf
// first), `key_file` a PEM private key. nullptr with *error set when either cannot be loaded or
// they do not match (an encrypted key counts as unloadable: start-up never prompts).
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file,
                                                            std::string* error);

}  // namespace parley::server
