// freshet: the command-line front end. Each subcommand parses its flags,
// calls the library and maps a Status to an exit code (cli/exit_code.h).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <set>

#include "cli/exit_code.h"
#include "cli/gen_command.h"
#include "cli/query_args.h"
#include "cli/store_command.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_verify.h"
#include "index/analyzer.h"
#include "index/index_view.h"
#include "index/segment.h"
#include "metastore/metastore.h"
#include "pipeline/batch_runner.h"
#include "pipeline/config.h"
#include "pipeline/lease_holder.h"
#include "pipeline/run_loop.h"
#include "serve/http_address.h"
#include "serve/output.h"
#include "serve/query_server.h"
#include "serve/run_metrics.h"

namespace freshet {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(kExitInterrupted);  // a second signal: leave now (still safe)
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

struct CommonOptions {
  std::string config;
  std::string clock = "system";
  std::string log_format = "text";
  bool verbose = false;
};

void AddCommon(CLI::App* cmd, CommonOptions* o, bool needs_config = true) {
  auto* c = cmd->add_option("-c,--config", o->config, "pipeline config file (TOML)");
  if (needs_config) c->required();
  cmd->add_option("--clock", o->clock,
                  "time source: system | fixed:TIME | sim:TIME:SPEED (tests and demos)")
      ->capture_default_str();
  cmd->add_option("--log-format", o->log_format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("-v,--verbose", o->verbose, "debug logs");
}

void ApplyLogging(const CommonOptions& o) {
  SetLogFormat(o.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
  if (o.verbose) SetLogLevel(LogLevel::kDebug);
}

// ---------------------------------------------------------------- run

struct RunOptions {
  CommonOptions common;
  bool once = false;
  int64_t max_batches = 0;
  std::string max_uptime;
  std::string holder;
  bool wait_for_lease = true;
  bool no_gc = false;
  bool allow_shrink = false;
  bool rebuild = false;
  std::string metrics_addr;
};

// `run`: the loop of pipeline/run_loop.h, with this process's signals, clock
// and metrics endpoint.
int RunCommand(const RunOptions& o) {
  ApplyLogging(o.common);
  auto config = LoadPipelineConfig(o.common.config);
  if (!config.ok()) return ReportFailure(config.status());
  auto clock = Clock::FromSpec(o.common.clock);
  if (!clock.ok()) return ReportFailure(clock.status());
  RunLoopOptions loop;
  loop.once = o.once;
  loop.max_batches = o.max_batches;
  loop.wait_for_lease = o.wait_for_lease;
  loop.collect_garbage = !o.no_gc;
  loop.allow_shrink = o.allow_shrink;
  loop.rebuild = o.rebuild;
  if (!o.max_uptime.empty()) {
    auto d = ParseDuration(o.max_uptime);
    if (!d.ok()) return ReportFailure(d.status().WithContext("--max-uptime"));
    loop.max_uptime = *d;
  }
  Clock& c = **clock;
  InstallSignalHandlers();
  // /metrics and /healthz of this runner (--metrics-addr).
  std::unique_ptr<RunMetrics> metrics;
  std::unique_ptr<RunMetricsEndpoint> metrics_endpoint;
  if (!o.metrics_addr.empty()) {
    auto address = ParseHttpAddress(o.metrics_addr);
    if (!address.ok()) return ReportFailure(address.status().WithContext("--metrics-addr"));
    metrics = std::make_unique<RunMetrics>(config->name, config->source.period, c);
    auto endpoint = RunMetricsEndpoint::Start(*address, *metrics);
    if (!endpoint.ok()) return ReportFailure(endpoint.status());
    metrics_endpoint = std::move(*endpoint);
    Log(LogLevel::kInfo, "metrics_listening",
        {{"pipeline", config->name},
         {"address", fmt::format("{}:{}", address->host, metrics_endpoint->port())}});
  }
  const std::string holder = o.holder.empty() ? DefaultLeaseHolder() : o.holder;
  Status st = RunPipeline(
      *config, loop, [&] { return BatchRunner::Open(*config, c, holder); }, c, g_stop,
      metrics.get());
  return st.ok() ? kExitOk : ReportFailure(st);
}

// ---------------------------------------------------------------- serve

struct ServeCommandOptions {
  std::vector<std::string> configs;
  std::vector<std::string> indexes;  // NAME=URL
  std::string listen = "127.0.0.1:8080";
  std::string poll = "1s";
  int threads = 32;
  ServeLimits limits;
  std::string clock = "system";
  std::string log_format = "text";
  bool verbose = false;
};

int ServeCommand(const ServeCommandOptions& o) {
  ApplyLogging(CommonOptions{"", o.clock, o.log_format, o.verbose});
  auto clock = Clock::FromSpec(o.clock);
  if (!clock.ok()) return ReportFailure(clock.status());
  auto address = ParseHttpAddress(o.listen);
  if (!address.ok()) return ReportFailure(address.status().WithContext("--listen"));
  auto poll = ParseDuration(o.poll);
  if (!poll.ok()) return ReportFailure(poll.status().WithContext("--poll"));
  if (*poll <= 0) return ReportFailure(Status::InvalidArgument("--poll: must be positive"));
  std::vector<std::unique_ptr<ServedPipeline>> pipelines;
  std::set<std::string> names;
  auto add = [&](std::string name, std::unique_ptr<ObjectStore> store, TimeMicros period,
                 std::unique_ptr<Metastore> meta) -> Status {
    if (!names.insert(name).second) {
      return Status::InvalidArgument(fmt::format("pipeline '{}' given twice", name));
    }
    auto p = std::make_unique<ServedPipeline>();
    p->index = std::make_unique<ServedIndex>(std::move(name), std::move(store), period);
    p->metastore = std::move(meta);
    pipelines.push_back(std::move(p));
    return Status::OK();
  };
  for (const std::string& path : o.configs) {
    auto config = LoadPipelineConfig(path);
    if (!config.ok()) return ReportFailure(config.status());
    auto store = ObjectStore::Open(config->output);
    if (!store.ok()) return ReportFailure(store.status());
    auto meta = Metastore::Open(config->metastore);
    if (!meta.ok()) return ReportFailure(meta.status());
    Status st = add(config->name, std::move(*store), config->source.period, std::move(*meta));
    if (!st.ok()) return ReportFailure(st.WithContext(path));
  }
  for (const std::string& spec : o.indexes) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportFailure(Status::InvalidArgument(
          fmt::format("--index '{}': expected NAME=URL (e.g. ads=file:///data/index)", spec)));
    }
    auto store = ObjectStore::Open(spec.substr(eq + 1));
    if (!store.ok()) return ReportFailure(store.status());
    Status st = add(spec.substr(0, eq), std::move(*store), 0, nullptr);
    if (!st.ok()) return ReportFailure(st.WithContext("--index"));
  }
  if (pipelines.empty()) {
    return ReportFailure(Status::InvalidArgument("give at least one --config or --index NAME=URL"));
  }
  ServeOptions options;
  options.host = address->host;
  options.port = address->port;
  options.threads = o.threads;
  options.poll_interval = *poll;
  options.limits = o.limits;
  InstallSignalHandlers();
  QueryServer server(options, std::move(pipelines), **clock);
  Status st = server.Start();
  if (!st.ok()) return ReportFailure(st);
  Log(LogLevel::kInfo, "serving",
      {{"address", fmt::format("{}:{}", options.host, server.port())},
       {"port", server.port()},
       {"pipelines", fmt::format("{}", fmt::join(names, ","))}});
  server.Run(g_stop);
  Log(LogLevel::kInfo, "stopping", {{"reason", "signal"}});
  return 0;
}

// ---------------------------------------------------------------- build-full

// What `work` returns, run on the pipeline's runner while it holds the
// writer lease (taken first, given up after).
Result<BatchOutcome> WithLease(const CommonOptions& o, const std::string& holder, bool allow_shrink,
                               const std::function<Result<BatchOutcome>(BatchRunner&)>& work) {
  ApplyLogging(o);
  ASSIGN_OR_RETURN(PipelineConfig config, LoadPipelineConfig(o.config));
  ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, Clock::FromSpec(o.clock));
  ASSIGN_OR_RETURN(
      std::unique_ptr<BatchRunner> runner,
      BatchRunner::Open(config, *clock, holder.empty() ? DefaultLeaseHolder() : holder));
  runner->AllowShrink(allow_shrink);
  RETURN_IF_ERROR(runner->Start());
  Result<BatchOutcome> outcome = work(*runner);
  Status stop = runner->Stop();
  if (outcome.ok() && !stop.ok()) return stop;
  return outcome;
}

