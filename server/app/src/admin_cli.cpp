#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "parley/cluster/membership.hpp"
#include "parley/ops/config.hpp"
#include "parley/server/admin.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

int backup_command(const std::string& url, const std::string& token, const std::string& name,
                   bool with_secret) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    std::cerr << "parleyd backup: --url must be http://HOST:PORT (use the server's plain_listen "
                 "when it serves TLS)\n";
    return 2;
  }
  std::string hostport = url.substr(kScheme.size());
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos || colon == 0 || hostport.find('/') != std::string::npos) {
    std::cerr << "parleyd backup: --url must be http://HOST:PORT\n";
    return 2;
  }
  std::string host = hostport.substr(0, colon);
  const std::string port = hostport.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (!name.empty() && !valid_backup_name(name)) {
    std::cerr << "parleyd backup: --name: " << kBadBackupName << "\n";
    return 2;
  }
  std::string body = "{";
  if (!name.empty()) body += "\"name\":\"" + name + "\"";  // a plain name: nothing to escape
  if (with_secret) body += std::string(name.empty() ? "" : ",") + "\"with_secret\":true";
  body += "}";
  try {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    boost::beast::tcp_stream stream(ioc);
    // A backup of a big store takes a while: minutes, not hours.
    stream.expires_after(std::chrono::minutes(30));
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req{http::verb::post, "/api/admin/backup", 11};
    req.set(http::field::host, hostport);
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    boost::beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    if (res.result() != http::status::ok) {
      std::cerr << "parleyd backup: HTTP " << res.result_int() << ": " << res.body() << "\n";
      return 1;
    }
    std::cout << res.body() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "parleyd backup: " << url << ": " << e.what() << "\n";
    return 1;
  }
}

int restore_command(const std::string& from, std::uint32_t id, const std::string& data_dir,
                    bool force, bool with_secret) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    std::cerr << "parleyd restore: " << from << " is not a directory\n";
    return 2;
  }
  const bool empty = !fs::exists(data_dir, ec) || fs::is_empty(data_dir, ec);
  if (!empty && !force) {
    std::cerr << "parleyd restore: " << data_dir
              << " is not empty: restore into a new or empty directory, or give --force to "
                 "replace its database\n";
    return 2;
  }
  std::string error;
  auto backups = storage::Store::list_backups(from, &error);
  if (!backups) {
    std::cerr << "parleyd restore: " << error << "\n";
    return 1;
  }
  if (backups->empty()) {
    std::cerr << "parleyd restore: no backup in " << from << "\n";
    return 1;
  }
  const std::uint32_t which = id == 0 ? backups->back().id : id;
  const fs::path secret_copy = backup_secret_path(from, which);
  if (with_secret && !fs::exists(secret_copy, ec)) {
    std::cerr
        << "parleyd restore: backup " << which
        << " was made without the secret (POST /api/admin/backup with \"with_secret\":true)\n";
    return 1;
  }
  if (!empty) {
    // --force: the old database and everything derived from it go; the secret only when
    // replaced by the backup's.
    fs::remove_all(fs::path(data_dir) / "db", ec);
    fs::remove_all(fs::path(data_dir) / "search", ec);
  }
  fs::create_directories(data_dir, ec);
  if (!storage::Store::restore_backup(from, which, (fs::path(data_dir) / "db").string(), &error)) {
    std::cerr << "parleyd restore: " << error << "\n";
    return 1;
  }
  if (with_secret) {
    const fs::path dest = fs::path(data_dir) / "secret.key";
    fs::copy_file(secret_copy, dest, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "parleyd restore: the database is restored, but copying the secret failed: "
                << ec.message() << "\n";
      return 1;
    }
    ::chmod(dest.c_str(), 0600);
  }
  std::cout << "parleyd restore: backup " << which << " restored into " << data_dir << "/db"
            << (with_secret ? " with its secret" : "")
            << "; the search index is rebuilt from it when the server starts\n";
  return 0;
}

namespace {

// Unix ms as an ISO 8601 UTC time, to the second.
std::string iso_utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int cluster_status_command(const std::string& config_file, const std::string& nats_url, bool json) {
  std::string url = nats_url;
  if (url.empty()) {
    if (config_file.empty()) {
      std::cerr
          << "parleyd cluster status: give --config FILE (its [cluster] nats_url) or --nats\n";
      return 2;
    }
    Config cfg;
    std::string error;
    if (!load_config_file(config_file, cfg, &error)) {
      std::cerr << "parleyd cluster status: " << error << "\n";
      return 2;
    }
    url = cfg.cluster.nats_url;
    if (url.empty()) {
      std::cerr << "parleyd cluster status: " << config_file
                << " has no [cluster] nats_url: this server runs as a single node\n";
      return 2;
    }
  }
  const auto st = cluster::Membership::read(url);
  if (!st.error.empty()) {
    std::cerr << "parleyd cluster status: " << st.error << "\n";
    return 1;
  }
  if (json) {
    std::cout << cluster::status_json(st, "") << "\n";
    return 0;
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& n : st.nodes) {
    char seen[32];
    std::snprintf(seen, sizeof seen, "%.1f", static_cast<double>(now - n.seen_ms) / 1000.0);
    std::cout << n.node_id << "  " << (n.advertise.empty() ? "-" : n.advertise) << "  "
              << (n.version.empty() ? "-" : n.version) << "  started " << iso_utc(n.started_ms)
              << "  seen " << seen << " s ago\n";
  }
  std::cout << st.nodes.size() << (st.nodes.size() == 1 ? " node" : " nodes") << " in " << url
            << "\n";
  return 0;
}

}  // namespace parley::server
