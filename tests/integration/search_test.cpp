// Search (DESIGN §9), black-box against the real parleyd: the `search` op and GET /api/search.
// Every wait for the index is a bounded poll, never a fixed sleep.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override { start(""); }
  // The polls below search far more often than a person: the search rate limit is lifted
  // unless a test sets its own [search] section.
  void start(std::string extra, const std::string& durability = "fast") {
    if (extra.find("[search]") == std::string::npos) {
      extra += "[search]\nper_connection_per_min = 1000000\nanonymous_per_ip_per_min = 1000000\n";
    }
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data", std::vector<std::string>{"--durability", durability, "--config",
                                                      fast_config(dir_.path, extra)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer") {
    auto c = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(c->auth(server_->token(user, role))) << user;
    return c;
  }
  static json::object ok(Client& c, json::object frame) { return expect_ok(c, std::move(frame)); }
  static std::int64_t post(Client& c, const std::string& ch, const std::string& text,
                           std::int64_t reply_to = 0) {
    return send_text(c, ch, text, reply_to);
  }
  static json::object search(Client& c, json::object frame) {
    frame["op"] = "search";
    return c.request(std::move(frame));
  }
  // (channel, seq) of every result of `query` for `c` (one page of up to 50).
  static std::set<std::pair<std::string, std::int64_t>> hits(Client& c, const std::string& query) {
    auto r = search(c, {{"query", query}, {"limit", 50}});
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    std::set<std::pair<std::string, std::int64_t>> out;
    if (!r.contains("results")) return out;
    for (const auto& h : r.at("results").as_array()) {
      out.emplace(str(h.at("channel")), num(h.at("seq")));
    }
    return out;
  }
  // Polls until `query` has exactly `n` results for `c`: the indexing lag, bounded at 20 s.
  static std::set<std::pair<std::string, std::int64_t>> wait_hits(Client& c,
                                                                  const std::string& query,
                                                                  std::size_t n) {
    std::set<std::pair<std::string, std::int64_t>> h;
    for (int i = 0; i < 400; ++i) {
      h = hits(c, query);
      if (h.size() == n) return h;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "\"" << query << "\" never had " << n << " results (last " << h.size() << ")";
    return h;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(SearchTest, AnAckedMessageIsFoundAndTheResultHasEveryField) {
  auto ann = connect("ann");
  auto q = post(*ann, "help", "My <b>Arc</b> blinks amber after the update");
  auto a = post(*ann, "help", "Never mind, unplugging it fixed the blinking", q);
  wait_hits(*ann, "blinking", 2);  // "blinks" and "blinking": one stem
  auto r = search(*ann, {{"query", "blinking"}});
  ASSERT_EQ(str(r.at("op")), "ok") << json::serialize(r);
  const auto& results = r.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(r.contains("cursor"));
  for (const auto& v : results) {
    const auto& h = v.as_object();
    EXPECT_EQ(str(h.at("channel")), "help");
    EXPECT_GT(num(h.at("ts")), 0);
    const auto& from = h.at("from").as_object();
    EXPECT_EQ(str(from.at("id")), "ann");
    EXPECT_EQ(str(from.at("name")), "ann");
    EXPECT_EQ(str(from.at("role")), "customer");
    EXPECT_FALSE(from.at("advocate").as_bool());
    if (num(h.at("seq")) == q) {
      EXPECT_EQ(str(h.at("snippet")),
                "My &lt;b&gt;Arc&lt;/b&gt; <mark>blinks</mark> amber after the update");
      EXPECT_FALSE(h.contains("question_seq"));
    } else {
      EXPECT_EQ(num(h.at("seq")), a);
      EXPECT_EQ(num(h.at("question_seq")), q);
    }
  }
}

TEST_F(SearchTest, EditsReplaceAndDeletesRemove) {
  auto ann = connect("ann");
  auto seq = post(*ann, "general", "the router firmware is outdated");
  wait_hits(*ann, "router", 1);
  ok(*ann,
     {{"op", "edit"}, {"channel", "general"}, {"seq", seq}, {"text", "the modem is fine now"}});
  wait_hits(*ann, "modem", 1);
  EXPECT_TRUE(wait_hits(*ann, "router", 0).empty());
  EXPECT_TRUE(hits(*ann, "firmware").empty());
  ok(*ann, {{"op", "delete"}, {"channel", "general"}, {"seq", seq}});
  wait_hits(*ann, "modem", 0);
}

TEST_F(SearchTest, PrivacyForEveryRole) {
  auto stef = connect("stef", "staff");
  ok(*stef, {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}});
  ok(*stef, {{"op", "add_member"}, {"channel", "team"}, {"user", "mia"}});
  ok(*stef, {{"op", "create_channel"}, {"channel", "old"}, {"kind", "support"}});
  auto ann = connect("ann");
  auto mia = connect("mia");
  post(*ann, "help", "pubword in the open");
  post(*mia, "team", "teamword among members");
  post(*stef, "old", "oldword before archiving");
  ok(*ann, {{"op", "dm"}, {"to", "bob"}, {"text", "dmword between two"}, {"client_msg_id", "d1"}});
  ok(*stef, {{"op", "archive_channel"}, {"channel", "old"}});
  wait_hits(*stef, "dmword", 1);
  wait_hits(*stef, "oldword", 1);
  wait_hits(*stef, "teamword", 1);
  wait_hits(*stef, "pubword", 1);

  struct Row {
    std::string user, role;
    std::set<std::string> sees;
  };
  const std::vector<Row> rows = {
      {"ann", "customer", {"pubword", "dmword"}},
      {"bob", "customer", {"pubword", "dmword"}},
      {"cid", "customer", {"pubword"}},
      {"mia", "customer", {"pubword", "teamword"}},
      {"robo", "bot", {"pubword"}},
      {"stef", "staff", {"pubword", "teamword", "oldword", "dmword"}},
      {"ada", "admin", {"pubword", "teamword", "oldword", "dmword"}},
  };
  for (const auto& row : rows) {
    auto c = connect(row.user, row.role);
    for (std::string word : {"pubword", "teamword", "oldword", "dmword"}) {
      EXPECT_EQ(hits(*c, word).size(), row.sees.count(word)) << row.user << " " << word;
    }
    // Naming a channel does not widen what one may read.
    EXPECT_TRUE(hits(*c, "dmword in:dm:ann:bob").size() == row.sees.count("dmword")) << row.user;
  }
  // A guest (POST /api/guest) sees what any customer who is in no private channel sees.
  auto g = http(server_->port(), "POST", "/api/guest", R"({"name":"Gus"})");
  auto gus = std::make_unique<Client>(server_->port());
  ASSERT_TRUE(gus->auth(str(json::parse(g.body).at("token"))));
  for (std::string word : {"pubword", "teamword", "oldword", "dmword"}) {
    EXPECT_EQ(hits(*gus, word).size(), word == "pubword" ? 1u : 0u) << "guest " << word;
  }
  // `channel` names what one cannot read: refused, not silently empty.
  auto cid = connect("cid");
  auto r = search(*cid, {{"query", "teamword"}, {"channel", "team"}});
  EXPECT_EQ(str(r.at("code")), "forbidden") << json::serialize(r);
  r = search(*cid, {{"query", "dmword"}, {"channel", "dm:ann:bob"}});
  EXPECT_EQ(str(r.at("code")), "forbidden") << json::serialize(r);
  r = search(*cid, {{"query", "x"}, {"channel", "nope"}});
  EXPECT_EQ(str(r.at("code")), "not_found") << json::serialize(r);
  r = search(*ann, {{"query", "dmword"}, {"channel", "dm:ann:bob"}});
  EXPECT_EQ(r.at("results").as_array().size(), 1u) << json::serialize(r);
}

TEST_F(SearchTest, AnonymousHttpSeesPublishedAnswersOnly) {
  auto ann = connect("ann");
  auto bob = connect("bob");
  auto q = post(*ann, "help", "How do I pair the remote control?");
  auto a = post(*bob, "help", "Hold the pair button on the remote for five seconds", q);
  post(*ann, "help", "Another remote question nobody answered");
  wait_hits(*ann, "remote", 3);
  auto anon = http(server_->port(), "GET", "/api/search?q=remote");
  ASSERT_EQ(anon.status, 200) << anon.body;
  EXPECT_EQ(json::parse(anon.body).at("results").as_array().size(), 0u) << anon.body;
  ok(*ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
  for (int i = 0; i < 400; ++i) {
    anon = http(server_->port(), "GET", "/api/search?q=remote+control");
    if (json::parse(anon.body).at("results").as_array().size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto results = json::parse(anon.body).at("results").as_array();
  ASSERT_EQ(results.size(), 1u) << anon.body;
  EXPECT_EQ(num(results[0].at("seq")), q);
  EXPECT_EQ(num(results[0].at("solved_seq")), a);
  // The accepted answer is part of the published thread; the unanswered question is not.
  for (int i = 0; i < 400; ++i) {
    anon = http(server_->port(), "GET", "/api/search?q=%22pair%20button%22");
    if (json::parse(anon.body).at("results").as_array().size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  results = json::parse(anon.body).at("results").as_array();
  ASSERT_EQ(results.size(), 1u) << anon.body;
  EXPECT_EQ(num(results[0].at("seq")), a);
  EXPECT_EQ(num(results[0].at("question_seq")), q);
  EXPECT_EQ(json::parse(http(server_->port(), "GET", "/api/search?q=nobody").body)
                .at("results")
                .as_array()
                .size(),
            0u);
  // With a token, the same endpoint searches what that user may read.
  auto with =
      http(server_->port(), "GET", "/api/search?q=remote&limit=2", "", server_->token("cid"));
  ASSERT_EQ(with.status, 200) << with.body;
  auto body = json::parse(with.body).as_object();
  EXPECT_EQ(body.at("results").as_array().size(), 2u);
  EXPECT_EQ(str(body.at("cursor")), "2");
  with = http(server_->port(), "GET", "/api/search?q=remote&limit=2&cursor=2", "",
              server_->token("cid"));
  body = json::parse(with.body).as_object();
  EXPECT_EQ(body.at("results").as_array().size(), 1u);
  EXPECT_FALSE(body.contains("cursor"));
  // A bad token is refused, not treated as anonymous.
  auto bad = http(server_->port(), "GET", "/api/search?q=remote", "", "not-a-jwt");
  EXPECT_EQ(bad.status, 401) << bad.body;
}

TEST_F(SearchTest, BadInputGetsBadRequestWithAReason) {
  auto ann = connect("ann");
  const std::vector<std::pair<json::object, std::string>> cases = {
      {{{"query", ""}}, "empty query"},
      {{{"query", "   "}}, "empty query"},
      {{{"query", std::string(257, 'x')}}, "query is longer than 256 characters"},
      {{{"query", "reset to:bob"}}, "unknown filter to:"},
      {{{"query", "is:open"}}, "unknown filter is:open"},
      {{{"query", "x"}, {"cursor", "abc"}}, "bad cursor"},
      {{{"query", "x"}, {"limit", 0}}, "\"limit\" must be an integer from 1 to 50"},
      {{{"query", "x"}, {"limit", 51}}, "\"limit\" must be an integer from 1 to 50"},
      {{{"query", 5}}, "\"query\""},
  };
  for (const auto& [frame, why] : cases) {
    auto r = search(*ann, frame);
    EXPECT_EQ(str(r.at("code")), "bad_request") << json::serialize(frame);
    EXPECT_NE(str(r.at("message")).find(why), std::string::npos) << json::serialize(r);
  }
  auto h = http(server_->port(), "GET", "/api/search?q=");
  EXPECT_EQ(h.status, 400) << h.body;
  EXPECT_NE(h.body.find("empty query"), std::string::npos) << h.body;
  h = http(server_->port(), "GET", "/api/search?q=x&limit=ten");
  EXPECT_EQ(h.status, 400) << h.body;
  h = http(server_->port(), "POST", "/api/search?q=x");
  EXPECT_EQ(h.status, 405) << h.body;
  // The connection is fine afterwards.
  EXPECT_EQ(str(ann->request({{"op", "ping"}}).at("op")), "pong");
}

TEST_F(SearchTest, SearchesAreRateLimited) {
  server_->terminate();
  start("[search]\nper_connection_per_min = 3\nanonymous_per_ip_per_min = 2\n");
  auto ann = connect("ann");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(str(search(*ann, {{"query", "x"}}).at("op")), "ok");
  auto r = search(*ann, {{"query", "x"}});
  EXPECT_EQ(str(r.at("code")), "rate_limited") << json::serialize(r);
  EXPECT_GT(num(r.at("retry_after_ms")), 0);
  // Another connection has its own allowance.
  auto bob = connect("bob");
  EXPECT_EQ(str(search(*bob, {{"query", "x"}}).at("op")), "ok");
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(http(server_->port(), "GET", "/api/search?q=x").status, 200);
  auto h = http(server_->port(), "GET", "/api/search?q=x");
  EXPECT_EQ(h.status, 429) << h.body;
}

TEST_F(SearchTest, DisabledSearchSaysSo) {
  server_->terminate();
  start("[search]\nenabled = false\n");
  auto ann = connect("ann");
  auto r = search(*ann, {{"query", "x"}});
  EXPECT_EQ(str(r.at("code")), "not_found");
  EXPECT_EQ(http(server_->port(), "GET", "/api/search?q=x").status, 404);
}

TEST_F(SearchTest, MetricsShowTheIndex) {
  auto ann = connect("ann");
  post(*ann, "help", "metric probe");
  wait_hits(*ann, "probe", 1);
  auto m = http(server_->port(), "GET", "/metrics");
  for (const char* name :
       {"parley_search_documents 1", "parley_search_index_bytes ", "parley_search_lag_messages ",
        "parley_search_lag_seconds ", "parley_search_query_seconds_count "}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
}

// A word per message that no other message's word stems into: "m<number>x".
std::string word(int i) { return "m" + std::to_string(i) + "x"; }

TEST_F(SearchTest, KillDashNineDuringABurstThenEveryAckedMessageIsFoundExactlyOnce) {
  server_->terminate();
  start("", "fsync");
  std::set<int> acked;
  {
    auto ann = connect("ann");
    std::atomic<bool> killed{false};
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      server_->kill9();
      killed = true;
    });
    // Pipelined sends, a bounded window ahead of the acks, until the server is gone.
    int sent = 0;
    for (int i = 0; i < 5000 && !killed; ++i) {
      ann->send({{"op", "send"},
                 {"channel", "help"},
                 {"text", "burst " + word(i)},
                 {"client_msg_id", "b" + std::to_string(i)},
                 {"id", i}});
      ++sent;
      while (sent - static_cast<int>(acked.size()) > 32) {
        auto o = ann->next(std::chrono::milliseconds(500));
        if (!o) break;
        if (str(o->at("op")) == "ok" && o->contains("seq"))
          acked.insert(static_cast<int>(num(o->at("id"))));
      }
      if (sent - static_cast<int>(acked.size()) > 32) break;  // the server stopped answering
    }
    while (auto o = ann->next(std::chrono::milliseconds(200))) {
      if (str(o->at("op")) == "ok" && o->contains("seq"))
        acked.insert(static_cast<int>(num(o->at("id"))));
    }
    killer.join();
  }
  ASSERT_GT(acked.size(), 0u);
  std::cout << "[search crash] acked before kill -9: " << acked.size() << "\n";
  ASSERT_TRUE(server_->start()) << server_->log();
  auto stef = connect("stef", "staff");
  // The index catches up from RocksDB: poll on the last acked word, then check every one.
  wait_hits(*stef, word(*acked.rbegin()), 1);
  for (int i : acked) {
    auto h = hits(*stef, word(i));
    EXPECT_EQ(h.size(), 1u) << word(i);
  }
  // Exactly once overall: one document per stored message (some stored messages may have lost
  // their ack in the kill), once the index has caught up with all of them.
  auto last = stef->request({{"op", "history"}, {"channel", "help"}, {"limit", 1}});
  const auto& msgs = last.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 1u);
  const std::int64_t stored = num(msgs[0].at("seq"));
  EXPECT_GE(stored, static_cast<std::int64_t>(acked.size()));
  long docs = -1;
  for (int i = 0; i < 400 && docs != stored; ++i) {
    auto m = http(server_->port(), "GET", "/metrics");
    auto pos = m.body.find("\nparley_search_documents ");
    ASSERT_NE(pos, std::string::npos);
    docs = std::atol(m.body.c_str() + pos + 25);
    if (docs != stored) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(docs, stored) << "documents vs messages in help";
}

TEST_F(SearchTest, ReindexGivesTheSameResults) {
  auto ann = connect("ann");
  auto q = post(*ann, "help", "alpha beta gamma");
  post(*ann, "help", "beta gamma delta", q);
  ok(*ann, {{"op", "dm"}, {"to", "bob"}, {"text", "gamma delta epsilon"}, {"client_msg_id", "r1"}});
  ok(*ann, {{"op", "edit"}, {"channel", "help"}, {"seq", q}, {"text", "alpha beta gamma zeta"}});
  wait_hits(*ann, "zeta", 1);
  wait_hits(*ann, "gamma", 3);  // the DM too: the edit may be searchable before it
  std::map<std::string, std::set<std::pair<std::string, std::int64_t>>> before;
  for (std::string w : {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"})
    before[w] = hits(*ann, w);
  EXPECT_EQ(before["gamma"].size(), 3u);

  const std::string reindex = std::string(PARLEY_BIN_DIR) + "/parleyd reindex --data-dir " +
                              server_->data_dir() + " >" + dir_.path + "/reindex.log 2>&1";
  // While the server runs, RocksDB's lock refuses a second process: a clear error, exit 1.
  int busy = std::system(reindex.c_str());
  EXPECT_EQ(WEXITSTATUS(busy), 1);
  ann.reset();
  EXPECT_EQ(server_->terminate(), 0);
  int rc = std::system(reindex.c_str());
  ASSERT_EQ(WEXITSTATUS(rc), 0);
  ASSERT_TRUE(server_->start()) << server_->log();
  ann = connect("ann");
  for (auto& [w, h] : before) EXPECT_EQ(hits(*ann, w), h) << w;
}

}  // namespace
