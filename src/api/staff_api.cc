// The staff's reads and actions (dashboard and integrations): alerts, sites and their lockers,
// people and certifications, emergency modes, service and quarantine, imports, checkpoints.
#include "api/api_internal.h"
#include "core/clock.h"

namespace custodian::api {
namespace {

// Whole days from today (UTC) to `d`: negative once past.
int64_t DaysUntil(domain::Date d, domain::Micros now) {
  const int64_t today = now / 86'400'000'000LL - (now < 0 && now % 86'400'000'000LL != 0);
  return d.time_since_epoch().count() - today;
}

}  // namespace

bool Api::Impl::SeesSite(const domain::State& s, const app::Session& who,
                         const std::set<Role>& roles, const std::string& site) const {
  if (!HasRoleAt(s, who, roles, site)) return false;
  if (!site.empty()) return true;
  const domain::PersonState* p = s.FindPerson(who.badge());
  return p->person.all_sites || p->person.roles.count(Role::kAdmin) > 0 ||
         p->person.roles.count(Role::kAuditor) > 0;
}

HttpResponse Api::Impl::Alerts(const HttpRequest& r, const app::Session& who) {
  if (auto bad = UnknownParameter(r, {"state", "site"})) return *bad;
  const std::string state = r.Param("state").empty() ? "open" : r.Param("state");
  if (state != "open" && state != "acknowledged") {
    return Error(400, "invalid_argument", "state: must be open or acknowledged");
  }
  const std::string site = r.Param("site");
  json rows = json::array();
  agency.Read([&](const domain::State& s) {
    auto consider = [&](const domain::Alert& a) {
      if (!site.empty() && a.site != site) return;
      if (SeesSite(s, who, kStaffRoles, a.site)) rows.push_back(AlertJson(a));
    };
    if (state == "open") {
      for (auto it = s.open_alerts.rbegin(); it != s.open_alerts.rend(); ++it) consider(it->second);
    } else {
      for (auto it = s.acknowledged_alerts.rbegin(); it != s.acknowledged_alerts.rend(); ++it) {
        consider(*it);
      }
    }
  });
  return Json(200, json{{"alerts", rows}});
}

HttpResponse Api::Impl::AcknowledgeAlert(const HttpRequest& r, const app::Session& who,
                                         const std::string& index_text) {
  const std::optional<uint64_t> index = Whole(index_text);
  if (!index) return Error(400, "invalid_argument", "index: must be an alert's event index");
  auto f = BodyFields(r, {{"note", false, 1000}});
  if (!f) return FromStatus(f.error());
  std::optional<HttpResponse> refused;
  std::string site;
  agency.Read([&](const domain::State& s) {
    auto open = s.open_alerts.find(*index);
    const domain::Alert* a = open == s.open_alerts.end() ? nullptr : &open->second;
    if (a == nullptr) {
      for (const auto& acked : s.acknowledged_alerts) {
        if (acked.index == *index) a = &acked;
      }
    }
    // An alert at another site is as unknown as one that does not exist.
    if (a == nullptr || !SeesSite(s, who, kStaffRoles, a->site)) {
      refused = Error(404, "not_found", "no alert " + index_text + " at your sites");
    } else if (!SeesSite(s, who, kAckRoles, a->site)) {
      refused = Error(
          403, "forbidden",
          "acknowledging needs one of the roles " + RoleList(kAckRoles) + " at site " + a->site);
    } else if (!a->acknowledged_by.empty()) {
      refused = Error(409, "already_acknowledged",
                      "alert " + index_text + " was acknowledged by " + a->acknowledged_by);
    }
    site = a == nullptr ? "" : a->site;
  });
  if (refused) return *refused;
  const core::Status recorded =
      agency.Record("person:" + who.badge(),
                    {domain::AlertAcknowledged{*index, who.badge(), site, f->at("note")}});
  if (!recorded.ok()) {
    // Acknowledged by someone else in between.
    if (recorded.code() == core::StatusCode::kFailedPrecondition) {
      return Error(409, "already_acknowledged", recorded.message());
    }
    return FromStatus(recorded);
  }
  std::optional<json> out;
  agency.Read([&](const domain::State& s) {
    for (const auto& a : s.acknowledged_alerts) {
      if (a.index == *index) out = AlertJson(a);
    }
  });
  return Json(200, out ? *out : json{{"index", *index}});
}

