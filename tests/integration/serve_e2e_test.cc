// End to end, as `make run` runs it: the real `custodian` binary seeds the demo agency and serves
// it with every locker bank simulated (Modbus TCP on loopback, the auto officer acting on each
// unlocked door). Over real HTTP: a terminal login, the list, a sign-out; the simulator's door
// opens, the item leaves, and custody shows on the staff API and on the event stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "testing/child_process.h"
#include "testing/http_client.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace custodian {
namespace {

using nlohmann::json;
using testing::HttpClient;

std::string Bin() {
  const char* b = std::getenv("CUSTODIAN_BIN");
  return b ? b : "custodian";
}

uint16_t PortOf(const std::string& line) {
  return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto seeded = testing::Run(Bin() + " demo seed --data " + dir_.path().string(), true);
    ASSERT_EQ(seeded.exit_code, 0) << seeded.out;
  }

  // Starts the server; its HTTP port.
  uint16_t Serve() {
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{Bin(), "serve", "--data", dir_.path().string(), "--port", "0",
                                 "--simulate", "--auto-pause-ms", "50"});
    EXPECT_TRUE(server_->started());
    auto line = server_->LineStartingWith("serving http://127.0.0.1:", std::chrono::seconds(30));
    EXPECT_TRUE(line) << "the server did not say where it serves";
    if (!line) return 0;
    return PortOf(line->substr(0, line->size() - 1));  // "…:P/"
  }

  static std::string Login(HttpClient& c, const std::string& badge, const std::string& site) {
    const auto r = c.Post("/api/v1/terminal/login",
                          json{{"badge", badge}, {"pin", "1234"}, {"site", site}}.dump());
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    if (r.status != 200) return "";
    const std::string token = json::parse(r.body).at("token");
    c.SetToken(token);
    return token;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(ServeTest, ASignOutAtTheTerminalOpensTheSimulatedDoorAndCustodyShowsLive) {
  const uint16_t port = Serve();
  ASSERT_NE(port, 0);
  HttpClient supervisor(port);
  const std::string sup_token = Login(supervisor, "2001", "HQ");
  testing::EventCollector stream(port, sup_token);

  HttpClient officer(port);
  Login(officer, "1001", "HQ");
  const auto list = officer.Get("/api/v1/terminal/items");
  ASSERT_EQ(list.status, 200) << list.body;
  const json items = json::parse(list.body);
  // The last allowed item of a compartment that holds several (the server tells the auto officer
  // which one was granted; without that it would take the first it finds).
  std::map<std::string, int> per_compartment;
  for (const char* group : {"allowed", "withheld"}) {
    for (const json& i : items[group]) per_compartment[i["home"].dump()]++;
  }
  std::string serial;
  for (const json& i : items["allowed"]) {
    // At most 4: the protocol reports 4 tags per compartment (docs/hardware-protocol.md).
    const int n = per_compartment[i["home"].dump()];
    if (n > 1 && n <= 4 && i["requirements"].empty()) serial = i["serial"];
  }
  ASSERT_FALSE(serial.empty()) << "no allowed item shares its compartment";

  const auto signed_out = officer.Post("/api/v1/terminal/signout", json{{"serial", serial}}.dump());
  ASSERT_EQ(signed_out.status, 200) << signed_out.body;
  const auto granted_at = std::chrono::steady_clock::now();
  EXPECT_EQ(json::parse(signed_out.body)["granted"], true);

  // The simulated door opens (auto officer after 50 ms), the item leaves, the door closes (50 ms),
  // the driver's next poll (200 ms) sees it: custody on the stream.
  ASSERT_TRUE(stream.WaitFor(
      [&](const auto& e) {
        return e.event == "item.signed_out" &&
               e.data.find("\"" + serial + "\"") != std::string::npos;
      },
      std::chrono::seconds(5)))
      << "no item.signed_out for " << serial;
  const auto custody_after = std::chrono::steady_clock::now() - granted_at;
  EXPECT_LT(custody_after, std::chrono::seconds(2));
  std::cerr << "sign-out granted → custody on the stream: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(custody_after).count()
            << " ms\n";

  // And on the staff API, at once.
  const auto item = supervisor.Get("/api/v1/items/" + serial);
  ASSERT_EQ(item.status, 200) << item.body;
  const json j = json::parse(item.body);
  EXPECT_EQ(j["state"], "out");
  EXPECT_EQ(j["custody"]["badge"], "1001");
  // The dashboard's way in: the demo staff login (password and TOTP code), then the cookie.
  const auto code = testing::Run(Bin() + " staff code --secret CUSTODIANDEMOCUSTODIANDEMO234567");
  ASSERT_EQ(code.exit_code, 0);
  const auto staff = HttpClient(port).Post(
      "/api/v1/staff/login",
      json{{"badge", "2001"}, {"password", "custodian-demo"}, {"code", code.last_line()}}.dump());
  ASSERT_EQ(staff.status, 200) << staff.body;
  const std::string cookie =
      staff.headers.at("set-cookie").substr(0, staff.headers.at("set-cookie").find(';'));
  const auto board_response = HttpClient(port).Get("/api/v1/custody", {{"Cookie", cookie}});
  ASSERT_EQ(board_response.status, 200) << board_response.body;
  const auto board = json::parse(board_response.body)["items"];
  std::set<std::string> out;
  for (const json& i : board) out.insert(i["serial"]);
  EXPECT_TRUE(out.count(serial));

  // The order of what the stream showed: granted before custody.
  std::vector<std::string> kinds;
  for (const auto& e : stream.Events()) {
    if (e.data.find("\"" + serial + "\"") != std::string::npos) kinds.push_back(e.event);
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre("signout.granted", "item.signed_out"));

  // SIGTERM: a clean exit; a restart forgets every session.
  EXPECT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
  const uint16_t again = Serve();
  ASSERT_NE(again, 0);
  HttpClient stale(again);
  stale.SetToken(sup_token);
  EXPECT_EQ(stale.Get("/api/v1/custody").status, 401);
  EXPECT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
}

TEST_F(ServeTest, OffLoopbackItServesHttpsWithASelfSignedCertificateMadeOnFirstStart) {
  server_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
      Bin(), "serve", "--data", dir_.path().string(), "--listen", "0.0.0.0", "--port", "0"});
  auto line = server_->LineStartingWith("serving https://0.0.0.0:", std::chrono::seconds(30));
  ASSERT_TRUE(line) << "off loopback, the server must serve HTTPS";
  auto fingerprint = server_->LineStartingWith("certificate sha256 ", std::chrono::seconds(5));
  ASSERT_TRUE(fingerprint);
  EXPECT_EQ(fingerprint->size(), std::string("certificate sha256 ").size() + 95);
  const uint16_t port = PortOf(line->substr(0, line->size() - 1));
  std::ifstream in(dir_.file("tls.crt"));
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(pem.find("BEGIN CERTIFICATE"), std::string::npos);
  HttpClient c(port);
  c.UseTls(pem, "127.0.0.1");
  EXPECT_EQ(c.Get("/healthz").status, 200);
  EXPECT_EQ(HttpClient(port).Get("/healthz").status, 0);  // no plain HTTP there
  EXPECT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace custodian

