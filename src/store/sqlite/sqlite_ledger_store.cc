#include "store/sqlite/sqlite_ledger_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

namespace custodian::store {

using core::Result;
using core::Status;
using ledger::Hash;

namespace {

constexpr int kApplicationId = 0x43535444;  // "CSTD"
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events(idx INTEGER PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS merkle_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,
  hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS latest_checkpoint(id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kind_summary(kind TEXT PRIMARY KEY, events INTEGER NOT NULL,
  first_time_us INTEGER NOT NULL, last_time_us INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
)sql";

// A checkpoint from a row of (size, note).
ledger::StoredCheckpoint CheckpointFromRow(sqlite3_stmt* s) {
  ledger::StoredCheckpoint c;
  c.size = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  const unsigned char* text = sqlite3_column_text(s, 1);
  c.note = text ? reinterpret_cast<const char*>(text) : "";
  return c;
}

}  // namespace

// A prepared statement, reset after each use.
class SqliteLedgerStore::Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() { return stmt_; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Resets a cached statement however the scope using it ends, so that a reading connection's
  // read transaction ends with it (a statement left stepping would pin an old snapshot).
  class ResetOnExit {
   public:
    explicit ResetOnExit(Statement& s) : s_(s) {}
    ~ResetOnExit() { s_.Reset(); }
    ResetOnExit(const ResetOnExit&) = delete;
    ResetOnExit& operator=(const ResetOnExit&) = delete;

   private:
    Statement& s_;
  };

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Result<std::unique_ptr<SqliteLedgerStore>> SqliteLedgerStore::Open(const std::string& path,
                                                                   SqliteOptions options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::UnavailableError("cannot open ledger database " + path + ": " + msg);
  }
  std::unique_ptr<SqliteLedgerStore> store(new SqliteLedgerStore(db));
  CUSTODIAN_RETURN_IF_ERROR(store->Init().Annotate("ledger database " + path));
  CUSTODIAN_RETURN_IF_ERROR(store->OpenReader(path, options).Annotate("ledger database " + path));
  return store;
}

// After Init: the file exists, is a ledger database and is in WAL mode (a property of the file).
Status SqliteLedgerStore::OpenReader(const std::string& path, const SqliteOptions& options) {
  int rc = sqlite3_open_v2(path.c_str(), &reader_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    return core::UnavailableError(std::string("cannot open a reading connection: ") +
                                  (reader_ ? sqlite3_errmsg(reader_) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(reader_, 10000);
  CUSTODIAN_RETURN_IF_ERROR(Exec("PRAGMA mmap_size=1073741824", reader_));
  scan_events_ = std::make_unique<Statement>(
      reader_, "SELECT idx, record FROM events WHERE idx >= ? AND idx < ? ORDER BY idx");
  read_node_ = std::make_unique<Statement>(
      reader_, "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?");
  if (!scan_events_->ok() || !read_node_->ok()) {
    return Error("cannot prepare a statement for reading", reader_);
  }
  return Status::Ok();
}

SqliteLedgerStore::SqliteLedgerStore(sqlite3* db) : db_(db) {}

SqliteLedgerStore::~SqliteLedgerStore() {
  scan_events_.reset();
  read_node_.reset();
  sqlite3_close(reader_);  // first: the writer's close checkpoints the WAL
  insert_event_.reset();
  insert_node_.reset();
  upsert_latest_.reset();
  insert_history_.reset();
  upsert_kind_.reset();
  sqlite3_close(db_);
}

Status SqliteLedgerStore::Error(std::string_view what, sqlite3* db) const {
  if (db == nullptr) db = db_;
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  int code = sqlite3_errcode(db) & 0xFF;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return core::DataLossError(msg);
  if (code == SQLITE_CONSTRAINT) return core::FailedPreconditionError(msg);
  return core::UnavailableError(msg);
}

Status SqliteLedgerStore::Exec(const char* sql, sqlite3* db) {
  if (db == nullptr) db = db_;
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error("SQL failed (" + msg + ")", db);
  }
  return Status::Ok();
}

Status SqliteLedgerStore::Init() {
  sqlite3_busy_timeout(db_, 10000);
  sqlite3_stmt* s = nullptr;
  int app_id = 0;
  if (sqlite3_prepare_v2(db_, "PRAGMA application_id", -1, &s, nullptr) != SQLITE_OK) {
    return Error("not a readable SQLite database");
  }
  if (sqlite3_step(s) == SQLITE_ROW) app_id = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (app_id != 0 && app_id != kApplicationId) {
    return core::InvalidArgumentError("not a Custodian ledger database (application_id " +
                                      std::to_string(app_id) + ")");
  }
  CUSTODIAN_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
  CUSTODIAN_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  // Read pages through a memory map: on this kind of virtual machine every pread is a costly
  // system call, and both appends (B-tree pages) and verification (every record) read a lot.
  CUSTODIAN_RETURN_IF_ERROR(Exec("PRAGMA mmap_size=1073741824"));
  if (app_id == 0) {
    CUSTODIAN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s2 = Exec(kSchema);
    if (s2.ok()) {
      std::string pragmas = "PRAGMA application_id=" + std::to_string(kApplicationId) +
                            "; PRAGMA user_version=" + std::to_string(kSchemaVersion);
      s2 = Exec(pragmas.c_str());
    }
    if (s2.ok()) s2 = Exec("COMMIT");
    if (!s2.ok()) {
      (void)Exec("ROLLBACK");
      return s2;
    }
  }
  insert_event_ = std::make_unique<Statement>(db_, "INSERT INTO events(idx, record) VALUES(?, ?)");
  insert_node_ = std::make_unique<Statement>(
      db_, "INSERT INTO merkle_nodes(level, idx, hash) VALUES(?, ?, ?)");
  upsert_latest_ = std::make_unique<Statement>(
      db_,
      "INSERT INTO latest_checkpoint(id, size, note) VALUES(1, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET size = excluded.size, note = excluded.note");
  insert_history_ = std::make_unique<Statement>(
      db_, "INSERT OR IGNORE INTO checkpoints(size, note) VALUES(?, ?)");
  upsert_kind_ = std::make_unique<Statement>(
      db_,
      "INSERT INTO kind_summary(kind, events, first_time_us, last_time_us) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(kind) DO UPDATE SET events = events + excluded.events, "
      "first_time_us = min(first_time_us, excluded.first_time_us), "
      "last_time_us = max(last_time_us, excluded.last_time_us)");
  for (auto* st :
       {&insert_event_, &insert_node_, &upsert_latest_, &insert_history_, &upsert_kind_}) {
    if (!(*st)->ok()) return Error("cannot prepare a statement");
  }
  return Status::Ok();
}

Result<std::optional<ledger::LedgerMeta>> SqliteLedgerStore::ReadMeta() {
  std::lock_guard l(mu_);
  Statement s(db_, "SELECT key, value FROM meta WHERE key IN ('site', 'origin')");
  if (!s.ok()) return Error("cannot read ledger meta");
  ledger::LedgerMeta meta;
  int found = 0;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    std::string key = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
    std::string value = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
    (key == "site" ? meta.site : meta.origin) = value;
    ++found;
  }
  if (rc != SQLITE_DONE) return Error("cannot read ledger meta");
  if (found == 0) return std::optional<ledger::LedgerMeta>();
  if (found != 2) return core::DataLossError("ledger meta is incomplete");
  return std::optional<ledger::LedgerMeta>(meta);
}

Status SqliteLedgerStore::WriteMeta(const ledger::LedgerMeta& meta) {
  std::lock_guard l(mu_);
  Statement s(db_, "INSERT INTO meta(key, value) VALUES('site', ?), ('origin', ?)");
  if (!s.ok()) return Error("cannot write ledger meta");
  sqlite3_bind_text(s.get(), 1, meta.site.data(), static_cast<int>(meta.site.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(s.get(), 2, meta.origin.data(), static_cast<int>(meta.origin.size()),
                    SQLITE_STATIC);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    if ((sqlite3_errcode(db_) & 0xFF) == SQLITE_CONSTRAINT) {
      return core::AlreadyExistsError("this ledger already has a site");
    }
    return Error("cannot write ledger meta");
  }
  return Status::Ok();
}

void SqliteLedgerStore::ProjectionDelta::Add(const ledger::Event& e) {
  auto [it, fresh] = kinds.try_emplace(e.kind, KindSummary{e.kind, 0, e.time_us, e.time_us});
  it->second.events += 1;
  it->second.first_time_us = std::min(it->second.first_time_us, e.time_us);
  it->second.last_time_us = std::max(it->second.last_time_us, e.time_us);
}

Status SqliteLedgerStore::ApplyProjections(const ProjectionDelta& delta) {
  for (const auto& [kind, k] : delta.kinds) {
    Statement& s = *upsert_kind_;
    sqlite3_bind_text(s.get(), 1, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(k.events));
    sqlite3_bind_int64(s.get(), 3, k.first_time_us);
    sqlite3_bind_int64(s.get(), 4, k.last_time_us);
    int rc = sqlite3_step(s.get());
    s.Reset();
    if (rc != SQLITE_DONE) return Error("cannot update the kind summary");
  }
  return Status::Ok();
}

Status SqliteLedgerStore::Commit(const ledger::CommitBatch& batch) {
  std::lock_guard l(mu_);
  CUSTODIAN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    ProjectionDelta delta;
    for (size_t i = 0; i < batch.records.size(); ++i) {
      Statement& s = *insert_event_;
      sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(batch.first_index + i));
      sqlite3_bind_blob(s.get(), 2, batch.records[i].data(),
                        static_cast<int>(batch.records[i].size()), SQLITE_STATIC);
      int rc = sqlite3_step(s.get());
      s.Reset();
      if (rc != SQLITE_DONE)
        return Error("cannot store event " + std::to_string(batch.first_index + i));
      delta.Add(batch.events[i]);
    }
    CUSTODIAN_RETURN_IF_ERROR(ApplyProjections(delta));
    for (const auto& n : batch.nodes) {
      Statement& s = *insert_node_;
      sqlite3_bind_int(s.get(), 1, static_cast<int>(n.level));
      sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(n.index));
      sqlite3_bind_blob(s.get(), 3, n.hash.data(), 32, SQLITE_STATIC);
      int rc = sqlite3_step(s.get());
      s.Reset();
      if (rc != SQLITE_DONE) return Error("cannot store a Merkle node");
    }
    for (Statement* s :
         {upsert_latest_.get(), batch.add_to_history ? insert_history_.get() : nullptr}) {
      if (s == nullptr) continue;
      sqlite3_bind_int64(s->get(), 1, static_cast<int64_t>(batch.latest.size));
      sqlite3_bind_text(s->get(), 2, batch.latest.note.data(),
                        static_cast<int>(batch.latest.note.size()), SQLITE_STATIC);
      int rc = sqlite3_step(s->get());
      s->Reset();
      if (rc != SQLITE_DONE) return Error("cannot store the checkpoint");
    }
    return Exec("COMMIT");
  };
  Status s = body();
  if (!s.ok()) (void)Exec("ROLLBACK");
  return s;
}

Result<uint64_t> SqliteLedgerStore::CountEvents() {
  std::lock_guard l(read_mu_);
  Statement s(reader_, "SELECT count(*) FROM events");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) return Error("cannot count events", reader_);
  return static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
}

Status SqliteLedgerStore::ScanEvents(
    uint64_t from, uint64_t to,
    const std::function<bool(uint64_t key, core::ByteSpan record)>& visit) {
  std::lock_guard l(read_mu_);
  Statement& s = *scan_events_;
  const Statement::ResetOnExit reset(s);
  auto clamp = [](uint64_t v) {
    return static_cast<int64_t>(std::min<uint64_t>(v, uint64_t{INT64_MAX}));
  };
  sqlite3_bind_int64(s.get(), 1, clamp(from));
  sqlite3_bind_int64(s.get(), 2, clamp(to));
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    auto key = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
    const void* blob = sqlite3_column_blob(s.get(), 1);
    int size = sqlite3_column_bytes(s.get(), 1);
    core::ByteSpan record(static_cast<const uint8_t*>(blob), static_cast<size_t>(size));
    if (!visit(key, record)) return Status::Ok();
  }
  return rc == SQLITE_DONE ? Status::Ok() : Error("cannot read events", reader_);
}

