// TOML loading for Config. Unknown sections and keys are errors: a typo in a limit must not
// silently leave the default in force.
#include "parley/server/config.hpp"

#include <algorithm>

#include "parley/search/index.hpp"

#include <functional>
#include <map>
#include <toml++/toml.h>

namespace parley::server {
namespace {

// One setter per key: takes the TOML node, writes the field, returns an error text or "".
using Setter = std::function<std::string(const toml::node&)>;

template <class T>
Setter integer(T& field, long long min, long long max) {
  return [&field, min, max](const toml::node& n) -> std::string {
    auto v = n.value<long long>();
    if (!v || !n.is_integer()) return "must be an integer";
    if (*v < min || *v > max) {
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    }
    field = static_cast<T>(*v);
    return "";
  };
}

Setter number(double& field, double min, double max) {
  return [&field, min, max](const toml::node& n) -> std::string {
    auto v = n.value<double>();
    if (!v || !(n.is_integer() || n.is_floating_point())) return "must be a number";
    if (*v < min || *v > max) return "is out of range";
    field = *v;
    return "";
  };
}

Setter string(std::string& field) {
  return [&field](const toml::node& n) -> std::string {
    auto v = n.value<std::string>();
    if (!v || !n.is_string()) return "must be a string";
    field = *v;
    return "";
  };
}

Setter boolean(bool& field) {
  return [&field](const toml::node& n) -> std::string {
    auto v = n.value<bool>();
    if (!v || !n.is_boolean()) return "must be true or false";
    field = *v;
    return "";
  };
}

Setter string_list(std::vector<std::string>& field) {
  return [&field](const toml::node& n) -> std::string {
    const toml::array* arr = n.as_array();
    if (!arr) return "must be an array of strings";
    std::vector<std::string> out;
    for (const auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v || !e.is_string() || v->empty()) return "must be an array of non-empty strings";
      out.push_back(*v);
    }
    field = std::move(out);
    return "";
  };
}

std::map<std::string, std::map<std::string, Setter>> bindings(Config& c) {
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
        {"max_inflight_sends", integer(c.limits.max_inflight_sends, 1, 1 << 20)},
        {"max_joined_channels", integer(c.limits.max_joined_channels, 1, 1 << 20)},
        {"auth_timeout_s", integer(c.limits.auth_timeout_s, 1, 3600)},
        {"idle_timeout_s", integer(c.limits.idle_timeout_s, 1, 86400)},
        {"guest_tokens_per_ip_per_min", integer(c.limits.guest_tokens_per_ip_per_min, 1, 1 << 20)},
        {"max_http_body_bytes", integer(c.limits.max_http_body_bytes, 1024, 64 << 20)},
        {"presence_max_users", integer(c.limits.presence_max_users, 0, 1 << 30)},
        {"max_connections_per_ip", integer(c.limits.max_connections_per_ip, 1, 10'000'000)},
        {"max_connections", integer(c.limits.max_connections, 1, 10'000'000)}}},
      {"storage",
       {{"durability", string(c.storage.durability)},
        {"max_batch", integer(c.storage.max_batch, 1, 1 << 20)},
        {"max_queue", integer(c.storage.max_queue, 1, 1 << 24)},
        {"block_cache_bytes", integer(c.storage.block_cache_bytes, 1 << 20, kBig)},
        {"reader_threads", integer(c.storage.reader_threads, 1, 64)},
        {"min_free_bytes", integer(c.storage.min_free_bytes, 0, kBig)}}},
      {"auth",
       {{"secret", string(c.auth.secret)},
        {"guest_ttl_s", integer(c.auth.guest_ttl_s, 60, 365LL * 86400)}}},
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
      {"log", {{"level", string(c.log.level)}}},
  };
}

}  // namespace

bool load_config_file(const std::string& path, Config& cfg, std::string* error) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    *error = path + ": " + std::string(e.description());
    if (e.source().begin) *error += " (line " + std::to_string(e.source().begin.line) + ")";
    return false;
  }
  auto binds = bindings(cfg);
  for (const auto& [section, node] : root) {
    auto sec = binds.find(std::string(section.str()));
    if (sec == binds.end()) {
      *error = path + ": unknown section [" + std::string(section.str()) + "]";
      return false;
    }
    const toml::table* tbl = node.as_table();
    if (!tbl) {
      *error = path + ": [" + sec->first + "] must be a table";
      return false;
    }
    for (const auto& [key, value] : *tbl) {
      auto it = sec->second.find(std::string(key.str()));
      if (it == sec->second.end()) {
        *error = path + ": unknown key " + sec->first + "." + std::string(key.str());
        return false;
      }
      if (std::string why = it->second(value); !why.empty()) {
        *error = path + ": " + sec->first + "." + it->first + " " + why;
        return false;
      }
    }
  }
  return validate_config(cfg, error);
}

bool validate_config(const Config& cfg, std::string* error) {
  if (cfg.storage.durability != "fsync" && cfg.storage.durability != "fast") {
    *error = "storage.durability must be \"fsync\" or \"fast\"";
    return false;
  }
  if (cfg.limits.hard_frame_bytes < cfg.limits.max_frame_bytes) {
    *error = "limits.hard_frame_bytes must be >= limits.max_frame_bytes";
    return false;
  }
  if (cfg.moderation.filter_mode != "block" && cfg.moderation.filter_mode != "mask") {
    *error = "moderation.filter_mode must be \"block\" or \"mask\"";
    return false;
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok = level_ok || cfg.log.level == l;
  if (!level_ok) {
    *error = "log.level must be one of trace, debug, info, warn, error, off";
    return false;
  }
  if (!search::valid_language(cfg.search.language)) {
    std::string list;
    for (const auto& l : search::languages()) list += (list.empty() ? "" : ", ") + l;
    *error = "search.language must be an ISO 639 code such as en, or one of " + list;
    return false;
  }
  if (cfg.knowledge.title.empty() || cfg.knowledge.title.size() > 100) {
    *error = "knowledge.title must be 1-100 bytes";
    return false;
  }
  if (const auto& b = cfg.knowledge.base_url;
      !b.empty() && ((!b.starts_with("http://") && !b.starts_with("https://")) || b.back() == '/' ||
                     b.find_first_of(" \"<>'") != std::string::npos)) {
    *error = "knowledge.base_url must be an http:// or https:// URL without a trailing slash";
    return false;
  }
  if (!cfg.auth.secret.empty() && cfg.auth.secret.size() < 32) {
    *error = "auth.secret must be at least 32 characters (or empty to use <data_dir>/secret.key)";
    return false;
  }
  if (cfg.server.tls_cert.empty() != cfg.server.tls_key.empty()) {
    *error = "server.tls_cert and server.tls_key must be set together";
    return false;
  }
  if (cfg.server.data_dir.empty()) {
    *error = "server.data_dir must not be empty";
    return false;
  }
  return true;
}

}  // namespace parley::server
