#include "app/csv_import.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <span>

#include "core/csv.h"

namespace custodian::app {
namespace {

using domain::DomainEvent;
using domain::State;

constexpr std::array<std::string_view, 5> kKindNames = {"sites", "lockers", "types", "people",
                                                        "items"};

constexpr std::array<std::string_view, 3> kSiteColumns = {"code", "name", "timezone"};
constexpr std::array<std::string_view, 5> kLockerColumns = {"site", "bank", "compartment", "size",
                                                            "features"};
constexpr std::array<std::string_view, 8> kTypeColumns = {
    "type",       "category",   "certifications",         "loan_hours",
    "two_person", "chargeable", "service_every_signouts", "service_every_days"};
// The types file may add one optional last column, `consumable` (see ColumnsOf).
constexpr std::array<std::string_view, 9> kTypeColumnsConsumable = {
    "type",       "category",   "certifications",         "loan_hours",
    "two_person", "chargeable", "service_every_signouts", "service_every_days",
    "consumable"};
constexpr std::array<std::string_view, 8> kPersonColumns = {
    "badge", "name", "roles", "sites", "certifications", "licence_expires", "schedule", "pin"};
constexpr std::array<std::string_view, 7> kItemColumns = {
    "serial", "type", "tag", "site", "bank", "compartment", "weight_g"};

std::span<const std::string_view> Columns(ImportKind kind) {
  switch (kind) {
    case ImportKind::kSites:
      return kSiteColumns;
    case ImportKind::kLockers:
      return kLockerColumns;
    case ImportKind::kTypes:
      return kTypeColumns;
    case ImportKind::kPeople:
      return kPersonColumns;
    case ImportKind::kItems:
      return kItemColumns;
  }
  return {};
}

std::string Join(std::span<const std::string_view> names, std::string_view sep) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

// A value as it appears in a message: quoted, control characters visible, at most ~40 bytes
// (cut on a UTF-8 boundary) so that a 64 KiB field does not become a 64 KiB message.
std::string Show(std::string_view v) {
  constexpr size_t kMax = 40;
  bool cut = false;
  if (v.size() > kMax) {
    size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
    v = v.substr(0, n);
    cut = true;
  }
  std::string out = "\"";
  for (char c : v) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + (cut ? "...\"" : "\"");
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool IsCodeChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Why `v` has surrounding white space, or "" when it has none.
std::string SpaceProblem(std::string_view v) {
  if (v.empty()) return "";
  if (std::all_of(v.begin(), v.end(), IsSpace)) {
    return "is only white space; leave it empty or fill it in";
  }
  if (IsSpace(v.front())) return Show(v) + " starts with white space; remove it";
  if (IsSpace(v.back())) return Show(v) + " ends with white space; remove it";
  return "";
}

// Why `v` is not a code ("HQ", "CEW", "1001"), or "" when it is one. Same rule as State::Check.
std::string CodeProblem(std::string_view v) {
  if (std::string s = SpaceProblem(v); !s.empty()) return s;
  if (v.empty()) return "is empty";
  if (v.size() > 64 || !std::all_of(v.begin(), v.end(), IsCodeChar)) {
    return Show(v) + " must be 1-64 letters, digits, '.', '_' or '-'";
  }
  return "";
}

// One CSV row of a known kind, with the column names for messages.
class Row {
 public:
  Row(const core::CsvRecord& record, std::span<const std::string_view> columns)
      : record_(record), columns_(columns) {}

  int line() const { return record_.line; }
  size_t columns() const { return columns_.size(); }
  const std::string& Raw(size_t col) const { return record_.fields[col]; }

  core::Status Fail(size_t col, std::string_view why) const {
    return core::InvalidArgumentError("line " + std::to_string(line()) + ": " +
                                      std::string(columns_[col]) + ": " + std::string(why));
  }

  // A required code.
  core::Result<std::string> Code(size_t col) const {
    if (std::string p = CodeProblem(Raw(col)); !p.empty()) return Fail(col, p);
    return Raw(col);
  }

  // Required free text (a name): anything but empty or surrounded by white space.
  core::Result<std::string> Text(size_t col) const {
    const std::string& v = Raw(col);
    if (v.empty()) return Fail(col, "is empty");
    if (std::string p = SpaceProblem(v); !p.empty()) return Fail(col, p);
    return v;
  }

  // Optional text: empty is allowed, surrounding white space is not.
  core::Result<std::string> OptionalText(size_t col) const {
    if (std::string p = SpaceProblem(Raw(col)); !p.empty()) return Fail(col, p);
    return Raw(col);
  }

  // A whole number in [min, max] written as plain digits; empty is `empty_value` when given.
  core::Result<int> Int(size_t col, int min, int max, std::optional<int> empty_value) const {
    const std::string& v = Raw(col);
    if (v.empty()) {
      if (empty_value) return *empty_value;
      return Fail(col, "is empty");
    }
    if (std::string p = SpaceProblem(v); !p.empty()) return Fail(col, p);
    if (v[0] == '-' && IsDigits(std::string_view(v).substr(1))) {
      return Fail(col, Show(v) + " cannot be negative");
    }
    if (!IsDigits(v)) return Fail(col, Show(v) + " is not a whole number (digits 0-9 only)");
    int out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size() || out > max) {
      if (max == std::numeric_limits<int>::max()) return Fail(col, Show(v) + " is too large");
      return Fail(col, "must be at most " + std::to_string(max) + ", not " + Show(v));
    }
    if (out < min) {
      return Fail(col, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                           ", not " + v);
    }
    return out;
  }

  core::Result<bool> Bool(size_t col) const {
    const std::string& v = Raw(col);
    if (v.empty()) return Fail(col, "is empty; write yes or no");
    if (std::string p = SpaceProblem(v); !p.empty()) return Fail(col, p);
    const std::string l = Lower(v);
    if (l == "yes" || l == "true" || l == "1") return true;
    if (l == "no" || l == "false" || l == "0") return false;
    return Fail(col, Show(v) + " is not yes or no (true/false and 1/0 are accepted too)");
  }

  // A ';'-separated list; an empty field is an empty list. Entries must not be empty, surrounded
  // by white space or repeated.
  core::Result<std::vector<std::string>> List(size_t col, std::string_view what) const {
    std::vector<std::string> out;
    std::string_view v = Raw(col);
    if (v.empty()) return out;
    std::set<std::string_view> seen;
    while (true) {
      const size_t semi = v.find(';');
      const std::string_view entry = v.substr(0, semi);
      if (entry.empty()) {
        return Fail(col, "has an empty " + std::string(what) +
                             " (two ';' in a row, or one at the start or end)");
      }
      if (std::string p = SpaceProblem(entry); !p.empty()) {
        return Fail(col, std::string(what) + " " + p + " (write \"a;b\", not \"a; b\")");
      }
      if (!seen.insert(entry).second) return Fail(col, Show(entry) + " is listed twice");
      out.emplace_back(entry);
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
    return out;
  }

 private:
  const core::CsvRecord& record_;
  std::span<const std::string_view> columns_;
};

// Keys already seen in this file → the line they were on.
template <typename Key>
class Seen {
 public:
  // An error naming both lines when `key` was seen before; records it otherwise.
  core::Status Add(const Row& row, size_t col, const Key& key, const std::string& shown) {
    auto [it, added] = lines_.try_emplace(key, row.line());
    if (added) return core::Status::Ok();
    return row.Fail(col, shown + " is also on line " + std::to_string(it->second) +
                             "; each may appear only once in a file");
  }

 private:
  std::map<Key, int> lines_;
};

struct Planner {
  const ImportEnv& env;
  State state;
  ImportPlan plan;
  Seen<std::string> codes;  // sites, types, badges or serials
  Seen<domain::CompartmentKey> compartments;
  Seen<std::string> tags;

  core::Result<DomainEvent> Site(const Row& row) {
    enum : size_t { kCode, kName, kTimezone };
    domain::Site s;
    CUSTODIAN_ASSIGN_OR_RETURN(s.code, row.Code(kCode));
    CUSTODIAN_RETURN_IF_ERROR(codes.Add(row, kCode, s.code, Show(s.code)));
    CUSTODIAN_ASSIGN_OR_RETURN(s.name, row.Text(kName));
    CUSTODIAN_ASSIGN_OR_RETURN(s.timezone, row.Text(kTimezone));
    if (!env.zone_exists) {
      return core::FailedPreconditionError("importing sites needs a time zone check");
    }
    if (!env.zone_exists(s.timezone)) {
      return row.Fail(kTimezone, Show(s.timezone) +
                                     " is not an IANA time zone name (like America/New_York, "
                                     "Europe/London or UTC)");
    }
    return DomainEvent(domain::SiteDefined{s});
  }

  core::Status KnownSite(const Row& row, size_t col, const std::string& code) const {
    if (state.FindSite(code) != nullptr) return core::Status::Ok();
    return row.Fail(col, "there is no site " + Show(code) + " (import it with the sites first)");
  }

  core::Result<DomainEvent> Locker(const Row& row) {
    enum : size_t { kSite, kBank, kCompartment, kSize, kFeatures };
    domain::Compartment c;
    CUSTODIAN_ASSIGN_OR_RETURN(c.key.site, row.Code(kSite));
    CUSTODIAN_RETURN_IF_ERROR(KnownSite(row, kSite, c.key.site));
    CUSTODIAN_ASSIGN_OR_RETURN(c.key.bank, row.Code(kBank));
    CUSTODIAN_ASSIGN_OR_RETURN(c.key.compartment, row.Code(kCompartment));
    CUSTODIAN_RETURN_IF_ERROR(compartments.Add(row, kCompartment, c.key, c.key.ToString()));
    if (row.Raw(kSize).empty()) {
      return row.Fail(kSize, "is empty; write small, medium, large or long_gun");
    }
    auto size = domain::ParseSize(row.Raw(kSize));
    if (!size) return row.Fail(kSize, size.error().message());
    c.size = *size;
    CUSTODIAN_ASSIGN_OR_RETURN(auto features, row.List(kFeatures, "feature"));
    for (const std::string& f : features) {
      auto feature = domain::ParseFeature(f);
      if (!feature) return row.Fail(kFeatures, feature.error().message());
      c.features.insert(*feature);
    }
    return DomainEvent(domain::CompartmentDefined{c});
  }

  core::Result<DomainEvent> Type(const Row& row) {
    enum : size_t {
      kType,
      kCategory,
      kCertifications,
      kLoanHours,
      kTwoPerson,
      kChargeable,
      kServiceSignouts,
      kServiceDays,
      kConsumable
    };
    constexpr int kMaxInt = std::numeric_limits<int>::max();
    domain::ItemType t;
    CUSTODIAN_ASSIGN_OR_RETURN(t.code, row.Code(kType));
    CUSTODIAN_RETURN_IF_ERROR(codes.Add(row, kType, t.code, Show(t.code)));
    if (row.Raw(kCategory).empty()) {
      return row.Fail(kCategory,
                      "is empty; write one of firearm, less_lethal, radio, "
                      "body_camera, key, evidence, other");
    }
    auto category = domain::ParseCategory(row.Raw(kCategory));
    if (!category) return row.Fail(kCategory, category.error().message());
    t.category = *category;
    CUSTODIAN_ASSIGN_OR_RETURN(t.certifications, row.List(kCertifications, "certification"));
    for (const std::string& c : t.certifications) {
      if (std::string p = CodeProblem(c); !p.empty()) return row.Fail(kCertifications, p);
    }
    CUSTODIAN_ASSIGN_OR_RETURN(t.loan_hours, row.Int(kLoanHours, 1, 24 * 365, std::nullopt));
    CUSTODIAN_ASSIGN_OR_RETURN(t.two_person, row.Bool(kTwoPerson));
    CUSTODIAN_ASSIGN_OR_RETURN(t.chargeable, row.Bool(kChargeable));
    CUSTODIAN_ASSIGN_OR_RETURN(t.service_every_signouts, row.Int(kServiceSignouts, 0, kMaxInt, 0));
    CUSTODIAN_ASSIGN_OR_RETURN(t.service_every_days, row.Int(kServiceDays, 0, kMaxInt, 0));
    if (row.columns() > kConsumable) {
      CUSTODIAN_ASSIGN_OR_RETURN(t.consumable, row.Bool(kConsumable));
    }
    return DomainEvent(domain::ItemTypeDefined{t});
  }

  core::Result<DomainEvent> Person(const Row& row) {
    enum : size_t { kBadge, kName, kRoles, kSites, kCertifications, kLicence, kSchedule, kPin };
    domain::Person p;
    CUSTODIAN_ASSIGN_OR_RETURN(p.badge, row.Code(kBadge));
    CUSTODIAN_RETURN_IF_ERROR(codes.Add(row, kBadge, p.badge, Show(p.badge)));
    CUSTODIAN_ASSIGN_OR_RETURN(p.name, row.Text(kName));

    CUSTODIAN_ASSIGN_OR_RETURN(auto roles, row.List(kRoles, "role"));
    if (roles.empty()) {
      return row.Fail(kRoles, "is empty; a person needs at least one role (e.g. officer)");
    }
    for (const std::string& r : roles) {
      auto role = domain::ParseRole(r);
      if (!role) return row.Fail(kRoles, role.error().message());
      p.roles.insert(*role);
    }

    if (row.Raw(kSites) == "*") {
      p.all_sites = true;
    } else {
      CUSTODIAN_ASSIGN_OR_RETURN(auto sites, row.List(kSites, "site"));
      if (sites.empty()) return row.Fail(kSites, "is empty; list site codes or write * for all");
      for (const std::string& s : sites) {
        if (s == "*") return row.Fail(kSites, "* means every site; write it alone");
        if (std::string problem = CodeProblem(s); !problem.empty()) {
          return row.Fail(kSites, problem);
        }
        CUSTODIAN_RETURN_IF_ERROR(KnownSite(row, kSites, s));
        p.sites.insert(s);
      }
    }

    CUSTODIAN_ASSIGN_OR_RETURN(auto certs, row.List(kCertifications, "certification"));
    for (const std::string& c : certs) {
      const size_t at = c.find('@');
      if (at == std::string::npos) {
        return row.Fail(
            kCertifications,
            Show(c) + " has no expiry date; write CODE@YYYY-MM-DD (e.g. CEW@2027-03-01)");
      }
      const std::string code = c.substr(0, at);
      if (std::string problem = CodeProblem(code); !problem.empty()) {
        return row.Fail(kCertifications, "certification " + problem);
      }
      auto expiry = domain::ParseDate(std::string_view(c).substr(at + 1));
      if (!expiry) return row.Fail(kCertifications, code + ": " + expiry.error().message());
      if (!p.certifications.emplace(code, *expiry).second) {
        return row.Fail(kCertifications, "certification " + Show(code) + " is listed twice");
      }
    }

    CUSTODIAN_ASSIGN_OR_RETURN(std::string licence, row.OptionalText(kLicence));
    if (!licence.empty()) {
      auto date = domain::ParseDate(licence);
      if (!date) return row.Fail(kLicence, date.error().message());
      p.licence_expires = *date;
    }

    CUSTODIAN_ASSIGN_OR_RETURN(std::string schedule, row.OptionalText(kSchedule));
    auto windows = domain::ParseSchedule(schedule);
    if (!windows) return row.Fail(kSchedule, windows.error().message());
    p.schedule = std::move(*windows);

    // The PIN is never repeated in a message: the file may be seen by others than the log.
    const std::string& pin = row.Raw(kPin);
    if (pin.empty()) {
      if (!env.new_pin) return core::FailedPreconditionError("importing people needs a PIN source");
      std::string generated = env.new_pin();
      if (generated.size() < 4 || generated.size() > 12 || !IsDigits(generated)) {
        return core::InternalError("the PIN source returned something that is not 4-12 digits");
      }
      plan.pins.emplace_back(p.badge, std::move(generated));
      plan.generated_pin_badges.push_back(p.badge);
    } else {
      if (std::string problem = SpaceProblem(pin); !problem.empty()) {
        return row.Fail(kPin, "has white space around it; remove it");
      }
      if (pin.size() < 4 || pin.size() > 12 || !IsDigits(pin)) {
        return row.Fail(kPin, "must be 4 to 12 digits (0-9), or empty to generate one");
      }
      plan.pins.emplace_back(p.badge, pin);
    }
    return DomainEvent(domain::PersonDefined{p, true});
  }

  core::Result<DomainEvent> Item(const Row& row) {
    enum : size_t { kSerial, kType, kTag, kSite, kBank, kCompartment, kWeight };
    domain::Item i;
    CUSTODIAN_ASSIGN_OR_RETURN(i.serial, row.Code(kSerial));
    CUSTODIAN_RETURN_IF_ERROR(codes.Add(row, kSerial, i.serial, Show(i.serial)));
    CUSTODIAN_ASSIGN_OR_RETURN(i.type, row.Code(kType));
    if (state.FindType(i.type) == nullptr) {
      return row.Fail(kType, "there is no item type " + Show(i.type) + " (import it first)");
    }

    const std::string& tag = row.Raw(kTag);
    if (tag.empty()) return row.Fail(kTag, "is empty; write the item's 24-digit RFID tag");
    if (std::string p = SpaceProblem(tag); !p.empty()) return row.Fail(kTag, p);
    if (tag.size() != 24 || !std::all_of(tag.begin(), tag.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return row.Fail(kTag, Show(tag) + " must be 24 hexadecimal digits (0-9, A-F)");
    }
    i.tag = tag;
    for (char& c : i.tag) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CUSTODIAN_RETURN_IF_ERROR(tags.Add(row, kTag, i.tag, i.tag));
    if (auto t = state.tags.find(i.tag); t != state.tags.end() && t->second != i.serial) {
      return row.Fail(kTag, i.tag + " already belongs to item " + Show(t->second));
    }

    CUSTODIAN_ASSIGN_OR_RETURN(i.home.site, row.Code(kSite));
    CUSTODIAN_RETURN_IF_ERROR(KnownSite(row, kSite, i.home.site));
    CUSTODIAN_ASSIGN_OR_RETURN(i.home.bank, row.Code(kBank));
    CUSTODIAN_ASSIGN_OR_RETURN(i.home.compartment, row.Code(kCompartment));
    if (state.FindCompartment(i.home) == nullptr) {
      auto first =
          state.compartments.lower_bound(domain::CompartmentKey{i.home.site, i.home.bank, ""});
      if (first == state.compartments.end() || first->first.site != i.home.site ||
          first->first.bank != i.home.bank) {
        return row.Fail(kBank, "site " + i.home.site + " has no locker bank " + Show(i.home.bank) +
                                   " (import its lockers first)");
      }
      return row.Fail(kCompartment, "there is no compartment " + i.home.ToString() +
                                        " (import it with the lockers first)");
    }
    CUSTODIAN_ASSIGN_OR_RETURN(i.weight_g, row.Int(kWeight, 0, 1000000, std::nullopt));
    return DomainEvent(domain::ItemDefined{i});
  }

  core::Result<DomainEvent> Plan(ImportKind kind, const Row& row) {
    switch (kind) {
      case ImportKind::kSites:
        return Site(row);
      case ImportKind::kLockers:
        return Locker(row);
      case ImportKind::kTypes:
        return Type(row);
      case ImportKind::kPeople:
        return Person(row);
      case ImportKind::kItems:
        return Item(row);
    }
    return core::InternalError("unknown import kind");
  }
};

// The columns of this file: the kind's, or for types with the optional `consumable` last column.
std::span<const std::string_view> ColumnsOf(ImportKind kind, const core::CsvRecord& header) {
  if (kind == ImportKind::kTypes &&
      std::equal(header.fields.begin(), header.fields.end(), kTypeColumnsConsumable.begin(),
                 kTypeColumnsConsumable.end())) {
    return kTypeColumnsConsumable;
  }
  return Columns(kind);
}

core::Status CheckHeader(ImportKind kind, const core::CsvRecord& header) {
  const std::span<const std::string_view> expected = ColumnsOf(kind, header);
  if (std::equal(header.fields.begin(), header.fields.end(), expected.begin(), expected.end())) {
    return core::Status::Ok();
  }
  std::vector<std::string> problems;
  std::map<std::string_view, int> count;
  for (const std::string& f : header.fields) {
    if (++count[f] == 2) problems.push_back("column " + Show(f) + " appears twice");
    const bool optional = kind == ImportKind::kTypes && f == "consumable";
    if (std::find(expected.begin(), expected.end(), f) == expected.end() && count[f] == 1 &&
        !optional) {
      problems.push_back("unknown column " + Show(f));
    }
  }
  for (std::string_view e : expected) {
    if (count.find(e) == count.end()) problems.push_back("missing column " + Show(e));
  }
  if (problems.empty()) problems.push_back("the columns are in the wrong order");
  std::string why;
  for (const std::string& p : problems) why += (why.empty() ? "" : "; ") + p;
  return core::InvalidArgumentError(
      "line " + std::to_string(header.line) + ": header: " + why + ". The header for " +
      std::string(ImportKindName(kind)) + " is exactly: " + Join(expected, ",") +
      (kind == ImportKind::kTypes ? " (optionally followed by ,consumable)" : ""));
}

}  // namespace

std::string_view ImportKindName(ImportKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

core::Result<ImportKind> ParseImportKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ImportKind>(i);
  }
  return core::InvalidArgumentError("unknown import kind " + Show(name) +
                                    " (one of: " + Join(kKindNames, ", ") + ")");
}

std::string ImportHeader(ImportKind kind) { return Join(Columns(kind), ","); }

core::Result<ImportPlan> PlanImport(ImportKind kind, std::string_view csv,
                                    const domain::State& state, const ImportEnv& env) {
  CUSTODIAN_ASSIGN_OR_RETURN(core::CsvTable table, core::ParseCsv(csv));
  CUSTODIAN_RETURN_IF_ERROR(CheckHeader(kind, table.header));
  Planner planner{env, state, {}, {}, {}, {}};
  for (const core::CsvRecord& record : table.rows) {
    const Row row(record, ColumnsOf(kind, table.header));
    CUSTODIAN_ASSIGN_OR_RETURN(DomainEvent event, planner.Plan(kind, row));
    // The checks above name the column; this is the domain's own word on the whole definition,
    // reported against the row's key column should it ever disagree.
    if (core::Status s = planner.state.Check(event); !s.ok()) return row.Fail(0, s.message());
    planner.state.Apply(event, 0);
    planner.plan.events.push_back(std::move(event));
  }
  return std::move(planner.plan);
}

}  // namespace custodian::app