// ---- sites, banks and compartments --------------------------------------------------------------

json Api::Impl::SiteJson(const domain::State& s, const domain::Site& site,
                         const app::CustodyDesk::HardwareView& hw, domain::Micros now,
                         bool with_compartments) const {
  // The items of each compartment of the site: one walk over the items.
  std::map<domain::CompartmentKey, std::vector<const domain::ItemState*>> items;
  for (const auto& [serial, i] : s.items) {
    if (i.item.home.site == site.code) items[i.item.home].push_back(&i);
  }
  std::set<domain::CompartmentKey> faulty;  // an open forced-door or tamper alert
  for (const auto& [index, a] : s.open_alerts) {
    if (a.site == site.code && (a.code == "forced_door" || a.code == "tamper")) {
      faulty.insert({a.site, a.bank, a.compartment});
    }
  }
  std::map<std::string, json> banks;
  std::map<std::string, std::map<std::string, int>> counts;  // bank → state → compartments
  const auto first = s.compartments.lower_bound({site.code, "", ""});
  for (auto it = first; it != s.compartments.end() && it->first.site == site.code; ++it) {
    const domain::Compartment& c = it->second;
    const std::string bank_id = site.code + "/" + c.key.bank;
    const std::vector<const domain::ItemState*>& here = items[c.key];
    bool out = false, overdue = false, quarantined = false, charging = false;
    json rows = json::array();
    for (const domain::ItemState* i : here) {
      out = out || i->custody || i->pending || i->returning;
      overdue = overdue || (i->custody && now >= i->custody->due);
      quarantined = quarantined || i->quarantined;
      charging = charging || (!i->custody && c.features.count(domain::Feature::kCharging) &&
                              i->charge_percent && *i->charge_percent < 100);
      if (with_compartments) rows.push_back(ItemJson(s, *i, now));
    }
    const bool fault = hw.offline_banks.count(bank_id) || hw.too_warm.count(c.key) ||
                       faulty.count(c.key) || faulty.count({site.code, c.key.bank, ""});
    // One state for the grid's colour, the most urgent first.
    const char* state = here.empty() ? "empty" : "in";
    if (charging) state = "charging";
    if (out) state = "out";
    if (quarantined) state = "quarantined";
    if (overdue) state = "overdue";
    if (hw.doors_open.count(c.key)) state = "door_open";
    if (fault) state = "fault";
    ++counts[c.key.bank][state];
    json& b = banks[c.key.bank];
    if (b.is_null()) {
      b = json{{"bank", c.key.bank},
               {"offline", hw.offline_banks.count(bank_id) > 0},
               {"lockdown", s.lockdowns.count({site.code, c.key.bank}) > 0 ||
                                s.lockdowns.count({site.code, ""}) > 0}};
      if (with_compartments) b["compartments"] = json::array();
    }
    if (with_compartments) {
      json features = json::array();
      for (domain::Feature f : c.features) features.push_back(domain::FeatureName(f));
      b["compartments"].push_back(json{{"compartment", c.key.compartment},
                                       {"size", domain::SizeName(c.size)},
                                       {"features", features},
                                       {"state", state},
                                       {"door_open", hw.doors_open.count(c.key) > 0},
                                       {"items", rows}});
    }
  }
  json bank_list = json::array();
  for (auto& [code, b] : banks) {
    b["states"] = counts[code];
    bank_list.push_back(std::move(b));
  }
  return json{{"site", site.code},
              {"name", site.name},
              {"timezone", site.timezone},
              {"lockdown", s.lockdowns.count({site.code, ""}) > 0},
              {"banks", bank_list}};
}

HttpResponse Api::Impl::Sites(const app::Session& who) {
  const domain::Micros now = clock.NowMicros();
  const app::CustodyDesk::HardwareView hw = desk.Hardware();
  json rows = json::array();
  agency.Read([&](const domain::State& s) {
    for (const auto& [code, site] : s.sites) {
      if (HasRoleAt(s, who, kStaffRoles, code)) rows.push_back(SiteJson(s, site, hw, now, false));
    }
  });
  return Json(200, json{{"sites", rows}});
}

