// Ledger: the per-site, append-only, tamper-evident log of events (PRODUCT.md §3.1).
//
// Appends are durable before Append returns. Concurrent appenders are batched (group commit): each
// queues its events, which get their indices and time in queue order; the first waiting writer
// becomes the leader, takes every queued event (up to max_batch), chains and hashes them, extends
// the Merkle tree, signs a checkpoint of the new tree and hands the batch to the LedgerStore as one
// transaction; the followers wake with their results. One fsync thus covers many events.
//
// Invariants: indices are gap-free from 0; event i's prev_hash is the leaf hash of event i-1; every
// committed batch carries a signed checkpoint of the tree after it, so the stored tail is anchored
// by a signature. Fail closed (PRODUCT.md §4): after any storage failure (of an append or of a
// checkpoint) the ledger refuses every further append until it is reopened, because the state of
// the failed write on disk is unknown.
//
// Thread-safety: all methods are safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/wait_word.h"
#include "ledger/hash.h"
#include "ledger/ledger_store.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/record.h"

namespace custodian::ledger {

// Merkle nodes at this level and above are stored; lower ones are recomputed from at most 2^8
// records when a proof needs them. Keeps the node table at ~1/128 of the event count.
inline constexpr uint32_t kStoredNodeLevel = 8;
// A commit that crosses a multiple of this many events also keeps its checkpoint in the history.
inline constexpr uint64_t kCheckpointHistoryEvery = 4096;

std::string OriginForSite(std::string_view site);

struct EventDraft {
  std::string actor;
  std::string kind;
  std::vector<std::string> subjects;
  std::string payload;
};

struct Appended {
  uint64_t index = 0;
  int64_t time_us = 0;
  Hash leaf_hash{};
};

struct LedgerOptions {
  size_t max_batch = 1024;
  // How long a leader may wait for the writers of the previous batch to queue again, so that
  // batches stay full under steady concurrency instead of alternating full and half-empty. Only
  // applies when recent batches had more than one writer; a lone writer never waits.
  std::chrono::microseconds max_linger{200};
};

// Perfect-subtree hashes served from a LedgerStore: stored nodes for high levels, recomputed from
// the records below kStoredNodeLevel. Not thread-safe (it caches the last block it read).
class StoreNodeSource final : public NodeSource {
 public:
  explicit StoreNodeSource(LedgerStore& store) : store_(store) {}
  core::Result<Hash> PerfectSubtree(uint32_t level, uint64_t index) override;

 private:
  core::Status LoadBlock(uint64_t block);
  LedgerStore& store_;
  uint64_t cached_block_ = UINT64_MAX;
  std::vector<Hash> cached_leaves_;
};

class Ledger {
  struct Writer;  // one queued append (ledger.cc)

 public:
  // Opens the ledger kept in `store`; an empty store becomes a new ledger for `site_if_new`.
  // The signer's key name must be the ledger's origin. Refuses (DataLoss) to open a ledger whose
  // stored tail does not match its latest signed checkpoint.
  static core::Result<std::unique_ptr<Ledger>> Open(LedgerStore& store, const NoteSigner& signer,
                                                    const core::Clock& clock,
                                                    std::string_view site_if_new,
                                                    LedgerOptions options = {});

  // Appends one event; returns once it is durable. Thread-safe; concurrent calls share commits.
  // An error after the draft was accepted means "in doubt", not "did not happen": the storage
  // failure may have struck after the data reached the disk (e.g. a failed fsync), so the event
  // can be present after the ledger is reopened. Callers that must know look it up then.
  core::Result<Appended> Append(EventDraft draft);
  // Appends several events atomically: all in one transaction with consecutive indices, or none
  // (a draft that fails validation rejects them all). Same durability and "in doubt" rule.
  // Equivalent to Await(Enqueue(drafts)).
  core::Result<std::vector<Appended>> AppendAll(std::vector<EventDraft> drafts);

  // AppendAll in two halves, for a caller that must fix the order of its events before it waits
  // for them (app::Agency decides the next event on a state that includes the queued ones).
  // Enqueue validates the drafts and queues them behind every earlier append: their indices and
  // time are assigned now (ticket.appended(); leaf hashes come with Await), nothing is durable
  // yet. Await returns once they are durable or have failed, committing a batch itself when its
  // turn to lead comes, so every ticket must be awaited, promptly: later appends wait for it.
  // Between the two a caller may release its own locks but must not wait for anything that could
  // itself be waiting for this ledger.
  class Ticket {
   public:
    // Index and time of each event (leaf hashes are set only once the ticket is done).
    const std::vector<Appended>& appended() const;
    // Whether the batch holding these events has been committed or has failed. Tickets are done
    // in the order they were enqueued: a done ticket means every earlier one is done too.
    bool done() const;
    // Once done(): OK when the events are durable, the storage failure ("in doubt") otherwise.
    const core::Status& status() const;

   private:
    friend class Ledger;
    explicit Ticket(std::shared_ptr<Writer> w) : w_(std::move(w)) {}
    std::shared_ptr<Writer> w_;
  };
  core::Result<Ticket> Enqueue(std::vector<EventDraft> drafts);
  core::Result<std::vector<Appended>> Await(const Ticket& ticket);

  // Batches committed to the store since Open (each one transaction, one fsync of the WAL).
  uint64_t commits() const;

  uint64_t size() const;
  Hash root() const;
  const LedgerMeta& meta() const { return meta_; }
  const NoteVerifier& verifier() const { return verifier_; }
  // OK while appends are accepted; the storage failure that stopped the ledger otherwise.
  core::Status health() const;

  // Signs a checkpoint of the current tree, keeps it in the history and returns it.
  core::Result<StoredCheckpoint> Checkpoint();
  core::Result<Hash> RootAt(uint64_t size);
  core::Result<Hash> LeafHashAt(uint64_t index);
  core::Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);
  core::Result<std::vector<Hash>> ConsistencyProof(uint64_t from, uint64_t to);

 private:
  Ledger(LedgerStore& store, const NoteSigner& signer, const core::Clock& clock, LedgerMeta meta,
         LedgerOptions options);
  core::Status Load();
  core::Result<std::string> SignTree(uint64_t size, const Hash& root) const;
  core::Status CheckTreeSize(uint64_t size) const;  // InvalidArgument past the ledger's end

  LedgerStore& store_;
  const NoteSigner& signer_;
  NoteVerifier verifier_;
  const core::Clock& clock_;
  const LedgerMeta meta_;
  const LedgerOptions options_;

  mutable std::mutex mu_;                        // guards everything below
  std::deque<std::shared_ptr<Writer>> writers_;  // front is the leader
  uint64_t next_index_ = 0;                      // index of the next event enqueued
  uint64_t commits_ = 0;                         // batches committed since Open
  std::condition_variable leader_cv_;            // wakes a lingering leader when a writer queues
  core::WaitWord wake_;                          // bumped once per committed batch
  size_t expected_batch_ = 1;                    // recent batch size the leader lingers for
  MerkleFrontier frontier_;                      // tree after the last committed batch
  Hash last_leaf_{};                             // leaf hash of the last committed event
  core::Status stopped_;                         // non-ok after a storage failure

  std::mutex read_mu_;  // serialises proof reads through the node source
  StoreNodeSource node_source_;
};

}  // namespace custodian::ledger
