// parley-http-load: pages per second of one HTTP GET path (a knowledge page, /kb/CHANNEL/SEQ,
// in make bench; docs/PERFORMANCE.md). --connections keep-alive connections, one thread each,
// each sending the next GET as soon as the previous response is read (closed loop), with
// `Accept-Encoding: gzip` as browsers send it. Every response must be 200 with the body its
// Content-Length (or chunked framing) announces; anything else counts as an error.
//
// Bounded: --duration after --warmup, then it stops by itself; alarm(--timeout) ends the
// process (exit 1) if anything hangs. Loopback addresses only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "proc_stats.hpp"
#include "result.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using parley::load::Histogram;
using parley::load::Result;
using parley::load::Value;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/kb";
  std::size_t connections = 16;
  double duration = 5;
  double warmup = 1;
  double timeout = 0;  // 0 = derived
  bool gzip = true;
  int server_pid = 0;
  std::string json_file;
};

void on_alarm(int) {
  const char msg[] = "parley-http-load: hard timeout, exiting\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  ::_exit(1);
}

struct Shared {
  std::atomic<int> phase{0};  // 0 warm-up, 1 measure, 2 stop
  std::mutex mu;
  Histogram latency;        // guarded by mu (merged at the end of each thread)
  std::uint64_t pages = 0;  // measured, guarded by mu
  std::uint64_t bytes = 0;  // measured body bytes, guarded by mu
  std::uint64_t errors = 0;
  std::string first_error;
};

class Conn {
 public:
  explicit Conn(const sockaddr_in& a) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{2, 0};  // a stuck server shows up as an error, not a hang
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // One request and its response; the body's size in *body, or false with *error.
  bool get(const std::string& request, std::size_t* body, std::string* error) {
    for (std::size_t off = 0; off < request.size();) {
      ssize_t n = ::send(fd_, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return fail(error, "send failed");
      off += static_cast<std::size_t>(n);
    }
    std::size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > 65536) return fail(error, "response headers over 64 KiB");
      if (!fill()) return fail(error, "connection closed or timed out reading headers");
    }
    const std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    if (head.rfind("HTTP/1.1 200 ", 0) != 0)
      return fail(error, "status: " + head.substr(0, head.find('\r')));
    std::string lower = head;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) {
      const std::size_t len = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
      while (buf_.size() < len) {
        if (!fill()) return fail(error, "connection closed or timed out reading the body");
      }
      buf_.erase(0, len);
      *body = len;
      return true;
    }
    if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      *body = 0;
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!fill()) return fail(error, "connection closed reading a chunk");
        }
        const std::size_t len = std::strtoull(buf_.c_str(), nullptr, 16);
        while (buf_.size() < eol + 2 + len + 2) {
          if (!fill()) return fail(error, "connection closed reading a chunk");
        }
        buf_.erase(0, eol + 2 + len + 2);
        *body += len;
        if (len == 0) return true;
      }
    }
    return fail(error, "a response without Content-Length or chunked framing");
  }

 private:
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  static bool fail(std::string* error, std::string what) {
    *error = std::move(what);
    return false;
  }
  int fd_ = -1;
  std::string buf_;
};

