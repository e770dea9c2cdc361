// Durable storage for Parley on RocksDB (DESIGN §5).
//
// One Store owns one RocksDB database with a column family per kind of record:
//   channels     name                          -> ChannelInfo      (non-DM channels)
//   messages     channel '\0' be64(seq)        -> StoredMessage    (tombstones included)
//   idempotency  user '\0' client_msg_id       -> channel, seq, ts of the original message
//   reactions    channel '\0' be64(seq) '\0' emoji '\0' user -> (empty): who reacted with what
//   moderation   "m\0" user '\0' channel       -> Mute
//                "b\0" user                    -> Ban
//                "p\0" channel '\0' user       -> (empty): member of a private channel
//   reports      "r\0" be64(id)                -> Report, plus index keys by status, by author
//                                                 and by (reporter, channel, seq)
//   audit        be64(id)                      -> AuditEntry
//   users        id                            -> UserRecord
//   reads        "r\0" user '\0' channel       -> read marker (last seq read)
//                "n\0" user '\0' channel '\0' be64(seq) -> (empty): a mention of user
//   outbox       the server's operational records (webhooks, their deliveries; opaque here):
//                rows written with a request (WriteRequest::outbox) are prefix be64(id)
//   meta         "schema"                      -> schema version
//                "erase\0" user               -> Erasure (EraseUser)
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

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/protocol/types.hpp"
#include "parley/storage/records.hpp"

