// Inside the API (not for other folders): the helpers its handlers share and Api::Impl, whose
// handlers are spread over api.cc (dispatch, authentication, terminal), staff_api.cc (the staff's
// reads and actions) and events (api.cc).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "api/api.h"
#include "api/json_text.h"
#include "app/event_codec.h"
#include "app/ledger_tasks.h"
#include "core/clock.h"
#include "core/csv.h"
#include "ledger/record.h"
#include "ledger/verifier.h"
#include "policy/policy.h"

namespace custodian::api {

using domain::Role;
using nlohmann::json;

using domain::Role;
using nlohmann::json;

inline const std::set<Role> kStaffRoles = {Role::kSupervisor, Role::kArmorer, Role::kAdmin,
                                           Role::kAuditor, Role::kEvidenceCustodian};
inline const std::set<Role> kBoardRoles = {Role::kSupervisor, Role::kArmorer, Role::kAdmin,
                                           Role::kAuditor};

// Who may act on alerts: everyone on the staff but auditors, who only read.
inline const std::set<Role> kAckRoles = {Role::kSupervisor, Role::kArmorer, Role::kAdmin,
                                         Role::kEvidenceCustodian};

// Who oversees: people and their certifications, the audit trail, the ledger and its proofs.
inline const std::set<Role> kOversightRoles = {Role::kSupervisor, Role::kAdmin, Role::kAuditor};

// Who sees the dashboard's statistics (sign-outs by hour and weekday, items out, service due).
inline const std::set<Role> kStatsRoles = {Role::kSupervisor, Role::kArmorer, Role::kAdmin,
                                           Role::kAuditor};

// Who may ask for or approve an emergency mode (the desk checks again, at the site).
inline const std::set<Role> kEmergencyRoles = {Role::kSupervisor, Role::kAdmin, Role::kEmergency};

inline int HttpStatusOf(core::StatusCode code) {
  switch (code) {
    case core::StatusCode::kOk:
      return 200;
    case core::StatusCode::kInvalidArgument:
      return 400;
    case core::StatusCode::kNotFound:
      return 404;
    case core::StatusCode::kAlreadyExists:
      return 409;
    case core::StatusCode::kFailedPrecondition:
      return 409;
    case core::StatusCode::kPermissionDenied:
      return 403;
    case core::StatusCode::kUnavailable:
      return 503;
    case core::StatusCode::kDeadlineExceeded:
      return 504;
    case core::StatusCode::kDataLoss:
      return 500;
    default:
      return 500;
  }
}

inline std::string CodeName(core::StatusCode code) {
  switch (code) {
    case core::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case core::StatusCode::kNotFound:
      return "not_found";
    case core::StatusCode::kAlreadyExists:
      return "already_exists";
    case core::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case core::StatusCode::kPermissionDenied:
      return "permission_denied";
    case core::StatusCode::kUnavailable:
      return "unavailable";
    case core::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case core::StatusCode::kDataLoss:
      return "data_loss";
    default:
      return "internal";
  }
}

inline HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body =
      body.dump(-1, ' ', false, json::error_handler_t::replace);  // bad UTF-8 from a client: U+FFFD
  return r;
}

inline HttpResponse Error(int status, std::string_view code, std::string_view message) {
  return Json(status, json{{"error", {{"code", code}, {"message", message}}}});
}

inline HttpResponse FromStatus(const core::Status& s) {
  return Error(HttpStatusOf(s.code()), CodeName(s.code()), s.message());
}

// A string field of a JSON body: required (missing or empty → error) or optional (missing → "").
struct Field {
  std::string_view name;
  bool required = true;
  size_t max_length = 200;
};

// The string fields of a request's JSON object body by name, or a 400 naming what is wrong: the
// body itself, then a field that is not one of `fields` (a misspelt one is not silently ignored),
// then each field in order.
inline core::Result<std::map<std::string, std::string, std::less<>>> BodyFields(
    const HttpRequest& r, std::initializer_list<Field> fields) {
  const std::string type = r.Header("content-type");
  if (type.rfind("application/json", 0) != 0) {
    return core::InvalidArgumentError("the body must be JSON (Content-Type: application/json)");
  }
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return core::InvalidArgumentError("the body is not valid JSON");
  if (!j.is_object()) return core::InvalidArgumentError("the body must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::none_of(fields.begin(), fields.end(),
                     [&](const Field& f) { return f.name == it.key(); })) {
      return core::InvalidArgumentError(it.key() + ": unknown field");
    }
  }
  std::map<std::string, std::string, std::less<>> out;
  for (const Field& f : fields) {
    const std::string name(f.name);
    auto it = j.find(name);
    if (it == j.end()) {
      if (f.required) return core::InvalidArgumentError(name + ": missing");
      out[name] = "";
      continue;
    }
    if (!it->is_string()) return core::InvalidArgumentError(name + ": must be a string");
    std::string v = it->get<std::string>();
    if (f.required && v.empty()) return core::InvalidArgumentError(name + ": empty");
    if (v.size() > f.max_length) {
      return core::InvalidArgumentError(name + ": longer than " + std::to_string(f.max_length) +
                                        " characters");
    }
    out[name] = std::move(v);
  }
  return out;
}

