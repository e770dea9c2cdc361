#include "parley/fanout/shards.hpp"

#include <boost/asio/post.hpp>

namespace parley::server {

ShardSet::ShardSet(unsigned count) {
  if (count == 0) count = 1;
  shards_.reserve(count);
  for (unsigned i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>(i, count));
}

void ShardSet::start(std::function<void()> tick) {
  for (auto& s : shards_) s->start(s->index() == 0 ? tick : std::function<void()>{});
}

void ShardSet::stop() {
  for (auto& s : shards_) s->stop();
}

void ShardSet::join() {
  for (auto& s : shards_) s->join();
}

Shard& ShardSet::next() {
  return *shards_[rr_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
}

void ShardSet::dispatch(std::shared_ptr<const std::vector<Delivery>> deliveries,
                        std::vector<WriteAck> acks) {
  const std::size_t n = shards_.size();
  std::vector<std::vector<WriteAck>> per_shard(n);
  for (auto& a : acks) {
    if (a.session_id != 0) per_shard[a.session_id % n].push_back(std::move(a));
  }
  const bool nothing = !deliveries || deliveries->empty();
  for (std::size_t i = 0; i < n; ++i) {
    if (nothing && per_shard[i].empty()) continue;
    boost::asio::post(shards_[i]->ioc(),
                      [sh = shards_[i].get(), deliveries, a = std::move(per_shard[i])] {
                        sh->dispatch(deliveries, a);
                      });
  }
}

}  // namespace parley::server
