// Parley server configuration: every limit in one struct, each field with its default.
//
// Loaded from one TOML file (`parleyd serve --config FILE`), sections by area; command-line
// flags override the file. docs/CONFIG.md lists every key; keep the two in sync.
//
// Thread-safety: a plain value, built once at start-up and read-only afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::server {

struct Config {
  struct Server {
    // Address and port to listen on. Default: 127.0.0.1:8080.
    std::string listen = "127.0.0.1:8080";
    // I/O threads, each with its own event loop. Default: 0 = number of cores.
    unsigned threads = 0;
    // Data directory: RocksDB under <data_dir>/db, the JWT secret in <data_dir>/secret.key.
    // Default: ./var/data.
    std::string data_dir = "var/data";
    // Directory served at / (demo page, widget, console). Default: the build's web root.
    std::string web_root;
    // Origins whose pages may call /api from the browser (CORS), e.g. "https://shop.example".
    // Default: ["*"] = any origin (the widget is meant to be embedded anywhere).
    std::vector<std::string> allowed_origins = {"*"};
    // Seconds sessions get to close cleanly on shutdown. Default: 3.
    unsigned shutdown_grace_s = 3;
    // PEM certificate chain (leaf first) and PEM private key (unencrypted). Both set: `listen`
    // speaks only TLS (https:// and wss://, TLS 1.2 and 1.3); set one without the other is a
    // config error. Default: both empty = plain HTTP and WebSocket.
    std::string tls_cert;
    std::string tls_key;
    // A second, always plain HTTP + WebSocket listener with the same routes, HOST:PORT (e.g.
    // "127.0.0.1:8081" for local tools next to a TLS `listen`). Default: empty = none.
    std::string plain_listen;
  } server;

  struct Limits {
    // Largest client frame accepted; bigger frames get a `too_large` error. Default: 64 KiB.
    std::size_t max_frame_bytes = 64 * 1024;
    // Frames above this are a WebSocket-level violation: close 1009. Default: 1 MiB.
    std::size_t hard_frame_bytes = 1024 * 1024;
    // Longest message text in Unicode code points. Default: 4000.
    std::size_t max_text_chars = 4000;
    // Bytes queued for one connection before it is dropped with close 1008. Default: 4 MiB.
    std::size_t outbound_queue_bytes = 4u << 20;
    // Frames per second per connection (token bucket rate). Default: 50.
    double rate_per_s = 50;
    // Token bucket burst. Default: 200.
    double rate_burst = 200;
    // The same two for connections with a bot token (bots answer many users). Defaults: 200, 1000.
    double bot_rate_per_s = 200;
    double bot_rate_burst = 1000;
    // Sends waiting for durability per connection; more get `rate_limited`. Default: 1024.
    std::size_t max_inflight_sends = 1024;
    // Channels one connection may have joined at once. Default: 100.
    std::size_t max_joined_channels = 100;
    // Seconds a new socket may take to authenticate before close 4401. Default: 10.
    unsigned auth_timeout_s = 10;
    // Seconds of silence after which a connection is dropped; the server pings at half of it,
    // so a live client (whose WebSocket stack answers pings) is never dropped. Default: 60.
    unsigned idle_timeout_s = 60;
    // Guest tokens POST /api/guest issues per client IP per minute. Default: 10.
    unsigned guest_tokens_per_ip_per_min = 10;
    // Largest HTTP request body. Default: 64 KiB.
    std::size_t max_http_body_bytes = 64 * 1024;
    // Presence events (online/offline) are sent only in channels with at most this many users
    // online: announcing every arrival to thousands of members costs O(N^2) and tells nobody
    // anything. Default: 200.
    std::size_t presence_max_users = 200;
    // Open WebSocket connections from one IP address; more are closed with 1013 right after
    // the handshake (error rate_limited first). Default: 1000.
    std::size_t max_connections_per_ip = 1000;
    // Open connections, all clients together. Default: 100000.
    std::size_t max_connections = 100000;
    // Seconds between two `@here` mentions in one channel (staff only); a sooner one is
    // refused with rate_limited. Default: 60.
    unsigned here_interval_s = 60;
    // Seconds a kicked user stays out of the channel (join and post refused). Default: 60.
    unsigned kick_rejoin_s = 60;
  } limits;

  struct Storage {
    // "fsync" (acked = survives power loss) or "fast" (survives a process crash). Default: fsync.
    std::string durability = "fsync";
    // Most writes committed per batch. Default: 4096.
    std::size_t max_batch = 4096;
    // Most writes waiting for the writer before sends get `rate_limited`. Default: 65536.
    std::size_t max_queue = 65536;
    // RocksDB block cache. Default: 64 MiB.
    std::size_t block_cache_bytes = 64u << 20;
    // Threads that read history off the I/O threads. Default: 2.
    unsigned reader_threads = 2;
    // Writes are refused (`internal`, "storage full") while the data directory's file system
    // has less free space than this; 0 = no check. Default: 64 MiB.
    std::uint64_t min_free_bytes = 64u << 20;
    // Where POST /api/admin/backup writes backups (RocksDB BackupEngine); a request may name a
    // subdirectory, never a path outside it. Default: var/backups.
    std::string backup_dir = "var/backups";
    // Backups kept per directory; older ones are deleted after each new one. 0 = all.
    // Default: 7.
    std::uint32_t backup_keep = 7;
    // Days a channel's change records (edits, deletions, reactions, accepted answers, helpful
    // marks) are kept for `join` with `changes_since`; an older client gets changes_reset.
    // Default: 30.
    std::uint32_t change_retention_days = 30;
  } storage;

