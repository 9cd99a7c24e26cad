// The JSON Schema subset validator: each keyword, $ref, combinators, and compile errors.
#include <doctest/doctest.h>

#include "reports/json_schema.h"

using reports::JsonSchema;
using reports::SchemaJson;

namespace {

JsonSchema compile(const char* text) {
    std::string error;
    auto s = JsonSchema::compile(SchemaJson::parse(text), &error);
    REQUIRE_MESSAGE(s.has_value(), error);
    return *s;
}

bool valid(const JsonSchema& s, const char* instance) {
    return s.validate(SchemaJson::parse(instance)).empty();
}

}  // namespace

TEST_CASE("type, including integer-valued floats as integers") {
    auto s = compile(R"({"type": "integer"})");
    CHECK(valid(s, "3"));
    CHECK(valid(s, "3.0"));
    CHECK_FALSE(valid(s, "3.5"));
    CHECK_FALSE(valid(s, "\"3\""));
    auto multi = compile(R"({"type": ["string", "null"]})");
    CHECK(valid(multi, "null"));
    CHECK(valid(multi, "\"x\""));
    CHECK_FALSE(valid(multi, "1"));
    auto errors = s.validate(SchemaJson::parse("true"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == "expected integer, got true");
    CHECK(errors[0].schema_pointer == "/type");
}

TEST_CASE("objects: properties, required, additionalProperties, patternProperties, names") {
    auto s = compile(R"({
      "type": "object",
      "properties": {"a": {"type": "string"}, "b": {"type": "number"}},
      "required": ["a"],
      "additionalProperties": false
    })");
    CHECK(valid(s, R"({"a": "x"})"));
    CHECK(valid(s, R"({"a": "x", "b": 1.5})"));
    auto e = s.validate(SchemaJson::parse(R"({"b": "y", "c": 1})"));
    REQUIRE(e.size() == 3);
    CHECK(e[0].instance_pointer == "/a");
    CHECK(e[0].message == "missing required key");
    CHECK(e[1].instance_pointer == "/b");
    CHECK(e[2].instance_pointer == "/c");
    CHECK(e[2].message == "unknown key");
    auto p = compile(R"({"propertyNames": {"pattern": "^[a-z]+\\.p[0-9]+$"},
                         "patternProperties": {"\\.p99$": {"maximum": 10}},
                         "additionalProperties": {"type": "number"},
                         "minProperties": 1, "maxProperties": 2})");
    CHECK(valid(p, R"({"get.p99": 5})"));
    CHECK_FALSE(valid(p, R"({"get.p99": 50})"));
    CHECK_FALSE(valid(p, R"({"get.x": 5})"));
    CHECK_FALSE(valid(p, R"({"get.p50": "5"})"));
    CHECK_FALSE(valid(p, "{}"));
    CHECK_FALSE(valid(p, R"({"a.p1": 1, "b.p1": 1, "c.p1": 1})"));
}

TEST_CASE("scalars: enum, const, pattern, lengths, bounds, multipleOf") {
    CHECK(valid(compile(R"({"enum": ["a", 1, null]})"), "1.0"));
    CHECK_FALSE(valid(compile(R"({"enum": ["a", 1]})"), "\"b\""));
    CHECK(valid(compile(R"({"const": {"x": [1]}})"), R"({"x": [1]})"));
    CHECK_FALSE(valid(compile(R"({"const": 0})"), "1"));
    auto d = compile(R"({"type": "string", "pattern": "^[0-9]+(ms|s)$"})");
    CHECK(valid(d, "\"30s\""));
    CHECK_FALSE(valid(d, "\"30\""));
    auto unanchored = compile(R"({"pattern": "b"})");
    CHECK(valid(unanchored, "\"abc\""));
    CHECK(valid(unanchored, "12"));  // pattern applies to strings only
    auto len = compile(R"({"minLength": 2, "maxLength": 3})");
    CHECK(valid(len, "\"\xc3\xa9\xc3\xa9\""));  // two code points, four bytes
    CHECK_FALSE(valid(len, "\"a\""));
    CHECK_FALSE(valid(len, "\"abcd\""));
    auto n = compile(R"({"minimum": 0, "maximum": 1})");
    CHECK(valid(n, "0"));
    CHECK(valid(n, "1"));
    CHECK_FALSE(valid(n, "1.01"));
    auto x = compile(R"({"exclusiveMinimum": 0, "exclusiveMaximum": 1})");
    CHECK_FALSE(valid(x, "0"));
    CHECK_FALSE(valid(x, "1"));
    CHECK(valid(x, "0.5"));
    CHECK(valid(compile(R"({"multipleOf": 0.5})"), "2.5"));
    CHECK_FALSE(valid(compile(R"({"multipleOf": 2})"), "3"));
}