HttpResponse Api::Impl::Site(const app::Session& who, const std::string& code) {
  const domain::Micros now = clock.NowMicros();
  const app::CustodyDesk::HardwareView hw = desk.Hardware();
  std::optional<json> j;
  agency.Read([&](const domain::State& s) {
    const domain::Site* site = s.FindSite(code);
    if (site != nullptr && HasRoleAt(s, who, kStaffRoles, code)) {
      j = SiteJson(s, *site, hw, now, true);
    }
  });
  if (!j) return Error(404, "not_found", "no site \"" + code + "\" among yours");
  return Json(200, *j);
}

// ---- people and certifications ------------------------------------------------------------------

bool Api::Impl::OverseesPerson(const domain::State& s, const app::Session& who,
                               const domain::PersonState& p) const {
  if (p.person.all_sites) return SeesSite(s, who, kOversightRoles, "");
  for (const std::string& site : p.person.sites) {
    if (HasRoleAt(s, who, kOversightRoles, site)) return true;
  }
  return false;
}

HttpResponse Api::Impl::People(const HttpRequest& r, const app::Session& who) {
  if (auto bad = UnknownParameter(r, {"site"})) return *bad;
  const auto site_param = r.query.find("site");
  const domain::Micros now = clock.NowMicros();
  json rows = json::array();
  agency.Read([&](const domain::State& s) {
    for (const auto& [badge, p] : s.people) {
      // Someone at one of the caller's sites (agency-wide people: for agency-wide staff).
      bool visible = OverseesPerson(s, who, p);
      if (site_param != r.query.end() && !p.person.all_sites &&
          !p.person.sites.count(site_param->second)) {
        visible = false;
      }
      if (!visible) continue;
      json roles = json::array(), sites = json::array(), certs = json::array();
      for (Role role : p.person.roles) roles.push_back(domain::RoleName(role));
      if (p.person.all_sites) sites.push_back("*");
      for (const std::string& site : p.person.sites) sites.push_back(site);
      for (const auto& [code, expires] : p.person.certifications) {
        const int64_t days = DaysUntil(expires, now);
        certs.push_back(json{{"code", code},
                             {"expires", domain::FormatDate(expires)},
                             {"days_left", days},
                             {"expired", days < 0}});
      }
      json j{{"badge", badge},
             {"name", p.person.name},
             {"roles", roles},
             {"sites", sites},
             {"certifications", certs},
             {"revoked", p.revoked},
             {"locked", p.locked},
             {"pin_set", p.pin_set},
             {"staff_login", p.staff_login},
             {"holds", s.HeldCount(badge)}};
      j["licence_expires"] = p.person.licence_expires
                                 ? json(domain::FormatDate(*p.person.licence_expires))
                                 : json(nullptr);
      rows.push_back(std::move(j));
    }
  });
  return Json(200, json{{"people", rows}});
}

HttpResponse Api::Impl::Certifications(const HttpRequest& r, const app::Session& who) {
  if (auto bad = UnknownParameter(r, {"within_days"})) return *bad;
  int64_t within = 30;
  if (auto it = r.query.find("within_days"); it != r.query.end()) {
    auto d = Whole(it->second);
    if (!d || *d > 3650) {
      return Error(400, "invalid_argument", "within_days: must be a whole number 0-3650");
    }
    within = static_cast<int64_t>(*d);
  }
  const domain::Micros now = clock.NowMicros();
  struct Row {
    int64_t days;
    json j;
  };
  std::vector<Row> rows;
  agency.Read([&](const domain::State& s) {
    for (const auto& [badge, p] : s.people) {
      if (!OverseesPerson(s, who, p)) continue;
      auto add = [&](const std::string& code, domain::Date expires) {
        const int64_t days = DaysUntil(expires, now);
        if (days > within) return;
        rows.push_back({days, json{{"badge", badge},
                                   {"name", p.person.name},
                                   {"code", code},
                                   {"expires", domain::FormatDate(expires)},
                                   {"days_left", days},
                                   {"expired", days < 0}}});
      };
      for (const auto& [code, expires] : p.person.certifications) add(code, expires);
      if (p.person.licence_expires) add("weapon_licence", *p.person.licence_expires);
    }
  });
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.days < b.days; });
  json out = json::array();
  for (Row& row : rows) out.push_back(std::move(row.j));
  return Json(200, json{{"within_days", within}, {"certifications", out}});
}

