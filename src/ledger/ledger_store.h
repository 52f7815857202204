// LedgerStore: the port through which the ledger reaches durable storage. The embedded adapter is
// SqliteLedgerStore (src/store/sqlite); a PostgreSQL adapter for the central server implements the
// same interface. The store is deliberately dumb: the ledger decides indices, hashes, which Merkle
// nodes to keep and what to sign; the store only keeps bytes, atomically and durably.
//
// Contract for every implementation:
//  * Commit is atomic and durable: when it returns OK, the whole batch survives a crash or power
//    loss; when it returns an error, the caller must assume nothing about what reached the disk and
//    stop appending (the ledger does) until the store is reopened, which shows either all of the
//    batch or none of it — never part.
//  * Reads see every committed batch. Implementations are thread-compatible: the ledger serialises
//    commits, and reads may run concurrently with a commit.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "ledger/record.h"

namespace custodian::ledger {

// Fixed at creation: which site this ledger belongs to and the checkpoint origin line.
struct LedgerMeta {
  std::string site;
  std::string origin;
};

// A signed checkpoint note (C2SP tlog-checkpoint) for the tree of `size` events.
struct StoredCheckpoint {
  uint64_t size = 0;
  std::string note;
};

struct CommitBatch {
  uint64_t first_index = 0;
  std::vector<Event> events;         // indices first_index, first_index + 1, ...
  std::vector<core::Bytes> records;  // EncodeEvent(events[i])
  std::vector<MerkleNode> nodes;     // stored-level Merkle nodes this batch completed
  StoredCheckpoint latest;           // signed checkpoint of the tree after this batch
  bool add_to_history = false;       // also keep `latest` in the checkpoint history
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  virtual core::Result<std::optional<LedgerMeta>> ReadMeta() = 0;
  // Written once, when the ledger is created; AlreadyExists if there is one.
  virtual core::Status WriteMeta(const LedgerMeta& meta) = 0;

  virtual core::Status Commit(const CommitBatch& batch) = 0;

  // Number of stored events (rows), whatever their content.
  virtual core::Result<uint64_t> CountEvents() = 0;
  // Visits stored records in storage-key order for keys in [from, to); stops when visit returns
  // false. `key` is the storage key, which in an intact ledger equals the event index.
  virtual core::Status ScanEvents(
      uint64_t from, uint64_t to,
      const std::function<bool(uint64_t key, core::ByteSpan record)>& visit) = 0;

  virtual core::Result<std::optional<Hash>> ReadNode(uint32_t level, uint64_t index) = 0;
  virtual core::Status ScanNodes(const std::function<bool(const MerkleNode&)>& visit) = 0;

  virtual core::Result<std::optional<StoredCheckpoint>> LatestCheckpoint() = 0;
  virtual core::Result<std::vector<StoredCheckpoint>> CheckpointHistory() = 0;
  // Adds a checkpoint to the history (explicit `ledger checkpoint`); durable on return.
  virtual core::Status AddCheckpoint(const StoredCheckpoint& checkpoint) = 0;
};

}  // namespace custodian::ledger
