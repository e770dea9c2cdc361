// Roles, permissions and moderation, black-box over real sockets and HTTP.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

class ModerationTest : public ::testing::Test {
 protected:
  // Every role the permission matrices try: customer, guest, bot, staff, admin, and a customer
  // who is a member of the private channel "team".
  struct Who {
    std::string name, role;
    bool guest;
  };
  const std::vector<Who> roles = {{"cust", "customer", false}, {"Gus", "customer", true},
                                  {"robo", "bot", false},      {"stef", "staff", false},
                                  {"ada", "admin", false},     {"mia", "customer", false}};

  void SetUp() override { start(""); }
  void start(const std::string& extra_config) {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data", std::vector<std::string>{"--durability", "fast", "--config",
                                                      fast_config(dir_.path, extra_config)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::unique_ptr<Client> connect(const std::string& user, const std::string& role = "customer",
                                  bool guest = false) {
    auto c = std::make_unique<Client>(server_->port());
    std::string token = guest ? guest_token(user) : server_->token(user, role);
    EXPECT_TRUE(c->auth(token)) << user;
    return c;
  }
  std::string guest_token(const std::string& name) {
    auto r = http(server_->port(), "POST", "/api/guest", "{\"name\":\"" + name + "\"}");
    return std::string(json::parse(r.body).as_object().at("token").as_string());
  }
  static json::object ok(Client& c, json::object frame) {
    auto r = c.request(std::move(frame));
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    return r;
  }
  static std::int64_t post(Client& c, const std::string& ch, const std::string& text) {
    static int n = 0;
    auto r = c.request({{"op", "send"},
                        {"channel", ch},
                        {"text", text},
                        {"client_msg_id", "p" + std::to_string(++n)}});
    EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    return r.contains("seq") ? num(r.at("seq")) : -1;
  }
  json::object last_audit() {
    auto r =
        http(server_->port(), "GET", "/api/audit?limit=1", "", server_->token("boss", "admin"));
    auto v = json::parse(r.body).as_object();
    return v.at("entries").as_array().at(0).as_object();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

// Every op for every role in every channel kind: allowed, or `forbidden` with nothing stored.
TEST_F(ModerationTest, PermissionMatrix) {
  auto staff = connect("sam", "staff");
  ok(*staff, {{"op", "create_channel"}, {"channel", "news"}, {"kind", "announce"}});
  ok(*staff,
     {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}, {"title", "Team"}});
  ok(*staff, {{"op", "add_member"}, {"channel", "team"}, {"user", "mia"}});
  // A DM between two other people.
  auto x = connect("xavier");
  ok(*x, {{"op", "dm"}, {"to", "yara"}, {"text", "secret"}, {"client_msg_id", "x1"}});
  std::string dm = "dm:xavier:yara";

  // channel -> role -> (can read, can post)
  auto expect = [](const std::string& ch, const Who& w) -> std::pair<bool, bool> {
    bool staff = w.role == "staff" || w.role == "admin";
    if (ch == "help" || ch == "general") return {true, true};
    if (ch == "news") return {true, staff || w.role == "bot"};
    if (ch == "team") return {staff || w.name == "mia", staff || w.name == "mia"};
    return {false, false};  // someone else's DM
  };
  std::map<std::string, int> allowed_posts;
  for (const auto& w : roles) {
    auto c = connect(w.name, w.role, w.guest);
    for (const std::string& ch : std::vector<std::string>{"help", "general", "news", "team", dm}) {
      auto [can_read, can_post] = expect(ch, w);
      for (auto frame : {json::object{{"op", "join"}, {"channel", ch}},
                         json::object{{"op", "history"}, {"channel", ch}},
                         json::object{{"op", "typing"}, {"channel", ch}}}) {
        auto r = c->request(frame);
        EXPECT_EQ(str(r.at("op")), can_read ? "ok" : "error")
            << w.name << " " << json::serialize(frame) << " -> " << json::serialize(r);
        if (!can_read) {
          EXPECT_EQ(str(r.at("code")), "forbidden");
        }
      }
      auto r = c->request({{"op", "send"},
                           {"channel", ch},
                           {"text", "hi from " + w.name},
                           {"client_msg_id", "m-" + w.name + ch}});
      EXPECT_EQ(str(r.at("op")), can_post ? "ok" : "error")
          << w.name << " send " << ch << " -> " << json::serialize(r);
      if (!can_post) {
        EXPECT_EQ(str(r.at("code")), "forbidden");
      }
      if (can_post) allowed_posts[ch]++;
    }
    bool staff = w.role == "staff" || w.role == "admin";
    // Staff-only operations, each refused with `forbidden` for everyone else.
    std::string lower = w.name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    // For staff, the exact outcome: ok, or the state error the op's target calls for (an
    // unknown channel or report), never forbidden.
    const std::vector<std::pair<json::object, std::string>> staff_ops = {
        {{{"op", "create_channel"}, {"channel", "c-" + lower}}, "ok"},
        {{{"op", "lock"}, {"channel", "general"}, {"locked", false}}, "ok"},
        {{{"op", "slow_mode"}, {"channel", "general"}, {"interval_s", 0}}, "ok"},
        {{{"op", "mute"}, {"user", "nobody"}, {"duration_s", 1}}, "ok"},
        {{{"op", "unmute"}, {"user", "nobody"}}, "ok"},
        {{{"op", "ban"}, {"user", "nobody"}, {"duration_s", 1}}, "ok"},
        {{{"op", "unban"}, {"user", "nobody"}}, "ok"},
        {{{"op", "kick"}, {"user", "nobody"}, {"channel", "general"}}, "ok"},
        {{{"op", "update_channel"}, {"channel", "general"}, {"title", "General"}}, "ok"},
        {{{"op", "archive_channel"}, {"channel", "c-none"}}, "not_found"},
        {{{"op", "add_member"}, {"channel", "team"}, {"user", "nobody"}}, "ok"},
        {{{"op", "remove_member"}, {"channel", "team"}, {"user", "nobody"}}, "ok"},
        {{{"op", "resolve_report"}, {"report_id", 999}, {"action", "dismiss"}}, "not_found"}};
    for (const auto& [frame, outcome] : staff_ops) {
      auto res = c->request(frame);
      if (staff) {
        EXPECT_EQ(str(res.at("op")) == "error" ? str(res.at("code")) : str(res.at("op")), outcome)
            << w.name << " " << json::serialize(frame) << " -> " << json::serialize(res);
      } else {
        EXPECT_EQ(str(res.at("code")), "forbidden")
            << w.name << " " << json::serialize(frame) << " -> " << json::serialize(res);
      }
    }
  }
  // Nothing was stored by a forbidden send: last_seq equals the allowed posts exactly.
  auto check = connect("ada2", "admin");
  for (std::string ch : {"help", "general", "news", "team"}) {
    auto r = check->request({{"op", "join"}, {"channel", ch}});
    EXPECT_EQ(num(r.at("last_seq")), allowed_posts[ch]) << ch;
  }
  auto xr = x->request({{"op", "join"}, {"channel", dm}});
  EXPECT_EQ(num(xr.at("last_seq")), 1);
}

// The message ops (edit, delete, react, unreact, report) for every role in every channel kind,
// against someone else's message and the caller's own: allowed, or `forbidden` with nothing
// stored (text, tombstones, reactions and the report queue are checked afterwards).
TEST_F(ModerationTest, MessageOpsPermissionMatrix) {
  auto sam = connect("sam", "staff");
  ok(*sam, {{"op", "create_channel"}, {"channel", "news"}, {"kind", "announce"}});
  ok(*sam, {{"op", "create_channel"}, {"channel", "team"}, {"kind", "private"}});
  ok(*sam, {{"op", "add_member"}, {"channel", "team"}, {"user", "mia"}});
  auto x = connect("xavier");
  const std::string dm = "dm:xavier:yara";
  const std::vector<std::string> channels = {"help", "general", "news", "team", dm};
  // The author of the shared target and of the delete victims: xavier in the DM, else sam.
  auto author_of = [&](const std::string& ch) -> Client& { return ch == dm ? *x : *sam; };
  std::map<std::string, std::int64_t> target;
  for (const auto& ch : channels) target[ch] = post(author_of(ch), ch, "target in " + ch);

  auto can_read = [&](const std::string& ch, const Who& w) {
    bool staff = w.role == "staff" || w.role == "admin";
    if (ch == "team") return staff || w.name == "mia";
    return ch != dm;
  };
  auto can_post = [&](const std::string& ch, const Who& w) {
    bool staff = w.role == "staff" || w.role == "admin";
    if (ch == "news") return staff || w.role == "bot";
    return can_read(ch, w);
  };
  auto expect = [](Client& c, json::object frame, bool allowed, const std::string& what) {
    auto r = c.request(frame);
    EXPECT_EQ(str(r.at("op")), allowed ? "ok" : "error") << what << " -> " << json::serialize(r);
    if (!allowed) {
      ASSERT_TRUE(r.contains("code")) << what;
      EXPECT_EQ(str(r.at("code")), "forbidden") << what;
    }
  };

  std::map<std::string, int> readers;                                // channel -> reacts/reports
  std::vector<std::tuple<std::string, std::int64_t, bool>> victims;  // channel, seq, deleted?
  std::vector<std::pair<std::string, std::int64_t>> own;             // channel, seq
  for (const auto& w : roles) {
    auto c = connect(w.name, w.role, w.guest);
    const bool staff = w.role == "staff" || w.role == "admin";
    for (const auto& ch : channels) {
      const std::string at = w.name + " in " + ch + ": ";
      const bool read = can_read(ch, w);
      const json::value seq = target[ch];
      if (read) readers[ch]++;
      expect(*c, {{"op", "edit"}, {"channel", ch}, {"seq", seq}, {"text", "hijacked"}}, false,
             at + "edit someone else's");
      expect(*c, {{"op", "react"}, {"channel", ch}, {"seq", seq}, {"emoji", "+1"}}, read,
             at + "react");
      expect(*c, {{"op", "react"}, {"channel", ch}, {"seq", seq}, {"emoji", "heart"}}, read,
             at + "react heart");
      expect(*c, {{"op", "unreact"}, {"channel", ch}, {"seq", seq}, {"emoji", "heart"}}, read,
             at + "unreact");
      expect(*c, {{"op", "report"}, {"channel", ch}, {"seq", seq}, {"reason", "matrix"}}, read,
             at + "report");
      // Staff delete anyone's message outside DMs; nobody else deletes someone else's.
      auto victim = post(author_of(ch), ch, "victim for " + w.name);
      const bool may_delete = staff && ch != dm;
      expect(*c, {{"op", "delete"}, {"channel", ch}, {"seq", victim}}, may_delete,
             at + "delete someone else's");
      victims.emplace_back(ch, victim, may_delete);
      if (can_post(ch, w)) {
        auto mine = post(*c, ch, "own by " + w.name);
        expect(*c, {{"op", "edit"}, {"channel", ch}, {"seq", mine}, {"text", "own, edited"}}, true,
               at + "edit own");
        expect(*c, {{"op", "delete"}, {"channel", ch}, {"seq", mine}}, true, at + "delete own");
        own.emplace_back(ch, mine);
      }
    }
  }

  // What is stored: read each channel back (the DM through one of its members).
  auto ada = connect("ada2", "admin");
  std::map<std::string, std::map<std::int64_t, json::object>> stored;
  for (const auto& ch : channels) {
    Client& reader = ch == dm ? *x : *ada;
    auto r = reader.request({{"op", "history"}, {"channel", ch}, {"limit", 100}});
    ASSERT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    for (const auto& m : r.at("messages").as_array()) stored[ch][num(m.at("seq"))] = m.as_object();
  }
  for (const auto& ch : channels) {
    const auto& t = stored[ch].at(target[ch]);
    EXPECT_EQ(str(t.at("text")), "target in " + ch) << ch;
    EXPECT_FALSE(t.contains("edited_at")) << ch;
    if (readers[ch] == 0) {  // nobody could react (the DM): nothing stored
      EXPECT_FALSE(t.contains("reactions")) << ch;
      continue;
    }
    ASSERT_TRUE(t.contains("reactions")) << ch;
    const auto& rs = t.at("reactions").as_array();
    ASSERT_EQ(rs.size(), 1u) << ch << " " << json::serialize(rs);  // "+1" only; "heart" undone
    EXPECT_EQ(str(rs[0].at("emoji")), "+1");
    EXPECT_EQ(num(rs[0].at("count")), readers[ch]) << ch;
  }
  for (const auto& [ch, seq, deleted] : victims) {
    const auto& m = stored[ch].at(seq);
    EXPECT_EQ(m.contains("deleted"), deleted) << ch << " " << seq;
  }
  for (const auto& [ch, seq] : own) {
    const auto& m = stored[ch].at(seq);
    EXPECT_TRUE(m.contains("deleted")) << ch << " " << seq;
    EXPECT_EQ(m.contains("deleted_by") ? str(m.at("deleted_by")) : "", str(m.at("from").at("id")));
    EXPECT_TRUE(m.contains("edited_at")) << ch << " " << seq;
  }
  // One report per reader per channel, none from the refused.
  auto r = http(server_->port(), "GET", "/api/reports?status=all&limit=200", "",
                server_->token("boss", "admin"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, int> reports;
  auto body = json::parse(r.body);
  for (const auto& rep : body.at("reports").as_array()) reports[str(rep.at("channel"))]++;
  for (const auto& ch : channels) EXPECT_EQ(reports[ch], readers[ch]) << ch;
}

TEST_F(ModerationTest, ANoOpReactOrUnreactAnnouncesNothing) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  ok(*alice, {{"op", "join"}, {"channel", "general"}});
  auto s1 = post(*bob, "general", "react to me");
  const std::string up = "\U0001F44D";
  auto react = [&](bool add, const std::string& emoji) {
    return ok(
        *bob,
        {{"op", add ? "react" : "unreact"}, {"channel", "general"}, {"seq", s1}, {"emoji", emoji}});
  };
  EXPECT_EQ(num(react(true, up).at("count")), 1);
  EXPECT_EQ(num(react(true, up).at("count")), 1);        // already there: ok, nothing changes
  EXPECT_EQ(num(react(false, "heart").at("count")), 0);  // never there: ok, nothing changes
  EXPECT_EQ(num(react(false, up).at("count")), 0);
  EXPECT_EQ(num(react(false, up).at("count")), 0);  // gone already
  // Alice saw exactly the two changes. (Her ping's reply comes after every event queued for
  // her before it: the events of a commit reach her before the actor's ok.)
  EXPECT_EQ(str(alice->request({{"op", "ping"}}).at("op")), "pong");
  std::vector<std::int64_t> counts;
  for (const auto& o : alice->seen()) {
    if (str(o.at("op")) == "reaction") counts.push_back(num(o.at("count")));
  }
  EXPECT_EQ(counts, (std::vector<std::int64_t>{1, 0}));
}

TEST_F(ModerationTest, EditDeleteReactWithEventsAndTombstones) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto staff = connect("sam", "staff");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  auto s1 = post(*alice, "general", "helo");
  auto s2 = post(*alice, "general", "second");
  auto e = ok(*alice, {{"op", "edit"}, {"channel", "general"}, {"seq", s1}, {"text", "hello"}});
  EXPECT_GT(num(e.at("edited_at")), 0);
  auto ev = bob->wait_for([](const json::object& o) { return str(o.at("op")) == "edited"; });
  ASSERT_TRUE(ev);
  EXPECT_EQ(num(ev->at("seq")), s1);
  EXPECT_EQ(str(ev->at("text")), "hello");
  // Only the author edits.
  auto no = bob->request({{"op", "edit"}, {"channel", "general"}, {"seq", s1}, {"text", "x"}});
  EXPECT_EQ(str(no.at("code")), "forbidden");
  // Reactions: two users, then one takes it back.
  ok(*bob, {{"op", "react"}, {"channel", "general"}, {"seq", s1}, {"emoji", "\U0001F44D"}});
  auto r2 =
      ok(*staff, {{"op", "react"}, {"channel", "general"}, {"seq", s1}, {"emoji", "\U0001F44D"}});
  EXPECT_EQ(num(r2.at("count")), 2);
  auto again =
      ok(*staff, {{"op", "react"}, {"channel", "general"}, {"seq", s1}, {"emoji", "\U0001F44D"}});
  EXPECT_EQ(num(again.at("count")), 2);  // idempotent
  auto un =
      ok(*bob, {{"op", "unreact"}, {"channel", "general"}, {"seq", s1}, {"emoji", "\U0001F44D"}});
  EXPECT_EQ(num(un.at("count")), 1);
  auto rev = bob->wait_for([](const json::object& o) {
    return str(o.at("op")) == "reaction" && num(o.at("count")) == 1;
  });
  ASSERT_TRUE(rev);
  // The author deletes one; staff deletes the other; bob cannot delete alice's.
  EXPECT_EQ(str(bob->request({{"op", "delete"}, {"channel", "general"}, {"seq", s2}}).at("code")),
            "forbidden");
  ok(*alice, {{"op", "delete"}, {"channel", "general"}, {"seq", s2}});
  ok(*staff, {{"op", "delete"}, {"channel", "general"}, {"seq", s1}});
  auto del = bob->wait_for([&](const json::object& o) {
    return str(o.at("op")) == "deleted" && num(o.at("seq")) == s1;
  });
  ASSERT_TRUE(del);
  EXPECT_EQ(str(del->at("by")), "sam");
  EXPECT_EQ(str(alice->request({{"op", "delete"}, {"channel", "general"}, {"seq", s2}}).at("code")),
            "not_found");
  auto h = ok(*bob, {{"op", "history"}, {"channel", "general"}});
  auto& msgs = h.at("messages").as_array();
  ASSERT_EQ(msgs.size(), 2u);  // seqs stay
  for (auto& m : msgs) {
    EXPECT_TRUE(m.as_object().at("deleted").as_bool());
    EXPECT_EQ(str(m.as_object().at("text")), "");
    EXPECT_FALSE(m.as_object().contains("reactions"));
  }
  EXPECT_EQ(str(msgs[0].as_object().at("deleted_by")), "sam");
  EXPECT_EQ(str(msgs[1].as_object().at("deleted_by")), "alice");
  // A staff delete is audited.
  auto a = last_audit();
  EXPECT_EQ(str(a.at("action")), "delete");
  EXPECT_EQ(str(a.at("actor")), "sam");
  EXPECT_EQ(str(a.at("target_user")), "alice");  // the author, named by the server
  EXPECT_EQ(str(a.at("channel")), "general");
}

TEST_F(ModerationTest, TimedMuteExpiresAndChannelMuteIsLocal) {
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto m = ok(*staff, {{"op", "mute"},
                       {"user", "bob"},
                       {"channel", "general"},
                       {"duration_s", 2},
                       {"reason", "cool down"}});
  EXPECT_GT(num(m.at("until")), 0);
  // Audited, and the audit entry is one structured line of the server log too.
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    const std::string log = server_->log();
    for (std::size_t at = log.find("event=audit"); at != std::string::npos && !logged;
         at = log.find("event=audit", at + 1)) {
      const std::string line = log.substr(at, log.find('\n', at) - at);
      logged = line.find(" action=mute actor=sam target_user=bob channel=general") !=
                   std::string::npos &&
               line.find(" reason=\"cool down\"") != std::string::npos &&
               line.find(" details=\"{\\\"duration_s\\\":2}\"") != std::string::npos;
    }
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(logged) << server_->log();
  auto r = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "x"}, {"client_msg_id", "b1"}});
  ASSERT_EQ(str(r.at("code")), "muted") << json::serialize(r);
  EXPECT_GT(num(r.at("retry_after_ms")), 0);
  EXPECT_LE(num(r.at("retry_after_ms")), 2000);
  EXPECT_NE(str(r.at("message")).find("cool down"), std::string::npos);
  post(*bob, "help", "elsewhere is fine");
  // Reacting is posting too.
  auto s = post(*staff, "general", "staff msg");
  EXPECT_EQ(str(bob->request({{"op", "react"}, {"channel", "general"}, {"seq", s}, {"emoji", "x"}})
                    .at("code")),
            "muted");
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  post(*bob, "general", "back");
  // A global mute covers DMs too; unmute lifts it.
  ok(*staff, {{"op", "mute"}, {"user", "bob"}});
  auto dm = bob->request({{"op", "dm"}, {"to", "sam"}, {"text", "hey"}, {"client_msg_id", "b2"}});
  EXPECT_EQ(str(dm.at("code")), "muted");
  EXPECT_FALSE(dm.contains("retry_after_ms"));  // indefinite
  ok(*staff, {{"op", "unmute"}, {"user", "bob"}});
  post(*bob, "general", "free again");
}

