// The bad-scenario suite: each case breaks one rule of spec/scenario-format.md (or a
// few at once) in an otherwise valid scenario, runs `stampsim validate` in-process and
// checks the exact messages, in order, and exit code 2. Each case also records whether
// scenarios/schema.json rejects it: the schema covers types, units, enums and unknown
// keys; rules that span fields (names that must exist, ranges that depend on the
// topology, sums, times against the duration, files on disk) are only in the parser.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/scenario/loader.h"
#include "reports/json_schema.h"

namespace {

using app::scenario::Json;

enum class Schema { kRejects, kAccepts, kNotJson };

struct BadCase {
    const char* name;
    const char* text;                    // the whole file; nullptr: kBase with edits
    std::vector<std::string> edits;      // "/path=JSON" (apply_set) or "-/path" (remove)
    std::vector<std::string> messages;   // without the "FILE: " prefix; {dir} = the file's folder
    Schema schema;
};

// clang-format off
#include "tests/app/bad_scenarios_table.inc"
// clang-format on

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
    return s;
}

std::string case_text(const BadCase& c) {
    if (c.text != nullptr) return c.text;
    Json doc = Json::parse(kBase);
    for (const auto& edit : c.edits) {
        if (edit.rfind("-", 0) == 0) {
            Json::json_pointer ptr(edit.substr(1));
            doc.at(ptr.parent_pointer()).erase(ptr.back());
        } else {
            auto err = app::scenario::apply_set(doc, edit);
            REQUIRE_MESSAGE(!err, *err);
        }
    }
    return doc.dump(2);
}

reports::JsonSchema load_schema() {
    std::ifstream in(std::string(STAMPSIM_SOURCE_DIR) + "/scenarios/schema.json");
    std::string error;
    auto schema = reports::JsonSchema::compile(Json::parse(in), &error);
    REQUIRE_MESSAGE(schema.has_value(), error);
    return *schema;
}

}  // namespace

TEST_CASE("the base of the bad cases is itself valid, for the parser and the schema") {
    auto dir = std::filesystem::path(STAMPSIM_BINARY_DIR) / "tests" / "app-bad";
    std::filesystem::create_directories(dir);
    auto result = app::scenario::load_scenario_text(kBase, "base.json", dir);
    for (const auto& m : result.messages()) MESSAGE(m);
    CHECK(result.ok());
    CHECK(load_schema().validate(Json::parse(kBase)).empty());
}

TEST_CASE("bad scenarios: exact messages, exit code 2, and the schema's verdict") {
    CHECK(std::size(kBadCases) >= 30);
    const auto dir = std::filesystem::path(STAMPSIM_BINARY_DIR) / "tests" / "app-bad";
    std::filesystem::create_directories(dir);
    const auto schema = load_schema();
    for (const auto& c : kBadCases) {
        CAPTURE(c.name);
        const std::string text = case_text(c);
        const auto path = (dir / "bad.json").string();
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << text;
        }
        std::ostringstream out;
        std::ostringstream err;
        const char* argv[] = {"stampsim", "validate", path.c_str()};
        int code = app::run_cli(3, argv, out, err);
        CHECK(code == 2);
        CHECK(out.str().empty());
        std::vector<std::string> expected;
        for (const auto& m : c.messages) {
            expected.push_back(path + ": " + replace_all(m, "{dir}", dir.string()));
        }
        CHECK(lines_of(err.str()) == expected);

        if (c.schema == Schema::kNotJson) continue;
        Json doc;
        try {
            doc = Json::parse(text);
        } catch (const nlohmann::json::exception&) {
            CHECK(c.schema == Schema::kRejects);  // malformed: nothing can accept it
            continue;
        }
        const bool schema_rejects = !schema.validate(doc).empty();
        CHECK(schema_rejects == (c.schema == Schema::kRejects));
    }
}
