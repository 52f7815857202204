#include "core/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace custodian::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using Fields = std::vector<std::string>;

CsvTable Parse(std::string_view text) {
  auto t = ParseCsv(text);
  EXPECT_TRUE(t.has_value()) << t.error().ToString();
  return t.has_value() ? *t : CsvTable{};
}

// The error message of parsing `text`, which must fail with InvalidArgument.
std::string Error(std::string_view text) {
  auto t = ParseCsv(text);
  EXPECT_FALSE(t.has_value()) << "parsed unexpectedly";
  if (t.has_value()) return "";
  EXPECT_EQ(t.error().code(), StatusCode::kInvalidArgument);
  return t.error().message();
}

TEST(Csv, ReadsHeaderAndRowsWithTheirLineNumbers) {
  CsvTable t = Parse("code,name\nHQ,Headquarters\nN,North\n");
  EXPECT_EQ(t.header.fields, (Fields{"code", "name"}));
  EXPECT_EQ(t.header.line, 1);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"HQ", "Headquarters"}));
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(t.rows[1].fields, (Fields{"N", "North"}));
  EXPECT_EQ(t.rows[1].line, 3);
}

TEST(Csv, AcceptsCrlfLineEnds) {
  CsvTable t = Parse("a,b\r\n1,2\r\n3,4\r\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].fields, (Fields{"3", "4"}));
  EXPECT_EQ(t.rows[1].line, 3);
}

TEST(Csv, AcceptsLastRecordWithoutLineEnd) {
  CsvTable t = Parse("a,b\n1,2");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1", "2"}));
}

TEST(Csv, SkipsUtf8ByteOrderMark) {
  CsvTable t = Parse(
      "\xEF\xBB\xBF"
      "code\nHQ\n");
  EXPECT_EQ(t.header.fields, (Fields{"code"}));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"HQ"}));
}

TEST(Csv, KeepsByteOrderMarkThatIsNotAtTheStart) {
  CsvTable t = Parse("code\n\xEF\xBB\xBFHQ\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields[0], "\xEF\xBB\xBFHQ");
}

TEST(Csv, QuotedFieldsKeepCommasQuotesAndNewlines) {
  CsvTable t = Parse("name,note\n\"Smith, Ana\",\"said \"\"hi\"\"\nthen left\"\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"Smith, Ana", "said \"hi\"\nthen left"}));
}

