// parleyd: the Parley server and its token tool.
//   parleyd serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--threads N]
//                 [--durability fsync|fast] [--web-root DIR] [--port-file FILE]
//                 [--tls-cert FILE --tls-key FILE] [--plain-listen HOST:PORT]
//   parleyd token --data-dir DIR --user ID [--name NAME] [--role ROLE] [--ttl SECONDS]
//                 [--guest] [--email ADDRESS]
//   parleyd reindex --data-dir DIR [--config FILE]
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "parley/ops/clock.hpp"
#include "parley/ops/config.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/index.hpp"
#include "parley/server/admin.hpp"
#include "parley/server/server.hpp"
#include "parley/storage/store.hpp"

#ifndef PARLEY_DEFAULT_WEB_ROOT
#define PARLEY_DEFAULT_WEB_ROOT ""
#endif

using parley::server::Config;

namespace {

// This binary, as /proc/self/exe names it ("" when it cannot be read).
std::filesystem::path self_path() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe;
}

// The web assets: <prefix>/share/parley/web beside an installed binary (<prefix>/bin/parleyd,
// as the Debian package puts them), else the source tree this binary was built from.
std::string default_web_root() {
  const auto exe = self_path();
  if (!exe.empty()) {
    auto installed = exe.parent_path().parent_path() / "share" / "parley" / "web";
    std::error_code ec;
    if (std::filesystem::exists(installed / "index.html", ec)) return installed.string();
  }
  return PARLEY_DEFAULT_WEB_ROOT;
}

// How to run this binary from here: relative when it is below the working directory
// (build/bin/parleyd), else its absolute path (/usr/bin/parleyd).
std::string self_for_display() {
  const auto exe = self_path();
  if (exe.empty()) return "parleyd";
  std::error_code ec;
  auto rel = std::filesystem::relative(exe, std::filesystem::current_path(ec), ec);
  if (!ec && !rel.empty() && *rel.begin() != "..") return rel.string();
  return exe.string();
}

int serve(Config cfg, const std::string& port_file) {
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  parley::server::Server server(cfg);
  std::string error;
  if (!server.start(&error)) {
    spdlog::error("event=start_failed error=\"{}\"", error);
    return 1;
  }
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  auto host_of = [](const std::string& listen) {
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host == "0.0.0.0" || host == "::" || host == "[::]") host = "localhost";
    return host;
  };
  std::string host = host_of(cfg.server.listen);
  std::string hostport = host + ":" + std::to_string(server.port());
  std::string base = (server.tls() ? "https://" : "http://") + hostport;
  std::cout << "Parley is running" << (server.tls() ? " with TLS" : "") << ".\n"
            << "  Demo page:     " << base << "/\n"
            << "  Staff console: " << base << "/console\n"
            << "  WebSocket:     " << (server.tls() ? "wss://" : "ws://") << hostport << "/ws\n"
            << "  Health:        " << base << "/healthz   Metrics: " << base << "/metrics\n";
  if (server.plain_port() != 0) {
    std::string plain =
        host_of(cfg.server.plain_listen) + ":" + std::to_string(server.plain_port());
    std::cout << "  Plain (local): http://" << plain << "/   ws://" << plain << "/ws\n";
  }
  std::cout << "  Mint a token:  " << self_for_display() << " token --data-dir "
            << cfg.server.data_dir << " --user alice --name Alice --role customer\n"
            << "Press Ctrl+C to stop." << std::endl;
  server.wait_for_signal();
  server.stop();
  return 0;
}

