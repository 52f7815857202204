#include "app/csv_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace custodian::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace domain;

// Given: site HQ with locker bank A (compartments 1 and 2), item type RADIO and radio R-1.
State World() {
  State s;
  const std::vector<DomainEvent> events = {
      SiteDefined{{"HQ", "Headquarters", "America/New_York"}},
      CompartmentDefined{{{"HQ", "A", "1"}, CompartmentSize::kSmall, {Feature::kCharging}}},
      CompartmentDefined{{{"HQ", "A", "2"}, CompartmentSize::kLarge, {}}},
      ItemTypeDefined{{"RADIO", Category::kRadio, {}, 12, false, true, 0, 0}},
      ItemDefined{{"R-1", "RADIO", "E28011700000020000000001", {"HQ", "A", "1"}, 350}},
  };
  for (const DomainEvent& e : events) {
    EXPECT_TRUE(s.Check(e).ok()) << s.Check(e).message();
    s.Apply(e, 1);
  }
  return s;
}

class CsvImport : public ::testing::Test {
 protected:
  CsvImport() {
    env_.zone_exists = [](std::string_view z) {
      return z == "UTC" || z == "America/New_York" || z == "Europe/London";
    };
    env_.new_pin = [this] { return std::to_string(500000 + ++pins_generated_); };
  }

  ImportPlan Plan(ImportKind kind, std::string_view csv) {
    auto plan = PlanImport(kind, csv, state_, env_);
    EXPECT_TRUE(plan.has_value()) << plan.error().ToString();
    return plan.has_value() ? *plan : ImportPlan{};
  }

  std::string Error(ImportKind kind, std::string_view csv) {
    auto plan = PlanImport(kind, csv, state_, env_);
    EXPECT_FALSE(plan.has_value()) << "planned " << plan->events.size() << " events";
    if (plan.has_value()) return "";
    EXPECT_EQ(plan.error().code(), core::StatusCode::kInvalidArgument) << plan.error().ToString();
    return plan.error().message();
  }

  State state_ = World();
  ImportEnv env_;
  int pins_generated_ = 0;
};

constexpr std::string_view kSites = "code,name,timezone\n";
constexpr std::string_view kLockers = "site,bank,compartment,size,features\n";
constexpr std::string_view kTypes =
    "type,category,certifications,loan_hours,two_person,chargeable,service_every_signouts,"
    "service_every_days\n";
constexpr std::string_view kPeople =
    "badge,name,roles,sites,certifications,licence_expires,schedule,pin\n";
constexpr std::string_view kItems = "serial,type,tag,site,bank,compartment,weight_g\n";

std::string Csv(std::string_view header, std::string_view rows) {
  return std::string(header) + std::string(rows);
}

// --- Kinds and headers -------------------------------------------------------------------------

TEST(ImportKindNames, ParseBackToTheirKind) {
  for (ImportKind k : {ImportKind::kSites, ImportKind::kLockers, ImportKind::kTypes,
                       ImportKind::kPeople, ImportKind::kItems}) {
    auto parsed = ParseImportKind(ImportKindName(k));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, k);
  }
  EXPECT_EQ(*ParseImportKind("people"), ImportKind::kPeople);
}

TEST(ImportKindNames, RejectsUnknownKindListingTheKnownOnes) {
  auto k = ParseImportKind("officers");
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().message(),
            "unknown import kind \"officers\" (one of: sites, lockers, types, people, items)");
}

TEST(ImportKindNames, HeaderIsTheColumnListInOrder) {
  EXPECT_EQ(ImportHeader(ImportKind::kSites) + "\n", kSites);
  EXPECT_EQ(ImportHeader(ImportKind::kLockers) + "\n", kLockers);
  EXPECT_EQ(ImportHeader(ImportKind::kTypes) + "\n", kTypes);
  EXPECT_EQ(ImportHeader(ImportKind::kPeople) + "\n", kPeople);
  EXPECT_EQ(ImportHeader(ImportKind::kItems) + "\n", kItems);
}

TEST_F(CsvImport, RejectsHeaderWithUnknownColumnAndListsTheExpectedHeader) {
  EXPECT_EQ(
      Error(ImportKind::kSites, "code,name,tz\nN,North,UTC\n"),
      "line 1: header: unknown column \"tz\"; missing column \"timezone\". The header for sites "
      "is exactly: code,name,timezone");
}

