#include "models/client/trace_reader.h"

#include <charconv>
#include <cmath>

#include "sim/rng.h"

namespace models::client {

namespace {

constexpr std::string_view kAzureHeader =
    "Timestamp,AnonRegion,AnonUserId,AnonAppName,AnonFunctionInvocationId,AnonBlobName,BlobType,AnonBlobETag,"
    "BlobBytes,Read,Write";
constexpr std::string_view kTectonicHeader =
    "op_time,block_id,block_id_size,io_size,io_offset,user_name,user_namespace,op_name,op_count,host_name,"
    "rs_shard_id";

std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
}

bool parse_i64(std::string_view s, int64_t* out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "30.0", "1938488.0", "" -> bytes; rejects negatives and non-numbers.
bool parse_bytes(std::string_view s, int64_t* out) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0 || v > 1e15) return false;
    *out = static_cast<int64_t>(std::llround(v));
    return true;
}

bool parse_bool(std::string_view s, bool* out) {
    if (s == "True" || s == "true") {
        *out = true;
        return true;
    }
    if (s == "False" || s == "false") {
        *out = false;
        return true;
    }
    return false;
}

}  // namespace

std::optional<TraceFormat> trace_format_from_name(std::string_view name) {
    if (name == "azure-functions-blob-2020") return TraceFormat::kAzureFunctionsBlob2020;
    if (name == "tectonic-chunk") return TraceFormat::kTectonicChunk;
    return std::nullopt;
}

std::string_view trace_format_name(TraceFormat f) {
    return f == TraceFormat::kAzureFunctionsBlob2020 ? "azure-functions-blob-2020" : "tectonic-chunk";
}

bool split_csv_line(std::string_view line, std::vector<std::string>* fields) {
    fields->clear();
    std::string cur;
    bool quoted = false;
    bool field_started_quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') {
                    cur.push_back('"');
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                cur.push_back(c);
            }
        } else if (c == '"' && cur.empty() && !field_started_quoted) {
            quoted = true;
            field_started_quoted = true;
        } else if (c == ',') {
            fields->push_back(std::move(cur));
            cur.clear();
            field_started_quoted = false;
        } else {
            cur.push_back(c);
        }
    }
    if (quoted) return false;
    fields->push_back(std::move(cur));
    return true;
}

TraceReader::TraceReader(std::string path, TraceFormat format, TraceOptions options)
    : path_(std::move(path)), format_(format), options_(options) {}

std::unique_ptr<TraceReader> TraceReader::open(const std::string& path, TraceFormat format, TraceOptions options,
                                               std::string* error) {
    std::unique_ptr<TraceReader> r(new TraceReader(path, format, options));
    r->in_.open(path, std::ios::binary);
    if (!r->in_) {
        *error = path + ": cannot open the trace file";
        return nullptr;
    }
    std::string header;
    if (!std::getline(r->in_, header)) {
        *error = path + ":1: empty file, expected a CSV header";
        return nullptr;
    }
    const std::string_view want = format == TraceFormat::kAzureFunctionsBlob2020 ? kAzureHeader : kTectonicHeader;
    if (strip_cr(header) != want) {
        *error = path + ":1: expected the " + std::string(trace_format_name(format)) + " header \"" + std::string(want) +
                 "\", got \"" + std::string(strip_cr(header)).substr(0, 200) + "\"";
        return nullptr;
    }
    if (!(options.speed > 0)) {
        *error = path + ": speed must be > 0";
        return nullptr;
    }
    return r;
}

void TraceReader::error(uint64_t line, std::string message) {
    ++stats_.bad_lines;
    if (errors_.size() < options_.max_errors) errors_.push_back(TraceError{line, std::move(message)});
}