// Rebuilds <data-dir>/search from the RocksDB store. The server must be stopped: RocksDB's lock
// on the database refuses a second process, which is reported as such.
int reindex(const Config& cfg) {
  std::string error;
  parley::storage::Options so;
  so.path = cfg.server.data_dir + "/db";
  if (!std::filesystem::exists(so.path)) {
    std::cerr << "parleyd reindex: no database at " << so.path << "\n";
    return 1;
  }
  auto store = parley::storage::Store::open(
      so, [](auto&) {}, &error);
  if (!store) {
    std::cerr << "parleyd reindex: " << error << " (is the server still running?)\n";
    return 1;
  }
  parley::search::IndexOptions io;
  io.dir = cfg.server.data_dir + "/search";
  io.language = cfg.search.language;
  const auto started = std::chrono::steady_clock::now();
  auto docs = parley::search::SearchIndex::rebuild(io, *store, &error);
  store->close();
  if (!docs) {
    std::cerr << "parleyd reindex: " << error << "\n";
    return 1;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::cout << "parleyd reindex: " << *docs << " messages indexed into " << io.dir << " in " << ms
            << " ms\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("parley");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  CLI::App app{"parleyd: the Parley community chat server"};
  app.require_subcommand(1);

  Config cfg;
  std::string config_file, listen, data_dir, durability, web_root, port_file;
  std::string tls_cert, tls_key, plain_listen;
  unsigned threads = 0;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  serve_cmd->add_option("--config", config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve_cmd->add_option("--data-dir", data_dir, "Data directory (default ./var/data)");
  serve_cmd->add_option("--threads", threads, "I/O threads (default: number of cores)");
  serve_cmd->add_option("--durability", durability, "fsync (default) or fast")
      ->check(CLI::IsMember({"fsync", "fast"}));
  serve_cmd->add_option("--web-root", web_root, "Directory served at / (widget, console)");
  serve_cmd->add_option("--port-file", port_file, "Write the bound port to this file");
  // Not CLI::ExistingFile: a bad path is reported by the server, as for the config file's keys.
  serve_cmd->add_option("--tls-cert", tls_cert, "PEM certificate chain: serve https:// and wss://");
  serve_cmd->add_option("--tls-key", tls_key, "PEM private key for --tls-cert");
  serve_cmd->add_option("--plain-listen", plain_listen,
                        "HOST:PORT of an extra plain HTTP/WebSocket listener (local use)");

  std::string user, name, role = "customer", token_config;
  std::int64_t ttl = 3600;
  bool guest = false;
  std::string email;
  std::string token_data_dir;
  auto* token_cmd =
      app.add_subcommand("token", "Print an HS256 JWT signed with the server's secret");
  token_cmd->add_option("--config", token_config, "TOML configuration file")
      ->check(CLI::ExistingFile);
  token_cmd->add_option("--data-dir", token_data_dir, "Data directory holding secret.key");
  token_cmd->add_option("--user", user, "User id (the JWT sub)")->required();
  token_cmd->add_option("--name", name, "Display name (default: the user id)");
  token_cmd->add_option("--role", role, "customer, staff, bot or admin")
      ->check(CLI::IsMember({"customer", "staff", "bot", "admin"}));
  token_cmd->add_option("--ttl", ttl, "Lifetime in seconds (default 3600)")
      ->check(CLI::Range(1LL, 10LL * 365 * 86400));
  token_cmd->add_flag("--guest", guest, "Mark the token as a guest's");
  token_cmd->add_option("--email", email,
                        "The user's email address (the email claim: mail while away)");

  std::string reindex_config, reindex_data_dir;
  auto* reindex_cmd = app.add_subcommand(
      "reindex", "Rebuild the search index (<data-dir>/search) from the database; server stopped");
  reindex_cmd->add_option("--config", reindex_config, "TOML configuration file ([search] language)")
      ->check(CLI::ExistingFile);
  reindex_cmd->add_option("--data-dir", reindex_data_dir, "Data directory (default ./var/data)");

  std::string cluster_config, cluster_nats;
  bool cluster_json = false;
  auto* cluster_cmd = app.add_subcommand("cluster", "The cluster on NATS (docs/CLUSTER.md)");
  cluster_cmd->require_subcommand(1);
  auto* cluster_status_cmd = cluster_cmd->add_subcommand(
      "status", "List the live nodes of the cluster (reads NATS; registers nothing)");
  cluster_status_cmd->add_option("--config", cluster_config, "TOML file with [cluster] nats_url")
      ->check(CLI::ExistingFile);
  cluster_status_cmd->add_option("--nats", cluster_nats, "nats://HOST:PORT (instead of --config)");
  cluster_status_cmd->add_flag("--json", cluster_json, "Print the status as JSON");

  std::string backup_url, backup_token, backup_name;
  bool backup_secret = false;
  auto* backup_cmd = app.add_subcommand(
      "backup", "Ask a running server for a backup into its storage.backup_dir (admin token)");
  backup_cmd->add_option("--url", backup_url, "The server: http://HOST:PORT")->required();
  backup_cmd->add_option("--token", backup_token, "An admin JWT")->required();
  backup_cmd->add_option("--name", backup_name, "A subdirectory of storage.backup_dir");
  backup_cmd->add_flag("--with-secret", backup_secret, "Also save the JWT secret with the backup");

  std::string restore_from, restore_data_dir;
  std::uint32_t restore_id = 0;
  bool restore_force = false, restore_secret = false;
  auto* restore_cmd =
      app.add_subcommand("restore", "Restore a backup into a data directory; server stopped");
  restore_cmd->add_option("--from", restore_from, "A backup directory")->required();
  restore_cmd->add_option("--backup-id", restore_id, "Which backup (default: the newest)");
  restore_cmd->add_option("--data-dir", restore_data_dir, "The data directory to restore into")
      ->required();
  restore_cmd->add_flag("--force", restore_force,
                        "Replace the database of a data dir that is not empty");
  restore_cmd->add_flag("--with-secret", restore_secret,
                        "Also restore the JWT secret saved with the backup");

  std::string check_file;
  bool check_print = false;
  auto* check_cmd = app.add_subcommand(
      "check-config", "Check a configuration file: every problem with its line; exit 2 if any");
  // Not CLI::ExistingFile: a file that cannot be read is one more problem, reported the same way.
  check_cmd->add_option("file", check_file, "TOML configuration file")->required();
  check_cmd->add_flag("--print", check_print,
                      "Print the effective configuration (defaults included) as TOML");

  CLI11_PARSE(app, argc, argv);

  if (*cluster_status_cmd) {
    return parley::server::cluster_status_command(cluster_config, cluster_nats, cluster_json);
  }
  if (*backup_cmd) {
    return parley::server::backup_command(backup_url, backup_token, backup_name, backup_secret);
  }
  if (*restore_cmd) {
    return parley::server::restore_command(restore_from, restore_id, restore_data_dir,
                                           restore_force, restore_secret);
  }

  if (*check_cmd) {
    cfg.server.web_root = default_web_root();  // as serve has it
    auto problems = parley::server::check_config_file(check_file, cfg);
    for (const auto& p : problems) std::cerr << parley::server::format_problem(p) << "\n";
    if (!problems.empty()) {
      std::cerr << "parleyd check-config: " << problems.size()
                << (problems.size() == 1 ? " problem" : " problems") << " in " << check_file
                << "\n";
      return 2;
    }
    if (check_print) {
      std::cout << parley::server::config_toml(cfg);
    } else {
      std::cout << "parleyd check-config: " << check_file << " is valid\n";
    }
    return 0;
  }

  if (*reindex_cmd) {
    std::string error;
    if (!reindex_config.empty() && !parley::server::load_config_file(reindex_config, cfg, &error)) {
      std::cerr << "parleyd reindex: " << error << "\n";
      return 2;
    }
    if (!reindex_data_dir.empty()) cfg.server.data_dir = reindex_data_dir;
    return reindex(cfg);
  }

  if (*serve_cmd) {
    std::string error;
    cfg.server.web_root = default_web_root();
    if (!config_file.empty()) {
      // The same check as `parleyd check-config`: every problem, one line each.
      auto problems = parley::server::check_config_file(config_file, cfg);
      for (const auto& p : problems) {
        spdlog::error("event=config_error error=\"{}\"", parley::server::format_problem(p));
      }
      if (!problems.empty()) return 2;
    }
    if (!listen.empty()) cfg.server.listen = listen;
    if (!data_dir.empty()) cfg.server.data_dir = data_dir;
    if (threads) cfg.server.threads = threads;
    if (!durability.empty()) cfg.storage.durability = durability;
    if (!web_root.empty()) cfg.server.web_root = web_root;
    if (!tls_cert.empty()) cfg.server.tls_cert = tls_cert;
    if (!tls_key.empty()) cfg.server.tls_key = tls_key;
    if (!plain_listen.empty()) cfg.server.plain_listen = plain_listen;
    if (!parley::server::validate_config(cfg, &error)) {
      spdlog::error("event=config_error error=\"{}\"", error);
      return 2;
    }
    return serve(cfg, port_file);
  }

  // token
  std::string error;
  if (!token_config.empty() && !parley::server::load_config_file(token_config, cfg, &error)) {
    std::cerr << "parleyd token: " << error << "\n";
    return 2;
  }
  if (!token_data_dir.empty()) cfg.server.data_dir = token_data_dir;
  if (!parley::protocol::is_valid_user_id(user)) {
    std::cerr << "parleyd token: --user must be 1-64 characters of [A-Za-z0-9._@+-]\n";
    return 2;
  }
  if (name.empty()) name = user;
  if (!parley::protocol::is_valid_display_name(name)) {
    std::cerr << "parleyd token: --name must be 1-64 characters without control characters\n";
    return 2;
  }
  if (!email.empty() && !parley::protocol::is_valid_email(email)) {
    std::cerr << "parleyd token: --email must be an address like name@example.com\n";
    return 2;
  }
  std::string secret = cfg.auth.secret;
  if (secret.empty() &&
      !parley::server::load_or_create_secret(cfg.server.data_dir, &secret, &error)) {
    std::cerr << "parleyd token: " << error << "\n";
    return 1;
  }
  parley::protocol::Claims c;
  c.sub = user;
  c.name = name;
  c.role = *parley::protocol::parse_role(role);
  c.guest = guest;
  c.email = email;
  c.iat = parley::server::now_s();
  c.exp = c.iat + ttl;
  std::cout << parley::protocol::jwt_sign(c, secret) << std::endl;
  return 0;
}