TEST_F(CsvImport, RejectsHeaderWithMissingColumn) {
  EXPECT_THAT(Error(ImportKind::kItems, "serial,type,tag,site,bank,compartment\n"),
              StartsWith("line 1: header: missing column \"weight_g\". The header for items is"));
}

TEST_F(CsvImport, RejectsHeaderWithColumnsInAnotherOrder) {
  EXPECT_THAT(Error(ImportKind::kSites, "name,code,timezone\n"),
              StartsWith("line 1: header: the columns are in the wrong order."));
}

TEST_F(CsvImport, RejectsHeaderWithRepeatedColumn) {
  EXPECT_THAT(Error(ImportKind::kSites, "code,name,timezone,code\n"),
              StartsWith("line 1: header: column \"code\" appears twice."));
}

TEST_F(CsvImport, RejectsHeaderInAnotherCase) {
  EXPECT_THAT(Error(ImportKind::kSites, "Code,name,timezone\n"),
              HasSubstr("unknown column \"Code\"; missing column \"code\""));
}

TEST_F(CsvImport, RejectsEmptyFile) {
  EXPECT_THAT(Error(ImportKind::kSites, ""), HasSubstr("header row is required"));
}

TEST_F(CsvImport, HeaderOnlyFilePlansNothing) {
  ImportPlan plan = Plan(ImportKind::kPeople, kPeople);
  EXPECT_TRUE(plan.events.empty());
  EXPECT_TRUE(plan.pins.empty());
}

// --- All or none, and the CSV layer ------------------------------------------------------------

TEST_F(CsvImport, NothingIsPlannedWhenOneRowIsBad) {
  auto plan =
      PlanImport(ImportKind::kSites, Csv(kSites, "N,North,UTC\nS,South,Mars/Olympus\nE,East,UTC\n"),
                 state_, env_);
  ASSERT_FALSE(plan.has_value());
  EXPECT_THAT(plan.error().message(), StartsWith("line 3: timezone: "));
}

TEST_F(CsvImport, LeavesTheGivenStateUnchanged) {
  const State before = state_;
  Plan(ImportKind::kSites, Csv(kSites, "N,North,UTC\n"));
  EXPECT_EQ(state_, before);
}

TEST_F(CsvImport, RejectsRowWithUnterminatedQuote) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N,North,UTC\nS,\"South,UTC\n")),
            "line 3: field 2 opens a quote that is never closed");
}

TEST_F(CsvImport, RejectsRowWithWrongFieldCount) {
  EXPECT_THAT(Error(ImportKind::kSites, Csv(kSites, "N,North\n")),
              StartsWith("line 2: has 2 fields but the header has 3"));
}

TEST_F(CsvImport, ImportsQuotedNameWithComma) {
  ImportPlan plan =
      Plan(ImportKind::kSites, Csv(kSites, "N,\"North Precinct, Annex \"\"B\"\"\",UTC\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(std::get<SiteDefined>(plan.events[0]).site.name, "North Precinct, Annex \"B\"");
}

TEST_F(CsvImport, ImportsSpreadsheetExportWithByteOrderMarkAndCrlf) {
  ImportPlan plan = Plan(ImportKind::kSites,
                         "\xEF\xBB\xBF"
                         "code,name,timezone\r\nN,North,UTC\r\n\r\n");
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(std::get<SiteDefined>(plan.events[0]).site.code, "N");
}

TEST_F(CsvImport, ReportsTheLineWhereTheRowStartsAfterAQuotedLineBreak) {
  EXPECT_THAT(
      Error(ImportKind::kSites, Csv(kSites, "N,\"North\nPrecinct\",UTC\nS,South,Nowhere\n")),
      StartsWith("line 4: timezone: "));
}

// --- sites -------------------------------------------------------------------------------------

TEST_F(CsvImport, ImportsSitesInFileOrder) {
  ImportPlan plan =
      Plan(ImportKind::kSites, Csv(kSites, "N,North,UTC\nL,London Liaison,Europe/London\n"));
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(plan.events[0], DomainEvent(SiteDefined{{"N", "North", "UTC"}}));
  EXPECT_EQ(plan.events[1], DomainEvent(SiteDefined{{"L", "London Liaison", "Europe/London"}}));
  EXPECT_TRUE(plan.pins.empty());
}

TEST_F(CsvImport, RedefinesAnExistingSite) {
  ImportPlan plan = Plan(ImportKind::kSites, Csv(kSites, "HQ,Main Building,UTC\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(std::get<SiteDefined>(plan.events[0]).site.name, "Main Building");
}

TEST_F(CsvImport, RejectsUnknownTimeZone) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N,North,America/NewYork\n")),
            "line 2: timezone: \"America/NewYork\" is not an IANA time zone name (like "
            "America/New_York, Europe/London or UTC)");
}

TEST_F(CsvImport, RejectsEmptyTimeZone) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N,North,\n")), "line 2: timezone: is empty");
}

