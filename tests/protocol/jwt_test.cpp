// HS256 JWT sign/verify and base64url.
#include "parley/protocol/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace parley::protocol {
namespace {

constexpr std::string_view kSecret = "s3cret-key-for-tests-only-0123456789";
constexpr std::int64_t kNow = 1'700'000'000;

Claims sample_claims() {
  Claims c;
  c.sub = "user-42";
  c.name = "Ana Lima";
  c.role = Role::staff;
  c.exp = kNow + 3600;
  c.iat = kNow - 10;
  c.guest = false;
  return c;
}

// Builds a token from raw JSON parts, signed with HS256 like any third-party library would.
std::string make_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret = kSecret) {
  std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &len);
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

constexpr std::string_view kHs256 = R"({"alg":"HS256","typ":"JWT"})";

std::string payload_with(std::string_view members) {
  return R"({"exp":)" + std::to_string(kNow + 60) + (members.empty() ? "" : ",") +
         std::string(members) + "}";
}

JwtError verify_error(const std::string& token, std::int64_t now = kNow) {
  const JwtResult r = jwt_verify(token, kSecret, now);
  EXPECT_FALSE(r.claims.has_value()) << token;
  return r.error;
}

TEST(Jwt, SignVerifyRoundTrip) {
  const Claims c = sample_claims();
  const std::string token = jwt_sign(c, kSecret);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  const JwtResult r = jwt_verify(token, kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value()) << to_string(r.error);
  EXPECT_EQ(r.claims->sub, c.sub);
  EXPECT_EQ(r.claims->name, c.name);
  EXPECT_EQ(r.claims->role, Role::staff);
  EXPECT_EQ(r.claims->exp, c.exp);
  EXPECT_EQ(r.claims->iat, c.iat);
  EXPECT_FALSE(r.claims->guest);
}

TEST(Jwt, SignedHeaderAndPayloadAreStandard) {
  Claims c = sample_claims();
  c.iat = 0;
  const std::string token = jwt_sign(c, kSecret);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  EXPECT_EQ(base64url_decode(token.substr(0, dot1)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)),
            R"({"sub":"user-42","name":"Ana Lima","role":"staff","exp":1700003600})");
}

TEST(Jwt, GuestFlagRoundTrips) {
  Claims c = sample_claims();
  c.guest = true;
  c.role = Role::customer;
  const JwtResult r = jwt_verify(jwt_sign(c, kSecret), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value());
  EXPECT_TRUE(r.claims->guest);
  EXPECT_EQ(r.claims->role, Role::customer);
}

TEST(Jwt, EmailClaimRoundTripsAndIsChecked) {
  Claims c = sample_claims();
  c.email = "ana.lima+help@shop.example.com";
  const std::string token = jwt_sign(c, kSecret);
  const std::size_t dot1 = token.find('.'), dot2 = token.find('.', dot1 + 1);
  EXPECT_NE(base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1))
                ->find(R"("email":"ana.lima+help@shop.example.com")"),
            std::string::npos);
  JwtResult r = jwt_verify(token, kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value()) << to_string(r.error);
  EXPECT_EQ(r.claims->email, "ana.lima+help@shop.example.com");
  // Absent: empty. Not an address (or one that could break a mail header): invalid_claims.
  r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob")")), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value());
  EXPECT_EQ(r.claims->email, "");
  for (std::string_view bad : {R"("email":"bob")", R"("email":"bob@localhost")",
                               R"("email":"bob@example.com\r\nBcc: x@evil.example")",
                               R"("email":"<bob@example.com>")", R"("email":"")"}) {
    r = jwt_verify(
        make_token(kHs256, payload_with(std::string(R"("sub":"bob",)") + std::string(bad))),
        kSecret, kNow);
    EXPECT_FALSE(r.claims.has_value()) << bad;
    EXPECT_EQ(r.error, JwtError::invalid_claims) << bad;
  }
  // The wrong type, or twice: malformed.
  r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob","email":true)")), kSecret, kNow);
  EXPECT_EQ(r.error, JwtError::malformed);
  r = jwt_verify(
      make_token(kHs256, payload_with(R"("sub":"bob","email":"a@b.co","email":"c@d.co")")), kSecret,
      kNow);
  EXPECT_EQ(r.error, JwtError::malformed);
}

TEST(Jwt, JtiClaimRoundTripsAndIsChecked) {
  Claims c = sample_claims();
  c.jti = "0123456789abcdef0123456789abcdef";
  JwtResult r = jwt_verify(jwt_sign(c, kSecret), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value()) << to_string(r.error);
  EXPECT_EQ(r.claims->jti, c.jti);
  r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob","jti":"~!x.y")")), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value());
  EXPECT_EQ(r.claims->jti, "~!x.y");
  for (std::string bad :
       {std::string(R"("jti":"")"), std::string(R"("jti":"a b")"), std::string(R"("jti":"é")"),
        R"("jti":")" + std::string(129, 'x') + "\""}) {
    r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob",)" + bad)), kSecret, kNow);
    EXPECT_EQ(r.error, JwtError::invalid_claims) << bad;
  }
  r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob","jti":5)")), kSecret, kNow);
  EXPECT_EQ(r.error, JwtError::malformed);
  c.jti = std::string(128, 'x');
  EXPECT_TRUE(jwt_verify(jwt_sign(c, kSecret), kSecret, kNow).claims.has_value());
}

