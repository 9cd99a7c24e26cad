// Parses "storage" (stream, partition, front-end and location parameters) and "accounts".
#include "app/scenario/sections.h"

namespace app::scenario {

namespace {

const EnumTable<Replication> kReplications = {
    {"chain", Replication::kChain},
    {"primary_fanout", Replication::kPrimaryFanout},
};
const EnumTable<AuthScheme> kAuthSchemes = {{"hmac-sha256", AuthScheme::kHmacSha256}};
const EnumTable<Placement> kPlacements = {
    {"least_loaded", Placement::kLeastLoaded},
    {"round_robin", Placement::kRoundRobin},
};

// "lrc-12-2-2" or "rs-6-3", each count from 1 to 32.
std::optional<ErasureCodingScheme> parse_scheme(const std::string& text) {
    std::vector<int> numbers;
    std::string prefix;
    size_t i = text.find('-');
    if (i == std::string::npos) return std::nullopt;
    prefix = text.substr(0, i);
    while (i < text.size()) {
        if (text[i] != '-') return std::nullopt;
        ++i;
        int v = 0;
        size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 3) {
            v = v * 10 + (text[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || v < 1 || v > 32) return std::nullopt;
        numbers.push_back(v);
    }
    ErasureCodingScheme s;
    if (prefix == "lrc" && numbers.size() == 3) {
        s.kind = ErasureCodingKind::kLrc;
        s.data = numbers[0];
        s.local_parity = numbers[1];
        s.global_parity = numbers[2];
        return s;
    }
    if (prefix == "rs" && numbers.size() == 2) {
        s.kind = ErasureCodingKind::kReedSolomon;
        s.data = numbers[0];
        s.local_parity = 0;
        s.global_parity = numbers[1];
        return s;
    }
    return std::nullopt;
}

// Each sub-object is optional: absent, it is read as {} so every default is written out.
ObjectReader sub(ObjectReader& parent, std::string_view key) {
    const Json* v = parent.field(key, Need::kOptional, "an object");
    return ObjectReader(parent.diags(), v ? *v : empty_object(), parent.out()[std::string(key)],
                        parent.at(key));
}

void parse_stream(ObjectReader& o, StreamConfig* s) {
    s->replicas = static_cast<int>(o.integer_or("replicas", 3, IntRange{1, 16}));
    s->replication = o.enumeration_or("replication", kReplications, Replication::kChain);
    auto seal = o.size_or("extent_seal_size", "1GiB", false);
    auto block = o.size_or("block_size", "4MiB", false);
    s->extent_seal_size = seal;
    s->block_size = block;
    if (block > seal) {
        o.diags().error(o.at("block_size"),
                        "expected a block size <= extent_seal_size (" + seal.to_string() +
                            "), got " + block.to_string());
    }
    s->re_replication_delay = o.duration_or("re_replication_delay", "15s", DurationMin::kZeroOk);
    s->heartbeat = o.duration_or("heartbeat", "1s", DurationMin::kPositive);
    s->node_timeout = o.duration_or("node_timeout", "10s", DurationMin::kPositive);
    if (s->node_timeout <= s->heartbeat) {
        o.diags().error(o.at("node_timeout"), "expected a node_timeout > heartbeat (" +
                                                  s->heartbeat.to_string() + "), got " +
                                                  s->node_timeout.to_string());
    }
    s->scrub_interval = o.duration_or("scrub_interval", "72h", DurationMin::kPositive);
    ObjectReader ec = sub(o, "erasure_coding");
    s->erasure_coding.enabled = ec.boolean_or("enabled", false);
    std::string scheme = ec.string_or("scheme", "lrc-12-2-2");
    if (auto parsed = parse_scheme(scheme)) {
        s->erasure_coding.scheme_name = scheme;
        s->erasure_coding.scheme = *parsed;
    } else if (ec.has("scheme") && ec.out()["scheme"].is_string()) {
        o.diags().error(ec.at("scheme"),
                        "expected an erasure coding scheme such as \"lrc-12-2-2\" or \"rs-6-3\", "
                        "got \"" + scheme + "\"");
    }
    s->erasure_coding.after_seal = ec.duration_or("after_seal", "10m", DurationMin::kZeroOk);
    ec.finish();
    o.finish();
}

void parse_partition(ObjectReader& o, PartitionConfig* p) {
    p->initial_partitions =
        static_cast<int>(o.integer_or("initial_partitions", 1, IntRange{1, 100000}));
    p->split_load = o.number_or("split_load", 3000, kPositiveNumber);
    p->merge_load = o.number_or("merge_load", 100, kNonNegative);
    if (p->split_load <= p->merge_load) {
        o.diags().error(o.at("split_load"),
                        "expected split_load > merge_load (" + describe(Json(p->merge_load)) +
                            "), got " + describe(Json(p->split_load)));
    }
    p->balance_interval = o.duration_or("balance_interval", "30s", DurationMin::kPositive);
    p->lease = o.duration_or("lease", "10s", DurationMin::kPositive);
    p->checkpoint_log_size = o.size_or("checkpoint_log_size", "256MiB", false);
    o.finish();
}

void parse_front_end(ObjectReader& o, FrontEndConfig* f) {
    f->map_cache_ttl = o.duration_or("map_cache_ttl", "60s", DurationMin::kZeroOk);
    f->request_timeout = o.duration_or("request_timeout", "30s", DurationMin::kPositive);
    f->auth = o.enumeration_or("auth", kAuthSchemes, AuthScheme::kHmacSha256);
    o.finish();
}

void parse_location(ObjectReader& o, LocationConfig* l) {
    l->dns_ttl = o.duration_or("dns_ttl", "30s", DurationMin::kZeroOk);
    l->placement = o.enumeration_or("placement", kPlacements, Placement::kLeastLoaded);
    ObjectReader geo = sub(o, "geo_replication");
    l->geo_replication.enabled = geo.boolean_or("enabled", false);
    l->geo_replication.interval = geo.duration_or("interval", "5s", DurationMin::kPositive);
    l->geo_replication.failover_on_stamp_down = geo.boolean_or("failover_on_stamp_down", true);
    l->geo_replication.failover_detection =
        geo.duration_or("failover_detection", "10s", DurationMin::kPositive);
    geo.finish();
    o.finish();
}

// Strict RFC 4648 base64 (standard alphabet, padded); nullopt if the text is not.
std::optional<std::vector<uint8_t>> decode_base64(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::vector<uint8_t> out;
    for (size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++pad;
            } else if (pad > 0 || (v[k] = value(c)) < 0) {
                return std::nullopt;
            }
        }
        uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out.push_back(static_cast<uint8_t>(n >> 16));
        if (pad < 2) out.push_back(static_cast<uint8_t>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<uint8_t>(n & 0xff));
    }
    return out;
}

std::optional<std::string> read_stamp_name(ObjectReader& o, std::string_view key,
                                           const Scenario& sc) {
    auto name = o.string(key, Need::kOptional);
    if (!name) return std::nullopt;
    if (sc.find_stamp(*name) == nullptr) {
        std::vector<std::string> names;
        for (const auto& r : sc.topology.regions) {
            for (const auto& s : r.stamps) names.push_back(s.name);
        }
        o.diags().error(o.at(key), unknown_name_message("a stamp", Json(*name), names));
        return std::nullopt;
    }
    return name;
}

}  // namespace