int BuildFullCommand(const CommonOptions& o, const std::string& cut_text, const std::string& holder,
                     bool allow_shrink) {
  std::optional<TimeMicros> cut;
  if (!cut_text.empty()) {
    auto t = ParseTimestamp(cut_text);
    if (!t.ok()) return ReportFailure(t.status().WithContext("--cut"));
    cut = *t;
  }
  auto outcome = WithLease(o, holder, allow_shrink,
                           [&](BatchRunner& runner) { return runner.BuildFull(cut); });
  if (!outcome.ok()) return ReportFailure(outcome.status());
  const BatchRecord& b = outcome->record;
  std::cout << fmt::format(
      "base published: version {} cut {}: {} docs in {} groups from {} records ({} bad), {} "
      "bytes\n",
      b.manifest_version, FormatTimestamp(b.window_start), b.docs, b.groups, b.records,
      b.bad_records, b.bytes_written);
  return 0;
}

// ---------------------------------------------------------------- compact

int CompactCommand(const CommonOptions& o, const std::string& holder) {
  auto outcome = WithLease(o, holder, false, [](BatchRunner& runner) { return runner.Compact(); });
  if (!outcome.ok()) return ReportFailure(outcome.status());
  const BatchRecord& b = outcome->record;
  if (!outcome->published) {
    std::cout << "nothing to compact: the committed generation has no delta\n";
    return 0;
  }
  std::cout << fmt::format(
      "base compacted: version {} cut {}: {} docs in {} groups, {} bytes (merge and write {} "
      "ms)\n",
      b.manifest_version, FormatTimestamp(b.window_start), b.docs, b.groups, b.bytes_written,
      b.build_micros / 1000);
  return 0;
}

