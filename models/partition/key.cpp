#include "models/partition/key.h"

#include "sim/check.h"

namespace models::partition {

std::string encode_key(std::string_view account, std::string_view container, std::string_view blob) {
    SIM_ASSERT(account.find('\0') == std::string_view::npos, "account name contains NUL");
    SIM_ASSERT(container.find('\0') == std::string_view::npos, "container name contains NUL");
    std::string k;
    k.reserve(account.size() + container.size() + blob.size() + 2);
    k.append(account);
    k.push_back('\0');
    k.append(container);
    k.push_back('\0');
    k.append(blob);
    return k;
}

BlobKey decode_key(std::string_view encoded) {
    BlobKey k;
    const size_t a = encoded.find('\0');
    if (a == std::string_view::npos) {
        k.account = std::string(encoded);
        return k;
    }
    k.account = std::string(encoded.substr(0, a));
    const size_t c = encoded.find('\0', a + 1);
    if (c == std::string_view::npos) {
        k.container = std::string(encoded.substr(a + 1));
        return k;
    }
    k.container = std::string(encoded.substr(a + 1, c - a - 1));
    k.blob = std::string(encoded.substr(c + 1));
    return k;
}

std::string_view key_account(std::string_view encoded) {
    const size_t a = encoded.find('\0');
    return a == std::string_view::npos ? encoded : encoded.substr(0, a);
}

bool KeyRange::may_contain_prefix(std::string_view prefix) const {
    // Keys with the prefix form the interval [prefix, prefix + 0xff...). It meets
    // [low, high) unless it lies wholly above high or wholly below low.
    if (!high.empty() && prefix >= std::string_view(high)) {
        return false;
    }
    if (std::string_view(low) > prefix && std::string_view(low).substr(0, prefix.size()) != prefix) {
        return false;
    }
    return true;
}

std::string printable_key(std::string_view key) {
    std::string s(key);
    for (char& c : s) {
        if (c == '\0') c = '/';
    }
    return s;
}

std::string to_string(const KeyRange& r) {
    return "[" + printable_key(r.low) + ", " + (r.high.empty() ? std::string("+inf") : printable_key(r.high)) + ")";
}

}  // namespace models::partition
