// Parses "workloads": synthetic generators (arrival, mix, keys, size) and trace replays.
#include <cmath>
#include <system_error>

#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<WorkloadKind> kWorkloadKinds = {
    {"synthetic", WorkloadKind::kSynthetic},
    {"trace", WorkloadKind::kTrace},
};
const EnumTable<ArrivalKind> kArrivalKinds = {
    {"poisson", ArrivalKind::kPoisson},
    {"constant", ArrivalKind::kConstant},
    {"closed", ArrivalKind::kClosed},
};
const EnumTable<KeyDistribution> kKeyDistributions = {
    {"uniform", KeyDistribution::kUniform},
    {"zipf", KeyDistribution::kZipf},
    {"hotspot", KeyDistribution::kHotspot},
    {"sequential", KeyDistribution::kSequential},
};
const EnumTable<SizeDistribution> kSizeDistributions = {
    {"fixed", SizeDistribution::kFixed},
    {"uniform", SizeDistribution::kUniform},
    {"lognormal", SizeDistribution::kLognormal},
};
const EnumTable<TraceFormat> kTraceFormats = {
    {"azure-functions-blob-2020", TraceFormat::kAzureFunctionsBlob2020},
    {"tectonic-chunk", TraceFormat::kTectonicChunk},
};
const EnumTable<WorkloadAuth> kWorkloadAuths = {
    {"valid", WorkloadAuth::kValid},
    {"invalid", WorkloadAuth::kInvalid},
    {"none", WorkloadAuth::kNone},
    {"other_account", WorkloadAuth::kOtherAccount},
};

void parse_rate_steps(ParseContext& ctx, const Json& steps, Json& out, const std::string& at,
                      const Scenario& sc, ArrivalConfig* a) {
    if (steps.empty()) {
        ctx.diags.error(at, "expected a rate > 0 or a non-empty array of {\"at\", \"rate\"} "
                            "steps, got an empty array");
        return;
    }
    std::optional<sim::Duration> previous;
    bool any_positive = false;
    for (size_t i = 0; i < steps.size(); ++i) {
        ObjectReader o(ctx.diags, steps[i], out[i], pointer_join(at, i));
        auto step_at = o.duration("at", DurationMin::kZeroOk, Need::kRequired);
        auto rate = o.number("rate", kNonNegative, Need::kRequired);
        o.finish();
        if (step_at) {
            if (previous && *step_at <= *previous) {
                ctx.diags.error(o.at("at"), "expected steps in increasing time, after " +
                                                previous->to_string() + ", got \"" +
                                                step_at->to_string() + "\"");
            } else if (ctx.duration_known && *step_at >= sc.duration) {
                ctx.diags.error(o.at("at"), "expected a time before the duration (" +
                                                sc.duration.to_string() + "), got \"" +
                                                step_at->to_string() + "\"");
            }
            previous = step_at;
        }
        if (rate && *rate > 0) any_positive = true;
        if (step_at && rate) a->rate_steps.push_back(RateStep{*step_at, *rate});
    }
    if (!any_positive && a->rate_steps.size() == steps.size()) {
        ctx.diags.error(at, "expected at least one step with a rate > 0, got none");
    }
}

void parse_arrival(ParseContext& ctx, ObjectReader& w, const Scenario& sc, ArrivalConfig* a) {
    const Json* v = w.field("arrival", Need::kRequired, "an object");
    if (v == nullptr) return;
    ObjectReader o(ctx.diags, *v, w.out()["arrival"], w.at("arrival"));
    if (!o.is_object()) return;
    auto kind = o.enumeration("kind", kArrivalKinds, Need::kRequired);
    if (!kind) {
        // Without a kind the other keys cannot be judged; declare them all.
        for (auto k : {"rate", "clients", "think"}) o.declare(k);
        o.finish();
        return;
    }
    a->kind = *kind;
    if (*kind == ArrivalKind::kClosed) {
        a->clients = static_cast<int>(
            o.integer("clients", IntRange{1, 1'000'000}, Need::kRequired).value_or(0));
        a->think = o.duration_or("think", "0s", DurationMin::kZeroOk);
        o.finish("a closed arrival");
        return;
    }
    const Json* rate = o.field("rate", Need::kRequired, "a rate > 0 in operations per second");
    if (rate != nullptr) {
        if (rate->is_array()) {
            parse_rate_steps(ctx, *rate, o.out()["rate"], o.at("rate"), sc, a);
        } else if (auto r = read_number(ctx.diags, *rate, o.at("rate"), kPositiveNumber)) {
            a->rate = *r;
        }
    }
    o.finish(*kind == ArrivalKind::kPoisson ? "a poisson arrival" : "a constant arrival");
}