std::optional<TraceReader::Row> TraceReader::parse_line(const std::string& raw, uint64_t line_no) {
    const std::string_view line = strip_cr(raw);
    if (line.empty()) return std::nullopt;
    std::vector<std::string> f;
    if (!split_csv_line(line, &f)) {
        error(line_no, "unterminated quoted field");
        return std::nullopt;
    }
    if (f.size() != 11) {
        error(line_no, "expected 11 fields, got " + std::to_string(f.size()));
        return std::nullopt;
    }
    Row row;
    row.seq = seq_++;
    if (format_ == TraceFormat::kAzureFunctionsBlob2020) {
        int64_t ms = 0;
        if (!parse_i64(f[0], &ms) || ms < 0) {
            error(line_no, "Timestamp: expected milliseconds since the epoch, got \"" + f[0] + "\"");
            return std::nullopt;
        }
        if (f[3].empty() || f[5].empty()) {
            error(line_no, "AnonAppName and AnonBlobName must not be empty");
            return std::nullopt;
        }
        int64_t size = 0;
        if (f[8].empty() || f[8] == "nan" || f[8] == "NaN") {
            ++stats_.missing_size;
        } else if (!parse_bytes(f[8], &size)) {
            error(line_no, "BlobBytes: expected a size in bytes, got \"" + f[8] + "\"");
            return std::nullopt;
        }
        bool read = false, write = false;
        if (!parse_bool(f[9], &read) || !parse_bool(f[10], &write)) {
            error(line_no, "Read and Write: expected True or False, got \"" + f[9] + "\" and \"" + f[10] + "\"");
            return std::nullopt;
        }
        if (!read && !write) {
            error(line_no, "neither Read nor Write is True");
            return std::nullopt;
        }
        row.time_ns = ms * 1'000'000;
        const std::string container = "app-" + f[3];
        if (write) row.ops.push_back(TraceOp{{}, TraceOpKind::kPut, container, f[5], size, line_no, false});
        if (read) row.ops.push_back(TraceOp{{}, TraceOpKind::kGet, container, f[5], size, line_no, false});
    } else {
        int64_t seconds = 0, io_size = 0, count = 0;
        if (!parse_i64(f[0], &seconds) || seconds < 0) {
            error(line_no, "op_time: expected seconds since the epoch, got \"" + f[0] + "\"");
            return std::nullopt;
        }
        if (!parse_i64(f[3], &io_size) || io_size < 0) {
            error(line_no, "io_size: expected bytes, got \"" + f[3] + "\"");
            return std::nullopt;
        }
        if (!parse_i64(f[8], &count) || count < 1 || count > 1'000'000) {
            error(line_no, "op_count: expected a count from 1 to 1000000, got \"" + f[8] + "\"");
            return std::nullopt;
        }
        TraceOpKind kind;
        if (f[7].rfind("putChunk", 0) == 0) {
            kind = TraceOpKind::kPut;
        } else if (f[7].rfind("getChunkData", 0) == 0) {
            kind = TraceOpKind::kGet;
        } else {
            error(line_no, "op_name: expected putChunk.* or getChunkData.*, got \"" + f[7] + "\"");
            return std::nullopt;
        }
        if (f[1].empty()) {
            error(line_no, "block_id must not be empty");
            return std::nullopt;
        }
        // One-second timestamps: a deterministic place within the second, from the row.
        const uint64_t h = sim::mix64(sim::hash_name(f[1]) ^ (line_no * 0x9e3779b97f4a7c15ULL));
        row.time_ns = seconds * 1'000'000'000 + static_cast<int64_t>(h % 1'000'000'000);
        const std::string container = "ns-" + f[6];
        for (int64_t i = 0; i < count; ++i) row.ops.push_back(TraceOp{{}, kind, container, f[1], io_size, line_no, false});
    }
    return row;
}

bool TraceReader::fill() {
    std::string line;
    while (!eof_ && buffer_.size() < options_.reorder_window) {
        if (!std::getline(in_, line)) {
            eof_ = true;
            break;
        }
        ++line_no_;
        ++stats_.rows;
        if (auto row = parse_line(line, line_no_)) buffer_.push(std::move(*row));
    }
    return !buffer_.empty();
}

std::optional<TraceOp> TraceReader::next() {
    while (pending_.empty()) {
        if (!fill()) return std::nullopt;
        Row row = buffer_.top();
        buffer_.pop();
        if (!t0_ns_) {
            t0_ns_ = row.time_ns;
            watermark_ns_ = row.time_ns;
        }
        if (row.time_ns < watermark_ns_) {
            ++stats_.late_rows;
            row.time_ns = watermark_ns_;
        }
        watermark_ns_ = row.time_ns;
        current_ns_ = row.time_ns;
        // Reverse, so that pop_back yields the row's ops in order.
        for (auto it = row.ops.rbegin(); it != row.ops.rend(); ++it) pending_.push_back(std::move(*it));
    }
    TraceOp op = std::move(pending_.back());
    pending_.pop_back();
    op.at = sim::Duration::nanos(static_cast<int64_t>(std::llround(static_cast<double>(current_ns_ - *t0_ns_) / options_.speed)));
    if (options_.prepopulate) {
        std::string key = op.container + "/" + op.blob;
        if (op.kind == TraceOpKind::kPut) {
            written_.insert(std::move(key));
        } else if (written_.insert(key).second) {
            // First read of a blob never written: put it first, then replay the read.
            TraceOp pre = op;
            pre.kind = TraceOpKind::kPut;
            pre.prepopulate = true;
            ++stats_.prepopulated;
            ++stats_.ops;
            ++stats_.puts;
            pending_.push_back(std::move(op));
            return pre;
        }
    }
    ++stats_.ops;
    ++(op.kind == TraceOpKind::kPut ? stats_.puts : stats_.gets);
    return op;
}

std::vector<TraceError> check_trace_file(const std::string& path, TraceFormat format, size_t max_errors) {
    std::string error;
    TraceOptions options;
    options.max_errors = max_errors;
    options.prepopulate = false;
    options.reorder_window = 1;
    auto reader = TraceReader::open(path, format, options, &error);
    if (!reader) return {TraceError{0, error}};
    while (reader->next()) {
    }
    return reader->errors();
}

}  // namespace models::client
