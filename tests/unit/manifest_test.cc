#include "index/manifest.h"

#include <gtest/gtest.h>

#include "common/hash.h"

namespace freshet {
namespace {

SegmentRef Ref(std::string name, uint32_t layer) {
  return SegmentRef{"segments/" + name + ".seg", 100, "0123456789abcdef", 3, 2, layer};
}

Manifest Layered() {
  Manifest m;
  m.pipeline = "ads";
  m.version = 7;
  m.epoch = 2;
  m.created_at = 1'777'888'800'000'000;
  m.base_cut = 1'777'888'800'000'000;
  m.base = {Ref("b0", 0), Ref("b1", 0)};
  m.has_delta = true;
  m.window_start = m.base_cut;
  m.target = m.base_cut + 600'000'000;
  m.delta = {Ref("d0", 0), Ref("d1", 0), Ref("d2", 1), Ref("d3", 2)};
  return m;
}

TEST(ManifestTest, LayeredDeltaRoundTripsAsFormat2) {
  Manifest m = Layered();
  EXPECT_EQ(m.DeltaLayers(), 3u);
  std::string json = SerializeManifest(m);
  EXPECT_NE(json.find("\"format\": 2"), std::string::npos) << json;
  auto parsed = ParseManifest("manifests/m.json", json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->delta, m.delta);
  EXPECT_EQ(parsed->base, m.base);
  EXPECT_EQ(parsed->DeltaLayers(), 3u);
}

TEST(ManifestTest, SingleLayerDeltaStaysFormat1WithoutLayers) {
  Manifest m = Layered();
  m.delta = {Ref("d0", 0)};
  std::string json = SerializeManifest(m);
  EXPECT_NE(json.find("\"format\": 1"), std::string::npos) << json;
  EXPECT_EQ(json.find("layer"), std::string::npos) << json;
  auto parsed = ParseManifest("manifests/m.json", json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->DeltaLayers(), 1u);
}

TEST(ManifestTest, NamesItsChainRecordWithoutChangingTheFormat) {
  Manifest m = Layered();
  m.delta = {Ref("d0", 0)};
  const std::string without = SerializeManifest(m);
  EXPECT_EQ(without.find("inputs"), std::string::npos) << without;
  m.inputs_key = "inputs/0123456789abcdef0123456789abcdef.json";
  m.inputs_checksum = "fedcba9876543210";
  const std::string json = SerializeManifest(m);
  EXPECT_NE(json.find("\"format\": 1"), std::string::npos) << json;
  EXPECT_NE(json.find("  \"inputs\": {\"key\": \"inputs/0123456789abcdef0123456789abcdef.json\", "
                      "\"checksum\": \"fedcba9876543210\"},\n  \"checksum\""),
            std::string::npos)
      << json;
  auto parsed = ParseManifest("manifests/m.json", json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->inputs_key, m.inputs_key);
  EXPECT_EQ(parsed->inputs_checksum, m.inputs_checksum);
  auto plain = ParseManifest("manifests/m.json", without);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->inputs_key.empty());

