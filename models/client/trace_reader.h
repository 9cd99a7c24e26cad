// models/client/trace_reader.h: streaming replay of real blob/object access traces.
//
// Formats (../shared/reference/trace-formats.md):
//  - azure-functions-blob-2020: the Azure Functions Blob Access Trace 2020 CSV
//    (Timestamp ms, AnonRegion, AnonUserId, AnonAppName, AnonFunctionInvocationId,
//    AnonBlobName, BlobType, AnonBlobETag, BlobBytes, Read, Write). A row with Write=True
//    is a put, Read=True a get (both: put then get). Container = the app, blob = the
//    blob name. BlobBytes may be empty (size 0, counted).
//  - tectonic-chunk: Meta's Tectonic chunk-trace CSV (op_time s, block_id, block_id_size,
//    io_size, io_offset, user_name, user_namespace, op_name, op_count, ...). putChunk.* is
//    a put, getChunkData.* a get, repeated op_count times. Container = the namespace,
//    blob = the block. Timestamps have one-second resolution: each row is placed at a
//    deterministic offset within its second (a hash of the row), so replay is smooth.
// The file is read line by line (never loaded whole). The Azure trace is not sorted, so
// rows pass through a bounded reordering buffer (`reorder_window` rows, a min-heap on
// time); a row older than what was already emitted is replayed at the current time and
// counted as late. Times are relative to the first row and divided by `speed`.
// A read of a blob that the replay has not written yet is preceded by a put of it
// (`prepopulate`), so the trace's reads find objects, as the trace's own system did.
// Bad lines are errors with the file and line number; check_trace_file() reports them
// all before a run starts (bad input: exit 2, nothing runs).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace models::client {

enum class TraceFormat { kAzureFunctionsBlob2020, kTectonicChunk };
std::optional<TraceFormat> trace_format_from_name(std::string_view name);
std::string_view trace_format_name(TraceFormat f);

enum class TraceOpKind : uint8_t { kPut, kGet };

struct TraceOp {
    sim::Duration at;  // since the first row, divided by speed
    TraceOpKind kind = TraceOpKind::kGet;
    std::string container;
    std::string blob;
    int64_t size_bytes = 0;
    uint64_t line = 0;         // source line (1 = header)
    bool prepopulate = false;  // a put made so that a later read finds the blob
};

struct TraceError {
    uint64_t line = 0;
    std::string message;
};

struct TraceOptions {
    double speed = 1.0;
    size_t reorder_window = 65'536;
    bool prepopulate = true;
    size_t max_errors = 100;  // stop collecting after this many
};

struct TraceStats {
    uint64_t rows = 0;
    uint64_t ops = 0;
    uint64_t puts = 0;
    uint64_t gets = 0;
    uint64_t prepopulated = 0;
    uint64_t late_rows = 0;
    uint64_t missing_size = 0;
    uint64_t bad_lines = 0;
};

class TraceReader {
public:
    // Opens the file and checks its header. On failure returns null and sets *error.
    static std::unique_ptr<TraceReader> open(const std::string& path, TraceFormat format, TraceOptions options,
                                             std::string* error);
    // The next operation in time order, or nullopt at the end of the file.
    std::optional<TraceOp> next();
    const std::vector<TraceError>& errors() const { return errors_; }
    const TraceStats& stats() const { return stats_; }
    const std::string& path() const { return path_; }

private:
    struct Row {
        int64_t time_ns;  // absolute, in the trace's clock
        uint64_t seq;
        std::vector<TraceOp> ops;  // without `at`
        bool operator>(const Row& o) const { return time_ns != o.time_ns ? time_ns > o.time_ns : seq > o.seq; }
    };
    TraceReader(std::string path, TraceFormat format, TraceOptions options);
    bool fill();  // reads until the buffer holds reorder_window rows or EOF
    std::optional<Row> parse_line(const std::string& line, uint64_t line_no);
    void error(uint64_t line, std::string message);

    std::string path_;
    TraceFormat format_;
    TraceOptions options_;
    std::ifstream in_;
    uint64_t line_no_ = 1;
    uint64_t seq_ = 0;
    bool eof_ = false;
    std::priority_queue<Row, std::vector<Row>, std::greater<>> buffer_;
    std::vector<TraceOp> pending_;  // ops of the current row, in reverse
    std::optional<int64_t> t0_ns_;
    int64_t watermark_ns_ = 0;
    int64_t current_ns_ = 0;
    std::set<std::string> written_;
    std::vector<TraceError> errors_;
    TraceStats stats_;
};

// Reads the whole file once (streaming) and returns every bad line (at most max_errors),
// or a single error with line 0 if the file cannot be opened or its header is wrong.
std::vector<TraceError> check_trace_file(const std::string& path, TraceFormat format, size_t max_errors = 100);

// RFC 4180 fields of one CSV line. Returns false on an unterminated quote.
bool split_csv_line(std::string_view line, std::vector<std::string>* fields);

}  // namespace models::client
