#include "api/web_files.h"

#include <utility>

namespace custodian::api {
namespace {

constexpr const char* kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

HttpResponse NotFound(const std::string& path) {
  HttpResponse r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Not found: " + path + "\nThe dashboard is at / and the terminal at /terminal.\n";
  return r;
}

}  // namespace

std::string ContentTypeFor(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (EndsWith(name, ext)) return type;
  }
  return "application/octet-stream";
}

WebFiles::WebFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}

std::optional<HttpResponse> WebFiles::Serve(const HttpRequest& request) const {
  if (files_.empty()) return std::nullopt;
  const std::string& path = request.path;
  if (request.method != "GET") {
    HttpResponse r;
    r.status = 405;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Only GET is allowed on " + path + "\n";
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  std::string name;
  if (path == "/" || path == "/index.html") {
    name = "index.html";
  } else if (path == "/terminal" || path == "/terminal/" || path == "/terminal.html") {
    name = "terminal.html";
  } else if (path.rfind("/assets/", 0) == 0 && path.find("..") == std::string::npos) {
    name = path.substr(1);
  } else if (path == "/favicon.svg") {
    name = "favicon.svg";
  }
  auto it = name.empty() ? files_.end() : files_.find(name);
  if (it == files_.end()) return NotFound(path);

  HttpResponse r;
  r.content_type = ContentTypeFor(name);
  r.body = it->second;
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (EndsWith(name, ".html")) {
    r.headers.emplace_back("Content-Security-Policy", kPolicy);
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
  } else if (name.rfind("assets/", 0) == 0) {
    r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  }
  return r;
}

}  // namespace custodian::api
