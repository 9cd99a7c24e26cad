#include "app/scenario/json_text.h"

#include <set>
#include <string>
#include <vector>

namespace app::scenario {

namespace {

// One open container seen by the scanner.
struct Frame {
    bool is_object = false;
    bool expecting_key = false;  // objects: the next string is a key
    size_t index = 0;            // arrays: index of the current element
    std::string pointer;         // of the container itself
    std::string key;             // objects: the current key
    std::set<std::string> keys;  // objects: keys seen so far
};

struct ScanResult {
    bool too_deep = false;
    size_t too_deep_offset = 0;
    std::vector<std::string> duplicate_keys;  // pointers, in document order
};

std::string child_pointer(const Frame& f) {
    return f.is_object ? pointer_join(f.pointer, f.key) : pointer_join(f.pointer, f.index);
}

// A lexical pass that tracks depth and keys. It trusts nothing about the text: on
// malformed input its duplicate-key findings are meaningless, but they are used only when
// the real parser then accepts the text. Depth is counted correctly on any input, because
// only brackets outside strings count.
ScanResult scan(std::string_view text) {
    ScanResult r;
    std::vector<Frame> stack;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == '"') {
            std::string s;
            ++i;
            while (i < text.size() && text[i] != '"') {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    s += text[i];
                    ++i;
                }
                s += text[i];
                ++i;
            }
            ++i;  // closing quote
            if (!stack.empty() && stack.back().is_object && stack.back().expecting_key) {
                Frame& f = stack.back();
                f.expecting_key = false;
                f.key = s;
                if (!f.keys.insert(s).second) r.duplicate_keys.push_back(child_pointer(f));
            }
            continue;
        }
        if (c == '{' || c == '[') {
            if (stack.size() >= static_cast<size_t>(kMaxJsonDepth)) {
                r.too_deep = true;
                r.too_deep_offset = i;
                return r;
            }
            Frame f;
            f.is_object = c == '{';
            f.expecting_key = f.is_object;
            f.pointer = stack.empty() ? std::string() : child_pointer(stack.back());
            stack.push_back(std::move(f));
        } else if (c == '}' || c == ']') {
            if (!stack.empty()) stack.pop_back();
        } else if (c == ',' && !stack.empty()) {
            if (stack.back().is_object) {
                stack.back().expecting_key = true;
            } else {
                ++stack.back().index;
            }
        }
        ++i;
    }
    return r;
}

}  // namespace

void line_column(std::string_view text, size_t offset, size_t* line, size_t* column) {
    size_t l = 1;
    size_t col = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++l;
            col = 1;
        } else {
            ++col;
        }
    }
    *line = l;
    *column = col;
}

std::optional<Json> parse_json_text(std::string_view text, Diagnostics& diags) {
    auto where = [&](size_t offset) {
        size_t line = 0;
        size_t column = 0;
        line_column(text, offset, &line, &column);
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    };
    ScanResult scanned = scan(text);
    if (scanned.too_deep) {
        diags.error(where(scanned.too_deep_offset),
                    "expected JSON nested at most " + std::to_string(kMaxJsonDepth) +
                        " levels deep, got deeper nesting");
        return std::nullopt;
    }
    Json value;
    try {
        value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                            /*ignore_comments=*/false);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is 1-based and points at the last character read.
        std::string what = e.what();
        // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: "
        // prefix: the position is given in our own format.
        auto colon = what.find(": ");
        std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
        diags.error(where(e.byte == 0 ? 0 : e.byte - 1), "malformed JSON: " + detail);
        return std::nullopt;
    } catch (const nlohmann::json::exception& e) {
        // Number overflow ("1e400") is reported as out_of_range.406 without a position.
        std::string what = e.what();
        auto bracket = what.find("] ");
        diags.error("", "malformed JSON: " +
                            (bracket == std::string::npos ? what : what.substr(bracket + 2)));
        return std::nullopt;
    }
    for (const auto& p : scanned.duplicate_keys) {
        diags.error(p, "duplicate key; a key may appear only once in an object");
    }
    if (!scanned.duplicate_keys.empty()) return std::nullopt;
    return value;
}

}  // namespace app::scenario
