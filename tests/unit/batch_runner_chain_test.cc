// Restarts continue the incremental chain: a runner that did not publish the
// committed delta itself (a restart, a takeover) adds a layer to it from the
// chain record published with its manifest, and serves exactly what one
// long-lived runner serves; what the record cannot vouch for (files removed
// or rewritten since, another base, another config, a damaged record, an
// operator's request) rebuilds the whole window, saying why.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "index/group_directory.h"
#include "index/index_view.h"
#include "index/manifest.h"
#include "index/supersession_object.h"
#include "memory_pipeline.h"
#include "pipeline/batch_runner.h"
#include "pipeline/chain_record.h"

namespace freshet {
namespace {

std::string Describe(const ChainDecision& c) {
  return c.continued ? "continued from " + c.from : "rebuilt: " + c.reason;
}

// Docs carry an op column; items are a group stream with a count aggregate;
// four layers at most, two shards.
class ChainTest : public MemoryPipelineTest {
 protected:
  std::string ConfigText() const override {
    std::string text = kConfig;
    auto replace = [&](std::string_view from, std::string_view to) {
      auto at = text.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      text.replace(at, from.size(), to);
    };
    replace("shards = 1\n", "shards = 2\ndelta_layers = 4\n");
    replace("version = \"updated_at\"\n", "version = \"updated_at\"\nop = \"op\"\n");
    text += R"(
[group]
url = "items"
key = "item_id"
version = "updated_at"
prefix = "item_"
text = ["name"]
stored = ["name"]
aggregates = ["count"]
)";
    return text;
  }

  static std::string AdIn(int id, int item, std::string_view title, int version,
                          std::string_view op = "upsert") {
    return fmt::format(
               R"({{"ad_id":"ad-{}","item_id":"item-{}","title":"{}","updated_at":{},"op":"{}"}})",
               id, item, title, version, op) +
           "\n";
  }
  static std::string Item(int item, std::string_view name, int version) {
    return fmt::format(R"({{"item_id":"item-{}","name":"{}","updated_at":{}}})", item, name,
                       version) +
           "\n";
  }
  void PutDocs(int partition, std::string_view file, const std::string& lines) {
    ASSERT_TRUE(source_->Put(PartitionFolder(partition) + "/" + std::string(file), lines).ok());
  }
  void PutItems(int partition, std::string_view file, const std::string& lines) {
    const std::string folder = PartitionFolder(partition);
    ASSERT_TRUE(group_source_->Put(folder + "/" + std::string(file), lines).ok());
    ASSERT_TRUE(group_source_->Put(folder + "/_SUCCESS", "").ok());
  }

  // The producer's doings before batch k (k >= 2): partition k with a new ad
  // and an update of the previous partition's ad, plus late files, moves,
  // deletes and item updates along the way.
  void Produce(int k) {
    AddPartition(k);  // ad 100 + k in item 100 + k
    PutDocs(k, "part-1.jsonl",
            AdIn(100 + k - 1, 100 + k - 1, fmt::format("updated {}", k), 10 + k));
    if (k == 3) PutDocs(1, "part-late.jsonl", AdIn(1, 2, "moved red shoes", 50));  // base ad moves
    if (k == 4) PutDocs(k, "part-2.jsonl", AdIn(2, 2, "", 60, "delete"));  // base ad deleted
    if (k == 5) PutItems(k, "part-0.jsonl", Item(101, "quokka", 5));
    if (k == 6) PutItems(2, "part-late.jsonl", Item(1, "wombat", 6));  // late item update
    if (k == 7) PutDocs(k, "part-2.jsonl", AdIn(102, 1, "moved to item one", 70));
    if (k == 8) PutDocs(k, "part-2.jsonl", AdIn(103, 103, "", 80, "delete"));
    if (k == 8) PutDocs(k, "part-3.jsonl", AdIn(500, 5, "", 90, "delete"));  // never served
    if (k == 9) {
      // Records older than what the window already says: none of them wins.
      PutDocs(k, "part-2.jsonl", AdIn(103, 103, "deleted at 80", 75));
      PutDocs(k, "part-3.jsonl", AdIn(500, 5, "deleted at 90", 85));
      PutDocs(k, "part-4.jsonl", AdIn(102, 5, "served at 70", 65));
      PutItems(k, "part-0.jsonl", Item(101, "named quokka at 5", 4));
    }
  }

