// Erasure of a user (EraseUser, DeleteMessage with author_name, TrimChanges of one channel):
// what the start takes away (name, email, preferences, read markers, mentions, report text),
// what it keeps (other users' data), the tombstones it leaves, that every step is idempotent
// and survives a reopen, and that it sees the rest of its batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/storage/store.hpp"
#include "test_util.hpp"

namespace parley::storage {
namespace {

using testing::append_req;
using testing::as_append;
using testing::Collector;
using testing::edit_req;
using testing::HeldWriter;
using testing::op_of;
using testing::op_req;
using testing::open_or_fail;
using testing::options_for;
using testing::react_req;
using testing::submit_wait;
using testing::TempDir;

constexpr const char* kGone = "Deleted user";

std::optional<ChangeEvent> render(const WriteOp& write) {
  if (const auto* e = std::get_if<EditMessage>(&write)) {
    return ChangeEvent{e->channel, R"({"op":"edited","text":")" + e->text + "\"}"};
  }
  if (const auto* d = std::get_if<DeleteMessage>(&write); d && d->was_live) {
    return ChangeEvent{d->channel, R"({"op":"deleted","seq":)" + std::to_string(d->seq) + "}"};
  }
  return std::nullopt;
}

class Erasure : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    auto o = options_for(dir_);
    o.change_event = render;
    store_ = open_or_fail(o, collector_);
    ASSERT_NE(store_, nullptr);
  }
  void reopen() {
    store_->close();
    store_.reset();
    open();
  }
  Committed run(WriteRequest req) {
    req.cookie = ++cookie_;
    return submit_wait(*store_, collector_, std::move(req));
  }
  std::uint64_t post(const std::string& channel, const std::string& from, const std::string& text,
                     const std::string& mentions = {}) {
    auto req = append_req(channel, from, "c" + std::to_string(cookie_ + 1), text, 0);
    std::get<AppendMessage>(req.op).msg.mentions = mentions;
    auto r = run(std::move(req));
    EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    return as_append(r).msg.seq;
  }
  void put_user(const std::string& id, const std::string& name, const std::string& email) {
    UserRecord u;
    u.id = id;
    u.name = name;
    u.email = email;
    ASSERT_EQ(run(op_req(PutUser{u, true, EmailPref::digest}, 0)).status, WriteStatus::ok);
  }
  Committed erase_msg(const std::string& channel, std::uint64_t seq, const std::string& user) {
    DeleteMessage d;
    d.channel = channel;
    d.seq = seq;
    d.by = user;
    d.author_name = kGone;
    return run(op_req(std::move(d), 0));
  }
  Committed report(const std::string& reporter, const std::string& channel, std::uint64_t seq) {
    auto m = store_->get_message(channel, seq);
    Report r;
    r.channel = channel;
    r.seq = seq;
    r.reporter = reporter;
    r.reason = "reason of " + reporter;
    r.author = m->from_id;
    r.author_name = m->from_name;
    r.text = m->text;
    return run(op_req(CreateReport{r}, 0));
  }
  Committed erase_user(const std::string& user, bool finish) {
    return run(op_req(EraseUser{user, "root", kGone, finish, 0}, 0));
  }

  TempDir dir_;
  Collector collector_;
  std::unique_ptr<Store> store_;
  std::uint64_t cookie_ = 0;
};

TEST_F(Erasure, StartAnonymisesTheRecordAndDropsMarkersAndMentions) {
  put_user("ann", "Ann", "ann@example.com");
  put_user("bob", "Bob", "bob@example.com");
  post("general", "ann", "hello");
  post("general", "bob", "hi @ann @carol", "ann carol");
  put_user("carol", "Carol", "");
  post("general", "bob", "again @ann", "ann");
  ASSERT_TRUE(store_->last_read("ann", "general"));
  ASSERT_EQ(store_->count_mentions("ann", "general", 0, 10), 2u);

  auto r = erase_user("ann", false);
  ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  auto ann = store_->get_user("ann");
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->name, kGone);
  EXPECT_EQ(ann->email, "");
  EXPECT_FALSE(ann->kb_anonymous);
  EXPECT_EQ(ann->email_pref, EmailPref::batched);
  EXPECT_TRUE(store_->read_markers("ann", 100).empty());
  EXPECT_EQ(store_->count_mentions("ann", "general", 0, 10), 0u);
  // Others keep theirs.
  EXPECT_EQ(store_->get_user("bob")->name, "Bob");
  EXPECT_EQ(store_->get_user("bob")->email, "bob@example.com");
  EXPECT_TRUE(store_->last_read("bob", "general"));

  auto list = store_->erasures();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].user, "ann");
  EXPECT_EQ(list[0].by, "root");
  EXPECT_GT(list[0].started, 0);
  EXPECT_EQ(list[0].finished, 0);
}

