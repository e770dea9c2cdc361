// The question table (for insights and thread roots; in memory only, rebuilt from the stored
// messages at start-up). Private to the advocacy library.
//
// Every top-level message in a support channel lands here, so on a busy server this is the
// engine's largest table (hundreds of thousands of questions) and its insert the one cost paid
// per message. It is laid out for that:
// - channels are interned (a question's key is a channel id and a seq: no string hashed,
//   copied or compared per question);
// - records are plain fixed-size structs (the asker is a pointer to the id as stored in the
//   users table; up to kTrackedReplies replies inline) in a chunked slab, so an insert
//   allocates nothing but an occasional chunk (raw memory, touched only as records are made);
// - the key index is per channel and direct: a channel's seqs have no holes, so a deque of
//   slot numbers indexed by seq - base, spanning the channel's oldest to newest question,
//   finds a question with no hashing, and a new question (the newest message) is appended
//   in place, next to the one before it in memory. It costs 4 bytes per message of that span
//   (replies included), freed from the front as questions expire;
// - the (ts, channel, seq) order for expiry and insights is a deque that questions, arriving
//   almost always in ts order, are appended to; an out-of-order one is inserted near the end,
//   and a question removed from the middle is marked dead and skipped (dropped when it reaches
//   an end, or when the dead are as many as the live).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace parley::advocacy::detail {

// A reply tracked for insights.
struct Reply {
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
  bool customer = false;
};
constexpr std::size_t kTrackedReplies = 4;

// A question in memory: its earliest non-asker replies, sorted by seq.
class QuestionRec {
 public:
  const std::string* asker = nullptr;  // the id as stored in Engine::State::users
  std::int64_t ts = 0;       // set by QuestionTable::insert (it orders the table): read only
  std::uint64_t solved = 0;  // the accepted answer (0 = none)

  std::size_t replies() const { return count_; }
  Reply reply(std::size_t i) const {
    return {reply_seq_[i], reply_ts_[i], ((customer_ >> i) & 1u) != 0};
  }
  bool has_reply(std::uint64_t seq) const;
  // Inserts `r` in seq order; false (nothing changes) if it is known or the list is full.
  bool add_reply(const Reply& r);
  // Removes the reply `seq` if tracked.
  void remove_reply(std::uint64_t seq);
  // Copies the replies into `out` (at least kTrackedReplies long); returns their number.
  std::size_t copy_replies(Reply* out) const;

 private:
  std::uint64_t reply_seq_[kTrackedReplies] = {};
  std::int64_t reply_ts_[kTrackedReplies] = {};
  std::uint8_t count_ = 0;
  std::uint8_t customer_ = 0;  // bit i: reply i is by a customer
};

static_assert(std::is_trivially_destructible_v<QuestionRec>, "chunks never run destructors");

class QuestionTable {
 public:
  QuestionTable();
  ~QuestionTable();
  QuestionTable(const QuestionTable&) = delete;
  QuestionTable& operator=(const QuestionTable&) = delete;

  // Channel ids: stable for the table's life (clear() included); never reused.
  std::uint32_t intern(std::string_view channel);
  std::optional<std::uint32_t> channel_id(std::string_view channel) const;
  const std::string& channel_name(std::uint32_t id) const { return *names_[id]; }

  std::size_t size() const { return live_; }
  QuestionRec* find(std::uint32_t channel, std::uint64_t seq);
  const QuestionRec* find(std::uint32_t channel, std::uint64_t seq) const;
  // A new question at (channel, seq) dated `ts`: the record to fill in, or nullptr (and
  // nothing changes) if the key is taken.
  QuestionRec* insert(std::uint32_t channel, std::uint64_t seq, std::int64_t ts);
  // False if there is no such question.
  bool erase(std::uint32_t channel, std::uint64_t seq);
  void clear();

  // While loading many questions (restore), append them to the order index unsorted, and
  // sort them and merge them into it once at the end.
  void begin_bulk();
  void end_bulk();

  struct Entry {
    std::int64_t ts = 0;
    std::uint64_t seq = 0;
    std::uint32_t channel = 0;
    std::uint32_t slot = 0;  // kDead: removed, skipped
  };
  // The oldest question in (ts, channel name, seq) order, if any.
  const Entry* oldest();
  // Calls f(entry, record) in (ts, channel name, seq) order for the questions with
  // ts >= from, while f returns true.
  template <class F>
  void for_each_from(std::int64_t from, F&& f) const {
    for (auto it = first_at_or_after(from); it != order_.end(); ++it) {
      if (it->slot == kDead) continue;
      if (!f(*it, record(it->slot))) return;
    }
  }

 private:
  static constexpr std::uint32_t kDead = UINT32_MAX;
  static constexpr std::size_t kChunkBits = 12;  // 4096 records (384 KiB) per chunk

  // One channel's questions by seq: slots[seq - base] (kDead: none at that seq); the first
  // and last entries are live.
  struct SeqIndex {
    std::uint64_t base = 0;
    std::deque<std::uint32_t> slots;
  };
  struct RawDelete {
    void operator()(QuestionRec* p) const { ::operator delete(p); }
  };

  QuestionRec& record(std::uint32_t slot) const {
    return chunks_[slot >> kChunkBits].get()[slot & ((1u << kChunkBits) - 1)];
  }
  // The index entry of (channel, seq), or nullptr outside the channel's span.
  std::uint32_t* slot_of(std::uint32_t channel, std::uint64_t seq);
  std::uint32_t take_slot();
  // (ts, channel name, seq) order.
  bool before(const Entry& a, const Entry& b) const;
  std::deque<Entry>::const_iterator first_at_or_after(std::int64_t ts) const;
  void drop_dead_ends();

  // Channels: id -> name (pointing at the map's key, which a rehash does not move). Looked up
  // by string_view, without a temporary string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> ids_;
  std::vector<const std::string*> names_;

  std::vector<SeqIndex> by_channel_;  // by channel id
  // Records live only in slots handed out (constructed by insert; trivially destructible).
  std::vector<std::unique_ptr<QuestionRec, RawDelete>> chunks_;
  std::uint32_t next_slot_ = 0;      // slots below it have been handed out
  std::vector<std::uint32_t> free_;  // handed out, then erased
  std::deque<Entry> order_;
  std::size_t dead_ = 0;  // kDead entries in order_
  std::size_t live_ = 0;  // questions
  bool bulk_ = false;
  std::size_t bulk_from_ = 0;  // order_.size() at begin_bulk()
};

}  // namespace parley::advocacy::detail
