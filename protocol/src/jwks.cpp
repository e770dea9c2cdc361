// JWKS parsing (RFC 7517, RFC 7518 6.2/6.3) into OpenSSL public keys, and RS256/ES256 checks.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <string>

#include "json_dom.hpp"
#include "jwks_impl.hpp"

namespace parley::protocol {
namespace {

constexpr std::size_t kMaxKeys = 100;
constexpr int kMinRsaBits = 2048;

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

Bn to_bn(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr),
            BN_free);
}

// A key from OSSL_PARAMs built by `fill` (EVP_PKEY_fromdata, public key only).
template <class F>
Pkey from_params(const char* type, F&& fill) {
  Pkey out(nullptr, EVP_PKEY_free);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return out;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* pkey = nullptr;
  if (fill(bld) && (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
      (ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)) != nullptr &&
      EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1) {
    out.reset(pkey);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return out;
}

// A base64url member of a JWK, decoded; nullopt when absent, not a string or not base64url.
std::optional<std::string> b64_member(simdjson::dom::object jwk, std::string_view name) {
  std::string_view s;
  if (jwk[name].get_string().get(s)) return std::nullopt;
  return base64url_decode(s);
}

Pkey rsa_key(simdjson::dom::object jwk, std::string* why) {
  auto n = b64_member(jwk, "n"), e = b64_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) {
    *why = "an RSA key needs base64url \"n\" and \"e\"";
    return Pkey(nullptr, EVP_PKEY_free);
  }
  Bn bn_n = to_bn(*n), bn_e = to_bn(*e);
  if (!bn_n || !bn_e) return Pkey(nullptr, EVP_PKEY_free);
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) {
    *why = "RSA keys shorter than 2048 bits are refused";
    return Pkey(nullptr, EVP_PKEY_free);
  }
  Pkey key = from_params("RSA", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
  });
  if (!key) *why = "OpenSSL refused the RSA key";
  return key;
}

Pkey ec_key(simdjson::dom::object jwk, std::string* why) {
  std::string_view crv;
  if (jwk["crv"].get_string().get(crv) || crv != "P-256") {
    *why = "only EC keys on crv \"P-256\" are supported";
    return Pkey(nullptr, EVP_PKEY_free);
  }
  auto x = b64_member(jwk, "x"), y = b64_member(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    *why = "a P-256 key needs 32-byte base64url \"x\" and \"y\"";
    return Pkey(nullptr, EVP_PKEY_free);
  }
  std::string point = "\x04" + *x + *y;  // uncompressed (SEC 1 2.3.3)
  Pkey key = from_params("EC", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()) == 1;
  });
  if (!key) *why = "the point is not on P-256";
  return key;
}

}  // namespace

KeySet::KeySet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeySet::~KeySet() = default;
std::size_t KeySet::size() const { return impl_->keys.size(); }
const std::vector<std::string>& KeySet::skipped() const { return impl_->skipped; }

std::vector<std::string> KeySet::kids() const {
  std::vector<std::string> out;
  for (const auto& k : impl_->keys) out.push_back(k.kid);
  return out;
}

