#include "store/config_file.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <sstream>
#include <variant>

#include "core/utf8.h"
#include "store/files.h"

namespace custodian::store {
namespace {

namespace fs = std::filesystem;
using Type = ConfigKey::Type;
using Ref = std::variant<std::string*, int64_t*, bool*>;

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr std::string_view kSections[] = {"server", "tls", "lockers", "sessions", "limits", "log"};

struct Entry {
  ConfigKey key;
  Ref (*field)(ServeConfig&);
};

Entry Int(std::string_view section, std::string_view name, int64_t min, int64_t max,
          std::string_view flag, std::string_view help, Ref (*field)(ServeConfig&)) {
  return {{section, name, Type::kInteger, min, max, {}, flag, help}, field};
}
Entry Bool(std::string_view section, std::string_view name, std::string_view flag,
           std::string_view help, Ref (*field)(ServeConfig&)) {
  return {{section, name, Type::kBoolean, 0, 0, {}, flag, help}, field};
}
Entry Text(Type type, std::string_view section, std::string_view name, std::string_view flag,
           std::string_view help, Ref (*field)(ServeConfig&)) {
  return {{section, name, type, 0, 0, {}, flag, help}, field};
}
Entry Choice(std::string_view section, std::string_view name, std::vector<std::string_view> choices,
             std::string_view help, Ref (*field)(ServeConfig&)) {
  return {{section, name, Type::kChoice, 0, 0, std::move(choices), "", help}, field};
}

#define CUSTODIAN_FIELD(member) [](ServeConfig& c) -> Ref { return &c.member; }

// Every key, in the order of the sections and of docs/custodian.example.toml.
const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      Text(Type::kPath, "server", "data_dir", "--data",
           "the data directory (ledger.db, keys, credentials.db, tls.crt)",
           CUSTODIAN_FIELD(server.data_dir)),
      Text(Type::kPath, "server", "web_dir", "--web",
           "the built web pages (terminal and dashboard); \"\" for the ones built with this binary",
           CUSTODIAN_FIELD(server.web_dir)),
      Text(Type::kString, "server", "listen", "--listen",
           "the IP address to listen on; HTTPS only when it is not loopback",
           CUSTODIAN_FIELD(server.listen)),
      Int("server", "port", 0, 65535, "--port", "the port; 0 for a free one",
          CUSTODIAN_FIELD(server.port)),
      Int("server", "threads", 0, 256, "",
          "event loops answering requests, one thread each; 0 for one per core",
          CUSTODIAN_FIELD(server.threads)),
      Int("server", "blocking_threads", 1, 1024, "",
          "threads for requests that may wait (a PIN check ~0.1 s, a ledger commit)",
          CUSTODIAN_FIELD(server.blocking_threads)),
      Int("server", "heartbeat_ms", 1'000, 600'000, "",
          "an event stream sends a comment line after this long without news",
          CUSTODIAN_FIELD(server.heartbeat_ms)),
      Int("server", "shutdown_grace_ms", 0, 600'000, "",
          "on SIGTERM, how long requests being answered may still take",
          CUSTODIAN_FIELD(server.shutdown_grace_ms)),
      Bool("tls", "enabled", "--tls",
           "HTTPS with DATA_DIR/tls.crt and tls.key (self-signed, made on first start)",
           CUSTODIAN_FIELD(tls.enabled)),
      Bool("lockers", "simulate", "--simulate",
           "simulate every locker bank of the agency on loopback",
           CUSTODIAN_FIELD(lockers.simulate)),
      Text(Type::kPath, "lockers", "banks_file", "--banks",
           "the locker bank controllers to drive (JSON, as `custodian sim --banks-out` writes)",
           CUSTODIAN_FIELD(lockers.banks_file)),
      Int("lockers", "poll_ms", 20, 10'000, "--poll-ms", "how often each bank is polled",
          CUSTODIAN_FIELD(lockers.poll_ms)),
      Bool("lockers", "auto_officer", "--no-auto",
           "with simulate: an officer opens each unlocked door, takes or returns, closes",
           CUSTODIAN_FIELD(lockers.auto_officer)),
      Int("lockers", "control_port", 0, 65535, "--control-port",
          "with simulate: the simulator's JSON control port; 0 for a free one",
          CUSTODIAN_FIELD(lockers.control_port)),
      Int("lockers", "auto_pause_ms", 0, 60'000, "--auto-pause-ms",
          "with simulate: the auto officer's pause between steps",
          CUSTODIAN_FIELD(lockers.auto_pause_ms)),
      Int("sessions", "terminal_idle_s", 5, 86'400, "",
          "a terminal session ends after this long without a request",
          CUSTODIAN_FIELD(sessions.terminal_idle_s)),
      Int("sessions", "staff_idle_s", 60, 86'400, "",
          "a dashboard session ends after this long without a request",
          CUSTODIAN_FIELD(sessions.staff_idle_s)),
      Int("sessions", "max_age_s", 60, 7 * 86'400, "",
          "every session ends this long after its login", CUSTODIAN_FIELD(sessions.max_age_s)),
      Int("sessions", "max_sessions", 1, 1'000'000, "",
          "live sessions kept at most; the oldest go first",
          CUSTODIAN_FIELD(sessions.max_sessions)),
      Int("limits", "header_bytes", 1'024, 1 << 20, "",
          "a request header larger than this gets 431", CUSTODIAN_FIELD(limits.header_bytes)),
      Int("limits", "body_bytes", 1'024, 64 << 20, "", "a request body larger than this gets 413",
          CUSTODIAN_FIELD(limits.body_bytes)),
      Int("limits", "request_timeout_ms", 100, 600'000, "",
          "a whole request must arrive within this, or the client is dropped",
          CUSTODIAN_FIELD(limits.request_timeout_ms)),
      Int("limits", "logins_per_address_per_minute", 1, 100'000, "",
          "login attempts one client address regains per minute (then 429)",
          CUSTODIAN_FIELD(limits.logins_per_address_per_minute)),
      Int("limits", "logins_per_address_burst", 1, 100'000, "",
          "login attempts one client address may make at once",
          CUSTODIAN_FIELD(limits.logins_per_address_burst)),
      Int("limits", "logins_per_badge_per_minute", 1, 100'000, "",
          "login attempts on one badge regained per minute (then 429)",
          CUSTODIAN_FIELD(limits.logins_per_badge_per_minute)),
      Int("limits", "logins_per_badge_burst", 1, 100'000, "", "login attempts on one badge at once",
          CUSTODIAN_FIELD(limits.logins_per_badge_burst)),
      Int("limits", "login_tracked_keys", 100, 10'000'000, "",
          "addresses and badges the login limits remember at most",
          CUSTODIAN_FIELD(limits.login_tracked_keys)),
      Int("limits", "events_per_poll", 1, 100'000, "",
          "an event stream sends at most this many events at once",
          CUSTODIAN_FIELD(limits.events_per_poll)),
      Choice("log", "level", {"debug", "info", "warn", "error"},
             "the least important entries written", CUSTODIAN_FIELD(log.level)),
      Choice("log", "format", {"json", "text"}, "json: one JSON object per line; text: for people",
             CUSTODIAN_FIELD(log.format)),
      Bool("log", "access", "", "one line per request answered", CUSTODIAN_FIELD(log.access)),
  };
  return entries;
}

