// Message mutations of the writer (see batch_builder.hpp): EditMessage, DeleteMessage, React.
// Each is a read-modify-write of the message record on the writer thread, which is the only
// code that writes messages, so reading the newest version (from the batch or from disk) and
// writing it back cannot lose a concurrent change.
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <utility>

#include "batch_builder.hpp"
#include "codec.hpp"
#include "store_impl.hpp"

namespace parley::storage {

StoredMessage* BatchBuilder::live_message(std::string_view channel, std::uint64_t seq,
                                          Committed& out, bool or_deleted) {
  // Names that cannot be keys hold no messages (codec.hpp), and seq 0 is never assigned.
  if (!key_safe(channel) || seq == 0) {
    out.status = WriteStatus::not_found;
    return nullptr;
  }
  std::string key = codec::message_key(channel, seq);
  auto it = messages_.find(key);
  if (it == messages_.end()) {
    StoredMessage msg;
    if (auto a = appended_msgs_.find(key); a != appended_msgs_.end()) {
      msg = *a->second;
    } else {
      std::string value;
      rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_messages, key, &value);
      if (st.IsNotFound()) {
        out.status = WriteStatus::not_found;
        return nullptr;
      }
      if (!st.ok()) {
        fail(out, "message lookup failed: " + st.ToString());
        return nullptr;
      }
      auto decoded = codec::decode_message(seq, value);
      if (!decoded) {
        // Rewriting a message we cannot read would destroy it; refuse to touch it instead.
        s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
        fail(out, "unreadable message " + std::string(channel) + "#" + std::to_string(seq));
        return nullptr;
      }
      msg = std::move(*decoded);
    }
    it = messages_.emplace(std::move(key), std::move(msg)).first;
  }
  if (it->second.deleted && !or_deleted) {
    out.status = WriteStatus::not_found;
    return nullptr;
  }
  return &it->second;
}

bool BatchBuilder::log_rewrite(std::string_view channel, std::uint64_t seq, Committed& out) {
  rocksdb::Status st = batch_.Put(s_.cf_rewrites, codec::rewrite_key(next_rewrite_id_),
                                  codec::encode_rewrite(channel, seq));
  if (!st.ok()) {
    fail(out, "cannot add rewrite to batch: " + st.ToString());
    return false;
  }
  ++next_rewrite_id_;
  return true;
}

std::optional<bool> BatchBuilder::has_reaction(const std::string& key, Committed& out) {
  if (auto it = reactions_.find(key); it != reactions_.end()) return it->second;
  std::string value;
  rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_reactions, key, &value);
  if (!st.ok() && !st.IsNotFound()) {
    fail(out, "reaction lookup failed: " + st.ToString());
    return std::nullopt;
  }
  reactions_.emplace(key, st.ok());
  return st.ok();
}

