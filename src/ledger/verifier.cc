#include "ledger/verifier.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/record.h"

namespace custodian::ledger {

LogVerifier::LogVerifier(std::vector<VerifyAnchor> anchors) : anchors_(std::move(anchors)) {
  std::stable_sort(anchors_.begin(), anchors_.end(),
                   [](const VerifyAnchor& a, const VerifyAnchor& b) { return a.size < b.size; });
  // An anchor for the empty log can only be checked against the empty root.
  while (next_anchor_ < anchors_.size() && anchors_[next_anchor_].size == 0) {
    if (anchors_[next_anchor_].root != EmptyRoot()) {
      Fail(0, anchors_[next_anchor_].source + " claims an empty log with a wrong root");
      return;
    }
    ++next_anchor_;
  }
}

void LogVerifier::Fail(uint64_t index, std::string message) {
  if (done_) return;
  done_ = true;
  report_.status = core::DataLossError(std::move(message));
  report_.first_bad_index = index;
}

void LogVerifier::ResolveBrokenLink(const Hash* next_prev) {
  const BrokenLink& b = *broken_;
  const std::string p = std::to_string(b.position);
  const std::string before = std::to_string(b.position - 1);
  auto blame_previous = [&] {
    Fail(b.position - 1, "event " + before + " was altered: its hash no longer matches the " +
                             "prev_hash recorded in event " + p);
  };
  auto blame_this = [&] {
    Fail(b.position, "event " + p + " was altered: its prev_hash does not match event " + before);
  };
  if (next_prev != nullptr) {
    // The next record still links to this one, so this one is intact: the change is before it.
    if (*next_prev == b.leaf)
      blame_previous();
    else
      blame_this();
    return;
  }
  // Last event: ask the checkpoint that covers the whole log which of the two it signed.
  for (size_t i = next_anchor_; i < anchors_.size(); ++i) {
    if (anchors_[i].size != b.position + 1) continue;
    MerkleFrontier alt = PreviousFrontier();
    alt.Append(b.claimed_prev);
    alt.Append(b.leaf);
    if (alt.Root() == anchors_[i].root)
      blame_previous();
    else
      blame_this();
    return;
  }
  Fail(b.position, "the hash chain breaks between events " + before + " and " + p +
                       " (no checkpoint covers the end of the log to tell which was altered)");
}

bool LogVerifier::CheckAnchorsAtPosition() {
  while (next_anchor_ < anchors_.size() && anchors_[next_anchor_].size == position_) {
    const VerifyAnchor& a = anchors_[next_anchor_++];
    if (frontier_.Root() != a.root) {
      const uint64_t last = position_ - 1;
      Fail(last, "the first " + std::to_string(a.size) + " events do not match " + a.source +
                     ": event " + std::to_string(last) +
                     " was altered, or events before it were rewritten and re-chained");
      return false;
    }
  }
  return true;
}

const MerkleFrontier& LogVerifier::PreviousFrontier() {
  if (previous_frontier_stale_) {
    previous_frontier_ = block_base_;
    for (size_t i = 0; i + 1 < block_leaves_.size(); ++i)
      previous_frontier_.Append(block_leaves_[i]);
    previous_frontier_stale_ = false;
  }
  return previous_frontier_;
}

Hash LogVerifier::BlockSubtree(const Block& block, uint64_t start, uint32_t level, size_t offset) {
  if (level == 0) return block.leaves[offset];
  uint32_t from = 0;
  if (level >= kGroupLevel) {
    from = kGroupLevel;
    const auto first = block.group_roots.begin() + static_cast<ptrdiff_t>(offset >> kGroupLevel);
    scratch_.assign(first, first + (ptrdiff_t{1} << (level - kGroupLevel)));
  } else {
    const auto first = block.leaves.begin() + static_cast<ptrdiff_t>(offset);
    scratch_.assign(first, first + (ptrdiff_t{1} << level));
  }
  for (uint32_t l = from + 1; l <= level; ++l) {
    const size_t n = scratch_.size() / 2;
    for (size_t i = 0; i < n; ++i) scratch_[i] = NodeHash(scratch_[2 * i], scratch_[2 * i + 1]);
    scratch_.resize(n);
    if (l < kStoredNodeLevel || l == level) continue;  // the subtree itself: see AddBlock
    for (size_t i = 0; i < n; ++i) nodes_.push_back({l, ((start + offset) >> l) + i, scratch_[i]});
  }
  return scratch_[0];
}

bool LogVerifier::AddBlock(const Block& block) {
  const uint64_t start = position_;
  const size_t n = block.records.size();
  bool fast = !done_ && !broken_ && block.linked && n > 0 && n <= kBlockLeaves &&
              block.leaves.size() == n && block.group_roots.size() == n / kGroupLeaves &&
              start % kBlockLeaves == 0 &&
              (next_anchor_ == anchors_.size() || anchors_[next_anchor_].size > start);
  if (fast) {
    const core::Result<EventView> first = ParseEvent(block.records[0]);
    fast = first && first->index == start &&
           std::memcmp(first->prev_hash, last_leaf_.data(), last_leaf_.size()) == 0;
  }
  if (!fast) {
    for (size_t i = 0; i < n; ++i) {
      if (!Add(ParseEvent(block.records[i]), block.leaves[i])) return false;
    }
    return !done_;
  }
  block_base_ = frontier_;
  block_leaves_.assign(block.leaves.begin(), block.leaves.end());
  previous_frontier_stale_ = true;
  second_last_leaf_ = n >= 2 ? block.leaves[n - 2] : last_leaf_;
  last_leaf_ = block.leaves[n - 1];
  // Append the block as the largest aligned perfect subtrees that fit, stopping at every
  // checkpoint inside it to compare roots, as record by record would.
  size_t appended = 0;
  while (appended < n) {
    size_t stop = n;
    if (next_anchor_ < anchors_.size() && anchors_[next_anchor_].size < start + n) {
      stop = static_cast<size_t>(anchors_[next_anchor_].size - start);
    }
    while (appended < stop) {
      uint32_t level = kBlockLevel;
      while (appended % (size_t{1} << level) != 0 || appended + (size_t{1} << level) > stop) {
        --level;
      }
      const Hash root = BlockSubtree(block, start, level, appended);
      completed_.clear();
      (void)frontier_.AppendSubtree(level, root, &completed_);
      for (const MerkleNode& node : completed_) {
        if (node.level >= kStoredNodeLevel) nodes_.push_back(node);
      }
      appended += size_t{1} << level;
    }
    position_ = start + appended;
    if (!CheckAnchorsAtPosition()) return false;
  }
  return true;
}

bool LogVerifier::Add(const core::Result<EventView>& event, const Hash& leaf) {
  if (done_) return false;
  const uint64_t pos = position_;
  const std::string p = broken_ || !event || event->index != pos ? std::to_string(pos) : "";
  if (broken_) {
    Hash prev{};
    if (event) std::memcpy(prev.data(), event->prev_hash, 32);
    ResolveBrokenLink(event ? &prev : nullptr);
    return false;
  }
  if (!event) {
    Fail(pos, "event " + p + " cannot be decoded: " + event.error().message());
    return false;
  }
  if (event->index != pos) {
    const std::string idx = std::to_string(event->index);
    if (event->index > pos) {
      Fail(pos, "event " + p + " is missing: the event stored after event " +
                    std::to_string(pos - 1) + " has index " + idx);
    } else if (event->index + 1 == pos && pos >= 1 && leaf == last_leaf_) {
      Fail(pos, "event " + idx + " is stored twice (again at position " + p + ")");
    } else if (event->index + 1 == pos && pos >= 2 &&
               std::memcmp(event->prev_hash, second_last_leaf_.data(), 32) == 0) {
      Fail(pos - 1, "event " + std::to_string(pos - 1) +
                        " was inserted: the event stored after "
                        "it also has index " +
                        idx + " and links to event " + std::to_string(pos - 2));
    } else {
      Fail(pos, "position " + p + " holds event " + idx + ": events are missing or out of order");
    }
    return false;
  }
  if (std::memcmp(event->prev_hash, last_leaf_.data(), 32) != 0) {
    if (pos == 0) {
      Fail(0, "event 0 was altered: its prev_hash must be all zeros");
      return false;
    }
    broken_ = BrokenLink{pos, leaf, {}};
    std::memcpy(broken_->claimed_prev.data(), event->prev_hash, 32);
    ++position_;
    return true;  // one more record decides which of the two events was altered
  }
  previous_frontier_ = frontier_;
  previous_frontier_stale_ = false;
  completed_.clear();
  frontier_.Append(leaf, &completed_);
  for (const MerkleNode& n : completed_) {
    if (n.level >= kStoredNodeLevel) nodes_.push_back(n);
  }
  second_last_leaf_ = last_leaf_;
  last_leaf_ = leaf;
  ++position_;
  return CheckAnchorsAtPosition();
}

VerifyReport LogVerifier::Finish() {
  if (broken_ && !done_) ResolveBrokenLink(nullptr);
  if (!done_ && next_anchor_ < anchors_.size()) {
    const VerifyAnchor& a = anchors_.back();
    Fail(position_, "the log has " + std::to_string(position_) + " events but " + a.source +
                        " covers " + std::to_string(a.size) + ": events from index " +
                        std::to_string(position_) +
                        " on are missing (truncated, or restored from an older copy)");
  }
  done_ = true;
  report_.events = position_;
  if (report_.status.ok()) report_.root = frontier_.Root();
  return report_;
}

namespace {

// RFC 6962: a leaf hash is SHA-256(0x00 || record). Keeping each copied record behind this byte
// makes its leaf hash a single SHA-256 call over contiguous bytes, which is measurably cheaper
// than LeafHash's two updates.
constexpr uint8_t kLeafPrefix = 0x00;

// Blocks are hashed and checked in chunks of one group (32 records), claimed by whichever thread
// is free, so that the reader and the worker share the work whatever its mix of reading and
// hashing.
constexpr size_t kChunkLeaves = LogVerifier::kGroupLeaves;
static_assert(LogVerifier::kGroupLevel < kStoredNodeLevel);

// Up to kBlockLeaves records copied out of the scan, at an aligned position.
class Block {
 public:
  void Reset(uint64_t start) {
    start_ = start;
    bytes_.clear();
    offsets_.clear();
    next_chunk_ = 0;
    chunks_done_ = 0;
  }
  void Append(core::ByteSpan record) {
    offsets_.push_back(bytes_.size());
    bytes_.push_back(kLeafPrefix);
    bytes_.insert(bytes_.end(), record.begin(), record.end());
  }
  size_t filling() const { return offsets_.size(); }
  // No more records: sizes everything the chunks fill in.
  void Seal() {
    offsets_.push_back(bytes_.size());
    const size_t n = offsets_.size() - 1;
    records_.resize(n);
    leaves_.resize(n);
    group_roots_.resize(n / kChunkLeaves);
    chunks_.assign((n + kChunkLeaves - 1) / kChunkLeaves, Chunk{});
  }