TEST_F(ModerationTest, BanClosesSessionsAndRefusesAuthUntilUnban) {
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto bob2 = connect("bob");
  ok(*staff, {{"op", "ban"}, {"user", "bob"}, {"reason", "spam"}});
  for (auto* c : {bob.get(), bob2.get()}) {
    auto e = c->wait_for([](const json::object& o) { return str(o.at("op")) == "error"; });
    ASSERT_TRUE(e);
    EXPECT_EQ(str(e->at("code")), "banned");
    for (int i = 0; i < 50 && !c->ws().closed(); ++i) c->next(std::chrono::milliseconds(100));
    EXPECT_EQ(c->ws().close_code(), 4403);
  }
  Client again(server_->port());
  again.send({{"op", "auth"}, {"token", server_->token("bob")}});
  auto e = again.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(str(e->at("code")), "banned");
  for (int i = 0; i < 50 && !again.ws().closed(); ++i) again.next(std::chrono::milliseconds(100));
  EXPECT_EQ(again.ws().close_code(), 4403);
  // Staff cannot ban staff; nobody can ban themselves.
  EXPECT_EQ(str(staff->request({{"op", "ban"}, {"user", "sam"}}).at("code")), "bad_request");
  auto other = connect("stef", "staff");
  EXPECT_EQ(str(staff->request({{"op", "ban"}, {"user", "stef"}}).at("code")), "forbidden");
  ok(*staff, {{"op", "unban"}, {"user", "bob"}});
  Client back(server_->port());
  EXPECT_TRUE(back.auth(server_->token("bob")));
  // Audit: ban, the enforcement at auth, unban.
  auto r = http(server_->port(), "GET", "/api/audit?limit=10", "", server_->token("boss", "admin"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> actions;
  auto audit = json::parse(r.body);
  for (auto& a : audit.as_object().at("entries").as_array()) {
    actions.push_back(str(a.as_object().at("action")));
  }
  ASSERT_GE(actions.size(), 3u);
  EXPECT_EQ(actions[0], "unban");
  EXPECT_EQ(actions[1], "ban_enforced");
  EXPECT_EQ(actions[2], "ban");
}

// A kick: the joined connections leave with `kicked` (the user's others hear nothing), and for
// kick_rejoin_s the user may neither join nor post there; reading history still works; then
// they may come back.
TEST_F(ModerationTest, KickKeepsTheUserOutForTheRejoinDelay) {
  start("kick_rejoin_s = 1\n");
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  auto bob2 = connect("bob");  // never joins general
  auto carol = connect("carol");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  ok(*carol, {{"op", "join"}, {"channel", "general"}});
  auto r = ok(*staff, {{"op", "kick"}, {"user", "bob"}, {"channel", "general"}});
  EXPECT_EQ(num(r.at("rejoin_after_ms")), 1000);
  auto k = bob->wait_for([](const json::object& o) { return str(o.at("op")) == "kicked"; });
  ASSERT_TRUE(k);
  EXPECT_EQ(str(k->at("channel")), "general");
  EXPECT_EQ(str(k->at("by")), "sam");
  EXPECT_EQ(num(k->at("rejoin_after_ms")), 1000);
  auto off = carol->wait_for([](const json::object& o) {
    return str(o.at("op")) == "presence" && str(o.at("user")) == "bob" &&
           str(o.at("state")) == "offline";
  });
  EXPECT_TRUE(off);
  post(*staff, "general", "after kick");
  bob2->request({{"op", "ping"}});
  for (auto& o : bob2->seen()) EXPECT_NE(str(o.at("op")), "kicked") << "bob2 never joined general";
  bob->request({{"op", "ping"}});
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "message");

  auto again = bob2->request({{"op", "join"}, {"channel", "general"}});
  EXPECT_EQ(str(again.at("code")), "forbidden") << json::serialize(again);
  EXPECT_EQ(str(again.at("message")), "you were kicked from this channel");
  EXPECT_GT(num(again.at("retry_after_ms")), 0);
  EXPECT_LE(num(again.at("retry_after_ms")), 1000);
  auto send = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "hi"}, {"client_msg_id", "k1"}});
  EXPECT_EQ(str(send.at("code")), "forbidden") << json::serialize(send);
  ok(*bob, {{"op", "history"}, {"channel", "general"}});
  // Other channels are not affected.
  ok(*bob, {{"op", "join"}, {"channel", "help"}});
  // After the delay: back (a bounded poll, no fixed sleep).
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto j = bob->request({{"op", "join"}, {"channel", "general"}});
    back = str(j.at("op")) == "ok";
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(back);
  post(*bob, "general", "I am back");
}

