// The staff's reads and actions (dashboard and integrations): alerts, sites and their lockers,
// people and certifications, emergency modes, service and quarantine, imports, checkpoints.
#include "api/api_internal.h"
#include "core/clock.h"

namespace custodian::api {

bool Api::Impl::SeesSite(const domain::State& s, const app::Session& who,
                         const std::set<Role>& roles, const std::string& site) const {
  if (!HasRoleAt(s, who, roles, site)) return false;
  if (!site.empty()) return true;
  const domain::PersonState* p = s.FindPerson(who.badge());
  return p->person.all_sites || p->person.roles.count(Role::kAdmin) > 0 ||
         p->person.roles.count(Role::kAuditor) > 0;
}

HttpResponse Api::Impl::Alerts(const HttpRequest& r, const app::Session& who) {
  for (const auto& [name, value] : r.query) {
    if (name != "state" && name != "site") {
      return Error(400, "invalid_argument", name + ": unknown parameter");
    }
  }
  auto param = [&](const char* name) {
    auto it = r.query.find(name);
    return it == r.query.end() ? std::string() : it->second;
  };
  const std::string state = param("state").empty() ? "open" : param("state");
  if (state != "open" && state != "acknowledged") {
    return Error(400, "invalid_argument", "state: must be open or acknowledged");
  }
  const std::string site = param("site");
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

}  // namespace custodian::api
