#include "app/scenario/loader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

// Scenario files are hand-sized; a bound keeps a wrong path (a disk image) from hanging.
constexpr std::uintmax_t kMaxFileBytes = 64ull << 20;

// Pre-order index of every value of the document, by pointer, with the last index inside
// its subtree, so that diagnostics can be printed in the order a reader meets them.
struct Span {
    size_t first = 0;
    size_t last = 0;
};

size_t number_values(const Json& v, const std::string& pointer, std::map<std::string, Span>* out) {
    const size_t first = out->size();
    (*out)[pointer] = Span{first, first};
    size_t last = first;
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            last = number_values(it.value(), pointer_join(pointer, it.key()), out);
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
            last = number_values(v[i], pointer_join(pointer, i), out);
        }
    }
    (*out)[pointer].last = last;
    return last;
}

// A value that exists sorts at its place; a missing key sorts at the end of the closest
// object that exists, where a user would add it.
size_t ordinal_of(const std::string& pointer, const std::map<std::string, Span>& order) {
    if (auto it = order.find(pointer); it != order.end()) return 2 * it->second.first;
    std::string p = pointer;
    while (true) {
        auto slash = p.rfind('/');
        if (slash == std::string::npos) return 0;
        p.resize(slash);
        if (auto it = order.find(p); it != order.end()) return 2 * it->second.last + 1;
    }
}

void sort_in_document_order(const Json& document, std::vector<Diagnostic>* diags) {
    std::map<std::string, Span> order;
    number_values(document, "", &order);
    std::stable_sort(diags->begin(), diags->end(), [&](const Diagnostic& a, const Diagnostic& b) {
        return ordinal_of(a.where, order) < ordinal_of(b.where, order);
    });
}

void check_replicas(ParseContext& ctx, const Scenario& sc) {
    // The stamps that hold data: those accounts name, or every stamp when the location
    // service may place an account anywhere.
    bool any_unplaced = false;
    std::set<std::string> holding;
    for (const auto& a : sc.accounts) {
        if (a.stamp) holding.insert(*a.stamp);
        if (a.secondary) holding.insert(*a.secondary);
        if (!a.stamp) any_unplaced = true;
    }
    const auto& stream = sc.storage.stream;
    for (const auto& region : sc.topology.regions) {
        for (const auto& stamp : region.stamps) {
            if (!any_unplaced && !holding.count(stamp.name)) continue;
            if (stamp.racks <= 0) continue;
            if (stream.replicas > stamp.racks) {
                ctx.diags.error("/storage/stream/replicas",
                                "expected at most " + std::to_string(stamp.racks) +
                                    " replicas (the racks of stamp \"" + stamp.name +
                                    "\", each replica on its own rack), got " +
                                    std::to_string(stream.replicas));
                return;
            }
            const int fragments = stream.erasure_coding.scheme.fragments();
            if (stream.erasure_coding.enabled && fragments > stamp.racks) {
                ctx.diags.error("/storage/stream/erasure_coding/scheme",
                                "expected a scheme of at most " + std::to_string(stamp.racks) +
                                    " fragments (the racks of stamp \"" + stamp.name +
                                    "\", each fragment on its own rack), got \"" +
                                    stream.erasure_coding.scheme_name + "\" with " +
                                    std::to_string(fragments));
                return;
            }
        }
    }
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> tokens;
    if (!path.empty() && path.front() == '/') {
        // A JSON pointer: "/" separates, "~1" is '/', "~0" is '~'.
        std::string token;
        for (size_t i = 1; i <= path.size(); ++i) {
            if (i == path.size() || path[i] == '/') {
                tokens.push_back(token);
                token.clear();
            } else if (path[i] == '~' && i + 1 < path.size() && path[i + 1] == '1') {
                token += '/';
                ++i;
            } else if (path[i] == '~' && i + 1 < path.size() && path[i + 1] == '0') {
                token += '~';
                ++i;
            } else {
                token += path[i];
            }
        }
        return tokens;
    }
    std::string token;
    for (char c : path) {
        if (c == '.') {
            tokens.push_back(token);
            token.clear();
        } else {
            token += c;
        }
    }
    tokens.push_back(token);
    return tokens;
}

std::optional<size_t> parse_index(const std::string& token) {
    if (token.empty() || token.size() > 9) return std::nullopt;
    size_t v = 0;
    for (char c : token) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<size_t>(c - '0');
    }
    return v;
}

}  // namespace

void check_cross_section(ParseContext& ctx, const Scenario& sc) { check_replicas(ctx, sc); }

std::vector<std::string> LoadResult::messages() const {
    std::vector<std::string> out;
    for (const auto& d : errors) out.push_back(format_diagnostic(file, d));
    return out;
}