void parse_storage(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    (void)ctx;
    ObjectReader o = sub(top, "storage");
    if (!o.is_object()) return;
    // One reader at a time: each refers into o.out(), which the next one grows.
    {
        ObjectReader stream = sub(o, "stream");
        parse_stream(stream, &sc.storage.stream);
    }
    {
        ObjectReader partition = sub(o, "partition");
        parse_partition(partition, &sc.storage.partition);
    }
    {
        ObjectReader front_end = sub(o, "front_end");
        parse_front_end(front_end, &sc.storage.front_end);
    }
    {
        ObjectReader location = sub(o, "location");
        parse_location(location, &sc.storage.location);
    }
    o.finish();
}

void parse_accounts(ParseContext& ctx, ObjectReader& top, Scenario& sc) {
    const Json* v = top.field("accounts", Need::kRequired, "a non-empty array of accounts");
    if (v == nullptr) return;
    if (!v->is_array() || v->empty()) {
        ctx.diags.error(top.at("accounts"),
                        "expected a non-empty array of accounts, got " + describe(*v));
        return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < v->size(); ++i) {
        ObjectReader o(ctx.diags, (*v)[i], top.out()["accounts"][i],
                       pointer_join(top.at("accounts"), i));
        AccountConfig account;
        if (auto name = o.string("name", Need::kRequired)) {
            if (!is_identifier(*name)) {
                ctx.diags.error(o.at("name"), std::string("expected ") + kIdentifierExpected +
                                                  ", got \"" + *name + "\"");
            } else if (!names.insert(*name).second) {
                ctx.diags.error(o.at("name"), "expected an account name used once, got \"" +
                                                  *name + "\" a second time");
            } else {
                account.name = *name;
            }
        }
        account.stamp = read_stamp_name(o, "stamp", sc);
        account.secondary = read_stamp_name(o, "secondary", sc);
        if (account.stamp && account.secondary && *account.stamp == *account.secondary) {
            ctx.diags.error(o.at("secondary"), "expected a stamp other than the primary \"" +
                                                   *account.stamp + "\", got \"" +
                                                   *account.secondary + "\"");
        }
        if (auto key = o.string("key", Need::kOptional)) {
            if (auto bytes = decode_base64(*key)) {
                account.key = *key;
                account.key_bytes = std::move(*bytes);
            } else {
                ctx.diags.error(o.at("key"), "expected a base64 key such as \"c2VjcmV0\", got " +
                                                 describe(Json(*key)));
            }
        }
        o.finish();
        if (account.name.empty()) {
            if (o.has("name") && (*v)[i]["name"].is_string()) {
                ctx.invalid_accounts.insert((*v)[i]["name"].get<std::string>());
            }
            continue;
        }
        sc.accounts.push_back(std::move(account));
    }
}

}  // namespace app::scenario
