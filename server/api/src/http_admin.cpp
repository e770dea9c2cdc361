// Admin endpoints (DESIGN §12): online backups of the store, and the channel export. For
// `admin` tokens only (the staff check in http_staff.cpp comes first).
//   POST /api/admin/backup   {"name"?, "with_secret"?} -> a new backup in storage.backup_dir
//   GET  /api/admin/backups  ?name=…                    -> the backups there
//   GET  /api/admin/export   ?channel=…                 -> the channel as NDJSON (http_export.cpp)
// protocol/PROTOCOL.md §9.8 is their reference.
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>

#include "parley/api/context.hpp"
#include "parley/api/http_api.hpp"
#include "parley/cluster/membership.hpp"
#include "parley/ops/backups.hpp"
#include "parley/ops/clock.hpp"
#include "parley/protocol/serialize.hpp"

namespace parley::server {

using protocol::JsonWriter;

namespace {

namespace fs = std::filesystem;

// One backup as JSON members: backup_id, created, size_bytes, files, and the metadata written
// with it (channels, secret_included).
void write_backup(JsonWriter& w, const storage::Store::BackupInfo& b) {
  w.begin_object().field("backup_id", static_cast<std::uint64_t>(b.id));
  w.field("created", b.created_s * 1000).field("size_bytes", b.size_bytes);
  w.field("files", static_cast<std::uint64_t>(b.files));
  simdjson::dom::parser parser;
  simdjson::dom::object meta;
  simdjson::padded_string padded(b.metadata);
  if (parser.parse(padded).get(meta) == simdjson::SUCCESS) {
    simdjson::dom::object channels;
    if (meta["channels"].get(channels) == simdjson::SUCCESS) {
      w.key("channels").raw(simdjson::minify(channels));
    }
    bool secret = false;
    if (meta["secret_included"].get(secret) == simdjson::SUCCESS)
      w.field("secret_included", secret);
  }
  w.end_object();
}

}  // namespace

void HttpApi::cluster_status(const HttpRequest& req, Respond respond) {
  if (req.method != "GET" && req.method != "HEAD")
    return respond(json_error(405, "bad_request", "use GET"));
  if (ctx_.cluster == nullptr) return respond(json_ok("{\"cluster\":false}"));
  // NATS round trips (bounded by the client's timeouts): on the reader pool.
  ctx_.readers.post([this, respond] {
    auto& c = *ctx_.cluster;
    respond(json_ok(cluster::status_json(c.status(), c.options().node_id)));
  });
}

void HttpApi::admin(const HttpRequest& req, const std::string& path, const std::string& actor,
                    Respond respond) {
  const auto& cfg = ctx_.cfg;
  if (path == "/api/admin/backups") {
    if (req.method != "GET" && req.method != "HEAD")
      return respond(json_error(405, "bad_request", "use GET"));
    std::string name = percent_decode(query_param(req.target, "name"));
    if (!name.empty() && !valid_backup_name(name))
      return respond(json_error(400, "bad_request", kBadBackupName));
    const std::string dir =
        name.empty() ? cfg.storage.backup_dir : cfg.storage.backup_dir + "/" + name;
    return ctx_.readers.post([dir, respond] {
      std::string error;
      auto list = storage::Store::list_backups(dir, &error);
      if (!list) return respond(json_error(500, "internal", error));
      HttpResponse r;
      JsonWriter w(r.body);
      w.begin_object().field("dir", dir).key("backups").begin_array();
      for (const auto& b : *list) write_backup(w, b);
      w.end_array().end_object();
      respond(std::move(r));
    });
  }
  if (path == "/api/admin/export") return export_channel(req, actor, std::move(respond));
  if (path != "/api/admin/backup") return respond(json_error(404, "not_found", "no such endpoint"));
  if (req.method != "POST") return respond(json_error(405, "bad_request", "use POST"));

  std::string name;
  bool with_secret = false;
  if (!req.body.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    simdjson::padded_string padded(req.body);
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS) {
      return respond(json_error(400, "bad_request", "body must be a JSON object"));
    }
    for (auto [key, value] : obj) {
      if (key == "name") {
        std::string_view v;
        if (value.get(v) != simdjson::SUCCESS || !valid_backup_name(v)) {
          return respond(json_error(400, "bad_request", kBadBackupName));
        }
        name.assign(v);
      } else if (key == "with_secret") {
        if (value.get(with_secret) != simdjson::SUCCESS) {
          return respond(json_error(400, "bad_request", "\"with_secret\" must be true or false"));
        }
      } else {
        return respond(json_error(
            400, "bad_request", "unknown field \"" + std::string(key) + "\" (name, with_secret)"));
      }
    }
  }
  if (backup_running_.exchange(true)) {
    return respond(json_error(409, "conflict", "a backup is running; try again when it is done"));
  }
  const std::string dir =
      name.empty() ? cfg.storage.backup_dir : cfg.storage.backup_dir + "/" + name;
  ctx_.readers.post([this, dir, with_secret, actor, respond] {
    // The next backup may start once this one has answered: the flag is released before the
    // response goes out (a client that asks again at once must not get 409), and on any exit.
    struct Done {
      std::atomic<bool>& flag;
      ~Done() { flag = false; }
    } done{backup_running_};
    auto reply = [&done, &respond](HttpResponse r) {
      done.flag = false;
      respond(std::move(r));
    };
    auto& store = ctx_.store;
    const auto& cfg = ctx_.cfg;
    // Every channel's last seq before the backup starts: the backup holds at least these.
    std::string channels;
    JsonWriter cw(channels);
    cw.begin_object();
    for (const auto& ch : store.message_channels()) cw.field(ch, store.last_seq(ch));
    cw.end_object();
    const fs::path secret = fs::path(cfg.server.data_dir) / "secret.key";
    const bool secret_included = with_secret && cfg.auth.secret.empty() && fs::exists(secret);
    std::string metadata = "{\"channels\":" + channels +
                           ",\"secret_included\":" + (secret_included ? "true" : "false") + "}";
    const auto started = std::chrono::steady_clock::now();
    std::string error;
    auto info = store.create_backup(dir, metadata, cfg.storage.backup_keep, &error);
    if (!info) {
      spdlog::error("event=backup_failed dir=\"{}\" by={} error=\"{}\"", dir, actor, error);
      return reply(json_error(500, "internal", error));
    }
    if (secret_included) {
      std::error_code ec;
      const fs::path copy = backup_secret_path(dir, info->id);
      fs::create_directories(copy.parent_path(), ec);
      fs::copy_file(secret, copy, fs::copy_options::overwrite_existing, ec);
      if (!ec) ::chmod(copy.c_str(), 0600);
      if (ec) {
        return reply(json_error(500, "internal",
                                "backup " + std::to_string(info->id) +
                                    " was made, but copying the secret failed: " + ec.message()));
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    spdlog::info("event=backup id={} dir=\"{}\" by={} bytes={} files={} ms={} secret={}", info->id,
                 dir, actor, info->size_bytes, info->files, ms, secret_included);
    // Audited like every admin action (the audit entry alone is written).
    storage::WriteRequest audit_req;
    audit_req.op = storage::AuditOnly{};
    storage::AuditEntry a;
    a.actor = actor;
    a.action = "backup";
    std::string details;
    JsonWriter dw(details);
    dw.begin_object().field("backup_id", static_cast<std::uint64_t>(info->id)).field("dir", dir);
    dw.field("secret_included", secret_included).end_object();
    a.details = details;
    audit_req.audit = std::move(a);
    ctx_.writes.submit(std::move(audit_req));
    HttpResponse r;
    JsonWriter w(r.body);
    w.begin_object().field("dir", dir).key("backup");
    write_backup(w, *info);
    w.end_object();
    reply(std::move(r));
  });
}

}  // namespace parley::server
