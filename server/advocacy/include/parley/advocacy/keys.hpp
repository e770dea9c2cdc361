// What readers of the store may know of how the engine persists its records (README.md,
// "Persistence"): the knowledge pages count an answer's helpful marks from storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::advocacy {

// The key prefix of the helpful marks of answer (`channel`, `seq`) in the engine's key/value
// records: each mark's key is this prefix followed by the marker's user id.
std::string helpful_marks_prefix(std::string_view channel, std::uint64_t seq);

}  // namespace parley::advocacy
