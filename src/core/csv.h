// CSV: a strict reader for comma-separated text as RFC 4180 specifies it, for files that people
// write in a spreadsheet and hand to a program.
//
// The accepted form, byte by byte:
//   - An optional UTF-8 byte order mark (EF BB BF) at the very start is skipped.
//   - The first record is the header; it is required. Every later record must have exactly as
//     many fields as the header.
//   - Records end with CRLF or LF; the last one may have no line end. A CR that is not followed by
//     LF is rejected outside quotes. Empty lines at the end are ignored; an empty line before a
//     later record is an error (it would otherwise be a record of one empty field).
//   - Fields are separated by ','. A field is either unquoted (no '"', ',', CR or LF in it) or
//     quoted: it starts with '"', ends with '"' directly followed by ',', a line end or the end of
//     the input, and inside it '""' stands for one '"' while ',', CR and LF are ordinary text.
//   - The whole input must be valid UTF-8 (no overlong forms, surrogates or code points above
//     U+10FFFF) and must not contain a NUL byte.
//   - Limits: at most kCsvMaxInputBytes of input and kCsvMaxFieldBytes per field (after unquoting).
//
// Nothing is trimmed: a field's value is exactly its bytes (minus the quoting). Every record
// carries the 1-based line number on which it starts; quoted line breaks count as lines, so the
// numbers match what a text editor shows. Every error is InvalidArgument with a message that
// starts "line N: " (except the whole-input size limit) and says what to change.
//
// Thread-safety: a pure function of its input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace custodian::core {

inline constexpr size_t kCsvMaxInputBytes = size_t{16} << 20;  // 16 MiB
inline constexpr size_t kCsvMaxFieldBytes = size_t{64} << 10;  // 64 KiB

struct CsvRecord {
  int line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
  friend bool operator==(const CsvRecord&, const CsvRecord&) = default;
};

struct CsvTable {
  CsvRecord header;
  std::vector<CsvRecord> rows;  // in file order, without the header
  friend bool operator==(const CsvTable&, const CsvTable&) = default;
};

Result<CsvTable> ParseCsv(std::string_view text);

// One field written for a CSV file: as is, or in double quotes (inner quotes doubled) when it holds
// a comma, a quote, CR or LF, so that ParseCsv reads back exactly `field`.
std::string CsvField(std::string_view field);

}  // namespace custodian::core