// ---------------------------------------------------------------- query

struct QueryOptions {
  std::string config;
  std::string index;
  std::string query;
  std::string doc;
  std::string manifest;
  size_t limit = 10;
  size_t offset = 0;
  std::string sort = "id";
  std::optional<uint64_t> total_hits;  // --total-hits: a threshold, else exact
  bool json = false;
};

Result<std::unique_ptr<ObjectStore>> OpenOutput(const std::string& config_path,
                                                const std::string& index) {
  if (!index.empty()) return ObjectStore::Open(index);
  if (config_path.empty()) return Status::InvalidArgument("give --config or --index");
  ASSIGN_OR_RETURN(PipelineConfig config, LoadPipelineConfig(config_path));
  return ObjectStore::Open(config.output);
}

int QueryCommand(const QueryOptions& o) {
  auto store = OpenOutput(o.config, o.index);
  if (!store.ok()) return ReportFailure(store.status());
  auto view = o.manifest.empty() ? IndexView::OpenCurrent(**store, nullptr)
                                 : IndexView::OpenManifest(**store, o.manifest, nullptr);
  if (!view.ok()) return ReportFailure(view.status());
  const Manifest& m = (*view)->manifest();
  if (!o.doc.empty()) {
    auto doc = (*view)->GetDoc(o.doc);
    if (!doc.ok()) return ReportFailure(doc.status());
    std::cout << (o.json ? DocToJson(*doc) : DocToText(*doc)) << "\n";
    return 0;
  }
  if (o.query.empty()) return ReportFailure(Status::InvalidArgument("give a QUERY or --doc ID"));
  auto q = ParseQuery(o.query);
  if (!q.ok()) return ReportFailure(q.status());
  auto sort = ParseSortOrder(o.sort);
  if (!sort.ok()) return ReportFailure(sort.status().WithContext("--sort"));
  SearchOptions search{o.limit, o.offset, *sort};
  if (o.total_hits) search.total_hits_threshold = *o.total_hits;
  auto results = (*view)->Search(**q, search);
  if (!results.ok()) return ReportFailure(results.status());
  if (o.json) {
    std::cout << QueryResultJson(**view, *results, sort->kind == SortOrder::Kind::kScore,
                                 o.total_hits.has_value())
              << "\n";
    return 0;
  }
  std::cout << fmt::format("{}{} hits, showing {}; generation v{} (base cut {}{})\n",
                           results->total_is_lower_bound ? "at least " : "", results->total,
                           results->docs.size(), m.version, FormatTimestamp(m.base_cut),
                           m.has_delta ? ", delta to " + FormatTimestamp(m.target) : "");
  for (const DocOut& d : results->docs) std::cout << DocToText(d) << "\n";
  return 0;
}

// ---------------------------------------------------------------- status

