// fuzz_ws: client bytes through the WebSocket frame parser the server runs
// (server/net/include/parley/net/ws_frames.hpp, ws::FrameParser).
//
// Beyond "never crashes, never reads outside the input" it checks:
//  - the events do not depend on how the bytes arrive: the whole input at once and the same
//    bytes in pieces (sizes drawn from a hash of the input) and one byte at a time (the unused
//    tail kept and passed again, as the server does) give the same events and payloads;
//  - nothing follows a close or a violation, and a violation's close code is 1002, 1007 or 1009;
//  - a message is at most the limit (drawn from the input's first byte) and a text message is
//    valid UTF-8; ping and pong payloads are at most 125 bytes; a close code is 0 or valid;
//  - parse() never claims more bytes than it was given;
//  - every event the parser accepted, re-encoded as client frames, parses back to itself.
#include <cstdint>
#include <string>
#include <vector>

#include "../support/ws_client_frame.hpp"
#include "fuzz_support.hpp"
#include "parley/net/ws_frames.hpp"
#include "parley/protocol/validate.hpp"

namespace {

namespace ws = parley::server::ws;
using parley::fuzz::fnv1a;
using parley::fuzz::Rng;

struct Seen {
  ws::Event::Kind kind;
  std::string payload;
  bool binary;
  std::uint16_t code;
  bool operator==(const Seen&) const = default;
};

// Parses `input` in pieces: all at once (split null, step 0), `step` bytes at a time, or sizes
// drawn from `split`; unused bytes are kept and passed again, as the server does.
std::vector<Seen> run(const std::string& input, std::size_t max, Rng* split, std::size_t step = 0) {
  ws::FrameParser parser(max);
  std::vector<Seen> seen;
  std::string pending;
  std::size_t pos = 0;
  bool stopped = false;
  while (pos < input.size() && !parser.finished()) {
    std::size_t take = input.size() - pos;
    if (split != nullptr) take = std::min<std::size_t>(take, split->between(1, 64));
    if (step != 0) take = std::min(take, step);
    pending.append(input, pos, take);
    pos += take;
    const std::size_t used = parser.parse(pending.data(), pending.size(), [&](const ws::Event& e) {
      FUZZ_CHECK_MSG(!stopped, "an event after a close or a violation");
      seen.push_back({e.kind, std::string(e.payload), e.binary, e.code});
      if (e.kind == ws::Event::Kind::close || e.kind == ws::Event::Kind::violation) {
        stopped = true;
      }
      return true;
    });
    FUZZ_CHECK_MSG(used <= pending.size(), "parse used more than it was given");
    pending.erase(0, used);
  }
  return seen;
}

std::string client_frame(std::uint8_t first, std::string_view payload, std::uint32_t key) {
  return parley::test::ws_client_frame(first, payload, true, key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the message limit (small ones make 1009 reachable); the rest is the
  // byte stream.
  const std::size_t max = static_cast<std::size_t>(data[0]) * 16;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::vector<Seen> whole = run(input, max, nullptr);
  Rng rng(fnv1a(data, size));
  FUZZ_CHECK_MSG(run(input, max, &rng) == whole, "events depend on how the bytes arrived");
  FUZZ_CHECK_MSG(run(input, max, nullptr, 1) == whole, "events differ when bytes come one by one");

  std::string reencoded;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const Seen& e = whole[i];
    switch (e.kind) {
      case ws::Event::Kind::message:
        FUZZ_CHECK_MSG(e.payload.size() <= max, "message over the limit");
        FUZZ_CHECK_MSG(e.binary || parley::protocol::utf8_length(e.payload).has_value(),
                       "text message not UTF-8");
        reencoded += client_frame(e.binary ? 0x82 : 0x81, e.payload, static_cast<std::uint32_t>(i));
        break;
      case ws::Event::Kind::ping:
      case ws::Event::Kind::pong:
        FUZZ_CHECK_MSG(e.payload.size() <= 125, "control payload over 125 bytes");
        reencoded += client_frame(e.kind == ws::Event::Kind::ping ? 0x89 : 0x8A, e.payload,
                                  static_cast<std::uint32_t>(i) * 7919);
        break;
      case ws::Event::Kind::close:
        FUZZ_CHECK_MSG(i + 1 == whole.size(), "events after a close");
        FUZZ_CHECK_MSG(e.code == 0 || ws::valid_close_code(e.code), "invalid close code accepted");
        FUZZ_CHECK_MSG(e.code != 0 || e.payload.empty(), "a reason without a code");
        break;
      case ws::Event::Kind::violation:
        FUZZ_CHECK_MSG(i + 1 == whole.size(), "events after a violation");
        FUZZ_CHECK_MSG(e.code == 1002 || e.code == 1007 || e.code == 1009, "unexpected close code");
        break;
    }
  }
  // What was accepted, written back as (unfragmented) frames, means the same thing again.
  std::vector<Seen> accepted;
  for (const Seen& e : whole) {
    if (e.kind == ws::Event::Kind::message || e.kind == ws::Event::Kind::ping ||
        e.kind == ws::Event::Kind::pong) {
      accepted.push_back(e);
    }
  }
  FUZZ_CHECK_MSG(run(reencoded, max, nullptr) == accepted, "re-encoded events parse differently");
  return 0;
}
