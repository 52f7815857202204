// Storage faults under the ledger, SQLite-style: every write operation (xWrite, xSync, xTruncate)
// that an append, an append that checkpoints the WAL, the creation of a ledger, or a group of
// concurrent appends makes fails in turn — once, and from then on — through FaultVfs. At every
// injection point the operation must either succeed or fail cleanly: an acknowledged event
// survives; an error says the events may not be durable and stops the ledger until it is
// reopened. Each outcome is checked twice, on the files as a crash right after the operation
// leaves them and after closing (with the fault still armed) and reopening on a healthy disk: the
// ledger opens and verifies, holds each event whole or not at all, and takes new appends. Each
// test prints a summary line of its injection points.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/record.h"
#include "testing/ledger_fixture.h"
#include "testing/sqlite_fault_vfs.h"

namespace custodian {
namespace {

using testing::FaultVfs;
using testing::LedgerFixture;

constexpr const char* kDurabilityError = "could not make events durable";
constexpr uint64_t kEventsBefore = 5;

store::SqliteOptions FaultOptions() {
  FaultVfs::Instance();  // registers the VFS before a connection names it
  return store::SqliteOptions{FaultVfs::kName};
}

ledger::EventDraft SignOut() {
  ledger::EventDraft d;
  d.actor = "badge:4711";
  d.kind = "item.signed_out";
  d.subjects = {"item:radio-7", "compartment:A3"};
  d.payload = R"({"due":"18:00","probe":"storage-fault"})";
  return d;
}

using StoredMap = std::map<uint64_t, ledger::Event>;

// Every stored event by index, decoded (a record that does not decode fails the test).
StoredMap StoredEvents(store::SqliteLedgerStore& s) {
  StoredMap out;
  EXPECT_TRUE(s.ScanEvents(0, UINT64_MAX, [&](uint64_t key, core::ByteSpan record) {
                 auto e = ledger::DecodeEvent(record);
                 EXPECT_TRUE(e.has_value()) << "event " << key << ": " << e.error().ToString();
                 if (e) out.emplace(key, *e);
                 return true;
               }).ok());
  return out;
}

void ExpectIsDraft(const ledger::Event& e, const ledger::EventDraft& d) {
  EXPECT_EQ(e.kind, d.kind);
  EXPECT_EQ(e.actor, d.actor);
  EXPECT_EQ(e.subjects, d.subjects);
  EXPECT_EQ(e.payload, d.payload);
}

std::string Points(const std::vector<uint64_t>& points) {
  if (points.empty()) return "none";
  std::ostringstream out;
  for (size_t i = 0; i < points.size(); ++i) out << (i ? "," : "") << points[i];
  return out.str();
}

std::string ModeName(bool persistent) { return persistent ? "from then on" : "once"; }

// Opens `f` on the default (healthy) VFS and checks what must hold whatever a fault did: it
// opens, verifies, and (with `append_more`) takes three more appends that verify too. Returns the
// stored events from before those appends, or nothing (a failure) if it does not open.
std::optional<StoredMap> OpenHealthyAndCheck(LedgerFixture& f, bool append_more = true) {
  f.set_options({});
  core::Status open = f.Open();
  EXPECT_TRUE(open.ok()) << open.ToString();
  if (!open.ok()) return std::nullopt;
  auto v = f.Verify();
  EXPECT_TRUE(v.status.ok()) << v.status.ToString();
  auto events = StoredEvents(f.store());
  EXPECT_EQ(v.events, events.size());
  EXPECT_EQ(f.ledger().size(), events.size());
  if (!append_more) return events;
  core::Status more = f.AppendSynthetic(3, 1, /*seed=*/99);
  EXPECT_TRUE(more.ok()) << more.ToString();
  auto after = f.Verify();
  EXPECT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_EQ(after.events, events.size() + 3);
  return events;
}

// Closes `f` with the fault still armed (closing checkpoints the WAL into the database, so a
// fault may fire there too), then disarms it and checks the reopened ledger.
std::optional<StoredMap> CloseAndReopenHealthy(LedgerFixture& f) {
  f.Close();
  FaultVfs::Instance().Disarm();
  return OpenHealthyAndCheck(f);
}

// Leaves in `to`'s directory the ledger files of the open ledger `from` as a crash of the process
// at this moment would: the database and its WAL, without the shared-memory WAL index, which the
// next opener rebuilds from the WAL. (Writes SQLite made but did not sync are kept: this is a
// process crash, not a power loss.)
void CopyLedgerFiles(const LedgerFixture& from, const LedgerFixture& to) {
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    if (!std::filesystem::exists(from.db_path() + suffix)) continue;
    std::filesystem::copy_file(from.db_path() + suffix, to.db_path() + suffix, ec);
    ASSERT_FALSE(ec) << ec.message();
  }
}

std::optional<StoredMap> CrashCopyAndOpenHealthy(const LedgerFixture& f, LedgerFixture& crashed,
                                                 bool append_more = true) {
  CopyLedgerFiles(f, crashed);
  return OpenHealthyAndCheck(crashed, append_more);
}

// The write operations of one append of SignOut() to a ledger of kEventsBefore events.
std::vector<std::string> MeasureAppend() {
  LedgerFixture f("test-site", FaultOptions());
  EXPECT_TRUE(f.Open().ok());
  EXPECT_TRUE(f.AppendSynthetic(kEventsBefore).ok());
  FaultVfs& vfs = FaultVfs::Instance();
  vfs.Disarm();
  vfs.ResetCount();
  EXPECT_TRUE(f.ledger().Append(SignOut()).has_value());
  EXPECT_EQ(vfs.writes(), vfs.Trace().size());
  return vfs.Trace();
}

struct AppendRun {
  bool acknowledged = false;
  bool injected = false;   // the fault fired during the append
  size_t after_crash = 0;  // events stored as a crash right after the append leaves them
  size_t after_close = 0;  // events stored after closing (fault still armed) and reopening
};

// Checks the events stored after the append of SignOut() to kEventsBefore events: all of it or
// none, and all of it if it was acknowledged.
void ExpectWholeOrNothing(const std::optional<StoredMap>& stored, bool acknowledged) {
  ASSERT_TRUE(stored.has_value());
  const StoredMap& events = *stored;
  EXPECT_TRUE(events.size() == kEventsBefore || events.size() == kEventsBefore + 1)
      << events.size() << " events stored";
  if (acknowledged) {
    EXPECT_EQ(events.size(), kEventsBefore + 1) << "an acknowledged append was lost";
  }
  if (events.size() == kEventsBefore + 1) {
    ASSERT_TRUE(events.contains(kEventsBefore));
    ExpectIsDraft(events.at(kEventsBefore), SignOut());
  }
}

// One append of SignOut() to a ledger of kEventsBefore events while the point-th write operation
// fails; then the files as a crash would leave them, and a close and reopen, are checked.
void AppendWithFaultAt(uint64_t point, bool persistent, AppendRun* run) {
  FaultVfs& vfs = FaultVfs::Instance();
  LedgerFixture f("test-site", FaultOptions());
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(kEventsBefore).ok());
  vfs.ResetCount();
  vfs.FailAt(point, persistent);
  auto r = f.ledger().Append(SignOut());
  run->acknowledged = r.has_value();
  run->injected = vfs.failures() > 0;
  if (r) {
    EXPECT_EQ(r->index, kEventsBefore);
    EXPECT_TRUE(f.ledger().health().ok());
  } else {
    EXPECT_NE(r.error().message().find(kDurabilityError), std::string::npos)
        << r.error().ToString();
    core::Status health = f.ledger().health();
    EXPECT_FALSE(health.ok());
    EXPECT_NE(health.message().find(kDurabilityError), std::string::npos) << health.ToString();
    // The ledger refuses until reopened — also when the disk works again (a fault that fails
    // once has been spent by now).
    auto again = f.ledger().Append(SignOut());
    EXPECT_FALSE(again.has_value()) << "an append after a failed commit was accepted";
    EXPECT_EQ(f.ledger().size(), kEventsBefore);
  }

