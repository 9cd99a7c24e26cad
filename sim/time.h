// sim/time.h: simulated time as strong int64-nanosecond types.
//
// Duration is a signed span; Time is an instant measured from the start of a run.
// Both are plain values (8 bytes). There is no wall clock anywhere in the kernel:
// wall time appears only in progress output and report fields named *_wall_*.
// Parsing accepts the scenario format's units ("250us", "10ms", "2s", "5m", "1h",
// "1.5s", "0"); a bare number other than "0" is rejected so a missing unit is never
// silently read as nanoseconds.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace sim {

class Duration {
public:
    constexpr Duration() = default;
    static constexpr Duration nanos(int64_t n) { return Duration(n); }
    static constexpr Duration micros(int64_t n) { return Duration(n * 1'000); }
    static constexpr Duration millis(int64_t n) { return Duration(n * 1'000'000); }
    static constexpr Duration seconds(int64_t n) { return Duration(n * 1'000'000'000); }
    static constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
    static constexpr Duration hours(int64_t n) { return seconds(n * 3600); }
    // Rounds to the nearest nanosecond (determinism rule 4: floating point only
    // where the result is immediately rounded to integer nanoseconds).
    static Duration from_seconds(double s);
    static constexpr Duration zero() { return Duration(0); }
    static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }

    constexpr int64_t ns() const { return ns_; }
    constexpr double to_seconds() const { return static_cast<double>(ns_) * 1e-9; }
    constexpr double to_millis() const { return static_cast<double>(ns_) * 1e-6; }

    constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
    constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
    constexpr Duration operator-() const { return Duration(-ns_); }
    constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
    constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
    constexpr int64_t operator/(Duration o) const { return ns_ / o.ns_; }
    constexpr Duration operator%(Duration o) const { return Duration(ns_ % o.ns_); }
    constexpr Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
    constexpr Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }
    constexpr auto operator<=>(const Duration&) const = default;

    // Shortest exact form in the largest unit that divides it: "250us", "5m", "1500ms".
    std::string to_string() const;
    // Parses "250us" / "1.5s" / "0". On failure returns nullopt and, if error is
    // given, a sentence saying what was wrong ("missing unit", "unknown unit 'sec'").
    static std::optional<Duration> parse(std::string_view text, std::string* error = nullptr);

private:
    constexpr explicit Duration(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

class Time {
public:
    constexpr Time() = default;
    static constexpr Time zero() { return Time(); }
    static constexpr Time from_ns(int64_t ns) { return Time(ns); }
    static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }

    constexpr int64_t ns() const { return ns_; }
    constexpr double to_seconds() const { return static_cast<double>(ns_) * 1e-9; }
    constexpr Duration since_start() const { return Duration::nanos(ns_); }

    constexpr Time operator+(Duration d) const { return Time(ns_ + d.ns()); }
    constexpr Time operator-(Duration d) const { return Time(ns_ - d.ns()); }
    constexpr Duration operator-(Time o) const { return Duration::nanos(ns_ - o.ns_); }
    constexpr Time& operator+=(Duration d) { ns_ += d.ns(); return *this; }
    constexpr auto operator<=>(const Time&) const = default;

    // "12.345678s" style, exact to the nanosecond, for logs and messages.
    std::string to_string() const;

private:
    constexpr explicit Time(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

constexpr Time operator+(Duration d, Time t) { return t + d; }

namespace literals {
constexpr Duration operator""_ns(unsigned long long n) { return Duration::nanos(static_cast<int64_t>(n)); }
constexpr Duration operator""_us(unsigned long long n) { return Duration::micros(static_cast<int64_t>(n)); }
constexpr Duration operator""_ms(unsigned long long n) { return Duration::millis(static_cast<int64_t>(n)); }
constexpr Duration operator""_s(unsigned long long n) { return Duration::seconds(static_cast<int64_t>(n)); }
constexpr Duration operator""_min(unsigned long long n) { return Duration::minutes(static_cast<int64_t>(n)); }
}  // namespace literals

}  // namespace sim
