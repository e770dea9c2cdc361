// A WebSocket frame as a client sends it (RFC 6455 §5.2), for tests and the fuzz target: the
// server's own code only parses client frames and writes unmasked ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::test {

// `first` is the whole first header byte (FIN, RSV bits, opcode). Masked with `key` unless
// `masked` is false (a violation a real client never commits).
inline std::string ws_client_frame(std::uint8_t first, std::string_view payload, bool masked = true,
                                   std::uint32_t key = 0x3d21fa37) {
  std::string f(1, static_cast<char>(first));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(payload.size() >> (8 * i)));
  }
  if (!masked) return f.append(payload);
  char k[4];
  for (int i = 0; i < 4; ++i) k[i] = static_cast<char>(key >> (8 * i));
  f.append(k, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(payload[i] ^ k[i % 4]);
  return f;
}

}  // namespace parley::test
