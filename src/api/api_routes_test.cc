// The route table (api::Routes) and docs/openapi.yaml say the same: every route is documented with
// its method, access and roles, and every documented operation is served. Also the pure helpers of
// the API: request targets.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "api/api.h"
#include "api/http.h"

namespace custodian::api {
namespace {

struct Documented {
  std::string access;
  std::string roles;  // "a, b" as written in the YAML list
  std::string summary;
};

std::string Unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return s;
}

// (METHOD path) → what the YAML says, read line by line (the file's own indentation: paths at 2
// spaces, methods at 4, their fields at 6).
std::map<std::string, Documented> ReadOpenApi() {
  std::ifstream in(CUSTODIAN_OPENAPI);
  EXPECT_TRUE(in.good()) << CUSTODIAN_OPENAPI;
  std::map<std::string, Documented> out;
  // The number of leading spaces, and the text after them.
  auto indent = [](const std::string& l) { return l.find_first_not_of(' '); };
  bool in_paths = false;
  std::string path, key;
  std::string line;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths || line.empty() || line.back() == ' ') continue;
    const size_t at = indent(line);
    const std::string text = at == std::string::npos ? "" : line.substr(at);
    if (at == 2 && text.front() == '/' && text.back() == ':') {
      path = text.substr(0, text.size() - 1);
      key.clear();
    } else if (at == 4 && (text == "get:" || text == "post:" || text == "put:" ||
                           text == "patch:" || text == "delete:")) {
      std::string method = text.substr(0, text.size() - 1);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      key = method + " " + path;
      out[key];
    } else if (at == 6 && !key.empty()) {
      const size_t colon = text.find(": ");
      if (colon == std::string::npos) continue;
      const std::string field = text.substr(0, colon);
      const std::string value = Unquote(text.substr(colon + 2));
      if (field == "summary") out[key].summary = value;
      if (field == "x-custodian-access") out[key].access = value;
      if (field == "x-custodian-roles") out[key].roles = value;
    }
  }
  return out;
}

std::string AccessName(Access a) {
  switch (a) {
    case Access::kPublic:
      return "public";
    case Access::kSession:
      return "session";
    case Access::kTerminal:
      return "terminal";
    case Access::kStaff:
      return "staff";
  }
  return "?";
}

TEST(ApiRoutesTest, EveryRouteIsDocumentedInOpenApiWithItsAccessAndRoles) {
  const auto documented = ReadOpenApi();
  ASSERT_FALSE(documented.empty());
  std::set<std::string> served;
  for (const Route& r : Routes()) {
    const std::string key = std::string(r.method) + " " + std::string(r.pattern);
    served.insert(key);
    auto it = documented.find(key);
    ASSERT_NE(it, documented.end()) << key << " is served but not in docs/openapi.yaml";
    EXPECT_EQ(it->second.access, AccessName(r.access)) << key;
    EXPECT_EQ(it->second.summary, r.summary) << key;
    std::string roles;
    for (domain::Role role : r.roles) {
      roles += (roles.empty() ? "" : ", ") + std::string(domain::RoleName(role));
    }
    // The YAML lists roles in any order: compare as sets.
    auto as_set = [](std::string list) {
      std::set<std::string> s;
      for (char& c : list) {
        if (c == '[' || c == ']' || c == ',') c = ' ';
      }
      std::istringstream words(list);
      for (std::string w; words >> w;) s.insert(w);
      return s;
    };
    EXPECT_EQ(as_set(it->second.roles), as_set(roles)) << key;
  }
  for (const auto& [key, doc] : documented) {
    EXPECT_TRUE(served.count(key)) << key << " is in docs/openapi.yaml but not served";
  }
}

// Where handlers run comes from the route table: writes and the reads that go to the ledger's
// store on the pool, reads from memory on the event loop.
TEST(ApiRoutesTest, MayBlockFollowsTheRouteTable) {
  auto may_block = [](std::string method, std::string path) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    return Api::MayBlock(r);
  };
  EXPECT_TRUE(may_block("POST", "/api/v1/terminal/login"));
  EXPECT_TRUE(may_block("POST", "/api/v1/items/R-1/service"));
  EXPECT_TRUE(may_block("DELETE", "/api/v1/terminal/items"));  // refused later, by the pool
  EXPECT_FALSE(may_block("GET", "/healthz"));
  EXPECT_FALSE(may_block("GET", "/api/v1/terminal/items"));
  EXPECT_FALSE(may_block("GET", "/api/v1/items/R-1"));
  EXPECT_FALSE(may_block("GET", "/api/v1/events"));
  EXPECT_FALSE(may_block("GET", "/no/such/path"));
  for (const char* store_read :
       {"/api/v1/audit", "/api/v1/stats", "/api/v1/ledger/status", "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/proof", "/api/v1/ledger/consistency"}) {
    EXPECT_TRUE(may_block("GET", store_read)) << store_read;
  }
  for (const Route& r : Routes()) {
    // Marking a route for the pool only means something for a method that would run on the loop.
    if (r.runs == Runs::kOnPool) {
      EXPECT_EQ(r.method, "GET") << r.pattern;
    }
  }
}

TEST(ApiRoutesTest, TargetsArePercentDecodedAndSplitIntoPathAndQuery) {
  HttpRequest r;
  ASSERT_TRUE(ParseTarget("/api/v1/items/R%2D1?after=12&x=a+b&flag", r).ok());
  EXPECT_EQ(r.path, "/api/v1/items/R-1");
  EXPECT_EQ(r.query.at("after"), "12");
  EXPECT_EQ(r.query.at("x"), "a b");
  EXPECT_EQ(r.query.at("flag"), "");
}

TEST(ApiRoutesTest, BadTargetsAreRefusedWithASentence) {
  HttpRequest r;
  EXPECT_EQ(ParseTarget("", r).message(), "the request target must start with '/'");
  EXPECT_EQ(ParseTarget("http://x/", r).message(), "the request target must start with '/'");
  EXPECT_EQ(ParseTarget("/a%2", r).message(), "the request path has a bad %-escape");
  EXPECT_EQ(ParseTarget("/a%zz", r).message(), "the request path has a bad %-escape");
  EXPECT_EQ(ParseTarget("/a%00b", r).message(), "the request path has a bad %-escape");
  EXPECT_EQ(ParseTarget("/a/../b", r).message(), "the request path may not contain \"..\"");
  EXPECT_EQ(ParseTarget("/a?x=%G1", r).message(), "the query string has a bad %-escape");
}

}  // namespace
}  // namespace custodian::api