  // Scheduling, guarded by the pipeline's mutex.
  bool Unclaimed() const { return next_chunk_ < chunks_.size(); }
  size_t Claim() { return next_chunk_++; }
  bool ChunkDone() { return ++chunks_done_ == chunks_.size(); }
  bool Complete() const { return chunks_done_ == chunks_.size(); }

  // On any thread, once per chunk: leaf hashes, the checks of LogVerifier::Block::linked inside
  // the chunk, and the group's root if the chunk is whole.
  void HashChunk(size_t c) {
    const size_t begin = c * kChunkLeaves;
    const size_t end = std::min(begin + kChunkLeaves, records_.size());
    Chunk& chunk = chunks_[c];
    bool linked = true;
    for (size_t i = begin; i < end; ++i) {
      const core::ByteSpan prefixed(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
      records_[i] = prefixed.subspan(1);
      leaves_[i] = Sha256(prefixed);
      if (!linked) continue;  // the verifier will look at each record anyway
      const core::Result<EventView> event = ParseEvent(records_[i]);
      linked = event && event->index == start_ + i;
      if (!linked) continue;
      if (i == begin) {
        chunk.first_prev = event->prev_hash;
      } else {
        linked = std::memcmp(event->prev_hash, leaves_[i - 1].data(), kHashSize) == 0;
      }
    }
    chunk.linked = linked;
    if (end - begin < kChunkLeaves) return;
    Hash level[kChunkLeaves / 2];
    for (size_t i = 0; i < kChunkLeaves / 2; ++i) {
      level[i] = NodeHash(leaves_[begin + 2 * i], leaves_[begin + 2 * i + 1]);
    }
    for (size_t n = kChunkLeaves / 4; n >= 1; n /= 2) {
      for (size_t i = 0; i < n; ++i) level[i] = NodeHash(level[2 * i], level[2 * i + 1]);
    }
    group_roots_[c] = level[0];
  }

  // Once every chunk is done: the block, with the links between its chunks checked.
  LogVerifier::Block Finish() const {
    bool linked = true;
    for (size_t c = 0; c < chunks_.size() && linked; ++c) {
      linked = chunks_[c].linked &&
               (c == 0 || std::memcmp(chunks_[c].first_prev, leaves_[c * kChunkLeaves - 1].data(),
                                      kHashSize) == 0);
    }
    return LogVerifier::Block{records_, leaves_, group_roots_, linked};
  }

 private:
  static constexpr size_t kHashSize = sizeof(Hash);
  struct Chunk {
    bool linked = false;
    const uint8_t* first_prev = nullptr;  // prev_hash of the chunk's first record
  };

  uint64_t start_ = 0;           // position of the first record
  core::Bytes bytes_;            // the records, each behind kLeafPrefix
  std::vector<size_t> offsets_;  // where each record's prefix starts; then, once sealed, the end
  std::vector<core::ByteSpan> records_;
  std::vector<Hash> leaves_;
  std::vector<Hash> group_roots_;
  std::vector<Chunk> chunks_;
  size_t next_chunk_ = 0;
  size_t chunks_done_ = 0;
};

// Verification is bound by reading and by hashing. The reader thread (the scan's) copies records
// into blocks; a worker hashes and checks their chunks as they come, and so does the reader
// whenever older blocks still have chunks left, before reading on; it then feeds complete blocks
// to the verifier in order.
class BatchPipeline {
 public:
  explicit BatchPipeline(LogVerifier& v)
      : verifier_(v), free_(std::move(spare_blocks_)), worker_([this] { Work(); }) {}
  ~BatchPipeline() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    worker_.join();
    spare_blocks_ = std::move(free_);
    for (auto& b : in_flight_) spare_blocks_.push_back(std::move(b));
    if (current_) spare_blocks_.push_back(std::move(current_));
  }
  // Adds a record; returns false once the verifier has its verdict.
  bool Add(core::ByteSpan record) {
    if (!current_) current_ = TakeFree();
    current_->Append(record);
    ++submitted_;
    if (current_->filling() < LogVerifier::kBlockLeaves) return true;
    Publish();
    return Drain(/*all=*/false);
  }
  void Finish() {
    if (finished_) return;
    if (current_) Publish();
    (void)Drain(/*all=*/true);
  }