Result<std::optional<Hash>> SqliteLedgerStore::ReadNode(uint32_t level, uint64_t index) {
  std::lock_guard l(read_mu_);
  Statement& s = *read_node_;
  const Statement::ResetOnExit reset(s);
  sqlite3_bind_int(s.get(), 1, static_cast<int>(level));
  sqlite3_bind_int64(s.get(), 2, static_cast<int64_t>(index));
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<Hash>();
  if (rc != SQLITE_ROW) return Error("cannot read a Merkle node", reader_);
  if (sqlite3_column_bytes(s.get(), 0) != 32) {
    return core::DataLossError("stored Merkle node (level " + std::to_string(level) + ", index " +
                               std::to_string(index) + ") is not 32 bytes");
  }
  Hash h;
  std::memcpy(h.data(), sqlite3_column_blob(s.get(), 0), 32);
  return std::optional<Hash>(h);
}

Status SqliteLedgerStore::ScanNodes(const std::function<bool(const ledger::MerkleNode&)>& visit) {
  std::lock_guard l(read_mu_);
  Statement s(reader_, "SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx");
  if (!s.ok()) return Error("cannot read Merkle nodes", reader_);
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    ledger::MerkleNode n;
    n.level = static_cast<uint32_t>(sqlite3_column_int(s.get(), 0));
    n.index = static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1));
    if (sqlite3_column_bytes(s.get(), 2) != 32) {
      return core::DataLossError("a stored Merkle node is not 32 bytes");
    }
    std::memcpy(n.hash.data(), sqlite3_column_blob(s.get(), 2), 32);
    if (!visit(n)) return Status::Ok();
  }
  return rc == SQLITE_DONE ? Status::Ok() : Error("cannot read Merkle nodes", reader_);
}

