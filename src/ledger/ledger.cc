#include "ledger/ledger.h"

#include <atomic>
#include <bit>

namespace custodian::ledger {

using core::Result;
using core::Status;

std::string OriginForSite(std::string_view site) { return "custodian/" + std::string(site); }

// ---------------------------------------------------------------------------------------------
// StoreNodeSource

Status StoreNodeSource::LoadBlock(uint64_t block) {
  const uint64_t width = uint64_t{1} << kStoredNodeLevel;
  const uint64_t from = block * width;
  cached_leaves_.clear();
  cached_block_ = UINT64_MAX;
  uint64_t expect = from;
  Status bad;
  CUSTODIAN_RETURN_IF_ERROR(
      store_.ScanEvents(from, from + width, [&](uint64_t key, core::ByteSpan record) {
        if (key != expect) {
          bad = core::DataLossError("event " + std::to_string(expect) + " is missing");
          return false;
        }
        ++expect;
        cached_leaves_.push_back(LeafHash(record));
        return true;
      }));
  CUSTODIAN_RETURN_IF_ERROR(bad);
  cached_block_ = block;
  return Status::Ok();
}

Result<Hash> StoreNodeSource::PerfectSubtree(uint32_t level, uint64_t index) {
  if (level >= kStoredNodeLevel) {
    CUSTODIAN_ASSIGN_OR_RETURN(auto node, store_.ReadNode(level, index));
    if (!node) {
      return core::DataLossError("stored Merkle node (level " + std::to_string(level) + ", index " +
                                 std::to_string(index) + ") is missing");
    }
    return *node;
  }
  const uint64_t first = index << level;
  const uint64_t block = first >> kStoredNodeLevel;
  const uint64_t offset = first - (block << kStoredNodeLevel);
  const uint64_t count = uint64_t{1} << level;
  // The tail block grows with every append, so a cached copy that is too short is re-read.
  if (block != cached_block_ || offset + count > cached_leaves_.size()) {
    CUSTODIAN_RETURN_IF_ERROR(LoadBlock(block));
  }
  if (offset + count > cached_leaves_.size()) {
    return core::DataLossError("events " + std::to_string(first + cached_leaves_.size() - offset) +
                               " onwards are missing");
  }
  // Fold the 2^level leaves pairwise, level by level.
  std::vector<Hash> row(cached_leaves_.begin() + static_cast<long>(offset),
                        cached_leaves_.begin() + static_cast<long>(offset + count));
  while (row.size() > 1) {
    for (size_t i = 0; i < row.size() / 2; ++i) row[i] = NodeHash(row[2 * i], row[2 * i + 1]);
    row.resize(row.size() / 2);
  }
  return row[0];
}

// ---------------------------------------------------------------------------------------------
// Ledger

// One waiting append, shared between its writer and the leader that commits it (so the leader may
// still touch it after the writer returned), and read through its Ticket by whoever holds one.
// Followers sleep on the ledger's wake_ word and are woken together by one system call per batch,
// and never take a mutex on the way out: on a virtual machine each wake-up and each contended lock
// costs tens of microseconds, and waking fifteen followers one by one cost more than the fsync they
// were waiting for.
struct Ledger::Writer {
  enum State : int { kWaiting, kLead, kDone };
  std::vector<Event> events;  // validated, indexed and timed at Enqueue; moved out by the leader
  std::vector<Appended> appended;  // index and time from Enqueue, leaf hash from the leader
  core::Status status = core::InternalError("not yet committed");
  std::atomic<int> state{kWaiting};  // written by the leader after `appended` and `status`
};

const std::vector<Appended>& Ledger::Ticket::appended() const { return w_->appended; }
bool Ledger::Ticket::done() const {
  return w_->state.load(std::memory_order_acquire) == Writer::kDone;
}
const core::Status& Ledger::Ticket::status() const { return w_->status; }

Ledger::Ledger(LedgerStore& store, const NoteSigner& signer, const core::Clock& clock,
               LedgerMeta meta, LedgerOptions options)
    : store_(store),
      signer_(signer),
      verifier_(signer.Verifier()),
      clock_(clock),
      meta_(std::move(meta)),
      options_(options),
      node_source_(store) {}

Result<std::unique_ptr<Ledger>> Ledger::Open(LedgerStore& store, const NoteSigner& signer,
                                             const core::Clock& clock, std::string_view site_if_new,
                                             LedgerOptions options) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto meta, store.ReadMeta());
  if (!meta) {
    if (!IsValidSiteCode(site_if_new)) {
      return core::InvalidArgumentError("site code must be 1-64 of A-Z a-z 0-9 . _ -, got \"" +
                                        std::string(site_if_new) + "\"");
    }
    meta = LedgerMeta{std::string(site_if_new), OriginForSite(site_if_new)};
    CUSTODIAN_RETURN_IF_ERROR(store.WriteMeta(*meta));
  }
  if (signer.name() != meta->origin) {
    return core::FailedPreconditionError("the site key is named \"" + signer.name() +
                                         "\" but this ledger's origin is \"" + meta->origin + "\"");
  }
  std::unique_ptr<Ledger> ledger(new Ledger(store, signer, clock, *meta, options));
  CUSTODIAN_RETURN_IF_ERROR(ledger->Load());
  return ledger;
}

