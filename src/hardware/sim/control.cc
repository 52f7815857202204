#include "hardware/sim/control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace custodian::hardware::sim {
namespace {

using nlohmann::json;
using Out = nlohmann::ordered_json;  // responses keep "ok" first

constexpr int kMaxDepth = 8;                           // a request is flat; this is generous
constexpr size_t kMaxPendingOutput = size_t{4} << 20;  // a client that stops reading is dropped

enum class Scope { kNone, kBank, kCompartment, kFilter };

struct OpSpec {
  ControlOp op;
  std::string_view name;
  Scope scope;
  std::array<std::string_view, 3> extra;  // fields besides op and the place; "" = none
};

constexpr OpSpec kOps[] = {
    {ControlOp::kOpenDoor, "open_door", Scope::kCompartment, {"door"}},
    {ControlOp::kCloseDoor, "close_door", Scope::kCompartment, {"door"}},
    {ControlOp::kForceDoor, "force_door", Scope::kCompartment, {"door"}},
    {ControlOp::kTake, "take", Scope::kCompartment, {"tag"}},
    {ControlOp::kPut, "put", Scope::kCompartment, {"tag", "weight_g", "charge"}},
    {ControlOp::kSetWeight, "set_weight", Scope::kCompartment, {"grams"}},
    {ControlOp::kSetTemperature, "set_temperature", Scope::kCompartment, {"deci_c"}},
    {ControlOp::kSetTamper, "set_tamper", Scope::kCompartment, {"on"}},
    {ControlOp::kExpect, "expect", Scope::kCompartment, {"tag"}},
    {ControlOp::kSetMains, "set_mains", Scope::kBank, {"on"}},
    {ControlOp::kSetFireAlarm, "set_fire_alarm", Scope::kBank, {"on"}},
    {ControlOp::kSetOffline, "set_offline", Scope::kBank, {"on"}},
    {ControlOp::kSetDelay, "set_delay", Scope::kBank, {"ms"}},
    {ControlOp::kSendGarbage, "send_garbage", Scope::kBank, {"answers"}},
    {ControlOp::kState, "state", Scope::kFilter, {}},
    {ControlOp::kBanks, "banks", Scope::kNone, {}},
};

const OpSpec& SpecOf(ControlOp op) {
  for (const OpSpec& s : kOps) {
    if (s.op == op) return s;
  }
  return kOps[0];  // unreachable: every op is in the table
}

std::string KnownOps() {
  std::string out;
  for (const OpSpec& s : kOps) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

std::vector<std::string_view> FieldsOf(const OpSpec& spec) {
  std::vector<std::string_view> f;
  if (spec.scope == Scope::kBank || spec.scope == Scope::kCompartment ||
      spec.scope == Scope::kFilter) {
    f.push_back("site");
    f.push_back("bank");
  }
  if (spec.scope == Scope::kCompartment || spec.scope == Scope::kFilter) {
    f.push_back("compartment");
  }
  for (std::string_view e : spec.extra) {
    if (!e.empty()) f.push_back(e);
  }
  return f;
}

std::string Dump(const Out& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// At most ~40 bytes of `text`, cut on a UTF-8 boundary, for a message.
std::string Clip(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n)) + "…";
}

// A JSON value as a message shows it: `3`, `"abc"`, `null`, `[1,2]`.
std::string Shown(const json& v) {
  return Clip(v.dump(-1, ' ', false, json::error_handler_t::replace));
}

core::Status FieldError(std::string_view field, const std::string& why) {
  return core::InvalidArgumentError(std::string(field) + ": " + why);
}

// Deeper than kMaxDepth outside strings: refused before parsing (and before any recursion).
bool TooDeep(std::string_view line) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool IsCodeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

class Fields {
 public:
  explicit Fields(const json& object) : j_(object) {}

  const json* Find(std::string_view field) const {
    auto it = j_.find(std::string(field));
    return it == j_.end() ? nullptr : &*it;
  }

