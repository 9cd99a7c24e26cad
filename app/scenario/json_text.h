// app/scenario/json_text.h: turning the bytes of a scenario file into JSON, safely.
//
// Users hand-write these files and scripts generate them, so the text may be anything.
// parse_json_text never throws and never recurses without bound: it rejects nesting
// deeper than kMaxJsonDepth before nlohmann's parser sees the text (our own tree walks
// are recursive), reports syntax errors with line and column, reports numbers that do not
// fit a double, and reports duplicate keys, which nlohmann would silently collapse into
// the last one. Objects keep their document order (ordered_json), so errors and the
// resolved scenario follow the order the user wrote.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/scenario/diagnostics.h"

namespace app::scenario {

using Json = nlohmann::ordered_json;

inline constexpr int kMaxJsonDepth = 64;

// Parses text; on any problem returns nullopt and adds the problems to diags.
std::optional<Json> parse_json_text(std::string_view text, Diagnostics& diags);

// 1-based line and column of a byte offset (0-based) in text; columns count bytes.
void line_column(std::string_view text, size_t offset, size_t* line, size_t* column);

}  // namespace app::scenario
