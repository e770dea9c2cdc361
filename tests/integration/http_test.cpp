// The HTTP surface against hostile input: path traversal on static files, oversized and
// malformed requests. Raw TCP, so the bytes are exactly what an attacker would send.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;

namespace {

// Sends `bytes` and returns everything the server answers until it closes (or 5 s pass).
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  int fd = connect_loopback(port);
  if (fd < 0) return "<connect failed>";
  std::size_t off = 0;
  while (off < bytes.size()) {
    auto n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may stop reading (and answer) before we are done
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// A WebSocket upgrade of /ws with `origin` (none when empty): the response head only.
std::string upgrade_head(std::uint16_t port, const std::string& origin) {
  int fd = connect_loopback(port);
  if (fd < 0) return "<connect failed>";
  std::string req = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!origin.empty()) req += "Origin: " + origin + "\r\n";
  req += "\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  while (out.find("\r\n\r\n") == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::atoi(response.c_str() + 9);
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path + "/data",
                                              std::vector<std::string>{"--durability", "fast"});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(HttpTest, StaticFilesCannotBeEscaped) {
  // The demo page exists; the data dir's secret and system files must never be served.
  EXPECT_EQ(http(server_->port(), "GET", "/").status, 200);
  for (const std::string& target : std::vector<std::string>{
           "/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
           "/widget.js/../../secret.key", "//etc/passwd", "/./index.html/..", "/.git/config",
           "/index.html%00.js", "/" + std::string(4000, 'a')}) {
    auto r = raw_exchange(server_->port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    int st = status_of(r);
    EXPECT_TRUE(st == 404 || st == 400) << target << " -> " << r.substr(0, 80);
    EXPECT_EQ(r.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r.find(server_->secret()), std::string::npos) << target;
  }
}

TEST_F(HttpTest, OversizedAndMalformedRequestsGetJsonErrors) {
  // A header block over the limit.
  auto big = raw_exchange(server_->port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                               std::string(40 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(status_of(big), 431) << big.substr(0, 120);
  EXPECT_NE(big.find("\"too_large\""), std::string::npos);
  // A body over the limit.
  auto body = raw_exchange(server_->port(),
                           "POST /api/guest HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" +
                               std::string(200000, '{'));
  EXPECT_EQ(status_of(body), 413) << body.substr(0, 120);
  // Chunked framing that never ends: a chunk extension and a trailer, each far beyond the
  // header limit plus one read (Beast limits neither; the session's buffer has a maximum).
  for (const std::string& chunked :
       {std::string("POST /api/guest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;") +
            std::string(200 * 1024, 'a'),
        std::string("POST /api/guest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "1\r\n{\r\n0\r\nX-Trailer: ") +
            std::string(200 * 1024, 'b')}) {
    auto r = raw_exchange(server_->port(), chunked);
    EXPECT_EQ(status_of(r), 413) << r.substr(0, 120);
    EXPECT_NE(r.find("\"too_large\""), std::string::npos) << r.substr(0, 200);
  }
  // Garbage instead of a request line, and a broken header.
  for (const std::string& junk :
       std::vector<std::string>{// all 16 bytes, the NUL included (a char* literal would stop at it)
                                std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16),
                                "GET / HTTP/1.1\r\nHost x\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                                "POST /api/guest HTTP/1.1\r\nContent-Length: -5\r\n\r\n"}) {
    auto r = raw_exchange(server_->port(), junk);
    EXPECT_EQ(status_of(r), 400) << junk << " -> " << r.substr(0, 120);
  }
  // A bad JSON body names the problem; the method is checked.
  auto bad = http(server_->port(), "POST", "/api/guest", "{\"name\":42}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("name"), std::string::npos);
  EXPECT_EQ(http(server_->port(), "DELETE", "/api/guest").status, 405);
  // After all that the server still serves.
  EXPECT_EQ(http(server_->port(), "GET", "/healthz").status, 200);
  Client c(server_->port());
  EXPECT_TRUE(c.auth(server_->token("alice")));
}

// Only the server's own pages and the listed origins may open the WebSocket or call /api from
// a browser; clients without an Origin (bots, the CLI) are not affected.
TEST(HttpOrigin, AllowListGuardsTheUpgradeAndTheApi) {
  TempDir dir;
  ServerProcess server(
      dir.path + "/data",
      {"--durability", "fast", "--config",
       fast_config(dir.path, "[server]\nallowed_origins = [\"https://shop.example\"]\n")});
  ASSERT_TRUE(server.start()) << server.log();
  const auto port = server.port();
  const std::string self = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(status_of(upgrade_head(port, "")), 101);
  EXPECT_EQ(status_of(upgrade_head(port, self)), 101);
  EXPECT_EQ(status_of(upgrade_head(port, "https://shop.example")), 101);
  for (const char* bad :
       {"https://evil.example", "http://shop.example", "null", "http://127.0.0.1:1"}) {
    auto r = upgrade_head(port, bad);
    EXPECT_EQ(status_of(r), 403) << bad << " -> " << r.substr(0, 200);
    EXPECT_NE(r.find("origin not allowed"), std::string::npos) << r;
  }
  auto guest = [&](const std::string& origin) {
    std::string body = "{\"name\":\"Gail\"}";
    return raw_exchange(port, "POST /api/guest HTTP/1.1\r\nHost: 127.0.0.1:" +
                                  std::to_string(port) + "\r\nOrigin: " + origin +
                                  "\r\nContent-Type: application/json\r\nConnection: close"
                                  "\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  auto evil = guest("https://evil.example");
  EXPECT_EQ(status_of(evil), 403) << evil.substr(0, 200);
  EXPECT_EQ(evil.find("\"token\""), std::string::npos);
  auto shop = guest("https://shop.example");
  EXPECT_EQ(status_of(shop), 200) << shop.substr(0, 200);
  EXPECT_NE(shop.find("Access-Control-Allow-Origin: https://shop.example"), std::string::npos);
  EXPECT_EQ(status_of(guest(self)), 200);
  // The preflight names every method the API has (DELETE: bots, users).
  auto preflight = raw_exchange(port,
                                "OPTIONS /api/users/ann HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                                "https://shop.example\r\nAccess-Control-Request-Method: DELETE\r\n"
                                "Connection: close\r\n\r\n");
  EXPECT_EQ(status_of(preflight), 204) << preflight.substr(0, 300);
  EXPECT_NE(preflight.find("Access-Control-Allow-Methods: GET, POST, PATCH, DELETE, OPTIONS"),
            std::string::npos)
      << preflight;
  EXPECT_NE(preflight.find("Access-Control-Allow-Origin: https://shop.example"), std::string::npos)
      << preflight;
  // Without an Origin header nothing changes.
  EXPECT_EQ(http(port, "POST", "/api/guest", "{\"name\":\"Bot\"}").status, 200);
  Client c(port);
  EXPECT_TRUE(c.auth(server.token("alice")));
}

// The default list is ["*"]: any site may embed the widget.
TEST_F(HttpTest, DefaultOriginListAdmitsAnySite) {
  EXPECT_EQ(status_of(upgrade_head(server_->port(), "https://anywhere.example")), 101);
}

// The web root's npm folder and hidden entries are not part of the site.
TEST(HttpStatic, NodeModulesAndHiddenEntriesAreNotServed) {
  TempDir dir;
  namespace fs = std::filesystem;
  const std::string web = dir.path + "/web";
  fs::create_directories(web + "/node_modules/chart.js/dist");
  fs::create_directories(web + "/.git");
  fs::create_directories(web + "/vendor");
  auto write = [](const std::string& path, const std::string& body) {
    std::ofstream(path) << body;
  };
  write(web + "/index.html", "<p>home</p>");
  write(web + "/vendor/chart.umd.js", "/* chart */");
  write(web + "/node_modules/chart.js/dist/chart.umd.js", "/* raw */");
  write(web + "/.git/config", "[core]");
  write(web + "/.env", "SECRET=1");
  ServerProcess server(dir.path + "/data",
                       {"--durability", "fast", "--config",
                        fast_config(dir.path, "[server]\nweb_root = \"" + web + "\"\n")});
  ASSERT_TRUE(server.start()) << server.log();
  EXPECT_EQ(http(server.port(), "GET", "/").status, 200);
  EXPECT_EQ(http(server.port(), "GET", "/vendor/chart.umd.js").status, 200);
  for (const char* hidden : {"/node_modules/chart.js/dist/chart.umd.js", "/.git/config", "/.env"}) {
    EXPECT_EQ(http(server.port(), "GET", hidden).status, 404) << hidden;
  }
}

// /metrics in the Prometheus text format, with the storage figures: commit latency histogram
// and RocksDB statistics next to the connection, frame and batch counters.
TEST_F(HttpTest, MetricsCoverConnectionsStorageAndRocksDb) {
  Client c(server_->port());
  ASSERT_TRUE(c.auth(server_->token("alice")));
  ASSERT_EQ(str(c.request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  for (int i = 0; i < 4; ++i) {
    auto r = c.request({{"op", "send"},
                        {"channel", "general"},
                        {"text", "m"},
                        {"client_msg_id", "x" + std::to_string(i)}});
    ASSERT_EQ(str(r.at("op")), "ok");
  }
  auto res = http(server_->port(), "GET", "/metrics");
  ASSERT_EQ(res.status, 200);
  const std::string& m = res.body;
  auto value = [&](const std::string& name) -> long long {
    auto at = m.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::atoll(m.c_str() + at + name.size() + 2);
  };
  EXPECT_EQ(value("parley_connections_open"), 1) << m;
  EXPECT_GE(value("parley_messages_stored_total"), 4);
  EXPECT_GE(value("parley_commit_seconds_count"), 1);
  EXPECT_NE(m.find("parley_commit_seconds_bucket{le=\"0.00005\"}"), std::string::npos);
  EXPECT_NE(m.find("parley_commit_seconds_bucket{le=\"+Inf\"} "), std::string::npos);
  EXPECT_EQ(value("parley_commit_seconds_count"),
            value("parley_commit_seconds_bucket{le=\"+Inf\"}"));
  EXPECT_GE(value("parley_write_batch_size_count"), 1);
  EXPECT_GT(value("parley_rocksdb_memtable_bytes"), 0);
  EXPECT_GE(value("parley_rocksdb_estimated_keys"), 4);
  EXPECT_EQ(value("parley_rocksdb_background_errors"), 0);
  EXPECT_EQ(value("parley_rocksdb_write_stopped"), 0);
  EXPECT_NE(m.find("# TYPE parley_commit_seconds histogram"), std::string::npos);
}

}  // namespace

namespace {

// Static files and API answers carry an ETag, revalidate with 304, and come gzipped when asked:
// the widget and the console download a fraction of their size.
TEST_F(HttpTest, ValidatorsAnd304AndGzip) {
  auto plain = http(server_->port(), "GET", "/widget.js");
  ASSERT_EQ(plain.status, 200);
  const std::string etag = plain.header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(plain.header("content-encoding"), "");
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");

  auto zipped = http(server_->port(), "GET", "/widget.js", "", "", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.header("content-encoding"), "gzip");
  EXPECT_LT(zipped.body.size() * 3, plain.body.size()) << "gzip should shrink JavaScript 3x";
  EXPECT_EQ(zipped.body.substr(0, 2), "\x1f\x8b");  // the gzip magic
  EXPECT_NE(zipped.header("etag"), etag);

  auto again = http(server_->port(), "GET", "/widget.js", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto again_gz = http(server_->port(), "GET", "/widget.js", "", "",
                       {{"If-None-Match", zipped.header("etag")}, {"Accept-Encoding", "gzip"}});
  EXPECT_EQ(again_gz.status, 304);
  auto other = http(server_->port(), "GET", "/widget.js", "", "", {{"If-None-Match", "\"nope\""}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, plain.body);

  // Dynamic JSON too (the channel list changes, and its tag with it).
  auto channels = http(server_->port(), "GET", "/api/channels");
  ASSERT_EQ(channels.status, 200);
  auto same = http(server_->port(), "GET", "/api/channels", "", "",
                   {{"If-None-Match", channels.header("etag")}});
  EXPECT_EQ(same.status, 304);
  // Errors and writes are never 304.
  auto missing = http(server_->port(), "GET", "/nope.js", "", "", {{"If-None-Match", "*"}});
  EXPECT_EQ(missing.status, 404);
}

}  // namespace
