// HttpServer: the HTTP/1.1 transport of `custodian serve` — Boost.Beast over Asio, C++20
// coroutines. Connections are spread over a few event loops, one thread each (by default one per
// core); a connection stays on its loop, so answering it never hops threads. Handlers that may
// block — by default every request but GET and HEAD: PIN checks (~0.1 s of Argon2id), ledger
// commits (an fsync) — run on a separate pool of blocking threads, so they never stall a loop's
// other connections, and as many commits as that pool has threads can share one fsync. It knows
// nothing of the API: each
// complete request becomes an HttpRequest handed to the Handler, whose HttpResponse goes back
// (keep-alive when the client asks for it). A response with a stream is served as
// text/event-stream until the stream ends, the client leaves or the server stops.
//
// With a certificate and key in the options, it speaks only HTTPS (TLS 1.2+, OpenSSL through
// Asio); a client that does not complete the handshake within request_timeout is dropped.
//
// Hardening at the transport: a request's header is limited (431), its body too (413), and the
// whole request must arrive within request_timeout of the previous answer (or of connecting):
// a slow or idle client is dropped. Malformed HTTP gets a 400 with a sentence and the connection
// closes. Responses carry no-store and nosniff headers.
//
// After each request is answered, ServerOptions::on_request (if set) gets an AccessRecord — what an
// access log needs and nothing secret: the method, the path without the query string, the status,
// the response body's size, how long the answer took and the client's address; never headers,
// cookies, tokens or bodies. The server does not log: `custodian serve` decides what to do with it.
//
// Stop(): stops accepting, lets requests being handled finish (up to grace), ends event streams,
// then closes everything. The destructor stops.
//
// Thread-safety: Notify() and Stop() may be called from any thread, the Handler is called from the
// loops' and the blocking pool's threads concurrently and must be thread-safe; so must on_request
// and may_block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"
#include "core/result.h"

namespace custodian::api {

// One request answered, for an access log.
struct AccessRecord {
  std::string method;  // "GET"; "" when the request was too malformed to have one
  std::string path;    // the target as sent, without "?" and the query string after it
  int status = 0;
  uint64_t bytes = 0;  // of the response body (an event stream: every event sent)
  // From the request read to the response written (an event stream: to its end).
  std::chrono::microseconds duration{0};
  std::string remote;  // the client's IP address
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port (see HttpServer::port())
  int threads = 0;    // event loops, one thread each; 0: one per core
  // Threads for the handlers that may block; 0: none, every handler runs on the loops.
  int blocking_threads = 16;
  // Which requests may block (run on the blocking pool). Unset: every method but GET and HEAD.
  std::function<bool(const HttpRequest&)> may_block;
  size_t header_limit = 8 * 1024;
  size_t body_limit = 64 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds heartbeat{15'000};  // an SSE comment line when nothing happened
  std::chrono::milliseconds grace{5'000};       // Stop(): how long in-flight requests may take
  // Set both (PEM): HTTPS only — TLS 1.2 or later — on this listener.
  std::string tls_certificate_pem;
  std::string tls_key_pem;
  // Called after every answer (from the loops' threads, concurrently).
  std::function<void(const AccessRecord&)> on_request;
};

// Parses one complete HTTP/1.1 request from `bytes` with the same Beast parser, limits and
// conversion the server uses (for the fuzz target and tests): InvalidArgument with the sentence a
// client would get (413/431 cases included) when it is not one.
core::Result<HttpRequest> ParseRequest(std::string_view bytes, const ServerOptions& options);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Listens and starts serving; Unavailable when the address cannot be bound.
  static core::Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Something new happened (the ledger grew): every event stream polls now.
  void Notify();
  void Stop();
  // Requests answered so far (for tests and metrics).
  uint64_t RequestsServed() const;

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace custodian::api
