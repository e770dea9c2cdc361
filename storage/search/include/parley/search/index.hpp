// The search index (DESIGN §9): a Xapian database under <data-dir>/search/, derived from the
// messages in the Store and rebuilt from it at will (rebuild(), `parleyd reindex`).
//
// One indexer thread follows the Store: notify() hands it each committed batch (new messages
// with their text; a flag for rewrites), and it reads the Store for everything else. Its
// position (each channel's highest indexed seq, and the last rewrite id applied) is written in
// the same Xapian commit as the documents, so after a crash (kill -9) it resumes from there and
// catches up from RocksDB: the index lags, it never diverges. An edit replaces a message's
// document, a delete removes it, an accepted answer marks its question solved.
//
// Thread-safety: every public method may be called from any thread. notify() never blocks
// (it is called on the storage writer thread); search() blocks on the index's files and must
// run off network I/O threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/protocol/types.hpp"
#include "parley/storage/store.hpp"

namespace parley::search {

struct IndexOptions {
  // Directory of the Xapian database; created if missing. Required.
  std::string dir;
  // Stemming language: a name Xapian knows (languages()), or "none". Default: "en".
  std::string language = "en";
  // Most committed messages waiting for the indexer; past it the indexer drops the live feed
  // and catches up from the Store instead. Default: 65536.
  std::size_t max_queue = 65536;
  // The indexer commits at least this often while it has work (the indexing lag). Default: 200.
  std::uint32_t commit_interval_ms = 200;
};

// The stemmer names Xapian has, and "none" (for messages).
std::vector<std::string> languages();
// The words left out of queries for `language` (outside phrases): English ("en", "english")
// has a list; other languages none.
std::vector<std::string> stop_words(const std::string& language);
// Whether IndexOptions::language accepts `language`: a name of languages() or its ISO 639
// code ("en", "de", "fr", …), as Xapian::Stem does.
bool valid_language(const std::string& language);

// A thread: a question and the replies to it.
struct ThreadRef {
  std::string channel;
  std::uint64_t seq = 0;  // the question
  bool operator==(const ThreadRef&) const = default;
  auto operator<=>(const ThreadRef&) const = default;
};

// What a caller may see: computed by the server from its permission rules.
struct Access {
  bool everything = false;            // every channel: DMs, private and archived ones too
  std::vector<std::string> channels;  // non-DM channels readable by the caller
  std::string dm_user;                // also the DMs of this user (empty: none)
  bool solved_only = false;           // only solved threads (anonymous readers)
  // Threads left out: (channel, question seq) pairs; the question and every reply to it.
  // (Staff took them off the knowledge pages: publish_thread.)
  std::vector<ThreadRef> hidden;
};

struct SearchRequest {
  std::string query;                   // the query language of query.hpp
  std::optional<std::string> channel;  // only this channel (as in:CHANNEL)
  bool solved = false;                 // only solved threads (as is:solved)
  std::uint32_t limit = 20;            // 1..kMaxLimit
  std::string cursor;                  // from a previous result; empty for the first page
  bool any = false;  // any of the words, ranked by how well they match (similar questions)
};
inline constexpr std::uint32_t kMaxLimit = 50;

struct Hit {
  std::string channel;
  std::uint64_t seq = 0;
  protocol::TimestampMs ts = 0;
  std::string from_id, from_name;
  protocol::Role from_role = protocol::Role::customer;
  bool from_advocate = false;
  std::string snippet;             // HTML-escaped, matches in <mark>…</mark>
  std::uint64_t question_seq = 0;  // a reply: the message it answers (0 = none)
  std::uint64_t solved_seq = 0;    // a solved question: its accepted answer (0 = none)
  // How well it matches the query's words, 0-100 (Xapian's percentage: the top result gets the
  // share of the words it contains, the others in proportion to their weight); 100 when the
  // query has no words to rank by (filters alone, or only common words).
  unsigned score = 0;
  std::string text;  // the whole text (listings only; empty in search results)
};

// A page of a listing, newest first.
struct Listing {
  std::vector<Hit> hits;    // with `text`, without `snippet`
  std::uint64_t total = 0;  // how many there are in all (exact)
};

struct SearchResult {
  bool ok = false;
  std::string error;      // when !ok: a sentence for the client (bad query, bad cursor, …)
  bool internal = false;  // when !ok: the index failed, not the request
  std::vector<Hit> hits;
  std::string cursor;  // the next page's cursor; empty when this is the last page
};

struct IndexStats {
  std::uint64_t documents = 0;
  std::uint64_t bytes = 0;          // size of the index's files
  std::uint64_t lag_messages = 0;   // committed to RocksDB, not yet searchable
  double lag_seconds = 0;           // age of the oldest of those (0 when none)
  std::uint64_t indexed_total = 0;  // documents added or replaced since start
  std::uint64_t catch_ups = 0;      // reads from the Store to fill a gap (start, overflow)
  // Query latency: counts[i] = queries that took at most kQueryBucketsUs[i] µs (last: +Inf).
  static constexpr std::array<std::uint64_t, 10> kQueryBucketsUs = {
      250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 0};
  std::array<std::uint64_t, kQueryBucketsUs.size()> query_counts{};
  std::uint64_t queries = 0, query_sum_us = 0;
};

class SearchIndex {
 public:
  // Opens (creating if needed) the index. Returns nullptr and sets *error on failure (a bad
  // language, an unwritable directory, a database locked by another process).
  // The index trims the Store's rewrites log as it applies it (Store::trim_rewrites).
  static std::unique_ptr<SearchIndex> open(const IndexOptions& options, storage::Store& store,
                                           std::string* error);
  // Builds a new index of everything in `store` into options.dir (replacing what is there).
  // `store` must not be written meanwhile (parleyd reindex runs with the server stopped).
  // Returns the number of documents, or nullopt with *error.
  static std::optional<std::uint64_t> rebuild(const IndexOptions& options, storage::Store& store,
                                              std::string* error);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Starts the indexer thread: it first catches up with the Store, then follows notify().
  void start();
  // Commits what is indexed and stops the thread. Idempotent; the destructor calls it.
  void stop();

  // Called by the Store's CommitHandler with each committed batch. Copies what it needs;
  // never blocks, never throws.
  void notify(const std::vector<storage::Committed>& batch);

  // Runs a query for a caller with `access`. Blocks (reads the index).
  SearchResult search(const SearchRequest& request, const Access& access);

  // Solved questions (questions with an accepted answer) in `channels`, newest first: `limit`
  // of them after skipping `offset`, those of `hidden` left out. For the knowledge pages,
  // feeds and sitemap. Blocks.
  Listing solved_questions(const std::vector<std::string>& channels, std::uint32_t offset,
                           std::uint32_t limit, const std::vector<ThreadRef>& hidden = {});
  // The live replies to message `seq` of `channel` (reply_to == seq), oldest first, at most
  // `limit`. Blocks.
  std::vector<Hit> replies(const std::string& channel, std::uint64_t seq, std::uint32_t limit);

  IndexStats stats() const;

  struct Impl;

 private:
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::search