namespace parley::storage {

using protocol::ChannelKind;
using protocol::Role;
using protocol::TimestampMs;

enum class Durability : std::uint8_t {
  fsync,  // the WAL is fsynced before a batch is acknowledged: survives power loss
  fast,   // WAL written but not fsynced: survives a crash of the process, not of the machine
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
  // Seconds a customer must wait between two posts (0 = off).
  std::uint32_t slow_mode_s = 0;
  // Only staff and admins post while locked.
  bool locked = false;
  // Support channels: whether solved threads are published as knowledge pages; nullopt = the
  // server's default ([knowledge] publish_default).
  std::optional<bool> publish;
};

struct Reaction {
  std::string emoji;
  std::uint32_t count = 0;
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
  // --- Lifecycle (appended to the stored format; absent in older records = defaults) ---
  TimestampMs edited_at = 0;  // 0 = never edited
  bool deleted = false;       // tombstone: text is empty, seq stays
  std::string deleted_by;
  TimestampMs deleted_at = 0;
  std::vector<Reaction> reactions;  // in order of first use; entries with count 0 are removed
  // On a question (a top-level message in a support channel): the accepted answer (0 = none).
  std::uint64_t solved_seq = 0;
  // The users the text mentions, as ids separated by single spaces (DESIGN §10; empty: none).
  // Set when the message is appended (see AppendMessage) and cleared when it is deleted.
  std::string mentions;
  // A bot message's buttons, packed (protocol::pack_actions; DESIGN §11); cleared when deleted.
  std::string actions{};
};

// Append a message to `channel`. DM channels ("dm:a:b") are created implicitly on first use;
// any other channel must exist (else WriteStatus::not_found). A nonzero msg.reply_to must name
// an earlier message of the channel (else not_found with error "reply_to").
// Read state (DESIGN §10) moves with it, in the same batch: the sender's read marker goes to the
// new message; in a DM the other member gets a marker of 0 (everything unread) if they have
// none, so the conversation is in their list. msg.mentions holds the caller's candidates (ids
// separated by spaces, already limited to users who may read the channel); the writer keeps
// those with a user record other than the sender, indexes them for count_mentions(), and leaves
// msg.mentions as stored.
struct AppendMessage {
  std::string channel;
  std::string client_msg_id;  // idempotency key, scoped to msg.from_id
  StoredMessage msg;
};

// Create a non-DM channel (WriteStatus::conflict if it exists). created_ms and epoch are
// filled in when 0.
struct CreateChannel {
  ChannelInfo info;
};

// Replace the settings (title, archived, slow_mode_s, locked, publish) of an existing non-DM
// channel; name, kind, created_ms and epoch are kept. not_found if it does not exist.
struct UpdateChannel {
  ChannelInfo info;
};

// Replace the text of a live message. forbidden unless `editor` is its author; not_found if the
// message does not exist or is deleted. On ok, `result` holds the updated message.
struct EditMessage {
  std::string channel;
  std::uint64_t seq = 0;
  std::string editor;
  std::string text;
  StoredMessage result;
};

// Tombstone a message (text and reactions cleared; seq, author, ts kept). forbidden unless `by`
// is its author or as_moderator; not_found if missing or already deleted. On ok, `result` holds
// the tombstone.
// Erasure (EraseUser): with `author_name` set, `by` must be the author, the author's name
// becomes `author_name`, and a message already deleted is ok too: it is only renamed (nothing
// is written when it already carries that name). `was_live` says whether this request
// deleted a live message (only then is there a change to announce).
struct DeleteMessage {
  std::string channel;
  std::uint64_t seq = 0;
  std::string by;
  bool as_moderator = false;
  StoredMessage result;
  std::optional<std::string> author_name{};
  bool was_live = false;  // set by the writer
};

// Add or remove `user`'s `emoji` reaction on a live message. Adding twice or removing a
// reaction that is not there is ok and changes nothing. not_found for a missing or deleted
// message; conflict when adding a new emoji to a message that already has max_reaction_kinds
// distinct emoji. On ok, `count` is the emoji's count afterwards and `result` the message.
struct React {
  std::string channel;
  std::uint64_t seq = 0;
  std::string user;
  std::string emoji;
  bool add = true;
  std::uint32_t count = 0;
  StoredMessage result;
  // Set by the writer: false when nothing changed (the reaction was there already, or absent
  // for a removal), so there is nothing to announce.
  bool changed = false;
};

// Record the accepted answer of a question (answer_seq 0 clears it). not_found if the
// question does not exist or is deleted. On ok, `result` holds the question.
struct SetSolved {
  std::string channel;
  std::uint64_t question_seq = 0;
  std::uint64_t answer_seq = 0;
  StoredMessage result;
};

// Moderation state. Put replaces (a mute is keyed by (user, channel), a ban by user, a member
// by (channel, user)); Remove of something absent is ok.
struct PutMute {
  Mute mute;
};
struct RemoveMute {
  std::string user;
  std::string channel;
};
struct PutBan {
  Ban ban;
};
struct RemoveBan {
  std::string user;
};
struct PutMember {
  std::string channel;
  std::string user;
};
struct RemoveMember {
  std::string channel;
  std::string user;
};

// File a report; id and at are assigned. If `reporter` already reported (channel, seq), the
// status is duplicate and `report` holds the existing one. The snapshot fields are the caller's.
struct CreateReport {
  Report report;
};

// Resolve an open report (status upheld or dismissed). not_found for an unknown id; conflict
// if it is no longer open (result holds it as it is). On ok, `result` is the updated report.
struct ResolveReport {
  std::uint64_t id = 0;
  ReportStatus status = ReportStatus::dismissed;
  std::string by;
  std::string resolution;
  Report result;
};

// Record what the server knows of a user; first_seen is kept from an existing record, and so
// are kb_anonymous and email_pref unless `kb_anonymous` / `email_pref` is set. On ok, `user`
// is the record as stored.
struct PutUser {
  UserRecord user;
  std::optional<bool> kb_anonymous;
  std::optional<EmailPref> email_pref{};
};

// Moves `user`'s read marker in `channel` to `seq`. A marker never moves backwards: a lower seq
// changes nothing. With if_absent the marker is set only when the user has none for the channel
// (a first join, or being added to a private channel: what came before counts as read). On ok,
// `last_read` is the marker afterwards and `changed` whether this request moved or created it.
// A seq beyond the channel's newest message is WriteStatus::conflict (with `last_read` set to
// that newest seq, nothing stored), except with if_absent, where it is lowered to it.
struct MarkRead {
  std::string user;
  std::string channel;
  std::uint64_t seq = 0;
  bool if_absent = false;
  std::uint64_t last_read = 0;
  bool changed = false;
};

// Erasure of a user's personal data (DELETE /api/users/ID; DESIGN §12), in two requests around
// the DeleteMessage (with author_name) of each of their messages, which the server makes:
//  - start (finish false): the user record keeps id, role, guest and first/last seen, its name
//    becomes `name`, its email and preferences go back to none and the defaults; the user's
//    read markers and mention index entries are deleted (idempotency keys stay: they hold only
//    a client id and the message's channel, seq and time); the reports against
//    the user lose their text and show `name` as the author's name, the reports the user filed
//    lose their reason; and the erasure is listed by erasures() as pending (`by`, started now).
//  - finish: the erasure is listed as finished (now). Nothing else.
// Both are idempotent (a start of a pending erasure keeps its start time and `by`; a start
// after a finished one begins a new erasure). On ok, `reports` is how many reports start
// changed, and `started`/`finished` the erasure's times as stored (finished 0: pending).
struct EraseUser {
  std::string user;
  std::string by;
  std::string name;
  bool finish = false;
  std::uint64_t reports = 0;
  TimestampMs started = 0;
  TimestampMs finished = 0;
};

// A write whose only effect is its audit entry (e.g. an automatic filter hit).
struct AuditOnly {};

// The advocacy engine's own records (an opaque key/value space in the `advocacy` column
// family; the engine owns the encoding). One request carries any number of puts (value set)
// and deletes (value nullopt), applied in order and atomically; deleting an absent key is ok.
struct KvEntry {
  std::string key;
  std::optional<std::string> value;
};
struct KvWrite {
  std::vector<KvEntry> entries;
};
// The same for the `outbox` column family (the server's webhooks and their deliveries).
struct OutboxWrite {
  std::vector<KvEntry> entries;
};

// One row of an outbox (DESIGN §10), made for a request by WriteRequest::outbox.
struct OutboxRow {
  std::string prefix;  // the row's key is prefix followed by be64(id)
  std::string value;
  std::uint64_t id = 0;  // assigned by the writer: 1, 2, 3, … across every prefix, never reused
  std::string key() const;
};

// A change with no other effect on the store (a helpful mark, which the advocacy engine keeps):
// only its change record is written (Options::change_event names it).
struct RecordChange {
  std::string channel;
  std::string event;  // the event JSON object, without its change number
};
// Deletes change records older than `before_ms`, except each channel's newest (it keeps the
// numbering going); only those of `channel` when it is set. On ok, `deleted` is how many went.
struct TrimChanges {
  TimestampMs before_ms = 0;
  std::uint64_t deleted = 0;
  std::string channel{};
};

using WriteOp =
    std::variant<AppendMessage, CreateChannel, UpdateChannel, EditMessage, DeleteMessage, React,
                 PutMute, RemoveMute, PutBan, RemoveBan, PutMember, RemoveMember, CreateReport,
                 ResolveReport, PutUser, AuditOnly, KvWrite, SetSolved, MarkRead, OutboxWrite,
                 RecordChange, TrimChanges, EraseUser>;

// A change of a channel as Options::change_event names it.
struct ChangeEvent {
  std::string channel;
  std::string event;  // a JSON object, without its change number
};

struct WriteRequest {
  WriteOp op;
  // When set, appended to the audit log in the same atomic WriteBatch as `op`, and only if
  // `op` succeeds (status ok; for AuditOnly always). Its id and ts are assigned by the writer.
  std::optional<AuditEntry> audit;
  // Opaque to the store; handed back in Committed so the caller can route the result.
  std::uint64_t origin = 0;
  std::uint64_t cookie = 0;
  // When set, called on the writer thread once `op` ended ok (its results filled in, e.g. the
  // message's seq), to make the outbox rows that go with it: they are written in the same
  // atomic batch, each with the next outbox id, and handed back in `outbox_rows`. Must not
  // block. A request that does not end ok writes none.
  std::function<std::vector<OutboxRow>(const WriteOp& op)> outbox;
  std::vector<OutboxRow> outbox_rows;
};

enum class WriteStatus : std::uint8_t {
  ok,         // stored; results are filled into the request's op (see each op)
  duplicate,  // AppendMessage whose (from_id, client_msg_id) was stored before: nothing new was
              // stored; msg.seq/msg.ts and channel hold the ORIGINAL message's values.
              // CreateReport by the same reporter for the same message: `report` is the original.
  not_found,  // the channel, message or report does not exist; for AppendMessage, `error`
              // is "reply_to" when the channel exists but msg.reply_to names no message in it
  conflict,   // CreateChannel of an existing channel; see React and ResolveReport
  forbidden,  // EditMessage/DeleteMessage by someone who may not
  error,      // a storage failure: this request (or, if the commit failed, the whole batch)
              // stored nothing
};

struct Committed {
  WriteRequest req;
  WriteStatus status = WriteStatus::ok;
  std::string error;  // when status == error
  // The change this request made (Options::change_event), stored with it: its channel, number
  // (0: none) and event, `"change":N` included as the event's last member.
  std::string change_channel;
  std::uint64_t change = 0;
  std::string change_event;
};

// Called on the writer thread after each batch, in commit order, with every request of the
// batch in submission order. May move out of the vector's elements.
using CommitHandler = std::function<void(std::vector<Committed>& batch)>;

// `m`, a message of `channel`, as the protocol's view (what the server writes as JSON). The
// view's strings point into `m` and its reactions into `reactions`: keep both while using it.
protocol::MessageView message_view(std::string_view channel, const StoredMessage& m,
                                   std::vector<protocol::ReactionView>& reactions);

// One entry of the rewrites log: message `seq` of `channel` was edited, deleted (tombstoned),
// got or lost its accepted answer, or became or stopped being a question's accepted answer, in
// the batch that wrote this entry. Ids increase in commit
// order (a request rolled back inside a batch may leave a hole).
struct Rewrite {
  std::uint64_t id = 0;
  std::string channel;
  std::uint64_t seq = 0;
};

// What visit_before read: how many messages it passed to the visitor, and whether older ones
// exist before the first of them.
struct PageInfo {
  std::size_t messages = 0;
  bool has_more = false;
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
  // Writes are refused (status error, error "disk full: …") while the file system holding
  // `path` has less than this many bytes free for unprivileged users, so RocksDB never hits
  // a full disk mid-write (Debian's build asserts on a failed WAL write and aborts). Checked
  // by the writer at most once a second, and before every batch once within 4x of the floor.
  // 0 = no check. Default: 64 MiB.
  std::uint64_t min_free_bytes = 64u << 20;
  // Most distinct emoji on one message. Default: 20.
  std::size_t max_reaction_kinds = 20;
  // RocksDB's statistics (tickers; wal_syncs() reads one). They cost a little on every write:
  // off by default; tests turn them on.
  bool statistics = false;
  // Clock for message timestamps; defaults to the system clock. Tests inject one.
  std::function<TimestampMs()> clock;
  // The channels' change logs (resume without missing changes): called on the writer thread for
  // every request that ended ok, it names the change the request made, if any, as the event
  // JSON object the server pushes for it (without its number). The writer gives it the channel's
  // next change number, stores it in the same batch as the change and hands it back in
  // Committed. Must not block. Unset: no change log.
  std::function<std::optional<ChangeEvent>(const WriteOp& op)> change_event;
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