  {
    SCOPED_TRACE("after a crash");
    LedgerFixture crashed;
    auto events = CrashCopyAndOpenHealthy(f, crashed);
    ExpectWholeOrNothing(events, run->acknowledged);
    if (::testing::Test::HasFatalFailure()) return;
    run->after_crash = events->size();
  }
  {
    SCOPED_TRACE("after closing and reopening");
    auto events = CloseAndReopenHealthy(f);
    ExpectWholeOrNothing(events, run->acknowledged);
    if (::testing::Test::HasFatalFailure()) return;
    run->after_close = events->size();
  }
}

void WalkEveryInjectionPointOfAnAppend(bool persistent) {
  const std::vector<std::string> ops = MeasureAppend();
  ASSERT_FALSE(ops.empty());
  std::vector<uint64_t> errors, durable_after_crash, durable_after_close, absorbed;
  for (uint64_t point = 1; point <= ops.size() + 2; ++point) {
    const std::string op = point <= ops.size() ? ops[point - 1] : "(on close, after the append)";
    SCOPED_TRACE("write operation " + std::to_string(point) + " of " + std::to_string(ops.size()) +
                 " fails " + ModeName(persistent) + ": " + op);
    AppendRun run;
    AppendWithFaultAt(point, persistent, &run);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(run.injected, point <= ops.size());
    if (point > ops.size()) {
      EXPECT_TRUE(run.acknowledged);
    }
    if (!run.acknowledged) {
      errors.push_back(point);
      if (run.after_crash == kEventsBefore + 1) durable_after_crash.push_back(point);
      if (run.after_close == kEventsBefore + 1) durable_after_close.push_back(point);
    }
    if (run.acknowledged && run.injected) absorbed.push_back(point);
  }
  std::ostringstream summary;
  summary << "[ summary  ] one append on a " << kEventsBefore << "-event ledger = " << ops.size()
          << " write ops:";
  for (size_t i = 0; i < ops.size(); ++i) summary << " " << i + 1 << "=" << ops[i] << ";";
  summary << "\n[ summary  ] failing " << ModeName(persistent) << ": error at " << Points(errors)
          << "; the event is durable despite the error after a crash at "
          << Points(durable_after_crash) << ", after close and reopen at "
          << Points(durable_after_close) << "; failure absorbed by SQLite (append OK) at "
          << Points(absorbed) << "\n";
  std::cout << summary.str();
}

