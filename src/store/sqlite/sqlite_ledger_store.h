// SqliteLedgerStore: the embedded LedgerStore (one SQLite file per site, ledger.db in the data
// directory). WAL journal with synchronous=FULL, so a Commit that returns OK has been fsynced.
// Each Commit is one transaction holding the events, the Merkle nodes they complete, the signed
// checkpoint of the new tree and the projection updates the events cause — so state is never ahead
// of or behind the ledger, and projections can be rebuilt from the events alone.
//
// Tables (docs/ledger-format.md §Storage): meta, events(idx, record), merkle_nodes(level, idx,
// hash), checkpoints(size, note), latest_checkpoint, kind_summary (a projection). Triggers refuse
// UPDATE and DELETE on events: a guard against mistakes, not against an attacker — the verifier is
// what catches an attacker.
//
// Connections: one writes (Commit, checkpoints, meta, projections), serialised by a mutex held
// across the commit's fsync; another, read-only, answers the reads (events, nodes, checkpoints,
// the projection), serialised by a mutex of its own. In WAL mode a reader sees the last commit and
// never waits for one in progress, so a proof, an event stream or an audit page is not held up by
// a slow disk's fsync, and readers do not delay the next commit. A read started after Commit
// returned sees that commit.
//
// Thread-safety: safe from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ledger/ledger_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace custodian::store {

struct SqliteOptions {
  std::string vfs;  // empty: SQLite's default; tests pass a fault-injecting VFS
};

class SqliteLedgerStore final : public ledger::LedgerStore {
 public:
  static core::Result<std::unique_ptr<SqliteLedgerStore>> Open(const std::string& path,
                                                               SqliteOptions options = {});
  ~SqliteLedgerStore() override;

  core::Result<std::optional<ledger::LedgerMeta>> ReadMeta() override;
  core::Status WriteMeta(const ledger::LedgerMeta& meta) override;
  core::Status Commit(const ledger::CommitBatch& batch) override;
  core::Result<uint64_t> CountEvents() override;
  core::Status ScanEvents(
      uint64_t from, uint64_t to,
      const std::function<bool(uint64_t key, core::ByteSpan record)>& visit) override;
  core::Result<std::optional<ledger::Hash>> ReadNode(uint32_t level, uint64_t index) override;
  core::Status ScanNodes(const std::function<bool(const ledger::MerkleNode&)>& visit) override;
  core::Result<std::optional<ledger::StoredCheckpoint>> LatestCheckpoint() override;
  core::Result<std::vector<ledger::StoredCheckpoint>> CheckpointHistory() override;
  core::Status AddCheckpoint(const ledger::StoredCheckpoint& checkpoint) override;

  // Projection: events per kind with first and last time, for the ledger status view.
  struct KindSummary {
    std::string kind;
    uint64_t events = 0;
    int64_t first_time_us = 0;
    int64_t last_time_us = 0;
    friend bool operator==(const KindSummary&, const KindSummary&) = default;
  };
  core::Result<std::vector<KindSummary>> ReadKindSummary();
  // Recomputes every projection from the stored events, in one transaction.
  core::Status RebuildProjections();

 private:
  class Statement;
  explicit SqliteLedgerStore(sqlite3* db);
  core::Status Init();
  core::Status OpenReader(const std::string& path, const SqliteOptions& options);
  // Runs `sql` on connection `db` (default: the writer).
  core::Status Exec(const char* sql, sqlite3* db = nullptr);
  // `what`, with the SQLite error of connection `db` (default: the writer's).
  core::Status Error(std::string_view what, sqlite3* db = nullptr) const;
  // What a set of events changes in the projections, applied with one statement per row touched.
  struct ProjectionDelta {
    std::map<std::string, KindSummary> kinds;
    void Add(const ledger::Event& e);
  };
  core::Status ApplyProjections(const ProjectionDelta& delta);

  std::mutex mu_;  // the writer: db_ and its statements
  sqlite3* db_;
  std::unique_ptr<Statement> insert_event_, insert_node_, upsert_latest_, insert_history_,
      upsert_kind_;
  std::mutex read_mu_;  // the reader: reader_ and its statements
  sqlite3* reader_ = nullptr;
  std::unique_ptr<Statement> scan_events_, read_node_;
};

}  // namespace custodian::store