  std::string outside = json;
  outside.replace(outside.find("inputs/0123"), 7, "segments/../");
  outside.replace(
      outside.rfind("\"checksum\": \"") + 13, 16,
      Hex64(Hash64(std::string_view(outside).substr(0, outside.rfind("  \"checksum\"")))));
  auto refused = ParseManifest("manifests/m.json", outside);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(
      refused.status().message(),
      "manifest 'manifests/m.json': inputs key 'segments/../0123456789abcdef0123456789abcdef.json' "
      "is outside 'inputs/'");
}

TEST(ManifestTest, RejectsLayersOutOfOrderOrInFormat1OrOnTheBase) {
  std::string json = SerializeManifest(Layered());
  auto replaced = [&](std::string from, std::string to) {
    std::string s = json;
    s.replace(s.find(from), from.size(), to);
    return ParseManifest("manifests/m.json", s);
  };
  auto unsorted = replaced("\"layer\": 2", "\"layer\": 0");
  ASSERT_FALSE(unsorted.ok());
  EXPECT_NE(unsorted.status().message().find("not sorted by layer"), std::string::npos)
      << unsorted.status().ToString();
  auto format1 = replaced("\"format\": 2", "\"format\": 1");
  ASSERT_FALSE(format1.ok());
  EXPECT_NE(format1.status().message().find("malformed 'layer' in 'delta'"), std::string::npos);
  auto on_base = replaced("\"groups\": 2}", "\"groups\": 2, \"layer\": 1}");
  ASSERT_FALSE(on_base.ok());
  EXPECT_NE(on_base.status().message().find("manifests/m.json"), std::string::npos);
}

TEST(ManifestTest, CarriesAChecksumOfItsOwnBytesAsItsLastMember) {
  std::string json = SerializeManifest(Layered());
  size_t at = json.rfind("  \"checksum\": \"");
  ASSERT_NE(at, std::string::npos) << json;
  // Computed here, independently: xxh3-64 of every byte before its line.
  EXPECT_EQ(json.substr(at), "  \"checksum\": \"" + Hex64(Hash64(json.substr(0, at))) + "\"\n}\n");
  EXPECT_TRUE(ParseManifest("manifests/m.json", json).ok());
}

// A flipped digit in a timestamp or a count is still valid JSON with every
// field in place: only the checksum can tell.
TEST(ManifestTest, DamageTheStructureCannotSeeIsReportedNamingTheManifest) {
  const std::string json = SerializeManifest(Layered());
  for (std::string from : {"\"bytes\": 100", "2026-05-04T10:10:00Z", "\"version\": 7"}) {
    std::string damaged = json;
    size_t at = damaged.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    damaged[at + from.size() - 1] ^= 0x01;  // 0 <-> 1, 7 <-> 6, Z -> [
    auto parsed = ParseManifest("manifests/00000000000000000007-e2.json", damaged);
    ASSERT_FALSE(parsed.ok()) << from;
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
    EXPECT_NE(parsed.status().message().find("manifest 'manifests/00000000000000000007-e2.json'"),
              std::string::npos)
        << parsed.status().ToString();
  }
  std::string flipped = json;
  flipped[flipped.find("\"bytes\": 100") + 10] = '2';
  auto mismatch = ParseManifest("manifests/m.json", flipped);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("checksum mismatch"), std::string::npos)
      << mismatch.status().ToString();
  // A damaged member name must not pass for a manifest without checksum.
  std::string renamed = json;
  renamed[renamed.rfind("checksum")] = 'd';
  auto unnamed = ParseManifest("manifests/m.json", renamed);
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.status().message().find("no 'checksum'"), std::string::npos)
      << unnamed.status().ToString();
}

// Formats are forever: a manifest written before checksums existed (these
// exact bytes) still reads.
TEST(ManifestTest, ManifestWithoutChecksumStillReads) {
  const std::string old_manifest =
      "{\n"
      "  \"format\": 1,\n"
      "  \"pipeline\": \"ads\",\n"
      "  \"version\": 3,\n"
      "  \"epoch\": 2,\n"
      "  \"created_at\": \"2026-05-04T10:10:00Z\",\n"
      "  \"base_cut\": \"2026-05-04T10:00:00Z\",\n"
      "  \"base\": [\n"
      "    {\"key\": \"segments/b0.seg\", \"bytes\": 100, \"checksum\": \"0123456789abcdef\", "
      "\"docs\": 3, \"groups\": 2}\n"
      "  ],\n"
      "  \"window_start\": \"2026-05-04T10:00:00Z\",\n"
      "  \"target\": \"2026-05-04T10:05:00Z\",\n"
      "  \"delta\": []\n"
      "}\n";
  auto parsed = ParseManifest("manifests/00000000000000000003-e2.json", old_manifest);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->version, 3);
  EXPECT_EQ(parsed->base.size(), 1u);
  EXPECT_TRUE(parsed->has_delta);
}

TEST(ManifestTest, KeysParseIntoVersionAndEpoch) {
  auto parts = ParseManifestKey(ManifestKey(42, 17));
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->version, 42);
  EXPECT_EQ(parts->epoch, 17);
  EXPECT_LT(*ParseManifestKey(ManifestKey(5, 9)), *ParseManifestKey(ManifestKey(5, 10)));
  EXPECT_FALSE(ParseManifestKey("manifests/m.json").ok());
  EXPECT_FALSE(ParseManifestKey("manifests/00000000000000000001-e1.jsn").ok());
  EXPECT_FALSE(ParseManifestKey("manifests/00000000000000000001-e-1.json").ok());
}

TEST(ManifestTest, AnUnknownFormatIsRefusedByName) {
  EXPECT_EQ(ParseManifest("m.json", R"({"pipeline": "p"})").status().message(),
            "manifest 'm.json': missing 'format'");
  auto newer = ParseManifest("m.json", R"({"format": 7, "pipeline": "p"})");
  EXPECT_EQ(newer.status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(newer.status().message(),
            "manifest 'm.json': format 7 is not one this freshet reads (1 and 2); a newer freshet "
            "wrote it?");
}

}  // namespace
}  // namespace freshet
