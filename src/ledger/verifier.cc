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

bool LogVerifier::AddBlock(std::span<const core::ByteSpan> records,
                           std::span<const core::Result<EventView>> events,
                           std::span<const Hash> leaves, const Hash& block_root,
                           std::span<const MerkleNode> block_nodes) {
  const uint64_t start = position_;
  bool fast = !done_ && !broken_ && records.size() == kBlockLeaves && start % kBlockLeaves == 0;
  // A checkpoint that ends inside the block needs the root at that size: check record by record.
  for (size_t a = next_anchor_; fast && a < anchors_.size(); ++a) {
    if (anchors_[a].size >= start + kBlockLeaves) break;
    fast = false;
  }
  const Hash* prev = &last_leaf_;
  for (size_t i = 0; fast && i < records.size(); ++i) {
    fast = events[i] && events[i]->index == start + i &&
           std::memcmp(events[i]->prev_hash, prev->data(), 32) == 0;
    prev = &leaves[i];
  }
  if (!fast) {
    for (size_t i = 0; i < records.size(); ++i) {
      if (!Add(events[i], leaves[i])) return false;
    }
    return !done_;
  }
  block_base_ = frontier_;
  block_leaves_.assign(leaves.begin(), leaves.end());
  previous_frontier_stale_ = true;
  completed_.clear();
  (void)frontier_.AppendSubtree(kBlockLevel, block_root, &completed_);
  for (const MerkleNode& n : block_nodes) nodes_.push_back(n);
  for (const MerkleNode& n : completed_) {
    if (n.level > kBlockLevel) nodes_.push_back(n);  // the block's own nodes came with it
  }
  second_last_leaf_ = leaves[leaves.size() - 2];
  last_leaf_ = leaves.back();
  position_ += kBlockLeaves;
  return CheckAnchorsAtPosition();
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

// Records copied out of the scan, then parsed and leaf-hashed on a second thread while the next
// batch is read: verification is bound by hashing and reading, and they overlap.
struct Batch {
  uint64_t start = 0;  // position of the first record
  core::Bytes bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, size in bytes
  std::vector<core::ByteSpan> records;
  std::vector<core::Result<EventView>> parsed;
  std::vector<Hash> leaves;
  bool whole_block = false;  // an aligned block: its subtree below was computed too
  Hash block_root{};
  std::vector<MerkleNode> block_nodes;  // levels kStoredNodeLevel .. kBlockLevel - 1
  std::vector<Hash> scratch;

  void Clear() {
    bytes.clear();
    spans.clear();
    records.clear();
    parsed.clear();
    leaves.clear();
    block_nodes.clear();
    whole_block = false;
  }
  // On the reader thread: the worker's hashing is the longer job, so parsing balances the two.
  void Parse() {
    for (core::ByteSpan record : records) parsed.push_back(ParseEvent(record));
  }
  // On the worker: leaf hashes and, for a whole aligned block, its subtree.
  void Prepare() {
    for (const auto& [offset, size] : spans) {
      core::ByteSpan record(bytes.data() + offset, size);
      records.push_back(record);
      leaves.push_back(LeafHash(record));
    }
    whole_block =
        leaves.size() == LogVerifier::kBlockLeaves && start % LogVerifier::kBlockLeaves == 0;
    if (!whole_block) return;
    // The block's perfect subtree, level by level; keep the levels the store keeps.
    scratch = leaves;
    for (uint32_t level = 1; level <= LogVerifier::kBlockLevel; ++level) {
      const size_t n = scratch.size() / 2;
      for (size_t i = 0; i < n; ++i) scratch[i] = NodeHash(scratch[2 * i], scratch[2 * i + 1]);
      scratch.resize(n);
      if (level >= kStoredNodeLevel && level < LogVerifier::kBlockLevel) {
        for (size_t i = 0; i < n; ++i) {
          block_nodes.push_back({level, (start >> level) + i, scratch[i]});
        }
      }
    }
    block_root = scratch[0];
    block_nodes.push_back(
        {LogVerifier::kBlockLevel, start >> LogVerifier::kBlockLevel, block_root});
  }
};

class BatchPipeline {
 public:
  explicit BatchPipeline(LogVerifier& v) : verifier_(v), worker_([this] { Work(); }) {}
  ~BatchPipeline() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  // Adds a record; returns false once the verifier has its verdict.
  bool Add(core::ByteSpan record) {
    if (!current_) {
      current_ = TakeFree();
      current_->start = submitted_;
    }
    ++submitted_;
    current_->spans.emplace_back(current_->bytes.size(), record.size());
    current_->bytes.insert(current_->bytes.end(), record.begin(), record.end());
    if (current_->spans.size() >= kBatchRecords) {
      Submit();
      while (InFlight() >= kMaxInFlight) {
        if (!ConsumeOne()) return false;
      }
    }
    return !finished_;
  }
  void Finish() {
    if (current_ && !current_->spans.empty()) Submit();
    while (InFlight() > 0 && ConsumeOne()) {
    }
  }

 private:
  static constexpr size_t kBatchRecords = LogVerifier::kBlockLeaves;
  static constexpr size_t kMaxInFlight = 3;

  std::unique_ptr<Batch> TakeFree() {
    std::lock_guard l(mu_);
    if (free_.empty()) return std::make_unique<Batch>();
    auto b = std::move(free_.back());
    free_.pop_back();
    b->Clear();
    return b;
  }
  size_t InFlight() {
    std::lock_guard l(mu_);
    return todo_.size() + done_.size() + (busy_ ? 1 : 0);
  }
  void Submit() {
    {
      std::lock_guard l(mu_);
      todo_.push_back(std::move(current_));
    }
    cv_.notify_all();
  }
  // Runs the next prepared batch through the verifier, in order. False once it has a verdict.
  bool ConsumeOne() {
    std::unique_ptr<Batch> b;
    {
      std::unique_lock l(mu_);
      cv_.wait(l, [&] { return !done_.empty(); });
      b = std::move(done_.front());
      done_.pop_front();
    }
    if (!finished_) {
      b->Parse();
      if (b->whole_block) {
        if (!verifier_.AddBlock(b->records, b->parsed, b->leaves, b->block_root, b->block_nodes)) {
          finished_ = true;
        }
      } else {
        for (size_t i = 0; i < b->spans.size() && !finished_; ++i) {
          if (!verifier_.Add(b->parsed[i], b->leaves[i])) finished_ = true;
        }
      }
    }
    std::lock_guard l(mu_);
    free_.push_back(std::move(b));
    return !finished_;
  }
  void Work() {
    for (;;) {
      std::unique_ptr<Batch> b;
      {
        std::unique_lock l(mu_);
        cv_.wait(l, [&] { return stop_ || !todo_.empty(); });
        if (todo_.empty()) return;
        b = std::move(todo_.front());
        todo_.pop_front();
        busy_ = true;
      }
      b->Prepare();
      {
        std::lock_guard l(mu_);
        done_.push_back(std::move(b));
        busy_ = false;
      }
      cv_.notify_all();
    }
  }

  LogVerifier& verifier_;
  std::unique_ptr<Batch> current_;
  uint64_t submitted_ = 0;
  bool finished_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> todo_, done_;
  std::vector<std::unique_ptr<Batch>> free_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;  // last: started once everything above exists
};

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