TEST(Jwt, DefaultsWhenOptionalClaimsAreAbsent) {
  const JwtResult r = jwt_verify(make_token(kHs256, payload_with(R"("sub":"bob")")), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value()) << to_string(r.error);
  EXPECT_EQ(r.claims->name, "bob");
  EXPECT_EQ(r.claims->role, Role::customer);
  EXPECT_EQ(r.claims->iat, 0);
  EXPECT_FALSE(r.claims->guest);
}

TEST(Jwt, SigningWithoutANameUsesTheSub) {
  Claims c = sample_claims();
  c.name.clear();
  const JwtResult r = jwt_verify(jwt_sign(c, kSecret), kSecret, kNow);
  ASSERT_TRUE(r.claims.has_value());
  EXPECT_EQ(r.claims->name, "user-42");
}

TEST(Jwt, Expiry) {
  Claims c = sample_claims();
  c.exp = kNow;
  EXPECT_EQ(verify_error(jwt_sign(c, kSecret)), JwtError::expired);  // exp <= now
  c.exp = kNow + 1;
  EXPECT_TRUE(jwt_verify(jwt_sign(c, kSecret), kSecret, kNow).claims.has_value());
  EXPECT_EQ(verify_error(jwt_sign(c, kSecret), kNow + 100), JwtError::expired);
}

TEST(Jwt, FractionalExpIsAcceptedAsANumericDate) {
  const std::string p = R"({"sub":"bob","exp":)" + std::to_string(kNow) + ".5}";
  // Floors to kNow, which is already expired at kNow.
  EXPECT_EQ(verify_error(make_token(kHs256, p)), JwtError::expired);
  const JwtResult r = jwt_verify(make_token(kHs256, p), kSecret, kNow - 1);
  ASSERT_TRUE(r.claims.has_value());
  EXPECT_EQ(r.claims->exp, kNow);
}

TEST(Jwt, TamperedTokensFailTheSignature) {
  const std::string token = jwt_sign(sample_claims(), kSecret);
  const std::size_t dot2 = token.rfind('.');
  std::string sig_flipped = token;
  sig_flipped[dot2 + 1] = sig_flipped[dot2 + 1] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_error(sig_flipped), JwtError::bad_signature);

  std::string payload_flipped = token;
  const std::size_t p = token.find('.') + 3;
  payload_flipped[p] = payload_flipped[p] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_error(payload_flipped), JwtError::bad_signature);

  EXPECT_EQ(verify_error(token.substr(0, dot2 + 1)), JwtError::bad_signature);  // no signature
  // Canonical base64url of the wrong length (30 bytes instead of 32).
  EXPECT_EQ(verify_error(token.substr(0, dot2 + 1) + std::string(40, 'A')),
            JwtError::bad_signature);
  // 39 characters whose unused trailing bits are set: not a canonical encoding at all.
  EXPECT_EQ(verify_error(token.substr(0, dot2 + 1) + std::string(39, 'B')), JwtError::malformed);
}

TEST(Jwt, WrongSecret) {
  const std::string token = jwt_sign(sample_claims(), kSecret);
  EXPECT_EQ(jwt_verify(token, "another-secret", kNow).error, JwtError::bad_signature);
  EXPECT_FALSE(jwt_verify(token, "", kNow).claims.has_value());
}

TEST(Jwt, EmptySecretNeverVerifies) {
  const std::string token = make_token(kHs256, payload_with(R"("sub":"bob")"), "");
  const JwtResult r = jwt_verify(token, "", kNow);
  EXPECT_FALSE(r.claims.has_value());
  EXPECT_EQ(r.error, JwtError::bad_signature);
}

TEST(Jwt, AlgNoneIsRejected) {
  const std::string payload = payload_with(R"("sub":"mallory","role":"admin")");
  const std::string none =
      base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + base64url_encode(payload) + ".";
  EXPECT_EQ(verify_error(none), JwtError::bad_algorithm);
  const std::string none_upper =
      base64url_encode(R"({"alg":"None"})") + "." + base64url_encode(payload) + ".";
  EXPECT_EQ(verify_error(none_upper), JwtError::bad_algorithm);
  // The algorithm is judged first, even when other header members are wrong too.
  const std::string none_bad_typ =
      base64url_encode(R"({"typ":"JWS","alg":"none"})") + "." + base64url_encode(payload) + ".";
  EXPECT_EQ(verify_error(none_bad_typ), JwtError::bad_algorithm);
}