#undef CUSTODIAN_FIELD

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSection(std::string_view name) {
  return std::find(std::begin(kSections), std::end(kSections), name) != std::end(kSections);
}

const Entry* Find(std::string_view section, std::string_view name) {
  for (const Entry& e : Entries()) {
    if (e.key.section == section && e.key.name == name) return &e;
  }
  return nullptr;
}

std::string OriginKey(const ConfigKey& k) {
  return std::string(k.section) + "." + std::string(k.name);
}

// Damerau-Levenshtein (optimal string alignment) distance: a swapped pair of letters is one edit.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The known name closest to `name`, if any is close: at most two edits (one for short names), or
// one contains the other.
std::optional<std::string_view> Closest(std::string_view name,
                                        const std::vector<std::string_view>& known) {
  if (name.empty() || name.size() > 100) return std::nullopt;  // a quadratic distance: bound it
  const std::string lower = Lower(name);
  std::optional<std::string_view> best;
  size_t best_d = 3;
  for (std::string_view k : known) {
    size_t d = Distance(lower, k);
    if (d > (k.size() <= 4 ? 1u : 2u)) d = 3;
    if (d == 3 && lower.size() >= 4 &&
        (k.find(lower) != std::string_view::npos || lower.find(k) != std::string::npos)) {
      d = 2;
    }
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

std::vector<std::string_view> KeysOf(std::string_view section) {
  std::vector<std::string_view> names;
  for (const Entry& e : Entries()) {
    if (e.key.section == section) names.push_back(e.key.name);
  }
  return names;
}

std::string SectionList() {
  std::vector<std::string> names;
  for (std::string_view s : kSections) names.push_back("[" + std::string(s) + "]");
  return Join(names);
}

// Text as a person reads it in a message: printable, at most `max` characters (control characters
// and bytes that are not UTF-8 become '?').
std::string Printable(std::string_view text, size_t max = 60) {
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (shown == max) {
      out += "…";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = core::Utf8SequenceAt(text, i);
    if (c < 0x20 || c == 0x7F || n == 0) {
      out += "?";
    } else {
      out.append(text.substr(i, n));
      i += n - 1;
    }
    ++shown;
  }
  return out;
}

// A value in a message: quoted, printable.
std::string Shown(std::string_view text) { return "\"" + Printable(text) + "\""; }

std::string RangeText(const ConfigKey& k) {
  return "must be a whole number from " + std::to_string(k.min) + " to " + std::to_string(k.max);
}

std::string ChoicesText(const ConfigKey& k) {
  std::vector<std::string> c(k.choices.begin(), k.choices.end());
  return "must be one of " + Join(c);
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F;
  });
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Checks a string value of `k`; the problem, or "" when it is fine.
std::string StringProblem(const ConfigKey& k, const std::string& v) {
  if (!core::IsValidUtf8(v)) return "must be valid UTF-8";
  if (HasControl(v)) return "must not contain control characters";
  switch (k.type) {
    case Type::kChoice:
      if (std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) {
        return ChoicesText(k) + ", not " + Shown(v);
      }
      return "";
    case Type::kString:  // the only free string: listen
      if (!IsIpAddress(v)) {
        return "must be an IP address to listen on, such as 127.0.0.1, ::1 or 0.0.0.0, not " +
               Shown(v);
      }
      return "";
    case Type::kPath:
      if (v.size() > 4096) return "must be a path of at most 4096 bytes";
      return "";
    default:
      return "";
  }
}

// A path from a file is relative to the file's directory.
std::string Resolve(const std::string& path, const std::string& dir) {
  if (path.empty() || dir.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).lexically_normal().string();
}

// Text (an environment variable, a flag) to the value of `k`, stored; the problem, or "".
std::string SetFromText(const Entry& e, std::string_view text, ServeConfig& config) {
  const ConfigKey& k = e.key;
  const Ref ref = e.field(config);
  switch (k.type) {
    case Type::kInteger: {
      int64_t v = 0;
      const char* end = text.data() + text.size();
      auto [p, ec] = std::from_chars(text.data(), end, v);
      if (text.empty() || ec != std::errc() || p != end) {
        return RangeText(k) + ", not " + Shown(text);
      }
      if (v < k.min || v > k.max) return RangeText(k) + ", not " + std::to_string(v);
      *std::get<int64_t*>(ref) = v;
      return "";
    }
    case Type::kBoolean:
      if (text == "true" || text == "1") {
        *std::get<bool*>(ref) = true;
      } else if (text == "false" || text == "0") {
        *std::get<bool*>(ref) = false;
      } else {
        return "must be true or false (or 1 or 0), not " + Shown(text);
      }
      return "";
    default: {
      const std::string v(text);
      if (std::string p = StringProblem(k, v); !p.empty()) return p;
      *std::get<std::string*>(ref) = v;
      return "";
    }
  }
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string (" + Shown(n.as_string()->get()) + ")";
    case toml::node_type::integer:
      return "an integer (" + std::to_string(n.as_integer()->get()) + ")";
    case toml::node_type::floating_point: {
      std::ostringstream s;
      s << n.as_floating_point()->get();
      return "a decimal number (" + s.str() + ")";
    }
    case toml::node_type::boolean:
      return n.as_boolean()->get() ? "a boolean (true)" : "a boolean (false)";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date and time";
    default:
      return "nothing";
  }
}

