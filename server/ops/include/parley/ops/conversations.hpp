// Bringing people back (DESIGN §10): read markers (the `read` op), the caller's conversation
// list (`channels`), the unread total of `welcome`, and which users a new message mentions.
//
// Thread-safety: conversations() and unread_total() block on storage reads (reader pool only);
// mentions_for() reads memory only and may run on a shard thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/outcome.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/protocol/errors.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;

// Most channels `channels` lists (and `unread_total` sums over).
inline constexpr std::size_t kMaxConversations = 1000;
// Mentions counted per channel: `mentions` stops at this.
inline constexpr std::size_t kMaxMentionCount = 1000;
// Users one `@here` mentions at most (those online in the channel, by user id).
inline constexpr std::size_t kMaxHereUsers = 200;
// Users one text mentions by `@ID` at most; later ones are not mentions.
inline constexpr std::size_t kMaxTextMentions = 20;

struct Conversation {
  storage::ChannelInfo info;
  std::uint64_t last_seq = 0;
  std::uint64_t last_read = 0;
  std::uint64_t unread = 0;    // last_seq - last_read
  std::uint64_t mentions = 0;  // messages after last_read that mention the user
  std::string with;            // DMs: the other member
  std::optional<storage::StoredMessage> last_message;
};

// Every channel `who` belongs to or has joined and may still read: those with a read marker
// (joined, or a DM that reached them) and the private channels they are a member of; newest
// activity first (then by name), at most kMaxConversations. With `details` false, the
// mention counts and last messages are left out (for the unread total).
std::vector<Conversation> conversations(Core& core, const Identity& who, bool details);
std::uint64_t unread_total(Core& core, const Identity& who);
// Moves `who`'s read marker in c.channel up to c.seq (never down): the reply through `done`
// (on the writer thread), and a `read` event to the user's other sessions (not `session`) when
// it moved. The caller has checked that `who` may read the channel.
void mark_read(Core& core, const Identity& who, std::uint64_t session, const protocol::ReadCmd& c,
               Done done);
// The `ok` of `channels`.
std::string channels_reply(const std::string& id_json, const std::vector<Conversation>& list);

// When `@here` was last used in each channel, so that it goes at most once per
// `[limits] here_interval_s` there. Thread-safe; bounded (entries past their interval are
// dropped when there are many).
class HereIntervals {
 public:
  explicit HereIntervals(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  // 0 when `@here` may go now in `channel` (and `now_ms` is recorded), else the milliseconds
  // until it may.
  std::int64_t take(const std::string& channel, std::int64_t now_ms);

 private:
  const std::int64_t interval_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> at_;  // channel -> ms of the last @here
};

// The mention candidates of a message `who` sends to `channel` (storage::StoredMessage::
// mentions form: ids separated by spaces). `@ID`s are kept when that user may read the channel
// (anyone in an open channel, members in a private one, the other member in a DM; the writer
// then drops unknown users). `@here` from staff or admins in a non-DM channel adds the users
// online there, at most once per `[limits] here_interval_s` per channel: a second `@here`
// sooner is refused (rate_limited, with *retry_after_ms); from anyone else it is plain text.
struct MentionResult {
  std::string mentions;
  std::optional<protocol::Error> refused;
  std::int64_t retry_after_ms = -1;
};
MentionResult mentions_for(Core& core, HereIntervals& here, const Identity& who,
                           const std::string& channel, protocol::ChannelKind kind,
                           const std::string& text);

}  // namespace parley::server