  // A code: "HQ", "A", "14" (1-64 letters, digits, '.', '_', '-'), as in the lockers file.
  core::Result<std::string> Code(std::string_view field, bool required) const {
    const json* v = Find(field);
    if (v == nullptr) {
      if (!required) return std::string();
      return FieldError(field, "missing");
    }
    if (!v->is_string()) {
      return FieldError(field, "must be a string like \"14\", not " + Shown(*v));
    }
    const std::string& s = v->get_ref<const std::string&>();
    if (s.empty() || s.size() > 64 || !std::all_of(s.begin(), s.end(), IsCodeChar)) {
      return FieldError(field, Shown(*v) + " must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return s;
  }

  // A whole number in [min, max]; absent → nullopt when optional; null → nullopt when nullable.
  core::Result<std::optional<int64_t>> Whole(std::string_view field, int64_t min, int64_t max,
                                             bool required, bool nullable,
                                             std::string_view unit) const {
    const json* v = Find(field);
    const std::string range = std::to_string(min) + " to " + std::to_string(max) +
                              (unit.empty() ? "" : " " + std::string(unit));
    if (v == nullptr) {
      if (!required) return std::optional<int64_t>();
      return FieldError(field,
                        "missing (a whole number, " + range + (nullable ? ", or null)" : ")"));
    }
    if (v->is_null() && nullable) return std::optional<int64_t>();
    if (!v->is_number_integer()) {
      return FieldError(field, "must be a whole number, " + range + (nullable ? ", or null" : "") +
                                   "; not " + Shown(*v));
    }
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
      return FieldError(field, "must be at most " + std::to_string(max) + ", not " + Shown(*v));
    }
    const int64_t n = v->get<int64_t>();
    if (n > max)
      return FieldError(field, "must be at most " + std::to_string(max) + ", not " + Shown(*v));
    if (n < min) {
      return FieldError(field, "must be at least " + std::to_string(min) + ", not " + Shown(*v));
    }
    return std::optional<int64_t>(n);
  }

  core::Result<bool> Bool(std::string_view field) const {
    const json* v = Find(field);
    if (v == nullptr) return FieldError(field, "missing (true or false)");
    if (!v->is_boolean()) return FieldError(field, "must be true or false, not " + Shown(*v));
    return v->get<bool>();
  }

  // "outer" or "inner"; absent: the outer door.
  core::Result<Door> DoorOf(std::string_view field) const {
    const json* v = Find(field);
    if (v == nullptr) return Door::kOuter;
    if (v->is_string() && *v == "outer") return Door::kOuter;
    if (v->is_string() && *v == "inner") return Door::kInner;
    return FieldError(field,
                      "must be \"outer\" or \"inner\" (the inner door of a pass-through "
                      "compartment), not " +
                          Shown(*v));
  }

  core::Result<std::string> Tag(std::string_view field) const {
    const json* v = Find(field);
    if (v == nullptr) return FieldError(field, "missing (24 hexadecimal digits)");
    if (!v->is_string()) {
      return FieldError(field, "must be a string of 24 hexadecimal digits, not " + Shown(*v));
    }
    std::string s = v->get<std::string>();
    if (s.size() != 24 || !std::all_of(s.begin(), s.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return FieldError(field, Shown(*v) + " must be 24 hexadecimal digits (0-9, A-F)");
    }
    if (s.find_first_not_of('0') == std::string::npos) {
      return FieldError(field, "all zeros is never a tag (the protocol's empty slot)");
    }
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  const json& j_;
};

core::Result<ControlRequest> ParseObject(const json& j) {
  ControlRequest r;
  auto op = j.find("op");
  if (op == j.end()) return FieldError("op", "missing; known ops: " + KnownOps());
  if (!op->is_string()) {
    return FieldError("op", "must be a string, not " + Shown(*op) + "; known ops: " + KnownOps());
  }
  const std::string& name = op->get_ref<const std::string&>();
  const OpSpec* spec = nullptr;
  for (const OpSpec& s : kOps) {
    if (s.name == name) spec = &s;
  }
  if (spec == nullptr) {
    return FieldError("op", "unknown " + Shown(*op) + "; known ops: " + KnownOps());
  }
  r.op = spec->op;

  const std::vector<std::string_view> fields = FieldsOf(*spec);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "op" || std::find(fields.begin(), fields.end(), it.key()) != fields.end()) {
      continue;
    }
    std::string list;
    for (std::string_view f : fields) list += (list.empty() ? "" : ", ") + std::string(f);
    return FieldError(Clip(it.key()), "not a field of " + std::string(spec->name) +
                                          (list.empty() ? " (it has none besides op)"
                                                        : " (its fields: " + list + ")"));
  }

  const Fields f(j);
  if (spec->scope != Scope::kNone) {
    const bool required = spec->scope != Scope::kFilter;
    CUSTODIAN_ASSIGN_OR_RETURN(r.site, f.Code("site", required));
    CUSTODIAN_ASSIGN_OR_RETURN(r.bank, f.Code("bank", required));
  }
  if (spec->scope == Scope::kCompartment || spec->scope == Scope::kFilter) {
    CUSTODIAN_ASSIGN_OR_RETURN(r.compartment, f.Code("compartment", spec->scope != Scope::kFilter));
  }
  if (spec->scope == Scope::kFilter) {
    if (r.site.empty() && !r.bank.empty()) return FieldError("site", "missing (bank needs it)");
    if (r.bank.empty() && !r.compartment.empty()) {
      return FieldError("bank", "missing (compartment needs it)");
    }
  }

  switch (r.op) {
    case ControlOp::kOpenDoor:
    case ControlOp::kCloseDoor:
    case ControlOp::kForceDoor: {
      CUSTODIAN_ASSIGN_OR_RETURN(r.door, f.DoorOf("door"));
      break;
    }
    case ControlOp::kTake:
    case ControlOp::kExpect: {
      CUSTODIAN_ASSIGN_OR_RETURN(r.tag, f.Tag("tag"));
      break;
    }
    case ControlOp::kPut: {
      CUSTODIAN_ASSIGN_OR_RETURN(r.tag, f.Tag("tag"));
      CUSTODIAN_ASSIGN_OR_RETURN(auto w, f.Whole("weight_g", 0, 1'000'000, false, false, "g"));
      if (w) r.weight_g = static_cast<uint32_t>(*w);
      CUSTODIAN_ASSIGN_OR_RETURN(auto c, f.Whole("charge", 0, 100, false, false, "%"));
      if (c) r.charge_percent = static_cast<int>(*c);
      break;
    }
    case ControlOp::kSetWeight: {
      if (f.Find("grams") == nullptr) {
        return FieldError("grams",
                          "missing (a whole number, 0 to 1000000 g, or null for the "
                          "items' own weight)");
      }
      CUSTODIAN_ASSIGN_OR_RETURN(auto g, f.Whole("grams", 0, 1'000'000, true, true, "g"));
      if (g) r.weight_g = static_cast<uint32_t>(*g);
      break;
    }
    case ControlOp::kSetTemperature: {
      CUSTODIAN_ASSIGN_OR_RETURN(auto t, f.Whole("deci_c", -400, 850, true, true, "tenths of °C"));
      if (t) r.deci_c = static_cast<int>(*t);
      break;
    }
    case ControlOp::kSetTamper:
    case ControlOp::kSetMains:
    case ControlOp::kSetFireAlarm:
    case ControlOp::kSetOffline: {
      CUSTODIAN_ASSIGN_OR_RETURN(r.on, f.Bool("on"));
      break;
    }
    case ControlOp::kSetDelay: {
      CUSTODIAN_ASSIGN_OR_RETURN(auto ms, f.Whole("ms", 0, 60'000, true, false, "ms"));
      r.ms = static_cast<int>(*ms);
      break;
    }
    case ControlOp::kSendGarbage: {
      CUSTODIAN_ASSIGN_OR_RETURN(auto n, f.Whole("answers", 0, 1'000'000, true, false, ""));
      r.answers = static_cast<int>(*n);
      break;
    }
    default:
      break;
  }
  return r;
}

Out ItemJson(const SimItem& item, const SiteSimulator& sim) {
  Out j;
  j["tag"] = item.tag;
  if (std::string serial = sim.SerialOf(item.tag); !serial.empty()) j["serial"] = serial;
  j["weight_g"] = item.weight_g;
  if (item.charge_percent) j["charge"] = *item.charge_percent;
  return j;
}

template <typename T>
Out OrNull(const std::optional<T>& v) {
  return v ? Out(*v) : Out(nullptr);
}

std::string StateResponse(const SiteSimulator& sim, const ControlRequest& r) {
  Out banks = Out::array();
  bool site_seen = false, bank_seen = false;
  for (size_t k = 0; k < sim.banks().size(); ++k) {
    const SimBankInfo& info = sim.banks()[k];
    if (!r.site.empty() && info.site != r.site) continue;
    site_seen = true;
    if (!r.bank.empty() && info.bank != r.bank) continue;
    bank_seen = true;
    const BankSimulator& bank = sim.Bank(k);
    const modbus::BankSnapshot snap = bank.Snapshot();
    Out b;
    b["site"] = info.site;
    b["bank"] = info.bank;
    b["port"] = info.port;
    b["offline"] = bank.Offline();
    b["mains"] = snap.mains_power;
    b["fire_alarm"] = snap.fire_alarm;
    Out comps = Out::array();
    for (size_t i = 0; i < info.compartments.size(); ++i) {
      if (!r.compartment.empty() && info.compartments[i] != r.compartment) continue;
      const modbus::CompartmentSnapshot& s = snap.compartments[i];
      Out c;
      c["compartment"] = info.compartments[i];
      c["door"] = s.door_closed ? "closed" : "open";
      c["lock"] = s.lock_engaged ? "engaged" : "released";
      if (bank.PassThrough(static_cast<int>(i))) {
        c["inner_door"] = s.inner_door_closed ? "closed" : "open";
        c["inner_lock"] =
            bank.LockReleased(static_cast<int>(i), Door::kInner) ? "released" : "engaged";
      }
      c["tamper"] = s.tamper;
      c["weight_g"] = OrNull(s.weight_g);
      c["charge"] = OrNull(s.charge_percent);
      c["temperature_deci_c"] = OrNull(s.temperature_deci_c);
      Out items = Out::array();
      for (const SimItem& item : bank.Items(static_cast<int>(i))) {
        items.push_back(ItemJson(item, sim));
      }
      c["items"] = std::move(items);
      comps.push_back(std::move(c));
    }
    if (!r.compartment.empty() && comps.empty()) {
      return ControlErrorResponse("bank " + info.site + "/" + info.bank + " has no compartment \"" +
                                  r.compartment + "\"");
    }
    b["compartments"] = std::move(comps);
    banks.push_back(std::move(b));
  }
  if (!r.site.empty() && !site_seen) {
    return ControlErrorResponse("no bank is at site \"" + r.site + "\"");
  }
  if (!r.bank.empty() && !bank_seen) {
    return ControlErrorResponse("there is no bank " + r.site + "/" + r.bank);
  }
  Out pocket = Out::array();
  for (const PocketItem& p : sim.Pocket()) {
    Out item = ItemJson(p.item, sim);
    item["home"] = p.home.ToString();
    pocket.push_back(std::move(item));
  }
  Out out;
  out["ok"] = true;
  out["banks"] = std::move(banks);
  out["pocket"] = std::move(pocket);
  return Dump(out);
}

Out BanksArray(const SiteSimulator& sim) {
  Out banks = Out::array();
  for (const SimBankInfo& b : sim.banks()) {
    Out j;
    j["site"] = b.site;
    j["bank"] = b.bank;
    j["host"] = "127.0.0.1";
    j["port"] = b.port;
    j["compartments"] = b.compartments;
    banks.push_back(std::move(j));
  }
  return banks;
}

}  // namespace

std::string_view ControlOpName(ControlOp op) { return SpecOf(op).name; }

core::Result<ControlRequest> ParseControlRequest(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxControlLine) {
    return FieldError("line",
                      "longer than " + std::to_string(kMaxControlLine) + " bytes; rejected");
  }
  if (std::all_of(line.begin(), line.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r'; })) {
    return FieldError("line", "empty; send one JSON object per line, like {\"op\":\"state\"}");
  }
  if (TooDeep(line)) {
    return FieldError("line", "nested more than " + std::to_string(kMaxDepth) +
                                  " levels deep; a request is one flat JSON object");
  }
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: …" without the prefix.
    std::string what = e.what();
    if (const size_t close = what.find("] ");
        what.rfind("[json.", 0) == 0 && close != std::string::npos) {
      what.erase(0, close + 2);
    }
    return core::InvalidArgumentError("not JSON: " + what);
  }
  if (!j.is_object()) {
    return core::InvalidArgumentError("a request is a JSON object like {\"op\":\"state\"}, not " +
                                      std::string(j.type_name()) + " " + Shown(j));
  }
  return ParseObject(j);
}

std::string FormatControlRequest(const ControlRequest& r) {
  const OpSpec& spec = SpecOf(r.op);
  Out j;
  j["op"] = spec.name;
  if (spec.scope == Scope::kBank || spec.scope == Scope::kCompartment ||
      (spec.scope == Scope::kFilter && !r.site.empty())) {
    j["site"] = r.site;
  }
  if (spec.scope == Scope::kBank || spec.scope == Scope::kCompartment ||
      (spec.scope == Scope::kFilter && !r.bank.empty())) {
    j["bank"] = r.bank;
  }
  if (spec.scope == Scope::kCompartment ||
      (spec.scope == Scope::kFilter && !r.compartment.empty())) {
    j["compartment"] = r.compartment;
  }
  switch (r.op) {
    case ControlOp::kOpenDoor:
    case ControlOp::kCloseDoor:
    case ControlOp::kForceDoor:
      if (r.door == Door::kInner) j["door"] = "inner";
      break;
    case ControlOp::kTake:
    case ControlOp::kExpect:
      j["tag"] = r.tag;
      break;
    case ControlOp::kPut:
      j["tag"] = r.tag;
      if (r.weight_g) j["weight_g"] = *r.weight_g;
      if (r.charge_percent) j["charge"] = *r.charge_percent;
      break;
    case ControlOp::kSetWeight:
      j["grams"] = OrNull(r.weight_g);
      break;
    case ControlOp::kSetTemperature:
      j["deci_c"] = OrNull(r.deci_c);
      break;
    case ControlOp::kSetTamper:
    case ControlOp::kSetMains:
    case ControlOp::kSetFireAlarm:
    case ControlOp::kSetOffline:
      j["on"] = r.on;
      break;
    case ControlOp::kSetDelay:
      j["ms"] = r.ms;
      break;
    case ControlOp::kSendGarbage:
      j["answers"] = r.answers;
      break;
    default:
      break;
  }
  return Dump(j);
}

std::string RunControlRequest(SiteSimulator& sim, const ControlRequest& r) {
  const domain::CompartmentKey key{r.site, r.bank, r.compartment};
  Out out;
  out["ok"] = true;
  core::Status s;
  switch (r.op) {
    case ControlOp::kOpenDoor:
      s = sim.OpenDoor(key, r.door);
      break;
    case ControlOp::kCloseDoor:
      s = sim.CloseDoor(key, r.door);
      break;
    case ControlOp::kForceDoor:
      s = sim.ForceDoor(key, r.door);
      break;
    case ControlOp::kTake: {
      auto item = sim.Take(key, r.tag);
      if (item) {
        out["item"] = ItemJson(*item, sim);
      } else {
        s = item.error();
      }
      break;
    }
    case ControlOp::kPut:
      s = sim.Put(key, r.tag, r.weight_g, r.charge_percent);
      break;
    case ControlOp::kSetWeight:
      s = sim.SetWeight(key, r.weight_g);
      break;
    case ControlOp::kSetTemperature:
      s = sim.SetTemperature(key, r.deci_c);
      break;
    case ControlOp::kSetTamper:
      s = sim.SetTamper(key, r.on);
      break;
    case ControlOp::kExpect:
      s = sim.Expect(key, r.tag);
      break;
    case ControlOp::kSetMains:
      s = sim.SetMains(r.site, r.bank, r.on);
      break;
    case ControlOp::kSetFireAlarm:
      s = sim.SetFireAlarm(r.site, r.bank, r.on);
      break;
    case ControlOp::kSetOffline:
      s = sim.SetOffline(r.site, r.bank, r.on);
      break;
    case ControlOp::kSetDelay:
      s = sim.SetResponseDelay(r.site, r.bank, std::chrono::milliseconds(r.ms));
      break;
    case ControlOp::kSendGarbage:
      s = sim.SendGarbage(r.site, r.bank, r.answers);
      break;
    case ControlOp::kState:
      return StateResponse(sim, r);
    case ControlOp::kBanks:
      out["banks"] = BanksArray(sim);
      break;
  }
  if (!s.ok()) return ControlErrorResponse(s.message());
  return Dump(out);
}

std::string HandleControlLine(SiteSimulator& sim, std::string_view line) {
  auto request = ParseControlRequest(line);
  if (!request) return ControlErrorResponse(request.error().message());
  return RunControlRequest(sim, *request);
}

std::string ControlErrorResponse(std::string_view message) {
  Out j;
  j["ok"] = false;
  j["error"] = std::string(message);
  return Dump(j);
}

std::string BanksJson(const SiteSimulator& sim, std::optional<uint16_t> control_port) {
  Out j;
  j["banks"] = BanksArray(sim);
  if (control_port) j["control_port"] = *control_port;
  return Dump(j);
}

// ---- The socket loop ---------------------------------------------------------------------------

namespace {

struct Client {
  int fd = -1;
  std::string in;           // bytes of the line being received
  std::string out;          // responses not yet sent
  bool discarding = false;  // inside a line that was too long: drop bytes up to its end
  bool eof = false;         // the client has sent everything it will send
};

}  // namespace

struct ControlServer::Impl {
  explicit Impl(SiteSimulator& s) : sim(s) {}
  SiteSimulator& sim;
  int listen_fd = -1;
  int wake_fd = -1;
  uint16_t port = 0;
  std::vector<Client> clients;  // touched by the server thread only
  std::thread thread;

