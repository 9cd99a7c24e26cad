#include "sim/time.h"

#include <cmath>
#include <cstdio>

#include "sim/int128.h"
#include "sim/units.h"

namespace sim {

namespace {

struct UnitNs {
    std::string_view name;
    int64_t ns;
};

// Largest first: to_string picks the largest unit that divides the value exactly.
constexpr UnitNs kDurationUnits[] = {
    {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
    {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1},
};

// Parses a non-negative decimal "123" or "12.5" exactly into mantissa and scale.
bool parse_decimal(std::string_view text, int128* mantissa, int* scale, size_t* consumed) {
    int128 m = 0;
    int frac_digits = 0;
    bool seen_digit = false;
    bool seen_dot = false;
    size_t i = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            seen_digit = true;
            if (m > (static_cast<int128>(1) << 100)) return false;  // absurdly long
            m = m * 10 + (c - '0');
            if (seen_dot) ++frac_digits;
        } else if (c == '.' && !seen_dot) {
            seen_dot = true;
        } else {
            break;
        }
    }
    if (!seen_digit) return false;
    if (frac_digits > 18) return false;
    *mantissa = m;
    *scale = frac_digits;
    *consumed = i;
    return true;
}

}  // namespace

Duration Duration::from_seconds(double s) { return Duration(static_cast<int64_t>(std::llround(s * 1e9))); }

std::string Duration::to_string() const {
    if (ns_ == 0) return "0s";
    int64_t v = ns_ < 0 ? -ns_ : ns_;
    std::string sign = ns_ < 0 ? "-" : "";
    for (const auto& u : kDurationUnits) {
        if (v % u.ns == 0) return sign + std::to_string(v / u.ns) + std::string(u.name);
    }
    return sign + std::to_string(v) + "ns";
}

std::optional<Duration> Duration::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string msg) -> std::optional<Duration> {
        if (error) *error = std::move(msg);
        return std::nullopt;
    };
    if (text == "0") return Duration(0);
    bool negative = false;
    std::string_view body = text;
    if (!body.empty() && body.front() == '-') {
        negative = true;
        body.remove_prefix(1);
    }
    int128 mantissa = 0;
    int scale = 0;
    size_t used = 0;
    if (!parse_decimal(body, &mantissa, &scale, &used)) return fail("not a number with a unit");
    std::string_view unit = body.substr(used);
    if (unit.empty()) return fail("missing unit (ns, us, ms, s, m or h)");
    int64_t unit_ns = 0;
    for (const auto& u : kDurationUnits) {
        if (u.name == unit) unit_ns = u.ns;
    }
    if (unit == "min") unit_ns = 60'000'000'000;
    if (unit_ns == 0) return fail("unknown unit '" + std::string(unit) + "' (use ns, us, ms, s, m or h)");
    int128 pow10 = 1;
    for (int i = 0; i < scale; ++i) pow10 *= 10;
    int128 total = mantissa * unit_ns;
    int128 ns = (total + pow10 / 2) / pow10;
    if (ns > std::numeric_limits<int64_t>::max()) return fail("too large (over 292 years)");
    int64_t out = static_cast<int64_t>(ns);
    return Duration(negative ? -out : out);
}

