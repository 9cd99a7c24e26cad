#include "reports/json_schema.h"

#include <cmath>
#include <set>

namespace reports {

namespace {

const std::set<std::string>& supported_keywords() {
    static const std::set<std::string> kKeywords = {
        "type", "enum", "const", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "pattern",
        "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$defs",
        // Annotations.
        "$schema", "$id", "$comment", "title", "description", "default", "examples",
        "deprecated", "readOnly", "writeOnly", "format"};
    return kKeywords;
}

std::string join(const std::string& base, const std::string& token) {
    std::string out = base + "/";
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

std::string describe(const SchemaJson& v) {
    switch (v.type()) {
        case SchemaJson::value_t::object: return "an object";
        case SchemaJson::value_t::array: return "an array";
        default: break;
    }
    std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 56) + "...";
    return text;
}

bool is_integer(const SchemaJson& v) {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    double x = v.get<double>();
    return std::isfinite(x) && std::floor(x) == x;
}

bool has_type(const SchemaJson& v, const std::string& type) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "number") return v.is_number();
    if (type == "integer") return is_integer(v);
    return false;
}

// Length in code points, as JSON Schema counts it.
size_t utf8_length(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

// Walks a schema checking keywords; collects patterns to compile.
bool check_schema(const SchemaJson& s, const std::string& at, std::set<std::string>* patterns,
                  std::string* error, int depth) {
    if (depth > 64) {
        *error = at + ": schema nested too deeply";
        return false;
    }
    if (s.is_boolean()) return true;
    if (!s.is_object()) {
        *error = at + ": expected a schema (object or boolean), got " + describe(s);
        return false;
    }
    for (auto it = s.begin(); it != s.end(); ++it) {
        const std::string& k = it.key();
        const SchemaJson& v = it.value();
        const std::string kat = join(at, k);
        if (!supported_keywords().count(k)) {
            *error = kat + ": unsupported keyword \"" + k + "\"";
            return false;
        }
        if (k == "properties" || k == "$defs" || k == "patternProperties") {
            if (!v.is_object()) {
                *error = kat + ": expected an object of schemas";
                return false;
            }
            for (auto p = v.begin(); p != v.end(); ++p) {
                if (k == "patternProperties") patterns->insert(p.key());
                if (!check_schema(p.value(), join(kat, p.key()), patterns, error, depth + 1)) {
                    return false;
                }
            }
        } else if (k == "allOf" || k == "anyOf" || k == "oneOf" || k == "prefixItems") {
            if (!v.is_array() || v.empty()) {
                *error = kat + ": expected a non-empty array of schemas";
                return false;
            }
            for (size_t i = 0; i < v.size(); ++i) {
                if (!check_schema(v[i], join(kat, std::to_string(i)), patterns, error,
                                  depth + 1)) {
                    return false;
                }
            }
        } else if (k == "additionalProperties" || k == "items" || k == "not" || k == "if" ||
                   k == "then" || k == "else" || k == "propertyNames" || k == "contains") {
            if (!check_schema(v, kat, patterns, error, depth + 1)) return false;
        } else if (k == "pattern") {
            if (!v.is_string()) {
                *error = kat + ": expected a string";
                return false;
            }
            patterns->insert(v.get<std::string>());
        } else if (k == "required") {
            if (!v.is_array()) {
                *error = kat + ": expected an array of strings";
                return false;
            }
            for (const auto& r : v) {
                if (!r.is_string()) {
                    *error = kat + ": expected an array of strings";
                    return false;
                }
            }
        } else if (k == "enum") {
            if (!v.is_array()) {
                *error = kat + ": expected an array";
                return false;
            }
        } else if (k == "$ref") {
            if (!v.is_string() || v.get<std::string>().rfind("#", 0) != 0) {
                *error = kat + ": only local references (\"#/...\") are supported";
                return false;
            }
        } else if (k == "minimum" || k == "maximum" || k == "exclusiveMinimum" ||
                   k == "exclusiveMaximum" || k == "multipleOf") {
            if (!v.is_number()) {
                *error = kat + ": expected a number";
                return false;
            }
        } else if (k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems" ||
                   k == "minProperties" || k == "maxProperties") {
            if (!is_integer(v) || v.get<double>() < 0) {
                *error = kat + ": expected an integer >= 0";
                return false;
            }
        } else if (k == "type") {
            auto ok_type = [](const SchemaJson& t) {
                return t.is_string() &&
                       (t == "null" || t == "boolean" || t == "object" || t == "array" ||
                        t == "string" || t == "number" || t == "integer");
            };
            bool ok = ok_type(v);
            if (v.is_array()) {
                ok = !v.empty();
                for (const auto& t : v) ok = ok && ok_type(t);
            }
            if (!ok) {
                *error = kat + ": expected a JSON type name or an array of them";
                return false;
            }
        }
    }
    return true;
}

}  // namespace

