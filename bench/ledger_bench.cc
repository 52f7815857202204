// custodian_bench: the ledger's throughput, latency and verification speed, and the custody
// operations' latency (access decision, "what may I take", Argon2id PIN check), each printed
// beside this machine's limit for the same work, measured in the same run (STYLE.md, bench/).
//
// What is compared with what:
//  * durable appends/s (Ledger over SqliteLedgerStore, PopulateSynthetic) against the raw rate of
//    write(128 B) + fdatasync on a file in the same directory, and against raw SQLite (WAL,
//    synchronous=FULL) inserting 250-byte blobs, 1 or 1,000 rows per transaction;
//  * append latency percentiles against the raw fdatasync latency percentiles;
//  * VerifyStore MB/s over the 16-writer ledger against raw SHA-256 (ledger::Sha256) of exactly
//    the same record bytes, one record at a time, single thread, from memory;
//  * an access decision, the "what may I take" list and the Argon2id PIN check and hash at a
//    5,000-item site against the look-ups, memory walk and libsodium calls of the same work
//    (custody_bench.h says exactly what);
//  * an unlock through the Modbus TCP driver to the simulator's acknowledgement against a bare
//    libmodbus coil write, and the driver's polling cost per compartment against bare reads of the
//    same registers (hardware_bench.h).
// The work is done in rounds; each round measures every row once (interleaved, so that a noisy
// neighbour hits ours and the limit alike). The table shows the median of the rounds for each
// figure, and for each ratio the median of the rounds' own ratios. Ledger sizes follow the
// round's fsync rate (about 3 s of appends, bounded), so a slow disk costs precision, not minutes.
//
// Everything happens in a fresh directory from mkdtemp under $TMPDIR (or /tmp), removed at exit.
// Progress goes to stderr; stdout is the report: machine facts, one markdown table, the runtime.
// Exit status: 0 whether goals are met or missed, 1 on any error, 2 on a bad command line.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "app/ledger_tasks.h"
#include "core/clock.h"
#include "core/result.h"
#include "custody_bench.h"
#include "hardware_bench.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/record.h"
#include "ledger/verifier.h"
#include "samples.h"
#include "store/sqlite/sqlite_ledger_store.h"