int StatusCommand(const CommonOptions& o, bool json, int batches) {
  auto config = LoadPipelineConfig(o.config);
  if (!config.ok()) return ReportFailure(config.status());
  auto clock = Clock::FromSpec(o.clock);
  if (!clock.ok()) return ReportFailure(clock.status());
  auto meta = Metastore::Open(config->metastore);
  if (!meta.ok()) return ReportFailure(meta.status());
  auto state = (*meta)->GetState(config->name);
  if (!state.ok()) return ReportFailure(state.status());
  auto recent = (*meta)->RecentBatches(config->name, batches);
  if (!recent.ok()) return ReportFailure(recent.status());
  const TimeMicros now = (*clock)->Now();
  std::optional<double> lag;
  if (state->watermark) {
    lag = static_cast<double>(now - (*state->watermark + config->source.period)) / kMicrosPerSecond;
  }
  bool lease_live = !state->lease_holder.empty() && state->lease_expires > now;
  std::string current = "(none)";
  if (auto out = ObjectStore::Open(config->output); out.ok()) {
    if (auto cur = IndexView::ReadCurrent(**out); cur.ok()) current = *cur;
  }
  if (json) {
    JsonWriter w;
    w.BeginObject()
        .Field("pipeline", config->name)
        .Field("watermark", OptionalTimestamp(state->watermark))
        .Field("lag_seconds", lag)
        .Field("manifest_version", state->manifest_version)
        .Field("manifest_key", state->manifest_key)
        .Field("current", current)
        .Field("epoch", state->epoch)
        .Field("lease_holder", state->lease_holder)
        .Field("lease_live", lease_live)
        .Field("lease_expires", FormatTimestamp(state->lease_expires))
        .Field("lag_policy", LagPolicyName(config->lag_policy))
        .Field("source_version", state->source_version)
        .Field("group_source_version", state->group_source_version);
    w.Key("batches").BeginArray();
    for (const BatchRecord& b : *recent) WriteBatch(w, b);
    w.EndArray().EndObject();
    std::cout << w.text() << "\n";
    return 0;
  }
  std::cout << fmt::format("pipeline   {}\n", config->name);
  std::cout << fmt::format("watermark  {}\n",
                           state->watermark ? FormatTimestamp(*state->watermark) : "(none)");
  std::cout << fmt::format("lag        {}\n", lag ? fmt::format("{:.0f} s", *lag) : "-");
  std::cout << fmt::format("manifest   v{} {}\n", state->manifest_version, state->manifest_key);
  std::cout << fmt::format(
      "CURRENT    {}{}\n", current,
      current == state->manifest_key ? "" : "  (differs: repaired at next start)");
  std::cout << fmt::format("lease      epoch {} {}\n", state->epoch,
                           state->lease_holder.empty()
                               ? std::string("released")
                               : fmt::format("held by {} {} {}", state->lease_holder,
                                             lease_live ? "until" : "expired at",
                                             FormatTimestamp(state->lease_expires)));
  std::cout << fmt::format("policy     {}\n", LagPolicyName(config->lag_policy));
  if (state->source_version || state->group_source_version) {
    auto version = [](std::optional<int64_t> v) { return v ? fmt::format("{}", *v) : "-"; };
    std::cout << fmt::format("tables     source version {}, group version {}\n",
                             version(state->source_version), version(state->group_source_version));
  }
  std::cout << "batches (newest first):\n";
  for (const BatchRecord& r : *recent) {
    std::cout << fmt::format(
        "  #{:<5} {:5} v{:<4} target {} records {} docs {} groups {} bad {} skipped {} "
        "took {:.0f} ms\n",
        r.batch_id, r.kind, r.manifest_version,
        r.target_partition ? FormatTimestamp(*r.target_partition) : "-", r.records, r.docs,
        r.groups, r.bad_records, r.publications_skipped,
        (r.list_micros + r.read_micros + r.build_micros + r.publish_micros + r.commit_micros) /
            1000.0);
  }
  return 0;
}

// ---------------------------------------------------------------- inspect

// Prints every doc (`doc<TAB>ID<TAB>GROUP`) and every term with its doc ids
// (`term<TAB>FIELD<TAB>TERM<TAB>ID ID ...`, ids in segment order): a plain
// text form other engines' output can be compared with (bench/).
int DumpSegment(const SegmentReader& s) {
  for (uint32_t i = 0; i < s.num_docs(); ++i) {
    std::cout << "doc\t" << s.DocId(i) << '\t' << s.GroupKey(s.DocGroup(i)) << '\n';
  }
  for (const Tombstones::Entry& t : s.tombstones().entries()) {
    std::cout << "tombstone\t" << t.id << '\t' << s.GroupKey(t.group) << '\t'
              << (t.kind == TombstoneKind::kMoved ? "moved" : "deleted") << '\n';
  }
  std::string line;
  Status failed;
  Status listed = s.ForEachTerm([&](size_t field, std::string_view term, uint64_t) {
    auto ords = s.Postings(field, term);
    if (!ords.ok()) {
      failed = ords.status();
      return false;
    }
    line = fmt::format("term\t{}\t{}\t", s.schema().FieldName(field), term);
    for (size_t k = 0; k < ords->size(); ++k) {
      if (k) line.push_back(' ');
      line.append(s.DocId((*ords)[k]));
    }
    line.push_back('\n');
    std::cout << line;
    return true;
  });
  if (!listed.ok()) return ReportFailure(listed);
  if (!failed.ok()) return ReportFailure(failed);
  return 0;
}