HttpResponse Api::Impl::Overdue(const app::Session& who) {
  const domain::Micros now = clock.NowMicros();
  json rows = json::array();
  agency.Read([&](const domain::State& s) {
    std::vector<const domain::ItemState*> out;
    for (const auto& [serial, i] : s.items) {
      if (i.custody && now >= i.custody->due && HasRoleAt(s, who, kBoardRoles, i.item.home.site)) {
        out.push_back(&i);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const auto* a, const auto* b) { return a->custody->due < b->custody->due; });
    for (const auto* i : out) rows.push_back(ItemJson(s, *i, now));
  });
  return Json(200, json{{"items", rows}});
}

// ---- service, quarantine, credentials ----------------------------------------------------------

HttpResponse Api::Impl::RecordService(const HttpRequest& r, const app::Session& who,
                                      const std::string& serial) {
  auto f = BodyFields(r, {{"notes", true, 1000}});
  if (!f) return FromStatus(f.error());
  auto o = desk.RecordService(who, serial, f->at("notes"));
  if (!o) return FromStatus(o.error());
  return OutcomeResponse(*o);
}

HttpResponse Api::Impl::Quarantine(const HttpRequest& r, const app::Session& who,
                                   const std::string& serial) {
  auto f = BodyFields(r, {{"reason", true, 1000}});
  if (!f) return FromStatus(f.error());
  auto o = desk.ReportProblem(who, serial, f->at("reason"));
  if (!o) return FromStatus(o.error());
  return OutcomeResponse(*o);
}

HttpResponse Api::Impl::Release(const app::Session& who, const std::string& badge) {
  auto o = desk.ReleaseCredential(who, badge);
  if (!o) return FromStatus(o.error());
  return OutcomeResponse(*o);
}

HttpResponse Api::Impl::OpenForService(const HttpRequest& r, const app::Session& who) {
  auto f = BodyFields(r, {{"serial"}});
  if (!f) return FromStatus(f.error());
  auto o = desk.OpenForService(who, f->at("serial"));
  if (!o) return FromStatus(o.error());
  return OutcomeResponse(*o);
}

// ---- emergency modes ----------------------------------------------------------------------------

json Api::Impl::AskJson(const EmergencyAsk& a) const {
  return json{{"ask", a.id},
              {"site", a.site},
              {"bank", a.bank},
              {"mode", a.mode},
              {"reason", a.reason},
              {"asked_by", a.first.badge()},
              {"asked", core::FormatUtcMicros(a.asked)},
              {"expires", core::FormatUtcMicros(a.asked + kAskValid)}};
}

HttpResponse Api::Impl::AskEmergency(const HttpRequest& r, const app::Session& who) {
  auto f = BodyFields(
      r, {{"site", true, 64}, {"bank", false, 64}, {"mode", true, 16}, {"reason", true, 500}});
  if (!f) return FromStatus(f.error());
  const std::string& mode = f->at("mode");
  if (mode != "lockdown" && mode != "normal" && mode != "open_all") {
    return Error(400, "invalid_argument", "mode: must be lockdown, normal or open_all");
  }
  std::optional<HttpResponse> refused;
  agency.Read([&](const domain::State& s) {
    if (s.FindSite(f->at("site")) == nullptr || !HasRoleAt(s, who, kStaffRoles, f->at("site"))) {
      refused = Error(404, "not_found", "no site \"" + f->at("site") + "\" among yours");
    } else if (!HasRoleAt(s, who, kEmergencyRoles, f->at("site"))) {
      refused = Error(403, "forbidden",
                      "emergency modes need one of the roles " + RoleList(kEmergencyRoles) +
                          " at " + f->at("site"));
    }
  });
  if (refused) return *refused;
  const domain::Micros now = clock.NowMicros();
  std::lock_guard l(asks_mu);
  std::erase_if(asks, [&](const auto& a) { return now - a.second.asked > kAskValid; });
  EmergencyAsk ask{next_ask, who, f->at("site"), f->at("bank"), mode, f->at("reason"), now};
  // Asking is a staff action: in the ledger (and an alert, so that a second person sees it).
  const core::Status recorded = agency.Record(
      "person:" + who.badge(),
      {domain::EmergencyModeAsked{ask.site, ask.bank, ask.mode, who.badge(), ask.reason, ask.id}});
  if (!recorded.ok()) return FromStatus(recorded);
  ++next_ask;
  json j = AskJson(ask);
  asks.emplace(ask.id, std::move(ask));
  return Json(202, j);
}

