// JSON Web Tokens (RFC 7519) for Parley identities (DESIGN §3, §12).
//
// HS256 with the server's secret, and, when a key set is given (the company's identity provider,
// a JWKS: RFC 7517), RS256 and ES256 with its public keys. `alg: none`, any other algorithm, an
// algorithm the key does not allow, a bad signature, a malformed token, a missing/invalid claim
// or an expired token are all rejected. The algorithm decides the key: HS256 only ever uses the
// secret, RS256/ES256 only the key set (no algorithm confusion). An `email` claim, when present,
// must be a string that is_valid_email() accepts; a `jti` 1-128 bytes of printable ASCII (no
// space).
//
// Thread-safety: pure functions and immutable key sets; safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  bad_algorithm,   // alg is not "HS256" (nor, with a key set, "RS256"/"ES256"), or not the key's
  bad_signature,   // signature does not match the secret or key
  expired,         // exp <= now
  invalid_claims,  // sub missing or invalid, unknown role, bad name, exp missing
  unknown_key,     // RS256/ES256: no key with the token's kid (or, without kid, not exactly one)
  bad_issuer,      // RS256/ES256: iss is not the expected issuer
  bad_audience,    // RS256/ES256: aud does not name the expected audience
};
std::string_view to_string(JwtError e) noexcept;

struct JwtResult {
  std::optional<Claims> claims;
  JwtError error = JwtError::malformed;  // meaningful only when !claims
};

// Verifies an HS256 token at time `now_s` (seconds since the epoch).
JwtResult jwt_verify(std::string_view token, std::string_view secret, std::int64_t now_s);

// The public signing keys of an identity provider, parsed from a JWKS document
// ({"keys":[…]}): RSA keys (kty "RSA", n, e; 2048 bits or more) for RS256 and P-256 keys
// (kty "EC", crv "P-256", x, y) for ES256. A key's `alg`, when given, must be the one of its
// type; keys with a `use` other than "sig", or of another type or curve, are skipped (named in
// skipped()). Immutable; share it between threads.
class KeySet {
 public:
  // nullptr, with `*error` set, when the document is not a JWKS or holds no usable key.
  static std::shared_ptr<const KeySet> parse(std::string_view jwks_json, std::string* error);
  // The keys of both (e.g. a file's and a URL's), a's first.
  static std::shared_ptr<const KeySet> combine(const KeySet& a, const KeySet& b);
  // A set with no keys: every RS256/ES256 token names an unknown key.
  static std::shared_ptr<const KeySet> none();
  ~KeySet();
  KeySet(const KeySet&) = delete;
  KeySet& operator=(const KeySet&) = delete;

  std::size_t size() const;
  // The usable keys' ids ("" for a key without kid), in document order.
  std::vector<std::string> kids() const;
  // Why each skipped key was skipped, e.g. `key "k2": kty "oct" is not supported`.
  const std::vector<std::string>& skipped() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit KeySet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct VerifyOptions {
  std::string_view secret;       // HS256
  const KeySet* keys = nullptr;  // RS256 and ES256; nullptr: HS256 only
  // Checked on RS256/ES256 tokens when not empty (tokens the server signs itself carry neither).
  std::string_view issuer;    // `iss` must equal it
  std::string_view audience;  // `aud` (a string, or an array of strings) must contain it
};
JwtResult jwt_verify(std::string_view token, const VerifyOptions& options, std::int64_t now_s);

// base64url without padding (exposed for tests and tools).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace parley::protocol
