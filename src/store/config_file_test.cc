#include "store/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "store/files.h"

namespace custodian::store {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Env = std::vector<std::pair<std::string, std::string>>;

// A fresh directory for one test, removed afterwards (tests/testing/temp_dir.h is out of this
// layer's reach: tests/layering.sh).
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/custodian-config-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  ConfigInputs WithData() {
    ConfigInputs in;
    in.flags.push_back({"server", "data_dir", dir_.path().string(), "--data"});
    return in;
  }
  // The message of refusing `toml` as the --config file (InvalidArgument).
  std::string FileError(const std::string& toml) {
    ConfigInputs in = WithData();
    in.config_file = Write("bad.toml", toml);
    auto r = LoadServeConfig(in);
    EXPECT_FALSE(r) << toml;
    if (r) return "";
    EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument) << toml;
    return r.error().message();
  }
  std::string EnvError(const Env& env) {
    ConfigInputs in = WithData();
    in.environment = env;
    auto r = LoadServeConfig(in);
    EXPECT_FALSE(r);
    if (r) return "";
    EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument);
    return r.error().message();
  }

  TempDir dir_;
};

TEST_F(ConfigFileTest, WithoutAFileEveryKeyHasItsDefault) {
  auto r = LoadServeConfig(WithData());
  ASSERT_TRUE(r) << r.error().ToString();
  ServeConfig expected;
  expected.server.data_dir = dir_.path().string();
  EXPECT_EQ(r->config, expected);
  EXPECT_EQ(r->file, "");
  EXPECT_EQ(r->config.server.port, 8080);
  EXPECT_EQ(r->config.server.listen, "127.0.0.1");
  EXPECT_EQ(r->config.log.format, "json");
  EXPECT_EQ(r->origins.at("server.port"), "default");
  EXPECT_EQ(r->origins.at("server.data_dir"), "--data");
  EXPECT_EQ(r->origins.size(), Keys().size());
}

TEST_F(ConfigFileTest, ReadsCustodianTomlInTheDataDirectoryWhenThereIsOne) {
  Write("custodian.toml", "[server]\nport = 9090\n[log]\nformat = \"text\"\n");
  auto r = LoadServeConfig(WithData());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->file, dir_.file("custodian.toml"));
  EXPECT_EQ(r->config.server.port, 9090);
  EXPECT_EQ(r->config.log.format, "text");
  EXPECT_EQ(r->origins.at("server.port"), dir_.file("custodian.toml") + ":2");
}

TEST_F(ConfigFileTest, ReadsEveryKindOfValueFromTheConfigFileAndPathsRelativeToIt) {
  fs::create_directories(dir_.path() / "etc");
  ConfigInputs in;
  in.config_file = Write("etc/custodian.toml", R"(# an agency's server
[server]
data_dir = "../site"          # relative to this file
listen = "0.0.0.0"
port = 8443
threads = 8

[tls]
enabled = true

[lockers]
banks_file = "/etc/custodian/banks.json"
poll_ms = 100

[sessions]
terminal_idle_s = 90
max_age_s = 28800

[limits]
body_bytes = 131072
logins_per_badge_burst = 5

[log]
level = "warn"
access = false
)");
  auto r = LoadServeConfig(in);
  ASSERT_TRUE(r) << r.error().ToString();
  const ServeConfig& c = r->config;
  EXPECT_EQ(c.server.data_dir, (dir_.path() / "site").string());
  EXPECT_EQ(c.server.listen, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8443);
  EXPECT_EQ(c.server.threads, 8);
  EXPECT_TRUE(c.tls.enabled);
  EXPECT_EQ(c.lockers.banks_file, "/etc/custodian/banks.json");
  EXPECT_EQ(c.lockers.poll_ms, 100);
  EXPECT_EQ(c.sessions.terminal_idle_s, 90);
  EXPECT_EQ(c.sessions.max_age_s, 28800);
  EXPECT_EQ(c.limits.body_bytes, 131072);
  EXPECT_EQ(c.limits.logins_per_badge_burst, 5);
  EXPECT_EQ(c.log.level, "warn");
  EXPECT_FALSE(c.log.access);
  EXPECT_EQ(c.sessions.staff_idle_s, 1800);  // not in the file: the default
}

