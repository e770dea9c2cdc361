// Writes, the one write path (server/ops/include/parley/ops/writes.hpp), against a real store
// and a recording router: each kind of Completion comes back in the order it promises, the
// effects follow every commit whoever asked, and the observers see a batch before its events.
#include "parley/ops/writes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>

#include "parley/ops/clock.hpp"

namespace parley::server {
namespace {

using namespace std::chrono_literals;

// Every publish_committed call, in order; nothing else is needed of a router here.
class RecordingRouter : public Router {
 public:
  struct Call {
    std::vector<Delivery> deliveries;
    std::vector<WriteAck> acks;
  };

  void publish_committed(std::vector<Delivery> deliveries, std::vector<WriteAck> acks) override {
    std::lock_guard lock(mu_);
    calls_.push_back({std::move(deliveries), std::move(acks)});
  }
  void publish(std::vector<Delivery>) override {}
  void publish_transient(const std::string&, Payload, std::uint64_t) override {}
  void subscribe(const std::string&, Subscriber&) override {}
  void unsubscribe(const std::string&, Subscriber&) override {}
  bool presence_join(const std::string&, const std::string&, const std::string&,
                     protocol::Role) override {
    return false;
  }
  bool presence_leave(const std::string&, const std::string&) override { return false; }
  std::vector<OnlineUser> online(const std::string&, std::size_t, bool) override { return {}; }

  std::vector<Call> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