LoadResult load_scenario_json(const Json& document, std::string file,
                              const std::filesystem::path& base_dir) {
    LoadResult result;
    result.file = std::move(file);
    Diagnostics diags;
    ParseContext ctx{diags, base_dir, false, {}, {}};
    Scenario sc;
    result.resolved = Json::object();
    ObjectReader top(diags, document, result.resolved, "", "an object (a scenario)");
    if (top.is_object()) {
        top.string("$schema", Need::kOptional);  // lets editors find scenarios/schema.json
        if (auto name = top.string("name", Need::kRequired)) {
            if (is_identifier(*name)) {
                sc.name = *name;
            } else {
                diags.error("/name", std::string("expected ") + kIdentifierExpected + ", got " +
                                         describe(document["name"]));
            }
        }
        sc.description = top.string_or("description", "");
        sc.seed = static_cast<uint64_t>(top.integer_or("seed", 1, IntRange{}));
        if (auto d = top.duration("duration", DurationMin::kPositive, Need::kRequired)) {
            sc.duration = *d;
            ctx.duration_known = true;
        }
        sc.drain = top.duration_or("drain", "30s", DurationMin::kZeroOk);
        parse_topology(ctx, top, sc);
        parse_storage(ctx, top, sc);
        parse_accounts(ctx, top, sc);
        parse_workloads(ctx, top, sc);
        parse_faults(ctx, top, sc);
        parse_operations(ctx, top, sc);
        parse_chaos(ctx, top, sc);
        parse_checks(ctx, top, sc);
        parse_report(ctx, top, sc);
        parse_debug(ctx, top, sc);
        check_cross_section(ctx, sc);
        top.finish();
    }
    result.errors = diags.list();
    sort_in_document_order(document, &result.errors);
    if (result.errors.empty()) result.scenario = std::move(sc);
    return result;
}

LoadResult load_scenario_text(std::string_view text, std::string file,
                              const std::filesystem::path& base_dir, const LoadOptions& options) {
    Diagnostics diags;
    std::optional<Json> document = parse_json_text(text, diags);
    if (document) {
        for (const auto& assignment : options.overrides) {
            if (auto err = apply_set(*document, assignment)) {
                diags.file_error("--set " + assignment + ": " + *err);
            }
        }
        if (options.seed && document->is_object()) {
            (*document)["seed"] = *options.seed;
        }
    }
    if (!diags.empty()) {
        LoadResult result;
        result.file = std::move(file);
        result.errors = diags.list();
        return result;
    }
    return load_scenario_json(*document, std::move(file), base_dir);
}

LoadResult load_scenario_file(const std::filesystem::path& path, const LoadOptions& options) {
    std::string file = path.string();
    auto fail = [&](std::string message) {
        LoadResult result;
        result.file = file;
        result.errors.push_back(Diagnostic{"", std::move(message), true});
        return result;
    };
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(std::filesystem::exists(path, ec) ? "expected a scenario file, got a folder "
                                                        "or special file"
                                                      : "no such file");
    }
    auto bytes = std::filesystem::file_size(path, ec);
    if (ec || bytes > kMaxFileBytes) {
        return fail("expected a scenario file of at most 64MiB, got " + std::to_string(bytes) +
                    " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot open the file for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    std::filesystem::path base = path.parent_path();
    if (base.empty()) base = ".";
    return load_scenario_text(buffer.str(), file, base, options);
}

std::optional<std::string> apply_set(Json& document, std::string_view assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return "expected PATH=VALUE such as storage.stream.replicas=2, got \"" +
               std::string(assignment) + "\"";
    }
    std::string_view path = assignment.substr(0, eq);
    std::string_view text = assignment.substr(eq + 1);
    std::vector<std::string> tokens = split_path(path);
    Json value;
    {
        Diagnostics ignored;
        auto parsed = text.empty() ? std::nullopt : parse_json_text(text, ignored);
        value = parsed ? std::move(*parsed) : Json(std::string(text));
    }
    Json* cur = &document;
    std::string at;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& token = tokens[i];
        if (token.empty()) return "expected a path without empty parts, got \"" +
                                  std::string(path) + "\"";
        const bool last = i + 1 == tokens.size();
        if (cur->is_object()) {
            if (last) {
                (*cur)[token] = std::move(value);
                return std::nullopt;
            }
            if (!cur->contains(token)) (*cur)[token] = Json::object();
            cur = &(*cur)[token];
        } else if (cur->is_array()) {
            auto index = parse_index(token);
            if (!index || *index >= cur->size()) {
                return (at.empty() ? std::string("/") : at) + ": expected an index below " +
                       std::to_string(cur->size()) + " (the array's size), got \"" + token + "\"";
            }
            if (last) {
                (*cur)[*index] = std::move(value);
                return std::nullopt;
            }
            cur = &(*cur)[*index];
        } else {
            return (at.empty() ? std::string("/") : at) +
                   ": expected an object or array to set \"" + token + "\" in, got " +
                   describe(*cur);
        }
        at = pointer_join(at, token);
    }
    return std::nullopt;
}

std::string scenario_sha256(const Json& resolved) {
    const std::string text = resolved.dump();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace app::scenario
