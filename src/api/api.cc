#include "api/api.h"

#include "api/api_internal.h"

namespace custodian::api {

const std::vector<Route>& Routes() {
  // clang-format off
  static const std::vector<Route> routes = {
      {"GET", "/healthz", Access::kPublic, {}, "Liveness: the ledger's size"},
      {"GET", "/metrics", Access::kPublic, {}, "Prometheus metrics (to this machine only)"},
      {"POST", "/api/v1/terminal/login", Access::kPublic, {}, "Badge and PIN at a terminal"},
      {"POST", "/api/v1/terminal/logout", Access::kSession, {}, "End the session"},
      {"GET", "/api/v1/terminal/items", Access::kTerminal, {},
       "What I may take now, what is withheld and why, and what I hold"},
      {"GET", "/api/v1/terminal/doors", Access::kTerminal, {},
       "Which doors of my site are open now (the terminal's progress while a door is open)"},
      {"POST", "/api/v1/terminal/signout", Access::kTerminal, {}, "Sign out an item"},
      {"POST", "/api/v1/terminal/return", Access::kTerminal, {}, "Return an item I hold"},
      {"POST", "/api/v1/terminal/problem", Access::kTerminal, {}, "Report a problem with an item"},
      {"POST", "/api/v1/terminal/handover", Access::kTerminal, {},
       "Hand an item I hold to a colleague logged in at the same terminal"},
      {"POST", "/api/v1/staff/login", Access::kPublic, {},
       "Badge, password and one-time code at the dashboard"},
      {"POST", "/api/v1/staff/logout", Access::kSession, {}, "End the dashboard session"},
      {"GET", "/api/v1/me", Access::kSession, {}, "Who I am: badge, name, roles, sites"},
      {"GET", "/api/v1/events", Access::kSession, {},
       "Server-sent events: the ledger's events the caller may see"},
      {"GET", "/api/v1/items/{serial}", Access::kStaff, kStaffRoles,
       "Where an item is, or who holds it since when"},
      {"GET", "/api/v1/custody", Access::kStaff, kBoardRoles,
       "The custody board: items out, overdue first"},
      {"GET", "/api/v1/audit", Access::kStaff, kOversightRoles,
       "Audit search: events by kind, person, item and day, newest first; CSV with format=csv",
       Runs::kOnPool},
      {"GET", "/api/v1/ledger/status", Access::kStaff,
       kOversightRoles, "The ledger's size and root", Runs::kOnPool},
      {"POST", "/api/v1/ledger/verify", Access::kStaff, kOversightRoles,
       "Verify the whole ledger now: every hash, the chain, the Merkle tree, the checkpoints"},
      {"GET", "/api/v1/sites", Access::kStaff, kStaffRoles,
       "My sites, each bank with its compartments counted by state"},
      {"GET", "/api/v1/sites/{site}", Access::kStaff, kStaffRoles,
       "A site's banks and compartments, each with its state and items (the live grid)"},
      {"GET", "/api/v1/people", Access::kStaff, kOversightRoles,
       "People at my sites with roles, certifications and credential state"},
      {"GET", "/api/v1/certifications", Access::kStaff, kOversightRoles,
       "Certifications and licences expired or expiring within N days, soonest first"},
      {"GET", "/api/v1/overdue", Access::kStaff, kBoardRoles,
       "Items overdue at my sites, longest overdue first"},
      {"GET", "/api/v1/stats", Access::kStaff, kStatsRoles,
       "Sign-outs by hour and weekday, items out by type, service due by week (the charts)",
       Runs::kOnPool},
      {"POST", "/api/v1/items/{serial}/service", Access::kStaff, {Role::kArmorer},
       "Record an item's service: lifts its quarantine, restarts its service counters"},
      {"POST", "/api/v1/items/{serial}/quarantine", Access::kStaff,
       {Role::kArmorer, Role::kSupervisor}, "Quarantine an item until an armorer services it"},
      {"POST", "/api/v1/people/{badge}/release", Access::kStaff, {Role::kAdmin},
       "Release a locked credential"},
      {"POST", "/api/v1/terminal/service/open", Access::kTerminal, {},
       "An armorer at the terminal opens an item's compartment to service it"},
      {"GET", "/api/v1/emergency", Access::kStaff, kEmergencyRoles,
       "Lockdowns in force and emergency modes waiting for a second person"},
      {"POST", "/api/v1/emergency", Access::kStaff, kEmergencyRoles,
       "Ask for an emergency mode (lockdown, normal, open_all) of a site or bank"},
      {"POST", "/api/v1/emergency/{ask}/approve", Access::kStaff, kEmergencyRoles,
       "A second person approves an emergency mode: it takes effect"},
      {"GET", "/api/v1/ledger/checkpoint", Access::kStaff,
       kOversightRoles,
       "A checkpoint of the ledger now, signed by the site (a signed note, text)", Runs::kOnPool},
      {"GET", "/api/v1/ledger/proof", Access::kStaff,
       kOversightRoles,
       "Inclusion proof of one event in the tree of a given size", Runs::kOnPool},
      {"GET", "/api/v1/ledger/consistency", Access::kStaff,
       kOversightRoles,
       "Consistency proof: the tree of one size extends the tree of an earlier one",
       Runs::kOnPool},
      {"POST", "/api/v1/imports/{kind}", Access::kStaff, {Role::kAdmin},
       "Import sites, lockers, types, people or items: the CLI's CSV formats (text/csv)"},
      {"GET", "/api/v1/tokens", Access::kStaff, {Role::kAdmin},
       "API tokens for integrations: names and people, never the tokens"},
      {"POST", "/api/v1/tokens", Access::kStaff, {Role::kAdmin},
       "Issue an API token acting as a person (their roles and sites); shown once"},
      {"POST", "/api/v1/tokens/{name}/revoke", Access::kStaff, {Role::kAdmin},
       "Revoke an API token"},
      {"GET", "/api/v1/alerts", Access::kStaff, kStaffRoles,
       "Alerts at my sites: open ones (default) or recently acknowledged, newest first"},
      {"POST", "/api/v1/alerts/{index}/acknowledge", Access::kStaff, kAckRoles,
       "Acknowledge an alert by name, with a note"},
  };
  // clang-format on
  return routes;
}

namespace {

// What an event says about where and whom: the sites of its "site" fields and of the items its
// "serial" fields name, and the badges it names.
void Collect(const json& j, const domain::State& s, std::set<std::string>& sites,
             std::set<std::string>& badges) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it->is_string()) {
        const std::string& v = it->get_ref<const std::string&>();
        if (it.key() == "site") sites.insert(v);
        if (it.key() == "badge" || it.key() == "from" || it.key() == "to" ||
            it.key() == "approver" || it.key() == "by") {
          badges.insert(v);
        }
        if (it.key() == "serial") {
          if (const domain::ItemState* i = s.FindItem(v)) sites.insert(i->item.home.site);
        }
      } else {
        Collect(*it, s, sites, badges);
      }
    }
  } else if (j.is_array()) {
    for (const auto& e : j) Collect(e, s, sites, badges);
  }
}

