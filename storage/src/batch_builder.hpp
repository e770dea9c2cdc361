// One batch of the group-commit writer (writer.cpp). Private to the writer thread.
//
// Decisions that depend on earlier requests of the same batch (duplicates, channels created a
// moment ago, the next seq, a message appended or edited a moment ago, a reaction just added)
// are answered from the batch's own overlays, since none of it is visible in RocksDB or in the
// shared maps until the batch commits. The op handlers are split by concern:
//   writer.cpp             dispatch, audit, commit; AppendMessage, CreateChannel, UpdateChannel,
//                          AuditOnly, KvWrite, OutboxWrite, RecordChange, TrimChanges
//   writer_messages.cpp    EditMessage, DeleteMessage, React, SetSolved
//   writer_moderation.cpp  mutes, bans, members, reports, users, erasure
//   writer_reads.cpp       read markers and mentions
//
// Every handler follows the same rules, so that add() can make a request all-or-nothing:
//   - decide the status first; add to `batch_` only on the way to ok;
//   - change the overlays and writer state only after every batch_ call succeeded (caching
//     what was read, unchanged, is fine);
//   - on a batch_ failure, return fail(): add() rolls the batch back to before the request.
#pragma once

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "store_impl.hpp"

namespace parley::storage {

class BatchBuilder {
 public:
  explicit BatchBuilder(Store::Impl& store)
      : s_(store),
        next_audit_id_(store.next_audit_id),
        next_report_id_(store.next_report_id),
        next_outbox_id_(store.next_outbox_id),
        next_rewrite_id_(store.last_rewrite.load() + 1) {}

  // Adds one request (and its audit entry) to the batch, or nothing of it. `c` must stay at the
  // same address until commit(): the builder keeps pointers to appended messages.
  void add(Committed& c);

  // Commits the batch and publishes its effects; on failure marks every request as failed.
  void commit(std::vector<Committed>& results);

 private:
  // writer.cpp
  void apply(AppendMessage& op, Committed& out);
  void apply(CreateChannel& op, Committed& out);
  void apply(UpdateChannel& op, Committed& out);
  void apply(AuditOnly& op, Committed& out);
  void apply(KvWrite& op, Committed& out);
  void apply(OutboxWrite& op, Committed& out);
  // KvWrite and OutboxWrite: each entry a Put (value set) or a Delete in `cf`, in order.
  void put_entries(rocksdb::ColumnFamilyHandle* cf, const std::vector<KvEntry>& entries,
                   std::string_view what, Committed& out);
  // The request's outbox rows (WriteRequest::outbox), after its op ended ok; fail() on error.
  void add_outbox(Committed& c);
  // The request's change record (Options::change_event), the last thing a request adds;
  // fail() on error.
  void add_change(Committed& c);
  void apply(RecordChange& op, Committed& out);
  void apply(TrimChanges& op, Committed& out);
  bool channel_open(std::string_view name) const;
  // The channel's settings as of this point of the batch (non-DM channels only).
  std::optional<ChannelInfo> channel(std::string_view name) const;
  Store::Impl::ChannelCursor* cursor(std::string_view channel, std::string* error);

  // writer_messages.cpp
  void apply(EditMessage& op, Committed& out);
  void apply(DeleteMessage& op, Committed& out);
  void apply(React& op, Committed& out);
  void apply(SetSolved& op, Committed& out);
  // The live message (channel, seq) as of this point of the batch, or nullptr with out.status
  // set (not_found for a missing or deleted message, error on a failed lookup); with
  // or_deleted, a tombstone too. The pointer stays valid for the rest of the batch; assign to
  // it to record a change.
  StoredMessage* live_message(std::string_view channel, std::uint64_t seq, Committed& out,
                              bool or_deleted = false);
  // Records in the rewrites log that (channel, seq) changed (an edit, a delete, an accepted
  // answer), so that a derived index (search) replays it. False after fail(): the request must
  // end there.
  bool log_rewrite(std::string_view channel, std::uint64_t seq, Committed& out);
  // Whether the reaction key is set as of this point of the batch; nullopt on a failed lookup.
  std::optional<bool> has_reaction(const std::string& key, Committed& out);

