// Actions: the operations of clients and staff that change state (send and dm, the message
// lifecycle, reports, moderation, channel management), transport-neutral so the WebSocket ops and
// the staff HTTP API share one implementation: permission checks (permissions.cpp), validation
// against current state, the durable write with its audit entry, and a reply.
//
// Threading: methods may be called from any thread and never block on disk; reads they need
// run on the reader pool. `Done` runs on a storage or reader thread: callers post it to
// their own thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/conversations.hpp"
#include "parley/ops/outcome.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/ops/writes.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/protocol/errors.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;
class AdvocacyService;
class EmailService;
class WebhookService;
class WordFilter;

// What became of a message handed to Actions::send or send_dm: refused at once (the error to
// reply), or submitted (its ack follows through the AckRoute: Completion::ack, writes.hpp);
// `masked_text` is the text as it will be stored when the word filter masked it ("" when it did
// not).
struct Posted {
  std::optional<Outcome> refused;
  std::string masked_text;
};

class Actions {
 public:
  Actions(Core& core, const WordFilter& filter, AdvocacyService& advocacy, WebhookService& webhooks,
          EmailService& email);

  void edit(const Identity& who, const protocol::EditCmd& c, Done done);
  void remove(const Identity& who, const protocol::DeleteCmd& c, Done done);
  void react(const Identity& who, const protocol::ReactCmd& c, Done done);
  void report(const Identity& who, const protocol::ReportCmd& c, Done done);
  void resolve_report(const Identity& who, const protocol::ResolveReportCmd& c, Done done);
  void mute(const Identity& who, const protocol::MuteCmd& c, Done done);
  void ban(const Identity& who, const protocol::BanCmd& c, Done done);
  void kick(const Identity& who, const protocol::KickCmd& c, Done done);
  void slow_mode(const Identity& who, const protocol::SlowModeCmd& c, Done done);
  void lock(const Identity& who, const protocol::LockCmd& c, Done done);
  void create_channel(const Identity& who, const protocol::CreateChannelCmd& c, Done done);
  void archive_channel(const Identity& who, const protocol::ArchiveChannelCmd& c, Done done);
  void update_channel(const Identity& who, const protocol::UpdateChannelCmd& c, Done done);
  // Several settings of one channel at once (PATCH /api/channels/NAME): `changes` holds
  // update_channel, archive_channel, lock and slow_mode commands for `channel`, all applied in
  // one write (all or nothing), with one audit entry `update_channel` naming every field and
  // one channel_updated event.
  void patch_channel(const Identity& who, const std::string& channel,
                     const std::vector<protocol::Command>& changes, Done done);
  void member(const Identity& who, const protocol::MemberCmd& c, Done done);

  // A message to a channel: read and post permission (channel_access, check), check_post,
  // buttons only from bots, mentions (and `@here`'s interval), then the in-flight cap
  // (`inflight`: the session's sends awaiting storage, against [limits] max_inflight_sends),
  // then the storage queue. `c.text` may be masked in place.
  Posted send(const Identity& who, protocol::SendCmd& c, AckRoute route, std::size_t inflight);
  // A direct message to c.to: not to oneself, check_post (no slow mode), mentions, the cap and
  // the queue as send().
  Posted send_dm(const Identity& who, protocol::DmCmd& c, AckRoute route, std::size_t inflight);

  // Checks a post (send, dm, edit), in this order, against a kick's rejoin delay, mutes, the
  // word filter and slow mode. May rewrite `text` (mask mode; then `*masked`, if given, is set). On
  // refusal returns the error (and audits filter blocks).
  std::optional<Outcome> check_post(const Identity& who, const std::string& channel,
                                    std::string& text, bool counts_for_slow_mode,
                                    bool* masked = nullptr);

 private:
  // The message write of send and send_dm, after their checks.
  Posted submit_message(const Identity& who, std::string channel, std::string text,
                        std::string client_msg_id, std::uint64_t reply_to, std::string mentions,
                        std::string actions, bool masked, AckRoute route, std::size_t inflight);
  // Submits `req` and turns its storage status into an Outcome with `on_ok` building fields.
  void write(storage::WriteRequest req, std::function<Outcome(storage::Committed&)> on_ok,
             Done done);
  void write_channel(storage::WriteRequest req, Done done);
  // resolve_report's steps, in this order (actions.cpp).
  struct Resolution;
  void resolve_remove(std::shared_ptr<Resolution> r);
  void resolve_mute(std::shared_ptr<Resolution> r);
  void resolve_write(std::shared_ptr<Resolution> r);
  std::optional<Outcome> staff_target_check(const Identity& who, const std::string& target);
  storage::AuditEntry audit(const Identity& who, std::string action) const;

  Core& core_;
  const WordFilter& filter_;
  AdvocacyService& advocacy_;
  WebhookService& webhooks_;
  EmailService& email_;
  HereIntervals here_;
};

}  // namespace parley::server
