// TLS on the main listener (https:// and wss:// on one port) and the optional plain listener,
// black-box against build/bin/parleyd with a throwaway self-signed certificate made by the
// openssl command-line tool. Every external command runs under `timeout`; only 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

using namespace parley::test;
namespace json = boost::json;

namespace {

using RunResult = CommandResult;
RunResult run(const std::string& cmd, int timeout_s = 20) { return run_command(cmd, timeout_s); }

bool have_tool(const std::string& name) {
  return run("sh -c 'command -v " + name + "'", 5).status == 0;
}

// A self-signed P-256 certificate for localhost (and 127.0.0.1), valid for a day.
bool make_cert(const std::string& dir, std::string* log) {
  auto r =
      run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
          "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
          "-keyout " +
          dir + "/k.pem -out " + dir + "/c.pem");
  *log = r.output;
  return r.status == 0;
}

// Sends `request` over plain TCP and returns whatever comes back until the peer closes (or
// 5 s pass: *closed says which).
std::string raw_exchange(std::uint16_t port, const std::string& request, bool* closed) {
  *closed = false;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      pollfd pfd{fd, POLLIN, 0};
      if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;  // EOF or reset: either way the server hung up
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return got;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(have_tool("openssl"))
        << "the openssl command-line tool is not installed (make test-deps installs it)";
    std::string log;
    ASSERT_TRUE(make_cert(dir_.path, &log)) << log;
    cert_ = dir_.path + "/c.pem";
    key_ = dir_.path + "/k.pem";
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data",
        std::vector<std::string>{"--durability", "fast", "--config", fast_config(dir_.path),
                                 "--tls-cert", cert_, "--tls-key", key_, "--plain-listen",
                                 "127.0.0.1:0"});
    ASSERT_TRUE(server_->start()) << server_->log();
    // The plain listener's port is in the start-up log line (the port file has the main one).
    std::smatch m;
    std::string text = server_->log();
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(plain_port=(\d+))"))) << text;
    plain_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    ASSERT_NE(plain_port_, 0) << text;
    ASSERT_NE(plain_port_, server_->port());
  }

  std::unique_ptr<Client> tls_client(const std::string& user) {
    auto c = std::make_unique<Client>(server_->port(), Client::Tls{cert_});
    EXPECT_TRUE(c->auth(server_->token(user))) << user;
    return c;
  }

  // openssl s_client against the TLS port with extra options; the client's own security
  // level is lowered so that a refusal comes from the server, not from the local defaults.
  RunResult s_client(const std::string& opts) {
    return run("openssl s_client -connect 127.0.0.1:" + std::to_string(server_->port()) +
                   " -servername localhost -CAfile " + cert_ + " -verify_return_error " + opts,
               15);
  }

  TempDir dir_;
  std::string cert_, key_;
  std::unique_ptr<ServerProcess> server_;
  std::uint16_t plain_port_ = 0;
};

