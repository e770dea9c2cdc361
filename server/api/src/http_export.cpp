// GET /api/admin/export?channel=NAME (admin; DESIGN §12): a channel as NDJSON, streamed with
// Transfer-Encoding: chunked in constant memory (a ChunkSource reads 256 messages, or 256
// changes, per piece). protocol/PROTOCOL.md §9.8 describes the lines.
#include <string>

#include "parley/api/context.hpp"
#include "parley/api/http_api.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "session.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

constexpr std::size_t kPiece = 256;

// The lines, in order: the channel, its messages as they are now (ascending seq), then its
// change log (edits, deletions, reactions, helpful marks, accepted answers, in change order),
// each up to where they were when the export began.
class ChannelExport : public ChunkSource {
 public:
  ChannelExport(ApiContext& ctx, storage::ChannelInfo info)
      : ctx_(ctx),
        info_(std::move(info)),
        last_seq_(ctx.store.last_seq(info_.name)),
        last_change_(ctx.store.last_change(info_.name)) {}

  std::string next() override {
    std::string out;
    switch (phase_) {
      case Phase::header: {
        JsonWriter w(out);
        w.begin_object().field("type", "channel").field("channel", info_.name);
        w.field("kind", protocol::to_string(info_.kind)).field("epoch", info_.epoch);
        if (!info_.title.empty()) w.field("title", info_.title);
        w.field("archived", info_.archived).field("last_seq", last_seq_);
        w.field("last_change", last_change_)
            .field("first_change", ctx_.store.first_change(info_.name));
        w.field("exported_at", now_ms()).end_object();
        out.push_back('\n');
        phase_ = Phase::messages;
        return out;
      }
      case Phase::messages: {
        auto msgs = after_ < last_seq_ ? ctx_.store.read_after(info_.name, after_, kPiece)
                                       : std::vector<storage::StoredMessage>{};
        for (const auto& m : msgs) {
          if (m.seq > last_seq_) break;
          std::string line;
          JsonWriter w(line);
          write_stored_message(w, info_.name, m);
          line.insert(1, R"("type":"message",)");
          out += line;
          out.push_back('\n');
          after_ = m.seq;
        }
        if (msgs.size() < kPiece || after_ >= last_seq_) {
          phase_ = Phase::changes;
          after_ = 0;
        }
        if (!out.empty()) return out;
        return next();
      }
      case Phase::changes: {
        auto changes = after_ < last_change_ ? ctx_.store.read_changes(info_.name, after_, kPiece)
                                             : std::vector<storage::Store::Change>{};
        for (const auto& c : changes) {
          if (c.change > last_change_) break;
          out += R"({"type":"change","ts":)" + std::to_string(c.ts) + ",";
          out.append(c.event, 1);  // the event's members
          out.push_back('\n');
          after_ = c.change;
        }
        if (changes.size() < kPiece || after_ >= last_change_) phase_ = Phase::done;
        return out;  // "" only when there was nothing left: the end
      }
      case Phase::done:
        return {};
    }
    return {};
  }

 private:
  enum class Phase { header, messages, changes, done };
  ApiContext& ctx_;
  storage::ChannelInfo info_;
  std::uint64_t last_seq_, last_change_;
  std::uint64_t after_ = 0;
  Phase phase_ = Phase::header;
};

// One user's data: their record and preferences, their advocacy breakdown, every message they
// wrote (public channels, then their DMs, each ascending), and the reports they filed.
class UserExport : public ChunkSource {
 public:
  UserExport(ApiContext& ctx, std::string user, std::string head)
      : ctx_(ctx), user_(std::move(user)), head_(std::move(head)) {
    for (const auto& c : ctx_.store.list_channels()) channels_.push_back(c.name);
    for (const auto& m : ctx_.store.read_markers(user_, 100000)) {
      if (protocol::is_dm_channel(m.channel)) channels_.push_back(m.channel);
    }
  }

  std::string next() override {
    std::string out = std::move(head_);
    head_.clear();
    // Scan on until something is found (a piece "" would end the body) or all is read.
    while (out.empty() && !done_) {
      if (channel_ < channels_.size()) {
        messages(out);
      } else {
        reports(out);
      }
    }
    return out;
  }

 private:
  void messages(std::string& out) {
    const std::string& ch = channels_[channel_];
    auto msgs = ctx_.store.read_after(ch, after_, kPiece);
    for (const auto& m : msgs) {
      after_ = m.seq;
      if (m.from_id != user_) continue;
      std::string line;
      JsonWriter w(line);
      write_stored_message(w, ch, m);
      line.insert(1, R"("type":"message",)");
      out += line;
      out.push_back('\n');
    }
    if (msgs.size() < kPiece) {
      ++channel_;
      after_ = 0;
    }
  }