// A TOML value to the value of `k`, stored; the problem, or "".
std::string SetFromNode(const Entry& e, const toml::node& n, const std::string& file_dir,
                        ServeConfig& config) {
  const ConfigKey& k = e.key;
  const Ref ref = e.field(config);
  switch (k.type) {
    case Type::kInteger: {
      if (const auto* i = n.as_integer()) {
        const int64_t v = i->get();
        if (v < k.min || v > k.max) return RangeText(k) + ", not " + std::to_string(v);
        *std::get<int64_t*>(ref) = v;
        return "";
      }
      std::string p = RangeText(k) + ", not " + TypeName(n);
      if (n.is_string()) p += "; write numbers without quotes";
      return p;
    }
    case Type::kBoolean: {
      if (const auto* b = n.as_boolean()) {
        *std::get<bool*>(ref) = b->get();
        return "";
      }
      std::string p = "must be true or false, not " + TypeName(n);
      if (n.is_string()) p += "; write true and false without quotes";
      return p;
    }
    default: {
      const auto* s = n.as_string();
      if (!s) {
        return (k.type == Type::kChoice ? ChoicesText(k) : std::string("must be a string")) +
               ", not " + TypeName(n);
      }
      std::string v = s->get();
      if (std::string p = StringProblem(k, v); !p.empty()) return p;
      if (k.type == Type::kPath) v = Resolve(v, file_dir);
      *std::get<std::string*>(ref) = v;
      return "";
    }
  }
}

