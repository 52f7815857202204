#include "core/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

namespace custodian::core {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class FixedClock final : public Clock {
 public:
  int64_t NowMicros() const override { return 1'795'406'101'123'456; }  // 2026-11-23T03:55:01
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

TEST(LogTest, WritesOneJsonObjectPerLineWithTimeLevelMessageAndFields) {
  FixedClock clock;
  std::ostringstream out;
  StreamLog log(out, clock, LogLevel::kInfo, LogFormat::kJson);
  log.Info("request", {{"method", "GET"},
                       {"status", 200},
                       {"bytes", uint64_t{1234}},
                       {"duration_ms", 1.5},
                       {"tls", false}});
  log.Error("tick failed", {{"error", std::string("Unavailable: bank HQ/A")}});
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            R"({"ts":"2026-11-23T03:55:01.123Z","level":"info","msg":"request","method":"GET",)"
            R"("status":200,"bytes":1234,"duration_ms":1.500,"tls":false})");
  const json second = json::parse(lines[1]);
  EXPECT_EQ(second["level"], "error");
  EXPECT_EQ(second["error"], "Unavailable: bank HQ/A");
}

TEST(LogTest, EscapesQuotesControlCharactersAndBytesThatAreNotUtf8) {
  FixedClock clock;
  std::ostringstream out;
  StreamLog log(out, clock, LogLevel::kDebug, LogFormat::kJson);
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x7f") + "\xff\xc3(" + "\xed\xa0\x80";
  log.Warn("odd \"path\"\n", {{"path", nasty}, {"name", "Zoë ✓ 🔒"}});
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u) << "a newline in a value must not split the entry";
  const json j = json::parse(lines[0]);  // throws if not valid JSON (nlohmann checks UTF-8)
  EXPECT_EQ(j["msg"], "odd \"path\"\n");
  EXPECT_EQ(j["path"],
            "a\"b\\c\nd\re\tf\x01g\x7f\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD"
            "\xEF\xBF\xBD");
  EXPECT_EQ(j["name"], "Zoë ✓ 🔒");  // valid UTF-8 is kept as it is
}

TEST(LogTest, AFieldNamedLikeTsLevelOrMsgCannotDuplicateThem) {
  FixedClock clock;
  const std::vector<LogField> fields{{"msg", "sneaky"}, {"level", "debug"}, {"ts", 1}};
  const std::string line =
      FormatLogLine(LogFormat::kJson, clock.NowMicros(), LogLevel::kInfo, "real", fields);
  const json j = json::parse(line);
  EXPECT_EQ(j["msg"], "real");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["_msg"], "sneaky");
  EXPECT_EQ(j["_level"], "debug");
  EXPECT_EQ(j["_ts"], 1);
}

TEST(LogTest, SkipsEntriesBelowTheMinimumLevel) {
  FixedClock clock;
  std::ostringstream out;
  StreamLog log(out, clock, LogLevel::kWarn, LogFormat::kJson);
  log.Debug("no");
  log.Info("no");
  log.Warn("yes");
  log.Error("yes");
  EXPECT_FALSE(log.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(log.Enabled(LogLevel::kError));
  EXPECT_EQ(Lines(out.str()).size(), 2u);
}

TEST(LogTest, TextLinesAreForPeopleAndQuoteOnlyWhatNeedsIt) {
  FixedClock clock;
  std::ostringstream out;
  StreamLog log(out, clock, LogLevel::kInfo, LogFormat::kText);
  log.Info("request", {{"path", "/api/v1/items/R-1"},
                       {"status", 404},
                       {"error", "no such item"},
                       {"empty", ""},
                       {"line", "a\nb"}});
  EXPECT_EQ(out.str(),
            "2026-11-23T03:55:01.123Z info request path=/api/v1/items/R-1 status=404 "
            "error=\"no such item\" empty=\"\" line=\"a\\nb\"\n");
}

TEST(LogTest, ParsesLevelAndFormatNamesAndNothingElse) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("WARN"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("warning"), std::nullopt);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("xml"), std::nullopt);
}

TEST(LogTest, LinesWrittenFromManyThreadsStayWhole) {
  FixedClock clock;
  std::ostringstream out;
  StreamLog log(out, clock, LogLevel::kInfo, LogFormat::kJson);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i) log.Info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 800u);
  for (const auto& l : lines) EXPECT_EQ(json::parse(l)["msg"], "tick");
}

// FdLog, as the server uses it: standard error redirected to a file (opened as a shell's 2> does,
// without O_APPEND), many threads writing at once with no lock of ours. Every line arrives whole.
TEST(LogTest, FdLogLinesFromManyThreadsStayWholeInAFile) {
  FixedClock clock;
  const std::string path =
      (std::filesystem::temp_directory_path() / ("fdlog_test." + std::to_string(::getpid())))
          .string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  {
    FdLog log(fd, clock, LogLevel::kInfo, LogFormat::kJson);
    log.Debug("below the level");
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&log, t] {
        const std::string pad(100 + 37 * t, 'x');  // lines of different lengths
        for (int i = 0; i < 500; ++i) log.Info("tick", {{"thread", t}, {"i", i}, {"pad", pad}});
      });
    }
    for (auto& t : threads) t.join();
  }
  ::close(fd);
  std::ifstream in(path);
  std::vector<int> next(8, 0);
  size_t lines = 0;
  for (std::string l; std::getline(in, l); ++lines) {
    const json j = json::parse(l, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "a broken line: " << l.substr(0, 80);
    const int t = j["thread"];
    EXPECT_EQ(j["i"], next[static_cast<size_t>(t)]) << "thread " << t << "'s lines out of order";
    ++next[static_cast<size_t>(t)];
  }
  std::remove(path.c_str());
  EXPECT_EQ(lines, 4000u);
}

}  // namespace
}  // namespace custodian::core
