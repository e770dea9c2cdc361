// Private state of Store, shared by store.cpp (open/close, channels), reader*.cpp (queries) and
// writer*.cpp (the group-commit thread). RocksDB types stay behind this header.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "parley/storage/store.hpp"

namespace parley::storage {

// Transparent hashing, so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Neither empty nor containing the key separator: usable as a name inside a key (codec.hpp).
// Names that are not can hold nothing: writes refuse them and reads find nothing under them.
inline bool key_safe(std::string_view s) {
  return !s.empty() && s.find('\0') == std::string_view::npos;
}

// The newest message of a channel as found on disk.
struct LastMessage {
  std::uint64_t seq = 0;  // 0: the channel has no messages
  TimestampMs ts = 0;     // 0 when empty or when the newest value does not decode
};

struct Store::Impl {
  Options options;
  CommitHandler on_commit;

  // --- RocksDB (set up by open(), torn down by close_db()) ---
  // Readers hold db_mu shared while they use `db`; close_db() takes it exclusively, so a read
  // racing with close() finishes first or sees db == nullptr and returns nothing.
  mutable std::shared_mutex db_mu;
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::Statistics> statistics;  // Options::statistics
  std::shared_ptr<rocksdb::Logger> info_log;        // the LOG file (info_log.hpp), kept on reopen
  rocksdb::DB* db = nullptr;
  // Every handle opened, including column families this version does not know (kept open so
  // that a database written by a newer version still opens); destroyed in close_db().
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* cf_channels = nullptr;
  rocksdb::ColumnFamilyHandle* cf_messages = nullptr;
  rocksdb::ColumnFamilyHandle* cf_idempotency = nullptr;
  rocksdb::ColumnFamilyHandle* cf_meta = nullptr;
  rocksdb::ColumnFamilyHandle* cf_moderation = nullptr;
  rocksdb::ColumnFamilyHandle* cf_reports = nullptr;
  rocksdb::ColumnFamilyHandle* cf_audit = nullptr;
  rocksdb::ColumnFamilyHandle* cf_users = nullptr;
  rocksdb::ColumnFamilyHandle* cf_reactions = nullptr;
  rocksdb::ColumnFamilyHandle* cf_advocacy = nullptr;
  rocksdb::ColumnFamilyHandle* cf_rewrites = nullptr;
  rocksdb::ColumnFamilyHandle* cf_reads = nullptr;
  rocksdb::ColumnFamilyHandle* cf_outbox = nullptr;
  // Change logs: message_key(channel, change) -> be64(ts) + the event JSON.
  rocksdb::ColumnFamilyHandle* cf_changes = nullptr;

  // --- Channel directory: non-DM channels, served from memory ---
  mutable std::shared_mutex channels_mu;
  std::map<std::string, ChannelInfo, std::less<>> channels;  // guarded by channels_mu

  // --- Highest committed seq per channel, so last_seq() rarely touches disk ---
  mutable std::shared_mutex committed_mu;
  StringMap<std::uint64_t> committed_seq;     // guarded by committed_mu
  StringMap<std::uint64_t> committed_change;  // highest committed change; guarded by committed_mu

  // --- Write queue ---
  mutable std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<WriteRequest> queue;  // guarded by queue_mu
  bool closing = false;            // guarded by queue_mu
  std::thread writer;

  // Serialises close() so that concurrent callers all return after the database is closed.
  std::mutex close_mu;
  bool closed = false;  // guarded by close_mu

  // --- Writer-thread state (touched only by the writer) ---
  struct ChannelCursor {
    std::uint64_t next_seq = 1;
    TimestampMs last_ts = 0;
  };
  StringMap<ChannelCursor> cursors;
  // The next change number per channel (loaded from disk at the channel's first change).
  StringMap<std::uint64_t> change_cursors;
  // Commit latency histogram (Store::commit_latency); written by the writer, read by anyone.
  std::array<std::atomic<std::uint64_t>, Store::kCommitBucketsUs.size()> commit_hist{};
  std::atomic<std::uint64_t> commit_count{0}, commit_sum_us{0};
  void observe_commit(std::uint64_t us);
  // Free space of the data directory's file system, as last measured (Options::min_free_bytes).
  std::uint64_t free_bytes = UINT64_MAX;
  std::chrono::steady_clock::time_point free_checked{};
  // Next ids to assign; recovered at open from the highest key on disk.
  std::uint64_t next_audit_id = 1;
  std::uint64_t next_report_id = 1;
  std::uint64_t next_outbox_id = 1;
  // The epoch every DM channel reports (set at open; meta "dm_epoch").
  std::uint64_t dm_epoch = 1;
  // Highest rewrite id committed (read by last_rewrite_id() from any thread).
  std::atomic<std::uint64_t> last_rewrite{0};

  // Stored values that failed to decode and were skipped (corruption or a newer format).
  mutable std::atomic<std::uint64_t> decode_failures{0};

  ~Impl();

  // store.cpp
  bool open_db(std::string* error);
  bool init_schema(std::string* error);
  bool load_channels(std::string* error);
  bool load_counters(std::string* error);
  bool load_dm_epoch(std::string* error);
  void close_db();
  // close_db() with db_mu already held exclusively.
  void close_db_locked();
  // Closes and opens the database again under db_mu (readers wait): RocksDB recovers its WAL
  // as after a crash. False (db then null) when it cannot be opened.
  bool reopen_db(std::string* error);
  std::uint64_t new_epoch();
  TimestampMs now() const { return options.clock(); }

  // reader.cpp. On a RocksDB error returns false and sets *error.
  bool find_last(std::string_view channel, LastMessage* out, std::string* error) const;
  void note_committed(std::string_view channel, std::uint64_t seq);
  // The highest change number of `channel` on disk (0: none); nullopt on a RocksDB error.
  std::optional<std::uint64_t> find_last_change(std::string_view channel, std::string* error) const;
  void note_change_committed(std::string_view channel, std::uint64_t change);

  // writer*.cpp
  void run_writer();
  void commit_batch(std::vector<WriteRequest>& reqs);
  // False (with *why) when the data directory's file system is below min_free_bytes.
  bool enough_space(std::string* why);
  // A commit that RocksDB refused (a failed write of its WAL: a failing disk) leaves it
  // refusing every write after it. readiness() names the error until it is gone; before each
  // batch, at most once a second, the writer asks RocksDB to resume (DB::Resume) and, when it
  // cannot (RocksDB 7.8 after a failed WAL write), closes and reopens the database.
  void note_write_error(const rocksdb::Status& st);
  void try_resume();
  // Whether a small file in the database directory can be written and synced now.
  bool disk_writable();
  mutable std::mutex write_error_mu;
  std::string write_error;                               // guarded by write_error_mu; "" = none
  std::chrono::steady_clock::time_point resume_tried{};  // writer thread only
};

}  // namespace parley::storage
