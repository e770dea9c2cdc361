#include "options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <iostream>

namespace parley::load {

std::string loopback_address(const std::string& host) {
  std::string h = host;
  if (h == "localhost") return "127.0.0.1";
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(h, ec);
  if (ec) return "";
  if (a.is_v4() && a.to_v4().is_loopback()) return a.to_string();
  if (a.is_v6() && a.to_v6() == boost::asio::ip::address_v6::loopback()) return a.to_string();
  return "";
}

namespace {

template <class T>
void default_if(T& v, T unset, T value) {
  if (v == unset) v = value;
}

void apply_defaults(Options& o) {
  const bool s = o.smoke;
  default_if(o.text_bytes, std::size_t{0}, std::size_t{48});
  if (o.scenario == "throughput") {
    default_if(o.connections, std::size_t{0}, s ? std::size_t{50} : std::size_t{1000});
    default_if(o.window, 0u, 4u);
    default_if(o.duration, 0.0, s ? 2.0 : 10.0);
    default_if(o.warmup, -1.0, s ? 0.5 : 2.0);
  } else if (o.scenario == "fanout") {
    default_if(o.members, std::size_t{0}, s ? std::size_t{20} : std::size_t{100});
    default_if(o.senders, std::size_t{0}, std::size_t{1});
    default_if(o.window, 0u, 4u);
    default_if(o.duration, 0.0, s ? 2.0 : 10.0);
    default_if(o.warmup, -1.0, s ? 0.5 : 2.0);
    o.connections = o.members;
  } else if (o.scenario == "idle") {
    default_if(o.connections, std::size_t{0}, s ? std::size_t{200} : std::size_t{1000});
    default_if(o.duration, 0.0, s ? 1.0 : 5.0);
    default_if(o.warmup, -1.0, 0.0);
  } else if (o.scenario == "history") {
    default_if(o.connections, std::size_t{0}, s ? std::size_t{10} : std::size_t{50});
    default_if(o.fill, std::size_t{0}, s ? std::size_t{500} : std::size_t{10000});
    default_if(o.window, 0u, 256u);  // for the fill; readers keep one page in flight
    default_if(o.duration, 0.0, s ? 2.0 : 10.0);
    default_if(o.warmup, -1.0, s ? 0.5 : 2.0);
  }
  if (o.timeout <= 0) {
    // Set-up (generous for many connections), warmup, measurement, drain and close.
    double setup = 30.0 + static_cast<double>(o.connections) / 200.0;
    double fill = o.scenario == "history" ? 60.0 + static_cast<double>(o.fill) / 1000.0 : 0.0;
    o.timeout = setup + fill + o.warmup + o.duration + 30.0;
  }
}

}  // namespace

int parse_options(int argc, char** argv, Options& o, bool* exit_now) {
  *exit_now = false;
  CLI::App app{
      "parley-load: load generator for parleyd (loopback only).\n"
      "Scenarios: throughput, fanout, idle, history. Exit status: 0 = completed with work\n"
      "measured and no errors; 1 = errors, nothing measured, or the hard timeout hit; 2 = usage."};
  app.add_option("scenario", o.scenario, "throughput | fanout | idle | history")
      ->required()
      ->check(CLI::IsMember({"throughput", "fanout", "idle", "history"}));
  app.add_option("--host", o.host, "Server address: 127.0.0.0/8, ::1 or localhost");
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--data-dir", o.data_dir, "Server data dir (reads <dir>/secret.key)");
  app.add_option("--secret-file", o.secret_file, "File whose first line is the JWT secret");
  app.add_option("--json", o.json_file, "Write the results as JSON to this file");
  app.add_option("--peer-protocol", o.peer_protocol,
                 "parley (parleyd, peers/ws-peer.js) | socketio (peers/socketio-peer.js)")
      ->check(CLI::IsMember({"parley", "socketio"}));
  app.add_option("--threads", o.threads, "Generator threads, one io_context each (default 1)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--connections", o.connections,
                 "throughput: senders (1000); idle: connections (1000); history: readers (50)");
  app.add_option("--rate", o.rate, "Total messages (history: pages) per second; 0 = unlimited")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--duration", o.duration, "Measured seconds (idle: seconds to hold) (10)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--warmup", o.warmup, "Seconds of load before measuring (2)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout", o.timeout, "Hard limit for the whole run, seconds (derived)");
  app.add_option("--window", o.window, "Unacked sends per sender (4; history fill: 256)")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--concurrency", o.concurrency, "Connection set-ups in flight at once (256)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--size", o.text_bytes, "Message text bytes (48)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4000}));
  app.add_flag("!--no-source-bind", o.source_bind,
               "Do not bind client sockets to 127.0.0.2..9 round-robin");
  app.add_flag("--smoke", o.smoke, "Small and short defaults (about 2-3 s per scenario)");
  app.add_flag("--quiet", o.quiet, "No progress lines on stderr");
  app.add_option("--channels", o.channels,
                 "throughput: 'dm' (each sender DMs its own partner) or a list like help,general");
  app.add_option("--members", o.members, "fanout: clients joined to the channel (100)");
  app.add_option("--senders", o.senders, "fanout: members that send (1)");
  app.add_option("--server-pid", o.server_pid, "Server pid: report its RSS and CPU from /proc");
  app.add_option("--join", o.join, "idle: channel each connection joins, or 'none' (general)");
  app.add_option("--channel", o.channel, "history: channel to fill and read (general)");
  app.add_option("--fill", o.fill, "history: messages the channel must hold first (10000)");
  app.add_option("--limit", o.limit, "history: page size 1-100; 0 = random 50 or 100")
      ->check(CLI::Range(0u, 100u));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    *exit_now = true;
    return rc == 0 ? 0 : 2;
  }
  if (loopback_address(o.host).empty()) {
    std::cerr << "parley-load: refusing host '" << o.host
              << "': only loopback targets (127.0.0.0/8, ::1, localhost) are allowed\n";
    *exit_now = true;
    return 2;
  }
  if (o.data_dir.empty() && o.secret_file.empty()) {
    std::cerr << "parley-load: need --data-dir or --secret-file for the JWT secret\n";
    *exit_now = true;
    return 2;
  }
  apply_defaults(o);
  if (o.scenario == "fanout" && o.senders > o.members) {
    std::cerr << "parley-load: --senders must not exceed --members\n";
    *exit_now = true;
    return 2;
  }
  return 0;
}

}  // namespace parley::load
