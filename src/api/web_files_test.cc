#include "api/web_files.h"

#include <gtest/gtest.h>

#include <string>

namespace custodian::api {
namespace {

HttpRequest Get(std::string path, std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class WebFilesTest : public ::testing::Test {
 protected:
  WebFiles web{{{"index.html", "<h1>dashboard</h1>"},
                {"terminal.html", "<h1>terminal</h1>"},
                {"assets/app-1a2b.js", "console.log(1)"},
                {"assets/app-1a2b.css", "body{}"},
                {"secret.txt", "not served"}}};
};

TEST_F(WebFilesTest, TheDashboardIsAtTheRootAndTheTerminalAtTerminal) {
  auto root = web.Serve(Get("/"));
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, "<h1>dashboard</h1>");
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  for (const char* p : {"/terminal", "/terminal/", "/terminal.html"}) {
    auto t = web.Serve(Get(p));
    ASSERT_TRUE(t) << p;
    EXPECT_EQ(t->body, "<h1>terminal</h1>") << p;
  }
}

TEST_F(WebFilesTest, PagesForbidForeignScriptsAndFramingAndAreNotCached) {
  auto root = web.Serve(Get("/"));
  ASSERT_TRUE(root);
  const std::string csp = HeaderOf(*root, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(HeaderOf(*root, "X-Frame-Options"), "DENY");
  EXPECT_EQ(HeaderOf(*root, "Cache-Control"), "no-cache");
  EXPECT_EQ(HeaderOf(*root, "X-Content-Type-Options"), "nosniff");
}

TEST_F(WebFilesTest, HashedAssetsAreServedWithTheirTypeAndKeptForAYear) {
  auto js = web.Serve(Get("/assets/app-1a2b.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(HeaderOf(*js, "Cache-Control"), "public, max-age=31536000, immutable");
  auto css = web.Serve(Get("/assets/app-1a2b.css"));
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST_F(WebFilesTest, OnlyThePagesAndAssetsAreServedNothingElse) {
  for (const char* p : {"/secret.txt", "/assets/missing.js", "/assets/../secret.txt", "/nope",
                        "/assets/", "//etc/passwd"}) {
    auto r = web.Serve(Get(p));
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 404) << p;
    EXPECT_EQ(r->body.find("not served"), std::string::npos) << p;
  }
}

TEST_F(WebFilesTest, OnlyGetIsAllowed) {
  auto r = web.Serve(Get("/", "POST"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(HeaderOf(*r, "Allow"), "GET");
}

TEST(WebFilesEmptyTest, WithoutPagesTheApiAnswers) {
  WebFiles none({});
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.Serve(Get("/")));
}

TEST(ContentTypeTest, UnknownExtensionsAreOpaqueBytes) {
  EXPECT_EQ(ContentTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("x.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("x.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace custodian::api