Status Ledger::Load() {
  CUSTODIAN_ASSIGN_OR_RETURN(uint64_t n, store_.CountEvents());
  CUSTODIAN_ASSIGN_OR_RETURN(auto latest, store_.LatestCheckpoint());
  next_index_ = n;
  if (n == 0 && !latest) {
    frontier_ = MerkleFrontier();
    last_leaf_ = Hash{};
    return Status::Ok();
  }
  const std::string refuse = "refusing to append to ledger \"" + meta_.origin + "\": ";
  if (!latest) {
    return core::DataLossError(refuse + std::to_string(n) +
                               " events are stored but no signed checkpoint covers them; run "
                               "`custodian ledger verify`");
  }
  auto checkpoint = OpenCheckpoint(latest->note, verifier_);
  if (!checkpoint) {
    return core::DataLossError(
        refuse + "the latest checkpoint does not verify: " + checkpoint.error().message());
  }
  if (checkpoint->size != n) {
    return core::DataLossError(refuse + std::to_string(n) + " events are stored but the latest " +
                               "signed checkpoint covers " + std::to_string(checkpoint->size) +
                               "; run `custodian ledger verify`");
  }
  std::vector<Hash> subtrees;
  uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    if ((n >> level & 1) == 0) continue;
    auto h = node_source_.PerfectSubtree(static_cast<uint32_t>(level), start >> level);
    if (!h) return core::DataLossError(refuse + h.error().message());
    subtrees.push_back(*h);
    start += uint64_t{1} << level;
  }
  CUSTODIAN_ASSIGN_OR_RETURN(frontier_, MerkleFrontier::FromSubtrees(n, std::move(subtrees)));
  if (frontier_.Root() != checkpoint->root) {
    return core::DataLossError(refuse + "the stored events do not match the latest signed " +
                               "checkpoint; run `custodian ledger verify`");
  }
  Status bad;
  CUSTODIAN_RETURN_IF_ERROR(store_.ScanEvents(n - 1, n, [&](uint64_t, core::ByteSpan record) {
    auto e = DecodeEvent(record);
    if (!e || e->index != n - 1) bad = core::DataLossError(refuse + "the last event is damaged");
    last_leaf_ = LeafHash(record);
    return false;
  }));
  return bad;
}

Result<std::string> Ledger::SignTree(uint64_t size, const Hash& root) const {
  struct Checkpoint c;
  c.origin = meta_.origin;
  c.size = size;
  c.root = root;
  return SignCheckpoint(c, signer_);
}

uint64_t Ledger::size() const {
  std::lock_guard l(mu_);
  return frontier_.size();
}

Hash Ledger::root() const {
  std::lock_guard l(mu_);
  return frontier_.Root();
}

Status Ledger::health() const {
  std::lock_guard l(mu_);
  return stopped_;
}

Result<Appended> Ledger::Append(EventDraft draft) {
  std::vector<EventDraft> drafts;
  drafts.push_back(std::move(draft));
  CUSTODIAN_ASSIGN_OR_RETURN(auto appended, AppendAll(std::move(drafts)));
  return appended.front();
}

uint64_t Ledger::commits() const {
  std::lock_guard l(mu_);
  return commits_;
}