// Which ledger events a person may see: those that name them (or that they caused); for staff
// roles, also those about their sites (every site for "*"), and for admins and auditors those
// about no site at all (people, types).
class Viewer {
 public:
  Viewer(const domain::State& s, const std::string& badge) : state_(s), badge_(badge) {
    me_ = s.FindPerson(badge);
    if (me_ == nullptr) return;
    for (Role r : kStaffRoles) staff_ = staff_ || me_->person.roles.count(r) > 0;
    agency_wide_ =
        me_->person.roles.count(Role::kAdmin) > 0 || me_->person.roles.count(Role::kAuditor) > 0;
  }
  // The event as JSON (index, time, actor, kind, payload) if visible.
  std::optional<json> See(uint64_t index, const ledger::EventView& e) const {
    if (me_ == nullptr) return std::nullopt;
    json payload = json::parse(e.payload, nullptr, false);
    if (payload.is_discarded()) payload = json::object();
    std::set<std::string> sites, badges;
    Collect(payload, state_, sites, badges);
    bool visible = badges.count(badge_) > 0 || e.actor == "person:" + badge_;
    if (!visible && staff_) {
      if (me_->person.all_sites) {
        visible = true;
      } else if (sites.empty()) {
        visible = agency_wide_;
      } else {
        for (const std::string& site : sites) visible = visible || me_->person.sites.count(site);
      }
    }
    if (!visible) return std::nullopt;
    return json{{"index", index},
                {"time", core::FormatUtcMicros(e.time_us)},
                {"actor", e.actor},
                {"kind", e.kind},
                {"payload", payload}};
  }

