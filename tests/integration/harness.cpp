#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "protocol_schema.hpp"

namespace parley::test {

namespace fs = std::filesystem;

std::string fast_config(const std::string& dir, const std::string& extra) {
  fs::create_directories(dir);
  std::string path = dir + "/parley.toml";
  std::ofstream(path) << "[limits]\nrate_per_s = 100000\nrate_burst = 100000\n" << extra;
  return path;
}

TempDir::TempDir() {
  std::random_device rd;
  path = (fs::temp_directory_path() /
          ("parley_it_" + std::to_string(::getpid()) + "_" + std::to_string(rd())))
             .string();
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_(std::move(extra_args)) {
  fs::create_directories(data_dir_);
  auto secret = fs::path(data_dir_) / "secret.key";
  if (!fs::exists(secret)) {
    std::ofstream(secret) << "test-secret-0123456789abcdef0123456789abcdef\n";
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  }
  log_path_ = data_dir_ + "/server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
}

std::string ServerProcess::secret() const {
  std::ifstream in(fs::path(data_dir_) / "secret.key");
  std::string s;
  std::getline(in, s);
  return s;
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ServerProcess::start() {
  std::string port_file = data_dir_ + "/port";
  fs::remove(port_file);
  std::vector<std::string> args = {std::string(PARLEY_BIN_DIR) + "/parleyd",
                                   "serve",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--data-dir",
                                   data_dir_,
                                   "--port-file",
                                   port_file,
                                   "--threads",
                                   "2"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Bounded wait for the port file (written once the listener and storage are up).
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(port_file);
    int p = 0;
    if (in >> p && p > 0) {
      port_ = static_cast<std::uint16_t>(p);
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // Bounded: 30 s, then SIGKILL.
  for (int i = 0; i < 3000; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -9;
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto end = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string ServerProcess::token(const std::string& user, const std::string& role,
                                 const std::string& name, std::int64_t ttl_s) const {
  protocol::Claims c;
  c.sub = user;
  c.name = name.empty() ? user : name;
  c.role = *protocol::parse_role(role);
  c.exp = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count() +
          ttl_s;
  return protocol::jwt_sign(c, secret());
}

Client::Client(std::uint16_t port, bool may_fail) {
  std::string err;
  if (ws_.connect("127.0.0.1", port, &err)) return;
  if (!may_fail) ADD_FAILURE() << "connect failed: " << err;
  ws_.abort();  // closed() is true from now on
}

Client::Client(std::uint16_t port, const Tls& tls) {
  std::string err;
  if (ws_.use_tls(tls.ca_file, &err, tls.server_name) && ws_.connect("127.0.0.1", port, &err)) {
    return;
  }
  ADD_FAILURE() << "TLS connect failed: " << err;
  ws_.abort();
}

bool Client::auth(const std::string& token) {
  send({{"op", "auth"}, {"token", token}});
  auto w = wait_for([](const json::object& o) {
    auto op = o.if_contains("op");
    return op && op->is_string() && (op->as_string() == "welcome" || op->as_string() == "error");
  });
  return w && str(w->at("op")) == "welcome";
}

void Client::send(const json::object& frame) {
  note_request(frame);
  ws_.send(json::serialize(frame));
}

void Client::send_raw(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (!ec) note_request(v);
  ws_.send(text);
}

void Client::note_request(const json::value& frame) {
  if (!frame.is_object()) return;
  auto op = frame.as_object().if_contains("op");
  auto id = frame.as_object().if_contains("id");
  if (op && op->is_string() && id) pending_ops_[json::serialize(*id)].emplace_back(op->as_string());
}

// Every frame the server sends must be one protocol/schema/server.schema.json describes, and an
// `ok` must be the reply its request gets (any request sent with the same id, when ids repeat).
void Client::check_schema(const json::object& frame) {
  if (!schema_check_enabled()) return;
  const auto& schema = ProtocolSchema::get();
  auto op = frame.if_contains("op");
  auto id = frame.if_contains("id");
  bool reply = op && op->is_string() &&
               (op->as_string() == "ok" || op->as_string() == "error" ||
                op->as_string() == "welcome" || op->as_string() == "pong");
  auto it = reply && id ? pending_ops_.find(json::serialize(*id)) : pending_ops_.end();
  std::string err;
  if (it == pending_ops_.end()) {
    err = schema.check_server(frame);
  } else {
    auto& ops = it->second;
    auto match = ops.end();
    for (auto o = ops.begin(); o != ops.end() && match == ops.end(); ++o) {
      std::string e = schema.check_server(frame, *o);
      if (e.empty())
        match = o;
      else
        err += e;
    }
    if (match != ops.end()) {
      err.clear();
      ops.erase(match);
    }
    if (ops.empty()) pending_ops_.erase(it);
  }
  if (!err.empty())
    ADD_FAILURE() << "the server sent a frame protocol/schema/server.schema.json does not "
                     "describe:\n"
                  << err << "frame: " << json::serialize(frame).substr(0, 2000);
}

std::optional<json::object> Client::receive(std::chrono::milliseconds timeout) {
  auto raw = ws_.recv(timeout);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "server sent something that is not a JSON object: " << *raw;
    return std::nullopt;
  }
  check_schema(v.as_object());
  seen_.push_back(v.as_object());
  used_.push_back(false);
  return seen_.back();
}

std::optional<json::object> Client::next(std::chrono::milliseconds timeout) {
  return wait_for([](const json::object&) { return true; }, timeout);
}

std::optional<json::object> Client::wait_for(const std::function<bool(const json::object&)>& pred,
                                             std::chrono::milliseconds timeout) {
  // Everything before first_unused_ was consumed: a long run (100,000 acks) stays linear.
  while (first_unused_ < used_.size() && used_[first_unused_]) ++first_unused_;
  for (std::size_t i = first_unused_; i < seen_.size(); ++i) {
    if (!used_[i] && pred(seen_[i])) {
      used_[i] = true;
      return seen_[i];
    }
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto o = receive(left);
    if (!o) return std::nullopt;
    if (pred(*o)) {
      used_.back() = true;
      return o;
    }
  }
}

json::object Client::request(json::object frame, std::chrono::milliseconds timeout) {
  std::int64_t id = next_id_++;
  frame["id"] = id;
  send(frame);
  auto reply = wait_for(
      [id](const json::object& o) {
        auto i = o.if_contains("id");
        return i && i->is_int64() && i->as_int64() == id;
      },
      timeout);
  if (!reply) return json::object{{"op", "timeout"}};
  return *reply;
}

std::vector<json::object> Client::messages(const std::string& channel, std::size_t count,
                                           std::chrono::milliseconds timeout) {
  std::vector<json::object> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto is_msg = [&](const json::object& o) {
    return str(o.at("op")) == "message" && str(o.at("channel")) == channel;
  };
  while (out.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto o = wait_for(is_msg, std::max(left, std::chrono::milliseconds(0)));
    if (!o) break;
    out.push_back(*o);
  }
  return out;
}

int connect_loopback(std::uint16_t port, int rcvbuf) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string str(const json::value& v) {
  if (!v.is_string()) return "<not a string: " + json::serialize(v) + ">";
  return std::string(v.as_string());
}

std::int64_t num(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
  return -1;
}

json::object expect_ok(Client& c, json::object frame) {
  auto r = c.request(std::move(frame));
  EXPECT_EQ(str(r.at("op")), "ok") << json::serialize(r);
  return r;
}

std::int64_t send_text(Client& c, const std::string& channel, const std::string& text,
                       std::int64_t reply_to) {
  static std::atomic<int> n{0};
  json::object f{{"op", "send"},
                 {"channel", channel},
                 {"text", text},
                 {"client_msg_id", "t" + std::to_string(++n)}};
  if (reply_to) f["reply_to"] = reply_to;
  auto r = expect_ok(c, std::move(f));
  return r.contains("seq") ? num(r.at("seq")) : -1;
}

int send_pipelined(Client& c, int n, const std::function<json::object(int)>& frame, int window) {
  int acked = 0;
  for (int sent = 0; sent < n;) {
    const int batch = std::min(window, n - sent);
    for (int i = 0; i < batch; ++i, ++sent) {
      json::object f = frame(sent);
      f["id"] = sent;
      c.send(f);
    }
    for (int i = 0; i < batch; ++i) {
      auto r = c.wait_for([](const json::object& o) { return o.contains("id"); },
                          std::chrono::seconds(30));
      if (!r || str(r->at("op")) != "ok") {
        ADD_FAILURE() << "send " << acked << ": " << (r ? json::serialize(*r) : "no reply");
        return acked;
      }
      ++acked;
    }
  }
  return acked;
}

std::map<std::int64_t, std::string> read_channel(Client& c, const std::string& channel) {
  std::map<std::int64_t, std::string> stored;
  std::optional<std::int64_t> before;
  for (int guard = 0; guard < 10000; ++guard) {
    json::object f{{"op", "history"}, {"channel", channel}, {"limit", 100}};
    if (before) f["before"] = *before;
    auto page = c.request(f);
    if (str(page.at("op")) != "ok") {
      ADD_FAILURE() << "history of " << channel << ": " << json::serialize(page);
      break;
    }
    auto& msgs = page.at("messages").as_array();
    for (auto& m : msgs) stored[num(m.as_object().at("seq"))] = str(m.as_object().at("text"));
    if (msgs.empty() || !page.at("has_more").as_bool()) break;
    before = num(msgs[0].as_object().at("seq"));
  }
  return stored;
}

CommandResult run_command(const std::string& cmd, int timeout_s) {
  CommandResult r;
  std::string full = "timeout " + std::to_string(timeout_s) + " " + cmd + " </dev/null 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace parley::test
