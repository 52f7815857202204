// The control interface's request parser: every op read from its JSON line, every refusal with a
// message that names the field; and the line it formats reads back as the same request.
#include "hardware/sim/control.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace custodian::hardware::sim {
namespace {

using ::testing::HasSubstr;

const std::string kTag = "E28011700000020000000ABC";

ControlRequest Parsed(std::string_view line) {
  auto r = ParseControlRequest(line);
  EXPECT_TRUE(r.has_value()) << line << " → " << r.error().ToString();
  return r.has_value() ? *r : ControlRequest{};
}

std::string Error(std::string_view line) {
  auto r = ParseControlRequest(line);
  EXPECT_FALSE(r.has_value()) << line;
  if (r.has_value()) return "";
  EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument);
  return r.error().message();
}

// Every op, as a line and as the request it is.
struct Example {
  std::string line;
  ControlRequest request;
};

std::vector<Example> EveryOp() {
  auto at = [](ControlOp op) {
    ControlRequest r;
    r.op = op;
    r.site = "HQ";
    r.bank = "A";
    r.compartment = "14";
    return r;
  };
  auto bank = [](ControlOp op) {
    ControlRequest r;
    r.op = op;
    r.site = "HQ";
    r.bank = "A";
    return r;
  };
  const std::string c = R"("site":"HQ","bank":"A","compartment":"14")";
  const std::string b = R"("site":"HQ","bank":"A")";
  std::vector<Example> v;
  v.push_back({R"({"op":"open_door",)" + c + "}", at(ControlOp::kOpenDoor)});
  v.push_back({R"({"op":"close_door",)" + c + "}", at(ControlOp::kCloseDoor)});
  v.push_back({R"({"op":"force_door",)" + c + "}", at(ControlOp::kForceDoor)});
  for (ControlOp op : {ControlOp::kOpenDoor, ControlOp::kCloseDoor, ControlOp::kForceDoor}) {
    ControlRequest inner = at(op);
    inner.door = Door::kInner;
    v.push_back(
        {R"({"op":")" + std::string(ControlOpName(op)) + R"(",)" + c + R"(,"door":"inner"})",
         inner});
    v.push_back(
        {R"({"op":")" + std::string(ControlOpName(op)) + R"(",)" + c + R"(,"door":"outer"})",
         at(op)});
  }
  ControlRequest take = at(ControlOp::kTake);
  take.tag = kTag;
  v.push_back({R"({"op":"take",)" + c + R"(,"tag":"e28011700000020000000abc"})", take});
  ControlRequest put = at(ControlOp::kPut);
  put.tag = kTag;
  v.push_back({R"({"op":"put",)" + c + R"(,"tag":")" + kTag + "\"}", put});
  put.weight_g = 410;
  put.charge_percent = 55;
  v.push_back(
      {R"({"op":"put",)" + c + R"(,"tag":")" + kTag + R"(","weight_g":410,"charge":55})", put});
  ControlRequest weight = at(ControlOp::kSetWeight);
  weight.weight_g = 1000000;
  v.push_back({R"({"op":"set_weight",)" + c + R"(,"grams":1000000})", weight});
  v.push_back({R"({"op":"set_weight",)" + c + R"(,"grams":null})", at(ControlOp::kSetWeight)});
  ControlRequest temp = at(ControlOp::kSetTemperature);
  temp.deci_c = -400;
  v.push_back({R"({"op":"set_temperature",)" + c + R"(,"deci_c":-400})", temp});
  v.push_back(
      {R"({"op":"set_temperature",)" + c + R"(,"deci_c":null})", at(ControlOp::kSetTemperature)});
  ControlRequest tamper = at(ControlOp::kSetTamper);
  tamper.on = true;
  v.push_back({R"({"op":"set_tamper",)" + c + R"(,"on":true})", tamper});
  ControlRequest expect = at(ControlOp::kExpect);
  expect.tag = kTag;
  v.push_back({R"({"op":"expect",)" + c + R"(,"tag":"e28011700000020000000abc"})", expect});
  ControlRequest mains = bank(ControlOp::kSetMains);
  v.push_back({R"({"op":"set_mains",)" + b + R"(,"on":false})", mains});
  ControlRequest fire = bank(ControlOp::kSetFireAlarm);
  fire.on = true;
  v.push_back({R"({"op":"set_fire_alarm",)" + b + R"(,"on":true})", fire});
  ControlRequest offline = bank(ControlOp::kSetOffline);
  offline.on = true;
  v.push_back({R"({"op":"set_offline",)" + b + R"(,"on":true})", offline});
  ControlRequest delay = bank(ControlOp::kSetDelay);
  delay.ms = 60000;
  v.push_back({R"({"op":"set_delay",)" + b + R"(,"ms":60000})", delay});
  ControlRequest garbage = bank(ControlOp::kSendGarbage);
  garbage.answers = 3;
  v.push_back({R"({"op":"send_garbage",)" + b + R"(,"answers":3})", garbage});
  ControlRequest state;
  state.op = ControlOp::kState;
  v.push_back({R"({"op":"state"})", state});
  v.push_back({R"({"op":"state",)" + c + "}", at(ControlOp::kState)});
  v.push_back({R"({"op":"state",)" + b + "}", bank(ControlOp::kState)});
  ControlRequest banks;
  banks.op = ControlOp::kBanks;
  v.push_back({R"({"op":"banks"})", banks});
  return v;
}

