#include "reports/trace_json.h"

#include <cstdio>
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

namespace reports {

namespace {

constexpr uint32_t kFaultTrack = 0;  // node tracks are NodeId + 1

std::string micros(int64_t ns) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000),
                  static_cast<long long>(ns % 1000 < 0 ? -(ns % 1000) : ns % 1000));
    return buf;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

void write_trace_json(const sim::Tracer* tracer, const std::vector<std::string>& node_names,
                      const models::observe::FaultLog& faults, std::ostream& out) {
    std::map<std::string, uint32_t> track_of_name;
    for (uint32_t i = 0; i < node_names.size(); ++i) track_of_name.emplace(node_names[i], i + 1);
    std::set<uint32_t> tracks{kFaultTrack};
    if (tracer)
        for (const auto& r : tracer->records()) tracks.insert(r.node.valid() ? r.node.value + 1 : kFaultTrack);
    for (const auto& f : faults.records())
        for (const auto& n : f.nodes)
            if (auto it = track_of_name.find(n); it != track_of_name.end()) tracks.insert(it->second);

    out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
    out << "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"stampsim\"}}";
    for (uint32_t t : tracks) {
        std::string name = t == kFaultTrack ? "faults"
                           : t - 1 < node_names.size() ? node_names[t - 1]
                                                       : "node " + std::to_string(t - 1);
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << t
            << ",\"name\":\"thread_name\",\"args\":{\"name\":" << quoted(name) << "}}";
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << t
            << ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" << t << "}}";
    }
    if (tracer) {
        for (const auto& r : tracer->records()) {
            uint32_t t = r.node.valid() ? r.node.value + 1 : kFaultTrack;
            out << ",\n{\"pid\":1,\"tid\":" << t << ",\"name\":" << quoted(r.name)
                << ",\"cat\":" << quoted(r.category.empty() ? "sim" : r.category)
                << ",\"ts\":" << micros(r.start.ns());
            if (r.length > sim::Duration::zero())
                out << ",\"ph\":\"X\",\"dur\":" << micros(r.length.ns()) << "}";
            else
                out << ",\"ph\":\"i\",\"s\":\"t\"}";
        }
    }
    for (const auto& f : faults.records()) {
        const std::string name = f.kind + " " + f.target;
        const int64_t end = f.end ? f.end->ns() : f.start.ns();
        out << ",\n{\"pid\":1,\"tid\":" << kFaultTrack << ",\"ph\":\"X\",\"name\":" << quoted(name)
            << ",\"cat\":\"fault\",\"ts\":" << micros(f.start.ns()) << ",\"dur\":"
            << micros(end - f.start.ns()) << ",\"args\":{\"messages_dropped\":"
            << f.effect.messages_dropped << ",\"requests_failed\":" << f.effect.requests_failed
            << ",\"nodes\":" << f.effect.nodes << "}}";
        for (const auto& n : f.nodes) {
            auto it = track_of_name.find(n);
            if (it == track_of_name.end()) continue;
            out << ",\n{\"pid\":1,\"tid\":" << it->second << ",\"ph\":\"i\",\"s\":\"t\",\"name\":"
                << quoted(f.kind) << ",\"cat\":\"fault\",\"ts\":" << micros(f.start.ns()) << "}";
        }
    }
    if (tracer && tracer->truncated())
        out << ",\n{\"pid\":1,\"tid\":" << kFaultTrack
            << ",\"ph\":\"i\",\"s\":\"g\",\"name\":\"trace truncated\",\"ts\":0}";
    out << "\n]}\n";
}

}  // namespace reports
