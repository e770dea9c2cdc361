#include "parley/ops/permissions.hpp"

namespace parley::server {

using protocol::ChannelKind;
using protocol::ErrorCode;
using protocol::Role;

namespace {

Denial deny(std::string msg) { return Denial{ErrorCode::forbidden, std::move(msg)}; }

bool staff(const Subject& s) { return protocol::is_staff(s.role); }

// Reading: public kinds are open to every role; private channels to members and staff; a DM
// only to its two members (staff read a DM's reported message through the report itself).
std::optional<Denial> can_read(const Subject& s, const ChannelFacts& f) {
  switch (f.kind) {
    case ChannelKind::support:
    case ChannelKind::chat:
    case ChannelKind::announce:
      return std::nullopt;
    case ChannelKind::private_:
      if (f.member || staff(s)) return std::nullopt;
      return deny("not a member of this private channel");
    case ChannelKind::dm:
      if (f.member) return std::nullopt;
      return deny("not a member of this conversation");
  }
  return deny("unknown channel kind");
}

std::optional<Denial> can_post(const Subject& s, const ChannelFacts& f) {
  if (auto d = can_read(s, f)) return d;
  if (f.archived) return deny("channel is archived");
  if (f.kind == ChannelKind::announce && !staff(s) && s.role != Role::bot) {
    return deny("only staff post in announce channels");
  }
  if (f.locked && !staff(s)) return deny("channel is locked; only staff post");
  return std::nullopt;
}

}  // namespace

std::optional<Denial> check(Action a, const Subject& s, const ChannelFacts* f) {
  static const ChannelFacts kNone{};
  const ChannelFacts& facts = f ? *f : kNone;
  switch (a) {
    case Action::read:
      return can_read(s, facts);
    case Action::post:
      return can_post(s, facts);
    case Action::edit_own:
      if (auto d = can_read(s, facts)) return d;
      if (facts.archived) return deny("channel is archived");
      if (!facts.is_author) return deny("only the author may edit a message");
      return std::nullopt;
    case Action::delete_message:
      if (staff(s) && facts.kind != ChannelKind::dm) return std::nullopt;
      if (auto d = can_read(s, facts)) return d;
      if (!facts.is_author) return deny("only the author or staff may delete a message");
      return std::nullopt;
    case Action::react:
      if (auto d = can_read(s, facts)) return d;
      if (facts.archived) return deny("channel is archived");
      return std::nullopt;
    case Action::moderate:
    case Action::manage_channels:
    case Action::set_advocate:
    case Action::staff_api:
      if (!staff(s)) return deny("staff only");
      return std::nullopt;
    case Action::administer:
      if (s.role != Role::admin) return deny("admin only");
      return std::nullopt;
    case Action::mark_answer:
      if (auto d = can_read(s, facts)) return d;
      if (facts.archived) return deny("channel is archived");
      if (facts.kind != ChannelKind::support) {
        return Denial{ErrorCode::bad_request, "only answers in support channels can be marked"};
      }
      if (!staff(s) && !facts.is_asker) return deny("only the asker or staff may mark answers");
      return std::nullopt;
  }
  return deny("unknown action");
}

std::optional<Denial> check_target(const Subject& actor, const std::string& actor_id,
                                   const std::string& target,
                                   std::optional<protocol::Role> target_role) {
  if (target == actor_id) return Denial{ErrorCode::bad_request, "you cannot moderate yourself"};
  if (target_role && protocol::is_staff(*target_role)) {
    const bool admin_over_staff =
        actor.role == protocol::Role::admin && *target_role == protocol::Role::staff;
    if (!admin_over_staff)
      return Denial{ErrorCode::forbidden, "staff cannot moderate staff or admins"};
  }
  return std::nullopt;
}

SearchScope search_scope(const std::optional<Subject>& s,
                         const std::vector<ListedChannel>& channels) {
  SearchScope scope;
  if (s && staff(*s)) {
    scope.everything = true;
    return scope;
  }
  scope.solved_only = !s;
  scope.own_dms = s.has_value();
  for (const auto& ch : channels) {
    if (ch.archived) continue;
    bool open = false;
    switch (ch.kind) {
      case ChannelKind::support:
        open = s.has_value() || ch.published;
        break;
      case ChannelKind::chat:
      case ChannelKind::announce:
        open = s.has_value();
        break;
      case ChannelKind::private_:
        open = s.has_value() && ch.member;
        break;
      case ChannelKind::dm:
        break;  // DMs are covered by own_dms
    }
    if (open) scope.channels.push_back(ch.name);
  }
  return scope;
}

}  // namespace parley::server