std::string Time::to_string() const {
    char buf[48];
    int64_t v = ns_ < 0 ? -ns_ : ns_;
    std::snprintf(buf, sizeof buf, "%s%lld.%09llds", ns_ < 0 ? "-" : "", static_cast<long long>(v / 1'000'000'000),
                  static_cast<long long>(v % 1'000'000'000));
    return buf;
}

bool split_number_unit(std::string_view text, double* number, std::string_view* unit) {
    int128 mantissa = 0;
    int scale = 0;
    size_t used = 0;
    if (!parse_decimal(text, &mantissa, &scale, &used)) return false;
    double v = static_cast<double>(mantissa);
    for (int i = 0; i < scale; ++i) v /= 10.0;
    *number = v;
    *unit = text.substr(used);
    return true;
}

namespace {

struct UnitScale {
    std::string_view name;
    int64_t factor;
};

template <typename Table>
std::optional<int64_t> parse_scaled(std::string_view text, const Table& table, std::string_view what,
                                    std::string* error) {
    auto fail = [&](std::string msg) -> std::optional<int64_t> {
        if (error) *error = std::move(msg);
        return std::nullopt;
    };
    int128 mantissa = 0;
    int scale = 0;
    size_t used = 0;
    if (!parse_decimal(text, &mantissa, &scale, &used)) return fail("not a number with a unit");
    std::string_view unit = text.substr(used);
    std::string names;
    for (const auto& u : table) names += (names.empty() ? "" : ", ") + std::string(u.name);
    if (unit.empty()) {
        if (mantissa == 0) return 0;
        return fail("missing unit (" + names + ")");
    }
    int64_t factor = 0;
    for (const auto& u : table) {
        if (u.name == unit) factor = u.factor;
    }
    if (factor == 0) return fail("unknown " + std::string(what) + " unit '" + std::string(unit) + "' (use " + names + ")");
    int128 pow10 = 1;
    for (int i = 0; i < scale; ++i) pow10 *= 10;
    int128 v = (mantissa * factor + pow10 / 2) / pow10;
    if (v > std::numeric_limits<int64_t>::max()) return fail("too large");
    return static_cast<int64_t>(v);
}

constexpr UnitScale kSizeUnits[] = {
    {"B", 1},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
    {"PB", 1'000'000'000'000'000},
    {"KiB", int64_t{1} << 10},
    {"MiB", int64_t{1} << 20},
    {"GiB", int64_t{1} << 30},
    {"TiB", int64_t{1} << 40},
    {"PiB", int64_t{1} << 50},
};

constexpr UnitScale kBandwidthUnits[] = {
    {"bps", 1},
    {"Kbps", 1'000},
    {"Mbps", 1'000'000},
    {"Gbps", 1'000'000'000},
    {"Tbps", 1'000'000'000'000},
    {"B/s", 8},
    {"KB/s", 8'000},
    {"MB/s", 8'000'000},
    {"GB/s", 8'000'000'000},
    {"KiB/s", int64_t{8} << 10},
    {"MiB/s", int64_t{8} << 20},
    {"GiB/s", int64_t{8} << 30},
};

}  // namespace

std::optional<Bytes> Bytes::parse(std::string_view text, std::string* error) {
    auto v = parse_scaled(text, kSizeUnits, "size", error);
    if (!v) return std::nullopt;
    return Bytes{*v};
}

std::string Bytes::to_string() const {
    if (value == 0) return "0B";
    // The exact form with the smallest number; binary units win ties ("4KiB", "64MB").
    const UnitScale* best = &kSizeUnits[0];
    for (int i = 10; i >= 1; --i) {
        const auto& u = kSizeUnits[i];
        if (value % u.factor == 0 && value / u.factor < value / best->factor) best = &u;
    }
    return std::to_string(value / best->factor) + std::string(best->name);
}

std::optional<Bandwidth> Bandwidth::parse(std::string_view text, std::string* error) {
    auto v = parse_scaled(text, kBandwidthUnits, "bandwidth", error);
    if (!v) return std::nullopt;
    return Bandwidth{*v};
}

std::string Bandwidth::to_string() const {
    for (int i = 4; i >= 0; --i) {
        if (bits_per_s != 0 && bits_per_s % kBandwidthUnits[i].factor == 0)
            return std::to_string(bits_per_s / kBandwidthUnits[i].factor) + std::string(kBandwidthUnits[i].name);
    }
    return std::to_string(bits_per_s) + "bps";
}

Duration Bandwidth::transmit_time(int64_t size_bytes) const {
    if (size_bytes < 1'000'000'000) {
        // Fits in 64 bits: size * 8e9 < 8e18.
        const int64_t scaled = size_bytes * 8'000'000'000;
        return Duration::nanos((scaled + bits_per_s - 1) / bits_per_s);
    }
    int128 bits = static_cast<int128>(size_bytes) * 8 * 1'000'000'000;
    int128 ns = (bits + bits_per_s - 1) / bits_per_s;
    return Duration::nanos(static_cast<int64_t>(ns));
}

}  // namespace sim
