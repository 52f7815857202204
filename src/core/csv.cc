#include "core/csv.h"

#include <cstdint>

namespace custodian::core {
namespace {

Status LineError(int line, const std::string& why) {
  return InvalidArgumentError("line " + std::to_string(line) + ": " + why);
}

// The length of the well-formed UTF-8 sequence at s[i], or 0 when it is not one (Unicode 15,
// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = at(i);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return len;
}

// Rejects NUL bytes and invalid UTF-8 anywhere, before any field is looked at.
Status CheckBytes(std::string_view s) {
  int line = 1;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\n') ++line;
    if (c == '\0') {
      return LineError(line, "contains a NUL byte; this does not look like a text CSV file");
    }
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      return LineError(line, "contains bytes that are not valid UTF-8; save the file as CSV UTF-8");
    }
    i += len;
  }
  return Status::Ok();
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Result<CsvTable> Read() {
    CsvTable table;
    bool have_header = false;
    int blank_line = 0;  // first of a run of empty lines not yet followed by a record
    while (i_ < s_.size()) {
      if (AtLineEnd()) {
        if (blank_line == 0) blank_line = line_;
        SkipLineEnd();
        continue;
      }
      if (blank_line != 0) {
        return LineError(blank_line, "empty line before the record on line " +
                                         std::to_string(line_) +
                                         "; remove it (only empty lines at the end are ignored)");
      }
      CsvRecord record;
      record.line = line_;
      CUSTODIAN_RETURN_IF_ERROR(ReadRecord(record));
      if (!have_header) {
        table.header = std::move(record);
        have_header = true;
        continue;
      }
      if (record.fields.size() != table.header.fields.size()) {
        return LineError(record.line, "has " + Count(record.fields.size()) +
                                          " but the header has " +
                                          Count(table.header.fields.size()) +
                                          " (a comma inside a value needs the value in quotes)");
      }
      table.rows.push_back(std::move(record));
    }
    if (!have_header) {
      return InvalidArgumentError("line 1: the file is empty; a header row is required");
    }
    return table;
  }

 private:
  static std::string Count(size_t n) { return std::to_string(n) + (n == 1 ? " field" : " fields"); }

  bool AtLineEnd() const {
    return s_[i_] == '\n' || (s_[i_] == '\r' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n');
  }
  void SkipLineEnd() {
    i_ += s_[i_] == '\r' ? 2 : 1;
    ++line_;
  }

  // Reads one record starting at a non-empty line, through its line end (if any).
  Status ReadRecord(CsvRecord& record) {
    while (true) {
      std::string field;
      const size_t number = record.fields.size() + 1;
      if (i_ < s_.size() && s_[i_] == '"') {
        CUSTODIAN_RETURN_IF_ERROR(ReadQuoted(field, number));
      } else {
        CUSTODIAN_RETURN_IF_ERROR(ReadUnquoted(field, number));
      }
      record.fields.push_back(std::move(field));
      if (i_ >= s_.size()) return Status::Ok();
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      SkipLineEnd();  // ReadQuoted and ReadUnquoted stop only at ',', a line end or the end
      return Status::Ok();
    }
  }

  Status ReadUnquoted(std::string& field, size_t number) {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '\n') {
      if (s_[i_] == '"') {
        if (s_.substr(start, i_ - start).find_first_not_of(" \t") == std::string_view::npos) {
          return LineError(line_, "field " + std::to_string(number) +
                                      " has spaces before its opening quote; remove them");
        }
        return LineError(line_, "field " + std::to_string(number) +
                                    " has a quote inside an unquoted value; put the whole value "
                                    "in quotes and double the quote (\"a \"\"b\"\" c\")");
      }
      if (s_[i_] == '\r' && !AtLineEnd()) {
        return LineError(line_, "field " + std::to_string(number) +
                                    " has a carriage return that does not end the line");
      }
      if (s_[i_] == '\r') break;
      ++i_;
    }
    if (i_ - start > kCsvMaxFieldBytes) return TooLong(number);
    field.assign(s_.substr(start, i_ - start));
    return Status::Ok();
  }

  Status ReadQuoted(std::string& field, size_t number) {
    const int open_line = line_;
    ++i_;  // the opening quote
    while (true) {
      if (i_ >= s_.size()) {
        return LineError(open_line,
                         "field " + std::to_string(number) + " opens a quote that is never closed");
      }
      const char c = s_[i_];
      if (c == '"') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '"') {
          field += '"';
          i_ += 2;
        } else {
          ++i_;
          break;
        }
      } else {
        if (c == '\n') ++line_;
        field += c;
        ++i_;
      }
      if (field.size() > kCsvMaxFieldBytes) return TooLong(number);
    }
    if (i_ < s_.size() && s_[i_] != ',' && !AtLineEnd()) {
      return LineError(line_, "field " + std::to_string(number) +
                                  " has text after its closing quote; a quote inside a quoted "
                                  "value must be doubled (\"\")");
    }
    return Status::Ok();
  }

  Status TooLong(size_t number) const {
    return LineError(line_, "field " + std::to_string(number) + " is longer than " +
                                std::to_string(kCsvMaxFieldBytes / 1024) + " KiB");
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

Result<CsvTable> ParseCsv(std::string_view text) {
  if (text.size() > kCsvMaxInputBytes) {
    return InvalidArgumentError("the file is " + std::to_string(text.size()) +
                                " bytes; the limit is 16 MiB (split it into several files)");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CUSTODIAN_RETURN_IF_ERROR(CheckBytes(text));
  return Reader(text).Read();
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace custodian::core