HttpResponse Api::Impl::Emergency(const app::Session& who) {
  json lockdowns = json::array(), waiting = json::array();
  std::set<std::string> sites;  // the caller's
  agency.Read([&](const domain::State& s) {
    for (const auto& [code, site] : s.sites) {
      if (HasRoleAt(s, who, kEmergencyRoles, code)) sites.insert(code);
    }
    for (const auto& [site, bank] : s.lockdowns) {
      if (sites.count(site)) lockdowns.push_back(json{{"site", site}, {"bank", bank}});
    }
  });
  const domain::Micros now = clock.NowMicros();
  std::lock_guard l(asks_mu);
  for (const auto& [id, a] : asks) {
    if (now - a.asked <= kAskValid && sites.count(a.site)) waiting.push_back(AskJson(a));
  }
  return Json(200, json{{"lockdowns", lockdowns}, {"waiting", waiting}});
}

HttpResponse Api::Impl::ApproveEmergency(const app::Session& who, const std::string& id_text) {
  const std::optional<uint64_t> id = Whole(id_text);
  if (!id) return Error(400, "invalid_argument", "ask: must be the number of an emergency ask");
  const domain::Micros now = clock.NowMicros();
  std::optional<EmergencyAsk> ask;
  {
    std::lock_guard l(asks_mu);
    auto it = asks.find(*id);
    if (it != asks.end() && now - it->second.asked <= kAskValid) ask = it->second;
  }
  bool visible = false;
  if (ask) {
    agency.Read(
        [&](const domain::State& s) { visible = HasRoleAt(s, who, kStaffRoles, ask->site); });
  }
  if (!ask || !visible) {
    return Error(404, "not_found", "no emergency ask " + id_text + " waiting at your sites");
  }
  // The desk checks both people (distinct, roles at the site, credentials good) and records the
  // mode, or a denial naming why.
  auto o = desk.SetEmergencyModeAt(ask->site, ask->first, who, ask->bank, ask->mode, ask->reason);
  if (!o) return FromStatus(o.error());
  if (o->granted) {
    std::lock_guard l(asks_mu);
    asks.erase(*id);
  }
  return OutcomeResponse(*o);
}

// ---- API tokens ---------------------------------------------------------------------------------

HttpResponse Api::Impl::Tokens() {
  auto list = tokens.List();
  if (!list) return FromStatus(list.error());
  json rows = json::array();
  for (const auto& t : *list) {
    rows.push_back(json{
        {"name", t.name}, {"badge", t.badge}, {"created", core::FormatUtcMicros(t.created_us)}});
  }
  return Json(200, json{{"tokens", rows}});
}

HttpResponse Api::Impl::IssueToken(const HttpRequest& r, const app::Session& who) {
  auto f = BodyFields(r, {{"badge", true, 64}, {"name", true, 64}});
  if (!f) return FromStatus(f.error());
  auto token = tokens.Issue("person:" + who.badge(), f->at("badge"), f->at("name"));
  if (!token) return FromStatus(token.error());
  return Json(201, json{{"token", *token}, {"name", f->at("name")}, {"badge", f->at("badge")}});
}

HttpResponse Api::Impl::RevokeToken(const app::Session& who, const std::string& name) {
  const core::Status s = tokens.Revoke("person:" + who.badge(), name);
  if (!s.ok()) return FromStatus(s);
  return Json(200, json{{"revoked", name}});
}

// ---- ledger checkpoints and proofs
// ---------------------------------------------------------------

