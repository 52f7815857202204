// The custody commands — `import`, `access explain`, `access list`, `demo seed` — run as a user
// runs them: the real binary on real files, checking exit codes, the printed lines people and
// scripts read, and what ended up in the ledger and the credential vault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "app/demo_agency.h"
#include "store/argon2_pins.h"
#include "store/files.h"
#include "store/sqlite/sqlite_credential_vault.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace custodian {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Monday 23 Nov 2026, noon in New York.
constexpr const char* kMondayNoon = "2026-11-23T17:00:00Z";

constexpr const char* kSites =
    "code,name,timezone\n"
    "HQ,Headquarters,America/New_York\n"
    "N,\"North Precinct, Annex B\",America/Chicago\n";
constexpr const char* kLockers =
    "site,bank,compartment,size,features\n"
    "HQ,A,1,long_gun,rfid;scale\n"
    "HQ,A,2,small,charging;rfid\n"
    "HQ,A,3,medium,rfid;scale\n"
    "N,A,1,medium,\n";
constexpr const char* kTypes =
    "type,category,certifications,loan_hours,two_person,chargeable,service_every_signouts,"
    "service_every_days\n"
    "PISTOL,firearm,FIREARM,12,no,no,,365\n"
    "CEW,less_lethal,CEW,12,no,yes,500,365\n"
    "RIFLE,firearm,FIREARM;RIFLE,8,yes,no,,180\n";
// 1001's PIN is given; 1002's and 9001's are generated.
constexpr const char* kPeople =
    "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n"
    "1001,\"Doe, Ana\",officer,HQ,CEW@2026-11-20;FIREARM@2030-12-31,2030-01-31,,4821\n"
    "1002,Ben Roe,officer,HQ;N,FIREARM@2030-12-31,2030-01-31,Mon-Fri 06:00-18:00,\n"
    "9001,\"Auditor, Cy\",auditor,*,,,,\n";
constexpr const char* kItems =
    "serial,type,tag,site,bank,compartment,weight_g\n"
    "P-1,PISTOL,E28011700000020000000001,HQ,A,3,900\n"
    "T-07,CEW,e28011700000020000000abc,HQ,A,2,410\n"
    "R-17,RIFLE,E28011700000020000000ABD,HQ,A,1,3400\n";

// The number written just before `what` in `text` ("202" for " items" in "…, 202 items, …"), or
// -1 when `what` is not there or has no number before it.
int NumberBefore(const std::string& text, const std::string& what) {
  const size_t at = text.find(what);
  if (at == std::string::npos) return -1;
  size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  return start == at ? -1 : std::stoi(text.substr(start, at - start));
}