 private:
  const domain::State& state_;
  const std::string& badge_;
  const domain::PersonState* me_ = nullptr;
  bool staff_ = false;
  bool agency_wide_ = false;
};

class LedgerStream final : public EventStream {
 public:
  LedgerStream(Api::Impl& api, std::string token, std::string badge, uint64_t cursor)
      : api_(api), token_(std::move(token)), badge_(std::move(badge)), cursor_(cursor) {}

  std::optional<std::string> Poll() override {
    if (!api_.Alive(token_)) return std::nullopt;
    const uint64_t size = api_.ledger.size();
    if (cursor_ >= size) return std::string();
    const uint64_t end = std::min<uint64_t>(size, cursor_ + api_.options.max_events_per_poll);
    std::string out;
    api_.agency.Read([&](const domain::State& s) {
      const Viewer viewer(s, badge_);
      (void)api_.store.ScanEvents(cursor_, end, [&](uint64_t index, core::ByteSpan record) {
        auto e = ledger::ParseEvent(record);
        if (!e) return true;
        std::optional<json> data = viewer.See(index, *e);
        if (!data) return true;
        // An event that raised an alert still open carries it (the dashboard's alert feed).
        if (auto a = s.open_alerts.find(index); a != s.open_alerts.end()) {
          (*data)["alert"] = AlertJson(a->second);
        }
        out += "id: " + std::to_string(index) + "\nevent: " + std::string(e->kind) +
               "\ndata: " + data->dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
        return true;
      });
    });
    cursor_ = end;
    return out;
  }

 private:
  Api::Impl& api_;
  std::string token_;
  std::string badge_;
  uint64_t cursor_;
};

}  // namespace

HttpResponse Api::Impl::Events(const HttpRequest& r, const Caller& caller) {
  // Resume after Last-Event-ID (the index of the last event received), or ?after=; otherwise
  // only what happens from now on.
  std::string after = r.Header("last-event-id");
  if (after.empty()) {
    auto q = r.query.find("after");
    if (q != r.query.end()) after = q->second;
  }
  uint64_t cursor = ledger.size();
  if (!after.empty()) {
    uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(after.data(), after.data() + after.size(), v);
    if (ec != std::errc() || ptr != after.data() + after.size()) {
      return Error(400, "invalid_argument",
                   "Last-Event-ID: \"" + after + "\" is not an event index");
    }
    cursor = std::min<uint64_t>(v + 1, ledger.size());
  }
  HttpResponse out;
  out.content_type = "text/event-stream";
  out.stream = std::make_shared<LedgerStream>(*this, caller.token, caller.session.badge(), cursor);
  return out;
}

namespace {

// Whether some member `key` anywhere in j is the string `value`.
bool HasString(const json& j, std::string_view key, const std::string& value) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == key && it->is_string() && it->get_ref<const std::string&>() == value) {
        return true;
      }
      if (HasString(*it, key, value)) return true;
    }
  } else if (j.is_array()) {
    for (const auto& e : j) {
      if (HasString(e, key, value)) return true;
    }
  }
  return false;
}

}  // namespace

