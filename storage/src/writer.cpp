// The group-commit writer: one thread takes everything queued (up to max_batch), turns it into
// one WriteBatch, commits it and reports the whole batch to the CommitHandler. It is the only
// code that assigns seqs, so per-channel ordering needs no locks beyond the queue's.
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "codec.hpp"
#include "parley/protocol/validate.hpp"
#include "store_impl.hpp"

namespace parley::storage {
namespace {

// Builds one batch. Decisions that depend on earlier requests of the same batch (duplicates,
// channels created a moment ago, the next seq) are answered from the batch's own maps, since
// none of it is visible in RocksDB or in the shared maps until the batch commits.
class BatchBuilder {
 public:
  explicit BatchBuilder(Store::Impl& store) : s_(store) {}

  void add(Committed& c) {
    std::visit(
        [&](auto& op) {
          if constexpr (std::is_same_v<std::decay_t<decltype(op)>, AppendMessage>) {
            append(op, c);
          } else {
            create(op, c);
          }
        },
        c.req.op);
  }

  // Commits the batch and publishes its effects; on failure marks every request as failed.
  void commit(std::vector<Committed>& results);

 private:
  void append(AppendMessage& op, Committed& out);
  void create(CreateChannel& op, Committed& out);
  bool channel_open(std::string_view name) const;
  Store::Impl::ChannelCursor* cursor(std::string_view channel, std::string* error);

  static void fail(Committed& out, std::string message) {
    out.status = WriteStatus::error;
    out.error = std::move(message);
  }

  Store::Impl& s_;
  rocksdb::WriteBatch batch_;
  StringMap<codec::IdempotencyRecord> acks_;  // idempotency key -> ack given in this batch
  StringMap<ChannelInfo> created_;            // channels created in this batch
  StringMap<std::uint64_t> appended_;         // channel -> highest seq assigned in this batch
};

void BatchBuilder::append(AppendMessage& op, Committed& out) {
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

  op.msg.seq = cur->next_seq;
  // Clocks step backwards (NTP, a restart on another host); history must not.
  op.msg.ts = std::max(s_.now(), cur->last_ts);
  codec::IdempotencyRecord ack{op.channel, op.msg.seq, op.msg.ts};

  // A save point keeps the batch consistent if the second Put fails after the first succeeded.
  batch_.SetSavePoint();
  rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.msg.seq),
                                  codec::encode_message(op.msg));
  if (st.ok()) st = batch_.Put(s_.cf_idempotency, ikey, codec::encode_idempotency(ack));
  if (!st.ok()) {
    (void)batch_.RollbackToSavePoint();  // restores the state before SetSavePoint
    op.msg.seq = 0;
    op.msg.ts = 0;
    return fail(out, "cannot add message to batch: " + st.ToString());
  }
  (void)batch_.PopSavePoint();  // only fails when no save point is set, and one is

  cur->next_seq = op.msg.seq + 1;
  cur->last_ts = op.msg.ts;
  appended_[op.channel] = op.msg.seq;
  acks_.emplace(std::move(ikey), std::move(ack));
  out.status = WriteStatus::ok;
}

void BatchBuilder::create(CreateChannel& op, Committed& out) {
  ChannelInfo& info = op.info;
  // The key layout needs names without '\0' (codec.hpp); DMs are implicit and never stored.
  if (info.name.empty() || info.name.find('\0') != std::string::npos ||
      info.kind == ChannelKind::dm) {
    return fail(out, "invalid channel for CreateChannel: " + info.name);
  }
  if (protocol::is_dm_channel(info.name) || created_.contains(info.name)) {
    out.status = WriteStatus::conflict;
    return;
  }
  {
    std::shared_lock lock(s_.channels_mu);
    if (s_.channels.contains(info.name)) {
      out.status = WriteStatus::conflict;
      return;
    }
  }
  if (info.created_ms == 0) info.created_ms = s_.now();
  if (info.epoch == 0) info.epoch = s_.new_epoch();

  rocksdb::Status st = batch_.Put(s_.cf_channels, info.name, codec::encode_channel(info));
  if (!st.ok()) return fail(out, "cannot add channel to batch: " + st.ToString());
  created_.emplace(info.name, info);
  out.status = WriteStatus::ok;
}

bool BatchBuilder::channel_open(std::string_view name) const {
  if (protocol::is_dm_channel(name)) return true;
  if (auto it = created_.find(name); it != created_.end()) return !it->second.archived;
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
  rocksdb::Status st;
  if (batch_.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = s_.options.durability == Durability::fsync;
    st = s_.db->Write(wo, &batch_);
  }
  if (!st.ok()) {
    // Nothing of the batch is stored. Forget the cursors it advanced so that the next write
    // re-reads the channel's end from disk: no holes, and no seq handed out twice.
    const std::string message = "commit failed: " + st.ToString();
    for (auto& c : results) fail(c, message);
    for (const auto& [channel, seq] : appended_) s_.cursors.erase(channel);
    return;
  }
  if (!created_.empty()) {
    std::unique_lock lock(s_.channels_mu);
    for (auto& [name, info] : created_) s_.channels.emplace(name, std::move(info));
  }
  for (const auto& [channel, seq] : appended_) s_.note_committed(channel, seq);
}

}  // namespace

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

void Store::Impl::commit_batch(std::vector<WriteRequest>& reqs) {
  std::vector<Committed> results;
  results.reserve(reqs.size());
  BatchBuilder builder(*this);
  for (auto& req : reqs) {
    results.push_back(Committed{std::move(req), WriteStatus::ok, {}});
    builder.add(results.back());
  }
  builder.commit(results);
  if (on_commit) on_commit(results);
}

}  // namespace parley::storage
