#include "ledger/merkle.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace custodian::ledger {
namespace {

using core::StatusCode;

Hash H(std::string_view hex) { return HashFromHex(hex).value(); }

std::vector<Hash> Hs(std::initializer_list<std::string_view> hexes) {
  std::vector<Hash> out;
  for (std::string_view hex : hexes) out.push_back(H(hex));
  return out;
}

// ---------------------------------------------------------------------------------------------
// An independent oracle: RFC 9162 §2.1 transcribed literally, recursing over leaves. Slow, but
// shares no code with merkle.cc (not even its power-of-two arithmetic).

uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash NaiveMth(std::span<const Hash> d) {
  if (d.empty()) return EmptyRoot();
  if (d.size() == 1) return d[0];
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  return NodeHash(NaiveMth(d.first(k)), NaiveMth(d.subspan(k)));
}

std::vector<Hash> NaivePath(uint64_t m, std::span<const Hash> d) {
  if (d.size() <= 1) return {};
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> p;
  if (m < k) {
    p = NaivePath(m, d.first(k));
    p.push_back(NaiveMth(d.subspan(k)));
  } else {
    p = NaivePath(m - k, d.subspan(k));
    p.push_back(NaiveMth(d.first(k)));
  }
  return p;
}

std::vector<Hash> NaiveSubproof(uint64_t m, std::span<const Hash> d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveMth(d)};
  const uint64_t k = LargestPowerOfTwoBelow(d.size());
  std::vector<Hash> p;
  if (m <= k) {
    p = NaiveSubproof(m, d.first(k), b);
    p.push_back(NaiveMth(d.subspan(k)));
  } else {
    p = NaiveSubproof(m - k, d.subspan(k), false);
    p.push_back(NaiveMth(d.first(k)));
  }
  return p;
}

std::vector<Hash> NaiveConsistency(uint64_t m, std::span<const Hash> d) {
  if (m == 0 || m == d.size()) return {};
  return NaiveSubproof(m, d, true);
}

// The shape of the computation a verifier performs with a proof: which hashes it combines, in
// what order. "L" is the leaf hash, "F" the earlier root, "pN" the Nth hash of the path. A
// verifier cannot tell apart two claims whose shapes are equal: the same inputs give the same
// output. So a tampered claim must be rejected exactly when its shape differs from the honest one.
std::string InclusionShape(uint64_t m, uint64_t n, int& next) {
  if (n == 1) return "L";
  const uint64_t k = LargestPowerOfTwoBelow(n);
  if (m < k) {
    std::string below = InclusionShape(m, k, next);
    return "(" + below + ",p" + std::to_string(next++) + ")";
  }
  std::string below = InclusionShape(m - k, n - k, next);
  return "(p" + std::to_string(next++) + "," + below + ")";
}

std::string InclusionShape(uint64_t m, uint64_t n) {
  int next = 0;
  return InclusionShape(m, n, next);
}

struct ConsistencyShapes {
  std::string old_root;
  std::string new_root;
  bool operator==(const ConsistencyShapes&) const = default;
};

ConsistencyShapes ConsistencyShape(uint64_t m, uint64_t n, bool b, int& next) {
  if (m == n) {
    if (b) return {"F", "F"};
    std::string p = "p" + std::to_string(next++);
    return {p, p};
  }
  const uint64_t k = LargestPowerOfTwoBelow(n);
  if (m <= k) {
    ConsistencyShapes below = ConsistencyShape(m, k, b, next);
    std::string p = "p" + std::to_string(next++);
    return {below.old_root, "(" + below.new_root + "," + p + ")"};
  }
  ConsistencyShapes below = ConsistencyShape(m - k, n - k, false, next);
  std::string p = "p" + std::to_string(next++);
  return {"(" + p + "," + below.old_root + ")", "(" + p + "," + below.new_root + ")"};
}

ConsistencyShapes ConsistencyShape(uint64_t m, uint64_t n) {
  int next = 0;
  return ConsistencyShape(m, n, true, next);
}

// ---------------------------------------------------------------------------------------------
// Test trees and sources.

std::vector<Hash> TestLeaves(uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i)
    leaves.push_back(LeafHash(core::AsBytes("leaf " + std::to_string(i))));
  return leaves;
}

InMemoryMerkleTree TreeOf(std::span<const Hash> leaves) {
  InMemoryMerkleTree tree;
  for (const Hash& h : leaves) tree.Append(h);
  return tree;
}

