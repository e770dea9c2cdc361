// The search index against a real Store in a temp dir: what is committed becomes searchable,
// edits replace, deletes remove, accepted answers mark questions solved, access filters, paging,
// catch-up after the index was closed (a crash leaves it behind the store), and rebuild().
#include "parley/search/index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "../storage/test_util.hpp"

namespace parley::search {
namespace {

using storage::Committed;
using storage::WriteStatus;
using storage::testing::Collector;
using storage::testing::TempDir;

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override { open_all(); }
  void TearDown() override { close_all(); }

  void open_all() {
    collector_ = std::make_unique<Collector>();
    collector_->set_hook([this](std::vector<Committed>& batch) {
      if (auto* i = index_ptr_.load()) i->notify(batch);
    });
    storage::Options o;
    o.path = dir_.db();
    o.durability = storage::Durability::fast;
    std::string error;
    store_ = storage::Store::open(o, collector_->handler(), &error);
    ASSERT_TRUE(store_) << error;
    open_index();
  }
  void open_index() {
    std::string error;
    index_ = SearchIndex::open(options(), *store_, &error);
    ASSERT_TRUE(index_) << error;
    index_ptr_ = index_.get();
    index_->start();
  }
  void close_index() {
    index_ptr_ = nullptr;
    if (index_) index_->stop();
    index_.reset();
  }
  void close_all() {
    close_index();
    if (store_) store_->close();
    store_.reset();
    collector_.reset();
  }
  IndexOptions options() const {
    IndexOptions o;
    o.dir = search_dir();
    o.commit_interval_ms = 20;
    return o;
  }
  std::string search_dir() const {
    return std::filesystem::path(dir_.db()).parent_path() / "search";
  }

  Committed write(storage::WriteOp op) {
    storage::WriteRequest r;
    r.op = std::move(op);
    r.cookie = ++cookie_;
    EXPECT_TRUE(store_->submit(std::move(r)));
    auto c = collector_->wait_cookie(cookie_);
    EXPECT_EQ(c.status, WriteStatus::ok) << c.error;
    return c;
  }
  std::uint64_t post(const std::string& channel, const std::string& from, const std::string& text,
                     std::uint64_t reply_to = 0) {
    storage::AppendMessage a;
    a.channel = channel;
    a.client_msg_id = "m" + std::to_string(cookie_ + 1);
    a.msg.from_id = from;
    a.msg.from_name = from;
    a.msg.text = text;
    a.msg.reply_to = reply_to;
    auto c = write(std::move(a));
    return std::get<storage::AppendMessage>(c.req.op).msg.seq;
  }

  static Access all() { return access(true, {}, "", false); }
  static Access access(bool everything, std::vector<std::string> channels, std::string dm_user,
                       bool solved_only) {
    Access a;
    a.everything = everything;
    a.channels = std::move(channels);
    a.dm_user = std::move(dm_user);
    a.solved_only = solved_only;
    return a;
  }

  SearchResult find(const std::string& q, const Access& access = all(), std::uint32_t limit = 20,
                    const std::string& cursor = "") {
    SearchRequest r;
    r.query = q;
    r.limit = limit;
    r.cursor = cursor;
    return index_->search(r, access);
  }
  // Polls until `q` returns exactly `n` hits (the indexing lag); never a fixed sleep.
  SearchResult wait_hits(const std::string& q, std::size_t n, const Access& access = all()) {
    SearchResult r;
    for (int i = 0; i < 1000; ++i) {
      r = find(q, access);
      if (r.ok && r.hits.size() == n) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto st = index_->stats();
    ADD_FAILURE() << "\"" << q << "\" never had " << n << " hits (last: " << r.hits.size()
                  << (r.ok ? "" : ", error " + r.error) << "; index: " << st.documents
                  << " documents, " << st.indexed_total << " indexed, lag " << st.lag_messages
                  << ", catch-ups " << st.catch_ups << ")";
    return r;
  }

  TempDir dir_;
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SearchIndex> index_;
  std::atomic<SearchIndex*> index_ptr_{nullptr};
  std::uint64_t cookie_ = 0;
};

TEST_F(IndexTest, CommittedMessagesBecomeSearchableWithStemming) {
  post("help", "ann", "My Arc blinks amber after the firmware update");
  post("general", "bob", "Nice weather today");
  auto r = wait_hits("blinking amber", 1);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].channel, "help");
  EXPECT_EQ(r.hits[0].seq, 1u);
  EXPECT_EQ(r.hits[0].from_id, "ann");
  EXPECT_EQ(r.hits[0].snippet,
            "My Arc <mark>blinks</mark> <mark>amber</mark> after the firmware update");
  EXPECT_EQ(wait_hits("weather", 1).hits[0].channel, "general");
  EXPECT_TRUE(find("nothing-like-this").hits.empty());
}

