// Crash and shutdown safety: what was acknowledged survives kill -9 and SIGTERM, exactly once,
// in order, with per-channel seqs that have no holes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

struct Acked {
  std::int64_t seq;
  std::string text;
};

// Sends `n` messages over `channels` pipelined (up to `window` unacked) and returns the acks
// per channel. Stops early, without failing, when the connection closes.
std::map<std::string, std::vector<Acked>> burst(Client& c, const std::vector<std::string>& channels,
                                                int n, int window, const std::string& tag) {
  std::map<std::string, std::vector<Acked>> acked;
  std::map<std::int64_t, std::pair<std::string, std::string>> inflight;  // id -> (channel, text)
  int sent = 0;
  while (sent < n || !inflight.empty()) {
    while (sent < n && static_cast<int>(inflight.size()) < window) {
      const auto& ch = channels[sent % channels.size()];
      std::string text = tag + "-" + std::to_string(sent);
      c.send(
          {{"op", "send"}, {"channel", ch}, {"text", text}, {"client_msg_id", text}, {"id", sent}});
      inflight[sent] = {ch, text};
      ++sent;
    }
    auto o = c.next(std::chrono::seconds(10));
    if (!o) break;
    auto op = str(o->at("op"));
    if (op != "ok" && op != "error") continue;
    auto id = num(o->at("id"));
    auto it = inflight.find(id);
    if (it == inflight.end()) continue;
    if (op == "ok") acked[it->second.first].push_back({num(o->at("seq")), it->second.second});
    inflight.erase(it);
  }
  return acked;
}

// Every acked message is in history exactly once at its seq, and seqs are 1..N without holes.
void verify(Client& c, const std::string& ch, const std::vector<Acked>& acked) {
  std::vector<json::object> all;
  std::optional<std::int64_t> before;
  for (int guard = 0; guard < 1000; ++guard) {
    json::object f{{"op", "history"}, {"channel", ch}, {"limit", 100}};
    if (before) f["before"] = *before;
    auto page = c.request(f);
    ASSERT_EQ(str(page.at("op")), "ok") << json::serialize(page);
    auto& msgs = page.at("messages").as_array();
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it) all.push_back(it->as_object());
    if (!page.at("has_more").as_bool() || msgs.empty()) break;
    before = num(msgs[0].as_object().at("seq"));
  }
  std::reverse(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(num(all[i].at("seq")), static_cast<std::int64_t>(i + 1))
        << ch << ": hole or disorder";
  }
  std::map<std::string, int> count;
  for (auto& m : all) count[str(m.at("text"))]++;
  for (auto& a : acked) {
    ASSERT_LE(a.seq, static_cast<std::int64_t>(all.size())) << ch << " lost acked seq " << a.seq;
    EXPECT_EQ(str(all[a.seq - 1].at("text")), a.text) << ch << " seq " << a.seq;
    EXPECT_EQ(count[a.text], 1) << a.text << " stored " << count[a.text] << " times";
  }
}

TEST(Durability, KillDashNineRightAfterABurstLosesNothingAcked) {
  TempDir dir;
  // Default durability: fsync.
  ServerProcess server(dir.path + "/data", {"--config", fast_config(dir.path)});
  ASSERT_TRUE(server.start()) << server.log();
  std::vector<std::string> channels = {"help", "general"};
  std::map<std::string, std::vector<Acked>> acked;
  {
    Client c(server.port());
    ASSERT_TRUE(c.auth(server.token("alice")));
    acked = burst(c, channels, 600, 64, "k");
    // Keep sending without waiting, then kill in the middle of it.
    for (int i = 0; i < 200; ++i) {
      c.send({{"op", "send"},
              {"channel", "help"},
              {"text", "late-" + std::to_string(i)},
              {"client_msg_id", "late-" + std::to_string(i)},
              {"id", 1000000 + i}});
    }
    server.kill9();
  }
  std::size_t total = 0;
  for (auto& [ch, v] : acked) total += v.size();
  EXPECT_EQ(total, 600u);
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("alice")));
  for (auto& ch : channels) verify(c, ch, acked[ch]);
  // Re-sending an acked message after the crash is still recognised as a duplicate.
  auto again = c.request({{"op", "send"},
                          {"channel", "help"},
                          {"text", acked["help"][3].text},
                          {"client_msg_id", acked["help"][3].text}});
  EXPECT_EQ(num(again.at("seq")), acked["help"][3].seq);
}

