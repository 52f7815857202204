// The web pages (the terminal and the dashboard, built from web/ by Vite) as the server hands them
// out: a fixed set of files read once at start, each answered from memory.
//
//   GET /            the dashboard (index.html)
//   GET /terminal    the terminal (terminal.html)
//   GET /assets/…    scripts, styles and fonts; their names carry a content hash, so browsers may
//                    keep them for a year
//
// Every page carries a Content-Security-Policy that allows only this server's own scripts, styles
// and connections, and forbids framing (clickjacking at a locker terminal). Anything else, and
// any path with "..", is a 404; a method other than GET is a 405.
//
// Thread-safety: immutable after construction; Serve may be called from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/http.h"

namespace custodian::api {

class WebFiles {
 public:
  // `files`: relative path ("index.html", "assets/terminal-3f2a.js") → contents.
  explicit WebFiles(std::map<std::string, std::string> files);

  // The answer for a request outside /api/, /healthz and /metrics, or nullopt when there are no
  // pages at all (the server then answers as the API would).
  std::optional<HttpResponse> Serve(const HttpRequest& request) const;
  bool empty() const { return files_.empty(); }
  size_t size() const { return files_.size(); }

 private:
  std::map<std::string, std::string> files_;
};

// The Content-Type for a file name by its extension ("application/octet-stream" if unknown).
std::string ContentTypeFor(const std::string& name);

}  // namespace custodian::api
