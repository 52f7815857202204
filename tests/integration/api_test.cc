// The HTTP/JSON API over real HTTP on loopback: api::Api served by api::HttpServer, on a real
// SQLite ledger and vault, real Argon2id (cheapest parameters) and the system tzdb. The lockers
// are the recording fake (the simulator end to end is serve_e2e_test.cc): what the hardware sees is
// reported to the desk by the test.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "api/api.h"
#include "api/http_server.h"
#include "app/agency.h"
#include "app/custody_desk.h"
#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "policy/policy.h"
#include "store/argon2_pins.h"
#include "store/import_env.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/system_random.h"
#include "store/tls_certificate.h"
#include "store/totp.h"
#include "store/tzdb_zones.h"
#include "testing/fake_locker_controller.h"
#include "testing/http_client.h"
#include "testing/ledger_fixture.h"
#include "testing/temp_dir.h"

namespace custodian {
namespace {

using domain::CompartmentKey;
using domain::Micros;
using domain::Role;
using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;

constexpr Micros kSecond = 1'000'000;
constexpr Micros kTuesdayMorning = 1'795'532'400LL * kSecond;  // 10:00 in New York

const CompartmentKey kRadioBay{"HQ", "A", "1"};
const CompartmentKey kCewBay{"HQ", "A", "2"};
const CompartmentKey kNorthBay{"NORTH", "A", "1"};
const std::string kRadioTag = "E28011700000020000000001";
const std::string kCewTag = "E28011700000020000000002";
const std::string kNorthTag = "E28011700000020000000003";

domain::Person MakePerson(std::string badge, std::set<Role> roles, std::set<std::string> sites,
                          std::map<std::string, domain::Date> certs = {}) {
  domain::Person p;
  p.badge = badge;
  p.name = "Person " + badge;
  p.roles = std::move(roles);
  p.all_sites = sites.count("*") > 0;
  if (!p.all_sites) p.sites = std::move(sites);
  p.certifications = std::move(certs);
  return p;
}

std::vector<domain::DomainEvent> World() {
  using namespace domain;
  const Date valid = *ParseDate("2027-06-30");
  const Date expired = *ParseDate("2026-11-01");
  return {
      SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
      SiteDefined{{"NORTH", "North Station", "America/Chicago"}},
      CompartmentDefined{{kRadioBay, CompartmentSize::kSmall, {Feature::kRfid}}},
      CompartmentDefined{{kCewBay, CompartmentSize::kSmall, {Feature::kRfid}}},
      CompartmentDefined{{kNorthBay, CompartmentSize::kSmall, {Feature::kRfid}}},
      ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, false, 0, 0}},
      ItemTypeDefined{{"CEW", Category::kLessLethal, {"CEW"}, 10, false, false, 0, 0}},
      ItemDefined{{"R-1", "RADIO", kRadioTag, kRadioBay, 0}},
      ItemDefined{{"T-7", "CEW", kCewTag, kCewBay, 0}},
      ItemDefined{{"N-1", "RADIO", kNorthTag, kNorthBay, 0}},
      PersonDefined{MakePerson("1001", {Role::kOfficer}, {"HQ"}, {{"CEW", valid}}), true},
      PersonDefined{MakePerson("1002", {Role::kOfficer}, {"HQ"}, {{"CEW", expired}}), true},
      PersonDefined{MakePerson("2001", {Role::kSupervisor}, {"HQ"}), true},
      PersonDefined{MakePerson("3001", {Role::kArmorer}, {"*"}), true},
      PersonDefined{MakePerson("5001", {Role::kAdmin}, {"*"}), true},
      PersonDefined{MakePerson("6001", {Role::kAuditor}, {"*"}), true},
      PersonDefined{MakePerson("7001", {Role::kEmergency}, {"HQ"}), true},
      PersonDefined{MakePerson("8001", {Role::kEvidenceCustodian}, {"HQ"}), true},
      PersonDefined{MakePerson("9001", {Role::kOfficer}, {"NORTH"}), true},
  };
}
const std::string kPassword = "correct horse battery";
const std::string kSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const char* const kBadges[] = {"1001", "1002", "2001", "3001", "5001",
                               "6001", "7001", "8001", "9001"};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(api::ServerOptions options) {
    f_.clock().Set(kTuesdayMorning);
    ASSERT_TRUE(f_.Open().ok());
    auto a = app::Agency::Open(f_.ledger(), f_.store());
    ASSERT_TRUE(a) << a.error().ToString();
    agency_ = std::move(*a);
    ASSERT_TRUE(agency_->Record("admin:test", World()).ok());
    auto v = store::SqliteCredentialVault::Open(f_.dir().file("credentials.db"));
    ASSERT_TRUE(v) << v.error().ToString();
    vault_ = std::move(*v);
    std::vector<std::pair<std::string, std::string>> pins;
    for (const char* badge : kBadges) {
      pins.emplace_back(badge, *hasher_.Hash(std::string(badge) + "9"));  // PIN: badge + "9"
    }
    ASSERT_TRUE(vault_->PutPinHashes(pins).ok());
    auto zones = [](std::string_view name) -> const domain::TimeZone* {
      auto z = store::FindZone(name);
      return z ? *z : nullptr;
    };
    desk_ = std::make_unique<app::CustodyDesk>(*agency_, controller_, *vault_, hasher_, f_.clock(),
                                               zones);
    staff_ = std::make_unique<app::StaffLogins>(*agency_, *vault_, hasher_, totp_, f_.clock());
    for (const char* badge : {"2001", "6001"}) {
      ASSERT_TRUE(staff_->Enroll("admin:test", badge, kPassword, kSecret));
    }
    tokens_ = std::make_unique<app::ApiTokens>(*agency_, *vault_, random_, f_.clock());
    importer_ =
        std::make_unique<app::Importer>(*agency_, *vault_, hasher_, store::MachineImportEnv());
    api_ = std::make_unique<api::Api>(*agency_, *desk_, *staff_, *tokens_, *importer_, f_.ledger(),
                                      f_.store(), f_.clock(), zones, api_options_);
    auto s = api::HttpServer::Start(options,
                                    [this](const api::HttpRequest& r) { return api_->Handle(r); });
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = std::move(*s);
    agency_->SetOnRecorded([this] { server_->Notify(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (agency_) agency_->SetOnRecorded(nullptr);
  }

  HttpClient Client() const { return HttpClient(server_->port()); }

  // A client logged in at a terminal of `site` as `badge`.
  HttpClient As(const std::string& badge, const std::string& site = "HQ") {
    HttpClient c = Client();
    const HttpResult r =
        c.Post("/api/v1/terminal/login",
               json{{"badge", badge}, {"pin", badge + "9"}, {"site", site}}.dump());
    EXPECT_EQ(r.status, 200) << badge << ": " << r.body << r.error;
    if (r.status == 200) c.SetToken(json::parse(r.body).at("token").get<std::string>());
    return c;
  }

  std::vector<std::string> KindsSince(uint64_t from) {
    std::vector<std::string> kinds;
    EXPECT_TRUE(f_.store()
                    .ScanEvents(from, UINT64_MAX,
                                [&](uint64_t, core::ByteSpan record) {
                                  auto e = ledger::ParseEvent(record);
                                  if (e) kinds.emplace_back(e->kind);
                                  return true;
                                })
                    .ok());
    return kinds;
  }

  void Door(const CompartmentKey& c, bool closed, std::vector<std::string> tags) {
    app::CompartmentReading r;
    r.compartment = c;
    r.door_closed = closed;
    r.tags = std::move(tags);
    ASSERT_TRUE(desk_->OnReading(r).ok());
  }

  // 1001 signs out the radio R-1 and the CEW T-7 and takes both (custody begins now).
  void TakeRadioAndCew() {
    HttpClient officer = As("1001");
    for (const auto& [serial, bay, tag] :
         {std::tuple{"R-1", kRadioBay, kRadioTag}, std::tuple{"T-7", kCewBay, kCewTag}}) {
      ASSERT_EQ(officer.Post("/api/v1/terminal/signout", json{{"serial", serial}}.dump()).status,
                200);
      Door(bay, false, {tag});
      Door(bay, true, {});
    }
  }

  static json Body(const HttpResult& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
    return j;
  }
  static std::string ErrorMessage(const HttpResult& r) {
    json j = Body(r);
    return j.contains("error") ? j["error"].value("message", "") : "";
  }

  testing::LedgerFixture f_{"agency"};
  std::unique_ptr<app::Agency> agency_;
  std::unique_ptr<store::SqliteCredentialVault> vault_;
  store::Argon2PinHasher hasher_{store::Argon2PinHasher::Cheapest()};
  testing::FakeLockerController controller_;
  std::unique_ptr<app::CustodyDesk> desk_;
  store::Totp totp_;
  std::unique_ptr<app::StaffLogins> staff_;
  store::SystemRandom random_;
  std::unique_ptr<app::ApiTokens> tokens_;
  std::unique_ptr<app::Importer> importer_;
  std::unique_ptr<api::Api> api_;
  api::ApiOptions api_options_;
  std::unique_ptr<api::HttpServer> server_;
};

// ---- the basics -------------------------------------------------------------------------------

TEST_F(ApiTest, HealthSaysHowManyEventsTheLedgerHolds) {
  const HttpResult r = Client().Get("/healthz");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(Body(r)["events"], f_.ledger().size());
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("cache-control"), "no-store");
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatusInPrometheusFormat) {
  EXPECT_EQ(Client().Get("/healthz").status, 200);
  EXPECT_EQ(Client().Get("/healthz").status, 200);
  EXPECT_EQ(Client().Get("/api/v1/custody").status, 401);
  EXPECT_EQ(Client().Get("/nowhere").status, 404);
  const HttpResult m = Client().Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(m.body,
              ::testing::HasSubstr(
                  "custodian_http_requests_total{route=\"GET /healthz\",code=\"2xx\"} 2\n"));
  EXPECT_THAT(m.body, ::testing::HasSubstr("custodian_http_requests_total{route=\"GET "
                                           "/api/v1/custody\",code=\"4xx\"} 1\n"));
  EXPECT_THAT(m.body, ::testing::HasSubstr(
                          "custodian_http_requests_total{route=\"none\",code=\"4xx\"} 1\n"));
  EXPECT_THAT(m.body, ::testing::HasSubstr("custodian_ledger_events " +
                                           std::to_string(f_.ledger().size()) + "\n"));
  EXPECT_THAT(m.body, ::testing::HasSubstr("custodian_items{state=\"out\"} 0\n"));
}

TEST_F(ApiTest, UnknownPathsAndMethodsAreNamedIn404And405) {
  const HttpResult missing = Client().Get("/api/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorMessage(missing), "no such endpoint: /api/v1/nothing-here");
  const HttpResult wrong = Client().Send("DELETE", "/healthz", "", {});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(ErrorMessage(wrong), "DELETE is not allowed on /healthz");
}

// ---- terminal login ---------------------------------------------------------------------------

TEST_F(ApiTest, AWrongPinIs401WithTheTerminalsSentenceAndALedgerEvent) {
  const uint64_t before = f_.ledger().size();
  const HttpResult r =
      Client().Post("/api/v1/terminal/login", R"({"badge":"1001","pin":"0000","site":"HQ"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["error"]["code"], "wrong_pin");
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("login.failed"));
}

TEST_F(ApiTest, ALoginGivesA256BitTokenThatLogoutEnds) {
  HttpClient officer = As("1001");
  EXPECT_EQ(officer.Get("/api/v1/terminal/items").status, 200);
  EXPECT_EQ(officer.Post("/api/v1/terminal/logout", "{}").status, 200);
  const HttpResult after = officer.Get("/api/v1/terminal/items");
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(ErrorMessage(after), "the session has ended: log in again");
}

TEST_F(ApiTest, TheTokenIs64HexDigits) {
  const HttpResult r =
      Client().Post("/api/v1/terminal/login", R"({"badge":"1001","pin":"10019","site":"HQ"})");
  ASSERT_EQ(r.status, 200);
  const std::string token = Body(r)["token"];
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(ApiTest, ATerminalSessionEndsAfter60SecondsIdle) {
  HttpClient officer = As("1001");
  f_.clock().Advance(59 * kSecond);
  EXPECT_EQ(officer.Get("/api/v1/terminal/items").status, 200);  // used: the 60 s start again
  f_.clock().Advance(59 * kSecond);
  EXPECT_EQ(officer.Get("/api/v1/terminal/items").status, 200);
  f_.clock().Advance(60 * kSecond);
  EXPECT_EQ(officer.Get("/api/v1/terminal/items").status, 401);
}

TEST_F(ApiTest, NoTokenOrAMadeUpOneIs401WithWwwAuthenticate) {
  const HttpResult none = Client().Get("/api/v1/terminal/items");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers.at("www-authenticate"), "Bearer");
  HttpClient forger = Client();
  forger.SetToken(std::string(64, 'a'));
  EXPECT_EQ(forger.Get("/api/v1/terminal/items").status, 401);
}

// ---- the terminal's work ----------------------------------------------------------------------

TEST_F(ApiTest, AnOfficerSeesWhatTheyMayTakeAndWhatIsWithheldWithTheReason) {
  const HttpResult r = As("1002").Get("/api/v1/terminal/items");
  ASSERT_EQ(r.status, 200);
  const json j = Body(r);
  ASSERT_EQ(j["allowed"].size(), 1u);
  EXPECT_EQ(j["allowed"][0]["serial"], "R-1");
  ASSERT_EQ(j["withheld"].size(), 1u);
  EXPECT_EQ(j["withheld"][0]["serial"], "T-7");
  EXPECT_EQ(j["withheld"][0]["reasons"][0]["code"], "certification_expired");
  EXPECT_THAT(j["withheld"][0]["reasons"][0]["sentence"].get<std::string>(),
              ::testing::HasSubstr("certification"));
}

TEST_F(ApiTest, SignOutOpensTheDoorAndCustodyBeginsWhenTheItemLeft) {
  HttpClient officer = As("1001");
  const HttpResult r = officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["granted"], true);
  EXPECT_EQ(Body(r)["compartment"], (json{{"site", "HQ"}, {"bank", "A"}, {"compartment", "1"}}));
  ASSERT_EQ(controller_.commands().size(), 1u);
  EXPECT_EQ(controller_.commands()[0].what, "unlock");
  EXPECT_TRUE(Body(officer.Get("/api/v1/terminal/doors"))["open"].empty());
  Door(kRadioBay, false, {kRadioTag});
  // The terminal follows the door: open now, closed again below.
  EXPECT_EQ(Body(officer.Get("/api/v1/terminal/doors")),
            (json{{"site", "HQ"},
                  {"open", json::array({{{"site", "HQ"}, {"bank", "A"}, {"compartment", "1"}}})}}));
  Door(kRadioBay, true, {});
  EXPECT_TRUE(Body(officer.Get("/api/v1/terminal/doors"))["open"].empty());
  const json held = Body(officer.Get("/api/v1/terminal/items"))["held"];
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0]["serial"], "R-1");
  EXPECT_EQ(held[0]["state"], "out");
  EXPECT_EQ(held[0]["custody"]["badge"], "1001");

  const HttpResult back = officer.Post("/api/v1/terminal/return", R"({"serial":"R-1"})");
  ASSERT_EQ(back.status, 200) << back.body;
  Door(kRadioBay, false, {});
  Door(kRadioBay, true, {kRadioTag});
  EXPECT_TRUE(Body(officer.Get("/api/v1/terminal/items"))["held"].empty());
}