void run_connection(const Options& o, const sockaddr_in& a, Shared& sh) {
  std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                        std::to_string(o.port) +
                        "\r\nUser-Agent: parley-http-load\r\nAccept: text/html\r\n";
  if (o.gzip) request += "Accept-Encoding: gzip\r\n";
  request += "\r\n";
  Histogram local;
  std::uint64_t pages = 0, bytes = 0, errors = 0;
  std::string first_error;
  auto conn = std::make_unique<Conn>(a);
  while (sh.phase.load(std::memory_order_relaxed) < 2) {
    if (!conn->ok()) {
      ++errors;
      if (first_error.empty()) first_error = "connect failed: " + std::string(std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      conn = std::make_unique<Conn>(a);
      continue;
    }
    const bool measuring = sh.phase.load(std::memory_order_relaxed) == 1;
    const auto t0 = Clock::now();
    std::size_t body = 0;
    std::string error;
    const bool ok = conn->get(request, &body, &error);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    if (!ok) {
      if (sh.phase.load(std::memory_order_relaxed) == 2) break;
      ++errors;
      if (first_error.empty()) first_error = error;
      conn = std::make_unique<Conn>(a);
      continue;
    }
    if (measuring && sh.phase.load(std::memory_order_relaxed) == 1) {
      ++pages;
      bytes += body;
      local.record(static_cast<std::uint64_t>(ns));
    }
  }
  std::lock_guard lock(sh.mu);
  sh.latency.merge(local);
  sh.pages += pages;
  sh.bytes += bytes;
  sh.errors += errors;
  if (sh.first_error.empty()) sh.first_error = first_error;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "parley-http-load: pages per second of one GET path over keep-alive connections "
      "(loopback only). Exit status: 0 = pages measured and no errors; 1 = errors or "
      "nothing measured; 2 = usage."};
  app.add_option("--host", o.host, "Server address: 127.0.0.0/8");
  app.add_option("--port", o.port, "Server port")->required();
  app.add_option("--path", o.path, "The path to GET (default /kb)");
  app.add_option("--connections", o.connections, "Keep-alive connections, one thread each (16)")
      ->check(CLI::Range(1, 512));
  app.add_option("--duration", o.duration, "Measured seconds (5)")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", o.warmup, "Seconds before measuring (1)")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--timeout", o.timeout, "Hard limit for the whole run (default: derived)");
  app.add_flag("!--no-gzip", o.gzip, "Do not send Accept-Encoding: gzip");
  app.add_option("--server-pid", o.server_pid, "Also report the server's CPU use");
  app.add_option("--json", o.json_file, "Write the results as JSON to this file");
  CLI11_PARSE(app, argc, argv);

  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  if (::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1 ||
      (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
    std::cerr << "parley-http-load: --host must be an IPv4 loopback address (127.0.0.0/8)\n";
    return 2;
  }
  if (o.path.empty() || o.path[0] != '/' || o.path.find_first_of(" \r\n") != std::string::npos) {
    std::cerr << "parley-http-load: --path must start with / and hold no spaces or line breaks\n";
    return 2;
  }
  if (o.timeout <= 0) o.timeout = o.warmup + o.duration + 30;
  std::signal(SIGALRM, on_alarm);
  ::alarm(static_cast<unsigned>(o.timeout) + 1);

  Shared sh;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < o.connections; ++i)
    threads.emplace_back(run_connection, std::cref(o), std::cref(a), std::ref(sh));
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  const double cpu0 = o.server_pid > 0 ? parley::load::process_cpu_s(o.server_pid) : -1;
  const double self0 = parley::load::self_cpu_s();
  const auto m0 = Clock::now();
  sh.phase = 1;
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  sh.phase = 2;
  const double measured = std::chrono::duration<double>(Clock::now() - m0).count();
  const double cpu1 = o.server_pid > 0 ? parley::load::process_cpu_s(o.server_pid) : -1;
  const double self1 = parley::load::self_cpu_s();
  for (auto& t : threads) t.join();

  Result r;
  r.scenario = "http-get";
  r.work_name = "pages_measured";
  r.param("path", o.path);
  r.param("connections", static_cast<std::int64_t>(o.connections));
  r.param("gzip", o.gzip);
  r.param("warmup_s", o.warmup);
  r.param("duration_s", o.duration);
  r.measured_s = measured;
  r.work = sh.pages;
  r.count("pages_measured", sh.pages);
  r.count("body_bytes_measured", sh.bytes);
  r.rate("pages", static_cast<double>(sh.pages) / measured);
  r.rate("body_bytes", static_cast<double>(sh.bytes) / measured);
  r.latencies.emplace_back("get", sh.latency);
  if (sh.errors > 0) r.errors["http"] = sh.errors;
  if (!sh.first_error.empty()) r.notes.push_back("first error: " + sh.first_error);
  if (cpu0 >= 0 && cpu1 >= 0)
    r.info.emplace_back("server_cpu_cores", Value((cpu1 - cpu0) / measured));
  r.info.emplace_back("client_cpu_cores", Value((self1 - self0) / measured));
  parley::load::print_table(r, std::cout);
  if (!o.json_file.empty()) {
    std::ofstream out(o.json_file);
    out << parley::load::to_json(r);
    if (!out) {
      std::cerr << "parley-http-load: cannot write " << o.json_file << "\n";
      return 2;
    }
  }
  return r.ok() ? 0 : 1;
}