// Serves a tree of `size` leaves from a larger source (perfect subtrees do not depend on the
// size), failing the test if asked for anything but a perfect subtree inside [0, size).
class CheckedSource final : public NodeSource {
 public:
  CheckedSource(NodeSource& inner, uint64_t size) : inner_(inner), size_(size) {}
  core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t index) override {
    ++calls_;
    if (level >= 64 || index >= (size_ >> level)) {
      ADD_FAILURE() << "asked for subtree (" << level << ", " << index << ") of a tree of " << size_
                    << " leaves";
      return core::InternalError("outside the tree");
    }
    return inner_.PerfectSubtree(level, index);
  }
  int calls() const { return calls_; }

 private:
  NodeSource& inner_;
  uint64_t size_;
  int calls_ = 0;
};

// A tree of any size up to 2^64 - 1 whose leaves are all equal, so every perfect subtree of a
// level has the same hash: it lets proofs for astronomically large trees be computed and checked.
class UniformTree final : public NodeSource {
 public:
  UniformTree() {
    level_hash_[0] = LeafHash(core::AsBytes("same"));
    for (int l = 1; l < 64; ++l) level_hash_[l] = NodeHash(level_hash_[l - 1], level_hash_[l - 1]);
  }
  core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t /*index*/) override {
    return level_hash_.at(level);
  }
  const Hash& leaf() const { return level_hash_[0]; }

 private:
  std::array<Hash, 64> level_hash_;
};

// Fails the Nth call (0-based) with Unavailable, as a store whose disk read fails would.
class FailingSource final : public NodeSource {
 public:
  FailingSource(NodeSource& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}
  core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t index) override {
    if (calls_++ == fail_at_) return core::UnavailableError("injected read failure");
    return inner_.PerfectSubtree(level, index);
  }

 private:
  NodeSource& inner_;
  int fail_at_;
  int calls_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Certificate Transparency reference vectors.

const char* const kCtLeafData[] = {"",
                                   "00",
                                   "10",
                                   "2021",
                                   "3031",
                                   "40414243",
                                   "5051525354555657",
                                   "606162636465666768696a6b6c6d6e6f"};

const char* const kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Hash> CtLeaves() {
  std::vector<Hash> leaves;
  for (const char* hex : kCtLeafData) leaves.push_back(LeafHash(core::HexDecode(hex).value()));
  return leaves;
}

TEST(MerkleTree, ReproducesRfc6962ReferenceRoots) {
  const std::vector<Hash> leaves = CtLeaves();
  MerkleFrontier frontier;
  InMemoryMerkleTree tree;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    EXPECT_EQ(ToHex(frontier.Root()), kCtRoots[n]);
    EXPECT_EQ(ToHex(tree.Root()), kCtRoots[n]);
    auto root = RootAt(tree, n);
    ASSERT_TRUE(root.has_value()) << root.error().ToString();
    EXPECT_EQ(ToHex(*root), kCtRoots[n]);
    if (n < leaves.size()) {
      frontier.Append(leaves[n]);
      tree.Append(leaves[n]);
    }
  }
}