Result<std::optional<ledger::StoredCheckpoint>> SqliteLedgerStore::LatestCheckpoint() {
  std::lock_guard l(read_mu_);
  Statement s(reader_, "SELECT size, note FROM latest_checkpoint WHERE id = 1");
  if (!s.ok()) return Error("cannot read the latest checkpoint", reader_);
  int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<ledger::StoredCheckpoint>();
  if (rc != SQLITE_ROW) return Error("cannot read the latest checkpoint", reader_);
  return std::optional<ledger::StoredCheckpoint>(CheckpointFromRow(s.get()));
}

Result<std::vector<ledger::StoredCheckpoint>> SqliteLedgerStore::CheckpointHistory() {
  std::lock_guard l(read_mu_);
  Statement s(reader_, "SELECT size, note FROM checkpoints ORDER BY size");
  if (!s.ok()) return Error("cannot read checkpoints", reader_);
  std::vector<ledger::StoredCheckpoint> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back(CheckpointFromRow(s.get()));
  }
  if (rc != SQLITE_DONE) return Error("cannot read checkpoints", reader_);
  return out;
}

Status SqliteLedgerStore::AddCheckpoint(const ledger::StoredCheckpoint& checkpoint) {
  std::lock_guard l(mu_);
  Statement& s = *insert_history_;
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(checkpoint.size));
  sqlite3_bind_text(s.get(), 2, checkpoint.note.data(), static_cast<int>(checkpoint.note.size()),
                    SQLITE_STATIC);
  int rc = sqlite3_step(s.get());
  s.Reset();
  return rc == SQLITE_DONE ? Status::Ok() : Error("cannot store the checkpoint");
}