// A login refused: 403 for a locked or revoked credential, 401 otherwise, with the sentence for
// the person at the terminal or the dashboard.
inline HttpResponse LoginRefused(const app::Login& login) {
  const int status = login.reason == "locked" || login.reason == "revoked" ? 403 : 401;
  return Json(status, json{{"error", {{"code", login.reason}, {"message", login.message}}},
                           {"locked_now", login.locked_now}});
}

inline json ReasonsJson(const std::vector<domain::Reason>& reasons) {
  json a = json::array();
  for (const auto& r : reasons) a.push_back({{"code", r.code}, {"sentence", r.sentence}});
  return a;
}

inline json KeyJson(const domain::CompartmentKey& k) {
  return {{"site", k.site}, {"bank", k.bank}, {"compartment", k.compartment}};
}

inline HttpResponse OutcomeResponse(const app::Outcome& o) {
  json j{{"granted", o.granted},
         {"reasons", ReasonsJson(o.reasons)},
         {"requirements", ReasonsJson(o.requirements)}};
  if (!o.compartment.site.empty()) j["compartment"] = KeyJson(o.compartment);
  return Json(o.granted ? 200 : 403, j);
}

inline std::string RoleList(const std::set<Role>& roles) {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out += ", ";
    out += domain::RoleName(r);
  }
  return out;
}

// An alert as the API shows it (GET /api/v1/alerts, the event stream).
inline json AlertJson(const domain::Alert& a) {
  json j{{"index", a.index},
         {"time", core::FormatUtcMicros(a.at)},
         {"kind", a.kind},
         {"code", a.code},
         {"severity", a.severity},
         {"site", a.site},
         {"bank", a.bank},
         {"compartment", a.compartment},
         {"badge", a.badge},
         {"serial", a.serial},
         {"summary", a.summary},
         {"cleared", a.cleared_at == 0 ? json(nullptr) : json(core::FormatUtcMicros(a.cleared_at))},
         {"acknowledged", nullptr}};
  if (!a.acknowledged_by.empty()) {
    j["acknowledged"] = {{"by", a.acknowledged_by},
                         {"time", core::FormatUtcMicros(a.acknowledged_at)},
                         {"note", a.note}};
  }
  return j;
}

// A 400 naming the first query parameter that is not one of `known`, or none.
inline std::optional<HttpResponse> UnknownParameter(const HttpRequest& r,
                                                    std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : r.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error(400, "invalid_argument", name + ": unknown parameter");
    }
  }
  return std::nullopt;
}

// A whole decimal number (a query parameter, a path segment), or none.
inline std::optional<uint64_t> Whole(const std::string& text) {
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// Whether the path matches the pattern; {name} segments are captured into `params` when given.
inline bool Match(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>* params = nullptr) {
  if (params != nullptr) params->clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view pseg = pattern.substr(0, pattern.find('/'));
    const std::string_view seg = path.substr(0, path.find('/'));
    if (pseg.size() >= 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (seg.empty()) return false;
      if (params != nullptr) (*params)[std::string(pseg.substr(1, pseg.size() - 2))] = seg;
    } else if (pseg != seg) {
      return false;
    }
    pattern.remove_prefix(pseg.size());
    path.remove_prefix(seg.size());
  }
  return true;
}

struct Api::Impl {
  app::Agency& agency;
  app::CustodyDesk& desk;
  app::StaffLogins& staff;
  app::ApiTokens& tokens;
  app::Importer& importer;
  ledger::Ledger& ledger;
  ledger::LedgerStore& store;
  std::mutex verify_mu;  // one ledger verification at a time
  const core::Clock& clock;
  app::CustodyDesk::ZoneLookup zones;
  ApiOptions options;
  SessionTable sessions;
  RateLimiter by_address;
  RateLimiter by_badge;

  // Whether a login attempt for `badge` from the request's address may go on; the 429 otherwise.
  std::optional<HttpResponse> LoginThrottled(const HttpRequest& r, const std::string& badge) {
    int retry = 0;
    const bool ok =
        by_badge.Allow("badge:" + badge, &retry) && by_address.Allow("addr:" + r.peer, &retry);
    if (ok) return std::nullopt;
    HttpResponse out =
        Error(429, "too_many_requests",
              "too many login attempts: try again in " + std::to_string(retry) + " s");
    out.headers.emplace_back("Retry-After", std::to_string(retry));
    return out;
  }

