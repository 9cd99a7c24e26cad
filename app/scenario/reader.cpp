#include "app/scenario/reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/scenario/did_you_mean.h"

namespace app::scenario {

namespace {

std::string format_number(double x) {
    char buf[64];
    if (std::isfinite(x) && std::floor(x) == x && std::fabs(x) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", x);
        return buf;
    }
    // The shortest %g form that reads back as the same double.
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, x);
        if (std::strtod(buf, nullptr) == x) break;
    }
    return buf;
}

std::string int_range_text(IntRange r) {
    if (r.hi == std::numeric_limits<int64_t>::max()) {
        return "an integer >= " + std::to_string(r.lo);
    }
    return "an integer from " + std::to_string(r.lo) + " to " + std::to_string(r.hi);
}

std::string num_range_text(const NumRange& r) {
    if (r.lo && r.hi && !r.lo_open && !r.hi_open) {
        return "a number from " + format_number(*r.lo) + " to " + format_number(*r.hi);
    }
    std::string out = "a number";
    if (r.lo) out += (r.lo_open ? " > " : " >= ") + format_number(*r.lo);
    if (r.lo && r.hi) out += " and";
    if (r.hi) out += (r.hi_open ? " < " : " <= ") + format_number(*r.hi);
    return out;
}

bool in_range(double x, const NumRange& r) {
    if (r.lo && (r.lo_open ? x <= *r.lo : x < *r.lo)) return false;
    if (r.hi && (r.hi_open ? x >= *r.hi : x > *r.hi)) return false;
    return true;
}

// Integral JSON numbers, including 3.0 (JSON Schema counts it as an integer too).
std::optional<int64_t> as_int(const Json& v, bool* too_big) {
    *too_big = false;
    if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
    if (v.is_number_unsigned()) {
        uint64_t u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            *too_big = true;
            return std::nullopt;
        }
        return static_cast<int64_t>(u);
    }
    if (v.is_number_float()) {
        double x = v.get<double>();
        if (!std::isfinite(x) || std::floor(x) != x) return std::nullopt;
        if (std::fabs(x) >= 9.2e18) {
            *too_big = true;
            return std::nullopt;
        }
        return static_cast<int64_t>(x);
    }
    return std::nullopt;
}

}  // namespace

const Json& empty_object() {
    static const Json kEmpty = Json::object();
    return kEmpty;
}

std::string describe(const Json& value) {
    switch (value.type()) {
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::null: return "null";
        case Json::value_t::discarded: return "nothing";
        case Json::value_t::number_float: return format_number(value.get<double>());
        default: break;
    }
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 56) + "...\"";
    return text;
}

std::string one_of(const std::vector<std::string>& names) {
    std::string out = names.size() == 1 ? "" : "one of ";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += "\"" + names[i] + "\"";
    }
    return out;
}

std::string unknown_name_message(std::string_view what, const Json& v,
                                 const std::vector<std::string>& names) {
    std::string msg = "expected the name of " + std::string(what) + " (" + one_of(names) +
                      "), got " + describe(v);
    if (v.is_string()) {
        if (auto s = did_you_mean(v.get_ref<const std::string&>(), names)) {
            msg += "; did you mean \"" + *s + "\"?";
        }
    }
    return msg;
}

std::string unknown_value_message(const Json& v, const std::vector<std::string>& names) {
    std::string msg = "expected " + one_of(names) + ", got " + describe(v);
    if (v.is_string()) {
        if (auto s = did_you_mean(v.get_ref<const std::string&>(), names)) {
            msg += "; did you mean \"" + *s + "\"?";
        }
    }
    return msg;
}

std::optional<std::string> read_string(Diagnostics& d, const Json& v, const std::string& at) {
    if (v.is_string()) return v.get<std::string>();
    d.error(at, "expected a string, got " + describe(v));
    return std::nullopt;
}

std::optional<int64_t> read_int(Diagnostics& d, const Json& v, const std::string& at, IntRange r) {
    bool too_big = false;
    auto x = as_int(v, &too_big);
    if (!x || *x < r.lo || *x > r.hi) {
        d.error(at, "expected " + int_range_text(r) + ", got " + describe(v));
        return std::nullopt;
    }
    return x;
}

