// The channels' change logs (Options::change_event): numbering per channel in commit order,
// stored in the same batch as the change, nothing for requests that fail or change nothing,
// numbering that goes on after a reopen, and trimming that keeps each channel's newest record.
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
using testing::delete_req;
using testing::edit_req;
using testing::ManualClock;
using testing::open_or_fail;
using testing::options_for;
using testing::react_req;
using testing::submit_wait;
using testing::TempDir;

// A renderer like the server's: one event per kind of change, with the op and its message.
std::optional<ChangeEvent> render(const WriteOp& write) {
  if (const auto* e = std::get_if<EditMessage>(&write)) {
    return ChangeEvent{e->channel, R"({"op":"edited","seq":)" + std::to_string(e->seq) + "}"};
  }
  if (const auto* d = std::get_if<DeleteMessage>(&write)) {
    return ChangeEvent{d->channel, R"({"op":"deleted","seq":)" + std::to_string(d->seq) + "}"};
  }
  if (const auto* r = std::get_if<React>(&write)) {
    if (!r->changed) return std::nullopt;
    return ChangeEvent{r->channel, R"({"op":"reaction","seq":)" + std::to_string(r->seq) + "}"};
  }
  if (const auto* c = std::get_if<RecordChange>(&write)) return ChangeEvent{c->channel, c->event};
  return std::nullopt;
}

class ChangeLog : public ::testing::Test {
 protected:
  Options options() {
    auto o = options_for(dir_);
    o.change_event = render;
    o.clock = clock_.fn();
    return o;
  }
  void open() { store_ = open_or_fail(options(), collector_); }
  Committed run(WriteRequest req) {
    req.cookie = ++cookie_;
    return submit_wait(*store_, collector_, std::move(req));
  }
  std::uint64_t post(const std::string& channel, const std::string& text) {
    auto r = run(append_req(channel, "ann", "c" + std::to_string(cookie_ + 1), text, 0));
    EXPECT_EQ(r.status, WriteStatus::ok) << r.error;
    return as_append(r).msg.seq;
  }
  std::vector<std::uint64_t> numbers(const std::string& channel, std::uint64_t after = 0) {
    std::vector<std::uint64_t> out;
    for (const auto& c : store_->read_changes(channel, after, 100)) out.push_back(c.change);
    return out;
  }

  TempDir dir_;
  ManualClock clock_{1'000'000};
  Collector collector_;  // before the store: it outlives it
  std::unique_ptr<Store> store_;
  std::uint64_t cookie_ = 0;
};

TEST_F(ChangeLog, ChangesAreNumberedPerChannelAndStoredWithTheirEvent) {
  open();
  auto a = post("general", "one");
  auto b = post("help", "two");
  EXPECT_EQ(store_->last_change("general"), 0u);
  EXPECT_EQ(store_->first_change("general"), 1u);

  auto edit = run(edit_req("general", a, "ann", "one!", 0));
  ASSERT_EQ(edit.status, WriteStatus::ok);
  EXPECT_EQ(edit.change, 1u);
  EXPECT_EQ(edit.change_channel, "general");
  EXPECT_EQ(edit.change_event, R"({"op":"edited","seq":1,"change":1})");
  EXPECT_EQ(run(react_req("help", b, "bob", "x", true, 0)).change, 1u);  // its own numbering
  EXPECT_EQ(run(react_req("general", a, "bob", "x", true, 0)).change, 2u);
  // A reaction that changes nothing, a refused edit and an append make no change.
  EXPECT_EQ(run(react_req("general", a, "bob", "x", true, 0)).change, 0u);
  auto refused = run(edit_req("general", a, "mallory", "mine now", 0));
  EXPECT_EQ(refused.status, WriteStatus::forbidden);
  EXPECT_EQ(refused.change, 0u);
  EXPECT_EQ(run(delete_req("general", a, "ann", false, 0)).change, 3u);
  WriteRequest mark;
  mark.op = RecordChange{"general", R"({"op":"helpful","seq":1})"};
  EXPECT_EQ(run(std::move(mark)).change, 4u);

  EXPECT_EQ(store_->last_change("general"), 4u);
  EXPECT_EQ(store_->last_change("help"), 1u);
  EXPECT_EQ(numbers("general"), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(numbers("general", 2), (std::vector<std::uint64_t>{3, 4}));
  auto changes = store_->read_changes("general", 3, 10);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].event, R"({"op":"helpful","seq":1,"change":4})");
  EXPECT_EQ(changes[0].ts, 1'000'000);
  EXPECT_TRUE(store_->read_changes("nowhere", 0, 10).empty());

  // After a reopen the numbering goes on from the disk.
  store_->close();
  store_.reset();
  open();
  EXPECT_EQ(store_->last_change("general"), 4u);
  auto b2 = post("general", "three");
  EXPECT_EQ(run(edit_req("general", b2, "ann", "3", 0)).change, 5u);
}

TEST_F(ChangeLog, AChangeIsStoredExactlyWhenItsRequestIs) {
  open();
  auto a = post("general", "one");
  // A batch of requests that each change the same message: numbered in submission order.
  std::vector<std::uint64_t> cookies;
  for (int i = 0; i < 20; ++i) {
    auto r = edit_req("general", a, "ann", "v" + std::to_string(i), ++cookie_);
    cookies.push_back(r.cookie);
    ASSERT_TRUE(store_->submit(std::move(r)));
  }
  for (std::size_t i = 0; i < cookies.size(); ++i) {
    EXPECT_EQ(collector_.wait_cookie(cookies[i]).change, i + 1);
  }
  EXPECT_EQ(numbers("general").size(), 20u);
  auto last = store_->read_changes("general", 19, 1);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].event, R"({"op":"edited","seq":1,"change":20})");
}

TEST_F(ChangeLog, TrimDeletesOldRecordsButKeepsEachChannelsNewest) {
  open();
  auto a = post("general", "one");
  auto b = post("help", "two");
  for (int i = 0; i < 3; ++i) run(edit_req("general", a, "ann", "old" + std::to_string(i), 0));
  run(edit_req("help", b, "ann", "old", 0));  // help: a single, old record
  clock_.set(5'000'000);
  for (int i = 0; i < 2; ++i) run(edit_req("general", a, "ann", "new" + std::to_string(i), 0));

  WriteRequest trim;
  trim.op = TrimChanges{4'000'000, 0};
  auto r = run(std::move(trim));
  ASSERT_EQ(r.status, WriteStatus::ok) << r.error;
  EXPECT_EQ(std::get<TrimChanges>(r.req.op).deleted, 3u);
  EXPECT_EQ(numbers("general"), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(store_->first_change("general"), 4u);
  EXPECT_EQ(store_->last_change("general"), 5u);
  EXPECT_EQ(numbers("help"), (std::vector<std::uint64_t>{1}));  // the newest stays

  // Everything is old now: only the newest of each channel stays, and numbering goes on.
  clock_.set(9'000'000);
  WriteRequest all;
  all.op = TrimChanges{9'000'000, 0};
  EXPECT_EQ(std::get<TrimChanges>(run(std::move(all)).req.op).deleted, 1u);
  EXPECT_EQ(numbers("general"), (std::vector<std::uint64_t>{5}));
  store_->close();
  store_.reset();
  open();
  EXPECT_EQ(store_->first_change("general"), 5u);
  EXPECT_EQ(run(edit_req("general", a, "ann", "after", 0)).change, 6u);
}

}  // namespace
}  // namespace parley::storage
