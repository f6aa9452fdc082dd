// Manifests and the CURRENT pointer: what a reader serves.
//
// Output layout (frozen):
//   segments/<xxh3-128 of content>.seg      immutable, content-derived names
//   inputs/<xxh3-128 of content>.json       what a delta was built from
//                                            (pipeline/chain_record.h)
//   manifests/<version, 20 digits>-e<epoch>.json   one per published generation
//   CURRENT                                  the key of the committed manifest
// A manifest describes a whole view: the base generation (its cut time and
// segments) plus, optionally, the newest delta generation (its window and
// segments). Readers follow CURRENT, which moves only to committed manifests.
//
// A delta is made of layers (format 2): layer 0 holds every group the window
// touched as of a whole-window rebuild; each later batch of the same runner
// adds a layer holding only the groups whose records changed since, so that a
// batch's cost follows its new data. A reader serves each group from its
// highest layer, else from the base. Manifests without layers are format 1.
//
// Every manifest written carries, as its last member, "checksum": the
// xxh3-64 (16 hex digits) of its own bytes up to that member's line. Readers
// verify it when present; manifests written before it existed have none and
// still read (the field does not change the format number: older readers
// ignore it).
//
// A delta manifest may name, in its member "inputs" ({"key", "checksum"}),
// the chain record its delta was built from, so that a restarted runner can
// add a layer to it rather than rebuild the window. The member is optional
// and changes no format number either: readers before it look members up by
// name and ignore it, and a manifest without it reads as one whose delta has
// no record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace freshet {

inline constexpr std::string_view kCurrentKey = "CURRENT";
inline constexpr std::string_view kSegmentsPrefix = "segments/";
inline constexpr std::string_view kManifestsPrefix = "manifests/";
inline constexpr std::string_view kInputsPrefix = "inputs/";

struct SegmentRef {
  std::string key;  // e.g. "segments/3f2a...e1.seg"
  uint64_t bytes = 0;
  std::string checksum;  // xxh3-64 of the whole file, 16 hex digits
  uint32_t docs = 0;
  uint32_t groups = 0;
  // Delta segments only: the layer, 0 for a whole-window rebuild. A group in
  // a higher layer supersedes the same group in lower layers and the base.
  uint32_t layer = 0;
  bool operator==(const SegmentRef&) const = default;
};

struct Manifest {
  std::string pipeline;
  int64_t version = 0;
  int64_t epoch = 0;
  TimeMicros created_at = 0;
  TimeMicros base_cut = 0;
  std::vector<SegmentRef> base;
  bool has_delta = false;
  TimeMicros window_start = 0;
  TimeMicros target = 0;          // start of the newest partition the delta covers
  std::vector<SegmentRef> delta;  // by layer, lowest first
  // The delta's chain record: its key (under kInputsPrefix) and the xxh3-64
  // of its bytes (16 hex digits); both empty when the delta has none.
  std::string inputs_key;
  std::string inputs_checksum;

  // Number of delta layers (0 without a delta).
  uint32_t DeltaLayers() const;
};

std::string ManifestKey(int64_t version, int64_t epoch);
struct ManifestKeyParts {
  int64_t version = 0;
  int64_t epoch = 0;
  // Publication order: by version, then epoch (a retry after a failed commit
  // has a higher epoch). Keys sorted as text do not order epochs by value.
  auto operator<=>(const ManifestKeyParts&) const = default;
};
// The parts of a key ManifestKey() made ("manifests/00000000000000000007-e2.json"
// -> {7, 2}). InvalidArgument naming `key` for anything else.
Result<ManifestKeyParts> ParseManifestKey(std::string_view key);
// The manifest's JSON, its checksum last.
std::string SerializeManifest(const Manifest& m);
// Corruption naming `key` and the field on malformed input, or naming `key`
// and both checksums when the content does not match its checksum.
Result<Manifest> ParseManifest(std::string_view key, std::string_view json);

}  // namespace freshet
