#include "parley/fanout/shard.hpp"

#include <pthread.h>

#include <algorithm>

#include "parley/fanout/subscriber.hpp"

namespace parley::server {

namespace {
void erase_one(std::vector<Subscriber*>& v, Subscriber* s) {
  auto it = std::find(v.begin(), v.end(), s);
  if (it == v.end()) return;
  *it = v.back();  // order among subscribers does not matter
  v.pop_back();
}
}  // namespace

Subscriber::Subscriber(Shard& shard) : shard_(shard), id_(shard.next_session_id()) {}

Shard::Shard(unsigned index, unsigned shard_count)
    : index_(index), shard_count_(shard_count), sweep_timer_(ioc_) {}

Shard::~Shard() { join(); }

void Shard::start(std::function<void()> tick) {
  tick_ = std::move(tick);
  arm_sweep();
  thread_ = std::thread([this] {
    // Named for top/perf: "parley-shard-N".
    pthread_setname_np(pthread_self(), ("parley-shard-" + std::to_string(index_)).c_str());
    auto guard = boost::asio::make_work_guard(ioc_);
    ioc_.run();
  });
}

void Shard::stop() { ioc_.stop(); }

void Shard::join() {
  if (thread_.joinable()) thread_.join();
}

std::uint64_t Shard::next_session_id() {
  ++id_counter_;
  return id_counter_ * shard_count_ + index_;
}

void Shard::add_session(Subscriber* s) { sessions_.emplace(s->id(), s); }

void Shard::remove_session(Subscriber* s) {
  sessions_.erase(s->id());
  if (s->identity()) {
    auto it = users_.find(s->identity()->id);
    if (it != users_.end()) {
      erase_one(it->second, s);
      if (it->second.empty()) users_.erase(it);
    }
  }
}

Subscriber* Shard::find_session(std::uint64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

void Shard::subscribe(const std::string& channel, Subscriber* s) {
  channels_[channel].push_back(s);
}

void Shard::unsubscribe(const std::string& channel, Subscriber* s) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  erase_one(it->second, s);
  if (it->second.empty()) channels_.erase(it);
}

void Shard::bind_user(const std::string& user, Subscriber* s) { users_[user].push_back(s); }

void Shard::dispatch(const std::shared_ptr<const std::vector<Delivery>>& deliveries,
                     const std::vector<WriteAck>& acks) {
  // Acks first: a sender learns its seq before it sees its own message come back.
  for (const auto& a : acks) {
    if (Subscriber* s = find_session(a.session_id)) s->complete_write(a);
  }
  if (!deliveries) return;
  // Subscriber::deliver never unregisters synchronously (closing is asynchronous), so the
  // subscriber vectors stay valid while we iterate them.
  for (const auto& d : *deliveries) {
    switch (d.kind) {
      case Delivery::Kind::message:
      case Delivery::Kind::channel_event:
        deliver_to_channel(d);
        break;
      case Delivery::Kind::staff_event:
        for (auto& [id, s] : sessions_) {
          const auto& who = s->identity();
          if (who && protocol::is_staff(who->role) && (d.user.empty() || who->id != d.user)) {
            s->deliver_direct(d.payload);
          }
        }
        break;
      case Delivery::Kind::everyone_event:
        for (auto& [id, s] : sessions_) {
          if (s->identity()) s->deliver_direct(d.payload);
        }
        break;
      case Delivery::Kind::user_event:
        if (auto it = users_.find(d.user); it != users_.end()) {
          for (Subscriber* s : it->second) {
            if (s->id() != d.except_session) s->deliver_direct(d.payload);
          }
        }
        break;
      case Delivery::Kind::close_user:
        if (auto it = users_.find(d.user); it != users_.end()) {
          // close() may unbind the session from users_: walk a copy.
          const std::vector<Subscriber*> sessions(it->second.begin(), it->second.end());
          for (Subscriber* s : sessions) {
            s->deliver_direct(d.payload);
            s->close(d.close, d.close_reason);
          }
        }
        break;
      case Delivery::Kind::kick:
        if (auto it = users_.find(d.user); it != users_.end()) {
          for (Subscriber* s : it->second) s->kicked(d.channel, d.payload);
        }
        break;
    }
  }
}

void Shard::deliver_to_channel(const Delivery& d) {
  bool message = d.kind == Delivery::Kind::message;
  if (!d.dm_a.empty()) {
    for (const std::string* u : {&d.dm_a, &d.dm_b}) {
      auto it = users_.find(*u);
      if (it == users_.end()) continue;
      for (Subscriber* s : it->second) {
        bool delivered = message
                             ? s->deliver(d.channel, d.seq, d.payload)
                             : d.change != 0 && s->deliver_change(d.channel, d.change, d.payload);
        if (!delivered) s->deliver_direct(d.payload);
      }
    }
    return;
  }
  auto it = channels_.find(d.channel);
  if (it == channels_.end()) return;
  for (Subscriber* s : it->second) {
    if (message) {
      s->deliver(d.channel, d.seq, d.payload);
    } else if (d.change != 0) {
      s->deliver_change(d.channel, d.change, d.payload);
    } else {
      s->deliver_direct(d.payload);
    }
  }
}

void Shard::dispatch_transient(const std::string& channel, const Payload& p, std::uint64_t except) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  for (Subscriber* s : it->second) {
    if (s->id() != except) s->deliver_direct(p);
  }
}

void Shard::for_each_session(const std::function<void(Subscriber&)>& f) {
  // Copy: f may close sessions, and closing may eventually unregister them.
  std::vector<Subscriber*> all;
  all.reserve(sessions_.size());
  for (auto& [id, s] : sessions_) all.push_back(s);
  for (Subscriber* s : all) f(*s);
}

void Shard::arm_sweep() {
  // One timer per shard serves every connection's auth deadline (no per-connection timers).
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    sweep();
    arm_sweep();
  });
}

void Shard::sweep() {
  auto now = std::chrono::steady_clock::now();
  for_each_session([&](Subscriber& s) { s.on_sweep(now); });
  if (tick_) tick_();
}

}  // namespace parley::server