  Impl(app::Agency& a, app::CustodyDesk& d, app::StaffLogins& st, app::ApiTokens& t,
       app::Importer& im, ledger::Ledger& l, ledger::LedgerStore& s, const core::Clock& c,
       app::CustodyDesk::ZoneLookup z, ApiOptions o)
      : agency(a),
        desk(d),
        staff(st),
        tokens(t),
        importer(im),
        ledger(l),
        store(s),
        clock(c),
        zones(std::move(z)),
        options(o),
        sessions(c, o.sessions),
        by_address(c, o.logins_per_address),
        by_badge(c, o.logins_per_badge) {}

  // Whether a bearer token still works: a live session, or an API token not revoked.
  bool Alive(const std::string& token) {
    if (app::ApiTokens::LooksLikeToken(token)) return tokens.Authenticate(token).has_value();
    return sessions.Alive(token);
  }

  // The request as an authenticated caller.
  struct Caller {
    std::string token;
    app::Session session;
    SessionTable::Kind kind;
  };

  static std::string BearerToken(const HttpRequest& r) {
    const std::string auth = r.Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.rfind(kBearer, 0) != 0) return "";
    return auth.substr(kBearer.size());
  }

  // The session cookie's value, or "".
  static std::string CookieToken(const HttpRequest& r) {
    const std::string cookies = r.Header("cookie");
    size_t pos = 0;
    while (pos < cookies.size()) {
      size_t end = cookies.find(';', pos);
      if (end == std::string::npos) end = cookies.size();
      std::string_view pair(cookies.data() + pos, end - pos);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie) {
        return std::string(pair.substr(eq + 1));
      }
      pos = end + 1;
    }
    return "";
  }

  // Constant-time comparison of two tokens.
  static bool SameToken(const std::string& a, const std::string& b) {
    if (a.size() != b.size() || a.empty()) return false;
    unsigned diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
    return diff == 0;
  }

  // Whether the person behind the session holds one of `roles` at `site` ("" = any site).
  bool HasRoleAt(const domain::State& s, const app::Session& who, const std::set<Role>& roles,
                 std::string_view site) const {
    const domain::PersonState* p = s.FindPerson(who.badge());
    if (p == nullptr || p->revoked || p->locked) return false;
    bool any = false;
    for (Role r : roles) any = any || p->person.roles.count(r) > 0;
    if (!any) return false;
    return site.empty() || p->person.all_sites || p->person.sites.count(std::string(site)) > 0;
  }

  // Requests answered, per route (index in Routes(), or Routes().size() for no route) and status
  // class (1xx…5xx → 0…4).
  std::vector<std::array<std::atomic<uint64_t>, 5>> answered{Routes().size() + 1};

  HttpResponse Handle(const HttpRequest& r) {
    const Route* route = nullptr;
    HttpResponse out = Dispatch(r, route);
    const size_t row =
        route == nullptr ? Routes().size() : static_cast<size_t>(route - Routes().data());
    const int cls = std::clamp(out.status / 100 - 1, 0, 4);
    answered[row][static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
    return out;
  }

  // Prometheus text format (version 0.0.4).
  HttpResponse Metrics(const HttpRequest& r) {
    if (r.peer != "127.0.0.1" && r.peer != "::1" && !r.peer.empty()) {
      return Error(403, "forbidden", "metrics are served to this machine only (scrape locally)");
    }
    std::string m;
    m += "# HELP custodian_http_requests_total Requests answered, by route and status class.\n";
    m += "# TYPE custodian_http_requests_total counter\n";
    for (size_t i = 0; i <= Routes().size(); ++i) {
      const std::string route = i < Routes().size() ? std::string(Routes()[i].method) + " " +
                                                          std::string(Routes()[i].pattern)
                                                    : "none";
      for (size_t c = 0; c < 5; ++c) {
        const uint64_t n = answered[i][c].load(std::memory_order_relaxed);
        if (n == 0) continue;
        m += "custodian_http_requests_total{route=\"" + route + "\",code=\"" +
             std::to_string(c + 1) + "xx\"} " + std::to_string(n) + "\n";
      }
    }
    m += "# HELP custodian_ledger_events Events in the ledger.\n";
    m += "# TYPE custodian_ledger_events gauge\n";
    m += "custodian_ledger_events " + std::to_string(ledger.size()) + "\n";
    m += "# HELP custodian_sessions Live sessions (terminal and dashboard).\n";
    m += "# TYPE custodian_sessions gauge\n";
    m += "custodian_sessions " + std::to_string(sessions.size()) + "\n";
    size_t out_now = 0, overdue = 0, quarantined = 0;
    const domain::Micros now = clock.NowMicros();
    agency.Read([&](const domain::State& s) {
      for (const auto& [serial, i] : s.items) {
        out_now += i.custody.has_value();
        overdue += i.custody && now >= i.custody->due;
        quarantined += i.quarantined;
      }
    });
    m += "# HELP custodian_items Items by state.\n# TYPE custodian_items gauge\n";
    m += "custodian_items{state=\"out\"} " + std::to_string(out_now) + "\n";
    m += "custodian_items{state=\"overdue\"} " + std::to_string(overdue) + "\n";
    m += "custodian_items{state=\"quarantined\"} " + std::to_string(quarantined) + "\n";
    HttpResponse out;
    out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    out.body = std::move(m);
    return out;
  }

  HttpResponse Dispatch(const HttpRequest& r, const Route*& route) {
    std::map<std::string, std::string> params;
    bool path_known = false;
    for (const Route& candidate : Routes()) {
      if (!Match(candidate.pattern, r.path, &params)) continue;
      path_known = true;
      if (candidate.method == r.method) {
        route = &candidate;
        break;
      }
    }
    if (route == nullptr) {
      if (path_known)
        return Error(405, "method_not_allowed", r.method + " is not allowed on " + r.path);
      return Error(404, "not_found", "no such endpoint: " + r.path);
    }
    std::optional<Caller> caller;
    if (route->access != Access::kPublic) {
      // A bearer token (terminals, scripts), else the dashboard's cookie.
      std::string token = BearerToken(r);
      const bool by_cookie = token.empty();
      if (by_cookie) token = CookieToken(r);
      std::optional<SessionTable::Live> s;
      if (!by_cookie && app::ApiTokens::LooksLikeToken(token)) {
        if (auto as = tokens.Authenticate(token)) {
          s = SessionTable::Live{*as, SessionTable::Kind::kApi, ""};
        }
      } else if (!token.empty()) {
        s = sessions.Use(token);
      }
      if (!s) {
        HttpResponse out = Error(401, "unauthenticated",
                                 token.empty() ? "log in first (Authorization: Bearer <token>)"
                                               : "the session has ended: log in again");
        out.headers.emplace_back("WWW-Authenticate", "Bearer");
        return out;
      }
      // A cookie comes with every request the browser makes, whoever asked for it: a change
      // must also carry the CSRF token that only the dashboard's own page knows.
      if (by_cookie && r.method != "GET" && r.method != "HEAD" &&
          !SameToken(r.Header("x-csrf-token"), s->csrf)) {
        return Error(403, "csrf", "this request needs the X-CSRF-Token header given at login");
      }
      if (route->access == Access::kTerminal && s->kind != SessionTable::Kind::kTerminal) {
        return Error(403, "forbidden", "this is for a session opened at a terminal");
      }
      caller = Caller{token, s->session, s->kind};
      if (route->access == Access::kStaff) {
        bool allowed = false;
        agency.Read([&](const domain::State& st) {
          allowed = HasRoleAt(st, caller->session, route->roles, "");
        });
        if (!allowed) {
          return Error(403, "forbidden", "this needs one of the roles " + RoleList(route->roles));
        }
      }
    }
    const std::string_view p = route->pattern;
    if (p == "/healthz") return Health();
    if (p == "/metrics") return Metrics(r);
    if (p == "/api/v1/terminal/login") return Login(r);
    if (caller && caller->kind == SessionTable::Kind::kApi &&
        (p == "/api/v1/terminal/logout" || p == "/api/v1/staff/logout")) {
      return Error(400, "invalid_argument",
                   "an API token is not logged out: an administrator revokes it");
    }
    if (p == "/api/v1/terminal/logout") {
      sessions.Close(caller->token);
      return Json(200, json{{"logged_out", true}});
    }
    if (p == "/api/v1/staff/login") return StaffLogin(r);
    if (p == "/api/v1/staff/logout") {
      sessions.Close(caller->token);
      HttpResponse out = Json(200, json{{"logged_out", true}});
      out.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                                 "=; Path=/; Max-Age=0; Secure; HttpOnly; "
                                                 "SameSite=Strict");
      return out;
    }
    if (p == "/api/v1/me") return Me(*caller);
    if (p == "/api/v1/terminal/items") return Items(caller->session);
    if (p == "/api/v1/terminal/doors") return Doors(caller->session);
    if (p == "/api/v1/terminal/signout") return SignOut(r, caller->session);
    if (p == "/api/v1/terminal/return") return Return(r, caller->session);
    if (p == "/api/v1/terminal/problem") return Problem(r, caller->session);
    if (p == "/api/v1/terminal/handover") return Handover(r, caller->session);
    if (p == "/api/v1/events") return Events(r, *caller);
    if (p == "/api/v1/items/{serial}") return Item(caller->session, params["serial"]);
    if (p == "/api/v1/custody") return Board(caller->session);
    if (p == "/api/v1/ledger/status") return LedgerStatus();
    if (p == "/api/v1/ledger/verify") return VerifyLedger();
    if (p == "/api/v1/audit") return Audit(r, *caller);
    if (p == "/api/v1/alerts") return Alerts(r, caller->session);
    if (p == "/api/v1/imports/{kind}") return Import(r, caller->session, params["kind"]);
    if (p == "/api/v1/ledger/checkpoint") return Checkpoint();
    if (p == "/api/v1/ledger/proof") return Proof(r);
    if (p == "/api/v1/ledger/consistency") return Consistency(r);
    if (p == "/api/v1/tokens" && r.method == "POST") return IssueToken(r, caller->session);
    if (p == "/api/v1/tokens") return Tokens();
    if (p == "/api/v1/tokens/{name}/revoke") return RevokeToken(caller->session, params["name"]);
    if (p == "/api/v1/sites") return Sites(caller->session);
    if (p == "/api/v1/sites/{site}") return Site(caller->session, params["site"]);
    if (p == "/api/v1/people") return People(r, caller->session);
    if (p == "/api/v1/certifications") return Certifications(r, caller->session);
    if (p == "/api/v1/overdue") return Overdue(caller->session);
    if (p == "/api/v1/stats") return Stats(r, caller->session);
    if (p == "/api/v1/items/{serial}/service") {
      return RecordService(r, caller->session, params["serial"]);
    }
    if (p == "/api/v1/items/{serial}/quarantine") {
      return Quarantine(r, caller->session, params["serial"]);
    }
    if (p == "/api/v1/people/{badge}/release") return Release(caller->session, params["badge"]);
    if (p == "/api/v1/terminal/service/open") return OpenForService(r, caller->session);
    if (p == "/api/v1/emergency" && r.method == "POST") return AskEmergency(r, caller->session);
    if (p == "/api/v1/emergency") return Emergency(caller->session);
    if (p == "/api/v1/emergency/{ask}/approve")
      return ApproveEmergency(caller->session, params["ask"]);
    if (p == "/api/v1/alerts/{index}/acknowledge") {
      return AcknowledgeAlert(r, caller->session, params["index"]);
    }
    return Error(500, "internal", "route without a handler: " + std::string(p));
  }

  json PersonJson(const std::string& badge) const {
    json j{{"badge", badge}};
    agency.Read([&](const domain::State& s) {
      const auto* person = s.FindPerson(badge);
      if (person == nullptr) return;
      j["name"] = person->person.name;
      json roles = json::array();
      for (Role role : person->person.roles) roles.push_back(domain::RoleName(role));
      j["roles"] = roles;
      json sites = json::array();
      if (person->person.all_sites) {
        sites.push_back("*");
      } else {
        for (const std::string& site : person->person.sites) sites.push_back(site);
      }
      j["sites"] = sites;
    });
    return j;
  }

  HttpResponse Me(const Caller& caller) {
    json j = PersonJson(caller.session.badge());
    j["session"] = caller.kind == SessionTable::Kind::kStaff ? "staff" : "terminal";
    if (!caller.session.site().empty()) j["site"] = caller.session.site();
    return Json(200, j);
  }

  HttpResponse StaffLogin(const HttpRequest& r) {
    auto f = BodyFields(r, {{"badge", true, 64}, {"password", true, 200}, {"code", true, 16}});
    if (!f) return FromStatus(f.error());
    const std::string& badge = f->at("badge");
    if (auto throttled = LoginThrottled(r, badge)) return *throttled;
    auto login = staff.Authenticate(badge, f->at("password"), f->at("code"));
    if (!login) return FromStatus(login.error());
    if (!login->session) return LoginRefused(*login);
    auto opened = sessions.Open(*login->session, SessionTable::Kind::kStaff);
    if (!opened) return FromStatus(opened.error());
    json j = PersonJson(badge);
    j["csrf_token"] = opened->csrf;
    j["idle_timeout_s"] = options.sessions.staff_idle / 1'000'000;
    HttpResponse out = Json(200, j);
    out.headers.emplace_back(
        "Set-Cookie", std::string(kSessionCookie) + "=" + opened->token + "; Path=/; Max-Age=" +
                          std::to_string(options.sessions.absolute / 1'000'000) +
                          "; Secure; HttpOnly; SameSite=Strict");
    return out;
  }

  HttpResponse Health() {
    const core::Status h = ledger.health();
    if (!h.ok()) return Error(503, "unhealthy", h.message());
    return Json(200, json{{"status", "ok"}, {"events", ledger.size()}});
  }

  HttpResponse Login(const HttpRequest& r) {
    auto f = BodyFields(r, {{"badge", true, 64}, {"pin", true, 64}, {"site", true, 64}});
    if (!f) return FromStatus(f.error());
    const std::string& badge = f->at("badge");
    if (auto throttled = LoginThrottled(r, badge)) return *throttled;
    auto login = desk.Authenticate(badge, f->at("pin"), f->at("site"));
    if (!login) return FromStatus(login.error());
    if (!login->session) return LoginRefused(*login);
    auto opened = sessions.Open(*login->session, SessionTable::Kind::kTerminal);
    if (!opened) return FromStatus(opened.error());
    json j{{"token", opened->token},
           {"badge", login->session->badge()},
           {"site", login->session->site()},
           {"idle_timeout_s", options.sessions.idle / 1'000'000}};
    agency.Read([&](const domain::State& s) {
      if (const auto* person = s.FindPerson(badge)) {
        j["name"] = person->person.name;
        json roles = json::array();
        for (Role role : person->person.roles) roles.push_back(domain::RoleName(role));
        j["roles"] = roles;
      }
    });
    return Json(200, j);
  }

  // The one word the API gives an item's state (ItemJson and WriteItem).
  static std::string_view ItemStateName(const domain::ItemState& i) {
    if (i.quarantined && !i.custody) return "quarantined";
    if (i.returning) return "returning";
    if (i.pending) return "signing_out";
    if (i.custody) return "out";
    return "in";
  }

  json ItemJson(const domain::State& s, const domain::ItemState& i, domain::Micros now) const {
    json j{{"serial", i.item.serial},
           {"type", i.item.type},
           {"home", KeyJson(i.item.home)},
           {"quarantined", i.quarantined}};
    j["state"] = ItemStateName(i);
    if (const domain::ItemType* t = s.FindType(i.item.type)) {
      j["category"] = domain::CategoryName(t->category);
    }
    if (i.charge_percent) j["charge_percent"] = *i.charge_percent;
    if (i.quarantined) j["quarantine_reason"] = i.quarantine_reason;
    if (i.custody) {
      json c{{"badge", i.custody->badge},
             {"since", core::FormatUtcMicros(i.custody->since)},
             {"due", core::FormatUtcMicros(i.custody->due)},
             {"overdue", now >= i.custody->due}};
      if (const auto* p = s.FindPerson(i.custody->badge)) c["name"] = p->person.name;
      j["custody"] = c;
    }
    return j;
  }

  // ItemJson, written straight as text (with `extra`, "reasons" or "requirements", when set):
  // the same bytes, without a tree of nodes. Keys in nlohmann's (sorted) order. t: the item's
  // type, s.FindType(i.item.type), which the caller has at hand.
  void WriteItem(JsonText& w, const domain::State& s, const domain::ItemState& i,
                 const domain::ItemType* t, domain::Micros now, std::string_view extra = {},
                 const std::vector<domain::Reason>* reasons = nullptr) const {
    w.BeginObject();
    if (t != nullptr) {
      w.Key("category");
      w.String(domain::CategoryName(t->category));
    }
    if (i.charge_percent) {
      w.Key("charge_percent");
      w.Int(*i.charge_percent);
    }
    if (i.custody) {
      w.Key("custody");
      w.BeginObject();
      w.Key("badge");
      w.String(i.custody->badge);
      w.Key("due");
      w.String(core::FormatUtcMicros(i.custody->due));
      if (const auto* p = s.FindPerson(i.custody->badge)) {
        w.Key("name");
        w.String(p->person.name);
      }
      w.Key("overdue");
      w.Bool(now >= i.custody->due);
      w.Key("since");
      w.String(core::FormatUtcMicros(i.custody->since));
      w.EndObject();
    }
    w.Key("home");
    w.BeginObject();
    w.Key("bank");
    w.String(i.item.home.bank);
    w.Key("compartment");
    w.String(i.item.home.compartment);
    w.Key("site");
    w.String(i.item.home.site);
    w.EndObject();
    if (i.quarantined) {
      w.Key("quarantine_reason");
      w.String(i.quarantine_reason);
    }
    w.Key("quarantined");
    w.Bool(i.quarantined);
    if (reasons != nullptr) {
      w.Key(extra);
      w.BeginArray();
      for (const domain::Reason& r : *reasons) {
        w.BeginObject();
        w.Key("code");
        w.String(r.code);
        w.Key("sentence");
        w.String(r.sentence);
        w.EndObject();
      }
      w.EndArray();
    }
    w.Key("serial");
    w.String(i.item.serial);
    w.Key("state");
    w.String(ItemStateName(i));
    w.Key("type");
    w.String(i.item.type);
    w.EndObject();
  }

  // Every terminal's first screen, so built as text directly (JsonText) rather than through
  // nlohmann's tree: the same bytes as Json() of {"site", "allowed", "withheld", "held"} with
  // ItemJson items, pinned by api_test.
  HttpResponse Items(const app::Session& who) {
    const domain::Micros now = clock.NowMicros();
    HttpResponse out;
    agency.Read([&](const domain::State& s) {
      const domain::Site* site = s.FindSite(who.site());
      const domain::TimeZone* zone = site != nullptr ? zones(site->timezone) : nullptr;
      const policy::Availability a = policy::ListAvailable(s, who.badge(), who.site(), zone, now);
      JsonText w(1024 + 320 * (a.allowed.size() + a.withheld.size()));  // grows if need be
      w.BeginObject();
      w.Key("allowed");
      w.BeginArray();
      for (const auto& offer : a.allowed) {
        WriteItem(w, s, *offer.item, offer.type, now, "requirements", &offer.decision.requirements);
      }
      w.EndArray();
      w.Key("held");
      w.BeginArray();
      // What I hold, in serial order: a walk of every item, only for someone who holds any, and
      // only until all of them are found.
      int to_find = s.HeldCount(who.badge());
      for (auto it = s.items.begin(); to_find > 0 && it != s.items.end(); ++it) {
        const domain::ItemState& i = it->second;
        if (i.custody && i.custody->badge == who.badge()) {
          WriteItem(w, s, i, s.FindType(i.item.type), now);
          --to_find;
        }
      }
      w.EndArray();
      w.Key("site");
      w.String(who.site());
      w.Key("withheld");
      w.BeginArray();
      for (const auto& offer : a.withheld) {
        WriteItem(w, s, *offer.item, offer.type, now, "reasons", &offer.decision.reasons);
      }
      w.EndArray();
      w.EndObject();
      out.body = w.Take();
    });
    return out;
  }

  // The doors of the terminal's site that the sensors report open: with a sign-out's or return's
  // outcome, what the terminal shows while the officer is at the door.
  HttpResponse Doors(const app::Session& who) {
    const app::CustodyDesk::HardwareView hw = desk.Hardware();
    json open = json::array();
    for (const domain::CompartmentKey& k : hw.doors_open) {
      if (k.site == who.site()) open.push_back(KeyJson(k));
    }
    return Json(200, json{{"site", who.site()}, {"open", open}});
  }

  HttpResponse SignOut(const HttpRequest& r, const app::Session& who) {
    auto f = BodyFields(r, {{"serial"}});
    if (!f) return FromStatus(f.error());
    auto o = desk.SignOut(who, f->at("serial"));
    if (!o) return FromStatus(o.error());
    return OutcomeResponse(*o);
  }

  HttpResponse Return(const HttpRequest& r, const app::Session& who) {
    auto f = BodyFields(r, {{"serial"}, {"problem", false, 1000}});
    if (!f) return FromStatus(f.error());
    auto o = desk.Return(who, f->at("serial"), f->at("problem"));
    if (!o) return FromStatus(o.error());
    return OutcomeResponse(*o);
  }

  HttpResponse Problem(const HttpRequest& r, const app::Session& who) {
    auto f = BodyFields(r, {{"serial"}, {"description", true, 1000}});
    if (!f) return FromStatus(f.error());
    auto o = desk.ReportProblem(who, f->at("serial"), f->at("description"));
    if (!o) return FromStatus(o.error());
    return OutcomeResponse(*o);
  }

  HttpResponse Handover(const HttpRequest& r, const app::Session& from) {
    auto f = BodyFields(r, {{"serial"}, {"receiver_token", true, 64}});
    if (!f) return FromStatus(f.error());
    // The receiver proves presence by logging in at the same terminal's site with their own badge
    // and PIN; their session's token is what the giver's terminal sends.
    const std::optional<SessionTable::Live> to = sessions.Use(f->at("receiver_token"));
    if (!to || to->kind != SessionTable::Kind::kTerminal) {
      return Error(400, "invalid_argument",
                   "receiver_token: the receiver's session has ended: they must log in at this "
                   "terminal");
    }
    if (to->session.site() != from.site() || to->session.badge() == from.badge()) {
      return Error(400, "invalid_argument",
                   "receiver_token: the receiver must be someone else, logged in at this site");
    }
    auto o = desk.Handover(from, to->session, f->at("serial"));
    if (!o) return FromStatus(o.error());
    return OutcomeResponse(*o);
  }

  HttpResponse Item(const app::Session& who, const std::string& serial) {
    const domain::Micros now = clock.NowMicros();
    std::optional<HttpResponse> out;
    agency.Read([&](const domain::State& s) {
      const domain::ItemState* i = s.FindItem(serial);
      // An item outside the caller's sites is as unknown as one that does not exist.
      if (i == nullptr || !HasRoleAt(s, who, kStaffRoles, i->item.home.site)) {
        out = Error(404, "not_found", "no item \"" + serial + "\" at your sites");
        return;
      }
      out = Json(200, ItemJson(s, *i, now));
    });
    return *out;
  }

  HttpResponse Board(const app::Session& who) {
    const domain::Micros now = clock.NowMicros();
    json rows = json::array();
    agency.Read([&](const domain::State& s) {
      std::vector<const domain::ItemState*> out;
      for (const auto& [serial, i] : s.items) {
        if (i.custody && HasRoleAt(s, who, kBoardRoles, i.item.home.site)) out.push_back(&i);
      }
      std::sort(out.begin(), out.end(), [&](const auto* a, const auto* b) {
        const bool ao = now >= a->custody->due, bo = now >= b->custody->due;
        if (ao != bo) return ao;
        return a->custody->due < b->custody->due;
      });
      for (const auto* i : out) rows.push_back(ItemJson(s, *i, now));
    });
    return Json(200, json{{"items", rows}});
  }

  HttpResponse LedgerStatus() {
    json j{{"events", ledger.size()},
           {"root", core::HexEncode(core::ByteSpan(ledger.root()))},
           {"origin", ledger.meta().origin},
           {"public_key", ledger.verifier().VerifierKey()}};
    // The checkpoints kept in the history (signed on request and every few thousand events):
    // what an auditor compares a copy against.
    auto history = store.CheckpointHistory();
    if (!history) return FromStatus(history.error());
    j["checkpoints_kept"] = history->size();
    if (!history->empty()) {
      j["last_checkpoint"] = json{{"size", history->back().size}, {"note", history->back().note}};
    }
    return Json(200, j);
  }

  // Recomputes everything the ledger holds (ledger::VerifyStore: every hash, the chain, the Merkle
  // nodes, every stored checkpoint's signature) — the dashboard's "Verify now". One at a time.
  HttpResponse VerifyLedger() {
    std::unique_lock running(verify_mu, std::try_to_lock);
    if (!running.owns_lock()) {
      return Error(429, "busy", "a verification is already running: try again when it ends");
    }
    const auto start = std::chrono::steady_clock::now();
    const ledger::VerifyReport report = ledger::VerifyStore(store, ledger.verifier(), std::nullopt);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    json j{{"ok", report.status.ok()}, {"events", report.events}, {"seconds", seconds}};
    if (report.status.ok()) {
      j["root"] = core::HexEncode(core::ByteSpan(report.root));
    } else {
      j["problem"] = report.status.message();
      if (report.first_bad_index) j["first_bad_index"] = *report.first_bad_index;
    }
    return Json(200, j);
  }

  HttpResponse Events(const HttpRequest& r, const Caller& caller);
  HttpResponse Audit(const HttpRequest& r, const Caller& caller);

  // staff_api.cc: the staff's reads and actions.
  // Whether the caller, with one of `roles`, sees what happens at `site` ("": about no one site —
  // every site's staff (all_sites), admins and auditors).
  bool SeesSite(const domain::State& s, const app::Session& who, const std::set<Role>& roles,
                const std::string& site) const;
  HttpResponse Alerts(const HttpRequest& r, const app::Session& who);
  json SiteJson(const domain::State& s, const domain::Site& site,
                const app::CustodyDesk::HardwareView& hw, domain::Micros now,
                bool with_compartments) const;
  HttpResponse Sites(const app::Session& who);
  HttpResponse Site(const app::Session& who, const std::string& code);
  // Whether the caller oversees someone working at one of their sites (an all-sites person: only
  // agency-wide overseers).
  bool OverseesPerson(const domain::State& s, const app::Session& who,
                      const domain::PersonState& p) const;
  HttpResponse People(const HttpRequest& r, const app::Session& who);
  HttpResponse Certifications(const HttpRequest& r, const app::Session& who);
  HttpResponse Overdue(const app::Session& who);
  HttpResponse Stats(const HttpRequest& r, const app::Session& who);
  HttpResponse Tokens();
  HttpResponse Import(const HttpRequest& r, const app::Session& who, const std::string& kind);
  HttpResponse Checkpoint();
  HttpResponse Proof(const HttpRequest& r);
  HttpResponse Consistency(const HttpRequest& r);
  HttpResponse IssueToken(const HttpRequest& r, const app::Session& who);
  HttpResponse RevokeToken(const app::Session& who, const std::string& name);
  HttpResponse RecordService(const HttpRequest& r, const app::Session& who,
                             const std::string& serial);
  HttpResponse Quarantine(const HttpRequest& r, const app::Session& who, const std::string& serial);
  HttpResponse Release(const app::Session& who, const std::string& badge);
  HttpResponse OpenForService(const HttpRequest& r, const app::Session& who);

  // Emergency modes from the dashboard: one person asks, a second approves within kAskValid.
  struct EmergencyAsk {
    uint64_t id;
    app::Session first;
    std::string site, bank, mode, reason;
    domain::Micros asked = 0;
  };
  static constexpr domain::Micros kAskValid = 5LL * 60 * 1'000'000;
  std::mutex asks_mu;
  std::map<uint64_t, EmergencyAsk> asks;  // under asks_mu
  uint64_t next_ask = 1;                  // under asks_mu
  json AskJson(const EmergencyAsk& a) const;
  HttpResponse AskEmergency(const HttpRequest& r, const app::Session& who);
  HttpResponse Emergency(const app::Session& who);
  HttpResponse ApproveEmergency(const app::Session& who, const std::string& id);
  HttpResponse AcknowledgeAlert(const HttpRequest& r, const app::Session& who,
                                const std::string& index);
};

}  // namespace custodian::api