TEST(Durability, SigtermUnderLoadLosesNothingAckedAndClosesWith1012) {
  TempDir dir;
  ServerProcess server(dir.path + "/data", {"--config", fast_config(dir.path)});
  ASSERT_TRUE(server.start()) << server.log();
  std::map<std::string, std::vector<Acked>> acked;
  std::uint16_t code = 0;
  {
    Client c(server.port());
    ASSERT_TRUE(c.auth(server.token("alice")));
    acked = burst(c, {"general"}, 300, 32, "s");
    for (int i = 0; i < 300; ++i) {
      c.send({{"op", "send"},
              {"channel", "general"},
              {"text", "t-" + std::to_string(i)},
              {"client_msg_id", "t-" + std::to_string(i)},
              {"id", 5000 + i}});
    }
    std::thread stopper([&] { EXPECT_EQ(server.terminate(), 0); });
    // Collect the acks that still arrive before the close.
    for (int guard = 0; guard < 10000; ++guard) {
      auto o = c.next(std::chrono::seconds(5));
      if (!o) break;
      if (str(o->at("op")) == "ok" && o->contains("seq")) {
        auto id = num(o->at("id"));
        if (id >= 5000)
          acked["general"].push_back({num(o->at("seq")), "t-" + std::to_string(id - 5000)});
      }
    }
    stopper.join();
    code = c.ws().close_code();
  }
  EXPECT_EQ(code, 1012);
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("alice")));
  verify(c, "general", acked["general"]);
}

// /readyz follows the disk floor: ready while the data directory's file system has more than
// storage.min_free_bytes free, 503 naming the problem once a file takes the space below it,
// ready again once the file is gone. (/healthz, liveness, stays 200 throughout.) The floor is
// set 256 MiB under the free space measured at the start, and the file takes 768 MiB, so other
// tests writing meanwhile neither cross it early nor undo the crossing.
TEST(Durability, ReadyzFollowsTheDiskFloor) {
  TempDir dir;
  struct statvfs st {};
  ASSERT_EQ(::statvfs(dir.path.c_str(), &st), 0);
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  constexpr std::uint64_t kMiB = 1 << 20;
  ASSERT_GT(free_bytes, 2048 * kMiB) << "this test needs 2 GiB free under " << dir.path;
  const std::uint64_t floor = free_bytes - 256 * kMiB;
  ServerProcess server(
      dir.path + "/data",
      {"--durability", "fast", "--config",
       fast_config(dir.path, "[storage]\nmin_free_bytes = " + std::to_string(floor) + "\n")});
  ASSERT_TRUE(server.start()) << server.log();
  auto ready = http(server.port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto body = json::parse(ready.body).as_object();
  EXPECT_EQ(str(body.at("status")), "ready");
  EXPECT_TRUE(body.at("problems").as_array().empty());
  EXPECT_EQ(num(body.at("storage").at("min_free_bytes")), static_cast<std::int64_t>(floor));

  const std::string ballast = dir.path + "/ballast";
  const int fd = ::open(ballast.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(768 * kMiB)), 0);
  ::close(fd);
  auto full = http(server.port(), "GET", "/readyz");
  EXPECT_EQ(full.status, 503) << full.body;
  auto fbody = json::parse(full.body).as_object();
  EXPECT_EQ(str(fbody.at("status")), "not_ready");
  ASSERT_EQ(fbody.at("problems").as_array().size(), 1u) << full.body;
  EXPECT_NE(str(fbody.at("problems").as_array()[0]).find("disk full"), std::string::npos);
  EXPECT_EQ(http(server.port(), "GET", "/healthz").status, 200);

  ::unlink(ballast.c_str());
  auto back = http(server.port(), "GET", "/readyz");
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(http(server.port(), "POST", "/readyz").status, 405);
}

// A data directory below storage.min_free_bytes (here: a floor above any disk's size) refuses
// writes with `internal` "storage full" instead of letting RocksDB hit a full disk; reads,
// auth and the HTTP side keep working, and nothing is stored.
#ifdef PARLEY_EIO_SHIM
// A disk that fails the writes of RocksDB's WAL with space left (EIO: the LD_PRELOAD shim
// eio_shim.cpp): each write is refused with `internal` and nothing of it is stored, reads go
// on, /readyz names the failure; once the disk works again the store recovers by itself
// (RocksDB 7.8 cannot resume after a failed write of its WAL, so it is reopened, recovering the
// WAL as after a crash) and takes writes again. Nothing acked is lost, also across a graceful
// restart, which a failed WAL made abort inside RocksDB before (the WAL is no longer synced at
// close after a failure).
// Two disks: one failing only the write-ahead log's writes, one failing every file of the
// database (RocksDB's info LOG included, which the store writes itself so that its failures
// are ignored: storage/src/info_log.hpp).
class FailingDisk : public ::testing::TestWithParam<bool> {};

INSTANTIATE_TEST_SUITE_P(Durability, FailingDisk, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "EveryFile" : "TheWal"; });

