// The site simulator as a test or a person uses it: banks built from small lockers and items CSV
// texts, acted on through the JSON control interface over a real loopback socket, and watched by
// the real driver (ModbusTcpController) over Modbus TCP. Then the auto officer answering the
// driver's unlocks (taking the item it was told to expect), and `custodian sim` itself, started
// and stopped as a process.
//
// Waits are for asynchronous effects with a generous deadline (the driver polls every 20 ms, the
// auto officer pauses 100 ms); nothing asserts how fast anything is.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "hardware/modbus/modbus_tcp_controller.h"
#include "hardware/sim/control.h"
#include "hardware/sim/site_simulator.h"
#include "store/files.h"
#include "testing/driver_recorder.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

extern char** environ;

namespace custodian {
namespace {

using app::BankEvent;
using app::CompartmentReading;
using hardware::modbus::BankConfig;
using hardware::modbus::DriverOptions;
using hardware::modbus::ModbusTcpController;
using hardware::sim::SiteSimulator;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kRadio = "E28011700000020000000001";
const std::string kRifle = "E28011700000020000000002";
const std::string kRifle2 = "E28011700000020000000003";
const std::string kStranger = "E280117000000200000000FF";

const std::string kLockers =
    "site,bank,compartment,size,features\n"
    "HQ,A,1,small,charging;rfid;scale\n"
    "HQ,A,2,medium,rfid;scale\n"
    "HQ,A,3,small,refrigerated;rfid\n"
    "HQ,A,4,large,pass_through;rfid;scale\n"
    "HQ,B,9,long_gun,rfid;scale\n"
    "HQ,B,7,long_gun,rfid;scale\n";
const std::string kItems =
    "serial,type,tag,site,bank,compartment,weight_g\n"
    "RAD-1,RADIO,e28011700000020000000001,HQ,A,1,410\n"
    "R-1,RIFLE,E28011700000020000000002,HQ,B,7,3400\n"
    "R-2,RIFLE,E28011700000020000000003,HQ,B,7,3500\n";

// A client of the control interface: one connection, one request line, one response line.
class ControlClient {
 public:
  explicit ControlClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{5, 0};  // a test that waits longer than this has failed anyway
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~ControlClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void SendRaw(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
  // The next response line ("" if the connection closed or nothing came within 5 s).
  std::string ReadLine() {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }
  json Ask(const std::string& request) {
    SendRaw(request + "\n");
    const std::string line = ReadLine();
    json j = json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << request << " → " << line;
    return j;
  }
  // Asks and expects ok; returns the response.
  json Ok(const std::string& request) {
    json j = Ask(request);
    EXPECT_EQ(j.value("ok", false), true) << request << " → " << j.dump();
    return j;
  }
  std::string Error(const std::string& request) {
    json j = Ask(request);
    EXPECT_EQ(j.value("ok", true), false) << request << " → " << j.dump();
    return j.value("error", "");
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::string At(const std::string& op, const std::string& bank, const std::string& compartment,
               const std::string& more = "") {
  return R"({"op":")" + op + R"(","site":"HQ","bank":")" + bank + R"(","compartment":")" +
         compartment + "\"" + more + "}";
}

using Recorder = testing::DriverRecorder;
DriverOptions Fast() { return testing::FastDriverOptions(); }

std::vector<BankConfig> DriverConfig(const SiteSimulator& sim) {
  std::vector<BankConfig> banks;
  for (const auto& b : sim.banks()) {
    banks.push_back({b.site, b.bank, "127.0.0.1", b.port, b.compartments});
  }
  return banks;
}

// ---- From the CSV files -----------------------------------------------------------------------

TEST(SitePlanTest, BanksFollowTheLockersFileAndItemsSitInTheirHomes) {
  auto plan = hardware::sim::PlanSite(kLockers, kItems);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->banks.size(), 2u);
  EXPECT_EQ(plan->banks[0].bank, "A");
  EXPECT_EQ(plan->banks[1].names, (std::vector<std::string>{"9", "7"}));  // file order
  const auto& a = plan->banks[0].compartments;
  EXPECT_TRUE(a[0].charger && a[0].scale && !a[0].thermometer);
  EXPECT_TRUE(!a[2].scale && a[2].thermometer);
  EXPECT_TRUE(a[3].pass_through && !a[0].pass_through);
  ASSERT_EQ(plan->banks[0].items[0].size(), 1u);
  const auto& radio = plan->banks[0].items[0][0];
  EXPECT_EQ(radio.tag, kRadio);  // upper-cased, as import records it
  EXPECT_EQ(radio.weight_g, 410u);
  EXPECT_EQ(radio.charge_percent, hardware::sim::DeterministicCharge(kRadio));
  EXPECT_GE(*radio.charge_percent, 80);
  EXPECT_LE(*radio.charge_percent, 100);
  EXPECT_FALSE(plan->banks[1].items[1][0].charge_percent);  // no charger in HQ/B/7
}

TEST(SitePlanTest, ABadFileIsNamedWithItsLineAndColumnAsImportNamesIt) {
  auto bad_feature = hardware::sim::PlanSite(
      "site,bank,compartment,size,features\nHQ,A,1,small,rfid\nHQ,A,2,small,scales\n", kItems);
  ASSERT_FALSE(bad_feature);
  EXPECT_THAT(bad_feature.error().message(), HasSubstr("lockers file: line 3: features: "));
  auto homeless = hardware::sim::PlanSite(
      kLockers,
      "serial,type,tag,site,bank,compartment,weight_g\nX-1,RADIO,E28011700000020000000009,HQ,A,"
      "5,1\n");
  ASSERT_FALSE(homeless);
  EXPECT_EQ(homeless.error().message(),
            "items file: line 2: compartment: there is no compartment HQ/A/5 (import it with the "
            "lockers first)");
  auto empty = hardware::sim::PlanSite("site,bank,compartment,size,features\n", kItems);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "lockers file: no compartments, so no bank to simulate");
}

// ---- The control interface, watched by the driver ---------------------------------------------

class SimControlTest : public ::testing::Test {
 protected:
  void SetUp() override { Begin(SiteSimulator::Options{}); }
  void Begin(SiteSimulator::Options options) {
    options.pulse = 30s;
    auto sim = SiteSimulator::Start(kLockers, kItems, options);
    ASSERT_TRUE(sim) << sim.error().ToString();
    sim_ = std::move(*sim);
    auto control = hardware::sim::ControlServer::Start(*sim_, 0);
    ASSERT_TRUE(control) << control.error().ToString();
    control_ = std::move(*control);
    client_ = std::make_unique<ControlClient>(control_->port());
    ASSERT_TRUE(client_->connected());
    driver_ =
        std::make_unique<ModbusTcpController>(DriverConfig(*sim_), Fast(), recorder_.Callbacks());
    driver_->Start();
    ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOnline, 2));
    ASSERT_TRUE(recorder_.WaitForReading("A", "1", true, {kRadio}));
  }
  void TearDown() override {
    driver_.reset();
    client_.reset();
    control_.reset();
    sim_.reset();
  }