int InspectCommand(const std::string& path, int docs, int terms, bool dump, bool verify,
                   bool sections_too) {
  std::filesystem::path p(path);
  auto store = ObjectStore::Open(p.has_parent_path() ? p.parent_path().string() : ".");
  if (!store.ok()) return ReportFailure(store.status());
  std::string key = p.filename().string();
  if (key.ends_with(".parquet")) {
    Status st = parquet::DescribeParquet(**store, key, std::cout);
    if (st.ok() && verify) {
      std::cout << std::flush;
      st = parquet::VerifyParquet(**store, key);
      if (st.ok()) std::cout << "verified: every page of every column decodes\n";
    }
    return st.ok() ? 0 : ReportFailure(st);
  }
  auto bytes = (*store)->Get(key);
  if (!bytes.ok()) return ReportFailure(bytes.status());
  if (key.ends_with(".json") || key == "CURRENT") {
    if (key == "CURRENT") {
      std::cout << "CURRENT -> " << *bytes;
      return 0;
    }
    auto m = ParseManifest(key, *bytes);
    if (!m.ok()) return ReportFailure(m.status());
    std::cout << fmt::format("manifest {} of pipeline '{}' (epoch {}, created {})\n", m->version,
                             m->pipeline, m->epoch, FormatTimestamp(m->created_at));
    auto list = [&](std::string_view what, const std::vector<SegmentRef>& segs) {
      for (const SegmentRef& s : segs) {
        std::cout << fmt::format("  {} {} {} bytes, {} docs, {} groups, xxh3 {}\n", what, s.key,
                                 s.bytes, s.docs, s.groups, s.checksum);
      }
    };
    std::cout << fmt::format("base cut {}\n", FormatTimestamp(m->base_cut));
    list("base ", m->base);
    if (m->has_delta) {
      std::cout << fmt::format("delta window {} .. {}\n", FormatTimestamp(m->window_start),
                               FormatTimestamp(m->target));
      list("delta", m->delta);
    }
    return 0;
  }
  // Each section's id and size, read before the reader takes the bytes.
  std::string sections;
  std::vector<std::pair<uint32_t, uint64_t>> section_sizes;
  if (auto file = SectionContainer::Parse(key, *bytes); file.ok()) {
    for (const auto& [id, view] : file->sections) {
      sections += fmt::format(" {}:{}", id, view.bytes.size());
      section_sizes.emplace_back(id, view.bytes.size());
    }
  }
  auto seg = SegmentReader::Open(key, std::move(*bytes));
  if (!seg.ok()) return ReportFailure(seg.status());
  const SegmentReader& s = **seg;
  if (dump) return DumpSegment(s);
  const SegmentSchema& schema = s.schema();
  std::cout << fmt::format("segment {}: {} ({} bytes, format {}), checksums OK\n", key,
                           s.kind() == SegmentKind::kBase ? "base" : "delta", s.size_bytes(),
                           s.format_version());
  std::cout << fmt::format("docs {}  groups {}  terms {}", s.num_docs(), s.num_groups(),
                           s.num_terms());
  // Format 5 on: the docs of lower layers this one deletes or moves out.
  if (s.SupersedesDocsById()) std::cout << fmt::format("  tombstones {}", s.tombstones().size());
  std::cout << '\n';
  if (sections_too) {
    std::cout << "sections (id:bytes):" << sections << "\n";
    std::cout << SectionSizeTable(section_sizes, s.size_bytes(), s.num_docs());
  }
  std::cout << "fields:\n";
  // A text field's analyzer is shown unless every one is ascii (as in every
  // segment from before per-field analyzers).
  const bool all_ascii = schema.AllAscii();
  for (size_t f = 0; f < schema.field_count(); ++f) {
    uint8_t r = schema.FieldRoles(f);
    auto tokens = s.TotalFieldLength(f);
    std::string text;
    if (r & kRoleText) {
      text = all_ascii ? " text" : fmt::format(" text:{}", AnalyzerName(schema.FieldAnalyzer(f)));
      if (schema.FieldPositions(f)) text += " positions";
    }
    std::cout << fmt::format(
        "  {:<24}{}{}{}{}{}\n", schema.FieldName(f), text, r & kRoleKeyword ? " keyword" : "",
        r & kRoleNumeric ? " numeric" : "", r & kRoleStored ? " stored" : "",
        tokens ? fmt::format("  (avg {:.1f} tokens/doc)",
                             static_cast<double>(*tokens) / std::max<uint32_t>(1, s.num_docs()))
               : "");
  }
  int shown = 0;
  Status listed = s.ForEachTerm([&](size_t f, std::string_view t, uint64_t df) {
    if (shown++ >= terms) return false;
    std::cout << fmt::format("  term {}:{} df={}\n", schema.FieldName(f), t, df);
    return true;
  });
  if (!listed.ok()) return ReportFailure(listed);
  for (int i = 0; i < docs && static_cast<uint32_t>(i) < s.num_docs(); ++i) {
    auto row = s.DocRow(static_cast<uint32_t>(i));
    if (!row.ok()) return ReportFailure(row.status());
    std::string fields;
    for (size_t c = 0; c < row->size() && c < schema.doc_columns.size(); ++c) {
      fields += fmt::format(" {}={}", schema.doc_columns[c], ValueToJson((*row)[c]));
    }
    std::cout << fmt::format("  doc {} id={} group={} version={}{}\n", i, s.DocId(i),
                             s.GroupKey(s.DocGroup(i)), s.DocVersion(i), fields);
  }
  return 0;
}