// GET /api/v1/terminal/items as it was built with nlohmann::json's tree (the response is now
// written as text directly): the specification its bytes are checked against.
json ReferenceItemJson(const domain::State& s, const domain::ItemState& i, Micros now) {
  auto key = [](const CompartmentKey& k) {
    return json{{"site", k.site}, {"bank", k.bank}, {"compartment", k.compartment}};
  };
  json j{{"serial", i.item.serial},
         {"type", i.item.type},
         {"home", key(i.item.home)},
         {"quarantined", i.quarantined}};
  std::string state = "in";
  if (i.custody) state = "out";
  if (i.pending) state = "signing_out";
  if (i.returning) state = "returning";
  if (i.quarantined && !i.custody) state = "quarantined";
  j["state"] = state;
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

std::string ReferenceItems(const domain::State& s, const std::string& badge,
                           const std::string& site, Micros now) {
  auto reasons = [](const std::vector<domain::Reason>& rs) {
    json a = json::array();
    for (const auto& r : rs) a.push_back({{"code", r.code}, {"sentence", r.sentence}});
    return a;
  };
  const domain::Site* st = s.FindSite(site);
  auto zone = st != nullptr ? store::FindZone(st->timezone) : nullptr;
  const policy::Availability a =
      policy::ListAvailable(s, badge, site, zone && *zone ? *zone : nullptr, now);
  json allowed = json::array();
  for (const auto& offer : a.allowed) {
    json o = ReferenceItemJson(s, *s.FindItem(offer.serial), now);
    o["requirements"] = reasons(offer.decision.requirements);
    allowed.push_back(std::move(o));
  }
  json withheld = json::array();
  for (const auto& offer : a.withheld) {
    json o = ReferenceItemJson(s, *s.FindItem(offer.serial), now);
    o["reasons"] = reasons(offer.decision.reasons);
    withheld.push_back(std::move(o));
  }
  json held = json::array();
  for (const auto& [serial, i] : s.items) {
    if (i.custody && i.custody->badge == badge) held.push_back(ReferenceItemJson(s, i, now));
  }
  return json{{"site", site}, {"allowed", allowed}, {"withheld", withheld}, {"held", held}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

TEST_F(ApiTest, TerminalItemsAreTheSameBytesTheJsonTreeWrote) {
  using namespace domain;
  std::vector<DomainEvent> more;
  auto bay = [](int n) { return CompartmentKey{"HQ", "A", std::to_string(n)}; };
  for (int n = 3; n <= 8; ++n) {
    more.push_back(CompartmentDefined{{bay(n), CompartmentSize::kSmall, {Feature::kRfid}}});
  }
  more.push_back(ItemTypeDefined{{"LONG", Category::kOther, {}, 8, true, false, 0, 0}});
  auto item = [&](const std::string& serial, const std::string& type, int n) {
    more.push_back(
        ItemDefined{{serial, type, "E2801170000002000000010" + std::to_string(n), bay(n), 0}});
  };
  item("R-2", "RADIO", 3);
  item("R-3", "RADIO", 4);
  item("R-4", "RADIO", 5);
  item("R-5", "RADIO", 6);
  item("R-6", "RADIO", 7);
  item("L-1", "LONG", 8);
  domain::Person ana =
      MakePerson("1001", {Role::kOfficer}, {"HQ"}, {{"CEW", *ParseDate("2027-06-30")}});
  ana.name = "Zoë \"Q\" O'Hara\t\\ de la Peña\n";  // escapes and UTF-8 in a string of the answer
  more.push_back(PersonDefined{ana, false});
  const Micros now = f_.clock().NowMicros();
  more.push_back(ChargeObserved{"R-2", 55});
  more.push_back(SignOutGranted{"1001", "R-3", bay(4), "", "", "", {}});
  more.push_back(ItemSignedOut{"1001", "R-3", now - kSecond});  // overdue
  more.push_back(SignOutGranted{"1001", "R-4", bay(5), "", "", "", {}});
  more.push_back(ItemSignedOut{"1001", "R-4", now + 3600 * kSecond});
  more.push_back(ReturnStarted{"1001", "R-4", bay(5)});
  more.push_back(ProblemReported{"2001", "R-5", "cracked \"antenna\"\r\nand \x01 odd"});
  more.push_back(SignOutGranted{"2001", "R-6", bay(7), "", "", "", {}});  // not listed: pending
  const core::Status recorded = agency_->Record("admin:test", more);
  ASSERT_TRUE(recorded.ok()) << recorded.ToString();

  const HttpResult r = As("1001").Get("/api/v1/terminal/items");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string expected = ReferenceItems(agency_->Snapshot(), "1001", "HQ", now);
  EXPECT_EQ(r.body, expected);
  // Every case above is in it.
  const json j = Body(r);
  EXPECT_EQ(j["held"].size(), 2u);
  EXPECT_FALSE(j["allowed"].empty());
  EXPECT_FALSE(j["withheld"].empty());
  EXPECT_NE(r.body.find("\"requirements\":[{"), std::string::npos);
  EXPECT_NE(r.body.find("\"charge_percent\":55"), std::string::npos);
  EXPECT_NE(r.body.find("\"state\":\"quarantined\""), std::string::npos);
  EXPECT_NE(r.body.find("\"state\":\"returning\""), std::string::npos);
  EXPECT_NE(r.body.find("\"overdue\":true"), std::string::npos);
  EXPECT_NE(r.body.find("\\u0001"), std::string::npos);
}

TEST_F(ApiTest, ADeniedSignOutIs403WithItsReasonsAndAnAccessDeniedEvent) {
  HttpClient lapsed = As("1002");
  const uint64_t before = f_.ledger().size();
  const HttpResult r = lapsed.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Body(r)["granted"], false);
  EXPECT_EQ(Body(r)["reasons"][0]["code"], "certification_expired");
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("access.denied"));
  EXPECT_TRUE(controller_.commands().empty());
}

TEST_F(ApiTest, AProblemReportQuarantinesTheItem) {
  HttpClient officer = As("1001");
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  Door(kRadioBay, false, {kRadioTag});
  Door(kRadioBay, true, {});
  const HttpResult r = officer.Post("/api/v1/terminal/problem",
                                    R"({"serial":"R-1","description":"antenna snapped"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json item = Body(As("2001").Get("/api/v1/items/R-1"));
  EXPECT_EQ(item["quarantined"], true);
  EXPECT_EQ(item["quarantine_reason"], "antenna snapped");
}

TEST_F(ApiTest, AHandoverNeedsTheReceiverLoggedInAtTheSameTerminalAndAllowedToHoldIt) {
  HttpClient giver = As("1001");
  ASSERT_EQ(giver.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 200);
  Door(kCewBay, false, {kCewTag});
  Door(kCewBay, true, {});
  ASSERT_EQ(giver.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  Door(kRadioBay, false, {kRadioTag});
  Door(kRadioBay, true, {});
  const HttpResult receiver =
      Client().Post("/api/v1/terminal/login", R"({"badge":"1002","pin":"10029","site":"HQ"})");
  const std::string token = Body(receiver)["token"];
  // 1002's CEW certification has expired: the policy refuses them the CEW …
  const HttpResult refused = giver.Post("/api/v1/terminal/handover",
                                        json{{"serial", "T-7"}, {"receiver_token", token}}.dump());
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Body(refused)["reasons"][0]["code"], "certification_expired");
  // … but not the radio.
  const HttpResult handed = giver.Post("/api/v1/terminal/handover",
                                       json{{"serial", "R-1"}, {"receiver_token", token}}.dump());
  EXPECT_EQ(handed.status, 200) << handed.body;
  EXPECT_EQ(Body(As("6001").Get("/api/v1/items/R-1"))["custody"]["badge"], "1002");
  EXPECT_EQ(Body(As("6001").Get("/api/v1/items/T-7"))["custody"]["badge"], "1001");
  // Not to oneself, and not with a made-up token.
  const std::string own = Body(Client().Post(
      "/api/v1/terminal/login", R"({"badge":"1001","pin":"10019","site":"HQ"})"))["token"];
  EXPECT_EQ(giver
                .Post("/api/v1/terminal/handover",
                      json{{"serial", "T-7"}, {"receiver_token", own}}.dump())
                .status,
            400);
  const HttpResult forged =
      giver.Post("/api/v1/terminal/handover",
                 json{{"serial", "T-7"}, {"receiver_token", std::string(64, 'f')}}.dump());
  EXPECT_EQ(forged.status, 400);
  EXPECT_THAT(ErrorMessage(forged), ::testing::HasSubstr("receiver_token"));
}

// ---- bad input: a clear 4xx, nothing changed but an event at most ------------------------------

TEST_F(ApiTest, BadBodiesAreRefusedNamingTheField) {
  HttpClient officer = As("1001");
  const uint64_t before = f_.ledger().size();
  struct Case {
    std::string body;
    std::string content_type;
    std::string message;
  };
  const Case cases[] = {
      {"{\"serial\":", "application/json", "the body is not valid JSON"},
      {"[1,2]", "application/json", "the body must be a JSON object"},
      {"{}", "application/json", "serial: missing"},
      {R"({"serial":7})", "application/json", "serial: must be a string"},
      {R"({"serial":""})", "application/json", "serial: empty"},
      {R"({"serial":"R-1","colour":"red"})", "application/json", "colour: unknown field"},
      {R"({"serial":"R-1"})", "text/plain",
       "the body must be JSON (Content-Type: application/json)"},
  };
  for (const Case& c : cases) {
    const HttpResult r = officer.Send("POST", "/api/v1/terminal/signout", c.body,
                                      {{"Content-Type", c.content_type}});
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(ErrorMessage(r), c.message) << c.body;
  }
  EXPECT_TRUE(KindsSince(before).empty());
  EXPECT_TRUE(controller_.commands().empty());
}

TEST_F(ApiTest, AnOversizedBodyIs413AndAnOversizedHeaderIs431) {
  HttpClient officer = As("1001");
  const std::string big = R"({"serial":")" + std::string(70 * 1024, 'x') + "\"}";
  EXPECT_EQ(officer.Post("/api/v1/terminal/signout", big).status, 413);
  EXPECT_EQ(officer.Get("/healthz", {{"X-Padding", std::string(9 * 1024, 'p')}}).status, 431);
  EXPECT_TRUE(controller_.commands().empty());
}

TEST_F(ApiTest, MalformedHttpIs400) {
  const HttpResult r =
      Client().Raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  const HttpResult target = Client().Raw("GET healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(target.status, 400);
  EXPECT_THAT(target.body, ::testing::HasSubstr("must start with '/'"));
}

// ---- roles and sites --------------------------------------------------------------------------

TEST_F(ApiTest, StaffRoutesRefuseOfficersAndShowOnlyTheCallersSites) {
  HttpClient officer = As("1001");
  const HttpResult refused = officer.Get("/api/v1/custody");
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(ErrorMessage(refused), ::testing::HasSubstr("supervisor"));
  HttpClient supervisor = As("2001");  // HQ only
  EXPECT_EQ(supervisor.Get("/api/v1/items/R-1").status, 200);
  EXPECT_EQ(supervisor.Get("/api/v1/items/N-1").status, 404);  // NORTH: not theirs to see
  EXPECT_EQ(As("6001").Get("/api/v1/items/N-1").status, 200);  // the auditor sees every site
}

TEST_F(ApiTest, TheCustodyBoardListsItemsOutOverdueFirst) {
  HttpClient officer = As("1001");
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  Door(kRadioBay, false, {kRadioTag});
  Door(kRadioBay, true, {});
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 200);
  Door(kCewBay, false, {kCewTag});
  Door(kCewBay, true, {});
  f_.clock().Advance(11 * 3600 * kSecond);  // the CEW (10 h) is overdue, the radio (12 h) not
  const json board = Body(As("2001").Get("/api/v1/custody"))["items"];
  ASSERT_EQ(board.size(), 2u);
  EXPECT_EQ(board[0]["serial"], "T-7");
  EXPECT_EQ(board[0]["custody"]["overdue"], true);
  EXPECT_EQ(board[1]["serial"], "R-1");
  EXPECT_EQ(board[1]["custody"]["overdue"], false);
}

// ---- server-sent events -----------------------------------------------------------------------

TEST_F(ApiTest, TheEventStreamShowsASignOutWithinASecond) {
  const HttpResult login =
      Client().Post("/api/v1/terminal/login", R"({"badge":"2001","pin":"20019","site":"HQ"})");
  const std::string token = Body(login)["token"];
  testing::EventCollector stream(server_->port(), token);
  HttpClient officer = As("1001");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  EXPECT_TRUE(stream.WaitFor([](const auto& e) { return e.event == "signout.granted"; },
                             std::chrono::seconds(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(stream.Connected());
  const auto events = stream.Events();
  ASSERT_FALSE(events.empty());
  const json data = json::parse(events.back().data);
  EXPECT_EQ(data["payload"]["serial"], "R-1");
  EXPECT_EQ(std::to_string(data["index"].get<uint64_t>()), events.back().id);
}

TEST_F(ApiTest, AnOfficersStreamShowsOnlyTheirOwnEvents) {
  const HttpResult login =
      Client().Post("/api/v1/terminal/login", R"({"badge":"1002","pin":"10029","site":"HQ"})");
  testing::EventCollector mine(server_->port(), Body(login)["token"]);
  HttpClient other = As("1001");
  ASSERT_EQ(other.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  HttpClient me = As("1002");
  EXPECT_EQ(me.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 403);
  ASSERT_TRUE(mine.WaitFor([](const auto& e) { return e.event == "access.denied"; },
                           std::chrono::seconds(2)));
  for (const auto& e : mine.Events()) {
    EXPECT_THAT(e.data, ::testing::HasSubstr("1002")) << e.event;
    EXPECT_NE(e.event, "signout.granted");
  }
}

TEST_F(ApiTest, AStreamResumesAfterLastEventId) {
  HttpClient auditor = As("6001");
  const uint64_t mark = f_.ledger().size() - 1;  // the auditor's login.succeeded
  HttpClient officer = As("1001");
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  int status = 0;
  const auto events = auditor.ReadEvents(
      "/api/v1/events", {{"Last-Event-ID", std::to_string(mark)}},
      [](const auto& got) { return got.size() >= 2; }, std::chrono::seconds(2), &status);
  EXPECT_EQ(status, 200);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, std::to_string(mark + 1));
  EXPECT_EQ(events[0].event, "login.succeeded");
  EXPECT_EQ(events[1].event, "signout.granted");
  const HttpResult bad = auditor.Get("/api/v1/events", {{"Last-Event-ID", "yesterday"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(ErrorMessage(bad), ::testing::HasSubstr("Last-Event-ID"));
}

// ---- alerts -------------------------------------------------------------------------------------

TEST_F(ApiTest, ARefusedAttemptRaisesAnAlertThatASupervisorAcknowledgesByName) {
  HttpClient lapsed = As("1002");
  ASSERT_EQ(lapsed.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 403);
  HttpClient supervisor = As("2001");
  const json open = Body(supervisor.Get("/api/v1/alerts"))["alerts"];
  ASSERT_EQ(open.size(), 1u) << open.dump();
  EXPECT_EQ(open[0]["code"], "unauthorised_attempt");
  EXPECT_EQ(open[0]["badge"], "1002");
  EXPECT_EQ(open[0]["serial"], "T-7");
  EXPECT_EQ(open[0]["site"], "HQ");
  EXPECT_THAT(open[0]["summary"].get<std::string>(), ::testing::HasSubstr("certification"));
  EXPECT_EQ(open[0]["acknowledged"], nullptr);
  const std::string path =
      "/api/v1/alerts/" + std::to_string(open[0]["index"].get<uint64_t>()) + "/acknowledge";

  const uint64_t before = f_.ledger().size();
  const HttpResult ack = supervisor.Post(path, R"({"note":"Reminded about the CEW course."})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(Body(ack)["acknowledged"]["by"], "2001");
  EXPECT_EQ(Body(ack)["acknowledged"]["note"], "Reminded about the CEW course.");
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("alert.acknowledged"));
  EXPECT_TRUE(Body(supervisor.Get("/api/v1/alerts"))["alerts"].empty());
  const json done = Body(supervisor.Get("/api/v1/alerts?state=acknowledged"))["alerts"];
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0]["acknowledged"]["by"], "2001");

  // Twice: 409 naming who did; garbage: refused by name, nothing recorded.
  const uint64_t after = f_.ledger().size();
  const HttpResult again = supervisor.Post(path, "{}");
  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(ErrorMessage(again), ::testing::HasSubstr("2001"));
  EXPECT_EQ(supervisor.Post("/api/v1/alerts/abc/acknowledge", "{}").status, 400);
  EXPECT_EQ(supervisor.Post(path, R"({"note":7})").status, 400);
  EXPECT_EQ(supervisor.Get("/api/v1/alerts?state=maybe").status, 400);
  EXPECT_EQ(f_.ledger().size(), after);
}

TEST_F(ApiTest, AlertsAtAnotherSiteAreUnknownToASupervisorAndAuditorsOnlyRead) {
  ASSERT_TRUE(
      agency_
          ->Record(
              "hardware:NORTH/A",
              {domain::HardwareAlarm{
                  "NORTH", "A", "1", "forced_door", "Door NORTH/A/1 opened while locked.", {}}})
          .ok());
  const uint64_t index = f_.ledger().size() - 1;
  const std::string path = "/api/v1/alerts/" + std::to_string(index) + "/acknowledge";
  HttpClient supervisor = As("2001");  // HQ only
  EXPECT_TRUE(Body(supervisor.Get("/api/v1/alerts"))["alerts"].empty());
  EXPECT_EQ(supervisor.Post(path, "{}").status, 404);
  const json seen = Body(As("6001").Get("/api/v1/alerts"))["alerts"];
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["severity"], "critical");
  EXPECT_EQ(seen[0]["code"], "forced_door");
  EXPECT_EQ(As("6001").Post(path, "{}").status, 403);
  EXPECT_EQ(Body(As("5001").Get("/api/v1/alerts?site=HQ"))["alerts"].size(), 0u);
  EXPECT_EQ(As("5001").Post(path, "{}").status, 200);
}

TEST_F(ApiTest, TheEventStreamCarriesTheAlertAnEventRaised) {
  const HttpResult login =
      Client().Post("/api/v1/terminal/login", R"({"badge":"2001","pin":"20019","site":"HQ"})");
  testing::EventCollector stream(server_->port(), Body(login)["token"]);
  HttpClient lapsed = As("1002");
  ASSERT_EQ(lapsed.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 403);
  ASSERT_TRUE(stream.WaitFor([](const auto& e) { return e.event == "access.denied"; },
                             std::chrono::seconds(1)));
  const json data = json::parse(stream.Events().back().data);
  EXPECT_EQ(data["alert"]["code"], "unauthorised_attempt");
  EXPECT_EQ(data["alert"]["index"], data["index"]);
}

// ---- sites, people, certifications, overdue -----------------------------------------------------

// The compartment `c` in a GET /api/v1/sites/{site} answer.
json CompartmentIn(const json& site, const CompartmentKey& c) {
  for (const json& b : site["banks"]) {
    if (b["bank"] != c.bank) continue;
    for (const json& x : b["compartments"]) {
      if (x["compartment"] == c.compartment) return x;
    }
  }
  return nullptr;
}

TEST_F(ApiTest, TheSiteGridShowsEachCompartmentsStateAsTheHardwareAndCustodyChange) {
  // A fresh session each time: the clock jumps past the terminal's idle limit below.
  auto grid = [&] { return Body(As("2001").Get("/api/v1/sites/HQ")); };
  EXPECT_EQ(CompartmentIn(grid(), kRadioBay)["state"], "in");
  HttpClient officer = As("1001");
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  EXPECT_EQ(CompartmentIn(grid(), kRadioBay)["state"], "out");  // signing out
  Door(kRadioBay, false, {kRadioTag});
  EXPECT_EQ(CompartmentIn(grid(), kRadioBay)["state"], "door_open");
  EXPECT_EQ(CompartmentIn(grid(), kRadioBay)["door_open"], true);
  Door(kRadioBay, true, {});
  const json bay = CompartmentIn(grid(), kRadioBay);
  EXPECT_EQ(bay["state"], "out");
  ASSERT_EQ(bay["items"].size(), 1u);
  EXPECT_EQ(bay["items"][0]["custody"]["badge"], "1001");
  f_.clock().Advance(13 * 3600 * kSecond);
  EXPECT_EQ(CompartmentIn(grid(), kRadioBay)["state"], "overdue");
  // A bank that stopped answering: every compartment of it is at fault.
  app::BankEvent offline{app::BankEvent::Kind::kOffline, "HQ", "A", "", "no answer"};
  ASSERT_TRUE(desk_->OnBankEvent(offline).ok());
  const json g = grid();
  EXPECT_EQ(CompartmentIn(g, kCewBay)["state"], "fault");
  EXPECT_EQ(g["banks"][0]["offline"], true);
  EXPECT_EQ(g["banks"][0]["states"]["fault"], 2);
}

TEST_F(ApiTest, SitesAreThoseOfTheCaller) {
  const json mine = Body(As("2001").Get("/api/v1/sites"))["sites"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["site"], "HQ");
  EXPECT_EQ(mine[0]["banks"][0]["states"]["in"], 2);
  EXPECT_FALSE(mine[0]["banks"][0].contains("compartments"));
  EXPECT_EQ(Body(As("5001").Get("/api/v1/sites"))["sites"].size(), 2u);
  EXPECT_EQ(As("2001").Get("/api/v1/sites/NORTH").status, 404);
  EXPECT_EQ(As("2001").Get("/api/v1/sites/NOWHERE").status, 404);
}

TEST_F(ApiTest, CertificationsExpiredOrExpiringComeSoonestFirstForTheCallersPeople) {
  HttpClient supervisor = As("2001");
  json certs = Body(supervisor.Get("/api/v1/certifications"))["certifications"];
  ASSERT_EQ(certs.size(), 1u) << certs.dump();  // 1001's CEW runs to 2027-06-30
  EXPECT_EQ(certs[0]["badge"], "1002");
  EXPECT_EQ(certs[0]["code"], "CEW");
  EXPECT_EQ(certs[0]["expired"], true);
  EXPECT_LT(certs[0]["days_left"].get<int>(), 0);
  certs = Body(supervisor.Get("/api/v1/certifications?within_days=365"))["certifications"];
  ASSERT_EQ(certs.size(), 2u);
  EXPECT_EQ(certs[1]["badge"], "1001");
  EXPECT_EQ(supervisor.Get("/api/v1/certifications?within_days=soon").status, 400);
  EXPECT_EQ(supervisor.Get("/api/v1/certifications?days=3").status, 400);

  const json people = Body(supervisor.Get("/api/v1/people"))["people"];
  std::set<std::string> badges;
  for (const json& p : people) badges.insert(p["badge"]);
  EXPECT_TRUE(badges.count("1002"));
  EXPECT_FALSE(badges.count("9001")) << "9001 works at NORTH only";
  const json everyone = Body(As("6001").Get("/api/v1/people"))["people"];
  EXPECT_GT(everyone.size(), people.size());
}

TEST_F(ApiTest, OverdueListsOnlyItemsPastTheirDueTime) {
  TakeRadioAndCew();
  EXPECT_TRUE(Body(As("2001").Get("/api/v1/overdue"))["items"].empty());
  f_.clock().Advance(11 * 3600 * kSecond);  // the CEW (10 h) is overdue, the radio (12 h) not
  const json overdue = Body(As("2001").Get("/api/v1/overdue"))["items"];
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0]["serial"], "T-7");
}

TEST_F(ApiTest, VerifyNowRecomputesTheLedgerAndNamesTheFirstAlteredEvent) {
  HttpClient auditor = As("6001");
  const json status = Body(auditor.Get("/api/v1/ledger/status"));
  const HttpResult ok = auditor.Post("/api/v1/ledger/verify", "");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["ok"], true);
  EXPECT_EQ(Body(ok)["events"], status["events"]);
  EXPECT_EQ(Body(ok)["root"], status["root"]);

  // Someone with file access rewrites event 3 behind the server's back.
  f_.Sql(
      "DROP TRIGGER events_no_update; UPDATE events SET record = CAST(replace(CAST(record AS "
      "TEXT), 'defined', 'dEfined') AS BLOB) WHERE idx = 3");
  const json bad = Body(auditor.Post("/api/v1/ledger/verify", ""));
  EXPECT_EQ(bad["ok"], false) << bad.dump();
  EXPECT_EQ(bad["first_bad_index"], 3) << bad.dump();
  EXPECT_THAT(bad["problem"].get<std::string>(), ::testing::HasSubstr("3")) << bad.dump();
}

TEST_F(ApiTest, StatsCountSignOutsBySiteLocalHourAndWeekdayAndItemsOutByType) {
  TakeRadioAndCew();
  const HttpResult r = As("6001").Get("/api/v1/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  const json stats = Body(r);
  EXPECT_EQ(stats["days"], 28);
  EXPECT_EQ(stats["complete"], true);
  // Both taken on Tuesday at 10:00 in New York (HQ's zone), not 15:00 UTC.
  json hours = json::array();
  for (int h = 0; h < 24; ++h) hours.push_back(h == 10 ? 2 : 0);
  EXPECT_EQ(stats["signouts_by_hour"], hours);
  EXPECT_EQ(stats["signouts_by_weekday"], json::parse("[0,2,0,0,0,0,0]"));
  bool radio = false;
  for (const json& t : stats["out_by_type"]) {
    if (t["type"] == "RADIO") {
      radio = true;
      EXPECT_EQ(t["out"], 1);
    }
  }
  EXPECT_TRUE(radio) << stats.dump();
  ASSERT_EQ(stats["service_due_by_week"].size(), 8u);
  EXPECT_EQ(stats["service_due_by_week"][0]["week_start"], "2026-11-24");

  // Another site's figures leave HQ's out; a site nobody has is a 404, a bad window a 400.
  const json north = Body(As("6001").Get("/api/v1/stats?site=NORTH&weeks=2"));
  EXPECT_EQ(north["signouts_by_weekday"], json::parse("[0,0,0,0,0,0,0]"));
  EXPECT_EQ(north["service_due_by_week"].size(), 2u);
  EXPECT_EQ(As("6001").Get("/api/v1/stats?site=NOPE").status, 404);
  EXPECT_EQ(ErrorMessage(As("6001").Get("/api/v1/stats?days=0")),
            "days: must be a whole number 1-366");
  EXPECT_EQ(As("6001").Get("/api/v1/stats?colour=red").status, 400);
  // Sign-outs older than the window are not counted.
  f_.clock().Advance(3 * 86'400 * kSecond);
  EXPECT_EQ(Body(As("6001").Get("/api/v1/stats?days=1"))["signouts_by_weekday"],
            json::parse("[0,0,0,0,0,0,0]"));
}

// ---- staff actions: service, quarantine, credentials, emergency modes ---------------------------

TEST_F(ApiTest, AnArmorerQuarantinesOpensAndServicesAnItem) {
  HttpClient armorer = As("3001");
  EXPECT_EQ(As("6001").Post("/api/v1/items/R-1/quarantine", R"({"reason":"x"})").status, 403);
  const HttpResult q = armorer.Post("/api/v1/items/R-1/quarantine", R"({"reason":"cracked case"})");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(Body(armorer.Get("/api/v1/items/R-1"))["state"], "quarantined");
  const HttpResult open = armorer.Post("/api/v1/terminal/service/open", R"({"serial":"R-1"})");
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(Body(open)["compartment"]["compartment"], "1");
  ASSERT_FALSE(controller_.commands().empty());
  EXPECT_EQ(controller_.commands().back().what, "unlock");
  EXPECT_EQ(armorer.Post("/api/v1/items/R-1/service", R"({})").status, 400);  // notes: missing
  const uint64_t before = f_.ledger().size();
  const HttpResult done = armorer.Post("/api/v1/items/R-1/service", R"({"notes":"new case"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("item.serviced"));
  EXPECT_EQ(Body(armorer.Get("/api/v1/items/R-1"))["state"], "in");
  EXPECT_EQ(As("2001").Post("/api/v1/items/R-1/service", R"({"notes":"x"})").status, 403);
}

TEST_F(ApiTest, AnAdminReleasesALockedCredential) {
  for (int i = 0; i < 5; ++i) {
    Client().Post("/api/v1/terminal/login", R"({"badge":"1001","pin":"0000","site":"HQ"})");
  }
  EXPECT_EQ(Client()
                .Post("/api/v1/terminal/login", R"({"badge":"1001","pin":"10019","site":"HQ"})")
                .status,
            403);
  EXPECT_EQ(As("2001").Post("/api/v1/people/1001/release", "{}").status, 403);
  const HttpResult r = As("5001").Post("/api/v1/people/1001/release", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  As("1001");  // logs in again (asserts 200)
}

TEST_F(ApiTest, ALockdownNeedsTwoPeopleBlocksSignOutsAndLiftingItRestoresThem) {
  HttpClient supervisor = As("2001"), admin = As("5001");
  EXPECT_EQ(
      supervisor.Post("/api/v1/emergency", R"({"site":"HQ","mode":"panic","reason":"x"})").status,
      400);
  EXPECT_EQ(As("6001")
                .Post("/api/v1/emergency", R"({"site":"HQ","mode":"lockdown","reason":"x"})")
                .status,
            403);
  const HttpResult ask =
      supervisor.Post("/api/v1/emergency", R"({"site":"HQ","mode":"lockdown","reason":"drill"})");
  ASSERT_EQ(ask.status, 202) << ask.body;
  // The ask is in the ledger and raises an alert, so that a second person sees it.
  EXPECT_EQ(KindsSince(f_.ledger().size() - 1).back(), "emergency.mode_asked");
  const json asked = Body(admin.Get("/api/v1/alerts"))["alerts"];
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked[0]["code"], "emergency_asked");
  const std::string approve =
      "/api/v1/emergency/" + std::to_string(Body(ask)["ask"].get<uint64_t>()) + "/approve";
  const json waiting = Body(admin.Get("/api/v1/emergency"))["waiting"];
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0]["asked_by"], "2001");

  // Not by the one who asked: a denial in the ledger, nothing set.
  const uint64_t before = f_.ledger().size();
  const HttpResult self = supervisor.Post(approve, "{}");
  EXPECT_EQ(self.status, 403);
  EXPECT_EQ(Body(self)["reasons"][0]["code"], "second_person_required");
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("access.denied"));
  const HttpResult ok = admin.Post(approve, "{}");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(admin.Get("/api/v1/emergency"))["lockdowns"].size(), 1u);
  EXPECT_TRUE(Body(admin.Get("/api/v1/emergency"))["waiting"].empty());
  EXPECT_EQ(admin.Post(approve, "{}").status, 404);  // used up

  HttpClient officer = As("1001");
  const HttpResult blocked = officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})");
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(Body(blocked)["reasons"][0]["code"], "lockdown");
  // The mode change and the refused attempt are alerts.
  std::set<std::string> codes;
  const json alerts = Body(supervisor.Get("/api/v1/alerts"))["alerts"];
  for (const json& a : alerts) codes.insert(a["code"]);
  EXPECT_TRUE(codes.count("emergency_mode"));
  EXPECT_TRUE(codes.count("lockdown_attempt"));

  const HttpResult lift =
      admin.Post("/api/v1/emergency", R"({"site":"HQ","mode":"normal","reason":"drill over"})");
  ASSERT_EQ(lift.status, 202);
  ASSERT_EQ(supervisor
                .Post("/api/v1/emergency/" + std::to_string(Body(lift)["ask"].get<uint64_t>()) +
                          "/approve",
                      "{}")
                .status,
            200);
  EXPECT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
}