TEST_F(ConfigFileTest, TheEnvironmentOverridesTheFileAndFlagsOverrideTheEnvironment) {
  ConfigInputs in = WithData();
  in.config_file =
      Write("c.toml", "[server]\nport = 9090\nthreads = 2\n[log]\nlevel = \"debug\"\n");
  in.environment = {{"CUSTODIAN_SERVER_PORT", "9191"},
                    {"CUSTODIAN_LOG_LEVEL", "error"},
                    {"CUSTODIAN_TLS_ENABLED", "1"},
                    {"PATH", "/usr/bin"}};
  auto env_only = LoadServeConfig(in);
  ASSERT_TRUE(env_only) << env_only.error().ToString();
  EXPECT_EQ(env_only->config.server.port, 9191);  // file < environment
  EXPECT_EQ(env_only->config.server.threads, 2);  // the file, where nothing overrides it
  EXPECT_EQ(env_only->config.log.level, "error");
  EXPECT_TRUE(env_only->config.tls.enabled);
  EXPECT_EQ(env_only->origins.at("server.port"), "CUSTODIAN_SERVER_PORT");

  in.flags.push_back({"server", "port", "7070", "--port"});
  in.flags.push_back({"tls", "enabled", "false", "--no-tls"});
  auto with_flags = LoadServeConfig(in);
  ASSERT_TRUE(with_flags) << with_flags.error().ToString();
  EXPECT_EQ(with_flags->config.server.port, 7070);  // environment < flags
  EXPECT_FALSE(with_flags->config.tls.enabled);
  EXPECT_EQ(with_flags->config.log.level, "error");
  EXPECT_EQ(with_flags->origins.at("server.port"), "--port");
  EXPECT_EQ(with_flags->origins.at("server.threads"), in.config_file + ":3");
}

TEST_F(ConfigFileTest, TheDataDirectoryOfTheEnvironmentFindsItsCustodianToml) {
  Write("custodian.toml", "[lockers]\npoll_ms = 50\n");
  ConfigInputs in;
  in.environment = {{"CUSTODIAN_SERVER_DATA_DIR", dir_.path().string()}};
  auto r = LoadServeConfig(in);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->config.lockers.poll_ms, 50);
  EXPECT_EQ(r->config.server.data_dir, dir_.path().string());
}

TEST_F(ConfigFileTest, VariablesThatAreNotSettingsAreLeftAlone) {
  ConfigInputs in = WithData();
  in.environment = {{"CUSTODIAN_BIN", "/x/custodian"},
                    {"CUSTODIAN_FUZZ_SEED", "7"},
                    {"CUSTODIAN_LOGGING_LEVEL", "x"},
                    {"custodian_server_port", "1"},
                    {"HOME", "/root"}};
  auto r = LoadServeConfig(in);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->config.server.port, 8080);
}

TEST_F(ConfigFileTest, RefusesGarbageInTheFileNamingTheFileLineKeyAndProblem) {
  const std::string f = dir_.file("bad.toml");
  const std::pair<std::string, std::string> cases[] = {
      {"[server\nport = 1\n",
       f + ":1:8: not valid TOML: Error while parsing table header: expected ']', saw '\\n'"},
      {"[server]\nport = 1\nport = 2\n", f + ":3:8: not valid TOML: Error while parsing key-value "
                                             "pair: cannot redefine existing integer 'port'"},
      {"[server]\nprot = 8080\n",
       f + ":2:1: [server] prot: unknown key; did you mean port? The keys of [server] are "
           "data_dir, web_dir, listen, port, threads, blocking_threads, heartbeat_ms, "
           "shutdown_grace_ms"},
      {"[limits]\nrequest_timeout = 5000\n",
       f + ":2:1: [limits] request_timeout: unknown key; did you mean request_timeout_ms? The keys "
           "of [limits] are header_bytes, body_bytes, request_timeout_ms, "
           "logins_per_address_per_minute, logins_per_address_burst, logins_per_badge_per_minute, "
           "logins_per_badge_burst, login_tracked_keys, events_per_poll"},
      {"[tls]\ncolour = \"blue\"\n",
       f + ":2:1: [tls] colour: unknown key; the keys of [tls] are enabled"},
      {"\n[serve]\nport = 1\n",
       f + ":2:2: [serve]: unknown section; did you mean [server]? The sections are [server], "
           "[tls], [lockers], [sessions], [limits], [log]"},
      {"port = 8080\n", f + ":1:1: port: every key belongs in a section; did you mean port under "
                            "[server]?"},
      {"colour = 1\n", f + ":1:1: colour: every key belongs in a section ([server], [tls], "
                           "[lockers], [sessions], [limits], [log])"},
      {"server = 1\n",
       f + ":1:10: [server] must be a section (a line [server] followed by its keys), not an "
           "integer (1)"},
      {"[server]\nport = \"8080\"\n",
       f + ":2:8: [server] port: must be a whole number from 0 to 65535, not a string (\"8080\"); "
           "write numbers without quotes"},
      {"[server]\nport = 70000\n",
       f + ":2:8: [server] port: must be a whole number from 0 to 65535, not 70000"},
      {"[server]\nport = -1\n",
       f + ":2:8: [server] port: must be a whole number from 0 to 65535, not -1"},
      {"[server]\nthreads = 2.5\n",
       f + ":2:11: [server] threads: must be a whole number from 0 to 256, not a decimal number "
           "(2.5)"},
      {"[lockers]\npoll_ms = 5\n",
       f + ":2:11: [lockers] poll_ms: must be a whole number from 20 to 10000, not 5"},
      {"[tls]\nenabled = \"yes\"\n",
       f + ":2:11: [tls] enabled: must be true or false, not a string (\"yes\"); write true and "
           "false without quotes"},
      {"[tls]\nenabled = 1\n",
       f + ":2:11: [tls] enabled: must be true or false, not an integer (1)"},
      {"[server]\nlisten = 127\n",
       f + ":2:10: [server] listen: must be a string, not an integer (127)"},
      {"[server]\nlisten = \"localhost\"\n",
       f + ":2:10: [server] listen: must be an IP address to listen on, such as 127.0.0.1, ::1 or "
           "0.0.0.0, not \"localhost\""},
      {"[log]\nlevel = \"verbose\"\n",
       f + ":2:9: [log] level: must be one of debug, info, warn, error, not \"verbose\""},
      {"[log]\nformat = [\"json\"]\n",
       f + ":2:10: [log] format: must be one of json, text, not an array"},
      {"[lockers]\nbanks_file = \"a\\u0007b\"\n",
       f + ":2:14: [lockers] banks_file: must not contain control characters"},
      {"[server.extra]\nx = 1\n", f + ":1:9: [server] extra: unknown key; the keys of [server] are "
                                      "data_dir, web_dir, listen, port, "
                                      "threads, blocking_threads, heartbeat_ms, shutdown_grace_ms"},
      {"[[log]]\nlevel = \"info\"\n",
       f + ":1:1: [log] must be a section (a line [log] followed by its keys), not an array"},
      {"[sessions]\nmax_age_s = 1\n[limits]\nbody_bytes = 1\nheader_bytes = 1\n",
       f + ":2:13: [sessions] max_age_s: must be a whole number from 60 to 604800, not 1 (and 2 "
           "more problems after it)"},
  };
  for (const auto& [toml, message] : cases) EXPECT_EQ(FileError(toml), message) << toml;
}