  struct Auth {
    // HS256 signing secret, at least 32 characters. Default: empty = <data_dir>/secret.key
    // (created 0600 on first start).
    std::string secret;
    // Lifetime of guest tokens from POST /api/guest, seconds. Default: 86400.
    std::int64_t guest_ttl_s = 86400;
    // The company's identity provider (DESIGN §12): RS256/ES256 tokens verified against a JWKS
    // read from this file and/or fetched from this URL (https://, or http:// on loopback).
    // Default: none (HS256 only).
    std::string jwks_file;
    std::string jwks_url;
    // Seconds between two reloads of the JWKS (a token with an unknown kid reloads sooner, at
    // most every 30 s). Default: 3600.
    std::int64_t jwks_refresh_s = 3600;
    // When set, RS256/ES256 tokens must carry this `iss` and name this `aud`. Default: unset.
    std::string issuer;
    std::string audience;
  } auth;

  struct Moderation {
    // Words the filter looks for (case-insensitive ASCII, whole words). Default: none.
    std::vector<std::string> filter_words;
    // "block" refuses the message (error forbidden), "mask" replaces each hit with '*'.
    // Default: block.
    std::string filter_mode = "block";
    // Most reports one user may file per hour. Default: 20.
    unsigned reports_per_hour = 20;
  } moderation;

  // DESIGN §6. Weights and thresholds of the advocate and at-risk flags.
  struct Advocacy {
    // Score messages at all (off: no advocate flags, no insights). Default: true.
    bool enabled = true;
    int window_days = 90;            // Default: 90.
    double weight_answer = 2;        // Default: 2.
    double weight_helpful = 4;       // Default: 4.
    double weight_solved = 15;       // Default: 15.
    double threshold = 40;           // Default: 40.
    unsigned min_people_helped = 5;  // Default: 5.
    unsigned min_active_days = 3;    // Default: 3.
    double pair_cap = 12;            // Default: 12.
    double low_water = 0.9;          // Default: 0.9.
    // Reactions by the asker that count as a helpful mark. Default: ["🙏", "❤️"].
    std::vector<std::string> thanks_reactions = {"\xF0\x9F\x99\x8F", "\xE2\x9D\xA4\xEF\xB8\x8F"};
    double risk_report_upheld = 3;    // Default: 3.
    double risk_message_removed = 2;  // Default: 2.
    double risk_muted = 3;            // Default: 3.
    double risk_threshold = 6;        // Default: 6.
  } advocacy;

  // DESIGN §9. The search index under <data-dir>/search/ and the `search` op.
  struct Search {
    // Index messages and answer `search` / GET /api/search (off: both answer not_found / 404,
    // and the index is left as it is; `parleyd reindex` brings it up to date). Default: true.
    bool enabled = true;
    // Stemming language: en (English, the default), none, or another Xapian stemmer name
    // (docs/CONFIG.md lists them). Changing it needs `parleyd reindex`. Default: "en".
    std::string language = "en";
    // The indexer commits at least this often while it has work: the indexing lag. Default: 200.
    unsigned commit_interval_ms = 200;
    // Most committed messages waiting for the indexer before it reads from RocksDB instead.
    // Default: 65536.
    unsigned max_queue = 65536;
    // Searches per minute per connection (WebSocket) or per token (HTTP), burst included.
    // Default: 60.
    unsigned per_connection_per_min = 60;
    // Searches per minute per IP address without a token (GET /api/search). Default: 30.
    unsigned anonymous_per_ip_per_min = 30;
  } search;

  // DESIGN §9. Knowledge pages: solved threads of support channels, public at /kb.
  struct Knowledge {
    // Whether a support channel's solved threads are published when the channel has no
    // `publish` setting of its own (create_channel / update_channel). Default: true.
    bool publish_default = true;
    // The name of the knowledge pages (their <title>, heading and feeds). Default: "Help center".
    std::string title = "Help center";
    // The absolute URL the pages are reached at, for canonical links, feeds and the sitemap,
    // e.g. "https://help.example.com". "" = from each request's Host header (http://, or
    // https:// when the server has a certificate). Default: "".
    std::string base_url;
    // URLs per sitemap file; past it /sitemap.xml is an index of /sitemap-N.xml files. The
    // sitemaps protocol's limit is the default and the most. Default: 50000.
    unsigned sitemap_max_urls = 50000;
  } knowledge;

