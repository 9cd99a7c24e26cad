// Parses "operations": failovers and migrations of accounts that the location service
// runs during the load, checking that each names an account that exists, a stamp that
// exists, and (for a failover) an account with a secondary, with geo-replication on.
#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<OperationKind> kOperationKinds = {
    {"failover", OperationKind::kFailover},
    {"migrate", OperationKind::kMigrate},
};

const EnumTable<FailoverMode> kFailoverModes = {
    {"clean", FailoverMode::kClean},
    {"abrupt", FailoverMode::kAbrupt},
};

const AccountConfig* find_account(const Scenario& sc, const std::string& name) {
    for (const auto& a : sc.accounts) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

void parse_operation(ParseContext& ctx, ObjectReader& o, const Scenario& sc, OperationConfig* op) {
    if (auto at = o.duration("at", DurationMin::kZeroOk, Need::kRequired)) {
        op->at = *at;
        if (ctx.duration_known && *at >= sc.duration) {
            ctx.diags.error(o.at("at"), "expected a time before the duration (" + sc.duration.to_string() +
                                            "), got \"" + at->to_string() + "\"");
        }
    }
    auto kind = o.enumeration("kind", kOperationKinds, Need::kRequired);
    const AccountConfig* account = nullptr;
    if (auto name = o.string("account", Need::kRequired)) {
        account = find_account(sc, *name);
        if (account == nullptr && !ctx.invalid_accounts.count(*name)) {
            std::vector<std::string> names;
            for (const auto& a : sc.accounts) names.push_back(a.name);
            ctx.diags.error(o.at("account"), unknown_name_message("an account", Json(*name), names));
        }
        op->account = *name;
    }
    if (!kind) {
        o.declare("mode");
        o.declare("to");
        o.finish();
        return;
    }
    op->kind = *kind;
    if (*kind == OperationKind::kFailover) {
        op->mode = o.enumeration_or("mode", kFailoverModes, FailoverMode::kClean);
        if (account != nullptr && !account->secondary) {
            ctx.diags.error(o.at("account"), "expected an account with a \"secondary\" stamp to fail over to, got \"" +
                                                 account->name + "\" without one");
        }
    } else {
        if (auto to = o.string("to", Need::kRequired)) {
            if (sc.find_stamp(*to) == nullptr) {
                std::vector<std::string> names;
                for (const auto& r : sc.topology.regions) {
                    for (const auto& st : r.stamps) names.push_back(st.name);
                }
                ctx.diags.error(o.at("to"), unknown_name_message("a stamp", Json(*to), names));
            } else if (account != nullptr && account->stamp && *account->stamp == *to) {
                ctx.diags.error(o.at("to"), "expected a stamp other than the account's own \"" + *to +
                                                "\", got \"" + *to + "\"");
            } else {
                op->to = *to;
            }
        }
    }
    o.finish("a " + std::string(*kind == OperationKind::kFailover ? "failover" : "migrate") + " operation");
}

}  // namespace

void parse_operations(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("operations", Need::kOptional, "an array of operations");
    if (v == nullptr) return;
    if (!v->is_array()) {
        ctx.diags.error(top.at("operations"), "expected an array of operations, got " + describe(*v));
        return;
    }
    if (!v->empty() && !sc.storage.location.geo_replication.enabled) {
        ctx.diags.error(top.at("operations"),
                        "expected storage.location.geo_replication.enabled true for operations (they "
                        "run through the geo replicators), got false");
    }
    for (size_t i = 0; i < v->size(); ++i) {
        ObjectReader o(ctx.diags, (*v)[i], top.out()["operations"][i], pointer_join(top.at("operations"), i));
        if (!o.is_object()) continue;
        OperationConfig op;
        parse_operation(ctx, o, sc, &op);
        sc.operations.push_back(std::move(op));
    }
}

}  // namespace app::scenario
