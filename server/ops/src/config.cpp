// TOML loading for Config. Unknown sections and keys are errors (with the nearest valid name):
// a typo in a limit must not silently leave the default in force. Every problem of a file is
// reported, each with its line (`parleyd check-config`, and `serve` before it starts).
#include "parley/ops/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <sstream>

#include "parley/cluster/membership.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/index.hpp"

namespace parley::server {
namespace {

// One binding per key: `set` takes the TOML node, writes the field and returns an error text
// or ""; `get` puts the field's value into a table under the key (for --print).
using Setter = std::function<std::string(const toml::node&)>;
using Getter = std::function<void(toml::table&, const std::string&)>;
struct Binding {
  Setter set;
  Getter get;
};

template <class T>
Binding integer(T& field, long long min, long long max) {
  return {[&field, min, max](const toml::node& n) -> std::string {
            auto v = n.value<long long>();
            if (!v || !n.is_integer()) return "must be an integer";
            if (*v < min || *v > max) {
              return "must be between " + std::to_string(min) + " and " + std::to_string(max);
            }
            field = static_cast<T>(*v);
            return "";
          },
          [&field](toml::table& t, const std::string& k) {
            t.insert(k, static_cast<std::int64_t>(field));
          }};
}

Binding number(double& field, double min, double max) {
  return {[&field, min, max](const toml::node& n) -> std::string {
            auto v = n.value<double>();
            if (!v || !(n.is_integer() || n.is_floating_point())) return "must be a number";
            if (*v < min || *v > max) return "is out of range";
            field = *v;
            return "";
          },
          [&field](toml::table& t, const std::string& k) { t.insert(k, field); }};
}

Binding string(std::string& field) {
  return {[&field](const toml::node& n) -> std::string {
            auto v = n.value<std::string>();
            if (!v || !n.is_string()) return "must be a string";
            field = *v;
            return "";
          },
          [&field](toml::table& t, const std::string& k) { t.insert(k, field); }};
}

Binding boolean(bool& field) {
  return {[&field](const toml::node& n) -> std::string {
            auto v = n.value<bool>();
            if (!v || !n.is_boolean()) return "must be true or false";
            field = *v;
            return "";
          },
          [&field](toml::table& t, const std::string& k) { t.insert(k, field); }};
}

Binding string_list(std::vector<std::string>& field) {
  return {[&field](const toml::node& n) -> std::string {
            const toml::array* arr = n.as_array();
            if (!arr) return "must be an array of strings";
            std::vector<std::string> out;
            for (const auto& e : *arr) {
              auto v = e.value<std::string>();
              if (!v || !e.is_string() || v->empty())
                return "must be an array of non-empty strings";
              out.push_back(*v);
            }
            field = std::move(out);
            return "";
          },
          [&field](toml::table& t, const std::string& k) {
            toml::array a;
            for (const auto& v : field) a.push_back(v);
            t.insert(k, std::move(a));
          }};
}

std::map<std::string, std::map<std::string, Binding>> bindings(Config& c) {
  constexpr long long kBig = 1LL << 40;
  return {
      {"server",
       {{"listen", string(c.server.listen)},
        {"threads", integer(c.server.threads, 0, 256)},
        {"data_dir", string(c.server.data_dir)},
        {"web_root", string(c.server.web_root)},
        {"allowed_origins", string_list(c.server.allowed_origins)},
        {"shutdown_grace_s", integer(c.server.shutdown_grace_s, 0, 600)},
        {"tls_cert", string(c.server.tls_cert)},
        {"tls_key", string(c.server.tls_key)},
        {"plain_listen", string(c.server.plain_listen)}}},
      {"limits",
       {{"max_frame_bytes", integer(c.limits.max_frame_bytes, 256, 16 << 20)},
        {"hard_frame_bytes", integer(c.limits.hard_frame_bytes, 256, 64 << 20)},
        {"max_text_chars", integer(c.limits.max_text_chars, 1, 1 << 20)},
        {"outbound_queue_bytes", integer(c.limits.outbound_queue_bytes, 4096, kBig)},
        {"rate_per_s", number(c.limits.rate_per_s, 0.01, 1e9)},
        {"rate_burst", number(c.limits.rate_burst, 1, 1e9)},
        {"bot_rate_per_s", number(c.limits.bot_rate_per_s, 0.01, 1e9)},
        {"bot_rate_burst", number(c.limits.bot_rate_burst, 1, 1e9)},
        {"max_inflight_sends", integer(c.limits.max_inflight_sends, 1, 1 << 20)},
        {"max_joined_channels", integer(c.limits.max_joined_channels, 1, 1 << 20)},
        {"auth_timeout_s", integer(c.limits.auth_timeout_s, 1, 3600)},
        {"idle_timeout_s", integer(c.limits.idle_timeout_s, 1, 86400)},
        {"guest_tokens_per_ip_per_min", integer(c.limits.guest_tokens_per_ip_per_min, 1, 1 << 20)},
        {"max_http_body_bytes", integer(c.limits.max_http_body_bytes, 1024, 64 << 20)},
        {"presence_max_users", integer(c.limits.presence_max_users, 0, 1 << 30)},
        {"max_connections_per_ip", integer(c.limits.max_connections_per_ip, 1, 10'000'000)},
        {"max_connections", integer(c.limits.max_connections, 1, 10'000'000)},
        {"here_interval_s", integer(c.limits.here_interval_s, 0, 86400)},
        {"kick_rejoin_s", integer(c.limits.kick_rejoin_s, 0, 86400)}}},
      {"storage",
       {{"durability", string(c.storage.durability)},
        {"max_batch", integer(c.storage.max_batch, 1, 1 << 20)},
        {"max_queue", integer(c.storage.max_queue, 1, 1 << 24)},
        {"block_cache_bytes", integer(c.storage.block_cache_bytes, 1 << 20, kBig)},
        {"reader_threads", integer(c.storage.reader_threads, 1, 64)},
        {"min_free_bytes", integer(c.storage.min_free_bytes, 0, kBig)},
        {"backup_dir", string(c.storage.backup_dir)},
        {"backup_keep", integer(c.storage.backup_keep, 0, 100000)},
        {"change_retention_days", integer(c.storage.change_retention_days, 1, 3650)}}},
      {"auth",
       {{"secret", string(c.auth.secret)},
        {"guest_ttl_s", integer(c.auth.guest_ttl_s, 60, 365LL * 86400)},
        {"jwks_file", string(c.auth.jwks_file)},
        {"jwks_url", string(c.auth.jwks_url)},
        {"jwks_refresh_s", integer(c.auth.jwks_refresh_s, 60, 86400)},
        {"issuer", string(c.auth.issuer)},
        {"audience", string(c.auth.audience)}}},
      {"moderation",
       {{"filter_words", string_list(c.moderation.filter_words)},
        {"filter_mode", string(c.moderation.filter_mode)},
        {"reports_per_hour", integer(c.moderation.reports_per_hour, 1, 100000)}}},
      {"advocacy",
       {{"enabled", boolean(c.advocacy.enabled)},
        {"window_days", integer(c.advocacy.window_days, 1, 3650)},
        {"weight_answer", number(c.advocacy.weight_answer, 0, 1e6)},
        {"weight_helpful", number(c.advocacy.weight_helpful, 0, 1e6)},
        {"weight_solved", number(c.advocacy.weight_solved, 0, 1e6)},
        {"threshold", number(c.advocacy.threshold, 0.001, 1e9)},
        {"min_people_helped", integer(c.advocacy.min_people_helped, 0, 1 << 20)},
        {"min_active_days", integer(c.advocacy.min_active_days, 0, 3650)},
        {"pair_cap", number(c.advocacy.pair_cap, 0, 1e9)},
        {"low_water", number(c.advocacy.low_water, 0, 1)},
        {"thanks_reactions", string_list(c.advocacy.thanks_reactions)},
        {"risk_report_upheld", number(c.advocacy.risk_report_upheld, 0, 1e6)},
        {"risk_message_removed", number(c.advocacy.risk_message_removed, 0, 1e6)},
        {"risk_muted", number(c.advocacy.risk_muted, 0, 1e6)},
        {"risk_threshold", number(c.advocacy.risk_threshold, 0.001, 1e9)}}},
      {"search",
       {{"enabled", boolean(c.search.enabled)},
        {"language", string(c.search.language)},
        {"commit_interval_ms", integer(c.search.commit_interval_ms, 10, 60000)},
        {"max_queue", integer(c.search.max_queue, 1, 1 << 24)},
        {"per_connection_per_min", integer(c.search.per_connection_per_min, 1, 1 << 20)},
        {"anonymous_per_ip_per_min", integer(c.search.anonymous_per_ip_per_min, 1, 1 << 20)}}},
      {"knowledge",
       {{"publish_default", boolean(c.knowledge.publish_default)},
        {"title", string(c.knowledge.title)},
        {"base_url", string(c.knowledge.base_url)},
        {"sitemap_max_urls", integer(c.knowledge.sitemap_max_urls, 2, 50000)}}},
      {"webhooks",
       {{"allow_hosts", string_list(c.webhooks.allow_hosts)},
        {"rotation_overlap_s", integer(c.webhooks.rotation_overlap_s, 0, 31'536'000)},
        {"unanswered_after_s", integer(c.webhooks.unanswered_after_s, 1, 31'536'000)},
        {"timeout_s", integer(c.webhooks.timeout_s, 1, 300)},
        {"max_pending", integer(c.webhooks.max_pending, 1, 100'000'000)},
        {"workers", integer(c.webhooks.workers, 1, 64)}}},
      {"email",
       {{"smtp_url", string(c.email.smtp_url)},
        {"from", string(c.email.from)},
        {"batch_s", integer(c.email.batch_s, 1, 86400)},
        {"digest_s", integer(c.email.digest_s, 1, 31'536'000)},
        {"server_url", string(c.email.server_url)},
        {"widget_url", string(c.email.widget_url)},
        {"require_tls", boolean(c.email.require_tls)},
        {"ca_file", string(c.email.ca_file)},
        {"timeout_s", integer(c.email.timeout_s, 1, 300)},
        {"max_pending", integer(c.email.max_pending, 1, 100'000'000)}}},
      {"cluster",
       {{"nats_url", string(c.cluster.nats_url)},
        {"node_id", string(c.cluster.node_id)},
        {"advertise", string(c.cluster.advertise)},
        {"heartbeat_ms", integer(c.cluster.heartbeat_ms, 100, 60000)}}},
      {"log", {{"level", string(c.log.level)}}},
  };
}

// The valid key of `keys` closest to `key` (by edit distance, at most 3), or "".
template <class Map>
std::string closest(const std::string& key, const Map& keys) {
  std::string best;
  std::size_t best_d = 4;
  for (const auto& [k, unused] : keys) {
    std::vector<std::size_t> row(k.size() + 1);
    for (std::size_t j = 0; j <= k.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= key.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= k.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (key[i - 1] == k[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[k.size()] < best_d) {
      best_d = row[k.size()];
      best = k;
    }
  }
  return best;
}

bool is_http_url(const std::string& u) {
  return (u.starts_with("http://") || u.starts_with("https://")) &&
         u.find_first_of(" \"<>'\r\n\t") == std::string::npos;
}

void email_rule_violations(const Config& cfg,
                           std::vector<std::pair<std::string, std::string>>& out) {
  const auto& e = cfg.email;
  if (!e.smtp_url.empty() &&
      ((!e.smtp_url.starts_with("smtp://") && !e.smtp_url.starts_with("smtps://")) ||
       e.smtp_url.find_first_of(" \r\n\t") != std::string::npos)) {
    out.emplace_back("email.smtp_url", "email.smtp_url must be an smtp:// or smtps:// URL");
  }
  if (!e.from.empty() && !email_address_of(e.from)) {
    out.emplace_back("email.from",
                     R"(email.from must be "name@example.com" or "Name <name@example.com>")");
  }
  if (!e.server_url.empty() && (!is_http_url(e.server_url) || e.server_url.back() == '/')) {
    out.emplace_back(
        "email.server_url",
        "email.server_url must be an http:// or https:// URL without a trailing slash");
  }
  if (!e.widget_url.empty() &&
      (!is_http_url(e.widget_url) || e.widget_url.find('#') != std::string::npos)) {
    out.emplace_back("email.widget_url",
                     "email.widget_url must be an http:// or https:// URL without a #fragment");
  }
  if (e.smtp_url.empty()) return;
  if (e.from.empty()) out.emplace_back("email.from", "email.from is required with email.smtp_url");
  if (e.server_url.empty() && cfg.knowledge.base_url.empty()) {
    out.emplace_back("email.server_url",
                     "email.server_url (or knowledge.base_url) is required with email.smtp_url: "
                     "mails link back to the server");
  }
}

int line_of(const toml::node& n) {
  return n.source().begin ? static_cast<int>(n.source().begin.line) : 0;
}

}  // namespace

std::optional<std::string> email_address_of(std::string_view from) {
  std::string_view addr = from;
  if (from.ends_with('>')) {
    const std::size_t lt = from.rfind('<');
    if (lt == std::string_view::npos) return std::nullopt;
    const std::string_view name = from.substr(0, lt);
    if (name.find_first_of("\"<>\r\n") != std::string_view::npos ||
        !protocol::is_valid_display_name(name.empty() ? std::string_view("x") : name)) {
      return std::nullopt;
    }
    addr = from.substr(lt + 1, from.size() - lt - 2);
  }
  if (!protocol::is_valid_email(addr)) return std::nullopt;
  return std::string(addr);
}

std::string format_problem(const ConfigProblem& p) {
  std::string out = p.file;
  if (p.line > 0) out += ":" + std::to_string(p.line);
  if (!out.empty()) out += ": ";
  return out + p.message;
}

std::vector<ConfigProblem> check_config_file(const std::string& path, Config& cfg) {
  std::vector<ConfigProblem> problems;
  auto problem = [&](int line, std::string key, std::string message) {
    problems.push_back({path, line, std::move(key), std::move(message)});
  };
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    // A syntax error ends the reading: there is no table to check further.
    problem(e.source().begin ? static_cast<int>(e.source().begin.line) : 0, "",
            std::string(e.description()));
    return problems;
  }
  auto binds = bindings(cfg);
  for (const auto& [section, node] : root) {
    const std::string name(section.str());
    auto sec = binds.find(name);
    if (sec == binds.end()) {
      std::string hint = closest(name, binds);
      problem(line_of(node), name,
              "unknown section [" + name + "]" +
                  (hint.empty() ? "" : " (did you mean [" + hint + "]?)"));
      continue;
    }
    const toml::table* tbl = node.as_table();
    if (!tbl) {
      problem(line_of(node), name, "[" + name + "] must be a table");
      continue;
    }
    for (const auto& [key, value] : *tbl) {
      const std::string k(key.str());
      auto it = sec->second.find(k);
      if (it == sec->second.end()) {
        std::string hint = closest(k, sec->second);
        problem(line_of(value), name + "." + k,
                "unknown key " + name + "." + k +
                    (hint.empty() ? "" : " (did you mean " + hint + "?)"));
        continue;
      }
      if (std::string why = it->second.set(value); !why.empty()) {
        problem(line_of(value), name + "." + k, name + "." + k + " " + why);
      }
    }
  }
  // Rules across keys, each at the line of its key when the file has it.
  for (auto& [key, message] : config_rule_violations(cfg)) {
    int line = 0;
    if (const auto* n = root.at_path(key).node(); n != nullptr) line = line_of(*n);
    problem(line, key, std::move(message));
  }
  // In file order; rules across keys the file does not hold (line 0) last.
  std::stable_sort(problems.begin(), problems.end(),
                   [](const ConfigProblem& a, const ConfigProblem& b) {
                     return (a.line == 0 ? INT32_MAX : a.line) < (b.line == 0 ? INT32_MAX : b.line);
                   });
  return problems;
}

bool load_config_file(const std::string& path, Config& cfg, std::string* error) {
  auto problems = check_config_file(path, cfg);
  if (problems.empty()) return true;
  *error = format_problem(problems.front());
  if (problems.size() > 1) *error += " (and " + std::to_string(problems.size() - 1) + " more)";
  return false;
}

std::string config_toml(const Config& cfg) {
  Config copy = cfg;  // the bindings take non-const references
  toml::table root;
  for (const auto& [section, keys] : bindings(copy)) {
    toml::table t;
    for (const auto& [key, b] : keys) b.get(t, key);
    root.insert(section, std::move(t));
  }
  // The secret is never printed: a non-empty one shows as "<redacted>".
  if (!cfg.auth.secret.empty()) root["auth"].as_table()->insert_or_assign("secret", "<redacted>");
  std::ostringstream out;
  out << toml::toml_formatter(root, toml::toml_formatter::default_flags |
                                        toml::format_flags::relaxed_float_precision)
      << "\n";
  return out.str();
}

std::vector<std::pair<std::string, std::string>> config_rule_violations(const Config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  if (cfg.storage.durability != "fsync" && cfg.storage.durability != "fast") {
    out.emplace_back("storage.durability", "storage.durability must be \"fsync\" or \"fast\"");
  }
  if (cfg.limits.hard_frame_bytes < cfg.limits.max_frame_bytes) {
    out.emplace_back("limits.hard_frame_bytes",
                     "limits.hard_frame_bytes must be >= limits.max_frame_bytes");
  }
  if (const auto& u = cfg.cluster.nats_url;
      !u.empty() && !u.starts_with("nats://") && !u.starts_with("tls://")) {
    out.emplace_back("cluster.nats_url",
                     "cluster.nats_url must be nats://HOST:PORT or tls://HOST:PORT (or \"\")");
  }
  if (!cfg.cluster.nats_url.empty() && !cluster::valid_node_id(cfg.cluster.node_id)) {
    out.emplace_back("cluster.node_id",
                     "cluster.node_id must be 1-64 of A-Z a-z 0-9 - _ (required with nats_url)");
  }
  if (cfg.cluster.advertise.size() > 200) {
    out.emplace_back("cluster.advertise", "cluster.advertise must be at most 200 bytes");
  }
  if (cfg.moderation.filter_mode != "block" && cfg.moderation.filter_mode != "mask") {
    out.emplace_back("moderation.filter_mode",
                     "moderation.filter_mode must be \"block\" or \"mask\"");
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok = level_ok || cfg.log.level == l;
  if (!level_ok) {
    out.emplace_back("log.level", "log.level must be one of trace, debug, info, warn, error, off");
  }
  if (!search::valid_language(cfg.search.language)) {
    std::string list;
    for (const auto& l : search::languages()) list += (list.empty() ? "" : ", ") + l;
    out.emplace_back("search.language",
                     "search.language must be an ISO 639 code such as en, or one of " + list);
  }
  if (cfg.knowledge.title.empty() || cfg.knowledge.title.size() > 100) {
    out.emplace_back("knowledge.title", "knowledge.title must be 1-100 bytes");
  }
  if (const auto& b = cfg.knowledge.base_url;
      !b.empty() && ((!b.starts_with("http://") && !b.starts_with("https://")) || b.back() == '/' ||
                     b.find_first_of(" \"<>'") != std::string::npos)) {
    out.emplace_back(
        "knowledge.base_url",
        "knowledge.base_url must be an http:// or https:// URL without a trailing slash");
  }
  email_rule_violations(cfg, out);
  if (!cfg.auth.secret.empty() && cfg.auth.secret.size() < 32) {
    out.emplace_back(
        "auth.secret",
        "auth.secret must be at least 32 characters (or empty to use <data_dir>/secret.key)");
  }
  if (const auto& u = cfg.auth.jwks_url; !u.empty()) {
    const bool loopback = u.starts_with("http://127.") || u.starts_with("http://localhost:") ||
                          u.starts_with("http://localhost/") || u.starts_with("http://[::1]");
    if ((!u.starts_with("https://") && !loopback) ||
        u.find_first_of(" \r\n\t\"") != std::string::npos) {
      out.emplace_back(
          "auth.jwks_url",
          "auth.jwks_url must be an https:// URL (http:// only on a loopback address)");
    }
  }
  if ((!cfg.auth.issuer.empty() || !cfg.auth.audience.empty()) && cfg.auth.jwks_file.empty() &&
      cfg.auth.jwks_url.empty()) {
    out.emplace_back(cfg.auth.issuer.empty() ? "auth.audience" : "auth.issuer",
                     "auth.issuer and auth.audience apply to tokens of the identity provider: set "
                     "auth.jwks_file or auth.jwks_url");
  }
  if (cfg.server.tls_cert.empty() != cfg.server.tls_key.empty()) {
    out.emplace_back(cfg.server.tls_cert.empty() ? "server.tls_key" : "server.tls_cert",
                     "server.tls_cert and server.tls_key must be set together");
  }
  if (cfg.server.data_dir.empty()) {
    out.emplace_back("server.data_dir", "server.data_dir must not be empty");
  }
  if (cfg.storage.backup_dir.empty()) {
    out.emplace_back("storage.backup_dir", "storage.backup_dir must not be empty");
  }
  return out;
}

bool validate_config(const Config& cfg, std::string* error) {
  auto v = config_rule_violations(cfg);
  if (v.empty()) return true;
  *error = v.front().second;
  return false;
}

}  // namespace parley::server
