// Verification of a ledger from its records alone: decoding, gap-free indices, the hash chain,
// the Merkle root, and agreement with signed checkpoints ("anchors"). Used by `custodian ledger
// verify` on a data directory and on an export file, so a third party runs exactly this code.
//
// Locating the first bad event. A changed byte in event i (outside its prev_hash) breaks only the
// link i -> i+1; a changed prev_hash in event i breaks the links i-1 -> i and i -> i+1. So on a
// broken link at position p the verifier looks one record ahead: if event p+1 still links to event
// p, event p is intact and p-1 was changed; otherwise p was. For the last event, the signed
// checkpoint of the whole log plays the part of the next record. Missing, duplicated, inserted
// and reordered events show as an index that differs from the position. A suffix that an attacker
// rewrote and re-chained is caught by the first checkpoint it contradicts; the report then names
// the last event of that checkpoint and says that earlier events may be rewritten too.
//
// Thread-compatible: one LogVerifier per verification.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/hash.h"
#include "ledger/ledger_store.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/record.h"

namespace custodian::ledger {

// A tree head the log must agree with, taken from a verified signed checkpoint.
struct VerifyAnchor {
  uint64_t size = 0;
  Hash root{};
  std::string source;  // for messages: "the latest stored checkpoint", "checkpoint file x"
};

struct VerifyReport {
  uint64_t events = 0;  // events checked (all of them when ok)
  Hash root{};          // root of the whole log when ok
  core::Status status;  // ok, or DataLoss describing the first problem
  std::optional<uint64_t> first_bad_index;
};

class LogVerifier {
 public:
  explicit LogVerifier(std::vector<VerifyAnchor> anchors);
  // Feeds the record at the next position, already parsed and hashed (possibly on another thread):
  // ParseEvent(record) and LeafHash(record). Returns false once the verdict is known (stop
  // feeding). FeedPipelined below is the usual way in.
  bool Add(const core::Result<EventView>& event, const Hash& leaf);
  // Up to kBlockLeaves records at once, at a position that is a multiple of kBlockLeaves, hashed
  // and checked by the caller (possibly on other threads). Falls back to record-by-record checking
  // whenever anything in the block needs a closer look, so the verdict is exactly that of calling
  // Add for each record.
  static constexpr uint32_t kBlockLevel = 10;
  static constexpr uint64_t kBlockLeaves = uint64_t{1} << kBlockLevel;
  static constexpr uint32_t kGroupLevel = 5;
  static constexpr uint64_t kGroupLeaves = uint64_t{1} << kGroupLevel;
  struct Block {
    std::span<const core::ByteSpan> records;
    std::span<const Hash> leaves;  // LeafHash of each record
    // The root of each whole group of kGroupLeaves leaves (the perfect subtree over leaves
    // [g * kGroupLeaves, (g + 1) * kGroupLeaves)); the rest of the tree is built from these.
    std::span<const Hash> group_roots;
    // Every record parses, record i has the index of record 0 plus i, and every record but the
    // first has the leaf hash of the one before it as prev_hash. (Record 0 is checked here.)
    bool linked = false;
  };
  bool AddBlock(const Block& block);
  uint64_t position() const { return position_; }
  VerifyReport Finish();
  // Merkle nodes at level >= kStoredNodeLevel recomputed so far, to compare with stored ones.
  const std::vector<MerkleNode>& stored_level_nodes() const { return nodes_; }

 private:
  void Fail(uint64_t index, std::string message);
  void ResolveBrokenLink(const Hash* next_prev);
  // Compares the tree so far with every anchor of exactly this size; false (and Fail) on a
  // mismatch.
  bool CheckAnchorsAtPosition();
  // The perfect subtree of 2^level leaves from `offset` in `block`, which starts at position
  // `start`; keeps its nodes below `level` that are at stored levels.
  Hash BlockSubtree(const Block& block, uint64_t start, uint32_t level, size_t offset);

  std::vector<VerifyAnchor> anchors_;  // sorted by size
  size_t next_anchor_ = 0;
  uint64_t position_ = 0;
  MerkleFrontier frontier_;
  MerkleFrontier previous_frontier_;  // the tree without the last leaf (see below)
  // After AddBlock, previous_frontier_ is rebuilt only if needed: from the tree before the block
  // and the block's leaves but its last.
  bool previous_frontier_stale_ = false;
  MerkleFrontier block_base_;
  std::vector<Hash> block_leaves_;
  const MerkleFrontier& PreviousFrontier();
  Hash last_leaf_{};
  Hash second_last_leaf_{};
  std::vector<MerkleNode> nodes_;
  std::vector<MerkleNode> completed_;
  std::vector<Hash> scratch_;
  struct BrokenLink {
    uint64_t position;
    Hash leaf;
    Hash claimed_prev;
  };
  std::optional<BrokenLink> broken_;
  bool done_ = false;
  VerifyReport report_;
};

// Appends the anchor of an earlier checkpoint kept elsewhere (`--checkpoint`), if there is one;
// DataLoss if it belongs to another ledger than the verifier's.
core::Status AddExternalAnchor(const std::optional<Checkpoint>& external,
                               const NoteVerifier& verifier, std::vector<VerifyAnchor>& anchors);

// Runs `scan`, which calls the given function with each record in order (and stops when it returns
// false), through `verifier` on two threads: records are copied into 1,024-event blocks, which a
// worker parses, hashes and folds into 32-event subtrees while the scan goes on; the scanning
// thread takes its share of that work whenever it is ahead. The verdict is exactly that of
// calling Add for each record. Returns the scan's own status.
core::Status FeedPipelined(
    LogVerifier& verifier,
    const std::function<core::Status(const std::function<bool(core::ByteSpan)>&)>& scan);

// Verifies everything a LedgerStore holds: every stored checkpoint's signature (with `verifier`),
// every event against them and the chain, the stored Merkle nodes, and — if given — that the log
// extends `external` (an earlier checkpoint kept elsewhere: detects rollback and forks).
VerifyReport VerifyStore(LedgerStore& store, const NoteVerifier& verifier,
                         const std::optional<Checkpoint>& external);

}  // namespace custodian::ledger
