// Durable storage for Parley on RocksDB (DESIGN §5).
//
// One Store owns one RocksDB database with a column family per kind of record:
//   channels     name                          -> ChannelInfo      (non-DM channels)
//   messages     channel '\0' be64(seq)        -> StoredMessage
//   idempotency  user '\0' client_msg_id       -> channel, seq, ts of the original message
//   meta         "schema"                      -> schema version
//
// Writes go through one group-commit writer thread: submit() queues a request, the writer takes
// everything pending (up to Options::max_batch), assigns per-channel seqs (1, 2, 3, … with no
// holes, continuing after restart), checks idempotency, commits one WriteBatch (fsynced in
// Durability::fsync) and then hands the whole batch to the CommitHandler. Nothing is reported
// as committed before the batch is durable.
//
// Thread-safety: every public method may be called from any thread. Read methods block on
// RocksDB and must therefore not be called on network I/O threads; get_channel() and
// list_channels() are the exception (memory only, never touch disk). The CommitHandler runs on
// the writer thread and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/protocol/types.hpp"

namespace parley::storage {

using protocol::ChannelKind;
using protocol::Role;
using protocol::TimestampMs;

enum class Durability : std::uint8_t {
  fsync,  // the WAL is fsynced before a batch is acknowledged: survives power loss
  fast,   // WAL written but not fsynced: survives a crash of the process, not of the machine
};

struct Options {
  // Directory of the RocksDB database; created if missing. Required.
  std::string path;
  // Default: fsync.
  Durability durability = Durability::fsync;
  // Most write requests committed in one WriteBatch. Default: 4096.
  std::size_t max_batch = 4096;
  // Most requests waiting for the writer; submit() refuses more. Default: 65536.
  std::size_t max_queue = 65536;
  // RocksDB block cache size. Default: 64 MiB.
  std::size_t block_cache_bytes = 64u << 20;
  // RocksDB memtable size per column family. Default: 64 MiB.
  std::size_t write_buffer_bytes = 64u << 20;
  // Clock for message timestamps; defaults to the system clock. Tests inject one.
  std::function<TimestampMs()> clock;
};

struct ChannelInfo {
  std::string name;
  ChannelKind kind = ChannelKind::chat;
  std::string title;
  TimestampMs created_ms = 0;
  // Changes when a channel's history is reset (a new store); clients compare it on resume.
  // Nonzero and below 2^53, so JavaScript reads it exactly.
  std::uint64_t epoch = 0;
  bool archived = false;
};

struct StoredMessage {
  std::uint64_t seq = 0;  // assigned by the writer
  TimestampMs ts = 0;     // assigned by the writer
  std::string from_id;
  std::string from_name;
  Role from_role = Role::customer;
  bool from_advocate = false;
  std::string text;
  std::uint64_t reply_to = 0;  // 0 = not a reply
};

// Append a message to `channel`. DM channels ("dm:a:b") are created implicitly on first use;
// any other channel must exist (else WriteStatus::not_found).
struct AppendMessage {
  std::string channel;
  std::string client_msg_id;  // idempotency key, scoped to msg.from_id
  StoredMessage msg;
};

// Create a non-DM channel (WriteStatus::conflict if it exists).
struct CreateChannel {
  ChannelInfo info;
};

struct WriteRequest {
  std::variant<AppendMessage, CreateChannel> op;
  // Opaque to the store; handed back in Committed so the caller can route the result.
  std::uint64_t origin = 0;
  std::uint64_t cookie = 0;
};

enum class WriteStatus : std::uint8_t {
  ok,         // stored; for AppendMessage, msg.seq and msg.ts are filled in
  duplicate,  // AppendMessage whose (from_id, client_msg_id) was stored before: nothing new was
              // stored; msg.seq/msg.ts and channel hold the ORIGINAL message's values
  not_found,  // the channel does not exist
  conflict,   // CreateChannel of an existing channel
  error,      // the batch failed to commit; nothing of it is stored
};

struct Committed {
  WriteRequest req;
  WriteStatus status = WriteStatus::ok;
  std::string error;  // when status == error
};

// Called on the writer thread after each batch, in commit order, with every request of the
// batch in submission order. May move out of the vector's elements.
using CommitHandler = std::function<void(std::vector<Committed>& batch)>;

struct Page {
  std::vector<StoredMessage> messages;  // ascending by seq
  bool has_more = false;                // older messages exist before messages.front()
};

class Store {
 public:
  // Opens (creating if needed) the database and starts the writer thread. A fresh database
  // gets the channels `help` (support) and `general` (chat). Returns nullptr and sets *error
  // on failure.
  static std::unique_ptr<Store> open(const Options& options, CommitHandler on_commit,
                                     std::string* error);

  // Flushes the writer (every queued request is committed and handed to the CommitHandler),
  // stops it and closes the database. Idempotent.
  void close();
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Queues a write. Returns false (and does nothing) when the queue is full or the store is
  // closing; the caller answers the client with a retryable error.
  bool submit(WriteRequest&& req);
  // Requests waiting for the writer right now (for metrics).
  std::size_t queue_depth() const;

  // Memory only. DM names ("dm:a:b" with valid ids) always resolve (kind dm, epoch 1),
  // whether or not a message was ever stored there.
  std::optional<ChannelInfo> get_channel(std::string_view name) const;
  // Non-DM channels, sorted by name.
  std::vector<ChannelInfo> list_channels() const;

  // Highest committed seq of `channel` (0 when empty or unknown).
  std::uint64_t last_seq(std::string_view channel) const;
  // Up to `limit` messages with seq > after_seq, ascending.
  std::vector<StoredMessage> read_after(std::string_view channel, std::uint64_t after_seq,
                                        std::size_t limit) const;
  // Up to `limit` newest messages with seq < before_seq (before_seq == 0: no upper bound),
  // returned ascending, with has_more when older ones exist.
  Page read_before(std::string_view channel, std::uint64_t before_seq, std::size_t limit) const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::storage