// ---- API tokens for integrations ----------------------------------------------------------------

TEST_F(ApiTest, AnApiTokenActsAsItsPersonWithTheirRolesAndSitesUntilRevoked) {
  // The integration: a person with exactly the roles and sites it should have.
  ASSERT_TRUE(
      agency_
          ->Record("admin:test",
                   {domain::PersonDefined{MakePerson("9901", {Role::kSupervisor}, {"HQ"}), false}})
          .ok());
  HttpClient admin = As("5001");
  EXPECT_EQ(As("2001").Post("/api/v1/tokens", R"({"badge":"9901","name":"cad"})").status, 403);
  const uint64_t before = f_.ledger().size();
  const HttpResult issued = admin.Post("/api/v1/tokens", R"({"badge":"9901","name":"cad"})");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = Body(issued)["token"];
  EXPECT_THAT(token, ::testing::MatchesRegex("cst_[0-9a-f]{64}"));
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("credential.api_token_issued"));
  std::string ledger_text;
  ASSERT_TRUE(f_.store()
                  .ScanEvents(before, UINT64_MAX,
                              [&](uint64_t, core::ByteSpan r) {
                                ledger_text.append(reinterpret_cast<const char*>(r.data()),
                                                   r.size());
                                return true;
                              })
                  .ok());
  EXPECT_EQ(ledger_text.find(token.substr(4)), std::string::npos) << "the token is in the ledger";

  HttpClient integration = Client();
  integration.SetToken(token);
  EXPECT_EQ(integration.Get("/api/v1/custody").status, 200);
  const json sites = Body(integration.Get("/api/v1/sites"))["sites"];
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0]["site"], "HQ");
  EXPECT_EQ(integration.Get("/api/v1/tokens").status, 403);  // a supervisor, not an admin
  EXPECT_EQ(integration.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 403);
  EXPECT_EQ(integration.Post("/api/v1/terminal/logout", "{}").status, 400);

  // Names are unique, officers get none, and the list never shows a token.
  EXPECT_EQ(admin.Post("/api/v1/tokens", R"({"badge":"9901","name":"cad"})").status, 409);
  EXPECT_EQ(admin.Post("/api/v1/tokens", R"({"badge":"1001","name":"x"})").status, 409);
  EXPECT_EQ(admin.Post("/api/v1/tokens", R"({"badge":"9901","name":"bad name"})").status, 400);
  const HttpResult list = admin.Get("/api/v1/tokens");
  EXPECT_EQ(Body(list)["tokens"].size(), 1u);
  EXPECT_EQ(Body(list)["tokens"][0]["badge"], "9901");
  EXPECT_EQ(list.body.find(token.substr(4)), std::string::npos);

  ASSERT_EQ(admin.Post("/api/v1/tokens/cad/revoke", "{}").status, 200);
  EXPECT_EQ(integration.Get("/api/v1/custody").status, 401);
  EXPECT_EQ(admin.Post("/api/v1/tokens/cad/revoke", "{}").status, 404);
  HttpClient guesser = Client();
  guesser.SetToken("cst_" + std::string(64, '0'));
  EXPECT_EQ(guesser.Get("/api/v1/custody").status, 401);
}