TEST_F(ModerationTest, KickWithoutDelayAndSlowModeAndLock) {
  start("kick_rejoin_s = 0\n");
  auto staff = connect("sam", "staff");
  auto bob = connect("bob");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  auto r = ok(*staff, {{"op", "kick"}, {"user", "bob"}, {"channel", "general"}});
  EXPECT_FALSE(r.contains("rejoin_after_ms"));
  auto k = bob->wait_for([](const json::object& o) { return str(o.at("op")) == "kicked"; });
  ASSERT_TRUE(k);
  EXPECT_EQ(str(k->at("channel")), "general");
  EXPECT_FALSE(k->contains("rejoin_after_ms"));
  post(*staff, "general", "after kick");
  bob->request({{"op", "ping"}});
  for (auto& o : bob->seen()) EXPECT_NE(str(o.at("op")), "message");
  ok(*bob, {{"op", "join"}, {"channel", "general"}});  // kick_rejoin_s = 0: may come back at once

  auto sm = ok(*staff, {{"op", "slow_mode"}, {"channel", "general"}, {"interval_s", 60}});
  EXPECT_EQ(num(sm.at("slow_mode_s")), 60);
  auto upd =
      bob->wait_for([](const json::object& o) { return str(o.at("op")) == "channel_updated"; });
  ASSERT_TRUE(upd);
  EXPECT_EQ(num(upd->at("slow_mode_s")), 60);
  post(*bob, "general", "one");
  auto two = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "two"}, {"client_msg_id", "s2"}});
  EXPECT_EQ(str(two.at("code")), "slow_mode");
  EXPECT_GT(num(two.at("retry_after_ms")), 50000);
  post(*staff, "general", "staff is exempt");
  post(*staff, "general", "twice");
  ok(*staff, {{"op", "slow_mode"}, {"channel", "general"}, {"interval_s", 0}});

  ok(*staff, {{"op", "lock"}, {"channel", "general"}, {"locked", true}});
  auto locked = bob->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "x"}, {"client_msg_id", "l1"}});
  EXPECT_EQ(str(locked.at("code")), "forbidden");
  post(*staff, "general", "staff may post while locked");
  ok(*staff, {{"op", "lock"}, {"channel", "general"}, {"locked", false}});
  post(*bob, "general", "unlocked");
}

