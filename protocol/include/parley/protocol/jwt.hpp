// HS256 JSON Web Tokens (RFC 7519) for Parley identities (DESIGN §3).
//
// Only HS256 is accepted: `alg: none`, any other algorithm, a bad signature, a malformed
// token, a missing/invalid claim or an expired token are all rejected. An `email` claim, when
// present, must be a string that is_valid_email() accepts; a `jti` 1-128 bytes of printable
// ASCII (no space).
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/protocol/types.hpp"

namespace parley::protocol {

struct Claims {
  std::string sub;   // user id (is_valid_user_id)
  std::string name;  // display name; defaults to sub when absent
  Role role = Role::customer;
  std::int64_t exp = 0;  // seconds since the epoch; required
  std::int64_t iat = 0;  // seconds since the epoch; optional (0 = absent)
  bool guest = false;
  std::string email{};  // where to send email while away (DESIGN §10); "" = none
  std::string jti{};    // the token's id (bot tokens, revocable: DESIGN §11); "" = none
};

// Signs claims as a compact HS256 JWT.
std::string jwt_sign(const Claims& claims, std::string_view secret);

enum class JwtError : std::uint8_t {
  malformed,       // not three base64url parts, bad JSON, wrong types
  bad_algorithm,   // alg is not "HS256" (including "none")
  bad_signature,   // signature does not match the secret
  expired,         // exp <= now
  invalid_claims,  // sub missing or invalid, unknown role, bad name, exp missing
};
std::string_view to_string(JwtError e) noexcept;

struct JwtResult {
  std::optional<Claims> claims;
  JwtError error = JwtError::malformed;  // meaningful only when !claims
};

// Verifies a token at time `now_s` (seconds since the epoch).
JwtResult jwt_verify(std::string_view token, std::string_view secret, std::int64_t now_s);

// base64url without padding (exposed for tests and tools).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace parley::protocol