TEST_F(CsvImport, RejectsSiteCodeWithLeadingSpace) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, " N,North,UTC\n")),
            "line 2: code: \" N\" starts with white space; remove it");
}

TEST_F(CsvImport, RejectsSiteCodeWithTrailingSpace) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N ,North,UTC\n")),
            "line 2: code: \"N \" ends with white space; remove it");
}

TEST_F(CsvImport, RejectsSiteCodeOfOnlySpaces) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "  ,North,UTC\n")),
            "line 2: code: is only white space; leave it empty or fill it in");
}

TEST_F(CsvImport, RejectsSiteCodeWithCharactersOutsideTheCodeAlphabet) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N/1,North,UTC\n")),
            "line 2: code: \"N/1\" must be 1-64 letters, digits, '.', '_' or '-'");
}

TEST_F(CsvImport, RejectsEmptySiteCode) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, ",North,UTC\n")), "line 2: code: is empty");
}

TEST_F(CsvImport, RejectsEmptySiteName) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N,,UTC\n")), "line 2: name: is empty");
}

TEST_F(CsvImport, RejectsSiteNameWithTrailingSpace) {
  EXPECT_THAT(Error(ImportKind::kSites, Csv(kSites, "N,North ,UTC\n")),
              StartsWith("line 2: name: \"North \" ends with white space"));
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateSiteCode) {
  EXPECT_EQ(Error(ImportKind::kSites, Csv(kSites, "N,North,UTC\nS,South,UTC\nN,Nord,UTC\n")),
            "line 4: code: \"N\" is also on line 2; each may appear only once in a file");
}

TEST_F(CsvImport, ShortensLongValuesInMessages) {
  const std::string code(200, 'x');
  const std::string message = Error(ImportKind::kSites, Csv(kSites, code + "/,North,UTC\n"));
  EXPECT_THAT(message, HasSubstr("\"" + std::string(40, 'x') + "...\""));
  EXPECT_LT(message.size(), 120u);
}

// --- lockers -----------------------------------------------------------------------------------

TEST_F(CsvImport, ImportsLockersWithFeatures) {
  ImportPlan plan =
      Plan(ImportKind::kLockers, Csv(kLockers,
                                     "HQ,B,1,long_gun,rfid;scale\n"
                                     "HQ,B,2,small,\n"
                                     "HQ,B,3,medium,charging;refrigerated;pass_through\n"));
  ASSERT_EQ(plan.events.size(), 3u);
  EXPECT_EQ(plan.events[0],
            DomainEvent(CompartmentDefined{
                {{"HQ", "B", "1"}, CompartmentSize::kLongGun, {Feature::kRfid, Feature::kScale}}}));
  EXPECT_EQ(plan.events[1],
            DomainEvent(CompartmentDefined{{{"HQ", "B", "2"}, CompartmentSize::kSmall, {}}}));
  EXPECT_EQ(std::get<CompartmentDefined>(plan.events[2]).compartment.features.size(), 3u);
}

TEST_F(CsvImport, RejectsLockerAtUnknownSite) {
  EXPECT_EQ(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,\nNORTH,A,1,small,\n")),
            "line 3: site: there is no site \"NORTH\" (import it with the sites first)");
}

TEST_F(CsvImport, RejectsLockerWithBadBankCode) {
  EXPECT_THAT(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B 2,1,small,\n")),
              StartsWith("line 2: bank: \"B 2\" must be 1-64"));
}

TEST_F(CsvImport, RejectsLockerWithEmptyCompartment) {
  EXPECT_EQ(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,,small,\n")),
            "line 2: compartment: is empty");
}

