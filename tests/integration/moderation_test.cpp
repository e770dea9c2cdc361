// Roles and permissions, black-box over real sockets and HTTP: every op for every role, and
// the message ops (edit, delete, react) with their events.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <map>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"
#include "moderation_fixture.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

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

}  // namespace
