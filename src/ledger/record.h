// Event records: the unit of the ledger. Each event is stored as its canonical encoding (below,
// and byte by byte in docs/ledger-format.md), and that encoding is exactly the RFC 6962 Merkle
// leaf. prev_hash is the Merkle leaf hash of the previous event (32 zero bytes for event 0), so
// the records also form a hash chain: changing one byte of event i changes its leaf hash, which
// no longer matches event i+1's prev_hash.
//
// Encoding, version 1 (all integers big-endian):
//   u8  version = 1          u64 index             i64 time_us (UTC µs since the epoch)
//   32  prev_hash            u16 len + site        u16 len + actor
//   u16 len + kind           u16 count, then count × (u16 len + subject)
//   u32 len + payload
// Decoding is strict: one encoding per event, no trailing bytes, every limit checked, so any
// change to a stored record either fails to decode or changes its hash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "ledger/hash.h"

namespace custodian::ledger {

inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kMaxSiteLength = 64;    // [A-Za-z0-9._-]+
inline constexpr size_t kMaxActorLength = 256;  // UTF-8, may be empty (the system itself)
inline constexpr size_t kMaxKindLength = 64;    // [a-z0-9._]+, e.g. "item.signed_out"
inline constexpr size_t kMaxSubjects = 64;
inline constexpr size_t kMaxSubjectLength = 256;    // UTF-8, non-empty
inline constexpr size_t kMaxPayloadLength = 65536;  // UTF-8 JSON by convention; opaque here

struct Event {
  uint64_t index = 0;
  int64_t time_us = 0;
  Hash prev_hash{};
  std::string site;
  std::string actor;
  std::string kind;
  std::vector<std::string> subjects;
  std::string payload;

  friend bool operator==(const Event&, const Event&) = default;
};

// Checks every field against the limits above (what Encode assumes and Decode enforces).
core::Status ValidateEvent(const Event& e);
bool IsValidSiteCode(std::string_view site);
bool IsValidKind(std::string_view kind);

// The canonical encoding. The event must satisfy ValidateEvent (checked by the ledger first).
core::Bytes EncodeEvent(const Event& e);
// A decoded record that points into the record's bytes instead of copying them: what the
// verifier uses, so checking an event allocates nothing. Valid while the record bytes are.
struct EventView {
  uint64_t index = 0;
  int64_t time_us = 0;
  const uint8_t* prev_hash = nullptr;  // 32 bytes
  std::string_view site, actor, kind;
  uint16_t subject_count = 0;
  core::ByteSpan subjects;  // subject_count × (u16 length + bytes), already validated
  std::string_view payload;
};

// Strict decoding with every check of DecodeEvent; InvalidArgument naming the bad field.
core::Result<EventView> ParseEvent(core::ByteSpan record);
// Strict decoding; InvalidArgument naming the field that is wrong.
core::Result<Event> DecodeEvent(core::ByteSpan record);

}  // namespace custodian::ledger
