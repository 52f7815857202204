// Fuzz target (tests/fuzz/: it composes api/ with store/): what a client sends the server. Input:
// the bytes of one HTTP request. They are parsed by the server's own parser and limits
// (api::ParseRequest), and a request that parses is handled by a real Api over a real SQLite ledger
// (a small agency: two items, an officer, a supervisor; lockers that are not there). "Bearer
// SESSION" in the input stands for a live officer's token, so that bodies reach the session routes'
// JSON decoding.
//
// Invariants: parsing fails only with InvalidArgument and a sentence; every response has a status
// 200–599 and a JSON body (an event stream aside); every 4xx/5xx body is {"error": {"code",
// "message"}} with a message; nothing crashes, whatever the bytes.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "api/api.h"
#include "api/http_server.h"
#include "app/agency.h"
#include "app/custody_desk.h"
#include "core/clock.h"
#include "store/argon2_pins.h"
#include "store/files.h"
#include "store/import_env.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "store/sqlite/sqlite_ledger_store.h"
#include "store/system_random.h"
#include "store/totp.h"
#include "store/tzdb_zones.h"

using namespace custodian;

namespace {

class NoLockers final : public app::LockerController {
 public:
  core::Status Unlock(const domain::CompartmentKey&, app::Door) override {
    return core::UnavailableError("no lockers in the fuzz target");
  }
  core::Status Relock(const domain::CompartmentKey&, app::Door) override {
    return core::Status::Ok();
  }
};

template <typename T>
T Must(core::Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

struct World {
  std::filesystem::path dir;
  std::unique_ptr<store::SqliteLedgerStore> store;
  std::optional<ledger::NoteSigner> signer;
  core::SystemClock clock;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<app::Agency> agency;
  std::unique_ptr<store::SqliteCredentialVault> vault;
  store::Argon2PinHasher hasher{store::Argon2PinHasher::Cheapest()};
  NoLockers lockers;
  std::unique_ptr<app::CustodyDesk> desk;
  store::Totp totp;
  std::unique_ptr<app::StaffLogins> staff;
  store::SystemRandom random;
  std::unique_ptr<app::ApiTokens> tokens;
  std::unique_ptr<app::Importer> importer;
  std::unique_ptr<api::Api> api;
  std::string token;

  World() {
    char tmpl[] = "/tmp/custodian-api-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    store = Must(store::SqliteLedgerStore::Open(dir / "ledger.db"));
    bool created = false;
    signer.emplace(
        Must(store::LoadOrCreateSiteKey(dir, ledger::OriginForSite("agency"), &created)));
    ledger = Must(ledger::Ledger::Open(*store, *signer, clock, "agency"));
    agency = Must(app::Agency::Open(*ledger, *store));
    using namespace domain;
    const CompartmentKey bay{"HQ", "A", "1"};
    Person officer{"1001", "Ana", {Role::kOfficer}, {"HQ"}, false, {}, std::nullopt, {}};
    Person supervisor{"2001", "Sam", {Role::kSupervisor}, {"HQ"}, false, {}, std::nullopt, {}};
    if (!agency
             ->Record("admin:fuzz",
                      {SiteDefined{{"HQ", "Headquarters", "UTC"}},
                       CompartmentDefined{{bay, CompartmentSize::kSmall, {Feature::kRfid}}},
                       ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, false, 0, 0}},
                       ItemDefined{{"R-1", "RADIO", "E28011700000020000000001", bay, 0}},
                       PersonDefined{officer, true}, PersonDefined{supervisor, true}})
             .ok()) {
      std::abort();
    }
    vault = Must(store::SqliteCredentialVault::Open((dir / "credentials.db").string()));
    if (!vault
             ->PutPinHashes(
                 {{"1001", Must(hasher.Hash("1234"))}, {"2001", Must(hasher.Hash("1234"))}})
             .ok()) {
      std::abort();
    }
    auto zones = [](std::string_view name) -> const domain::TimeZone* {
      auto z = store::FindZone(name);
      return z ? *z : nullptr;
    };
    desk = std::make_unique<app::CustodyDesk>(*agency, lockers, *vault, hasher, clock, zones);
    staff = std::make_unique<app::StaffLogins>(*agency, *vault, hasher, totp, clock);
    tokens = std::make_unique<app::ApiTokens>(*agency, *vault, random, clock);
    api::ApiOptions options;
    options.sessions.idle = 3'600'000'000LL;  // the officer's session outlives the run
    importer = std::make_unique<app::Importer>(*agency, *vault, hasher, store::MachineImportEnv());
    api = std::make_unique<api::Api>(*agency, *desk, *staff, *tokens, *importer, *ledger, *store,
                                     clock, zones, options);
    api::HttpRequest login;
    login.method = "POST";
    login.path = "/api/v1/terminal/login";
    login.headers["content-type"] = "application/json";
    login.body = R"({"badge":"1001","pin":"1234","site":"HQ"})";
    const api::HttpResponse r = api->Handle(login);
    if (r.status != 200) std::abort();
    token = nlohmann::json::parse(r.body).at("token").get<std::string>();
  }
  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

World& TheWorld() {
  static World* w = new World();  // lives for the process: the fuzzer never returns
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = TheWorld();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  api::ServerOptions limits;
  auto request = api::ParseRequest(bytes, limits);
  if (!request) {
    if (request.error().code() != core::StatusCode::kInvalidArgument) std::abort();
    if (request.error().message().empty()) std::abort();
    return 0;
  }
  auto auth = request->headers.find("authorization");
  if (auth != request->headers.end() && auth->second == "Bearer SESSION") {
    auth->second = "Bearer " + w.token;
  }
  const api::HttpResponse r = w.api->Handle(*request);
  if (r.status < 200 || r.status > 599) std::abort();
  if (r.stream) return 0;
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) std::abort();
  if (r.status >= 400 && r.status != 403) {
    if (!j.contains("error") || j["error"].value("message", "").empty()) std::abort();
  }
  return 0;
}
