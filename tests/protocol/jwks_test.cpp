// RS256 and ES256 tokens verified against a JWKS (KeySet), and the refusals: alg none, an
// algorithm the key does not allow, HS256 with the public key as its secret, unknown keys,
// issuer and audience. Keys are made and tokens signed with OpenSSL here, independently of the
// code under test.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "parley/protocol/jwt.hpp"

namespace parley::protocol {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "s3cret-key-for-tests-only-0123456789";

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Pkey make_rsa(int bits = 2048) {
  return Pkey(EVP_RSA_gen(static_cast<unsigned>(bits)), EVP_PKEY_free);
}
Pkey make_ec() { return Pkey(EVP_EC_gen("P-256"), EVP_PKEY_free); }

std::string bn_bytes(const BIGNUM* bn, int width = 0) {
  std::string out(static_cast<std::size_t>(width > 0 ? width : BN_num_bytes(bn)), '\0');
  if (width > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), width);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

std::string get_bn(EVP_PKEY* k, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1) << name;
  std::string out = bn_bytes(bn, width);
  BN_free(bn);
  return out;
}

// The public JWK of a key, with extra members (e.g. R"("alg":"RS256")").
std::string jwk(EVP_PKEY* k, const std::string& kid, const std::string& extra = "") {
  std::string out = "{";
  if (!kid.empty()) out += R"("kid":")" + kid + R"(",)";
  if (EVP_PKEY_is_a(k, "RSA")) {
    out += R"("kty":"RSA","n":")" + base64url_encode(get_bn(k, OSSL_PKEY_PARAM_RSA_N)) +
           R"(","e":")" + base64url_encode(get_bn(k, OSSL_PKEY_PARAM_RSA_E)) + "\"";
  } else {
    out += R"("kty":"EC","crv":"P-256","x":")" +
           base64url_encode(get_bn(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           base64url_encode(get_bn(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"";
  }
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

std::string raw_sign(EVP_PKEY* k, const std::string& data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()),
            1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()),
            1);
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (!EVP_PKEY_is_a(k, "EC")) return sig;
  // DER ECDSA-Sig-Value -> the JWS form, r||s (RFC 7518 3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string rs = bn_bytes(ECDSA_SIG_get0_r(s), 32) + bn_bytes(ECDSA_SIG_get0_s(s), 32);
  ECDSA_SIG_free(s);
  return rs;
}

std::string token(EVP_PKEY* k, const std::string& header, const std::string& payload) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(raw_sign(k, input));
}

std::string hs256(const std::string& header, const std::string& payload, std::string_view secret) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<const char*>(mac), len));
}

const std::string kClaims =
    R"({"sub":"ann","name":"Ann","exp":1700003600,"iss":"https://login.acme.example","aud":["parley","shop"]})";

class Jwks : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rsa_ && ec_ && other_);
    std::string error;
    set_ =
        KeySet::parse(R"({"keys":[)" + jwk(rsa_.get(), "r1", R"("alg":"RS256","use":"sig")") + "," +
                          jwk(ec_.get(), "e1") + R"(,{"kty":"oct","kid":"h1","k":"c2VjcmV0"}]})",
                      &error);
    ASSERT_TRUE(set_) << error;
  }
  JwtResult verify(const std::string& t, std::string_view issuer = "",
                   std::string_view audience = "") {
    VerifyOptions o;
    o.secret = kSecret;
    o.keys = set_.get();
    o.issuer = issuer;
    o.audience = audience;
    return jwt_verify(t, o, kNow);
  }
  Pkey rsa_ = make_rsa();
  Pkey ec_ = make_ec();
  Pkey other_ = make_rsa();
  std::shared_ptr<const KeySet> set_;
};

TEST_F(Jwks, ParsesRsaAndP256KeysAndSkipsTheRest) {
  EXPECT_EQ(set_->size(), 2u);
  EXPECT_EQ(set_->kids(), (std::vector<std::string>{"r1", "e1"}));
  ASSERT_EQ(set_->skipped().size(), 1u);
  EXPECT_EQ(set_->skipped()[0], R"(key "h1": kty "oct" is not supported (RSA and EC are))");
  std::string error;
  EXPECT_FALSE(KeySet::parse("[]", &error));
  EXPECT_EQ(error, R"(not a JWKS: a JSON object with a "keys" array is expected)");
  EXPECT_FALSE(KeySet::parse(R"({"keys":[]})", &error));
  EXPECT_EQ(error, "no usable key (RS256 or ES256)");
  auto small = make_rsa(1024);
  EXPECT_FALSE(KeySet::parse(R"({"keys":[)" + jwk(small.get(), "s") + "]}", &error));
  EXPECT_NE(error.find("shorter than 2048 bits"), std::string::npos) << error;
  EXPECT_FALSE(
      KeySet::parse(R"({"keys":[)" + jwk(rsa_.get(), "x", R"("use":"enc")") + "]}", &error));
  EXPECT_FALSE(
      KeySet::parse(R"({"keys":[)" + jwk(rsa_.get(), "x", R"("alg":"PS256")") + "]}", &error));
  EXPECT_FALSE(KeySet::parse(R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})", &error));
  EXPECT_FALSE(KeySet::parse(R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + std::string(43, 'A') +
                                 R"(","y":")" + std::string(43, 'A') + R"("}]})",
                             &error));  // not a point on the curve
}