void parse_mix(ParseContext& ctx, ObjectReader& w, MixConfig* m) {
    const Json* v = w.field("mix", Need::kRequired, "an object of operation weights");
    if (v == nullptr) return;
    ObjectReader o(ctx.diags, *v, w.out()["mix"], w.at("mix"));
    if (!o.is_object()) return;
    const size_t before = ctx.diags.size();
    bool any = false;
    auto weight = [&](std::string_view key) {
        any = any || o.has(key);
        return o.number_or(key, 0.0, kFraction);
    };
    m->put = weight("put");
    m->get = weight("get");
    m->del = weight("delete");
    m->list = weight("list");
    m->head = weight("head");
    o.finish();
    double sum = m->put + m->get + m->del + m->list + m->head;
    if (ctx.diags.size() == before && std::fabs(sum - 1.0) > 1e-9) {
        ctx.diags.error(w.at("mix"), "expected weights that sum to 1, got a sum of " +
                                         describe(Json(sum)));
    }
}

void parse_keys(ParseContext& ctx, ObjectReader& w, KeysConfig* k) {
    const Json* v = w.field("keys", Need::kOptional, "an object");
    Json& out = w.out()["keys"];
    ObjectReader o(ctx.diags, v ? *v : empty_object(), out, w.at("keys"));
    if (!o.is_object()) return;
    k->count = o.integer_or("count", 10000, IntRange{1, 1'000'000'000'000});
    k->distribution =
        o.enumeration_or("distribution", kKeyDistributions, KeyDistribution::kUniform);
    switch (k->distribution) {
        case KeyDistribution::kZipf:
            k->theta = o.number_or("theta", 0.99, NumRange{0.0, 10.0, true, false});
            break;
        case KeyDistribution::kHotspot:
            k->hot_fraction = o.number_or("hot_fraction", 0.1, NumRange{0.0, 1.0, true, false});
            k->hot_probability = o.number_or("hot_probability", 0.9, kFraction);
            break;
        default: break;
    }
    o.finish("keys with distribution \"" +
             std::string(to_string(k->distribution)) + "\"");
}

void parse_size(ParseContext& ctx, ObjectReader& w, SizeConfig* s) {
    const Json* v = w.field("size", Need::kOptional, "an object");
    Json& out = w.out()["size"];
    ObjectReader o(ctx.diags, v ? *v : empty_object(), out, w.at("size"));
    if (!o.is_object()) return;
    s->distribution =
        o.enumeration_or("distribution", kSizeDistributions, SizeDistribution::kFixed);
    switch (s->distribution) {
        case SizeDistribution::kFixed: s->value = o.size_or("value", "4KiB", true); break;
        case SizeDistribution::kUniform: {
            auto lo = o.size("min", true, Need::kRequired);
            auto hi = o.size("max", true, Need::kRequired);
            if (lo && hi && *lo > *hi) {
                ctx.diags.error(o.at("max"), "expected a max >= min (" + lo->to_string() +
                                                 "), got \"" + hi->to_string() + "\"");
            }
            s->min = lo.value_or(sim::Bytes{});
            s->max = hi.value_or(sim::Bytes{});
            break;
        }
        case SizeDistribution::kLognormal:
            s->median = o.size("median", false, Need::kRequired).value_or(sim::Bytes{});
            s->sigma = o.number_or("sigma", 1.0, NumRange{0.0, 10.0, false, false});
            break;
    }
    o.finish("size with distribution \"" + std::string(to_string(s->distribution)) + "\"");
}