TEST_F(CsvImport, RejectsUnknownCompartmentSize) {
  EXPECT_EQ(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,huge,\n")),
            "line 2: size: unknown compartment size \"huge\" (one of: small, medium, large, "
            "long_gun)");
}

TEST_F(CsvImport, RejectsEmptyCompartmentSize) {
  EXPECT_THAT(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,,\n")),
              StartsWith("line 2: size: is empty"));
}

TEST_F(CsvImport, RejectsUnknownFeature) {
  EXPECT_THAT(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,rfid;heated\n")),
              StartsWith("line 2: features: unknown compartment feature \"heated\""));
}

TEST_F(CsvImport, RejectsFeatureListWithSpaceAfterSemicolon) {
  EXPECT_EQ(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,rfid; scale\n")),
            "line 2: features: feature \" scale\" starts with white space; remove it (write "
            "\"a;b\", not \"a; b\")");
}

TEST_F(CsvImport, RejectsFeatureListWithEmptyEntry) {
  EXPECT_THAT(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,rfid;\n")),
              StartsWith("line 2: features: has an empty feature"));
}

TEST_F(CsvImport, RejectsRepeatedFeature) {
  EXPECT_EQ(Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,rfid;rfid\n")),
            "line 2: features: \"rfid\" is listed twice");
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateCompartment) {
  EXPECT_EQ(
      Error(ImportKind::kLockers, Csv(kLockers, "HQ,B,1,small,\nHQ,B,2,small,\nHQ,B,1,large,\n")),
      "line 4: compartment: HQ/B/1 is also on line 2; each may appear only once in a file");
}

// --- types -------------------------------------------------------------------------------------

TEST_F(CsvImport, ImportsTypesWithEveryColumn) {
  ImportPlan plan = Plan(ImportKind::kTypes, Csv(kTypes,
                                                 "CEW,less_lethal,CEW,12,no,yes,500,365\n"
                                                 "RIFLE,firearm,FIREARM;RIFLE,8,yes,no,,\n"));
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_EQ(plan.events[0],
            DomainEvent(ItemTypeDefined{
                {"CEW", Category::kLessLethal, {"CEW"}, 12, false, true, 500, 365}}));
  EXPECT_EQ(plan.events[1],
            DomainEvent(ItemTypeDefined{
                {"RIFLE", Category::kFirearm, {"FIREARM", "RIFLE"}, 8, true, false, 0, 0}}));
}

TEST_F(CsvImport, TypesMayAddAConsumableColumnLast) {
  const std::string header = std::string(kTypes.substr(0, kTypes.size() - 1)) + ",consumable";
  ImportPlan plan = Plan(ImportKind::kTypes, header +
                                                 "\nOC,less_lethal,,12,no,no,,,yes\n"
                                                 "CEW,less_lethal,CEW,12,no,yes,,,no\n");
  ASSERT_EQ(plan.events.size(), 2u);
  EXPECT_TRUE(std::get<ItemTypeDefined>(plan.events[0]).type.consumable);
  EXPECT_FALSE(std::get<ItemTypeDefined>(plan.events[1]).type.consumable);
  EXPECT_FALSE(std::get<ItemTypeDefined>(
                   Plan(ImportKind::kTypes, Csv(kTypes, "OC,less_lethal,,12,no,no,,\n")).events[0])
                   .type.consumable);
  EXPECT_THAT(Error(ImportKind::kTypes, header + "\nOC,less_lethal,,12,no,no,,,half\n"),
              StartsWith("line 2: consumable: "));
  // Only last, and only once.
  EXPECT_THAT(Error(ImportKind::kTypes,
                    "consumable,type,category,certifications,loan_hours,two_person,chargeable,"
                    "service_every_signouts,service_every_days\n"),
              HasSubstr("(optionally followed by ,consumable)"));
}

TEST_F(CsvImport, AcceptsTrueFalseAndOneZeroInAnyCaseForYesNo) {
  ImportPlan plan = Plan(ImportKind::kTypes, Csv(kTypes,
                                                 "A,other,,1,TRUE,false,0,0\n"
                                                 "B,other,,1,1,0,0,0\n"
                                                 "C,other,,1,Yes,NO,0,0\n"));
  ASSERT_EQ(plan.events.size(), 3u);
  EXPECT_TRUE(std::get<ItemTypeDefined>(plan.events[0]).type.two_person);
  EXPECT_FALSE(std::get<ItemTypeDefined>(plan.events[0]).type.chargeable);
  EXPECT_TRUE(std::get<ItemTypeDefined>(plan.events[1]).type.two_person);
  EXPECT_FALSE(std::get<ItemTypeDefined>(plan.events[1]).type.chargeable);
  EXPECT_TRUE(std::get<ItemTypeDefined>(plan.events[2]).type.two_person);
  EXPECT_FALSE(std::get<ItemTypeDefined>(plan.events[2]).type.chargeable);
}