  // Queues a write. Returns false (and does nothing: `req` is left as it was, so it may be
  // offered again) when the queue is full or the store is closing; the caller answers the
  // client with a retryable error, or retries.
  bool submit(WriteRequest&& req);
  // Requests waiting for the writer right now (for metrics).
  std::size_t queue_depth() const;

  // --- Backups: RocksDB's BackupEngine (incremental: files already backed up are shared;
  // every file checksummed) ---
  struct BackupInfo {
    std::uint32_t id = 0;
    std::int64_t created_s = 0;    // Unix seconds
    std::uint64_t size_bytes = 0;  // the files of this backup (shared ones included)
    std::uint32_t files = 0;
    std::string metadata;  // as given to create_backup
  };
  // Backs the open store up into `dir` (created if missing), with `metadata` kept beside it,
  // then deletes all but the newest `keep` backups there (0: keeps all). Safe while writes go
  // on: the backup holds at least everything committed before the call (memtables are flushed
  // first). One at a time per directory: the caller serialises calls. Blocks on disk I/O.
  std::optional<BackupInfo> create_backup(const std::string& dir, const std::string& metadata,
                                          std::uint32_t keep, std::string* error);
  // The good backups in `dir`, oldest first (an empty list for a directory without any).
  static std::optional<std::vector<BackupInfo>> list_backups(const std::string& dir,
                                                             std::string* error);
  // Restores backup `id` (0: the newest) of `dir` into `db_path` (an Options::path), which
  // must not be open. The backup's files are verified against their checksums on the way.
  static bool restore_backup(const std::string& dir, std::uint32_t id, const std::string& db_path,
                             std::string* error);

