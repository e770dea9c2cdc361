// server/src/permissions.cpp, table-driven: each row is a rule of docs/PERMISSIONS.md (the
// section named in its comment) for one role in one kind of channel, with the exact answer. The
// black-box permission matrices (ModerationTest.PermissionMatrix, MessageOpsPermissionMatrix)
// drive the same rules over sockets; this table pins every branch of check() on its own.
#include "parley/ops/permissions.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using protocol::ChannelKind;
using protocol::ErrorCode;
using protocol::Role;

constexpr Role C = Role::customer, B = Role::bot, S = Role::staff, A = Role::admin;
constexpr ChannelKind SUP = ChannelKind::support, CHAT = ChannelKind::chat,
                      ANN = ChannelKind::announce, PRIV = ChannelKind::private_,
                      DM = ChannelKind::dm;

struct Row {
  Action action;
  Role role;
  bool guest;
  ChannelKind kind;
  bool archived, locked, member, author, asker;
  // "" = allowed; else the message of the forbidden answer, or "bad_request: <message>".
  const char* expect;
};

// Flags in order: archived, locked, member, author, asker.
const std::vector<Row> kRows = {
    // --- Reading and posting: the table (read) ---
    {Action::read, C, false, SUP, 0, 0, 0, 0, 0, ""},
    {Action::read, C, true, CHAT, 0, 0, 0, 0, 0, ""},  // guests: the customer's permissions
    {Action::read, B, false, ANN, 0, 0, 0, 0, 0, ""},
    {Action::read, C, false, PRIV, 0, 0, 0, 0, 0, "not a member of this private channel"},
    {Action::read, B, false, PRIV, 0, 0, 0, 0, 0, "not a member of this private channel"},
    {Action::read, C, false, PRIV, 0, 0, 1, 0, 0, ""},
    {Action::read, S, false, PRIV, 0, 0, 0, 0, 0, ""},
    {Action::read, A, false, PRIV, 0, 0, 0, 0, 0, ""},
    {Action::read, C, false, DM, 0, 0, 1, 0, 0, ""},
    {Action::read, C, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},
    {Action::read, S, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},  // not staff
    {Action::read, A, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},
    {Action::read, C, false, CHAT, 1, 1, 0, 0, 0, ""},  // archived and locked: still read
    // --- Reading and posting: the table (post) ---
    {Action::post, C, false, SUP, 0, 0, 0, 0, 0, ""},
    {Action::post, C, true, CHAT, 0, 0, 0, 0, 0, ""},
    {Action::post, C, false, ANN, 0, 0, 0, 0, 0, "only staff post in announce channels"},
    {Action::post, C, true, ANN, 0, 0, 0, 0, 0, "only staff post in announce channels"},
    {Action::post, B, false, ANN, 0, 0, 0, 0, 0, ""},  // announce: staff and bots
    {Action::post, S, false, ANN, 0, 0, 0, 0, 0, ""},
    {Action::post, C, false, PRIV, 0, 0, 1, 0, 0, ""},
    {Action::post, C, false, PRIV, 0, 0, 0, 0, 0, "not a member of this private channel"},
    {Action::post, S, false, PRIV, 0, 0, 0, 0, 0, ""},
    {Action::post, C, false, DM, 0, 0, 1, 0, 0, ""},
    {Action::post, S, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},
    // --- On top of the table: archived (nobody posts, staff included), locked (only staff) ---
    {Action::post, C, false, CHAT, 1, 0, 0, 0, 0, "channel is archived"},
    {Action::post, S, false, CHAT, 1, 0, 0, 0, 0, "channel is archived"},
    {Action::post, A, false, SUP, 1, 1, 0, 0, 0, "channel is archived"},
    {Action::post, C, false, CHAT, 0, 1, 0, 0, 0, "channel is locked; only staff post"},
    {Action::post, B, false, SUP, 0, 1, 0, 0, 0, "channel is locked; only staff post"},
    {Action::post, B, false, ANN, 0, 1, 0, 0, 0, "channel is locked; only staff post"},
    {Action::post, S, false, CHAT, 0, 1, 0, 0, 0, ""},
    {Action::post, A, false, PRIV, 0, 1, 0, 0, 0, ""},
    // --- Message lifecycle: edit (the author only, not archived) ---
    {Action::edit_own, C, false, CHAT, 0, 0, 0, 1, 0, ""},
    {Action::edit_own, C, false, CHAT, 0, 0, 0, 0, 0, "only the author may edit a message"},
    {Action::edit_own, S, false, CHAT, 0, 0, 0, 0, 0, "only the author may edit a message"},
    {Action::edit_own, C, false, CHAT, 1, 0, 0, 1, 0, "channel is archived"},
    {Action::edit_own, C, false, CHAT, 0, 1, 0, 1, 0, ""},  // locking does not stop edits
    {Action::edit_own, C, false, PRIV, 0, 0, 0, 1, 0, "not a member of this private channel"},
    // --- delete: the author where they can read (archived included); staff outside DMs ---
    {Action::delete_message, C, false, CHAT, 0, 0, 0, 1, 0, ""},
    {Action::delete_message, C, false, CHAT, 1, 1, 0, 1, 0, ""},
    {Action::delete_message, C, false, CHAT, 0, 0, 0, 0, 0,
     "only the author or staff may delete a message"},
    {Action::delete_message, B, false, SUP, 0, 0, 0, 0, 0,
     "only the author or staff may delete a message"},
    {Action::delete_message, S, false, CHAT, 1, 0, 0, 0, 0, ""},
    {Action::delete_message, A, false, PRIV, 0, 0, 0, 0, 0, ""},
    {Action::delete_message, S, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},
    {Action::delete_message, C, false, DM, 0, 0, 1, 1, 0, ""},
    {Action::delete_message, C, false, PRIV, 0, 0, 0, 1, 0,
     "not a member of this private channel"},  // removed from the channel: can no longer read
    // --- react / unreact: who can read, not archived ---
    {Action::react, C, false, ANN, 0, 1, 0, 0, 0, ""},
    {Action::react, C, false, CHAT, 1, 0, 0, 0, 0, "channel is archived"},
    {Action::react, S, false, CHAT, 1, 0, 0, 0, 0, "channel is archived"},
    {Action::react, C, false, PRIV, 0, 0, 0, 0, 0, "not a member of this private channel"},
    {Action::react, S, false, DM, 0, 0, 0, 0, 0, "not a member of this conversation"},
    // --- Staff operations: staff only, whatever the channel ---
    {Action::moderate, C, false, CHAT, 0, 0, 0, 0, 0, "staff only"},
    {Action::moderate, C, true, CHAT, 0, 0, 0, 0, 0, "staff only"},
    {Action::moderate, B, false, CHAT, 0, 0, 0, 0, 0, "staff only"},
    {Action::moderate, S, false, CHAT, 0, 0, 0, 0, 0, ""},
    {Action::moderate, A, false, DM, 0, 0, 0, 0, 0, ""},
    {Action::manage_channels, C, false, PRIV, 0, 0, 1, 0, 0, "staff only"},
    {Action::manage_channels, B, false, SUP, 0, 0, 0, 0, 0, "staff only"},
    {Action::manage_channels, S, false, SUP, 1, 0, 0, 0, 0, ""},
    {Action::set_advocate, C, false, SUP, 0, 0, 0, 0, 0, "staff only"},
    {Action::set_advocate, A, false, SUP, 0, 0, 0, 0, 0, ""},
    // --- Advocacy: helpful / solve (read first, not archived, support only, asker or staff) ---
    {Action::mark_answer, C, false, SUP, 0, 0, 0, 0, 1, ""},
    {Action::mark_answer, C, false, SUP, 0, 1, 0, 0, 1, ""},  // not refused in locked channels
    {Action::mark_answer, C, false, SUP, 0, 0, 0, 0, 0, "only the asker or staff may mark answers"},
    {Action::mark_answer, B, false, SUP, 0, 0, 0, 0, 0, "only the asker or staff may mark answers"},
    {Action::mark_answer, B, false, SUP, 0, 0, 0, 0, 1, ""},  // bots only as askers
    {Action::mark_answer, S, false, SUP, 0, 0, 0, 0, 0, ""},
    {Action::mark_answer, S, false, SUP, 1, 0, 0, 0, 0, "channel is archived"},
    {Action::mark_answer, C, false, SUP, 1, 0, 0, 0, 1, "channel is archived"},
    {Action::mark_answer, C, false, CHAT, 0, 0, 0, 0, 1,
     "bad_request: only answers in support channels can be marked"},
    {Action::mark_answer, S, false, ANN, 0, 0, 0, 0, 0,
     "bad_request: only answers in support channels can be marked"},
    // the read check comes first: a non-member gets forbidden, a member bad_request
    {Action::mark_answer, C, false, PRIV, 0, 0, 0, 0, 1, "not a member of this private channel"},
    {Action::mark_answer, C, false, PRIV, 0, 0, 1, 0, 1,
     "bad_request: only answers in support channels can be marked"},
    {Action::mark_answer, C, false, DM, 0, 0, 0, 0, 1, "not a member of this conversation"},
    {Action::mark_answer, C, false, DM, 0, 0, 1, 0, 1,
     "bad_request: only answers in support channels can be marked"},
};

