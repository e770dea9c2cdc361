// Advocates, helpful/solved marks, at-risk and insights, black-box over real sockets and HTTP.
// Thresholds are lowered by config so a short scripted conversation crosses them; the exact
// rules (windows, caps, hysteresis) are unit-tested with a scripted clock in tests/advocacy.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

class AdvocacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data",
        std::vector<std::string>{
            "--durability", "fast", "--config",
            fast_config(dir_.path,
                        "[advocacy]\nthreshold = 10\nmin_people_helped = 2\nmin_active_days = 1\n"
                        "pair_cap = 100\nrisk_threshold = 3\n")});
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
  json::object get(const std::string& target) {
    auto r = http(server_->port(), "GET", target, "", server_->token("sam", "staff"));
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return json::parse(r.body).as_object();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AdvocacyTest, HelperBecomesAdvocateWithBadgeEventsAndBreakdown) {
  auto staff = connect("sam", "staff");
  auto helper = connect("hana");
  auto ann = connect("ann");
  auto bo = connect("bo");
  // Two askers, each answered by hana; each marks the answer helpful (2+4 points each = 12).
  auto q1 = post(*ann, "help", "How do I reset my lamp?");
  auto a1 = post(*helper, "help", "Hold the button for 10 s", q1);
  auto q2 = post(*bo, "help", "Can I dim it?");
  auto a2 = post(*helper, "help", "Yes, with the app", q2);
  ok(*ann, {{"op", "helpful"}, {"channel", "help"}, {"seq", a1}});
  // Not yet: two people helped, but the score is 2 + 2 + 4 = 8 < 10.
  EXPECT_FALSE(
      get("/api/advocates").at("users").as_array().at(0).as_object().at("advocate").as_bool());
  auto solved = ok(*bo, {{"op", "solve"}, {"channel", "help"}, {"seq", a2}});
  EXPECT_EQ(num(solved.at("question_seq")), q2);
  // Now: score 2 + 2 + 4 + 15 = 23 >= 10.
  auto ev = helper->wait_for([](const json::object& o) { return str(o.at("op")) == "advocate"; });
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->at("advocate").as_bool());
  auto sev = staff->wait_for([](const json::object& o) { return str(o.at("op")) == "advocate"; });
  ASSERT_TRUE(sev);
  EXPECT_EQ(str(sev->at("user")), "hana");
  // Every other connection too, once: the flag shows on her messages wherever they are seen,
  // and a client keeps it current from these events (§4 advocate).
  for (Client* c : {ann.get(), bo.get()}) {
    auto e = c->wait_for([](const json::object& o) { return str(o.at("op")) == "advocate"; });
    ASSERT_TRUE(e);
    EXPECT_EQ(str(e->at("user")), "hana");
    EXPECT_TRUE(e->at("advocate").as_bool());
  }
  EXPECT_EQ(str(bo->request({{"op", "ping"}}).at("op")), "pong");  // a second copy would be here
  int copies = 0;
  for (const auto& o : bo->seen()) copies += str(o.at("op")) == "advocate";
  EXPECT_EQ(copies, 1);
  // Her next message carries the badge.
  ok(*ann, {{"op", "join"}, {"channel", "general"}});
  post(*helper, "general", "happy to help!");
  auto m = ann->wait_for([](const json::object& o) { return str(o.at("op")) == "message"; });
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->at("from").as_object().at("advocate").as_bool());
  // The breakdown behind it.
  auto users = get("/api/advocates").at("users").as_array();
  auto top = users.at(0).as_object();
  EXPECT_EQ(str(top.at("user")), "hana");
  EXPECT_TRUE(top.at("advocate").as_bool());
  EXPECT_EQ(num(top.at("answers")), 2);
  EXPECT_EQ(num(top.at("helpful")), 1);
  EXPECT_EQ(num(top.at("solved")), 1);
  EXPECT_EQ(num(top.at("people_helped")), 2);
  EXPECT_NEAR(top.at("score").to_number<double>(), 23, 0.01);
  // History shows the accepted answer on the question.
  auto h = ok(*bo, {{"op", "history"}, {"channel", "help"}});
  bool found = false;
  for (auto& v : h.at("messages").as_array()) {
    auto& o = v.as_object();
    if (num(o.at("seq")) == q2) {
      EXPECT_EQ(num(o.at("solved_seq")), a2);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // Deleting the accepted answer leaves the question unsolved, in history too.
  ok(*bo, {{"op", "join"}, {"channel", "help"}});
  ok(*helper, {{"op", "delete"}, {"channel", "help"}, {"seq", a2}});
  auto unsolved = bo->wait_for([&](const json::object& o) {
    return str(o.at("op")) == "solved" && num(o.at("question_seq")) == q2 && num(o.at("seq")) == 0;
  });
  EXPECT_TRUE(unsolved);
  if (!unsolved)
    for (auto& o : bo->seen()) std::cerr << "bo saw " << json::serialize(o) << "\n";
  auto h2 = ok(*bo, {{"op", "history"}, {"channel", "help"}});
  for (auto& v : h2.at("messages").as_array()) {
    if (num(v.as_object().at("seq")) == q2) {
      EXPECT_FALSE(v.as_object().contains("solved_seq"));
    }
  }
}

TEST_F(AdvocacyTest, MarksAreCheckedAndSelfAndStaffAnswersEarnNothing) {
  auto staff = connect("sam", "staff");
  auto ann = connect("ann");
  auto bo = connect("bo");
  auto q = post(*ann, "help", "question");
  auto self = post(*ann, "help", "answering myself", q);
  auto by_staff = post(*staff, "help", "staff answer", q);
  auto a = post(*bo, "help", "customer answer", q);
  // Only the asker or staff may mark; the question is not an answer; the asker's own reply
  // cannot be marked; a chat channel is not a support channel.
  EXPECT_EQ(str(bo->request({{"op", "helpful"}, {"channel", "help"}, {"seq", a}}).at("code")),
            "forbidden");
  EXPECT_EQ(str(ann->request({{"op", "helpful"}, {"channel", "help"}, {"seq", q}}).at("code")),
            "bad_request");
  EXPECT_EQ(str(ann->request({{"op", "solve"}, {"channel", "help"}, {"seq", self}}).at("code")),
            "bad_request");
  EXPECT_EQ(str(ann->request({{"op", "helpful"}, {"channel", "help"}, {"seq", 999}}).at("code")),
            "not_found");
  auto g = post(*ann, "general", "chat");
  EXPECT_EQ(str(ann->request({{"op", "helpful"}, {"channel", "general"}, {"seq", g}}).at("code")),
            "bad_request");
  ok(*ann, {{"op", "helpful"}, {"channel", "help"}, {"seq", by_staff}});
  ok(*staff, {{"op", "helpful"}, {"channel", "help"}, {"seq", a}});  // staff may mark
  auto users = get("/api/advocates").at("users").as_array();
  for (auto& u : users) {
    auto id = str(u.as_object().at("user"));
    EXPECT_TRUE(id == "bo") << id << " should have earned nothing";
  }
  ASSERT_EQ(users.size(), 1u);
  EXPECT_NEAR(users[0].as_object().at("score").to_number<double>(), 6,
              0.01);  // answer 2 + helpful 4
}

// unsolve: the asker (or staff) takes back the accepted answer: `solved` with seq 0 to the
// channel, no solved_seq in history, the credit gone from /api/advocates; anyone else, an answer's
// seq or a missing message is refused; a question with no accepted answer answers ok, no event.
TEST_F(AdvocacyTest, UnsolveTakesBackTheAcceptedAnswerAndItsCredit) {
  auto staff = connect("sam", "staff");
  auto ann = connect("ann");
  auto bo = connect("bo");
  ok(*bo, {{"op", "join"}, {"channel", "help"}});
  auto q = post(*ann, "help", "How do I pair it?");
  auto a = post(*bo, "help", "Hold both buttons", q);
  ok(*ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
  auto solved_count = [&](const std::string& user) -> std::int64_t {
    const auto list = get("/api/advocates");  // kept alive: the loop reads into it
    for (auto& u : list.at("users").as_array()) {
      if (str(u.as_object().at("user")) == user) return num(u.as_object().at("solved"));
    }
    return 0;
  };
  EXPECT_EQ(solved_count("bo"), 1);

  auto refused = bo->request({{"op", "unsolve"}, {"channel", "help"}, {"seq", q}});
  EXPECT_EQ(str(refused.at("code")), "forbidden") << json::serialize(refused);
  EXPECT_EQ(str(refused.at("message")), "only the asker or staff may unsolve");
  auto answer = ann->request({{"op", "unsolve"}, {"channel", "help"}, {"seq", a}});
  EXPECT_EQ(str(answer.at("message")), "only a question can be unsolved")
      << json::serialize(answer);
  EXPECT_EQ(str(ann->request({{"op", "unsolve"}, {"channel", "help"}, {"seq", 999}}).at("code")),
            "not_found");

  auto r = ok(*ann, {{"op", "unsolve"}, {"channel", "help"}, {"seq", q}});
  EXPECT_EQ(num(r.at("seq")), q);
  auto ev = bo->wait_for([&](const json::object& o) {
    return str(o.at("op")) == "solved" && num(o.at("question_seq")) == q && num(o.at("seq")) == 0;
  });
  EXPECT_TRUE(ev);
  auto h = ok(*bo, {{"op", "history"}, {"channel", "help"}});
  for (auto& v : h.at("messages").as_array()) {
    if (num(v.as_object().at("seq")) == q) {
      EXPECT_FALSE(v.as_object().contains("solved_seq"));
    }
  }
  EXPECT_EQ(solved_count("bo"), 0);
  // Again: nothing to take back, ok and no event.
  ok(*ann, {{"op", "unsolve"}, {"channel", "help"}, {"seq", q}});
  // Solved again, and staff unsolve it.
  ok(*ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
  EXPECT_EQ(solved_count("bo"), 1);
  ok(*staff, {{"op", "unsolve"}, {"channel", "help"}, {"seq", q}});
  EXPECT_EQ(solved_count("bo"), 0);
  bo->request({{"op", "ping"}});
  int zero_events = 0;
  for (auto& o : bo->seen()) {
    if (str(o.at("op")) == "solved" && num(o.at("seq")) == 0) ++zero_events;
  }
  EXPECT_EQ(zero_events, 2);  // Ann's and Sam's unsolve; the repeat announced nothing
}

TEST_F(AdvocacyTest, MarksAreRefusedWhileMutedAndInArchivedChannels) {
  auto staff = connect("sam", "staff");
  auto ann = connect("ann");
  auto bo = connect("bo");
  auto q = post(*ann, "help", "a question");
  auto a = post(*bo, "help", "an answer", q);
  // Muted in help: like react, no marks.
  ok(*staff, {{"op", "mute"}, {"user", "ann"}, {"channel", "help"}, {"duration_s", 600}});
  auto muted = ann->request({{"op", "helpful"}, {"channel", "help"}, {"seq", a}});
  EXPECT_EQ(str(muted.at("code")), "muted") << json::serialize(muted);
  EXPECT_GT(num(muted.at("retry_after_ms")), 0);
  EXPECT_EQ(str(ann->request({{"op", "solve"}, {"channel", "help"}, {"seq", a}}).at("code")),
            "muted");
  ok(*staff, {{"op", "unmute"}, {"user", "ann"}, {"channel", "help"}});
  // Archived: nobody marks, staff included.
  ok(*staff, {{"op", "archive_channel"}, {"channel", "help"}, {"archived", true}});
  for (auto* c : {ann.get(), staff.get()}) {
    for (const char* op : {"solve", "helpful"}) {
      auto r = c->request({{"op", op}, {"channel", "help"}, {"seq", a}});
      EXPECT_EQ(str(r.at("code")), "forbidden") << op << " " << json::serialize(r);
      EXPECT_EQ(str(r.at("message")), "channel is archived");
    }
  }
  ok(*staff, {{"op", "archive_channel"}, {"channel", "help"}, {"archived", false}});
  ok(*ann, {{"op", "solve"}, {"channel", "help"}, {"seq", a}});
}

TEST_F(AdvocacyTest, CreditsFromTheLastWritesBeforeSigtermSurvive) {
  {
    auto ann = connect("ann");
    auto bo = connect("bo");
    auto q = post(*ann, "help", "question");
    post(*bo, "help", "answer", q);  // scored after its commit, on the advocacy thread
    // Stop at once: the shutdown must let those facts be scored and persisted.
  }
  ASSERT_EQ(server_->terminate(), 0) << server_->log();
  ASSERT_TRUE(server_->start()) << server_->log();
  auto users = get("/api/advocates").at("users").as_array();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(str(users[0].as_object().at("user")), "bo");
  EXPECT_EQ(num(users[0].as_object().at("answers")), 1);
}

TEST_F(AdvocacyTest, ManualOverrideIsAuditedAndSticks) {
  auto staff = connect("sam", "staff");
  auto carl = connect("carl");
  EXPECT_EQ(
      str(carl->request({{"op", "set_advocate"}, {"user", "carl"}, {"advocate", true}}).at("code")),
      "forbidden");
  auto r = ok(*staff, {{"op", "set_advocate"}, {"user", "carl"}, {"advocate", true}});
  EXPECT_TRUE(r.at("advocate").as_bool());
  EXPECT_TRUE(r.at("manual").as_bool());
  auto ev = carl->wait_for([](const json::object& o) { return str(o.at("op")) == "advocate"; });
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->at("advocate").as_bool());
  ASSERT_EQ(server_->terminate(), 0);
  ASSERT_TRUE(server_->start()) << server_->log();
  auto carl2 = connect("carl");
  auto dan = connect("dan");
  ok(*dan, {{"op", "join"}, {"channel", "general"}});
  post(*carl2, "general", "still an advocate after restart");
  auto m = dan->wait_for([](const json::object& o) { return str(o.at("op")) == "message"; });
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->at("from").as_object().at("advocate").as_bool());
  auto staff2 = connect("sam", "staff");
  auto back = ok(*staff2, {{"op", "set_advocate"}, {"user", "carl"}, {"advocate", nullptr}});
  EXPECT_FALSE(back.at("advocate").as_bool());
  EXPECT_TRUE(back.at("manual").is_null());
  auto audit =
      http(server_->port(), "GET", "/api/audit?limit=5", "", server_->token("sam", "staff"));
  EXPECT_NE(audit.body.find("set_advocate"), std::string::npos);
}

TEST_F(AdvocacyTest, AtRiskAfterUpheldReportsAndInsights) {
  auto staff = connect("sam", "staff");
  auto troll = connect("tom");
  auto ann = connect("ann");
  auto bo = connect("bo");
  auto bad = post(*troll, "general", "rude");
  auto rep = ok(*ann, {{"op", "report"}, {"channel", "general"}, {"seq", bad}, {"reason", "rude"}});
  ok(*staff,
     {{"op", "resolve_report"}, {"report_id", num(rep.at("report_id"))}, {"action", "uphold"}});
  auto risk = get("/api/at-risk").at("users").as_array();
  ASSERT_EQ(risk.size(), 1u);
  auto t = risk[0].as_object();
  EXPECT_EQ(str(t.at("user")), "tom");
  EXPECT_TRUE(t.at("at_risk").as_bool());
  EXPECT_EQ(num(t.at("reports_upheld")), 1);
  // Customers are forbidden from these endpoints.
  EXPECT_EQ(http(server_->port(), "GET", "/api/at-risk", "", server_->token("ann")).status, 403);

  // Insights: 3 questions; one answered by a customer, one by staff, one open.
  auto q1 = post(*ann, "help", "q1");
  auto q2 = post(*bo, "help", "q2");
  auto q3 = post(*ann, "help", "q3");
  post(*bo, "help", "a1", q1);
  post(*staff, "help", "a2", q2);
  auto ins = get("/api/insights?window=7&channel=help");
  EXPECT_EQ(num(ins.at("questions")), 3);
  EXPECT_EQ(num(ins.at("answered")), 2);
  EXPECT_EQ(num(ins.at("answered_by_customers")), 1);
  ASSERT_EQ(ins.at("unanswered").as_array().size(), 1u);
  EXPECT_EQ(num(ins.at("unanswered").as_array()[0].as_object().at("seq")), q3);
  EXPECT_FALSE(ins.at("median_first_answer_ms").is_null());
  // The per-day series for charts: 7 or 8 UTC days (the rolling window's first day is partial),
  // oldest first, one day apart, adding up to the window; everything happened today.
  const auto& days = ins.at("days").as_array();
  ASSERT_GE(days.size(), 7u);
  ASSERT_LE(days.size(), 8u);
  std::int64_t questions = 0;
  for (std::size_t i = 0; i < days.size(); ++i) {
    const auto& d = days[i].as_object();
    if (i > 0) {
      EXPECT_EQ(num(d.at("day")) - num(days[i - 1].as_object().at("day")), 86400000);
    }
    EXPECT_EQ(num(d.at("day")) % 86400000, 0);
    questions += num(d.at("questions"));
  }
  EXPECT_EQ(questions, 3);
  const auto& today = days.back().as_object();
  EXPECT_EQ(num(today.at("questions")), 3);
  EXPECT_EQ(num(today.at("answered")), 2);
  EXPECT_EQ(num(today.at("answered_by_customers")), 1);
  EXPECT_EQ(today.at("median_first_answer_ms"), ins.at("median_first_answer_ms"));
  EXPECT_EQ(
      http(server_->port(), "GET", "/api/insights?window=0", "", server_->token("sam", "staff"))
          .status,
      400);
}

// Questions are not persisted by the advocacy engine: at start-up it replays the support
// channels' stored messages. Insights after a kill -9 and restart are exactly those before.
TEST_F(AdvocacyTest, InsightsAreRebuiltFromTheStoredMessagesAfterKill9) {
  json::object before_all, before_billing;
  {
    auto staff = connect("sam", "staff");
    auto ann = connect("ann");
    auto bo = connect("bo");
    ok(*staff, {{"op", "create_channel"}, {"channel", "billing"}, {"kind", "support"}});
    auto q1 = post(*ann, "help", "q1");
    auto q2 = post(*bo, "billing", "q2");
    auto q3 = post(*ann, "help", "q3");
    auto gone = post(*bo, "help", "q4, deleted");
    post(*ann, "general", "not a support channel");
    post(*ann, "help", "the asker's own reply is no answer", q3);
    auto a1 = post(*bo, "help", "a1", q1);
    post(*ann, "help", "thanks", a1);
    post(*staff, "help", "nested, after the first answer", a1);
    auto a2 = post(*ann, "billing", "a2", q2);
    ok(*bo, {{"op", "solve"}, {"channel", "billing"}, {"seq", a2}});
    ok(*bo, {{"op", "delete"}, {"channel", "help"}, {"seq", gone}});
    before_all = get("/api/insights?window=7");
    before_billing = get("/api/insights?window=7&channel=billing");
    EXPECT_EQ(num(before_all.at("questions")), 3);
    EXPECT_EQ(num(before_all.at("answered")), 2);
    EXPECT_EQ(num(before_all.at("solved")), 1);
    ASSERT_EQ(before_all.at("unanswered").as_array().size(), 1u);
    EXPECT_EQ(num(before_all.at("unanswered").as_array()[0].as_object().at("seq")), q3);
  }
  server_->kill9();
  ASSERT_TRUE(server_->start()) << server_->log();
  auto after_all = get("/api/insights?window=7");
  auto after_billing = get("/api/insights?window=7&channel=billing");
  for (auto* o : {&before_all, &before_billing, &after_all, &after_billing}) {
    o->erase("from");  // the window moves with the clock
    o->erase("to");
  }
  EXPECT_EQ(after_all, before_all) << json::serialize(after_all);
  EXPECT_EQ(after_billing, before_billing) << json::serialize(after_billing);
  EXPECT_NE(server_->log().find("messages_replayed=8"), std::string::npos) << server_->log();
}

// A thanks reaction by the asker is a helpful mark and is announced like one; removing it
// takes the mark back (announced with "revoked"), while a mark made with `helpful` stays.
TEST_F(AdvocacyTest, ThanksReactionsMarkAndUnmarkWithEvents) {
  auto ann = connect("ann");
  auto hana = connect("hana");
  auto watcher = connect("wes");
  ok(*watcher, {{"op", "join"}, {"channel", "help"}});
  auto q = post(*ann, "help", "Where is the reset button?");
  auto a = post(*hana, "help", "Under the base.", q);
  const std::string pray = "\xF0\x9F\x99\x8F";  // a default thanks reaction
  auto is_helpful = [](const json::object& o) { return str(o.at("op")) == "helpful"; };
  auto score = [&] {
    const auto list = get("/api/advocates");  // kept alive: the loop reads into it
    for (const auto& u : list.at("users").as_array())
      if (str(u.at("user")) == "hana") return u.at("score").to_number<double>();
    return 0.0;
  };
  ok(*ann, {{"op", "react"}, {"channel", "help"}, {"seq", a}, {"emoji", pray}});
  auto ev = watcher->wait_for(is_helpful);
  ASSERT_TRUE(ev);
  EXPECT_EQ(num(ev->at("seq")), a);
  EXPECT_EQ(str(ev->at("by")), "ann");
  EXPECT_FALSE(ev->contains("revoked"));
  EXPECT_DOUBLE_EQ(score(), 6);  // answer 2 + helpful 4
  ok(*ann, {{"op", "unreact"}, {"channel", "help"}, {"seq", a}, {"emoji", pray}});
  ev = watcher->wait_for(is_helpful);
  ASSERT_TRUE(ev);
  EXPECT_EQ(num(ev->at("seq")), a);
  EXPECT_TRUE(ev->at("revoked").as_bool());
  EXPECT_DOUBLE_EQ(score(), 2);
  // An explicit mark survives removing a reaction.
  ok(*ann, {{"op", "helpful"}, {"channel", "help"}, {"seq", a}});
  ASSERT_TRUE(watcher->wait_for(is_helpful));
  ok(*ann, {{"op", "react"}, {"channel", "help"}, {"seq", a}, {"emoji", pray}});
  ok(*ann, {{"op", "unreact"}, {"channel", "help"}, {"seq", a}, {"emoji", pray}});
  EXPECT_FALSE(watcher->wait_for(is_helpful, std::chrono::milliseconds(500)));
}

// The threshold is a number with two decimals in GET /api/advocates, not cut to an integer.
TEST(AdvocacyConfig, AFractionalThresholdIsShownAsConfigured) {
  TempDir dir;
  ServerProcess server(dir.path + "/data",
                       {"--config", fast_config(dir.path, "[advocacy]\nthreshold = 10.25\n")});
  ASSERT_TRUE(server.start()) << server.log();
  auto r = http(server.port(), "GET", "/api/advocates", "", server.token("sam", "staff"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("threshold":10.25,)"), std::string::npos) << r.body;
  EXPECT_DOUBLE_EQ(json::parse(r.body).as_object().at("threshold").as_double(), 10.25);
}

}  // namespace