TEST(StorageFault, EveryInjectionPointOfAnAppendFailsCleanlyOnce) {
  WalkEveryInjectionPointOfAnAppend(/*persistent=*/false);
}

TEST(StorageFault, EveryInjectionPointOfAnAppendFailsCleanlyFromThenOn) {
  WalkEveryInjectionPointOfAnAppend(/*persistent=*/true);
}

ledger::EventDraft ItemReturned() {
  ledger::EventDraft d = SignOut();
  d.kind = "item.returned";
  d.payload = R"({"condition":"ok","probe":"storage-fault"})";
  return d;
}

// SQLite checkpoints the WAL into the database when a commit takes it past 1000 frames; the append
// that does so, and the next one (which starts the WAL over), write more and other files than an
// ordinary append. Their injection points are walked from a copy of a ledger one append short of
// that point.
TEST(StorageFault, EveryInjectionPointOfACheckpointingAppendFailsCleanly) {
  FaultVfs& vfs = FaultVfs::Instance();
  uint64_t before = 0;  // events in the ledger whose next append checkpoints
  {
    LedgerFixture probe("test-site", FaultOptions());
    ASSERT_TRUE(probe.Open().ok());
    for (;; ++before) {
      ASSERT_LT(before, 2000u) << "no append checkpointed the WAL";
      vfs.ResetCount();
      ASSERT_TRUE(probe.ledger().Append(app::SyntheticEvent(before, 1)).has_value());
      auto trace = vfs.Trace();
      if (std::any_of(trace.begin(), trace.end(),
                      [](const std::string& op) { return op.starts_with("write ledger.db "); })) {
        break;
      }
    }
  }
  LedgerFixture original;  // kept open, so its WAL is not checkpointed on close
  ASSERT_TRUE(original.Open().ok());
  for (uint64_t i = 0; i < before; ++i) {
    ASSERT_TRUE(original.ledger().Append(app::SyntheticEvent(i, 1)).has_value());
  }

  const std::vector<ledger::EventDraft> drafts = {SignOut(), ItemReturned()};
  std::vector<std::string> ops;
  size_t ops_of_first = 0;
  {
    LedgerFixture m("test-site", FaultOptions());
    CopyLedgerFiles(original, m);
    ASSERT_TRUE(m.Open().ok());
    vfs.Disarm();
    vfs.ResetCount();
    ASSERT_TRUE(m.ledger().Append(drafts[0]).has_value());
    ops_of_first = vfs.writes();
    ASSERT_TRUE(m.ledger().Append(drafts[1]).has_value());
    ops = vfs.Trace();
    ASSERT_EQ(ops.size(), vfs.writes());
  }

  // All of each draft or none, in order, and every acknowledged one.
  auto check = [&](const StoredMap& events, size_t acknowledged) {
    EXPECT_GE(events.size(), before + acknowledged) << "an acknowledged append was lost";
    EXPECT_LE(events.size(), before + drafts.size());
    for (size_t i = 0; i < drafts.size() && events.contains(before + i); ++i) {
      ExpectIsDraft(events.at(before + i), drafts[i]);
    }
  };
  for (bool persistent : {false, true}) {
    std::vector<uint64_t> errors, durable_despite_error;
    for (uint64_t point = 1; point <= ops.size() + 2; ++point) {
      const std::string op = point <= ops.size() ? ops[point - 1] : "(on close)";
      SCOPED_TRACE("write operation " + std::to_string(point) + " of " +
                   std::to_string(ops.size()) + " fails " + ModeName(persistent) + ": " + op);
      LedgerFixture f("test-site", FaultOptions());
      CopyLedgerFiles(original, f);
      ASSERT_TRUE(f.Open().ok());
      vfs.ResetCount();
      vfs.FailAt(point, persistent);
      size_t acknowledged = 0;
      for (const auto& d : drafts) {
        auto r = f.ledger().Append(d);
        if (!r) {
          EXPECT_NE(r.error().message().find(kDurabilityError), std::string::npos)
              << r.error().ToString();
          break;
        }
        EXPECT_EQ(r->index, before + acknowledged);
        ++acknowledged;
      }
      EXPECT_EQ(vfs.failures() > 0, point <= ops.size());
      if (acknowledged < drafts.size()) {
        errors.push_back(point);
        EXPECT_FALSE(f.ledger().health().ok());
        EXPECT_FALSE(f.ledger().Append(drafts.back()).has_value());
      }
      size_t stored_after_crash = 0;
      {
        SCOPED_TRACE("after a crash");
        LedgerFixture crashed;
        // Appending more here would checkpoint the 1000-frame WAL again; the reopened ledger
        // below shows that appends work.
        auto events = CrashCopyAndOpenHealthy(f, crashed, /*append_more=*/false);
        ASSERT_TRUE(events.has_value());
        stored_after_crash = events->size();
        check(*events, acknowledged);
      }
      {
        SCOPED_TRACE("after closing and reopening");
        auto events = CloseAndReopenHealthy(f);
        ASSERT_TRUE(events.has_value());
        check(*events, acknowledged);
        if (events->size() > before + acknowledged || stored_after_crash > before + acknowledged) {
          durable_despite_error.push_back(point);
        }
      }
      if (HasFatalFailure()) return;
    }
    std::ostringstream summary;
    summary << "[ summary  ] appending event " << before << " (checkpoints the WAL) and event "
            << before + 1 << " (starts the WAL over) = " << ops_of_first << " + "
            << ops.size() - ops_of_first << " write ops:";
    if (!persistent) {
      for (size_t i = 0; i < ops.size(); ++i) summary << " " << i + 1 << "=" << ops[i] << ";";
    }
    summary << "\n[ summary  ] failing " << ModeName(persistent) << ": error at " << Points(errors)
            << "; an unacknowledged event is durable (after a crash or a "
            << "reopen) at " << Points(durable_despite_error) << "\n";
    std::cout << summary.str();
  }
}

