// freshet._freshet: the Python binding of the engine (README, "Python").
// Every failure of the engine is raised as a FreshetError subclass chosen by
// its status code (never by its message), carrying the engine's message.
// Calls that read, build or write release the GIL.
#include <fmt/format.h>
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>

#include "arrow_rows.h"
#include "common/clock.h"
#include "index/current_pointer.h"
#include "index/index_view.h"
#include "index/manifest.h"
#include "index/query.h"
#include "index/ranking.h"
#include "index/segment/segment_merger.h"
#include "metastore/metastore.h"
#include "pipeline/batch_runner.h"
#include "pipeline/compaction.h"
#include "pipeline/config.h"
#include "pipeline/lease_holder.h"
#include "pipeline/segment_object.h"
#include "serve/output.h"
#include "shard_builder.h"
#include "storage/object_store.h"

namespace py = pybind11;

namespace freshet {
namespace {

// ------------------------------------------------------------------ errors

struct StatusError {
  Status status;
};

// The Python classes of the errors: FreshetError, a subclass per status code,
// and the subclasses of FailedPreconditionError per sub-code.
struct ErrorClasses {
  PyObject* base = nullptr;
  std::array<PyObject*, 10> by_code{};
  PyObject* lease_held = nullptr;
  PyObject* fenced = nullptr;
  PyObject* collapse_refused = nullptr;
};
ErrorClasses g_errors;

PyObject* ErrorClassOf(const Status& st) {
  if (st.IsLeaseHeld()) return g_errors.lease_held;
  if (st.IsFenced()) return g_errors.fenced;
  if (st.IsCollapseRefused()) return g_errors.collapse_refused;
  const size_t code = static_cast<size_t>(st.code());
  return code < g_errors.by_code.size() && g_errors.by_code[code] ? g_errors.by_code[code]
                                                                  : g_errors.base;
}

void Check(const Status& st) {
  if (!st.ok()) throw StatusError{st};
}
template <typename T>
T Check(Result<T> r) {
  if (!r.ok()) throw StatusError{r.status()};
  return std::move(*r);
}

PyObject* NewError(py::module_& m, const char* name, PyObject* base, const char* doc) {
  std::string qualified = std::string("freshet.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(cls));  // the module keeps a reference
  return cls;
}

void RegisterErrors(py::module_& m) {
  g_errors.base = NewError(m, "FreshetError", PyExc_Exception,
                           "An error of the freshet engine; its message names the file, the "
                           "offset or the key. Subclasses tell the kind.");
  auto add = [&](StatusCode code, const char* name, PyObject* base, const char* doc) {
    PyObject* cls = NewError(m, name, base, doc);
    g_errors.by_code[static_cast<size_t>(code)] = cls;
    return cls;
  };
  add(StatusCode::kNotFound, "NotFoundError", g_errors.base, "A key, file or pipeline is absent.");
  add(StatusCode::kCorruption, "CorruptionError", g_errors.base,
      "Bad data: a damaged file, or a bad record under pipeline.bad_records = \"stop\".");
  add(StatusCode::kIOError, "StorageError", g_errors.base, "A store or a stream failed.");
  add(StatusCode::kInvalidArgument, "InvalidArgumentError", g_errors.base,
      "A bad argument or configuration (the message names the file and the key).");
  add(StatusCode::kNotSupported, "NotSupportedError", g_errors.base,
      "Something this build does not support (an Arrow type, a URL scheme).");
  add(StatusCode::kAlreadyExists, "AlreadyExistsError", g_errors.base,
      "An object written once exists already.");
  PyObject* precondition = add(StatusCode::kFailedPrecondition, "FailedPreconditionError",
                               g_errors.base, "The state does not allow the call.");
  add(StatusCode::kUnavailable, "UnavailableError", g_errors.base,
      "A server (metastore, store) cannot be reached for now; a retry may succeed.");
  add(StatusCode::kAborted, "AbortedError", g_errors.base, "Stopped on request.");
  g_errors.lease_held =
      NewError(m, "LeaseHeldError", precondition, "Another holder's writer lease is live.");
  g_errors.fenced = NewError(m, "FencedError", precondition,
                             "The epoch is no longer the pipeline's: another writer took over.");
  g_errors.collapse_refused =
      NewError(m, "CollapseRefusedError", precondition,
               "A generation built only from bad records, or dropping too many live docs.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      PyErr_SetString(ErrorClassOf(e.status), e.status.message().c_str());
    }
  });
}

// ------------------------------------------------------------------ helpers

Clock& SystemTime() {
  static SystemClock clock;
  return clock;
}

TimeMicros SecondsToMicros(double seconds) {
  return static_cast<TimeMicros>(seconds * static_cast<double>(kMicrosPerSecond));
}

std::optional<std::string> OptionalTime(std::optional<TimeMicros> t) {
  if (!t) return std::nullopt;
  return FormatTimestamp(*t);
}

py::object ParseJson(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

// A Python value as a record's value; nullopt (with `*why`) for a type
// records cannot hold.
std::optional<Value> ValueOf(py::handle v, std::string* why) {
  if (v.is_none()) return Value::Null();
  if (py::isinstance<py::bool_>(v)) return Value::Bool(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) {
    try {
      return Value::Int64(v.cast<int64_t>());
    } catch (const py::cast_error&) {
      *why = "an integer beyond 64 bits";
      return std::nullopt;
    }
  }
  if (py::isinstance<py::float_>(v)) return Value::Double(v.cast<double>());
  if (py::isinstance<py::str>(v)) return Value::String(v.cast<std::string>());
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    Value list;
    list.type = ValueType::kStringList;
    for (py::handle item : v) {
      std::optional<Value> e = ValueOf(item, why);
      if (!e) return std::nullopt;
      if (e->type == ValueType::kNull) continue;
      if (e->type == ValueType::kStringList || e->type == ValueType::kBool) {
        *why = "a list holding a " + std::string(ValueTypeName(e->type));
        return std::nullopt;
      }
      list.list.push_back(ValueToText(*e));
    }
    return list;
  }
  *why = "a value of Python type " +
         py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>();
  return std::nullopt;
}

// Hands Python mappings to `sink` as rows of `columns` (a missing key reads
// as null). An item that is not a mapping, or a value records cannot hold,
// is a bad record of its row. REQUIRES: the GIL.
Status FeedRecords(py::iterable records, const std::vector<std::string>& columns, RowSink& sink) {
  uint64_t row_number = 0;
  Row row;
  for (py::handle item : records) {
    ++row_number;
    if (!py::isinstance<py::dict>(item) && !py::hasattr(item, "keys")) {
      RETURN_IF_ERROR(sink.OnBadRow(
          row_number, 0,
          fmt::format("expected a mapping of column to value, got a {}",
                      py::str(py::type::handle_of(item).attr("__name__")).cast<std::string>())));
      continue;
    }
    py::object mapping = py::reinterpret_borrow<py::object>(item);
    row.assign(columns.size(), Value::Null());
    std::string why;
    for (size_t c = 0; c < columns.size() && why.empty(); ++c) {
      py::str key(columns[c]);
      if (!mapping.contains(key)) continue;
      std::optional<Value> v = ValueOf(mapping[key], &why);
      if (v) {
        row[c] = std::move(*v);
      } else {
        why = fmt::format("column '{}': {} is not supported", columns[c], why);
      }
    }
    if (!why.empty()) {
      RETURN_IF_ERROR(sink.OnBadRow(row_number, 0, std::move(why)));
      continue;
    }
    RETURN_IF_ERROR(sink.OnRow(row, row_number));
  }
  return Status::OK();
}

// The Arrow C stream of `data`: through the PyCapsule interface
// (__arrow_c_stream__), else pyarrow's _export_to_c (of a reader, or of a
// table's to_reader()). The caller owns the result.
ArrowArrayStream ExportArrowStream(py::object data) {
  ArrowArrayStream stream{};
  if (py::hasattr(data, "__arrow_c_stream__")) {
    py::object capsule = data.attr("__arrow_c_stream__")();
    auto* exported =
        static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule.ptr(), "arrow_array_stream"));
    if (exported == nullptr) throw py::error_already_set();
    stream = *exported;
    exported->release = nullptr;  // moved: the capsule no longer releases it
    return stream;
  }
  if (!py::hasattr(data, "_export_to_c") && py::hasattr(data, "to_reader")) {
    data = data.attr("to_reader")();
  }
  if (py::hasattr(data, "_export_to_c")) {
    data.attr("_export_to_c")(reinterpret_cast<uintptr_t>(&stream));
    return stream;
  }
  throw py::type_error(
      "expected Arrow data: an object with __arrow_c_stream__ (pyarrow Table, RecordBatch, "
      "RecordBatchReader; polars, DuckDB) or pyarrow's _export_to_c");
}