  Recorder recorder_;
  std::unique_ptr<SiteSimulator> sim_;
  std::unique_ptr<hardware::sim::ControlServer> control_;
  std::unique_ptr<ControlClient> client_;
  std::unique_ptr<ModbusTcpController> driver_;
};

TEST_F(SimControlTest, EveryBankServesOnItsOwnPortAndBanksListsThemForTheDriver) {
  json banks = client_->Ok(R"({"op":"banks"})");
  ASSERT_EQ(banks["banks"].size(), 2u);
  EXPECT_EQ(banks["banks"][1]["bank"], "B");
  EXPECT_EQ(banks["banks"][1]["host"], "127.0.0.1");
  EXPECT_EQ(banks["banks"][1]["port"], sim_->banks()[1].port);
  EXPECT_EQ(banks["banks"][1]["compartments"], json({"9", "7"}));
  EXPECT_NE(sim_->banks()[0].port, sim_->banks()[1].port);
  // The driver reads both banks, compartments named as in the file.
  EXPECT_TRUE(recorder_.WaitForReading("B", "7", true, {kRifle, kRifle2}));
  EXPECT_TRUE(recorder_.WaitForReading("B", "9", true, {}));
}

TEST_F(SimControlTest, APutThroughAnOpenDoorShowsTheTagToTheDriver) {
  EXPECT_EQ(client_->Error(At("put", "A", "2", R"(,"tag":")" + kStranger + "\"")),
            "the door of HQ/A/2 is closed: open it first (open_door or force_door)");
  client_->Ok(At("force_door", "A", "2"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "2", false, {}));
  EXPECT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kForcedDoor, 1));
  client_->Ok(At("put", "A", "2", R"(,"tag":")" + kStranger + R"(","weight_g":250)"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "2", false, {kStranger}));
  client_->Ok(At("close_door", "A", "2"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "2", true, {kStranger}));

  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"2"})");
  ASSERT_EQ(state["banks"].size(), 1u);
  const json& c = state["banks"][0]["compartments"][0];
  EXPECT_EQ(c["door"], "closed");
  EXPECT_EQ(c["lock"], "engaged");
  EXPECT_EQ(c["weight_g"], 250);
  EXPECT_EQ(c["items"], json::parse(R"([{"tag":")" + kStranger + R"(","weight_g":250}])"));
  // A tag is in one place at a time.
  client_->Ok(At("force_door", "A", "1"));
  EXPECT_EQ(client_->Error(At("put", "A", "1", R"(,"tag":")" + kStranger + "\"")),
            "tag " + kStranger + " is already in HQ/A/2 (take it out there first)");
}