 private:
  // Blocks published and not yet fed to the verifier, at most: two being hashed, one being read
  // meanwhile.
  static constexpr size_t kMaxInFlight = 3;

  std::unique_ptr<Block> TakeFree() {
    std::unique_ptr<Block> b;
    {
      std::lock_guard l(mu_);
      if (!free_.empty()) {
        b = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!b) b = std::make_unique<Block>();
    b->Reset(submitted_);
    return b;
  }
  void Publish() {
    current_->Seal();
    {
      std::lock_guard l(mu_);
      in_flight_.push_back(std::move(current_));
    }
    work_cv_.notify_one();
  }
  // Feeds complete blocks to the verifier, in order, and hashes chunks of blocks before the newest
  // (of every block if `all`) until there are none left to claim and fewer than kMaxInFlight
  // blocks are in flight (none if `all`). False once the verifier has its verdict.
  bool Drain(bool all) {
    std::unique_lock l(mu_);
    while (!finished_) {
      if (!in_flight_.empty() && in_flight_.front()->Complete()) {
        std::unique_ptr<Block> b = std::move(in_flight_.front());
        in_flight_.pop_front();
        l.unlock();
        if (!verifier_.AddBlock(b->Finish())) finished_ = true;
        l.lock();
        free_.push_back(std::move(b));
        continue;
      }
      const size_t help = in_flight_.size() - (all || in_flight_.empty() ? 0 : 1);
      Block* unclaimed = nullptr;
      for (size_t i = 0; i < help && unclaimed == nullptr; ++i) {
        if (in_flight_[i]->Unclaimed()) unclaimed = in_flight_[i].get();
      }
      if (unclaimed != nullptr) {
        const size_t c = unclaimed->Claim();
        l.unlock();
        unclaimed->HashChunk(c);
        l.lock();
        (void)unclaimed->ChunkDone();
        continue;
      }
      if (in_flight_.size() < (all ? 1 : kMaxInFlight)) break;
      // The worker is finishing the oldest block's last chunks.
      reader_waiting_ = true;
      done_cv_.wait(l);
      reader_waiting_ = false;
    }
    return !finished_;
  }
  void Work() {
    std::unique_lock l(mu_);
    while (!stop_) {
      Block* unclaimed = nullptr;
      for (const auto& b : in_flight_) {
        if (b->Unclaimed()) {
          unclaimed = b.get();
          break;
        }
      }
      if (unclaimed == nullptr) {
        work_cv_.wait(l);
        continue;
      }
      const size_t c = unclaimed->Claim();
      l.unlock();
      unclaimed->HashChunk(c);
      l.lock();
      if (unclaimed->ChunkDone() && reader_waiting_) done_cv_.notify_one();
    }
  }

  LogVerifier& verifier_;
  std::unique_ptr<Block> current_;  // being filled by the reader
  uint64_t submitted_ = 0;
  bool finished_ = false;
  std::mutex mu_;
  std::condition_variable work_cv_;               // the worker waits for chunks to hash
  std::condition_variable done_cv_;               // the reader waits for the oldest block
  std::deque<std::unique_ptr<Block>> in_flight_;  // in order
  std::vector<std::unique_ptr<Block>> free_;
  // The blocks of the last pipeline on this thread: verifying again in the same process (a server,
  // the benchmark) reuses their memory instead of faulting in fresh pages every time.
  static thread_local std::vector<std::unique_ptr<Block>> spare_blocks_;
  bool reader_waiting_ = false;
  bool stop_ = false;
  std::thread worker_;  // last: started once everything above exists
};

thread_local std::vector<std::unique_ptr<Block>> BatchPipeline::spare_blocks_;

}  // namespace

core::Status AddExternalAnchor(const std::optional<Checkpoint>& external,
                               const NoteVerifier& verifier, std::vector<VerifyAnchor>& anchors) {
  if (!external) return core::Status::Ok();
  if (external->origin != verifier.name()) {
    return core::DataLossError("the given checkpoint is for \"" + external->origin +
                               "\", not this ledger (\"" + verifier.name() + "\")");
  }
  anchors.push_back(VerifyAnchor{external->size, external->root, "the given checkpoint"});
  return core::Status::Ok();
}

core::Status FeedPipelined(
    LogVerifier& verifier,
    const std::function<core::Status(const std::function<bool(core::ByteSpan)>&)>& scan) {
  BatchPipeline pipeline(verifier);
  core::Status s = scan([&](core::ByteSpan record) { return pipeline.Add(record); });
  pipeline.Finish();
  return s;
}

VerifyReport VerifyStore(LedgerStore& store, const NoteVerifier& verifier,
                         const std::optional<Checkpoint>& external) {
  VerifyReport failed;
  auto fail = [&](core::Status s) {
    failed.status = s.code() == core::StatusCode::kDataLoss ? s : core::DataLossError(s.message());
    return failed;
  };
  std::vector<VerifyAnchor> anchors;
  auto add_stored = [&](const StoredCheckpoint& c, const std::string& what) -> core::Status {
    auto cp = OpenCheckpoint(c.note, verifier);
    if (!cp) return core::DataLossError(what + " does not verify: " + cp.error().message());
    if (cp->size != c.size) {
      return core::DataLossError(what + " is filed under size " + std::to_string(c.size) +
                                 " but signs size " + std::to_string(cp->size));
    }
    anchors.push_back(VerifyAnchor{cp->size, cp->root, what});
    return core::Status::Ok();
  };
  auto latest = store.LatestCheckpoint();
  if (!latest) return fail(latest.error());
  if (*latest) {
    auto s = add_stored(**latest, "the latest stored checkpoint");
    if (!s.ok()) return fail(s);
  }
  auto history = store.CheckpointHistory();
  if (!history) return fail(history.error());
  for (const auto& c : *history) {
    auto s = add_stored(c, "the stored checkpoint of size " + std::to_string(c.size));
    if (!s.ok()) return fail(s);
  }
  if (auto s = AddExternalAnchor(external, verifier, anchors); !s.ok()) return fail(s);

  LogVerifier v(std::move(anchors));
  core::Status scanned = FeedPipelined(v, [&](const std::function<bool(core::ByteSpan)>& add) {
    return store.ScanEvents(0, UINT64_MAX,
                            [&](uint64_t, core::ByteSpan record) { return add(record); });
  });
  if (!scanned.ok()) return fail(scanned);
  VerifyReport report = v.Finish();
  if (!report.status.ok()) return report;

  // The stored Merkle nodes serve proofs; they must be exactly the ones the events imply.
  std::vector<MerkleNode> expected = v.stored_level_nodes();
  auto by_position = [](const MerkleNode& a, const MerkleNode& b) {
    return a.level != b.level ? a.level < b.level : a.index < b.index;
  };
  std::sort(expected.begin(), expected.end(), by_position);
  size_t next = 0;
  core::Status bad;
  auto node_name = [](const MerkleNode& n) {
    return "stored Merkle node (level " + std::to_string(n.level) + ", index " +
           std::to_string(n.index) + ")";
  };
  auto scanned_nodes = store.ScanNodes([&](const MerkleNode& n) {
    if (next >= expected.size() || by_position(n, expected[next])) {
      bad = core::DataLossError(node_name(n) + " does not belong to this log");
      return false;
    }
    if (by_position(expected[next], n)) {
      bad = core::DataLossError(node_name(expected[next]) + " is missing");
      return false;
    }
    if (n.hash != expected[next].hash) {
      bad = core::DataLossError(node_name(n) + " does not match the events; proofs served " +
                                "from it would be wrong");
      return false;
    }
    ++next;
    return true;
  });
  if (!scanned_nodes.ok()) return fail(scanned_nodes);
  if (bad.ok() && next < expected.size()) {
    bad = core::DataLossError(node_name(expected[next]) + " is missing");
  }
  if (!bad.ok()) {
    report.status = bad;
    return report;
  }
  return report;
}

}  // namespace custodian::ledger