TEST(ControlRequestTest, ReadsEveryOp) {
  for (const Example& e : EveryOp()) {
    EXPECT_EQ(Parsed(e.line), e.request) << e.line;
  }
}

TEST(ControlRequestTest, EveryOpHasANameThatReadsBack) {
  for (const Example& e : EveryOp()) {
    EXPECT_NE(e.line.find("\"" + std::string(ControlOpName(e.request.op)) + "\""),
              std::string::npos);
  }
}

TEST(ControlRequestTest, TheFormattedLineReadsBackAsTheSameRequest) {
  for (const Example& e : EveryOp()) {
    const std::string line = FormatControlRequest(e.request);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(Parsed(line), e.request) << line;
  }
}

TEST(ControlRequestTest, AcceptsSpacesATrailingCrAndFieldsInAnyOrder) {
  ControlRequest r = Parsed(
      " { \"compartment\" : \"14\", \"bank\":\"A\", \"site\":\"HQ\", \"op\":\"open_door\" }\r");
  EXPECT_EQ(r.op, ControlOp::kOpenDoor);
  EXPECT_EQ(r.compartment, "14");
}

TEST(ControlRequestTest, RejectsWhatIsNotAJsonObjectSayingWhy) {
  EXPECT_EQ(Error(""), "line: empty; send one JSON object per line, like {\"op\":\"state\"}");
  EXPECT_EQ(Error("  \r"), "line: empty; send one JSON object per line, like {\"op\":\"state\"}");
  EXPECT_THAT(Error("opne_door"), HasSubstr("not JSON: parse error at line 1, column 1"));
  EXPECT_THAT(Error("{\"op\":\"state\""), HasSubstr("not JSON: "));
  EXPECT_THAT(Error("{\"op\":\"state\"} {}"), HasSubstr("not JSON: "));
  EXPECT_EQ(Error("[1,2]"), "a request is a JSON object like {\"op\":\"state\"}, not array [1,2]");
  EXPECT_EQ(Error("\"state\""),
            "a request is a JSON object like {\"op\":\"state\"}, not string \"state\"");
  EXPECT_EQ(Error(std::string(9, '[') + std::string(9, ']')),
            "line: nested more than 8 levels deep; a request is one flat JSON object");
  // A bracket inside a string is not nesting.
  EXPECT_THAT(Error(R"({"op":"[[[[[[[[[[[["})"), HasSubstr("op: unknown"));
}

TEST(ControlRequestTest, RejectsInvalidUtf8AndControlCharacters) {
  EXPECT_THAT(Error("{\"op\":\"st\xff\xfe\"}"), HasSubstr("not JSON: "));
  EXPECT_THAT(Error(std::string("{\"op\":\"st\0ate\"}", 15)), HasSubstr("not JSON: "));
}

TEST(ControlRequestTest, RejectsALineOver64KiB) {
  std::string line = R"({"op":"state","site":")" + std::string(kMaxControlLine, 'x') + "\"}";
  EXPECT_EQ(Error(line), "line: longer than 65536 bytes; rejected");
  // Exactly at the limit is read (and refused for its content, not its size).
  std::string at_limit = R"({"op":"banks"})";
  at_limit += std::string(kMaxControlLine - at_limit.size(), ' ');
  EXPECT_EQ(Parsed(at_limit).op, ControlOp::kBanks);
}

TEST(ControlRequestTest, NamesAMissingWrongOrUnknownOp) {
  const std::string known =
      "known ops: open_door, close_door, force_door, take, put, set_weight, set_temperature, "
      "set_tamper, expect, set_mains, set_fire_alarm, set_offline, set_delay, send_garbage, state, "
      "banks";
  EXPECT_EQ(Error(R"({"site":"HQ"})"), "op: missing; " + known);
  EXPECT_EQ(Error(R"({"op":3})"), "op: must be a string, not 3; " + known);
  EXPECT_EQ(Error(R"({"op":"opne_door","site":"HQ","bank":"A","compartment":"14"})"),
            "op: unknown \"opne_door\"; " + known);
}

TEST(ControlRequestTest, NamesAFieldThatTheOpDoesNotHave) {
  EXPECT_EQ(Error(R"({"op":"open_door","site":"HQ","bank":"A","compartmnet":"14"})"),
            "compartmnet: not a field of open_door (its fields: site, bank, compartment, door)");
  EXPECT_EQ(Error(R"({"op":"set_mains","site":"HQ","bank":"A","compartment":"1","on":true})"),
            "compartment: not a field of set_mains (its fields: site, bank, on)");
  EXPECT_EQ(Error(R"({"op":"banks","site":"HQ"})"),
            "site: not a field of banks (it has none besides op)");
  EXPECT_EQ(Error(R"({"op":"put","site":"HQ","bank":"A","compartment":"1","tag":")" + kTag +
                  R"(","weight":3})"),
            "weight: not a field of put (its fields: site, bank, compartment, tag, weight_g, "
            "charge)");
}

TEST(ControlRequestTest, NamesAMissingOrMalformedPlace) {
  EXPECT_EQ(Error(R"({"op":"open_door","site":"HQ","bank":"A"})"), "compartment: missing");
  EXPECT_EQ(Error(R"({"op":"open_door","bank":"A","compartment":"1"})"), "site: missing");
  EXPECT_EQ(Error(R"({"op":"set_offline","site":"HQ","on":true})"), "bank: missing");
  EXPECT_EQ(Error(R"({"op":"open_door","site":"HQ","bank":"A","compartment":14})"),
            "compartment: must be a string like \"14\", not 14");
  EXPECT_EQ(Error(R"({"op":"open_door","site":"H Q","bank":"A","compartment":"1"})"),
            "site: \"H Q\" must be 1-64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(Error(R"({"op":"open_door","site":"","bank":"A","compartment":"1"})"),
            "site: \"\" must be 1-64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(Error(R"({"op":"open_door","site":"HQ","bank":")" + std::string(65, 'B') +
                  R"(","compartment":"1"})"),
            "bank: \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB… must be 1-64 letters, digits, '.', "
            "'_' or '-'");
  EXPECT_EQ(Error(R"({"op":"state","bank":"A"})"), "site: missing (bank needs it)");
  EXPECT_EQ(Error(R"({"op":"state","site":"HQ","compartment":"1"})"),
            "bank: missing (compartment needs it)");
}

TEST(ControlRequestTest, NamesADoorThatIsNeitherOuterNorInner) {
  const std::string c = R"({"site":"HQ","bank":"A","compartment":"1",)";
  const std::string why =
      "door: must be \"outer\" or \"inner\" (the inner door of a pass-through compartment), not ";
  EXPECT_EQ(Error(c + R"("op":"open_door","door":"side"})"), why + "\"side\"");
  EXPECT_EQ(Error(c + R"("op":"force_door","door":"Inner"})"), why + "\"Inner\"");
  EXPECT_EQ(Error(c + R"("op":"close_door","door":1})"), why + "1");
  EXPECT_EQ(Error(c + R"("op":"open_door","door":null})"), why + "null");
  EXPECT_EQ(Error(c + R"("op":"take","tag":")" + kTag + R"(","door":"inner"})"),
            "door: not a field of take (its fields: site, bank, compartment, tag)");
}

TEST(ControlRequestTest, NamesAMissingOrMalformedTag) {
  const std::string c = R"({"site":"HQ","bank":"A","compartment":"1",)";
  EXPECT_EQ(Error(c + R"("op":"take"})"), "tag: missing (24 hexadecimal digits)");
  EXPECT_EQ(Error(c + R"("op":"expect"})"), "tag: missing (24 hexadecimal digits)");
  EXPECT_EQ(Error(c + R"("op":"expect","tag":"RAD-1"})"),
            "tag: \"RAD-1\" must be 24 hexadecimal digits (0-9, A-F)");
  EXPECT_EQ(Error(c + R"("op":"expect","tag":")" + kTag + R"(","door":"inner"})"),
            "door: not a field of expect (its fields: site, bank, compartment, tag)");
  EXPECT_EQ(Error(c + R"("op":"put","tag":12})"),
            "tag: must be a string of 24 hexadecimal digits, not 12");
  EXPECT_EQ(Error(c + R"("op":"put","tag":"E2801170000002000000ABC"})"),
            "tag: \"E2801170000002000000ABC\" must be 24 hexadecimal digits (0-9, A-F)");
  EXPECT_EQ(Error(c + R"("op":"take","tag":"E2801170000002000000ABCG"})"),
            "tag: \"E2801170000002000000ABCG\" must be 24 hexadecimal digits (0-9, A-F)");
  EXPECT_EQ(Error(c + R"("op":"put","tag":"000000000000000000000000"})"),
            "tag: all zeros is never a tag (the protocol's empty slot)");
}

TEST(ControlRequestTest, NamesANumberOutOfRangeOrOfTheWrongKind) {
  const std::string c = R"({"site":"HQ","bank":"A","compartment":"1",)";
  const std::string b = R"({"site":"HQ","bank":"A",)";
  const std::string put = c + R"("op":"put","tag":")" + kTag + "\",";
  EXPECT_EQ(Error(put + R"("weight_g":-1})"), "weight_g: must be at least 0, not -1");
  EXPECT_EQ(Error(put + R"("weight_g":1000001})"),
            "weight_g: must be at most 1000000, not 1000001");
  EXPECT_EQ(Error(put + R"("weight_g":1.5})"),
            "weight_g: must be a whole number, 0 to 1000000 g; not 1.5");
  EXPECT_EQ(Error(put + R"("weight_g":"410"})"),
            "weight_g: must be a whole number, 0 to 1000000 g; not \"410\"");
  EXPECT_EQ(Error(put + R"("weight_g":null})"),
            "weight_g: must be a whole number, 0 to 1000000 g; not null");
  EXPECT_EQ(Error(put + R"("charge":101})"), "charge: must be at most 100, not 101");
  EXPECT_EQ(Error(put + R"("charge":18446744073709551615})"),
            "charge: must be at most 100, not 18446744073709551615");
  EXPECT_EQ(Error(c + R"("op":"set_weight"})"),
            "grams: missing (a whole number, 0 to 1000000 g, or null for the items' own weight)");
  EXPECT_EQ(Error(c + R"("op":"set_weight","grams":true})"),
            "grams: must be a whole number, 0 to 1000000 g, or null; not true");
  EXPECT_EQ(Error(c + R"("op":"set_temperature"})"),
            "deci_c: missing (a whole number, -400 to 850 tenths of °C, or null)");
  EXPECT_EQ(Error(c + R"("op":"set_temperature","deci_c":851})"),
            "deci_c: must be at most 850, not 851");
  EXPECT_EQ(Error(c + R"("op":"set_temperature","deci_c":-401})"),
            "deci_c: must be at least -400, not -401");
  EXPECT_EQ(Error(c + R"("op":"set_temperature","deci_c":4e1})"),
            "deci_c: must be a whole number, -400 to 850 tenths of °C, or null; not 40.0");
  EXPECT_EQ(Error(b + R"("op":"set_delay","ms":60001})"), "ms: must be at most 60000, not 60001");
  EXPECT_EQ(Error(b + R"("op":"set_delay"})"), "ms: missing (a whole number, 0 to 60000 ms)");
  EXPECT_EQ(Error(b + R"("op":"send_garbage","answers":-2})"),
            "answers: must be at least 0, not -2");
  EXPECT_EQ(Error(b + R"("op":"send_garbage"})"),
            "answers: missing (a whole number, 0 to 1000000)");
}

TEST(ControlRequestTest, NamesAMissingOrNonBooleanSwitch) {
  const std::string b = R"({"site":"HQ","bank":"A",)";
  EXPECT_EQ(Error(b + R"("op":"set_mains"})"), "on: missing (true or false)");
  EXPECT_EQ(Error(b + R"("op":"set_fire_alarm","on":1})"), "on: must be true or false, not 1");
  EXPECT_EQ(Error(b + R"("op":"set_offline","on":"yes"})"),
            "on: must be true or false, not \"yes\"");
  EXPECT_EQ(Error(R"({"site":"HQ","bank":"A","compartment":"1","op":"set_tamper","on":null})"),
            "on: must be true or false, not null");
}

TEST(ControlRequestTest, AnErrorResponseIsOneJsonLineWhateverTheMessageHolds) {
  const std::string r = ControlErrorResponse("bad \xff\xfe bytes\nand a line end");
  EXPECT_EQ(r.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(r);
  EXPECT_EQ(j["ok"], false);
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("bad "));
  EXPECT_EQ(ControlErrorResponse("x").rfind("{\"ok\":false,\"error\":", 0), 0u);
}

}  // namespace
}  // namespace custodian::hardware::sim