// ---------------------------------------------------------------- gc

int GcCommand(const CommonOptions& o) {
  ApplyLogging(o);
  auto config = LoadPipelineConfig(o.config);
  if (!config.ok()) return ReportFailure(config.status());
  auto clock = Clock::FromSpec(o.clock);
  if (!clock.ok()) return ReportFailure(clock.status());
  auto runner = BatchRunner::Open(*config, **clock, DefaultLeaseHolder());
  if (!runner.ok()) return ReportFailure(runner.status());
  Status st = (*runner)->Start();
  if (!st.ok()) return ReportFailure(st);
  auto n = (*runner)->CollectGarbage();
  Status stop = (*runner)->Stop();
  if (!n.ok()) return ReportFailure(n.status());
  std::cout << fmt::format("deleted {} unreferenced objects\n", *n);
  return stop.ok() ? 0 : ReportFailure(stop);
}

// ---------------------------------------------------------------- admin

struct SetWatermarkOptions {
  CommonOptions common;
  std::string to;
  bool clear = false;
  bool force = false;
};

// The only way the watermark moves backwards (DESIGN.md, invariant 1). The
// metastore records it as an "admin" batch and advances the epoch, releasing
// the lease: a runner still holding the older epoch is fenced and cannot
// commit a batch planned from the replaced watermark. Refused (exit 3) while
// another holder's lease is live, unless --force.
int SetWatermarkCommand(const SetWatermarkOptions& o) {
  ApplyLogging(o.common);
  auto config = LoadPipelineConfig(o.common.config);
  if (!config.ok()) return ReportFailure(config.status());
  auto clock = Clock::FromSpec(o.common.clock);
  if (!clock.ok()) return ReportFailure(clock.status());
  std::optional<TimeMicros> watermark;
  if (!o.clear) {
    auto t = ParseTimestamp(o.to);
    if (!t.ok()) return ReportFailure(t.status().WithContext("--to"));
    if (*t % config->source.period != 0) {
      return ReportFailure(Status::InvalidArgument(fmt::format(
          "--to {}: a watermark is the start of a partition; it must be aligned to the source "
          "period {}",
          FormatTimestamp(*t), FormatDuration(config->source.period))));
    }
    watermark = *t;
  }
  auto meta = Metastore::Open(config->metastore);
  if (!meta.ok()) return ReportFailure(meta.status());
  auto before = (*meta)->GetState(config->name);
  if (!before.ok() && !before.status().IsNotFound()) return ReportFailure(before.status());
  auto describe = [](const std::optional<TimeMicros>& w) {
    return w ? FormatTimestamp(*w) : std::string("(none)");
  };
  const std::string was = before.ok() ? describe(before->watermark) : "(none)";
  const TimeMicros now = (*clock)->Now();
  const bool lease_live =
      before.ok() && !before->lease_holder.empty() && before->lease_expires > now;
  Status st = (*meta)->SetWatermark(config->name, watermark, now, o.force);
  if (!st.ok()) {
    if (st.IsLeaseHeld()) {
      st = Status::LeaseHeld(st.message() + " (--force overrides it; that runner is then fenced)");
    }
    return ReportFailure(st);
  }
  auto after = (*meta)->GetState(config->name);
  if (!after.ok()) return ReportFailure(after.status());
  Log(LogLevel::kWarn, "watermark_set",
      {{"pipeline", config->name},
       {"from", was},
       {"to", describe(watermark)},
       {"epoch", after->epoch},
       {"forced", o.force ? "true" : "false"},
       {"lease_broken", lease_live ? before->lease_holder : std::string()}});
  std::cout << fmt::format(
      "pipeline {}: watermark {} (was {}); epoch {}, lease released{}\n", config->name,
      watermark ? "set to " + FormatTimestamp(*watermark) : std::string("cleared"), was,
      after->epoch, lease_live ? fmt::format(": runner {} is fenced", before->lease_holder) : "");
  return 0;
}

}  // namespace
}  // namespace freshet

