#include "api/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

namespace custodian::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

using Executor = asio::io_context::executor_type;

// An event stream waiting for news, on its connection's event loop.
struct Waiter {
  explicit Waiter(Executor e) : executor(e), timer(e) {}
  Executor executor;
  asio::steady_timer timer;
  bool notified = false;  // on the loop's thread
};

std::string ErrorBody(std::string_view code, std::string_view message) {
  std::string out = R"({"error":{"code":")";
  out += code;
  out += R"(","message":")";
  for (char c : message) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20) out.push_back(c);
  }
  out += "\"}}";
  return out;
}

// The request as the API sees it (path and query still to be parsed from the target).
HttpRequest Convert(http::request<http::string_body>& req) {
  HttpRequest in;
  in.method = std::string(req.method_string());
  in.body = std::move(req.body());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[name] = std::string(field.value());
  }
  return in;
}

std::string_view TargetOf(const http::request<http::string_body>& req) {
  return std::string_view(req.target().data(), req.target().size());
}

// The path of a request target, without the query string (which may hold what a log must not).
std::string PathOf(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

std::string PeerOf(const tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

// The sentence for a parse error, as the client gets it.
std::string ParseErrorSentence(const beast::error_code& ec, const ServerOptions& options) {
  if (ec == http::error::body_limit) {
    return "the request body is larger than " + std::to_string(options.body_limit) + " bytes";
  }
  if (ec == http::error::header_limit) {
    return "the request header is larger than " + std::to_string(options.header_limit) + " bytes";
  }
  return "malformed HTTP request: " + ec.message();
}

}  // namespace

core::Result<HttpRequest> ParseRequest(std::string_view bytes, const ServerOptions& options) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(options.header_limit));
  parser.body_limit(options.body_limit);
  parser.eager(true);
  beast::error_code ec;
  size_t used = 0;
  while (!ec && !parser.is_done() && used < bytes.size()) {
    used += parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
  }
  // A request's end is given by its Content-Length or chunks, never by the end of the bytes.
  if (!ec && !parser.is_done()) {
    return core::InvalidArgumentError("an incomplete request (it ends before its header or body)");
  }
  if (ec) return core::InvalidArgumentError(ParseErrorSentence(ec, options));
  http::request<http::string_body> req = parser.release();
  HttpRequest in = Convert(req);
  CUSTODIAN_RETURN_IF_ERROR(ParseTarget(TargetOf(req), in));
  return in;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  ServerOptions options;
  Handler handler;
  // One event loop per I/O thread; a connection lives on one loop for its whole life, so its
  // handlers never hop threads and need no strand. The acceptor is on the first loop.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::optional<tcp::acceptor> acceptor;
  size_t next_loop = 0;  // on the acceptor's loop
  // Handlers that may block (options.may_block) run here, so a PIN check or a commit never stalls
  // a loop's other connections. Declared after the loops: destroyed, with what it still holds,
  // before them.
  std::optional<asio::thread_pool> pool;
  std::optional<ssl::context> tls;  // set: HTTPS only
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::atomic<uint64_t> served{0};
  std::mutex mu;  // guards waiters
  std::set<std::shared_ptr<Waiter>> waiters;
  std::once_flag stop_once;

  void WakeAll() {
    std::lock_guard l(mu);
    for (const auto& w : waiters) {
      asio::post(w->executor, [w] {
        w->notified = true;
        w->timer.cancel();
      });
    }
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      // The loops take new connections in turn.
      asio::io_context& loop = *loops[next_loop++ % loops.size()];
      tcp::socket socket(loop);
      co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. too many open files: keep serving the others
      }
      const Executor executor = loop.get_executor();
      if (tls) {
        asio::co_spawn(executor, TlsConnection(std::move(socket), executor), asio::detached);
      } else {
        asio::co_spawn(executor, Connection(beast::tcp_stream(std::move(socket)), executor),
                       asio::detached);
      }
    }
  }

  void Record(std::string method, std::string path, int status, uint64_t bytes,
              std::chrono::steady_clock::time_point start, std::string remote) {
    if (!options.on_request) return;
    AccessRecord r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.status = status;
    r.bytes = bytes;
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    r.remote = std::move(remote);
    try {
      options.on_request(r);
    } catch (const std::exception&) {
      // A failing access log must not take the connection down.
    }
  }

  static HttpResponse Plain(int status, std::string_view code, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = ErrorBody(code, message);
    return r;
  }

  template <typename Body>
  static void Decorate(http::response<Body>& res, const HttpResponse& r) {
    res.set(http::field::server, "custodian");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) res.insert(name, value);
  }

  // TLS: the handshake within the request timeout, then the same exchange as plain HTTP, then
  // close_notify.
  asio::awaitable<void> TlsConnection(tcp::socket socket, Executor executor) {
    TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
    beast::get_lowest_layer(stream).expires_after(options.request_timeout);
    beast::error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // not TLS, or too slow: nothing to answer
    co_await Connection(std::move(stream), executor);
  }

  static void Shutdown(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  asio::awaitable<void> Shutdown(TlsStream& stream) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    beast::error_code ignored;
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
  }

  // The handler's answer; a handler that throws gets a 500 with what it said.
  HttpResponse Call(const HttpRequest& in) {
    try {
      return handler(in);
    } catch (const std::exception& e) {
      return Plain(500, "internal", std::string("internal error: ") + e.what());
    }
  }

  bool MayBlock(const HttpRequest& in) const {
    if (options.may_block) return options.may_block(in);
    return in.method != "GET" && in.method != "HEAD";
  }

  template <typename S>
  asio::awaitable<void> Connection(S stream, Executor executor) {
    beast::flat_buffer buffer;
    // The peer's address, once per connection rather than a getpeername call per request.
    const std::string peer = PeerOf(beast::get_lowest_layer(stream).socket());
    for (;;) {
      if (stopping) break;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      beast::get_lowest_layer(stream).expires_after(options.request_timeout);
      beast::error_code ec;
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
          ec == asio::error::eof) {
        break;
      }
      if (ec) {
        const auto start = std::chrono::steady_clock::now();
        HttpResponse bad;
        if (ec == http::error::body_limit) {
          bad = Plain(
              413, "body_too_large",
              "the request body is larger than " + std::to_string(options.body_limit) + " bytes");
        } else if (ec == http::error::header_limit) {
          bad = Plain(431, "header_too_large",
                      "the request header is larger than " + std::to_string(options.header_limit) +
                          " bytes");
        } else {
          bad = Plain(400, "bad_request", "malformed HTTP request: " + ec.message());
        }
        http::response<http::string_body> res{static_cast<http::status>(bad.status), 11};
        Decorate(res, bad);
        res.body() = bad.body;
        res.keep_alive(false);
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(options.request_timeout);
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        // What was read of the request: its method and path once the request line was whole
        // (empty before).
        Record(std::string(parser.get().method_string()), PathOf(TargetOf(parser.get())),
               bad.status, bad.body.size(), start, peer);
        break;
      }
      const auto start = std::chrono::steady_clock::now();
      http::request<http::string_body> req = parser.release();
      ++in_flight;
      HttpRequest in = Convert(req);
      in.peer = peer;
      HttpResponse out;
      if (core::Status t =
              ParseTarget(std::string_view(req.target().data(), req.target().size()), in);
          !t.ok()) {
        out = Plain(400, "bad_request", t.message());
      } else if (pool && MayBlock(in)) {
        // On the blocking pool; this connection waits, the loop's others go on.
        out = co_await asio::co_spawn(
            pool->get_executor(),
            [this, &in]() -> asio::awaitable<HttpResponse> { co_return Call(in); },
            asio::use_awaitable);
      } else {
        out = Call(in);
      }
      ++served;
      if (out.stream) {
        --in_flight;
        const uint64_t sent = co_await Stream(stream, executor, req.version(), out);
        Record(in.method, PathOf(TargetOf(req)), out.status, sent, start, in.peer);
        break;
      }
      http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
      Decorate(res, out);
      res.body() = std::move(out.body);
      res.keep_alive(req.keep_alive() && !stopping);
      res.prepare_payload();
      const uint64_t body_bytes = res.body().size();
      beast::get_lowest_layer(stream).expires_after(options.request_timeout);
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      --in_flight;
      Record(std::move(in.method), PathOf(TargetOf(req)), out.status, body_bytes, start,
             std::move(in.peer));
      if (ec || !res.keep_alive()) break;
    }
    if constexpr (std::is_same_v<S, TlsStream>) {
      co_await Shutdown(stream);
    } else {
      Shutdown(stream);
    }
  }

  // Serves an event stream until it ends; the bytes of events (and heartbeats) sent.
  template <typename S>
  asio::awaitable<uint64_t> Stream(S& stream, Executor executor, unsigned version,
                                   HttpResponse& out) {
    uint64_t sent = 0;
    http::response<http::empty_body> res{static_cast<http::status>(out.status), version};
    Decorate(res, out);
    res.keep_alive(false);  // the stream ends with the connection
    beast::error_code ec;
    http::response_serializer<http::empty_body> sr{res};
    beast::get_lowest_layer(stream).expires_after(options.request_timeout);
    co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return sent;
    auto waiter = std::make_shared<Waiter>(executor);
    {
      std::lock_guard l(mu);
      waiters.insert(waiter);
    }
    for (;;) {
      if (stopping) break;
      std::optional<std::string> text = out.stream->Poll();
      if (!text) break;
      if (text->empty() && !waiter->notified) {
        waiter->timer.expires_after(options.heartbeat);
        co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!waiter->notified && !stopping) {
          *text = ": heartbeat\n\n";
        } else {
          waiter->notified = false;
          continue;
        }
      }
      waiter->notified = false;
      if (text->empty()) continue;
      beast::get_lowest_layer(stream).expires_after(options.request_timeout);
      co_await asio::async_write(stream, asio::buffer(*text),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      sent += text->size();
    }
    {
      std::lock_guard l(mu);
      waiters.erase(waiter);
    }
    co_return sent;
  }

  void StopNow() {
    std::call_once(stop_once, [this] {
      stopping = true;
      asio::post(acceptor->get_executor(), [this] {
        beast::error_code ignored;
        acceptor->close(ignored);
      });
      WakeAll();
      const auto deadline = std::chrono::steady_clock::now() + options.grace;
      while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      for (const auto& loop : loops) loop->stop();
      if (pool) pool->stop();
      for (std::thread& t : threads) {
        if (t.joinable()) t.join();
      }
      if (pool) pool->join();
    });
  }
};

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options,
                                                            Handler handler) {
  auto impl = std::make_shared<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl->options.address, ec);
  if (ec) {
    return core::InvalidArgumentError("\"" + impl->options.address +
                                      "\" is not an IP address to listen on");
  }
  if (!impl->options.tls_certificate_pem.empty()) {
    impl->tls.emplace(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    impl->tls->use_certificate_chain(asio::buffer(impl->options.tls_certificate_pem), ec);
    if (!ec) {
      impl->tls->use_private_key(asio::buffer(impl->options.tls_key_pem), ssl::context::pem, ec);
    }
    if (ec) {
      return core::InvalidArgumentError("the TLS certificate or key cannot be used: " +
                                        ec.message());
    }
  }
  const int n = impl->options.threads > 0
                    ? impl->options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    // Each loop is run by one thread only (the hint lets Asio skip some of its locking).
    impl->loops.push_back(std::make_unique<asio::io_context>(1));
  }
  impl->acceptor.emplace(*impl->loops.front());
  tcp::acceptor& acceptor = *impl->acceptor;
  const tcp::endpoint endpoint{address, impl->options.port};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::UnavailableError("cannot listen on " + impl->options.address + ":" +
                                  std::to_string(impl->options.port) + ": " + ec.message());
  }
  if (impl->options.blocking_threads > 0) {
    impl->pool.emplace(static_cast<size_t>(impl->options.blocking_threads));
  }
  asio::co_spawn(*impl->loops.front(), impl->Accept(), asio::detached);
  for (const auto& loop : impl->loops) {
    // A loop with no connection yet must not return at once: it waits for work until stopped.
    impl->threads.emplace_back([raw = loop.get()] {
      auto guard = asio::make_work_guard(*raw);
      raw->run();
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const {
  beast::error_code ec;
  const auto e = impl_->acceptor->local_endpoint(ec);
  return ec ? impl_->options.port : e.port();
}
void HttpServer::Notify() { impl_->WakeAll(); }
void HttpServer::Stop() { impl_->StopNow(); }
uint64_t HttpServer::RequestsServed() const { return impl_->served.load(); }

}  // namespace custodian::api
