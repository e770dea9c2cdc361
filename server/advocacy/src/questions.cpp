#include "questions.hpp"

#include <algorithm>
#include <new>
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

std::uint32_t* QuestionTable::slot_of(std::uint32_t channel, std::uint64_t seq) {
  if (channel >= by_channel_.size()) return nullptr;
  SeqIndex& ix = by_channel_[channel];
  if (seq < ix.base || seq - ix.base >= ix.slots.size()) return nullptr;
  return &ix.slots[seq - ix.base];
}

QuestionRec* QuestionTable::find(std::uint32_t channel, std::uint64_t seq) {
  const std::uint32_t* slot = slot_of(channel, seq);
  return slot == nullptr || *slot == kDead ? nullptr : &record(*slot);
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
  if (next_slot_ == chunks_.size() << kChunkBits) {
    // Raw memory: a record is constructed when its slot is handed out (insert), so a new
    // chunk is neither zeroed nor touched up front.
    chunks_.emplace_back(
        static_cast<QuestionRec*>(::operator new(sizeof(QuestionRec) << kChunkBits)));
  }
  return next_slot_++;
}

bool QuestionTable::before(const Entry& a, const Entry& b) const {
  if (a.ts != b.ts) return a.ts < b.ts;
  if (a.channel != b.channel) return channel_name(a.channel) < channel_name(b.channel);
  return a.seq < b.seq;
}

QuestionRec* QuestionTable::insert(std::uint32_t channel, std::uint64_t seq, std::int64_t ts) {
  if (channel >= by_channel_.size()) by_channel_.resize(channel + 1);
  SeqIndex& ix = by_channel_[channel];
  if (ix.slots.empty()) {
    ix.base = seq;
    ix.slots.push_back(kDead);
  } else if (seq < ix.base) {
    ix.slots.insert(ix.slots.begin(), ix.base - seq, kDead);
    ix.base = seq;
  } else if (seq - ix.base >= ix.slots.size()) {
    ix.slots.resize(seq - ix.base + 1, kDead);  // the common case: the newest message
  }
  std::uint32_t& at = ix.slots[seq - ix.base];
  if (at != kDead) return nullptr;
  const std::uint32_t slot = take_slot();
  at = slot;
  ++live_;
  QuestionRec& rec = *new (&record(slot)) QuestionRec{};
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
  std::uint32_t* at = slot_of(channel, seq);
  if (at == nullptr || *at == kDead) return false;
  const std::uint32_t slot = std::exchange(*at, kDead);
  const std::int64_t ts = record(slot).ts;
  // Keep the channel's seq range from its oldest to its newest question.
  SeqIndex& ix = by_channel_[channel];
  while (!ix.slots.empty() && ix.slots.front() == kDead) {
    ix.slots.pop_front();
    ++ix.base;
  }
  while (!ix.slots.empty() && ix.slots.back() == kDead) ix.slots.pop_back();
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
  by_channel_.clear();
  chunks_.clear();
  next_slot_ = 0;
  free_.clear();
  order_.clear();
  dead_ = 0;
  live_ = 0;
  bulk_ = false;
}

void QuestionTable::begin_bulk() {
  if (bulk_) return;
  bulk_ = true;
  bulk_from_ = order_.size();
}

void QuestionTable::end_bulk() {
  if (!bulk_) return;
  bulk_ = false;
  // The entries before bulk_from_ are in order; sort the ones added since and merge.
  const auto less = [this](const Entry& x, const Entry& y) { return before(x, y); };
  const auto mid = order_.begin() + static_cast<std::ptrdiff_t>(bulk_from_);
  if (!std::is_sorted(mid, order_.end(), less)) std::sort(mid, order_.end(), less);
  std::inplace_merge(order_.begin(), mid, order_.end(), less);
  std::erase_if(order_, [](const Entry& x) { return x.slot == kDead; });
  dead_ = 0;
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