struct Problem {
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  // without the position
};

std::string UnknownKey(std::string_view section, std::string_view name) {
  const auto known = KeysOf(section);
  std::string out = "[" + std::string(section) + "] " + std::string(name) + ": unknown key";
  const auto c = Closest(name, known);
  out += c ? "; did you mean " + std::string(*c) + "? The keys" : std::string("; the keys");
  std::vector<std::string> names(known.begin(), known.end());
  return out + " of [" + std::string(section) + "] are " + Join(names);
}

std::string UnknownSection(std::string_view name) {
  std::string out = "[" + std::string(name) + "]: unknown section";
  std::vector<std::string_view> known(std::begin(kSections), std::end(kSections));
  const auto c = Closest(name, known);
  out +=
      c ? "; did you mean [" + std::string(*c) + "]? The sections" : std::string("; the sections");
  return out + " are " + SectionList();
}

// A key written outside any section: if it is a key of some section, which.
std::string KeyOutsideSections(std::string_view name) {
  std::string out = std::string(name) + ": every key belongs in a section";
  for (std::string_view section : kSections) {
    const auto known = KeysOf(section);
    if (auto c = Closest(name, known); c && *c == Lower(name)) {
      return out + "; did you mean " + std::string(*c) + " under [" + std::string(section) + "]?";
    }
  }
  return out + " (" + SectionList() + ")";
}

Problem At(const toml::source_region& where, std::string text) {
  return {where.begin.line, where.begin.column, std::move(text)};
}

}  // namespace

const std::vector<ConfigKey>& Keys() {
  static const std::vector<ConfigKey> keys = [] {
    std::vector<ConfigKey> k;
    for (const Entry& e : Entries()) k.push_back(e.key);
    return k;
  }();
  return keys;
}

std::string EnvironmentName(const ConfigKey& key) {
  return "CUSTODIAN_" + Upper(key.section) + "_" + Upper(key.name);
}