// ------------------------------------------------------------------ wrappers

struct PyStore {
  std::unique_ptr<ObjectStore> store;
};

struct PyIndex {
  std::unique_ptr<ObjectStore> store;
  std::shared_ptr<IndexView> view;
};

struct PyMetastore {
  std::unique_ptr<Metastore> meta;
};

struct PyShardBuilder {
  std::unique_ptr<ShardBuilder> builder;
  int sources = 0;
  std::string SourceName(const std::optional<std::string>& given, const char* kind) {
    ++sources;
    return given ? *given : fmt::format("{}-{}", kind, sources);
  }
};

// A BatchRunner used only to publish bases built elsewhere.
struct PyPublisher {
  std::unique_ptr<BatchRunner> runner;
  bool started = false;
  void RequireStarted(const char* call) const {
    if (started) return;
    throw StatusError{Status::FailedPrecondition(
        fmt::format("{} before start(): the writer lease is not taken", call))};
  }
};

// What Publisher's publications return of their batch.
py::dict BatchFigures(const BatchRecord& b) {
  py::dict out;
  out["batch_id"] = b.batch_id;
  out["epoch"] = b.epoch;
  out["manifest_version"] = b.manifest_version;
  out["manifest_key"] = b.manifest_key;
  out["docs"] = b.docs;
  out["groups"] = b.groups;
  out["records"] = b.records;
  out["bad_records"] = b.bad_records;
  out["bytes_written"] = b.bytes_written;
  return out;
}

