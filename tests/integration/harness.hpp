// Black-box test harness: a real parleyd process on an ephemeral port with a temp data dir,
// and protocol-speaking clients over real WebSockets.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "parley/protocol/jwt.hpp"
#include "ws_client.hpp"

namespace parley::test {

namespace json = boost::json;

// A temp directory removed on destruction.
// Writes a TOML config into `dir` that lifts the per-connection rate limit, for tests that
// pipeline bursts of hundreds of frames; returns its path.
std::string fast_config(const std::string& dir, const std::string& extra = "");

struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
};

class ServerProcess {
 public:
  // Starts parleyd serve with --listen 127.0.0.1:0 and the given data dir (a fresh secret is
  // written there first unless one exists). Extra args are appended.
  explicit ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();

  bool start();     // waits until the port file appears; false if it died
  void kill9();     // SIGKILL and reap
  int terminate();  // SIGTERM, wait, return the exit status
  // Waits (bounded) for the process to end by itself: its raw wait status, or nullopt if it
  // is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string secret() const;
  std::string log() const;  // stderr+stdout of the process so far

  // A signed token for this server.
  std::string token(const std::string& user, const std::string& role = "customer",
                    const std::string& name = "", std::int64_t ttl_s = 3600) const;

 private:
  std::string data_dir_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

// A connected, authenticated client that collects every server object it receives.
class Client {
 public:
  // Connects to 127.0.0.1:port; a failure is a test failure unless `may_fail` (crash tests
  // connect while the server is being killed), in which case the client starts closed.
  explicit Client(std::uint16_t port, bool may_fail = false);
  // Connects over TLS (wss://) to 127.0.0.1:port, verifying the server's certificate against
  // the PEM file `ca_file` and the name `server_name`; a failure is a test failure.
  struct Tls {
    std::string ca_file;
    std::string server_name = "localhost";
  };
  Client(std::uint16_t port, const Tls& tls);
  bool auth(const std::string& token);  // sends auth and waits for welcome

  void send(const json::object& frame);
  void send_raw(std::string_view text);

  // Every object received is either consumed (returned by next/wait_for/messages) or kept for
  // a later call, so an event that arrives before the reply being waited for is not lost.
  // The oldest unconsumed object (any op), or nullopt after timeout/close.
  std::optional<json::object> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The oldest unconsumed object satisfying pred (receiving more as needed).
  std::optional<json::object> wait_for(const std::function<bool(const json::object&)>& pred,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends a request with a fresh id and waits for the ok/error reply with that id.
  json::object request(json::object frame,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Collects `message` events for `channel` until `count` were seen or timeout.
  std::vector<json::object> messages(const std::string& channel, std::size_t count,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

  const std::vector<json::object>& seen() const { return seen_; }
  client::WsClient& ws() { return ws_; }

 private:
  client::WsClient ws_;
  std::optional<json::object> receive(std::chrono::milliseconds timeout);  // appends to seen_
  std::vector<json::object> seen_;  // everything received, in order
  std::vector<bool> used_;          // used_[i]: seen_[i] was consumed
  std::size_t first_unused_ = 0;    // every used_[i] below it is true
  std::int64_t next_id_ = 1;
  // The ops of the requests sent, by serialized id, not yet answered: an `ok` is checked
  // against the reply schema of its request (protocol/schema/server.schema.json).
  std::map<std::string, std::vector<std::string>> pending_ops_;
  void note_request(const json::value& frame);
  void check_schema(const json::object& frame);
};

// A raw TCP connection to 127.0.0.1:port with a 5 s receive timeout, for tests that write bytes
// by hand; `rcvbuf` > 0 fixes the receive buffer (no autotuning). -1 on failure.
int connect_loopback(std::uint16_t port, int rcvbuf = 0);

// Sends `frame` (a fresh id is added) and expects an `ok`: a test failure otherwise. The reply.
json::object expect_ok(Client& c, json::object frame);
// Sends `text` to `channel` (a reply to `reply_to` when nonzero) with a fresh client_msg_id and
// expects its ack: the message's seq, or -1 (and a test failure) when it was refused.
std::int64_t send_text(Client& c, const std::string& channel, const std::string& text,
                       std::int64_t reply_to = 0);

// Sends `n` send frames, frame(i) for i = 0 … n-1 (each given "id": i), pipelined with up to
// `window` unacked, and expects every reply to be an ok: a test failure otherwise (then it
// stops). Returns how many were acked.
int send_pipelined(Client& c, int n, const std::function<json::object(int)>& frame,
                   int window = 500);

std::string str(const json::value& v);   // v as std::string (must be a string)
std::int64_t num(const json::value& v);  // v as integer

// Every stored message of `channel` (tombstones included) as seq -> text, read with `history`
// pages from the newest back to seq 1 (bounded: 10,000 pages). A failed page is a test failure.
std::map<std::int64_t, std::string> read_channel(Client& c, const std::string& channel);

// A command run through the shell: its exit status (124 when `timeout` ended it) and its
// stdout and stderr together.
struct CommandResult {
  int status = -1;
  std::string output;
};
// Runs `cmd` with `sh -c`, bounded by `timeout` (coreutils), stdin from /dev/null.
CommandResult run_command(const std::string& cmd, int timeout_s = 20);

}  // namespace parley::test