TEST(Jwt, OtherAlgorithmsAreRejectedEvenWithAValidHmac) {
  const std::string payload = payload_with(R"("sub":"bob")");
  for (std::string_view header :
       {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"hs256"})",
        R"({"typ":"JWT"})", R"({"alg":256})", R"({"alg":null})",
        R"({"alg":"HS256","alg":"none"})"}) {
    EXPECT_EQ(verify_error(make_token(header, payload)), JwtError::bad_algorithm) << header;
  }
}

TEST(Jwt, HeaderVariants) {
  const std::string payload = payload_with(R"("sub":"bob")");
  EXPECT_TRUE(jwt_verify(make_token(R"({"alg":"HS256"})", payload), kSecret, kNow).claims);
  EXPECT_TRUE(
      jwt_verify(make_token(R"({"typ":"jwt","kid":"k1","alg":"HS256"})", payload), kSecret, kNow)
          .claims);
  EXPECT_EQ(verify_error(make_token(R"({"alg":"HS256","typ":"JWS"})", payload)),
            JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(R"({"alg":"HS256","crit":["exp"]})", payload)),
            JwtError::malformed);
}

TEST(Jwt, Malformed) {
  const std::string token = jwt_sign(sample_claims(), kSecret);
  const std::size_t dot2 = token.rfind('.');
  EXPECT_EQ(verify_error(""), JwtError::malformed);
  EXPECT_EQ(verify_error("abc"), JwtError::malformed);
  EXPECT_EQ(verify_error(token.substr(0, dot2)), JwtError::malformed);  // two parts
  EXPECT_EQ(verify_error(token + ".x"), JwtError::malformed);           // four parts
  EXPECT_EQ(verify_error("*" + token.substr(1)), JwtError::malformed);  // bad base64 header
  EXPECT_EQ(verify_error(token + "="), JwtError::malformed);            // padded signature
  EXPECT_EQ(verify_error(token.substr(0, dot2 + 1) + "a+b/"), JwtError::malformed);
  EXPECT_EQ(verify_error(base64url_encode("not json") + "." + base64url_encode("{}") + ".AA"),
            JwtError::malformed);
  EXPECT_EQ(verify_error(base64url_encode("[1]") + "." + base64url_encode("{}") + ".AA"),
            JwtError::malformed);
}

TEST(Jwt, MalformedPayloadAfterAValidSignature) {
  EXPECT_EQ(verify_error(make_token(kHs256, "not json")), JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, R"(["sub"])")), JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":42)"))), JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","guest":"yes")"))),
            JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, R"({"sub":"a","exp":"soon"})")), JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","sub":"b")"))),
            JwtError::malformed);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","name":7)"))),
            JwtError::malformed);
}

TEST(Jwt, InvalidClaims) {
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(""))), JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"")"))),
            JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a:b")"))),
            JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","role":"superuser")"))),
            JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","name":"")"))),
            JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, payload_with(R"("sub":"a","name":"x\ny")"))),
            JwtError::invalid_claims);
  EXPECT_EQ(verify_error(make_token(kHs256, R"({"sub":"a"})")), JwtError::invalid_claims);
}

TEST(Jwt, EveryRole) {
  for (Role role : {Role::customer, Role::staff, Role::bot, Role::admin}) {
    Claims c = sample_claims();
    c.role = role;
    const JwtResult r = jwt_verify(jwt_sign(c, kSecret), kSecret, kNow);
    ASSERT_TRUE(r.claims.has_value());
    EXPECT_EQ(r.claims->role, role);
  }
}

TEST(Jwt, InteroperatesWithTokensFromOtherLibraries) {
  // jwt.io's HS256 example: the signature must verify; it carries no exp, so the claims fail.
  const std::string jwt_io =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  EXPECT_EQ(jwt_verify(jwt_io, "your-256-bit-secret", kNow).error, JwtError::invalid_claims);
  EXPECT_EQ(jwt_verify(jwt_io, "your-256-bit-secreT", kNow).error, JwtError::bad_signature);
}

TEST(Jwt, ErrorNames) {
  EXPECT_EQ(to_string(JwtError::malformed), "malformed");
  EXPECT_EQ(to_string(JwtError::bad_algorithm), "bad_algorithm");
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(JwtError::expired), "expired");
  EXPECT_EQ(to_string(JwtError::invalid_claims), "invalid_claims");
}

TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
}

TEST(Base64Url, UrlAlphabetAndBinary) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64url_decode(base64url_encode(all)), all);
}

TEST(Base64Url, StrictDecoding) {
  for (std::string_view bad :
       {"Zg==", "Zg=", "Z", "Zh", "Zm9", "Zm9vY", "+/8", "Zm 9v", "Zm9v\n", "Zm9v."}) {
    // "Zh" and "Zm9" are non-canonical: their unused trailing bits are not zero.
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace parley::protocol