HttpResponse Api::Impl::Audit(const HttpRequest& r, const Caller& caller) {
  if (auto bad = UnknownParameter(
          r, {"kind", "badge", "serial", "from", "to", "before", "limit", "format"})) {
    return *bad;
  }
  const std::string kind = r.Param("kind"), badge = r.Param("badge"), serial = r.Param("serial");
  const std::string format = r.Param("format").empty() ? "json" : r.Param("format");
  if (format != "json" && format != "csv") {
    return Error(400, "invalid_argument", "format: must be json or csv");
  }
  // Days in UTC, both included.
  domain::Micros from_us = INT64_MIN, to_us = INT64_MAX;
  for (const auto& [name, out, end_of_day] :
       {std::tuple{"from", &from_us, false}, std::tuple{"to", &to_us, true}}) {
    const std::string v = r.Param(name);
    if (v.empty()) continue;
    auto d = domain::ParseDate(v);
    if (!d) return Error(400, "invalid_argument", std::string(name) + ": not a date YYYY-MM-DD");
    const int64_t day = std::chrono::sys_days(*d).time_since_epoch().count();
    *out = (day + (end_of_day ? 1 : 0)) * 86'400'000'000LL - (end_of_day ? 1 : 0);
  }
  uint64_t limit = 100;
  if (!r.Param("limit").empty()) {
    auto l = Whole(r.Param("limit"));
    if (!l || *l < 1 || *l > 1000) {
      return Error(400, "invalid_argument", "limit: must be a whole number 1-1000");
    }
    limit = *l;
  }
  uint64_t end = ledger.size();
  if (!r.Param("before").empty()) {
    auto b = Whole(r.Param("before"));
    if (!b) return Error(400, "invalid_argument", "before: must be an event index");
    end = std::min(end, *b);
  }
  // Newest first, in chunks; at most kMaxScan events per request (the agency is read-locked while
  // scanning), after which next_before says where to go on.
  constexpr uint64_t kChunk = 1000, kMaxScan = 20'000;
  json found = json::array();
  uint64_t scanned = 0;
  bool past_from = false;
  agency.Read([&](const domain::State& s) {
    const Viewer viewer(s, caller.session.badge());
    while (end > 0 && found.size() < limit && scanned < kMaxScan && !past_from) {
      const uint64_t start = end > kChunk ? end - kChunk : 0;
      std::vector<std::pair<uint64_t, json>> chunk;
      (void)store.ScanEvents(start, end, [&](uint64_t index, core::ByteSpan record) {
        auto e = ledger::ParseEvent(record);
        if (!e) return true;
        if (e->time_us < from_us) {
          chunk.emplace_back(index, nullptr);  // a marker: older than the window
          return true;
        }
        if (e->time_us > to_us) return true;
        if (!kind.empty() &&
            !(e->kind == kind || (kind.back() == '.' && e->kind.rfind(kind, 0) == 0))) {
          return true;
        }
        std::optional<json> data = viewer.See(index, *e);
        if (!data) return true;
        if (!badge.empty() && e->actor != "person:" + badge &&
            !HasString((*data)["payload"], "badge", badge)) {
          return true;
        }
        if (!serial.empty() && !HasString((*data)["payload"], "serial", serial)) return true;
        chunk.emplace_back(index, std::move(*data));
        return true;
      });
      scanned += end - start;
      for (auto it = chunk.rbegin(); it != chunk.rend() && found.size() < limit; ++it) {
        if (it->second.is_null()) {
          past_from = true;
          break;
        }
        found.push_back(it->second);
        end = it->first;
      }
      if (found.size() < limit && !past_from) end = start;
    }
  });
  const bool more = end > 0 && !past_from;
  if (format == "csv") {
    HttpResponse out;
    out.content_type = "text/csv; charset=utf-8";
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"custodian-audit.csv\"");
    out.body = "index,time,actor,kind,payload\r\n";
    for (const json& e : found) {
      out.body +=
          std::to_string(e["index"].get<uint64_t>()) + "," +
          core::CsvField(e["time"].get<std::string>()) + "," +
          core::CsvField(e["actor"].get<std::string>()) + "," +
          core::CsvField(e["kind"].get<std::string>()) + "," +
          core::CsvField(e["payload"].dump(-1, ' ', false, json::error_handler_t::replace)) +
          "\r\n";
    }
    if (more) out.headers.emplace_back("X-Next-Before", std::to_string(end));
    return out;
  }
  json body{{"events", found}};
  body["next_before"] = more ? json(end) : json(nullptr);
  return Json(200, body);
}

Api::Api(app::Agency& agency, app::CustodyDesk& desk, app::StaffLogins& staff,
         app::ApiTokens& tokens, app::Importer& importer, ledger::Ledger& ledger,
         ledger::LedgerStore& store, const core::Clock& clock, app::CustodyDesk::ZoneLookup zones,
         ApiOptions options)
    : impl_(std::make_unique<Impl>(agency, desk, staff, tokens, importer, ledger, store, clock,
                                   std::move(zones), options)) {}
Api::~Api() = default;

HttpResponse Api::Handle(const HttpRequest& request) { return impl_->Handle(request); }

bool Api::MayBlock(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return true;
  for (const Route& r : Routes()) {
    if (r.method == request.method && Match(r.pattern, request.path)) {
      return r.runs == Runs::kOnPool;
    }
  }
  return false;
}

}  // namespace custodian::api