std::optional<double> read_number(Diagnostics& d, const Json& v, const std::string& at,
                                  const NumRange& r) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || !in_range(v.get<double>(), r)) {
        d.error(at, "expected " + num_range_text(r) + ", got " + describe(v));
        return std::nullopt;
    }
    return v.get<double>();
}

std::optional<bool> read_bool(Diagnostics& d, const Json& v, const std::string& at) {
    if (v.is_boolean()) return v.get<bool>();
    d.error(at, "expected true or false, got " + describe(v));
    return std::nullopt;
}

std::optional<sim::Duration> read_duration(Diagnostics& d, const Json& v, const std::string& at,
                                           DurationMin min) {
    if (!v.is_string()) {
        d.error(at, "expected a duration such as \"30s\", got " + describe(v));
        return std::nullopt;
    }
    std::string why;
    auto parsed = sim::Duration::parse(v.get_ref<const std::string&>(), &why);
    if (!parsed) {
        d.error(at, "expected a duration such as \"30s\", got " + describe(v) + ": " + why);
        return std::nullopt;
    }
    if (min == DurationMin::kPositive && *parsed <= sim::Duration::zero()) {
        d.error(at, "expected a duration > 0, got " + describe(v));
        return std::nullopt;
    }
    if (*parsed < sim::Duration::zero()) {
        d.error(at, "expected a duration >= 0, got " + describe(v));
        return std::nullopt;
    }
    return parsed;
}

std::optional<sim::Bytes> read_size(Diagnostics& d, const Json& v, const std::string& at,
                                    bool allow_zero) {
    if (!v.is_string()) {
        d.error(at, "expected a size such as \"64MiB\", got " + describe(v));
        return std::nullopt;
    }
    std::string why;
    auto parsed = sim::Bytes::parse(v.get_ref<const std::string&>(), &why);
    if (!parsed) {
        d.error(at, "expected a size such as \"64MiB\", got " + describe(v) + ": " + why);
        return std::nullopt;
    }
    if (!allow_zero && parsed->value <= 0) {
        d.error(at, "expected a size > 0, got " + describe(v));
        return std::nullopt;
    }
    return parsed;
}

std::optional<sim::Bandwidth> read_bandwidth(Diagnostics& d, const Json& v,
                                             const std::string& at) {
    if (!v.is_string()) {
        d.error(at, "expected a bandwidth such as \"10Gbps\", got " + describe(v));
        return std::nullopt;
    }
    std::string why;
    auto parsed = sim::Bandwidth::parse(v.get_ref<const std::string&>(), &why);
    if (!parsed) {
        d.error(at, "expected a bandwidth such as \"10Gbps\", got " + describe(v) + ": " + why);
        return std::nullopt;
    }
    if (parsed->bits_per_s <= 0) {
        d.error(at, "expected a bandwidth > 0, got " + describe(v));
        return std::nullopt;
    }
    return parsed;
}

// ---------------------------------------------------------------------------- ObjectReader

ObjectReader::ObjectReader(Diagnostics& diags, const Json& in, Json& out, std::string pointer,
                           std::string what)
    : diags_(diags), in_(in), out_(out), pointer_(std::move(pointer)) {
    is_object_ = in_.is_object();
    if (!is_object_) {
        diags_.error(pointer_, "expected " + what + ", got " + describe(in_));
    } else if (!out_.is_object()) {
        out_ = Json::object();
    }
}

bool ObjectReader::has(std::string_view key) const {
    return is_object_ && in_.contains(key);
}

void ObjectReader::declare(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        known_.emplace_back(key);
    }
}

const Json* ObjectReader::field(std::string_view key, Need need, std::string_view expected) {
    declare(key);
    if (!is_object_) return nullptr;
    auto it = in_.find(key);
    if (it == in_.end()) {
        // A misspelt required key is reported once, as an unknown key with a suggestion.
        bool misspelt = false;
        for (auto k = in_.begin(); k != in_.end(); ++k) {
            misspelt = misspelt || did_you_mean(k.key(), {std::string(key)}).has_value();
        }
        if (need == Need::kRequired && !misspelt) {
            diags_.error(at(key), "missing required key; expected " + std::string(expected));
        }
        return nullptr;
    }
    out_[std::string(key)] = *it;
    return &*it;
}

