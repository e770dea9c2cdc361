#include "advocacy/questions.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace parley::advocacy::detail {

// --- QuestionRec ---

bool QuestionRec::has_reply(std::uint64_t seq) const {
  for (std::size_t i = 0; i < count_; ++i)
    if (reply_seq_[i] == seq) return true;
  return false;
}

bool QuestionRec::add_reply(const Reply& r) {
  if (count_ == kTrackedReplies || has_reply(r.seq)) return false;
  std::size_t at = 0;
  while (at < count_ && reply_seq_[at] <= r.seq) ++at;
  for (std::size_t i = count_; i > at; --i) {
    reply_seq_[i] = reply_seq_[i - 1];
    reply_ts_[i] = reply_ts_[i - 1];
  }
  reply_seq_[at] = r.seq;
  reply_ts_[at] = r.ts;
  const unsigned low = (1u << at) - 1;
  customer_ = static_cast<std::uint8_t>((customer_ & low) | ((customer_ & ~low) << 1) |
                                        (r.customer ? 1u << at : 0u));
  ++count_;
  return true;
}

void QuestionRec::remove_reply(std::uint64_t seq) {
  std::size_t at = 0;
  while (at < count_ && reply_seq_[at] != seq) ++at;
  if (at == count_) return;
  for (std::size_t i = at; i + 1 < count_; ++i) {
    reply_seq_[i] = reply_seq_[i + 1];
    reply_ts_[i] = reply_ts_[i + 1];
  }
  const unsigned low = (1u << at) - 1;
  customer_ = static_cast<std::uint8_t>((customer_ & low) | ((customer_ >> 1) & ~low));
  --count_;
}

std::size_t QuestionRec::copy_replies(Reply* out) const {
  for (std::size_t i = 0; i < count_; ++i) out[i] = reply(i);
  return count_;
}

// --- QuestionTable ---

QuestionTable::QuestionTable() = default;
QuestionTable::~QuestionTable() = default;

std::uint32_t QuestionTable::intern(std::string_view channel) {
  if (auto it = ids_.find(channel); it != ids_.end()) return it->second;
  auto it = ids_.emplace(std::string(channel), static_cast<std::uint32_t>(names_.size())).first;
  names_.push_back(&it->first);
  return it->second;
}