py::tuple RefState(const SegmentRef& r) {
  return py::make_tuple(r.key, r.bytes, r.checksum, r.docs, r.groups);
}

SegmentRef RefFromState(const py::tuple& t) {
  if (t.size() != 5) throw py::value_error("SegmentRef: a pickled state has 5 fields");
  SegmentRef r;
  r.key = t[0].cast<std::string>();
  r.bytes = t[1].cast<uint64_t>();
  r.checksum = t[2].cast<std::string>();
  r.docs = t[3].cast<uint32_t>();
  r.groups = t[4].cast<uint32_t>();
  return r;
}

}  // namespace
}  // namespace freshet

using namespace freshet;

PYBIND11_MODULE(_freshet, m) {
  m.doc() =
      "freshet's C++ engine: pipeline configs, shard builds from Arrow or Python records, "
      "stores, search over a published index, and the metastore's lease and commit protocol.";
  RegisterErrors(m);

  // ---------------------------------------------------------------- Config
  py::class_<PipelineConfig>(m, "Config",
                             "A pipeline's configuration (TOML), as `freshet` reads it.")
      .def_static(
          "load", [](const std::string& path) { return Check(LoadPipelineConfig(path)); },
          py::arg("path"),
          "Reads a config file. InvalidArgumentError naming the file and the key on a bad "
          "config; NotFoundError if it is missing.")
      .def_static(
          "from_toml",
          [](const std::string& text, const std::string& base_dir, const std::string& origin) {
            return Check(ParsePipelineConfig(text, origin, base_dir));
          },
          py::arg("text"), py::arg("base_dir") = ".", py::arg("origin") = "<string>",
          "Parses TOML text; relative store paths resolve against base_dir, errors name "
          "origin.")
      .def_property_readonly("name", [](const PipelineConfig& c) { return c.name; })
      .def_property_readonly(
          "output", [](const PipelineConfig& c) { return c.output; },
          "Store URL of the published index.")
      .def_property_readonly(
          "metastore", [](const PipelineConfig& c) { return c.metastore; },
          "Metastore URL (sqlite:... or postgres://...).")
      .def_property_readonly(
          "snapshot", [](const PipelineConfig& c) { return c.snapshot_url; },
          "Store URL of build-full's snapshot (base.snapshot), or ''.")
      .def_property_readonly("shards", [](const PipelineConfig& c) { return c.shards; })
      .def_property_readonly("segment_format",
                             [](const PipelineConfig& c) { return c.segment_format; })
      .def_property_readonly(
          "bad_records",
          [](const PipelineConfig& c) {
            return c.bad_records == BadRecordPolicy::kStop ? "stop" : "skip";
          },
          "pipeline.bad_records: 'skip' (count and list) or 'stop' (raise).")
      .def_property_readonly(
          "lease_ttl",
          [](const PipelineConfig& c) {
            return static_cast<double>(c.lease_ttl) / static_cast<double>(kMicrosPerSecond);
          },
          "pipeline.lease_ttl in seconds.")
      .def_property_readonly(
          "group_key", [](const PipelineConfig& c) { return c.group_key; },
          "The doc column holding the group key (shards hash it).")
      .def_property_readonly(
          "has_groups", [](const PipelineConfig& c) { return c.has_group; },
          "Whether the pipeline has a group stream ([group]).")
      .def_property_readonly("doc_columns", &PipelineConfig::DocProjection,
                             "The doc stream's columns a build reads.")
      .def_property_readonly("group_columns", &PipelineConfig::GroupProjection,
                             "The group stream's columns a build reads.")
      .def(
          "shard_of",
          [](const PipelineConfig& c, const std::string& group_key, std::optional<int> shards) {
            int n = shards.value_or(c.shards);
            if (n < 1) throw py::value_error("shards must be at least 1");
            return static_cast<int>(ShardOfGroup(group_key, static_cast<size_t>(n)));
          },
          py::arg("group_key"), py::arg("shards") = py::none(),
          "The shard (0 .. shards-1; default: the config's) a group's docs are built in.");

  // ---------------------------------------------------------------- segments
  py::class_<SegmentRef>(m, "SegmentRef", "A published segment as a manifest lists it (picklable).")
      .def(py::init([](std::string key, uint64_t size, std::string checksum, uint32_t docs,
                       uint32_t groups) {
             return SegmentRef{std::move(key), size, std::move(checksum), docs, groups, 0};
           }),
           py::arg("key"), py::arg("size"), py::arg("checksum"), py::arg("docs"), py::arg("groups"))
      .def_readonly("key", &SegmentRef::key, "'segments/<content hash>.seg'")
      .def_readonly("size", &SegmentRef::bytes, "Bytes of the segment file.")
      .def_readonly("checksum", &SegmentRef::checksum, "xxh3-64 of the file, 16 hex digits.")
      .def_readonly("docs", &SegmentRef::docs)
      .def_readonly("groups", &SegmentRef::groups)
      .def(py::self == py::self)
      .def("__repr__",
           [](const SegmentRef& r) {
             return fmt::format("SegmentRef(key='{}', size={}, docs={}, groups={})", r.key, r.bytes,
                                r.docs, r.groups);
           })
      .def(py::pickle([](const SegmentRef& r) { return RefState(r); },
                      [](const py::tuple& t) { return RefFromState(t); }));

  py::class_<SegmentObject>(m, "Segment", "A built segment: its bytes and its content name.")
      .def_property_readonly(
          "key", [](const SegmentObject& s) { return s.ref.key; },
          "'segments/<content hash>.seg': where it is published.")
      .def_property_readonly(
          "data", [](const SegmentObject& s) { return py::bytes(s.bytes); },
          "The segment file's bytes.")
      .def_property_readonly("ref", [](const SegmentObject& s) { return s.ref; })
      .def_property_readonly("docs", [](const SegmentObject& s) { return s.ref.docs; })
      .def_property_readonly("groups", [](const SegmentObject& s) { return s.ref.groups; })
      .def("__len__", [](const SegmentObject& s) { return s.bytes.size(); });

  py::class_<PyShardBuilder>(
      m, "ShardBuilder",
      "Builds shard `shard` of `shards` (default: the config's pipeline.shards) of a base "
      "generation, byte-identical to the segment `freshet build-full` writes for it from the "
      "same records. Records of other shards' groups are dropped. Sources are reduced in the "
      "order they are added (newest version per key wins; at equal versions the later one). "
      "One thread at a time: calls release the GIL.")
      .def(py::init([](const PipelineConfig& config, int shard, std::optional<int> shards) {
             return PyShardBuilder{
                 Check(ShardBuilder::Create(config, shard, shards.value_or(config.shards)))};
           }),
           py::arg("config"), py::arg("shard"), py::arg("shards") = py::none())
      .def(
          "add_arrow",
          [](PyShardBuilder& b, py::object data, bool groups, std::optional<std::string> source) {
            const std::string name = b.SourceName(source, "arrow");
            ArrowArrayStream stream = ExportArrowStream(std::move(data));
            const PipelineConfig& c = b.builder->config();
            const std::vector<std::string> columns =
                groups ? c.GroupProjection() : c.DocProjection();
            Status st;
            {
              py::gil_scoped_release release;
              st = b.builder->Add(groups, name, [&](RowSink& sink) {
                return ReadArrowStream(&stream, name, columns, sink);
              });
            }
            if (stream.release) stream.release(&stream);  // Add failed before reading
            Check(st);
          },
          py::arg("data"), py::kw_only(), py::arg("groups") = false, py::arg("source") = py::none(),
          "Adds the records of Arrow data (Table, RecordBatch, RecordBatchReader, or anything "
          "exporting __arrow_c_stream__): doc records, or group records with groups=True. "
          "`source` names them in bad-record reports ('SOURCE:ROW: reason'; default "
          "'arrow-N').")
      .def(
          "add_records",
          [](PyShardBuilder& b, py::iterable records, bool groups,
             std::optional<std::string> source) {
            const std::string name = b.SourceName(source, "records");
            const PipelineConfig& c = b.builder->config();
            const std::vector<std::string> columns =
                groups ? c.GroupProjection() : c.DocProjection();
            Check(b.builder->Add(
                groups, name, [&](RowSink& sink) { return FeedRecords(records, columns, sink); }));
          },
          py::arg("records"), py::kw_only(), py::arg("groups") = false,
          py::arg("source") = py::none(),
          "Adds records from an iterable of mappings (column -> None, bool, int, float, str, or "
          "a list of str or numbers), as add_arrow does.")
      .def(
          "build",
          [](const PyShardBuilder& b) {
            py::gil_scoped_release release;
            return Check(b.builder->Build());
          },
          "The shard's segment over every record added so far.")
      .def_property_readonly("shard", [](const PyShardBuilder& b) { return b.builder->shard(); })
      .def_property_readonly("shards", [](const PyShardBuilder& b) { return b.builder->shards(); })
      .def_property_readonly(
          "records", [](const PyShardBuilder& b) { return b.builder->records(); },
          "Good records read (of every shard).")
      .def_property_readonly(
          "bad_records", [](const PyShardBuilder& b) { return b.builder->bad_records(); },
          "Bad records skipped (pipeline.bad_records = 'skip').")
      .def_property_readonly(
          "quarantine", [](const PyShardBuilder& b) { return b.builder->quarantine(); },
          "The first 1000 bad records: 'SOURCE:ROW: reason'.");

  // ---------------------------------------------------------------- stores
  py::class_<PyStore>(m, "Store",
                      "An object store: a local folder (file://, a plain path) or s3://bucket/"
                      "prefix, configured from the environment as the command line is.")
      .def_static(
          "open", [](const std::string& url) { return PyStore{Check(ObjectStore::Open(url))}; },
          py::arg("url"))
      .def(
          "put_segment",
          [](PyStore& s, const SegmentObject& segment) {
            py::gil_scoped_release release;
            Check(PutContentAddressed(*s.store, segment.ref.key, segment.bytes));
            return segment.ref;
          },
          py::arg("segment"),
          "Writes the segment under its content name unless it is there (a retry writes the "
          "same bytes: an object of that name is read back, and replaced if its bytes differ, "
          "i.e. it was damaged); returns its SegmentRef.")
      .def(
          "get",
          [](PyStore& s, const std::string& key) {
            std::string bytes;
            {
              py::gil_scoped_release release;
              bytes = Check(s.store->Get(key));
            }
            return py::bytes(bytes);
          },
          py::arg("key"))
      .def(
          "list",
          [](PyStore& s, const std::string& prefix) {
            std::vector<std::string> keys;
            py::gil_scoped_release release;
            for (const ObjectInfo& o : Check(s.store->List(prefix))) keys.push_back(o.key);
            return keys;
          },
          py::arg("prefix") = "", "Keys under `prefix`, sorted.")
      .def(
          "write_base_manifest",
          [](PyStore& s, const std::string& pipeline, int64_t version, int64_t epoch,
             const std::string& base_cut, const std::vector<SegmentRef>& base) {
            Manifest manifest;
            manifest.pipeline = pipeline;
            manifest.version = version;
            manifest.epoch = epoch;
            manifest.created_at = SystemTime().Now();
            manifest.base_cut = Check(ParseTimestamp(base_cut));
            manifest.base = base;
            const std::string key = ManifestKey(version, epoch);
            py::gil_scoped_release release;
            Check(s.store->PutIfAbsent(key, SerializeManifest(manifest)));
            return key;
          },
          py::arg("pipeline"), py::arg("version"), py::arg("epoch"), py::arg("base_cut"),
          py::arg("base"),
          "Writes the manifest of a base generation (no delta) made of `base` (in shard "
          "order), version `version` of epoch `epoch`, cut at `base_cut` (RFC 3339); returns "
          "its key. AlreadyExistsError if that version and epoch were written already.")
      .def(
          "advance_current",
          [](PyStore& s, const std::string& manifest_key) {
            py::gil_scoped_release release;
            return Check(AdvanceCurrent(*s.store, manifest_key, false)).move == CurrentMove::kMoved;
          },
          py::arg("manifest_key"),
          "Points CURRENT at a committed manifest unless it names a newer one (compare-and-"
          "swap); returns whether it moved.")
      .def("__repr__", [](const PyStore& s) { return "Store(" + s.store->Describe() + ")"; });

  // ---------------------------------------------------------------- index
  py::class_<PyIndex>(m, "Index", "A published index (base + newest delta), for searching.")
      .def_static(
          "open",
          [](const std::string& url, std::optional<std::string> manifest) {
            PyIndex index{Check(ObjectStore::Open(url)), nullptr};
            py::gil_scoped_release release;
            index.view = Check(manifest ? IndexView::OpenManifest(*index.store, *manifest, nullptr)
                                        : IndexView::OpenCurrent(*index.store, nullptr));
            return index;
          },
          py::arg("url"), py::arg("manifest") = py::none(),
          "Opens the generation CURRENT names in the store at `url` (or `manifest`).")
      .def_property_readonly("manifest_key",
                             [](const PyIndex& i) { return i.view->manifest_key(); })
      .def_property_readonly("version", [](const PyIndex& i) { return i.view->manifest().version; })
      .def(
          "search",
          [](const PyIndex& i, const std::string& query, size_t limit, size_t offset,
             const std::string& sort) {
            std::string json;
            {
              py::gil_scoped_release release;
              auto q = Check(ParseQuery(query));
              SortOrder order = Check(ParseSortOrder(sort));
              SearchResults results =
                  Check(i.view->Search(*q, SearchOptions{limit, offset, order}));
              json = QueryResultJson(*i.view, results, order.kind == SortOrder::Kind::kScore);
            }
            return ParseJson(json);
          },
          py::arg("query"), py::arg("limit") = 10, py::arg("offset") = 0, py::arg("sort") = "id",
          "Searches (the query language of `freshet query`); returns what `freshet query "
          "--json` prints: {'total', 'manifest', 'version', 'base_cut', 'target', 'hits': "
          "[{'id', 'group', 'version', 'score' (sort='score'), 'fields'}]}.")
      .def(
          "get",
          [](const PyIndex& i, const std::string& id) {
            std::string json;
            {
              py::gil_scoped_release release;
              json = DocToJson(Check(i.view->GetDoc(id)));
            }
            return ParseJson(json);
          },
          py::arg("id"), "One doc by id, as `freshet query --doc ID --json`; NotFoundError.");

  // ---------------------------------------------------------------- compaction
  m.def(
      "read_manifest",
      [](const std::string& url, const std::string& key) {
        std::string json;
        {
          py::gil_scoped_release release;
          auto store = Check(ObjectStore::Open(url));
          json = Check(store->Get(key));
          Check(ParseManifest(key, json));  // its checksum and fields
        }
        return ParseJson(json);
      },
      py::arg("url"), py::arg("key"),
      "The manifest `key` (e.g. a PipelineState's manifest_key) of the store at `url`, its "
      "checksum verified, as a dict of its JSON: 'version', 'epoch', 'base_cut', 'base' "
      "(segments: 'key', 'bytes', 'checksum', 'docs', 'groups'), and with a delta 'window_start', "
      "'target' and 'delta' (each segment with its 'layer'). CorruptionError naming the key "
      "and the field for a damaged manifest.");
  m.def(
      "segment_shards",
      [](const PipelineConfig& config, const std::string& manifest_key, size_t segment) {
        py::gil_scoped_release release;
        auto output = Check(ObjectStore::Open(config.output));
        return Check(SegmentShards(*output, manifest_key, segment, config.shards));
      },
      py::arg("config"), py::arg("manifest_key"), py::arg("segment"),
      "The shards (of the config's pipeline.shards) whose groups segment `segment` of the "
      "generation `manifest_key` in the config's output holds, ascending. Segments are "
      "numbered base first, then delta, in manifest order. Loads the segment and verifies its "
      "checksums.");
  m.def(
      "compact_shard",
      [](const PipelineConfig& config, const std::string& manifest_key, int shard,
         const std::vector<size_t>& segments) {
        ShardCompaction compacted;
        {
          py::gil_scoped_release release;
          auto output = Check(ObjectStore::Open(config.output));
          compacted = Check(CompactShard(config, *output, manifest_key, segments, shard));
        }
        py::dict out;
        out["ref"] = compacted.ref;
        out["docs"] = compacted.stats.docs;
        out["groups"] = compacted.stats.groups;
        out["superseded_groups"] = compacted.stats.superseded_groups;
        out["emptied_groups"] = compacted.stats.emptied_groups;
        return out;
      },
      py::arg("config"), py::arg("manifest_key"), py::arg("shard"), py::arg("segments"),
      "Compacts shard `shard` of the committed generation `manifest_key` in the config's "
      "output: merges its `segments` (numbered as segment_shards numbers them: every one "
      "holding a group of the shard) and writes the shard's new base segment, byte for byte "
      "the one `freshet compact` writes for it, under its content name unless it is there "
      "(a retry writes the same bytes). Returns {'ref': SegmentRef, 'docs', 'groups', "
      "'superseded_groups', 'emptied_groups'}. CorruptionError, nothing written, if the "
      "merge does not serve exactly the shard's live docs (or a segment is damaged).");

  // ---------------------------------------------------------------- publisher
  py::class_<PyPublisher>(
      m, "Publisher",
      "Publishes and commits base generations made of shards built elsewhere, with the "
      "writer lease and epoch of the pipeline, as `freshet build-full` does (a context "
      "manager: the lease is taken on entry and given up on exit). One thread at a time.")
      .def(py::init([](const PipelineConfig& config, std::optional<std::string> holder) {
             py::gil_scoped_release release;
             return PyPublisher{Check(
                 BatchRunner::Open(config, SystemTime(), holder.value_or(DefaultLeaseHolder())))};
           }),
           py::arg("config"), py::arg("holder") = py::none(),
           "Opens the config's output and metastore; `holder` names this writer in the lease "
           "(default HOST:PID).")
      .def(
          "start",
          [](PyPublisher& p) {
            py::gil_scoped_release release;
            Check(p.runner->Start());
            p.started = true;
            return p.runner->epoch();
          },
          "Takes the writer lease (a new epoch, returned) and repairs CURRENT. LeaseHeldError "
          "while another holder's lease is live.")
      .def(
          "stop",
          [](PyPublisher& p) {
            py::gil_scoped_release release;
            p.started = false;
            Check(p.runner->Stop());
          },
          "Gives the lease up.")
      .def_property_readonly("epoch", [](const PyPublisher& p) { return p.runner->epoch(); })
      .def(
          "publish_base",
          [](PyPublisher& p, const std::string& cut, std::vector<SegmentRef> base,
             int64_t doc_records, int64_t bad_doc_records, int64_t group_records,
             int64_t bad_group_records, std::vector<std::string> quarantine, int64_t sources,
             bool allow_shrink) {
            p.RequireStarted("publish_base");
            BaseInputs inputs;
            inputs.docs = {doc_records, bad_doc_records};
            inputs.groups = {group_records, bad_group_records};
            inputs.quarantine = std::move(quarantine);
            inputs.files_read = sources;
            const TimeMicros cut_time = Check(ParseTimestamp(cut));
            BatchOutcome outcome;
            {
              py::gil_scoped_release release;
              p.runner->AllowShrink(allow_shrink);
              auto published = p.runner->PublishBase(cut_time, std::move(base), inputs);
              p.runner->AllowShrink(false);
              outcome = Check(std::move(published));
            }
            return BatchFigures(outcome.record);
          },
          py::arg("cut"), py::arg("base"), py::kw_only(), py::arg("doc_records") = 0,
          py::arg("bad_doc_records") = 0, py::arg("group_records") = 0,
          py::arg("bad_group_records") = 0, py::arg("quarantine") = std::vector<std::string>{},
          py::arg("sources") = 0, py::arg("allow_shrink") = false,
          "Publishes the base cut at `cut` (RFC 3339) made of `base` (SegmentRefs of segments "
          "already in the output, in shard order) and commits it under this publisher's "
          "epoch: the committed delta is kept if at least as new as the cut, CURRENT follows "
          "the commit, and the batch log records the figures given (records read and bad, "
          "the quarantine list). NotFoundError or CorruptionError if a segment is not there "
          "whole; CollapseRefusedError (nothing published) for a base built only from bad "
          "records or dropping more than pipeline.max_shrink of the live docs, unless "
          "allow_shrink; FencedError once another writer took the lease. Returns the batch's "
          "figures: batch_id, epoch, manifest_version, manifest_key, docs, groups, records, "
          "bad_records, bytes_written.")
      .def(
          "publish_compaction",
          [](PyPublisher& p, const std::string& from, std::vector<SegmentRef> base,
             int64_t superseded_groups, int64_t emptied_groups) {
            p.RequireStarted("publish_compaction");
            MergeStats stats;
            stats.superseded_groups = superseded_groups;
            stats.emptied_groups = emptied_groups;
            BatchOutcome outcome;
            {
              py::gil_scoped_release release;
              outcome = Check(p.runner->PublishCompaction(from, std::move(base), stats));
            }
            return BatchFigures(outcome.record);
          },
          py::arg("from_manifest"), py::arg("base"), py::kw_only(),
          py::arg("superseded_groups") = 0, py::arg("emptied_groups") = 0,
          "Publishes the compaction of the committed generation `from_manifest` (its manifest "
          "key) made shard by shard with compact_shard: `base`, one SegmentRef per shard in "
          "shard order, already in the output. Commits, under this publisher's epoch, a base "
          "generation with no delta cut at the end of the delta's newest partition, as "
          "`freshet compact` does (the watermark stays; the batch log records a 'compact' "
          "batch; superseded_groups and emptied_groups, summed over the shards, go to its "
          "log line). FailedPreconditionError, nothing published, if the committed generation "
          "is no longer `from_manifest` or has no delta; InvalidArgumentError unless there is "
          "one segment per shard; NotFoundError or CorruptionError if a segment is not there "
          "whole; FencedError once another writer took the lease. Returns the batch's figures "
          "as publish_base does.")
      .def("__enter__",
           [](py::object self) {
             PyPublisher& p = self.cast<PyPublisher&>();
             {
               py::gil_scoped_release release;
               Check(p.runner->Start());
             }
             p.started = true;
             return self;
           })
      .def("__exit__", [](PyPublisher& p, py::args) {
        py::gil_scoped_release release;
        p.started = false;
        Check(p.runner->Stop());
      });

  // ---------------------------------------------------------------- metastore
  py::class_<PipelineState>(m, "PipelineState", "A pipeline's row in the metastore.")
      .def_readonly("pipeline", &PipelineState::pipeline)
      .def_property_readonly(
          "watermark", [](const PipelineState& s) { return OptionalTime(s.watermark); },
          "Start of the newest published partition (RFC 3339), or None.")
      .def_readonly("manifest_version", &PipelineState::manifest_version)
      .def_readonly("manifest_key", &PipelineState::manifest_key)
      .def_readonly("epoch", &PipelineState::epoch)
      .def_readonly("lease_holder", &PipelineState::lease_holder)
      .def_property_readonly(
          "lease_expires", [](const PipelineState& s) { return FormatTimestamp(s.lease_expires); });

  py::class_<PyMetastore>(
      m, "Metastore",
      "The metastore of watermarks, leases and the batch log: sqlite:PATH or postgres://... "
      "One thread at a time (open one per thread); several processes may share the database.")
      .def_static(
          "open",
          [](const std::string& url) {
            py::gil_scoped_release release;
            return PyMetastore{Check(Metastore::Open(url))};
          },
          py::arg("url"))
      .def(
          "acquire_lease",
          [](PyMetastore& m, const std::string& pipeline, const std::string& holder, double ttl) {
            py::gil_scoped_release release;
            return Check(
                m.meta->AcquireLease(pipeline, holder, SystemTime().Now(), SecondsToMicros(ttl)));
          },
          py::arg("pipeline"), py::arg("holder"), py::arg("ttl") = 120.0,
          "Takes the writer lease for `ttl` seconds; returns the new epoch. LeaseHeldError "
          "while another holder's lease is live.")
      .def(
          "renew_lease",
          [](PyMetastore& m, const std::string& pipeline, int64_t epoch, double ttl) {
            py::gil_scoped_release release;
            Check(m.meta->RenewLease(pipeline, epoch, SystemTime().Now(), SecondsToMicros(ttl)));
          },
          py::arg("pipeline"), py::arg("epoch"), py::arg("ttl") = 120.0,
          "Extends the lease; FencedError if `epoch` is no longer the pipeline's.")
      .def(
          "release_lease",
          [](PyMetastore& m, const std::string& pipeline, int64_t epoch) {
            py::gil_scoped_release release;
            Check(m.meta->ReleaseLease(pipeline, epoch));
          },
          py::arg("pipeline"), py::arg("epoch"))
      .def(
          "state",
          [](PyMetastore& m, const std::string& pipeline) {
            py::gil_scoped_release release;
            return Check(m.meta->GetState(pipeline));
          },
          py::arg("pipeline"), "NotFoundError for a pipeline never seen.")
      .def(
          "commit",
          [](PyMetastore& m, const std::string& pipeline, int64_t epoch, int64_t manifest_version,
             const std::string& manifest_key, std::optional<std::string> watermark,
             const std::string& kind, std::optional<std::string> window_start, int64_t records,
             int64_t docs, int64_t groups, int64_t bad_records, int64_t bytes_written,
             std::vector<std::string> quarantine) {
            Commit c;
            if (watermark) c.watermark = Check(ParseTimestamp(*watermark));
            c.manifest_version = manifest_version;
            c.manifest_key = manifest_key;
            BatchRecord& b = c.batch;
            b.kind = kind;
            b.started_at = b.finished_at = SystemTime().Now();
            if (window_start) b.window_start = Check(ParseTimestamp(*window_start));
            b.records = records;
            b.docs = docs;
            b.groups = groups;
            b.bad_records = bad_records;
            b.bytes_written = bytes_written;
            b.quarantine = std::move(quarantine);
            py::gil_scoped_release release;
            return Check(m.meta->CommitBatch(pipeline, epoch, c));
          },
          py::arg("pipeline"), py::arg("epoch"), py::arg("manifest_version"),
          py::arg("manifest_key"), py::kw_only(), py::arg("watermark") = py::none(),
          py::arg("kind") = "base", py::arg("window_start") = py::none(), py::arg("records") = 0,
          py::arg("docs") = 0, py::arg("groups") = 0, py::arg("bad_records") = 0,
          py::arg("bytes_written") = 0, py::arg("quarantine") = std::vector<std::string>{},
          "Commits manifest `manifest_key` (version state.manifest_version + 1) with the "
          "batch's figures in one transaction guarded by `epoch`; returns the batch id. "
          "FencedError if `epoch` is not the pipeline's current one, FailedPreconditionError "
          "if the version is out of order; nothing is written then.");
}