TEST_F(ModerationTest, ReportsUpheldAndDismissed) {
  auto staff = connect("sam", "staff");
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto bad = post(*alice, "general", "buy cheap stuff");
  auto meh = post(*alice, "general", "meh");
  auto rep = ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", bad}, {"reason", "spam"}});
  auto id = num(rep.at("report_id"));
  auto dup =
      ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", bad}, {"reason", "spam!"}});
  EXPECT_EQ(num(dup.at("report_id")), id);
  EXPECT_EQ(
      str(alice->request({{"op", "report"}, {"channel", "general"}, {"seq", bad}, {"reason", "me"}})
              .at("code")),
      "bad_request");
  auto live = staff->wait_for([](const json::object& o) { return str(o.at("op")) == "report"; });
  ASSERT_TRUE(live);
  EXPECT_EQ(num(live->at("report_id")), id);
  EXPECT_EQ(str(live->at("text")), "buy cheap stuff");
  EXPECT_EQ(str(live->at("author").as_object().at("id")), "alice");
  // The open queue over HTTP.
  auto q = http(server_->port(), "GET", "/api/reports", "", server_->token("sam", "staff"));
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(json::parse(q.body).as_object().at("reports").as_array().size(), 1u);

  ok(*bob, {{"op", "join"}, {"channel", "general"}});
  auto res = ok(*staff, {{"op", "resolve_report"},
                         {"report_id", id},
                         {"action", "uphold"},
                         {"remove", true},
                         {"mute_s", 600}});
  EXPECT_EQ(str(res.at("status")), "upheld");
  auto gone = bob->wait_for([&](const json::object& o) { return str(o.at("op")) == "deleted"; });
  ASSERT_TRUE(gone);
  EXPECT_EQ(num(gone->at("seq")), bad);
  auto muted =
      alice->request({{"op", "send"}, {"channel", "help"}, {"text", "x"}, {"client_msg_id", "a9"}});
  EXPECT_EQ(str(muted.at("code")), "muted");
  EXPECT_EQ(str(staff->request({{"op", "resolve_report"}, {"report_id", id}, {"action", "dismiss"}})
                    .at("code")),
            "conflict");

  auto rep2 =
      ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", meh}, {"reason", "boring"}});
  ok(*staff,
     {{"op", "resolve_report"}, {"report_id", num(rep2.at("report_id"))}, {"action", "dismiss"}});
  // The resolution's audit entry names the reported message and its author.
  auto ra = last_audit();
  EXPECT_EQ(str(ra.at("action")), "resolve_report");
  EXPECT_EQ(str(ra.at("target_user")), "alice");
  EXPECT_EQ(str(ra.at("channel")), "general");
  EXPECT_EQ(num(ra.at("seq")), meh);
  auto h = ok(*bob, {{"op", "history"}, {"channel", "general"}});
  EXPECT_FALSE(h.at("messages").as_array()[1].as_object().contains("deleted"));  // meh stays

  auto u = http(server_->port(), "GET", "/api/users/alice", "", server_->token("sam", "staff"));
  ASSERT_EQ(u.status, 200) << u.body;
  auto user = json::parse(u.body).as_object();
  EXPECT_EQ(user.at("upheld_reports").as_array().size(), 1u);
  EXPECT_EQ(user.at("mutes").as_array().size(), 1u);
}

