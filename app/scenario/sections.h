// app/scenario/sections.h: the section parsers behind loader.cpp (internal to app/scenario).
//
// Each parser reads one section of the file into its part of the Scenario and writes the
// resolved section (defaults filled) into the resolved document. They run in file-order
// of dependency (topology, storage, accounts, workloads, faults, chaos, checks, report), so
// a later section can check names against an earlier one. A value that failed its own
// check is left "unknown" (a count of -1, a missing name) so that it does not cause a
// second, derived error: the user sees the cause once.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "app/scenario/config.h"
#include "app/scenario/reader.h"

namespace app::scenario {

struct ParseContext {
    Diagnostics& diags;
    std::filesystem::path base_dir;
    bool duration_known = false;            // the scenario's duration parsed correctly
    std::set<std::string> invalid_stamps;   // named stamps whose shape did not parse
    std::set<std::string> invalid_accounts; // named accounts with errors (not re-reported)
};

void parse_topology(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_storage(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_accounts(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_workloads(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_faults(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_operations(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_chaos(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_checks(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_report(ParseContext& ctx, ObjectReader& top, Scenario& sc);
void parse_debug(ParseContext& ctx, ObjectReader& top, Scenario& sc);

// Rules that span sections (replicas versus racks, erasure coding fragments versus racks).
void check_cross_section(ParseContext& ctx, const Scenario& sc);

// Names used as identifiers (stamps, regions, accounts, workloads, the scenario's name)
// appear in node names and folder names, so they are restricted to [A-Za-z0-9_.-],
// starting with a letter or digit.
bool is_identifier(const std::string& s);
inline constexpr const char* kIdentifierExpected =
    "a name of letters, digits, '_', '.' or '-' starting with a letter or digit";

// Parses "w1/r4/n7"; returns nullopt if the text does not have that shape.
std::optional<NodeRef> parse_node_name(const std::string& text);

}  // namespace app::scenario
