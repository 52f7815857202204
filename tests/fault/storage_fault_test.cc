// Storage faults under the ledger, SQLite-style: every write operation (xWrite, xSync, xTruncate)
// that an append, the creation of a ledger, or a group of concurrent appends makes fails in turn —
// once, and from then on — through FaultVfs. At every injection point the operation must either
// succeed or fail cleanly: an acknowledged event survives reopening; an error says the events may
// not be durable and stops the ledger; after reopening with a healthy disk the ledger verifies,
// holds each event whole or not at all, and takes new appends.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
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

// Every stored event by index, decoded (a record that does not decode fails the test).
std::map<uint64_t, ledger::Event> StoredEvents(store::SqliteLedgerStore& s) {
  std::map<uint64_t, ledger::Event> out;
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
// opens, verifies, and takes three more appends that verify too. Returns the stored events from
// before those appends.
std::map<uint64_t, ledger::Event> OpenHealthyAndCheck(LedgerFixture& f) {
  f.set_options({});
  core::Status open = f.Open();
  EXPECT_TRUE(open.ok()) << open.ToString();
  if (!open.ok()) return {};
  auto v = f.Verify();
  EXPECT_TRUE(v.status.ok()) << v.status.ToString();
  auto events = StoredEvents(f.store());
  EXPECT_EQ(v.events, events.size());
  EXPECT_EQ(f.ledger().size(), events.size());
  core::Status more = f.AppendSynthetic(3, 1, /*seed=*/99);
  EXPECT_TRUE(more.ok()) << more.ToString();
  auto after = f.Verify();
  EXPECT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_EQ(after.events, events.size() + 3);
  return events;
}

// Closes `f` with the fault still armed (closing checkpoints the WAL into the database, so a
// fault may fire there too), then disarms it and checks the reopened ledger.
std::map<uint64_t, ledger::Event> CloseAndReopenHealthy(LedgerFixture& f) {
  f.Close();
  FaultVfs::Instance().Disarm();
  return OpenHealthyAndCheck(f);
}

// Leaves in `crashed`'s directory the ledger files of `f` as a crash of the process at this
// moment would: the database and its WAL, without the shared-memory WAL index, which the next
// opener rebuilds from the WAL. `f` stays open.
std::map<uint64_t, ledger::Event> CrashCopyAndOpenHealthy(const LedgerFixture& f,
                                                          LedgerFixture& crashed) {
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const std::string from = f.db_path() + suffix;
    if (!std::filesystem::exists(from)) continue;
    std::filesystem::copy_file(from, crashed.db_path() + suffix, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  return OpenHealthyAndCheck(crashed);
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
  bool injected = false;
  size_t stored = 0;  // events after reopening
};

// One append of SignOut() to a ledger of kEventsBefore events while the point-th write operation
// fails, then a reopen on a healthy disk; checks everything both must satisfy.
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
    // The ledger refuses until reopened, even once the disk is healthy again.
    vfs.Disarm();
    auto again = f.ledger().Append(SignOut());
    EXPECT_FALSE(again.has_value()) << "an append after a failed commit was accepted";
    EXPECT_EQ(f.ledger().size(), kEventsBefore);
  }

  auto events = ReopenHealthyAndCheck(f);
  run->stored = events.size();
  ASSERT_TRUE(events.size() == kEventsBefore || events.size() == kEventsBefore + 1)
      << events.size() << " events stored";
  if (run->acknowledged) {
    EXPECT_EQ(events.size(), kEventsBefore + 1) << "an acknowledged append was lost";
  }
  if (events.size() == kEventsBefore + 1) {
    ASSERT_TRUE(events.contains(kEventsBefore));
    ExpectIsDraft(events.at(kEventsBefore), SignOut());
  }
}

void WalkEveryInjectionPointOfAnAppend(bool persistent) {
  const std::vector<std::string> ops = MeasureAppend();
  ASSERT_FALSE(ops.empty());
  std::vector<uint64_t> errors, durable_despite_error, absorbed;
  for (uint64_t point = 1; point <= ops.size() + 2; ++point) {
    const std::string op = point <= ops.size() ? ops[point - 1] : "(after the append)";
    SCOPED_TRACE("write operation " + std::to_string(point) + " of " + std::to_string(ops.size()) +
                 " fails " + ModeName(persistent) + ": " + op);
    AppendRun run;
    AppendWithFaultAt(point, persistent, &run);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(run.injected, point <= ops.size());
    if (point > ops.size()) {
      EXPECT_TRUE(run.acknowledged);
    }
    if (!run.acknowledged) errors.push_back(point);
    if (!run.acknowledged && run.stored == kEventsBefore + 1) {
      durable_despite_error.push_back(point);
    }
    if (run.acknowledged && run.injected) absorbed.push_back(point);
  }
  std::ostringstream summary;
  summary << "[ summary  ] one append on a " << kEventsBefore << "-event ledger = " << ops.size()
          << " write ops:";
  for (size_t i = 0; i < ops.size(); ++i) summary << " " << i + 1 << "=" << ops[i] << ";";
  summary << "\n[ summary  ] failing " << ModeName(persistent) << ": error at " << Points(errors)
          << "; durable despite the error at " << Points(durable_despite_error)
          << "; failure absorbed by SQLite (append OK) at " << Points(absorbed) << "\n";
  std::cout << summary.str();
}

TEST(StorageFault, EveryInjectionPointOfAnAppendFailsCleanlyOnce) {
  WalkEveryInjectionPointOfAnAppend(/*persistent=*/false);
}

TEST(StorageFault, EveryInjectionPointOfAnAppendFailsCleanlyFromThenOn) {
  WalkEveryInjectionPointOfAnAppend(/*persistent=*/true);
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
      auto events = ReopenHealthyAndCheck(f);
      if (HasFatalFailure()) return;
      EXPECT_TRUE(events.empty()) << events.size() << " events in a ledger nobody appended to";
      EXPECT_EQ(f.ledger().meta().site, "test-site");
      EXPECT_EQ(f.ledger().meta().origin, "custodian/test-site");
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
      std::vector<bool> refused_after_error(kThreads, true);
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

      auto events = ReopenHealthyAndCheck(f);
      if (HasFatalFailure()) return;
      std::map<std::string, const Outcome*> by_payload;
      size_t acknowledged = 0;
      for (const auto& per_thread : outcomes) {
        for (const Outcome& o : per_thread) {
          by_payload[o.draft.payload] = &o;
          if (!o.index) continue;
          ++acknowledged;
          SCOPED_TRACE("acknowledged event " + std::to_string(*o.index) + " " + o.draft.payload);
          ASSERT_TRUE(events.contains(*o.index)) << "an acknowledged event is missing";
          ExpectIsDraft(events.at(*o.index), o.draft);
        }
      }
      EXPECT_GE(events.size(), kEventsBefore + acknowledged);
      // Every stored event after the first kEventsBefore is one of the drafts, whole; one whose
      // append failed may be there (its batch reached the disk before the error) or not.
      for (const auto& [index, e] : events) {
        if (index < kEventsBefore) continue;
        auto it = by_payload.find(e.payload);
        ASSERT_NE(it, by_payload.end()) << "event " << index << " is no draft: " << e.payload;
        ExpectIsDraft(e, it->second->draft);
        if (it->second->index) {
          EXPECT_EQ(*it->second->index, index);
        }
      }
    }
  }
}

}  // namespace
}  // namespace custodian
