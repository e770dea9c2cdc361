// Internal to jwt.cpp and jwks.cpp: the parsed keys of a KeySet and signature checks with them.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/protocol/jwt.hpp"

namespace parley::protocol {

enum class JwsAlg : std::uint8_t { hs256, rs256, es256 };

struct KeySet::Impl {
  struct Key {
    std::string kid;  // "" when the JWK has none
    JwsAlg alg = JwsAlg::rs256;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{nullptr, EVP_PKEY_free};
  };
  std::vector<Key> keys;
  std::vector<std::string> skipped;

  // The key for a token's header: by kid when it has one, else the only key for `alg`. On
  // failure, the error (unknown_key, or bad_algorithm when the kid's key is for another alg).
  const Key* find(const std::optional<std::string>& kid, JwsAlg alg, JwtError* error) const;
};

// Whether `signature` (as in the token: RS256 PKCS#1 v1.5, ES256 the 64-byte r||s of RFC 7518
// 3.4) signs `data` with `key`.
bool verify_signature(const KeySet::Impl::Key& key, std::string_view data,
                      std::string_view signature);

}  // namespace parley::protocol