  // Every live doc of the generation `output` serves, fields and all.
  static std::vector<std::string> AllDocs(ObjectStore& output) {
    auto view = IndexView::OpenCurrent(output, nullptr);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    if (!view.ok()) return {};
    auto all = ParseQuery("*");
    EXPECT_TRUE(all.ok());
    auto results =
        (*view)->Search(**all, SearchOptions{1000, 0, SortOrder{SortOrder::Kind::kDocId}});
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    std::vector<std::string> out;
    for (const DocOut& d : results->docs) {
      std::string line = fmt::format("{} {} v{}", d.id, d.group, d.version);
      for (const auto& [name, v] : d.fields) {
        line +=
            fmt::format(" {}={}:{}:{}:{}:{}", name, static_cast<int>(v.type), v.b, v.i, v.d, v.s);
      }
      out.push_back(line);
    }
    return out;
  }

  // One batch by a runner that starts, runs it and stops, as `freshet run
  // --once` does.
  Result<BatchOutcome> FreshRunnerBatch(ObjectStore* output, Metastore* metastore,
                                        bool rebuild = false) {
    BatchRunnerOptions o;
    o.source = &source_wrapper_;
    o.group_source = group_source_.get();
    o.output = output;
    o.snapshot = snapshot_.get();
    o.metastore = metastore;
    o.clock = &clock_;
    o.holder = "fresh-runner";
    ASSIGN_OR_RETURN(auto runner, BatchRunner::Open(config_, std::move(o)));
    RETURN_IF_ERROR(runner->Start());
    if (rebuild) runner->RequestRebuild();
    auto outcome = runner->RunBatch();
    RETURN_IF_ERROR(runner->Stop());
    return outcome;
  }

  // The chain decision of a fresh runner's batch over the fixture's
  // pipeline, as Describe() says it, or why it published nothing.
  std::string Batch(bool rebuild = false) {
    auto outcome = FreshRunnerBatch(&output_wrapper_, metastore_.get(), rebuild);
    if (!outcome.ok()) return "failed: " + outcome.status().ToString();
    return outcome->published ? Describe(outcome->chain) : "nothing published";
  }
  // Partition `k` produced (k > 1) and due: the clock a partition later.
  void ProduceDue(int k) {
    if (k == 1) return;
    Produce(k);
    clock_.Advance(5 * kMicrosPerMinute);
  }
  // Batch() once partition `k` is produced and due.
  std::string NextBatch(int k, bool rebuild = false) {
    ProduceDue(k);
    return Batch(rebuild);
  }