HttpResponse Api::Impl::Checkpoint() {
  auto c = ledger.Checkpoint();
  if (!c) return FromStatus(c.error());
  HttpResponse out;
  out.content_type = "text/plain; charset=utf-8";
  out.body = c->note;
  return out;
}

namespace {

// Named whole-number query parameters: each present one parsed, a 400 naming a bad one.
std::optional<HttpResponse> Numbers(const HttpRequest& r,
                                    std::initializer_list<std::pair<const char*, uint64_t*>> want,
                                    std::initializer_list<const char*> required) {
  for (const char* name : required) {
    if (!r.query.count(name)) {
      return Error(400, "invalid_argument", std::string(name) + ": missing");
    }
  }
  for (const auto& [name, out] : want) {
    auto it = r.query.find(name);
    if (it == r.query.end()) continue;
    auto v = Whole(it->second);
    if (!v) return Error(400, "invalid_argument", std::string(name) + ": not a whole number");
    *out = *v;
  }
  return std::nullopt;
}

}  // namespace

HttpResponse Api::Impl::Proof(const HttpRequest& r) {
  uint64_t index = 0, size = ledger.size();
  if (auto bad = UnknownParameter(r, {"index", "size"})) return *bad;
  if (auto bad = Numbers(r, {{"index", &index}, {"size", &size}}, {"index"})) return *bad;
  auto j = app::InclusionProofJson(ledger, index, size);
  if (!j) return FromStatus(j.error());
  return Json(200, *j);
}

HttpResponse Api::Impl::Consistency(const HttpRequest& r) {
  uint64_t from = 0, to = ledger.size();
  if (auto bad = UnknownParameter(r, {"from", "to"})) return *bad;
  if (auto bad = Numbers(r, {{"from", &from}, {"to", &to}}, {"from"})) return *bad;
  auto j = app::ConsistencyProofJson(ledger, from, to);
  if (!j) return FromStatus(j.error());
  return Json(200, *j);
}

// ---- imports ------------------------------------------------------------------------------------

HttpResponse Api::Impl::Import(const HttpRequest& r, const app::Session& who,
                               const std::string& kind_name) {
  auto kind = app::ParseImportKind(kind_name);
  if (!kind) return Error(404, "not_found", kind.error().message());
  if (r.Header("content-type").rfind("text/csv", 0) != 0) {
    return Error(415, "unsupported_media_type",
                 "the body must be CSV (Content-Type: text/csv) starting with the header " +
                     app::ImportHeader(*kind));
  }
  auto plan = importer.Import("person:" + who.badge(), *kind, r.body);
  if (!plan) return FromStatus(plan.error());
  json generated = json::array();
  const std::set<std::string> fresh(plan->generated_pin_badges.begin(),
                                    plan->generated_pin_badges.end());
  for (const auto& [badge, pin] : plan->pins) {
    if (fresh.count(badge)) generated.push_back(json{{"badge", badge}, {"pin", pin}});
  }
  return Json(
      200,
      json{{"kind", kind_name}, {"imported", plan->events.size()}, {"generated_pins", generated}});
}

// ---- statistics for the dashboard's charts
// --------------------------------------------------------

