// Reports (ids, duplicates, resolution, listings, reports_against) and the audit log (written
// only with a successful op, ids continuing across reopen, paging).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parley/storage/store.hpp"
#include "raw_db.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::audit_entry;
using testing::Collector;
using testing::create_req;
using testing::delete_req;
using testing::edit_req;
using testing::HeldWriter;
using testing::ManualClock;
using testing::op_of;
using testing::op_req;
using testing::open_or_fail;
using testing::options_for;
using testing::raw_keys;
using testing::submit_wait;
using testing::TempDir;

WriteRequest report_req(std::string reporter, std::string channel, std::uint64_t seq,
                        std::string author, std::uint64_t cookie) {
  Report r;
  r.reporter = std::move(reporter);
  r.channel = std::move(channel);
  r.seq = seq;
  r.author = std::move(author);
  r.author_name = "Name of " + r.author;
  r.text = "offending text";
  r.reason = "reported by " + r.reporter;
  return op_req(CreateReport{std::move(r)}, cookie);
}

WriteRequest resolve_req(std::uint64_t id, ReportStatus status, std::string by,
                         std::uint64_t cookie) {
  ResolveReport r;
  r.id = id;
  r.status = status;
  r.by = std::move(by);
  r.resolution = "handled by " + r.by;
  return op_req(std::move(r), cookie);
}

std::vector<std::uint64_t> ids_of(const std::vector<Report>& reports) {
  std::vector<std::uint64_t> out;
  for (const auto& r : reports) out.push_back(r.id);
  return out;
}

std::vector<std::uint64_t> ids_of(const std::vector<AuditEntry>& entries) {
  std::vector<std::uint64_t> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

using Ids = std::vector<std::uint64_t>;

TEST(StoreReports, IdsAreAssignedAndDuplicatesDetected) {
  TempDir dir;
  ManualClock clock(1000);
  auto o = options_for(dir);
  o.clock = clock.fn();
  auto req = report_req("alice", "general", 1, "bob", 1);
  std::get<CreateReport>(req.op).report.status = ReportStatus::upheld;  // ignored: a new
  std::get<CreateReport>(req.op).report.id = 77;                        // report is open
  HeldWriter held(o, std::move(req));
  ASSERT_NE(held.store, nullptr);  // the first report is committed alone; the rest is one batch
  auto& store = held.store;
  Collector& c = held.c;
  std::vector<WriteRequest> reqs;
  reqs.push_back(report_req("zed", "general", 9, "bob", 2));
  reqs.push_back(report_req("alice", "general", 1, "bob", 3));  // the same: duplicate
  reqs.push_back(report_req("carol", "general", 1, "bob", 4));  // another reporter
  reqs.push_back(report_req("alice", "general", 2, "bob", 5));  // another message
  reqs.push_back(report_req("alice", "help", 1, "bob", 6));     // another channel
  reqs.push_back(report_req("carol", "general", 1, "bob", 7));  // duplicate within the batch
  reqs.push_back(report_req("", "general", 1, "bob", 8));
  reqs.push_back(report_req("dave", std::string("a\0b", 3), 1, "bob", 9));
  for (auto& r : reqs) ASSERT_TRUE(store->submit(std::move(r)));
  held.release();
  ASSERT_TRUE(c.wait_count(9));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, 8}));

  auto created = c.wait_cookie(1);
  ASSERT_EQ(created.status, WriteStatus::ok) << created.error;
  const Report& report = op_of<CreateReport>(created).report;
  EXPECT_EQ(report.id, 1u);
  EXPECT_EQ(report.at, 1000);
  EXPECT_EQ(report.status, ReportStatus::open);

  EXPECT_EQ(op_of<CreateReport>(c.wait_cookie(2)).report.id, 2u);
  auto dup = c.wait_cookie(3);
  EXPECT_EQ(dup.status, WriteStatus::duplicate);
  EXPECT_EQ(op_of<CreateReport>(dup).report.id, 1u);
  EXPECT_EQ(op_of<CreateReport>(dup).report.reason, "reported by alice");
  EXPECT_EQ(op_of<CreateReport>(c.wait_cookie(4)).report.id, 3u);
  EXPECT_EQ(op_of<CreateReport>(c.wait_cookie(5)).report.id, 4u);
  EXPECT_EQ(op_of<CreateReport>(c.wait_cookie(6)).report.id, 5u);
  auto dup_in_batch = c.wait_cookie(7);
  EXPECT_EQ(dup_in_batch.status, WriteStatus::duplicate);
  EXPECT_EQ(op_of<CreateReport>(dup_in_batch).report.id, 3u);
  EXPECT_EQ(c.wait_cookie(8).status, WriteStatus::error);
  EXPECT_EQ(c.wait_cookie(9).status, WriteStatus::error);

  auto stored = store->get_report(3);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->reporter, "carol");
  EXPECT_EQ(stored->author, "bob");
  EXPECT_EQ(stored->author_name, "Name of bob");
  EXPECT_EQ(stored->text, "offending text");
  EXPECT_EQ(store->get_report(6), std::nullopt);
  EXPECT_EQ(store->get_report(0), std::nullopt);
  EXPECT_EQ(ids_of(store->list_reports(std::nullopt, 0, 100)), (Ids{5, 4, 3, 2, 1}));
}

