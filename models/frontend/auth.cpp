#include "models/frontend/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "sim/check.h"

namespace models::frontend {

std::string canonical_form(const SignedFields& f) {
    char tail[96];
    std::snprintf(tail, sizeof tail, "%lld\n%016llx\n%lld", static_cast<long long>(f.client_time.ns()),
                  static_cast<unsigned long long>(f.content_fingerprint), static_cast<long long>(f.size_bytes));
    std::string s;
    s.reserve(f.operation.size() + f.account.size() + f.container.size() + f.blob.size() + 100);
    s += f.operation;
    s += '\n';
    s += f.account;
    s += "\n/";
    s += f.container;
    s += '/';
    s += f.blob;
    s += '\n';
    s += tail;
    return s;
}

Signature hmac_sha256(const Key& key, std::string_view message) {
    Signature out{};
    unsigned int len = 0;
    const unsigned char* result = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                       out.data(), &len);
    SIM_ASSERT(result != nullptr && len == out.size(), "HMAC-SHA256 failed");
    return out;
}

Signature sign(const SignedFields& f, const Key& key) { return hmac_sha256(key, canonical_form(f)); }

const char* auth_result_name(AuthResult r) {
    switch (r) {
        case AuthResult::kOk: return "ok";
        case AuthResult::kMissingSignature: return "missing_signature";
        case AuthResult::kBadSignature: return "bad_signature";
        case AuthResult::kUnknownAccount: return "unknown_account";
        case AuthResult::kStale: return "stale";
    }
    return "?";
}

AuthResult verify(const SignedFields& f, const std::optional<Signature>& signature, const Key* key, sim::Time now,
                  sim::Duration skew_window) {
    if (!signature) return AuthResult::kMissingSignature;
    if (key == nullptr) return AuthResult::kUnknownAccount;
    const Signature expected = sign(f, *key);
    if (CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) return AuthResult::kBadSignature;
    const sim::Duration age = now - f.client_time;
    if (age > skew_window || -age > skew_window) return AuthResult::kStale;
    return AuthResult::kOk;
}

Key derive_account_key(uint64_t seed, std::string_view account) {
    Key seed_key(8);
    for (int i = 0; i < 8; ++i) seed_key[static_cast<size_t>(i)] = static_cast<uint8_t>(seed >> (8 * i));
    const Signature s = hmac_sha256(seed_key, std::string("stampsim account key\n") + std::string(account));
    return Key(s.begin(), s.end());
}

std::string to_hex(const Signature& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : s) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

}  // namespace models::frontend