TEST(Csv, QuotedCrlfIsKeptAndCountsAsALine) {
  CsvTable t = Parse("a,b\r\n\"x\r\ny\",1\r\nz,2\r\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields[0], "x\r\ny");
  EXPECT_EQ(t.rows[1].line, 4);
}

TEST(Csv, LineNumbersCountNewlinesInsideQuotes) {
  CsvTable t = Parse("a,b\n\"1\n2\n3\",x\nnext,y\n");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(t.rows[1].line, 5);
}

TEST(Csv, EmptyQuotedAndUnquotedFieldsAreEmptyStrings) {
  CsvTable t = Parse("a,b,c\n,\"\",\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"", "", ""}));
}

TEST(Csv, TrimsNothing) {
  CsvTable t = Parse("a,b\n  x , y\t\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"  x ", " y\t"}));
}

TEST(Csv, RejectsSpaceBeforeOpeningQuote) {
  EXPECT_EQ(Error("a,b\n1, \"y\"\n"),
            "line 2: field 2 has spaces before its opening quote; remove them");
}

TEST(Csv, IgnoresTrailingEmptyLines) {
  CsvTable t = Parse("a\n1\n\n\r\n\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, (Fields{"1"}));
}

TEST(Csv, HeaderOnlyHasNoRows) {
  CsvTable t = Parse("a,b\n");
  EXPECT_EQ(t.header.fields, (Fields{"a", "b"}));
  EXPECT_TRUE(t.rows.empty());
}

TEST(Csv, AcceptsMultibyteUtf8) {
  CsvTable t = Parse("name\nJos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields[0], "Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92");
}

TEST(Csv, RejectsEmptyFileBecauseTheHeaderIsRequired) {
  EXPECT_THAT(Error(""), HasSubstr("header row is required"));
  EXPECT_THAT(Error("\xEF\xBB\xBF"), HasSubstr("header row is required"));
  EXPECT_THAT(Error("\n\n"), HasSubstr("header row is required"));
}

TEST(Csv, RejectsRowWithUnterminatedQuote) {
  EXPECT_EQ(Error("a,b\n1,2\n3,\"open\nmore\n"),
            "line 3: field 2 opens a quote that is never closed");
}

TEST(Csv, RejectsRowWithTooFewFields) {
  EXPECT_THAT(Error("a,b,c\n1,2,3\n1,2\n"),
              StartsWith("line 3: has 2 fields but the header has 3"));
}

TEST(Csv, RejectsRowWithTooManyFields) {
  EXPECT_THAT(Error("a,b\n1,2,3\n"), StartsWith("line 2: has 3 fields but the header has 2"));
}

TEST(Csv, ReportsFieldCountErrorAtTheLineWhereTheRecordStarts) {
  EXPECT_THAT(Error("a,b\n\"x\ny\"\n"), StartsWith("line 2: has 1 field but"));
}

TEST(Csv, RejectsStrayQuoteInsideUnquotedField) {
  EXPECT_THAT(Error("a,b\n1,2\n3,4\"5\n"),
              StartsWith("line 3: field 2 has a quote inside an unquoted value"));
}

TEST(Csv, RejectsTextAfterClosingQuote) {
  EXPECT_THAT(Error("a,b\n\"x\"y,2\n"), StartsWith("line 2: field 1 has text after its closing"));
}

TEST(Csv, RejectsCarriageReturnThatDoesNotEndTheLine) {
  EXPECT_THAT(Error("a,b\n1\r2,3\n"), StartsWith("line 2: field 1 has a carriage return"));
  EXPECT_THAT(Error("a,b\n1,2\r"), StartsWith("line 2: field 2 has a carriage return"));
}

TEST(Csv, RejectsNulByte) {
  EXPECT_THAT(Error(std::string_view("a,b\n1,2\n3,\0\n", 12)),
              StartsWith("line 3: contains a NUL"));
}

TEST(Csv, RejectsInvalidUtf8WithItsLine) {
  EXPECT_THAT(Error("a\nok\n\xFF\n"),
              StartsWith("line 3: contains bytes that are not valid UTF-8"));
  EXPECT_THAT(Error("a\n\xC0\xAF\n"), StartsWith("line 2:"));          // overlong '/'
  EXPECT_THAT(Error("a\n\xED\xA0\x80\n"), StartsWith("line 2:"));      // surrogate
  EXPECT_THAT(Error("a\n\xF4\x90\x80\x80\n"), StartsWith("line 2:"));  // above U+10FFFF
  EXPECT_THAT(Error("a\n\xE2\x82"), StartsWith("line 2:"));            // truncated
  EXPECT_THAT(Error("\"a\n\xE2\x82\n\"\n"), StartsWith("line 2:"));    // inside quotes
}

TEST(Csv, RejectsEmptyLineBetweenRecords) {
  EXPECT_THAT(Error("a,b\n1,2\n\n3,4\n"),
              StartsWith("line 3: empty line before the record on line 4"));
}

TEST(Csv, RejectsFieldLongerThan64KiB) {
  std::string ok = "a\n" + std::string(kCsvMaxFieldBytes, 'x') + "\n";
  EXPECT_EQ(Parse(ok).rows.at(0).fields[0].size(), kCsvMaxFieldBytes);
  EXPECT_THAT(Error("a\n" + std::string(kCsvMaxFieldBytes + 1, 'x') + "\n"),
              StartsWith("line 2: field 1 is longer than 64 KiB"));
  EXPECT_THAT(Error("a,b\n1,\"" + std::string(kCsvMaxFieldBytes + 1, 'x') + "\"\n"),
              StartsWith("line 2: field 2 is longer than 64 KiB"));
}

TEST(Csv, RejectsInputLargerThan16MiB) {
  std::string big = "a\n";
  while (big.size() <= kCsvMaxInputBytes) big += std::string(1000, 'x') + "\n";
  EXPECT_THAT(Error(big), HasSubstr("the limit is 16 MiB"));
}

TEST(Csv, ParsesTheSameRecordsWithLfOrCrlf) {
  const std::string lf = "a,b\n\"1,x\",2\n3,\"4\"\"\"\n";
  std::string crlf;
  for (char c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CsvTable a = Parse(lf), b = Parse(crlf);
  EXPECT_EQ(a, b);
  EXPECT_THAT(a.rows[1].fields, ElementsAre("3", "4\""));
}

TEST(Csv, WrittenFieldsReadBackExactly) {
  EXPECT_EQ(CsvField("Ana Rivera"), "Ana Rivera");
  EXPECT_EQ(CsvField("Doe, Ana"), "\"Doe, Ana\"");
  const std::vector<std::string> fields = {"Doe, Ana", "say \"hi\"", "two\nlines", "", "cr\r"};
  std::string line;
  for (const std::string& f : fields) line += (line.empty() ? "" : ",") + CsvField(f);
  CsvTable t = Parse("h1,h2,h3,h4,h5\n" + line + "\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].fields, fields);
}

}  // namespace
}  // namespace custodian::core