TEST(StoreReports, ResolveOnceThenConflict) {
  TempDir dir;
  ManualClock clock(1000);
  Collector c;
  auto o = options_for(dir);
  o.clock = clock.fn();
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(submit_wait(*store, c, report_req("alice", "general", 1, "bob", 1)).status,
            WriteStatus::ok);
  ASSERT_EQ(submit_wait(*store, c, report_req("alice", "general", 2, "bob", 2)).status,
            WriteStatus::ok);
  clock.set(2000);

  auto ok = submit_wait(*store, c, resolve_req(1, ReportStatus::upheld, "mod", 3));
  ASSERT_EQ(ok.status, WriteStatus::ok) << ok.error;
  const Report& result = op_of<ResolveReport>(ok).result;
  EXPECT_EQ(result.status, ReportStatus::upheld);
  EXPECT_EQ(result.resolved_by, "mod");
  EXPECT_EQ(result.resolved_at, 2000);
  EXPECT_EQ(result.resolution, "handled by mod");
  EXPECT_EQ(result.at, 1000);
  EXPECT_EQ(result.reporter, "alice");

  clock.set(3000);
  auto again = submit_wait(*store, c, resolve_req(1, ReportStatus::dismissed, "other", 4));
  EXPECT_EQ(again.status, WriteStatus::conflict);
  EXPECT_EQ(op_of<ResolveReport>(again).result.status, ReportStatus::upheld);  // as it is
  EXPECT_EQ(op_of<ResolveReport>(again).result.resolved_by, "mod");
  EXPECT_EQ(submit_wait(*store, c, resolve_req(99, ReportStatus::upheld, "mod", 5)).status,
            WriteStatus::not_found);
  EXPECT_EQ(submit_wait(*store, c, resolve_req(0, ReportStatus::upheld, "mod", 6)).status,
            WriteStatus::not_found);
  EXPECT_EQ(submit_wait(*store, c, resolve_req(2, ReportStatus::open, "mod", 7)).status,
            WriteStatus::error);
  EXPECT_EQ(submit_wait(*store, c, resolve_req(2, ReportStatus::dismissed, "mod", 8)).status,
            WriteStatus::ok);

  auto stored = store->get_report(1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, ReportStatus::upheld);
  EXPECT_EQ(stored->resolved_at, 2000);
  EXPECT_EQ(store->get_report(2)->status, ReportStatus::dismissed);
  // A resolved report still counts for duplicate detection.
  EXPECT_EQ(submit_wait(*store, c, report_req("alice", "general", 1, "bob", 9)).status,
            WriteStatus::duplicate);
}