class CustodyCliTest : public ::testing::Test {
 protected:
  testing::RunResult Cli(const std::string& args, bool stderr_too = false) {
    return testing::Run(testing::CustodianBin() + " " + args, stderr_too);
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  testing::RunResult Import(const std::string& kind, const std::string& csv) {
    return Cli("import " + kind + " " + Write(kind + ".csv", csv) + " --data " + data_, true);
  }
  void ImportAll() {
    for (const auto& [kind, csv] :
         std::vector<std::pair<std::string, std::string>>{{"sites", kSites},
                                                          {"lockers", kLockers},
                                                          {"types", kTypes},
                                                          {"people", kPeople},
                                                          {"items", kItems}}) {
      auto r = Import(kind, csv);
      ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.out;
    }
  }
  // `ledger status` as kind → events, plus "events" → the total.
  std::map<std::string, int> Status() {
    std::map<std::string, int> out;
    auto r = Cli("ledger status --data " + data_);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (const std::string& line : r.lines()) {
      std::istringstream words(line);
      std::string first, kind;
      int n = 0;
      if (line.rfind("events ", 0) == 0 && (words >> first >> n)) out["events"] = n;
      if (line.rfind("kind ", 0) == 0 && (words >> first >> kind >> n)) out[kind] = n;
    }
    return out;
  }
  std::string PinHash(const std::string& badge) {
    auto vault = store::SqliteCredentialVault::Open(data_ + "/credentials.db");
    EXPECT_TRUE(vault.has_value()) << vault.error().ToString();
    if (!vault) return "";
    auto hash = (*vault)->PinHash(badge);
    EXPECT_TRUE(hash.has_value() && hash->has_value()) << "no PIN hash for " << badge;
    return hash.has_value() && hash->has_value() ? **hash : "";
  }

  testing::TempDir dir_;
  std::string data_ = dir_.file("agency");
};

// ---------------------------------------------------------------------------------------------
// import

TEST_F(CustodyCliTest, ImportsEachKindInOrderRecordingOneEventPerRowThatVerifies) {
  EXPECT_THAT(Import("sites", kSites).out,
              HasSubstr("imported 2 sites from " + dir_.file("sites.csv")));
  EXPECT_THAT(Import("lockers", kLockers).out, HasSubstr("imported 4 lockers from "));
  EXPECT_THAT(Import("types", kTypes).out, HasSubstr("imported 3 types from "));
  EXPECT_THAT(Import("people", kPeople).out, HasSubstr("imported 3 people from "));
  EXPECT_THAT(Import("items", kItems).out, HasSubstr("imported 3 items from "));
  auto status = Status();
  EXPECT_EQ(status["site.defined"], 2);
  EXPECT_EQ(status["compartment.defined"], 4);
  EXPECT_EQ(status["item_type.defined"], 3);
  EXPECT_EQ(status["person.defined"], 3);
  EXPECT_EQ(status["item.defined"], 3);
  EXPECT_EQ(status["events"], 15);
  auto verify = Cli("ledger verify --data " + data_);
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_THAT(verify.last_line(), StartsWith("ok: 15 events, root "));
}

TEST_F(CustodyCliTest, GeneratedPinsGoToALetterOnlyItsOwnerCanReadAndEveryPinIsHashed) {
  ImportAll();
  const std::string letter = dir_.file("people.csv.pins");
  struct stat st {};
  ASSERT_EQ(::stat(letter.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = *store::ReadFile(letter);
  const std::vector<std::string> lines = testing::RunResult{0, text}.lines();
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_EQ(lines[0], "badge,name,pin");
  ASSERT_THAT(lines[1], StartsWith("1002,Ben Roe,"));
  ASSERT_THAT(lines[2], StartsWith("9001,\"Auditor, Cy\","));  // quoted: the letter is CSV
  const std::string ben = lines[1].substr(lines[1].rfind(',') + 1);
  const std::string cy = lines[2].substr(lines[2].rfind(',') + 1);
  for (const std::string& pin : {ben, cy}) {
    EXPECT_EQ(pin.size(), 6u);
    EXPECT_EQ(pin.find_first_not_of("0123456789"), std::string::npos) << pin;
  }
  // The given PIN is not in the letter, and each PIN matches only its own hash.
  EXPECT_THAT(text, Not(HasSubstr("4821")));
  const store::Argon2PinHasher hasher;
  EXPECT_TRUE(hasher.Matches(PinHash("1001"), "4821"));
  EXPECT_TRUE(hasher.Matches(PinHash("1002"), ben));
  EXPECT_TRUE(hasher.Matches(PinHash("9001"), cy));
  EXPECT_FALSE(hasher.Matches(PinHash("1002"), "4821"));
}

TEST_F(CustodyCliTest, ABadRowNamesFileAndLineExitsTwoAndRecordsNothing) {
  ASSERT_EQ(Import("sites", kSites).exit_code, 0);
  ASSERT_EQ(Import("lockers", kLockers).exit_code, 0);
  ASSERT_EQ(Import("types", kTypes).exit_code, 0);
  const auto before = Status();

  // Line 3 has a PIN with a letter in it: the message names the line, never the PIN.
  auto bad_pin = Import("people",
                        "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n"
                        "1001,Ana Doe,officer,HQ,,,,4821\n"
                        "1002,Ben Roe,officer,HQ,,,,98x7\n");
  EXPECT_EQ(bad_pin.exit_code, 2) << bad_pin.out;
  EXPECT_THAT(bad_pin.out, HasSubstr("error: InvalidArgument: " + dir_.file("people.csv") +
                                     ": line 3: pin: must be 4 to 12 digits"));
  EXPECT_THAT(bad_pin.out, Not(HasSubstr("98x7")));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("people.csv.pins")));

  // An item in a bank that was never imported.
  auto no_bank = Import("items",
                        "serial,type,tag,site,bank,compartment,weight_g\n"
                        "P-1,PISTOL,E28011700000020000000001,HQ,A,3,900\n"
                        "P-2,PISTOL,E28011700000020000000002,HQ,B,9,900\n");
  EXPECT_EQ(no_bank.exit_code, 2) << no_bank.out;
  EXPECT_THAT(no_bank.out, HasSubstr("line 3: bank: site HQ has no locker bank \"B\""));

  auto header = Import("sites", "code,name,tz\nX,X,UTC\n");
  EXPECT_EQ(header.exit_code, 2);
  EXPECT_THAT(header.out, HasSubstr("line 1: header: unknown column \"tz\""));

  auto kind = Cli("import widgets " + Write("w.csv", "a\n") + " --data " + data_, true);
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_THAT(kind.out, HasSubstr("unknown import kind \"widgets\""));

  EXPECT_EQ(Status(), before);  // not one event more
}

// ---------------------------------------------------------------------------------------------
// access explain, access list

TEST_F(CustodyCliTest, ExplainAllowsWithExitZeroAndDeniesWithExitThreeAndEveryReason) {
  ImportAll();
  const std::string at = std::string(" --at ") + kMondayNoon;
  auto allow = Cli("access explain --data " + data_ + " --badge 1001 --item P-1" + at);
  EXPECT_EQ(allow.exit_code, 0) << allow.out;
  EXPECT_EQ(allow.out, "ALLOW\n");

  auto deny = Cli("access explain --data " + data_ + " --badge 1001 --item T-07" + at);
  EXPECT_EQ(deny.exit_code, 3) << deny.out;
  EXPECT_THAT(deny.lines(),
              AllOf(Contains("DENY"),
                    Contains("  certification_expired: CEW T-07 withheld: your CEW certification "
                             "expired on 20 Nov 2026."),
                    Contains(StartsWith("  charge_unknown: "))));

  // A rifle needs a certification she lacks and, in any case, a second person.
  auto rifle = Cli("access explain --data " + data_ + " --badge 1001 --item R-17" + at);
  EXPECT_EQ(rifle.exit_code, 3);
  EXPECT_THAT(rifle.lines(), AllOf(Contains(StartsWith("  certification_missing: ")),
                                   Contains(StartsWith("  requires second_person_required: "))));

  // The same instant written with an offset; then Saturday, outside Ben's schedule.
  EXPECT_EQ(
      Cli("access explain --data " + data_ + " --badge 1002 --item P-1 --at 2026-11-23T12:00-05:00")
          .exit_code,
      0);
  auto saturday =
      Cli("access explain --data " + data_ + " --badge 1002 --item P-1 --at 2026-11-28T17:00:00Z");
  EXPECT_EQ(saturday.exit_code, 3);
  EXPECT_THAT(saturday.lines(), Contains(StartsWith("  outside_schedule: ")));

  auto auditor = Cli("access explain --data " + data_ + " --badge 9001 --item P-1" + at);
  EXPECT_EQ(auditor.exit_code, 3);
  EXPECT_THAT(auditor.lines(), Contains(StartsWith("  role_not_permitted: ")));
  auto stranger = Cli("access explain --data " + data_ + " --badge 4444 --item P-1" + at);
  EXPECT_EQ(stranger.exit_code, 3);
  EXPECT_THAT(stranger.lines(), Contains(StartsWith("  unknown_person: ")));
}

TEST_F(CustodyCliTest, ExplainRejectsAnInstantThatIsNotIso8601WithExitTwo) {
  ImportAll();
  for (const char* at :
       {"2026-11-23", "2026-11-23 17:00Z", "2026-02-30T10:00Z", "2026-11-23T25:00Z",
        "2026-11-23T12:00+5", "2026-11-23T12:00", "tomorrow"}) {
    auto r =
        Cli("access explain --data " + data_ + " --badge 1001 --item P-1 --at '" + at + "'", true);
    EXPECT_EQ(r.exit_code, 2) << at << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("is not an ISO-8601 instant")) << at;
  }
  auto none = Cli("access explain --data " + dir_.file("nowhere") + " --badge 1 --item P-1", true);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.out, HasSubstr("no ledger in"));
}

