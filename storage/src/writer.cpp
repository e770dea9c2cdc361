// The group-commit writer: one thread takes everything queued (up to max_batch), turns it into
// one WriteBatch, commits it and reports the whole batch to the CommitHandler. It is the only
// code that assigns seqs and ids, so per-channel ordering needs no locks beyond the queue's.
// This file: the thread, dispatch, audit entries, commit, and the channel and append ops.
#include <fcntl.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "batch_builder.hpp"
#include "codec.hpp"
#include "codec_io.hpp"
#include "parley/protocol/validate.hpp"
#include "store_impl.hpp"

namespace parley::storage {

void BatchBuilder::add(Committed& c) {
  // One save point per request: if it ends in anything but ok, whatever it added to the batch
  // is taken out again. The audit entry goes in after the op (so it can name what only the op
  // found out) and is taken out with the rest, so the entry is stored exactly when the op is.
  batch_.SetSavePoint();
  AuditEntry* audit = c.req.audit ? &*c.req.audit : nullptr;
  std::visit([&](auto& op) { apply(op, c); }, c.req.op);
  if (audit != nullptr && c.status == WriteStatus::ok) {
    // Who and where, when only the stored record knows: the author of a deleted message, the
    // message a resolved report was about.
    if (const auto* d = std::get_if<DeleteMessage>(&c.req.op); d && audit->target_user.empty()) {
      audit->target_user = d->result.from_id;
    }
    if (const auto* r = std::get_if<ResolveReport>(&c.req.op)) {
      if (audit->target_user.empty()) audit->target_user = r->result.author;
      if (audit->channel.empty()) {
        audit->channel = r->result.channel;
        audit->seq = r->result.seq;
      }
    }
    audit->id = next_audit_id_;
    audit->ts = s_.now();
    rocksdb::Status st =
        batch_.Put(s_.cf_audit, codec::audit_key(audit->id), codec::encode_audit(*audit));
    if (!st.ok()) fail(c, "cannot add audit entry to batch: " + st.ToString());
  }
  if (c.req.outbox && c.status == WriteStatus::ok) add_outbox(c);
  if (s_.options.change_event && c.status == WriteStatus::ok) add_change(c);
  if (c.status == WriteStatus::ok) {
    (void)batch_.PopSavePoint();  // only fails when no save point is set, and one is
    if (audit != nullptr) ++next_audit_id_;
    if (const auto* am = std::get_if<AppendMessage>(&c.req.op)) note_sent(*am);
  } else {
    (void)batch_.RollbackToSavePoint();  // restores the state before SetSavePoint
    c.req.outbox_rows.clear();
    if (audit != nullptr) {
      audit->id = 0;  // not stored
      audit->ts = 0;
    }
  }
}

void BatchBuilder::add_change(Committed& c) {
  auto ev = s_.options.change_event(c.req.op);
  if (!ev) return;
  if (ev->event.size() < 2 || ev->event.front() != '{' || ev->event.back() != '}') {
    return fail(c, "a change event must be a JSON object");
  }
  auto it = s_.change_cursors.find(ev->channel);
  if (it == s_.change_cursors.end()) {
    // The channel's first change since open (or since a failed batch): go on after the disk's.
    std::string error;
    auto last = s_.find_last_change(ev->channel, &error);
    if (!last) return fail(c, error);
    it = s_.change_cursors.emplace(ev->channel, *last + 1).first;
  }
  const std::uint64_t n = it->second;
  std::string event = std::move(ev->event);
  event.pop_back();
  if (event.size() > 1) event.push_back(',');
  event.append("\"change\":").append(std::to_string(n)).push_back('}');
  std::string value;
  value.reserve(8 + event.size());
  codec::io::put_be64(value, static_cast<std::uint64_t>(s_.now()));
  value.append(event);
  rocksdb::Status st = batch_.Put(s_.cf_changes, codec::message_key(ev->channel, n), value);
  if (!st.ok()) return fail(c, "cannot add change record to batch: " + st.ToString());
  // Last step of the request: nothing after it can roll it back, so the cursor may move.
  ++it->second;
  changes_[ev->channel] = n;
  c.change_channel = std::move(ev->channel);
  c.change = n;
  c.change_event = std::move(event);
}

void BatchBuilder::apply(RecordChange&, Committed&) {}  // only its change record (add_change)

void BatchBuilder::apply(TrimChanges& op, Committed& out) {
  // Keys run by channel, then number. For each channel: delete from its first record up to the
  // first one at or after the cutoff, but never its newest (it keeps the numbering going).
  constexpr std::uint64_t kMaxPerRun = 100000;  // bounds the batch; the next run goes on
  std::unique_ptr<rocksdb::Iterator> it(s_.db->NewIterator(rocksdb::ReadOptions(), s_.cf_changes));
  std::uint64_t deleted = 0;
  std::string channel, first_key, end_key;  // the run of records to delete in `channel`
  auto flush = [&]() -> bool {
    if (first_key.empty()) return true;
    rocksdb::Status st = batch_.DeleteRange(s_.cf_changes, first_key, end_key);
    first_key.clear();
    if (!st.ok()) fail(out, "cannot trim the change log: " + st.ToString());
    return st.ok();
  };
  const std::string only = op.channel.empty() ? std::string() : codec::message_prefix(op.channel);
  if (only.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(only);
  }
  while (it->Valid() && deleted < kMaxPerRun) {
    if (!only.empty() && !it->key().starts_with(only)) break;
    const std::string key = it->key().ToString();
    const std::string_view value = it->value().ToStringView();
    if (key.size() < 9) {
      it->Next();
      continue;
    }
    const std::string ch = key.substr(0, key.size() - 9);
    if (ch != channel) {
      if (!flush()) return;
      channel = ch;
    }
    const auto ts = value.size() >= 8 ? static_cast<TimestampMs>(codec::io::get_be64(value)) : 0;
    it->Next();
    const bool newest = !it->Valid() || !it->key().starts_with(codec::message_prefix(ch));
    if (ts >= op.before_ms || newest) {
      if (!flush()) return;
      // The rest of this channel is newer: skip to the next channel.
      if (!newest) it->Seek(codec::message_prefix_end(ch));
      continue;
    }
    if (first_key.empty()) first_key = key;
    end_key = it->key().ToString();  // exclusive: the next record of the channel
    ++deleted;
  }
  if (!flush()) return;
  if (!it->status().ok())
    return fail(out, "cannot read the change log: " + it->status().ToString());
  op.deleted = deleted;
}

void BatchBuilder::apply(AppendMessage& op, Committed& out) {
  // Idempotency comes first: a retry must get its original ack even if the channel has been
  // archived since, and must never be stored twice.
  std::string ikey = codec::idempotency_key(op.msg.from_id, op.client_msg_id);
  std::optional<codec::IdempotencyRecord> original;
  if (auto it = acks_.find(ikey); it != acks_.end()) {
    original = it->second;
  } else {
    std::string value;
    rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_idempotency, ikey, &value);
    if (st.ok()) {
      original = codec::decode_idempotency(value);
      // An unreadable record cannot give the original ack; storing the message again (and
      // overwriting the record) is better than refusing this client_msg_id forever.
      if (!original) s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
    } else if (!st.IsNotFound()) {
      return fail(out, "idempotency lookup failed: " + st.ToString());
    }
  }
  if (original) {
    op.channel = original->channel;
    op.msg.seq = original->seq;
    op.msg.ts = original->ts;
    out.status = WriteStatus::duplicate;
    return;
  }

