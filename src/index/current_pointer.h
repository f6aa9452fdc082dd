// CURRENT: the one object of an output that is ever replaced. It holds the
// key of the manifest readers serve ("manifests/<version>-e<epoch>.json\n").
//
// CURRENT never moves backwards: writers only ever point it at a manifest of
// a higher version than the one it names, by compare-and-swap
// (ObjectStore::PutIfMatch), so that of two writers racing (a runner whose
// lease ran out and its successor, a repair at start and a late commit) the
// one with the newer manifest always wins, whatever the order of their
// writes. Readers that serve a generation ignore a CURRENT naming an older
// one (ServedIndex).
//
// Thread-safe: the functions keep no state; concurrency is the store's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/object_store.h"

namespace freshet {

// The manifest key in CURRENT's bytes (trailing line breaks dropped).
// Corruption naming the store if it does not name a manifest.
Result<std::string> ParseCurrent(const ObjectStore& store, std::string_view text);

enum class CurrentMove {
  kMoved,         // CURRENT now names the manifest (it was older or absent)
  kAlreadyThere,  // CURRENT already named it
  kNewer,         // CURRENT names a newer version: left as it is
};

struct CurrentAdvance {
  CurrentMove move = CurrentMove::kAlreadyThere;
  std::string before;  // what CURRENT named before ("" if absent or unreadable)
};

// Points CURRENT at `manifest_key` if CURRENT is absent, unreadable, or names
// a lower version; with `replace_same_version` also if it names another
// manifest of the same version (a repair from the metastore, whose committed
// manifest is the one of that version that counts). Compare-and-swap: if
// CURRENT changes between the read and the write, it is read again and the
// decision taken anew. InvalidArgument if `manifest_key` is not a manifest
// key; the store's errors otherwise (NotSupported for a store without
// compare-and-swap).
Result<CurrentAdvance> AdvanceCurrent(ObjectStore& store, const std::string& manifest_key,
                                      bool replace_same_version);

}  // namespace freshet
