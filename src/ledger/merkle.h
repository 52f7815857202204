// The ledger's Merkle tree, exactly as RFC 6962 §2.1 / RFC 9162 §2.1 define it, so that any
// Certificate Transparency tool can check our proofs. For leaves D[0:n]:
//   MTH({}) = SHA-256(""),  MTH({d}) = LeafHash(d),
//   MTH(D[0:n]) = NodeHash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n.
// Because k is a power of two, every left child is a *perfect* subtree: leaves
// [index * 2^level, (index + 1) * 2^level). A perfect subtree's hash never changes once its last
// leaf is appended, which is what lets a store persist it and lets proofs for any past tree size
// be served from the same nodes. Every other node lies on the right edge of some tree size and is
// recomputed from the perfect subtrees of that size's binary decomposition.
//
// Proof generation asks a NodeSource only for perfect subtrees inside the tree, O(log n) of them.
// Verification needs no tree at all. None of this checks that a tree size is the one that was
// published: an inclusion or consistency proof binds the root, and a root is only meaningful
// together with its size, which the signed checkpoint supplies (see merkle_test.cc,
// SizeIsBoundByTheCheckpointNotByTheProof).
//
// Thread-safety: the free functions are thread-safe if the NodeSource is. MerkleFrontier and
// InMemoryMerkleTree are values: const methods may run concurrently, mutation needs exclusion.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "ledger/hash.h"

namespace custodian::ledger {

// A perfect subtree of the log: covers leaves [index * 2^level, (index + 1) * 2^level).
// level 0 is a leaf hash.
struct MerkleNode {
  uint32_t level = 0;
  uint64_t index = 0;
  Hash hash{};

  friend bool operator==(const MerkleNode&, const MerkleNode&) = default;
};

// The compact range of a tree of size n: the roots of the perfect subtrees in n's binary
// decomposition, largest (leftmost) first. It is all an appender needs to keep: Append is
// O(log n) worst case and amortised O(1); Root is O(log n). Invariant: the number of subtrees is
// popcount(size), and subtree j covers the leaves after those of subtrees 0..j-1.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;

  // Rebuilds from the subtree roots of size's binary decomposition, leftmost (largest) first.
  // InvalidArgument if the count does not equal popcount(size). The hashes themselves cannot be
  // checked here; a caller restoring from storage compares Root() with a signed checkpoint.
  static core::Result<MerkleFrontier> FromSubtrees(uint64_t size, std::vector<Hash> subtrees);

  uint64_t size() const { return size_; }
  const std::vector<Hash>& subtrees() const { return subtrees_; }

  // Appends a leaf hash. If `completed` is non-null, appends to it every perfect subtree this
  // append completed, in increasing level order, starting with the leaf itself (level 0).
  void Append(const Hash& leaf_hash, std::vector<MerkleNode>* completed = nullptr);

  // MTH of the current tree; EmptyRoot() for size 0.
  // Appends a whole perfect subtree of 2^level leaves at once, given its root; the tree size must
  // be a multiple of 2^level. Reports the subtree itself and every merge above it in `completed`.
  // The same tree as appending its leaves one by one (used to verify in parallel batches).
  core::Status AppendSubtree(uint32_t level, const Hash& subtree_hash,
                             std::vector<MerkleNode>* completed = nullptr);
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> subtrees_;
};

// Where proofs get their subtree hashes from (the SQLite store implements it with stored nodes;
// InMemoryMerkleTree implements it for tests and the offline verifier).
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // Hash of the perfect subtree (level, index); the caller guarantees it lies within the tree.
  // An error (a failed read, a missing node) is passed through to the caller unchanged.
  virtual core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t index) = 0;
};

// MTH(D[0:size]) from the perfect subtrees of size's binary decomposition (popcount(size) calls).
core::Result<Hash> RootAt(NodeSource& source, uint64_t size);

// RFC 9162 §2.1.3.1 inclusion proof (audit path) for leaf `index` in the tree of `size`, ordered
// from the leaf's sibling up to the root's child. InvalidArgument if index >= size.
core::Result<std::vector<Hash>> InclusionProof(NodeSource& source, uint64_t index, uint64_t size);

// RFC 9162 §2.1.4.1 consistency proof that the tree of size `from` is a prefix of the tree of
// size `to`. from == 0 or from == to gives an empty proof. InvalidArgument if from > to.
core::Result<std::vector<Hash>> ConsistencyProof(NodeSource& source, uint64_t from, uint64_t to);

// RFC 9162 §2.1.3.2: OK iff `path` proves that `leaf_hash` is leaf `index` of the tree of `size`
// whose root is `root`. InvalidArgument if index >= size (no proof can exist); DataLoss if the
// proof has the wrong number of hashes or does not lead to the root (it is corrupt or forged).
core::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                             std::span<const Hash> path, const Hash& root);

// RFC 9162 §2.1.4.2: OK iff `path` proves that the tree of size `from` with root `root_from` is a
// prefix of the tree of size `to` with root `root_to`. InvalidArgument if from > to; DataLoss if
// the proof has the wrong length or does not lead to either root. from == to: OK iff the path is
// empty and the roots are equal. from == 0: OK iff the path is empty (the empty tree is a prefix
// of every tree; root_from is not examined).
core::Status VerifyConsistency(uint64_t from, uint64_t to, const Hash& root_from,
                               const Hash& root_to, std::span<const Hash> path);

// All leaf hashes in memory, plus every complete perfect subtree, kept level by level as leaves
// are appended (about one extra hash per leaf), so PerfectSubtree is a lookup and proofs are
// O(log n). Because perfect subtrees never change, one tree serves proofs and roots for every
// size up to size(). For tests and exports, which are verified in memory.
class InMemoryMerkleTree final : public NodeSource {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return frontier_.size(); }
  Hash Root() const { return frontier_.Root(); }
  // InvalidArgument if the subtree is not complete in this tree.
  core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t index) override;
  // Aborts if i >= size(): asking for a leaf that is not there is a bug in the caller.
  const Hash& leaf(uint64_t i) const;

 private:
  MerkleFrontier frontier_;
  // levels_[l][i] is the perfect subtree (l, i); levels_[0] holds the leaf hashes.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace custodian::ledger