TEST_F(ConfigFileTest, ARefusedFileChangesNothing) {
  ServeConfig c;
  ConfigOrigins origins{{"server.port", "default"}};
  const auto s = ApplyConfigToml("[server]\nport = 9000\n[log]\nlevel = \"loud\"\n", "x.toml", "",
                                 c, &origins);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(c, ServeConfig{});
  EXPECT_EQ(origins.at("server.port"), "default");
}

TEST_F(ConfigFileTest, RefusesBadEnvironmentValuesNamingTheVariable) {
  EXPECT_EQ(EnvError({{"CUSTODIAN_SERVER_PORT", "80a"}}),
            "CUSTODIAN_SERVER_PORT (server.port): must be a whole number from 0 to 65535, not "
            "\"80a\"");
  EXPECT_EQ(
      EnvError({{"CUSTODIAN_SERVER_PORT", ""}}),
      "CUSTODIAN_SERVER_PORT (server.port): must be a whole number from 0 to 65535, not \"\"");
  EXPECT_EQ(EnvError({{"CUSTODIAN_SERVER_PORT", "99999999999999999999"}}),
            "CUSTODIAN_SERVER_PORT (server.port): must be a whole number from 0 to 65535, not "
            "\"99999999999999999999\"");
  EXPECT_EQ(EnvError({{"CUSTODIAN_LIMITS_BODY_BYTES", "1"}}),
            "CUSTODIAN_LIMITS_BODY_BYTES (limits.body_bytes): must be a whole number from 1024 to "
            "67108864, not 1");
  EXPECT_EQ(EnvError({{"CUSTODIAN_TLS_ENABLED", "yes"}}),
            "CUSTODIAN_TLS_ENABLED (tls.enabled): must be true or false (or 1 or 0), not \"yes\"");
  EXPECT_EQ(EnvError({{"CUSTODIAN_LOG_FORMAT", "xml"}}),
            "CUSTODIAN_LOG_FORMAT (log.format): must be one of json, text, not \"xml\"");
  EXPECT_EQ(EnvError({{"CUSTODIAN_SERVER_PROT", "1"}}),
            "CUSTODIAN_SERVER_PROT: not a setting of custodian serve; did you mean "
            "CUSTODIAN_SERVER_PORT? The settings of [server] are CUSTODIAN_SERVER_DATA_DIR, "
            "CUSTODIAN_SERVER_WEB_DIR, "
            "CUSTODIAN_SERVER_LISTEN, CUSTODIAN_SERVER_PORT, CUSTODIAN_SERVER_THREADS, "
            "CUSTODIAN_SERVER_BLOCKING_THREADS, "
            "CUSTODIAN_SERVER_HEARTBEAT_MS, CUSTODIAN_SERVER_SHUTDOWN_GRACE_MS");
  EXPECT_EQ(EnvError({{"CUSTODIAN_TLS_COLOUR", "blue"}}),
            "CUSTODIAN_TLS_COLOUR: not a setting of custodian serve; the settings of [tls] are "
            "CUSTODIAN_TLS_ENABLED");
  EXPECT_THAT(EnvError({{"CUSTODIAN_LOG_level", "info"}}),
              StartsWith("CUSTODIAN_LOG_level: not a setting of custodian serve; did you mean "
                         "CUSTODIAN_LOG_LEVEL?"));
}

