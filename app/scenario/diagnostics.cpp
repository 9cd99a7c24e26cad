#include "app/scenario/diagnostics.h"

namespace app::scenario {

std::string format_diagnostic(std::string_view file, const Diagnostic& d) {
    std::string out(file);
    out += ": ";
    if (d.whole_file) return out + d.message;
    out += d.where.empty() ? "/" : d.where;
    out += ": ";
    out += d.message;
    return out;
}

std::string pointer_join(std::string_view base, std::string_view token) {
    std::string out(base);
    out += '/';
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string pointer_join(std::string_view base, size_t index) {
    return pointer_join(base, std::to_string(index));
}

void Diagnostics::error(std::string where, std::string message) {
    list_.push_back(Diagnostic{std::move(where), std::move(message), false});
}

void Diagnostics::file_error(std::string message) {
    list_.push_back(Diagnostic{"", std::move(message), true});
}

}  // namespace app::scenario