void BatchBuilder::apply(EditMessage& op, Committed& out) {
  StoredMessage* cur = live_message(op.channel, op.seq, out);
  if (cur == nullptr) return;
  if (cur->from_id != op.editor) {
    out.status = WriteStatus::forbidden;
    return;
  }
  StoredMessage next = *cur;
  next.text = op.text;
  // Like message timestamps, an edit never appears to predate the message.
  next.edited_at = std::max(s_.now(), cur->ts);
  rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.seq),
                                  codec::encode_message(next));
  if (!st.ok()) return fail(out, "cannot add edit to batch: " + st.ToString());
  if (!log_rewrite(op.channel, op.seq, out)) return;
  *cur = std::move(next);
  op.result = *cur;
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(SetSolved& op, Committed& out) {
  StoredMessage* cur = live_message(op.channel, op.question_seq, out);
  if (cur == nullptr) return;
  StoredMessage next = *cur;
  const std::uint64_t previous = cur->solved_seq;
  next.solved_seq = op.answer_seq;
  rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.question_seq),
                                  codec::encode_message(next));
  if (!st.ok()) return fail(out, "cannot add solution to batch: " + st.ToString());
  // The question, and the answers that become or stop being the accepted one.
  if (!log_rewrite(op.channel, op.question_seq, out)) return;
  if (op.answer_seq != 0 && !log_rewrite(op.channel, op.answer_seq, out)) return;
  if (previous != 0 && previous != op.answer_seq && !log_rewrite(op.channel, previous, out)) {
    return;
  }
  *cur = std::move(next);
  op.result = *cur;
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(DeleteMessage& op, Committed& out) {
  const bool erase = op.author_name.has_value();
  StoredMessage* cur = live_message(op.channel, op.seq, out, erase);
  if (cur == nullptr) return;
  if (cur->from_id != op.by && (!op.as_moderator || erase)) {
    out.status = WriteStatus::forbidden;
    return;
  }
  if (cur->deleted) {  // erasure of a tombstone: only its author's name changes
    if (cur->from_name != *op.author_name) {
      StoredMessage next = *cur;
      next.from_name = *op.author_name;
      rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.seq),
                                      codec::encode_message(next));
      if (!st.ok()) return fail(out, "cannot add erasure to batch: " + st.ToString());
      *cur = std::move(next);
    }
    op.result = *cur;
    out.status = WriteStatus::ok;
    return;
  }
  StoredMessage next = *cur;  // seq, ts, author and reply_to stay
  if (erase) next.from_name = *op.author_name;
  next.text.clear();
  next.reactions.clear();
  next.mentions.clear();
  next.actions.clear();
  next.deleted = true;
  next.deleted_by = op.by;
  next.deleted_at = std::max(s_.now(), cur->ts);
  rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.seq),
                                  codec::encode_message(next));
  // Who reacted goes with the reactions: one range covers those on disk and those added
  // earlier in this batch (a batch applies in order). A deleted message never becomes live
  // again, so its entries in reactions_ are never consulted after this.
  if (st.ok()) {
    st = batch_.DeleteRange(s_.cf_reactions, codec::reaction_prefix(op.channel, op.seq),
                            codec::reaction_prefix_end(op.channel, op.seq));
  }
  if (!st.ok()) return fail(out, "cannot add delete to batch: " + st.ToString());
  if (!delete_mentions(op.channel, *cur, out)) return;
  if (!log_rewrite(op.channel, op.seq, out)) return;
  // A deleted question's accepted answer is no longer part of a solved thread.
  if (cur->solved_seq != 0 && !log_rewrite(op.channel, cur->solved_seq, out)) return;
  *cur = std::move(next);
  op.result = *cur;
  op.was_live = true;
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(React& op, Committed& out) {
  if (!key_safe(op.emoji) || !key_safe(op.user)) {
    return fail(out, "invalid user or emoji for React");
  }
  StoredMessage* cur = live_message(op.channel, op.seq, out);
  if (cur == nullptr) return;
  const std::string key = codec::reaction_key(op.channel, op.seq, op.emoji, op.user);
  std::optional<bool> present = has_reaction(key, out);
  if (!present) return;

  auto entry = std::find_if(cur->reactions.begin(), cur->reactions.end(),
                            [&](const Reaction& r) { return r.emoji == op.emoji; });
  if (*present == op.add) {
    // Adding again or removing what is not there: ok, and nothing changes.
    op.count = entry == cur->reactions.end() ? 0 : entry->count;
    op.result = *cur;
    out.status = WriteStatus::ok;
    return;
  }
  if (op.add && entry == cur->reactions.end() &&
      cur->reactions.size() >= s_.options.max_reaction_kinds) {
    out.status = WriteStatus::conflict;
    return;
  }

  StoredMessage next = *cur;
  auto it = next.reactions.begin() + (entry - cur->reactions.begin());
  std::uint32_t count = 0;
  if (op.add) {
    if (it == next.reactions.end()) {
      it = next.reactions.insert(it, Reaction{op.emoji, 0});  // at the end: order of first use
    }
    count = ++it->count;
  } else if (it != next.reactions.end()) {  // the membership key says it is there
    count = --it->count;
    if (count == 0) next.reactions.erase(it);
  }
  // (Removing a membership key for which the message has no count only happens after
  // corruption; deleting the key makes the two agree again.)

  rocksdb::Status st = batch_.Put(s_.cf_messages, codec::message_key(op.channel, op.seq),
                                  codec::encode_message(next));
  if (st.ok()) {
    st = op.add ? batch_.Put(s_.cf_reactions, key, rocksdb::Slice())
                : batch_.Delete(s_.cf_reactions, key);
  }
  if (!st.ok()) return fail(out, "cannot add reaction to batch: " + st.ToString());
  reactions_.insert_or_assign(key, op.add);
  *cur = std::move(next);
  op.count = count;
  op.result = *cur;
  op.changed = true;
  out.status = WriteStatus::ok;
}

}  // namespace parley::storage