TEST_F(ConfigFileTest, RefusesBadFlagValuesNamingTheFlag) {
  ConfigInputs in = WithData();
  in.flags.push_back({"lockers", "poll_ms", "5", "--poll-ms"});
  auto r = LoadServeConfig(in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "--poll-ms: must be a whole number from 20 to 10000, not 5");
  in.flags.back() = {"server", "listen", "my host", "--listen"};
  r = LoadServeConfig(in);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "--listen: must be an IP address to listen on, such as 127.0.0.1, ::1 or 0.0.0.0, not "
            "\"my host\"");
}

TEST_F(ConfigFileTest, RefusesAMissingOversizedOrDirectoryConfigFile) {
  ConfigInputs in = WithData();
  in.config_file = dir_.file("nope.toml");
  auto missing = LoadServeConfig(in);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message(), "config file " + in.config_file + " does not exist");

  in.config_file = dir_.path().string();
  auto directory = LoadServeConfig(in);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message(), "config file " + in.config_file + " is a directory");

  in.config_file = Write("huge.toml", std::string(2 << 20, '#'));
  auto huge = LoadServeConfig(in);
  ASSERT_FALSE(huge);
  EXPECT_THAT(huge.error().message(), HasSubstr("is larger than 1 MiB"));
}

TEST_F(ConfigFileTest, RefusesToStartWithoutADataDirectoryOrWithTwoKindsOfLockers) {
  auto none = LoadServeConfig({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message(),
            "no data directory: give --data DIR, data_dir under [server] in a config file "
            "(--config FILE), or CUSTODIAN_SERVER_DATA_DIR");
  ConfigInputs in = WithData();
  in.config_file = Write("c.toml", "[lockers]\nbanks_file = \"banks.json\"\n");
  in.flags.push_back({"lockers", "simulate", "true", "--simulate"});
  auto both = LoadServeConfig(in);
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().message(),
            "[lockers] simulate (set by --simulate) and banks_file (set by " + in.config_file +
                ":2) exclude each other: simulated banks or the banks of a file, not both");
}

TEST_F(ConfigFileTest, ThePrintedConfigurationReadsBackToTheSameValues) {
  ServeConfig c;
  c.server.data_dir = "/var/lib/custodian \"main\"\\x";
  c.server.listen = "::1";
  c.server.port = 0;
  c.tls.enabled = true;
  c.lockers.simulate = true;
  c.lockers.auto_officer = false;
  c.limits.events_per_poll = 7;
  c.log.format = "text";
  ConfigOrigins origins;
  for (const ConfigKey& k : Keys()) {
    origins[std::string(k.section) + "." + std::string(k.name)] = "default";
  }
  const std::string text = FormatConfigToml(c, &origins);
  EXPECT_THAT(text, HasSubstr("[server]\ndata_dir = \"/var/lib/custodian \\\"main\\\"\\\\x\""));
  EXPECT_THAT(text, HasSubstr("# default"));
  ServeConfig back;
  const auto s = ApplyConfigToml(text, "printed", "", back);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << text;
  EXPECT_EQ(back, c);
}

TEST_F(ConfigFileTest, TheExampleConfigDocumentsEveryKeyWithItsDefault) {
  auto text = ReadFile(CUSTODIAN_EXAMPLE_CONFIG);
  ASSERT_TRUE(text) << text.error().ToString();
  ServeConfig c;
  const auto s = ApplyConfigToml(*text, "custodian.example.toml", "", c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c, ServeConfig{}) << "the example must show the defaults";
  for (const ConfigKey& k : Keys()) {
    const std::string set = "\n" + std::string(k.name) + " = ";
    const std::string commented = "\n# " + std::string(k.name) + " = ";
    EXPECT_TRUE(text->find(set) != std::string::npos || text->find(commented) != std::string::npos)
        << k.name << " is not in docs/custodian.example.toml";
    EXPECT_THAT(*text, HasSubstr(EnvironmentName(k))) << "the example names each variable";
  }
}

}  // namespace
}  // namespace custodian::store
