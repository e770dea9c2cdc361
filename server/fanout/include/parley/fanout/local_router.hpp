// The single-node Router: every recipient is on one of this process's shards, and presence is
// counted in this process.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "parley/fanout/router.hpp"
#include "parley/fanout/shards.hpp"

namespace parley::server {

class LocalRouter final : public Router {
 public:
  // `presence_max_users`: at most this many users of a channel are announced at once
  // ([limits] presence_max_users).
  LocalRouter(ShardSet& shards, std::size_t presence_max_users);

  void publish_committed(std::vector<Delivery> deliveries, std::vector<WriteAck> acks) override;
  void publish(std::vector<Delivery> deliveries) override;
  void publish_transient(const std::string& channel, Payload p,
                         std::uint64_t except_session) override;
  void subscribe(const std::string& channel, Subscriber& s) override;
  void unsubscribe(const std::string& channel, Subscriber& s) override;
  bool presence_join(const std::string& channel, const std::string& user, const std::string& name,
                     protocol::Role role) override;
  bool presence_leave(const std::string& channel, const std::string& user) override;
  std::vector<OnlineUser> online(const std::string& channel, std::size_t limit,
                                 bool announced_only) override;

 private:
  ShardSet& shards_;
  const std::size_t presence_max_users_;

  std::mutex presence_mu_;
  struct Presence {
    unsigned sessions = 0;
    std::string name;
    protocol::Role role = protocol::Role::customer;
    bool announced = false;  // its `online` was sent, so its `offline` will be too
  };
  std::map<std::pair<std::string, std::string>, Presence> presence_;  // (channel, user)
  std::unordered_map<std::string, std::size_t> announced_users_;  // per channel: announced users
};

}  // namespace parley::server
