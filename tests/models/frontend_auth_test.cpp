// Request signing: HMAC-SHA256 against RFC 4231, and each kind of bad request refused.
#include <doctest/doctest.h>

#include "models/frontend/auth.h"

using namespace models::frontend;
using namespace sim::literals;

TEST_CASE("auth: HMAC-SHA256 matches RFC 4231 test cases 1 and 2") {
    Key k1(20, 0x0b);
    CHECK(to_hex(hmac_sha256(k1, "Hi There")) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    Key k2{'J', 'e', 'f', 'e'};
    CHECK(to_hex(hmac_sha256(k2, "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("auth: a correctly signed request passes; every altered or wrongly signed one fails") {
    const Key key = derive_account_key(1, "photos");
    const Key other = derive_account_key(1, "logs");
    CHECK(key != other);
    CHECK(key == derive_account_key(1, "photos"));
    CHECK(key != derive_account_key(2, "photos"));
    SignedFields f{"put", "photos", "c0", "k0000000001", sim::Time::zero() + 10_s, 0xabcdef, 4096};
    const Signature sig = sign(f, key);
    const sim::Time now = sim::Time::zero() + 11_s;
    CHECK(verify(f, sig, &key, now, 15_min) == AuthResult::kOk);
    CHECK(verify(f, std::nullopt, &key, now, 15_min) == AuthResult::kMissingSignature);
    CHECK(verify(f, sign(f, other), &key, now, 15_min) == AuthResult::kBadSignature);
    CHECK(verify(f, sig, nullptr, now, 15_min) == AuthResult::kUnknownAccount);
    SignedFields altered = f;
    altered.content_fingerprint ^= 1;
    CHECK(verify(altered, sig, &key, now, 15_min) == AuthResult::kBadSignature);
    altered = f;
    altered.blob = "k0000000002";
    CHECK(verify(altered, sig, &key, now, 15_min) == AuthResult::kBadSignature);
    // Replayed an hour later: outside the skew window.
    CHECK(verify(f, sig, &key, now + 1_min * 60, 15_min) == AuthResult::kStale);
    CHECK(canonical_form(f) == "put\nphotos\n/c0/k0000000001\n10000000000\n0000000000abcdef\n4096");
}