// `score`: 100 for a result holding every word; with match "any", a result holding fewer of the
// words scores less (the share of the words the top one holds, the rest by weight); filters
// alone rank nothing, so every result is 100.
TEST_F(IndexTest, ScoresSayHowWellAResultMatches) {
  post("help", "ann", "My Arc lamp blinks amber after the firmware update");
  post("help", "bob", "The lamp is too bright at night");
  post("general", "cid", "Firmware notes for the speaker");
  wait_hits("lamp", 2);
  wait_hits("speaker", 1);  // all three are searchable
  auto all_words = find("arc lamp blinks amber");
  ASSERT_EQ(all_words.hits.size(), 1u);
  EXPECT_EQ(all_words.hits[0].score, 100u);

  SearchRequest any;
  any.query = "arc lamp blinking amber firmware";
  any.any = true;
  auto r = index_->search(any, all());
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.hits.size(), 3u);
  EXPECT_EQ(r.hits[0].seq, 1u);  // all five words
  EXPECT_EQ(r.hits[0].score, 100u);
  for (std::size_t i = 1; i < r.hits.size(); ++i) {
    EXPECT_LT(r.hits[i].score, 50u) << r.hits[i].seq;  // one word of five
    EXPECT_GT(r.hits[i].score, 0u) << r.hits[i].seq;
  }
  any.query = "lamp fridge";  // the best holds one word of two
  r = index_->search(any, all());
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_LE(r.hits[0].score, 50u);
  EXPECT_GT(r.hits[0].score, 0u);

  for (const auto& h : find("from:ann").hits) EXPECT_EQ(h.score, 100u);
  for (const auto& h : find("the how").hits) EXPECT_EQ(h.score, 100u);  // only common words
}

