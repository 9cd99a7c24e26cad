// reports/html_report.h: report.html, one self-contained page that opens offline.
//
// The page embeds report.json and the Vega, Vega-Lite and vega-embed bundles (installed
// from npm into reports/web/node_modules by reports/web/setup.sh, pinned by its
// package-lock.json) inline, so nothing is fetched when it is viewed. Charts: latency
// p50/p99/p999 per operation over time with fault windows shaded and labelled;
// throughput and errors over time; load per partition server (heat map), per extent node
// (heat map) and per rack; load-balance max/mean per interval; under-replicated extents;
// range partition count with split, merge and move marks. Then the checks with their
// verdicts and violating operations, and the scenario as run. When every chart has
// rendered the page sets data-charts-rendered="N" on <body> (and data-render-error on a
// failure; console errors are collected in data-console-errors), which the headless
// browser test reads. Without the bundles the page still opens, says the charts are
// missing and how to install them, and the writer returns a warning; the run goes on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reports {

struct VegaBundle {
    std::string vega;
    std::string vega_lite;
    std::string vega_embed;
};

// Reads the three minified bundles from NODE_MODULES_DIR/{vega,vega-lite,vega-embed}/build;
// nullopt (and why, in *error) if one is missing.
std::optional<VegaBundle> load_vega_bundle(const std::string& node_modules_dir,
                                           std::string* error = nullptr);

// Where the bundle is looked for: $STAMPSIM_VEGA_DIR if set, else
// SOURCE_DIR/reports/web/node_modules.
std::string default_vega_dir(const std::string& source_dir);

// The page. With bundle == nullptr the page explains that charts are missing and a
// warning is appended to *warnings.
std::string render_html(const nlohmann::ordered_json& report, const VegaBundle* bundle,
                        std::vector<std::string>* warnings);

// How many charts render_html draws (the browser test expects this many).
int html_chart_count();

}  // namespace reports
