#include "metastore/metastore.h"

#include <fmt/format.h>

#include "metastore/database_url.h"
#include "metastore/postgres_metastore.h"
#include "metastore/sqlite_metastore.h"

namespace freshet {

Result<std::unique_ptr<Metastore>> Metastore::Open(std::string_view url) {
  std::string scheme = UrlScheme(url);
  if (scheme == "sqlite") {
    ASSIGN_OR_RETURN(auto metastore, SqliteMetastore::Open(url));
    return std::unique_ptr<Metastore>(std::move(metastore));
  }
  if (scheme == "postgres" || scheme == "postgresql") {
    ASSIGN_OR_RETURN(auto metastore, PostgresMetastore::Open(url));
    return std::unique_ptr<Metastore>(std::move(metastore));
  }
  return Status::InvalidArgument(fmt::format(
      "metastore URL '{}': {}; supported: sqlite:path/to/file.db, sqlite:///abs/path.db, "
      "postgres://user@host:port/db, postgresql://user@host:port/db",
      RedactUrl(url), scheme.empty() ? "no scheme" : "unsupported scheme '" + scheme + ":'"));
}

}  // namespace freshet