// resolve_report writes its follow-ups first and waits for them: the `deleted` event reaches a
// connection before the ok, the resolution says only what was done (a message its author had
// deleted already is not "removed"), the audit log has delete, mute, then resolve_report, and a
// follow-up that fails (storage refusing writes) leaves the report open and says so.
TEST_F(ModerationTest, ResolveReportWritesItsFollowUpsFirstAndSaysWhatItDid) {
  auto staff = connect("sam", "staff");
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto admin_token = server_->token("boss", "admin");
  ok(*staff, {{"op", "join"}, {"channel", "general"}});
  auto gone = post(*alice, "general", "deleted by its author");
  auto r1 =
      num(ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", gone}, {"reason", "rude"}})
              .at("report_id"));
  ok(*alice, {{"op", "delete"}, {"channel", "general"}, {"seq", gone}});
  ok(*staff, {{"op", "resolve_report"},
              {"report_id", r1},
              {"action", "uphold"},
              {"remove", true},
              {"mute_s", 60}});
  auto reports =
      json::parse(http(server_->port(), "GET", "/api/reports?status=upheld", "", admin_token).body);
  EXPECT_EQ(str(reports.at("reports").as_array().at(0).at("resolution")),
            "upheld; author muted 60 s");
  auto audit =
      json::parse(http(server_->port(), "GET", "/api/audit?limit=2", "", admin_token).body);
  const auto& entries = audit.at("entries").as_array();
  EXPECT_EQ(str(entries.at(0).at("action")), "resolve_report");
  EXPECT_EQ(str(entries.at(1).at("action")), "mute") << "no delete entry: nothing was deleted";
  ok(*staff, {{"op", "unmute"}, {"user", "alice"}});

  auto spam = post(*alice, "general", "spam");
  auto r2 =
      num(ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", spam}, {"reason", "spam"}})
              .at("report_id"));
  const std::size_t before = staff->seen().size();
  auto res =
      ok(*staff,
         {{"op", "resolve_report"}, {"report_id", r2}, {"action", "uphold"}, {"remove", true}});
  EXPECT_EQ(str(res.at("status")), "upheld");
  std::ptrdiff_t deleted_at = -1, ok_at = -1;
  for (std::size_t i = before; i < staff->seen().size(); ++i) {
    const auto& o = staff->seen()[i];
    if (str(o.at("op")) == "deleted" && num(o.at("seq")) == spam)
      deleted_at = static_cast<std::ptrdiff_t>(i);
    if (str(o.at("op")) == "ok" && o.contains("report_id")) ok_at = static_cast<std::ptrdiff_t>(i);
  }
  EXPECT_GE(deleted_at, 0);
  EXPECT_LT(deleted_at, ok_at) << "the deleted event comes before the ok";
  audit = json::parse(http(server_->port(), "GET", "/api/audit?limit=2", "", admin_token).body);
  EXPECT_EQ(str(audit.at("entries").as_array().at(0).at("action")), "resolve_report");
  EXPECT_EQ(str(audit.at("entries").as_array().at(1).at("action")), "delete");

  // Storage refusing writes (the disk floor 1 GiB above the free space): the removal fails, the
  // client is told, and the report stays open.
  struct statvfs st {};
  ASSERT_EQ(::statvfs(dir_.path.c_str(), &st), 0);
  const std::uint64_t floor = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize + (1ULL << 30);
  ASSERT_LE(floor, 1ULL << 40)
      << "storage.min_free_bytes stops at 1 TiB: this test needs less free";
  auto last = post(*alice, "general", "reported again");
  auto r3 =
      num(ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", last}, {"reason", "again"}})
              .at("report_id"));
  staff.reset();
  alice.reset();
  bob.reset();
  ASSERT_EQ(server_->terminate(), 0);
  start("[storage]\nmin_free_bytes = " + std::to_string(floor) + "\n");
  staff = connect("sam", "staff");
  auto refused = staff->request(
      {{"op", "resolve_report"}, {"report_id", r3}, {"action", "uphold"}, {"remove", true}});
  EXPECT_EQ(str(refused.at("code")), "internal") << json::serialize(refused);
  EXPECT_NE(str(refused.at("message")).find("the report stays open"), std::string::npos)
      << json::serialize(refused);
  auto open =
      json::parse(http(server_->port(), "GET", "/api/reports?status=open", "", admin_token).body);
  ASSERT_EQ(open.at("reports").as_array().size(), 1u);
  EXPECT_EQ(num(open.at("reports").as_array().at(0).at("report_id")), r3);
}