  if (!channel_open(op.channel)) {
    out.status = WriteStatus::not_found;
    return;
  }
  std::string error;
  Store::Impl::ChannelCursor* cur = cursor(op.channel, &error);
  if (cur == nullptr) return fail(out, std::move(error));
  // Seqs have no holes, so every seq below next_seq names a stored message (maybe a tombstone).
  if (op.msg.reply_to != 0 && op.msg.reply_to >= cur->next_seq) {
    out.status = WriteStatus::not_found;
    out.error = "reply_to";
    return;
  }

  // A new message starts its life plain, whatever the caller left in the lifecycle fields.
  op.msg.edited_at = 0;
  op.msg.deleted = false;
  op.msg.deleted_by.clear();
  op.msg.deleted_at = 0;
  op.msg.reactions.clear();
  op.msg.solved_seq = 0;
  op.msg.seq = cur->next_seq;
  // Clocks step backwards (NTP, a restart on another host); history must not.
  op.msg.ts = std::max(s_.now(), cur->last_ts);
  codec::IdempotencyRecord ack{op.channel, op.msg.seq, op.msg.ts};

  std::string mkey = codec::message_key(op.channel, op.msg.seq);
  rocksdb::Status st = batch_.Put(s_.cf_messages, mkey, codec::encode_message(op.msg));
  if (st.ok()) st = batch_.Put(s_.cf_idempotency, ikey, codec::encode_idempotency(ack));
  if (!st.ok() || !append_reads(op, out)) {
    op.msg.seq = 0;
    op.msg.ts = 0;
    if (out.status == WriteStatus::error) return;
    return fail(out, "cannot add message to batch: " + st.ToString());
  }

