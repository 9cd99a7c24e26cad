// app/scenario/loader.h: reading a scenario file into a validated, typed Scenario.
//
// This is the one door through which a scenario enters a run. load_scenario_file reads
// the file, guards against malformed or hostile JSON (json_text.h), applies --set
// overrides, checks every rule of spec/scenario-format.md (types, units, ranges, unknown
// keys with suggestions, cross-field rules), and either returns the Scenario with every
// default filled in plus the resolved JSON ("the scenario as run", which reports print
// and hash), or returns every problem found, in document order. Nothing here throws on
// bad input; a Scenario is produced only when there are no errors (exit code 2 otherwise).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/scenario/config.h"
#include "app/scenario/diagnostics.h"
#include "app/scenario/json_text.h"

namespace app::scenario {

struct LoadResult {
    std::optional<Scenario> scenario;  // set iff errors is empty
    Json resolved;                     // the scenario as run: overrides applied, defaults filled
    std::string file;                  // the file name as given, used in messages
    std::vector<Diagnostic> errors;    // in document order

    bool ok() const { return errors.empty(); }
    // Every error formatted as "FILE: /json/pointer: message", one per element.
    std::vector<std::string> messages() const;
};

struct LoadOptions {
    // --set PATH=VALUE overrides, applied in order before validation.
    std::vector<std::string> overrides;
    // --seed: replaces the file's seed (after overrides).
    std::optional<uint64_t> seed;
};

// Reads, parses and validates one file. Trace paths resolve against the file's folder.
LoadResult load_scenario_file(const std::filesystem::path& path, const LoadOptions& options = {});

// Validates JSON text already in memory; `file` is used in messages and `base_dir` to
// resolve trace paths. The loader's core, exposed for tests and generators.
LoadResult load_scenario_text(std::string_view text, std::string file,
                              const std::filesystem::path& base_dir,
                              const LoadOptions& options = {});

// Validates a JSON document (fills result.resolved, scenario or errors).
LoadResult load_scenario_json(const Json& document, std::string file,
                              const std::filesystem::path& base_dir);

// Applies one --set override "storage.stream.replicas=2" (or "/storage/stream/replicas=2")
// to document. Path components are object keys, or array indexes where the value there
// is an array; missing objects on the way are created. The value is parsed as JSON if it
// parses ("2", "true", "[1,2]", "\"x\""), otherwise taken as a string ("5m"). Returns an
// error sentence, or nullopt on success.
std::optional<std::string> apply_set(Json& document, std::string_view assignment);

// SHA-256 of the resolved scenario's compact dump, as 64 lowercase hex digits.
std::string scenario_sha256(const Json& resolved);

}  // namespace app::scenario
