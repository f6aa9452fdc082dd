// VerifyParquet: checks a whole Parquet file, including the nested columns
// that reads skip. For every column chunk of every row group it parses each
// page header, checks CRCs, decompresses, and decodes the repetition and
// definition levels, checking that the pages hold the chunk's value count;
// flat columns are also decoded in full. For `freshet inspect --verify`, for
// tests and for quarantining files before they are read.
#pragma once

#include <string_view>

#include "common/status.h"
#include "storage/object_store.h"

namespace freshet::parquet {

// OK if the file decodes; otherwise the first problem found (Corruption or
// NotSupported naming the file, column, row group and byte offset).
Status VerifyParquet(ObjectStore& store, std::string_view key);

}  // namespace freshet::parquet
