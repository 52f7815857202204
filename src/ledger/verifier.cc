#include "ledger/verifier.h"

#include <algorithm>

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
    if (*next_prev == b.leaf) blame_previous(); else blame_this();
    return;
  }
  // Last event: ask the checkpoint that covers the whole log which of the two it signed.
  for (size_t i = next_anchor_; i < anchors_.size(); ++i) {
    if (anchors_[i].size != b.position + 1) continue;
    MerkleFrontier alt = previous_frontier_;
    alt.Append(b.claimed_prev);
    alt.Append(b.leaf);
    if (alt.Root() == anchors_[i].root) blame_previous(); else blame_this();
    return;
  }
  Fail(b.position, "the hash chain breaks between events " + before + " and " + p +
                       " (no checkpoint covers the end of the log to tell which was altered)");
}

bool LogVerifier::Add(core::ByteSpan record) {
  if (done_) return false;
  const uint64_t pos = position_;
  const std::string p = std::to_string(pos);
  auto event = DecodeEvent(record);
  if (broken_) {
    Hash prev = event ? event->prev_hash : Hash{};
    ResolveBrokenLink(event ? &prev : nullptr);
    return false;
  }
  if (!event) {
    Fail(pos, "event " + p + " cannot be decoded: " + event.error().message());
    return false;
  }
  const Hash leaf = LeafHash(record);
  if (event->index != pos) {
    const std::string idx = std::to_string(event->index);
    if (event->index > pos) {
      Fail(pos, "event " + p + " is missing: the event stored after event " +
                    std::to_string(pos - 1) + " has index " + idx);
    } else if (event->index + 1 == pos && pos >= 1 && leaf == last_leaf_) {
      Fail(pos, "event " + idx + " is stored twice (again at position " + p + ")");
    } else if (event->index + 1 == pos && pos >= 2 && event->prev_hash == second_last_leaf_) {
      Fail(pos - 1, "event " + std::to_string(pos - 1) + " was inserted: the event stored after "
                    "it also has index " + idx + " and links to event " + std::to_string(pos - 2));
    } else {
      Fail(pos, "position " + p + " holds event " + idx + ": events are missing or out of order");
    }
    return false;
  }
  if (event->prev_hash != last_leaf_) {
    if (pos == 0) {
      Fail(0, "event 0 was altered: its prev_hash must be all zeros");
      return false;
    }
    broken_ = BrokenLink{pos, leaf, event->prev_hash};
    ++position_;
    return true;  // one more record decides which of the two events was altered
  }
  previous_frontier_ = frontier_;
  completed_.clear();
  frontier_.Append(leaf, &completed_);
  for (const MerkleNode& n : completed_) {
    if (n.level >= kStoredNodeLevel) nodes_.push_back(n);
  }
  second_last_leaf_ = last_leaf_;
  last_leaf_ = leaf;
  ++position_;
  while (next_anchor_ < anchors_.size() && anchors_[next_anchor_].size == position_) {
    const VerifyAnchor& a = anchors_[next_anchor_++];
    if (frontier_.Root() != a.root) {
      Fail(pos, "the first " + std::to_string(a.size) + " events do not match " + a.source +
                    ": event " + p + " was altered, or events before it were rewritten and "
                    "re-chained");
      return false;
    }
  }
  return true;
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
  if (external) {
    if (external->origin != verifier.name()) {
      return fail(core::InvalidArgumentError("the checkpoint is for \"" + external->origin +
                                             "\", not this ledger (\"" + verifier.name() + "\")"));
    }
    anchors.push_back(VerifyAnchor{external->size, external->root, "the given checkpoint"});
  }

  LogVerifier v(std::move(anchors));
  auto scanned = store.ScanEvents(0, UINT64_MAX, [&](uint64_t, core::ByteSpan record) {
    return v.Add(record);
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
