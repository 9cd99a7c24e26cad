// Durations, sizes and bandwidths: parsing with units, printing, arithmetic.
#include <doctest/doctest.h>

#include "sim/time.h"
#include "sim/units.h"

using sim::Duration;

TEST_CASE("time: durations parse with every unit and print back") {
    CHECK(Duration::parse("250us")->ns() == 250'000);
    CHECK(Duration::parse("10ms")->ns() == 10'000'000);
    CHECK(Duration::parse("2s")->ns() == 2'000'000'000);
    CHECK(Duration::parse("5m")->ns() == 300'000'000'000);
    CHECK(Duration::parse("1h")->ns() == 3'600'000'000'000);
    CHECK(Duration::parse("1.5s")->ns() == 1'500'000'000);
    CHECK(Duration::parse("0")->ns() == 0);
    CHECK(Duration::parse("7ns")->ns() == 7);
    CHECK(Duration::parse("250us")->to_string() == "250us");
    CHECK(Duration::seconds(300).to_string() == "5m");
    CHECK(Duration::millis(1500).to_string() == "1500ms");
    CHECK(Duration::zero().to_string() == "0s");
    CHECK(sim::Time::from_ns(12'000'000'100).to_string() == "12.000000100s");
}

TEST_CASE("time: a number without a unit is an error, never nanoseconds") {
    std::string err;
    CHECK_FALSE(Duration::parse("30", &err));
    CHECK(err == "missing unit (ns, us, ms, s, m or h)");
    CHECK_FALSE(Duration::parse("3 sec", &err));
    CHECK_FALSE(Duration::parse("3sec", &err));
    CHECK(err == "unknown unit 'sec' (use ns, us, ms, s, m or h)");
    CHECK_FALSE(Duration::parse("", &err));
    CHECK_FALSE(Duration::parse("s", &err));
    CHECK_FALSE(Duration::parse("99999999999h", &err));
    CHECK(err == "too large (over 292 years)");
}

TEST_CASE("time: arithmetic and ordering") {
    using namespace sim::literals;
    sim::Time t = sim::Time::zero() + 5_ms;
    CHECK((t + 250_us).ns() == 5'250'000);
    CHECK((t - sim::Time::zero()) == 5_ms);
    CHECK(3_s / 1_s == 3);
    CHECK(1_s > 999_ms);
    CHECK(Duration::from_seconds(0.0000015).ns() == 1500);
}

TEST_CASE("units: sizes in decimal and binary units") {
    CHECK(sim::Bytes::parse("512B")->value == 512);
    CHECK(sim::Bytes::parse("4KB")->value == 4000);
    CHECK(sim::Bytes::parse("4KiB")->value == 4096);
    CHECK(sim::Bytes::parse("64MB")->value == 64'000'000);
    CHECK(sim::Bytes::parse("1GiB")->value == 1LL << 30);
    CHECK(sim::Bytes::parse("4TB")->value == 4'000'000'000'000);
    CHECK(sim::Bytes::parse("1.5KiB")->value == 1536);
    CHECK(sim::Bytes{4096}.to_string() == "4KiB");
    CHECK(sim::Bytes{64'000'000}.to_string() == "64MB");
    std::string err;
    CHECK_FALSE(sim::Bytes::parse("4096", &err));
    CHECK(err.find("missing unit") == 0);
    CHECK_FALSE(sim::Bytes::parse("4kb", &err));
    CHECK(err.find("unknown size unit 'kb'") == 0);
}

TEST_CASE("units: bandwidths and transmit time") {
    CHECK(sim::Bandwidth::parse("10Gbps")->bits_per_s == 10'000'000'000);
    CHECK(sim::Bandwidth::parse("400Mbps")->bits_per_s == 400'000'000);
    CHECK(sim::Bandwidth::parse("150MB/s")->bits_per_s == 1'200'000'000);
    CHECK(sim::Bandwidth{10'000'000'000}.to_string() == "10Gbps");
    // 1250 bytes at 10 Gbps = 10000 bits / 1e10 = 1 us.
    CHECK(sim::Bandwidth{10'000'000'000}.transmit_time(1250).ns() == 1000);
    // Rounded up to a whole nanosecond.
    CHECK(sim::Bandwidth{10'000'000'000}.transmit_time(1).ns() == 1);
    // Large sizes take the 128-bit path: 4 GiB at 200 MB/s.
    CHECK(sim::Bandwidth{1'600'000'000}.transmit_time(4LL << 30).ns() == 21'474'836'480);
}
