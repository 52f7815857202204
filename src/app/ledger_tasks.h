// Ledger use cases behind the `custodian ledger …` commands (and, later, the HTTP API): synthetic
// load, proofs as JSON, exports. They speak only to the ledger and its store port.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "ledger/ledger.h"
#include "ledger/ledger_store.h"

namespace custodian::app {

// A realistic event for load tests and benchmarks: sign-outs, returns, door events and denied
// attempts with payloads of typical size (~140-250 bytes). Deterministic in (n, seed).
ledger::EventDraft SyntheticEvent(uint64_t n, uint64_t seed);

struct PopulateStats {
  uint64_t events = 0;
  double seconds = 0;
  std::vector<double> latencies_us;  // per append, when asked for
};

// Appends `events` synthetic events from `writers` threads, each waiting for durability.
core::Result<PopulateStats> PopulateSynthetic(ledger::Ledger& ledger, uint64_t events, int writers,
                                              uint64_t seed, bool record_latencies = false);

// {"index","size","leaf_hash","root","path":[hex…]}
core::Result<nlohmann::json> InclusionProofJson(ledger::Ledger& ledger, uint64_t index,
                                                uint64_t size);
// {"from","to","root_from","root_to","path":[hex…]}
core::Result<nlohmann::json> ConsistencyProofJson(ledger::Ledger& ledger, uint64_t from,
                                                  uint64_t to);

// Streams an export (ledger/export.h) of every event to `sink`, ending with a checkpoint that is
// signed now and kept in the history. Returns the number of events exported.
core::Result<uint64_t> WriteExport(ledger::Ledger& ledger, ledger::LedgerStore& store,
                                   const std::function<core::Status(core::ByteSpan)>& sink);

}  // namespace custodian::app