TEST_P(FailingDisk, RefusesWritesUntilItWorksAgain) {
  TempDir dir;
  const std::string data = dir.path + "/data";
  const std::string trigger = dir.path + "/fail-now";
  ::setenv("LD_PRELOAD", PARLEY_EIO_SHIM, 1);
  ::setenv("PARLEY_EIO_DIR", (data + "/db/").c_str(), 1);
  ::setenv("PARLEY_EIO_TRIGGER", trigger.c_str(), 1);
  if (GetParam()) ::setenv("PARLEY_EIO_ALL", "1", 1);
  auto server = std::make_unique<ServerProcess>(
      data, std::vector<std::string>{"--durability", "fsync", "--config", fast_config(dir.path)});
  const bool started = server->start();
  ::unsetenv("LD_PRELOAD");  // only for the server process started just now
  ::unsetenv("PARLEY_EIO_DIR");
  ::unsetenv("PARLEY_EIO_TRIGGER");
  ::unsetenv("PARLEY_EIO_ALL");
  ASSERT_TRUE(started) << server->log();
  std::vector<std::int64_t> acked;
  {
    Client c(server->port());
    ASSERT_TRUE(c.auth(server->token("alice")));
    for (int i = 0; i < 3; ++i) {
      acked.push_back(send_text(c, "general", "before " + std::to_string(i)));
    }
    std::ofstream(trigger) << "now\n";
    auto send = [&](const std::string& id) {
      return c.request(
          {{"op", "send"}, {"channel", "general"}, {"text", "while " + id}, {"client_msg_id", id}});
    };
    for (int i = 0; i < 3; ++i) {
      auto refused = send("f" + std::to_string(i));
      EXPECT_EQ(str(refused.at("code")), "internal") << json::serialize(refused);
    }
    auto ready = http(server->port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.body.find("storage writes are failing"), std::string::npos) << ready.body;
    EXPECT_EQ(http(server->port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(read_channel(c, "general").size(), 3u) << "reads go on";
    // The disk works again: within a few tries (the store retries at most once a second), a
    // write is taken.
    std::filesystem::remove(trigger);
    bool recovered = false;
    for (int i = 0; i < 100 && !recovered; ++i) {
      auto r = c.request({{"op", "send"},
                          {"channel", "general"},
                          {"text", "after"},
                          {"client_msg_id", "a" + std::to_string(i)}});
      recovered = str(r.at("op")) == "ok";
      if (recovered) acked.push_back(num(r.at("seq")));
      if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(recovered) << server->log();
    EXPECT_EQ(http(server->port(), "GET", "/readyz").status, 200);
    EXPECT_GT(send_text(c, "general", "and more"), acked.back());
  }
  ASSERT_EQ(server->terminate(), 0) << server->log();
  server = std::make_unique<ServerProcess>(
      data, std::vector<std::string>{"--durability", "fsync", "--config", fast_config(dir.path)});
  ASSERT_TRUE(server->start()) << server->log();
  Client c(server->port());
  ASSERT_TRUE(c.auth(server->token("alice")));
  auto stored = read_channel(c, "general");
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(stored[acked[i]], "before " + std::to_string(i));
  EXPECT_EQ(stored[acked[3]], "after");
  EXPECT_EQ(stored.size(), 5u);  // three before, one after, one more: nothing of the failed ones
  for (const auto& [seq, text] : stored) EXPECT_FALSE(text.starts_with("while")) << seq;
}
#endif

TEST(Durability, LowDiskSpaceRefusesWritesAndKeepsServing) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path, "[storage]\nmin_free_bytes = 1099511627776\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client c(server.port());
  ASSERT_TRUE(c.auth(server.token("alice")));
  auto j = c.request({{"op", "join"}, {"channel", "general"}});
  ASSERT_EQ(str(j.at("op")), "ok") << json::serialize(j);
  for (int i = 0; i < 3; ++i) {
    auto r = c.request({{"op", "send"},
                        {"channel", "general"},
                        {"text", "hello"},
                        {"client_msg_id", "c" + std::to_string(i)}});
    EXPECT_EQ(str(r.at("op")), "error") << json::serialize(r);
    EXPECT_EQ(str(r.at("code")), "internal");
    EXPECT_EQ(str(r.at("message")), "storage full; the message was not stored");
  }
  EXPECT_EQ(http(server.port(), "GET", "/readyz").status, 503) << "not ready for writes";
  EXPECT_EQ(http(server.port(), "GET", "/healthz").status, 200) << "but alive";
  auto staff = std::make_unique<Client>(server.port());
  ASSERT_TRUE(staff->auth(server.token("sam", "staff")));
  auto cc = staff->request({{"op", "create_channel"}, {"channel", "new-one"}});
  EXPECT_EQ(str(cc.at("op")), "error") << json::serialize(cc);
  EXPECT_EQ(str(cc.at("message")), "storage full; nothing was changed");
  auto h = c.request({{"op", "history"}, {"channel", "general"}});
  ASSERT_EQ(str(h.at("op")), "ok");
  EXPECT_TRUE(h.at("messages").as_array().empty());
  EXPECT_EQ(num(c.request({{"op", "join"}, {"channel", "general"}}).at("last_seq")), 0);
}

}  // namespace
