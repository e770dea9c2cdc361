#include "json_dom.hpp"

#include <cstring>
#include <new>
#include <vector>

namespace parley::protocol::detail {
namespace {

// Frames nest at most two levels today; 64 leaves room for future fields while bounding work.
constexpr std::size_t kMaxDepth = 64;

struct ThreadState {
  simdjson::dom::parser parser;
  std::vector<char> buffer;  // input copy followed by SIMDJSON_PADDING readable bytes
  bool allocated = false;
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

simdjson::error_code parse_json(std::string_view json, simdjson::dom::element& out) noexcept {
  ThreadState& st = thread_state();
  try {
    if (!st.allocated) {
      if (auto err = st.parser.allocate(4096, kMaxDepth)) return err;
      st.allocated = true;
    }
    const std::size_t needed = json.size() + simdjson::SIMDJSON_PADDING;
    if (st.buffer.size() < needed) st.buffer.resize(needed);
  } catch (const std::bad_alloc&) {
    return simdjson::MEMALLOC;
  }
  if (!json.empty()) std::memcpy(st.buffer.data(), json.data(), json.size());
  // simdjson may read (never use) the padding; zero it so no stale bytes are ever looked at.
  std::memset(st.buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  // realloc_if_needed=false: the buffer above already carries the padding.
  return st.parser.parse(st.buffer.data(), json.size(), false).get(out);
}

}  // namespace parley::protocol::detail
