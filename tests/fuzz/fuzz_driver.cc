// A deterministic stand-in for libFuzzer, so every fuzz target also runs in `make test` under
// ASan + UBSan with the project's own compiler. It feeds the target its seed corpus
// (tests/fuzz/corpus/<target>/), then mutations of those seeds: bit flips, byte changes,
// insertions, deletions, truncations and splices, from a seed that is printed so a failure can be
// replayed with CUSTODIAN_FUZZ_SEED. `make fuzz` builds the same targets with clang's libFuzzer for
// open-ended, coverage-guided runs.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Input = std::vector<uint8_t>;

std::vector<Input> LoadCorpus(const std::filesystem::path& dir) {
  std::vector<Input> corpus;
  if (!std::filesystem::is_directory(dir)) return corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

Input Mutate(const std::vector<Input>& corpus, std::mt19937_64& rng) {
  Input in = corpus[rng() % corpus.size()];
  int steps = 1 + static_cast<int>(rng() % 4);
  for (int s = 0; s < steps; ++s) {
    switch (rng() % 7) {
      case 0:  // flip one bit
        if (!in.empty()) in[rng() % in.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // replace a byte with an interesting value
        if (!in.empty()) {
          static const uint8_t kInteresting[] = {0x00, 0x01, 0x0a, 0x20, 0x2b, 0x2f,
                                                 0x3d, 0x7f, 0x80, 0xe2, 0xff};
          in[rng() % in.size()] = kInteresting[rng() % sizeof kInteresting];
        }
        break;
      case 2:  // insert random bytes
        in.insert(in.begin() + static_cast<long>(rng() % (in.size() + 1)), 1 + rng() % 8,
                  static_cast<uint8_t>(rng()));
        break;
      case 3:  // delete a range
        if (!in.empty()) {
          size_t at = rng() % in.size();
          size_t n = 1 + rng() % std::min<size_t>(16, in.size() - at);
          in.erase(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
        }
        break;
      case 4:  // truncate
        in.resize(in.empty() ? 0 : rng() % in.size());
        break;
      case 5: {  // splice with another seed
        const Input& other = corpus[rng() % corpus.size()];
        size_t cut = in.empty() ? 0 : rng() % in.size();
        size_t from = other.empty() ? 0 : rng() % other.size();
        in.resize(cut);
        in.insert(in.end(), other.begin() + static_cast<long>(from), other.end());
        break;
      }
      default:  // duplicate a range
        if (!in.empty()) {
          size_t at = rng() % in.size();
          size_t n = 1 + rng() % std::min<size_t>(32, in.size() - at);
          Input chunk(in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + n));
          in.insert(in.begin() + static_cast<long>(rng() % (in.size() + 1)), chunk.begin(),
                    chunk.end());
        }
        break;
    }
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [RUNS]\n", argv[0]);
    return 2;
  }
  std::vector<Input> corpus = LoadCorpus(argv[1]);
  if (corpus.empty()) corpus.push_back({});
  long runs = argc > 2 ? std::atol(argv[2]) : 20000;
  if (const char* r = std::getenv("CUSTODIAN_FUZZ_RUNS")) runs = std::atol(r);
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("CUSTODIAN_FUZZ_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("fuzz: %zu seeds, %ld mutated runs, CUSTODIAN_FUZZ_SEED=%llu\n", corpus.size(), runs,
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  for (const Input& in : corpus) LLVMFuzzerTestOneInput(in.data(), in.size());
  std::mt19937_64 rng(seed);
  for (long i = 0; i < runs; ++i) {
    Input in = Mutate(corpus, rng);
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("fuzz: done, no crash\n");
  return 0;
}