  // The committed manifest of the fixture's pipeline.
  Manifest Committed() {
    auto state = metastore_->GetState("ads");
    EXPECT_TRUE(state.ok());
    auto json = output_->Get(state->manifest_key);
    EXPECT_TRUE(json.ok());
    auto m = ParseManifest(state->manifest_key, *json);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Manifest();
  }
};

TEST_F(ChainTest, FreshRunnersContinueTheChainAndServeWhatOneRunnerServes) {
  // Pipeline A: one runner for every batch (the in-memory chain). Pipeline B:
  // the same inputs, a new runner for every batch; its own output and
  // metastore, from the same snapshot.
  std::unique_ptr<ObjectStore> output_b = NewMemoryStore("out-b");
  auto metastore_b = Metastore::Open("sqlite:" + (folder_.path() / "meta-b.db").string());
  ASSERT_TRUE(metastore_b.ok()) << metastore_b.status().ToString();
  {
    BatchRunnerOptions o;
    o.source = &source_wrapper_;
    o.group_source = group_source_.get();
    o.output = output_b.get();
    o.snapshot = snapshot_.get();
    o.metastore = metastore_b->get();
    o.clock = &clock_;
    o.holder = "base-builder";
    auto builder = BatchRunner::Open(config_, std::move(o));
    ASSERT_TRUE(builder.ok()) << builder.status().ToString();
    ASSERT_TRUE((*builder)->Start().ok());
    auto base = (*builder)->BuildFull(std::nullopt);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    ASSERT_TRUE((*builder)->Stop().ok());
  }
  auto a = OpenRunner("long-lived");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE((*a)->Start().ok());

  // Batch 1 has no delta to continue; 5 and 9 find four layers, which
  // format 5 folds into the batch's layer (formats 3 and 4 would rebuild).
  // A new runner reads only the files added since the record, over the
  // committed generation, except after a late file in an earlier partition
  // (batches 3 and 6): then it reads the whole window again.
  const std::vector<std::string> expected_b = {
      "rebuilt: no_delta",         "continued from generation", "continued from record",
      "continued from generation", "continued from generation", "continued from record",
      "continued from generation", "continued from generation", "continued from generation"};
  for (int k = 1; k <= 9; ++k) {
    SCOPED_TRACE(fmt::format("batch {}", k));
    ProduceDue(k);
    auto out_a = (*a)->RunBatch();
    ASSERT_TRUE(out_a.ok()) << out_a.status().ToString();
    ASSERT_TRUE(out_a->published);
    auto out_b = FreshRunnerBatch(output_b.get(), metastore_b->get());
    ASSERT_TRUE(out_b.ok()) << out_b.status().ToString();
    ASSERT_TRUE(out_b->published);
    EXPECT_EQ(Describe(out_b->chain), expected_b[k - 1]);
    EXPECT_EQ(out_a->chain.continued, out_b->chain.continued);
    if (out_a->chain.continued) {
      EXPECT_EQ(out_a->chain.from, "memory");
    }
    // The same groups rebuilt, the same answers served.
    EXPECT_EQ(out_a->record.groups, out_b->record.groups);
    const std::vector<std::string> docs = AllDocs(*output_);
    EXPECT_EQ(docs, AllDocs(*output_b));
    EXPECT_FALSE(docs.empty());
  }
  // What the mutations did is served: the moved base ad, the deleted ones,
  // the item update joined to every ad of the item.
  const std::vector<std::string> docs = AllDocs(*output_b);
  auto has = [&](std::string_view prefix) {
    for (const auto& d : docs) {
      if (d.starts_with(prefix)) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("ad-1 item-2 v50"));
  EXPECT_FALSE(has("ad-2 "));
  EXPECT_FALSE(has("ad-103 "));
  EXPECT_FALSE(has("ad-500 "));
  EXPECT_TRUE(has("ad-102 item-1 v70"));
  EXPECT_TRUE(has("ad-101 item-101 "));
  for (const auto& d : docs) EXPECT_EQ(d.find("named quokka at 5"), std::string::npos) << d;
  EXPECT_TRUE(has("ad-109 item-109 v2"));
}

TEST_F(ChainTest, FilesRemovedOrRewrittenSinceTheRecordRebuildTheWindow) {
  EXPECT_EQ(NextBatch(1), "rebuilt: no_delta");
  EXPECT_EQ(NextBatch(2), "continued from generation");
  // The producer rewrites partition 1's file in place: its old contents are
  // unknown to a new runner.
  PutDocs(1, "part-0.jsonl", AdIn(101, 7, "rewritten boots", 3));
  EXPECT_EQ(Batch(), "rebuilt: rewritten_files");
  EXPECT_EQ(Committed().DeltaLayers(), 1u);
  // Then removes partition 2's update file.
  ASSERT_TRUE(source_->Delete(PartitionFolder(2) + "/part-1.jsonl").ok());
  EXPECT_EQ(Batch(), "rebuilt: removed_files");
  const std::vector<std::string> docs = AllDocs(*output_);
  ASSERT_EQ(docs.size(), 4u) << fmt::format("{}", fmt::join(docs, "\n"));
  EXPECT_TRUE(docs[1].starts_with("ad-101 item-7 v3")) << docs[1];
  EXPECT_TRUE(docs[2].starts_with("ad-102 item-102 v2")) << docs[2];
}

TEST_F(ChainTest, ADamagedRecordCostsARebuildNotTheService) {
  EXPECT_EQ(NextBatch(1), "rebuilt: no_delta");
  EXPECT_EQ(NextBatch(2), "continued from generation");
  const Manifest before = Committed();
  ASSERT_TRUE(before.inputs_key.starts_with("inputs/")) << before.inputs_key;
  ASSERT_TRUE(output_->Put(before.inputs_key, "{\"format\": 1, \"doc_files\": [").ok());
  EXPECT_EQ(NextBatch(3), "rebuilt: unreadable_record");
  EXPECT_EQ(Committed().DeltaLayers(), 1u);
  EXPECT_EQ(AllDocs(*output_).size(), 5u);
  // The next batch continues from the record the rebuild published.
  EXPECT_EQ(NextBatch(4), "continued from generation");
}

TEST_F(ChainTest, ARequestedRebuildFoldsTheLayersAndTheChainGoesOn) {
  EXPECT_EQ(NextBatch(1), "rebuilt: no_delta");
  EXPECT_EQ(NextBatch(2), "continued from generation");
  ASSERT_EQ(Committed().DeltaLayers(), 2u);
  EXPECT_EQ(NextBatch(3, /*rebuild=*/true), "rebuilt: requested");
  EXPECT_EQ(Committed().DeltaLayers(), 1u);
  EXPECT_EQ(NextBatch(4), "continued from generation");
  EXPECT_EQ(Committed().DeltaLayers(), 2u);
}

TEST_F(ChainTest, AnotherConfigRebuildsTheWindow) {
  EXPECT_EQ(NextBatch(1), "rebuilt: no_delta");
  config_.delta_layers = 6;  // does not change what is built
  EXPECT_EQ(NextBatch(2), "continued from generation");
  config_.shards = 3;
  EXPECT_EQ(NextBatch(3), "rebuilt: config");
}

TEST_F(ChainTest, CollectionKeepsTheRecordsOfKeptManifestsOnly) {
  for (int k = 1; k <= 4; ++k) ASSERT_NE(NextBatch(k), "nothing published");
  auto listed = output_->List(kInputsPrefix);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  clock_.Advance(10 * kMicrosPerMinute);
  auto r = OpenRunner("collector");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  auto deleted = (*r)->CollectGarbage();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  // Kept: the committed manifest and the one CURRENT named before it.
  std::set<std::string> referenced;
  auto manifests = output_->List(kManifestsPrefix);
  ASSERT_TRUE(manifests.ok());
  for (const ObjectInfo& m : *manifests) {
    auto parsed = ParseManifest(m.key, *output_->Get(m.key));
    ASSERT_TRUE(parsed.ok());
    if (!parsed->inputs_key.empty()) referenced.insert(parsed->inputs_key);
  }
  EXPECT_EQ(referenced.size(), 2u);
  listed = output_->List(kInputsPrefix);
  ASSERT_TRUE(listed.ok());
  std::set<std::string> left;
  for (const ObjectInfo& o : *listed) left.insert(o.key);
  EXPECT_EQ(left, referenced);

  // A kept manifest that cannot be read: its record is unknown, every record stays.
  ProduceDue(5);
  ASSERT_TRUE((*r)->RunBatch().ok());
  const std::string committed = metastore_->GetState("ads")->manifest_key;
  ASSERT_TRUE(output_->Put(committed, "{damaged").ok());
  clock_.Advance(10 * kMicrosPerMinute);
  ASSERT_TRUE((*r)->CollectGarbage().ok());
  listed = output_->List(kInputsPrefix);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

// The committed generation, opened cold (a new cache: what each pair
// supersedes read from the objects kept with the index), against the same
// segments' pairs computed from scratch: the same docs hidden, the same
// records superseded and served. Returns how many pairs the generation has
// and how many of them are kept in `output`.
std::pair<size_t, size_t> ExpectKeptPairsServeTheComputed(ObjectStore& output) {
  SegmentCache cold;
  auto view = IndexView::OpenCurrent(output, &cold);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  if (!view.ok()) return {0, 0};
  std::vector<const SegmentReader*> segments;
  std::vector<uint32_t> layers;
  for (const auto& s : (*view)->base()) {
    segments.push_back(s.get());
    layers.push_back(0);
  }
  for (size_t i = 0; i < (*view)->delta().size(); ++i) {
    segments.push_back((*view)->delta()[i].get());
    layers.push_back((*view)->manifest().delta[i].layer + 1);
  }
  auto computed = GroupDirectory::Build(segments, layers, "computed");
  EXPECT_TRUE(computed.ok()) << computed.status().ToString();
  if (!computed.ok()) return {0, 0};
  const GroupDirectory& kept = (*view)->directory();
  size_t pairs = 0, stored = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    SCOPED_TRACE(segments[i]->name());
    EXPECT_EQ(kept.HiddenDocs(i), (*computed)->HiddenDocs(i));
    EXPECT_EQ(kept.SupersededRecords(i), (*computed)->SupersededRecords(i));
    EXPECT_EQ(kept.ImportedGroups(i), (*computed)->ImportedGroups(i));
    for (uint32_t g = 0; g < segments[i]->num_groups(); ++g) {
      EXPECT_EQ(kept.LiveRecord(i, g).segment, (*computed)->LiveRecord(i, g).segment);
      EXPECT_EQ(kept.LiveRecord(i, g).group, (*computed)->LiveRecord(i, g).group);
    }
    for (size_t l = 0; l < segments.size(); ++l) {
      if (layers[l] >= layers[i]) continue;
      ++pairs;
      auto key = SupersessionKey(segments[i]->name(), segments[l]->name());
      if (key && output.Head(*key).ok()) ++stored;
    }
  }
  return {pairs, stored};
}

// Runners keep each pair's supersession with the index before committing
// the generation that needs it; a process opening the generation cold
// reads them and serves what computing them serves (over layers, folds,
// moves and deletes); a damaged object is recomputed; collection takes the
// objects of the segments it deletes.
TEST_F(ChainTest, KeptSupersessionsServeWhatComputedOnesServe) {
  for (int k = 1; k <= 9; ++k) {
    SCOPED_TRACE(fmt::format("batch {}", k));
    ASSERT_NE(NextBatch(k), "nothing published");
    const auto [pairs, stored] = ExpectKeptPairsServeTheComputed(*output_);
    EXPECT_GT(pairs, 0u);
    EXPECT_EQ(stored, pairs);
  }
  // An object is read, not recomputed: one of the committed generation
  // that says a doc of the base is not superseded (with a valid checksum)
  // is believed by a cold open.
  const Manifest m = Committed();
  ASSERT_FALSE(m.delta.empty());
  std::string key;
  SupersessionObject object;
  auto listed = output_->List(kSupersessionsPrefix);
  ASSERT_TRUE(listed.ok());
  for (const ObjectInfo& o : *listed) {
    auto decoded = DecodeSupersession(o.key, *output_->Get(o.key));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    const bool served = std::any_of(m.delta.begin(), m.delta.end(),
                                    [&](const SegmentRef& r) { return r.key == decoded->upper; });
    if (served && decoded->lower == m.base[0].key && !decoded->supersession.docs.empty()) {
      key = o.key;
      object = *decoded;
    }
  }
  ASSERT_FALSE(key.empty());
  const std::string sound = *output_->Get(key);
  const uint32_t doc = object.supersession.docs.front();
  object.supersession.docs.erase(object.supersession.docs.begin());
  ASSERT_TRUE(output_->Put(key, EncodeSupersession(object)).ok());
  {
    SegmentCache cold;
    auto view = IndexView::OpenCurrent(*output_, &cold);
    ASSERT_TRUE(view.ok());
    // Unless another upper segment supersedes it too.
    size_t others = 0;
    for (const ObjectInfo& o : *listed) {
      auto d = DecodeSupersession(o.key, *output_->Get(o.key));
      if (o.key != key && d->lower == m.base[0].key &&
          std::binary_search(d->supersession.docs.begin(), d->supersession.docs.end(), doc)) {
        ++others;
      }
    }
    if (others == 0) {
      EXPECT_FALSE((*view)->BaseHidden(0, doc));
    }
  }
  // Damaged (a flipped byte, a truncation): recomputed, the same answers.
  std::string flipped = sound;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 1);
  for (const std::string& damaged : {flipped, sound.substr(0, sound.size() / 2)}) {
    ASSERT_TRUE(output_->Put(key, damaged).ok());
    ExpectKeptPairsServeTheComputed(*output_);
  }
  // A writer replaces the damaged object with a sound one.
  {
    SegmentCache writer;
    writer.supersessions()->set_writes(true);
    ASSERT_TRUE(IndexView::OpenCurrent(*output_, &writer).ok());
    EXPECT_EQ(*output_->Get(key), sound);
  }

  // Collection keeps the objects of the segments of kept manifests only.
  clock_.Advance(10 * kMicrosPerMinute);
  auto r = OpenRunner("collector");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Start().ok());
  ASSERT_TRUE((*r)->CollectGarbage().ok());
  std::set<std::string> segments;
  auto manifests = output_->List(kManifestsPrefix);
  ASSERT_TRUE(manifests.ok());
  for (const ObjectInfo& mo : *manifests) {
    auto parsed = ParseManifest(mo.key, *output_->Get(mo.key));
    ASSERT_TRUE(parsed.ok());
    for (const auto* list : {&parsed->base, &parsed->delta}) {
      for (const SegmentRef& ref : *list) segments.insert(ref.key);
    }
  }
  listed = output_->List(kSupersessionsPrefix);
  ASSERT_TRUE(listed.ok());
  for (const ObjectInfo& o : *listed) {
    auto named = SegmentsOfSupersessionKey(o.key);
    ASSERT_TRUE(named.has_value()) << o.key;
    EXPECT_TRUE(segments.count(named->first) && segments.count(named->second)) << o.key;
  }
  const auto [pairs, stored] = ExpectKeptPairsServeTheComputed(*output_);
  EXPECT_EQ(stored, pairs);
}