TEST_F(TlsTest, WssClientAuthJoinSendHistory) {
  auto alice = tls_client("alice");
  auto bob = tls_client("bob");
  ASSERT_EQ(str(alice->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  ASSERT_EQ(str(bob->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");

  auto ack = alice->request(
      {{"op", "send"}, {"channel", "general"}, {"text", "over TLS"}, {"client_msg_id", "t1"}});
  ASSERT_EQ(str(ack.at("op")), "ok") << json::serialize(ack);
  EXPECT_EQ(num(ack.at("seq")), 1);
  auto got = bob->messages("general", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0].at("text")), "over TLS");

  // A burst, so the server coalesces many payloads into frames bigger than one TLS record
  // (and hands the TLS layer long gathered writes), plus a long message.
  std::string big(4000, 'x');
  alice->send({{"op", "send"}, {"channel", "general"}, {"text", big}, {"client_msg_id", "big"}});
  for (int i = 0; i < 300; ++i) {
    alice->send({{"op", "send"},
                 {"channel", "general"},
                 {"text", "burst " + std::to_string(i)},
                 {"client_msg_id", "b" + std::to_string(i)}});
  }
  auto burst = bob->messages("general", 301, std::chrono::seconds(20));
  ASSERT_EQ(burst.size(), 301u);
  EXPECT_EQ(str(burst[0].at("text")), big);
  for (std::size_t i = 0; i < burst.size(); ++i) EXPECT_EQ(num(burst[i].at("seq")), 2 + (int)i);

  auto h = bob->request({{"op", "history"}, {"channel", "general"}, {"limit", 100}});
  ASSERT_EQ(str(h.at("op")), "ok") << json::serialize(h);
  EXPECT_EQ(h.at("messages").as_array().size(), 100u);

  // A clean close handshake over TLS (close frame, then close_notify both ways): the client's
  // close completes promptly (it waits for the server's close_notify and TCP close), and the
  // server counts the connection as gone.
  auto t0 = std::chrono::steady_clock::now();
  bob->ws().close();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_TRUE(bob->ws().closed());
  std::string metrics;
  for (int i = 0; i < 50; ++i) {
    metrics = http(plain_port_, "GET", "/metrics").body;
    if (metrics.find("\nparley_connections_open 1\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(metrics.find("\nparley_connections_open 1\n"), std::string::npos) << metrics;
}

TEST_F(TlsTest, TlsAndPlainClientsShareChannels) {
  auto alice = tls_client("alice");
  Client carol(plain_port_);
  ASSERT_TRUE(carol.auth(server_->token("carol")));
  ASSERT_EQ(str(alice->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  ASSERT_EQ(str(carol.request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  auto ack = carol.request(
      {{"op", "send"}, {"channel", "general"}, {"text", "from plain"}, {"client_msg_id", "p1"}});
  ASSERT_EQ(str(ack.at("op")), "ok") << json::serialize(ack);
  auto got = alice->messages("general", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(str(got[0].at("text")), "from plain");
}

TEST_F(TlsTest, HttpsServesTheSameRoutesAsPlain) {
  ASSERT_TRUE(have_tool("curl")) << "curl is not installed (make test-deps installs it)";
  std::string port = std::to_string(server_->port());
  // --resolve pins localhost to 127.0.0.1; the certificate is verified against c.pem.
  auto r = run("curl -sS --max-time 10 --cacert " + cert_ + " --resolve localhost:" + port +
               ":127.0.0.1 -w '\\n%{http_code}' https://localhost:" + port + "/healthz");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "{\"status\":\"ok\"}\n200");
  // Not found is answered over TLS like over plain HTTP.
  auto nf =
      run("curl -sS --max-time 10 --cacert " + cert_ + " --resolve localhost:" + port +
          ":127.0.0.1 -o /dev/null -w '%{http_code}' https://localhost:" + port + "/no-such-route");
  EXPECT_EQ(nf.output, "404");
  EXPECT_EQ(http(plain_port_, "GET", "/no-such-route").status, 404);

  // The plain listener answers plainly.
  auto plain = http(plain_port_, "GET", "/healthz");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, "{\"status\":\"ok\"}");
  // And a WebSocket upgrade to a wrong path is refused the same way on both.
  auto wrong = run("curl -sS --max-time 10 --cacert " + cert_ + " --resolve localhost:" + port +
                   ":127.0.0.1 -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H "
                   "'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H "
                   "'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' https://localhost:" +
                   port + "/not-ws");
  EXPECT_EQ(wrong.output, "404");
}

TEST_F(TlsTest, OnlyModernProtocolsAndCiphers) {
  // Control: the same client, allowed TLS 1.2, connects and verifies the certificate, and the
  // server picks an ECDHE + AEAD suite.
  auto ok = s_client("-tls1_2 -cipher 'DEFAULT:@SECLEVEL=0'");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("Verify return code: 0 (ok)"), std::string::npos) << ok.output;
  EXPECT_TRUE(
      std::regex_search(ok.output, std::regex(R"(Cipher is ECDHE-ECDSA-(AES\d+-GCM|CHACHA20))")))
      << ok.output;
  EXPECT_NE(ok.output.find("Compression: NONE"), std::string::npos) << ok.output;
  // The server's order wins: offered ChaCha20 first, it still picks AES-128-GCM.
  auto pref =
      s_client("-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_NE(pref.output.find("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), std::string::npos)
      << pref.output;
  // TLS 1.3 works too.
  auto v13 = s_client("-tls1_3");
  EXPECT_EQ(v13.status, 0) << v13.output;
  EXPECT_NE(v13.output.find("TLSv1.3"), std::string::npos) << v13.output;

  // TLS 1.1 and 1.0: the server refuses (the client was willing: its level is 0).
  for (const char* old : {"-tls1_1", "-tls1"}) {
    auto r = s_client(std::string(old) + " -cipher 'DEFAULT:@SECLEVEL=0'");
    EXPECT_NE(r.status, 0) << old << "\n" << r.output;
    EXPECT_EQ(r.output.find("Cipher is ECDHE"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("alert protocol version"), std::string::npos) << old << "\n"
                                                                          << r.output;
  }
  // TLS 1.2 CBC suites (which a default OpenSSL server would pick for this ECDSA key): no
  // shared cipher. (Suites without ECDHE cannot go with an ECDSA key in OpenSSL 3 at all.)
  for (const char* weak : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"}) {
    auto r = s_client(std::string("-tls1_2 -cipher '") + weak + ":@SECLEVEL=0'");
    EXPECT_NE(r.status, 0) << weak << "\n" << r.output;
  }
}

TEST_F(TlsTest, RenegotiationIsRefused) {
  // s_client renegotiates when it reads a line "R" (TLS 1.2; 1.3 has no renegotiation).
  auto r = run("sh -c '(echo R; sleep 2) | openssl s_client -connect 127.0.0.1:" +
                   std::to_string(server_->port()) + " -servername localhost -CAfile " + cert_ +
                   " -tls1_2'",
               15);
  EXPECT_NE(r.output.find("RENEGOTIATING"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no renegotiation"), std::string::npos) << r.output;
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoHttpAnswer) {
  bool closed = false;
  std::string got =
      raw_exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", &closed);
  EXPECT_TRUE(closed) << "the server kept a plain-HTTP connection to its TLS port open";
  EXPECT_EQ(got.rfind("HTTP/", 0), std::string::npos) << got;
  // The harness's plain HTTP client sees a failed request, not a status.
  EXPECT_EQ(http(server_->port(), "GET", "/healthz").status, 0);
  // And a plain WebSocket client cannot connect.
  parley::client::WsClient ws;
  std::string err;
  EXPECT_FALSE(ws.connect("127.0.0.1", server_->port(), &err, "/ws", "", std::chrono::seconds(5)));
  // The server is unharmed.
  auto c = tls_client("dave");
  EXPECT_EQ(str(c->request({{"op", "ping"}}).at("op")), "pong");
}

TEST_F(TlsTest, WrongCertificateIsRejectedByTheClient) {
  // A second, unrelated self-signed certificate as the only trust anchor: the client refuses.
  TempDir other;
  std::string log;
  ASSERT_TRUE(make_cert(other.path, &log)) << log;
  parley::client::WsClient ws;
  std::string err;
  ASSERT_TRUE(ws.use_tls(other.path + "/c.pem", &err, "localhost")) << err;
  EXPECT_FALSE(ws.connect("127.0.0.1", server_->port(), &err));
  EXPECT_NE(err.find("tls handshake"), std::string::npos) << err;
  // And the right one, with a name the certificate does not carry: refused too.
  parley::client::WsClient ws2;
  ASSERT_TRUE(ws2.use_tls(cert_, &err, "example.com")) << err;
  EXPECT_FALSE(ws2.connect("127.0.0.1", server_->port(), &err));
}

TEST_F(TlsTest, ShutdownClosesTlsSessionsWith1012) {
  auto alice = tls_client("alice");
  ASSERT_EQ(str(alice->request({{"op", "join"}, {"channel", "general"}}).at("op")), "ok");
  // The client keeps reading while the server stops (its close needs the client's replies).
  auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { EXPECT_EQ(server_->terminate(), 0) << server_->log(); });
  for (int i = 0; i < 50 && !alice->ws().closed(); ++i) alice->next(std::chrono::milliseconds(100));
  stopper.join();
  EXPECT_TRUE(alice->ws().closed());
  EXPECT_EQ(alice->ws().close_code(), 1012);
  // Well inside the 3 s shutdown grace: the TLS close completed, nobody waited it out.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
}

// Start-up failures: parleyd exits non-zero and says why, without a certificate it can use.
class TlsStartupTest : public ::testing::Test {
 protected:
  RunResult serve(const std::string& args) {
    return run(std::string(PARLEY_BIN_DIR) + "/parleyd serve --listen 127.0.0.1:0 --data-dir " +
               dir_.path + "/data " + args);
  }
  TempDir dir_;
};

TEST_F(TlsStartupTest, BadCertificateOrKeyStopsStartup) {
  ASSERT_TRUE(have_tool("openssl"))
      << "the openssl command-line tool is not installed (make test-deps installs it)";
  std::string log;
  ASSERT_TRUE(make_cert(dir_.path, &log)) << log;
  std::string cert = dir_.path + "/c.pem", key = dir_.path + "/k.pem";

  auto missing = serve("--tls-cert " + dir_.path + "/nope.pem --tls-key " + key);
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_NE(missing.output.find("cannot read TLS certificate " + dir_.path + "/nope.pem"),
            std::string::npos)
      << missing.output;

  std::ofstream(dir_.path + "/junk.pem") << "not a certificate\n";
  auto junk = serve("--tls-cert " + dir_.path + "/junk.pem --tls-key " + key);
  EXPECT_EQ(junk.status, 1) << junk.output;
  EXPECT_NE(junk.output.find("cannot load TLS certificate"), std::string::npos) << junk.output;

  // A key that belongs to another certificate.
  TempDir other;
  ASSERT_TRUE(make_cert(other.path, &log)) << log;
  auto mismatch = serve("--tls-cert " + cert + " --tls-key " + other.path + "/k.pem");
  EXPECT_EQ(mismatch.status, 1) << mismatch.output;
  EXPECT_NE(mismatch.output.find("does not match"), std::string::npos) << mismatch.output;

  // A certificate without a key is a configuration error (status 2), from flags or the file.
  auto half = serve("--tls-cert " + cert);
  EXPECT_EQ(half.status, 2) << half.output;
  EXPECT_NE(half.output.find("tls_cert and server.tls_key must be set together"), std::string::npos)
      << half.output;

  // None of these got as far as listening.
  for (auto* r : {&missing, &junk, &mismatch, &half}) {
    EXPECT_EQ(r->output.find("event=listening"), std::string::npos) << r->output;
  }
}

}  // namespace
