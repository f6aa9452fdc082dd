// Rows out of an Arrow C stream (the Arrow C data interface's
// ArrowArrayStream, as `__arrow_c_stream__` exports it from pyarrow, polars or
// DuckDB): its record batches, column by column, handed to a RowSink as the
// file readers hand theirs (format/row_reader.h). No Arrow library is linked:
// the structures below are the interface's stable ABI.
//
// Not thread-safe: one stream is read by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "format/row_reader.h"

extern "C" {
// The Arrow C data interface (ABI-stable, defined by the Arrow specification).
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
}

namespace freshet {

// Reads every batch of `stream` and delivers the values of `columns` (a
// column the stream lacks reads as nulls) to `sink` with 1-based row numbers
// counted across batches. Takes ownership of the stream: it is released
// before returning. Supported column types: null, bool, integers, float and
// double, utf8, large_utf8 and utf8_view (polars' strings), timestamps (as
// microseconds since the epoch, as Parquet timestamps are read), lists of
// strings or numbers, and dictionary-encoded columns of those. NotSupported
// naming `source`, the column and its Arrow format for any other;
// InvalidArgument if the stream's rows are not records (a struct type);
// IOError with the producer's message if the stream fails; the sink's first
// error otherwise.
Status ReadArrowStream(ArrowArrayStream* stream, const std::string& source,
                       const std::vector<std::string>& columns, RowSink& sink);

}  // namespace freshet
