// Trace replay: both real sample files, ordering, speed, pre-population, bad lines.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/client/trace_reader.h"

using models::client::TraceFormat;
using models::client::TraceOpKind;
using models::client::TraceReader;

namespace {

const std::string kAzure = std::string(STAMPSIM_SOURCE_DIR) + "/data/traces/azure_functions_blob_2020/azure_blob_2020_doc_sample.csv";
const std::string kTectonic = std::string(STAMPSIM_SOURCE_DIR) + "/data/traces/meta_tectonic/block_traces_1.csv";

std::string temp_file(const std::string& name, const std::string& text) {
    auto p = std::filesystem::temp_directory_path() / ("stampsim_trace_" + name);
    std::ofstream(p) << text;
    return p.string();
}

std::vector<models::client::TraceOp> read_all(TraceReader& r) {
    std::vector<models::client::TraceOp> out;
    while (auto op = r.next()) out.push_back(*op);
    return out;
}

}  // namespace

TEST_CASE("trace: the Azure Functions 2020 sample replays every row in time order") {
    // Count the file's reads and writes independently of the reader.
    std::ifstream in(kAzure);
    std::string line;
    std::getline(in, line);
    int reads = 0, writes = 0, rows = 0;
    while (std::getline(in, line)) {
        ++rows;
        reads += line.find(",True,") != std::string::npos ? 1 : 0;
        writes += line.size() >= 5 && line.substr(line.size() - 5) == ",True" ? 1 : 0;
    }
    REQUIRE(rows == 10);
    std::string err;
    auto r = TraceReader::open(kAzure, TraceFormat::kAzureFunctionsBlob2020, {}, &err);
    REQUIRE(r);
    auto ops = read_all(*r);
    CHECK(r->errors().empty());
    CHECK(r->stats().rows == 10);
    CHECK(r->stats().gets == static_cast<uint64_t>(reads));
    CHECK(r->stats().puts - r->stats().prepopulated == static_cast<uint64_t>(writes));
    CHECK(ops.size() == r->stats().ops);
    CHECK(ops.front().at == sim::Duration::zero());
    for (size_t i = 1; i < ops.size(); ++i) CHECK(ops[i - 1].at <= ops[i].at);
    CHECK(r->stats().late_rows == 0);
    // The sample's rows span 1606092900138 .. 1607270692284 ms.
    CHECK(ops.back().at.to_seconds() == doctest::Approx((1607270692284.0 - 1606092900138.0) / 1000).epsilon(1e-9));
    // Every read of a never-written blob is preceded by its pre-population put.
    for (size_t i = 0; i < ops.size(); ++i) {
        if (ops[i].prepopulate) {
            REQUIRE(i + 1 < ops.size());
            CHECK(ops[i + 1].kind == TraceOpKind::kGet);
            CHECK(ops[i + 1].blob == ops[i].blob);
        }
    }
    CHECK(ops.front().container.rfind("app-", 0) == 0);
}

TEST_CASE("trace: the Tectonic chunk sample replays op_count operations per row") {
    std::ifstream in(kTectonic);
    std::string line;
    std::getline(in, line);
    int64_t puts = 0, gets = 0;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        REQUIRE(models::client::split_csv_line(line, &f));
        const int64_t count = std::stoll(f[8]);
        (f[7].rfind("put", 0) == 0 ? puts : gets) += count;
    }
    std::string err;
    models::client::TraceOptions opt;
    opt.prepopulate = false;
    auto r = TraceReader::open(kTectonic, TraceFormat::kTectonicChunk, opt, &err);
    REQUIRE(r);
    auto ops = read_all(*r);
    CHECK(r->errors().empty());
    CHECK(r->stats().rows == 999);
    CHECK(static_cast<int64_t>(r->stats().puts) == puts);
    CHECK(static_cast<int64_t>(r->stats().gets) == gets);
    CHECK(static_cast<int64_t>(ops.size()) == puts + gets);
    for (size_t i = 1; i < ops.size(); ++i) CHECK(ops[i - 1].at <= ops[i].at);
    // About 40 s of real time.
    CHECK(ops.back().at.to_seconds() < 41);
    CHECK(ops.back().at.to_seconds() > 35);
}

