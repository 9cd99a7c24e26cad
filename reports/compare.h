// reports/compare.h: side-by-side comparison of two runs' report.json (`stampsim compare`).
//
// Rows, in order: verdict, fingerprint, seed; per operation kind present in either run,
// count, throughput and latency p50/p99/p999; availability overall and worst window;
// load balance (max/mean, cov, gini) per group; each check's held. Numeric rows carry
// the difference B - A and the relative change; other rows say whether they are the same.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace reports {

nlohmann::ordered_json compare_reports(const nlohmann::ordered_json& a,
                                       const nlohmann::ordered_json& b, const std::string& name_a,
                                       const std::string& name_b);
std::string compare_text(const nlohmann::ordered_json& comparison);

}  // namespace reports
