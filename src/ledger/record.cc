#include "ledger/record.h"

#include <algorithm>
#include <cstring>

namespace custodian::ledger {
namespace {

using core::InvalidArgumentError;

bool IsValidUtf8(std::string_view s) {
  // Ids and names are nearly always ASCII: check eight bytes at a time first.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

core::Status CheckText(std::string_view what, std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) {
    return InvalidArgumentError(std::string(what) + " must be " + std::to_string(min) + " to " +
                                std::to_string(max) + " bytes, got " + std::to_string(s.size()));
  }
  if (!IsValidUtf8(s)) return InvalidArgumentError(std::string(what) + " is not valid UTF-8");
  return core::Status::Ok();
}

// CheckText without building a Status when the text is fine: what parsing calls per field.
bool IsValidText(std::string_view s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max && IsValidUtf8(s);
}

// A bounds-checked big-endian reader over a record, inline so that parsing costs no call per
// field (the verifier parses every record).
class RecordReader {
 public:
  explicit RecordReader(core::ByteSpan data) : data_(data) {}
  template <typename T>
  bool ReadInt(T& v) {
    if (remaining() < sizeof(T)) return false;
    T x = 0;
    for (size_t i = 0; i < sizeof(T); ++i) x = static_cast<T>(x << 8 | data_[pos_ + i]);
    v = x;
    pos_ += sizeof(T);
    return true;
  }
  bool ReadBytes(size_t n, core::ByteSpan& v) {
    if (remaining() < n) return false;
    v = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // A u16 length, then that many bytes.
  bool ReadText(std::string_view& v) {
    uint16_t n = 0;
    core::ByteSpan b;
    if (!ReadInt(n) || !ReadBytes(n, b)) return false;
    v = core::AsChars(b);
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  core::ByteSpan data_;
  size_t pos_ = 0;
};

void AppendString16(core::Bytes& out, std::string_view s) {
  core::AppendU16(out, static_cast<uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

bool IsValidSiteCode(std::string_view site) {
  return !site.empty() && site.size() <= kMaxSiteLength &&
         std::all_of(site.begin(), site.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

bool IsValidKind(std::string_view kind) {
  return !kind.empty() && kind.size() <= kMaxKindLength &&
         std::all_of(kind.begin(), kind.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
         });
}

core::Status ValidateEvent(const Event& e) {
  if (!IsValidSiteCode(e.site)) {
    return InvalidArgumentError("site code must be 1-64 of A-Z a-z 0-9 . _ -, got \"" + e.site +
                                "\"");
  }
  if (!IsValidKind(e.kind)) {
    return InvalidArgumentError("event kind must be 1-64 of a-z 0-9 . _, got \"" + e.kind + "\"");
  }
  CUSTODIAN_RETURN_IF_ERROR(CheckText("actor", e.actor, 0, kMaxActorLength));
  if (e.subjects.size() > kMaxSubjects) {
    return InvalidArgumentError("at most " + std::to_string(kMaxSubjects) + " subjects, got " +
                                std::to_string(e.subjects.size()));
  }
  for (const auto& s : e.subjects) {
    CUSTODIAN_RETURN_IF_ERROR(CheckText("subject", s, 1, kMaxSubjectLength));
  }
  if (e.payload.size() > kMaxPayloadLength) {
    return InvalidArgumentError("payload must be at most " + std::to_string(kMaxPayloadLength) +
                                " bytes, got " + std::to_string(e.payload.size()));
  }
  return core::Status::Ok();
}

core::Bytes EncodeEvent(const Event& e) {
  core::Bytes out;
  size_t size = 1 + 8 + 8 + 32 + 2 + e.site.size() + 2 + e.actor.size() + 2 + e.kind.size() + 2 +
                4 + e.payload.size();
  for (const auto& s : e.subjects) size += 2 + s.size();
  out.reserve(size);
  out.push_back(kRecordVersion);
  core::AppendU64(out, e.index);
  core::AppendU64(out, static_cast<uint64_t>(e.time_us));
  out.insert(out.end(), e.prev_hash.begin(), e.prev_hash.end());
  AppendString16(out, e.site);
  AppendString16(out, e.actor);
  AppendString16(out, e.kind);
  core::AppendU16(out, static_cast<uint16_t>(e.subjects.size()));
  for (const auto& s : e.subjects) AppendString16(out, s);
  core::AppendU32(out, static_cast<uint32_t>(e.payload.size()));
  out.insert(out.end(), e.payload.begin(), e.payload.end());
  return out;
}

core::Result<EventView> ParseEvent(core::ByteSpan record) {
  RecordReader r(record);
  EventView e;
  uint8_t version = 0;
  if (!r.ReadInt(version)) return InvalidArgumentError("empty record");
  if (version != kRecordVersion) {
    return InvalidArgumentError("unknown record version " + std::to_string(version));
  }
  uint64_t time = 0;
  core::ByteSpan prev;
  if (!r.ReadInt(e.index) || !r.ReadInt(time) || !r.ReadBytes(32, prev)) {
    return InvalidArgumentError("record is truncated in its fixed header");
  }
  e.time_us = static_cast<int64_t>(time);
  e.prev_hash = prev.data();
  if (!r.ReadText(e.site)) return InvalidArgumentError("record is truncated in the site");
  if (!r.ReadText(e.actor)) return InvalidArgumentError("record is truncated in the actor");
  if (!r.ReadText(e.kind)) return InvalidArgumentError("record is truncated in the kind");
  if (!IsValidSiteCode(e.site)) return InvalidArgumentError("record field: bad site code");
  if (!IsValidKind(e.kind)) return InvalidArgumentError("record field: bad event kind");
  if (!IsValidText(e.actor, 0, kMaxActorLength)) {
    return CheckText("actor", e.actor, 0, kMaxActorLength).Annotate("record field");
  }
  if (!r.ReadInt(e.subject_count)) {
    return InvalidArgumentError("record is truncated in the subjects");
  }
  if (e.subject_count > kMaxSubjects) return InvalidArgumentError("record has too many subjects");
  const size_t subjects_start = r.position();
  for (uint16_t i = 0; i < e.subject_count; ++i) {
    std::string_view subject;
    if (!r.ReadText(subject)) return InvalidArgumentError("record is truncated in a subject");
    if (!IsValidText(subject, 1, kMaxSubjectLength)) {
      return CheckText("subject", subject, 1, kMaxSubjectLength).Annotate("record field");
    }
  }
  e.subjects = record.subspan(subjects_start, r.position() - subjects_start);
  uint32_t payload_size = 0;
  core::ByteSpan payload;
  if (!r.ReadInt(payload_size) || payload_size > kMaxPayloadLength ||
      !r.ReadBytes(payload_size, payload)) {
    return InvalidArgumentError("record payload is truncated or too long");
  }
  e.payload = core::AsChars(payload);
  if (r.remaining() != 0) {
    return InvalidArgumentError("record has " + std::to_string(r.remaining()) + " trailing bytes");
  }
  return e;
}

core::Result<Event> DecodeEvent(core::ByteSpan record) {
  CUSTODIAN_ASSIGN_OR_RETURN(EventView v, ParseEvent(record));
  Event e;
  e.index = v.index;
  e.time_us = v.time_us;
  std::memcpy(e.prev_hash.data(), v.prev_hash, 32);
  e.site = v.site;
  e.actor = v.actor;
  e.kind = v.kind;
  core::ByteReader r(v.subjects);
  e.subjects.resize(v.subject_count);
  for (auto& s : e.subjects) {
    uint16_t n = 0;
    core::ByteSpan b;
    (void)r.ReadU16(n);
    (void)r.ReadBytes(n, b);
    s = core::AsChars(b);
  }
  e.payload = v.payload;
  return e;
}

}  // namespace custodian::ledger