TEST(StoreReports, ListingsPageFilterAndSurviveReopen) {
  TempDir dir;
  Collector c;
  // id: author, final status
  //  1 bob upheld, 2 carol open, 3 bob dismissed, 4 bo upheld, 5 bob open, 6 bob upheld,
  //  7 carol upheld
  const std::vector<std::string> authors = {"bob", "carol", "bob", "bo", "bob", "bob", "carol"};
  auto check = [](Store& store) {
    EXPECT_EQ(ids_of(store.list_reports(std::nullopt, 0, 3)), (Ids{7, 6, 5}));
    EXPECT_EQ(ids_of(store.list_reports(std::nullopt, 5, 3)), (Ids{4, 3, 2}));
    EXPECT_EQ(ids_of(store.list_reports(std::nullopt, 2, 3)), (Ids{1}));
    EXPECT_EQ(ids_of(store.list_reports(std::nullopt, 1, 3)), Ids{});
    EXPECT_EQ(ids_of(store.list_reports(std::nullopt, 100, 0)), Ids{});
    EXPECT_EQ(ids_of(store.list_reports(ReportStatus::open, 0, 10)), (Ids{5, 2}));
    EXPECT_EQ(ids_of(store.list_reports(ReportStatus::upheld, 0, 2)), (Ids{7, 6}));
    EXPECT_EQ(ids_of(store.list_reports(ReportStatus::upheld, 6, 2)), (Ids{4, 1}));
    EXPECT_EQ(ids_of(store.list_reports(ReportStatus::upheld, 4, 2)), (Ids{1}));
    EXPECT_EQ(ids_of(store.list_reports(ReportStatus::dismissed, 0, 10)), (Ids{3}));
    for (const auto& r : store.list_reports(ReportStatus::upheld, 0, 10)) {
      EXPECT_EQ(r.status, ReportStatus::upheld);
      EXPECT_EQ(r.resolved_by, "mod");
    }

    EXPECT_EQ(ids_of(store.reports_against("bob", 10)), (Ids{6, 1}));  // upheld only
    EXPECT_EQ(ids_of(store.reports_against("bob", 1)), (Ids{6}));
    EXPECT_EQ(ids_of(store.reports_against("bo", 10)), (Ids{4}));  // not bob's
    EXPECT_EQ(ids_of(store.reports_against("carol", 10)), (Ids{7}));
    EXPECT_EQ(ids_of(store.reports_against("nobody", 10)), Ids{});
    EXPECT_EQ(ids_of(store.reports_against("", 10)), Ids{});
    EXPECT_EQ(ids_of(store.reports_against("bob", 0)), Ids{});
  };
  {
    auto store = open_or_fail(options_for(dir), c);
    ASSERT_NE(store, nullptr);
    std::uint64_t cookie = 0;
    for (std::size_t i = 0; i < authors.size(); ++i) {
      auto r =
          submit_wait(*store, c, report_req("reporter", "general", i + 1, authors[i], ++cookie));
      ASSERT_EQ(op_of<CreateReport>(r).report.id, i + 1);
    }
    for (auto [id, status] : {std::pair{1u, ReportStatus::upheld},
                              {3u, ReportStatus::dismissed},
                              {4u, ReportStatus::upheld},
                              {6u, ReportStatus::upheld},
                              {7u, ReportStatus::upheld}}) {
      ASSERT_EQ(submit_wait(*store, c, resolve_req(id, status, "mod", ++cookie)).status,
                WriteStatus::ok);
    }
    check(*store);
  }
  Collector c2;
  auto store = open_or_fail(options_for(dir), c2);
  ASSERT_NE(store, nullptr);
  check(*store);

  // Ids continue after the reopen, and resolving after it moves the indexes as well.
  auto next = submit_wait(*store, c2, report_req("reporter", "help", 1, "bob", 1));
  EXPECT_EQ(op_of<CreateReport>(next).report.id, 8u);
  ASSERT_EQ(submit_wait(*store, c2, resolve_req(5, ReportStatus::upheld, "mod", 2)).status,
            WriteStatus::ok);
  EXPECT_EQ(ids_of(store->list_reports(ReportStatus::open, 0, 10)), (Ids{8, 2}));
  EXPECT_EQ(ids_of(store->reports_against("bob", 10)), (Ids{6, 5, 1}));
  store->close();
  EXPECT_TRUE(store->list_reports(std::nullopt, 0, 10).empty());
  EXPECT_EQ(store->get_report(1), std::nullopt);

  // Each report has exactly one key per index: resolving moved them rather than adding more
  // (readers skip stale entries, so only the keys themselves show it).
  std::map<char, int> per_kind;
  for (const auto& key : raw_keys(dir.db(), "reports")) ++per_kind[key[0]];
  EXPECT_EQ(per_kind, (std::map<char, int>{{'a', 8}, {'d', 8}, {'r', 8}, {'s', 8}}));
}