TEST_F(SimControlTest, ADoorOpensOnlyAfterTheDriverUnlocksItAndTakeRemovesTheItem) {
  EXPECT_EQ(client_->Error(At("open_door", "A", "1")),
            "the lock of HQ/A/1 is engaged: the door does not open (use force_door)");
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, app::Door::kOuter).ok());
  client_->Ok(At("open_door", "A", "1"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", false, {kRadio}));
  EXPECT_EQ(client_->Error(At("take", "A", "1", R"(,"tag":")" + kRifle + "\"")),
            "HQ/A/1 holds no item with tag " + kRifle + " (it holds " + kRadio + ")");
  json taken = client_->Ok(At("take", "A", "1", R"(,"tag":")" + kRadio + "\""));
  EXPECT_EQ(taken["item"]["serial"], "RAD-1");
  EXPECT_EQ(taken["item"]["weight_g"], 410);
  EXPECT_EQ(taken["item"]["charge"], hardware::sim::DeterministicCharge(kRadio));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", false, {}));
  client_->Ok(At("close_door", "A", "1"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", true, {}));
  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"1"})");
  EXPECT_EQ(state["banks"][0]["compartments"][0]["lock"], "engaged");  // caught the door
  EXPECT_EQ(client_->Error(At("close_door", "A", "1")), "the door of HQ/A/1 is already closed");
}

TEST_F(SimControlTest, TheInnerDoorOfAPassThroughCompartmentOpensOnlyAfterTheInnerUnlock) {
  const std::string inner = R"(,"door":"inner")";
  EXPECT_EQ(client_->Error(At("open_door", "A", "4", inner)),
            "the inner lock of HQ/A/4 is engaged: the door does not open (use force_door)");
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "4"}, app::Door::kInner).ok());
  EXPECT_EQ(client_->Error(At("open_door", "A", "4")),  // the outer lock did not move
            "the lock of HQ/A/4 is engaged: the door does not open (use force_door)");
  client_->Ok(At("open_door", "A", "4", inner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "4", true, false));
  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"4"})");
  const json& c = state["banks"][0]["compartments"][0];
  EXPECT_EQ(c["door"], "closed");
  EXPECT_EQ(c["lock"], "engaged");
  EXPECT_EQ(c["inner_door"], "open");
  EXPECT_EQ(c["inner_lock"], "released");
  EXPECT_EQ(client_->Error(At("open_door", "A", "4", inner)),
            "the inner door of HQ/A/4 is already open");
  // Evidence goes in from the property room.
  client_->Ok(At("put", "A", "4", R"(,"tag":")" + kStranger + R"(","weight_g":90)"));
  EXPECT_TRUE(recorder_.WaitForReading("A", "4", true, {kStranger}));
  client_->Ok(At("close_door", "A", "4", inner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "4", true, true));
  state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"4"})");
  EXPECT_EQ(state["banks"][0]["compartments"][0]["inner_lock"], "engaged");  // caught the door
  EXPECT_EQ(client_->Error(At("close_door", "A", "4", inner)),
            "the inner door of HQ/A/4 is already closed");
  EXPECT_EQ(client_->Error(At("take", "A", "4", R"(,"tag":")" + kStranger + "\"")),
            "both doors of HQ/A/4 are closed: open one first (open_door or force_door)");
  // Forced, like the outer door; "outer" is the default spelled out.
  client_->Ok(At("force_door", "A", "4", inner));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "4", true, false));
  client_->Ok(At("force_door", "A", "4", R"(,"door":"outer")"));
  EXPECT_TRUE(recorder_.WaitForDoors("A", "4", false, false));
}

