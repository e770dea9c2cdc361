#include "ws_session.hpp"

#include <memory>

#include "parley/api/context.hpp"
#include "parley/net/ws_connection.hpp"
#include "session.hpp"

namespace parley::server {

namespace {

// The transport is the first base: it is built before the session that holds a reference to
// it, and destroyed after it. Every pending operation of either holds the one shared owner.
class WsClient final : public WsConnection, public Session {
 public:
  WsClient(ApiContext& ctx, Shard& shard, MaybeTlsStream stream, std::string remote_ip)
      : WsConnection(std::move(stream), ctx.ws_limits),
        Session(ctx, shard, *this, std::move(remote_ip)) {}

  // WsConnection and Subscriber both declare close(); a client is closed as a session.
  using Session::close;

 protected:
  std::shared_ptr<WsConnection> keep_alive() override {
    return std::shared_ptr<WsConnection>(shared_from_this(), static_cast<WsConnection*>(this));
  }
};

}  // namespace

void start_websocket(ApiContext& ctx, Shard& shard, MaybeTlsStream stream, std::string accept,
                     std::optional<std::string> bearer, std::string remote_ip, std::string early) {
  auto c = std::make_shared<WsClient>(ctx, shard, std::move(stream), std::move(remote_ip));
  c->start(*c, accept, std::move(bearer), std::move(early));
}

}  // namespace parley::server
