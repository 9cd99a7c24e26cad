// models/partition/key.h: the sorted key space of the Blob Table and its key ranges.
//
// A blob's key is (account, container, blob name). The partition layer orders keys in
// one byte-string key space: the three parts joined by '\0' (a byte no name contains),
// so byte order of encoded keys equals the lexicographic order of the triples ("a" <
// "ab" holds for the account part because '\0' sorts below every name byte).
// A KeyRange is the half-open interval [low, high) of encoded keys; an empty `high`
// means +infinity, so the range {"", ""} is the whole key space.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace models::partition {

struct BlobKey {
    std::string account;
    std::string container;
    std::string blob;
    auto operator<=>(const BlobKey&) const = default;
};

// REQUIRES: no part contains '\0'.
std::string encode_key(std::string_view account, std::string_view container, std::string_view blob);
inline std::string encode_key(const BlobKey& k) { return encode_key(k.account, k.container, k.blob); }
BlobKey decode_key(std::string_view encoded);
// The account part of an encoded key (throttling groups requests by account).
std::string_view key_account(std::string_view encoded);

// A range partition's identity. Never reused within a partition map.
struct RangeId {
    uint64_t value = 0;
    constexpr bool valid() const { return value != 0; }
    constexpr auto operator<=>(const RangeId&) const = default;
};

struct KeyRange {
    std::string low;   // inclusive
    std::string high;  // exclusive; empty = +infinity

    bool unbounded_above() const { return high.empty(); }
    bool contains(std::string_view key) const {
        return key >= std::string_view(low) && (high.empty() || key < std::string_view(high));
    }
    // True if some key with this prefix can lie in the range.
    bool may_contain_prefix(std::string_view prefix) const;
    bool operator==(const KeyRange&) const = default;
};

// "[low, high)" with '\0' shown as '/', for messages.
std::string to_string(const KeyRange& r);
std::string printable_key(std::string_view key);

}  // namespace models::partition
