// GET /api/admin/export?channel=…: a channel as NDJSON, streamed (chunked) in constant memory.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

// Under AddressSanitizer freed memory waits in a quarantine (hundreds of MiB), and under
// ThreadSanitizer every byte has shadow memory, so the resident set says nothing about what the
// server holds: the memory bound is checked in normal builds. ThreadSanitizer also runs the
// server 5-15 times slower: there the channel has 20,000 messages (the stream and its order are
// what is checked), so that the test ends within its 300 s.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
constexpr int kExportMessages = 100000;
#elif defined(__SANITIZE_THREAD__)
constexpr bool kRssMeaningful = false;
constexpr int kExportMessages = 20000;
#else
constexpr bool kRssMeaningful = true;
constexpr int kExportMessages = 100000;
#endif

// Whether the audit log holds `needle` (written next to the export, so polled, bounded).
bool audited(const ServerProcess& server, const std::string& needle) {
  for (int i = 0; i < 100; ++i) {
    auto audit =
        http(server.port(), "GET", "/api/audit?limit=5", "", server.token("root", "admin"));
    if (audit.body.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// The server's resident set, in KiB (/proc/PID/status VmRSS); 0 when unreadable.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

TEST(Export, AChannelOf100000MessagesStreamsInConstantMemoryAndParsesLineByLine) {
  TempDir dir;
  // A small block cache, so that reading the whole channel cannot grow the process by much.
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path, "[storage]\nblock_cache_bytes = 4194304\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client ann(server.port());
  ASSERT_TRUE(ann.auth(server.token("ann")));
  constexpr int kMessages = kExportMessages;
  const std::string filler(80, 'x');  // ~200 bytes a line
  const int acked = send_pipelined(ann, kMessages, [&](int i) {
    return json::object{{"op", "send"},
                        {"channel", "general"},
                        {"text", "message " + std::to_string(i + 1) + " " + filler},
                        {"client_msg_id", "m" + std::to_string(i)}};
  });
  ASSERT_EQ(acked, kMessages);
  ASSERT_EQ(
      str(ann.request(
                 {{"op", "edit"}, {"channel", "general"}, {"seq", 7}, {"text", "seven, edited"}})
              .at("op")),
      "ok");
  ASSERT_EQ(str(ann.request({{"op", "react"}, {"channel", "general"}, {"seq", 7}, {"emoji", "👍"}})
                    .at("op")),
            "ok");
  ASSERT_EQ(str(ann.request({{"op", "delete"}, {"channel", "general"}, {"seq", 8}}).at("op")),
            "ok");

  const long before = rss_kib(server.pid());
  ASSERT_GT(before, 0);
  std::atomic<long> peak{before};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done.load()) {
      peak.store(std::max(peak.load(), rss_kib(server.pid())));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto r = http(server.port(), "GET", "/api/admin/export?channel=general", "",
                server.token("root", "admin"));
  done = true;
  sampler.join();
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  // ~157 bytes a line: 15 MiB and more went through for 100,000 messages…
  EXPECT_GT(r.body.size(), static_cast<std::size_t>(kMessages) * 157);
  if (kRssMeaningful) {  // …not held
    EXPECT_LT(peak.load() - before, 12 * 1024)
        << "the server grew by " << (peak.load() - before) << " KiB";
  }

  std::istringstream lines(r.body);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  auto head = json::parse(line).as_object();
  EXPECT_EQ(str(head.at("type")), "channel");
  EXPECT_EQ(num(head.at("last_seq")), kMessages);
  EXPECT_EQ(num(head.at("last_change")), 3);
  std::int64_t seq = 0, changes = 0;
  while (std::getline(lines, line)) {
    auto o = json::parse(line).as_object();
    if (str(o.at("type")) == "message") {
      EXPECT_EQ(num(o.at("seq")), ++seq);
      if (seq == 7) {
        EXPECT_EQ(str(o.at("text")), "seven, edited");
        EXPECT_TRUE(o.contains("edited_at"));
        EXPECT_EQ(o.at("reactions").as_array().size(), 1u);
      }
      if (seq == 8) {
        EXPECT_TRUE(o.at("deleted").as_bool());
      }
    } else {
      ASSERT_EQ(str(o.at("type")), "change") << line;
      EXPECT_EQ(num(o.at("change")), ++changes);
      EXPECT_GT(num(o.at("ts")), 0);
    }
  }
  EXPECT_EQ(seq, kMessages);
  EXPECT_EQ(changes, 3);
  // Not for staff; errors are JSON; audited.
  EXPECT_EQ(http(server.port(), "GET", "/api/admin/export?channel=general", "",
                 server.token("sam", "staff"))
                .status,
            403);
  EXPECT_EQ(
      http(server.port(), "GET", "/api/admin/export", "", server.token("root", "admin")).status,
      400);
  EXPECT_EQ(http(server.port(), "GET", "/api/admin/export?channel=nope", "",
                 server.token("root", "admin"))
                .status,
            404);
  EXPECT_TRUE(audited(server, R"("action":"export_channel")"));
}

// GET /api/users/ID/export: one user's data, for that user or an admin: the record and
// preferences, the advocacy breakdown, every message they wrote (channels and their DMs, not
// the other side's), the reports they filed (without the reported text); audited.
TEST(Export, AUsersOwnDataForThemOrAnAdmin) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config", fast_config(dir.path)});
  ASSERT_TRUE(server.start()) << server.log();
  Client ann(server.port());
  ASSERT_TRUE(ann.auth(server.token("ann")));
  Client bob(server.port());
  ASSERT_TRUE(bob.auth(server.token("bob")));
  send_text(ann, "help", "ann in help");
  auto b1 = send_text(bob, "general", "bob in general");
  send_text(ann, "general", "ann in general");
  ASSERT_EQ(
      str(ann.request(
                 {{"op", "dm"}, {"to", "bob"}, {"text", "ann to bob"}, {"client_msg_id", "d1"}})
              .at("op")),
      "ok");
  ASSERT_EQ(
      str(bob.request(
                 {{"op", "dm"}, {"to", "ann"}, {"text", "bob to ann"}, {"client_msg_id", "d2"}})
              .at("op")),
      "ok");
  ASSERT_EQ(
      str(ann.request(
                 {{"op", "report"}, {"channel", "general"}, {"seq", b1}, {"reason", "off topic"}})
              .at("op")),
      "ok");
  ASSERT_EQ(str(ann.request({{"op", "set_preferences"}, {"kb_anonymous", true}}).at("op")), "ok");

  auto own = http(server.port(), "GET", "/api/users/ann/export", "", server.token("ann"));
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.content_type, "application/x-ndjson");
  std::istringstream lines(own.body);
  std::string line;
  std::vector<json::object> got;
  while (std::getline(lines, line)) got.push_back(json::parse(line).as_object());
  ASSERT_GE(got.size(), 6u) << own.body;
  EXPECT_EQ(str(got[0].at("type")), "user");
  EXPECT_EQ(str(got[0].at("id")), "ann");
  EXPECT_TRUE(got[0].at("preferences").as_object().at("kb_anonymous").as_bool());
  EXPECT_EQ(str(got[1].at("type")), "advocacy");
  EXPECT_EQ(str(got[1].at("user")), "ann");
  std::vector<std::string> texts, reports;
  for (std::size_t i = 2; i < got.size(); ++i) {
    const auto& o = got[i];
    if (str(o.at("type")) == "message") {
      EXPECT_EQ(str(o.at("from").as_object().at("id")), "ann");
      texts.push_back(str(o.at("text")));
    } else {
      ASSERT_EQ(str(o.at("type")), "report");
      EXPECT_FALSE(o.contains("text")) << "the reported message is someone else's";
      reports.push_back(str(o.at("reason")));
    }
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"ann in general", "ann in help", "ann to bob"}));
  EXPECT_EQ(reports, (std::vector<std::string>{"off topic"}));
  EXPECT_EQ(own.body.find("bob to ann"), std::string::npos);
  EXPECT_EQ(own.body.find("bob in general"), std::string::npos);

  // Bob may not read Ann's; staff neither; an admin may, and it is audited.
  EXPECT_EQ(http(server.port(), "GET", "/api/users/ann/export", "", server.token("bob")).status,
            403);
  EXPECT_EQ(
      http(server.port(), "GET", "/api/users/ann/export", "", server.token("sam", "staff")).status,
      403);
  EXPECT_EQ(http(server.port(), "GET", "/api/users/ann/export", "").status, 401);
  EXPECT_EQ(
      http(server.port(), "GET", "/api/users/bad:id/export", "", server.token("root", "admin"))
          .status,
      404);
  auto by_admin =
      http(server.port(), "GET", "/api/users/ann/export", "", server.token("root", "admin"));
  EXPECT_EQ(by_admin.status, 200);
  EXPECT_NE(by_admin.body.find("ann to bob"), std::string::npos);
  EXPECT_TRUE(audited(server, R"("actor":"root","action":"export_user","target_user":"ann")"));
}

}  // namespace
