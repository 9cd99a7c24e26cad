#include "reports/text_outputs.h"

#include <cstdio>
#include <ostream>
#include <sstream>

#include "reports/report_json.h"

namespace reports {

namespace obs = models::observe;

namespace {

constexpr const char* kKinds[] = {"put", "get", "delete", "list", "head", "all"};

// Shortest round-trip-ish form without trailing noise: %.9g.
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string fixed(double v, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void write_timeseries_csv(const nlohmann::ordered_json& report, std::ostream& out) {
    out << "time_s,metric,labels,value\n";
    if (!report.contains("timeseries")) return;
    const auto& ts = report["timeseries"];
    const auto& times = ts["time_s"];
    static constexpr const char* kSeries[][2] = {{"p50_ms", "latency_p50_ms"},
                                                 {"p99_ms", "latency_p99_ms"},
                                                 {"p999_ms", "latency_p999_ms"},
                                                 {"throughput", "throughput"},
                                                 {"errors", "errors"}};
    for (size_t i = 0; i < times.size(); ++i) {
        const std::string t = num(times[i].get<double>());
        for (const char* kind : kKinds) {
            const auto& k = ts["ops"][kind];
            if (k["count"][i].get<uint64_t>() == 0) continue;
            for (const auto& s : kSeries) {
                const auto& v = k[s[0]][i];
                if (v.is_null()) continue;
                out << t << ',' << s[1] << ",op=" << kind << ',' << num(v.get<double>()) << '\n';
            }
        }
    }
    if (ts.contains("availability")) {
        const double w = ts["availability"]["window_s"].get<double>();
        const auto& ratio = ts["availability"]["ratio"];
        for (size_t i = 0; i < ratio.size(); ++i)
            if (!ratio[i].is_null())
                out << num(static_cast<double>(i) * w) << ",availability,,"
                    << num(ratio[i].get<double>()) << '\n';
    }
    for (const auto& m : ts["metrics"]) {
        const std::string metric = csv_field(m["metric"].get<std::string>());
        const std::string labels = csv_field(m["labels"].get<std::string>());
        const auto& t = m["t"];
        const auto& v = m["v"];
        for (size_t i = 0; i < t.size(); ++i)
            out << num(t[i].get<double>()) << ',' << metric << ',' << labels << ','
                << num(v[i].get<double>()) << '\n';
    }
}

void write_ops_csv(const obs::History& h, std::ostream& out) {
    out << "id,client,workload,kind,account,container,blob,invoke_s,complete_s,latency_ms,status,"
           "fingerprint,size_bytes\n";
    for (const auto& op : h.ops()) {
        out << op.id << ',' << op.client << ','
            << csv_field(op.workload < h.workloads().size() ? h.workloads()[op.workload].name : "")
            << ',' << to_string(op.kind) << ',' << csv_field(h.str(op.account)) << ','
            << csv_field(h.str(op.container)) << ',' << csv_field(h.str(op.blob)) << ','
            << fixed(op.invoke.to_seconds(), 9) << ',' << fixed(op.complete.to_seconds(), 9) << ','
            << fixed(op.latency().to_millis(), 6) << ',' << to_string(op.status) << ','
            << hex64(op.fingerprint) << ',' << op.size_bytes << '\n';
    }
}

std::string summary_text(const nlohmann::ordered_json& r) {
    std::ostringstream o;
    char line[256];
    o << "stampsim " << r.value("version", "") << "  scenario " << r["scenario"].value("name", "")
      << "  seed " << r.value("seed", 0) << "\n";
    const auto& sim = r["sim"];
    o << "simulated " << fixed(sim.value("duration_s", 0.0), 1) << " s, "
      << sim.value("events", uint64_t{0}) << " events, wall " << fixed(sim.value("wall_s", 0.0), 2)
      << " s\n\n";
    std::snprintf(line, sizeof line, "%-7s %10s %10s %8s %8s %10s %9s %9s %9s\n", "op", "count",
                  "ok", "failed", "rejected", "ops/s", "p50 ms", "p99 ms", "p999 ms");
    o << line;
    for (const char* kind : kKinds) {
        const auto& k = r["ops"][kind];
        if (k["count"].get<uint64_t>() == 0 && std::string(kind) != "all") continue;
        const auto& l = k["latency_ms"];
        std::snprintf(line, sizeof line, "%-7s %10llu %10llu %8llu %8llu %10.1f %9.3f %9.3f %9.3f\n",
                      kind, static_cast<unsigned long long>(k["count"].get<uint64_t>()),
                      static_cast<unsigned long long>(k["ok"].get<uint64_t>()),
                      static_cast<unsigned long long>(k["failed"].get<uint64_t>()),
                      static_cast<unsigned long long>(k["rejected"].get<uint64_t>()),
                      k["throughput"].get<double>(), l["p50"].get<double>(),
                      l["p99"].get<double>(), l["p999"].get<double>());
        o << line;
    }
    const auto& a = r["availability"];
    o << "\navailability " << fixed(a["overall"].get<double>() * 100, 4) << "% overall, worst "
      << num(a["window_s"].get<double>()) << " s window " << fixed(a["worst_window"].get<double>() * 100, 4)
      << "%\n";
    if (!r["faults"].empty()) o << "faults applied: " << r["faults"].size() << "\n";
    if (r.contains("geo")) {
        const auto& g = r["geo"];
        o << "geo-replication: " << g["writes"].get<uint64_t>() << " writes, lag mean "
          << fixed(g["lag_s"]["mean"].get<double>(), 3) << " s p99 " << fixed(g["lag_s"]["p99"].get<double>(), 3)
          << " s, backlog mean " << fixed(g["backlog_mean"].get<double>(), 1) << " (lambda*W "
          << fixed(g["little_lambda_w"].get<double>(), 1) << ")\n";
        for (const auto& w : g["failovers"]) {
            o << "  " << w["kind"].get<std::string>() << " " << w["account"].get<std::string>() << " "
              << w["from"].get<std::string>() << " -> " << w["to"].get<std::string>() << " ("
              << w["mode"].get<std::string>() << ", " << w["trigger"].get<std::string>() << ") at "
              << fixed(w["switch_s"].get<double>(), 1) << " s: RPO " << w["rpo_writes"].get<uint64_t>()
              << " writes (" << w["rpo_blobs"].get<uint64_t>() << " blobs), RTO "
              << (w["rto_s"].is_null() ? std::string("-") : fixed(w["rto_s"].get<double>(), 2) + " s") << "\n";
        }
    }
    o << "\nchecks:\n";
    for (const auto& [name, c] : r["checks"].items()) {
        o << "  " << (c["held"].get<bool>() ? "held  " : "FAILED") << "  " << name << ": "
          << c["detail"].get<std::string>() << "\n";
    }
    if (r["checks"].empty()) o << "  (none asked for)\n";
    for (const auto& w : r.value("warnings", nlohmann::ordered_json::array()))
        o << "warning: " << w.get<std::string>() << "\n";
    o << "\nverdict: " << r["verdict"].get<std::string>();
    if (r.value("expect", "pass") == "fail") o << " (expect: fail)";
    o << "\nfingerprint: " << r["fingerprint"].get<std::string>() << "\n";
    return o.str();
}

}  // namespace reports