void parse_trace(ParseContext& ctx, ObjectReader& o, TraceConfig* t) {
    if (auto path = o.string("path", Need::kRequired)) {
        t->path = *path;
        std::filesystem::path full = ctx.base_dir / *path;
        std::error_code ec;
        if (path->empty() || !std::filesystem::is_regular_file(full, ec)) {
            ctx.diags.error(o.at("path"),
                            "expected a trace file (relative to the scenario file), got \"" +
                                *path + "\": no such file " + full.lexically_normal().string());
        } else {
            t->resolved_path = full.lexically_normal().string();
        }
    }
    t->format = o.enumeration("format", kTraceFormats, Need::kRequired)
                    .value_or(TraceFormat::kAzureFunctionsBlob2020);
    t->speed = o.number_or("speed", 1.0, NumRange{0.0, 1e6, true, false});
}

void parse_workload(ParseContext& ctx, const Json& in, Json& out, const std::string& at,
                    const Scenario& sc, std::set<std::string>* names, WorkloadConfig* w) {
    ObjectReader o(ctx.diags, in, out, at);
    if (!o.is_object()) return;
    if (auto name = o.string("name", Need::kRequired)) {
        if (!is_identifier(*name)) {
            ctx.diags.error(o.at("name"), std::string("expected ") + kIdentifierExpected +
                                              ", got \"" + *name + "\"");
        } else if (!names->insert(*name).second) {
            ctx.diags.error(o.at("name"), "expected a workload name used once, got \"" + *name +
                                              "\" a second time");
        } else {
            w->name = *name;
        }
    }
    w->kind = o.enumeration_or("kind", kWorkloadKinds, WorkloadKind::kSynthetic);
    if (auto account = o.string("account", Need::kRequired)) {
        bool found = false;
        std::vector<std::string> known;
        for (const auto& a : sc.accounts) {
            known.push_back(a.name);
            found = found || a.name == *account;
        }
        if (!found && !ctx.invalid_accounts.count(*account)) {
            ctx.diags.error(o.at("account"),
                            unknown_name_message("an account", Json(*account), known));
        }
        w->account = *account;
    }
    w->container = o.string_or("container", "c0");
    if (w->container.empty()) {
        ctx.diags.error(o.at("container"), "expected a non-empty container name, got \"\"");
    }
    w->start = o.duration_or("start", "0s", DurationMin::kZeroOk);
    const std::string end_default = ctx.duration_known ? sc.duration.to_string() : "0s";
    w->end = o.duration_or("end", end_default, DurationMin::kPositive);
    if (ctx.duration_known) {
        if (w->end > sc.duration) {
            ctx.diags.error(o.at("end"), "expected an end <= duration (" +
                                             sc.duration.to_string() + "), got \"" +
                                             w->end.to_string() + "\"");
        } else if (w->start >= w->end) {
            ctx.diags.error(o.at("start"), "expected a start before end (" + w->end.to_string() +
                                               "), got \"" + w->start.to_string() + "\"");
        }
    }
    w->auth = o.enumeration_or("auth", kWorkloadAuths, WorkloadAuth::kValid);
    if (w->auth == WorkloadAuth::kOtherAccount && sc.accounts.size() < 2) {
        ctx.diags.error(o.at("auth"),
                        "expected \"other_account\" only with two accounts or more, got one");
    }
    if (w->kind == WorkloadKind::kTrace) {
        parse_trace(ctx, o, &w->trace);
        o.finish("a trace workload");
        return;
    }
    parse_arrival(ctx, o, sc, &w->arrival);
    parse_mix(ctx, o, &w->mix);
    parse_keys(ctx, o, &w->keys);
    parse_size(ctx, o, &w->size);
    o.finish("a synthetic workload");
}

}  // namespace

void parse_workloads(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("workloads", Need::kRequired, "a non-empty array of workloads");
    if (v == nullptr) return;
    if (!v->is_array() || v->empty()) {
        ctx.diags.error(top.at("workloads"),
                        "expected a non-empty array of workloads, got " + describe(*v));
        return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < v->size(); ++i) {
        WorkloadConfig w;
        parse_workload(ctx, (*v)[i], top.out()["workloads"][i],
                       pointer_join(top.at("workloads"), i), sc, &names, &w);
        sc.workloads.push_back(std::move(w));
    }
}

}  // namespace app::scenario