ChannelFacts facts_of(const Row& r) {
  ChannelFacts f;
  f.kind = r.kind;
  f.archived = r.archived;
  f.locked = r.locked;
  f.member = r.member;
  f.is_author = r.author;
  f.is_asker = r.asker;
  return f;
}

std::string outcome(const std::optional<Denial>& d) {
  if (!d) return "";
  if (d->code == ErrorCode::bad_request) return "bad_request: " + d->message;
  EXPECT_EQ(d->code, ErrorCode::forbidden) << d->message;
  return d->message;
}

TEST(Permissions, EveryRuleOfTheTable) {
  for (std::size_t i = 0; i < kRows.size(); ++i) {
    const Row& r = kRows[i];
    const ChannelFacts f = facts_of(r);
    const Subject s{r.role, r.guest};
    EXPECT_EQ(outcome(check(r.action, s, &f)), r.expect) << "row " << i;
  }
}

// A guest has exactly the customer's permissions: every row of a customer, as a guest.
TEST(Permissions, GuestsHaveExactlyTheCustomersPermissions) {
  int compared = 0;
  for (const Row& r : kRows) {
    if (r.role != C) continue;
    const ChannelFacts f = facts_of(r);
    EXPECT_EQ(outcome(check(r.action, Subject{C, true}, &f)),
              outcome(check(r.action, Subject{C, false}, &f)));
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

// The staff-only actions need no channel.
TEST(Permissions, StaffOnlyActionsWithoutAChannel) {
  for (Action a :
       {Action::moderate, Action::manage_channels, Action::set_advocate, Action::staff_api}) {
    EXPECT_EQ(outcome(check(a, Subject{C, false}, nullptr)), "staff only");
    EXPECT_EQ(outcome(check(a, Subject{B, false}, nullptr)), "staff only");
    EXPECT_EQ(outcome(check(a, Subject{S, false}, nullptr)), "");
    EXPECT_EQ(outcome(check(a, Subject{A, false}, nullptr)), "");
  }
}

// Backups, exports, bots, webhooks and erasure (the admin HTTP API).
TEST(Permissions, AdminOnlyActions) {
  EXPECT_EQ(outcome(check(Action::administer, Subject{C, false}, nullptr)), "admin only");
  EXPECT_EQ(outcome(check(Action::administer, Subject{C, true}, nullptr)), "admin only");
  EXPECT_EQ(outcome(check(Action::administer, Subject{B, false}, nullptr)), "admin only");
  EXPECT_EQ(outcome(check(Action::administer, Subject{S, false}, nullptr)), "admin only");
  EXPECT_EQ(outcome(check(Action::administer, Subject{A, false}, nullptr)), "");
}

// Who may moderate whom (mute, ban, kick, upholding a report against its author):
// docs/PERMISSIONS.md "Moderating staff". The actor is staff or admin (check(moderate) first).
TEST(Permissions, WhoMayBeModerated) {
  struct TargetRow {
    Role actor;
    std::optional<Role> target;  // nullopt: a user the server has not seen
    bool self;
    const char* expect;
  };
  const std::vector<TargetRow> rows = {
      {S, C, false, ""},
      {S, B, false, ""},
      {S, std::nullopt, false, ""},
      {S, S, false, "staff cannot moderate staff or admins"},
      {S, A, false, "staff cannot moderate staff or admins"},
      {A, C, false, ""},
      {A, S, false, ""},  // an admin moderates staff
      {A, A, false, "staff cannot moderate staff or admins"},
      {S, S, true, "bad_request: you cannot moderate yourself"},
      {A, A, true, "bad_request: you cannot moderate yourself"},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const TargetRow& r = rows[i];
    const std::string target = r.self ? "me" : "them";
    EXPECT_EQ(outcome(check_target(Subject{r.actor, false}, "me", target, r.target)), r.expect)
        << "row " << i;
  }
}

}  // namespace
}  // namespace parley::server
