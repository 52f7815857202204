// Api: the REST/JSON API under /api/v1 and its route table (docs/openapi.yaml documents it; a test
// checks the two agree). Pure request → response mapping on top of the app layer: no sockets, so
// tests and the fuzz target call Handle() directly, and HttpServer serves it.
//
// Authentication: POST /api/v1/terminal/login with badge, PIN and site gives a bearer token
// (SessionTable: 60 s idle, 12 h at most, gone after logout or restart); POST
// /api/v1/staff/login with badge, password and one-time code sets a session cookie (Secure,
// HttpOnly, SameSite=Strict) and returns a CSRF token that every cookie-authenticated request
// other than GET must echo in X-CSRF-Token. Authorization: each route names who may call it
// (anyone; any session; terminal sessions; or a set of staff roles), and data is limited to the
// caller's site scope. Every refusal the desk makes is already an access.denied event.
//
// Errors: {"error": {"code": "…", "message": "one sentence"}} with the status of the Status code
// (InvalidArgument 400, NotFound 404, FailedPrecondition 409, PermissionDenied 403, Unavailable
// 503, …); JSON bodies are checked field by field and the message names the field.
//
// Thread-safety: Handle may be called from any thread.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/rate_limiter.h"
#include "api/sessions.h"
#include "app/agency.h"
#include "app/api_tokens.h"
#include "app/custody_desk.h"
#include "app/importer.h"
#include "app/staff_logins.h"
#include "core/clock.h"
#include "ledger/ledger.h"
#include "ledger/ledger_store.h"

namespace custodian::api {

// Who may call a route.
enum class Access {
  kPublic,    // anyone (health, login)
  kSession,   // any live session
  kTerminal,  // a session opened at a terminal (badge + PIN)
  kStaff,     // a session whose person has one of Route::roles at the site in question
};

// Where a route's handler runs (HttpServer's may_block): on the connection's event loop, or on
// the pool for handlers that may keep their thread waiting.
enum class Runs {
  kByMethod,  // GET and HEAD on the loop (they answer from memory); every other method on the pool
              // (PIN and password checks, ledger commits)
  kOnPool,    // on the pool: a read that goes to the ledger's store (or writes a checkpoint)
};

struct Route {
  std::string_view method;
  std::string_view pattern;  // "/api/v1/items/{serial}"
  Access access;
  std::set<domain::Role> roles;  // for kStaff
  std::string_view summary;
  Runs runs = Runs::kByMethod;
};

// The session cookie of staff logins.
inline constexpr std::string_view kSessionCookie = "custodian_session";

// The route table, in the order it is matched and documented.
const std::vector<Route>& Routes();

struct ApiOptions {
  SessionTable::Limits sessions;
  // Login attempts (terminal and dashboard): per client address, and per badge. Beyond them: 429
  // with Retry-After, before any PIN or password is checked.
  RateLimiter::Limits logins_per_address{30, 30, 100'000};
  RateLimiter::Limits logins_per_badge{10, 10, 100'000};
  size_t max_events_per_poll = 500;  // an event stream sends at most this many at once
};

class Api {
 public:
  Api(app::Agency& agency, app::CustodyDesk& desk, app::StaffLogins& staff, app::ApiTokens& tokens,
      app::Importer& importer, ledger::Ledger& ledger, ledger::LedgerStore& store,
      const core::Clock& clock, app::CustodyDesk::ZoneLookup zones, ApiOptions options);
  ~Api();

  HttpResponse Handle(const HttpRequest& request);
  // Whether answering the request may keep its thread waiting (HttpServer's may_block): every
  // method but GET and HEAD, and the routes marked Runs::kOnPool in the table (reads that go to
  // the ledger's store). A GET that matches no route does not.
  static bool MayBlock(const HttpRequest& request);

  struct Impl;  // public only so that api.cc's event stream can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace custodian::api