// An explicit checkpoint (`custodian ledger checkpoint`) writes only the checkpoint history, not
// the chain. It must fail cleanly too, and whatever the ledger does with the next append — accept
// it or refuse it — nothing acknowledged may be lost.
TEST(StorageFault, EveryInjectionPointOfAnExplicitCheckpointFailsCleanly) {
  FaultVfs& vfs = FaultVfs::Instance();
  std::vector<std::string> ops;
  {
    LedgerFixture m("test-site", FaultOptions());
    ASSERT_TRUE(m.Open().ok());
    ASSERT_TRUE(m.AppendSynthetic(kEventsBefore).ok());
    vfs.Disarm();
    vfs.ResetCount();
    ASSERT_TRUE(m.ledger().Checkpoint().has_value());
    ops = vfs.Trace();
  }
  ASSERT_FALSE(ops.empty());
  for (bool persistent : {false, true}) {
    std::vector<uint64_t> errors, appends_after_error, kept_despite_error;
    for (uint64_t point = 1; point <= ops.size() + 2; ++point) {
      const std::string op = point <= ops.size() ? ops[point - 1] : "(after the checkpoint)";
      SCOPED_TRACE("write operation " + std::to_string(point) + " of " +
                   std::to_string(ops.size()) + " fails " + ModeName(persistent) + ": " + op);
      LedgerFixture f("test-site", FaultOptions());
      ASSERT_TRUE(f.Open().ok());
      ASSERT_TRUE(f.AppendSynthetic(kEventsBefore).ok());
      vfs.ResetCount();
      vfs.FailAt(point, persistent);
      auto c = f.ledger().Checkpoint();
      EXPECT_EQ(vfs.failures() > 0, point <= ops.size());
      if (!c) {
        errors.push_back(point);
        EXPECT_EQ(c.error().code(), core::StatusCode::kUnavailable) << c.error().ToString();
      }
      auto r = f.ledger().Append(SignOut());
      if (!c && r) appends_after_error.push_back(point);
      if (!c) {
        // Fail closed: after a failed checkpoint the ledger refuses appends until reopened.
        EXPECT_FALSE(r.has_value()) << "an append was accepted after a failed checkpoint";
        EXPECT_FALSE(f.ledger().health().ok());
        if (!r) {
          EXPECT_NE(r.error().message().find("refuses further appends"), std::string::npos)
              << r.error().ToString();
        }
      } else if (!r) {
        EXPECT_NE(r.error().message().find(kDurabilityError), std::string::npos)
            << r.error().ToString();
      }

      LedgerFixture crashed;
      for (LedgerFixture* g : {&crashed, &f}) {
        SCOPED_TRACE(g == &f ? "after closing and reopening" : "after a crash");
        auto events = g == &f ? CloseAndReopenHealthy(f) : CrashCopyAndOpenHealthy(f, crashed);
        ExpectWholeOrNothing(events, r.has_value());
        if (HasFatalFailure()) return;
        auto history = g->store().CheckpointHistory();
        ASSERT_TRUE(history.has_value()) << history.error().ToString();
        bool kept = false;
        for (const auto& h : *history) {
          if (h.size != kEventsBefore) continue;
          kept = true;
          auto opened = ledger::OpenCheckpoint(h.note, g->signer().Verifier());
          EXPECT_TRUE(opened.has_value()) << "a stored checkpoint does not verify";
          if (c) {
            EXPECT_EQ(h.note, c->note);
          }
        }
        if (c) {
          EXPECT_TRUE(kept) << "an acknowledged checkpoint was lost";
        }
        if (!c && kept && g == &f) kept_despite_error.push_back(point);
      }
    }
    std::cout << "[ summary  ] an explicit checkpoint = " << ops.size() << " write ops; failing "
              << ModeName(persistent) << ": error at " << Points(errors)
              << "; the checkpoint is kept despite the error (after reopening) at "
              << Points(kept_despite_error) << "; the next append is accepted after the error at "
              << Points(appends_after_error) << "\n";
  }
}