TEST_F(IndexTest, EditsReplaceDeletesRemoveSolvesMark) {
  auto q = post("help", "ann", "The hub shows a red light");
  auto a = post("help", "bob", "Unplug the hub for ten seconds", q);
  wait_hits("red light", 1);
  write(storage::EditMessage{"help", q, "ann", "The hub shows a purple glow", {}});
  wait_hits("purple glow", 1);
  wait_hits("red", 0);
  EXPECT_TRUE(find("is:solved").hits.empty());
  write(storage::SetSolved{"help", q, a, {}});
  // A solved thread: the question (with its accepted answer's seq) and that answer.
  auto solved = wait_hits("is:solved", 2);
  for (const auto& h : solved.hits) {
    if (h.seq == q) {
      EXPECT_EQ(h.solved_seq, a);
    } else {
      EXPECT_EQ(h.seq, a);
      EXPECT_EQ(h.question_seq, q);
    }
  }
  EXPECT_EQ(wait_hits("unplug is:solved", 1).hits[0].seq, a);
  write(storage::DeleteMessage{"help", a, "bob", false, {}});
  wait_hits("unplug", 0);
  // The log is applied and trimmed to its last entry (kept for the id numbering).
  for (int i = 0; i < 500 && store_->read_rewrites(0, 10).size() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto left = store_->read_rewrites(0, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, store_->last_rewrite_id());
}

TEST_F(IndexTest, AccessDecidesWhatIsFound) {
  post("help", "ann", "router question public");
  post("dm:ann:bob", "ann", "router question secret");
  post("dm:bob:cid", "bob", "router question other secret");
  wait_hits("router", 3);
  auto hits_for = [&](Access a) {
    std::set<std::string> out;
    auto r = find("router", a);
    EXPECT_TRUE(r.ok) << r.error;
    for (const auto& h : r.hits) {
      out.insert(h.channel);
    }
    return out;
  };
  EXPECT_EQ(hits_for(access(false, {"help"}, "", false)), (std::set<std::string>{"help"}));
  EXPECT_EQ(hits_for(access(false, {"help"}, "ann", false)),
            (std::set<std::string>{"help", "dm:ann:bob"}));
  EXPECT_EQ(hits_for(access(false, {}, "cid", false)), (std::set<std::string>{"dm:bob:cid"}));
  EXPECT_EQ(hits_for(access(false, {}, "", false)), (std::set<std::string>{}));
  EXPECT_EQ(hits_for(all()), (std::set<std::string>{"help", "dm:ann:bob", "dm:bob:cid"}));
  // Solved only (anonymous readers): nothing here is solved.
  EXPECT_TRUE(find("router", access(false, {"help"}, "", true)).hits.empty());
  // in: and from: narrow further, never widen.
  EXPECT_EQ(find("router in:dm:ann:bob", access(false, {"help"}, "", false)).hits.size(), 0u);
  EXPECT_EQ(find("router from:bob", all()).hits.size(), 1u);
}

TEST_F(IndexTest, HiddenThreadsAreLeftOut) {
  // Two solved threads in one channel, one in another with the same question seq.
  auto q1 = post("help", "ann", "Charger gets hot");
  auto a1 = post("help", "bob", "Use the charger from the box", q1);
  post("help", "cid", "Same charger problem here", q1);
  auto q2 = post("help", "ann", "Charger cable frayed");
  auto a2 = post("help", "bob", "Order a new charger cable", q2);
  write(storage::SetSolved{"help", q1, a1, {}});
  write(storage::SetSolved{"help", q2, a2, {}});
  auto q3 = post("general", "dan", "Charger colours");
  auto a3 = post("general", "bob", "The charger comes in white", q3);
  write(storage::SetSolved{"general", q3, a3, {}});
  wait_hits("charger is:solved", 6);
  ASSERT_EQ(q1, q3);  // the same seq in another channel: only (channel, seq) names a thread

  Access a = all();
  a.hidden = {ThreadRef{"help", q1}};
  std::set<std::pair<std::string, std::uint64_t>> found;
  for (const auto& h : find("charger", a).hits) found.insert({h.channel, h.seq});
  EXPECT_EQ(found, (std::set<std::pair<std::string, std::uint64_t>>{
                       {"help", q2}, {"help", a2}, {"general", q3}, {"general", a3}}));

  auto listed = [&](const std::vector<ThreadRef>& hidden) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    auto l = index_->solved_questions({"help", "general"}, 0, 10, hidden);
    for (const auto& h : l.hits) out.emplace_back(h.channel, h.seq);
    EXPECT_EQ(l.total, out.size());
    return out;
  };
  EXPECT_EQ(listed({}).size(), 3u);
  EXPECT_EQ(listed({ThreadRef{"help", q2}, ThreadRef{"general", q3}}),
            (std::vector<std::pair<std::string, std::uint64_t>>{{"help", q1}}));
}

TEST_F(IndexTest, DroppedMessagesCountAsLagUntilCaughtUp) {
  close_index();
  // Five committed messages reach an indexer whose live queue holds two (its thread not yet
  // running, so nothing is taken off the queue meanwhile): three are dropped at the overflow,
  // two more after it. All five count as lag until a catch-up from the Store has committed.
  std::vector<Committed> batch;
  for (int i = 0; i < 5; ++i) {
    storage::AppendMessage a;
    a.channel = "help";
    a.client_msg_id = "d" + std::to_string(i);
    a.msg.from_id = "ann";
    a.msg.from_name = "Ann";
    a.msg.text = "overflowing queue message " + std::to_string(i);
    batch.push_back(write(std::move(a)));
  }
  IndexOptions o = options();
  o.max_queue = 2;
  std::string error;
  index_ = SearchIndex::open(o, *store_, &error);
  ASSERT_TRUE(index_) << error;
  index_->notify(batch);
  auto st = index_->stats();
  EXPECT_EQ(st.lag_messages, 5u);
  EXPECT_GE(st.lag_seconds, 0.0);
  index_->start();
  wait_hits("overflowing", 5);
  for (int i = 0; i < 500 && index_->stats().lag_messages > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  st = index_->stats();
  EXPECT_EQ(st.lag_messages, 0u);
  EXPECT_EQ(st.lag_seconds, 0.0);
  EXPECT_GE(st.catch_ups, 1u);
}

TEST_F(IndexTest, PagesWithCursors) {
  for (int i = 0; i < 5; ++i) post("help", "ann", "paging test number " + std::to_string(i));
  wait_hits("paging", 5);
  std::set<std::uint64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = find("paging", all(), 2, cursor);
    ASSERT_TRUE(r.ok) << r.error;
    for (const auto& h : r.hits) EXPECT_TRUE(seen.insert(h.seq).second) << "repeated " << h.seq;
    cursor = r.cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 5u);
  for (const char* bad : {"x", "0", "-1", "99999999", "2a"}) {
    auto r = find("paging", all(), 2, bad);
    EXPECT_FALSE(r.ok) << bad;
    EXPECT_EQ(r.error, "bad cursor");
  }
  EXPECT_EQ(find("paging", all(), 0).error, "limit must be 1 to 50");
  EXPECT_EQ(find("paging", all(), 51).error, "limit must be 1 to 50");
}

