// ws::FrameParser and the frame header writer (server/src/ws_frames.hpp), without sockets.
#include "parley/net/ws_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/ws_client_frame.hpp"

namespace parley::server::ws {
namespace {

std::string client_frame(std::uint8_t first, std::string_view payload, bool masked = true) {
  return test::ws_client_frame(first, payload, masked);
}

struct Seen {
  Event::Kind kind;
  std::string payload;
  bool binary;
  std::uint16_t code;
  bool operator==(const Seen&) const = default;
};

// Feeds `bytes` in pieces of `step` bytes (0: all at once), keeping unused bytes like the
// session does; returns every event and how many bytes were left unused at the end.
std::vector<Seen> parse_all(std::string bytes, std::size_t step = 0, std::size_t max = 1 << 20,
                            std::size_t* left = nullptr) {
  FrameParser parser(max);
  std::vector<Seen> seen;
  std::string pending;
  std::size_t pos = 0;
  while (pos < bytes.size() && !parser.finished()) {
    const std::size_t take = step == 0 ? bytes.size() - pos : std::min(step, bytes.size() - pos);
    pending.append(bytes, pos, take);
    pos += take;
    const std::size_t used = parser.parse(pending.data(), pending.size(), [&](const Event& e) {
      seen.push_back({e.kind, std::string(e.payload), e.binary, e.code});
      return true;
    });
    pending.erase(0, used);
  }
  if (left != nullptr) *left = pending.size() + (bytes.size() - pos);
  return seen;
}

TEST(WsFrames, HeaderLengthEncodings) {
  unsigned char h[10];
  EXPECT_EQ(frame_header(kText, 125, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(frame_header(kText, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 126);
  EXPECT_EQ(frame_header(kPing, 65535, h), 4u);
  EXPECT_EQ(h[0], 0x89);
  EXPECT_EQ(frame_header(kText, 65536, h), 10u);
  EXPECT_EQ(h[1], 127);
  std::uint64_t len = 0;
  for (int i = 2; i < 10; ++i) len = (len << 8) | h[i];
  EXPECT_EQ(len, 65536u);
}

TEST(WsFrames, MessagesOfEveryLengthEncodingSplitAnywhere) {
  const std::string small = "{\"op\":\"ping\"}", mid(300, 'm'), big(70000, 'b');
  const std::string bytes =
      client_frame(0x81, small) + client_frame(0x81, mid) + client_frame(0x82, big);
  const std::vector<Seen> expected = {{Event::Kind::message, small, false, 0},
                                      {Event::Kind::message, mid, false, 0},
                                      {Event::Kind::message, big, true, 0}};
  for (std::size_t step : {0, 1, 2, 3, 7, 100, 4096}) {
    std::size_t left = 99;
    EXPECT_EQ(parse_all(bytes, step, 1 << 20, &left), expected) << "step " << step;
    EXPECT_EQ(left, 0u) << "step " << step;
  }
}

TEST(WsFrames, FragmentsAreAssembledWithControlFramesInBetween) {
  const std::string bytes = client_frame(0x01, "{\"op\":") + client_frame(0x89, "are you there") +
                            client_frame(0x00, "\"pi") + client_frame(0x8A, "") +
                            client_frame(0x80, "ng\"}");
  const std::vector<Seen> expected = {{Event::Kind::ping, "are you there", false, 0},
                                      {Event::Kind::pong, "", false, 0},
                                      {Event::Kind::message, "{\"op\":\"ping\"}", false, 0}};
  EXPECT_EQ(parse_all(bytes), expected);
  EXPECT_EQ(parse_all(bytes, 1), expected);
  // A UTF-8 sequence split across fragments is fine; only the whole message is checked.
  auto split = parse_all(client_frame(0x01, "\xc3") + client_frame(0x80, "\xa9"));
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(split[0].payload, "\xc3\xa9");
}

TEST(WsFrames, CloseFrames) {
  for (std::size_t step : {0, 1}) {
    auto with_code = parse_all(
        client_frame(0x88, std::string("\x03\xe8", 2) + "bye") + client_frame(0x81, "after"), step);
    ASSERT_EQ(with_code.size(), 1u) << step;  // nothing is parsed after a close frame
    EXPECT_EQ(with_code[0], (Seen{Event::Kind::close, "bye", false, 1000}));
  }
  auto empty = parse_all(client_frame(0x88, ""));
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0], (Seen{Event::Kind::close, "", false, 0}));
}

// The first violating frame gives exactly one violation event with its close code, after the
// events of the frames before it, and nothing after it.
std::uint16_t violation_code(const std::string& bad, std::size_t max = 1 << 20) {
  const std::string ok = client_frame(0x81, "fine");
  for (std::size_t step : {0, 1}) {
    auto seen = parse_all(ok + bad + ok, step, max);
    if (seen.size() != 2 || seen[0].kind != Event::Kind::message ||
        seen[1].kind != Event::Kind::violation) {
      ADD_FAILURE() << "step " << step << ": " << seen.size() << " events";
      return 0;
    }
    if (step == 1) return seen[1].code;
  }
  return 0;
}

TEST(WsFrames, ViolationsAndTheirCloseCodes) {
  EXPECT_EQ(violation_code(client_frame(0x81, "x", false)), 1002) << "unmasked";
  EXPECT_EQ(violation_code(client_frame(0xC1, "x")), 1002) << "RSV1";
  EXPECT_EQ(violation_code(client_frame(0xA1, "x")), 1002) << "RSV2";
  EXPECT_EQ(violation_code(client_frame(0x83, "x")), 1002) << "opcode 3";
  EXPECT_EQ(violation_code(client_frame(0x8F, "")), 1002) << "opcode 15";
  EXPECT_EQ(violation_code(client_frame(0x09, "")), 1002) << "fragmented ping";
  EXPECT_EQ(violation_code(client_frame(0x8A, std::string(126, 'p'))), 1002) << "long pong";
  EXPECT_EQ(violation_code(client_frame(0x80, "x")), 1002) << "stray continuation";
  EXPECT_EQ(violation_code(client_frame(0x01, "{") + client_frame(0x81, "x")), 1002)
      << "message inside a message";
  EXPECT_EQ(violation_code(client_frame(0x88, "x")), 1002) << "one-byte close";
  EXPECT_EQ(violation_code(client_frame(0x88, std::string("\x03\xed", 2))), 1002) << "1005";
  EXPECT_EQ(violation_code(client_frame(0x88, std::string("\x0b\xb7", 2))), 1002) << "2999";
  EXPECT_EQ(violation_code(client_frame(0x88, std::string("\x03\xe8\xff", 3))), 1007)
      << "close reason not UTF-8";
  EXPECT_EQ(violation_code(client_frame(0x81, "\xc3\x28")), 1007) << "text not UTF-8";
  EXPECT_EQ(violation_code(client_frame(0x01, "\xed") + client_frame(0x80, "\xa0\x80")), 1007)
      << "a surrogate across fragments";
  // Lengths: 126 holding a 7-bit value, 127 holding a 16-bit value or the top bit set.
  std::string short16 = {'\x81', '\xfe', '\0', '\x05'};
  EXPECT_EQ(violation_code(short16 + "kkkk" + "12345"), 1002);
  std::string short64 = {'\x81', '\xff', 0, 0, 0, 0, 0, 0, '\x01', 0};
  EXPECT_EQ(violation_code(short64 + "kkkk" + std::string(256, 'x')), 1002);
  std::string top = {'\x81', '\xff', '\x80', 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(violation_code(top + "kkkk"), 1002);
}

TEST(WsFrames, TooBigIsRefusedFromTheHeader) {
  // The limit applies to the whole message, fragments included, and is decided from the
  // header: the payload need not arrive.
  EXPECT_EQ(violation_code(client_frame(0x81, std::string(101, 'x')), 100), 1009);
  EXPECT_EQ(
      violation_code(
          client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(41, 'x')), 100),
      1009);
  std::string header_only = client_frame(0x81, std::string(70000, 'x')).substr(0, 14);
  FrameParser parser(1000);
  std::vector<Event::Kind> kinds;
  parser.parse(header_only.data(), header_only.size(), [&](const Event& e) {
    kinds.push_back(e.kind);
    EXPECT_EQ(e.code, 1009);
    return true;
  });
  EXPECT_EQ(kinds, std::vector<Event::Kind>{Event::Kind::violation});
  // Exactly the limit is fine.
  auto at_limit = parse_all(client_frame(0x81, std::string(100, 'x')), 0, 100);
  ASSERT_EQ(at_limit.size(), 1u);
  EXPECT_EQ(at_limit[0].kind, Event::Kind::message);
}

TEST(WsFrames, StoppingEarlyLeavesTheRestUnused) {
  const std::string one = client_frame(0x81, "one"), two = client_frame(0x81, "two");
  std::string bytes = one + two;
  FrameParser parser(1 << 20);
  int calls = 0;
  const std::size_t used = parser.parse(bytes.data(), bytes.size(), [&](const Event&) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(used, one.size());
}

}  // namespace
}  // namespace parley::server::ws
