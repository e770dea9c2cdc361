// Users: who is connected, by user and by IP address, and who has been seen (the user records
// the server keeps up to date at each authentication).
//
// Thread-safety: every method from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/config.hpp"
#include "parley/ops/moderation.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

class Writes;

// What the server records of an identity at `now` (first and last seen; the store keeps the
// first first_seen and the preferences).
storage::UserRecord user_record(const Identity& who, std::int64_t now);

class Users {
 public:
  Users(const Config& cfg, Writes& writes, Moderation& moderation)
      : cfg_(cfg), writes_(writes), moderation_(moderation) {}

  // Per-IP connection accounting: acquire returns false (and counts nothing) at
  // [limits] max_connections_per_ip.
  bool acquire_ip(const std::string& ip);
  void release_ip(const std::string& ip);

  // At auth: remembers the user's role and records the user (at most every few minutes).
  void note_user(const Identity& who);
  // Authenticated sessions per user, across shards (email goes only to users with none), and
  // when each last authenticated (ms; 0 = not since the start, or forgotten: bounded).
  void user_connected(const std::string& user);
  void user_disconnected(const std::string& user);
  bool has_session(const std::string& user);
  std::int64_t last_connected(const std::string& user);

  // At a refused auth: audits the ban enforcement (at most once a minute per user).
  void audit_ban_enforced(const std::string& user);

  // Writer thread: forgets what was noted of the users a batch starts erasing (whoever comes
  // back is recorded afresh).
  void on_committed(std::vector<storage::Committed>& batch);

 private:
  const Config& cfg_;
  Writes& writes_;
  Moderation& moderation_;

  std::mutex users_mu_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::string>> user_noted_;  // ms, what
  std::unordered_map<std::string, std::int64_t> ban_audited_at_;                      // user -> ms

  std::mutex sessions_mu_;
  std::unordered_map<std::string, unsigned> user_sessions_;     // user -> authenticated sessions
  std::unordered_map<std::string, std::int64_t> connected_at_;  // user -> ms of the last auth

  std::mutex ips_mu_;
  std::unordered_map<std::string, std::size_t> ips_;
};

}  // namespace parley::server