TEST_CASE("trace: speed divides time; the same file replays identically twice") {
    std::string err;
    models::client::TraceOptions fast;
    fast.speed = 1000;
    auto a = TraceReader::open(kTectonic, TraceFormat::kTectonicChunk, fast, &err);
    auto b = TraceReader::open(kTectonic, TraceFormat::kTectonicChunk, {}, &err);
    auto c = TraceReader::open(kTectonic, TraceFormat::kTectonicChunk, fast, &err);
    auto oa = read_all(*a), ob = read_all(*b), oc = read_all(*c);
    REQUIRE(oa.size() == ob.size());
    CHECK(oa.back().at.ns() == doctest::Approx(ob.back().at.ns() / 1000.0).epsilon(1e-6));
    for (size_t i = 0; i < oa.size(); ++i) {
        CHECK(oa[i].at == oc[i].at);
        CHECK(oa[i].blob == oc[i].blob);
    }
}

TEST_CASE("trace: unsorted rows are reordered within the window; older ones count as late") {
    const std::string head =
        "Timestamp,AnonRegion,AnonUserId,AnonAppName,AnonFunctionInvocationId,AnonBlobName,BlobType,AnonBlobETag,"
        "BlobBytes,Read,Write\n";
    auto row = [](int64_t ms, const char* blob) {
        return std::to_string(ms) + ",6ex,1,app1,2," + blob + ",\"BlockBlob/text/plain; charset=utf-8\",e,10.0,False,True\n";
    };
    const std::string path = temp_file("unsorted.csv", head + row(3000, "c") + row(1000, "a") + row(2000, "b") + row(500, "z"));
    std::string err;
    models::client::TraceOptions big;
    auto r = TraceReader::open(path, TraceFormat::kAzureFunctionsBlob2020, big, &err);
    auto ops = read_all(*r);
    REQUIRE(ops.size() == 4);
    CHECK(ops[0].blob == "z");
    CHECK(ops[1].blob == "a");
    CHECK(ops[3].blob == "c");
    CHECK(ops[3].at == sim::Duration::millis(2500));
    models::client::TraceOptions small;
    small.reorder_window = 2;
    auto s = TraceReader::open(path, TraceFormat::kAzureFunctionsBlob2020, small, &err);
    auto sops = read_all(*s);
    REQUIRE(sops.size() == 4);
    CHECK(s->stats().late_rows == 1);
    for (size_t i = 1; i < sops.size(); ++i) CHECK(sops[i - 1].at <= sops[i].at);
}

TEST_CASE("trace: bad lines are reported with their line numbers; a wrong header is refused") {
    const std::string path = temp_file(
        "bad.csv",
        "op_time,block_id,block_id_size,io_size,io_offset,user_name,user_namespace,op_name,op_count,host_name,rs_shard_id\n"
        "1702511878,b1,40,100,0,u,ns,putChunk.Permanent,1,h,4\n"
        "17025x1878,b1,40,100,0,u,ns,putChunk.Permanent,1,h,4\n"
        "1702511878,b1,40,100,0,u,ns,deleteChunk,1,h,4\n"
        "1702511878,b1,40,100\n"
        "1702511878,b1,40,-5,0,u,ns,getChunkData.Permanent,1,h,4\n"
        "1702511878,b1,40,100,0,u,ns,getChunkData.Permanent,0,h,4\n"
        "1702511879,\"b2,40,100,0,u,ns,getChunkData.Permanent,1,h,4\n");
    auto errors = models::client::check_trace_file(path, TraceFormat::kTectonicChunk);
    REQUIRE(errors.size() == 6);
    CHECK(errors[0].line == 3);
    CHECK(errors[0].message == "op_time: expected seconds since the epoch, got \"17025x1878\"");
    CHECK(errors[1].line == 4);
    CHECK(errors[1].message == "op_name: expected putChunk.* or getChunkData.*, got \"deleteChunk\"");
    CHECK(errors[2].message == "expected 11 fields, got 4");
    CHECK(errors[3].message == "io_size: expected bytes, got \"-5\"");
    CHECK(errors[4].message == "op_count: expected a count from 1 to 1000000, got \"0\"");
    CHECK(errors[5].line == 8);
    CHECK(errors[5].message == "unterminated quoted field");

    auto wrong = models::client::check_trace_file(kAzure, TraceFormat::kTectonicChunk);
    REQUIRE(wrong.size() == 1);
    CHECK(wrong[0].line == 0);
    CHECK(wrong[0].message.find(":1: expected the tectonic-chunk header") != std::string::npos);
    auto missing = models::client::check_trace_file("/nonexistent/trace.csv", TraceFormat::kTectonicChunk);
    CHECK(missing[0].message == "/nonexistent/trace.csv: cannot open the trace file");
    CHECK(models::client::trace_format_from_name("tectonic-chunk") == TraceFormat::kTectonicChunk);
    CHECK_FALSE(models::client::trace_format_from_name("s3-logs"));
}
