// models/frontend/auth.h: shared-key request signing, as the front-end checks it.
//
// A client signs the canonical form of a request with its account's key (HMAC-SHA256,
// OpenSSL). The canonical form covers what a replayed or altered request would change:
// operation, account, container, blob, the client's timestamp, the content fingerprint
// and size. The front-end recomputes the MAC with the key of the account named in the
// request and compares in constant time; a request without a signature, with a wrong
// one, signed with another account's key, or older than the skew window (a replay) is
// rejected. Keys not given in the scenario are derived from the seed per account.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace models::frontend {

using Signature = std::array<uint8_t, 32>;
using Key = std::vector<uint8_t>;

struct SignedFields {
    std::string operation;  // "put", "get", "delete", "list", "head"
    std::string account;
    std::string container;
    std::string blob;        // or the list prefix
    sim::Time client_time;   // the client's local clock when it signed
    uint64_t content_fingerprint = 0;
    int64_t size_bytes = 0;
};

std::string canonical_form(const SignedFields& f);
Signature hmac_sha256(const Key& key, std::string_view message);
Signature sign(const SignedFields& f, const Key& key);

enum class AuthResult : uint8_t { kOk, kMissingSignature, kBadSignature, kUnknownAccount, kStale };
const char* auth_result_name(AuthResult r);

// REQUIRES: key is the key of f.account, or nullptr if the account is unknown.
// `now` is the front-end's local clock; requests signed more than `skew_window` away from
// it (either direction) are stale.
AuthResult verify(const SignedFields& f, const std::optional<Signature>& signature, const Key* key, sim::Time now,
                  sim::Duration skew_window);

// A 32-byte key for an account without one in the scenario: HMAC(seed, account).
Key derive_account_key(uint64_t seed, std::string_view account);

std::string to_hex(const Signature& s);

}  // namespace models::frontend
