// FaultVfs: a SQLite VFS that injects storage failures at the I/O boundary, after SQLite's own
// test VFS. Registered (not as the default) under the name "custodian-fault"; it wraps the
// default VFS and every file it opens, forwarding every call (shm methods and memory-mapped
// fetches included, with the io_methods version of the wrapped file) unchanged.
//
// Write operations are xWrite, xSync and xTruncate on any file opened through it (database, WAL,
// journals). They are numbered 1, 2, 3 … across all files. FailAt(n, persistent) makes the n-th
// write operation counted from that call fail — once, or that one and every later one — with
// SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC or SQLITE_IOERR_TRUNCATE as fits the operation. A failed
// operation does nothing: no byte is written, nothing is synced or truncated. Reads, locks and
// shared memory never fail. A fault suite measures how many write operations an operation takes
// (ResetCount, run, writes()) and then walks every injection point 1..writes().
//
// Why a process-wide instance: SQLite keeps its VFS registry per process, and a connection names
// its VFS by string (SqliteOptions::vfs), so the VFS and its counters are necessarily global.
// Tests that use it must not run concurrently with each other in one process (GoogleTest runs
// tests one at a time); connections opened with the default VFS are never counted or failed.
//
// Thread-safety: every method is safe from any thread; counters and the armed fault are atomics,
// so concurrent connections (group-commit threads) see one consistent numbering.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3_vfs;

namespace custodian::testing {

class FaultVfs {
 public:
  static constexpr const char* kName = "custodian-fault";

  // The one instance, registered with SQLite on first use.
  static FaultVfs& Instance();

  // Arms a fault: the n-th write operation from now (n >= 1) fails; if `persistent`, so does
  // every one after it until Disarm. Replaces any fault armed before.
  void FailAt(uint64_t n, bool persistent);
  void Disarm();

  // Write operations since the last ResetCount (failed ones included).
  uint64_t writes() const;
  void ResetCount();
  // Write operations made to fail since the last ResetCount.
  uint64_t failures() const;
  // One line per write operation since the last ResetCount ("sync ledger.db-wal", "write
  // ledger.db-wal 4152+24"), for messages that name an injection point. Kept up to kMaxTrace.
  std::vector<std::string> Trace() const;

  static constexpr size_t kMaxTrace = 4096;

  // Holds the next xSync (of any file) until ReleaseSync, as a slow disk would: the thread making
  // it waits inside the VFS, so a test can act while a commit is in progress. WaitForHeldSync
  // returns once a sync is held, or false after `timeout`.
  void HoldNextSync();
  bool WaitForHeldSync(std::chrono::milliseconds timeout);
  void ReleaseSync();
  // Called by the wrapped files before each xSync: waits while a held sync is not released.
  void OnSync();

  // Called by the wrapped files: counts one write operation and returns the SQLite error code it
  // must fail with, or 0 (SQLITE_OK) to go ahead. `failure` is the code to use when failing.
  int OnWriteOp(int failure, std::string description);

 private:
  FaultVfs();

  sqlite3_vfs* vfs_;  // owned; lives as long as the process

  // Monotonic numbering of write operations; writes() is counted from base_.
  std::atomic<uint64_t> next_op_{0};
  std::atomic<uint64_t> base_{0};
  std::atomic<uint64_t> failures_{0};
  // Operation number that fails (0: disarmed); with persistent_, every later one fails too.
  std::atomic<uint64_t> fail_at_{0};
  std::atomic<bool> persistent_{false};

  mutable std::mutex trace_mu_;
  std::vector<std::string> trace_;

  std::mutex hold_mu_;
  std::condition_variable hold_cv_;
  bool hold_next_ = false;  // the next sync is held
  bool holding_ = false;    // a sync is held now
};

}  // namespace custodian::testing
