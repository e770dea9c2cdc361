#include "parley/ops/users.hpp"

#include "parley/ops/clock.hpp"
#include "parley/ops/writes.hpp"

namespace parley::server {

bool Users::acquire_ip(const std::string& ip) {
  std::lock_guard lock(ips_mu_);
  auto& n = ips_[ip];
  if (n >= cfg_.limits.max_connections_per_ip) {
    if (n == 0) ips_.erase(ip);
    return false;
  }
  ++n;
  return true;
}

void Users::release_ip(const std::string& ip) {
  std::lock_guard lock(ips_mu_);
  auto it = ips_.find(ip);
  if (it != ips_.end() && --it->second == 0) ips_.erase(it);
}

storage::UserRecord user_record(const Identity& who, std::int64_t now) {
  storage::UserRecord u;
  u.id = who.id;
  u.name = who.name;
  u.role = who.role;
  u.guest = who.guest;
  u.first_seen = now;
  u.last_seen = now;
  u.email = who.email;
  return u;
}

void Users::note_user(const Identity& who) {
  moderation_.note_role(who.id, who.role);
  auto now = now_ms();
  {
    // A changed name, role or email is recorded at once; the same again at most every 5 min.
    std::string seen = who.name + '\n' + std::string(protocol::to_string(who.role)) + '\n' +
                       who.email + (who.guest ? "\ng" : "");
    std::lock_guard lock(users_mu_);
    auto& noted = user_noted_[who.id];
    if (noted.first != 0 && now - noted.first < 5 * 60 * 1000 && noted.second == seen) return;
    noted = {now, std::move(seen)};
    if (user_noted_.size() > 200000) user_noted_.clear();  // bounded; only throttling
  }
  storage::WriteRequest req;
  const storage::UserRecord u = user_record(who, now);
  req.op = storage::PutUser{u, std::nullopt, std::nullopt};  // preferences unchanged
  writes_.submit(std::move(req));  // best effort: a full queue only delays the record
}

void Users::user_connected(const std::string& user) {
  const auto now = now_ms();
  std::lock_guard lock(sessions_mu_);
  ++user_sessions_[user];
  if (connected_at_.size() > 500000) connected_at_.clear();  // bounded; email only
  connected_at_[user] = now;
}

std::int64_t Users::last_connected(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  auto it = connected_at_.find(user);
  return it == connected_at_.end() ? 0 : it->second;
}

void Users::user_disconnected(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  auto it = user_sessions_.find(user);
  if (it != user_sessions_.end() && --it->second == 0) user_sessions_.erase(it);
}

bool Users::has_session(const std::string& user) {
  std::lock_guard lock(sessions_mu_);
  return user_sessions_.contains(user);
}

void Users::audit_ban_enforced(const std::string& user) {
  auto now = now_ms();
  {
    std::lock_guard lock(users_mu_);
    auto& at = ban_audited_at_[user];
    if (at != 0 && now - at < 60 * 1000) return;
    at = now;
    if (ban_audited_at_.size() > 100000) ban_audited_at_.clear();
  }
  storage::WriteRequest req;
  req.op = storage::AuditOnly{};
  storage::AuditEntry a;
  a.actor = "system";
  a.action = "ban_enforced";
  a.target_user = user;
  req.audit = std::move(a);
  writes_.submit(std::move(req));
}

void Users::on_committed(std::vector<storage::Committed>& batch) {
  for (const auto& c : batch) {
    const auto* erase = std::get_if<storage::EraseUser>(&c.req.op);
    if (!erase || erase->finish || c.status != storage::WriteStatus::ok) continue;
    std::lock_guard lock(users_mu_);
    user_noted_.erase(erase->user);  // whoever comes back is recorded afresh
  }
}

}  // namespace parley::server