HttpResponse Api::Impl::Stats(const HttpRequest& r, const app::Session& who) {
  if (auto bad = UnknownParameter(r, {"site", "days", "weeks"})) return *bad;
  const std::string only_site = r.Param("site");
  uint64_t days = 28, weeks = 8;
  for (const auto& [name, out, max] :
       {std::tuple{"days", &days, uint64_t{366}}, std::tuple{"weeks", &weeks, uint64_t{52}}}) {
    if (r.Param(name).empty()) continue;
    auto v = Whole(r.Param(name));
    if (!v || *v < 1 || *v > max) {
      return Error(400, "invalid_argument",
                   std::string(name) + ": must be a whole number 1-" + std::to_string(max));
    }
    *out = *v;
  }
  const domain::Micros now = clock.NowMicros();
  constexpr domain::Micros kDay = 86'400'000'000LL;
  const domain::Micros since = now - static_cast<domain::Micros>(days) * kDay;

  // The window's sign-outs, read without holding the agency: (time, serial). Each counts at its
  // item's home site, in that site's local time.
  // At most kMaxScan events are read; `complete` says whether the window was reached.
  constexpr uint64_t kChunk = 2000, kMaxScan = 500'000;
  std::vector<std::pair<domain::Micros, std::string>> signouts;
  uint64_t end = ledger.size(), scanned = 0;
  bool reached = end == 0;
  while (end > 0 && !reached && scanned < kMaxScan) {
    const uint64_t start = end > kChunk ? end - kChunk : 0;
    (void)store.ScanEvents(start, end, [&](uint64_t, core::ByteSpan record) {
      auto e = ledger::ParseEvent(record);
      if (!e) return true;
      if (e->time_us < since) {
        reached = true;  // chunks are read in order: the rest of this chunk is older or near it
        return true;
      }
      if (e->kind != "item.signed_out") return true;
      const json payload = json::parse(e->payload, nullptr, false);
      if (payload.is_object() && payload.contains("serial") && payload["serial"].is_string()) {
        signouts.emplace_back(e->time_us, payload["serial"].get<std::string>());
      }
      return true;
    });
    scanned += end - start;
    end = start;
    if (end == 0) reached = true;
  }

  json out;
  int status = 200;
  agency.Read([&](const domain::State& s) {
    if (!only_site.empty() &&
        (s.FindSite(only_site) == nullptr || !SeesSite(s, who, kStatsRoles, only_site))) {
      status = 404;
      return;
    }
    auto counts = [&](const std::string& site) {
      return (only_site.empty() || site == only_site) && SeesSite(s, who, kStatsRoles, site);
    };
    std::vector<int64_t> by_hour(24, 0), by_weekday(7, 0);
    for (const auto& [at, serial] : signouts) {
      const domain::ItemState* i = s.FindItem(serial);
      if (at < since || i == nullptr || !counts(i->item.home.site)) continue;
      const domain::Site* st = s.FindSite(i->item.home.site);
      const domain::TimeZone* zone = st != nullptr ? zones(st->timezone) : nullptr;
      if (zone == nullptr) continue;
      const domain::LocalTime local = zone->ToLocal(at);
      ++by_hour[static_cast<size_t>(local.second_of_day / 3600)];
      ++by_weekday[static_cast<size_t>(local.weekday)];
    }
    // Items out now by type, and service falling due week by week (week 0: due now or overdue,
    // by sign-outs or by days).
    std::map<std::string, std::pair<int64_t, int64_t>> by_type;  // type → (out, total)
    std::vector<int64_t> due(weeks, 0);
    for (const auto& [serial, i] : s.items) {
      if (!counts(i.item.home.site)) continue;
      auto& [out_now, total] = by_type[i.item.type];
      ++total;
      if (i.custody) ++out_now;
      const domain::ItemType* t = s.FindType(i.item.type);
      if (t == nullptr) continue;
      std::optional<domain::Micros> when;
      if (t->service_every_signouts > 0 && i.signouts_since_service >= t->service_every_signouts) {
        when = now;
      } else if (t->service_every_days > 0) {
        when = i.service_clock_start + int64_t{t->service_every_days} * kDay;
      }
      if (!when) continue;
      const domain::Micros week = std::max<domain::Micros>(0, *when - now) / (7 * kDay);
      if (week < static_cast<domain::Micros>(weeks)) ++due[static_cast<size_t>(week)];
    }
    json types = json::array();
    for (const auto& [type, n] : by_type) {
      types.push_back({{"type", type}, {"out", n.first}, {"total", n.second}});
    }
    json service = json::array();
    const int64_t today = now / kDay;
    for (uint64_t w = 0; w < weeks; ++w) {
      const domain::Date start{std::chrono::days(today + 7 * static_cast<int64_t>(w))};
      service.push_back({{"week_start", domain::FormatDate(start)}, {"count", due[w]}});
    }
    out = json{{"days", days},
               {"site", only_site.empty() ? json(nullptr) : json(only_site)},
               {"complete", reached},
               {"signouts_by_hour", by_hour},
               {"signouts_by_weekday", by_weekday},
               {"out_by_type", types},
               {"service_due_by_week", service}};
  });
  if (status == 404)
    return Error(404, "not_found", "site " + only_site + ": no such site of yours");
  return Json(200, out);
}

}  // namespace custodian::api
