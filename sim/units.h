// sim/units.h: sizes and bandwidths with the scenario format's units.
//
// Sizes are int64 bytes ("512B", "4KB" = 4000, "4KiB" = 4096, "64MB", "1GiB", "4TB").
// Bandwidths are int64 bits per second ("10Gbps", "400Mbps", "150MB/s" = 1.2e9 bps).
// As with durations, a bare number is rejected: the unit must be written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace sim {

struct Bytes {
    int64_t value = 0;
    constexpr auto operator<=>(const Bytes&) const = default;
    static std::optional<Bytes> parse(std::string_view text, std::string* error = nullptr);
    std::string to_string() const;  // "4KiB", "64MB", "1234B"
};

struct Bandwidth {
    int64_t bits_per_s = 0;
    constexpr auto operator<=>(const Bandwidth&) const = default;
    static std::optional<Bandwidth> parse(std::string_view text, std::string* error = nullptr);
    std::string to_string() const;  // "10Gbps"
    // Time to put size_bytes on a link of this bandwidth, rounded up to whole ns.
    // REQUIRES: bits_per_s > 0.
    Duration transmit_time(int64_t size_bytes) const;
};

// Shared by the parsers: splits "1.5GiB" into number 1.5 and suffix "GiB".
// Returns false if text does not start with a non-negative decimal number.
bool split_number_unit(std::string_view text, double* number, std::string_view* unit);

}  // namespace sim