  ~Impl() {
    for (Client& c : clients) ::close(c.fd);
    if (listen_fd >= 0) ::close(listen_fd);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void Respond(Client& c, std::string_view line) {
    c.out += HandleControlLine(sim, line);
    c.out += '\n';
  }

  // New bytes from a client: answers every complete line.
  void Feed(Client& c, std::string_view data) {
    if (c.discarding) {
      const size_t nl = data.find('\n');
      if (nl == std::string_view::npos) return;
      data.remove_prefix(nl + 1);
      c.discarding = false;
    }
    const size_t scanned = c.in.size();
    c.in.append(data);
    size_t start = 0;
    for (size_t nl = c.in.find('\n', scanned); nl != std::string::npos;
         nl = c.in.find('\n', start)) {
      Respond(c, std::string_view(c.in).substr(start, nl - start));
      start = nl + 1;
    }
    c.in.erase(0, start);
    if (c.in.size() > kMaxControlLine + 1) {  // + 1: a CR before the line end
      c.out += ControlErrorResponse("line: longer than " + std::to_string(kMaxControlLine) +
                                    " bytes; rejected") +
               "\n";
      c.in.clear();
      c.discarding = true;
    }
  }

  // Sends what it can without blocking; false if the connection is broken.
  static bool Flush(Client& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      c.out.erase(0, static_cast<size_t>(n));
    }
    return true;
  }

