// The permission table: who may do what, where, by role and channel, and who may be moderated
// by whom (docs/PERMISSIONS.md is its prose form; tests/server/permissions_test.cpp its table).
// The facts of a channel come from channel_access.hpp. The rules that depend on moderation
// state are not here: Actions::check_post (a kick's rejoin delay, mutes, the word filter, slow
// mode), in actions.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parley/protocol/errors.hpp"
#include "parley/protocol/types.hpp"

namespace parley::server {

enum class Action {
  read,             // join, history, typing, report
  post,             // send (and reply)
  edit_own,         // edit: the author only
  delete_message,   // delete: the author, or staff
  react,            // react / unreact
  moderate,         // resolve_report, mute, unmute, ban, unban, kick, slow_mode, lock
  manage_channels,  // create_channel, archive_channel, update_channel, add/remove_member,
                    // publish_thread
  mark_answer,      // helpful, solve: the asker, or staff; not in archived channels
  set_advocate,     // staff
  staff_api,        // the staff HTTP API (reports, audit, advocates, insights, users): staff
  administer,       // backups, exports, bots, webhooks, erasure: admins only
};

struct Subject {
  protocol::Role role = protocol::Role::customer;
  bool guest = false;
};

// What the decision needs to know about the channel and the subject's relation to it.
struct ChannelFacts {
  protocol::ChannelKind kind = protocol::ChannelKind::chat;
  bool archived = false;
  bool locked = false;
  bool member = false;     // private channel member, or one of a DM's two users
  bool is_author = false;  // edit/delete: the subject wrote the message
  bool is_asker = false;   // helpful/solve: the subject asked the question
};

struct Denial {
  protocol::ErrorCode code = protocol::ErrorCode::forbidden;
  std::string message;
};

// nullopt = allowed. `facts` may be null for actions that involve no channel.
std::optional<Denial> check(Action a, const Subject& s, const ChannelFacts* facts);

// Whether `actor` (user id `actor_id`) may moderate `target` (mute, ban, kick, or a report's
// author when upheld), whose role is `target_role` if known (nullopt: never seen, a customer).
// Nobody moderates themselves (bad_request); staff moderate neither staff nor admins, and an
// admin moderates staff but not admins (forbidden). nullopt = allowed.
std::optional<Denial> check_target(const Subject& actor, const std::string& actor_id,
                                   const std::string& target,
                                   std::optional<protocol::Role> target_role);

// --- Search (DESIGN §9): which channels a search may return results from ---
struct ListedChannel {
  std::string name;
  protocol::ChannelKind kind = protocol::ChannelKind::chat;
  bool archived = false;
  bool member = false;     // the subject is a member (private channels)
  bool published = false;  // support channels: knowledge pages are on (publish setting)
};
struct SearchScope {
  bool everything = false;            // staff: every channel, DMs and archived ones included
  std::vector<std::string> channels;  // the non-DM channels the subject may search
  bool own_dms = false;               // and the DMs the subject is one of the two users of
  bool solved_only = false;           // only solved threads (anonymous: published threads)
};
// `s` is nullopt for an anonymous reader (GET /api/search without a token): solved threads
// (questions with an accepted answer, and those answers) of published support channels only.
// Customers, guests and bots: open channels that are not archived, private ones they are a member
// of (not archived), and their own DMs. Staff and admins: everything.
SearchScope search_scope(const std::optional<Subject>& s,
                         const std::vector<ListedChannel>& channels);

}  // namespace parley::server