  // Whether the store can take writes now (for /readyz): each reason it cannot, as a short
  // sentence, in `problems` (empty: ready): the disk below min_free_bytes, the queue nearly
  // full, RocksDB stalling writes, the store closing or closed, or RocksDB having refused a
  // write (a failing disk; the writer reopens the database once the disk takes writes again).
  // Measures the free space itself (one statvfs).
  struct Readiness {
    std::vector<std::string> problems;
    std::uint64_t free_bytes = 0;  // for unprivileged users, as df shows it
    std::uint64_t min_free_bytes = 0;
    std::size_t queue_depth = 0;
    std::size_t max_queue = 0;
  };
  Readiness readiness() const;

  // Commit latency (the RocksDB Write of one group commit, fsync included in fsync mode) as a
  // histogram for metrics: counts[i] = commits that took at most kCommitBucketsUs[i] µs (not
  // cumulative; the last bucket is +Inf), plus their number and total µs.
  static constexpr std::array<std::uint64_t, 14> kCommitBucketsUs = {
      50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 0};
  struct CommitLatency {
    std::array<std::uint64_t, kCommitBucketsUs.size()> counts{};
    std::uint64_t count = 0, sum_us = 0;
  };
  CommitLatency commit_latency() const;

  // How many times RocksDB synced the WAL since open (fsync mode: once per group commit; fast
  // mode: never while writing), or nullopt without Options::statistics.
  std::optional<std::uint64_t> wal_syncs() const;