Result<std::vector<Appended>> Ledger::AppendAll(std::vector<EventDraft> drafts) {
  if (drafts.empty()) return std::vector<Appended>();
  CUSTODIAN_ASSIGN_OR_RETURN(Ticket ticket, Enqueue(std::move(drafts)));
  return Await(ticket);
}

Result<Ledger::Ticket> Ledger::Enqueue(std::vector<EventDraft> drafts) {
  auto w = std::make_shared<Writer>();
  // Validated before it queues: a bad draft fails its writer alone (and all of its drafts), and
  // the indices of everything queued after it stay what Enqueue said.
  w->events.resize(drafts.size());
  for (size_t k = 0; k < drafts.size(); ++k) {
    Event& e = w->events[k];
    EventDraft& d = drafts[k];
    e.site = meta_.site;
    e.actor = std::move(d.actor);
    e.kind = std::move(d.kind);
    e.subjects = std::move(d.subjects);
    e.payload = std::move(d.payload);
    if (Status bad = ValidateEvent(e); !bad.ok()) {
      if (drafts.size() > 1) {
        bad = bad.Annotate("event " + std::to_string(k + 1) + " of " +
                           std::to_string(drafts.size()) + " (none recorded)");
      }
      return bad;
    }
  }
  w->appended.resize(w->events.size());
  std::lock_guard l(mu_);
  // Time is read in queue order, so it never decreases along the indices (unless the clock does).
  const int64_t now = clock_.NowMicros();
  for (size_t k = 0; k < w->events.size(); ++k) {
    w->events[k].index = next_index_ + k;
    w->events[k].time_us = now;
    w->appended[k] = Appended{next_index_ + k, now, Hash{}};
  }
  next_index_ += w->events.size();
  writers_.push_back(w);
  if (writers_.size() == 1) {
    w->state.store(Writer::kLead, std::memory_order_relaxed);  // nobody leads: this writer will
  } else if (writers_.size() >= expected_batch_) {
    leader_cv_.notify_one();
  }
  return Ticket(std::move(w));
}

Result<std::vector<Appended>> Ledger::Await(const Ticket& ticket) {
  const std::shared_ptr<Writer>& w = ticket.w_;
  int state;
  for (;;) {
    const uint32_t seen = wake_.Load();
    state = w->state.load(std::memory_order_acquire);
    if (state != Writer::kWaiting) break;
    wake_.WaitWhileEquals(seen);
  }
  if (state == Writer::kDone) {
    if (!w->status.ok()) return w->status;
    return w->appended;
  }

  // kLead: this writer commits every queued writer (up to max_batch) in one transaction.
  // Linger (bounded) until as many writers queue as in recent batches; adapt down on timeout.
  std::unique_lock l(mu_);
  if (expected_batch_ > 1 && writers_.size() < expected_batch_) {
    if (!leader_cv_.wait_for(l, options_.max_linger,
                             [&] { return writers_.size() >= expected_batch_; })) {
      expected_batch_ = std::max<size_t>(1, writers_.size());
    }
  }
  std::vector<std::shared_ptr<Writer>> group;
  size_t drafts_in_group = 0;
  for (const auto& x : writers_) {
    // A writer's drafts are never split; a batch may exceed max_batch by one writer's drafts.
    if (!group.empty() && drafts_in_group + x->events.size() > options_.max_batch) break;
    group.push_back(x);
    drafts_in_group += x->events.size();
  }
  expected_batch_ = std::max(expected_batch_, group.size());
  Status status = stopped_;
  CommitBatch batch;
  MerkleFrontier frontier = frontier_;
  Hash last_leaf = last_leaf_;
  l.unlock();  // New writers may queue while this batch is built and written.

  if (status.ok()) {
    const uint64_t first = frontier.size();
    batch.first_index = first;
    std::vector<MerkleNode> completed;
    for (const auto& x : group) {
      for (size_t k = 0; k < x->events.size(); ++k) {
        Event& e = x->events[k];
        // Enqueue numbered the queue from the size of the tree; batches commit in queue order.
        if (e.index != first + batch.events.size()) {
          status = core::InternalError("ledger queue out of order: event " +
                                       std::to_string(e.index) + " where " +
                                       std::to_string(first + batch.events.size()) + " belongs");
          break;
        }
        e.prev_hash = last_leaf;
        core::Bytes record = EncodeEvent(e);
        last_leaf = LeafHash(record);
        completed.clear();
        frontier.Append(last_leaf, &completed);
        for (const MerkleNode& node : completed) {
          if (node.level >= kStoredNodeLevel) batch.nodes.push_back(node);
        }
        x->appended[k].leaf_hash = last_leaf;
        batch.events.push_back(std::move(e));
        batch.records.push_back(std::move(record));
      }
      if (!status.ok()) break;
    }
    if (status.ok() && !batch.events.empty()) {
      auto note = SignTree(frontier.size(), frontier.Root());
      if (!note) {
        status = note.error();
      } else {
        batch.latest = StoredCheckpoint{frontier.size(), std::move(*note)};
        batch.add_to_history =
            first / kCheckpointHistoryEvery != frontier.size() / kCheckpointHistoryEvery;
        status = store_.Commit(batch);
        if (!status.ok()) {
          status = core::UnavailableError("the ledger could not make events durable (" +
                                          status.ToString() +
                                          "); it refuses further appends until it is reopened");
        }
      }
    }
  }

  // Results and states are published under the lock, in queue order, before the batch leaves the
  // queue: whoever queues next, or sees a later ticket done, sees this batch done too.
  std::shared_ptr<Writer> next_leader;
  l.lock();
  if (status.ok()) {
    frontier_ = std::move(frontier);
    last_leaf_ = last_leaf;
    ++commits_;
  } else if (stopped_.ok()) {
    stopped_ = status;
  }
  for (const auto& x : group) {
    x->status = status;
    x->state.store(Writer::kDone, std::memory_order_release);
  }
  writers_.erase(writers_.begin(), writers_.begin() + static_cast<long>(group.size()));
  if (!writers_.empty()) {
    next_leader = writers_.front();
    next_leader->state.store(Writer::kLead, std::memory_order_release);
  }
  l.unlock();
  // One broadcast wakes the followers and the next leader together.
  wake_.BumpAndWakeAll();
  if (!status.ok()) return status;
  return w->appended;
}