  void Accept() {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (clients.size() >= static_cast<size_t>(kMaxControlClients)) {
      const std::string no = ControlErrorResponse("too many control connections (at most " +
                                                  std::to_string(kMaxControlClients) + ")") +
                             "\n";
      (void)!::send(fd, no.data(), no.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      return;
    }
    clients.push_back(Client{fd, {}, {}, false, false});
  }

  // Reads, answers and writes for one client; false when it is to be closed.
  bool Serve(Client& c, short revents) {
    if ((revents & (POLLERR | POLLNVAL)) != 0) return false;
    if ((revents & (POLLIN | POLLHUP)) != 0 && !c.eof) {
      char buf[16 * 1024];
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        Feed(c, std::string_view(buf, static_cast<size_t>(n)));
      } else if (n == 0) {
        c.eof = true;
        // A last request without a line end still gets its answer.
        if (!c.discarding && !c.in.empty()) Respond(c, c.in);
        c.in.clear();
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return false;
      }
    }
    if (!Flush(c)) return false;
    if (c.out.size() > kMaxPendingOutput) return false;  // it does not read its answers
    return !(c.eof && c.out.empty());
  }

  void Loop() {
    while (true) {
      std::vector<pollfd> fds;
      fds.push_back({wake_fd, POLLIN, 0});
      fds.push_back({listen_fd, POLLIN, 0});
      for (const Client& c : clients) {
        fds.push_back(
            {c.fd, static_cast<short>((c.eof ? 0 : POLLIN) | (c.out.empty() ? 0 : POLLOUT)), 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[0].revents != 0) return;
      // Clients first (their indices match fds), newest last; walk backwards to erase.
      for (size_t k = clients.size(); k-- > 0;) {
        const short revents = fds[k + 2].revents;
        if (revents == 0) continue;
        if (!Serve(clients[k], revents)) {
          ::close(clients[k].fd);
          clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
        }
      }
      if ((fds[1].revents & POLLIN) != 0) Accept();
    }
  }
};

core::Result<std::unique_ptr<ControlServer>> ControlServer::Start(SiteSimulator& sim,
                                                                  uint16_t port) {
  auto impl = std::make_unique<Impl>(sim);
  impl->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) {
    return core::InternalError(std::string("socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl->listen_fd, 16) != 0) {
    return core::UnavailableError("cannot listen on 127.0.0.1:" + std::to_string(port) +
                                  " for the control interface: " + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return core::InternalError(std::string("getsockname: ") + std::strerror(errno));
  }
  impl->port = ntohs(addr.sin_port);
  impl->wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (impl->wake_fd < 0) {
    return core::InternalError(std::string("eventfd: ") + std::strerror(errno));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlServer::~ControlServer() {
  const uint64_t one = 1;
  (void)!::write(impl_->wake_fd, &one, sizeof one);
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t ControlServer::port() const { return impl_->port; }

}  // namespace custodian::hardware::sim