  // RocksDB figures worth watching, summed over the column families where that applies:
  // {name, value} with names like "live_data_bytes" (see store.cpp). Empty after close().
  std::vector<std::pair<std::string, std::uint64_t>> engine_stats() const;

  // Memory only. DM names ("dm:a:b" with valid ids) always resolve (kind dm), whether or not
  // a message was ever stored there, with one epoch for every DM of this store (drawn when the
  // store was made, below 2^53).
  std::optional<ChannelInfo> get_channel(std::string_view name) const;
  // The kind alone, without copying the record (same resolution as get_channel).
  std::optional<ChannelKind> channel_kind(std::string_view name) const;
  // Non-DM channels, sorted by name.
  std::vector<ChannelInfo> list_channels() const;

  // Highest committed seq of `channel` (0 when empty or unknown).
  std::uint64_t last_seq(std::string_view channel) const;

  // --- Change logs (Options::change_event) ---
  // Highest committed change number of `channel` (0: none yet).
  std::uint64_t last_change(std::string_view channel) const;
  // The oldest change still kept (TrimChanges); last_change() + 1 when there is none.
  std::uint64_t first_change(std::string_view channel) const;
  struct Change {
    std::uint64_t change = 0;
    TimestampMs ts = 0;
    std::string event;  // as in Committed::change_event
  };
  // Up to `limit` changes numbered above `after`, ascending.
  std::vector<Change> read_changes(std::string_view channel, std::uint64_t after,
                                   std::size_t limit) const;
  // The seq of the first message of `channel` dated at or after `ts` (tombstones count), or
  // last_seq + 1 when there is none. A channel's seqs have no holes and its ts never
  // decreases, so this is a bisection: O(log n) point reads.
  std::uint64_t first_seq_since(std::string_view channel, TimestampMs ts) const;
  // Up to `limit` messages with seq > after_seq, ascending.
  std::vector<StoredMessage> read_after(std::string_view channel, std::uint64_t after_seq,
                                        std::size_t limit) const;
  // Up to `limit` newest messages with seq < before_seq (before_seq == 0: no upper bound),
  // passed to `visit` one at a time, ascending, without copying them: as the protocol's
  // MessageView, whose strings point into RocksDB's memory and are valid only during the call
  // (the server writes its JSON reply straight from them). Reads the seq range forwards (seqs
  // have no holes); a record that fails to decode is skipped, not replaced by an older one.
  // With memory_only, nullopt when a block would have to come from disk (memtables and the
  // block cache only: lets a caller on an I/O thread serve a hot page at once and send only
  // cold ones to a thread that may block), in which case `visit` may already have seen some
  // of the page's messages.
  std::optional<PageInfo> visit_before(
      std::string_view channel, std::uint64_t before_seq, std::size_t limit, bool memory_only,
      const std::function<void(const protocol::MessageView&)>& visit) const;
  // One message (tombstones included), or nullopt.
  std::optional<StoredMessage> get_message(std::string_view channel, std::uint64_t seq) const;