int main(int argc, char** argv) {
  using namespace freshet;
  CLI::App app{
      "freshet: keeps search and ads indexes fresh. Reads time-partitioned files, publishes a\n"
      "small delta index every few minutes on top of a full base index, and keeps its\n"
      "watermark in a database. See README.md for the configuration reference."};
  app.require_subcommand(1);
  app.footer(std::string(kExitCodesHelp));
  app.set_version_flag("--version", "freshet 0.1.0");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run",
                                     "run batches at the configured cadence (and compactions "
                                     "when pipeline.compact_after is set)");
  AddCommon(run_cmd, &run.common);
  run_cmd->add_flag("--once", run.once, "run one batch and exit (cron, Kubernetes CronJob)");
  run_cmd->add_option("--max-batches", run.max_batches,
                      "exit cleanly after N committed batches (0: no limit)");
  run_cmd->add_option("--max-uptime", run.max_uptime,
                      "exit cleanly after the first batch that ends past this uptime (e.g. 6h)");
  run_cmd->add_option("--holder", run.holder,
                      "lease holder name (default host:pid; a lease of this host whose process is "
                      "gone is taken over at once)");
  run_cmd->add_flag("!--no-wait", run.wait_for_lease,
                    "exit with code 3 instead of waiting while another runner holds the lease");
  run_cmd->add_flag("--no-gc", run.no_gc, "do not delete old generations after commits");
  run_cmd->add_flag("--allow-shrink", run.allow_shrink,
                    "publish deltas even if built only from bad records or dropping more than "
                    "pipeline.max_shrink of the live docs (refused with exit code 6 otherwise); "
                    "for every batch of this process");
  run_cmd->add_flag("--rebuild", run.rebuild,
                    "rebuild the whole window into one delta layer at the next published batch "
                    "instead of adding a layer to the committed delta (logged as "
                    "chain=rebuilt chain_reason=requested)");
  run_cmd->add_option("--metrics-addr", run.metrics_addr,
                      "serve /metrics (Prometheus) and /healthz on HOST:PORT (e.g. "
                      "127.0.0.1:9464; port 0: any free port, logged)");

  ServeCommandOptions serve;
  auto* serve_cmd = app.add_subcommand(
      "serve", "HTTP search server over published indexes, following CURRENT (hot reload)");
  serve_cmd->add_option("-c,--config", serve.configs,
                        "pipeline config whose output is served (repeatable)");
  serve_cmd->add_option("--index", serve.indexes,
                        "NAME=URL: an output store to serve without a config (repeatable)");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT (port 0: any free port, logged)")
      ->capture_default_str();
  serve_cmd->add_option("--poll", serve.poll, "how often CURRENT is read")->capture_default_str();
  serve_cmd
      ->add_option("--threads", serve.threads,
                   "request threads; each open keep-alive connection holds one")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-request-bytes", serve.limits.max_request_bytes, "largest request body")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-query-terms", serve.limits.max_query_terms,
                   "most terms and ranges in one query")
      ->capture_default_str();
  serve_cmd->add_option("--max-limit", serve.limits.max_limit, "most hits per page")
      ->capture_default_str();
  serve_cmd->add_option("--max-window", serve.limits.max_window, "largest offset + limit")
      ->capture_default_str();
  serve_cmd->add_option("--clock", serve.clock, "time source for lag figures (as for run)")
      ->capture_default_str();
  serve_cmd->add_option("--log-format", serve.log_format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve_cmd->add_flag("-v,--verbose", serve.verbose, "debug logs");

  CommonOptions build;
  std::string cut, build_holder;
  bool build_allow_shrink = false;
  auto* build_cmd = app.add_subcommand("build-full", "build a base generation from the snapshot");
  AddCommon(build_cmd, &build);
  build_cmd->add_option("--cut", cut,
                        "cut time of the snapshot (default: the snapshot's CUT file)");
  build_cmd->add_option("--holder", build_holder, "lease holder name (default host:pid)");
  build_cmd->add_flag("--allow-shrink", build_allow_shrink,
                      "publish the base even if built only from bad records or dropping more "
                      "than pipeline.max_shrink of the live docs (refused with exit code 6 "
                      "otherwise)");

  CommonOptions compact;
  std::string compact_holder;
  auto* compact_cmd = app.add_subcommand(
      "compact",
      "fold the committed base and delta into a new base by merging their segments (no snapshot "
      "or window file is read; each shard is merged and written a part at a time within "
      "pipeline.memory_budget) and publish it; its cut is the end of the delta's newest "
      "partition, the watermark stays and the next batches' window starts at the cut");
  AddCommon(compact_cmd, &compact);
  compact_cmd->add_option("--holder", compact_holder, "lease holder name (default host:pid)");

  QueryOptions query;
  auto* query_cmd = app.add_subcommand("query", "search the published index (base + newest delta)");
  query_cmd->add_option("-c,--config", query.config, "pipeline config (its output is searched)");
  query_cmd->add_option("--index", query.index, "output store URL to search instead of --config");
  query_cmd->add_option("query", query.query,
                        "query: terms, AND OR NOT -term (...) field:term \"a phrase\" (on a "
                        "keyword field: the exact value) num:[lo TO hi] * (see the README's "
                        "query language); several words are "
                        "joined by spaces, and a word starting with '-' that is not an option "
                        "(-python) is a query word: give option values separately (-n 5)");
  query_cmd->add_option("--doc", query.doc, "fetch one doc by id instead of searching");
  query_cmd->add_option("--manifest", query.manifest,
                        "search this generation (a manifest key, e.g. from `freshet status`) "
                        "instead of the one CURRENT names");
  query_cmd->add_option("-n,--limit", query.limit, "hits to show")->capture_default_str();
  query_cmd->add_option("--offset", query.offset, "hits to skip")->capture_default_str();
  query_cmd
      ->add_option("--sort", query.sort,
                   "order: id | score (BM25, as `serve` ranks) | FIELD[:desc|:asc] "
                   "(a numeric field)")
      ->capture_default_str();
  query_cmd->add_option("--total-hits", query.total_hits,
                        "count matches exactly up to N, then report at least N (the search "
                        "may pass over docs that cannot enter the page); default: every "
                        "match is counted");
  query_cmd->add_flag("--json", query.json, "JSON output");

  CommonOptions status;
  bool status_json = false;
  int status_batches = 10;
  auto* status_cmd = app.add_subcommand("status", "watermark, lag, lease holder, last batches");
  AddCommon(status_cmd, &status);
  status_cmd->add_flag("--json", status_json, "JSON output");
  status_cmd->add_option("--batches", status_batches, "batches to show")->capture_default_str();

  std::string inspect_path;
  int inspect_docs = 0, inspect_terms = 0;
  bool inspect_dump = false, inspect_verify = false, inspect_sections = false;
  auto* inspect_cmd = app.add_subcommand(
      "inspect",
      "show a segment, manifest, CURRENT or Parquet file (schema, row groups, encodings)");
  inspect_cmd->add_option("path", inspect_path, "file to inspect")->required();
  inspect_cmd->add_option("--docs", inspect_docs, "also print the first N docs");
  inspect_cmd->add_option("--terms", inspect_terms, "also print the first N terms");
  inspect_cmd->add_flag("--dump", inspect_dump,
                        "segments only: print every doc (doc, id, group), every tombstone of a "
                        "format-5 segment (tombstone, id, group, deleted|moved) and every term "
                        "with its doc ids (term, field, term, ids), tab-separated, instead");
  inspect_cmd->add_flag("--sections", inspect_sections,
                        "segments: also print each section's id and size in bytes, then a "
                        "table of every section by name with its bytes, bytes per doc and "
                        "share of the file");
  inspect_cmd->add_flag("--verify", inspect_verify,
                        "Parquet files: also decode every page of every column and name the "
                        "first bad one (row group, column, page offset); exit 1 if one is bad "
                        "(segments are always verified)");

  CommonOptions gc;
  auto* gc_cmd = app.add_subcommand(
      "gc",
      "delete generations that stopped being served more than `retention` ago (never the one "
      "CURRENT names, the committed one or the one CURRENT named before), then unreferenced "
      "segments");
  AddCommon(gc_cmd, &gc);

  auto* admin_cmd =
      app.add_subcommand("admin", "operator commands on a pipeline's metastore state");
  admin_cmd->require_subcommand(1);
  SetWatermarkOptions set_wm;
  auto* set_wm_cmd = admin_cmd->add_subcommand(
      "set-watermark",
      "set or clear the watermark, even backwards (logged as an admin batch; fences the runner "
      "of the current epoch)");
  AddCommon(set_wm_cmd, &set_wm.common);
  auto* target = set_wm_cmd->add_option_group("new watermark", "the watermark to set");
  target->add_option("--to", set_wm.to,
                     "the start of a partition (RFC 3339, e.g. 2026-05-04T10:05:00Z)");
  target->add_flag("--clear", set_wm.clear, "no watermark: the next batch starts at the base cut");
  target->require_option(1);
  set_wm_cmd->add_flag("--force", set_wm.force,
                       "even while another runner holds a live lease (that runner is fenced)");

  AddGenCommand(app);
  AddStoreCommand(app);

  // `freshet query ... -python`: a word starting with '-' is part of the
  // query unless it names one of query's options.
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "query") {
      args = JoinQueryWords(*query_cmd, std::move(args), i + 1);
      break;
    }
    if (!args[i].starts_with("-")) break;  // another command
  }
  std::vector<char*> arg_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());

  try {
    app.parse(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command run from its callback (gen, store) failed and said why
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (app.got_subcommand("gen") || app.got_subcommand("store")) return 0;
  if (*run_cmd) return RunCommand(run);
  if (*build_cmd) return BuildFullCommand(build, cut, build_holder, build_allow_shrink);
  if (*compact_cmd) return CompactCommand(compact, compact_holder);
  if (*query_cmd) return QueryCommand(query);
  if (*serve_cmd) return ServeCommand(serve);
  if (*status_cmd) return StatusCommand(status, status_json, status_batches);
  if (*inspect_cmd)
    return InspectCommand(inspect_path, inspect_docs, inspect_terms, inspect_dump, inspect_verify,
                          inspect_sections);
  if (*gc_cmd) return GcCommand(gc);
  if (*set_wm_cmd) return SetWatermarkCommand(set_wm);
  return kExitUsage;
}
