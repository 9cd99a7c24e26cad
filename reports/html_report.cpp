#include "reports/html_report.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reports {

using Json = nlohmann::ordered_json;

namespace {

constexpr int kCharts = 9;

std::string escape_html(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// Text inside <script>: only "</script" ends the element early (HTML's script data
// state), so that is the one sequence rewritten ("<\/script" means the same in JS strings
// and JSON). Rewriting every "</" would break regex literals such as /</g in the bundles.
std::string escape_script(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '<' && i + 7 < s.size() && s[i + 1] == '/' &&
            (s.compare(i + 2, 6, "script") == 0 || s.compare(i + 2, 6, "SCRIPT") == 0)) {
            out += "<\\/";
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string num(double v, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

bool read_file(const std::string& path, std::string* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    *out = s.str();
    return !out->empty();
}

constexpr const char* kStyle = R"CSS(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto;
       max-width: 1100px; color: #222; }
h1 { margin-bottom: 4px; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 14px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 10px; color: white; font-weight: bold; }
.pass { background: #2e7d32; } .fail { background: #c62828; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f5f5f5; } td.l, th.l { text-align: left; }
.chart { margin: 12px 0; min-height: 40px; }
.warn { background: #fff3e0; border: 1px solid #ffb74d; padding: 8px 12px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 480px; }
)CSS";

// Builds every chart's Vega-Lite spec from the embedded report and renders them.
constexpr const char* kScript = R"JS(
(function () {
  const errors = [];
  const origError = console.error;
  console.error = function () { errors.push(Array.from(arguments).join(' ')); origError.apply(console, arguments); };
  window.addEventListener('error', e => errors.push(String(e.message)));
  const R = JSON.parse(document.getElementById('report-data').textContent);
  const ts = R.timeseries || {time_s: [], ops: {}, metrics: [], interval_s: 1};
  const step = ts.interval_s || 1;
  const kinds = ['put', 'get', 'delete', 'list', 'head'];
  const end = (R.sim && R.sim.duration_s) || (ts.time_s.length * step);
  const faults = (R.faults || []).map(f => ({start: f.start_s, end: (f.end_s === null ? end : f.end_s),
                                            label: f.kind + ' ' + f.target}));
  const W = 900;
  function faultLayers() {
    return [
      {data: {values: faults}, mark: {type: 'rect', opacity: 0.15, color: '#e53935'},
       encoding: {x: {field: 'start', type: 'quantitative'}, x2: {field: 'end'}}},
      {data: {values: faults}, mark: {type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3,
                                      fontSize: 10, color: '#b71c1c'},
       encoding: {x: {field: 'start', type: 'quantitative'}, y: {value: 0}, text: {field: 'label'}}}];
  }
  function titled(t, rows) { return rows.length ? t : t + ' (no samples recorded)'; }
  function metricRows(name) {
    const rows = [];
    for (const m of ts.metrics || []) if (m.metric === name)
      m.t.forEach((t, i) => rows.push({time_s: t, t2: t + step, series: m.labels || name, value: m.v[i]}));
    return rows;
  }
  const lat = [], thr = [], err = [];
  for (const k of kinds) {
    const o = ts.ops[k]; if (!o) continue;
    ts.time_s.forEach((t, i) => {
      if (!o.count[i]) return;
      for (const [p, key] of [['p50', 'p50_ms'], ['p99', 'p99_ms'], ['p999', 'p999_ms']]) {
        const v = o[key][i];
        if (v !== null && v > 0) lat.push({time_s: t, op: k, percentile: p, ms: v});
      }
      thr.push({time_s: t, op: k, ops_per_s: o.throughput[i]});
      err.push({time_s: t, op: k, errors: o.errors[i]});
    });
  }
  const time = {field: 'time_s', type: 'quantitative', title: 'simulated time (s)'};
  function line(title, rows, y, color, extra) {
    return {title: titled(title, rows), width: W, height: 220,
            layer: faultLayers().concat([Object.assign({data: {values: rows}, mark: {type: 'line', point: false},
              encoding: Object.assign({x: time, y: y, color: color}, extra || {})})])};
  }
  function heat(title, rows) {
    return {title: titled(title, rows), width: W, height: Math.max(120, Math.min(600, 14 * new Set(rows.map(r => r.series)).size)),
            data: {values: rows}, mark: 'rect',
            encoding: {x: time, x2: {field: 't2'}, y: {field: 'series', type: 'nominal', title: null},
                       color: {field: 'value', type: 'quantitative', title: 'ops/s', scale: {scheme: 'inferno'}}}};
  }
  const lbRows = [];
  for (const g of ['partition_servers', 'extent_nodes', 'racks']) {
    const lb = (R.load_balance || {})[g];
    if (lb && lb.per_interval) for (const p of lb.per_interval) lbRows.push({time_s: p.time_s, group: g, max_over_mean: p.max_over_mean});
  }
  const countRows = metricRows('partition.range_count');
  const marks = [];
  for (const [name, label] of [['partition.split', 'split'], ['partition.merge', 'merge'], ['partition.move', 'move']])
    for (const r of metricRows(name)) marks.push({time_s: r.time_s, event: label});
  const specs = [
    line('Latency p50 / p99 / p999 by operation (ms, log scale)', lat,
         {field: 'ms', type: 'quantitative', scale: {type: 'log'}, title: 'latency (ms)'},
         {field: 'op', type: 'nominal'}, {strokeDash: {field: 'percentile', type: 'nominal'}}),
    line('Throughput (successful operations per second)', thr,
         {field: 'ops_per_s', type: 'quantitative', title: 'ops/s'}, {field: 'op', type: 'nominal'}),
    line('Errors per interval (failed, timed out, throttled)', err,
         {field: 'errors', type: 'quantitative', title: 'errors'}, {field: 'op', type: 'nominal'}),
    heat('Load per partition server', metricRows('partition_server.load')),
    heat('Load per extent node', metricRows('extent_node.load')),
    line('Load per rack', metricRows('rack.load'), {field: 'value', type: 'quantitative', title: 'ops/s'},
         {field: 'series', type: 'nominal', title: 'rack'}),
    line('Load balance: max / mean per interval', lbRows,
         {field: 'max_over_mean', type: 'quantitative', title: 'max / mean'}, {field: 'group', type: 'nominal'}),
    line('Under-replicated extents', metricRows('stream.under_replicated_extents'),
         {field: 'value', type: 'quantitative', title: 'extents'}, {field: 'series', type: 'nominal', title: 'stamp'}),
    {title: titled('Range partitions, with splits, merges and moves', countRows.concat(marks)), width: W, height: 200,
     layer: faultLayers().concat([
       {data: {values: countRows}, mark: {type: 'line', interpolate: 'step-after', color: '#37474f'},
        encoding: {x: time, y: {field: 'value', type: 'quantitative', title: 'range partitions'},
                   detail: {field: 'series', type: 'nominal'}}},
       {data: {values: marks}, mark: {type: 'rule', strokeDash: [3, 3]},
        encoding: {x: {field: 'time_s', type: 'quantitative'},
                   color: {field: 'event', type: 'nominal', title: 'event',
                           scale: {domain: ['split', 'merge', 'move'], range: ['#1e88e5', '#43a047', '#fb8c00']}}}}])}
  ];
  const opts = {renderer: 'svg', actions: false};
  Promise.all(specs.map((s, i) => {
    s['$schema'] = 'https://vega.github.io/schema/vega-lite/v5.json';
    return vegaEmbed('#chart-' + i, s, opts);
  })).then(results => {
    document.body.setAttribute('data-charts-rendered', String(results.length));
    document.body.setAttribute('data-console-errors', String(errors.length));
    if (errors.length) document.body.setAttribute('data-console-error-text', errors.join(' | '));
  }).catch(e => {
    document.body.setAttribute('data-render-error', String(e));
    document.body.setAttribute('data-console-errors', String(errors.length + 1));
  });
})();
)JS";

void ops_table(const Json& r, std::ostringstream& o) {
    o << "<table><tr><th class=l>op</th><th>count</th><th>ok</th><th>failed</th><th>rejected</th>"
         "<th>ops/s</th><th>mean ms</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p999 ms</th>"
         "<th>max ms</th></tr>\n";
    for (const char* k : {"put", "get", "delete", "list", "head", "all"}) {
        if (!r["ops"].contains(k)) continue;
        const auto& s = r["ops"][k];
        const auto& l = s["latency_ms"];
        o << "<tr><td class=l>" << k << "</td><td>" << s["count"].get<uint64_t>() << "</td><td>"
          << s["ok"].get<uint64_t>() << "</td><td>" << s["failed"].get<uint64_t>() << "</td><td>"
          << s["rejected"].get<uint64_t>() << "</td><td>" << num(s["throughput"].get<double>(), 1)
          << "</td>";
        for (const char* p : {"mean", "p50", "p90", "p99", "p999", "max"})
            o << "<td>" << num(l[p].get<double>(), 3) << "</td>";
        o << "</tr>\n";
    }
    o << "</table>\n";
}

void checks_table(const Json& r, std::ostringstream& o) {
    if (r["checks"].empty()) {
        o << "<p>No checks were asked for.</p>\n";
        return;
    }
    o << "<table><tr><th class=l>check</th><th class=l>verdict</th><th class=l>detail</th></tr>\n";
    for (const auto& [name, c] : r["checks"].items()) {
        bool held = c["held"].get<bool>();
        o << "<tr><td class=l>" << escape_html(name) << "</td><td class=l><span class='badge "
          << (held ? "pass'>held" : "fail'>failed") << "</span></td><td class=l>"
          << escape_html(c["detail"].get<std::string>()) << "</td></tr>\n";
        const auto& ops = c["violation_ops"];
        if (ops.empty()) continue;
        o << "<tr><td></td><td colspan=2 class=l>Operations that show it:<table><tr><th>id</th>"
             "<th class=l>workload</th><th class=l>kind</th><th class=l>blob</th><th>invoke s</th>"
             "<th>complete s</th><th class=l>status</th><th class=l>fingerprint</th></tr>\n";
        for (const auto& op : ops) {
            o << "<tr><td>" << op["id"].get<uint64_t>() << "</td><td class=l>"
              << escape_html(op.value("workload", "")) << "</td><td class=l>"
              << op["kind"].get<std::string>() << "</td><td class=l>"
              << escape_html(op["account"].get<std::string>() + "/" + op["container"].get<std::string>() +
                             "/" + op["blob"].get<std::string>())
              << "</td><td>" << num(op["invoke_s"].get<double>(), 6) << "</td><td>"
              << num(op["complete_s"].get<double>(), 6) << "</td><td class=l>"
              << op["status"].get<std::string>() << "</td><td class=l>"
              << escape_html(op.value("fingerprint", "")) << "</td></tr>\n";
        }
        o << "</table></td></tr>\n";
    }
    o << "</table>\n";
}

void faults_table(const Json& r, std::ostringstream& o) {
    if (r["faults"].empty()) {
        o << "<p>No faults were applied.</p>\n";
        return;
    }
    o << "<table><tr><th class=l>kind</th><th class=l>target</th><th>start s</th><th>end s</th>"
         "<th>messages dropped</th><th>requests failed</th><th>nodes</th></tr>\n";
    for (const auto& f : r["faults"]) {
        const auto& e = f["effect"];
        o << "<tr><td class=l>" << escape_html(f["kind"].get<std::string>()) << "</td><td class=l>"
          << escape_html(f["target"].get<std::string>()) << "</td><td>"
          << num(f["start_s"].get<double>(), 3) << "</td><td>"
          << (f["end_s"].is_null() ? std::string("-") : num(f["end_s"].get<double>(), 3))
          << "</td><td>" << e["messages_dropped"].get<uint64_t>() << "</td><td>"
          << e["requests_failed"].get<uint64_t>() << "</td><td>" << e["nodes"].get<uint64_t>()
          << "</td></tr>\n";
    }
    o << "</table>\n";
}

}  // namespace

int html_chart_count() { return kCharts; }

std::string default_vega_dir(const std::string& source_dir) {
    if (const char* env = std::getenv("STAMPSIM_VEGA_DIR"); env && *env) return env;
    return source_dir + "/reports/web/node_modules";
}

std::optional<VegaBundle> load_vega_bundle(const std::string& dir, std::string* error) {
    VegaBundle b;
    struct Part {
        const char* path;
        std::string* out;
    } parts[] = {{"/vega/build/vega.min.js", &b.vega},
                 {"/vega-lite/build/vega-lite.min.js", &b.vega_lite},
                 {"/vega-embed/build/vega-embed.min.js", &b.vega_embed}};
    for (const auto& p : parts) {
        if (!read_file(dir + p.path, p.out)) {
            if (error) *error = "missing " + dir + p.path;
            return std::nullopt;
        }
    }
    return b;
}

std::string render_html(const Json& r, const VegaBundle* bundle, std::vector<std::string>* warnings) {
    std::ostringstream o;
    const std::string name = r["scenario"].value("name", "");
    const std::string verdict = r.value("verdict", "fail");
    o << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<title>stampsim: "
      << escape_html(name) << " (seed " << r.value("seed", 0) << ")</title>\n<style>" << kStyle
      << "</style>\n";
    if (bundle) {
        o << "<script>" << escape_script(bundle->vega) << "</script>\n<script>"
          << escape_script(bundle->vega_lite) << "</script>\n<script>"
          << escape_script(bundle->vega_embed) << "</script>\n";
    }
    o << "</head>\n<body>\n<h1>" << escape_html(name) << " <span class='badge "
      << (verdict == "pass" ? "pass" : "fail") << "'>" << escape_html(verdict) << "</span></h1>\n";
    o << "<div class=meta>seed " << r.value("seed", 0) << " &middot; fingerprint "
      << escape_html(r.value("fingerprint", "")) << " &middot; stampsim "
      << escape_html(r.value("version", "")) << " &middot; simulated "
      << num(r["sim"].value("duration_s", 0.0), 1) << " s, " << r["sim"].value("events", uint64_t{0})
      << " events";
    if (r.value("expect", "pass") == "fail") o << " &middot; expect: fail";
    o << "</div>\n";
    for (const auto& w : r.value("warnings", Json::array()))
        o << "<p class=warn>warning: " << escape_html(w.get<std::string>()) << "</p>\n";
    if (!bundle) {
        const std::string msg =
            "the Vega-Lite bundle was not found, so report.html has no charts; install it with "
            "`bash reports/web/setup.sh` and re-render with `stampsim report DIR`";
        o << "<p class=warn id=no-charts>Charts are missing: " << escape_html(msg) << ".</p>\n";
        if (warnings) warnings->push_back(msg);
    }
    o << "<h2>Operations</h2>\n";
    ops_table(r, o);
    const auto& a = r["availability"];
    o << "<p>Availability " << num(a["overall"].get<double>() * 100, 4) << "% overall; worst "
      << num(a["window_s"].get<double>(), 0) << " s window "
      << num(a["worst_window"].get<double>() * 100, 4) << "%.</p>\n";
    o << "<h2>Checks</h2>\n";
    checks_table(r, o);
    o << "<h2>Charts</h2>\n";
    for (int i = 0; i < kCharts; ++i) o << "<div class=chart id=chart-" << i << "></div>\n";
    o << "<h2>Faults</h2>\n";
    faults_table(r, o);
    o << "<h2>Load balance (whole run)</h2>\n<table><tr><th class=l>group</th><th>mean</th>"
         "<th>max</th><th>max/mean</th><th>cov</th><th>gini</th></tr>\n";
    for (const auto& [g, s] : r["load_balance"].items())
        o << "<tr><td class=l>" << escape_html(g) << "</td><td>" << num(s["mean"].get<double>(), 2)
          << "</td><td>" << num(s["max"].get<double>(), 2) << "</td><td>"
          << num(s["max_over_mean"].get<double>(), 3) << "</td><td>" << num(s["cov"].get<double>(), 3)
          << "</td><td>" << num(s["gini"].get<double>(), 3) << "</td></tr>\n";
    o << "</table>\n<h2>Scenario as run</h2>\n<div class=meta>"
      << escape_html(r["scenario"].value("file", "")) << " &middot; sha256 "
      << escape_html(r["scenario"].value("sha256", "")) << "</div>\n<pre>"
      << escape_html(r["scenario"]["resolved"].dump(2)) << "</pre>\n";
    o << "<script type='application/json' id=report-data>" << escape_script(r.dump())
      << "</script>\n";
    if (bundle) o << "<script>" << kScript << "</script>\n";
    o << "</body></html>\n";
    return o.str();
}

}  // namespace reports
