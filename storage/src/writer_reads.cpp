// Read state of the writer (see batch_builder.hpp): MarkRead, and what an appended message does
// to read markers and mentions (DESIGN §10).
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <string>
#include <utility>

#include "batch_builder.hpp"
#include "codec.hpp"
#include "parley/protocol/validate.hpp"
#include "store_impl.hpp"

namespace parley::storage {

std::optional<std::optional<std::uint64_t>> BatchBuilder::marker(const std::string& key,
                                                                 Committed& out) {
  // A sender's marker moved by a message of this batch (written at commit, see
  // write_sent_markers()) is at least what the map or the disk says.
  std::optional<std::uint64_t> sent;
  if (auto it = sent_markers_.find(key); it != sent_markers_.end()) sent = it->second;
  if (auto it = markers_.find(key); it != markers_.end()) {
    if (sent && (!it->second || *it->second < *sent)) return sent;
    return it->second;
  }
  if (sent) return sent;
  std::string value;
  rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_reads, key, &value);
  std::optional<std::uint64_t> seq;
  if (st.ok()) {
    seq = codec::decode_read_marker(value);
    // An unreadable marker reads as none: the next write replaces it.
    if (!seq) s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
  } else if (!st.IsNotFound()) {
    fail(out, "read marker lookup failed: " + st.ToString());
    return std::nullopt;
  }
  markers_.emplace(key, seq);
  return seq;
}

std::optional<bool> BatchBuilder::user_known(const std::string& id, Committed& out) {
  if (users_.contains(id)) return true;
  std::string value;
  rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_users, id, &value);
  if (st.ok()) return true;
  if (st.IsNotFound()) return false;
  fail(out, "user lookup failed: " + st.ToString());
  return std::nullopt;
}

void BatchBuilder::apply(MarkRead& op, Committed& out) {
  if (!key_safe(op.user) || !key_safe(op.channel)) {
    return fail(out, "invalid user or channel for MarkRead");
  }
  std::string error;
  Store::Impl::ChannelCursor* cur = cursor(op.channel, &error);
  if (cur == nullptr) return fail(out, std::move(error));
  const std::uint64_t last = cur->next_seq - 1;
  if (op.seq > last) {
    if (!op.if_absent) {
      op.last_read = last;
      out.status = WriteStatus::conflict;
      return;
    }
    op.seq = last;
  }
  const std::string key = codec::read_marker_key(op.user, op.channel);
  auto current = marker(key, out);
  if (!current) return;
  const bool set = !*current || (!op.if_absent && op.seq > **current);
  if (set) {
    rocksdb::Status st = batch_.Put(s_.cf_reads, key, codec::encode_read_marker(op.seq));
    if (!st.ok()) return fail(out, "cannot add read marker to batch: " + st.ToString());
    markers_.insert_or_assign(key, op.seq);
  }
  op.last_read = set ? op.seq : **current;
  op.changed = set;
  out.status = WriteStatus::ok;
}

bool BatchBuilder::append_reads(AppendMessage& op, Committed& out) {
  const StoredMessage& m = op.msg;
  rocksdb::Status st;
  std::optional<std::string> other_created;  // a DM's other member, given a marker of 0
  if (auto members = protocol::dm_members(op.channel)) {
    const std::string_view other = members->first == m.from_id ? members->second : members->first;
    const std::string key = codec::read_marker_key(other, op.channel);
    auto current = marker(key, out);
    if (!current) return false;
    if (!*current) {
      st = batch_.Put(s_.cf_reads, key, codec::encode_read_marker(0));
      if (!st.ok()) {
        fail(out, "cannot add read marker to batch: " + st.ToString());
        return false;
      }
      other_created = key;
    }
  }
  // Mentions: the candidates that are known users other than the sender, each indexed.
  std::string kept;
  std::string_view rest = m.mentions;
  while (!rest.empty()) {
    const std::size_t sp = rest.find(' ');
    const std::string id(rest.substr(0, sp));
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    if (!key_safe(id) || id == m.from_id) continue;
    auto known = user_known(id, out);
    if (!known) return false;
    if (!*known) continue;
    st = batch_.Put(s_.cf_reads, codec::mention_key(id, op.channel, m.seq), rocksdb::Slice());
    if (!st.ok()) {
      fail(out, "cannot add mention to batch: " + st.ToString());
      return false;
    }
    if (!kept.empty()) kept.push_back(' ');
    kept.append(id);
  }
  if (kept != m.mentions) {
    op.msg.mentions = std::move(kept);
    st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, m.seq),
                    codec::encode_message(op.msg));
    if (!st.ok()) {
      fail(out, "cannot add message to batch: " + st.ToString());
      return false;
    }
  }
  if (other_created) markers_.insert_or_assign(std::move(*other_created), std::uint64_t{0});
  return true;
}

void BatchBuilder::note_sent(const AppendMessage& op) {
  // The sender has read their own message. A marker never exceeds the channel's newest seq, so
  // this never moves one backwards; later messages of the batch only raise it.
  sent_markers_.insert_or_assign(codec::read_marker_key(op.msg.from_id, op.channel), op.msg.seq);
}

rocksdb::Status BatchBuilder::write_sent_markers() {
  for (const auto& [key, seq] : sent_markers_) {
    // A MarkRead of this batch may have written more already (it saw this value: marker()).
    if (auto it = markers_.find(key); it != markers_.end() && it->second && *it->second >= seq) {
      continue;
    }
    rocksdb::Status st = batch_.Put(s_.cf_reads, key, codec::encode_read_marker(seq));
    if (!st.ok()) return st;
  }
  return rocksdb::Status::OK();
}

bool BatchBuilder::delete_mentions(std::string_view channel, const StoredMessage& m,
                                   Committed& out) {
  std::string_view rest = m.mentions;
  while (!rest.empty()) {
    const std::size_t sp = rest.find(' ');
    rocksdb::Status st =
        batch_.Delete(s_.cf_reads, codec::mention_key(rest.substr(0, sp), channel, m.seq));
    if (!st.ok()) {
      fail(out, "cannot remove mention in batch: " + st.ToString());
      return false;
    }
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  }
  return true;
}

}  // namespace parley::storage