TEST_F(Erasure, MessagesBecomeRenamedTombstonesOnceAndOthersAreRefused) {
  put_user("ann", "Ann", "");
  auto q = post("help", "ann", "my secret question");
  auto a = post("help", "bob", "an answer");
  ASSERT_EQ(run(react_req("help", q, "bob", "👍", true, 0)).status, WriteStatus::ok);
  ASSERT_EQ(run(edit_req("help", q, "ann", "my edited secret", 0)).status, WriteStatus::ok);

  auto r = erase_msg("help", q, "ann");
  ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  EXPECT_TRUE(op_of<DeleteMessage>(r).was_live);
  EXPECT_NE(r.change, 0u);
  auto m = store_->get_message("help", q);
  EXPECT_TRUE(m->deleted);
  EXPECT_EQ(m->text, "");
  EXPECT_EQ(m->from_id, "ann");
  EXPECT_EQ(m->from_name, kGone);
  EXPECT_EQ(m->deleted_by, "ann");
  EXPECT_TRUE(m->reactions.empty());
  EXPECT_TRUE(store_->reactors("help", q, "👍", 10).empty());

  // Again: ok, nothing to announce.
  auto twice = erase_msg("help", q, "ann");
  EXPECT_EQ(twice.status, WriteStatus::ok);
  EXPECT_FALSE(op_of<DeleteMessage>(twice).was_live);
  EXPECT_EQ(twice.change, 0u);
  // Someone else's message is not hers to erase.
  EXPECT_EQ(erase_msg("help", a, "ann").status, WriteStatus::forbidden);
  EXPECT_FALSE(store_->get_message("help", a)->deleted);
  EXPECT_EQ(erase_msg("help", 99, "ann").status, WriteStatus::not_found);
  // A tombstone she made herself keeps her name until the erasure renames it.
  auto old = post("help", "ann", "gone soon");
  DeleteMessage d;
  d.channel = "help";
  d.seq = old;
  d.by = "ann";
  ASSERT_EQ(run(op_req(d, 0)).status, WriteStatus::ok);
  EXPECT_EQ(store_->get_message("help", old)->from_name, "Name of ann");
  auto renamed = erase_msg("help", old, "ann");
  EXPECT_EQ(renamed.status, WriteStatus::ok);
  EXPECT_FALSE(op_of<DeleteMessage>(renamed).was_live);
  EXPECT_EQ(store_->get_message("help", old)->from_name, kGone);
  // The rewrites log names the erased question (the search index drops it).
  bool logged = false;
  for (const auto& rw : store_->read_rewrites(0, 100))
    logged |= rw.channel == "help" && rw.seq == q;
  EXPECT_TRUE(logged);
}

TEST_F(Erasure, ReportsLoseTheUsersTextAndReasonButKeepTheirFacts) {
  auto s1 = post("general", "ann", "rude words");
  auto s2 = post("general", "bob", "bob's words");
  ASSERT_EQ(report("bob", "general", s1).status, WriteStatus::ok);    // against ann
  ASSERT_EQ(report("ann", "general", s2).status, WriteStatus::ok);    // filed by ann
  ASSERT_EQ(report("carol", "general", s2).status, WriteStatus::ok);  // neither
  ResolveReport res;
  res.id = 1;
  res.status = ReportStatus::upheld;
  res.by = "mod";
  ASSERT_EQ(run(op_req(res, 0)).status, WriteStatus::ok);

  auto r = erase_user("ann", false);
  ASSERT_EQ(r.status, WriteStatus::ok);
  EXPECT_EQ(op_of<EraseUser>(r).reports, 2u);
  auto against = store_->get_report(1);
  EXPECT_EQ(against->text, "");
  EXPECT_EQ(against->author, "ann");
  EXPECT_EQ(against->author_name, kGone);
  EXPECT_EQ(against->reason, "reason of bob");
  EXPECT_EQ(against->status, ReportStatus::upheld);
  auto filed = store_->get_report(2);
  EXPECT_EQ(filed->reason, "");
  EXPECT_EQ(filed->reporter, "ann");
  EXPECT_EQ(filed->text, "bob's words");
  auto other = store_->get_report(3);
  EXPECT_EQ(other->reason, "reason of carol");
  EXPECT_EQ(store_->reports_against("ann", 10).size(), 1u);  // the index still finds it
  // Again: nothing left to change.
  EXPECT_EQ(op_of<EraseUser>(erase_user("ann", false)).reports, 0u);
}

