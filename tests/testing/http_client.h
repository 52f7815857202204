// A small HTTP/1.1 client for tests, over a real loopback socket (Boost.Beast, synchronous): one
// request per connection unless a Connection object is reused, and an event-stream reader that
// collects server-sent events until a predicate holds or a deadline passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace custodian::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, closed or timed out)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // why there was no answer
};

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}
  void SetToken(std::string token) { token_ = std::move(token); }
  // Speak HTTPS to the server, trusting only this certificate (PEM) and checking that it names
  // `host` (Get/Post/Send; the raw and event-stream helpers stay plain).
  void UseTls(std::string certificate_pem, std::string host = "localhost") {
    tls_ca_ = std::move(certificate_pem);
    tls_host_ = std::move(host);
  }

  HttpResult Get(const std::string& target, std::map<std::string, std::string> headers = {}) const;
  HttpResult Post(const std::string& target, const std::string& json_body,
                  std::map<std::string, std::string> headers = {}) const;
  // Any method and raw body, with these headers exactly (Authorization added when a token is set
  // and the headers do not have one).
  HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers) const;
  // Writes `raw` bytes as they are and reads whatever answer comes (for malformed HTTP).
  HttpResult Raw(const std::string& raw) const;

  // Opens an event stream and reads events until `done(events so far)` is true or `timeout`
  // passes; returns what arrived (status in *status when given).
  std::vector<SseEvent> ReadEvents(const std::string& target,
                                   std::map<std::string, std::string> headers,
                                   const std::function<bool(const std::vector<SseEvent>&)>& done,
                                   std::chrono::milliseconds timeout, int* status = nullptr) const;

  uint16_t port() const { return port_; }

 private:
  template <typename Stream>
  HttpResult Exchange(Stream& stream, const std::string& method, const std::string& target,
                      const std::string& body,
                      const std::map<std::string, std::string>& headers) const;
  uint16_t port_;
  std::string token_;
  std::string tls_ca_;
  std::string tls_host_;
};

// A stream opened in the background that keeps every event that arrives until destroyed.
class EventCollector {
 public:
  EventCollector(uint16_t port, std::string token, std::string target = "/api/v1/events");
  ~EventCollector();
  // Waits until some event satisfies `pred`, up to `timeout`; true if one did.
  bool WaitFor(const std::function<bool(const SseEvent&)>& pred, std::chrono::milliseconds timeout);
  std::vector<SseEvent> Events() const;
  bool Connected() const;  // the server answered 200 text/event-stream

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace custodian::testing
