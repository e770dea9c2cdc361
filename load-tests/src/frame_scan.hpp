// A cheap scanner for the server objects the load generator reads (DESIGN §2). It walks one
// JSON object and extracts only the fields the scenarios need; everything else is skipped
// without building a DOM. The generator shares its cores with the server, so this matters.
//
// Strings are returned raw (escape sequences left as they are): op, code and channel never
// need escaping, and the generator's own message texts contain none.
//
// Thread-safety: pure function. Returned views point into the input.
#pragma once

#include <cstdint>
#include <string_view>

namespace parley::load {

struct Frame {
  std::string_view op;
  std::string_view code;  // error code
  std::string_view channel;
  std::string_view text;  // message text (raw)
  std::int64_t id = -1;   // integer request id echoed by the server; -1 absent/not integer
  std::uint64_t seq = 0;  // 0 = absent
  std::int64_t ts = 0;
  std::uint64_t last_seq = 0;
  bool has_last_seq = false;
  // History pages ("messages": [...]).
  std::int64_t messages = -1;  // number of elements; -1 = no "messages" field
  std::uint64_t first_msg_seq = 0;
  std::uint64_t last_msg_seq = 0;
  bool contiguous = true;  // every element's seq is the previous one's + 1
  bool has_more = false;
};

// Scans one JSON object (`json` must hold exactly one, as split from a server frame).
// Returns false if it is not a well-formed object; `f` is then partially filled.
bool scan_frame(std::string_view json, Frame& f);

}  // namespace parley::load
