#include "parley/server/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <csignal>
#include <future>
#include <optional>
#include <thread>

#include "app.hpp"
#include "parley/api/http_api.hpp"
#include "parley/fanout/local_router.hpp"
#include "parley/fanout/shards.hpp"
#include "parley/net/http_session.hpp"
#include "parley/net/tls.hpp"

namespace parley::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Parses "HOST:PORT" (an IPv6 host in brackets). `what` names the setting in errors.
bool parse_endpoint(const std::string& text, const char* what, tcp::endpoint* out,
                    std::string* error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    *error = std::string(what) + " address must be HOST:PORT, got " + text;
    return false;
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    *error = std::string("bad ") + what + " address " + host + ": " + ec.message();
    return false;
  }
  int port_num = 0;
  try {
    port_num = std::stoi(text.substr(colon + 1));
  } catch (...) {
    port_num = -1;
  }
  if (port_num < 0 || port_num > 65535) {
    *error = std::string("bad ") + what + " port in " + text;
    return false;
  }
  *out = tcp::endpoint(addr, static_cast<std::uint16_t>(port_num));
  return true;
}

// One accept loop. Accepted sockets are spread over the shards; `tls` (when set) makes the
// connections start with a TLS handshake.
struct Listener {
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  asio::ssl::context* tls = nullptr;

  bool open(asio::io_context& ioc, const tcp::endpoint& ep, const std::string& text,
            std::string* error) {
    boost::system::error_code ec;
    auto& acc = acceptor.emplace(ioc);
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      *error = "cannot listen on " + text + ": " + ec.message();
      acceptor.reset();
      return false;
    }
    port = acc.local_endpoint().port();
    return true;
  }

  void accept(ShardSet& shards, HttpApi& api) {
    Shard& target = shards.next();
    acceptor->async_accept(target.ioc(), [this, &shards, &api, &target](
                                             boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::post(target.ioc(), [this, &api, &target, s = std::move(socket)]() mutable {
          if (tls) {
            start_https_session(target, api, *tls, std::move(s));
          } else {
            start_http_session(target, api, std::move(s));
          }
        });
      } else {
        spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      }
      accept(shards, api);
    });
  }

  // Runs on the acceptor's thread (shard 0).
  void close() {
    boost::system::error_code ec;
    if (acceptor) acceptor->close(ec);
  }
};

// [server] threads, or one per core.
unsigned thread_count(const Config& cfg) {
  if (cfg.server.threads > 0) return cfg.server.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

}  // namespace

struct Server::Impl {
  Config cfg;
  // Declared before the app: sessions hold SSL objects made from it until the app is gone.
  std::unique_ptr<asio::ssl::context> tls;
  // The I/O threads and the router (single node: LocalRouter), before the app that uses them.
  std::unique_ptr<ShardSet> shards;
  std::unique_ptr<LocalRouter> router;
  std::unique_ptr<App> app;
  std::unique_ptr<HttpApi> api;
  Listener main;   // server.listen: TLS when a certificate is configured
  Listener plain;  // server.plain_listen: always plain, optional
  bool stopped = false;
  // Installed before any thread starts, so a signal never hits the default handler.
  asio::io_context signal_ioc{1};
  asio::signal_set signals{signal_ioc, SIGINT, SIGTERM};
};

Server::Server(Config cfg) : impl_(std::make_unique<Impl>()) { impl_->cfg = std::move(cfg); }

Server::~Server() { stop(); }

bool Server::start(std::string* error) {
  auto& cfg = impl_->cfg;
  std::string secret = cfg.auth.secret;
  if (secret.empty() && !load_or_create_secret(cfg.server.data_dir, &secret, error)) return false;

  tcp::endpoint main_ep, plain_ep;
  if (!parse_endpoint(cfg.server.listen, "listen", &main_ep, error)) return false;
  const bool has_plain = !cfg.server.plain_listen.empty();
  if (has_plain && !parse_endpoint(cfg.server.plain_listen, "plain_listen", &plain_ep, error)) {
    return false;
  }
  // Certificate and key are loaded first: a bad one stops start-up before anything is bound.
  if (!cfg.server.tls_cert.empty()) {
    impl_->tls = make_tls_context(cfg.server.tls_cert, cfg.server.tls_key, error);
    if (!impl_->tls) return false;
  }

  impl_->shards = std::make_unique<ShardSet>(thread_count(cfg));
  impl_->router = std::make_unique<LocalRouter>(*impl_->shards, cfg.limits.presence_max_users);
  impl_->app = std::make_unique<App>(cfg, std::move(secret), *impl_->shards, *impl_->router);

  // Bind before opening storage so a busy port fails fast and leaves the database untouched.
  auto& ioc0 = impl_->shards->at(0).ioc();
  impl_->main.tls = impl_->tls.get();
  if (!impl_->main.open(ioc0, main_ep, cfg.server.listen, error)) return false;
  if (has_plain && !impl_->plain.open(ioc0, plain_ep, cfg.server.plain_listen, error)) {
    impl_->main.acceptor.reset();
    return false;
  }

  if (!impl_->app->start(error)) {
    impl_->main.acceptor.reset();
    impl_->plain.acceptor.reset();
    return false;
  }
  impl_->api = std::make_unique<HttpApi>(impl_->app->api(), cfg.server.web_root);
  asio::post(ioc0, [impl = impl_.get()] {
    impl->main.accept(*impl->shards, *impl->api);
    if (impl->plain.acceptor) impl->plain.accept(*impl->shards, *impl->api);
  });
  spdlog::info(
      "event=listening address={} port={} tls={} plain_port={} threads={} durability={} "
      "static_files={}",
      main_ep.address().to_string(), impl_->main.port, impl_->tls ? "on" : "off", impl_->plain.port,
      impl_->shards->size(), cfg.storage.durability, impl_->api->static_file_count());
  return true;
}

std::uint16_t Server::port() const { return impl_->main.port; }

std::uint16_t Server::plain_port() const { return impl_->plain.port; }

bool Server::tls() const { return impl_->tls != nullptr; }

void Server::wait_for_signal() {
  impl_->signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("event=signal signal={}", sig);
  });
  impl_->signal_ioc.run();
}

void Server::stop() {
  if (!impl_ || impl_->stopped || !impl_->app) return;
  impl_->stopped = true;
  if (impl_->main.acceptor) {
    std::promise<void> done;
    asio::post(impl_->shards->at(0).ioc(), [&] {
      impl_->main.close();
      impl_->plain.close();
      done.set_value();
    });
    done.get_future().wait();
  }
  impl_->app->shutdown();
  impl_->main.acceptor.reset();
  impl_->plain.acceptor.reset();
  spdlog::info("event=stopped");
}

}  // namespace parley::server