TEST(StorageFault, FailureWhileCreatingTheLedgerLeavesNothingBehind) {
  FaultVfs& vfs = FaultVfs::Instance();
  std::vector<std::string> ops;
  {
    LedgerFixture f("test-site", FaultOptions());
    vfs.Disarm();
    vfs.ResetCount();
    ASSERT_TRUE(f.Open().ok());
    ops = vfs.Trace();
  }
  ASSERT_FALSE(ops.empty());
  for (bool persistent : {false, true}) {
    std::vector<uint64_t> errors;
    for (uint64_t point = 1; point <= ops.size() + 2; ++point) {
      const std::string op = point <= ops.size() ? ops[point - 1] : "(after creation)";
      SCOPED_TRACE("write operation " + std::to_string(point) + " of " +
                   std::to_string(ops.size()) + " fails " + ModeName(persistent) + ": " + op);
      LedgerFixture f("test-site", FaultOptions());
      vfs.ResetCount();
      vfs.FailAt(point, persistent);
      core::Status open = f.Open();
      EXPECT_EQ(vfs.failures() > 0, point <= ops.size());
      if (!open.ok()) {
        errors.push_back(point);
        EXPECT_EQ(open.code(), core::StatusCode::kUnavailable) << open.ToString();
        EXPECT_NE(open.message().find("I/O error"), std::string::npos) << open.ToString();
      }
      LedgerFixture crashed;
      for (LedgerFixture* g : {&crashed, &f}) {
        SCOPED_TRACE(g == &f ? "after closing and reopening" : "after a crash");
        auto events = g == &f ? CloseAndReopenHealthy(f) : CrashCopyAndOpenHealthy(f, crashed);
        ASSERT_TRUE(events.has_value());
        EXPECT_TRUE(events->empty()) << events->size() << " events in a ledger nobody appended to";
        EXPECT_EQ(g->ledger().meta().site, "test-site");
        EXPECT_EQ(g->ledger().meta().origin, "custodian/test-site");
      }
    }
    std::cout << "[ summary  ] creating a ledger = " << ops.size() << " write ops; failing "
              << ModeName(persistent) << ": Open returns an error at " << Points(errors) << "\n";
  }
}

