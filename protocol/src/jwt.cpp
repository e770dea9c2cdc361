#include "parley/protocol/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <variant>

#include "json_dom.hpp"
#include "jwks_impl.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::protocol {
namespace {

constexpr std::size_t kSigBytes = 32;  // SHA-256
using Signature = std::array<unsigned char, kSigBytes>;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = std::int8_t(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kDecode = make_decode_table();

bool hmac_sha256(std::string_view secret, std::string_view data, Signature& out) {
  if (secret.size() > static_cast<std::size_t>(INT_MAX)) return false;
  static const unsigned char kEmptyKey = 0;  // HMAC() wants a non-null key even when empty
  const void* key = secret.empty() ? static_cast<const void*>(&kEmptyKey) : secret.data();
  unsigned int len = 0;
  const unsigned char* res =
      HMAC(EVP_sha256(), key, static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return res != nullptr && len == kSigBytes;
}

// Case-insensitive ASCII comparison ("typ" is compared like a media type, RFC 7515 4.1.9).
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// NumericDate (RFC 7519 2): integers, or a non-integer value that we floor to whole seconds.
bool read_numeric_date(const simdjson::dom::element& e, std::int64_t& out) {
  std::int64_t i = 0;
  if (!e.get_int64().get(i)) {
    out = i;
    return true;
  }
  if (e.type() == simdjson::dom::element_type::UINT64) {
    out = INT64_MAX;  // beyond 2^63 seconds: effectively never
    return true;
  }
  double d = 0;
  if (e.get_double().get(d) || !std::isfinite(d)) return false;
  if (d >= 9.2e18) {
    out = INT64_MAX;
  } else if (d <= -9.2e18) {
    out = INT64_MIN;
  } else {
    out = static_cast<std::int64_t>(std::floor(d));
  }
  return true;
}

JwtResult fail(JwtError e) { return JwtResult{std::nullopt, e}; }

struct Header {
  JwsAlg alg = JwsAlg::hs256;
  std::optional<std::string> kid;
};

// Checks the JOSE header: {"alg":"HS256"}, or with `asymmetric` "RS256"/"ES256", with optional
// "typ":"JWT" and "kid" (a string).
std::variant<JwtError, Header> check_header(std::string_view encoded, bool asymmetric) {
  const std::optional<std::string> json = base64url_decode(encoded);
  if (!json) return JwtError::malformed;
  simdjson::dom::element root;
  simdjson::dom::object header;
  if (detail::parse_json(*json, root) || root.get_object().get(header)) {
    return JwtError::malformed;
  }
  int algs = 0, kids = 0;
  std::optional<JwsAlg> alg;
  Header h;
  bool other_ok = true;
  for (const simdjson::dom::key_value_pair kv : header) {
    if (kv.key == "alg") {
      std::string_view a;
      ++algs;
      if (kv.value.get_string().get(a)) continue;
      if (a == "HS256") alg = JwsAlg::hs256;
      if (asymmetric && a == "RS256") alg = JwsAlg::rs256;
      if (asymmetric && a == "ES256") alg = JwsAlg::es256;
    } else if (kv.key == "typ") {
      std::string_view typ;
      if (kv.value.get_string().get(typ) || !iequals(typ, "JWT")) other_ok = false;
    } else if (kv.key == "kid") {
      std::string_view kid;
      ++kids;
      if (kv.value.get_string().get(kid)) other_ok = false;
      h.kid.emplace(kid);
    } else if (kv.key == "crit") {
      other_ok = false;  // we implement no extensions, so none can be critical
    }
  }
  // The algorithm verdict comes first, whatever else is wrong. A duplicated "alg" (or "kid")
  // could be read differently by another library: refuse it.
  if (algs != 1 || !alg) return JwtError::bad_algorithm;
  if (!other_ok || kids > 1) return JwtError::malformed;
  h.alg = *alg;
  return h;
}

// What the claims must say besides Parley's own (RS256/ES256 tokens, when configured).
struct Expect {
  std::string_view issuer, audience;
};

// Reads the claims of an already authenticated payload.
JwtResult read_claims(std::string_view encoded, std::int64_t now_s, const Expect& expect = {}) {
  const std::optional<std::string> json = base64url_decode(encoded);
  if (!json) return fail(JwtError::malformed);
  simdjson::dom::element root;
  simdjson::dom::object payload;
  if (detail::parse_json(*json, root) || root.get_object().get(payload)) {
    return fail(JwtError::malformed);
  }
  Claims c;
  std::optional<std::string_view> sub, name, role, email, jti;
  bool has_exp = false, has_iat = false, has_guest = false;
  bool issuer_ok = expect.issuer.empty(), audience_ok = expect.audience.empty();
  int iss_seen = 0, aud_seen = 0;
  for (const simdjson::dom::key_value_pair kv : payload) {
    std::string_view s;
    if (kv.key == "iss") {
      ++iss_seen;
      if (!kv.value.get_string().get(s) && s == expect.issuer) issuer_ok = true;
      continue;
    }
    if (kv.key == "aud") {  // a string, or an array of strings (RFC 7519 4.1.3)
      ++aud_seen;
      simdjson::dom::array list;
      if (!kv.value.get_string().get(s)) {
        if (s == expect.audience) audience_ok = true;
      } else if (!kv.value.get_array().get(list)) {
        for (simdjson::dom::element e : list) {
          if (!e.get_string().get(s) && s == expect.audience) audience_ok = true;
        }
      }
      continue;
    }
    if (kv.key == "sub" || kv.key == "name" || kv.key == "role" || kv.key == "email" ||
        kv.key == "jti") {
      auto& slot = kv.key == "sub"    ? sub
                   : kv.key == "name" ? name
                   : kv.key == "role" ? role
                   : kv.key == "jti"  ? jti
                                      : email;
      if (slot || kv.value.get_string().get(s)) return fail(JwtError::malformed);
      slot = s;
    } else if (kv.key == "exp") {
      if (has_exp || !read_numeric_date(kv.value, c.exp)) return fail(JwtError::malformed);
      has_exp = true;
    } else if (kv.key == "iat") {
      if (has_iat || !read_numeric_date(kv.value, c.iat)) return fail(JwtError::malformed);
      has_iat = true;
    } else if (kv.key == "guest") {
      if (has_guest || kv.value.get_bool().get(c.guest)) return fail(JwtError::malformed);
      has_guest = true;
    }
  }
  if (iss_seen > 1 || aud_seen > 1) return fail(JwtError::malformed);
  if (!issuer_ok) return fail(JwtError::bad_issuer);
  if (!audience_ok) return fail(JwtError::bad_audience);
  if (!sub || !is_valid_user_id(*sub)) return fail(JwtError::invalid_claims);
  if (!has_exp) return fail(JwtError::invalid_claims);
  if (name && !is_valid_display_name(*name)) return fail(JwtError::invalid_claims);
  if (email && !is_valid_email(*email)) return fail(JwtError::invalid_claims);
  if (jti &&
      (jti->empty() || jti->size() > 128 ||
       !std::all_of(jti->begin(), jti->end(), [](char ch) { return ch > 0x20 && ch < 0x7F; }))) {
    return fail(JwtError::invalid_claims);
  }
  if (role) {
    const std::optional<Role> r = parse_role(*role);
    if (!r) return fail(JwtError::invalid_claims);
    c.role = *r;
  }
  if (c.exp <= now_s) return fail(JwtError::expired);
  c.sub.assign(*sub);
  c.name.assign(name ? *name : *sub);
  if (email) c.email.assign(*email);
  if (jti) c.jti.assign(*jti);
  return JwtResult{std::move(c), JwtError::malformed};
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    const std::uint32_t v =
        (std::uint32_t(p[i]) << 16) | (rest == 2 ? std::uint32_t(p[i + 1]) << 8 : 0);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

// Strict: no padding, no whitespace, no standard-base64 '+' '/', and the unused low bits of the
// last character must be zero, so every byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    const std::int8_t v = kDecode[static_cast<unsigned char>(ch)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

std::string jwt_sign(const Claims& claims, std::string_view secret) {
  static const std::string kHeader = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  std::string payload;
  JsonWriter w(payload);
  w.begin_object()
      .field("sub", claims.sub)
      .field("name", claims.name.empty() ? std::string_view(claims.sub) : claims.name)
      .field("role", to_string(claims.role))
      .field("exp", claims.exp);
  if (claims.iat != 0) w.field("iat", claims.iat);
  if (claims.guest) w.field("guest", true);
  if (!claims.email.empty()) w.field("email", claims.email);
  if (!claims.jti.empty()) w.field("jti", claims.jti);
  w.end_object();

  std::string token = kHeader;
  token.push_back('.');
  token.append(base64url_encode(payload));
  Signature sig;
  if (!hmac_sha256(secret, token, sig)) throw std::runtime_error("HMAC-SHA256 failed");
  token.push_back('.');
  token.append(
      base64url_encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
  return token;
}

std::string_view to_string(JwtError e) noexcept {
  switch (e) {
    case JwtError::malformed:
      return "malformed";
    case JwtError::bad_algorithm:
      return "bad_algorithm";
    case JwtError::bad_signature:
      return "bad_signature";
    case JwtError::expired:
      return "expired";
    case JwtError::invalid_claims:
      return "invalid_claims";
    case JwtError::unknown_key:
      return "unknown_key";
    case JwtError::bad_issuer:
      return "bad_issuer";
    case JwtError::bad_audience:
      return "bad_audience";
  }
  return "malformed";
}

JwtResult jwt_verify(std::string_view token, std::string_view secret, std::int64_t now_s) {
  VerifyOptions o;
  o.secret = secret;
  return jwt_verify(token, o, now_s);
}

JwtResult jwt_verify(std::string_view token, const VerifyOptions& options, std::int64_t now_s) {
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(JwtError::malformed);
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtError::malformed);
  }
  const std::string_view header = token.substr(0, dot1);
  const std::string_view payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature = token.substr(dot2 + 1);

  // Order matters: the algorithm is fixed before any signature work, and it alone chooses the
  // key (HS256: the secret; RS256/ES256: the key set), so no algorithm confusion; nothing in
  // the payload is looked at before the signature checks out.
  const auto checked = check_header(header, options.keys != nullptr);
  if (const auto* err = std::get_if<JwtError>(&checked)) return fail(*err);
  const Header& h = std::get<Header>(checked);
  const std::optional<std::string> sig = base64url_decode(signature);
  if (!sig) return fail(JwtError::malformed);
  const std::string_view signed_part = token.substr(0, dot2);
  if (h.alg == JwsAlg::hs256) {
    // An empty secret would let anyone mint tokens; treat it as a signature that cannot match.
    Signature expected;
    if (options.secret.empty() || sig->size() != kSigBytes ||
        !hmac_sha256(options.secret, signed_part, expected) ||
        CRYPTO_memcmp(expected.data(), sig->data(), kSigBytes) != 0) {
      return fail(JwtError::bad_signature);
    }
    return read_claims(payload, now_s);
  }
  JwtError err = JwtError::unknown_key;
  const auto* key = options.keys->impl().find(h.kid, h.alg, &err);
  if (key == nullptr) return fail(err);
  if (!verify_signature(*key, signed_part, *sig)) return fail(JwtError::bad_signature);
  return read_claims(payload, now_s, Expect{options.issuer, options.audience});
}

}  // namespace parley::protocol