  // DESIGN §10. Webhooks (Standard Webhooks 1.0), managed with /api/webhooks by admins.
  struct Webhooks {
    // Hosts a webhook may target although they resolve to loopback, private or link-local
    // addresses (exact host names or IP literals, as in the URL). Default: none.
    std::vector<std::string> allow_hosts;
    // Seconds the previous secret keeps signing (beside the new one) after a rotation.
    // Default: 86400.
    unsigned rotation_overlap_s = 86400;
    // A question in a support channel with no reply from anyone else after this many seconds
    // sends question.unanswered (once). Default: 3600.
    unsigned unanswered_after_s = 3600;
    // Seconds one delivery attempt may take (connect, send, answer). Default: 15.
    unsigned timeout_s = 15;
    // Deliveries waiting to be sent, all webhooks together; at the limit new events are not
    // queued (counted as dropped) and /readyz reports the outbox full. Default: 100000.
    std::size_t max_pending = 100000;
    // Threads that send deliveries (never an I/O thread). Default: 4.
    unsigned workers = 4;
  } webhooks;

  // DESIGN §10. Email while away: one mail per user per batch for DMs, mentions, replies,
  // helpful marks and solutions that arrived while they had no session (docs/CONFIG.md).
  struct Email {
    // smtp://host[:port] (STARTTLS) or smtps://host[:port] (TLS from the start), with optional
    // user:password@ (percent-encoded). "" = no email. Default: "".
    std::string smtp_url;
    // The sender: "name@example.com" or "Name <name@example.com>". Required with smtp_url.
    std::string from;
    // Seconds between the first notification of a batch and its mail. Default: 120.
    unsigned batch_s = 120;
    // A "digest" user gets at most one mail per this many seconds. Default: 86400.
    unsigned digest_s = 86400;
    // Where parleyd is reached from outside (for /unsubscribe links), without a trailing
    // slash. "" = knowledge.base_url; one of the two is required with smtp_url. Default: "".
    std::string server_url;
    // The page that embeds the widget; links to a conversation are this URL plus
    // "#parley=<channel>/<seq>". "" = server_url + "/" (the demo page). Default: "".
    std::string widget_url;
    // smtp:// only: refuse to send unless the server offers STARTTLS. false = use STARTTLS
    // when offered, else send in the clear (for a relay on loopback). Default: true.
    bool require_tls = true;
    // PEM file of the CAs that sign the SMTP server's certificate. "" = the system's. Default: "".
    std::string ca_file;
    // Seconds one SMTP conversation may take. Default: 30.
    unsigned timeout_s = 30;
    // Notifications waiting to be mailed, all users together; past it new ones are dropped
    // (counted) and /readyz reports the outbox full. Default: 100000.
    std::size_t max_pending = 100000;
  } email;

  // DESIGN §8. The cluster on NATS (docs/CLUSTER.md); single node without nats_url.
  struct Cluster {
    // nats://host:port (or tls://host:port) of the cluster's nats-server, JetStream on.
    // "" = single node, no cluster. Default: "".
    std::string nats_url;
    // This node's name in the cluster: 1-64 of A-Z a-z 0-9 - _. Required with nats_url.
    // Default: "".
    std::string node_id;
    // How other nodes and operators reach this node (e.g. "http://10.0.0.5:8080"), shown in
    // the cluster's status. Default: "".
    std::string advertise;
    // Milliseconds between two heartbeats of this node; a node that dies drops out of the
    // cluster after 3. The same on every node. Default: 1000.
    unsigned heartbeat_ms = 1000;
  } cluster;

  struct Log {
    // trace, debug, info, warn, error. Default: info.
    std::string level = "info";
  } log;
};

// The address of an `[email] from` value ("a@b.example" or "Name <a@b.example>"), or nullopt
// when it is neither.
std::optional<std::string> email_address_of(std::string_view from);

// One thing wrong with a configuration file.
struct ConfigProblem {
  std::string file;
  int line = 0;         // 1-based; 0 when the file does not hold the key (a rule across keys)
  std::string key;      // "section.key", "section", or "" (a TOML syntax error)
  std::string message;  // a sentence naming the key and what is wrong
};
// "FILE:LINE: message" (without ":LINE" when line is 0).
std::string format_problem(const ConfigProblem& p);

// Reads a TOML file into `cfg` (keys absent from the file keep their current values) and
// returns every problem: a TOML syntax error (then only it: the rest cannot be read), unknown
// sections and keys (with the nearest valid name), bad values, and the rules across keys of
// config_rule_violations(). Empty: the file is good. `cfg` holds every valid value either way.
std::vector<ConfigProblem> check_config_file(const std::string& path, Config& cfg);
// check_config_file for callers that stop at the first problem: false with *error set to it
// (formatted, and how many more there are).
bool load_config_file(const std::string& path, Config& cfg, std::string* error);

// The rules across keys (durability spelling, frame limits in order, TLS files in pairs, ...):
// (key, message) for each one broken.
std::vector<std::pair<std::string, std::string>> config_rule_violations(const Config& cfg);
// The first of config_rule_violations(), as false with *error.
bool validate_config(const Config& cfg, std::string* error);

// The effective configuration as TOML: every section and key with its value.
std::string config_toml(const Config& cfg);

}  // namespace parley::server
