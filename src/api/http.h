// The HTTP exchange as the API sees it: plain values, no Boost. The transport (http_server.h)
// turns Beast messages into an HttpRequest and an HttpResponse back into bytes, so the route table
// (api.h) can be tested and fuzzed without sockets.
//
// A response either has a body, or is a stream of server-sent events (`stream`): the transport
// then keeps the connection open and calls stream->Poll whenever the ledger grew (and at least
// every heartbeat), writing what it returns, until Poll says the stream is over.
//
// Thread-safety: values; EventStream implementations are called from one transport thread at a
// time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace custodian::api {

struct HttpRequest {
  std::string method;                          // "GET", "POST", …
  std::string path;                            // "/api/v1/items/R-1", percent-decoded
  std::map<std::string, std::string> query;    // "?a=1&b=2", percent-decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string peer;  // the client's address, for rate limits and logs

  // The header's value, or "".
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The query parameter's value, or "".
  std::string Param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

class EventStream {
 public:
  virtual ~EventStream() = default;
  // The SSE text of everything new since the last call ("id: …\nevent: …\ndata: …\n\n" each), ""
  // when nothing is new, or nullopt when the stream must end (the session ended).
  virtual std::optional<std::string> Poll() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::shared_ptr<EventStream> stream;                       // set: text/event-stream
};

// Splits a request target "/a%20b?x=1&y" into a percent-decoded path and query ("y" → ""). A
// target that is not origin-form, a bad %-escape, a NUL or a ".." segment is InvalidArgument.
core::Status ParseTarget(std::string_view target, HttpRequest& into);

}  // namespace custodian::api
