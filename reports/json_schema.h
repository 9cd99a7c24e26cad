// reports/json_schema.h: a small JSON Schema (draft 2020-12) validator.
//
// No C++ JSON Schema library is packaged for Debian, and two documents of the project
// have schemas: scenario files (scenarios/schema.json) and report.json. This validator
// implements the subset those schemas use: type, enum, const, properties, required,
// additionalProperties, patternProperties, propertyNames, min/maxProperties, pattern,
// min/maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf,
// items, prefixItems, minItems, maxItems, uniqueItems, contains, allOf, anyOf, oneOf,
// not, if/then/else, $ref (local "#/..." pointers) and $defs. Annotations (title,
// description, default, examples, $comment, $schema, $id) are accepted and ignored.
// compile() rejects any other keyword, so a misspelt keyword in a schema is an error
// rather than a rule silently not checked. Validation never throws and is bounded in
// depth ($ref cycles through the instance stop at kMaxDepth).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reports {

using SchemaJson = nlohmann::ordered_json;

struct SchemaError {
    std::string instance_pointer;  // where in the document: "/faults/3/at" ("" is the root)
    std::string schema_pointer;    // which rule: "/$defs/duration/pattern"
    std::string message;           // "expected a string, got 12"
};

class JsonSchema {
public:
    static constexpr int kMaxDepth = 256;

    // Checks that schema uses only supported keywords and valid patterns and $refs.
    // On failure returns nullopt and, if error is given, why.
    static std::optional<JsonSchema> compile(SchemaJson schema, std::string* error = nullptr);

    // Every violation found (not only the first), in the order met.
    std::vector<SchemaError> validate(const SchemaJson& instance) const;
    std::vector<SchemaError> validate(const nlohmann::json& instance) const;
    bool is_valid(const SchemaJson& instance) const { return validate(instance).empty(); }

    const SchemaJson& schema() const { return root_; }

private:
    JsonSchema() = default;

    void check(const SchemaJson& schema, const std::string& schema_ptr, const SchemaJson& inst,
               const std::string& inst_ptr, int depth, std::vector<SchemaError>* errors) const;
    const SchemaJson* resolve_ref(const std::string& ref) const;
    const std::regex& regex(const std::string& pattern) const;

    SchemaJson root_;
    // Compiled patterns, shared by copies of the (immutable) compiled schema.
    std::shared_ptr<const std::map<std::string, std::regex>> regexes_;
};

}  // namespace reports