TEST_F(CustodyCliTest, ListShowsPerSiteWhatMayBeTakenAndWhatIsWithheldWithReasons) {
  ImportAll();
  auto r = Cli("access list --data " + data_ + " --badge 1001 --at " + kMondayNoon);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "site HQ (Headquarters): 1 may be taken, 2 withheld\n"
            "  take P-1 (PISTOL) from HQ/A/3\n"
            "  withheld R-17\n"
            "    certification_missing: RIFLE R-17 withheld: you have no RIFLE certification.\n"
            "  withheld T-07\n"
            "    certification_expired: CEW T-07 withheld: your CEW certification expired on 20 "
            "Nov 2026.\n"
            "    charge_unknown: CEW T-07 withheld: its charge has not been reported.\n");
  // Ben works at both sites; North has no items.
  auto ben = Cli("access list --data " + data_ + " --badge 1002 --at " + kMondayNoon);
  EXPECT_THAT(ben.lines(),
              Contains("site N (North Precinct, Annex B): 0 may be taken, 0 withheld"));
  auto unknown = Cli("access list --data " + data_ + " --badge 4444", true);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.out, HasSubstr("unknown badge \"4444\""));
}

// ---------------------------------------------------------------------------------------------
// demo seed

TEST_F(CustodyCliTest, DemoSeedImportsTheDemoAgencyOnceAndItsCredentialsShowWhatTheySay) {
  data_ = dir_.file("var/demo");  // parents are created
  auto seed = Cli("demo seed --data " + data_);
  ASSERT_EQ(seed.exit_code, 0) << seed.out;

  // The summary counts are what the ledger recorded.
  ASSERT_THAT(seed.out, StartsWith("seeded the demo agency in " + data_ + ": ")) << seed.out;
  const std::string summary = seed.lines()[0];
  auto status = Status();
  EXPECT_EQ(NumberBefore(summary, " sites, "), 3);
  EXPECT_EQ(NumberBefore(summary, " locker banks, "), 6);
  EXPECT_EQ(NumberBefore(summary, " sites, "), status["site.defined"]);
  EXPECT_EQ(NumberBefore(summary, " compartments, "), status["compartment.defined"]);
  EXPECT_EQ(NumberBefore(summary, " item types, "), status["item_type.defined"]);
  EXPECT_EQ(NumberBefore(summary, " items, "), status["item.defined"]);
  EXPECT_EQ(NumberBefore(summary, " people; "), status["person.defined"]);
  EXPECT_EQ(NumberBefore(summary, " charge readings, "), status["item.charge_observed"]);
  EXPECT_EQ(NumberBefore(summary, " items quarantined "), status["item.problem_reported"]);
  EXPECT_THAT(seed.out, HasSubstr("every demo person's PIN is 1234"));

  // Each demo credential is in the table, and each person's PIN 1234 has its own salted hash.
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const app::DemoAgency demo = app::MakeDemoAgency(today);
  for (const app::DemoCredential& c : demo.credentials) {
    EXPECT_THAT(seed.lines(), Contains(AllOf(StartsWith("  " + c.badge + " "), HasSubstr(c.name),
                                             HasSubstr(c.demonstrates))));
  }
  const store::Argon2PinHasher hasher;
  const std::string first = PinHash("1001"), second = PinHash("1002");
  EXPECT_TRUE(hasher.Matches(first, "1234"));
  EXPECT_TRUE(hasher.Matches(second, "1234"));
  EXPECT_NE(first, second);

  // Running it again changes nothing.
  auto again = Cli("demo seed --data " + data_);
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(again.out, "already seeded: 3 sites, " + std::to_string(status["item.defined"]) +
                           " items; nothing changed\n");
  EXPECT_EQ(Status(), status);
  auto verify = Cli("ledger verify --data " + data_);
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_THAT(verify.last_line(),
              StartsWith("ok: " + std::to_string(status["events"]) + " events"));

  // The officer whose CEW certification expired is denied a CEW, now; another may take items.
  const app::DemoCredential* expired = nullptr;
  for (const auto& c : demo.credentials) {
    if (c.demonstrates.find("CEW certification expired") != std::string::npos) expired = &c;
  }
  ASSERT_NE(expired, nullptr);
  auto deny = Cli("access explain --data " + data_ + " --badge " + expired->badge + " --item " +
                  expired->try_item);
  EXPECT_EQ(deny.exit_code, 3) << deny.out;
  EXPECT_THAT(deny.lines(), Contains(StartsWith("  certification_expired: CEW " +
                                                expired->try_item + " withheld: your CEW")));
  auto list = Cli("access list --data " + data_ + " --badge " + demo.credentials[0].badge);
  EXPECT_EQ(list.exit_code, 0);
  ASSERT_FALSE(list.lines().empty());
  EXPECT_THAT(list.lines()[0], StartsWith("site HQ (Headquarters): "));
  EXPECT_GT(NumberBefore(list.lines()[0], " may be taken, "), 0) << list.out;
}

TEST_F(CustodyCliTest, DemoSeedLeavesAnAgencyThatAlreadyHasSitesAlone) {
  ASSERT_EQ(Import("sites", kSites).exit_code, 0);
  const auto before = Status();
  auto seed = Cli("demo seed --data " + data_);
  EXPECT_EQ(seed.exit_code, 0);
  EXPECT_EQ(seed.out, "already seeded: 2 sites, 0 items; nothing changed\n");
  EXPECT_EQ(Status(), before);
  EXPECT_FALSE(std::filesystem::exists(data_ + "/credentials.db"));
}

}  // namespace
}  // namespace custodian