// The objects of a manifest's pairs: each delta segment over each segment
// of a lower layer.
std::set<std::string> PairObjects(const Manifest& m) {
  std::vector<std::pair<std::string, uint32_t>> segments;
  for (const SegmentRef& r : m.base) segments.emplace_back(r.key, 0);
  for (const SegmentRef& r : m.delta) segments.emplace_back(r.key, r.layer + 1);
  std::set<std::string> objects;
  for (const auto& [upper, upper_layer] : segments) {
    for (const auto& [lower, lower_layer] : segments) {
      if (lower_layer >= upper_layer) continue;
      auto key = SupersessionKey(upper, lower);
      EXPECT_TRUE(key.has_value()) << upper << " over " << lower;
      if (key) objects.insert(*key);
    }
  }
  return objects;
}

// The supersession objects among `keys[from...]`, each named once.
std::set<std::string> SupersessionsFrom(const std::vector<std::string>& keys, size_t from) {
  std::set<std::string> objects;
  for (size_t i = from; i < keys.size(); ++i) {
    if (!keys[i].starts_with(kSupersessionsPrefix)) continue;
    EXPECT_TRUE(objects.insert(keys[i]).second) << keys[i] << " again";
  }
  return objects;
}

// A runner's batch computes the pairs of the segments it has just written
// without reading their objects first (none can be there worth a read:
// 20 to 50 ms each on S3) and writes them; a runner opening the committed
// generation cold reads the object of every pair of it and computes none.
TEST_F(ChainTest, BatchesReadNoObjectOfThePairsOfSegmentsTheyWrote) {
  // The store's supersession reads and creations during `batch`, against
  // the pairs the committed generation had before it and the ones it adds.
  auto expect_batch = [&](const std::function<void()>& batch, bool cold) {
    const std::set<std::string> before = PairObjects(Committed());
    const size_t gets = output_wrapper_.gets().size();
    const size_t puts = output_wrapper_.puts_if_absent().size();
    batch();
    std::set<std::string> added = PairObjects(Committed());
    for (const std::string& key : before) added.erase(key);
    EXPECT_FALSE(added.empty());
    EXPECT_EQ(SupersessionsFrom(output_wrapper_.gets(), gets),
              cold ? before : std::set<std::string>{});
    EXPECT_EQ(SupersessionsFrom(output_wrapper_.puts_if_absent(), puts), added);
  };
  // One runner for batches 1 to 4: every pair it needs is in its memory or
  // has an upper segment it has just written.
  {
    auto r = OpenRunner("long-lived");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE((*r)->Start().ok());
    for (int k = 1; k <= 4; ++k) {
      SCOPED_TRACE(fmt::format("long-lived runner, batch {}", k));
      auto batch = [&] {
        ProduceDue(k);
        auto outcome = (*r)->RunBatch();
        ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
        EXPECT_TRUE(outcome->published);
      };
      if (k == 1) {
        batch();
      } else {
        expect_batch(batch, false);
      }
    }
    ASSERT_TRUE((*r)->Stop().ok());
  }
  // A new runner for each of batches 5 to 9: its cold open reads every
  // committed pair.
  for (int k = 5; k <= 9; ++k) {
    SCOPED_TRACE(fmt::format("new runner, batch {}", k));
    expect_batch(
        [&] {
          const std::string chain = NextBatch(k);
          EXPECT_TRUE(chain.starts_with("continued")) << chain;
        },
        true);
  }
}