TEST_F(SimControlTest, AnInnerDoorIsRefusedWhereThereIsNone) {
  const std::string none =
      "HQ/A/1 has no inner door: it is not a pass-through compartment (its features in the "
      "lockers file do not include pass_through)";
  for (const char* op : {"open_door", "force_door", "close_door"}) {
    EXPECT_EQ(client_->Error(At(op, "A", "1", R"(,"door":"inner")")), none) << op;
  }
  EXPECT_EQ(client_->Error(At("open_door", "A", "1", R"(,"door":"back")")),
            "door: must be \"outer\" or \"inner\" (the inner door of a pass-through "
            "compartment), not \"back\"");
  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"1"})");
  EXPECT_FALSE(state["banks"][0]["compartments"][0].contains("inner_door"));
  // The driver's inner unlock of it is acknowledged and moves nothing.
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, app::Door::kInner).ok());
  EXPECT_EQ(client_->Error(At("open_door", "A", "1")),
            "the lock of HQ/A/1 is engaged: the door does not open (use force_door)");
}

TEST_F(SimControlTest, SensorsAndAlarmsReachTheDriver) {
  client_->Ok(At("set_tamper", "A", "3", R"(,"on":true)"));
  EXPECT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kTamper, 1));
  client_->Ok(R"({"op":"set_mains","site":"HQ","bank":"B","on":false})");
  EXPECT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kMainsLost, 1));
  client_->Ok(R"({"op":"set_fire_alarm","site":"HQ","bank":"A","on":true})");
  EXPECT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kFireAlarm, 1));
  client_->Ok(At("set_temperature", "A", "3", R"(,"deci_c":95)"));
  client_->Ok(At("set_weight", "A", "1", R"(,"grams":12)"));
  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A"})");
  const json& a = state["banks"][0];
  EXPECT_EQ(a["mains"], true);
  EXPECT_EQ(a["fire_alarm"], true);
  EXPECT_EQ(a["compartments"][0]["weight_g"], 12);
  EXPECT_EQ(a["compartments"][2]["temperature_deci_c"], 95);
  EXPECT_EQ(a["compartments"][2]["weight_g"], nullptr);  // no scale
  EXPECT_EQ(a["compartments"][2]["tamper"], true);
  client_->Ok(At("set_weight", "A", "1", R"(,"grams":null)"));
  state = client_->Ok(R"({"op":"state","site":"HQ","bank":"A","compartment":"1"})");
  EXPECT_EQ(state["banks"][0]["compartments"][0]["weight_g"], 410);  // the items' sum again
  EXPECT_EQ(client_->Error(At("set_weight", "A", "3", R"(,"grams":5)")),
            "HQ/A/3 has no scale (its features in the lockers file do not include scale)");
  EXPECT_EQ(client_->Error(At("set_temperature", "A", "1", R"(,"deci_c":5)")),
            "HQ/A/1 has no thermometer (only refrigerated compartments have one)");
}

