// A supersession kept with the index: what an upper segment supersedes of a
// lower one (group_directory.h's Supersession), stored so that a process
// opening a generation cold reads each pair instead of recomputing it.
//
// One object per pair, named by the pair and the revision of the code that
// computes it:
//   supersessions/r<revision>/<upper's content hash>-<lower's content hash>.sup
// A pair of content-addressed segments is a fact of their bytes, but what
// is read from them is a fact of the code too: kSupersessionRevision is
// bumped whenever what a pair supersedes is computed differently (Compute in
// group_directory.cc, what a tombstone or a group key means), and objects
// of other revisions are then neither read nor replaced, only collected with
// their segments. Within a revision an object never goes stale; it is
// written once, create-if-absent, by the runner that first computes the
// pair, and collected with either segment. It is only a cache: a missing or
// damaged object is recomputed.
//
// Format 1 (frozen), little endian:
//   "FSUP", varint format (1),
//   length-prefixed upper segment key, length-prefixed lower segment key,
//   varint lower docs, varint lower groups, varint upper groups,
//   varint pair count, then per pair (rising in both groups):
//     varint lower group minus the previous pair's, varint upper group,
//   byte doc encoding:
//     0: varint count, then the sorted doc ordinals, the first as it is and
//        each later one as its gap to the previous minus one (varints);
//     1: a bitmap of ceil(lower docs / 8) bytes, bit d % 8 of byte d / 8
//        set for doc d (when smaller than the varints),
//   fixed64 xxh3-64 of every byte before it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "index/group_directory.h"

namespace freshet {

inline constexpr std::string_view kSupersessionsPrefix = "supersessions/";
inline constexpr uint32_t kSupersessionFormatVersion = 1;
inline constexpr uint32_t kSupersessionRevision = 1;

// The object's key for the pair (upper, lower) of segment keys at this
// freshet's revision; nullopt when either is not a content-addressed segment
// key ("segments/<hash>.seg").
std::optional<std::string> SupersessionKey(std::string_view upper, std::string_view lower);
// The segment keys (upper, lower) a supersession object's key names, of any
// revision; nullopt for a key that is not one.
std::optional<std::pair<std::string, std::string>> SegmentsOfSupersessionKey(std::string_view key);

// A decoded object: the pair it describes, the shapes of the two segments
// it was computed over, and the supersession.
struct SupersessionObject {
  std::string upper;
  std::string lower;
  uint32_t lower_docs = 0;
  uint32_t lower_groups = 0;
  uint32_t upper_groups = 0;
  Supersession supersession;
};

std::string EncodeSupersession(const SupersessionObject& object);
// Corruption naming `key` and the byte offset on a bad checksum, a
// truncation or a value out of range; NotSupported naming `key` for a
// format this freshet does not read.
Result<SupersessionObject> DecodeSupersession(std::string_view key, std::string_view bytes);

}  // namespace freshet