Result<StoredCheckpoint> Ledger::Checkpoint() {
  uint64_t n;
  Hash root;
  {
    std::lock_guard l(mu_);
    n = frontier_.size();
    root = frontier_.Root();
  }
  CUSTODIAN_ASSIGN_OR_RETURN(auto note, SignTree(n, root));
  StoredCheckpoint c{n, std::move(note)};
  if (Status s = store_.AddCheckpoint(c); !s.ok()) {
    // Fail closed like a failed append: the store's state is unknown until it is reopened.
    s = core::UnavailableError("the ledger could not store a checkpoint (" + s.ToString() +
                               "); it refuses further appends until it is reopened");
    std::lock_guard l(mu_);
    if (stopped_.ok()) stopped_ = s;
    return s;
  }
  return c;
}

Status Ledger::CheckTreeSize(uint64_t size) const {
  const uint64_t have = this->size();
  if (size <= have) return Status::Ok();
  return core::InvalidArgumentError("tree size " + std::to_string(size) +
                                    " is larger than the ledger (" + std::to_string(have) +
                                    " events)");
}

Result<Hash> Ledger::RootAt(uint64_t size) {
  CUSTODIAN_RETURN_IF_ERROR(CheckTreeSize(size));
  std::lock_guard l(read_mu_);
  return ledger::RootAt(node_source_, size);
}

Result<Hash> Ledger::LeafHashAt(uint64_t index) {
  if (index >= size()) {
    return core::InvalidArgumentError("no event " + std::to_string(index) + " in a ledger of " +
                                      std::to_string(size()) + " events");
  }
  std::lock_guard l(read_mu_);
  return node_source_.PerfectSubtree(0, index);
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t index, uint64_t size) {
  CUSTODIAN_RETURN_IF_ERROR(CheckTreeSize(size));
  std::lock_guard l(read_mu_);
  return ledger::InclusionProof(node_source_, index, size);
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t from, uint64_t to) {
  CUSTODIAN_RETURN_IF_ERROR(CheckTreeSize(to));
  std::lock_guard l(read_mu_);
  return ledger::ConsistencyProof(node_source_, from, to);
}

}  // namespace custodian::ledger
