// fuzz_jwt: the verifier (HS256 with the secret; RS256/ES256 against a key set) and base64url,
// on arbitrary bytes.
//
// Every input is used four ways:
//  1. as a token: jwt_verify() must not crash, and whatever it accepts has valid claims;
//  2. re-signed: the input's header and payload get a correct signature, so the fuzzer reaches
//     header and claim parsing; bad_signature is then impossible, a wrong secret never passes,
//     and changing the signature's last character always fails. Also signed with the fuzz key
//     set's P-256 key (ES256): never accepted without the key set, never as HS256;
//  3. as claims: valid claims derived from the bytes, signed with jwt_sign(), verify back to
//     the same claims (and expire, and fail with another secret);
//  4. as bytes: base64url_decode(base64url_encode(x)) == x, and decoding is canonical: a text
//     that decodes re-encodes to itself.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "parley/protocol/jwt.hpp"
#include "parley/protocol/validate.hpp"

namespace {

namespace pp = parley::protocol;
using parley::fuzz::ByteReader;

constexpr std::int64_t kNow = 1'700'000'000;  // fixed, so every run sees the same verdicts
constexpr std::string_view kSecret = "parley-fuzz-secret";  // the corpus tokens use it

std::string hs256(std::string_view secret, std::string_view data) {
  unsigned char sig[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), sig, &len);
  FUZZ_CHECK(len == 32);
  return pp::base64url_encode(std::string_view(reinterpret_cast<const char*>(sig), len));
}

