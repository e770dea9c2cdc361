// Private state of SearchIndex, shared by index.cpp (open, search, stats) and indexer.cpp (the
// thread that follows the Store). Xapian types stay behind this header.
#pragma once

#include <xapian.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "parley/search/index.hpp"

namespace parley::search {

// Document layout. Terms: kUnique + channel '#' seq (one per message), kChannel + channel,
// kAuthor + user id, kSolved (a question with an accepted answer, or that answer),
// kSolvedQuestion (the question only), kReplyTo + seq (a reply), kDmMember + user (each of a
// DM's two users). Value slot kTsSlot: the ts, sortable. Data: encode_doc() below.
inline constexpr char kUnique = 'Q';
inline constexpr char kChannel = 'C';
inline constexpr char kAuthor = 'A';
inline constexpr char kDmMember = 'D';
inline constexpr const char* kSolved = "S";
inline constexpr const char* kSolvedQuestion = "K";  // a question with an accepted answer
inline constexpr char kReplyTo = 'R';                // + decimal seq of the message replied to
inline constexpr Xapian::valueno kTsSlot = 0;
// Metadata keys, written in the same commit as the documents they describe.
inline constexpr const char* kSeqKeyPrefix = "s:";       // + channel -> highest indexed seq
inline constexpr const char* kRewriteKey = "p:rewrite";  // last rewrite id applied
// The document layout's version: an index written with another one is rebuilt at open.
inline constexpr const char* kFormatKey = "format";
inline constexpr const char* kFormat = "3";

std::string unique_term(std::string_view channel, std::uint64_t seq);
// A document's data names its message; everything shown of a hit (text, author, thread) is
// read from the Store, as it is now.
std::string encode_doc(std::string_view channel, std::uint64_t seq);
bool decode_doc(const std::string& data, std::string* channel, std::uint64_t* seq);
// The hit for a document's data, from the Store; false when the data does not decode or the
// message is gone or deleted (the index lags the Store): the hit is skipped.
bool hit_of(const storage::Store& store, const std::string& data, Hit* hit, std::string* text);
// The document for a live message (terms, value, data). Requires !m.deleted. `accepted`: the
// message is its question's accepted answer.
Xapian::Document make_document(std::string_view channel, const storage::StoredMessage& m,
                               bool accepted, Xapian::TermGenerator& gen);
// The stemmer and stop words for a language ("none": no stemming, no stop words).
Xapian::Stem make_stemmer(const std::string& language);
std::unique_ptr<Xapian::SimpleStopper> make_stopper(const std::string& language);
std::uint64_t dir_bytes(const std::string& dir);
std::int64_t wall_ms();  // the system clock in ms since the epoch

struct SearchIndex::Impl {
  IndexOptions options;
  storage::Store& store;
  // Xapian's stemmers keep per-call state and its handles count references without atomics:
  // every thread has its own Stem. This one is the indexer's (inside `gen`); each Reader has
  // its own for queries and snippets.
  Xapian::Stem stemmer;

  // --- The writer side (the indexer thread, after open()) ---
  Xapian::WritableDatabase wdb;
  Xapian::TermGenerator gen;
  std::map<std::string, std::uint64_t, std::less<>> indexed_seq;  // channel -> highest indexed
  std::set<std::string, std::less<>> dirty_channels;              // changed since the commit
  std::uint64_t rewrite_pos = 0;
  bool dirty = false;
  std::uint64_t uncommitted = 0;
  std::chrono::steady_clock::time_point last_commit{};

  // --- The live feed (notify() -> indexer) ---
  struct Pending {
    std::string channel;
    storage::StoredMessage msg;
    std::int64_t received_ms = 0;
  };
  mutable std::mutex mu;  // stats() reads the queue too
  std::condition_variable cv;
  std::deque<Pending> queue;  // guarded by mu
  bool overflow = false;      // guarded by mu: messages were dropped, catch up from the Store
  // Guarded by mu: messages dropped from the live feed and not yet committed by a catch-up
  // (for the lag figures), and when the oldest of them was committed to the Store.
  std::uint64_t behind = 0;
  std::int64_t behind_since_ms = 0;
  std::uint64_t recovered = 0;  // the indexer thread's: dropped messages its catch-up read
  bool rewrites = false;        // guarded by mu: the rewrites log grew
  bool stopping = false;        // guarded by mu
  std::thread thread;
  std::mutex stop_mu;

  // --- Readers: Xapian::Database is not thread-safe, so each search borrows one ---
  // Used by one search at a time, so its members need no lock.
  struct Reader {
    Xapian::Database db;
    Xapian::Stem stemmer;
    std::unique_ptr<Xapian::SimpleStopper> stopper;
  };
  std::mutex readers_mu;
  std::vector<std::unique_ptr<Reader>> readers;  // idle ones, guarded by readers_mu

  // --- Figures for stats() ---
  std::atomic<std::uint64_t> documents{0}, indexed_total{0}, catch_ups{0};
  std::atomic<std::uint64_t> uncommitted_count{0};
  // When the oldest indexed but uncommitted change reached the indexer (0: none).
  std::atomic<std::int64_t> oldest_uncommitted_ms{0};
  std::array<std::atomic<std::uint64_t>, IndexStats::kQueryBucketsUs.size()> query_hist{};
  std::atomic<std::uint64_t> queries{0}, query_sum_us{0};

  Impl(const IndexOptions& o, storage::Store& s) : options(o), store(s) {}

  // indexer.cpp (the indexer thread only)
  void run();
  void load_positions();
  void catch_up_all();
  // Indexes the channel's messages after its position, up to `upto` (inclusive).
  void catch_up_channel(const std::string& channel, std::uint64_t upto);
  void apply_append(const std::string& channel, const storage::StoredMessage& m,
                    std::int64_t received_ms);
  void apply_rewrites();
  // Replaces or removes the message's document (no position change).
  // since_ms: when the change reached the indexer (for the lag figure). `fresh`: the message
  // is past the channel's position, so not in the index yet (added, not replaced).
  void index_message(std::string_view channel, const storage::StoredMessage& m,
                     std::int64_t since_ms, bool fresh);
  void commit();
  // Once the catch-up that read them is committed, the dropped messages are no longer lag.
  void settle_recovered();
  // After a failed write: closes and reopens the database, back to its last commit.
  void reopen_writer();
};

}  // namespace parley::search