core::Status ApplyConfigToml(std::string_view text, const std::string& file_name,
                             const std::string& file_dir, ServeConfig& config,
                             ConfigOrigins* origins) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    return core::InvalidArgumentError(file_name + ":" + std::to_string(e.source().begin.line) +
                                      ":" + std::to_string(e.source().begin.column) +
                                      ": not valid TOML: " + std::string(e.description()));
  } catch (const std::exception& e) {  // e.g. out of memory: refused, never thrown on
    return core::InvalidArgumentError(file_name + ": cannot be read as TOML: " + e.what());
  }
  ServeConfig next = config;
  ConfigOrigins next_origins = origins ? *origins : ConfigOrigins{};
  std::vector<Problem> problems;
  for (const auto& [section_key, section_node] : root) {
    const std::string_view section = section_key.str();
    if (!IsSection(section)) {
      if (section_node.is_table()) {
        problems.push_back(At(section_key.source(), UnknownSection(section)));
      } else {
        problems.push_back(At(section_key.source(), KeyOutsideSections(section)));
      }
      continue;
    }
    const toml::table* table = section_node.as_table();
    if (!table) {
      problems.push_back(
          At(section_node.source(), "[" + std::string(section) + "] must be a section (a line [" +
                                        std::string(section) + "] followed by its keys), not " +
                                        TypeName(section_node)));
      continue;
    }
    for (const auto& [key, node] : *table) {
      const Entry* e = Find(section, key.str());
      if (!e) {
        problems.push_back(At(key.source(), UnknownKey(section, key.str())));
        continue;
      }
      if (std::string p = SetFromNode(*e, node, file_dir, next); !p.empty()) {
        problems.push_back(At(
            node.source(), "[" + std::string(section) + "] " + std::string(key.str()) + ": " + p));
        continue;
      }
      next_origins[OriginKey(e->key)] = file_name + ":" + std::to_string(node.source().begin.line);
    }
  }
  if (!problems.empty()) {
    const auto first =
        std::min_element(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
          return std::pair(a.line, a.column) < std::pair(b.line, b.column);
        });
    std::string message = file_name + ":" + std::to_string(first->line) + ":" +
                          std::to_string(first->column) + ": " + first->text;
    if (problems.size() > 1) {
      message += " (and " + std::to_string(problems.size() - 1) + " more problem" +
                 (problems.size() > 2 ? "s" : "") + " after it)";
    }
    return core::InvalidArgumentError(message);
  }
  config = std::move(next);
  if (origins) *origins = std::move(next_origins);
  return core::Status::Ok();
}

core::Status ApplyConfigEnvironment(
    const std::vector<std::pair<std::string, std::string>>& environment, ServeConfig& config,
    ConfigOrigins* origins) {
  ServeConfig next = config;
  ConfigOrigins next_origins = origins ? *origins : ConfigOrigins{};
  // In a stable order, so that the same environment always gives the same first complaint.
  std::vector<std::pair<std::string, std::string>> sorted = environment;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [name, value] : sorted) {
    constexpr std::string_view kPrefix = "CUSTODIAN_";
    if (name.rfind(kPrefix, 0) != 0) continue;
    const std::string rest = name.substr(kPrefix.size());
    const size_t underscore = rest.find('_');
    if (underscore == std::string::npos) continue;
    const std::string section = Lower(rest.substr(0, underscore));
    if (!IsSection(section) || Upper(section) != rest.substr(0, underscore)) continue;
    const std::string key_upper = rest.substr(underscore + 1);
    const Entry* e = Upper(key_upper) == key_upper ? Find(section, Lower(key_upper)) : nullptr;
    if (!e) {
      std::vector<std::string> names;
      std::vector<std::string_view> keys = KeysOf(section);
      for (std::string_view k : keys) {
        names.push_back("CUSTODIAN_" + Upper(section) + "_" + Upper(k));
      }
      std::string message = Printable(name) + ": not a setting of custodian serve";
      if (auto c = Closest(key_upper, keys)) {
        message += "; did you mean CUSTODIAN_" + Upper(section) + "_" + Upper(*c) + "? The";
      } else {
        message += "; the";
      }
      return core::InvalidArgumentError(message + " settings of [" + section + "] are " +
                                        Join(names));
    }
    if (std::string p = SetFromText(*e, value, next); !p.empty()) {
      return core::InvalidArgumentError(name + " (" + std::string(e->key.section) + "." +
                                        std::string(e->key.name) + "): " + p);
    }
    next_origins[OriginKey(e->key)] = name;
  }
  config = std::move(next);
  if (origins) *origins = std::move(next_origins);
  return core::Status::Ok();
}

core::Status ApplySettings(const std::vector<Setting>& settings, ServeConfig& config,
                           ConfigOrigins* origins) {
  ServeConfig next = config;
  ConfigOrigins next_origins = origins ? *origins : ConfigOrigins{};
  for (const Setting& s : settings) {
    const Entry* e = Find(s.section, s.key);
    if (!e) {
      return core::InvalidArgumentError(s.source + ": " + s.section + "." + s.key +
                                        " is not a setting of custodian serve");
    }
    if (std::string p = SetFromText(*e, s.value, next); !p.empty()) {
      return core::InvalidArgumentError(s.source + ": " + p);
    }
    next_origins[OriginKey(e->key)] = s.source;
  }
  config = std::move(next);
  if (origins) *origins = std::move(next_origins);
  return core::Status::Ok();
}