TEST(StorageFault, ConcurrentAppendersAllSeeTheFailureAndNoneIsLost) {
  constexpr int kThreads = 4;
  constexpr int kMaxEach = 60;  // enough appends that the fault fires while all are writing
  FaultVfs& vfs = FaultVfs::Instance();
  const uint64_t per_append = MeasureAppend().size();
  for (bool persistent : {false, true}) {
    std::ostringstream runs;
    for (uint64_t point : {uint64_t{1}, uint64_t{2}, per_append - 1, per_append, per_append + 1,
                           2 * per_append, 3 * per_append + 1, 5 * per_append, 8 * per_append}) {
      SCOPED_TRACE("write operation " + std::to_string(point) + " fails " + ModeName(persistent));
      LedgerFixture f("test-site", FaultOptions());
      ASSERT_TRUE(f.Open().ok());
      ASSERT_TRUE(f.AppendSynthetic(kEventsBefore).ok());

      struct Outcome {
        ledger::EventDraft draft;
        std::optional<uint64_t> index;  // set when acknowledged
      };
      std::vector<std::vector<Outcome>> outcomes(kThreads);
      // Not vector<bool>, whose elements share bytes: each thread writes its own.
      std::vector<char> refused_after_error(kThreads, 1);
      vfs.ResetCount();
      vfs.FailAt(point, persistent);
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kMaxEach; ++i) {
            ledger::EventDraft d;
            d.actor = "badge:" + std::to_string(1000 + t);
            d.kind = "item.signed_out";
            d.subjects = {"item:radio-" + std::to_string(t) + "-" + std::to_string(i)};
            d.payload =
                R"({"thread":)" + std::to_string(t) + R"(,"seq":)" + std::to_string(i) + "}";
            auto r = f.ledger().Append(d);
            outcomes[t].push_back({d, r ? std::optional<uint64_t>(r->index) : std::nullopt});
            if (!r) {
              if (r.error().message().find(kDurabilityError) == std::string::npos) {
                ADD_FAILURE() << r.error().ToString();
              }
              refused_after_error[t] = !f.ledger().Append(d).has_value();
              return;
            }
          }
        });
      }
      for (auto& th : threads) th.join();
      const bool injected = vfs.failures() > 0;

      bool any_error = false;
      for (int t = 0; t < kThreads; ++t) {
        EXPECT_TRUE(refused_after_error[t]) << "thread " << t << " appended after an error";
        any_error = any_error || !outcomes[t].back().index.has_value();
      }
      if (any_error) {
        EXPECT_FALSE(f.ledger().health().ok());
        for (int t = 0; t < kThreads; ++t) {
          EXPECT_FALSE(outcomes[t].back().index.has_value())
              << "thread " << t << " never saw the failure that stopped the ledger";
        }
      } else {
        EXPECT_FALSE(injected && persistent) << "a persistent write failure went unnoticed";
      }

      std::map<std::string, const Outcome*> by_payload;
      size_t acknowledged = 0;
      for (const auto& per_thread : outcomes) {
        for (const Outcome& o : per_thread) {
          by_payload[o.draft.payload] = &o;
          if (o.index) ++acknowledged;
        }
      }
      // Every acknowledged event is stored at its index; every other stored event after the
      // first kEventsBefore is one of the failed drafts, whole (its batch may have reached the
      // disk before the error). Returns how many of those there are.
      auto check = [&](const StoredMap& events) -> size_t {
        for (const auto& [draft_payload, o] : by_payload) {
          if (!o->index) continue;
          SCOPED_TRACE("acknowledged event " + std::to_string(*o->index) + " " + draft_payload);
          EXPECT_TRUE(events.contains(*o->index)) << "an acknowledged event is missing";
          if (events.contains(*o->index)) ExpectIsDraft(events.at(*o->index), o->draft);
        }
        EXPECT_GE(events.size(), kEventsBefore + acknowledged);
        size_t unacknowledged = 0;
        for (const auto& [index, e] : events) {
          if (index < kEventsBefore) continue;
          auto it = by_payload.find(e.payload);
          if (it == by_payload.end()) {
            ADD_FAILURE() << "event " << index << " is none of the drafts: " << e.payload;
            continue;
          }
          ExpectIsDraft(e, it->second->draft);
          if (it->second->index) {
            EXPECT_EQ(*it->second->index, index);
          } else {
            ++unacknowledged;
          }
        }
        return unacknowledged;
      };
      size_t after_crash = 0, after_close = 0;
      {
        SCOPED_TRACE("after a crash");
        LedgerFixture crashed;
        auto events = CrashCopyAndOpenHealthy(f, crashed);
        ASSERT_TRUE(events.has_value());
        after_crash = check(*events);
      }
      {
        SCOPED_TRACE("after closing and reopening");
        auto events = CloseAndReopenHealthy(f);
        ASSERT_TRUE(events.has_value());
        after_close = check(*events);
      }
      runs << " " << point << ":" << acknowledged << "ok/" << (any_error ? "error" : "no error");
      if (after_crash + after_close > 0) {
        runs << "(+" << after_crash << " durable after a crash, +" << after_close
             << " after reopening)";
      }
    }
    std::cout << "[ summary  ] " << kThreads << " appenders, failing " << ModeName(persistent)
              << " at write op: acknowledged/outcome" << runs.str() << "\n";
  }
}