std::optional<std::uint32_t> QuestionTable::channel_id(std::string_view channel) const {
  auto it = ids_.find(channel);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::size_t QuestionTable::home(std::uint32_t channel, std::uint64_t seq) const {
  // Fibonacci hashing: the top bits of the product spread consecutive seqs (the common keys)
  // evenly; the channel is mixed in first so that channels do not collide seq for seq.
  const std::uint64_t h =
      (seq ^ (std::uint64_t{channel} * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(h >> shift_);
}

std::size_t QuestionTable::probe(std::uint32_t channel, std::uint64_t seq) const {
  const std::size_t mask = index_.size() - 1;
  for (std::size_t at = home(channel, seq);; at = (at + 1) & mask) {
    const IndexEntry& e = index_[at];
    if (e.slot == kDead || (e.seq == seq && e.channel == channel)) return at;
  }
}

void QuestionTable::grow() {
  std::vector<IndexEntry> old = std::exchange(index_, {});
  const std::size_t size = std::max<std::size_t>(1024, old.size() * 2);
  index_.assign(size, IndexEntry{});
  shift_ = 64 - std::countr_zero(size);
  for (const IndexEntry& e : old)
    if (e.slot != kDead) index_[probe(e.channel, e.seq)] = e;
}

QuestionRec* QuestionTable::find(std::uint32_t channel, std::uint64_t seq) {
  if (live_ == 0) return nullptr;
  const IndexEntry& e = index_[probe(channel, seq)];
  return e.slot == kDead ? nullptr : &record(e.slot);
}

const QuestionRec* QuestionTable::find(std::uint32_t channel, std::uint64_t seq) const {
  return const_cast<QuestionTable*>(this)->find(channel, seq);
}

std::uint32_t QuestionTable::take_slot() {
  if (!free_.empty()) {
    const std::uint32_t slot = free_.back();
    free_.pop_back();
    return slot;
  }
  if (next_slot_ == chunks_.size() << kChunkBits)
    chunks_.push_back(std::make_unique<QuestionRec[]>(std::size_t{1} << kChunkBits));
  return next_slot_++;
}

bool QuestionTable::before(const Entry& a, const Entry& b) const {
  if (a.ts != b.ts) return a.ts < b.ts;
  if (a.channel != b.channel) return channel_name(a.channel) < channel_name(b.channel);
  return a.seq < b.seq;
}

QuestionRec* QuestionTable::insert(std::uint32_t channel, std::uint64_t seq, std::int64_t ts) {
  if ((live_ + 1) * 10 > index_.size() * 7) grow();
  IndexEntry& at = index_[probe(channel, seq)];
  if (at.slot != kDead) return nullptr;
  const std::uint32_t slot = take_slot();
  at = IndexEntry{seq, channel, slot};
  ++live_;
  QuestionRec& rec = record(slot);
  rec = QuestionRec{};
  rec.ts = ts;

  const Entry e{ts, seq, channel, slot};
  if (bulk_ || order_.empty() || before(order_.back(), e)) {
    order_.push_back(e);  // the common case: the newest question
  } else {
    // Late or tied (same ms, another channel): it belongs near the end.
    auto pos = order_.end();
    int steps = 0;
    while (pos != order_.begin() && before(e, *std::prev(pos)) && ++steps <= 8) --pos;
    if (steps > 8) {
      pos = std::upper_bound(order_.begin(), order_.end(), e,
                             [this](const Entry& x, const Entry& y) { return before(x, y); });
    }
    order_.insert(pos, e);
  }
  return &rec;
}

bool QuestionTable::erase(std::uint32_t channel, std::uint64_t seq) {
  if (live_ == 0) return false;
  std::size_t hole = probe(channel, seq);
  if (index_[hole].slot == kDead) return false;
  const std::uint32_t slot = index_[hole].slot;
  const std::int64_t ts = record(slot).ts;

  // Backward-shift deletion: later entries of the probe run move up, so that lookups never
  // need tombstones.
  const std::size_t mask = index_.size() - 1;
  for (std::size_t at = (hole + 1) & mask; index_[at].slot != kDead; at = (at + 1) & mask) {
    const std::size_t want = home(index_[at].channel, index_[at].seq);
    // The entry may fill the hole unless its home lies cyclically in (hole, at].
    const bool stays = hole <= at ? (hole < want && want <= at) : (hole < want || want <= at);
    if (stays) continue;
    index_[hole] = index_[at];
    hole = at;
  }
  index_[hole] = IndexEntry{};
  free_.push_back(slot);
  --live_;

  // A live slot is in one order entry. Expiry takes the oldest; anything else is marked.
  if (!order_.empty() && order_.front().slot == slot) {
    order_.pop_front();
  } else if (!order_.empty() && order_.back().slot == slot) {
    order_.pop_back();
  } else {
    auto it = order_.begin();
    if (!bulk_) {
      it = std::partition_point(order_.begin(), order_.end(),
                                [ts](const Entry& x) { return x.ts < ts; });
    }
    for (; it != order_.end(); ++it) {
      if (it->slot == slot) {
        it->slot = kDead;
        ++dead_;
        break;
      }
    }
  }
  drop_dead_ends();
  if (dead_ > live_) {
    std::erase_if(order_, [](const Entry& x) { return x.slot == kDead; });
    dead_ = 0;
  }
  return true;
}

void QuestionTable::drop_dead_ends() {
  while (!order_.empty() && order_.front().slot == kDead) {
    order_.pop_front();
    --dead_;
  }
  while (!order_.empty() && order_.back().slot == kDead) {
    order_.pop_back();
    --dead_;
  }
}

void QuestionTable::clear() {
  index_.clear();
  shift_ = 64;
  chunks_.clear();
  next_slot_ = 0;
  free_.clear();
  order_.clear();
  dead_ = 0;
  live_ = 0;
  bulk_ = false;
}

void QuestionTable::end_bulk() {
  bulk_ = false;
  std::erase_if(order_, [](const Entry& x) { return x.slot == kDead; });
  dead_ = 0;
  std::sort(order_.begin(), order_.end(),
            [this](const Entry& x, const Entry& y) { return before(x, y); });
}

const QuestionTable::Entry* QuestionTable::oldest() {
  drop_dead_ends();
  return order_.empty() ? nullptr : &order_.front();
}

std::deque<QuestionTable::Entry>::const_iterator QuestionTable::first_at_or_after(
    std::int64_t ts) const {
  return std::partition_point(order_.begin(), order_.end(),
                              [ts](const Entry& x) { return x.ts < ts; });
}

}  // namespace parley::advocacy::detail
