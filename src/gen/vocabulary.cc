#include "gen/vocabulary.h"

#include <array>
#include <unordered_set>

namespace freshet::gen {
namespace {

using Nouns = std::array<std::string_view, 3>;

constexpr Nouns kPhones = {"phone", "smartphone", "charger"};
constexpr Nouns kLaptops = {"laptop", "notebook", "ultrabook"};
constexpr Nouns kAudio = {"headphones", "speaker", "earbuds"};
constexpr Nouns kCameras = {"camera", "lens", "tripod"};
constexpr Nouns kTv = {"television", "projector", "soundbar"};
constexpr Nouns kKitchen = {"kettle", "blender", "pan"};
constexpr Nouns kFurniture = {"sofa", "chair", "table"};
constexpr Nouns kBedding = {"pillow", "duvet", "sheets"};
constexpr Nouns kGarden = {"hose", "mower", "planter"};
constexpr Nouns kTools = {"drill", "wrench", "toolbox"};
constexpr Nouns kShoes = {"sneakers", "boots", "sandals"};
constexpr Nouns kMen = {"jacket", "shirt", "jeans"};
constexpr Nouns kWomen = {"dress", "coat", "skirt"};
constexpr Nouns kKids = {"hoodie", "pyjamas", "raincoat"};
constexpr Nouns kBags = {"backpack", "handbag", "suitcase"};
constexpr Nouns kWatches = {"watch", "bracelet", "necklace"};
constexpr Nouns kSkincare = {"cream", "serum", "cleanser"};
constexpr Nouns kMakeup = {"lipstick", "mascara", "palette"};
constexpr Nouns kHair = {"shampoo", "dryer", "straightener"};
constexpr Nouns kFitness = {"dumbbells", "treadmill", "mat"};
constexpr Nouns kCycling = {"bicycle", "helmet", "saddle"};
constexpr Nouns kCamping = {"tent", "stove", "lantern"};
constexpr Nouns kToys = {"puzzle", "doll", "blocks"};
constexpr Nouns kGames = {"console", "controller", "game"};
constexpr Nouns kBooks = {"novel", "cookbook", "atlas"};
constexpr Nouns kOffice = {"printer", "desk", "notepad"};
constexpr Nouns kPets = {"leash", "kibble", "aquarium"};
constexpr Nouns kBaby = {"stroller", "crib", "bottle"};
constexpr Nouns kGrocery = {"coffee", "tea", "honey"};
constexpr Nouns kCar = {"tyres", "dashcam", "wipers"};

constexpr std::array<Category, 30> kCategories = {{
    {"electronics/phones", kPhones},
    {"electronics/laptops", kLaptops},
    {"electronics/audio", kAudio},
    {"electronics/cameras", kCameras},
    {"electronics/tv", kTv},
    {"home/kitchen", kKitchen},
    {"home/furniture", kFurniture},
    {"home/bedding", kBedding},
    {"home/garden", kGarden},
    {"home/tools", kTools},
    {"fashion/shoes", kShoes},
    {"fashion/men", kMen},
    {"fashion/women", kWomen},
    {"fashion/kids", kKids},
    {"fashion/bags", kBags},
    {"fashion/jewellery", kWatches},
    {"beauty/skincare", kSkincare},
    {"beauty/makeup", kMakeup},
    {"beauty/hair", kHair},
    {"sports/fitness", kFitness},
    {"sports/cycling", kCycling},
    {"sports/camping", kCamping},
    {"toys/kids", kToys},
    {"toys/games", kGames},
    {"media/books", kBooks},
    {"office/supplies", kOffice},
    {"pets/supplies", kPets},
    {"baby/gear", kBaby},
    {"grocery/pantry", kGrocery},
    {"auto/parts", kCar},
}};

constexpr std::array<std::string_view, 20> kOnsets = {"b", "c", "d",  "f",  "g",  "h", "k",
                                                      "l", "m", "n",  "p",  "r",  "s", "t",
                                                      "v", "z", "br", "tr", "st", "pl"};
constexpr std::array<std::string_view, 8> kVowels = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
constexpr std::array<std::string_view, 6> kCodas = {"n", "r", "s", "l", "x", "m"};

std::string SyntheticWord(Random& rng, int min_syllables, int max_syllables) {
  std::string word;
  int syllables = static_cast<int>(rng.UniformRange(min_syllables, max_syllables));
  for (int i = 0; i < syllables; ++i) {
    word += rng.Choice(std::span<const std::string_view>(kOnsets));
    word += rng.Choice(std::span<const std::string_view>(kVowels));
  }
  if (rng.Bernoulli(0.4)) word += rng.Choice(std::span<const std::string_view>(kCodas));
  return word;
}

// Stream ids for DeriveSeed. Frozen: changing one changes every workload.
constexpr uint64_t kStreamWords = 1;
constexpr uint64_t kStreamBrands = 2;

}  // namespace

Vocabulary::Vocabulary(uint64_t seed, uint32_t words, uint32_t brands, double term_skew)
    : term_zipf_(words == 0 ? 1 : words, term_skew) {
  std::unordered_set<std::string> taken;
  for (const Category& category : kCategories) {
    for (std::string_view noun : category.nouns) taken.emplace(noun);
  }
  Random word_rng(DeriveSeed(seed, kStreamWords));
  while (words_.size() < words) {
    std::string word = SyntheticWord(word_rng, 1, 3);
    if (word.size() < 3 || !taken.insert(word).second) continue;
    words_.push_back(std::move(word));
  }
  Random brand_rng(DeriveSeed(seed, kStreamBrands));
  while (brands_.size() < brands) {
    std::string brand = SyntheticWord(brand_rng, 2, 3);
    if (!taken.insert(brand).second) continue;
    brand[0] = static_cast<char>(brand[0] - 'a' + 'A');
    brands_.push_back(std::move(brand));
  }
  if (words_.empty()) words_.push_back("item");
}

std::span<const Category> Vocabulary::Categories() { return kCategories; }

}  // namespace freshet::gen