namespace custodian::bench {
namespace {

namespace fs = std::filesystem;
using core::Result;
using core::Status;

constexpr std::string_view kSite = "bench";
constexpr double kGoalFsyncMultiple = 10.0;  // 16 writers: appends/s >= 10 x fsync/s
constexpr double kGoalP99Ms = 2.0;           // p99 append latency
constexpr double kGoalVerifyShare = 0.5;     // verify MB/s >= 50 % of raw SHA-256 MB/s
constexpr double kGoalDecideP99Us = 20.0;    // issue #3: one access decision
constexpr double kGoalListP99Ms = 1.0;       // issue #3: "what may I take"
constexpr double kGoalPinShare = 1.1;        // issue #3: Argon2id check within 10 % of libsodium
constexpr double kGoalUnlockP99Ms = 5.0;     // issue #4: decision to coil write acknowledged

struct Sizes {
  int rounds = 3;
  // Ledger runs append about `ledger_seconds` worth of events at the rate that the round's own
  // fsync measurement predicts (1 fsync per event for 1 writer, at best 1 per `many_writers` for
  // many), within [min, max]: a slow disk then costs precision instead of minutes.
  double ledger_seconds = 3.0;
  uint64_t max_events_one_writer = 3000;
  uint64_t min_events_one_writer = 300;
  uint64_t max_events_many_writers = 30000;
  uint64_t min_events_many_writers = 3000;
  int many_writers = 16;
  double fsync_seconds = 2.0;
  double sqlite_single_seconds = 2.0;
  double sqlite_batch_seconds = 1.0;
  int sqlite_batch_rows = 1000;
  double hash_min_seconds = 0.3;  // verify and SHA-256 passes repeat until at least this long
  CustodySizes custody;
  HardwareSizes hardware;
};

Sizes QuickSizes() {
  Sizes s;
  s.ledger_seconds = 0.1;
  s.max_events_one_writer = 150;
  s.min_events_one_writer = 50;
  s.max_events_many_writers = 1600;
  s.min_events_many_writers = 500;
  s.fsync_seconds = 0.15;
  s.sqlite_single_seconds = 0.15;
  s.sqlite_batch_seconds = 0.05;
  s.hash_min_seconds = 0.02;
  s.custody.decisions = 200;
  s.custody.decision_block = 50;
  s.custody.lists = 4;
  s.custody.pin_checks = 1;
  s.custody.pin_hashes = 1;
  s.hardware.unlocks = 50;
  s.hardware.polls = 5;
  return s;
}

uint64_t EventsFor(double seconds, double per_second, uint64_t min, uint64_t max) {
  const double n = std::round(seconds * per_second / 100) * 100;
  return std::clamp(static_cast<uint64_t>(std::max(n, 0.0)), min, max);
}

Status ErrnoError(const std::string& what) {
  return core::UnavailableError(what + ": " + std::strerror(errno));
}

// A directory from mkdtemp, removed with everything in it when this goes out of scope.
class TempDir {
 public:
  static Result<std::unique_ptr<TempDir>> Create() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/custodian-bench-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) return ErrnoError("mkdtemp " + templ);
    return std::unique_ptr<TempDir>(new TempDir(templ));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec)
      std::fprintf(stderr, "warning: cannot remove %s: %s\n", path_.c_str(), ec.message().c_str());
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Status MakeDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) return core::UnavailableError("cannot create " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

Status RemoveAll(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return core::UnavailableError("cannot remove " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Limits: raw fdatasync, raw SQLite, raw SHA-256.

struct FsyncFigures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

// write(128 bytes) + fdatasync, appending to one file, for `seconds`.
Result<FsyncFigures> MeasureFsync(const fs::path& file, double seconds) {
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("open " + file.string());
  char buf[128];
  std::memset(buf, 'x', sizeof buf);
  std::vector<double> latencies_ms;
  Status status;
  const auto start = SteadyClock::now();
  while (SecondsSince(start) < seconds) {
    const auto t0 = SteadyClock::now();
    if (write(fd, buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) {
      status = ErrnoError("write " + file.string());
      break;
    }
    if (fdatasync(fd) != 0) {
      status = ErrnoError("fdatasync " + file.string());
      break;
    }
    latencies_ms.push_back(SecondsSince(t0) * 1e3);
  }
  const double elapsed = SecondsSince(start);
  close(fd);
  CUSTODIAN_RETURN_IF_ERROR(status);
  if (unlink(file.c_str()) != 0) return ErrnoError("unlink " + file.string());
  return FsyncFigures{static_cast<double>(latencies_ms.size()) / elapsed,
                      Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99)};
}

// The ceiling of any group commit with `writers` synchronous writers on this machine: each
// thread appends 128 bytes and waits until a write + fdatasync covers it; a leader lingers up to
// 200 us for every writer to queue (full batches), then writes the batch and syncs it, and wakes
// the others with one condition-variable broadcast. No database, hashing, signing or encoding: the
// ledger's 16-writer rate can only approach this figure, never pass it.
Result<double> MeasureIdealGroupCommit(const fs::path& file, int writers, double seconds) {
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("open " + file.string());
  std::mutex mu;
  std::condition_variable cv;
  uint64_t queued = 0, durable = 0;
  bool syncing = false, stop = false;
  Status status;
  std::vector<char> buf(128 * static_cast<size_t>(writers), 'x');
  const auto linger = std::chrono::microseconds(200);
  auto writer = [&] {
    std::unique_lock l(mu);
    while (!stop) {
      const uint64_t mine = ++queued;
      while (durable < mine && !stop) {
        if (syncing) {
          cv.wait(l);
          continue;
        }
        syncing = true;
        const auto deadline = SteadyClock::now() + linger;
        while (queued - durable < static_cast<uint64_t>(writers) && SteadyClock::now() < deadline) {
          l.unlock();
          std::this_thread::yield();
          l.lock();
        }
        const uint64_t upto = queued;
        const auto bytes = static_cast<ssize_t>(128 * (upto - durable));
        l.unlock();
        const bool ok =
            write(fd, buf.data(), static_cast<size_t>(bytes)) == bytes && fdatasync(fd) == 0;
        l.lock();
        if (!ok && status.ok()) status = ErrnoError("write + fdatasync " + file.string());
        durable = upto;
        syncing = false;
        if (!ok) stop = true;
        cv.notify_all();
      }
    }
  };
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  for (int i = 0; i < writers; ++i) threads.emplace_back(writer);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  {
    std::lock_guard l(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  const double elapsed = SecondsSince(start);
  close(fd);
  CUSTODIAN_RETURN_IF_ERROR(status);
  if (unlink(file.c_str()) != 0) return ErrnoError("unlink " + file.string());
  return static_cast<double>(durable) / elapsed;
}

class SqliteDb {
 public:
  ~SqliteDb() {
    for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  Status Open(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      return Error("open " + path.string());
    }
    return Status::Ok();
  }
  Status Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
    return Status::Ok();
  }
  Result<sqlite3_stmt*> Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) return Error(sql);
    statements_.push_back(s);
    return s;
  }
  Status StepDone(sqlite3_stmt* s) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? Status::Ok() : Error(sqlite3_sql(s));
  }
  Status Error(const std::string& what) const {
    return core::UnavailableError("SQLite: " + what + ": " +
                                  (db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

// Rows/s inserting 250-byte blobs, `rows_per_txn` per transaction, WAL + synchronous=FULL (the
// same settings as SqliteLedgerStore), for `seconds`.
Result<double> MeasureSqliteInserts(const fs::path& path, int rows_per_txn, double seconds) {
  SqliteDb db;
  CUSTODIAN_RETURN_IF_ERROR(db.Open(path));
  CUSTODIAN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  CUSTODIAN_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
  CUSTODIAN_RETURN_IF_ERROR(db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB NOT NULL)"));
  CUSTODIAN_ASSIGN_OR_RETURN(sqlite3_stmt * begin, db.Prepare("BEGIN IMMEDIATE"));
  CUSTODIAN_ASSIGN_OR_RETURN(sqlite3_stmt * commit, db.Prepare("COMMIT"));
  CUSTODIAN_ASSIGN_OR_RETURN(sqlite3_stmt * insert,
                             db.Prepare("INSERT INTO t(id, v) VALUES(?, ?)"));
  std::vector<uint8_t> blob(250);
  int64_t id = 0;
  const auto start = SteadyClock::now();
  while (SecondsSince(start) < seconds) {
    CUSTODIAN_RETURN_IF_ERROR(db.StepDone(begin));
    for (int i = 0; i < rows_per_txn; ++i, ++id) {
      std::memcpy(blob.data(), &id, sizeof id);  // distinct rows, like distinct events
      sqlite3_bind_int64(insert, 1, id);
      sqlite3_bind_blob(insert, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
      CUSTODIAN_RETURN_IF_ERROR(db.StepDone(insert));
    }
    CUSTODIAN_RETURN_IF_ERROR(db.StepDone(commit));
  }
  return static_cast<double>(id) / SecondsSince(start);
}

// ---------------------------------------------------------------------------------------------
// Ours: the ledger.

struct AppendFigures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double events_per_commit = 0;
};

// A fresh ledger at `path`, filled with `events` synthetic events from `writers` threads.
Result<AppendFigures> MeasureAppends(const fs::path& path, const ledger::NoteSigner& signer,
                                     uint64_t events, int writers, uint64_t seed) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto store, store::SqliteLedgerStore::Open(path.string()));
  core::SystemClock clock;
  CUSTODIAN_ASSIGN_OR_RETURN(auto ledger, ledger::Ledger::Open(*store, signer, clock, kSite));
  CUSTODIAN_ASSIGN_OR_RETURN(auto stats, app::PopulateSynthetic(*ledger, events, writers, seed,
                                                                /*record_latencies=*/true));
  CUSTODIAN_RETURN_IF_ERROR(ledger->health());
  if (ledger->size() != events || stats.latencies_us.size() != events || stats.seconds <= 0) {
    return core::InternalError("the ledger holds " + std::to_string(ledger->size()) + " events (" +
                               std::to_string(stats.latencies_us.size()) +
                               " latencies) after appending " + std::to_string(events));
  }
  return AppendFigures{
      static_cast<double>(events) / stats.seconds, Percentile(stats.latencies_us, 0.5) / 1e3,
      Percentile(stats.latencies_us, 0.99) / 1e3,
      static_cast<double>(events) / static_cast<double>(std::max<uint64_t>(ledger->commits(), 1))};
}

// Written with every SHA-256 pass so that the compiler cannot drop the hashing.
volatile uint8_t g_hash_sink = 0;

struct VerifyFigures {
  double verify_mb_s = 0;
  double verify_events_s = 0;
  double sha_mb_s = 0;
  double sha_records_s = 0;
  double mean_record_bytes = 0;
};

// Reopens the ledger at `path`, reads its records once, then times VerifyStore over the store and
// raw SHA-256 over the same record bytes in memory, each repeated until `min_seconds` have passed.
Result<VerifyFigures> MeasureVerify(const fs::path& path, const ledger::NoteVerifier& verifier,
                                    uint64_t events, double min_seconds) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto store, store::SqliteLedgerStore::Open(path.string()));
  std::vector<core::Bytes> records;
  records.reserve(events);
  uint64_t bytes = 0;
  CUSTODIAN_RETURN_IF_ERROR(store->ScanEvents(0, UINT64_MAX, [&](uint64_t, core::ByteSpan r) {
    records.emplace_back(r.begin(), r.end());
    bytes += r.size();
    return true;
  }));
  if (records.size() != events) {
    return core::InternalError("read " + std::to_string(records.size()) + " records, expected " +
                               std::to_string(events));
  }

  int passes = 0;
  auto start = SteadyClock::now();
  do {
    ledger::VerifyReport report = ledger::VerifyStore(*store, verifier, std::nullopt);
    CUSTODIAN_RETURN_IF_ERROR(report.status);
    if (report.events != events) {
      return core::InternalError("VerifyStore checked " + std::to_string(report.events) +
                                 " events, expected " + std::to_string(events));
    }
    ++passes;
  } while (SecondsSince(start) < min_seconds);
  const double verify_s = SecondsSince(start) / passes;

  passes = 0;
  uint8_t sink = 0;  // keeps the hashing observable
  start = SteadyClock::now();
  do {
    for (const core::Bytes& r : records) sink ^= ledger::Sha256(r)[0];
    ++passes;
  } while (SecondsSince(start) < min_seconds);
  const double sha_s = SecondsSince(start) / passes;
  g_hash_sink = sink;

  const auto n = static_cast<double>(events);
  const auto mb = static_cast<double>(bytes) / 1e6;
  return VerifyFigures{mb / verify_s, n / verify_s, mb / sha_s, n / sha_s,
                       static_cast<double>(bytes) / n};
}

// ---------------------------------------------------------------------------------------------
// The report.

struct Figures {
  Samples fsync_per_s, fsync_p50_ms, fsync_p99_ms, ideal_group_per_s;
  Samples sqlite_single_per_s, sqlite_batch_per_s;
  Samples one_per_s, one_p50_ms, one_p99_ms;
  Samples many_per_s, many_p50_ms, many_p99_ms;
  Samples events_one, events_many;
  Samples verify_mb_s, verify_events_s, sha_mb_s, sha_records_s, record_bytes, events_per_commit;
  Samples decide_p50_us, decide_p99_us, lookups_p50_us, lookups_p99_us, decide_allowed_share;
  Samples list_p50_ms, list_p99_ms, walk_p50_ms, walk_p99_ms, listed_allowed, listed_withheld;
  Samples matches_ms, verify_pin_ms, hash_pin_ms, str_pin_ms;
  Samples unlock_p50_ms, unlock_p99_ms, write_p50_ms, write_p99_ms;
  Samples poll_us_per_compartment, read_us_per_compartment;
};

Status RunRound(const fs::path& dir, const Sizes& sizes, const ledger::NoteSigner& signer,
                const CustodySite& custody, int round, Figures& f) {
  auto progress = [&](const char* what) {
    std::fprintf(stderr, "round %d/%d: %s\n", round + 1, sizes.rounds, what);
  };
  const fs::path rd = dir / ("round-" + std::to_string(round));
  CUSTODIAN_RETURN_IF_ERROR(MakeDir(rd));

  progress("raw write + fdatasync");
  CUSTODIAN_ASSIGN_OR_RETURN(auto fsync, MeasureFsync(rd / "fsync.dat", sizes.fsync_seconds));
  f.fsync_per_s.Add(fsync.per_second);
  f.fsync_p50_ms.Add(fsync.p50_ms);
  f.fsync_p99_ms.Add(fsync.p99_ms);

  progress("ideal group commit (no database)");
  CUSTODIAN_ASSIGN_OR_RETURN(
      double ideal,
      MeasureIdealGroupCommit(rd / "group.dat", sizes.many_writers, sizes.fsync_seconds));
  f.ideal_group_per_s.Add(ideal);

  progress("raw SQLite, 1 insert per transaction");
  CUSTODIAN_ASSIGN_OR_RETURN(double single,
                             MeasureSqliteInserts(rd / "raw-1.db", 1, sizes.sqlite_single_seconds));
  f.sqlite_single_per_s.Add(single);

  const uint64_t events_one = EventsFor(sizes.ledger_seconds, fsync.per_second,
                                        sizes.min_events_one_writer, sizes.max_events_one_writer);
  const uint64_t events_many =
      EventsFor(sizes.ledger_seconds, fsync.per_second * sizes.many_writers,
                sizes.min_events_many_writers, sizes.max_events_many_writers);
  f.events_one.Add(static_cast<double>(events_one));
  f.events_many.Add(static_cast<double>(events_many));

  progress("ledger, 1 writer");
  CUSTODIAN_ASSIGN_OR_RETURN(auto one,
                             MeasureAppends(rd / "ledger-1.db", signer, events_one, 1, round + 1));
  f.one_per_s.Add(one.per_second);
  f.one_p50_ms.Add(one.p50_ms);
  f.one_p99_ms.Add(one.p99_ms);

  progress("ledger, many writers");
  const fs::path many_db = rd / "ledger-many.db";
  CUSTODIAN_ASSIGN_OR_RETURN(
      auto many, MeasureAppends(many_db, signer, events_many, sizes.many_writers, round + 101));
  f.many_per_s.Add(many.per_second);
  f.many_p50_ms.Add(many.p50_ms);
  f.many_p99_ms.Add(many.p99_ms);
  f.events_per_commit.Add(many.events_per_commit);

  progress("raw SQLite, 1000 inserts per transaction");
  CUSTODIAN_ASSIGN_OR_RETURN(double batch,
                             MeasureSqliteInserts(rd / "raw-batch.db", sizes.sqlite_batch_rows,
                                                  sizes.sqlite_batch_seconds));
  f.sqlite_batch_per_s.Add(batch);

  progress("verify and raw SHA-256");
  CUSTODIAN_ASSIGN_OR_RETURN(
      auto v, MeasureVerify(many_db, signer.Verifier(), events_many, sizes.hash_min_seconds));
  f.verify_mb_s.Add(v.verify_mb_s);
  f.verify_events_s.Add(v.verify_events_s);
  f.sha_mb_s.Add(v.sha_mb_s);
  f.sha_records_s.Add(v.sha_records_s);
  f.record_bytes.Add(v.mean_record_bytes);

  progress("access decisions and the look-ups they cannot avoid");
  const DecisionTimes d = MeasureDecisions(custody, sizes.custody, 1000 + round);
  f.decide_p50_us.Add(Percentile(d.ours_us, 0.5));
  f.decide_p99_us.Add(Percentile(d.ours_us, 0.99));
  f.lookups_p50_us.Add(Percentile(d.limit_us, 0.5));
  f.lookups_p99_us.Add(Percentile(d.limit_us, 0.99));
  f.decide_allowed_share.Add(static_cast<double>(d.allowed) /
                             static_cast<double>(std::max<size_t>(d.ours_us.size(), 1)));

  progress("what may I take (ListAvailable) and a bare walk over the items");
  CUSTODIAN_ASSIGN_OR_RETURN(const ListTimes l, MeasureLists(custody, sizes.custody));
  f.list_p50_ms.Add(Percentile(l.ours_ms, 0.5));
  f.list_p99_ms.Add(Percentile(l.ours_ms, 0.99));
  f.walk_p50_ms.Add(Percentile(l.limit_ms, 0.5));
  f.walk_p99_ms.Add(Percentile(l.limit_ms, 0.99));
  f.listed_allowed.Add(static_cast<double>(l.allowed));
  f.listed_withheld.Add(static_cast<double>(l.withheld));

  progress("Argon2id PIN check and hash, ours and libsodium's");
  CUSTODIAN_ASSIGN_OR_RETURN(const PinTimes p, MeasurePins(sizes.custody));
  f.matches_ms.Add(Percentile(p.matches_ms, 0.5));
  f.verify_pin_ms.Add(Percentile(p.verify_ms, 0.5));
  f.hash_pin_ms.Add(Percentile(p.hash_ms, 0.5));
  f.str_pin_ms.Add(Percentile(p.str_ms, 0.5));

  progress("unlocks through the driver and bare coil writes, polls and bare reads");
  CUSTODIAN_ASSIGN_OR_RETURN(const HardwareTimes h, MeasureHardware(sizes.hardware));
  f.unlock_p50_ms.Add(Percentile(h.unlock_ms, 0.5));
  f.unlock_p99_ms.Add(Percentile(h.unlock_ms, 0.99));
  f.write_p50_ms.Add(Percentile(h.write_ms, 0.5));
  f.write_p99_ms.Add(Percentile(h.write_ms, 0.99));
  f.poll_us_per_compartment.Add(h.poll_us_per_compartment);
  f.read_us_per_compartment.Add(h.read_us_per_compartment);

  return RemoveAll(rd);
}

// 3 significant figures for small values, whole numbers with thousands separators for large ones.
std::string Num(double v) {
  char buf[64];
  if (std::fabs(v) >= 1000 || v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    std::string digits = buf;
    size_t first = digits[0] == '-' ? 1 : 0;
    for (size_t i = digits.size(); i > first + 3; i -= 3) digits.insert(i - 3, ",");
    return digits;
  }
  std::snprintf(buf, sizeof buf, "%.*f", v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3, v);
  return buf;
}

std::string WithSpread(const Samples& s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " ±%.0f %%", s.Spread() * 100);
  return Num(s.Median()) + buf;
}