TEST_F(CsvImport, RejectsBadTypeCode) {
  EXPECT_THAT(Error(ImportKind::kTypes, Csv(kTypes, "C E W,other,,1,no,no,,\n")),
              StartsWith("line 2: type: \"C E W\" must be 1-64"));
}

TEST_F(CsvImport, RejectsUnknownCategory) {
  EXPECT_THAT(Error(ImportKind::kTypes, Csv(kTypes, "CEW,taser,,1,no,no,,\n")),
              StartsWith("line 2: category: unknown item category \"taser\" (one of: firearm"));
}

TEST_F(CsvImport, RejectsEmptyCategory) {
  EXPECT_THAT(Error(ImportKind::kTypes, Csv(kTypes, "CEW,,,1,no,no,,\n")),
              StartsWith("line 2: category: is empty"));
}

TEST_F(CsvImport, RejectsBadCertificationCodeOfType) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,CEW;FIRE ARM,1,no,no,,\n")),
            "line 2: certifications: \"FIRE ARM\" must be 1-64 letters, digits, '.', '_' or '-'");
}

TEST_F(CsvImport, RejectsLoanHoursOutOfRange) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,0,no,no,,\n")),
            "line 2: loan_hours: must be between 1 and 8760, not 0");
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,8761,no,no,,\n")),
            "line 2: loan_hours: must be at most 8760, not \"8761\"");
  EXPECT_EQ(Plan(ImportKind::kTypes, Csv(kTypes, "CEW,other,,8760,no,no,,\n")).events.size(), 1u);
}

TEST_F(CsvImport, RejectsLoanHoursThatAreNotPlainDigits) {
  for (std::string_view bad : {"+12", "12h", "1.5", "0x10", "1e3", "１２"}) {
    EXPECT_THAT(
        Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,," + std::string(bad) + ",no,no,,\n")),
        StartsWith("line 2: loan_hours: \"" + std::string(bad) + "\" is not a whole number"))
        << bad;
  }
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,-12,no,no,,\n")),
            "line 2: loan_hours: \"-12\" cannot be negative");
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,, 12,no,no,,\n")),
            "line 2: loan_hours: \" 12\" starts with white space; remove it");
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,99999999999999,no,no,,\n")),
            "line 2: loan_hours: must be at most 8760, not \"99999999999999\"");
}

TEST_F(CsvImport, RejectsEmptyLoanHours) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,,no,no,,\n")),
            "line 2: loan_hours: is empty");
}

TEST_F(CsvImport, RejectsTwoPersonThatIsNotYesOrNo) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,maybe,no,,\n")),
            "line 2: two_person: \"maybe\" is not yes or no (true/false and 1/0 are accepted too)");
}

TEST_F(CsvImport, RejectsEmptyChargeable) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,no,,,\n")),
            "line 2: chargeable: is empty; write yes or no");
}

TEST_F(CsvImport, RejectsNegativeServiceIntervalInSignouts) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,no,no,-1,\n")),
            "line 2: service_every_signouts: \"-1\" cannot be negative");
}

TEST_F(CsvImport, RejectsServiceIntervalInDaysWithTrailingJunk) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,no,no,,30d\n")),
            "line 2: service_every_days: \"30d\" is not a whole number (digits 0-9 only)");
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,no,no,,99999999999\n")),
            "line 2: service_every_days: \"99999999999\" is too large");
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateType) {
  EXPECT_EQ(Error(ImportKind::kTypes, Csv(kTypes, "CEW,other,,1,no,no,,\nCEW,other,,2,no,no,,\n")),
            "line 3: type: \"CEW\" is also on line 2; each may appear only once in a file");
}

// --- people ------------------------------------------------------------------------------------