core::Result<LoadedConfig> LoadServeConfig(const ConfigInputs& inputs) {
  // Where the data directory is, to find DIR/custodian.toml: the file cannot say that itself.
  ServeConfig probe;
  CUSTODIAN_RETURN_IF_ERROR(ApplyConfigEnvironment(inputs.environment, probe));
  CUSTODIAN_RETURN_IF_ERROR(ApplySettings(inputs.flags, probe));

  LoadedConfig out;
  for (const ConfigKey& k : Keys()) out.origins[OriginKey(k)] = "default";
  std::error_code ec;
  if (!inputs.config_file.empty()) {
    out.file = inputs.config_file;
    if (!fs::exists(out.file, ec)) {
      return core::NotFoundError("config file " + out.file + " does not exist");
    }
  } else if (!probe.server.data_dir.empty()) {
    const fs::path implicit = fs::path(probe.server.data_dir) / "custodian.toml";
    if (fs::exists(implicit, ec)) out.file = implicit.string();
  }
  if (!out.file.empty()) {
    if (fs::is_directory(out.file, ec)) {
      return core::InvalidArgumentError("config file " + out.file + " is a directory");
    }
    const auto size = fs::file_size(out.file, ec);
    if (!ec && size > kMaxFileBytes) {
      return core::InvalidArgumentError("config file " + out.file + " is larger than 1 MiB (" +
                                        std::to_string(size) + " bytes): is it the right file?");
    }
    CUSTODIAN_ASSIGN_OR_RETURN(std::string text, ReadFile(out.file));
    if (text.size() > kMaxFileBytes) {
      return core::InvalidArgumentError("config file " + out.file + " is larger than 1 MiB");
    }
    const std::string dir = fs::path(out.file).parent_path().string();
    CUSTODIAN_RETURN_IF_ERROR(
        ApplyConfigToml(text, out.file, dir.empty() ? "." : dir, out.config, &out.origins));
  }
  CUSTODIAN_RETURN_IF_ERROR(ApplyConfigEnvironment(inputs.environment, out.config, &out.origins));
  CUSTODIAN_RETURN_IF_ERROR(ApplySettings(inputs.flags, out.config, &out.origins));

  if (out.config.server.data_dir.empty()) {
    return core::InvalidArgumentError(
        "no data directory: give --data DIR, data_dir under [server] in a config file (--config "
        "FILE), or CUSTODIAN_SERVER_DATA_DIR");
  }
  if (out.config.lockers.simulate && !out.config.lockers.banks_file.empty()) {
    return core::InvalidArgumentError(
        "[lockers] simulate (set by " + out.origins["lockers.simulate"] +
        ") and banks_file (set by " + out.origins["lockers.banks_file"] +
        ") exclude each other: simulated banks or the banks of a file, not both");
  }
  return out;
}

std::string ValueText(const ServeConfig& config, const ConfigKey& key) {
  const Entry* e = Find(key.section, key.name);
  if (!e) return "";
  ServeConfig& c = const_cast<ServeConfig&>(config);  // read only: Entry::field is not const
  std::string out;
  std::visit(
      [&](auto* v) {
        using T = std::remove_pointer_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out = *v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out = std::to_string(*v);
        } else {
          static const char kHex[] = "0123456789abcdef";
          out = "\"";
          for (char ch : *v) {
            const auto u = static_cast<unsigned char>(ch);
            if (ch == '"' || ch == '\\') {
              out += '\\';
              out += ch;
            } else if (u < 0x20 || u == 0x7F) {
              out += "\\u00";
              out += kHex[u >> 4];
              out += kHex[u & 0xF];
            } else {
              out += ch;
            }
          }
          out += '"';
        }
      },
      e->field(c));
  return out;
}

std::string FormatConfigToml(const ServeConfig& config, const ConfigOrigins* origins) {
  std::string out;
  std::string_view section;
  for (const ConfigKey& k : Keys()) {
    if (k.section != section) {
      section = k.section;
      out += (out.empty() ? "[" : "\n[") + std::string(section) + "]\n";
    }
    std::string line = std::string(k.name) + " = " + ValueText(config, k);
    if (origins) {
      auto it = origins->find(OriginKey(k));
      if (it != origins->end()) {
        line.resize(std::max<size_t>(line.size(), 40), ' ');
        line += "  # " + Printable(it->second, 4096);
      }
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace custodian::store