TEST_F(SimControlTest, ABankDroppedOffTheNetworkIsOfflineUntilPutBack) {
  client_->Ok(R"({"op":"set_offline","site":"HQ","bank":"B","on":true})");
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOffline, 1));
  EXPECT_EQ(driver_->Unlock({"HQ", "B", "7"}, app::Door::kOuter).code(),
            core::StatusCode::kUnavailable);
  json state = client_->Ok(R"({"op":"state","site":"HQ","bank":"B"})");
  EXPECT_EQ(state["banks"][0]["offline"], true);
  client_->Ok(R"({"op":"set_offline","site":"HQ","bank":"B","on":false})");
  ASSERT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kOnline, 3));
  EXPECT_TRUE(driver_->Unlock({"HQ", "B", "7"}, app::Door::kOuter).ok());
  // Slow answers and garbage are faults of a bank too.
  client_->Ok(R"({"op":"send_garbage","site":"HQ","bank":"A","answers":1})");
  EXPECT_TRUE(recorder_.WaitForEvents(BankEvent::Kind::kBadAnswer, 1));
  client_->Ok(R"({"op":"set_delay","site":"HQ","bank":"A","ms":0})");
}

TEST_F(SimControlTest, UnknownPlacesAreNamedWithWhatThereIs) {
  EXPECT_EQ(client_->Error(At("open_door", "Z", "1")),
            "there is no bank HQ/Z (the banks: HQ/A, HQ/B)");
  EXPECT_EQ(client_->Error(At("open_door", "B", "1")),
            "bank HQ/B has no compartment \"1\" (its compartments: 9, 7)");
  EXPECT_EQ(client_->Error(R"({"op":"state","site":"N"})"), "no bank is at site \"N\"");
  EXPECT_EQ(client_->Error(R"({"op":"state","site":"HQ","bank":"C"})"), "there is no bank HQ/C");
}

TEST_F(SimControlTest, GarbageLinesGetAnErrorAndTheConnectionStaysUsable) {
  EXPECT_THAT(client_->Error("hello"), HasSubstr("not JSON: "));
  EXPECT_THAT(client_->Error("{\"op\":\"opne_door\"}"), HasSubstr("op: unknown \"opne_door\""));
  EXPECT_THAT(client_->Error(std::string("\xff\x00\x01{", 4)), HasSubstr("not JSON: "));
  // A line over 64 KiB is refused once, as it arrives, and the rest of it is skipped.
  client_->SendRaw(std::string(100'000, 'x') + "\n");
  json big = json::parse(client_->ReadLine(), nullptr, false);
  EXPECT_EQ(big.value("error", ""), "line: longer than 65536 bytes; rejected");
  // Several requests in one write, the last with CRLF, are answered in order.
  client_->SendRaw("{\"op\":\"banks\"}\n{\"op\":\"bogus\"}\n{\"op\":\"state\"}\r\n");
  EXPECT_EQ(json::parse(client_->ReadLine())["ok"], true);
  EXPECT_EQ(json::parse(client_->ReadLine())["ok"], false);
  EXPECT_EQ(json::parse(client_->ReadLine())["ok"], true);
  // Another client is served alongside.
  ControlClient other(control_->port());
  ASSERT_TRUE(other.connected());
  other.Ok(R"({"op":"banks"})");
  client_->Ok(R"({"op":"banks"})");
}

// ---- The auto officer --------------------------------------------------------------------------

class SimAutoTest : public SimControlTest {
 protected:
  void SetUp() override {
    SiteSimulator::Options o;
    o.auto_officer = true;
    o.auto_pause = 100ms;
    o.log = [this](const std::string& line) {
      std::lock_guard l(mu_);
      log_.push_back(line);
    };
    Begin(o);
  }
  std::vector<std::string> Log() {
    std::lock_guard l(mu_);
    return log_;
  }
  std::mutex mu_;
  std::vector<std::string> log_;
};

TEST_F(SimAutoTest, TheOfficerTakesTheItemOfAnUnlockedCompartmentAndLaterPutsItBack) {
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, app::Door::kOuter).ok());
  ASSERT_TRUE(recorder_.WaitForReading("A", "1", true, {}));  // opened, took, closed
  EXPECT_TRUE(recorder_.Saw("A", "1", false, {kRadio}));      // the door was open with the radio
  EXPECT_TRUE(recorder_.Saw("A", "1", false, {}));
  json state = client_->Ok(R"({"op":"state"})");
  ASSERT_EQ(state["pocket"].size(), 1u);
  EXPECT_EQ(state["pocket"][0]["tag"], kRadio);
  EXPECT_EQ(state["pocket"][0]["home"], "HQ/A/1");
  EXPECT_EQ(state["banks"][0]["compartments"][0]["lock"], "engaged");

  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, app::Door::kOuter).ok());  // the return
  ASSERT_TRUE(recorder_.WaitForReading("A", "1", true, {kRadio}));
  EXPECT_TRUE(sim_->Pocket().empty());
  const std::vector<std::string> log = Log();
  EXPECT_EQ(log,
            (std::vector<std::string>{
                "auto: HQ/A/1: opened the door", "auto: HQ/A/1: took " + kRadio + " (RAD-1)",
                "auto: HQ/A/1: closed the door", "auto: HQ/A/1: opened the door",
                "auto: HQ/A/1: put back " + kRadio + " (RAD-1)", "auto: HQ/A/1: closed the door"}));
}

