// Operating `custodian serve` (issue #5), with the real binary: its log on standard error (one JSON
// object per line, an access line per request, nothing secret in it) and its configuration (a
// TOML file, the environment and flags, in that order; refusals that name the file, line and key).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace custodian {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::HttpClient;

class ServeOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto seeded = testing::Run(Bin() + " demo seed --data " + Data(), true);
    ASSERT_EQ(seeded.exit_code, 0) << seeded.out;
  }

  static std::string Bin() { return testing::CustodianBin(); }
  std::string Data() const { return dir_.path().string(); }

  // Starts `custodian serve ARGS…` with its standard error in `log_`; its HTTP port.
  uint16_t Serve(std::vector<std::string> args) {
    std::vector<std::string> argv{Bin(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    server_ = std::make_unique<testing::ChildProcess>(argv, log_);
    auto line = server_->LineStartingWith("serving http://127.0.0.1:", std::chrono::seconds(30));
    EXPECT_TRUE(line) << "the server did not say where it serves; its log:\n" << Log();
    if (!line) return 0;
    return static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }

  std::string Log() const {
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::vector<std::string> LogLines() const {
    std::vector<std::string> lines;
    std::istringstream in(Log());
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  testing::TempDir dir_;
  testing::TempDir logs_;  // apart from the data directory
  const std::string log_ = logs_.file("serve.log");
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(ServeOpsTest, EachRequestIsOneJsonAccessLineWithoutTheTokenCookieOrQueryString) {
  const uint16_t port = Serve({"--data", Data(), "--port", "0"});
  ASSERT_NE(port, 0);
  HttpClient officer(port);
  const auto login = officer.Post("/api/v1/terminal/login",
                                  json{{"badge", "1001"}, {"pin", "1234"}, {"site", "HQ"}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string token = json::parse(login.body).at("token");
  officer.SetToken(token);
  const auto items = officer.Get("/api/v1/terminal/items?note=hunter2-in-the-query");
  EXPECT_EQ(items.status, 200) << items.body;
  const auto cookie = HttpClient(port).Get(
      "/api/v1/me", {{"Cookie", "custodian_session=cookie-secret-0123456789"}});
  EXPECT_EQ(cookie.status, 401);
  ASSERT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);

  const std::string log = Log();
  EXPECT_THAT(log, ::testing::Not(HasSubstr(token)));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("cookie-secret")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("\"pin\"")));
  std::vector<json> requests;
  std::set<std::string> messages;
  for (const std::string& line : LogLines()) {
    json j;
    ASSERT_NO_THROW(j = json::parse(line)) << "not one JSON object per line: " << line;
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_THAT(j.at("ts").get<std::string>(),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                        "\\.[0-9]{3}Z"))
        << line;
    EXPECT_TRUE(j.at("level").is_string()) << line;
    messages.insert(j.at("msg").get<std::string>());
    if (j["msg"] == "request") requests.push_back(j);
  }
  EXPECT_TRUE(messages.count("serving") && messages.count("stopping") && messages.count("stopped"))
      << log;
  ASSERT_EQ(requests.size(), 3u) << log;
  std::map<std::string, json> by_path;  // a line follows its answer: the order may vary
  for (const json& r : requests) by_path[r["path"]] = r;
  const json& first = by_path["/api/v1/terminal/login"];
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["remote"], "127.0.0.1");
  EXPECT_EQ(first["bytes"], login.body.size());
  EXPECT_TRUE(first["duration_ms"].is_number());
  EXPECT_GE(first["duration_ms"].get<double>(), 0.0);
  const json& second = by_path["/api/v1/terminal/items"];  // without "?note=…"
  EXPECT_EQ(second["method"], "GET");
  EXPECT_EQ(second["status"], 200);
  EXPECT_EQ(second["bytes"], items.body.size());
  EXPECT_EQ(by_path["/api/v1/me"]["status"], 401);
}

TEST_F(ServeOpsTest, ACustodianTomlInTheDataDirectoryIsReadAndEnvironmentAndFlagsOverrideIt) {
  std::ofstream(dir_.file("custodian.toml")) << "[server]\nport = 0\nthreads = 2\n\n"
                                                "[log]\nformat = \"text\"\n\n"
                                                "[lockers]\npoll_ms = 250\n";
  const auto printed =
      testing::Run("CUSTODIAN_SERVER_THREADS=3 CUSTODIAN_LOCKERS_POLL_MS=400 " + Bin() +
                   " serve --data " + Data() + " --poll-ms 300 --print-config");
  ASSERT_EQ(printed.exit_code, 0) << printed.out;
  const std::string file = dir_.file("custodian.toml");
  EXPECT_THAT(printed.out, HasSubstr("(config file " + file + ")"));
  EXPECT_THAT(printed.out, ::testing::ContainsRegex("\nport = 0 +# " + file + ":2\n"));
  EXPECT_THAT(printed.out, ::testing::ContainsRegex("\nthreads = 3 +# CUSTODIAN_SERVER_THREADS\n"));
  EXPECT_THAT(printed.out, ::testing::ContainsRegex("\npoll_ms = 300 +# --poll-ms\n"));
  EXPECT_THAT(printed.out, ::testing::ContainsRegex("\nformat = \"text\" +# " + file + ":6\n"));
  EXPECT_THAT(printed.out, ::testing::ContainsRegex("\nlisten = \"127.0.0.1\" +# default\n"));

  // The file's text format, for real: people read these lines.
  const uint16_t port = Serve({"--data", Data()});
  ASSERT_NE(port, 0);
  EXPECT_EQ(HttpClient(port).Get("/healthz").status, 200);
  ASSERT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
  EXPECT_THAT(Log(), ::testing::ContainsRegex(
                         "Z info request method=GET path=/healthz status=200 duration_ms=[0-9.]+ "
                         "remote=127.0.0.1 bytes=[0-9]+\n"));
}

TEST_F(ServeOpsTest, ABadConfigurationIsRefusedBeforeStartingNamingWhereAndWhat) {
  const std::string bad = dir_.file("bad.toml");
  std::ofstream(bad) << "[server]\nport = 8080\nprot = 9090\n";
  const auto file = testing::Run(Bin() + " serve --data " + Data() + " --config " + bad, true);
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_THAT(file.out, HasSubstr("error: InvalidArgument: " + bad +
                                  ":3:1: [server] prot: unknown key; did you mean port?"));

  const auto env = testing::Run(
      "CUSTODIAN_SERVER_PORT=http " + Bin() + " serve --data " + Data() + " --port 0", true);
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_THAT(env.out, HasSubstr("CUSTODIAN_SERVER_PORT (server.port): must be a whole number "
                                 "from 0 to 65535, not \"http\""));

  const auto flag = testing::Run(Bin() + " serve --data " + Data() + " --listen localhost", true);
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.out, HasSubstr("--listen: must be an IP address to listen on"));

  const auto missing = testing::Run(Bin() + " serve --config " + dir_.file("none.toml"), true);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("config file " + dir_.file("none.toml") + " does not exist"));

  const auto no_data = testing::Run(Bin() + " serve --port 0", true);
  EXPECT_EQ(no_data.exit_code, 2);
  EXPECT_THAT(no_data.out, HasSubstr("no data directory"));
}

TEST_F(ServeOpsTest, AFailureToStartAfterTheConfigurationIsALogEntry) {
  testing::TempDir empty;
  const auto r = testing::Run(Bin() + " serve --port 0 --data " + empty.path().string(), true);
  EXPECT_EQ(r.exit_code, 2);
  const json j = json::parse(r.last_line());
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "cannot start");
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("no ledger in " + empty.path().string()));
}

}  // namespace
}  // namespace custodian
