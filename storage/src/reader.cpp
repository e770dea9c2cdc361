// Read paths of messages: last_seq, read_after, visit_before, get_message. Every scan is bounded
// to one channel's key range with iterate_lower_bound / iterate_upper_bound, so RocksDB never
// walks into a neighbouring channel (and can stop early inside SST files).
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <limits>

#include "codec.hpp"
#include "codec_io.hpp"
#include "store_impl.hpp"

namespace parley::storage {
namespace {

constexpr std::uint64_t kMaxSeq = std::numeric_limits<std::uint64_t>::max();
// Cap on up-front reservations: callers may pass a huge limit to mean "everything".
constexpr std::size_t kMaxReserve = 256;

// The key layout relies on channel names without '\0' (see codec.hpp); a name that has one can
// hold no messages, so it reads as empty instead of scanning a foreign key range.
bool scannable(std::string_view channel) { return key_safe(channel); }

}  // namespace

bool Store::Impl::find_last(std::string_view channel, LastMessage* out, std::string* error) const {
  *out = {};
  if (!scannable(channel)) return true;
  const std::string lower = codec::message_prefix(channel);
  const rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf_messages));
  for (it->SeekForPrev(codec::message_key(channel, kMaxSeq)); it->Valid(); it->Prev()) {
    auto seq = codec::message_key_seq(it->key().ToStringView(), channel);
    if (!seq) {
      decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    out->seq = *seq;
    // The key alone fixes the seq; an undecodable value only loses the ts floor.
    if (auto msg = codec::decode_message(*seq, it->value().ToStringView())) {
      out->ts = msg->ts;
    } else {
      decode_failures.fetch_add(1, std::memory_order_relaxed);
    }
    break;
  }
  if (!it->status().ok()) {
    *error = "cannot read last message of " + std::string(channel) + ": " + it->status().ToString();
    return false;
  }
  return true;
}

void Store::Impl::note_committed(std::string_view channel, std::uint64_t seq) {
  // max(): the writer and readers filling the cache from disk may race, and seqs only grow, so
  // the larger value is always the newer truth.
  std::unique_lock lock(committed_mu);
  auto it = committed_seq.find(channel);
  if (it == committed_seq.end()) {
    committed_seq.emplace(std::string(channel), seq);
  } else {
    it->second = std::max(it->second, seq);
  }
}

std::uint64_t Store::last_seq(std::string_view channel) const {
  {
    std::shared_lock lock(impl_->committed_mu);
    auto it = impl_->committed_seq.find(channel);
    if (it != impl_->committed_seq.end()) return it->second;
  }
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return 0;
  LastMessage last;
  std::string error;
  if (!impl_->find_last(channel, &last, &error)) return 0;
  // Only channels with messages are cached, so probing arbitrary names cannot grow the map.
  if (last.seq > 0) impl_->note_committed(channel, last.seq);
  return last.seq;
}

// --- Change logs ---

std::optional<std::uint64_t> Store::Impl::find_last_change(std::string_view channel,
                                                           std::string* error) const {
  if (!scannable(channel)) return 0;
  const std::string lower = codec::message_prefix(channel);
  const rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf_changes));
  for (it->SeekForPrev(codec::message_key(channel, kMaxSeq)); it->Valid(); it->Prev()) {
    if (auto n = codec::message_key_seq(it->key().ToStringView(), channel)) return *n;
    decode_failures.fetch_add(1, std::memory_order_relaxed);
  }
  if (!it->status().ok()) {
    *error =
        "cannot read the change log of " + std::string(channel) + ": " + it->status().ToString();
    return std::nullopt;
  }
  return 0;
}

void Store::Impl::note_change_committed(std::string_view channel, std::uint64_t change) {
  std::unique_lock lock(committed_mu);
  auto it = committed_change.find(channel);
  if (it == committed_change.end()) {
    committed_change.emplace(std::string(channel), change);
  } else {
    it->second = std::max(it->second, change);
  }
}

std::uint64_t Store::last_change(std::string_view channel) const {
  {
    std::shared_lock lock(impl_->committed_mu);
    auto it = impl_->committed_change.find(channel);
    if (it != impl_->committed_change.end()) return it->second;
  }
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || impl_->cf_changes == nullptr) return 0;
  std::string error;
  auto last = impl_->find_last_change(channel, &error);
  if (!last) return 0;
  if (*last > 0) impl_->note_change_committed(channel, *last);  // only channels with changes
  return *last;
}

std::uint64_t Store::first_change(std::string_view channel) const {
  auto first = read_changes(channel, 0, 1);
  return first.empty() ? last_change(channel) + 1 : first.front().change;
}