TEST_F(SimAutoTest, TheOfficerTakesTheExpectedItemNotTheFirstAndOnlyOnTheNextVisit) {
  // Two rifles in HQ/B/7; the server granted the second. A later expect replaces an earlier one.
  client_->Ok(At("expect", "B", "7", R"(,"tag":")" + kRifle + "\""));
  client_->Ok(At("expect", "B", "7", R"(,"tag":")" + kRifle2 + "\""));
  ASSERT_TRUE(driver_->Unlock({"HQ", "B", "7"}, app::Door::kOuter).ok());
  ASSERT_TRUE(recorder_.WaitForReading("B", "7", true, {kRifle}));
  EXPECT_TRUE(recorder_.Saw("B", "7", false, {kRifle, kRifle2}));
  ASSERT_EQ(sim_->Pocket().size(), 1u);
  EXPECT_EQ(sim_->Pocket()[0].item.tag, kRifle2);
  EXPECT_EQ(sim_->Pocket()[0].home, (domain::CompartmentKey{"HQ", "B", "7"}));
  EXPECT_THAT(Log(),
              ::testing::Contains("auto: HQ/B/7: took " + kRifle2 + " (R-2), the expected item"));
  // The visit used the expectation up: the next one puts the rifle back, as without one.
  ASSERT_TRUE(driver_->Unlock({"HQ", "B", "7"}, app::Door::kOuter).ok());
  ASSERT_TRUE(recorder_.WaitForReading("B", "7", true, {kRifle, kRifle2}));
  EXPECT_TRUE(sim_->Pocket().empty());
  EXPECT_THAT(Log(), ::testing::Contains("auto: HQ/B/7: put back " + kRifle2 + " (R-2)"));
}

TEST_F(SimAutoTest, AnExpectedItemThatIsNotThereIsNotReplacedByAnother) {
  ASSERT_TRUE(sim_->Expect({"HQ", "A", "1"}, kStranger).ok());
  ASSERT_TRUE(driver_->Unlock({"HQ", "A", "1"}, app::Door::kOuter).ok());
  ASSERT_TRUE(recorder_.WaitFor([&](const auto&, const auto&) {
    const auto log = Log();
    return std::find(log.begin(), log.end(), "auto: HQ/A/1: closed the door") != log.end();
  }));
  EXPECT_EQ(Log(), (std::vector<std::string>{
                       "auto: HQ/A/1: opened the door",
                       "auto: HQ/A/1: expected " + kStranger + ", which is not here: took nothing",
                       "auto: HQ/A/1: closed the door"}));
  EXPECT_TRUE(sim_->Pocket().empty());
  EXPECT_TRUE(recorder_.WaitForReading("A", "1", true, {kRadio}));
  EXPECT_FALSE(sim_->Bank(0).LockReleased(0));  // the closed door engaged the lock
}

