#include "ledger/merkle.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace custodian::ledger {
namespace {

// 2^level; callers keep level < 64, which holds for anything derived from a uint64_t size.
constexpr uint64_t Pow2(uint32_t level) { return uint64_t{1} << level; }

std::string Str(uint64_t v) { return std::to_string(v); }

// MTH(D[begin:end]) for a range that RFC 6962's recursion produces: begin is a multiple of the
// largest power of two <= end - begin. The binary decomposition of end - begin, laid out from
// begin, is then a run of aligned perfect subtrees, and MTH nests to the right, so folding them
// right to left gives the range's hash with one source call per subtree.
core::Result<Hash> RangeHash(NodeSource& source, uint64_t begin, uint64_t end) {
  if (begin == end) return EmptyRoot();
  uint64_t remaining = end - begin;
  uint64_t pos = end;
  Hash acc{};
  bool first = true;
  while (remaining != 0) {
    const auto level = static_cast<uint32_t>(std::countr_zero(remaining));
    remaining &= remaining - 1;
    pos -= Pow2(level);
    if ((pos & (Pow2(level) - 1)) != 0) {
      // Only a caller in this file can get here; asking the source for an unaligned "subtree"
      // would silently return the wrong hash, so refuse loudly instead.
      return core::InternalError("range [" + Str(begin) + ", " + Str(end) +
                                 ") is not made of aligned perfect subtrees");
    }
    CUSTODIAN_ASSIGN_OR_RETURN(Hash h, source.PerfectSubtree(level, pos >> level));
    acc = first ? h : NodeHash(h, acc);
    first = false;
  }
  return acc;
}

// The number of hashes in the audit path of leaf `index` in a tree of `size` > index. The path
// has one hash per level below the point where the paths to `index` and to the last leaf split
// ("inner"), plus one per left sibling above it ("border"): the set bits of index above that point.
uint64_t InclusionPathLength(uint64_t index, uint64_t size) {
  const auto inner = static_cast<uint32_t>(std::bit_width(index ^ (size - 1)));
  const uint64_t border = inner >= 64 ? 0 : std::popcount(index >> inner);
  return inner + border;
}

// The number of hashes in the consistency proof between 0 < from < to. It is the audit path of
// leaf from - 1 in the tree of `to`, minus the levels inside the perfect subtree that ends at
// `from` (that subtree is one hash), plus that hash unless it is the whole old tree.
uint64_t ConsistencyPathLength(uint64_t from, uint64_t to) {
  const auto shift = static_cast<uint32_t>(std::countr_zero(from));
  const auto inner = static_cast<uint32_t>(std::bit_width((from - 1) ^ (to - 1)));
  const uint64_t border = inner >= 64 ? 0 : std::popcount((from - 1) >> inner);
  const uint64_t seed = std::has_single_bit(from) ? 0 : 1;
  return seed + (inner - shift) + border;
}

core::Status WrongLength(std::string_view what, size_t got, uint64_t want, std::string context) {
  return core::DataLossError(std::string(what) + " has " + Str(got) + " hashes, expected " +
                             Str(want) + " " + context);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MerkleFrontier

core::Result<MerkleFrontier> MerkleFrontier::FromSubtrees(uint64_t size,
                                                          std::vector<Hash> subtrees) {
  const auto want = static_cast<size_t>(std::popcount(size));
  if (subtrees.size() != want) {
    return core::InvalidArgumentError("a tree of " + Str(size) + " leaves has " + Str(want) +
                                      " perfect subtrees in its frontier, got " +
                                      Str(subtrees.size()));
  }
  MerkleFrontier f;
  f.size_ = size;
  f.subtrees_ = std::move(subtrees);
  return f;
}

void MerkleFrontier::Append(const Hash& leaf_hash, std::vector<MerkleNode>* completed) {
  uint64_t index = size_;
  subtrees_.push_back(leaf_hash);
  if (completed != nullptr) completed->push_back({0, index, leaf_hash});
  // Each trailing one bit of the old size is a subtree of that level which the new leaf's
  // subtree now completes into a subtree one level up, like a carry in binary addition.
  const int merges = std::countr_one(size_);
  for (int level = 1; level <= merges; ++level) {
    const Hash right = subtrees_.back();
    subtrees_.pop_back();
    Hash& left = subtrees_.back();
    left = NodeHash(left, right);
    index >>= 1;
    if (completed != nullptr) {
      completed->push_back({static_cast<uint32_t>(level), index, left});
    }
  }
  ++size_;
}

core::Status MerkleFrontier::AppendSubtree(uint32_t level, const Hash& subtree_hash,
                                           std::vector<MerkleNode>* completed) {
  if (level >= 64 || (size_ & ((uint64_t{1} << level) - 1)) != 0) {
    return core::InvalidArgumentError("a subtree of level " + std::to_string(level) +
                                      " cannot follow " + std::to_string(size_) + " leaves");
  }
  uint64_t index = size_ >> level;
  subtrees_.push_back(subtree_hash);
  if (completed != nullptr) completed->push_back({level, index, subtree_hash});
  // As in Append, one level up: each trailing one bit of size / 2^level is a merge.
  const int merges = std::countr_one(size_ >> level);
  for (uint32_t l = level + 1; l <= level + static_cast<uint32_t>(merges); ++l) {
    const Hash right = subtrees_.back();
    subtrees_.pop_back();
    Hash& left = subtrees_.back();
    left = NodeHash(left, right);
    index >>= 1;
    if (completed != nullptr) completed->push_back({l, index, left});
  }
  size_ += uint64_t{1} << level;
  return core::Status::Ok();
}

Hash MerkleFrontier::Root() const {
  if (subtrees_.empty()) return EmptyRoot();
  Hash acc = subtrees_.back();
  for (auto it = subtrees_.rbegin() + 1; it != subtrees_.rend(); ++it) acc = NodeHash(*it, acc);
  return acc;
}

// ---------------------------------------------------------------------------------------------
// Proof generation. Both walk RFC 9162's recursion top-down over [lo, hi) without recursing, and
// reverse at the end because the RFC lists the deepest hash first. Once the walk descends into a
// left child it is inside a perfect subtree, so at most one hash per proof (the first right
// sibling) is a right-edge range needing several source calls; the total stays O(log size).

core::Result<Hash> RootAt(NodeSource& source, uint64_t size) { return RangeHash(source, 0, size); }

core::Result<std::vector<Hash>> InclusionProof(NodeSource& source, uint64_t index, uint64_t size) {
  if (index >= size) {
    return core::InvalidArgumentError("leaf " + Str(index) + " is not in a tree of " + Str(size) +
                                      " leaves");
  }
  std::vector<Hash> path;
  uint64_t lo = 0;
  uint64_t hi = size;
  while (hi - lo > 1) {
    const uint64_t k = std::bit_floor(hi - lo - 1);  // Largest power of two < hi - lo.
    if (index - lo < k) {
      CUSTODIAN_ASSIGN_OR_RETURN(Hash right, RangeHash(source, lo + k, hi));
      path.push_back(right);
      hi = lo + k;
    } else {
      CUSTODIAN_ASSIGN_OR_RETURN(Hash left, RangeHash(source, lo, lo + k));
      path.push_back(left);
      lo += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

core::Result<std::vector<Hash>> ConsistencyProof(NodeSource& source, uint64_t from, uint64_t to) {
  if (from > to) {
    return core::InvalidArgumentError("cannot prove that a tree of " + Str(from) +
                                      " leaves is a prefix of a smaller tree of " + Str(to));
  }
  std::vector<Hash> path;
  if (from == 0 || from == to) return path;
  // Invariant: lo < from <= hi. `whole_old_tree` is the RFC's flag b: [lo, hi) still starts at
  // leaf 0, so if it turns out to be exactly the old tree the verifier already has its hash.
  uint64_t lo = 0;
  uint64_t hi = to;
  bool whole_old_tree = true;
  while (from != hi) {
    const uint64_t k = std::bit_floor(hi - lo - 1);  // hi - lo >= 2 here, since lo < from < hi.
    if (from <= lo + k) {
      CUSTODIAN_ASSIGN_OR_RETURN(Hash right, RangeHash(source, lo + k, hi));
      path.push_back(right);
      hi = lo + k;
    } else {
      CUSTODIAN_ASSIGN_OR_RETURN(Hash left, RangeHash(source, lo, lo + k));
      path.push_back(left);
      lo += k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    CUSTODIAN_ASSIGN_OR_RETURN(Hash old_part, RangeHash(source, lo, hi));
    path.push_back(old_part);
  }
  std::reverse(path.begin(), path.end());
  return path;
}

// ---------------------------------------------------------------------------------------------
// Verification: the RFC 9162 algorithms step by step, after a length check whose only purpose is
// a message that says what is wrong. The algorithms' own checks (sn reaching 0) stay in place.

core::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                             std::span<const Hash> path, const Hash& root) {
  if (index >= size) {
    return core::InvalidArgumentError("leaf " + Str(index) + " cannot be in a tree of " +
                                      Str(size) + " leaves");
  }
  const std::string context = "for leaf " + Str(index) + " of " + Str(size);
  const uint64_t want = InclusionPathLength(index, size);
  if (path.size() != want) return WrongLength("inclusion proof", path.size(), want, context);

  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : path) {
    if (sn == 0) return WrongLength("inclusion proof", path.size(), want, context);
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      // The node is the last one on its level: it has no right sibling until a higher level.
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return WrongLength("inclusion proof", path.size(), want, context);
  if (r != root) {
    return core::DataLossError("inclusion proof " + context + " does not lead to the root");
  }
  return core::Status::Ok();
}

core::Status VerifyConsistency(uint64_t from, uint64_t to, const Hash& root_from,
                               const Hash& root_to, std::span<const Hash> path) {
  if (from > to) {
    return core::InvalidArgumentError("a tree of " + Str(from) +
                                      " leaves cannot be a prefix of a smaller tree of " + Str(to));
  }
  const std::string context = "between tree sizes " + Str(from) + " and " + Str(to);
  if (from == to) {
    if (!path.empty()) return WrongLength("consistency proof", path.size(), 0, context);
    if (root_from != root_to) {
      return core::DataLossError("two trees of " + Str(from) + " leaves have different roots");
    }
    return core::Status::Ok();
  }
  if (from == 0) {
    if (!path.empty()) return WrongLength("consistency proof", path.size(), 0, context);
    return core::Status::Ok();
  }
  const uint64_t want = ConsistencyPathLength(from, to);
  if (path.size() != want) return WrongLength("consistency proof", path.size(), want, context);

  // RFC step 2 prepends root_from when `from` is a power of two; reading the seed from either
  // place avoids copying the path.
  const bool seed_is_old_root = std::has_single_bit(from);
  const Hash& seed = seed_is_old_root ? root_from : path.front();
  const std::span<const Hash> rest = seed_is_old_root ? path : path.subspan(1);

  uint64_t fn = from - 1;
  uint64_t sn = to - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (const Hash& c : rest) {
    if (sn == 0) return WrongLength("consistency proof", path.size(), want, context);
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return WrongLength("consistency proof", path.size(), want, context);
  if (fr != root_from) {
    return core::DataLossError("consistency proof " + context +
                               " does not lead to the earlier root");
  }
  if (sr != root_to) {
    return core::DataLossError("consistency proof " + context + " does not lead to the later root");
  }
  return core::Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// InMemoryMerkleTree

void InMemoryMerkleTree::Append(const Hash& leaf_hash) {
  std::vector<MerkleNode> completed;
  frontier_.Append(leaf_hash, &completed);
  // The frontier reports subtrees in completion order, so each lands at the end of its level.
  for (const MerkleNode& node : completed) {
    if (node.level >= levels_.size()) levels_.resize(node.level + 1);
    levels_[node.level].push_back(node.hash);
  }
}

core::Result<Hash> InMemoryMerkleTree::PerfectSubtree(uint32_t level, uint64_t index) {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return core::InvalidArgumentError("no complete subtree at level " + Str(level) + " index " +
                                      Str(index) + " in a tree of " + Str(size()) + " leaves");
  }
  return levels_[level][index];
}

const Hash& InMemoryMerkleTree::leaf(uint64_t i) const {
  if (i >= size()) {
    std::fprintf(stderr, "fatal: leaf %llu of an in-memory tree of %llu leaves\n",
                 static_cast<unsigned long long>(i), static_cast<unsigned long long>(size()));
    std::abort();
  }
  return levels_[0][i];
}

}  // namespace custodian::ledger
