// Limits the protocol layer enforces while parsing. The server fills this from its config.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::protocol {

struct ParseLimits {
  // Maximum size of one client frame in bytes. Default: 64 KiB.
  std::size_t max_frame_bytes = 64 * 1024;
  // Maximum message text length in Unicode code points (valid UTF-8 required). Default: 4000.
  std::size_t max_text_chars = 4000;
  // Maximum length of a `client_msg_id` in bytes. Default: 64.
  std::size_t max_client_msg_id_bytes = 64;
  // Maximum `history` page size; larger requests are clamped to it. Default: 100.
  std::uint32_t max_history_limit = 100;
  // `history` page size when `limit` is absent. Default: 50.
  std::uint32_t default_history_limit = 50;
};

}  // namespace parley::protocol