std::optional<std::string> ObjectReader::string(std::string_view key, Need need) {
    const Json* v = field(key, need, "a string");
    return v ? read_string(diags_, *v, at(key)) : std::nullopt;
}

std::string ObjectReader::string_or(std::string_view key, std::string_view fallback) {
    if (!has(key) && is_object_) out_[std::string(key)] = std::string(fallback);
    return string(key, Need::kOptional).value_or(std::string(fallback));
}

std::optional<int64_t> ObjectReader::integer(std::string_view key, IntRange r, Need need) {
    const Json* v = field(key, need, int_range_text(r));
    return v ? read_int(diags_, *v, at(key), r) : std::nullopt;
}

int64_t ObjectReader::integer_or(std::string_view key, int64_t fallback, IntRange r) {
    if (!has(key) && is_object_) out_[std::string(key)] = fallback;
    return integer(key, r, Need::kOptional).value_or(fallback);
}

std::optional<double> ObjectReader::number(std::string_view key, const NumRange& r, Need need) {
    const Json* v = field(key, need, num_range_text(r));
    return v ? read_number(diags_, *v, at(key), r) : std::nullopt;
}

double ObjectReader::number_or(std::string_view key, double fallback, const NumRange& r) {
    if (!has(key) && is_object_) out_[std::string(key)] = fallback;
    return number(key, r, Need::kOptional).value_or(fallback);
}

bool ObjectReader::boolean_or(std::string_view key, bool fallback) {
    if (!has(key) && is_object_) out_[std::string(key)] = fallback;
    const Json* v = field(key, Need::kOptional, "true or false");
    if (v == nullptr) return fallback;
    return read_bool(diags_, *v, at(key)).value_or(fallback);
}

std::optional<sim::Duration> ObjectReader::duration(std::string_view key, DurationMin min,
                                                    Need need) {
    const Json* v = field(key, need, "a duration such as \"30s\"");
    return v ? read_duration(diags_, *v, at(key), min) : std::nullopt;
}

sim::Duration ObjectReader::duration_or(std::string_view key, std::string_view fallback,
                                        DurationMin min) {
    if (!has(key) && is_object_) out_[std::string(key)] = std::string(fallback);
    auto def = sim::Duration::parse(fallback);
    return duration(key, min, Need::kOptional).value_or(def.value_or(sim::Duration::zero()));
}

std::optional<sim::Bytes> ObjectReader::size(std::string_view key, bool allow_zero, Need need) {
    const Json* v = field(key, need, "a size such as \"64MiB\"");
    return v ? read_size(diags_, *v, at(key), allow_zero) : std::nullopt;
}

sim::Bytes ObjectReader::size_or(std::string_view key, std::string_view fallback,
                                 bool allow_zero) {
    if (!has(key) && is_object_) out_[std::string(key)] = std::string(fallback);
    auto def = sim::Bytes::parse(fallback);
    return size(key, allow_zero, Need::kOptional).value_or(def.value_or(sim::Bytes{}));
}

sim::Bandwidth ObjectReader::bandwidth_or(std::string_view key, std::string_view fallback) {
    if (!has(key) && is_object_) out_[std::string(key)] = std::string(fallback);
    auto def = sim::Bandwidth::parse(fallback);
    const Json* v = field(key, Need::kOptional, "a bandwidth such as \"10Gbps\"");
    if (v == nullptr) return def.value_or(sim::Bandwidth{});
    return read_bandwidth(diags_, *v, at(key)).value_or(def.value_or(sim::Bandwidth{}));
}

void ObjectReader::finish(std::string_view context) {
    if (!is_object_) return;
    for (auto it = in_.begin(); it != in_.end(); ++it) {
        const std::string& key = it.key();
        if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
        std::string msg = "unknown key";
        if (!context.empty()) msg += " for " + std::string(context);
        if (auto s = did_you_mean(key, known_)) {
            msg += "; did you mean \"" + *s + "\"?";
        } else {
            msg += "; expected " + one_of(known_);
        }
        diags_.error(at(key), msg);
    }
}

}  // namespace app::scenario