TEST_F(CsvImport, ImportsPersonWithEveryColumn) {
  ImportPlan plan =
      Plan(ImportKind::kPeople,
           Csv(kPeople,
               "1001,\"Doe, Ana\",officer;armorer,HQ,CEW@2027-03-01;FIREARM@2026-12-31,"
               "2028-01-31,Mon-Fri 06:00-18:00;Sat 08:00-12:00,4821\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  const auto& e = std::get<PersonDefined>(plan.events[0]);
  EXPECT_TRUE(e.pin_set);
  EXPECT_EQ(e.person.badge, "1001");
  EXPECT_EQ(e.person.name, "Doe, Ana");
  EXPECT_EQ(e.person.roles, (std::set<Role>{Role::kOfficer, Role::kArmorer}));
  EXPECT_EQ(e.person.sites, (std::set<std::string>{"HQ"}));
  EXPECT_FALSE(e.person.all_sites);
  EXPECT_EQ(e.person.certifications.at("CEW"), *ParseDate("2027-03-01"));
  EXPECT_EQ(e.person.certifications.at("FIREARM"), *ParseDate("2026-12-31"));
  EXPECT_EQ(e.person.licence_expires, *ParseDate("2028-01-31"));
  EXPECT_EQ(e.person.schedule, *ParseSchedule("Mon-Fri 06:00-18:00;Sat 08:00-12:00"));
  EXPECT_THAT(plan.pins, ElementsAre(std::pair<std::string, std::string>("1001", "4821")));
  EXPECT_TRUE(plan.generated_pin_badges.empty());
}

TEST_F(CsvImport, EmptyOptionalColumnsMeanNoLicenceAnyTimeAndNoCertifications) {
  ImportPlan plan = Plan(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,,,1234\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  const Person& p = std::get<PersonDefined>(plan.events[0]).person;
  EXPECT_FALSE(p.licence_expires.has_value());
  EXPECT_TRUE(p.schedule.empty());
  EXPECT_TRUE(p.certifications.empty());
}

TEST_F(CsvImport, GeneratesPinForEveryEmptyPinColumnAndListsAllPinsInFileOrder) {
  ImportPlan plan = Plan(ImportKind::kPeople, Csv(kPeople,
                                                  "1001,Ana,officer,HQ,,,,\n"
                                                  "1002,Ben,officer,HQ,,,,987654321012\n"
                                                  "1003,Cy,officer,HQ,,,,\n"));
  ASSERT_EQ(plan.events.size(), 3u);
  for (const DomainEvent& e : plan.events) EXPECT_TRUE(std::get<PersonDefined>(e).pin_set);
  using Pin = std::pair<std::string, std::string>;
  EXPECT_THAT(plan.pins, ElementsAre(Pin("1001", "500001"), Pin("1002", "987654321012"),
                                     Pin("1003", "500002")));
  EXPECT_THAT(plan.generated_pin_badges, ElementsAre("1001", "1003"));
}

TEST_F(CsvImport, StarMeansEverySite) {
  ImportPlan plan = Plan(ImportKind::kPeople, Csv(kPeople, "9,Auditor,auditor,*,,,,1234\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  const Person& p = std::get<PersonDefined>(plan.events[0]).person;
  EXPECT_TRUE(p.all_sites);
  EXPECT_TRUE(p.sites.empty());
}

TEST_F(CsvImport, RejectsStarTogetherWithSiteCodes) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "9,Auditor,auditor,HQ;*,,,,1234\n")),
            "line 2: sites: * means every site; write it alone");
}

TEST_F(CsvImport, RejectsPersonAtUnknownSite) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ;NORTH,,,,1234\n")),
            "line 2: sites: there is no site \"NORTH\" (import it with the sites first)");
}

TEST_F(CsvImport, RejectsEmptySites) {
  EXPECT_THAT(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,,,,,1234\n")),
              StartsWith("line 2: sites: is empty"));
}

TEST_F(CsvImport, RejectsEmptyRoles) {
  EXPECT_THAT(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,,HQ,,,,1234\n")),
              StartsWith("line 2: roles: is empty; a person needs at least one role"));
}

TEST_F(CsvImport, RejectsUnknownRole) {
  EXPECT_THAT(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer;sheriff,HQ,,,,1234\n")),
              StartsWith("line 2: roles: unknown role \"sheriff\" (one of: officer"));
}

TEST_F(CsvImport, RejectsCertificationWithoutExpiryDate) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,CEW,,,1234\n")),
            "line 2: certifications: \"CEW\" has no expiry date; write CODE@YYYY-MM-DD (e.g. "
            "CEW@2027-03-01)");
}