std::shared_ptr<const KeySet> KeySet::parse(std::string_view jwks_json, std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  simdjson::dom::element root;
  simdjson::dom::array list;
  if (detail::parse_json(jwks_json, root) || root["keys"].get_array().get(list)) {
    *error = "not a JWKS: a JSON object with a \"keys\" array is expected";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  std::size_t index = 0;
  for (simdjson::dom::element el : list) {
    ++index;
    simdjson::dom::object jwk;
    std::string_view kid, kty, alg, use;
    const bool has_kid = !el["kid"].get_string().get(kid);
    const std::string name =
        has_kid ? "key \"" + std::string(kid) + "\"" : "key " + std::to_string(index);
    if (el.get_object().get(jwk) || jwk["kty"].get_string().get(kty)) {
      impl->skipped.push_back(name + ": not a JWK (an object with \"kty\")");
      continue;
    }
    if (!jwk["use"].get_string().get(use) && use != "sig") {
      impl->skipped.push_back(name + ": \"use\" is \"" + std::string(use) + "\", not \"sig\"");
      continue;
    }
    const bool has_alg = !jwk["alg"].get_string().get(alg);
    std::string why;
    Impl::Key key;
    key.kid = has_kid ? std::string(kid) : std::string();
    if (kty == "RSA") {
      key.alg = JwsAlg::rs256;
      if (has_alg && alg != "RS256")
        why = "alg \"" + std::string(alg) + "\" is not supported (RS256 is)";
      if (why.empty()) key.pkey = rsa_key(jwk, &why);
    } else if (kty == "EC") {
      key.alg = JwsAlg::es256;
      if (has_alg && alg != "ES256")
        why = "alg \"" + std::string(alg) + "\" is not supported (ES256 is)";
      if (why.empty()) key.pkey = ec_key(jwk, &why);
    } else {
      why = "kty \"" + std::string(kty) + "\" is not supported (RSA and EC are)";
    }
    if (!key.pkey) {
      impl->skipped.push_back(name + ": " + (why.empty() ? "unusable" : why));
      continue;
    }
    if (impl->keys.size() == kMaxKeys) {
      *error = "more than " + std::to_string(kMaxKeys) + " keys";
      return nullptr;
    }
    impl->keys.push_back(std::move(key));
  }
  if (impl->keys.empty()) {
    *error = "no usable key (RS256 or ES256)";
    for (const auto& s : impl->skipped) *error += "; " + s;
    return nullptr;
  }
  return std::shared_ptr<const KeySet>(new KeySet(std::move(impl)));
}

std::shared_ptr<const KeySet> KeySet::combine(const KeySet& a, const KeySet& b) {
  auto impl = std::make_unique<Impl>();
  for (const KeySet* set : {&a, &b}) {
    for (const auto& k : set->impl_->keys) {
      Impl::Key copy;
      copy.kid = k.kid;
      copy.alg = k.alg;
      if (EVP_PKEY_up_ref(k.pkey.get()) != 1) continue;
      copy.pkey.reset(k.pkey.get());
      impl->keys.push_back(std::move(copy));
    }
    impl->skipped.insert(impl->skipped.end(), set->impl_->skipped.begin(),
                         set->impl_->skipped.end());
  }
  return std::shared_ptr<const KeySet>(new KeySet(std::move(impl)));
}

std::shared_ptr<const KeySet> KeySet::none() {
  return std::shared_ptr<const KeySet>(new KeySet(std::make_unique<Impl>()));
}

const KeySet::Impl::Key* KeySet::Impl::find(const std::optional<std::string>& kid, JwsAlg alg,
                                            JwtError* error) const {
  const Key* found = nullptr;
  if (kid) {
    for (const auto& k : keys) {
      if (k.kid == *kid) found = &k;
    }
  } else {
    for (const auto& k : keys) {
      if (k.alg != alg) continue;
      if (found != nullptr) {  // several candidates: a token must name its key
        *error = JwtError::unknown_key;
        return nullptr;
      }
      found = &k;
    }
  }
  if (found == nullptr) {
    *error = JwtError::unknown_key;
    return nullptr;
  }
  if (found->alg != alg) {  // an algorithm the key does not allow
    *error = JwtError::bad_algorithm;
    return nullptr;
  }
  return found;
}

bool verify_signature(const KeySet::Impl::Key& key, std::string_view data,
                      std::string_view signature) {
  std::string der;
  std::string_view sig = signature;
  if (key.alg == JwsAlg::es256) {
    // JWS carries r||s (32 bytes each); OpenSSL verifies DER ECDSA-Sig-Value.
    if (signature.size() != 64) return false;
    ECDSA_SIG* s = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr);
    BIGNUM* v =
        BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr);
    if (s == nullptr || r == nullptr || v == nullptr || ECDSA_SIG_set0(s, r, v) != 1) {
      BN_free(r);
      BN_free(v);
      ECDSA_SIG_free(s);
      return false;
    }
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(s, &out);
    ECDSA_SIG_free(s);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
    sig = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = false;
  if (EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1) {
    if (key.alg == JwsAlg::rs256) {
      EVP_PKEY_CTX* pctx = EVP_MD_CTX_get_pkey_ctx(ctx);
      ok = pctx != nullptr && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    } else {
      ok = true;
    }
    ok = ok &&
         EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace parley::protocol