std::optional<JsonSchema> JsonSchema::compile(SchemaJson schema, std::string* error) {
    std::string why;
    std::set<std::string> patterns;
    if (!check_schema(schema, "", &patterns, &why, 0)) {
        if (error) *error = why.empty() ? std::string("invalid schema") : why;
        return std::nullopt;
    }
    auto regexes = std::make_shared<std::map<std::string, std::regex>>();
    for (const auto& p : patterns) {
        try {
            regexes->emplace(p, std::regex(p, std::regex::ECMAScript));
        } catch (const std::regex_error& e) {
            if (error) *error = "invalid pattern \"" + p + "\": " + e.what();
            return std::nullopt;
        }
    }
    JsonSchema out;
    out.root_ = std::move(schema);
    out.regexes_ = std::move(regexes);
    // Every $ref must resolve now, so validation cannot meet a dangling one.
    std::vector<const SchemaJson*> stack{&out.root_};
    while (!stack.empty()) {
        const SchemaJson* s = stack.back();
        stack.pop_back();
        if (s->is_object()) {
            auto ref = s->find("$ref");
            if (ref != s->end() && out.resolve_ref(ref->get<std::string>()) == nullptr) {
                if (error) *error = "unresolved $ref \"" + ref->get<std::string>() + "\"";
                return std::nullopt;
            }
        }
        if (s->is_structured()) {
            for (const auto& child : *s) stack.push_back(&child);
        }
    }
    return out;
}