TEST_F(IndexTest, CatchesUpWithWhatWasCommittedWhileItWasClosed) {
  auto q = post("help", "ann", "alpha before shutdown");
  wait_hits("alpha", 1);
  close_index();  // as after a crash: the store moves on without the index
  for (int i = 0; i < 30; ++i) post("help", "bob", "beta while closed " + std::to_string(i));
  post("dm:ann:bob", "ann", "gamma in a new channel");
  write(storage::EditMessage{"help", q, "ann", "delta replaced alpha", {}});
  open_index();
  wait_hits("beta", 20);  // a page is 20
  EXPECT_FALSE(wait_hits("beta", 20).cursor.empty());
  wait_hits("gamma", 1);
  wait_hits("delta", 1);
  wait_hits("alpha", 1);  // "delta replaced alpha": the new text
  EXPECT_EQ(find("shutdown").hits.size(), 0u);
}

TEST_F(IndexTest, RebuildFindsTheSameAsTheLiveIndex) {
  auto q = post("help", "ann", "one two three");
  post("help", "bob", "two three four", q);
  post("dm:ann:bob", "ann", "three four five");
  write(storage::EditMessage{"help", q, "ann", "one two three edited", {}});
  wait_hits("edited", 1);
  wait_hits("three", 3);  // the DM too: the edit may be searchable before it
  auto live = [&](const std::string& s) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& h : find(s).hits) out.emplace_back(h.channel, h.seq);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto before3 = live("three"), before4 = live("four"), before1 = live("one");
  close_index();
  std::string error;
  auto docs = SearchIndex::rebuild(options(), *store_, &error);
  ASSERT_TRUE(docs) << error;
  EXPECT_EQ(*docs, 3u);
  open_index();
  EXPECT_EQ(live("three"), before3);
  EXPECT_EQ(live("four"), before4);
  EXPECT_EQ(live("one"), before1);
}

TEST_F(IndexTest, AnIndexAheadOfTheStoreIsRebuilt) {
  post("help", "ann", "kept message");
  auto a = post("help", "ann", "to be edited");
  write(storage::EditMessage{"help", a, "ann", "edited once", {}});
  wait_hits("once", 1);
  close_all();
  // A store restored from before those writes: a new, empty database, same index.
  std::filesystem::remove_all(dir_.db());
  open_all();
  wait_hits("kept", 0);
  post("help", "zed", "fresh start");
  wait_hits("fresh", 1);
}

TEST(SearchLanguages, NamesAndCodes) {
  EXPECT_TRUE(valid_language("en"));
  EXPECT_TRUE(valid_language("english"));
  EXPECT_TRUE(valid_language("de"));
  EXPECT_TRUE(valid_language("none"));
  EXPECT_FALSE(valid_language("klingon"));
  // Every code docs/CONFIG.md lists.
  for (const char* code :
       {"ar", "ca", "da", "de", "en", "es", "eu", "fi", "fr", "ga", "hu", "hy",
        "id", "it", "lt", "ne", "nl", "no", "pt", "ro", "ru", "sv", "ta", "tr"}) {
    EXPECT_TRUE(valid_language(code)) << code;
  }
  EXPECT_FALSE(valid_language(""));
  auto l = languages();
  EXPECT_NE(std::find(l.begin(), l.end(), "french"), l.end());
}

}  // namespace
}  // namespace parley::search
