#include "reports/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace reports {

using Json = nlohmann::ordered_json;

namespace {

const Json* at(const Json& j, std::initializer_list<const char*> path) {
    const Json* p = &j;
    for (const char* k : path) {
        if (!p->is_object() || !p->contains(k)) return nullptr;
        p = &(*p)[k];
    }
    return p;
}

std::string show(const Json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_number()) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
        return buf;
    }
    return v.dump();
}

}  // namespace

Json compare_reports(const Json& a, const Json& b, const std::string& name_a, const std::string& name_b) {
    Json rows = Json::array();
    auto add = [&](const std::string& metric, std::initializer_list<const char*> path) {
        const Json* x = at(a, path);
        const Json* y = at(b, path);
        Json va = x ? *x : Json(nullptr), vb = y ? *y : Json(nullptr);
        Json row{{"metric", metric}, {"a", va}, {"b", vb}};
        if (va.is_number() && vb.is_number()) {
            double da = va.get<double>(), db = vb.get<double>();
            row["diff"] = db - da;
            row["change_pct"] = da != 0 ? Json((db - da) / std::abs(da) * 100.0) : Json(nullptr);
        } else {
            row["same"] = va == vb;
        }
        rows.push_back(std::move(row));
    };
    add("verdict", {"verdict"});
    add("fingerprint", {"fingerprint"});
    add("seed", {"seed"});
    for (const char* k : {"all", "put", "get", "delete", "list", "head"}) {
        const Json* ca = at(a, {"ops", k, "count"});
        const Json* cb = at(b, {"ops", k, "count"});
        bool any = (ca && ca->is_number() && ca->get<double>() > 0) ||
                   (cb && cb->is_number() && cb->get<double>() > 0);
        if (!any) continue;
        std::string p = std::string(k) + ".";
        add(p + "count", {"ops", k, "count"});
        add(p + "failed", {"ops", k, "failed"});
        add(p + "throughput", {"ops", k, "throughput"});
        add(p + "p50_ms", {"ops", k, "latency_ms", "p50"});
        add(p + "p99_ms", {"ops", k, "latency_ms", "p99"});
        add(p + "p999_ms", {"ops", k, "latency_ms", "p999"});
    }
    add("availability.overall", {"availability", "overall"});
    add("availability.worst_window", {"availability", "worst_window"});
    for (const char* g : {"partition_servers", "extent_nodes", "racks"})
        for (const char* m : {"max_over_mean", "cov", "gini"})
            add(std::string(g) + "." + m, {"load_balance", g, m});
    std::vector<std::string> checks;
    for (const Json* r : {&a, &b})
        if (const Json* c = at(*r, {"checks"}); c && c->is_object())
            for (const auto& [name, v] : c->items())
                if (std::find(checks.begin(), checks.end(), name) == checks.end()) checks.push_back(name);
    for (const auto& name : checks) {
        Json va = at(a, {"checks"}) && a["checks"].contains(name) ? a["checks"][name].value("held", Json(nullptr)) : Json(nullptr);
        Json vb = at(b, {"checks"}) && b["checks"].contains(name) ? b["checks"][name].value("held", Json(nullptr)) : Json(nullptr);
        rows.push_back({{"metric", "checks." + name + ".held"}, {"a", va}, {"b", vb}, {"same", va == vb}});
    }
    return Json{{"a", name_a}, {"b", name_b}, {"rows", rows}};
}

std::string compare_text(const Json& c) {
    std::ostringstream o;
    o << "A: " << c["a"].get<std::string>() << "\nB: " << c["b"].get<std::string>() << "\n\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-34s %18s %18s %12s %9s\n", "metric", "A", "B", "B-A", "change");
    o << line;
    for (const auto& r : c["rows"]) {
        std::string diff = "", change = "";
        if (r.contains("diff")) {
            diff = show(r["diff"]);
            change = r["change_pct"].is_null() ? "" : show(Json(r["change_pct"].get<double>())) + "%";
        } else if (!r["same"].get<bool>()) {
            diff = "differs";
        }
        std::snprintf(line, sizeof line, "%-34s %18s %18s %12s %9s\n",
                      r["metric"].get<std::string>().c_str(), show(r["a"]).c_str(),
                      show(r["b"]).c_str(), diff.c_str(), change.c_str());
        o << line;
    }
    return o.str();
}

}  // namespace reports