TEST_F(SimAutoTest, AnExpectationNeedsAKnownCompartmentAndATag) {
  auto unknown = sim_->Expect({"HQ", "B", "1"}, kRifle);
  EXPECT_EQ(unknown.code(), core::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "bank HQ/B has no compartment \"1\" (its compartments: 9, 7)");
  auto bad = sim_->Expect({"HQ", "B", "7"}, "R-2");
  EXPECT_EQ(bad.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "a tag is 24 hexadecimal digits, not all zero, not \"R-2\"");
  EXPECT_EQ(sim_->Expect({"HQ", "B", "7"}, "000000000000000000000000").code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->Error(At("expect", "Z", "7", R"(,"tag":")" + kRifle + "\"")),
            "there is no bank HQ/Z (the banks: HQ/A, HQ/B)");
  EXPECT_EQ(client_->Error(At("expect", "B", "7", R"(,"tag":"R-2")")),
            "tag: \"R-2\" must be 24 hexadecimal digits (0-9, A-F)");
}

TEST_F(SimControlTest, ExpectIsRefusedWhenThereIsNoAutoOfficer) {
  EXPECT_EQ(client_->Error(At("expect", "B", "7", R"(,"tag":")" + kRifle2 + "\"")),
            "the auto officer is off, so nobody visits HQ/B/7 to take the item (start custodian "
            "sim with --auto)");
}

TEST_F(SimAutoTest, AnUnlockThatIsTakenBackBeforeThePauseLeavesTheDoorShut) {
  ASSERT_TRUE(driver_->Unlock({"HQ", "B", "9"}, app::Door::kOuter).ok());
  ASSERT_TRUE(driver_->Relock({"HQ", "B", "9"}, app::Door::kOuter).ok());
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(recorder_.Saw("B", "9", false, {}));
  EXPECT_THAT(Log(),
              ::testing::Contains("auto: HQ/B/9: the lock engaged again before I opened the door"));
}

// ---- The command ------------------------------------------------------------------------------

TEST(SimCliTest, RunsUntilSigtermWritesTheBankConfigurationAndAnswersOnItsControlPort) {
  testing::TempDir dir;
  ASSERT_TRUE(store::WriteFileDurably(dir.file("lockers.csv"), core::AsBytes(kLockers),
                                      std::filesystem::perms::owner_all)
                  .ok());
  ASSERT_TRUE(store::WriteFileDurably(dir.file("items.csv"), core::AsBytes(kItems),
                                      std::filesystem::perms::owner_all)
                  .ok());
  const std::string bin = testing::CustodianBin();
  const std::string banks_out = dir.file("banks.json");
  std::vector<std::string> args = {bin,           "sim",
                                   "--lockers",   dir.file("lockers.csv"),
                                   "--items",     dir.file("items.csv"),
                                   "--banks-out", banks_out,
                                   "--auto"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, dir.file("out").c_str(), O_WRONLY | O_CREAT, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, dir.file("err").c_str(), O_WRONLY | O_CREAT, 0600);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  json config;
  for (int i = 0; i < 200 && !config.is_object(); ++i) {
    std::this_thread::sleep_for(50ms);
    auto text = store::ReadFile(banks_out);
    if (text) config = json::parse(*text, nullptr, false);
  }
  ASSERT_TRUE(config.is_object()) << store::ReadFile(dir.file("err")).value();
  ASSERT_EQ(config["banks"].size(), 2u);
  EXPECT_EQ(config["banks"][0]["compartments"], json({"1", "2", "3", "4"}));
  ControlClient client(config["control_port"].get<uint16_t>());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.Ok(R"({"op":"banks"})")["banks"], config["banks"]);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto out = store::ReadFile(dir.file("out"));
  ASSERT_TRUE(out);
  EXPECT_EQ(json::parse(out->substr(0, out->find('\n'))), config);  // stdout: the same JSON
  EXPECT_THAT(store::ReadFile(dir.file("err")).value(), HasSubstr("stopping (SIGTERM)"));
}

TEST(SimCliTest, ABadLockersFileIsExitTwoWithTheLineAndColumn) {
  testing::TempDir dir;
  std::ofstream(dir.file("lockers.csv")) << "site,bank,compartment,size,features\nHQ,A,1,tiny,\n";
  std::ofstream(dir.file("items.csv")) << "serial,type,tag,site,bank,compartment,weight_g\n";
  auto r = testing::Run(testing::CustodianBin() + " sim --lockers " + dir.file("lockers.csv") +
                            " --items " + dir.file("items.csv"),
                        true);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("error: InvalidArgument: lockers file: line 2: size: "));
}

}  // namespace
}  // namespace custodian
