#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/rfc2818_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace custodian::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Parses "id:", "event:", "data:" blocks out of `buffer`, keeping an unfinished one.
void TakeEvents(std::string& buffer, std::vector<SseEvent>& out) {
  size_t end;
  while ((end = buffer.find("\n\n")) != std::string::npos) {
    const std::string block = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    SseEvent e;
    bool any = false;
    size_t start = 0;
    while (start <= block.size()) {
      size_t nl = block.find('\n', start);
      if (nl == std::string::npos) nl = block.size();
      const std::string line = block.substr(start, nl - start);
      start = nl + 1;
      auto value = [&](size_t n) {
        return line.substr(line.size() > n && line[n] == ' ' ? n + 1 : n);
      };
      if (line.rfind("id:", 0) == 0) e.id = value(3), any = true;
      if (line.rfind("event:", 0) == 0) e.event = value(6), any = true;
      if (line.rfind("data:", 0) == 0) e.data += value(5), any = true;
    }
    if (any) out.push_back(std::move(e));
  }
}

std::string RequestText(const std::string& target, const std::map<std::string, std::string>& h) {
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : h) req += k + ": " + v + "\r\n";
  return req + "\r\n";
}

}  // namespace

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            std::map<std::string, std::string> headers) const {
  HttpResult out;
  try {
    asio::io_context ioc;
    if (!tls_ca_.empty()) {
      asio::ssl::context ctx(asio::ssl::context::tls_client);
      ctx.add_certificate_authority(asio::buffer(tls_ca_));
      ctx.set_verify_mode(asio::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
      stream.set_verify_callback(asio::ssl::rfc2818_verification(tls_host_));
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(20));
      beast::get_lowest_layer(stream).connect(
          asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
      stream.handshake(asio::ssl::stream_base::client);
      return Exchange(stream, method, target, body, headers);
    }
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(20));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return Exchange(stream, method, target, body, headers);
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

template <typename Stream>
HttpResult HttpClient::Exchange(Stream& stream, const std::string& method,
                                const std::string& target, const std::string& body,
                                const std::map<std::string, std::string>& headers) const {
  HttpResult out;
  {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token_.empty() && headers.count("Authorization") == 0) {
      req.set(http::field::authorization, "Bearer " + token_);
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
  }
  return out;
}

HttpResult HttpClient::Get(const std::string& target,
                           std::map<std::string, std::string> headers) const {
  return Send("GET", target, "", std::move(headers));
}

HttpResult HttpClient::Post(const std::string& target, const std::string& json_body,
                            std::map<std::string, std::string> headers) const {
  headers.emplace("Content-Type", "application/json");
  return Send("POST", target, json_body, std::move(headers));
}

HttpResult HttpClient::Raw(const std::string& raw) const {
  HttpResult out;
  const int fd = Connect(port_);
  if (fd < 0) {
    out.error = "connect failed";
    return out;
  }
  (void)!::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (got.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(got.c_str() + 9);
  const size_t body = got.find("\r\n\r\n");
  if (body != std::string::npos) out.body = got.substr(body + 4);
  if (out.status == 0) out.error = "no answer";
  return out;
}

std::vector<SseEvent> HttpClient::ReadEvents(
    const std::string& target, std::map<std::string, std::string> headers,
    const std::function<bool(const std::vector<SseEvent>&)>& done,
    std::chrono::milliseconds timeout, int* status) const {
  std::vector<SseEvent> events;
  if (status) *status = 0;
  const int fd = Connect(port_);
  if (fd < 0) return events;
  if (!token_.empty() && headers.count("Authorization") == 0) {
    headers["Authorization"] = "Bearer " + token_;
  }
  const std::string req = RequestText(target, headers);
  (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  bool header_done = false;
  char buf[4096];
  while (!done(events)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    buffer.append(buf, static_cast<size_t>(n));
    if (!header_done) {
      const size_t end = buffer.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (status && buffer.rfind("HTTP/1.1 ", 0) == 0) *status = std::atoi(buffer.c_str() + 9);
      buffer.erase(0, end + 4);
      header_done = true;
    }
    TakeEvents(buffer, events);
  }
  ::close(fd);
  return events;
}

struct EventCollector::Impl {
  int fd = -1;
  std::thread thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<SseEvent> events;
  bool connected = false;
};

EventCollector::EventCollector(uint16_t port, std::string token, std::string target)
    : impl_(std::make_unique<Impl>()) {
  impl_->fd = Connect(port);
  if (impl_->fd < 0) return;
  const std::string req = RequestText(target, {{"Authorization", "Bearer " + token}});
  (void)!::send(impl_->fd, req.data(), req.size(), MSG_NOSIGNAL);
  Impl* raw = impl_.get();
  impl_->thread = std::thread([raw] {
    std::string buffer;
    bool header_done = false;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(raw->fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      buffer.append(buf, static_cast<size_t>(n));
      std::lock_guard l(raw->mu);
      if (!header_done) {
        const size_t end = buffer.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        raw->connected =
            buffer.rfind("HTTP/1.1 200", 0) == 0 && buffer.find("text/event-stream") < end;
        buffer.erase(0, end + 4);
        header_done = true;
      }
      TakeEvents(buffer, raw->events);
      raw->cv.notify_all();
    }
  });
}

EventCollector::~EventCollector() {
  if (impl_->fd >= 0) ::shutdown(impl_->fd, SHUT_RDWR);
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->fd >= 0) ::close(impl_->fd);
}

bool EventCollector::WaitFor(const std::function<bool(const SseEvent&)>& pred,
                             std::chrono::milliseconds timeout) {
  std::unique_lock l(impl_->mu);
  return impl_->cv.wait_for(l, timeout, [&] {
    for (const SseEvent& e : impl_->events) {
      if (pred(e)) return true;
    }
    return false;
  });
}

std::vector<SseEvent> EventCollector::Events() const {
  std::lock_guard l(impl_->mu);
  return impl_->events;
}

bool EventCollector::Connected() const {
  std::lock_guard l(impl_->mu);
  return impl_->connected;
}

}  // namespace custodian::testing