TEST(MerkleProofs, ReproducesCertificateTransparencyInclusionProofs) {
  InMemoryMerkleTree tree = TreeOf(CtLeaves());
  const Hash root = H(kCtRoots[8]);
  struct Case {
    uint64_t index;
    std::vector<Hash> path;
  };
  const Case cases[] = {
      {0, Hs({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, Hs({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("leaf " + std::to_string(c.index));
    auto proof = InclusionProof(tree, c.index, 8);
    ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
    EXPECT_EQ(*proof, c.path);
    EXPECT_TRUE(VerifyInclusion(tree.leaf(c.index), c.index, 8, c.path, root).ok());
  }
}

TEST(MerkleProofs, ReproducesCertificateTransparencyConsistencyProofs) {
  InMemoryMerkleTree tree = TreeOf(CtLeaves());
  struct Case {
    uint64_t from;
    uint64_t to;
    std::vector<Hash> path;
  };
  const Case cases[] = {
      {6, 8,
       Hs({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {2, 5,
       Hs({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.from) + " -> " + std::to_string(c.to));
    auto proof = ConsistencyProof(tree, c.from, c.to);
    ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
    EXPECT_EQ(*proof, c.path);
    const core::Status s =
        VerifyConsistency(c.from, c.to, H(kCtRoots[c.from]), H(kCtRoots[c.to]), c.path);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive small trees against the naive oracle.

constexpr uint64_t kExhaustiveMax = 70;

// Proof generation may cost O(log n) source calls and no more.
int CallBudget(uint64_t size) { return 2 * std::bit_width(size) + 1; }

TEST(MerkleTree, RootsOfEverySizeUpTo70MatchTheRecursiveDefinition) {
  const std::vector<Hash> leaves = TestLeaves(kExhaustiveMax);
  MerkleFrontier frontier;
  InMemoryMerkleTree tree;
  for (uint64_t n = 0; n <= kExhaustiveMax; ++n) {
    const Hash want = NaiveMth(std::span(leaves).first(n));
    EXPECT_EQ(frontier.Root(), want) << "size " << n;
    EXPECT_EQ(tree.Root(), want) << "size " << n;
    CheckedSource source(tree, n);
    auto root = RootAt(source, n);
    ASSERT_TRUE(root.has_value()) << root.error().ToString();
    EXPECT_EQ(*root, want) << "size " << n;
    EXPECT_EQ(source.calls(), std::popcount(n));
    if (n < kExhaustiveMax) {
      frontier.Append(leaves[n]);
      tree.Append(leaves[n]);
    }
  }
}

TEST(MerkleProofs, EveryInclusionProofUpTo70LeavesMatchesTheRfcAndVerifies) {
  const std::vector<Hash> leaves = TestLeaves(kExhaustiveMax);
  InMemoryMerkleTree tree = TreeOf(leaves);
  for (uint64_t n = 1; n <= kExhaustiveMax; ++n) {
    const auto d = std::span(leaves).first(n);
    const Hash root = NaiveMth(d);
    for (uint64_t i = 0; i < n; ++i) {
      CheckedSource source(tree, n);
      auto proof = InclusionProof(source, i, n);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      ASSERT_EQ(*proof, NaivePath(i, d)) << "leaf " << i << " of " << n;
      EXPECT_LE(source.calls(), CallBudget(n)) << "leaf " << i << " of " << n;
      const core::Status s = VerifyInclusion(leaves[i], i, n, *proof, root);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
}

TEST(MerkleProofs, EveryConsistencyProofUpTo70LeavesMatchesTheRfcAndVerifies) {
  const std::vector<Hash> leaves = TestLeaves(kExhaustiveMax);
  InMemoryMerkleTree tree = TreeOf(leaves);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= kExhaustiveMax; ++n)
    roots.push_back(NaiveMth(std::span(leaves).first(n)));
  for (uint64_t to = 0; to <= kExhaustiveMax; ++to) {
    const auto d = std::span(leaves).first(to);
    for (uint64_t from = 0; from <= to; ++from) {
      CheckedSource source(tree, to);
      auto proof = ConsistencyProof(source, from, to);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      ASSERT_EQ(*proof, NaiveConsistency(from, d)) << from << " -> " << to;
      EXPECT_LE(source.calls(), CallBudget(to)) << from << " -> " << to;
      const core::Status s = VerifyConsistency(from, to, roots[from], roots[to], *proof);
      ASSERT_TRUE(s.ok()) << from << " -> " << to << ": " << s.ToString();
    }
  }
}

TEST(MerkleProofs, ProvesAndVerifiesInTreesNear2To64LeavesWithLogarithmicWork) {
  UniformTree uniform;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const uint64_t sizes[] = {kMax, kMax - 1, uint64_t{1} << 63, (uint64_t{1} << 63) + 1,
                            (uint64_t{1} << 40) + 12345};
  for (uint64_t size : sizes) {
    CheckedSource root_source(uniform, size);
    auto root = RootAt(root_source, size);
    ASSERT_TRUE(root.has_value());
    for (uint64_t index : {uint64_t{0}, uint64_t{1}, size / 2, size - 2, size - 1}) {
      SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
      CheckedSource source(uniform, size);
      auto proof = InclusionProof(source, index, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_LE(source.calls(), CallBudget(size));
      const core::Status s = VerifyInclusion(uniform.leaf(), index, size, *proof, *root);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    for (uint64_t from : {uint64_t{1}, uint64_t{2}, uint64_t{3}, size / 3, size - 1}) {
      SCOPED_TRACE(std::to_string(from) + " -> " + std::to_string(size));
      CheckedSource from_source(uniform, from);
      auto old_root = RootAt(from_source, from);
      ASSERT_TRUE(old_root.has_value());
      CheckedSource source(uniform, size);
      auto proof = ConsistencyProof(source, from, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      EXPECT_LE(source.calls(), CallBudget(size));
      const core::Status s = VerifyConsistency(from, size, *old_root, *root, *proof);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }
}

TEST(MerkleProofs, PassesASourceFailureThroughAtEveryCall) {
  const std::vector<Hash> leaves = TestLeaves(45);
  InMemoryMerkleTree tree = TreeOf(leaves);
  for (int fail_at = 0;; ++fail_at) {
    FailingSource a(tree, fail_at), b(tree, fail_at), c(tree, fail_at);
    auto root = RootAt(a, 45);
    auto inclusion = InclusionProof(b, 7, 45);
    auto consistency = ConsistencyProof(c, 13, 45);
    if (root && inclusion && consistency) {
      EXPECT_GT(fail_at, 3) << "the walk ended before any call was made";
      break;
    }
    for (const core::Status& s : {root.status(), inclusion.status(), consistency.status()}) {
      if (!s.ok()) {
        EXPECT_EQ(s, core::UnavailableError("injected read failure"));
      }
    }
  }
}

TEST(MerkleProofs, RefusesToProveALeafOutsideTheTreeOrAShrinkingTree) {
  InMemoryMerkleTree tree = TreeOf(TestLeaves(5));
  EXPECT_EQ(InclusionProof(tree, 5, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(tree, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 5, 4).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// MerkleFrontier and InMemoryMerkleTree.

TEST(MerkleFrontier, ReportsEveryCompletedSubtreeOnceWithTheTreesHash) {
  const std::vector<Hash> leaves = TestLeaves(kExhaustiveMax);
  InMemoryMerkleTree tree = TreeOf(leaves);
  MerkleFrontier frontier;
  std::vector<MerkleNode> all;
  for (uint64_t n = 0; n < kExhaustiveMax; ++n) {
    std::vector<MerkleNode> completed;
    frontier.Append(leaves[n], &completed);
    ASSERT_EQ(completed.size(), 1u + std::countr_one(n)) << "append of leaf " << n;
    for (size_t j = 0; j < completed.size(); ++j) {
      const MerkleNode& node = completed[j];
      EXPECT_EQ(node.level, j);
      EXPECT_EQ(node.index, n >> j);
      // The subtree's last leaf is the one just appended.
      EXPECT_EQ((node.index + 1) << node.level, n + 1);
      auto want = tree.PerfectSubtree(node.level, node.index);
      ASSERT_TRUE(want.has_value());
      EXPECT_EQ(node.hash, *want) << "level " << node.level << " index " << node.index;
    }
    all.insert(all.end(), completed.begin(), completed.end());
  }
  uint64_t perfect_subtrees = 0;
  for (uint64_t level = 0; level < 64; ++level) perfect_subtrees += kExhaustiveMax >> level;
  EXPECT_EQ(all.size(), perfect_subtrees);
}

TEST(MerkleFrontier, RoundTripsThroughFromSubtreesAndKeepsAppending) {
  const std::vector<Hash> leaves = TestLeaves(kExhaustiveMax + 3);
  MerkleFrontier frontier;
  for (uint64_t n = 0; n <= kExhaustiveMax; ++n) {
    auto restored = MerkleFrontier::FromSubtrees(n, frontier.subtrees());
    ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
    EXPECT_EQ(restored->size(), n);
    EXPECT_EQ(restored->subtrees(), frontier.subtrees());
    EXPECT_EQ(restored->Root(), frontier.Root());
    MerkleFrontier continued = *restored;
    for (uint64_t i = n; i < n + 3; ++i) continued.Append(leaves[i]);
    EXPECT_EQ(continued.Root(), NaiveMth(std::span(leaves).first(n + 3))) << "restored at " << n;
    frontier.Append(leaves[n]);
  }
}

TEST(MerkleFrontier, FromSubtreesRejectsACountThatDoesNotMatchTheSize) {
  const std::vector<Hash> h = TestLeaves(3);
  auto too_many = MerkleFrontier::FromSubtrees(6, h);  // 6 = 4 + 2: two subtrees.
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_many.error().message(),
            "a tree of 6 leaves has 2 perfect subtrees in its frontier, got 3");
  EXPECT_FALSE(MerkleFrontier::FromSubtrees(6, {h[0]}).has_value());
  EXPECT_FALSE(MerkleFrontier::FromSubtrees(0, {h[0]}).has_value());
  EXPECT_FALSE(MerkleFrontier::FromSubtrees(1, {}).has_value());
  EXPECT_TRUE(MerkleFrontier::FromSubtrees(0, {}).has_value());
}

TEST(InMemoryMerkleTree, RefusesSubtreesThatAreNotYetComplete) {
  InMemoryMerkleTree tree = TreeOf(TestLeaves(7));
  EXPECT_TRUE(tree.PerfectSubtree(2, 0).has_value());
  EXPECT_EQ(tree.PerfectSubtree(2, 1).status().code(), StatusCode::kInvalidArgument);  // 4..7
  EXPECT_EQ(tree.PerfectSubtree(0, 7).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.PerfectSubtree(3, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.PerfectSubtree(63, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tree.PerfectSubtree(4000000000u, 0).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Verification rejects malformed claims with a message a person understands.

class MerkleVerification : public ::testing::Test {
 protected:
  MerkleVerification() : leaves_(TestLeaves(8)), tree_(TreeOf(leaves_)) {}
  Hash RootOf(uint64_t n) { return NaiveMth(std::span(leaves_).first(n)); }
  std::vector<Hash> Inclusion(uint64_t i, uint64_t n) {
    return InclusionProof(tree_, i, n).value();
  }
  std::vector<Hash> Consistency(uint64_t m, uint64_t n) {
    return ConsistencyProof(tree_, m, n).value();
  }

  std::vector<Hash> leaves_;
  InMemoryMerkleTree tree_;
};

TEST_F(MerkleVerification, RejectsALeafIndexAtOrBeyondTheSize) {
  const core::Status s = VerifyInclusion(leaves_[0], 8, 8, Inclusion(0, 8), RootOf(8));
  EXPECT_EQ(s, core::InvalidArgumentError("leaf 8 cannot be in a tree of 8 leaves"));
  EXPECT_EQ(VerifyInclusion(leaves_[0], 0, 0, {}, EmptyRoot()).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(MerkleVerification, RejectsATreeThatShrinks) {
  const core::Status s = VerifyConsistency(5, 4, RootOf(5), RootOf(4), Consistency(4, 5));
  EXPECT_EQ(s, core::InvalidArgumentError("a tree of 5 leaves cannot be a prefix of a smaller "
                                          "tree of 4"));
}

TEST_F(MerkleVerification, RejectsAnEmptyInclusionProofWhereOneIsNeeded) {
  EXPECT_EQ(VerifyInclusion(leaves_[5], 5, 8, {}, RootOf(8)),
            core::DataLossError("inclusion proof has 0 hashes, expected 3 for leaf 5 of 8"));
  // A one-leaf tree is the only one that needs no path: its root is the leaf.
  EXPECT_TRUE(VerifyInclusion(leaves_[0], 0, 1, {}, leaves_[0]).ok());
}

TEST_F(MerkleVerification, RejectsAnOverlongInclusionProof) {
  std::vector<Hash> path = Inclusion(5, 8);
  path.push_back(leaves_[0]);
  EXPECT_EQ(VerifyInclusion(leaves_[5], 5, 8, path, RootOf(8)),
            core::DataLossError("inclusion proof has 4 hashes, expected 3 for leaf 5 of 8"));
  EXPECT_EQ(VerifyInclusion(leaves_[0], 0, 1, std::vector<Hash>{leaves_[1]}, leaves_[0]).code(),
            StatusCode::kDataLoss);
}

TEST_F(MerkleVerification, RejectsAnInclusionProofForTheWrongLeafAndSaysSo) {
  EXPECT_EQ(VerifyInclusion(leaves_[4], 5, 8, Inclusion(5, 8), RootOf(8)),
            core::DataLossError("inclusion proof for leaf 5 of 8 does not lead to the root"));
}

TEST_F(MerkleVerification, RejectsAnEmptyOrOverlongConsistencyProof) {
  EXPECT_EQ(
      VerifyConsistency(6, 8, RootOf(6), RootOf(8), {}),
      core::DataLossError("consistency proof has 0 hashes, expected 3 between tree sizes 6 and 8"));
  std::vector<Hash> path = Consistency(6, 8);
  path.push_back(leaves_[0]);
  EXPECT_EQ(VerifyConsistency(6, 8, RootOf(6), RootOf(8), path).code(), StatusCode::kDataLoss);
}

TEST_F(MerkleVerification, RejectsAConsistencyProofAgainstTheWrongRootsAndSaysWhich) {
  EXPECT_EQ(VerifyConsistency(6, 8, RootOf(5), RootOf(8), Consistency(6, 8)),
            core::DataLossError(
                "consistency proof between tree sizes 6 and 8 does not lead to the earlier root"));
  EXPECT_EQ(VerifyConsistency(6, 8, RootOf(6), RootOf(7), Consistency(6, 8)),
            core::DataLossError(
                "consistency proof between tree sizes 6 and 8 does not lead to the later root"));
}

TEST_F(MerkleVerification, AcceptsEqualSizesOnlyWithNoProofAndEqualRoots) {
  EXPECT_TRUE(VerifyConsistency(5, 5, RootOf(5), RootOf(5), {}).ok());
  EXPECT_EQ(VerifyConsistency(5, 5, RootOf(5), RootOf(6), {}),
            core::DataLossError("two trees of 5 leaves have different roots"));
  EXPECT_EQ(VerifyConsistency(5, 5, RootOf(5), RootOf(5), std::vector<Hash>{leaves_[0]}).code(),
            StatusCode::kDataLoss);
}

TEST_F(MerkleVerification, AcceptsTheEmptyTreeAsAPrefixOnlyWithNoProof) {
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), RootOf(8), {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).ok());
  EXPECT_EQ(VerifyConsistency(0, 8, EmptyRoot(), RootOf(8), std::vector<Hash>{RootOf(8)}).code(),
            StatusCode::kDataLoss);
}

// A finding, not a bug: an audit path binds the leaf to the root, not to the tree size. The path
// for leaf 0 of 3 leaves is also a well-formed path for leaf 0 of 4 (same length, same sides), so
// anyone claiming size 4 with the 3-leaf root passes. The size is authenticated by the signed
// checkpoint that carries it with the root; verifiers must take both from the same checkpoint.
TEST_F(MerkleVerification, SizeIsBoundByTheCheckpointNotByTheProof) {
  EXPECT_TRUE(VerifyInclusion(leaves_[0], 0, 4, Inclusion(0, 3), RootOf(3)).ok());
  EXPECT_TRUE(VerifyConsistency(2, 4, RootOf(2), RootOf(3), Consistency(2, 3)).ok());
  // Where the shape differs, the same trick fails.
  EXPECT_FALSE(VerifyInclusion(leaves_[2], 2, 4, Inclusion(2, 3), RootOf(3)).ok());
  EXPECT_FALSE(VerifyConsistency(3, 4, RootOf(3), RootOf(5), Consistency(3, 5)).ok());
}

// The same finding, exhaustively: with the honest roots, moving the index, size, from or to by one
// is caught exactly when the verifier's computation changes shape, and an index move always is.
TEST(MerkleVerificationShape, OffByOneClaimsAreCaughtExactlyWhenTheProofShapeChanges) {
  constexpr uint64_t kMax = 40;
  const std::vector<Hash> leaves = TestLeaves(kMax);
  InMemoryMerkleTree tree = TreeOf(leaves);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= kMax; ++n) roots.push_back(NaiveMth(std::span(leaves).first(n)));
  for (uint64_t n = 1; n <= kMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      const std::vector<Hash> path = InclusionProof(tree, i, n).value();
      const std::pair<uint64_t, uint64_t> claims[] = {
          {i + 1, n}, {i - 1, n}, {i, n + 1}, {i, n - 1}};
      for (auto [ci, cn] : claims) {
        const bool same_shape = ci < cn && InclusionShape(ci, cn) == InclusionShape(i, n);
        EXPECT_EQ(VerifyInclusion(leaves[i], ci, cn, path, roots[n]).ok(), same_shape)
            << "proof for leaf " << i << " of " << n << " claimed as leaf " << ci << " of " << cn;
        if (ci != i) {
          EXPECT_FALSE(same_shape) << "leaf " << i << " of " << n << " as leaf " << ci;
        }
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      const std::vector<Hash> path = ConsistencyProof(tree, m, n).value();
      const std::pair<uint64_t, uint64_t> claims[] = {
          {m + 1, n}, {m - 1, n}, {m, n + 1}, {m, n - 1}};
      for (auto [cm, cn] : claims) {
        bool accept = false;
        if (cm == 0) {
          accept = path.empty();
        } else if (cm <= cn) {
          accept = ConsistencyShape(cm, cn) == ConsistencyShape(m, n);
        }
        EXPECT_EQ(VerifyConsistency(cm, cn, roots[m], roots[n], path).ok(), accept)
            << "proof " << m << " -> " << n << " claimed as " << cm << " -> " << cn;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Properties over random trees of up to 3000 leaves. One shared tree serves every size, since a
// perfect subtree's hash does not depend on how many leaves follow it.

constexpr uint64_t kPropertyMax = 3000;

InMemoryMerkleTree& SharedTree() {
  static InMemoryMerkleTree* tree = new InMemoryMerkleTree(TreeOf(TestLeaves(kPropertyMax)));
  return *tree;
}

Hash SharedRoot(uint64_t n) {
  CheckedSource source(SharedTree(), n);
  return RootAt(source, n).value();
}

enum class Tamper {
  kFlipLeafBit,
  kFlipPathBit,
  kFlipRootBit,
  kFlipOldRootBit,
  kIndexUp,
  kIndexDown,
  kSizeUp,
  kSizeDown,
  kFromUp,
  kFromDown,
  kDropHash,
  kAddHash,
};

void showValue(Tamper t, std::ostream& os) {
  static const char* const kNames[] = {
      "kFlipLeafBit", "kFlipPathBit", "kFlipRootBit", "kFlipOldRootBit", "kIndexUp",  "kIndexDown",
      "kSizeUp",      "kSizeDown",    "kFromUp",      "kFromDown",       "kDropHash", "kAddHash"};
  os << kNames[static_cast<int>(t)];
}

void FlipRandomBit(Hash& h) {
  const auto bit = *rc::gen::inRange<size_t>(0, 256);
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

void DropOrAddHash(std::vector<Hash>& path, bool drop) {
  if (drop) {
    RC_PRE(!path.empty());
    path.erase(path.begin() + *rc::gen::inRange<size_t>(0, path.size()));
  } else {
    const auto at = *rc::gen::inRange<size_t>(0, path.size() + 1);
    path.insert(path.begin() + at, SharedTree().leaf(*rc::gen::inRange<uint64_t>(0, kPropertyMax)));
  }
}

RC_GTEST_PROP(MerkleProperty, InclusionProofsInRandomTreesVerify, ()) {
  const auto size = *rc::gen::inRange<uint64_t>(1, kPropertyMax + 1);
  const auto index = *rc::gen::inRange<uint64_t>(0, size);
  CheckedSource source(SharedTree(), size);
  auto proof = InclusionProof(source, index, size);
  RC_ASSERT(proof.has_value());
  RC_ASSERT(source.calls() <= CallBudget(size));
  RC_ASSERT(VerifyInclusion(SharedTree().leaf(index), index, size, *proof, SharedRoot(size)).ok());
}

RC_GTEST_PROP(MerkleProperty, ConsistencyProofsInRandomTreesVerify, ()) {
  const auto to = *rc::gen::inRange<uint64_t>(1, kPropertyMax + 1);
  const auto from = *rc::gen::inRange<uint64_t>(0, to + 1);
  CheckedSource source(SharedTree(), to);
  auto proof = ConsistencyProof(source, from, to);
  RC_ASSERT(proof.has_value());
  RC_ASSERT(source.calls() <= CallBudget(to));
  RC_ASSERT(VerifyConsistency(from, to, SharedRoot(from), SharedRoot(to), *proof).ok());
}

// Every bit of every input matters, and so does the length of the path. Changing the index or
// the size is caught exactly when it changes the shape of the computation (see
// SizeIsBoundByTheCheckpointNotByTheProof); for the index that is always.
RC_GTEST_PROP(MerkleProperty, TamperedInclusionClaimsAreRejected, ()) {
  const auto size = *rc::gen::inRange<uint64_t>(1, kPropertyMax + 1);
  const auto index = *rc::gen::inRange<uint64_t>(0, size);
  const Tamper tamper = *rc::gen::element(
      Tamper::kFlipLeafBit, Tamper::kFlipPathBit, Tamper::kFlipRootBit, Tamper::kIndexUp,
      Tamper::kIndexDown, Tamper::kSizeUp, Tamper::kSizeDown, Tamper::kDropHash, Tamper::kAddHash);
  Hash leaf = SharedTree().leaf(index);
  Hash root = SharedRoot(size);
  std::vector<Hash> path = InclusionProof(SharedTree(), index, size).value();
  uint64_t claimed_index = index;
  uint64_t claimed_size = size;
  bool must_reject = true;
  switch (tamper) {
    case Tamper::kFlipLeafBit:
      FlipRandomBit(leaf);
      break;
    case Tamper::kFlipPathBit:
      RC_PRE(!path.empty());
      FlipRandomBit(path[*rc::gen::inRange<size_t>(0, path.size())]);
      break;
    case Tamper::kFlipRootBit:
      FlipRandomBit(root);
      break;
    case Tamper::kIndexUp:
    case Tamper::kIndexDown:
    case Tamper::kSizeUp:
    case Tamper::kSizeDown:
      if (tamper == Tamper::kIndexUp) ++claimed_index;
      if (tamper == Tamper::kIndexDown) --claimed_index;  // Wraps at 0: a huge index.
      if (tamper == Tamper::kSizeUp) ++claimed_size;
      if (tamper == Tamper::kSizeDown) --claimed_size;
      must_reject = claimed_index >= claimed_size ||
                    InclusionShape(claimed_index, claimed_size) != InclusionShape(index, size);
      RC_CLASSIFY(!must_reject, "indistinguishable size");
      break;
    case Tamper::kDropHash:
    case Tamper::kAddHash:
      DropOrAddHash(path, tamper == Tamper::kDropHash);
      break;
    default:
      RC_FAIL("unhandled tamper");
  }
  const core::Status s = VerifyInclusion(leaf, claimed_index, claimed_size, path, root);
  if (must_reject) {
    RC_ASSERT(!s.ok());
    RC_ASSERT(s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kInvalidArgument);
  } else {
    RC_ASSERT(s.ok());
  }
}

RC_GTEST_PROP(MerkleProperty, TamperedConsistencyClaimsAreRejected, ()) {
  const auto to = *rc::gen::inRange<uint64_t>(1, kPropertyMax + 1);
  const auto from = *rc::gen::inRange<uint64_t>(1, to + 1);  // from 0 needs no proof to tamper.
  const Tamper tamper = *rc::gen::element(
      Tamper::kFlipPathBit, Tamper::kFlipRootBit, Tamper::kFlipOldRootBit, Tamper::kFromUp,
      Tamper::kFromDown, Tamper::kSizeUp, Tamper::kSizeDown, Tamper::kDropHash, Tamper::kAddHash);
  Hash root_from = SharedRoot(from);
  Hash root_to = SharedRoot(to);
  std::vector<Hash> path = ConsistencyProof(SharedTree(), from, to).value();
  uint64_t claimed_from = from;
  uint64_t claimed_to = to;
  bool must_reject = true;
  switch (tamper) {
    case Tamper::kFlipPathBit:
      RC_PRE(!path.empty());
      FlipRandomBit(path[*rc::gen::inRange<size_t>(0, path.size())]);
      break;
    case Tamper::kFlipRootBit:
      FlipRandomBit(root_to);
      break;
    case Tamper::kFlipOldRootBit:
      FlipRandomBit(root_from);
      break;
    case Tamper::kFromUp:
    case Tamper::kFromDown:
    case Tamper::kSizeUp:
    case Tamper::kSizeDown:
      if (tamper == Tamper::kFromUp) ++claimed_from;
      if (tamper == Tamper::kFromDown) --claimed_from;
      if (tamper == Tamper::kSizeUp) ++claimed_to;
      if (tamper == Tamper::kSizeDown) --claimed_to;
      if (claimed_from > claimed_to) {
        must_reject = true;
      } else if (claimed_from == 0) {
        must_reject = !path.empty();  // The empty tree is a prefix of anything.
      } else {
        must_reject = ConsistencyShape(claimed_from, claimed_to) != ConsistencyShape(from, to);
      }
      RC_CLASSIFY(!must_reject, "indistinguishable sizes");
      break;
    case Tamper::kDropHash:
    case Tamper::kAddHash:
      DropOrAddHash(path, tamper == Tamper::kDropHash);
      break;
    default:
      RC_FAIL("unhandled tamper");
  }
  const core::Status s = VerifyConsistency(claimed_from, claimed_to, root_from, root_to, path);
  if (must_reject) {
    RC_ASSERT(!s.ok());
    RC_ASSERT(s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kInvalidArgument);
  } else {
    RC_ASSERT(s.ok());
  }
}

RC_GTEST_PROP(MerkleProperty, FrontierRestoredFromAnyTreeKeepsTheTreesRoots, ()) {
  const auto size = *rc::gen::inRange<uint64_t>(0, kPropertyMax - 10);
  const auto more = *rc::gen::inRange<uint64_t>(0, 10);
  // The frontier of `size` is the decomposition's perfect subtrees, read from the tree.
  std::vector<Hash> subtrees;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    subtrees.push_back(SharedTree().PerfectSubtree(level, begin >> level).value());
    begin += uint64_t{1} << level;
  }
  auto frontier = MerkleFrontier::FromSubtrees(size, subtrees);
  RC_ASSERT(frontier.has_value());
  RC_ASSERT(frontier->Root() == SharedRoot(size));
  for (uint64_t i = size; i < size + more; ++i) frontier->Append(SharedTree().leaf(i));
  RC_ASSERT(frontier->Root() == SharedRoot(size + more));
}

}  // namespace
}  // namespace custodian::ledger

namespace custodian::ledger {
namespace {

TEST(MerkleFrontier, AppendingAWholeSubtreeEqualsAppendingItsLeaves) {
  for (uint32_t level : {0u, 1u, 3u, 10u}) {
    const uint64_t width = uint64_t{1} << level;
    MerkleFrontier by_leaf, by_block;
    InMemoryMerkleTree tree;
    for (uint64_t block = 0; block < 5; ++block) {
      std::vector<MerkleNode> leaf_nodes, block_nodes;
      for (uint64_t i = 0; i < width; ++i) {
        Hash h = LeafHash(core::AsBytes(std::to_string(block * width + i)));
        tree.Append(h);
        by_leaf.Append(h, &leaf_nodes);
      }
      auto root = tree.PerfectSubtree(level, block);
      ASSERT_TRUE(root.has_value());
      ASSERT_TRUE(by_block.AppendSubtree(level, *root, &block_nodes).ok());
      EXPECT_EQ(by_block.Root(), by_leaf.Root());
      EXPECT_EQ(by_block.size(), by_leaf.size());
      std::vector<MerkleNode> high;
      for (const auto& n : leaf_nodes) {
        if (n.level >= level) high.push_back(n);
      }
      EXPECT_EQ(block_nodes, high) << "level " << level << " block " << block;
    }
  }
  MerkleFrontier f;
  f.Append(LeafHash({}));
  EXPECT_FALSE(f.AppendSubtree(1, Hash{}).ok());  // misaligned
}

}  // namespace
}  // namespace custodian::ledger