// Reads go through their own connection: while a commit waits in its fsync (held by FaultVfs, as
// on a slow disk), every read answers at once from the last commit, and sees the new one as soon
// as Commit returns. (With one connection and one mutex, each of these reads waited for the
// fsync: event streams, proofs and the ledger's status stalled the server's event loops.)
TEST(StorageFault, ReadsDoNotWaitForACommitInItsFsync) {
  LedgerFixture f("test-site", FaultOptions());
  ASSERT_TRUE(f.Open().ok());
  ASSERT_TRUE(f.AppendSynthetic(kEventsBefore).ok());
  FaultVfs& vfs = FaultVfs::Instance();
  vfs.HoldNextSync();
  core::Status appended = core::InternalError("not yet");
  std::thread writer([&] { appended = f.AppendSynthetic(1, 1, /*seed=*/7); });
  ASSERT_TRUE(vfs.WaitForHeldSync(std::chrono::seconds(30))) << "the append made no fsync";
  // Each read on another thread, so that a read stuck behind the commit fails the test (and the
  // sync is released) rather than hanging it.
  struct Seen {
    uint64_t count = 0;
    size_t scanned = 0;
    bool checkpoint = false;
    bool node_status = false;
  };
  auto reads = std::async(std::launch::async, [&] {
    Seen seen;
    store::SqliteLedgerStore& s = f.store();
    if (auto n = s.CountEvents()) seen.count = *n;
    (void)s.ScanEvents(0, UINT64_MAX, [&](uint64_t, core::ByteSpan) {
      ++seen.scanned;
      return true;
    });
    if (auto c = s.LatestCheckpoint()) seen.checkpoint = c->has_value();
    seen.node_status = s.ReadNode(0, 0).has_value();
    return seen;
  });
  const bool answered = reads.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  vfs.ReleaseSync();
  writer.join();
  ASSERT_TRUE(answered) << "a read waited for the commit's fsync";
  const Seen seen = reads.get();
  EXPECT_EQ(seen.count, kEventsBefore);
  EXPECT_EQ(seen.scanned, kEventsBefore);
  EXPECT_TRUE(seen.checkpoint);
  EXPECT_TRUE(seen.node_status);
  ASSERT_TRUE(appended.ok()) << appended.ToString();
  // The commit is visible to the next read.
  auto after = f.store().CountEvents();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after, kEventsBefore + 1);
  EXPECT_EQ(StoredEvents(f.store()).size(), kEventsBefore + 1);
}

}  // namespace
}  // namespace custodian
