// Online backups (DESIGN §12) against the real binary: POST /api/admin/backup while senders
// write, `parleyd restore` into a fresh data dir, and the restored server has every message
// acked before the backup's reported seq exactly once, with the search index rebuilt.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

const std::string kParleyd = std::string(PARLEY_BIN_DIR) + "/parleyd";

TEST(Backup, UnderLoadThenRestoreHasEveryAckedMessageOnce) {
  TempDir dir;
  const std::string backups = dir.path + "/backups";
  auto server = std::make_unique<ServerProcess>(
      dir.path + "/data",
      std::vector<std::string>{
          "--durability", "fsync", "--config",
          fast_config(dir.path, "[storage]\nbackup_dir = \"" + backups + "\"\n")});
  ASSERT_TRUE(server->start()) << server->log();
  const std::string admin = server->token("root", "admin");

  // Four senders write into `help` until told to stop (bounded: 3,000 sends each).
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::int64_t, std::string> acked;  // seq -> text
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      Client c(server->port());
      if (!c.auth(server->token("sender" + std::to_string(t)))) return;
      for (int i = 0; i < 3000 && !stop; ++i) {
        const std::string text = "backup load " + std::to_string(t) + "-" + std::to_string(i);
        auto r = c.request({{"op", "send"},
                            {"channel", "help"},
                            {"text", text},
                            {"client_msg_id", "b" + std::to_string(t) + "-" + std::to_string(i)}});
        if (str(r.at("op")) != "ok") continue;
        std::lock_guard lock(mu);
        acked[num(r.at("seq"))] = text;
      }
    });
  }
  auto acked_count = [&] {
    std::lock_guard lock(mu);
    return acked.size();
  };
  for (int i = 0; i < 1000 && acked_count() < 300; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(acked_count(), 300u);

  // Who may, and where: admins only, inside backup_dir only.
  EXPECT_EQ(
      http(server->port(), "POST", "/api/admin/backup", "", server->token("sam", "staff")).status,
      403);
  auto outside =
      http(server->port(), "POST", "/api/admin/backup", R"({"name":"../elsewhere"})", admin);
  EXPECT_EQ(outside.status, 400) << outside.body;
  EXPECT_EQ(http(server->port(), "POST", "/api/admin/backup", R"({"name":"/tmp"})", admin).status,
            400);
  EXPECT_FALSE(std::filesystem::exists(dir.path + "/elsewhere"));

  // The backup, while the senders go on.
  auto made = http(server->port(), "POST", "/api/admin/backup", "{}", admin);
  ASSERT_EQ(made.status, 200) << made.body;
  auto backup = json::parse(made.body).at("backup").as_object();
  const std::int64_t reported = num(backup.at("channels").at("help"));
  EXPECT_GE(reported, 300);
  EXPECT_GT(num(backup.at("size_bytes")), 0);
  EXPECT_FALSE(backup.at("secret_included").as_bool());
  for (int i = 0; i < 1000 && acked_count() < static_cast<std::size_t>(reported) + 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& s : senders) s.join();

  auto list = http(server->port(), "GET", "/api/admin/backups", "", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  auto listed = json::parse(list.body).at("backups").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(num(listed[0].at("backup_id")), num(backup.at("backup_id")));
  EXPECT_EQ(num(listed[0].at("channels").at("help")), reported);
  auto audit = json::parse(http(server->port(), "GET", "/api/audit?limit=5", "", admin).body);
  bool audited = false;
  for (const auto& e : audit.at("entries").as_array())
    audited = audited || str(e.at("action")) == "backup";
  EXPECT_TRUE(audited) << json::serialize(audit);
  EXPECT_EQ(server->terminate(), 0);

  // Restore: into a new directory; a second time refused (not empty) unless --force.
  const std::string restored = dir.path + "/restored";
  auto r = run_command(kParleyd + " restore --from " + backups + " --data-dir " + restored, 120);
  ASSERT_EQ(r.status, 0) << r.output;
  auto again = run_command(kParleyd + " restore --from " + backups + " --data-dir " + restored);
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_NE(again.output.find("is not empty"), std::string::npos) << again.output;
  auto forced =
      run_command(kParleyd + " restore --force --from " + backups + " --data-dir " + restored, 120);
  EXPECT_EQ(forced.status, 0) << forced.output;

  ServerProcess back(restored, {"--durability", "fast", "--config", fast_config(dir.path)});
  ASSERT_TRUE(back.start()) << back.log();
  Client c(back.port());
  ASSERT_TRUE(c.auth(back.token("auditor")));
  auto stored = read_channel(c, "help");
  // Every message acked up to the reported seq is there, at its seq, once (seqs are keys; the
  // texts are unique); nothing is there that was never acked.
  std::size_t checked = 0;
  for (const auto& [seq, text] : acked) {
    if (seq > reported) break;
    auto it = stored.find(seq);
    ASSERT_NE(it, stored.end()) << "acked seq " << seq << " is missing";
    EXPECT_EQ(it->second, text);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<std::size_t>(reported));
  std::map<std::string, int> copies;
  for (const auto& [seq, text] : stored) {
    copies[text]++;
    EXPECT_TRUE(acked.count(seq)) << "seq " << seq << " was never acked";
  }
  for (const auto& [text, n] : copies) EXPECT_EQ(n, 1) << text;

  // A client that had read up to some seq before the backup resumes on the restored server
  // with `since`: the rest of the channel arrives in order, without gaps or repeats.
  const std::int64_t last_seen = reported / 2;
  Client resumer(back.port());
  ASSERT_TRUE(resumer.auth(back.token("resumer")));
  auto joined = resumer.request({{"op", "join"}, {"channel", "help"}, {"since", last_seen}});
  ASSERT_EQ(str(joined.at("op")), "ok") << json::serialize(joined);
  const std::int64_t last = num(joined.at("last_seq"));
  EXPECT_EQ(last, stored.rbegin()->first);
  auto replay = resumer.messages("help", static_cast<std::size_t>(last - last_seen),
                                 std::chrono::seconds(30));
  ASSERT_EQ(replay.size(), static_cast<std::size_t>(last - last_seen));
  for (std::size_t i = 0; i < replay.size(); ++i) {
    EXPECT_EQ(num(replay[i].at("seq")), last_seen + 1 + static_cast<std::int64_t>(i));
  }

  // The search index is not in the backup: the restored server builds it from RocksDB.
  const std::string first = acked.begin()->second;
  json::array results;
  for (int i = 0; i < 400; ++i) {
    auto s = c.request({{"op", "search"}, {"query", "\"" + first + "\""}});
    ASSERT_EQ(str(s.at("op")), "ok") << json::serialize(s);
    results = s.at("results").as_array();
    if (!results.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(num(results[0].at("seq")), acked.begin()->first);
}

TEST(Backup, WithTheSecretTokensKeepWorking) {
  TempDir dir;
  const std::string backups = dir.path + "/backups";
  ServerProcess server(
      dir.path + "/data",
      {"--durability", "fast", "--config",
       fast_config(dir.path, "[storage]\nbackup_dir = \"" + backups + "\"\nbackup_keep = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  const std::string admin = server.token("root", "admin");
  const std::string alice = server.token("alice");
  {
    Client c(server.port());
    ASSERT_TRUE(c.auth(alice));
    auto r = c.request(
        {{"op", "send"}, {"channel", "general"}, {"text", "kept"}, {"client_msg_id", "k"}});
    ASSERT_EQ(str(r.at("op")), "ok");
  }
  // Three backups, backup_keep 2: the oldest goes. The named one lives in its subdirectory.
  for (int i = 0; i < 3; ++i) {
    auto b = http(server.port(), "POST", "/api/admin/backup", R"({"with_secret":true})", admin);
    ASSERT_EQ(b.status, 200) << b.body;
    EXPECT_TRUE(json::parse(b.body).at("backup").at("secret_included").as_bool());
  }
  // The named one through the CLI, which checks the name itself before asking.
  const std::string url =
      " --url http://127.0.0.1:" + std::to_string(server.port()) + " --token " + admin;
  auto bad = run_command(kParleyd + " backup" + url + " --name ../x");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("plain directory name"), std::string::npos) << bad.output;
  auto named = run_command(kParleyd + " backup" + url + " --name nightly", 60);
  ASSERT_EQ(named.status, 0) << named.output;
  EXPECT_EQ(str(json::parse(named.output).at("dir")), backups + "/nightly");
  auto refused =
      run_command(kParleyd + " backup --url http://127.0.0.1:" + std::to_string(server.port()) +
                  " --token " + server.token("sam", "staff"));
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTP 403"), std::string::npos) << refused.output;
  auto list = json::parse(http(server.port(), "GET", "/api/admin/backups", "", admin).body);
  std::vector<std::int64_t> ids;
  for (const auto& b : list.at("backups").as_array()) ids.push_back(num(b.at("backup_id")));
  EXPECT_EQ(ids, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(
      json::parse(http(server.port(), "GET", "/api/admin/backups?name=nightly", "", admin).body)
          .at("backups")
          .as_array()
          .size(),
      1u);
  EXPECT_EQ(server.terminate(), 0);

  // Restoring backup 2 with its secret: alice's token from before still works.
  const std::string restored = dir.path + "/restored";
  auto r = run_command(kParleyd + " restore --with-secret --backup-id 2 --from " + backups +
                           " --data-dir " + restored,
                       120);
  ASSERT_EQ(r.status, 0) << r.output;
  ServerProcess back(restored, {"--durability", "fast", "--config", fast_config(dir.path)});
  ASSERT_TRUE(back.start()) << back.log();
  Client c(back.port());
  ASSERT_TRUE(c.auth(alice)) << "the secret came back with the backup";
  EXPECT_EQ(read_channel(c, "general").begin()->second, "kept");
  // A backup made without the secret cannot give one.
  auto missing = run_command(kParleyd + " restore --with-secret --from " + backups +
                             "/nightly --data-dir " + dir.path + "/other");
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_NE(missing.output.find("without the secret"), std::string::npos) << missing.output;
}

}  // namespace
