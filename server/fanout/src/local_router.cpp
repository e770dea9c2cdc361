#include "parley/fanout/local_router.hpp"

#include <boost/asio/post.hpp>

#include "parley/fanout/subscriber.hpp"

namespace parley::server {

LocalRouter::LocalRouter(ShardSet& shards, std::size_t presence_max_users)
    : shards_(shards), presence_max_users_(presence_max_users) {}

void LocalRouter::publish_committed(std::vector<Delivery> deliveries, std::vector<WriteAck> acks) {
  shards_.dispatch(std::make_shared<const std::vector<Delivery>>(std::move(deliveries)),
                   std::move(acks));
}

void LocalRouter::publish(std::vector<Delivery> deliveries) {
  shards_.dispatch(std::make_shared<const std::vector<Delivery>>(std::move(deliveries)), {});
}

void LocalRouter::publish_transient(const std::string& channel, Payload p,
                                    std::uint64_t except_session) {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& sh = shards_.at(i);
    boost::asio::post(sh.ioc(), [&sh, channel, p, except_session] {
      sh.dispatch_transient(channel, p, except_session);
    });
  }
}

void LocalRouter::subscribe(const std::string& channel, Subscriber& s) {
  s.shard().subscribe(channel, &s);
}

void LocalRouter::unsubscribe(const std::string& channel, Subscriber& s) {
  s.shard().unsubscribe(channel, &s);
}

bool LocalRouter::presence_join(const std::string& channel, const std::string& user,
                                const std::string& name, protocol::Role role) {
  std::lock_guard lock(presence_mu_);
  auto& p = presence_[{channel, user}];
  p.name = name;
  p.role = role;
  if (++p.sessions != 1) return false;
  // Announced while fewer than presence_max_users announced users are here: never more than
  // the cap at once, and whoever arrived silently stays silent (and out of `online` lists).
  auto& announced = announced_users_[channel];
  p.announced = announced < presence_max_users_;
  if (p.announced) ++announced;
  if (announced == 0) announced_users_.erase(channel);
  return p.announced;
}

bool LocalRouter::presence_leave(const std::string& channel, const std::string& user) {
  std::lock_guard lock(presence_mu_);
  auto it = presence_.find({channel, user});
  if (it == presence_.end()) return false;
  if (--it->second.sessions > 0) return false;
  bool announce = it->second.announced;  // an offline only for someone seen arriving
  presence_.erase(it);
  if (announce) {
    auto c = announced_users_.find(channel);
    if (c != announced_users_.end() && --c->second == 0) announced_users_.erase(c);
  }
  return announce;
}

std::vector<Router::OnlineUser> LocalRouter::online(const std::string& channel, std::size_t limit,
                                                    bool announced_only) {
  std::vector<OnlineUser> out;
  std::lock_guard lock(presence_mu_);
  for (auto it = presence_.lower_bound({channel, ""});
       it != presence_.end() && it->first.first == channel && out.size() < limit; ++it) {
    if (announced_only && !it->second.announced) continue;
    out.push_back({it->first.second, it->second.name, it->second.role, it->second.announced});
  }
  return out;
}

}  // namespace parley::server
