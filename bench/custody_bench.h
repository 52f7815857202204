// The custody rows of custodian_bench (issue #3): one access decision (policy::Decide) for a
// person with 20 certifications at a 5,000-item site, the "what may I take" list
// (policy::ListAvailable) of the same site, and the Argon2id PIN check and hash. Each is timed
// beside the same run's limit for the same work:
//  * Decide against the look-ups no decision can avoid (std::map finds of the person, the item, its
//    type, the compartment, the held count, the site and role in the person's sets, one per
//    certification the type requires) plus the zone's ToLocal, timed call by call in the same way;
//  * ListAvailable against a bare walk over state.items that applies ListAvailable's own filter
//    (the item's home site, custody, a pending sign-out) and does nothing else: the memory floor;
//  * Argon2PinHasher::Matches and ::Hash against libsodium's crypto_pwhash_str_verify and
//    crypto_pwhash_str on the same PIN, hash and INTERACTIVE limits.
// Ours and the limit alternate block by block (call by call for Argon2id), so that a noisy
// neighbour hits both alike.
//
// The site is built by applying domain events to domain::State (State::Check on each, so it is a
// state the product could hold): one site in New York (the real tzdb zone), 5,000 compartments in
// 100 banks, 20 item types needing 1-3 of 20 certifications, 5,000 items, 300 people, a history of
// sign-outs and returns, about 8 % of the items in custody, 1 % quarantined, charges reported.
//
// Thread-safety: a CustodySite is immutable after Build; the Measure functions only read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "domain/model.h"
#include "domain/state.h"
#include "domain/time_zone.h"

namespace custodian::bench {

struct CustodySizes {
  int decisions = 20000;     // Decide calls per round, and as many timed look-up sets
  int decision_block = 250;  // ours and the limit alternate every this many calls
  int lists = 500;           // ListAvailable calls per round, and as many bare walks
  int pin_checks = 5;        // Matches and crypto_pwhash_str_verify calls per round, each
  int pin_hashes = 3;        // Hash and crypto_pwhash_str calls per round, each
};

// The site, the person decided for and the instant decided at.
struct CustodySite {
  domain::State state;
  const domain::TimeZone* zone = nullptr;  // America/New_York from the system's tzdb
  std::string site;
  std::string badge;  // 20 valid certifications, a licence, a schedule open at `now`, 2 items out
  domain::Micros now = 0;
  struct Ask {
    std::string serial;
    domain::CompartmentKey compartment;  // the item's home
  };
  std::vector<Ask> items;  // every item of the site, in serial order
  // Facts for the report.
  size_t events = 0, banks = 0, in_custody = 0, quarantined = 0, certifications = 0;

  static core::Result<std::unique_ptr<CustodySite>> Build(uint64_t seed);
};

struct DecisionTimes {
  std::vector<double> ours_us;   // one policy::Decide each
  std::vector<double> limit_us;  // the unavoidable look-ups of the same ask each
  size_t allowed = 0;
};
// `sizes.decisions` asks for items drawn uniformly from the site (seeded), each decided once and
// looked up once.
DecisionTimes MeasureDecisions(const CustodySite& site, const CustodySizes& sizes, uint64_t seed);

struct ListTimes {
  std::vector<double> ours_ms;   // one policy::ListAvailable each
  std::vector<double> limit_ms;  // one bare walk each
  size_t allowed = 0, withheld = 0;
};
core::Result<ListTimes> MeasureLists(const CustodySite& site, const CustodySizes& sizes);

struct PinTimes {
  std::vector<double> matches_ms, verify_ms;  // Argon2PinHasher::Matches, crypto_pwhash_str_verify
  std::vector<double> hash_ms, str_ms;        // Argon2PinHasher::Hash, crypto_pwhash_str
};
core::Result<PinTimes> MeasurePins(const CustodySizes& sizes);

}  // namespace custodian::bench