  // Mutes, bans and private-channel members, for the server's in-memory state at start-up.
  // Expired mutes and bans (until != 0 && until <= now) are left out.
  ModerationSnapshot load_moderation(TimestampMs now) const;
  // Reports, newest first: with id < before_id (0 = no bound), optionally only one status, at
  // most `limit`.
  std::vector<Report> list_reports(std::optional<ReportStatus> status, std::uint64_t before_id,
                                   std::size_t limit) const;
  std::optional<Report> get_report(std::uint64_t id) const;
  // Upheld reports whose message author is `user`, newest first, at most `limit`.
  std::vector<Report> reports_against(std::string_view user, std::size_t limit) const;
  // Audit entries, newest first, with id < before_id (0 = no bound), at most `limit`.
  std::vector<AuditEntry> list_audit(std::uint64_t before_id, std::size_t limit) const;
  std::optional<UserRecord> get_user(std::string_view id) const;
  // Every erasure started with EraseUser, pending or finished, in user id order.
  struct Erasure {
    std::string user;
    std::string by;
    TimestampMs started = 0;
    TimestampMs finished = 0;  // 0: pending
  };
  std::vector<Erasure> erasures() const;
  // The users who reacted to message `seq` of `channel` with `emoji`, in user id order, at
  // most `limit`.
  std::vector<std::string> reactors(std::string_view channel, std::uint64_t seq,
                                    std::string_view emoji, std::size_t limit) const;
  // --- Read state (DESIGN §10) ---
  struct ReadMarker {
    std::string channel;
    std::uint64_t last_read = 0;
  };
  // The user's read markers (one per channel they joined, were added to, or had a DM in), by
  // channel name, at most `limit`.
  std::vector<ReadMarker> read_markers(std::string_view user, std::size_t limit) const;
  // The user's marker in `channel`, or nullopt when they have none.
  std::optional<std::uint64_t> last_read(std::string_view user, std::string_view channel) const;
  // How many messages of `channel` with seq > after_seq mention `user`, counting at most `cap`.
  std::size_t count_mentions(std::string_view user, std::string_view channel,
                             std::uint64_t after_seq, std::size_t cap) const;

  // Every advocacy record whose key starts with `prefix` (all of them for ""), in key order.
  std::vector<std::pair<std::string, std::string>> kv_scan(std::string_view prefix) const;
  // Up to `limit` outbox records with keys >= `from` that start with `prefix`, in key order.
  std::vector<std::pair<std::string, std::string>> outbox_scan(std::string_view prefix,
                                                               std::string_view from,
                                                               std::size_t limit) const;
  std::optional<std::string> outbox_get(std::string_view key) const;

  // --- For derived indexes (search) that follow the messages ---
  // New messages are followed by seq (read_after); the rewrites log names the older messages
  // that changed since. Every EditMessage and DeleteMessage that ends ok adds one entry, and a
  // SetSolved one for the question and one for each answer it marks or unmarks, in the same
  // atomic batch as the change, so a reader that keeps its position (an id) durably with
  // its own state catches up after any crash by reading the entries after it.
  // Up to `limit` entries with id > after_id, ascending.
  std::vector<Rewrite> read_rewrites(std::uint64_t after_id, std::size_t limit) const;
  // The highest id committed so far (0 = none). Memory only.
  std::uint64_t last_rewrite_id() const;
  // Deletes the entries with id < below_id: a reader is done with them. The entry `below_id`
  // and later ones stay, so the highest id survives a restart and ids are never reused.
  void trim_rewrites(std::uint64_t below_id);
  // Every channel that holds at least one message (DMs included, whose names are not in
  // list_channels()), sorted. One seek per channel.
  std::vector<std::string> message_channels() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::storage
