// The configuration of `custodian serve`: a TOML file, environment variables and command-line
// flags, each overriding the one before:
//
//   built-in defaults  <  the config file  <  CUSTODIAN_<SECTION>_<KEY>  <  command-line flags
//
// The file is `--config FILE`, or else DIR/custodian.toml when it exists (DIR: the data directory
// given by --data or CUSTODIAN_SERVER_DATA_DIR). Every key, its type, range and default is in
// Keys() below and documented in docs/custodian.example.toml (a test checks the two agree):
//
//   [server]   data_dir, web_dir, listen, port, threads, blocking_threads, heartbeat_ms,
//              shutdown_grace_ms
//   [tls]      enabled
//   [lockers]  simulate, banks_file, poll_ms, auto_officer, control_port, auto_pause_ms
//   [sessions] terminal_idle_s, staff_idle_s, max_age_s, max_sessions
//   [limits]   header_bytes, body_bytes, request_timeout_ms, logins_per_address_per_minute,
//              logins_per_address_burst, logins_per_badge_per_minute, logins_per_badge_burst,
//              login_tracked_keys, events_per_poll
//   [log]      level, format, access
//
// The environment variable of a key is CUSTODIAN_ + section + _ + key in capitals
// (CUSTODIAN_SERVER_PORT, CUSTODIAN_LIMITS_BODY_BYTES); its value is the key's value as text
// ("8080", "true", "json"). Variables that start with CUSTODIAN_ and a section's name must name a
// key; other CUSTODIAN_ variables are not settings and are ignored.
//
// Relative paths (data_dir, web_dir, banks_file) in a file are relative to the file's directory; in
// the environment and on the command line, to the working directory.
//
// Everything here reads outside input and trusts none of it (fuzzed: config_file_fuzz.cc): a
// refusal is InvalidArgument with one sentence naming where (FILE:LINE:COLUMN, the variable or the
// flag), the key and what is wrong — an unknown key or section with the closest known name and the
// list of known ones, a wrong type, a value out of range. Nothing is partially applied: a refused
// configuration is refused whole.
//
// Thread-safety: pure functions, except LoadServeConfig, which reads the file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace custodian::store {

// The effective configuration: plain values, each within the range Keys() gives it.
struct ServeConfig {
  struct Server {
    std::string data_dir;  // "" until given somewhere: serve then refuses to start
    std::string web_dir;   // "": the pages built with this binary (web/dist of its source tree)
    std::string listen = "127.0.0.1";
    int64_t port = 8080;  // 0: a free port
    int64_t threads = 0;  // event loops; 0: one per core
    int64_t blocking_threads = 16;
    int64_t heartbeat_ms = 15'000;
    int64_t shutdown_grace_ms = 5'000;
    bool operator==(const Server&) const = default;
  } server;
  struct Tls {
    bool enabled = false;  // always on for an address other than loopback
    bool operator==(const Tls&) const = default;
  } tls;
  struct Lockers {
    bool simulate = false;
    std::string banks_file;  // "" : none
    int64_t poll_ms = 200;
    bool auto_officer = true;  // with simulate
    int64_t control_port = 0;  // with simulate; 0: a free one
    int64_t auto_pause_ms = 1'000;
    bool operator==(const Lockers&) const = default;
  } lockers;
  struct Sessions {
    int64_t terminal_idle_s = 60;
    int64_t staff_idle_s = 30 * 60;
    int64_t max_age_s = 12 * 3600;
    int64_t max_sessions = 10'000;
    bool operator==(const Sessions&) const = default;
  } sessions;
  struct Limits {
    int64_t header_bytes = 8 * 1024;
    int64_t body_bytes = 64 * 1024;
    int64_t request_timeout_ms = 10'000;
    int64_t logins_per_address_per_minute = 30;
    int64_t logins_per_address_burst = 30;
    int64_t logins_per_badge_per_minute = 10;
    int64_t logins_per_badge_burst = 10;
    int64_t login_tracked_keys = 100'000;
    int64_t events_per_poll = 500;
    bool operator==(const Limits&) const = default;
  } limits;
  struct Log {
    std::string level = "info";   // debug | info | warn | error
    std::string format = "json";  // json | text
    bool access = true;           // one line per request answered
    bool operator==(const Log&) const = default;
  } log;
  bool operator==(const ServeConfig&) const = default;
};

// One key of the configuration, for parsers, printers and documentation.
struct ConfigKey {
  enum class Type { kString, kPath, kInteger, kBoolean, kChoice };
  std::string_view section;
  std::string_view name;
  Type type;
  int64_t min = 0;  // kInteger
  int64_t max = 0;
  std::vector<std::string_view> choices;  // kChoice
  std::string_view flag;                  // the command-line flag that sets it, if any
  std::string_view help;                  // one line
};
const std::vector<ConfigKey>& Keys();
// "CUSTODIAN_SERVER_PORT".
std::string EnvironmentName(const ConfigKey& key);

// A value set outside the file: `section` and `key` name a ConfigKey, `value` is its text
// ("8080", "true"), `source` names where it came from for messages ("--port").
struct Setting {
  std::string section;
  std::string key;
  std::string value;
  std::string source;
};

// Where each key's effective value came from: "default", "FILE:LINE", "CUSTODIAN_…", "--flag";
// keyed by "section.key".
using ConfigOrigins = std::map<std::string, std::string>;

// Applies a TOML document to `config` (keys it does not set keep their value). `file_name` is used
// in messages and, when `file_dir` is not empty, relative paths are taken relative to it.
core::Status ApplyConfigToml(std::string_view text, const std::string& file_name,
                             const std::string& file_dir, ServeConfig& config,
                             ConfigOrigins* origins = nullptr);
// Applies the CUSTODIAN_<SECTION>_<KEY> variables among `environment` (NAME, VALUE pairs).
core::Status ApplyConfigEnvironment(
    const std::vector<std::pair<std::string, std::string>>& environment, ServeConfig& config,
    ConfigOrigins* origins = nullptr);
// Applies command-line settings.
core::Status ApplySettings(const std::vector<Setting>& settings, ServeConfig& config,
                           ConfigOrigins* origins = nullptr);

// What `custodian serve` is given.
struct ConfigInputs {
  std::string config_file;  // --config; "" : DIR/custodian.toml if it exists
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<Setting> flags;
};
struct LoadedConfig {
  ServeConfig config;
  std::string file;  // the file read, "" if none
  ConfigOrigins origins;
};
// Defaults < file < environment < flags, then the checks that span keys (a data directory is
// given; simulate and banks_file exclude each other). A missing --config file is NotFound; a file
// larger than 1 MiB or not a configuration is InvalidArgument.
core::Result<LoadedConfig> LoadServeConfig(const ConfigInputs& inputs);

// The value of `key` in `config` as TOML writes it: 8080, true, "json".
std::string ValueText(const ServeConfig& config, const ConfigKey& key);

// The configuration as a TOML document that ApplyConfigToml reads back to the same values, every
// key in Keys() order, each followed by a comment saying where its value came from when `origins`
// is given.
std::string FormatConfigToml(const ServeConfig& config, const ConfigOrigins* origins = nullptr);

}  // namespace custodian::store
