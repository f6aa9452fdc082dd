#include "index/manifest.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace freshet