TEST_F(CsvImport, RejectsCertificationWithImpossibleDate) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,CEW@2027-02-30,,,1234\n")),
            "line 2: certifications: CEW: \"2027-02-30\" is not a real date");
}

TEST_F(CsvImport, RejectsCertificationWithBadCode) {
  EXPECT_THAT(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,@2027-02-01,,,1234\n")),
              StartsWith("line 2: certifications: certification is empty"));
}

TEST_F(CsvImport, RejectsTheSameCertificationTwice) {
  EXPECT_EQ(Error(ImportKind::kPeople,
                  Csv(kPeople, "1001,Ana,officer,HQ,CEW@2027-02-01;CEW@2028-02-01,,,1234\n")),
            "line 2: certifications: certification \"CEW\" is listed twice");
}

TEST_F(CsvImport, RejectsLicenceDateInAnotherFormat) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,31/01/2028,,1234\n")),
            "line 2: licence_expires: \"31/01/2028\" is not a date of the form YYYY-MM-DD");
}

TEST_F(CsvImport, RejectsScheduleThatDoesNotParse) {
  EXPECT_THAT(
      Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,,Mon-Fri 18:00-06:00,1234\n")),
      StartsWith("line 2: schedule: schedule window \"Mon-Fri 18:00-06:00\": the end must "
                 "be after the start"));
}

TEST_F(CsvImport, RejectsPinThatIsNotFourToTwelveDigitsWithoutRepeatingIt) {
  for (std::string_view pin : {"123", "1234567890123", "12a4", "-1234"}) {
    const std::string message = Error(
        ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,,," + std::string(pin) + "\n"));
    EXPECT_EQ(message, "line 2: pin: must be 4 to 12 digits (0-9), or empty to generate one");
    EXPECT_THAT(message, Not(HasSubstr(std::string(pin))));
  }
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,,,1234 \n")),
            "line 2: pin: has white space around it; remove it");
}

TEST_F(CsvImport, RejectsEmptyBadge) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, ",Ana,officer,HQ,,,,1234\n")),
            "line 2: badge: is empty");
}

TEST_F(CsvImport, RejectsEmptyPersonName) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople, "1001,,officer,HQ,,,,1234\n")),
            "line 2: name: is empty");
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateBadge) {
  EXPECT_EQ(Error(ImportKind::kPeople, Csv(kPeople,
                                           "1001,Ana,officer,HQ,,,,\n"
                                           "1002,Ben,officer,HQ,,,,\n"
                                           "1001,Ana B,officer,HQ,,,,\n")),
            "line 4: badge: \"1001\" is also on line 2; each may appear only once in a file");
}

TEST_F(CsvImport, FailsWithoutPinSourceWhenAPinMustBeGenerated) {
  env_.new_pin = nullptr;
  auto plan =
      PlanImport(ImportKind::kPeople, Csv(kPeople, "1001,Ana,officer,HQ,,,,\n"), state_, env_);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code(), core::StatusCode::kFailedPrecondition);
}

// --- items -------------------------------------------------------------------------------------

TEST_F(CsvImport, ImportsItemAndNormalisesTagToUpperCase) {
  ImportPlan plan =
      Plan(ImportKind::kItems, Csv(kItems, "R-2,RADIO,e28011700000020000000abc,HQ,A,2,410\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0],
            DomainEvent(
                ItemDefined{{"R-2", "RADIO", "E28011700000020000000ABC", {"HQ", "A", "2"}, 410}}));
}

TEST_F(CsvImport, RedefinesAnExistingItemWithItsOwnTag) {
  ImportPlan plan =
      Plan(ImportKind::kItems, Csv(kItems, "R-1,RADIO,E28011700000020000000001,HQ,A,2,360\n"));
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(std::get<ItemDefined>(plan.events[0]).item.home.compartment, "2");
}

TEST_F(CsvImport, LaterRowMayTakeTheTagAnEarlierRowFreed) {
  ImportPlan plan =
      Plan(ImportKind::kItems, Csv(kItems,
                                   "R-1,RADIO,E28011700000020000000002,HQ,A,1,350\n"
                                   "R-2,RADIO,E28011700000020000000001,HQ,A,2,350\n"));
  EXPECT_EQ(plan.events.size(), 2u);
}

TEST_F(CsvImport, RejectsTagOfAnotherItem) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E28011700000020000000001,HQ,A,2,1\n")),
            "line 2: tag: E28011700000020000000001 already belongs to item \"R-1\"");
}

