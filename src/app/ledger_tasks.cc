#include "app/ledger_tasks.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "ledger/export.h"

namespace custodian::app {

using core::Result;

namespace {
// splitmix64: a fast, well-mixed generator; the load generator must not cost more than the work.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

ledger::EventDraft SyntheticEvent(uint64_t n, uint64_t seed) {
  // Marked synthetic so a load test can never be mistaken for (or replayed as) real custody.
  static const char* kKinds[] = {"synthetic.signed_out", "synthetic.returned",
                                 "synthetic.door_opened", "synthetic.door_closed",
                                 "synthetic.denied"};
  static const char* kTypes[] = {"radio", "taser", "pistol", "bodycam", "key", "oc_spray"};
  const uint64_t r = Mix(seed ^ Mix(n));
  const uint64_t officer = r % 60;
  const uint64_t item = (r >> 8) % 200;
  const uint64_t bank = (r >> 16) % 6;
  const uint64_t compartment = (r >> 24) % 24;
  const std::string type = kTypes[item % 6];
  const std::string b = std::to_string(bank);
  ledger::EventDraft d;
  d.actor = "badge:" + std::to_string(10000 + officer);
  d.kind = kKinds[n % 5];
  d.subjects = {"item:" + type + "-" + std::to_string(item),
                "compartment:B" + b + "-" + std::to_string(compartment)};
  // Canonical JSON (keys sorted, no spaces), as nlohmann::json::dump() would write it.
  std::string p = "{";
  p += "\"bank\":\"B" + b + "\",\"compartment\":" + std::to_string(compartment);
  if (n % 5 == 0) p += ",\"due_back_us\":" + std::to_string(1'800'000'000'000'000 + n);
  p += ",\"item_serial\":\"SN-" + std::to_string(100000 + item * 7919 % 900000) + "\"";
  p += ",\"item_type\":\"" + type + "\"";
  if (n % 5 == 4) {
    p += ",\"message\":\"withheld: your certification for this item type has expired\"";
    p += ",\"reasons\":[\"CERT_EXPIRED\"]";
  }
  p += ",\"rfid_epc\":\"E28011606000020" + std::to_string(1000000000 + item) + "\"";
  p += ",\"terminal\":\"T" + b + "\",\"weight_g\":" + std::to_string(300 + item % 900) + "}";
  d.payload = std::move(p);
  return d;
}

Result<PopulateStats> PopulateSynthetic(ledger::Ledger& ledger, uint64_t events, int writers,
                                        uint64_t seed, bool record_latencies) {
  if (writers < 1) return core::InvalidArgumentError("--writers must be at least 1");
  if (events == 0) return PopulateStats{};
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  core::Status first_error;
  PopulateStats stats;
  std::vector<std::vector<double>> latencies(static_cast<size_t>(writers));
  auto start = std::chrono::steady_clock::now();
  auto work = [&](int w) {
    for (;;) {
      uint64_t n = next.fetch_add(1);
      if (n >= events) return;
      ledger::EventDraft draft = SyntheticEvent(n, seed);
      auto t0 = std::chrono::steady_clock::now();  // times the append, not the event's making
      auto r = ledger.Append(std::move(draft));
      if (!r) {
        std::lock_guard l(mu);
        if (first_error.ok()) first_error = r.error();
        next.store(events);
        return;
      }
      if (record_latencies) {
        latencies[static_cast<size_t>(w)].push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) threads.emplace_back(work, w);
  for (auto& t : threads) t.join();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!first_error.ok()) return first_error;
  stats.events = events;
  for (auto& l : latencies) stats.latencies_us.insert(stats.latencies_us.end(), l.begin(), l.end());
  return stats;
}

namespace {
nlohmann::json HexList(const std::vector<ledger::Hash>& path) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : path) out.push_back(ledger::ToHex(h));
  return out;
}
}  // namespace

Result<nlohmann::json> InclusionProofJson(ledger::Ledger& ledger, uint64_t index, uint64_t size) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto path, ledger.InclusionProof(index, size));
  CUSTODIAN_ASSIGN_OR_RETURN(auto leaf, ledger.LeafHashAt(index));
  CUSTODIAN_ASSIGN_OR_RETURN(auto root, ledger.RootAt(size));
  return nlohmann::json{{"index", index},
                        {"size", size},
                        {"leaf_hash", ledger::ToHex(leaf)},
                        {"root", ledger::ToHex(root)},
                        {"path", HexList(path)}};
}

Result<nlohmann::json> ConsistencyProofJson(ledger::Ledger& ledger, uint64_t from, uint64_t to) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto path, ledger.ConsistencyProof(from, to));
  CUSTODIAN_ASSIGN_OR_RETURN(auto root_from, ledger.RootAt(from));
  CUSTODIAN_ASSIGN_OR_RETURN(auto root_to, ledger.RootAt(to));
  return nlohmann::json{{"from", from},
                        {"to", to},
                        {"root_from", ledger::ToHex(root_from)},
                        {"root_to", ledger::ToHex(root_to)},
                        {"path", HexList(path)}};
}

Result<uint64_t> WriteExport(ledger::Ledger& ledger, ledger::LedgerStore& store,
                             const std::function<core::Status(core::ByteSpan)>& sink) {
  // The checkpoint fixes what is exported: events appended meanwhile are left out.
  CUSTODIAN_ASSIGN_OR_RETURN(auto checkpoint, ledger.Checkpoint());
  const uint64_t count = checkpoint.size;
  core::Bytes chunk;
  ledger::AppendExportHeader(chunk, ledger.meta().origin, count);
  core::Status status;
  uint64_t expect = 0;
  CUSTODIAN_RETURN_IF_ERROR(store.ScanEvents(0, count, [&](uint64_t key, core::ByteSpan record) {
    if (key != expect) {
      status = core::DataLossError("event " + std::to_string(expect) + " is missing");
      return false;
    }
    ++expect;
    ledger::AppendExportRecord(chunk, record);
    if (chunk.size() >= (1 << 20)) {
      status = sink(chunk);
      chunk.clear();
    }
    return status.ok();
  }));
  CUSTODIAN_RETURN_IF_ERROR(status);
  if (expect != count) {
    return core::DataLossError("the ledger holds " + std::to_string(expect) +
                               " events but its checkpoint covers " + std::to_string(count));
  }
  ledger::AppendExportTrailer(chunk, checkpoint.note);
  CUSTODIAN_RETURN_IF_ERROR(sink(chunk));
  return count;
}

}  // namespace custodian::app