namespace custodian {
namespace {

class ServeBanksTest : public ServeTest {
 protected:
  std::string WriteBanks(const std::string& text) {
    const std::string path = dir_.file("banks.json");
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(ServeBanksTest, ABanksFileNamingAnUnknownCompartmentIsRefusedWithTheName) {
  const std::string banks = WriteBanks(
      R"({"banks":[{"site":"HQ","bank":"A","host":"127.0.0.1","port":1502,"compartments":["1","99"]}]})");
  const auto r = testing::Run(
      Bin() + " serve --port 0 --data " + dir_.path().string() + " --banks " + banks, true);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, ::testing::HasSubstr("HQ/A/99 is not a compartment of the agency"));
  const std::string bad = WriteBanks(R"({"banks":[{"site":"HQ"}]})");
  const auto b = testing::Run(
      Bin() + " serve --port 0 --data " + dir_.path().string() + " --banks " + bad, true);
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_THAT(b.out, ::testing::HasSubstr("banks[0].bank: missing"));
}

TEST_F(ServeBanksTest, ABankThatDoesNotAnswerFailsSecureAndTheSignOutIsAbandoned) {
  // An item officer 1001 may take, and its compartment: "  take SERIAL (TYPE) from S/B/C".
  const auto list =
      testing::Run(Bin() + " access list --data " + dir_.path().string() + " --badge 1001");
  std::string serial, site, bank, compartment;
  for (const std::string& l : list.lines()) {
    if (l.rfind("  take ", 0) != 0) continue;
    serial = l.substr(7, l.find(' ', 7) - 7);
    const std::string where = l.substr(l.find(" from ") + 6);
    site = where.substr(0, where.find('/'));
    bank = where.substr(site.size() + 1, where.find('/', site.size() + 1) - site.size() - 1);
    compartment = where.substr(site.size() + bank.size() + 2);
    compartment = compartment.substr(0, compartment.find(','));
    break;
  }
  ASSERT_FALSE(serial.empty()) << list.out;
  // Port 1 on loopback: nothing listens there, so the bank is offline from the start.
  const std::string banks = WriteBanks(json{{"banks",
                                             {{{"site", site},
                                               {"bank", bank},
                                               {"host", "127.0.0.1"},
                                               {"port", 1},
                                               {"compartments", {compartment}}}}}}
                                           .dump());
  server_ = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
      Bin(), "serve", "--data", dir_.path().string(), "--port", "0", "--banks", banks});
  auto line = server_->LineStartingWith("serving http://127.0.0.1:", std::chrono::seconds(30));
  ASSERT_TRUE(line);
  const uint16_t port = PortOf(line->substr(0, line->size() - 1));
  HttpClient officer(port);
  Login(officer, "1001", site);
  const auto r = officer.Post("/api/v1/terminal/signout", json{{"serial", serial}}.dump());
  EXPECT_EQ(r.status, 503) << r.body;  // the controller cannot be reached: nothing opened
  const auto after = json::parse(officer.Get("/api/v1/terminal/items").body);
  bool still_offered = false;
  for (const json& i : after["allowed"]) still_offered = still_offered || i["serial"] == serial;
  EXPECT_TRUE(still_offered) << "the abandoned sign-out left the item unavailable";
  EXPECT_EQ(server_->Stop(SIGTERM, std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace custodian
