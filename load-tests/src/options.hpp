// Command-line options of parley-load, and their per-scenario defaults.
//
// Thread-safety: a plain value, filled once in main() and read-only afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace parley::load {

struct Options {
  std::string scenario;  // throughput | fanout | idle | history

  // Target. Only loopback addresses are accepted (127.0.0.0/8, ::1, "localhost").
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string data_dir;     // the secret is read from <data_dir>/secret.key ...
  std::string secret_file;  // ... or from this file (first line)
  std::string json_file;    // write the results here as JSON
  // How objects are framed: "parley" (parleyd, ws-peer.js) or "socketio" (socketio-peer.js:
  // Engine.IO/socket.io events, socketio_framing.hpp).
  std::string peer_protocol = "parley";

  unsigned threads = 1;           // io_context threads (one each)
  std::size_t connections = 0;    // throughput: senders; idle: connections; history: readers
  double rate = 0;                // messages (or pages) per second in total; 0 = unlimited
  double duration = 0;            // measured seconds (idle: hold seconds)
  double warmup = -1;             // seconds before measuring
  double timeout = 0;             // hard limit for the whole run; 0 = derived
  unsigned window = 0;            // unacked requests per client
  std::size_t concurrency = 256;  // connections being set up at once (all threads)
  std::size_t text_bytes = 0;     // message text length (at least the timestamp tag)
  bool source_bind = true;        // bind client sockets to 127.0.0.2..9 round-robin
  bool smoke = false;             // small and short: each scenario in about 2-3 s
  bool quiet = false;             // no progress lines on stderr

  // throughput
  std::string channels = "dm";  // "dm" (each sender DMs its own partner) or "a,b,..."
  // fanout
  std::size_t members = 0;
  std::size_t senders = 0;
  // idle
  int server_pid = 0;            // also: server RSS/CPU in every scenario
  std::string join = "general";  // channel each idle connection joins; "none" = no join
  // history
  std::string channel = "general";
  std::size_t fill = 0;  // messages the channel must hold before reading
  unsigned limit = 0;    // page size; 0 = random 50 or 100
};

// Parses argv into `o` and applies the scenario's defaults. Returns 0 to run, otherwise the
// exit code (help printed: 0 via *exit_now, usage error: 2).
int parse_options(int argc, char** argv, Options& o, bool* exit_now);

// Resolves a loopback host to a literal address; "" if `host` is not loopback.
std::string loopback_address(const std::string& host);

}  // namespace parley::load