 private:
  std::mutex mu_;
  std::vector<Call> calls_;
};

class WritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-writes-" + std::to_string(rd()) + std::to_string(rd()));
    storage::Options o;
    o.path = (dir_ / "db").string();
    o.durability = storage::Durability::fast;
    o.block_cache_bytes = 4u << 20;
    o.write_buffer_bytes = 4u << 20;
    o.min_free_bytes = 0;
    o.change_event = change_event_of;
    std::string error;
    store_ = storage::Store::open(
        o, [this](std::vector<storage::Committed>& b) { writes_.on_commit(b); }, &error);
    ASSERT_NE(store_, nullptr) << error;
    writes_.bind(*store_);
  }
  void TearDown() override {
    if (store_) store_->close();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Submits `req` and waits for its after-events completion; the committed status.
  storage::WriteStatus write(storage::WriteRequest req) {
    auto done = std::make_shared<std::promise<storage::WriteStatus>>();
    auto f = done->get_future();
    EXPECT_TRUE(writes_.submit(
        std::move(req), Completion::after_events([done](auto& c) { done->set_value(c.status); })));
    EXPECT_EQ(f.wait_for(30s), std::future_status::ready);
    return f.get();
  }
  // Waits until everything submitted so far has committed and been published.
  void barrier() {
    storage::WriteRequest req;
    req.op = storage::AuditOnly{};
    write(std::move(req));
  }
  void create(const std::string& name) {
    storage::CreateChannel c;
    c.info.name = name;
    c.info.kind = protocol::ChannelKind::chat;
    c.info.title = name;
    storage::WriteRequest req;
    req.op = std::move(c);
    ASSERT_EQ(write(std::move(req)), storage::WriteStatus::ok);
  }
  static storage::WriteRequest message(const std::string& channel, const std::string& text) {
    storage::AppendMessage am;
    am.channel = channel;
    am.client_msg_id = text;
    am.msg.from_id = "ann";
    am.msg.from_name = "Ann";
    am.msg.text = text;
    storage::WriteRequest req;
    req.op = std::move(am);
    return req;
  }

  Config cfg_;
  RecordingRouter router_;
  Metrics metrics_;
  Moderation moderation_;
  Writes writes_{cfg_, router_, metrics_, moderation_};
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(WritesTest, AMessageAckRidesWithItsBatchAndNamesTheSessionAndCookie) {
  create("wtest");
  ASSERT_TRUE(writes_.submit(message("wtest", "hello"), Completion::ack({7, 42})));
  barrier();
  bool found = false;
  for (const auto& call : router_.calls()) {
    for (const auto& a : call.acks) {
      if (a.session_id != 7) continue;
      found = true;
      EXPECT_EQ(a.cookie, 42u);
      EXPECT_TRUE(a.ok);
      EXPECT_EQ(a.channel, "wtest");
      EXPECT_EQ(a.seq, 1u);
      // The same call carries the message itself: the router delivers the ack first.
      ASSERT_EQ(call.deliveries.size(), 1u);
      EXPECT_EQ(call.deliveries[0].kind, Delivery::Kind::message);
      EXPECT_EQ(call.deliveries[0].seq, 1u);
      EXPECT_NE(call.deliveries[0].payload->find("\"text\":\"hello\""), std::string::npos);
    }
  }
  EXPECT_TRUE(found) << "no ack for session 7";
}

TEST_F(WritesTest, AnAfterEventsCompletionRunsOnceTheEventItReportsIsWithTheRouter) {
  create("wtest");
  storage::WriteRequest req;
  storage::ChannelInfo info;
  info.name = "wtest";
  info.kind = protocol::ChannelKind::chat;
  info.title = "Help desk";
  req.op = storage::UpdateChannel{info};
  auto seen = std::make_shared<std::promise<bool>>();
  auto f = seen->get_future();
  ASSERT_TRUE(writes_.submit(std::move(req), Completion::after_events([this, seen](auto& c) {
                               bool published = false;
                               for (const auto& call : router_.calls()) {
                                 for (const auto& d : call.deliveries) {
                                   published |= d.kind == Delivery::Kind::channel_event &&
                                                d.payload->find("\"op\":\"channel_updated\"") !=
                                                    std::string::npos &&
                                                d.payload->find("Help desk") != std::string::npos;
                                 }
                               }
                               seen->set_value(c.status == storage::WriteStatus::ok && published);
                             })));
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(f.get()) << "the ok would overtake its channel_updated event";
}

TEST_F(WritesTest, WithoutACompletionTheEffectsStillFollowTheCommit) {
  storage::Mute m;
  m.user = "bob";
  m.channel = "wtest";
  m.by = "staff1";
  m.at = now_ms();
  storage::WriteRequest req;
  req.op = storage::PutMute{m};
  ASSERT_TRUE(writes_.submit(std::move(req)));
  barrier();
  EXPECT_TRUE(moderation_.mute_for("bob", "wtest", now_ms()).has_value());
  for (const auto& call : router_.calls()) EXPECT_TRUE(call.acks.empty());
}

TEST_F(WritesTest, AMessageWithAnAfterEventsCompletionIsPublishedButAcksNoSession) {
  create("wtest");
  auto status = write(message("wtest", "from a service"));
  EXPECT_EQ(status, storage::WriteStatus::ok);
  std::size_t messages = 0;
  for (const auto& call : router_.calls()) {
    EXPECT_TRUE(call.acks.empty());
    for (const auto& d : call.deliveries) messages += d.kind == Delivery::Kind::message;
  }
  EXPECT_EQ(messages, 1u);
}

TEST_F(WritesTest, ObserversSeeEachBatchBeforeItsEventsArePublished) {
  // Registered before the first write of this test: the observer runs on the writer thread.
  std::mutex mu;
  std::vector<std::pair<std::size_t, std::size_t>> seen;  // (requests, router calls so far)
  writes_.observe([&](std::vector<storage::Committed>& batch) {
    std::lock_guard lock(mu);
    seen.emplace_back(batch.size(), router_.count());
  });
  create("wtest");
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, 1u);
  EXPECT_EQ(seen[0].second, 0u) << "the batch was published before its observers saw it";
  EXPECT_EQ(router_.count(), 1u);
}

TEST_F(WritesTest, ARefusedWriteRunsNoCompletion) {
  store_->close();
  bool ran = false;
  storage::WriteRequest req;
  req.op = storage::AuditOnly{};
  EXPECT_FALSE(
      writes_.submit(std::move(req), Completion::after_events([&](auto&) { ran = true; })));
  // The refused request is left as it was, so its caller may offer it again.
  auto late = message("wtest", "late");
  EXPECT_FALSE(writes_.submit(std::move(late), Completion::ack({7, 1})));
  const auto* am =
      std::get_if<storage::AppendMessage>(&late.op);  // NOLINT(bugprone-use-after-move)
  ASSERT_NE(am, nullptr);
  EXPECT_EQ(am->msg.text, "late");
  EXPECT_FALSE(ran);
  EXPECT_EQ(router_.count(), 0u);
}

}  // namespace
}  // namespace parley::server
