// In-memory moderation state: mutes, bans, private-channel members, slow-mode clocks and the
// roles of users seen since start-up. Loaded from storage at start; updated by Writes after
// each commit, so a moderation action takes effect once it is durable.
//
// Thread-safety: every method locks; callable from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "parley/protocol/types.hpp"
#include "parley/storage/records.hpp"

namespace parley::server {

class Moderation {
 public:
  void load(const storage::ModerationSnapshot& snap);

  void put_mute(const storage::Mute& m);
  void remove_mute(const std::string& user, const std::string& channel);
  void put_ban(const storage::Ban& b);
  void remove_ban(const std::string& user);
  void put_member(const std::string& channel, const std::string& user);
  void remove_member(const std::string& channel, const std::string& user);

  // The ban in force for `user` at `now`, if any.
  std::optional<storage::Ban> ban_for(const std::string& user, std::int64_t now_ms) const;
  // The mute in force for `user` in `channel` (a channel mute or a global one) at `now`; the
  // one lasting longest when both apply.
  std::optional<storage::Mute> mute_for(const std::string& user, const std::string& channel,
                                        std::int64_t now_ms) const;
  bool is_member(const std::string& channel, const std::string& user) const;
  std::vector<std::string> members(const std::string& channel) const;
  std::vector<storage::Mute> mutes_of(const std::string& user, std::int64_t now_ms) const;

  // Slow mode: if `user` posted in `channel` less than interval_s ago, the milliseconds left;
  // otherwise records this post and returns 0.
  std::int64_t slow_mode_wait(const std::string& channel, const std::string& user,
                              std::uint32_t interval_s, std::int64_t now_ms);

  // Reports: if `user` filed per_hour reports within the last hour, the ms until the oldest
  // of them leaves the window; otherwise records this one and returns 0.
  std::int64_t report_wait(const std::string& user, unsigned per_hour, std::int64_t now_ms);
  // Gives back the report recorded at `at` by report_wait: it filed nothing (a duplicate, a
  // missing message, one's own message), so it does not count.
  void report_refund(const std::string& user, std::int64_t at);

  // Kicks: `user` stays out of `channel` until `until_ms` (in memory: a restart forgets them).
  void put_kick(const std::string& user, const std::string& channel, std::int64_t until_ms,
                std::int64_t now_ms);
  // The milliseconds left of a kick of `user` from `channel`, or 0.
  std::int64_t kick_wait(const std::string& user, const std::string& channel,
                         std::int64_t now_ms) const;

  // Roles of users seen at auth since start-up (for "staff cannot moderate staff").
  void note_role(const std::string& user, protocol::Role role);
  std::optional<protocol::Role> known_role(const std::string& user) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, storage::Mute> mutes_;  // (user, channel)
  std::unordered_map<std::string, storage::Ban> bans_;
  std::set<std::pair<std::string, std::string>> members_;  // (channel, user)
  std::map<std::pair<std::string, std::string>, std::int64_t> last_post_;
  std::int64_t last_post_pruned_ = 0;
  std::unordered_map<std::string, protocol::Role> roles_;
  std::unordered_map<std::string, std::vector<std::int64_t>> reports_;  // user -> times
  std::map<std::pair<std::string, std::string>, std::int64_t> kicks_;   // (user, channel) -> until
};

}  // namespace parley::server