TEST_F(ModerationTest, UpholdingAgainstStaffSkipsTheMuteAndSaysSo) {
  auto staff = connect("sam", "staff");
  auto admin = connect("ada", "admin");
  auto bob = connect("bob");
  auto s = post(*admin, "general", "an admin's message");
  auto rep = ok(*bob, {{"op", "report"}, {"channel", "general"}, {"seq", s}, {"reason", "hmm"}});
  auto r = ok(*staff, {{"op", "resolve_report"},
                       {"report_id", num(rep.at("report_id"))},
                       {"action", "uphold"},
                       {"mute_s", 600}});
  EXPECT_EQ(str(r.at("mute_skipped")), "staff cannot moderate staff or admins");
  post(*admin, "general", "not muted");
  auto q = http(server_->port(), "GET", "/api/reports?status=upheld", "",
                server_->token("sam", "staff"));
  auto reports = json::parse(q.body);
  auto& first = reports.as_object().at("reports").as_array().at(0).as_object();
  EXPECT_EQ(str(first.at("resolution")), "upheld");
}

TEST_F(ModerationTest, StateAndAuditSurviveRestart) {
  {
    auto staff = connect("sam", "staff");
    ok(*staff, {{"op", "mute"}, {"user", "bob"}, {"channel", "general"}});
    ok(*staff, {{"op", "ban"}, {"user", "eve"}});
    ok(*staff, {{"op", "lock"}, {"channel", "help"}, {"locked", true}});
    ok(*staff, {{"op", "create_channel"}, {"channel", "vip"}, {"kind", "private"}});
    ok(*staff, {{"op", "add_member"}, {"channel", "vip"}, {"user", "bob"}});
  }
  ASSERT_EQ(server_->terminate(), 0);
  ASSERT_TRUE(server_->start()) << server_->log();
  auto bob = connect("bob");
  EXPECT_EQ(
      str(bob->request(
                 {{"op", "send"}, {"channel", "general"}, {"text", "x"}, {"client_msg_id", "1"}})
              .at("code")),
      "muted");
  EXPECT_EQ(
      str(bob->request({{"op", "send"}, {"channel", "help"}, {"text", "x"}, {"client_msg_id", "2"}})
              .at("code")),
      "forbidden");
  post(*bob, "vip", "member of vip");
  Client eve(server_->port());
  eve.send({{"op", "auth"}, {"token", server_->token("eve")}});
  auto e = eve.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(str(e->at("code")), "banned");
  auto r = http(server_->port(), "GET", "/api/audit?limit=50", "", server_->token("sam", "staff"));
  auto entries = json::parse(r.body).as_object().at("entries").as_array();
  std::vector<std::string> actions;
  for (auto& a : entries) actions.push_back(str(a.as_object().at("action")));
  for (std::string want : {"mute", "ban", "lock", "create_channel", "add_member"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
  }
}

TEST_F(ModerationTest, StaffHttpApi) {
  auto staff_token = server_->token("sam", "staff");
  auto cust_token = server_->token("carl");
  // No token, a customer token, a bad body.
  EXPECT_EQ(http(server_->port(), "GET", "/api/audit").status, 401);
  auto forbidden = http(server_->port(), "GET", "/api/audit", "", cust_token);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(str(json::parse(forbidden.body).as_object().at("error").as_object().at("code")),
            "forbidden");
  auto bad =
      http(server_->port(), "POST", "/api/channels", R"({"channel":"Bad Name"})", staff_token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("channel"), std::string::npos) << bad.body;
  auto bad_kind = http(server_->port(), "POST", "/api/channels", R"({"channel":"ok","kind":"zoo"})",
                       staff_token);
  EXPECT_EQ(bad_kind.status, 400);
  EXPECT_NE(bad_kind.body.find("kind"), std::string::npos) << bad_kind.body;
  EXPECT_EQ(http(server_->port(), "POST", "/api/channels", "not json", staff_token).status, 400);
  // Create, conflict, patch, list.
  auto created = http(server_->port(), "POST", "/api/channels",
                      R"({"channel":"billing","kind":"support","title":"Billing"})", staff_token);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(str(json::parse(created.body).as_object().at("kind")), "support");
  EXPECT_EQ(http(server_->port(), "POST", "/api/channels", R"({"channel":"billing"})", staff_token)
                .status,
            409);
  // Several fields: one write (all or nothing), one audit entry, one channel_updated.
  auto watcher = connect("walt");
  ok(*watcher, {{"op", "join"}, {"channel", "billing"}});
  auto audit_before =
      http(server_->port(), "GET", "/api/audit?limit=200", "", server_->token("boss", "admin"));
  const auto entries_before =
      json::parse(audit_before.body).as_object().at("entries").as_array().size();
  auto patched = http(server_->port(), "PATCH", "/api/channels/billing",
                      R"({"title":"Billing & plans","locked":true,"slow_mode_s":30})", staff_token);
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto p = json::parse(patched.body).as_object();
  EXPECT_EQ(str(p.at("title")), "Billing & plans");
  EXPECT_TRUE(p.at("locked").as_bool());
  EXPECT_EQ(num(p.at("slow_mode_s")), 30);
  auto audit_after =
      http(server_->port(), "GET", "/api/audit?limit=200", "", server_->token("boss", "admin"));
  EXPECT_EQ(json::parse(audit_after.body).as_object().at("entries").as_array().size(),
            entries_before + 1);
  auto entry = last_audit();
  EXPECT_EQ(str(entry.at("action")), "update_channel");
  EXPECT_EQ(json::serialize(entry.at("details")),
            R"({"title":"Billing & plans","locked":true,"slow_mode_s":30})");
  auto update =
      watcher->wait_for([](const json::object& o) { return str(o.at("op")) == "channel_updated"; });
  ASSERT_TRUE(update.has_value());
  EXPECT_TRUE(update->at("locked").as_bool());
  EXPECT_EQ(num(update->at("slow_mode_s")), 30);
  EXPECT_FALSE(
      watcher
          ->wait_for([](const json::object& o) { return str(o.at("op")) == "channel_updated"; },
                     std::chrono::milliseconds(300))
          .has_value())
      << "one channel_updated for the whole PATCH";
  auto bad_patch =
      http(server_->port(), "PATCH", "/api/channels/billing", R"({"locked":"yes"})", staff_token);
  EXPECT_EQ(bad_patch.status, 400);
  EXPECT_NE(bad_patch.body.find("locked"), std::string::npos) << bad_patch.body;
  // All or nothing: valid fields beside a bad one are not applied either, and nothing is
  // announced or audited.
  auto half = http(server_->port(), "PATCH", "/api/channels/billing",
                   R"({"title":"Half applied?","archived":true,"slow_mode_s":-1})", staff_token);
  EXPECT_EQ(half.status, 400) << half.body;
  auto now = http(server_->port(), "GET", "/api/channels", "", staff_token);
  EXPECT_EQ(now.body.find("Half applied?"), std::string::npos) << now.body;
  EXPECT_NE(
      now.body.find(
          R"("channel":"billing","kind":"support","title":"Billing & plans","archived":false)"),
      std::string::npos)
      << now.body;
  EXPECT_EQ(str(last_audit().at("action")), "update_channel");
  EXPECT_EQ(json::serialize(last_audit().at("details")),
            R"({"title":"Billing & plans","locked":true,"slow_mode_s":30})");
  EXPECT_FALSE(
      watcher
          ->wait_for([](const json::object& o) { return str(o.at("op")) == "channel_updated"; },
                     std::chrono::milliseconds(300))
          .has_value());
  EXPECT_EQ(http(server_->port(), "PATCH", "/api/channels/nope", R"({"locked":true})", staff_token)
                .status,
            404);
  auto list = http(server_->port(), "GET", "/api/channels", "", staff_token);
  EXPECT_NE(list.body.find("\"billing\""), std::string::npos);
  // A customer does not see private channels they are not in.
  http(server_->port(), "POST", "/api/channels", R"({"channel":"secret","kind":"private"})",
       staff_token);
  EXPECT_EQ(http(server_->port(), "GET", "/api/channels", "", cust_token).body.find("secret"),
            std::string::npos);
  // Resolve over HTTP: unknown report, bad action.
  EXPECT_EQ(http(server_->port(), "POST", "/api/reports/77/resolve", R"({"action":"dismiss"})",
                 staff_token)
                .status,
            404);
  auto bad_action = http(server_->port(), "POST", "/api/reports/77/resolve",
                         R"({"action":"maybe"})", staff_token);
  EXPECT_EQ(bad_action.status, 400);
  EXPECT_NE(bad_action.body.find("action"), std::string::npos);
}

// moderation.reports_per_hour: only reports that are filed count; past the limit,
// rate_limited with retry_after_ms, and nothing is filed.
TEST(ModerationReports, OnlyFiledReportsCountForTheHourlyLimit) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--config", fast_config(dir.path, "[moderation]\nreports_per_hour = 2\n")});
  ASSERT_TRUE(server.start()) << server.log();
  Client bob(server.port());
  ASSERT_TRUE(bob.auth(server.token("bob")));
  Client carol(server.port());
  ASSERT_TRUE(carol.auth(server.token("carol")));
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < 3; ++i) {
    auto r = bob.request({{"op", "send"},
                          {"channel", "general"},
                          {"text", "spam " + std::to_string(i)},
                          {"client_msg_id", "b" + std::to_string(i)}});
    ASSERT_EQ(str(r.at("op")), "ok") << json::serialize(r);
    seqs.push_back(num(r.at("seq")));
  }
  auto own = carol.request(
      {{"op", "send"}, {"channel", "general"}, {"text", "mine"}, {"client_msg_id", "c1"}});
  auto report = [&](std::int64_t seq) {
    return carol.request(
        {{"op", "report"}, {"channel", "general"}, {"seq", seq}, {"reason", "spam"}});
  };
  // None of these files anything, so none counts.
  EXPECT_EQ(str(report(999).at("code")), "not_found");
  EXPECT_EQ(str(report(num(own.at("seq"))).at("code")), "bad_request");
  auto first = report(seqs[0]);
  ASSERT_EQ(str(first.at("op")), "ok") << json::serialize(first);
  for (int i = 0; i < 3; ++i) {  // repeats answer the original report and count nothing
    EXPECT_EQ(num(report(seqs[0]).at("report_id")), num(first.at("report_id")));
  }
  auto second = report(seqs[1]);
  ASSERT_EQ(str(second.at("op")), "ok") << json::serialize(second);
  auto third = report(seqs[2]);  // the third filed report within the hour
  EXPECT_EQ(str(third.at("code")), "rate_limited") << json::serialize(third);
  EXPECT_EQ(str(third.at("message")), "too many reports; try later");
  EXPECT_GT(num(third.at("retry_after_ms")), 3000000);
  auto open = http(server.port(), "GET", "/api/reports", "", server.token("sam", "staff"));
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(json::parse(open.body).as_object().at("reports").as_array().size(), 2u);
}