std::vector<Store::Change> Store::read_changes(std::string_view channel, std::uint64_t after,
                                               std::size_t limit) const {
  std::vector<Change> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || limit == 0 || !scannable(channel) || after == kMaxSeq) return out;
  const std::string upper = codec::message_prefix_end(channel);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf_changes));
  for (it->Seek(codec::message_key(channel, after + 1)); it->Valid() && out.size() < limit;
       it->Next()) {
    auto n = codec::message_key_seq(it->key().ToStringView(), channel);
    const std::string_view value = it->value().ToStringView();
    if (!n || value.size() < 8) {
      impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    out.push_back(
        {*n, static_cast<TimestampMs>(codec::io::get_be64(value)), std::string(value.substr(8))});
  }
  return out;
}

std::uint64_t Store::first_seq_since(std::string_view channel, TimestampMs ts) const {
  std::uint64_t lo = 1, hi = last_seq(channel) + 1;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    auto m = get_message(channel, mid);
    if (m && m->ts < ts) {
      lo = mid + 1;
    } else {
      hi = mid;  // dated at or after ts (or unreadable: treated as new, so nothing is missed)
    }
  }
  return lo;
}

std::vector<StoredMessage> Store::read_after(std::string_view channel, std::uint64_t after_seq,
                                             std::size_t limit) const {
  std::vector<StoredMessage> out;
  if (limit == 0 || after_seq == kMaxSeq || !scannable(channel)) return out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;

  const std::string upper = codec::message_prefix_end(channel);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf_messages));
  out.reserve(std::min(limit, kMaxReserve));
  for (it->Seek(codec::message_key(channel, after_seq + 1)); it->Valid() && out.size() < limit;
       it->Next()) {
    auto seq = codec::message_key_seq(it->key().ToStringView(), channel);
    auto msg = seq ? codec::decode_message(*seq, it->value().ToStringView()) : std::nullopt;
    if (!msg) {
      impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    out.push_back(std::move(*msg));
  }
  // A failed scan returns what was read before the failure: every message in it is real and in
  // order, and the caller's next read_after continues after the last one.
  return out;
}

protocol::MessageView message_view(std::string_view channel, const StoredMessage& m,
                                   std::vector<protocol::ReactionView>& reactions) {
  reactions.clear();
  for (const auto& r : m.reactions) reactions.push_back({r.emoji, r.count});
  protocol::MessageView v;
  v.channel = channel;
  v.seq = m.seq;
  v.ts = m.ts;
  v.from_id = m.from_id;
  v.from_name = m.from_name;
  v.from_role = m.from_role;
  v.from_advocate = m.from_advocate;
  v.text = m.text;
  v.reply_to = m.reply_to;
  v.edited_at = m.edited_at;
  v.solved_seq = m.solved_seq;
  v.deleted = m.deleted;
  v.deleted_by = m.deleted_by;
  v.deleted_at = m.deleted_at;
  v.reactions = reactions;
  v.mentions = m.mentions;
  v.actions = m.actions;
  return v;
}

std::optional<PageInfo> Store::visit_before(
    std::string_view channel, std::uint64_t before_seq, std::size_t limit, bool memory_only,
    const std::function<void(const protocol::MessageView&)>& visit) const {
  PageInfo info;
  // seq 0 is never assigned, so nothing lies before seq 1.
  if (before_seq == 1 || !scannable(channel)) return info;
  // Seqs have no holes (a deleted message keeps its tombstone), so the page is exactly the
  // seqs [oldest, newest]: read them forwards. RocksDB's Prev() is far dearer than Next() (a
  // memtable skip list has no back links: every step is a new search).
  const std::uint64_t newest =
      std::min(before_seq == 0 ? kMaxSeq : before_seq - 1, last_seq(channel));
  if (newest == 0) return info;
  if (limit == 0) {
    info.has_more = true;
    return info;
  }
  const std::uint64_t oldest = newest >= limit ? newest - (limit - 1) : 1;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return info;

  const std::string lower = codec::message_key(channel, oldest);
  const rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  if (memory_only) ro.read_tier = rocksdb::kBlockCacheTier;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf_messages));
  protocol::MessageView view;
  view.channel = channel;
  std::vector<protocol::ReactionView> reactions;  // one for the page: it keeps its capacity
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    auto seq = codec::message_key_seq(it->key().ToStringView(), channel);
    if (!seq || *seq > newest) break;  // past the page, or into the next channel
    if (!codec::decode_message_view(*seq, it->value().ToStringView(), view, reactions)) {
      impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    visit(view);
    ++info.messages;
  }
  if (memory_only && it->status().IsIncomplete()) return std::nullopt;  // needs the disk
  info.has_more = oldest > 1;
  return info;
}

std::optional<StoredMessage> Store::get_message(std::string_view channel, std::uint64_t seq) const {
  if (seq == 0 || !scannable(channel)) return std::nullopt;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return std::nullopt;
  std::string value;
  rocksdb::Status st = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf_messages,
                                      codec::message_key(channel, seq), &value);
  if (!st.ok()) return std::nullopt;
  auto msg = codec::decode_message(seq, value);
  if (!msg) impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
  return msg;
}

}  // namespace parley::storage
