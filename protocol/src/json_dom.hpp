// The per-thread simdjson DOM parser shared by the request parser and JWT verification.
// Internal; not part of the public API.
//
// Why DOM and not On-Demand: with Debian's libsimdjson 3.0.1, On-Demand is compiled into our
// code for the build's baseline target (the scalar "fallback" kernel), while the DOM parser
// lives in the library and dispatches at run time to AVX2/AVX-512. On typical chat frames DOM
// measured ~1.6x faster, and it validates the whole document (trailing bytes, values we skip)
// where 3.0.1's On-Demand does not.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace parley::protocol::detail {

// Parses `json` with this thread's parser after copying it into this thread's padded buffer.
// The returned element (and every string view taken from it) stays valid until the next call
// on the same thread. Not reentrant.
simdjson::error_code parse_json(std::string_view json, simdjson::dom::element& out) noexcept;

}  // namespace parley::protocol::detail