TEST(ChainRecordTest, RoundTripsWithItsChecksumLast) {
  ChainRecord r;
  r.base_cut = kPipelineStart;
  r.window_start = kPipelineStart;
  r.target = kPipelineStart + 10 * kMicrosPerMinute;
  r.config_fingerprint = "0123456789abcdef";
  r.doc_files = {{"dt=2026-05-04/hour=10/minute=05/part-0.jsonl", "\"etag-1\"", r.window_start}};
  r.group_files = {{"items/part-0.jsonl", "7", r.target}};
  const std::string json = SerializeChainRecord(r);
  EXPECT_TRUE(json.ends_with("\"}\n"));
  EXPECT_NE(json.find(",\"checksum\":\""), std::string::npos);
  auto parsed = ParseChainRecord("inputs/x.json", json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, r);
  EXPECT_TRUE(ChainRecordKey(json).starts_with("inputs/"));
  EXPECT_NE(ChainRecordKey(json), ChainRecordKey(json + " "));
}

std::string GoldenFile(std::string_view path) {
  const char* golden = std::getenv("FRESHET_GOLDEN_DIR");
  EXPECT_NE(golden, nullptr) << "FRESHET_GOLDEN_DIR names tests/golden (set by ctest)";
  auto store = ObjectStore::Open(golden ? golden : "");
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return "";
  auto text = (*store)->Get(path);
  EXPECT_TRUE(text.ok()) << path << ": " << text.status().ToString();
  return text.ok() ? *text : "";
}