  cur->next_seq = op.msg.seq + 1;
  cur->last_ts = op.msg.ts;
  appended_[op.channel] = op.msg.seq;
  appended_msgs_.emplace(std::move(mkey), &op.msg);
  acks_.emplace(std::move(ikey), std::move(ack));
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(CreateChannel& op, Committed& out) {
  ChannelInfo& info = op.info;
  // The key layout needs names without '\0' (codec.hpp); DMs are implicit and never stored.
  if (!key_safe(info.name) || info.kind == ChannelKind::dm) {
    return fail(out, "invalid channel for CreateChannel: " + info.name);
  }
  if (protocol::is_dm_channel(info.name) || channel(info.name)) {
    out.status = WriteStatus::conflict;
    return;
  }
  if (info.created_ms == 0) info.created_ms = s_.now();
  if (info.epoch == 0) info.epoch = s_.new_epoch();

  rocksdb::Status st = batch_.Put(s_.cf_channels, info.name, codec::encode_channel(info));
  if (!st.ok()) return fail(out, "cannot add channel to batch: " + st.ToString());
  channels_.insert_or_assign(info.name, info);
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(UpdateChannel& op, Committed& out) {
  // DM names and names that cannot be keys never have a record, so they are not found here.
  std::optional<ChannelInfo> current = channel(op.info.name);
  if (!current) {
    out.status = WriteStatus::not_found;
    return;
  }
  ChannelInfo next = std::move(*current);  // keeps name, kind, created_ms and epoch
  next.title = std::move(op.info.title);
  next.archived = op.info.archived;
  next.slow_mode_s = op.info.slow_mode_s;
  next.locked = op.info.locked;
  next.publish = op.info.publish;
  rocksdb::Status st = batch_.Put(s_.cf_channels, next.name, codec::encode_channel(next));
  if (!st.ok()) return fail(out, "cannot add channel to batch: " + st.ToString());
  op.info = next;  // the caller gets the channel as stored
  channels_.insert_or_assign(next.name, std::move(next));
  out.status = WriteStatus::ok;
}

void BatchBuilder::put_entries(rocksdb::ColumnFamilyHandle* cf, const std::vector<KvEntry>& entries,
                               std::string_view what, Committed& out) {
  for (const auto& e : entries) {
    rocksdb::Status st = e.value ? batch_.Put(cf, e.key, *e.value) : batch_.Delete(cf, e.key);
    if (!st.ok()) {
      return fail(out, "cannot add " + std::string(what) + " record to batch: " + st.ToString());
    }
  }
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(KvWrite& op, Committed& out) {
  put_entries(s_.cf_advocacy, op.entries, "advocacy", out);
}

void BatchBuilder::apply(OutboxWrite& op, Committed& out) {
  put_entries(s_.cf_outbox, op.entries, "outbox", out);
}

void BatchBuilder::add_outbox(Committed& c) {
  std::vector<OutboxRow> rows = c.req.outbox(c.req.op);
  if (rows.empty()) return;
  std::uint64_t id = next_outbox_id_;
  for (auto& row : rows) {
    row.id = id++;
    rocksdb::Status st = batch_.Put(s_.cf_outbox, row.key(), row.value);
    if (!st.ok()) return fail(c, "cannot add outbox row to batch: " + st.ToString());
  }
  std::string last;
  codec::io::put_be64(last, id - 1);
  rocksdb::Status st = batch_.Put(s_.cf_meta, codec::kOutboxIdKey, last);
  if (!st.ok()) return fail(c, "cannot add outbox id to batch: " + st.ToString());
  next_outbox_id_ = id;
  c.req.outbox_rows = std::move(rows);
}

void BatchBuilder::apply(AuditOnly&, Committed& out) {
  // Nothing but the audit entry, which add() has already written.
  out.status = WriteStatus::ok;
}

std::optional<ChannelInfo> BatchBuilder::channel(std::string_view name) const {
  if (auto it = channels_.find(name); it != channels_.end()) return it->second;
  std::shared_lock lock(s_.channels_mu);
  auto it = s_.channels.find(name);
  if (it == s_.channels.end()) return std::nullopt;
  return it->second;
}

bool BatchBuilder::channel_open(std::string_view name) const {
  if (protocol::is_dm_channel(name)) return true;
  if (auto it = channels_.find(name); it != channels_.end()) return !it->second.archived;
  std::shared_lock lock(s_.channels_mu);
  auto it = s_.channels.find(name);
  return it != s_.channels.end() && !it->second.archived;
}

Store::Impl::ChannelCursor* BatchBuilder::cursor(std::string_view channel, std::string* error) {
  auto it = s_.cursors.find(channel);
  if (it != s_.cursors.end()) return &it->second;
  // First write to this channel since open (or since a failed batch): continue after what is
  // on disk, which is exactly what has been committed.
  LastMessage last;
  if (!s_.find_last(channel, &last, error)) return nullptr;
  if (last.seq > 0) s_.note_committed(channel, last.seq);
  Store::Impl::ChannelCursor cur{last.seq + 1, last.ts};
  return &s_.cursors.emplace(std::string(channel), cur).first->second;
}

void BatchBuilder::commit(std::vector<Committed>& results) {
  rocksdb::Status st = write_sent_markers();
  if (st.ok() && batch_.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = s_.options.durability == Durability::fsync;
    const auto t0 = std::chrono::steady_clock::now();
    st = s_.db->Write(wo, &batch_);
    s_.observe_commit(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count()));
  }
  if (!st.ok()) {
    if (batch_.Count() > 0) s_.note_write_error(st);
    // Nothing of the batch is stored. Forget the cursors it advanced so that the next write
    // re-reads the channel's end from disk: no holes, and no seq handed out twice. The ids it
    // assigned are not kept either (the builder's counters are dropped).
    const std::string message = "commit failed: " + st.ToString();
    for (auto& c : results) {
      fail(c, message);
      if (c.req.audit) c.req.audit->id = 0;  // not stored (as in add())
      c.req.outbox_rows.clear();
    }
    for (const auto& [channel, seq] : appended_) s_.cursors.erase(channel);
    for (const auto& [channel, n] : changes_) s_.change_cursors.erase(channel);
    for (auto& c : results) {
      c.change = 0;
      c.change_event.clear();
    }
    return;
  }
  s_.next_audit_id = next_audit_id_;
  s_.next_report_id = next_report_id_;
  s_.next_outbox_id = next_outbox_id_;
  s_.last_rewrite.store(next_rewrite_id_ - 1, std::memory_order_release);
  if (!channels_.empty()) {
    std::unique_lock lock(s_.channels_mu);
    for (auto& [name, info] : channels_) s_.channels.insert_or_assign(name, std::move(info));
  }
  for (const auto& [channel, seq] : appended_) s_.note_committed(channel, seq);
  for (const auto& [channel, n] : changes_) s_.note_change_committed(channel, n);
}

void Store::Impl::run_writer() {
  std::vector<WriteRequest> taken;
  for (;;) {
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [this] { return closing || !queue.empty(); });
      // close() sets `closing` and waits for us; leave only once everything queued is done.
      if (queue.empty()) return;
      const std::size_t n = std::min(queue.size(), options.max_batch);
      taken.clear();
      for (std::size_t i = 0; i < n; ++i) {
        taken.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    commit_batch(taken);  // without the queue lock: submitters keep going meanwhile
  }
}

void Store::Impl::observe_commit(std::uint64_t us) {
  std::size_t i = 0;
  while (i + 1 < Store::kCommitBucketsUs.size() && us > Store::kCommitBucketsUs[i]) ++i;
  commit_hist[i].fetch_add(1, std::memory_order_relaxed);
  commit_count.fetch_add(1, std::memory_order_relaxed);
  commit_sum_us.fetch_add(us, std::memory_order_relaxed);
}

bool Store::Impl::enough_space(std::string* why) {
  if (options.min_free_bytes == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  if (free_bytes / 4 < options.min_free_bytes || now - free_checked >= std::chrono::seconds(1)) {
    struct statvfs st {};
    if (::statvfs(options.path.c_str(), &st) == 0) {
      free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    }  // else keep the last figure: a failing statvfs is no reason to stop writing
    free_checked = now;
  }
  if (free_bytes >= options.min_free_bytes) return true;
  *why = "disk full: " + std::to_string(free_bytes) + " bytes free, below min_free_bytes " +
         std::to_string(options.min_free_bytes);
  return false;
}

void Store::Impl::note_write_error(const rocksdb::Status& st) {
  std::lock_guard lock(write_error_mu);
  write_error = st.ToString();
}

bool Store::Impl::disk_writable() {
  const std::string probe = options.path + "/PROBE";
  const int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "p", 1) == 1 && ::fsync(fd) == 0;
  ::close(fd);
  ::unlink(probe.c_str());
  return ok;
}

void Store::Impl::try_resume() {
  {
    std::lock_guard lock(write_error_mu);
    if (write_error.empty()) return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - resume_tried < std::chrono::seconds(1)) return;
  resume_tried = now;
  // Recovers from the background error a failed write left when RocksDB deems it recoverable;
  // it does not after a failed write of its WAL (7.8), which only a reopen clears: the WAL up to
  // the failure is recovered as after a crash (nothing was stored since). While the disk still
  // fails, the reopen fails too, and the next batch tries again.
  std::string error;
  if (db != nullptr && db->Resume().ok()) {
    std::lock_guard lock(write_error_mu);
    write_error.clear();
    return;
  }
  // Reopen only once the disk takes a write again: a reopen that fails leaves no database to
  // read from until the next one.
  if (!disk_writable()) return;
  if (reopen_db(&error)) {
    std::lock_guard lock(write_error_mu);
    write_error.clear();
  } else if (!error.empty()) {
    std::lock_guard lock(write_error_mu);
    write_error = error;
  }
}

void Store::Impl::commit_batch(std::vector<WriteRequest>& reqs) {
  // Filled before any add(): the builder keeps pointers into `results`, so it must not grow.
  std::vector<Committed> results;
  results.reserve(reqs.size());
  for (auto& req : reqs) {
    Committed c;
    c.req = std::move(req);
    results.push_back(std::move(c));
  }
  // Refused before anything is built: no seq, id or cursor moves, nothing is stored.
  auto refuse_all = [&](const std::string& why) {
    for (auto& c : results) {
      c.status = WriteStatus::error;
      c.error = why;
      if (c.req.audit) c.req.audit->id = 0;
    }
    if (on_commit) on_commit(results);
  };
  if (std::string why; !enough_space(&why)) return refuse_all(why);
  try_resume();
  std::string broken;  // a failed write not yet recovered from
  {
    std::lock_guard lock(write_error_mu);
    broken = write_error;
  }
  // Without touching RocksDB: a second write into a WAL that failed makes RocksDB 7.8 assert
  // (abort), and a database whose reopen failed is not there at all.
  if (db == nullptr || !broken.empty()) return refuse_all("storage writes are failing: " + broken);
  BatchBuilder builder(*this);
  for (auto& c : results) builder.add(c);
  builder.commit(results);
  if (on_commit) on_commit(results);
}

}  // namespace parley::storage