Result<std::vector<SqliteLedgerStore::KindSummary>> SqliteLedgerStore::ReadKindSummary() {
  std::lock_guard l(read_mu_);
  Statement s(reader_,
              "SELECT kind, events, first_time_us, last_time_us FROM kind_summary ORDER BY kind");
  if (!s.ok()) return Error("cannot read the kind summary", reader_);
  std::vector<KindSummary> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back(KindSummary{reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)),
                              static_cast<uint64_t>(sqlite3_column_int64(s.get(), 1)),
                              sqlite3_column_int64(s.get(), 2), sqlite3_column_int64(s.get(), 3)});
  }
  if (rc != SQLITE_DONE) return Error("cannot read the kind summary", reader_);
  return out;
}

Status SqliteLedgerStore::RebuildProjections() {
  std::lock_guard l(mu_);
  CUSTODIAN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    CUSTODIAN_RETURN_IF_ERROR(Exec("DELETE FROM kind_summary"));
    Statement s(db_, "SELECT idx, record FROM events ORDER BY idx");
    if (!s.ok()) return Error("cannot read events");
    ProjectionDelta delta;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      core::ByteSpan record(static_cast<const uint8_t*>(sqlite3_column_blob(s.get(), 1)),
                            static_cast<size_t>(sqlite3_column_bytes(s.get(), 1)));
      auto e = ledger::DecodeEvent(record);
      if (!e) {
        return core::DataLossError("event " + std::to_string(sqlite3_column_int64(s.get(), 0)) +
                                   " cannot be decoded: " + e.error().message());
      }
      delta.Add(*e);
    }
    if (rc != SQLITE_DONE) return Error("cannot read events");
    CUSTODIAN_RETURN_IF_ERROR(ApplyProjections(delta));
    return Exec("COMMIT");
  };
  Status s = body();
  if (!s.ok()) (void)Exec("ROLLBACK");
  return s;
}

}  // namespace custodian::store