TEST(ModerationFilter, BlockAndMaskModes) {
  for (std::string mode : {"block", "mask"}) {
    TempDir dir;
    ServerProcess server(
        dir.path + "/data",
        {"--config",
         fast_config(dir.path,
                     "[moderation]\nfilter_words = [\"darn\", \"Heck\"]\nfilter_mode = \"" + mode +
                         "\"\n")});
    ASSERT_TRUE(server.start()) << server.log();
    Client c(server.port());
    ASSERT_TRUE(c.auth(server.token("alice")));
    auto r = c.request({{"op", "send"},
                        {"channel", "general"},
                        {"text", "oh DARN it, heck"},
                        {"client_msg_id", "f1"}});
    auto h = c.request({{"op", "history"}, {"channel", "general"}});
    auto& msgs = h.at("messages").as_array();
    if (mode == "block") {
      EXPECT_EQ(str(r.at("code")), "forbidden");
      EXPECT_EQ(msgs.size(), 0u);
    } else {
      EXPECT_EQ(str(r.at("op")), "ok");
      EXPECT_EQ(str(r.at("text")), "oh **** it, ****");  // the ack says what was stored
      ASSERT_EQ(msgs.size(), 1u);
      EXPECT_EQ(str(msgs[0].as_object().at("text")), "oh **** it, ****");
      auto clean = c.request(
          {{"op", "send"}, {"channel", "general"}, {"text", "all fine"}, {"client_msg_id", "f2"}});
      EXPECT_FALSE(clean.contains("text")) << json::serialize(clean);
      auto dm = c.request({{"op", "dm"}, {"to", "bob"}, {"text", "darn"}, {"client_msg_id", "f3"}});
      EXPECT_EQ(str(dm.at("text")), "****") << json::serialize(dm);
    }
    // The filter's audit entry is written next to the reply, not before it: poll (bounded).
    json::object entry;
    for (int i = 0; i < 100; ++i) {
      auto a = http(server.port(), "GET", "/api/audit?limit=1", "", server.token("sam", "staff"));
      auto entries = json::parse(a.body).as_object().at("entries").as_array();
      if (!entries.empty()) {
        entry = entries.at(0).as_object();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(entry.empty()) << "no audit entry for the filter hit";
    EXPECT_EQ(str(entry.at("action")), "filter_" + mode);
    EXPECT_EQ(str(entry.at("actor")), "system");
    EXPECT_EQ(str(entry.at("target_user")), "alice");
  }
}

}  // namespace
