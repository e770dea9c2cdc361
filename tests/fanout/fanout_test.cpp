// The fan-out layer on its own: shards, LocalRouter and every delivery kind, with recording
// subscribers in place of protocol sessions (no sockets, no store).
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "parley/fanout/local_router.hpp"
#include "parley/fanout/shards.hpp"
#include "parley/fanout/subscriber.hpp"

namespace parley::server {
namespace {

// Records every call as one line, e.g. "msg general 3 <payload>", on its shard's thread.
class Recorder final : public Subscriber {
 public:
  Recorder(Shard& shard, std::optional<Identity> who, std::vector<std::string> joined = {})
      : Subscriber(shard), joined_(std::move(joined)) {
    identity_ = std::move(who);
  }
  bool deliver(const std::string& channel, std::uint64_t seq, const Payload& p) override {
    if (!joined(channel)) return false;
    log.push_back("msg " + channel + " " + std::to_string(seq) + " " + *p);
    return true;
  }
  bool deliver_change(const std::string& channel, std::uint64_t change, const Payload& p) override {
    if (!joined(channel)) return false;
    log.push_back("change " + channel + " " + std::to_string(change) + " " + *p);
    return true;
  }
  void deliver_direct(const Payload& p) override { log.push_back("direct " + *p); }
  void kicked(const std::string& channel, const Payload& p) override {
    log.push_back("kicked " + channel + " " + *p);
  }
  void complete_write(const WriteAck& ack) override {
    log.push_back("ack " + std::to_string(ack.cookie) + " " + std::to_string(ack.seq));
  }
  void close(std::uint16_t code, std::string_view reason) override {
    log.push_back("close " + std::to_string(code) + " " + std::string(reason));
  }
  void begin_drain() override { log.push_back("drain"); }
  void on_sweep(std::chrono::steady_clock::time_point) override {}

  std::vector<std::string> log;

 private:
  bool joined(const std::string& ch) const {
    return std::find(joined_.begin(), joined_.end(), ch) != joined_.end();
  }
  std::vector<std::string> joined_;
};

Identity who(std::string id, protocol::Role role = protocol::Role::customer) {
  Identity i;
  i.id = std::move(id);
  i.name = i.id;
  i.role = role;
  return i;
}

// Runs f on `shard`'s thread and waits for it.
template <class F>
auto on(Shard& shard, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto fut = task.get_future();
  boost::asio::post(shard.ioc(), [&task] { task(); });
  EXPECT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  return fut.get();
}

class Fanout : public ::testing::Test {
 protected:
  Fanout() : shards_(2), router_(shards_, 2) { shards_.start({}); }
  ~Fanout() override {
    // Every subscriber is removed on its shard before the shards stop.
    for (auto& r : subs_) on(r->shard(), [&] { r->shard().remove_session(r.get()); });
    shards_.stop();
    shards_.join();
  }

  // A subscriber on shard `i`, registered (and bound to its user, when it has an identity)
  // and subscribed to `joined` through the router.
  Recorder& add(std::size_t i, std::optional<Identity> id, std::vector<std::string> joined = {}) {
    Shard& sh = shards_.at(i);
    auto r = std::make_unique<Recorder>(sh, id, joined);
    on(sh, [&] {
      sh.add_session(r.get());
      if (id) sh.bind_user(id->id, r.get());
      for (const auto& ch : joined) router_.subscribe(ch, *r);
    });
    subs_.push_back(std::move(r));
    return *subs_.back();
  }
  // Waits until every shard has run what was posted to it before (posts run in order).
  void settle() {
    for (std::size_t i = 0; i < shards_.size(); ++i) on(shards_.at(i), [] {});
  }
  std::vector<std::string> log_of(Recorder& r) {
    return on(r.shard(), [&] { return r.log; });
  }