TEST_CASE("arrays: items, prefixItems, sizes, uniqueItems, contains") {
    auto s = compile(R"({"type": "array", "items": {"type": "integer"}, "minItems": 1,
                         "maxItems": 3, "uniqueItems": true})");
    CHECK(valid(s, "[1, 2]"));
    CHECK_FALSE(valid(s, "[]"));
    CHECK_FALSE(valid(s, "[1, 2, 3, 4]"));
    CHECK_FALSE(valid(s, "[1, 1]"));
    auto e = s.validate(SchemaJson::parse(R"([1, "x"])"));
    REQUIRE(e.size() == 1);
    CHECK(e[0].instance_pointer == "/1");
    CHECK(e[0].schema_pointer == "/items/type");
    auto p = compile(R"({"prefixItems": [{"type": "string"}], "items": {"type": "number"}})");
    CHECK(valid(p, R"(["a", 1, 2])"));
    CHECK_FALSE(valid(p, R"([1])"));
    auto c = compile(R"({"contains": {"const": 3}})");
    CHECK(valid(c, "[1, 3]"));
    CHECK_FALSE(valid(c, "[1, 2]"));
}

TEST_CASE("combinators and conditionals") {
    auto one = compile(R"({"oneOf": [{"type": "number"}, {"minimum": 5}]})");
    CHECK(valid(one, "\"x\""));  // minimum applies to numbers only: the second matches
    CHECK(valid(one, "1"));
    CHECK_FALSE(valid(one, "7"));  // both match
    auto any = compile(R"({"anyOf": [{"type": "string"}, {"type": "null"}]})");
    CHECK(valid(any, "null"));
    CHECK_FALSE(valid(any, "1"));
    auto all = compile(R"({"allOf": [{"minimum": 1}, {"maximum": 2}]})");
    CHECK(valid(all, "1.5"));
    CHECK_FALSE(valid(all, "3"));
    CHECK_FALSE(valid(compile(R"({"not": {"type": "null"}})"), "null"));
    auto cond = compile(R"({
      "if": {"properties": {"kind": {"const": "trace"}}, "required": ["kind"]},
      "then": {"required": ["path"]},
      "else": {"required": ["rate"]}
    })");
    CHECK(valid(cond, R"({"kind": "trace", "path": "x"})"));
    CHECK_FALSE(valid(cond, R"({"kind": "trace"})"));
    CHECK(valid(cond, R"({"rate": 1})"));
    CHECK_FALSE(valid(cond, R"({"kind": "poisson"})"));
    CHECK(valid(compile("true"), "123"));
    CHECK_FALSE(valid(compile(R"({"properties": {"a": false}})"), R"({"a": 1})"));
}

TEST_CASE("$ref and $defs, including recursion") {
    auto s = compile(R"({
      "$defs": {
        "duration": {"type": "string", "pattern": "^[0-9]+s$"},
        "tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
                 "additionalProperties": false}
      },
      "properties": {"at": {"$ref": "#/$defs/duration"}, "t": {"$ref": "#/$defs/tree"}}
    })");
    CHECK(valid(s, R"({"at": "3s", "t": {"kids": [{"kids": []}]}})"));
    auto e = s.validate(SchemaJson::parse(R"({"at": 3, "t": {"kids": [{"x": 1}]}})"));
    REQUIRE(e.size() == 2);
    CHECK(e[0].instance_pointer == "/at");
    CHECK(e[0].schema_pointer == "/$defs/duration/type");
    CHECK(e[1].instance_pointer == "/t/kids/0/x");
    auto loop = compile(R"({"$ref": "#"})");
    CHECK_FALSE(loop.validate(SchemaJson::parse("1")).empty());  // bounded, reported
}

TEST_CASE("compile rejects what it does not support") {
    std::string error;
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse(R"({"typo": 1})"), &error).has_value());
    CHECK(error == "/typo: unsupported keyword \"typo\"");
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse(R"({"$ref": "other.json#/x"})"), &error));
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse(R"({"$ref": "#/$defs/none"})"), &error));
    CHECK(error == "unresolved $ref \"#/$defs/none\"");
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse(R"({"pattern": "("})"), &error));
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse(R"({"type": "float"})"), &error));
    CHECK_FALSE(JsonSchema::compile(SchemaJson::parse("3"), &error));
}

TEST_CASE("validates nlohmann::json documents too") {
    auto s = compile(R"({"type": "object", "required": ["verdict"]})");
    CHECK(s.validate(nlohmann::json::parse(R"({"verdict": "pass"})")).empty());
    CHECK(s.validate(nlohmann::json::parse("{}")).size() == 1);
}
