// GET /api/admin/export?channel=NAME (admin; DESIGN §12): a channel as NDJSON, streamed with
// Transfer-Encoding: chunked in constant memory (a ChunkSource reads 256 messages, or 256
// changes, per piece). protocol/PROTOCOL.md §9.8 describes the lines.
#include <string>

#include "clock.hpp"
#include "http_api.hpp"
#include "hub.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "records_json.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

constexpr std::size_t kPiece = 256;

// The lines, in order: the channel, its messages as they are now (ascending seq), then its
// change log (edits, deletions, reactions, helpful marks, accepted answers, in change order),
// each up to where they were when the export began.
class ChannelExport : public ChunkSource {
 public:
  ChannelExport(Hub& hub, storage::ChannelInfo info)
      : hub_(hub), info_(std::move(info)),
        last_seq_(hub.store().last_seq(info_.name)),
        last_change_(hub.store().last_change(info_.name)) {}

  std::string next() override {
    std::string out;
    switch (phase_) {
      case Phase::header: {
        JsonWriter w(out);
        w.begin_object().field("type", "channel").field("channel", info_.name);
        w.field("kind", protocol::to_string(info_.kind)).field("epoch", info_.epoch);
        if (!info_.title.empty()) w.field("title", info_.title);
        w.field("archived", info_.archived).field("last_seq", last_seq_);
        w.field("last_change", last_change_).field("first_change", hub_.store().first_change(info_.name));
        w.field("exported_at", now_ms()).end_object();
        out.push_back('\n');
        phase_ = Phase::messages;
        return out;
      }
      case Phase::messages: {
        auto msgs = after_ < last_seq_ ? hub_.store().read_after(info_.name, after_, kPiece)
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
        auto changes = after_ < last_change_ ? hub_.store().read_changes(info_.name, after_, kPiece)
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
  Hub& hub_;
  storage::ChannelInfo info_;
  std::uint64_t last_seq_, last_change_;
  std::uint64_t after_ = 0;
  Phase phase_ = Phase::header;
};

}  // namespace

void HttpApi::read_async(std::function<void()> f) { hub_.read_async(std::move(f)); }

void HttpApi::export_channel(const HttpRequest& req, const std::string& actor, Respond respond) {
  if (req.method != "GET" && req.method != "HEAD") return respond(json_error(405, "bad_request", "use GET"));
  const std::string channel = percent_decode(query_param(req.target, "channel"));
  if (channel.empty()) return respond(json_error(400, "bad_request", "\"channel\" is required"));
  if (!protocol::is_valid_channel_name(channel) && !protocol::is_dm_channel(channel)) {
    return respond(json_error(400, "bad_request", "invalid channel name"));
  }
  auto info = hub_.store().get_channel(channel);
  if (!info) return respond(json_error(404, "not_found", "unknown channel \"" + channel + "\""));
  // Audited like every admin action (the audit entry alone is written).
  storage::WriteRequest audit;
  audit.op = storage::AuditOnly{};
  storage::AuditEntry a;
  a.actor = actor;
  a.action = "export_channel";
  a.channel = channel;
  audit.audit = std::move(a);
  hub_.submit_with(std::move(audit), [](storage::Committed&) {});
  hub_.read_async([this, info = std::move(*info), respond] {
    HttpResponse r;
    r.content_type = "application/x-ndjson";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + info.name + ".ndjson\"");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.stream = std::make_shared<ChannelExport>(hub_, info);
    respond(std::move(r));
  });
}

}  // namespace parley::server