// Records of every format stay readable; format 2 is what this freshet
// writes, byte for byte.
TEST(ChainRecordTest, GoldenRecordsOfEachFormatAreRead) {
  const std::string v1_key = "segment-v5/index/inputs/4370115fc82c58546b5a46d8dda6cfa4.json";
  auto v1 = ParseChainRecord(v1_key, GoldenFile(v1_key));
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_FALSE(v1->deletes_known);
  EXPECT_EQ(v1->config_fingerprint, "ad68bcda18ff5c29");
  ASSERT_EQ(v1->doc_files.size(), 1u);
  EXPECT_EQ(v1->doc_files[0].key, "dt=2026-05-04/hour=10/minute=00/part-0.jsonl");
  EXPECT_EQ(v1->doc_files[0].records, 0);

  ChainRecord r;
  r.base_cut = kPipelineStart;
  r.window_start = kPipelineStart;
  r.target = kPipelineStart + 5 * kMicrosPerMinute;
  r.config_fingerprint = "0123456789abcdef";
  InputFile docs{"dt=2026-05-04/hour=10/minute=05/part-0.jsonl", "435-17", r.target};
  docs.records = 3;
  docs.bad_records = 1;
  docs.deletes = {{"ad-7", 1714816800000}, {"ad-9", 12}};
  InputFile items{"dt=2026-05-04/hour=10/minute=05/part-0.jsonl", "115-17", r.target};
  items.records = 2;
  r.doc_files = {docs};
  r.group_files = {items};
  const std::string v2_key = "chain-record/format-2.json";
  const std::string v2 = GoldenFile(v2_key);
  EXPECT_EQ(SerializeChainRecord(r), v2);
  auto parsed = ParseChainRecord(v2_key, v2);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->deletes_known);
  EXPECT_EQ(*parsed, r);
}

