#include "parley/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace parley::server {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3 has
// its own list; all three of its usual suites are fine.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

// Why an OpenSSL call failed: Asio's calls put the error into `ec` (taking it off OpenSSL's
// queue); direct SSL_CTX_* calls leave it queued. Clears the queue either way.
std::string openssl_error(const boost::system::error_code& ec) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (ec) return ec.message();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Checked first so a wrong path reads "No such file or directory", not an OpenSSL code.
bool readable(const std::string& path, const char* what, std::string* error) {
  if (std::ifstream(path).good()) return true;
  *error = std::string("cannot read TLS ") + what + " " + path + ": " + std::strerror(errno);
  return false;
}

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const std::string& cert_file,
                                               const std::string& key_file, std::string* error) {
  if (!readable(cert_file, "certificate", error) || !readable(key_file, "key", error)) {
    return nullptr;
  }
  ERR_clear_error();
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* h = ctx->native_handle();
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::no_compression,
                   ec);
  // Renegotiation off (a client-triggered CPU sink and a history of bugs); the server picks
  // the suite from its own order.
  SSL_CTX_set_options(h, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (ec || SSL_CTX_set_min_proto_version(h, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(h, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(h, kTls13Suites) != 1 || SSL_CTX_set1_groups_list(h, kGroups) != 1) {
    *error = "cannot configure TLS: " + openssl_error(ec);
    return nullptr;
  }
  // Without this, OpenSSL would prompt on the terminal for an encrypted key's passphrase.
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    *error = "cannot load TLS certificate " + cert_file + ": " + openssl_error(ec);
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    // OpenSSL checks the pair while loading the key: say so in words.
    if (ec.category() == boost::asio::error::get_ssl_category() &&
        ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_X509 &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      *error = "TLS key " + key_file + " does not match certificate " + cert_file;
    } else {
      *error = "cannot load TLS key " + key_file + ": " + openssl_error(ec);
    }
    return nullptr;
  }
  if (SSL_CTX_check_private_key(h) != 1) {
    *error = "TLS key " + key_file + " does not match certificate " + cert_file + ": " +
             openssl_error({});
    return nullptr;
  }
  return ctx;
}

}  // namespace parley::server