TEST(StoreAudit, WrittenOnlyWhenTheOpSucceeds) {
  TempDir dir;
  ManualClock clock(1000);
  auto o = options_for(dir);
  o.clock = clock.fn();
  HeldWriter held(o, append_req("general", "alice", "m1", "hello", 1));
  ASSERT_NE(held.store, nullptr);
  auto& store = held.store;
  Collector& c = held.c;
  clock.set(2000);
  // One batch mixing successes and failures, each with an audit entry.
  std::vector<WriteRequest> reqs;
  reqs.push_back(op_req(AuditOnly{}, 2, audit_entry("system", "filter_block", "alice")));
  auto forbidden = edit_req("general", 1, "bob", "x", 3);
  forbidden.audit = audit_entry("bob", "edit");
  reqs.push_back(std::move(forbidden));
  auto deleted = delete_req("general", 1, "mod", true, 4);
  deleted.audit = audit_entry("mod", "delete");  // the writer names the author
  deleted.audit->channel = "general";
  deleted.audit->seq = 1;
  deleted.audit->reason = "spam";
  deleted.audit->details = R"({"text":"hello"})";
  reqs.push_back(std::move(deleted));
  auto twice = delete_req("general", 1, "mod", true, 5);
  twice.audit = audit_entry("mod", "delete");
  reqs.push_back(std::move(twice));
  auto conflict = create_req("help", ChannelKind::chat, "Help", 6);
  conflict.audit = audit_entry("admin", "create_channel");
  reqs.push_back(std::move(conflict));
  auto dup = append_req("general", "alice", "m1", "hello", 7);
  dup.audit = audit_entry("alice", "send");
  reqs.push_back(std::move(dup));
  reqs.push_back(op_req(PutBan{Ban{"", 0, "", "", 0}}, 8, audit_entry("mod", "ban")));  // error
  reqs.push_back(op_req(PutBan{Ban{"troll", 0, "", "", 0}}, 9, audit_entry("mod", "ban", "troll")));
  reqs.push_back(op_req(AuditOnly{}, 10));  // no entry: nothing written, still ok
  for (auto& r : reqs) ASSERT_TRUE(store->submit(std::move(r)));
  held.release();
  ASSERT_TRUE(c.wait_count(10));

  auto audit_id = [&](std::uint64_t cookie) {
    auto r = c.wait_cookie(cookie);
    return r.req.audit ? r.req.audit->id : 0;
  };
  EXPECT_EQ(c.wait_cookie(2).status, WriteStatus::ok);
  EXPECT_EQ(audit_id(2), 1u);
  EXPECT_EQ(c.wait_cookie(3).status, WriteStatus::forbidden);
  EXPECT_EQ(audit_id(3), 0u);  // not written
  EXPECT_EQ(c.wait_cookie(4).status, WriteStatus::ok);
  EXPECT_EQ(audit_id(4), 2u);
  EXPECT_EQ(c.wait_cookie(5).status, WriteStatus::not_found);
  EXPECT_EQ(c.wait_cookie(6).status, WriteStatus::conflict);
  EXPECT_EQ(c.wait_cookie(7).status, WriteStatus::duplicate);
  EXPECT_EQ(c.wait_cookie(8).status, WriteStatus::error);
  EXPECT_EQ(c.wait_cookie(9).status, WriteStatus::ok);
  EXPECT_EQ(c.wait_cookie(10).status, WriteStatus::ok);
  for (std::uint64_t cookie : {5, 6, 7, 8}) EXPECT_EQ(audit_id(cookie), 0u) << cookie;
  EXPECT_EQ(audit_id(9), 3u);  // no holes for the refused ones

  auto log = store->list_audit(0, 10);
  ASSERT_EQ(ids_of(log), (Ids{3, 2, 1}));
  EXPECT_EQ(log[2].actor, "system");
  EXPECT_EQ(log[2].action, "filter_block");
  EXPECT_EQ(log[2].ts, 2000);
  EXPECT_EQ(log[1].action, "delete");
  EXPECT_EQ(log[1].target_user, "alice");
  EXPECT_EQ(log[1].channel, "general");
  EXPECT_EQ(log[1].seq, 1u);
  EXPECT_EQ(log[1].reason, "spam");
  EXPECT_EQ(log[1].details, R"({"text":"hello"})");
  EXPECT_EQ(log[0].target_user, "troll");
  EXPECT_EQ(store->load_moderation(0).bans.size(), 1u);
}

TEST(StoreAudit, IdsContinueAcrossReopenAndPageBackwards) {
  TempDir dir;
  ManualClock clock(100);
  auto o = options_for(dir);
  o.clock = clock.fn();
  auto write = [&](Store& store, Collector& c, std::uint64_t cookie) {
    clock.set(static_cast<TimestampMs>(cookie * 10));
    auto r = submit_wait(
        store, c, op_req(AuditOnly{}, cookie, audit_entry("system", "n" + std::to_string(cookie))));
    EXPECT_EQ(r.status, WriteStatus::ok);
    return r.req.audit->id;
  };
  {
    Collector c;
    auto store = open_or_fail(o, c);
    ASSERT_NE(store, nullptr);
    for (std::uint64_t i = 1; i <= 5; ++i) EXPECT_EQ(write(*store, c, i), i);
  }
  Collector c;
  auto store = open_or_fail(o, c);
  ASSERT_NE(store, nullptr);
  for (std::uint64_t i = 6; i <= 8; ++i) EXPECT_EQ(write(*store, c, i), i);

  EXPECT_EQ(ids_of(store->list_audit(0, 3)), (Ids{8, 7, 6}));
  EXPECT_EQ(ids_of(store->list_audit(6, 3)), (Ids{5, 4, 3}));
  EXPECT_EQ(ids_of(store->list_audit(3, 3)), (Ids{2, 1}));
  EXPECT_EQ(ids_of(store->list_audit(1, 3)), Ids{});
  EXPECT_EQ(ids_of(store->list_audit(100, 0)), Ids{});
  auto all = store->list_audit(0, 100);
  ASSERT_EQ(all.size(), 8u);
  for (const auto& e : all) {
    EXPECT_EQ(e.action, "n" + std::to_string(e.id));
    EXPECT_EQ(e.ts, static_cast<TimestampMs>(e.id * 10));
  }
}

}  // namespace
}  // namespace parley::storage