// ---- ledger checkpoints and proofs -------------------------------------------------------------

TEST_F(ApiTest, AnAuditorGetsASignedCheckpointAndProofsThatVerify) {
  HttpClient auditor = As("6001");
  const uint64_t kept = Body(auditor.Get("/api/v1/ledger/status"))["checkpoints_kept"];
  const HttpResult cp = auditor.Get("/api/v1/ledger/checkpoint");
  ASSERT_EQ(cp.status, 200) << cp.body;
  const uint64_t size = f_.ledger().size();
  EXPECT_THAT(cp.body, ::testing::HasSubstr("\n" + std::to_string(size) + "\n"));
  EXPECT_THAT(cp.body, ::testing::HasSubstr("\n\u2014 "));  // the signature line of a signed note
  // The status names it as the last checkpoint kept.
  const json status = Body(auditor.Get("/api/v1/ledger/status"));
  EXPECT_EQ(status["checkpoints_kept"], kept + 1);
  EXPECT_EQ(status["last_checkpoint"]["size"], size);
  EXPECT_EQ(status["last_checkpoint"]["note"], cp.body);

  auto hash = [](const json& j) { return *ledger::HashFromHex(j.get<std::string>()); };
  const HttpResult p = auditor.Get("/api/v1/ledger/proof?index=3&size=" + std::to_string(size));
  ASSERT_EQ(p.status, 200) << p.body;
  const json proof = Body(p);
  std::vector<ledger::Hash> path;
  for (const json& h : proof["path"]) path.push_back(hash(h));
  EXPECT_TRUE(
      ledger::VerifyInclusion(hash(proof["leaf_hash"]), 3, size, path, hash(proof["root"])).ok());
  EXPECT_EQ(proof["root"], core::HexEncode(core::ByteSpan(f_.ledger().root())));

  const HttpResult c = auditor.Get("/api/v1/ledger/consistency?from=5&to=" + std::to_string(size));
  ASSERT_EQ(c.status, 200) << c.body;
  const json cons = Body(c);
  path.clear();
  for (const json& h : cons["path"]) path.push_back(hash(h));
  EXPECT_TRUE(
      ledger::VerifyConsistency(5, size, hash(cons["root_from"]), hash(cons["root_to"]), path)
          .ok());

  EXPECT_EQ(auditor.Get("/api/v1/ledger/proof").status, 400);
  EXPECT_EQ(auditor.Get("/api/v1/ledger/proof?index=x").status, 400);
  EXPECT_EQ(auditor.Get("/api/v1/ledger/proof?index=99999").status, 400);
  EXPECT_EQ(auditor.Get("/api/v1/ledger/consistency?from=9&to=3").status, 400);
}

