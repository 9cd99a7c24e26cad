// app/scenario/reader.h: checked reads of JSON values, for the section parsers.
//
// Every read names the JSON pointer it reads, checks type, unit and range, and on a
// problem adds one Diagnostic saying what was expected and what was found, then lets the
// caller carry on so that all problems of a file are found in one pass. ObjectReader
// wraps one JSON object: each accessor declares its key as known (finish() reports the
// undeclared ones as unknown, with a suggestion) and writes the resolved value, the one
// given or the default, into the resolved copy of the scenario.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/scenario/diagnostics.h"
#include "app/scenario/json_text.h"
#include "sim/time.h"
#include "sim/units.h"

namespace app::scenario {

// An immutable empty object, for optional sections that are absent: ObjectReader keeps a
// reference to its input, so a temporary would dangle.
const Json& empty_object();

// How a value is found in the file, for "got ..." in messages: 12, "abc", an object.
std::string describe(const Json& value);

struct IntRange {
    int64_t lo = 0;
    int64_t hi = std::numeric_limits<int64_t>::max();
};

// Bounds of a number; open bounds exclude their value.
struct NumRange {
    std::optional<double> lo;
    std::optional<double> hi;
    bool lo_open = false;
    bool hi_open = false;
};
inline constexpr NumRange kFraction{0.0, 1.0, false, false};
inline const NumRange kPositiveNumber{0.0, std::nullopt, true, false};
inline const NumRange kNonNegative{0.0, std::nullopt, false, false};

enum class DurationMin { kZeroOk, kPositive };

template <typename E>
using EnumTable = std::vector<std::pair<std::string_view, E>>;

// Free readers, for values that are not a field of an object (array elements).
std::optional<std::string> read_string(Diagnostics& d, const Json& v, const std::string& at);
std::optional<int64_t> read_int(Diagnostics& d, const Json& v, const std::string& at, IntRange r);
std::optional<double> read_number(Diagnostics& d, const Json& v, const std::string& at,
                                  const NumRange& r);
std::optional<bool> read_bool(Diagnostics& d, const Json& v, const std::string& at);
std::optional<sim::Duration> read_duration(Diagnostics& d, const Json& v, const std::string& at,
                                           DurationMin min);
std::optional<sim::Bytes> read_size(Diagnostics& d, const Json& v, const std::string& at,
                                    bool allow_zero);
std::optional<sim::Bandwidth> read_bandwidth(Diagnostics& d, const Json& v,
                                             const std::string& at);

// "one of \"a\", \"b\" or \"c\"".
std::string one_of(const std::vector<std::string>& names);

// Reads a string naming an enum value; suggests the closest name on a typo.
template <typename E>
std::optional<E> read_enum(Diagnostics& d, const Json& v, const std::string& at,
                           const EnumTable<E>& table);

enum class Need { kOptional, kRequired };

class ObjectReader {
public:
    // `in` must outlive the reader; `out` receives the resolved object. If `in` is not an
    // object the reader reports it and every accessor then returns "missing" quietly.
    ObjectReader(Diagnostics& diags, const Json& in, Json& out, std::string pointer,
                 std::string what = "an object");

    bool is_object() const { return is_object_; }
    const std::string& pointer() const { return pointer_; }
    std::string at(std::string_view key) const { return pointer_join(pointer_, key); }
    Diagnostics& diags() { return diags_; }
    Json& out() { return out_; }

    bool has(std::string_view key) const;
    // Declares key as known and returns its value, or nullptr (reporting it if required).
    const Json* field(std::string_view key, Need need, std::string_view expected);
    // Declares keys known without reading them (for kind-dependent keys).
    void declare(std::string_view key);

    std::optional<std::string> string(std::string_view key, Need need);
    std::string string_or(std::string_view key, std::string_view fallback);
    std::optional<int64_t> integer(std::string_view key, IntRange r, Need need);
    int64_t integer_or(std::string_view key, int64_t fallback, IntRange r);
    std::optional<double> number(std::string_view key, const NumRange& r, Need need);
    double number_or(std::string_view key, double fallback, const NumRange& r);
    bool boolean_or(std::string_view key, bool fallback);
    std::optional<sim::Duration> duration(std::string_view key, DurationMin min, Need need);
    sim::Duration duration_or(std::string_view key, std::string_view fallback, DurationMin min);
    std::optional<sim::Bytes> size(std::string_view key, bool allow_zero, Need need);
    sim::Bytes size_or(std::string_view key, std::string_view fallback, bool allow_zero);
    sim::Bandwidth bandwidth_or(std::string_view key, std::string_view fallback);

    template <typename E>
    std::optional<E> enumeration(std::string_view key, const EnumTable<E>& table, Need need);
    template <typename E>
    E enumeration_or(std::string_view key, const EnumTable<E>& table, E fallback);

    // Reports every key of the input that no accessor declared. `context` names the kind
    // of object when the allowed keys depend on it ("a trace workload").
    void finish(std::string_view context = "");

private:
    Diagnostics& diags_;
    const Json& in_;
    Json& out_;
    std::string pointer_;
    bool is_object_ = false;
    std::vector<std::string> known_;
};

// ---------------------------------------------------------------------------- templates

template <typename E>
std::vector<std::string> enum_names(const EnumTable<E>& table) {
    std::vector<std::string> names;
    for (const auto& [name, value] : table) names.emplace_back(name);
    return names;
}

std::string unknown_value_message(const Json& v, const std::vector<std::string>& names);
// "expected the name of a stamp (\"w1\" or \"e1\"), got \"w3\"; did you mean ...?"
std::string unknown_name_message(std::string_view what, const Json& v,
                                 const std::vector<std::string>& names);

template <typename E>
std::optional<E> read_enum(Diagnostics& d, const Json& v, const std::string& at,
                           const EnumTable<E>& table) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        for (const auto& [name, value] : table) {
            if (name == s) return value;
        }
    }
    d.error(at, unknown_value_message(v, enum_names(table)));
    return std::nullopt;
}

template <typename E>
std::optional<E> ObjectReader::enumeration(std::string_view key, const EnumTable<E>& table,
                                           Need need) {
    const Json* v = field(key, need, one_of(enum_names(table)));
    if (v == nullptr) return std::nullopt;
    return read_enum(diags_, *v, at(key), table);
}

template <typename E>
E ObjectReader::enumeration_or(std::string_view key, const EnumTable<E>& table, E fallback) {
    if (!has(key) && is_object_) {
        for (const auto& [name, value] : table) {
            if (value == fallback) out_[std::string(key)] = std::string(name);
        }
    }
    return enumeration(key, table, Need::kOptional).value_or(fallback);
}

}  // namespace app::scenario
