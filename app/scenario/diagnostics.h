// app/scenario/diagnostics.h: the errors found in one scenario file.
//
// A Diagnostic is one problem: where it is (a JSON pointer such as "/faults/3/at", or
// "line 3, column 14" for a file that is not JSON at all) and a sentence saying what was
// expected and what was found. The loader collects every problem of a file rather than
// stopping at the first, so a user fixes a file in one pass; they are printed in document
// order as `FILE: WHERE: MESSAGE` (spec/cli-and-reports.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace app::scenario {

struct Diagnostic {
    std::string where;  // JSON pointer ("" is the whole document) or "line L, column C"
    std::string message;
    bool whole_file = false;  // about the file itself (unreadable): no location is printed
};

// "scenarios/x.json: /faults/3/at: expected a duration such as \"30s\", got 12".
// The whole document is shown as "/" so that the line always has three parts.
std::string format_diagnostic(std::string_view file, const Diagnostic& d);

// Appends one pointer token, escaping '~' and '/' as RFC 6901 requires.
std::string pointer_join(std::string_view base, std::string_view token);
std::string pointer_join(std::string_view base, size_t index);

class Diagnostics {
public:
    void error(std::string where, std::string message);
    void file_error(std::string message);
    bool empty() const { return list_.empty(); }
    size_t size() const { return list_.size(); }
    const std::vector<Diagnostic>& list() const { return list_; }
    std::vector<Diagnostic>& mutable_list() { return list_; }

private:
    std::vector<Diagnostic> list_;
};

}  // namespace app::scenario