// Median over the rounds of ours / limit, each pair from the same round: the disk of a shared
// machine changes speed within seconds, and adjacent measurements share its current state.
double RoundRatio(const Samples& ours, const Samples& limit) {
  Samples r;
  for (size_t i = 0; i < std::min(ours.v.size(), limit.v.size()); ++i) {
    if (limit.v[i] > 0) r.Add(ours.v[i] / limit.v[i]);
  }
  return r.Median();
}

std::string Ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f×", r >= 10 ? 1 : 2, r);
  return buf;
}

// "3,000" or "1,200–3,000" (the rounds' event counts).
std::string EventCounts(const Samples& s) {
  if (s.v.empty()) return "0";
  auto [lo, hi] = std::minmax_element(s.v.begin(), s.v.end());
  return *lo == *hi ? Num(*lo) : Num(*lo) + "–" + Num(*hi);
}

std::string FileSystemName(const fs::path& dir) {
  struct statfs s;
  if (statfs(dir.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs (fsync is free: the limits below mean nothing)";
    case 0x794C7630:
      return "overlayfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

// The 1-minute load average; -1 if unknown.
double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

void PrintReport(const Figures& f, const Sizes& sizes, const CustodySite& custody, bool quick,
                 const fs::path& dir, double load_at_start, double runtime_s) {
  const double fsync = f.fsync_per_s.Median();
  auto verdict = [](bool met) { return met ? "PASS" : "MISS"; };
  auto latency = [](const Samples& p99, const Samples& p50) {
    return Num(p99.Median()) + " (p50 " + Num(p50.Median()) + ")";
  };
  utsname u{};
  uname(&u);

  std::printf("## custodian_bench%s\n\n",
              quick ? " --quick (smoke sizes: figures mean little)" : "");
  std::printf("- date: %s\n", core::FormatUtcMicros(core::SystemClock().NowMicros()).c_str());
  std::printf(
      "- cores: %u (std::thread::hardware_concurrency) · CPU: %s · load average at start %.2f, "
      "at end %.2f\n",
      std::thread::hardware_concurrency(), CpuModel().c_str(), load_at_start, LoadAverage());
  std::printf("- %s %s · temp dir on %s · SQLite %s · %s\n", u.sysname, u.release,
              FileSystemName(dir).c_str(), sqlite3_libversion(), OpenSSL_version(OPENSSL_VERSION));
  std::printf(
      "- %d rounds, each measuring every row once (interleaved); figures are the median "
      "of the rounds, ± is half their range, and ours / limit is the median of the rounds' own "
      "ratios. Ledger: %s events with 1 writer, %s with "
      "%d writers (about %g s worth at each round's fsync rate, within bounds).\n\n",
      sizes.rounds, EventCounts(f.events_one).c_str(), EventCounts(f.events_many).c_str(),
      sizes.many_writers, sizes.ledger_seconds);

  std::printf("| Measure | Ours | This machine's limit, same run | Ours / limit | Goal | Met |\n");
  std::printf("|---|---:|---|---:|---|---|\n");
  auto row = [](const std::string& measure, const std::string& ours, const std::string& limit,
                const std::string& ratio, const std::string& goal, const std::string& met) {
    std::printf("| %s | %s | %s | %s | %s | %s |\n", measure.c_str(), ours.c_str(), limit.c_str(),
                ratio.c_str(), goal.c_str(), met.c_str());
  };
  const std::string fsync_limit = WithSpread(f.fsync_per_s) + " fsync/s (write 128 B + fdatasync)";

  row("durable appends/s, 1 writer", WithSpread(f.one_per_s), fsync_limit,
      Ratio(RoundRatio(f.one_per_s, f.fsync_per_s)), "—", "—");
  row("durable appends/s, 1 writer", WithSpread(f.one_per_s),
      WithSpread(f.sqlite_single_per_s) + " SQLite commits/s (WAL, FULL, 1 insert of 250 B each)",
      Ratio(RoundRatio(f.one_per_s, f.sqlite_single_per_s)), "—", "—");

  const std::string many = "durable appends/s, " + std::to_string(sizes.many_writers) + " writers";
  const double many_ratio = RoundRatio(f.many_per_s, f.fsync_per_s);
  row(many, WithSpread(f.many_per_s), fsync_limit, Ratio(RoundRatio(f.many_per_s, f.fsync_per_s)),
      "≥ " + Num(kGoalFsyncMultiple) + "× fsync/s = " + Num(kGoalFsyncMultiple * fsync),
      verdict(many_ratio >= kGoalFsyncMultiple));
  const double ideal_ratio = RoundRatio(f.ideal_group_per_s, f.fsync_per_s);
  row("ceiling: ideal group commit, " + std::to_string(sizes.many_writers) +
          " synchronous writers, no database",
      WithSpread(f.ideal_group_per_s), fsync_limit, Ratio(ideal_ratio),
      "is " + Num(kGoalFsyncMultiple) + "× reachable here at all?",
      ideal_ratio >= kGoalFsyncMultiple ? "yes" : "NO: the goal exceeds this machine");
  row(many, WithSpread(f.many_per_s),
      WithSpread(f.ideal_group_per_s) + " appends/s: the ideal group commit above",
      Ratio(RoundRatio(f.many_per_s, f.ideal_group_per_s)), "informational", "—");
  row(many, WithSpread(f.many_per_s),
      WithSpread(f.sqlite_batch_per_s) + " SQLite rows/s (WAL, FULL, " +
          Num(sizes.sqlite_batch_rows) + " inserts of 250 B per transaction)",
      Ratio(RoundRatio(f.many_per_s, f.sqlite_batch_per_s)), "informational", "—");

  const std::string fsync_latency =
      latency(f.fsync_p99_ms, f.fsync_p50_ms) + " ms: write 128 B + fdatasync";
  row("p99 append latency (ms), 1 writer", latency(f.one_p99_ms, f.one_p50_ms), fsync_latency,
      Ratio(RoundRatio(f.one_p99_ms, f.fsync_p99_ms)), "p99 ≤ " + Num(kGoalP99Ms) + " ms",
      verdict(f.one_p99_ms.Median() <= kGoalP99Ms));
  row("p99 append latency (ms), " + std::to_string(sizes.many_writers) + " writers",
      latency(f.many_p99_ms, f.many_p50_ms), fsync_latency,
      Ratio(RoundRatio(f.many_p99_ms, f.fsync_p99_ms)), "p99 ≤ " + Num(kGoalP99Ms) + " ms",
      verdict(f.many_p99_ms.Median() <= kGoalP99Ms));

  const std::string sha_what = " (same records, mean " + Num(f.record_bytes.Median()) +
                               " B, one at a time, 1 thread, in memory)";
  row("verify MB/s (VerifyStore)", WithSpread(f.verify_mb_s),
      WithSpread(f.sha_mb_s) + " raw SHA-256 MB/s" + sha_what,
      Ratio(RoundRatio(f.verify_mb_s, f.sha_mb_s)),
      "≥ " + Num(kGoalVerifyShare * 100) + " % of raw SHA-256",
      verdict(RoundRatio(f.verify_mb_s, f.sha_mb_s) >= kGoalVerifyShare));
  row("verify events/s (VerifyStore)", WithSpread(f.verify_events_s),
      WithSpread(f.sha_records_s) + " raw SHA-256 records/s",
      Ratio(RoundRatio(f.verify_events_s, f.sha_records_s)), "—", "—");

  const std::string items = Num(static_cast<double>(custody.items.size()));
  row("p99 access decision (µs, policy::Decide), 20 certifications, " + items + "-item site",
      latency(f.decide_p99_us, f.decide_p50_us),
      latency(f.lookups_p99_us, f.lookups_p50_us) +
          " µs: the look-ups it cannot avoid (std::map finds of person, item, type, compartment, "
          "held count, site, role, 1–3 certifications) + zone ToLocal",
      Ratio(RoundRatio(f.decide_p99_us, f.lookups_p99_us)),
      "p99 ≤ " + Num(kGoalDecideP99Us) + " µs",
      verdict(f.decide_p99_us.Median() <= kGoalDecideP99Us));
  row("p99 what may I take (ms, policy::ListAvailable), " + items + "-item site",
      latency(f.list_p99_ms, f.list_p50_ms),
      latency(f.walk_p99_ms, f.walk_p50_ms) + " ms: a bare walk over the " + items +
          " items applying its filter (home site, custody, pending) and nothing else",
      Ratio(RoundRatio(f.list_p99_ms, f.walk_p99_ms)), "p99 ≤ " + Num(kGoalListP99Ms) + " ms",
      verdict(f.list_p99_ms.Median() <= kGoalListP99Ms));
  const double pin_ratio = RoundRatio(f.matches_ms, f.verify_pin_ms);
  row("Argon2id PIN check (ms, Argon2PinHasher::Matches), INTERACTIVE limits",
      WithSpread(f.matches_ms),
      WithSpread(f.verify_pin_ms) + " ms: libsodium crypto_pwhash_str_verify, same hash and PIN",
      Ratio(pin_ratio), "≈ libsodium (≤ " + Num(kGoalPinShare) + "×)",
      verdict(pin_ratio <= kGoalPinShare));
  row("Argon2id PIN hash (ms, Argon2PinHasher::Hash), INTERACTIVE limits",
      WithSpread(f.hash_pin_ms),
      WithSpread(f.str_pin_ms) + " ms: libsodium crypto_pwhash_str, same PIN and limits",
      Ratio(RoundRatio(f.hash_pin_ms, f.str_pin_ms)), "informational", "—");
  row("p99 unlock (ms, ModbusTcpController::Unlock to the simulator's acknowledgement, loopback, "
      "bank polled every 20 ms)",
      latency(f.unlock_p99_ms, f.unlock_p50_ms),
      latency(f.write_p99_ms, f.write_p50_ms) +
          " ms: a bare libmodbus coil write on its own connection to the same simulator",
      Ratio(RoundRatio(f.unlock_p99_ms, f.write_p99_ms)), "p99 ≤ " + Num(kGoalUnlockP99Ms) + " ms",
      verdict(f.unlock_p99_ms.Median() <= kGoalUnlockP99Ms));
  row("polling cost per compartment (µs per poll, " + std::to_string(sizes.hardware.compartments) +
          "-compartment bank: read, decode, compare, report)",
      WithSpread(f.poll_us_per_compartment),
      WithSpread(f.read_us_per_compartment) +
          " µs: bare libmodbus reads of the same registers and inputs",
      Ratio(RoundRatio(f.poll_us_per_compartment, f.read_us_per_compartment)), "informational",
      "—");

  std::printf(
      "\n- %d writers committed %s events per commit on average (Ledger::commits(): one per "
      "batch).\n",
      sizes.many_writers, Num(f.events_per_commit.Median()).c_str());
  std::printf(
      "- custody site: %s items of %zu types in as many compartments (%zu banks), %zu people, "
      "built from %s domain events; %zu items in custody, %zu quarantined. The person decided for "
      "holds %zu valid certifications, a licence, a schedule open at the instant (Monday noon in "
      "America/New_York, real tzdb) and 2 items. Per round: %s decisions on items drawn uniformly "
      "(%.0f %% allowed; ours and the look-ups alternate every %d calls, each call timed with "
      "steady_clock), %s lists (%s allowed, %s withheld) alternating with the walk, %d PIN "
      "checks and %d hashes each, alternating with libsodium's. Latency figures are each "
      "round's percentile, then the median of the rounds.\n",
      items.c_str(), custody.state.types.size(), custody.banks, custody.state.people.size(),
      Num(static_cast<double>(custody.events)).c_str(), custody.in_custody, custody.quarantined,
      custody.certifications, Num(sizes.custody.decisions).c_str(),
      f.decide_allowed_share.Median() * 100, sizes.custody.decision_block,
      Num(sizes.custody.lists).c_str(), Num(f.listed_allowed.Median()).c_str(),
      Num(f.listed_withheld.Median()).c_str(), sizes.custody.pin_checks, sizes.custody.pin_hashes);
  std::printf("- total runtime: %.1f s\n", runtime_s);
}

int Run(bool quick) {
  const auto start = SteadyClock::now();
  const Sizes sizes = quick ? QuickSizes() : Sizes{};
  const double load_at_start = LoadAverage();

  auto fail = [](const Status& s) {
    std::fprintf(stderr, "custodian_bench: error: %s\n", s.ToString().c_str());
    return 1;
  };
  auto dir = TempDir::Create();
  if (!dir) return fail(dir.error());
  auto signer = ledger::NoteSigner::Generate(ledger::OriginForSite(kSite));
  if (!signer) return fail(signer.error());

  std::fprintf(stderr, "building the custody site from domain events\n");
  auto custody = CustodySite::Build(/*seed=*/3);
  if (!custody) return fail(custody.error());

  Figures figures;
  for (int round = 0; round < sizes.rounds; ++round) {
    Status s = RunRound((*dir)->path(), sizes, *signer, **custody, round, figures);
    if (!s.ok()) return fail(s);
  }
  PrintReport(figures, sizes, **custody, quick, (*dir)->path(), load_at_start, SecondsSince(start));
  return 0;
}

}  // namespace
}  // namespace custodian::bench

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: custodian_bench [--quick]\n"
          "Measures ledger appends, latency and verification against this machine's\n"
          "fsync, SQLite and SHA-256 limits, and access decisions, the 'what may I take'\n"
          "list and Argon2id PIN checks against the same work done bare, and prints one\n"
          "markdown table.\n"
          "--quick  much smaller sizes (a smoke test; the figures mean little)\n");
      return 0;
    } else {
      std::fprintf(stderr, "custodian_bench: unknown argument %s (try --help)\n", argv[i]);
      return 2;
    }
  }
  return custodian::bench::Run(quick);
}