// ---- imports -----------------------------------------------------------------------------------

TEST_F(ApiTest, AnAdminImportsPeopleAsCsvAndAGeneratedPinWorksOnceGiven) {
  HttpClient admin = As("5001");
  const std::string csv =
      "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n"
      "1101,Dee New,officer,HQ,,,,\n"
      "1102,Eve New,officer,HQ,,,,4821\n";
  auto post = [&](HttpClient& c, const std::string& path, const std::string& body,
                  const std::string& type) {
    return c.Send("POST", path, body, {{"Content-Type", type}});
  };
  HttpClient supervisor = As("2001");
  EXPECT_EQ(post(supervisor, "/api/v1/imports/people", csv, "text/csv").status, 403);
  EXPECT_EQ(post(admin, "/api/v1/imports/people", csv, "application/json").status, 415);
  EXPECT_EQ(post(admin, "/api/v1/imports/weapons", csv, "text/csv").status, 404);

  // A bad row: refused naming it, nothing recorded (not even the good row before it).
  const uint64_t before = f_.ledger().size();
  const HttpResult bad =
      post(admin, "/api/v1/imports/people", csv + "1103,Fay,wizard,HQ,,,,\n", "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(ErrorMessage(bad), ::testing::HasSubstr("wizard"));
  EXPECT_EQ(f_.ledger().size(), before);

  const HttpResult ok = post(admin, "/api/v1/imports/people", csv, "text/csv; charset=utf-8");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["imported"], 2);
  const json generated = Body(ok)["generated_pins"];
  ASSERT_EQ(generated.size(), 1u);
  EXPECT_EQ(generated[0]["badge"], "1101");
  EXPECT_THAT(KindsSince(before), ::testing::ElementsAre("person.defined", "person.defined"));
  const std::string pin = generated[0]["pin"];
  EXPECT_EQ(Client()
                .Post("/api/v1/terminal/login",
                      json{{"badge", "1101"}, {"pin", pin}, {"site", "HQ"}}.dump())
                .status,
            200);
  EXPECT_EQ(Client()
                .Post("/api/v1/terminal/login", R"({"badge":"1102","pin":"4821","site":"HQ"})")
                .status,
            200);
}