TEST_F(Erasure, FinishIsRecordedAndEverythingSurvivesAReopen) {
  put_user("ann", "Ann", "ann@example.com");
  auto s = post("general", "ann", "text");
  ASSERT_EQ(erase_user("ann", false).status, WriteStatus::ok);
  const auto started = store_->erasures().at(0).started;
  ASSERT_EQ(erase_msg("general", s, "ann").status, WriteStatus::ok);
  // A second start while pending keeps the first start time.
  ASSERT_EQ(erase_user("ann", false).status, WriteStatus::ok);
  EXPECT_EQ(store_->erasures().at(0).started, started);
  auto fin = erase_user("ann", true);
  ASSERT_EQ(fin.status, WriteStatus::ok);
  EXPECT_EQ(op_of<EraseUser>(fin).started, started);
  EXPECT_GE(op_of<EraseUser>(fin).finished, started);
  EXPECT_EQ(op_of<EraseUser>(fin).by, "root");
  reopen();
  auto list = store_->erasures();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].started, started);
  EXPECT_GE(list[0].finished, started);
  EXPECT_EQ(store_->get_user("ann")->name, kGone);
  EXPECT_EQ(store_->get_message("general", s)->from_name, kGone);
  EXPECT_TRUE(store_->get_message("general", s)->deleted);
}

TEST_F(Erasure, TrimOfOneChannelKeepsOtherChannelsAndTheNewest) {
  auto g = post("general", "ann", "one");
  ASSERT_EQ(run(edit_req("general", g, "ann", "two", 0)).status, WriteStatus::ok);
  ASSERT_EQ(run(edit_req("general", g, "ann", "three", 0)).status, WriteStatus::ok);
  auto h = post("help", "ann", "four");
  ASSERT_EQ(run(edit_req("help", h, "ann", "five", 0)).status, WriteStatus::ok);
  ASSERT_EQ(run(edit_req("help", h, "ann", "six", 0)).status, WriteStatus::ok);
  TrimChanges t;
  t.before_ms = INT64_MAX;
  t.channel = "general";
  auto r = run(op_req(t, 0));
  ASSERT_EQ(r.status, WriteStatus::ok);
  EXPECT_EQ(op_of<TrimChanges>(r).deleted, 1u);
  EXPECT_EQ(store_->read_changes("general", 0, 10).size(), 1u);  // the newest stays
  EXPECT_EQ(store_->read_changes("help", 0, 10).size(), 2u);
}

// In one batch: a message sent before the start moves no read marker of hers at commit, and a
// report filed a moment earlier is redacted too.
TEST(ErasureBatch, StartSeesTheRestOfItsBatch) {
  TempDir dir;
  HeldWriter held(options_for(dir), append_req("help", "bob", "warmup", "w", 1));
  ASSERT_NE(held.store, nullptr);  // everything below is one batch
  auto& store = held.store;
  Collector& c = held.c;
  std::vector<WriteRequest> reqs;
  reqs.push_back(append_req("general", "ann", "a1", "mine", 2));
  Report rep;
  rep.channel = "help";
  rep.seq = 1;
  rep.reporter = "ann";
  rep.reason = "her words";
  rep.author = "bob";
  reqs.push_back(op_req(CreateReport{rep}, 3));
  reqs.push_back(op_req(EraseUser{"ann", "root", kGone, false, 0}, 4));
  reqs.push_back(op_req(MarkRead{"ann", "general", 1, true}, 5));  // sees no marker: makes one
  const std::size_t n = reqs.size();
  for (auto& r : reqs) ASSERT_TRUE(store->submit(std::move(r)));
  held.release();
  ASSERT_TRUE(c.wait_count(n + 1));
  EXPECT_EQ(c.batch_sizes(), (std::vector<std::size_t>{1, n}));
  EXPECT_EQ(op_of<EraseUser>(c.wait_cookie(4)).reports, 1u);
  EXPECT_TRUE(op_of<MarkRead>(c.wait_cookie(5)).changed);
  EXPECT_EQ(store->get_report(1)->reason, "");
  // Only the marker made after the erasure remains.
  auto markers = store->read_markers("ann", 10);
  ASSERT_EQ(markers.size(), 1u);
  EXPECT_EQ(markers[0].last_read, 1u);
}

}  // namespace
}  // namespace parley::storage
