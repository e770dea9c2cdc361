#include "parley/ops/moderation.hpp"

#include <algorithm>
#include <vector>

namespace parley::server {

namespace {
bool active(std::int64_t until, std::int64_t now) { return until == 0 || until > now; }
constexpr std::int64_t kSlowModeMaxMs = 86400LL * 1000;  // the longest interval allowed
}  // namespace

void Moderation::load(const storage::ModerationSnapshot& snap) {
  std::lock_guard lock(mu_);
  for (const auto& m : snap.mutes) mutes_[{m.user, m.channel}] = m;
  for (const auto& b : snap.bans) bans_[b.user] = b;
  for (const auto& [ch, user] : snap.members) members_.insert({ch, user});
}

void Moderation::put_mute(const storage::Mute& m) {
  std::lock_guard lock(mu_);
  mutes_[{m.user, m.channel}] = m;
}

void Moderation::remove_mute(const std::string& user, const std::string& channel) {
  std::lock_guard lock(mu_);
  mutes_.erase({user, channel});
}

void Moderation::put_ban(const storage::Ban& b) {
  std::lock_guard lock(mu_);
  bans_[b.user] = b;
}

void Moderation::remove_ban(const std::string& user) {
  std::lock_guard lock(mu_);
  bans_.erase(user);
}

void Moderation::put_member(const std::string& channel, const std::string& user) {
  std::lock_guard lock(mu_);
  members_.insert({channel, user});
}

void Moderation::remove_member(const std::string& channel, const std::string& user) {
  std::lock_guard lock(mu_);
  members_.erase({channel, user});
}

std::optional<storage::Ban> Moderation::ban_for(const std::string& user, std::int64_t now) const {
  std::lock_guard lock(mu_);
  auto it = bans_.find(user);
  if (it == bans_.end() || !active(it->second.until, now)) return std::nullopt;
  return it->second;
}

std::optional<storage::Mute> Moderation::mute_for(const std::string& user,
                                                  const std::string& channel,
                                                  std::int64_t now) const {
  std::lock_guard lock(mu_);
  std::optional<storage::Mute> best;
  for (const std::string* ch : {&channel, static_cast<const std::string*>(nullptr)}) {
    auto it = mutes_.find({user, ch ? *ch : std::string()});
    if (it == mutes_.end() || !active(it->second.until, now)) continue;
    const auto& m = it->second;
    if (!best || m.until == 0 || (best->until != 0 && m.until > best->until)) best = m;
  }
  return best;
}

std::vector<storage::Mute> Moderation::mutes_of(const std::string& user, std::int64_t now) const {
  std::lock_guard lock(mu_);
  std::vector<storage::Mute> out;
  for (auto it = mutes_.lower_bound({user, ""}); it != mutes_.end() && it->first.first == user;
       ++it) {
    if (active(it->second.until, now)) out.push_back(it->second);
  }
  return out;
}

bool Moderation::is_member(const std::string& channel, const std::string& user) const {
  std::lock_guard lock(mu_);
  return members_.count({channel, user}) > 0;
}

std::vector<std::string> Moderation::members(const std::string& channel) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto it = members_.lower_bound({channel, ""}); it != members_.end() && it->first == channel;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::int64_t Moderation::slow_mode_wait(const std::string& channel, const std::string& user,
                                        std::uint32_t interval_s, std::int64_t now) {
  std::lock_guard lock(mu_);
  // Bounded memory: entries older than the longest possible interval can never matter.
  if (now - last_post_pruned_ > 60'000) {
    last_post_pruned_ = now;
    std::erase_if(last_post_, [now](const auto& kv) { return now - kv.second > kSlowModeMaxMs; });
  }
  auto& last = last_post_[{channel, user}];
  std::int64_t wait = last + static_cast<std::int64_t>(interval_s) * 1000 - now;
  if (last != 0 && wait > 0) return wait;
  last = now;
  return 0;
}

std::int64_t Moderation::report_wait(const std::string& user, unsigned per_hour, std::int64_t now) {
  constexpr std::int64_t kHour = 3600 * 1000;
  std::lock_guard lock(mu_);
  if (reports_.size() > 100000) {
    std::erase_if(reports_, [now](const auto& kv) { return now - kv.second.back() > kHour; });
  }
  auto& times = reports_[user];
  std::erase_if(times, [now](std::int64_t t) { return now - t >= kHour; });
  if (times.size() >= per_hour) return times.front() + kHour - now;
  times.push_back(now);
  return 0;
}

void Moderation::report_refund(const std::string& user, std::int64_t at) {
  std::lock_guard lock(mu_);
  auto it = reports_.find(user);
  if (it == reports_.end()) return;
  auto& times = it->second;
  if (auto t = std::find(times.begin(), times.end(), at); t != times.end()) times.erase(t);
  if (times.empty()) reports_.erase(it);
}

void Moderation::put_kick(const std::string& user, const std::string& channel,
                          std::int64_t until_ms, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  // Bounded: past kicks say nothing, so they go whenever the map grows large (and, should
  // 100,000 be in force at once, the first by user id).
  if (kicks_.size() >= 100000) {
    std::erase_if(kicks_, [now_ms](const auto& kv) { return kv.second <= now_ms; });
    if (kicks_.size() >= 100000) kicks_.erase(kicks_.begin());
  }
  kicks_[{user, channel}] = until_ms;
}

std::int64_t Moderation::kick_wait(const std::string& user, const std::string& channel,
                                   std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = kicks_.find({user, channel});
  return it == kicks_.end() || it->second <= now_ms ? 0 : it->second - now_ms;
}

void Moderation::note_role(const std::string& user, protocol::Role role) {
  std::lock_guard lock(mu_);
  roles_[user] = role;
}

std::optional<protocol::Role> Moderation::known_role(const std::string& user) const {
  std::lock_guard lock(mu_);
  auto it = roles_.find(user);
  if (it == roles_.end()) return std::nullopt;
  return it->second;
}

}  // namespace parley::server