// The identity provider of the fuzz run: a P-256 key made once, its JWKS parsed into a key set.
struct Provider {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  std::shared_ptr<const pp::KeySet> keys;
  Provider() {
    FUZZ_CHECK(key != nullptr);
    auto coord = [&](const char* name) {
      BIGNUM* bn = nullptr;
      FUZZ_CHECK(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
      std::string out(32, '\0');
      BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
      BN_free(bn);
      return pp::base64url_encode(out);
    };
    keys = pp::KeySet::parse(R"({"keys":[{"kid":"fz","kty":"EC","crv":"P-256","x":")" +
                                 coord(OSSL_PKEY_PARAM_EC_PUB_X) + R"(","y":")" +
                                 coord(OSSL_PKEY_PARAM_EC_PUB_Y) + R"("}]})",
                             nullptr);
    FUZZ_CHECK(keys != nullptr);
  }
  // The ES256 signature (r||s, base64url) of `data`.
  std::string es256(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    FUZZ_CHECK(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
    FUZZ_CHECK(EVP_DigestSign(ctx, nullptr, &len,
                              reinterpret_cast<const unsigned char*>(data.data()),
                              data.size()) == 1);
    std::string der(len, '\0');
    FUZZ_CHECK(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                              reinterpret_cast<const unsigned char*>(data.data()),
                              data.size()) == 1);
    EVP_MD_CTX_free(ctx);
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    FUZZ_CHECK(sig != nullptr);
    std::string rs(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(rs.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(rs.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return pp::base64url_encode(rs);
  }
};
const Provider& provider() {
  static const Provider p;
  return p;
}
pp::VerifyOptions with_keys() {
  pp::VerifyOptions o;
  o.secret = kSecret;
  o.keys = provider().keys.get();
  return o;
}

// What any accepted token must carry, whatever the path to acceptance.
void check_claims(const pp::Claims& c, std::int64_t now) {
  FUZZ_CHECK_MSG(pp::is_valid_user_id(c.sub), c.sub);
  FUZZ_CHECK_MSG(pp::is_valid_display_name(c.name), c.name);
  FUZZ_CHECK(c.exp > now);
  FUZZ_CHECK(pp::to_string(c.role) == "customer" || pp::to_string(c.role) == "staff" ||
             pp::to_string(c.role) == "bot" || pp::to_string(c.role) == "admin");
}

void check_result(const pp::JwtResult& r, std::int64_t now) {
  FUZZ_CHECK(!pp::to_string(r.error).empty());
  if (r.claims) check_claims(*r.claims, now);
}

// 1. The input as a token.
void verify_as_is(std::string_view token) {
  check_result(pp::jwt_verify(token, kSecret, kNow), kNow);
  // With the key set: the same checks; HS256 verdicts do not change (the key set is never a
  // secret).
  const pp::JwtResult hs = pp::jwt_verify(token, kSecret, kNow);
  const pp::JwtResult both = pp::jwt_verify(token, with_keys(), kNow);
  check_result(both, kNow);
  if (hs.claims) FUZZ_CHECK(both.claims && both.claims->sub == hs.claims->sub);
  // An empty secret never verifies, whatever the token.
  FUZZ_CHECK(!pp::jwt_verify(token, "", kNow).claims);
}

// 2. The input's first two parts with a correct signature.
void verify_resigned(std::string_view token) {
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return;
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return;
  const std::string_view signed_part = token.substr(0, dot2);
  if (signed_part.find('.', dot1 + 1) != std::string_view::npos) return;

  // ES256 with the provider's key: only ever accepted with the key set.
  const std::string es = std::string(signed_part) + "." + provider().es256(signed_part);
  const pp::JwtResult es_r = pp::jwt_verify(es, with_keys(), kNow);
  check_result(es_r, kNow);
  FUZZ_CHECK(!pp::jwt_verify(es, kSecret, kNow).claims);
  if (es_r.claims) {
    std::string tampered_es = es;
    tampered_es[dot1 + 1] = tampered_es[dot1 + 1] == 'e' ? 'f' : 'e';  // the payload changes
    FUZZ_CHECK(!pp::jwt_verify(tampered_es, with_keys(), kNow).claims);
  }

  std::string resigned(signed_part);
  resigned.push_back('.');
  resigned.append(hs256(kSecret, signed_part));
  const pp::JwtResult r = pp::jwt_verify(resigned, kSecret, kNow);
  check_result(r, kNow);
  FUZZ_CHECK_MSG(r.claims || r.error != pp::JwtError::bad_signature, resigned);
  FUZZ_CHECK(!pp::jwt_verify(resigned, "another-secret", kNow).claims);
  if (!r.claims) return;

  // Accepted: the claims are the payload's, and the token is bound to its signature.
  const std::optional<std::string> payload =
      pp::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  FUZZ_CHECK(payload.has_value());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view sub;
  FUZZ_CHECK(parser.parse(simdjson::padded_string(*payload)).get(doc) == simdjson::SUCCESS);
  FUZZ_CHECK(doc["sub"].get_string().get(sub) == simdjson::SUCCESS && sub == r.claims->sub);
  FUZZ_CHECK(!pp::jwt_verify(resigned, kSecret, r.claims->exp).claims);  // expired at exp

  std::string tampered = resigned;
  char& last = tampered.back();
  last = last == 'A' ? 'Q' : 'A';  // 'Q' sets a bit the 32-byte signature keeps
  FUZZ_CHECK(!pp::jwt_verify(tampered, kSecret, kNow).claims);
}

// A user id of 1-64 characters from the allowed set.
std::string make_user_id(ByteReader& in) {
  static constexpr std::string_view kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-";
  const std::size_t n = 1 + in.byte() % 64;
  std::string id;
  for (std::size_t i = 0; i < n; ++i) id.push_back(kChars[in.byte() % kChars.size()]);
  return id;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Up to 64 code points, any scalar value (no surrogates); may come out invalid as a display
// name (controls, blank), in which case the caller drops it.
std::string make_name(ByteReader& in) {
  const std::size_t n = in.byte() % 65;
  std::string name;
  for (std::size_t i = 0; i < n; ++i) {
    char32_t cp = 0;
    switch (in.byte() % 4) {
      case 0:
        cp = in.byte();  // Latin-1, controls included
        break;
      case 1:
        cp = 0x20 + in.byte() % 0x5F;  // printable ASCII
        break;
      default:
        cp = static_cast<char32_t>(in.u32() % 0x110000);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    }
    append_utf8(name, cp);
  }
  return name;
}

// 3. Claims derived from the bytes round-trip through jwt_sign / jwt_verify.
void sign_and_verify(ByteReader& in) {
  pp::Claims c;
  c.sub = make_user_id(in);
  c.name = make_name(in);
  if (!pp::is_valid_display_name(c.name)) c.name.clear();  // then the name defaults to sub
  c.role = static_cast<pp::Role>(in.byte() % 4);
  const std::uint64_t ttl = in.u64();
  c.exp = kNow + 1 + static_cast<std::int64_t>(ttl % static_cast<std::uint64_t>(INT64_MAX - kNow));
  c.iat = static_cast<std::int64_t>(in.u64());  // any value; 0 means absent
  c.guest = in.boolean();
  std::string secret(in.bytes(64));
  if (secret.empty()) secret = "s";

  const std::string token = pp::jwt_sign(c, secret);
  const pp::JwtResult r = pp::jwt_verify(token, secret, kNow);
  FUZZ_CHECK_MSG(r.claims.has_value(), std::string(pp::to_string(r.error)) + " " + token);
  check_claims(*r.claims, kNow);
  FUZZ_CHECK(r.claims->sub == c.sub);
  FUZZ_CHECK(r.claims->name == (c.name.empty() ? c.sub : c.name));
  FUZZ_CHECK(r.claims->role == c.role);
  FUZZ_CHECK(r.claims->exp == c.exp);
  FUZZ_CHECK(r.claims->iat == c.iat);
  FUZZ_CHECK(r.claims->guest == c.guest);

  const pp::JwtResult late = pp::jwt_verify(token, secret, c.exp);
  FUZZ_CHECK(!late.claims && late.error == pp::JwtError::expired);
  const pp::JwtResult wrong = pp::jwt_verify(token, secret + "x", kNow);
  FUZZ_CHECK(!wrong.claims && wrong.error == pp::JwtError::bad_signature);
}

// 4. base64url.
void base64url_round_trip(std::string_view bytes) {
  const std::string enc = pp::base64url_encode(bytes);
  FUZZ_CHECK(enc.size() == (bytes.size() * 4 + 2) / 3);
  const std::optional<std::string> dec = pp::base64url_decode(enc);
  FUZZ_CHECK(dec.has_value() && *dec == bytes);

  if (const std::optional<std::string> as_text = pp::base64url_decode(bytes)) {
    FUZZ_CHECK_MSG(pp::base64url_encode(*as_text) == bytes, "non-canonical text accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  verify_as_is(input);
  verify_resigned(input);
  ByteReader in(data, size);
  sign_and_verify(in);
  base64url_round_trip(input);
  return 0;
}