  ShardSet shards_;
  LocalRouter router_;
  std::vector<std::unique_ptr<Recorder>> subs_;
};

Delivery message(std::string channel, std::uint64_t seq, std::string body) {
  Delivery d;
  d.kind = Delivery::Kind::message;
  d.channel = std::move(channel);
  d.seq = seq;
  d.payload = make_payload(std::move(body));
  return d;
}

Delivery event(Delivery::Kind kind, std::string body) {
  Delivery d;
  d.kind = kind;
  d.payload = make_payload(std::move(body));
  return d;
}

TEST_F(Fanout, SessionIdsNameTheirShard) {
  Recorder& a = add(0, who("ann"));
  Recorder& b = add(1, who("bob"));
  Recorder& c = add(1, who("cat"));
  EXPECT_EQ(a.id() % 2, 0u);
  EXPECT_EQ(b.id() % 2, 1u);
  EXPECT_EQ(c.id() % 2, 1u);
  EXPECT_NE(b.id(), c.id());
}

TEST_F(Fanout, AcksReachTheirSessionBeforeTheBatchDeliveries) {
  Recorder& sender = add(1, who("ann"), {"general"});
  Recorder& other = add(0, who("bob"), {"general"});
  WriteAck ack;
  ack.session_id = sender.id();
  ack.cookie = 7;
  ack.ok = true;
  ack.seq = 1;
  std::vector<Delivery> batch;
  batch.push_back(message("general", 1, "hello"));
  router_.publish_committed(std::move(batch), {ack});
  settle();
  EXPECT_EQ(log_of(sender), (std::vector<std::string>{"ack 7 1", "msg general 1 hello"}));
  EXPECT_EQ(log_of(other), (std::vector<std::string>{"msg general 1 hello"}));
}

TEST_F(Fanout, ChannelDeliveriesReachOnlyItsSubscribersInOrder) {
  Recorder& in0 = add(0, who("ann"), {"general"});
  Recorder& in1 = add(1, who("bob"), {"general", "help"});
  Recorder& out = add(1, who("cat"), {"help"});
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    std::vector<Delivery> batch;
    batch.push_back(message("general", seq, "m" + std::to_string(seq)));
    router_.publish_committed(std::move(batch), {});
  }
  Delivery change = event(Delivery::Kind::channel_event, "edit");
  change.channel = "general";
  change.change = 4;
  Delivery unnumbered = event(Delivery::Kind::channel_event, "updated");
  unnumbered.channel = "general";
  std::vector<Delivery> batch;
  batch.push_back(std::move(change));
  batch.push_back(std::move(unnumbered));
  router_.publish(std::move(batch));
  settle();
  const std::vector<std::string> want{"msg general 1 m1", "msg general 2 m2", "msg general 3 m3",
                                      "change general 4 edit", "direct updated"};
  EXPECT_EQ(log_of(in0), want);
  EXPECT_EQ(log_of(in1), want);
  EXPECT_TRUE(log_of(out).empty());