// ---- every role × every endpoint ----------------------------------------------------------------

TEST_F(ApiTest, EveryRoleGetsTheExpectedStatusFromEveryEndpoint) {
  // Who calls: a terminal session of each role at HQ, and nobody.
  const std::vector<std::pair<std::string, std::string>> callers = {
      {"officer", "1001"}, {"supervisor", "2001"}, {"armorer", "3001"},  {"admin", "5001"},
      {"auditor", "6001"}, {"emergency", "7001"},  {"evidence", "8001"}, {"nobody", ""},
  };
  struct Call {
    std::string method, target, body;
    // status per caller, in the order of `callers`; negative: that status from the handler itself,
    // a refusal with its reasons (and an access.denied event), not from the route's roles
    std::vector<int> expected;
  };
  // Bodies that reach the handler but change nothing lasting: N-1 is at NORTH (no HQ terminal may
  // take it), nobody holds R-1, and the logins' bodies are incomplete.
  const std::map<std::string, Call> calls = {
      {"GET /healthz", {"GET", "/healthz", "", {200, 200, 200, 200, 200, 200, 200, 200}}},
      {"GET /metrics", {"GET", "/metrics", "", {200, 200, 200, 200, 200, 200, 200, 200}}},
      {"POST /api/v1/terminal/login",
       {"POST", "/api/v1/terminal/login", "{}", {400, 400, 400, 400, 400, 400, 400, 400}}},
      {"GET /api/v1/terminal/items",
       {"GET", "/api/v1/terminal/items", "", {200, 200, 200, 200, 200, 200, 200, 401}}},
      {"GET /api/v1/terminal/doors",
       {"GET", "/api/v1/terminal/doors", "", {200, 200, 200, 200, 200, 200, 200, 401}}},
      {"POST /api/v1/terminal/signout",
       {"POST",
        "/api/v1/terminal/signout",
        R"({"serial":"N-1"})",
        {-403, -403, -403, -403, -403, -403, -403, 401}}},
      {"POST /api/v1/terminal/return",
       {"POST",
        "/api/v1/terminal/return",
        R"({"serial":"R-1"})",
        {-403, -403, -403, -403, -403, -403, -403, 401}}},
      {"POST /api/v1/terminal/problem",
       {"POST",
        "/api/v1/terminal/problem",
        R"({"serial":"N-1","description":"x"})",
        {-403, -403, 200, -403, -403, -403, -403, 401}}},  // armorers (all sites) may report
      {"POST /api/v1/terminal/handover",
       {"POST",
        "/api/v1/terminal/handover",
        R"({"serial":"R-1","receiver_token":"x"})",
        {400, 400, 400, 400, 400, 400, 400, 401}}},
      {"POST /api/v1/staff/login",
       {"POST", "/api/v1/staff/login", "{}", {400, 400, 400, 400, 400, 400, 400, 400}}},
      {"GET /api/v1/me", {"GET", "/api/v1/me", "", {200, 200, 200, 200, 200, 200, 200, 401}}},
      {"GET /api/v1/items/{serial}",
       {"GET", "/api/v1/items/R-1", "", {403, 200, 200, 200, 200, 403, 200, 401}}},
      {"GET /api/v1/custody",
       {"GET", "/api/v1/custody", "", {403, 200, 200, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/audit", {"GET", "/api/v1/audit", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/ledger/status",
       {"GET", "/api/v1/ledger/status", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/alerts",
       {"GET", "/api/v1/alerts", "", {403, 200, 200, 200, 200, 403, 200, 401}}},
      {"GET /api/v1/ledger/checkpoint",
       {"GET", "/api/v1/ledger/checkpoint", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/ledger/proof",
       {"GET", "/api/v1/ledger/proof?index=0", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/ledger/consistency",
       {"GET", "/api/v1/ledger/consistency?from=1", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"POST /api/v1/imports/{kind}",
       {"POST", "/api/v1/imports/people", "", {403, 403, 403, 415, 403, 403, 403, 401}}},
      {"GET /api/v1/tokens",
       {"GET", "/api/v1/tokens", "", {403, 403, 403, 200, 403, 403, 403, 401}}},
      {"POST /api/v1/tokens",
       {"POST", "/api/v1/tokens", "{}", {403, 403, 403, 400, 403, 403, 403, 401}}},
      {"POST /api/v1/tokens/{name}/revoke",
       {"POST", "/api/v1/tokens/none/revoke", "{}", {403, 403, 403, 404, 403, 403, 403, 401}}},
      {"POST /api/v1/items/{serial}/service",
       {"POST",
        "/api/v1/items/X-0/service",
        R"({"notes":"x"})",
        {403, 403, -403, 403, 403, 403, 403, 401}}},
      {"POST /api/v1/items/{serial}/quarantine",
       {"POST",
        "/api/v1/items/X-0/quarantine",
        R"({"reason":"x"})",
        {403, -403, -403, 403, 403, 403, 403, 401}}},
      {"POST /api/v1/people/{badge}/release",
       {"POST", "/api/v1/people/0000/release", "{}", {403, 403, 403, -403, 403, 403, 403, 401}}},
      {"POST /api/v1/terminal/service/open",
       {"POST",
        "/api/v1/terminal/service/open",
        R"({"serial":"X-0"})",
        {-403, -403, -403, -403, -403, -403, -403, 401}}},
      {"GET /api/v1/emergency",
       {"GET", "/api/v1/emergency", "", {403, 200, 403, 200, 403, 200, 403, 401}}},
      {"POST /api/v1/emergency",
       {"POST",
        "/api/v1/emergency",
        R"({"site":"HQ","mode":"x","reason":"x"})",
        {403, 400, 403, 400, 403, 400, 403, 401}}},
      {"POST /api/v1/emergency/{ask}/approve",
       {"POST", "/api/v1/emergency/999/approve", "{}", {403, 404, 403, 404, 403, 404, 403, 401}}},
      {"GET /api/v1/sites", {"GET", "/api/v1/sites", "", {403, 200, 200, 200, 200, 403, 200, 401}}},
      {"GET /api/v1/sites/{site}",
       {"GET", "/api/v1/sites/HQ", "", {403, 200, 200, 200, 200, 403, 200, 401}}},
      {"GET /api/v1/people",
       {"GET", "/api/v1/people", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/certifications",
       {"GET", "/api/v1/certifications", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/overdue",
       {"GET", "/api/v1/overdue", "", {403, 200, 200, 200, 200, 403, 403, 401}}},
      {"POST /api/v1/ledger/verify",
       {"POST", "/api/v1/ledger/verify", "", {403, 200, 403, 200, 200, 403, 403, 401}}},
      {"GET /api/v1/stats", {"GET", "/api/v1/stats", "", {403, 200, 200, 200, 200, 403, 403, 401}}},
      {"POST /api/v1/alerts/{index}/acknowledge",
       {"POST",
        "/api/v1/alerts/999999/acknowledge",
        "{}",
        {403, 404, 404, 404, 403, 403, 404, 401}}},  // no such alert; auditors only read
      // Last for each caller: they end the session.
      {"POST /api/v1/staff/logout",
       {"POST", "/api/v1/staff/logout", "{}", {200, 200, 200, 200, 200, 200, 200, 401}}},
      {"POST /api/v1/terminal/logout",
       {"POST", "/api/v1/terminal/logout", "{}", {200, 200, 200, 200, 200, 200, 200, 401}}},
  };
  // Every route has its row (a new route must be added here with its expectations).
  for (const api::Route& r : api::Routes()) {
    const std::string key = std::string(r.method) + " " + std::string(r.pattern);
    if (key == "GET /api/v1/events") continue;  // a stream: checked below
    EXPECT_TRUE(calls.count(key)) << key << " has no row in the matrix";
  }
  for (size_t k = 0; k < callers.size(); ++k) {
    const auto& [role, badge] = callers[k];
    auto run = [&](const std::string& key, HttpClient& c) {
      const Call& call = calls.at(key);
      const HttpResult r =
          call.method == "GET" ? c.Get(call.target) : c.Post(call.target, call.body);
      const int expected = call.expected[k];
      EXPECT_EQ(r.status, std::abs(expected)) << role << " " << key << ": " << r.body;
      if (expected < 0) {
        EXPECT_THAT(r.body, ::testing::HasSubstr("\"granted\":false")) << role << " " << key;
      } else if (expected == 403) {
        EXPECT_THAT(r.body, ::testing::Not(::testing::HasSubstr("\"granted\"")))
            << role << " " << key;
      }
    };
    // Fresh session for the two logouts, which end it.
    HttpClient c = badge.empty() ? Client() : As(badge);
    for (const auto& [key, call] : calls) {
      if (key.find("logout") == std::string::npos) run(key, c);
    }
    int status = 0;
    c.ReadEvents(
        "/api/v1/events", {}, [](const auto&) { return false; }, std::chrono::milliseconds(200),
        &status);
    EXPECT_EQ(status, badge.empty() ? 401 : 200) << role << " GET /api/v1/events";
    run("POST /api/v1/staff/logout", c);
    HttpClient again = badge.empty() ? Client() : As(badge);
    run("POST /api/v1/terminal/logout", again);
  }
}

// ---- the dashboard: password + one-time code, a cookie and a CSRF token -------------------------

class StaffApiTest : public ApiTest {
 protected:
  std::string Code(int64_t step_offset = 0) {
    return *store::Totp::CodeAt(kSecret, store::Totp::StepOf(f_.clock().NowMicros()) + step_offset);
  }
  // Logs in; the cookie header to send and the CSRF token.
  std::pair<std::string, std::string> StaffLogin(const std::string& badge) {
    const HttpResult r =
        Client().Post("/api/v1/staff/login",
                      json{{"badge", badge}, {"password", kPassword}, {"code", Code()}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    const std::string set = r.headers.at("set-cookie");
    return {set.substr(0, set.find(';')), Body(r)["csrf_token"]};
  }
};

TEST_F(StaffApiTest, ALoginSetsASecureHttpOnlyStrictCookieAndGivesACsrfToken) {
  const HttpResult r =
      Client().Post("/api/v1/staff/login",
                    json{{"badge", "2001"}, {"password", kPassword}, {"code", Code()}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string cookie = r.headers.at("set-cookie");
  EXPECT_THAT(cookie, ::testing::StartsWith("custodian_session="));
  for (const char* attr : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_THAT(cookie, ::testing::HasSubstr(attr));
  }
  EXPECT_EQ(Body(r)["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(Body(r)["roles"], json::array({"supervisor"}));
  const std::string token = cookie.substr(18, 64);
  EXPECT_EQ(r.body.find(token), std::string::npos);  // the session token is not in the body
}

TEST_F(StaffApiTest, TheCookieReadsAndAChangeWithoutTheCsrfTokenIs403) {
  const auto [cookie, csrf] = StaffLogin("2001");
  HttpClient browser = Client();
  const HttpResult me = browser.Get("/api/v1/me", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me)["session"], "staff");
  EXPECT_EQ(browser.Get("/api/v1/custody", {{"Cookie", cookie}}).status, 200);
  const uint64_t before = f_.ledger().size();
  const HttpResult forged =
      browser.Send("POST", "/api/v1/staff/logout", "{}",
                   {{"Cookie", cookie}, {"Content-Type", "application/json"}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(Body(forged)["error"]["code"], "csrf");
  EXPECT_EQ(browser.Get("/api/v1/me", {{"Cookie", cookie}}).status, 200);  // still logged in
  EXPECT_EQ(f_.ledger().size(), before);
  const HttpResult out = browser.Send(
      "POST", "/api/v1/staff/logout", "{}",
      {{"Cookie", cookie}, {"Content-Type", "application/json"}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 200);
  EXPECT_THAT(out.headers.at("set-cookie"), ::testing::HasSubstr("Max-Age=0"));
  EXPECT_EQ(browser.Get("/api/v1/me", {{"Cookie", cookie}}).status, 401);
}

TEST_F(StaffApiTest, AStaffSessionCannotUseTheTerminalsRoutes) {
  const auto [cookie, csrf] = StaffLogin("2001");
  const HttpResult r = Client().Get("/api/v1/terminal/items", {{"Cookie", cookie}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorMessage(r), "this is for a session opened at a terminal");
}

TEST_F(StaffApiTest, WrongPasswordsAndCodesAreRecordedAndTheFifthLocks) {
  const uint64_t before = f_.ledger().size();
  auto attempt = [&](const std::string& password, const std::string& code) {
    return Client().Post("/api/v1/staff/login",
                         json{{"badge", "2001"}, {"password", password}, {"code", code}}.dump());
  };
  EXPECT_EQ(attempt("wrong password!", Code()).status, 401);
  EXPECT_EQ(attempt(kPassword, Code(5)).status, 401);  // a code from 2.5 minutes ahead
  const HttpResult ok = attempt(kPassword, Code());
  ASSERT_EQ(ok.status, 200) << ok.body;
  const HttpResult replay = attempt(kPassword, Code());  // the same code again
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(Body(replay)["error"]["code"], "wrong_code");
  // The success cleared the count: four more failures, and the fifth locks.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(attempt("wrong password!", Code()).status, 401);
  const HttpResult fifth = attempt("wrong password!", Code());
  EXPECT_EQ(fifth.status, 401);
  EXPECT_EQ(Body(fifth)["locked_now"], true);
  const HttpResult locked = attempt(kPassword, Code(1));
  EXPECT_EQ(locked.status, 403);
  EXPECT_EQ(Body(locked)["error"]["code"], "locked");
  const auto kinds = KindsSince(before);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "login.failed"), 8);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "credential.locked"), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "login.succeeded"), 1);
}

TEST_F(StaffApiTest, OfficersUnknownBadgesAndTheNotEnrolledGetTheSameSentence) {
  auto attempt = [&](const std::string& badge) {
    return Client().Post("/api/v1/staff/login",
                         json{{"badge", badge}, {"password", kPassword}, {"code", Code()}}.dump());
  };
  const HttpResult officer = attempt("1001");
  const HttpResult nobody = attempt("0000");
  const HttpResult not_enrolled = attempt("3001");
  EXPECT_EQ(officer.status, 401);
  EXPECT_EQ(ErrorMessage(officer), ErrorMessage(nobody));
  EXPECT_EQ(ErrorMessage(not_enrolled), ErrorMessage(nobody));
  EXPECT_EQ(ErrorMessage(nobody), "The user name or the password is not right.");
}

TEST_F(StaffApiTest, OnlyStaffCanBeEnrolledAndPasswordsHave12Characters) {
  EXPECT_EQ(staff_->Enroll("admin:test", "1001", kPassword).error().code(),
            core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(staff_->Enroll("admin:test", "2001", "short").error().message(),
            "the password must have at least 12 characters");
}

// ---- TLS ----------------------------------------------------------------------------------------

class TlsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    auto m = store::LoadOrCreateTlsCertificate(f_.dir().path());
    ASSERT_TRUE(m) << m.error().ToString();
    material_ = *m;
    api::ServerOptions o;
    o.tls_certificate_pem = material_.certificate_pem;
    o.tls_key_pem = material_.key_pem;
    o.request_timeout = std::chrono::milliseconds(1000);
    Start(o);
  }
  store::TlsMaterial material_;
};

TEST_F(TlsApiTest, HttpsWorksWithTheGeneratedCertificateForLocalhostAnd127001) {
  for (const char* host : {"localhost", "127.0.0.1"}) {
    HttpClient c = Client();
    c.UseTls(material_.certificate_pem, host);
    const HttpResult r = c.Get("/healthz");
    EXPECT_EQ(r.status, 200) << host << ": " << r.error;
  }
  // A staff login over HTTPS: the Secure cookie is what the browser will keep.
  HttpClient c = Client();
  c.UseTls(material_.certificate_pem);
  const HttpResult login = c.Post(
      "/api/v1/staff/login",
      json{{"badge", "2001"},
           {"password", kPassword},
           {"code", *store::Totp::CodeAt(kSecret, store::Totp::StepOf(f_.clock().NowMicros()))}}
          .dump());
  EXPECT_EQ(login.status, 200) << login.body << login.error;
}

TEST_F(TlsApiTest, PlainHttpOnTheHttpsPortGetsNoAnswerAndOthersAreStillServed) {
  EXPECT_EQ(Client().Get("/healthz").status, 0);  // not TLS: dropped without an answer
  HttpClient c = Client();
  c.UseTls(material_.certificate_pem);
  EXPECT_EQ(c.Get("/healthz").status, 200);
}

TEST_F(TlsApiTest, AClientThatTrustsAnotherCertificateRefusesTheConnection) {
  testing::TempDir other;
  auto stranger = store::LoadOrCreateTlsCertificate(other.path());
  ASSERT_TRUE(stranger);
  HttpClient c = Client();
  c.UseTls(stranger->certificate_pem);
  const HttpResult r = c.Get("/healthz");
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.error, ::testing::HasSubstr("certificate verify failed"));
}

TEST_F(TlsApiTest, TheCertificateIsMadeOnceAndItsKeyIsOwnerOnly) {
  EXPECT_TRUE(material_.created);
  auto again = store::LoadOrCreateTlsCertificate(f_.dir().path());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->fingerprint, material_.fingerprint);
  EXPECT_EQ(again->key_pem, material_.key_pem);
  EXPECT_EQ(material_.fingerprint.size(), 32u * 3 - 1);  // "AB:CD:…" over 32 bytes
  const auto perms = std::filesystem::status(f_.dir().path() / "tls.key").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

// ---- audit search -------------------------------------------------------------------------------

TEST_F(ApiTest, AuditSearchFindsEventsByKindPersonAndItemNewestFirst) {
  HttpClient officer = As("1001");
  ASSERT_EQ(officer.Post("/api/v1/terminal/signout", R"({"serial":"R-1"})").status, 200);
  HttpClient lapsed = As("1002");
  ASSERT_EQ(lapsed.Post("/api/v1/terminal/signout", R"({"serial":"T-7"})").status, 403);
  HttpClient auditor = As("6001");

  const json logins = Body(auditor.Get("/api/v1/audit?kind=login."))["events"];
  ASSERT_EQ(logins.size(), 3u);  // 1001, 1002, 6001: newest first
  EXPECT_EQ(logins[0]["payload"]["badge"], "6001");
  EXPECT_EQ(logins[2]["payload"]["badge"], "1001");
  EXPECT_GT(logins[0]["index"].get<uint64_t>(), logins[1]["index"].get<uint64_t>());

  const json mine = Body(auditor.Get("/api/v1/audit?badge=1002"))["events"];
  ASSERT_EQ(mine.size(), 3u);  // the denial, the login, and the person's record
  EXPECT_EQ(mine[0]["kind"], "access.denied");
  EXPECT_EQ(mine[1]["kind"], "login.succeeded");
  EXPECT_EQ(mine[2]["kind"], "person.defined");

  const json radio = Body(auditor.Get("/api/v1/audit?serial=R-1&kind=signout.granted"))["events"];
  ASSERT_EQ(radio.size(), 1u);
  EXPECT_EQ(radio[0]["actor"], "person:1001");

  // Paging: one at a time, following next_before.
  const json first = Body(auditor.Get("/api/v1/audit?kind=login.&limit=1"));
  ASSERT_EQ(first["events"].size(), 1u);
  const uint64_t next = first["next_before"];
  const json second =
      Body(auditor.Get("/api/v1/audit?kind=login.&limit=1&before=" + std::to_string(next)));
  EXPECT_EQ(second["events"][0]["payload"]["badge"], "1002");

  // Days: the fake clock stands on 24 Nov 2026.
  EXPECT_EQ(
      Body(auditor.Get("/api/v1/audit?kind=login.&from=2026-11-24&to=2026-11-24"))["events"].size(),
      3u);
  EXPECT_TRUE(Body(auditor.Get("/api/v1/audit?kind=login.&to=2026-11-23"))["events"].empty());
}

TEST_F(ApiTest, AuditSearchExportsCsvAndRefusesBadParametersByName) {
  HttpClient auditor = As("6001");
  const HttpResult csv = auditor.Get("/api/v1/audit?kind=login.succeeded&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers.at("content-type"), "text/csv; charset=utf-8");
  EXPECT_THAT(csv.headers.at("content-disposition"), ::testing::HasSubstr("attachment"));
  EXPECT_THAT(csv.body, ::testing::StartsWith("index,time,actor,kind,payload\r\n"));
  EXPECT_THAT(csv.body,
              ::testing::HasSubstr(",terminal:HQ,login.succeeded,\"{\"\"badge\"\":\"\"6001\"\""));
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "limit: must be a whole number 1-1000"},
           {"from=yesterday", "from: not a date YYYY-MM-DD"},
           {"format=xml", "format: must be json or csv"},
           {"colour=red", "colour: unknown parameter"},
           {"before=-1", "before: must be an event index"}}) {
    const HttpResult r = auditor.Get("/api/v1/audit?" + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(ErrorMessage(r), message) << query;
  }
}

TEST_F(ApiTest, AuditSearchShowsASupervisorOnlyTheirSites) {
  HttpClient north = As("9001", "NORTH");  // an officer at NORTH: login.succeeded about NORTH
  (void)north;
  HttpClient supervisor = As("2001");  // HQ only
  const json seen = Body(supervisor.Get("/api/v1/audit?kind=login.succeeded"))["events"];
  for (const json& e : seen) EXPECT_NE(e["payload"]["site"], "NORTH") << e.dump();
  const json all = Body(As("6001").Get("/api/v1/audit?kind=login.succeeded"))["events"];
  bool north_seen = false;
  for (const json& e : all) north_seen = north_seen || e["payload"]["site"] == "NORTH";
  EXPECT_TRUE(north_seen);
}

// ---- login rate limits ------------------------------------------------------------------------

class RateLimitTest : public ApiTest {
 protected:
  void SetUp() override {
    api_options_.logins_per_address = {6, 4, 1000};  // 4 at once, then one every 10 s
    api_options_.logins_per_badge = {6, 2, 1000};
    Start({});
  }
  HttpResult TerminalLogin(const std::string& badge, const std::string& pin) {
    return Client().Post("/api/v1/terminal/login",
                         json{{"badge", badge}, {"pin", pin}, {"site", "HQ"}}.dump());
  }
};

TEST_F(RateLimitTest, ABadgeTriedTooOftenIs429WithRetryAfterAndNothingIsChecked) {
  EXPECT_EQ(TerminalLogin("1001", "0000").status, 401);
  EXPECT_EQ(TerminalLogin("1001", "0000").status, 401);
  const uint64_t before = f_.ledger().size();
  const HttpResult third = TerminalLogin("1001", "10019");  // even the right PIN: not checked
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(third.headers.at("retry-after"), "10");
  EXPECT_EQ(ErrorMessage(third), "too many login attempts: try again in 10 s");
  EXPECT_EQ(f_.ledger().size(), before);  // no PIN was checked, so nothing happened to record
  EXPECT_EQ(TerminalLogin("1002", "10029").status, 200);  // another badge: fine
  f_.clock().Advance(10 * kSecond);
  EXPECT_EQ(TerminalLogin("1001", "10019").status, 200);
}

TEST_F(RateLimitTest, OneAddressTryingManyBadgesIsThrottledToo) {
  EXPECT_EQ(TerminalLogin("1001", "10019").status, 200);
  EXPECT_EQ(TerminalLogin("1002", "10029").status, 200);
  EXPECT_EQ(TerminalLogin("2001", "20019").status, 200);
  EXPECT_EQ(TerminalLogin("3001", "30019").status, 200);
  EXPECT_EQ(TerminalLogin("5001", "50019").status, 429);  // the address's 5th within seconds
  const HttpResult staff =
      Client().Post("/api/v1/staff/login",
                    json{{"badge", "6001"}, {"password", kPassword}, {"code", "000000"}}.dump());
  EXPECT_EQ(staff.status, 429);  // the dashboard's logins count for the same address
}

// ---- the transport ----------------------------------------------------------------------------

class SlowClientTest : public ApiTest {
 protected:
  void SetUp() override {
    api::ServerOptions o;
    o.request_timeout = std::chrono::milliseconds(300);
    Start(o);
  }
};

TEST_F(SlowClientTest, AClientThatDoesNotFinishItsRequestInTimeIsDropped) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server_->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string part = "GET /healthz HTTP/1.1\r\nHost: x\r\n";  // never finished
  ASSERT_GT(::send(fd, part.data(), part.size(), MSG_NOSIGNAL), 0);
  const auto start = std::chrono::steady_clock::now();
  char buf[64];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);  // blocks until the server closes
  const auto waited = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(n, 0);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_EQ(Client().Get("/healthz").status, 200);  // the others are still served
}

}  // namespace
}  // namespace custodian
