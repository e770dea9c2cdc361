#include "parley/server/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <future>
#include <optional>
#include <spdlog/spdlog.h>

#include "http_api.hpp"
#include "http_session.hpp"
#include "hub.hpp"

namespace parley::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  Config cfg;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<HttpApi> api;
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  bool stopped = false;
  // Installed before any thread starts, so a signal never hits the default handler.
  asio::io_context signal_ioc{1};
  asio::signal_set signals{signal_ioc, SIGINT, SIGTERM};

  void accept() {
    Shard& target = hub->next_shard();
    acceptor->async_accept(target.ioc(), [this, &target](boost::system::error_code ec,
                                                          tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::post(target.ioc(), [this, &target, s = std::move(socket)]() mutable {
          start_http_session(target, *api, std::move(s));
        });
      } else {
        spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      }
      accept();
    });
  }
};

Server::Server(Config cfg) : impl_(std::make_unique<Impl>()) { impl_->cfg = std::move(cfg); }

Server::~Server() { stop(); }

bool Server::start(std::string* error) {
  auto& cfg = impl_->cfg;
  std::string secret = cfg.auth.secret;
  if (secret.empty() && !load_or_create_secret(cfg.server.data_dir, &secret, error)) return false;

  auto colon = cfg.server.listen.rfind(':');
  if (colon == std::string::npos) {
    *error = "listen address must be HOST:PORT, got " + cfg.server.listen;
    return false;
  }
  std::string host = cfg.server.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "bad listen address " + host + ": " + ec.message();
    return false;
  }
  int port_num = 0;
  try {
    port_num = std::stoi(cfg.server.listen.substr(colon + 1));
  } catch (...) {
    port_num = -1;
  }
  if (port_num < 0 || port_num > 65535) {
    *error = "bad listen port in " + cfg.server.listen;
    return false;
  }

  impl_->hub = std::make_unique<Hub>(cfg, std::move(secret));
  impl_->api = std::make_unique<HttpApi>(*impl_->hub, cfg.server.web_root);

  // Bind before opening storage so a busy port fails fast and leaves the database untouched.
  tcp::endpoint ep(addr, static_cast<std::uint16_t>(port_num));
  auto& acc = impl_->acceptor.emplace(impl_->hub->shard(0).ioc());
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + cfg.server.listen + ": " + ec.message();
    impl_->acceptor.reset();
    return false;
  }
  impl_->port = acc.local_endpoint().port();

  if (!impl_->hub->start(error)) {
    impl_->acceptor.reset();
    return false;
  }
  asio::post(impl_->hub->shard(0).ioc(), [impl = impl_.get()] { impl->accept(); });
  spdlog::info("event=listening address={} port={} threads={} durability={} static_files={}",
               host, impl_->port, impl_->hub->shard_count(), cfg.storage.durability,
               impl_->api->static_file_count());
  return true;
}

std::uint16_t Server::port() const { return impl_->port; }

void Server::wait_for_signal() {
  impl_->signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("event=signal signal={}", sig);
  });
  impl_->signal_ioc.run();
}

void Server::stop() {
  if (!impl_ || impl_->stopped || !impl_->hub) return;
  impl_->stopped = true;
  if (impl_->acceptor) {
    std::promise<void> done;
    asio::post(impl_->hub->shard(0).ioc(), [&] {
      boost::system::error_code ec;
      impl_->acceptor->close(ec);
      done.set_value();
    });
    done.get_future().wait();
  }
  impl_->hub->shutdown();
  impl_->acceptor.reset();
  spdlog::info("event=stopped");
}

}  // namespace parley::server