const SchemaJson* JsonSchema::resolve_ref(const std::string& ref) const {
    if (ref == "#") return &root_;
    if (ref.rfind("#/", 0) != 0) return nullptr;
    try {
        const SchemaJson* cur = &root_;
        // Walk by hand: ordered_json and json pointers of nlohmann::json differ in type.
        std::string rest = ref.substr(2);
        size_t start = 0;
        while (start <= rest.size()) {
            size_t slash = rest.find('/', start);
            std::string token = rest.substr(start, slash == std::string::npos ? std::string::npos
                                                                              : slash - start);
            std::string decoded;
            for (size_t i = 0; i < token.size(); ++i) {
                if (token[i] == '~' && i + 1 < token.size()) {
                    decoded += token[i + 1] == '1' ? '/' : '~';
                    ++i;
                } else {
                    decoded += token[i];
                }
            }
            if (cur->is_object()) {
                auto it = cur->find(decoded);
                if (it == cur->end()) return nullptr;
                cur = &*it;
            } else if (cur->is_array()) {
                size_t idx = std::stoul(decoded);
                if (idx >= cur->size()) return nullptr;
                cur = &(*cur)[idx];
            } else {
                return nullptr;
            }
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        return cur;
    } catch (const std::exception&) {
        return nullptr;
    }
}

const std::regex& JsonSchema::regex(const std::string& pattern) const {
    return regexes_->at(pattern);
}

std::vector<SchemaError> JsonSchema::validate(const SchemaJson& instance) const {
    std::vector<SchemaError> errors;
    check(root_, "", instance, "", 0, &errors);
    return errors;
}

std::vector<SchemaError> JsonSchema::validate(const nlohmann::json& instance) const {
    return validate(SchemaJson::parse(instance.dump()));
}

void JsonSchema::check(const SchemaJson& s, const std::string& sp, const SchemaJson& v,
                       const std::string& ip, int depth, std::vector<SchemaError>* errors) const {
    auto fail = [&](const std::string& keyword, std::string message) {
        errors->push_back(SchemaError{ip, join(sp, keyword), std::move(message)});
    };
    if (depth > kMaxDepth) {
        errors->push_back(SchemaError{ip, sp, "schema recursion deeper than the limit"});
        return;
    }
    if (s.is_boolean()) {
        if (!s.get<bool>()) errors->push_back(SchemaError{ip, sp, "expected nothing here"});
        return;
    }
    // Sub-validations whose errors are only counted (anyOf, oneOf, not, if).
    auto passes = [&](const SchemaJson& sub, const std::string& subp) {
        std::vector<SchemaError> scratch;
        check(sub, subp, v, ip, depth + 1, &scratch);
        return scratch.empty();
    };

    if (auto it = s.find("$ref"); it != s.end()) {
        const std::string ref = it->get<std::string>();
        check(*resolve_ref(ref), ref.substr(1), v, ip, depth + 1, errors);
    }
    if (auto it = s.find("type"); it != s.end()) {
        bool ok = false;
        std::string names;
        if (it->is_string()) {
            ok = has_type(v, it->get<std::string>());
            names = it->get<std::string>();
        } else {
            for (const auto& t : *it) {
                ok = ok || has_type(v, t.get<std::string>());
                names += (names.empty() ? "" : " or ") + t.get<std::string>();
            }
        }
        if (!ok) {
            fail("type", "expected " + names + ", got " + describe(v));
            return;  // the other keywords would only repeat the type error
        }
    }
    if (auto it = s.find("enum"); it != s.end()) {
        bool ok = false;
        for (const auto& e : *it) ok = ok || e == v;
        if (!ok) fail("enum", "expected one of " + it->dump() + ", got " + describe(v));
    }
    if (auto it = s.find("const"); it != s.end() && *it != v) {
        fail("const", "expected " + it->dump() + ", got " + describe(v));
    }
    if (v.is_string()) {
        const auto& str = v.get_ref<const std::string&>();
        if (auto it = s.find("pattern"); it != s.end() &&
                                         !std::regex_search(str, regex(it->get<std::string>()))) {
            fail("pattern", "expected a string matching " + it->dump() + ", got " + describe(v));
        }
        if (auto it = s.find("minLength"); it != s.end() && utf8_length(str) < it->get<size_t>()) {
            fail("minLength", "expected at least " + it->dump() + " characters, got " +
                                  describe(v));
        }
        if (auto it = s.find("maxLength"); it != s.end() && utf8_length(str) > it->get<size_t>()) {
            fail("maxLength", "expected at most " + it->dump() + " characters, got " +
                                  describe(v));
        }
    }
    if (v.is_number()) {
        const double x = v.get<double>();
        if (auto it = s.find("minimum"); it != s.end() && x < it->get<double>()) {
            fail("minimum", "expected a number >= " + it->dump() + ", got " + describe(v));
        }
        if (auto it = s.find("maximum"); it != s.end() && x > it->get<double>()) {
            fail("maximum", "expected a number <= " + it->dump() + ", got " + describe(v));
        }
        if (auto it = s.find("exclusiveMinimum"); it != s.end() && x <= it->get<double>()) {
            fail("exclusiveMinimum", "expected a number > " + it->dump() + ", got " + describe(v));
        }
        if (auto it = s.find("exclusiveMaximum"); it != s.end() && x >= it->get<double>()) {
            fail("exclusiveMaximum", "expected a number < " + it->dump() + ", got " + describe(v));
        }
        if (auto it = s.find("multipleOf"); it != s.end()) {
            double q = x / it->get<double>();
            if (!std::isfinite(q) || std::fabs(q - std::round(q)) > 1e-9) {
                fail("multipleOf", "expected a multiple of " + it->dump() + ", got " + describe(v));
            }
        }
    }
    if (v.is_object()) {
        const auto* props = s.contains("properties") ? &s["properties"] : nullptr;
        const auto* pattern_props =
            s.contains("patternProperties") ? &s["patternProperties"] : nullptr;
        if (auto it = s.find("required"); it != s.end()) {
            for (const auto& r : *it) {
                if (!v.contains(r.get<std::string>())) {
                    errors->push_back(SchemaError{join(ip, r.get<std::string>()),
                                                  join(sp, "required"),
                                                  "missing required key"});
                }
            }
        }
        if (auto it = s.find("minProperties"); it != s.end() && v.size() < it->get<size_t>()) {
            fail("minProperties", "expected at least " + it->dump() + " keys, got " +
                                      std::to_string(v.size()));
        }
        if (auto it = s.find("maxProperties"); it != s.end() && v.size() > it->get<size_t>()) {
            fail("maxProperties", "expected at most " + it->dump() + " keys, got " +
                                      std::to_string(v.size()));
        }
        for (auto m = v.begin(); m != v.end(); ++m) {
            const std::string& key = m.key();
            const std::string kp = join(ip, key);
            bool matched = false;
            if (props != nullptr && props->contains(key)) {
                matched = true;
                check((*props)[key], join(join(sp, "properties"), key), m.value(), kp, depth + 1,
                      errors);
            }
            if (pattern_props != nullptr) {
                for (auto p = pattern_props->begin(); p != pattern_props->end(); ++p) {
                    if (std::regex_search(key, regex(p.key()))) {
                        matched = true;
                        check(p.value(), join(join(sp, "patternProperties"), p.key()), m.value(),
                              kp, depth + 1, errors);
                    }
                }
            }
            if (auto it = s.find("propertyNames"); it != s.end()) {
                std::vector<SchemaError> scratch;
                check(*it, join(sp, "propertyNames"), SchemaJson(key), kp, depth + 1, &scratch);
                if (!scratch.empty()) {
                    errors->push_back(SchemaError{kp, join(sp, "propertyNames"),
                                                  "key not allowed: " + scratch.front().message});
                }
            }
            if (!matched) {
                if (auto it = s.find("additionalProperties"); it != s.end()) {
                    if (it->is_boolean() && !it->get<bool>()) {
                        errors->push_back(SchemaError{kp, join(sp, "additionalProperties"),
                                                      "unknown key"});
                    } else {
                        check(*it, join(sp, "additionalProperties"), m.value(), kp, depth + 1,
                              errors);
                    }
                }
            }
        }
    }
    if (v.is_array()) {
        size_t prefix = 0;
        if (auto it = s.find("prefixItems"); it != s.end()) {
            prefix = std::min(it->size(), v.size());
            for (size_t i = 0; i < prefix; ++i) {
                check((*it)[i], join(join(sp, "prefixItems"), std::to_string(i)), v[i],
                      join(ip, std::to_string(i)), depth + 1, errors);
            }
        }
        if (auto it = s.find("items"); it != s.end()) {
            for (size_t i = prefix; i < v.size(); ++i) {
                check(*it, join(sp, "items"), v[i], join(ip, std::to_string(i)), depth + 1,
                      errors);
            }
        }
        if (auto it = s.find("minItems"); it != s.end() && v.size() < it->get<size_t>()) {
            fail("minItems", "expected at least " + it->dump() + " items, got " +
                                 std::to_string(v.size()));
        }
        if (auto it = s.find("maxItems"); it != s.end() && v.size() > it->get<size_t>()) {
            fail("maxItems", "expected at most " + it->dump() + " items, got " +
                                 std::to_string(v.size()));
        }
        if (auto it = s.find("uniqueItems"); it != s.end() && it->is_boolean() && it->get<bool>()) {
            for (size_t i = 0; i < v.size(); ++i) {
                for (size_t j = i + 1; j < v.size(); ++j) {
                    if (v[i] == v[j]) {
                        fail("uniqueItems", "expected unique items, got " + describe(v[j]) +
                                                " at " + std::to_string(i) + " and " +
                                                std::to_string(j));
                        i = j = v.size();
                    }
                }
            }
        }
        if (auto it = s.find("contains"); it != s.end()) {
            bool any = false;
            for (size_t i = 0; i < v.size() && !any; ++i) {
                std::vector<SchemaError> scratch;
                check(*it, join(sp, "contains"), v[i], join(ip, std::to_string(i)), depth + 1,
                      &scratch);
                any = scratch.empty();
            }
            if (!any) fail("contains", "expected an item matching the \"contains\" schema");
        }
    }
    if (auto it = s.find("allOf"); it != s.end()) {
        for (size_t i = 0; i < it->size(); ++i) {
            check((*it)[i], join(join(sp, "allOf"), std::to_string(i)), v, ip, depth + 1, errors);
        }
    }
    if (auto it = s.find("anyOf"); it != s.end()) {
        bool any = false;
        for (size_t i = 0; i < it->size() && !any; ++i) {
            any = passes((*it)[i], join(join(sp, "anyOf"), std::to_string(i)));
        }
        if (!any) fail("anyOf", "expected a value matching at least one alternative, got " +
                                    describe(v));
    }
    if (auto it = s.find("oneOf"); it != s.end()) {
        int count = 0;
        for (size_t i = 0; i < it->size(); ++i) {
            if (passes((*it)[i], join(join(sp, "oneOf"), std::to_string(i)))) ++count;
        }
        if (count != 1) {
            fail("oneOf", "expected a value matching exactly one alternative, got " +
                              describe(v) + " matching " + std::to_string(count));
        }
    }
    if (auto it = s.find("not"); it != s.end() && passes(*it, join(sp, "not"))) {
        fail("not", "expected a value not matching the \"not\" schema, got " + describe(v));
    }
    if (auto it = s.find("if"); it != s.end()) {
        if (passes(*it, join(sp, "if"))) {
            if (auto t = s.find("then"); t != s.end()) {
                check(*t, join(sp, "then"), v, ip, depth + 1, errors);
            }
        } else if (auto e = s.find("else"); e != s.end()) {
            check(*e, join(sp, "else"), v, ip, depth + 1, errors);
        }
    }
}

}  // namespace reports
