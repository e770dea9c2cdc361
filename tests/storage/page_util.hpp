// History pages as owning copies, for the storage tests (the server itself writes pages
// straight from Store::visit_before). Needs storage/src on the include path (codec.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "parley/storage/store.hpp"

namespace parley::storage::testing {

// A history page as owning copies (the server itself writes pages straight from
// Store::visit_before): ascending by seq; has_more when older messages exist.
struct Page {
  std::vector<StoredMessage> messages;
  bool has_more = false;
};
// Store::visit_before's page, copied (with memory_only: nullopt when it needs the disk).
inline std::optional<Page> read_page(const Store& store, std::string_view channel,
                                     std::uint64_t before_seq, std::size_t limit,
                                     bool memory_only) {
  Page page;
  auto info = store.visit_before(
      channel, before_seq, limit, memory_only,
      [&page](const protocol::MessageView& m) { page.messages.push_back(codec::to_stored(m)); });
  if (!info) return std::nullopt;
  page.has_more = info->has_more;
  return page;
}
inline Page read_before(const Store& store, std::string_view channel, std::uint64_t before_seq,
                        std::size_t limit) {
  return *read_page(store, channel, before_seq, limit, false);
}
inline std::optional<Page> read_before_cached(const Store& store, std::string_view channel,
                                              std::uint64_t before_seq, std::size_t limit) {
  return read_page(store, channel, before_seq, limit, true);
}

}  // namespace parley::storage::testing