TEST(ChainRecordTest, DamageIsReportedNamingTheRecord) {
  ChainRecord r;
  r.config_fingerprint = "0123456789abcdef";
  const std::string json = SerializeChainRecord(r);
  auto truncated = ParseChainRecord("inputs/a.json", json.substr(0, json.size() / 2));
  ASSERT_EQ(truncated.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(
      truncated.status().message().starts_with("chain record 'inputs/a.json': invalid JSON"))
      << truncated.status().message();

  std::string flipped = json;
  flipped.replace(flipped.find("0123456789abcdef"), 16, "0123456789abcdee");
  auto mismatch = ParseChainRecord("inputs/b.json", flipped);
  ASSERT_EQ(mismatch.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(mismatch.status().message().starts_with(
      "chain record 'inputs/b.json': checksum mismatch: recorded "))
      << mismatch.status().message();

  auto no_checksum = ParseChainRecord("inputs/c.json", R"({"format":1})");
  EXPECT_EQ(no_checksum.status().message(), "chain record 'inputs/c.json': no 'checksum' member");
}

TEST_F(ChainTest, TheConfigFingerprintFollowsWhatChangesTheBuild) {
  const PipelineConfig config = config_;
  const std::string base = ConfigFingerprint(config);
  EXPECT_EQ(base.size(), 16u);
  PipelineConfig c = config;
  c.cadence *= 2;
  c.delta_layers = 2;
  c.lease_ttl *= 2;
  EXPECT_EQ(ConfigFingerprint(c), base) << "cadence, layers and lease change no segment";
  c = config;
  c.shards = 3;
  EXPECT_NE(ConfigFingerprint(c), base);
  c = config;
  c.columns.delete_values.push_back("remove");
  EXPECT_NE(ConfigFingerprint(c), base);
  c = config;
  c.columns.text.push_back("description");
  EXPECT_NE(ConfigFingerprint(c), base);
  c = config;
  c.columns.version_format = ColumnRoles::VersionFormat::kTimestamp;
  EXPECT_NE(ConfigFingerprint(c), base);
  // An analyzer changes every term of its fields; ascii, the default, named
  // outright is the config the fingerprint knew before analyzers.
  c = config;
  c.columns.analyzer = kUnicodeAnalyzer;
  const std::string unicode = ConfigFingerprint(c);
  EXPECT_NE(unicode, base);
  c.columns.analyzers[c.columns.text.front()] = kUnicodeFoldAnalyzer;
  EXPECT_NE(ConfigFingerprint(c), unicode);
  c = config;
  c.columns.analyzers[c.columns.text.front()] = kAsciiAnalyzer;
  EXPECT_EQ(ConfigFingerprint(c), base);
  // Positions add sections to the segments: on or off, per column too.
  c = config;
  c.columns.positions = !config.columns.positions;
  const std::string flipped = ConfigFingerprint(c);
  EXPECT_NE(flipped, base);
  c.columns.positions_by_column[c.columns.text.front()] = config.columns.positions;
  EXPECT_NE(ConfigFingerprint(c), flipped);
  c = config;
  c.columns.positions_by_column[c.columns.text.front()] = config.columns.positions;
  EXPECT_EQ(ConfigFingerprint(c), base) << "the default, named outright";
}

}  // namespace
}  // namespace freshet
