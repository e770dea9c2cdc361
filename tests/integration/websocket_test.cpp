// The WebSocket layer itself (RFC 6455, server side) over raw TCP: the handshake, framing rules,
// fragmentation, control frames, the close handshake and the idle ping. The bytes are written by
// hand so that the violations a library client refuses to produce can be sent too.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <random>
#include <thread>

#include "../support/ws_client_frame.hpp"
#include "harness.hpp"

using namespace parley::test;

namespace {

struct Frame {
  std::uint8_t opcode = 0;
  bool fin = true;
  std::string payload;
  std::uint16_t close_code() const {
    if (payload.size() < 2) return 0;
    return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                      static_cast<unsigned char>(payload[1]));
  }
};

// One raw TCP connection speaking WebSocket by hand. Every receive waits at most 5 s.
class RawWs {
 public:
  // `rcvbuf` > 0: a fixed receive buffer (no autotuning), for readers that must fall behind.
  explicit RawWs(std::uint16_t port, int rcvbuf = 0)
      : port_(port), fd_(connect_loopback(port, rcvbuf)) {}
  ~RawWs() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool ok() const { return fd_ >= 0; }

  void send_bytes(std::string_view b) {
    std::size_t off = 0;
    while (off < b.size()) {
      auto n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  // Sends the upgrade request (with `headers` instead of the standard ones when given) and
  // returns the response head.
  std::string upgrade(const std::string& headers =
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n") {
    send_bytes(upgrade_request(headers));
    return read_head();
  }
  std::string upgrade_request(const std::string& headers =
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n",
                              const std::string& target = "/ws") const {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + headers + "\r\n";
  }
  // The response head (through the blank line), read byte by byte: frames may follow it.
  std::string read_head() {
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      char c;
      if (::recv(fd_, &c, 1, 0) != 1) break;  // byte by byte: frames may follow the head
      head.push_back(c);
    }
    return head;
  }

  // A client frame: masked unless told otherwise, `first` is the whole first header byte.
  static std::string frame(std::uint8_t first, std::string_view payload, bool masked = true) {
    return ws_client_frame(first, payload, masked);
  }
  static std::string text(std::string_view payload) { return frame(0x81, payload); }

  // The next server frame, or nullopt on EOF, reset or timeout.
  std::optional<Frame> next() {
    unsigned char h[2];
    if (!read_exact(h, 2)) return std::nullopt;
    Frame f;
    f.fin = (h[0] & 0x80) != 0;
    f.opcode = h[0] & 0x0F;
    EXPECT_EQ(h[1] & 0x80, 0) << "server frames are never masked";
    EXPECT_EQ(h[0] & 0x70, 0) << "no extension was negotiated";
    std::uint64_t len = h[1] & 0x7F;
    if (len == 126) {
      unsigned char e[2];
      if (!read_exact(e, 2)) return std::nullopt;
      len = (e[0] << 8) | e[1];
    } else if (len == 127) {
      unsigned char e[8];
      if (!read_exact(e, 8)) return std::nullopt;
      len = 0;
      for (unsigned char b : e) len = (len << 8) | b;
    }
    f.payload.resize(len);
    if (len > 0 && !read_exact(reinterpret_cast<unsigned char*>(f.payload.data()), len)) {
      return std::nullopt;
    }
    return f;
  }

  // The next data frame's text, answering nothing (control frames are returned too).
  std::optional<Frame> next_of(std::uint8_t opcode) {
    for (int i = 0; i < 100; ++i) {
      auto f = next();
      if (!f || f->opcode == opcode) return f;
    }
    return std::nullopt;
  }

  // True when the server closed the TCP connection (EOF or reset) within 5 s.
  bool closed_by_server() {
    char buf[256];
    for (int i = 0; i < 1000; ++i) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
    return false;
  }

 private:
  bool read_exact(unsigned char* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      auto r = ::recv(fd_, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }

  std::uint16_t port_;
  int fd_ = -1;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void start(const std::string& limits = "max_text_chars = 4000\n") {
    server_ = std::make_unique<ServerProcess>(
        dir_.path + "/data", std::vector<std::string>{"--durability", "fast", "--config",
                                                      fast_config(dir_.path + "/cfg", limits)});
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  std::string auth_frame(const std::string& user) {
    return R"({"op":"auth","token":")" + server_->token(user) + "\"}";
  }
  // Upgrades `ws` and authenticates it as `user`; returns the welcome frame's payload.
  std::string open(RawWs& ws, const std::string& user) {
    EXPECT_NE(ws.upgrade().find(" 101 "), std::string::npos);
    ws.send_bytes(RawWs::text(auth_frame(user)));
    auto f = ws.next_of(0x1);
    return f ? f->payload : "";
  }
  // Sends one violation on a fresh authenticated connection; returns the close code received
  // (0: none) and checks that the server then ends the TCP connection.
  std::uint16_t violation(const std::string& bytes) {
    RawWs ws(server_->port());
    EXPECT_NE(open(ws, "vera").find("welcome"), std::string::npos);
    ws.send_bytes(bytes);
    auto f = ws.next_of(0x8);
    EXPECT_TRUE(ws.closed_by_server());
    return f ? f->close_code() : 0;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WebSocketTest, HandshakeAnswersTheRfcExampleKey) {
  start();
  RawWs ws(server_->port());
  ASSERT_TRUE(ws.ok());
  auto head = ws.upgrade();
  EXPECT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
  // RFC 6455 §1.3: this key's accept value.
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << head;
  EXPECT_NE(head.find("Upgrade: websocket\r\n"), std::string::npos) << head;
}

TEST_F(WebSocketTest, FramesPipelinedWithTheUpgradeRequestAreRead) {
  start();
  RawWs ws(server_->port());
  ASSERT_TRUE(ws.ok());
  // The request, the auth frame and a ping in one write, before reading the 101.
  ws.send_bytes(ws.upgrade_request() + RawWs::text(auth_frame("pia")) +
                RawWs::text(R"({"op":"ping","id":7})"));
  EXPECT_EQ(ws.read_head().rfind("HTTP/1.1 101 ", 0), 0u);
  // The replies, in order (the server may pack several JSON lines into one frame).
  std::string text;
  for (int i = 0; i < 10 && text.find(R"("op":"pong")") == std::string::npos; ++i) {
    auto f = ws.next_of(0x1);
    if (!f) break;
    text += f->payload + "\n";
  }
  const auto welcome = text.find(R"("op":"welcome")");
  const auto pong = text.find(R"({"op":"pong","id":7,)");
  ASSERT_NE(welcome, std::string::npos) << text;
  ASSERT_NE(pong, std::string::npos) << text;
  EXPECT_LT(welcome, pong) << text;
}

TEST_F(WebSocketTest, AbsoluteFormTargetsAndHostHeaders) {
  start();
  const std::string authority = "127.0.0.1:" + std::to_string(server_->port());
  {  // GET http://host:port/ws upgrades like GET /ws.
    RawWs ws(server_->port());
    ws.send_bytes(ws.upgrade_request(
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
        "http://" + authority + "/ws"));
    EXPECT_EQ(ws.read_head().rfind("HTTP/1.1 101 ", 0), 0u);
  }
  auto head_of = [&](const std::string& request) {
    RawWs ws(server_->port());
    ws.send_bytes(request);
    return ws.read_head();
  };
  EXPECT_EQ(
      head_of("GET http://" + authority + "/healthz HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
          .rfind("HTTP/1.1 200 ", 0),
      0u);
  // HTTP/1.1 needs exactly one Host; HTTP/1.0 may do without.
  auto none = head_of("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(none.rfind("HTTP/1.1 400 ", 0), 0u) << none;
  auto two = head_of("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(two.rfind("HTTP/1.1 400 ", 0), 0u) << two;
  auto old = head_of("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_NE(old.find(" 200 "), std::string::npos) << old;
  auto upgrade_without_host = head_of(
      "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(upgrade_without_host.rfind("HTTP/1.1 400 ", 0), 0u) << upgrade_without_host;
}

TEST_F(WebSocketTest, BadHandshakesGetAnHttpErrorWithAJsonBody) {
  start();
  {
    RawWs ws(server_->port());
    auto head = ws.upgrade(
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 8\r\n");
    EXPECT_EQ(head.rfind("HTTP/1.1 426 ", 0), 0u) << head;
    EXPECT_NE(head.find("Sec-WebSocket-Version: 13"), std::string::npos) << head;
    EXPECT_NE(head.find("application/json"), std::string::npos) << head;
  }
  for (const std::string& key : {std::string(), std::string("Sec-WebSocket-Key: short==\r\n"),
                                 std::string("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ!!\r\n")}) {
    RawWs ws(server_->port());
    auto head = ws.upgrade(key + "Sec-WebSocket-Version: 13\r\n");
    EXPECT_EQ(head.rfind("HTTP/1.1 400 ", 0), 0u) << key << head;
  }
  // The server is fine.
  RawWs ws(server_->port());
  EXPECT_NE(open(ws, "amy").find("welcome"), std::string::npos);
}

// max_connections: past it an upgrade gets 503 with a JSON body; a freed slot serves again.
TEST_F(WebSocketTest, ConnectionsPastMaxConnectionsGet503) {
  start("max_connections = 2\n");
  auto a = std::make_unique<RawWs>(server_->port());
  EXPECT_NE(open(*a, "amy").find("welcome"), std::string::npos);
  RawWs b(server_->port());
  EXPECT_NE(open(b, "bea").find("welcome"), std::string::npos);
  {
    RawWs c(server_->port());
    auto head = c.upgrade();
    EXPECT_EQ(head.rfind("HTTP/1.1 503 ", 0), 0u) << head;
    EXPECT_NE(head.find("application/json"), std::string::npos) << head;
  }
  a.reset();  // closes its socket: the server counts the slot free once it sees the close
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    RawWs d(server_->port());
    served = d.upgrade().find(" 101 ") != std::string::npos;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(WebSocketTest, FramesSplitAnywhereAndPackedTogetherAreAllRead) {
  start();
  RawWs ws(server_->port());
  ASSERT_NE(ws.upgrade().find(" 101 "), std::string::npos);
  // The auth frame one byte per send(): the server reassembles the frame.
  const std::string auth = RawWs::text(auth_frame("bea"));
  for (char c : auth) ws.send_bytes(std::string_view(&c, 1));
  auto w = ws.next_of(0x1);
  ASSERT_TRUE(w);
  EXPECT_NE(w->payload.find("welcome"), std::string::npos);
  // Fifty pings in one send(): fifty pongs, in order (however the server packs its frames).
  std::string burst;
  for (int i = 0; i < 50; ++i) {
    burst += RawWs::text(R"({"op":"ping","id":)" + std::to_string(i) + "}");
  }
  ws.send_bytes(burst);
  int expected = 0;
  for (int frames = 0; frames < 50 && expected < 50; ++frames) {
    auto f = ws.next_of(0x1);
    ASSERT_TRUE(f);
    std::size_t start = 0;
    while (start < f->payload.size()) {
      auto nl = f->payload.find('\n', start);
      if (nl == std::string::npos) nl = f->payload.size();
      auto obj = f->payload.substr(start, nl - start);
      EXPECT_NE(obj.find("\"id\":" + std::to_string(expected) + ","), std::string::npos) << obj;
      ++expected;
      start = nl + 1;
    }
  }
  EXPECT_EQ(expected, 50);
}

TEST_F(WebSocketTest, AMessageOfManyReadsIsReadToTheEnd) {
  start();
  RawWs ws(server_->port());
  ASSERT_NE(open(ws, "hal").find("welcome"), std::string::npos);
  // 900 KB (under the 1 MiB hard limit, over the 64 KiB frame limit): the server reads it in
  // many pieces, all already waiting in its socket buffer, and answers too_large.
  const std::string big =
      R"({"op":"ping","id":"big","pad":")" + std::string(900 * 1024, 'p') + "\"}";
  ws.send_bytes(RawWs::text(big));
  auto f = ws.next_of(0x1);
  ASSERT_TRUE(f);
  EXPECT_NE(f->payload.find("too_large"), std::string::npos) << f->payload.substr(0, 200);
  ws.send_bytes(RawWs::text(R"({"op":"ping","id":"after"})"));
  auto g = ws.next_of(0x1);
  ASSERT_TRUE(g);
  EXPECT_NE(g->payload.find("after"), std::string::npos);
}

TEST_F(WebSocketTest, FragmentedMessageWithAPingInBetween) {
  start();
  RawWs ws(server_->port());
  ASSERT_NE(ws.upgrade().find(" 101 "), std::string::npos);
  const std::string auth = auth_frame("cat");
  const std::size_t third = auth.size() / 3;
  // text (not final), ping, continuation (not final), continuation (final).
  ws.send_bytes(RawWs::frame(0x01, auth.substr(0, third)) + RawWs::frame(0x89, "hello?") +
                RawWs::frame(0x00, auth.substr(third, third)) +
                RawWs::frame(0x80, auth.substr(2 * third)));
  auto pong = ws.next_of(0xA);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->payload, "hello?");  // a pong echoes the ping's payload
  auto w = ws.next_of(0x1);
  ASSERT_TRUE(w);
  EXPECT_NE(w->payload.find("welcome"), std::string::npos) << w->payload;
}

TEST_F(WebSocketTest, ProtocolViolationsClose1002) {
  start();
  const std::string ping = R"({"op":"ping"})";
  EXPECT_EQ(violation(RawWs::frame(0x81, ping, /*masked=*/false)), 1002) << "unmasked";
  EXPECT_EQ(violation(RawWs::frame(0xC1, ping)), 1002) << "RSV1 without an extension";
  EXPECT_EQ(violation(RawWs::frame(0x83, ping)), 1002) << "reserved data opcode";
  EXPECT_EQ(violation(RawWs::frame(0x8B, "")), 1002) << "reserved control opcode";
  EXPECT_EQ(violation(RawWs::frame(0x09, "x")), 1002) << "fragmented ping";
  EXPECT_EQ(violation(RawWs::frame(0x89, std::string(126, 'p'))), 1002) << "ping over 125 bytes";
  EXPECT_EQ(violation(RawWs::frame(0x80, ping)), 1002) << "continuation with no message";
  EXPECT_EQ(violation(RawWs::frame(0x01, "{") + RawWs::frame(0x81, ping)), 1002)
      << "new message inside a fragmented one";
  EXPECT_EQ(violation(RawWs::frame(0x88, "x")), 1002) << "one-byte close payload";
  EXPECT_EQ(violation(RawWs::frame(0x88, std::string("\x03\xed", 2))), 1002) << "close code 1005";
  // A 16-bit length field holding a value that fits in 7 bits.
  std::string non_minimal = {'\x81', static_cast<char>(0x80 | 126), '\0', '\x05', 'k', 'k', 'k',
                             'k'};
  non_minimal += std::string(5, ' ');
  EXPECT_EQ(violation(non_minimal), 1002) << "length not minimally encoded";
  // Invalid UTF-8 in a fragmented text message (split inside the sequence is fine, but this one
  // is invalid once assembled): 1007.
  EXPECT_EQ(violation(RawWs::frame(0x01, "{\"op\":\"ping\",\"id\":\"\xc3") +
                      RawWs::frame(0x80, "\x28\"}")),
            1007);
  // The server kept running.
  RawWs ws(server_->port());
  EXPECT_NE(open(ws, "dan").find("welcome"), std::string::npos);
}

TEST_F(WebSocketTest, ClientCloseIsAnsweredWithItsCodeThenTheConnectionEnds) {
  start();
  RawWs ws(server_->port());
  ASSERT_NE(open(ws, "eve").find("welcome"), std::string::npos);
  ws.send_bytes(RawWs::frame(0x88, std::string("\x03\xe8"
                                               "bye",
                                               5)));
  auto f = ws.next_of(0x8);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->close_code(), 1000);
  EXPECT_TRUE(ws.closed_by_server());
}

TEST_F(WebSocketTest, ServerCloseWaitsForTheClientsClose) {
  start();
  RawWs ws(server_->port());
  ASSERT_NE(ws.upgrade().find(" 101 "), std::string::npos);
  // A frame before auth: an unauthorized error, then the server's close (4401). The server
  // then waits for the client's answer before it ends the TCP connection.
  ws.send_bytes(RawWs::text(R"({"op":"join","channel":"help"})"));
  auto f = ws.next_of(0x8);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->close_code(), 4401);
  ws.send_bytes(RawWs::frame(0x88, std::string("\x11\x31", 2)));
  EXPECT_TRUE(ws.closed_by_server());
}

TEST_F(WebSocketTest, IdleConnectionGetsAPingThenIsDropped) {
  start("idle_timeout_s = 2\n");
  RawWs ws(server_->port());
  ASSERT_NE(open(ws, "fay").find("welcome"), std::string::npos);
  // Nothing is sent and the ping is not answered: a ping comes first, then the TCP connection
  // ends without a close frame (the client reports 1006).
  auto f = ws.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x9);
  EXPECT_EQ(f->payload, "");
  EXPECT_FALSE(ws.next().has_value());
}

TEST_F(WebSocketTest, AnsweredPingsKeepAnIdleConnectionOpen) {
  start("idle_timeout_s = 2\n");
  RawWs ws(server_->port());
  ASSERT_NE(open(ws, "gus").find("welcome"), std::string::npos);
  // Three pings in a row, each answered with a pong: the connection outlives several idle
  // timeouts, and a request afterwards still gets its reply.
  for (int i = 0; i < 3; ++i) {
    auto f = ws.next();
    ASSERT_TRUE(f) << i;
    ASSERT_EQ(f->opcode, 0x9) << i;
    ws.send_bytes(RawWs::frame(0x8A, f->payload));
  }
  ws.send_bytes(RawWs::text(R"({"op":"ping","id":"still-here"})"));
  auto r = ws.next_of(0x1);
  ASSERT_TRUE(r);
  EXPECT_NE(r->payload.find("still-here"), std::string::npos);
}

}  // namespace

namespace {

// Regression: payloads queued while a write was still in flight were once dropped when the
// queue's spare capacity was released. Readers that do not read during a burst of large
// messages make the server's writes partial and asynchronous, with more queued behind them.
TEST_F(WebSocketTest, ReadersThatPauseDuringABurstGetEveryMessageInOrder) {
  start("max_text_chars = 20000\noutbound_queue_bytes = 67108864\n");
  constexpr int kMessages = 400;
  // Readers with a small fixed receive buffer, so the server's writes to them block.
  std::vector<std::unique_ptr<RawWs>> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(std::make_unique<RawWs>(server_->port(), 16 * 1024));
    ASSERT_NE(open(*readers.back(), "reader" + std::to_string(i)).find("welcome"),
              std::string::npos);
    readers.back()->send_bytes(RawWs::text(R"({"op":"join","channel":"general","id":"j"})"));
    auto ok = readers.back()->next_of(0x1);
    ASSERT_TRUE(ok);
    ASSERT_NE(ok->payload.find(R"("op":"ok")"), std::string::npos) << ok->payload;
  }
  Client sender(server_->port());
  ASSERT_TRUE(sender.auth(server_->token("sender")));
  const std::string pad(16000, 'x');  // 400 x 16 KB: far more than the socket buffers hold
  for (int i = 0; i < kMessages; ++i) {
    sender.send({{"op", "send"},
                 {"channel", "general"},
                 {"text", std::to_string(i) + ":" + pad},
                 {"client_msg_id", "b" + std::to_string(i)},
                 {"id", i}});
  }
  // The sender's acks prove the whole burst was committed (and fanned out) before anyone reads.
  for (int i = 0; i < kMessages; ++i) {
    auto ack = sender.wait_for([](const json::object& o) { return str(o.at("op")) == "ok"; },
                               std::chrono::seconds(20));
    ASSERT_TRUE(ack) << i;
  }
  for (auto& r : readers) {
    int next = 0;
    for (int frames = 0; frames < 10 * kMessages && next < kMessages; ++frames) {
      auto f = r->next_of(0x1);
      ASSERT_TRUE(f) << "after message " << next;
      std::size_t start = 0;
      while (start < f->payload.size()) {
        auto nl = f->payload.find('\n', start);
        if (nl == std::string::npos) nl = f->payload.size();
        auto o = json::parse(f->payload.substr(start, nl - start)).as_object();
        start = nl + 1;
        if (str(o.at("op")) != "message") continue;
        EXPECT_EQ(num(o.at("seq")), next + 1);
        EXPECT_EQ(str(o.at("text")), std::to_string(next) + ":" + pad);
        ++next;
      }
    }
    EXPECT_EQ(next, kMessages);
  }
}

}  // namespace
