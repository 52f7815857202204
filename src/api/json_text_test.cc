// api::JsonText writes what nlohmann::json::dump(-1, ' ', false, replace) writes for the same
// value: checked on arbitrary strings (any bytes, invalid UTF-8 included) and on nested values.
#include "api/json_text.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace custodian::api {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Written(const std::string& s) {
  JsonText w(4);  // less room than most cases need: they grow it
  w.String(s);
  return w.Take();
}

TEST(JsonText, EscapesAsNlohmannDoes) {
  for (const std::string& s :
       {std::string(), std::string("RAD-0003"), std::string("say \"hi\"\\now"),
        std::string("tab\there\nnew\rline\b\f"), std::string("\x01\x1f", 2), std::string("\0", 1),
        std::string("café ☕"), std::string("bad \xff\xfe utf-8"), std::string("cut \xe2\x98")}) {
    EXPECT_EQ(Written(s), Dump(json(s))) << s;
  }
}

TEST(JsonText, NestedValuesAreNlohmannsCompactText) {
  JsonText w(1);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(-3);
  w.Bool(true);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.String("x\"y");
  w.EndArray();
  w.Key("b");
  w.Int(9007199254740993);
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Bool(false);
  w.EndObject();
  w.EndObject();
  const json expected{{"a", json::array({-3, true, json::object(), json::array(), "x\"y"})},
                      {"b", 9007199254740993},
                      {"c", {{"d", false}}}};
  EXPECT_EQ(w.Take(), Dump(expected));
}

TEST(JsonText, TakeEmptiesTheWriterForTheNextText) {
  JsonText w(2);
  const std::string key = "a key chosen at run time, longer than the room the writer started with";
  w.BeginObject();
  w.Key(key);
  w.Int(INT64_MIN);
  w.EndObject();
  EXPECT_EQ(w.Take(), Dump(json{{key, INT64_MIN}}));
  w.BeginArray();
  w.Bool(false);
  w.EndArray();
  EXPECT_EQ(w.Take(), "[false]");
  EXPECT_EQ(w.Take(), "");
}

TEST(JsonText, RefusesToNestDeeperThanItsLimit) {
  JsonText w;
  for (int i = 0; i < 64; ++i) w.BeginArray();
  EXPECT_THROW(w.BeginArray(), std::length_error);
}

RC_GTEST_PROP(JsonTextProperty, AnyStringIsWrittenAsNlohmannWritesIt, (const std::string& s)) {
  RC_ASSERT(Written(s) == Dump(json(s)));
}

RC_GTEST_PROP(JsonTextProperty, AnyAsciiStringIsWrittenAsNlohmannWritesIt, ()) {
  const auto s = *rc::gen::container<std::string>(rc::gen::inRange<char>(0, 127));
  RC_ASSERT(Written(s) == Dump(json(s)));
}

}  // namespace
}  // namespace custodian::api