  // writer_reads.cpp
  void apply(MarkRead& op, Committed& out);
  // The read markers and mentions of a message being appended (store.hpp, AppendMessage);
  // false after fail(): the request must end there.
  bool append_reads(AppendMessage& op, Committed& out);
  // After an AppendMessage ended ok: its sender's read marker moves to it (at commit).
  void note_sent(const AppendMessage& op);
  // Adds the senders' markers to the batch (commit(), before the write).
  rocksdb::Status write_sent_markers();
  // Removes the mention index entries of message `m` (being deleted); false after fail().
  bool delete_mentions(std::string_view channel, const StoredMessage& m, Committed& out);
  // The read marker `key` as of this point of the batch (inner nullopt: none), or nullopt
  // after fail().
  std::optional<std::optional<std::uint64_t>> marker(const std::string& key, Committed& out);
  // Whether a user record exists (or was written in this batch); nullopt after fail().
  std::optional<bool> user_known(const std::string& id, Committed& out);

  // writer_moderation.cpp
  void apply(PutMute& op, Committed& out);
  void apply(RemoveMute& op, Committed& out);
  void apply(PutBan& op, Committed& out);
  void apply(RemoveBan& op, Committed& out);
  void apply(PutMember& op, Committed& out);
  void apply(RemoveMember& op, Committed& out);
  void apply(CreateReport& op, Committed& out);
  void apply(ResolveReport& op, Committed& out);
  void apply(PutUser& op, Committed& out);
  void apply(EraseUser& op, Committed& out);
  // The user record as of this point of the batch (inner nullopt: none), or nullopt after
  // fail().
  std::optional<std::optional<UserRecord>> user_record(const std::string& id, Committed& out);
  // EraseUser's reports: those against the user lose text and name, those they filed their
  // reason; false after fail().
  bool redact_reports(EraseUser& op, Committed& out);
  // The keys of `cf` on disk that start with `prefix`; nullopt after fail().
  std::optional<std::vector<std::string>> keys_with_prefix(rocksdb::ColumnFamilyHandle* cf,
                                                           const std::string& prefix,
                                                           Committed& out);
  // The report as of this point of the batch; nullptr when there is none, or with *error set
  // when the lookup failed. The pointer stays valid for the rest of the batch.
  Report* find_report(std::uint64_t id, std::string* error);
  // Adds a report's index keys (or, with put == false, deletes them).
  rocksdb::Status index_report(const Report& r, bool put);
  // Ends a request with a single Put or Delete in the moderation column family.
  void put_moderation(const std::string& key, const std::string* value, Committed& out);

  static void fail(Committed& out, std::string message) {
    out.status = WriteStatus::error;
    out.error = std::move(message);
  }

  Store::Impl& s_;
  rocksdb::WriteBatch batch_;
  StringMap<codec::IdempotencyRecord> acks_;  // idempotency key -> ack given in this batch
  StringMap<std::uint64_t> appended_;         // channel -> highest seq assigned in this batch
  StringMap<std::uint64_t> changes_;          // channel -> highest change assigned in this batch
  // Channels created or updated in this batch (their settings after it).
  StringMap<ChannelInfo> channels_;
  // Messages appended in this batch, by message key (they live in their requests).
  StringMap<const StoredMessage*> appended_msgs_;
  // Messages read or changed in this batch, by message key: the newest version.
  StringMap<StoredMessage> messages_;
  // Reaction keys looked up or changed in this batch -> set.
  StringMap<bool> reactions_;
  // Reports read, created or changed in this batch, by id: the newest version.
  std::map<std::uint64_t, Report> reports_;
  StringMap<std::uint64_t> report_refs_;  // report_dup_key -> id, for reports created here
  StringMap<UserRecord> users_;           // users written in this batch
  StringMap<Store::Erasure> erasures_;    // erasures started or finished in this batch
  // Read marker keys looked up or written in this batch -> marker (nullopt: none).
  StringMap<std::optional<std::uint64_t>> markers_;
  // Senders' read markers moved by messages of this batch: key -> the newest seq. Written once
  // per key at commit (write_sent_markers()), not once per message: a busy sender's messages
  // of one batch cost one marker write.
  StringMap<std::uint64_t> sent_markers_;
  std::uint64_t next_audit_id_;
  std::uint64_t next_report_id_;
  std::uint64_t next_outbox_id_;
  // Ids of a request rolled back after log_rewrite() are not reused: the log may have holes.
  std::uint64_t next_rewrite_id_;
};

}  // namespace parley::storage