TEST_F(CsvImport, RejectsTagThatIsNot24HexDigits) {
  for (std::string_view tag : {"E2801170000002000000001", "E280117000000200000000011",
                               "G28011700000020000000001", "E2801170-000020000000001"}) {
    EXPECT_EQ(
        Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO," + std::string(tag) + ",HQ,A,2,1\n")),
        "line 2: tag: \"" + std::string(tag) + "\" must be 24 hexadecimal digits (0-9, A-F)");
  }
}

TEST_F(CsvImport, RejectsEmptyTag) {
  EXPECT_THAT(Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,,HQ,A,2,1\n")),
              StartsWith("line 2: tag: is empty"));
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateTagWrittenInAnotherCase) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems,
                                          "R-2,RADIO,E280117000000200000000AA,HQ,A,2,1\n"
                                          "R-3,RADIO,e280117000000200000000aa,HQ,A,2,1\n")),
            "line 3: tag: E280117000000200000000AA is also on line 2; each may appear only once "
            "in a file");
}

TEST_F(CsvImport, ReportsLineNumbersOfDuplicateSerial) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems,
                                          "R-2,RADIO,E280117000000200000000AA,HQ,A,2,1\n"
                                          "R-2,RADIO,E280117000000200000000AB,HQ,A,2,1\n")),
            "line 3: serial: \"R-2\" is also on line 2; each may appear only once in a file");
}

TEST_F(CsvImport, RejectsBadSerial) {
  EXPECT_THAT(
      Error(ImportKind::kItems, Csv(kItems, "R#2,RADIO,E280117000000200000000AA,HQ,A,2,1\n")),
      StartsWith("line 2: serial: \"R#2\" must be 1-64"));
}

TEST_F(CsvImport, RejectsItemOfUnknownType) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems, "R-2,CEW,E280117000000200000000AA,HQ,A,2,1\n")),
            "line 2: type: there is no item type \"CEW\" (import it first)");
}

TEST_F(CsvImport, RejectsItemAtUnknownSite) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,N,A,2,1\n")),
            "line 2: site: there is no site \"N\" (import it with the sites first)");
}

TEST_F(CsvImport, RejectsItemInUnknownBank) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,Z,2,1\n")),
            "line 2: bank: site HQ has no locker bank \"Z\" (import its lockers first)");
}

TEST_F(CsvImport, RejectsItemInUnknownCompartment) {
  EXPECT_EQ(
      Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,A,3,1\n")),
      "line 2: compartment: there is no compartment HQ/A/3 (import it with the lockers first)");
}

TEST_F(CsvImport, RejectsNegativeWeight) {
  EXPECT_EQ(
      Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,A,2,-5\n")),
      "line 2: weight_g: \"-5\" cannot be negative");
}

TEST_F(CsvImport, RejectsEmptyWeight) {
  EXPECT_EQ(Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,A,2,\n")),
            "line 2: weight_g: is empty");
}

TEST_F(CsvImport, RejectsWeightWithUnitOrAboveOneTonne) {
  EXPECT_EQ(
      Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,A,2,410g\n")),
      "line 2: weight_g: \"410g\" is not a whole number (digits 0-9 only)");
  EXPECT_EQ(
      Error(ImportKind::kItems, Csv(kItems, "R-2,RADIO,E280117000000200000000AA,HQ,A,2,1000001\n")),
      "line 2: weight_g: must be at most 1000000, not \"1000001\"");
}

TEST_F(CsvImport, EveryPlannedEventPassesTheDomainCheckInOrder) {
  ImportPlan plan = Plan(ImportKind::kItems, Csv(kItems,
                                                 "R-2,RADIO,E280117000000200000000AA,HQ,A,2,1\n"
                                                 "R-3,RADIO,E280117000000200000000AB,HQ,A,2,1\n"));
  State s = state_;
  for (const DomainEvent& e : plan.events) {
    EXPECT_TRUE(s.Check(e).ok()) << s.Check(e).message();
    s.Apply(e, 2);
  }
  EXPECT_EQ(s.items.size(), 3u);
}

}  // namespace
}  // namespace custodian::app
