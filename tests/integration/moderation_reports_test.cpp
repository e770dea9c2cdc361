// Reports and their resolution, the moderation state and audit across a restart, the staff
// HTTP API, the hourly report limit and the word filter, black-box over real sockets and HTTP.
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