  // Unsubscribed: nothing more.
  on(in0.shard(), [&] { router_.unsubscribe("general", in0); });
  std::vector<Delivery> later;
  later.push_back(message("general", 5, "m5"));
  router_.publish_committed(std::move(later), {});
  settle();
  EXPECT_EQ(log_of(in0).size(), want.size());
  EXPECT_EQ(log_of(in1).back(), "msg general 5 m5");
}

TEST_F(Fanout, DirectMessagesReachBothMembersJoinedOrNot) {
  Recorder& ann_joined = add(0, who("ann"), {"dm:ann:bob"});
  Recorder& bob = add(1, who("bob"));
  Recorder& cat = add(1, who("cat"));
  Delivery d = message("dm:ann:bob", 1, "hi");
  d.dm_a = "ann";
  d.dm_b = "bob";
  std::vector<Delivery> batch;
  batch.push_back(std::move(d));
  router_.publish_committed(std::move(batch), {});
  settle();
  EXPECT_EQ(log_of(ann_joined), (std::vector<std::string>{"msg dm:ann:bob 1 hi"}));
  EXPECT_EQ(log_of(bob), (std::vector<std::string>{"direct hi"}));
  EXPECT_TRUE(log_of(cat).empty());
}

TEST_F(Fanout, PushesReachWhomTheirKindNames) {
  Recorder& guest = add(0, std::nullopt);
  Recorder& ann = add(0, who("ann"));
  Recorder& ann2 = add(1, who("ann"));
  Recorder& staff = add(1, who("sue", protocol::Role::staff));
  Recorder& admin = add(0, who("ada", protocol::Role::admin));

  std::vector<Delivery> batch;
  batch.push_back(event(Delivery::Kind::staff_event, "report"));
  Delivery not_sue = event(Delivery::Kind::staff_event, "report2");
  not_sue.user = "sue";  // sue gets a user_event instead
  batch.push_back(std::move(not_sue));
  batch.push_back(event(Delivery::Kind::everyone_event, "advocate"));
  Delivery read = event(Delivery::Kind::user_event, "read");
  read.user = "ann";
  read.except_session = ann.id();
  batch.push_back(std::move(read));
  Delivery kick = event(Delivery::Kind::kick, "kicked");
  kick.user = "ann";
  kick.channel = "help";
  batch.push_back(std::move(kick));
  Delivery ban = event(Delivery::Kind::close_user, "banned");
  ban.user = "ann";
  ban.close = close_code::banned;
  ban.close_reason = "banned";
  batch.push_back(std::move(ban));
  router_.publish(std::move(batch));
  settle();

  EXPECT_TRUE(log_of(guest).empty());
  EXPECT_EQ(log_of(ann), (std::vector<std::string>{"direct advocate", "kicked help kicked",
                                                   "direct banned", "close 4403 banned"}));
  EXPECT_EQ(log_of(ann2),
            (std::vector<std::string>{"direct advocate", "direct read", "kicked help kicked",
                                      "direct banned", "close 4403 banned"}));
  EXPECT_EQ(log_of(staff), (std::vector<std::string>{"direct report", "direct advocate"}));
  EXPECT_EQ(log_of(admin),
            (std::vector<std::string>{"direct report", "direct report2", "direct advocate"}));
}

TEST_F(Fanout, TransientFramesSkipTheSender) {
  Recorder& typist = add(0, who("ann"), {"general"});
  Recorder& reader0 = add(0, who("bob"), {"general"});
  Recorder& reader1 = add(1, who("cat"), {"general"});
  Recorder& elsewhere = add(1, who("dan"), {"help"});
  router_.publish_transient("general", make_payload("typing"), typist.id());
  settle();
  EXPECT_TRUE(log_of(typist).empty());
  EXPECT_EQ(log_of(reader0), (std::vector<std::string>{"direct typing"}));
  EXPECT_EQ(log_of(reader1), (std::vector<std::string>{"direct typing"}));
  EXPECT_TRUE(log_of(elsewhere).empty());
}

TEST_F(Fanout, ShardZeroTicksAfterItsSweep) {
  ShardSet set(2);
  std::promise<unsigned> ticked;
  bool once = false;
  set.start([&] {
    if (once) return;
    once = true;
    ticked.set_value(0);
  });
  auto fut = ticked.get_future();
  EXPECT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  set.stop();
  set.join();
}

// Presence (the router is built with a cap of 2 announced users per channel).
TEST_F(Fanout, PresenceAnnouncesAtMostTheCapAndSilentArrivalsStaySilent) {
  EXPECT_TRUE(router_.presence_join("general", "ann", "Ann", protocol::Role::customer));
  EXPECT_FALSE(router_.presence_join("general", "ann", "Ann", protocol::Role::customer));
  EXPECT_TRUE(router_.presence_join("general", "bob", "Bob", protocol::Role::staff));
  EXPECT_FALSE(router_.presence_join("general", "cat", "Cat", protocol::Role::customer));  // cap
  EXPECT_TRUE(router_.presence_join("help", "cat", "Cat", protocol::Role::customer));

  auto ids = [](const std::vector<Router::OnlineUser>& v) {
    std::vector<std::string> out;
    for (const auto& u : v) out.push_back(u.id);
    return out;
  };
  EXPECT_EQ(ids(router_.online("general", 10, true)), (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(ids(router_.online("general", 10, false)),
            (std::vector<std::string>{"ann", "bob", "cat"}));
  EXPECT_EQ(ids(router_.online("general", 1, false)), (std::vector<std::string>{"ann"}));
  EXPECT_EQ(router_.online("general", 10, false)[1].role, protocol::Role::staff);

  EXPECT_FALSE(router_.presence_leave("general", "cat"));  // silent arrival, silent departure
  EXPECT_FALSE(router_.presence_leave("general", "ann"));  // one session of two
  EXPECT_TRUE(router_.presence_leave("general", "ann"));
  EXPECT_FALSE(router_.presence_leave("general", "ann"));  // not there any more
  // A place is free again: the next arrival is announced.
  EXPECT_TRUE(router_.presence_join("general", "dan", "Dan", protocol::Role::customer));
  EXPECT_FALSE(router_.presence_join("general", "eve", "Eve", protocol::Role::customer));
  EXPECT_EQ(ids(router_.online("general", 10, true)), (std::vector<std::string>{"bob", "dan"}));
}

}  // namespace
}  // namespace parley::server