  void reports(std::string& out) {
    auto list = ctx_.store.list_reports(std::nullopt, report_before_, kPiece);
    for (const auto& r : list) {
      report_before_ = r.id;
      if (r.reporter != user_) continue;
      // What they filed; the reported message's text and author are someone else's data.
      JsonWriter w(out);
      w.begin_object().field("type", "report").field("report_id", r.id).field("channel", r.channel);
      w.field("seq", r.seq).field("reason", r.reason).field("ts", r.at);
      w.field("status", to_string(r.status)).end_object();
      out.push_back('\n');
    }
    if (list.size() < kPiece) done_ = true;
  }

  ApiContext& ctx_;
  std::string user_, head_;
  std::vector<std::string> channels_;
  std::size_t channel_ = 0;
  std::uint64_t after_ = 0, report_before_ = 0;
  bool done_ = false;
};

// Audited like every admin action: the audit entry alone is written.
void audit_export(ApiContext& ctx, std::string actor, std::string action, std::string channel,
                  std::string target_user) {
  storage::WriteRequest req;
  req.op = storage::AuditOnly{};
  storage::AuditEntry a;
  a.actor = std::move(actor);
  a.action = std::move(action);
  a.channel = std::move(channel);
  a.target_user = std::move(target_user);
  req.audit = std::move(a);
  ctx.writes.submit(std::move(req));
}

// A streamed NDJSON download named `name`.ndjson.
HttpResponse ndjson(const std::string& name, std::shared_ptr<ChunkSource> source) {
  HttpResponse r;
  r.content_type = "application/x-ndjson";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".ndjson\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.stream = std::move(source);
  return r;
}

}  // namespace

void HttpApi::read_async(std::function<void()> f) { ctx_.readers.post(std::move(f)); }

void HttpApi::export_channel(const HttpRequest& req, const std::string& actor, Respond respond) {
  if (req.method != "GET" && req.method != "HEAD")
    return respond(json_error(405, "bad_request", "use GET"));
  const std::string channel = percent_decode(query_param(req.target, "channel"));
  if (channel.empty()) return respond(json_error(400, "bad_request", "\"channel\" is required"));
  if (!protocol::is_valid_channel_name(channel) && !protocol::is_dm_channel(channel)) {
    return respond(json_error(400, "bad_request", "invalid channel name"));
  }
  auto info = ctx_.store.get_channel(channel);
  if (!info) return respond(json_error(404, "not_found", "unknown channel \"" + channel + "\""));
  audit_export(ctx_, actor, "export_channel", channel, "");
  ctx_.readers.post([this, info = std::move(*info), respond] {
    respond(ndjson(info.name, std::make_shared<ChannelExport>(ctx_, info)));
  });
}

void HttpApi::export_user(const HttpRequest& req, const std::string& user, const Identity& who,
                          Respond respond) {
  if (req.method != "GET" && req.method != "HEAD")
    return respond(json_error(405, "bad_request", "use GET"));
  if (!protocol::is_valid_user_id(user))
    return respond(json_error(404, "not_found", "no such user"));
  if (who.id != user && who.role != protocol::Role::admin) {
    return respond(
        json_error(403, "forbidden", "only the user or an admin may export a user's data"));
  }
  audit_export(ctx_, who.id, "export_user", "", user);
  ctx_.advocacy.breakdown_of(user, [this, user, respond](std::string breakdown) {
    ctx_.readers.post([this, user, respond, breakdown = std::move(breakdown)] {
      std::string head;
      JsonWriter w(head);
      w.begin_object().field("type", "user").field("id", user);
      if (auto rec = ctx_.store.get_user(user)) {
        w.field("name", rec->name).field("role", protocol::to_string(rec->role));
        w.field("guest", rec->guest);
        if (!rec->email.empty()) w.field("email", rec->email);
        w.field("first_seen", rec->first_seen).field("last_seen", rec->last_seen);
        w.key("preferences").raw("{" + preferences_fields(*rec) + "}");
      }
      w.field("exported_at", now_ms()).end_object();
      head += "\n" + std::string(R"({"type":"advocacy",)") + breakdown.substr(1) + "\n";
      respond(ndjson(user, std::make_shared<UserExport>(ctx_, user, std::move(head))));
    });
  });
}

}  // namespace parley::server
