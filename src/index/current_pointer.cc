#include "index/current_pointer.h"

#include <fmt/format.h>

#include "index/manifest.h"

namespace freshet {

Result<std::string> ParseCurrent(const ObjectStore& store, std::string_view text) {
  std::string key(text);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (!key.starts_with(kManifestsPrefix) || key.find("..") != std::string::npos) {
    return Status::Corruption(
        fmt::format("CURRENT in {} names '{}', not a manifest", store.Describe(), key));
  }
  return key;
}

Result<CurrentAdvance> AdvanceCurrent(ObjectStore& store, const std::string& manifest_key,
                                      bool replace_same_version) {
  ASSIGN_OR_RETURN(const ManifestKeyParts ours, ParseManifestKey(manifest_key));
  const std::string content = manifest_key + "\n";
  // Each refused swap means another writer moved CURRENT meanwhile; a few
  // rounds settle any realistic race.
  constexpr int kAttempts = 32;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    CurrentAdvance out;
    std::string token;
    auto current = store.GetVersioned(kCurrentKey);
    if (current.ok()) {
      token = current->token;
      // An unreadable CURRENT (damaged) is replaced as if it were older.
      auto key = ParseCurrent(store, current->data);
      auto theirs = key.ok() ? ParseManifestKey(*key) : Result<ManifestKeyParts>(key.status());
      if (theirs.ok()) {
        out.before = *key;
        if (*key == manifest_key) return out;
        if (theirs->version > ours.version ||
            (theirs->version == ours.version && !replace_same_version)) {
          out.move = CurrentMove::kNewer;
          return out;
        }
      }
    } else if (!current.status().IsNotFound()) {
      return current.status();
    }
    Status st = store.PutIfMatch(kCurrentKey, content, token);
    if (st.ok()) {
      out.move = CurrentMove::kMoved;
      return out;
    }
    if (st.code() != StatusCode::kFailedPrecondition) return st;
  }
  return Status::Unavailable(
      fmt::format("CURRENT in {} kept changing: {} swaps refused", store.Describe(), kAttempts));
}

}  // namespace freshet