TEST_F(Jwks, Rs256AndEs256TokensVerify) {
  auto r = verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1","typ":"JWT"})", kClaims));
  ASSERT_TRUE(r.claims) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, "ann");
  EXPECT_EQ(r.claims->name, "Ann");
  auto e = verify(token(ec_.get(), R"({"alg":"ES256","kid":"e1"})", kClaims));
  ASSERT_TRUE(e.claims) << to_string(e.error);
  // Without a kid: the only key of that algorithm.
  EXPECT_TRUE(verify(token(ec_.get(), R"({"alg":"ES256"})", kClaims)).claims);
  // HS256 with the secret keeps working next to them.
  EXPECT_TRUE(verify(hs256(R"({"alg":"HS256"})", kClaims, kSecret)).claims);
  // iss and aud, when configured.
  const std::string t = token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims);
  EXPECT_TRUE(verify(t, "https://login.acme.example", "shop").claims);
  EXPECT_EQ(verify(t, "https://evil.example").error, JwtError::bad_issuer);
  EXPECT_EQ(verify(t, "", "billing").error, JwtError::bad_audience);
  const std::string single = token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})",
                                   R"({"sub":"ann","exp":1700003600,"aud":"parley"})");
  EXPECT_TRUE(verify(single, "", "parley").claims);
  EXPECT_EQ(verify(single, "https://login.acme.example").error, JwtError::bad_issuer);  // no iss
  // Expiry and claims as for HS256.
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})",
                         R"({"sub":"ann","exp":1699999999})"))
                .error,
            JwtError::expired);
}

TEST_F(Jwks, EveryConfusionIsRefused) {
  // alg none, with or without a signature.
  const std::string none = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(kClaims);
  EXPECT_EQ(verify(none + ".").error, JwtError::bad_algorithm);
  EXPECT_EQ(verify(none + "." + base64url_encode("x")).error, JwtError::bad_algorithm);
  // An algorithm the key does not allow: the EC key named by an RS256 header, and the reverse.
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"RS256","kid":"e1"})", kClaims)).error,
            JwtError::bad_algorithm);
  EXPECT_EQ(verify(token(ec_.get(), R"({"alg":"ES256","kid":"r1"})", kClaims)).error,
            JwtError::bad_algorithm);
  // Other algorithms of the same families are not accepted.
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"RS384","kid":"r1"})", kClaims)).error,
            JwtError::bad_algorithm);
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"PS256","kid":"r1"})", kClaims)).error,
            JwtError::bad_algorithm);
  // HS256 signed with the RSA public key (its JWK, or its modulus) as the secret.
  const std::string pub = jwk(rsa_.get(), "r1");
  EXPECT_EQ(verify(hs256(R"({"alg":"HS256","kid":"r1"})", kClaims, pub)).error,
            JwtError::bad_signature);
  EXPECT_EQ(
      verify(hs256(R"({"alg":"HS256"})", kClaims, get_bn(rsa_.get(), OSSL_PKEY_PARAM_RSA_N))).error,
      JwtError::bad_signature);
  // Without a key set, RS256 is not an algorithm the server takes at all.
  EXPECT_EQ(
      jwt_verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims), kSecret, kNow).error,
      JwtError::bad_algorithm);
  // A key the set does not have; and, without kid, two RS256 candidates.
  EXPECT_EQ(verify(token(other_.get(), R"({"alg":"RS256","kid":"r9"})", kClaims)).error,
            JwtError::unknown_key);
  auto two = KeySet::parse(
      R"({"keys":[)" + jwk(rsa_.get(), "a") + "," + jwk(other_.get(), "b") + "]}", nullptr);
  ASSERT_TRUE(two);
  VerifyOptions o;
  o.secret = kSecret;
  o.keys = two.get();
  EXPECT_EQ(jwt_verify(token(rsa_.get(), R"({"alg":"RS256"})", kClaims), o, kNow).error,
            JwtError::unknown_key);
  EXPECT_TRUE(
      jwt_verify(token(other_.get(), R"({"alg":"RS256","kid":"b"})", kClaims), o, kNow).claims);
  // Signed by another key under a known kid; a tampered payload; the ES256 signature in DER.
  EXPECT_EQ(verify(token(other_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims)).error,
            JwtError::bad_signature);
  std::string good = token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims);
  const auto dot = good.find('.');
  const std::string tampered =
      good.substr(0, dot + 1) +
      base64url_encode(R"({"sub":"ann","role":"admin","exp":1700003600})") +
      good.substr(good.rfind('.'));
  EXPECT_EQ(verify(tampered).error, JwtError::bad_signature);
  const std::string input =
      base64url_encode(R"({"alg":"ES256","kid":"e1"})") + "." + base64url_encode(kClaims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, ec_.get());
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string der(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  der.resize(len);
  EXPECT_EQ(verify(input + "." + base64url_encode(der)).error, JwtError::bad_signature);
  // Two kid members, or a kid that is not a string.
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1","kid":"e1"})", kClaims)).error,
            JwtError::malformed);
  EXPECT_EQ(verify(token(rsa_.get(), R"({"alg":"RS256","kid":1})", kClaims)).error,
            JwtError::malformed);
}

TEST_F(Jwks, CombinedAndEmptySets) {
  auto extra = KeySet::parse(R"({"keys":[)" + jwk(other_.get(), "o1") + "]}", nullptr);
  ASSERT_TRUE(extra);
  auto both = KeySet::combine(*set_, *extra);
  EXPECT_EQ(both->kids(), (std::vector<std::string>{"r1", "e1", "o1"}));
  VerifyOptions o;
  o.keys = both.get();
  EXPECT_TRUE(
      jwt_verify(token(other_.get(), R"({"alg":"RS256","kid":"o1"})", kClaims), o, kNow).claims);
  EXPECT_TRUE(
      jwt_verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims), o, kNow).claims);
  auto none = KeySet::none();
  o.keys = none.get();
  EXPECT_EQ(jwt_verify(token(rsa_.get(), R"({"alg":"RS256","kid":"r1"})", kClaims), o, kNow).error,
            JwtError::unknown_key);
}

}  // namespace
}  // namespace parley::protocol
