// api::HttpServer's access records (ServerOptions::on_request) over real HTTP on loopback, with a
// stand-in handler: one record per answer — plain, refused by the transport, failed in the
// handler, an event stream at its end — with the path but never the query string; and its event
// loops with the blocking pool: a read is not held up by a handler that waits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "testing/http_client.h"

namespace custodian {
namespace {

using testing::HttpClient;

// A stream of two events, then the end.
class TwoEvents final : public api::EventStream {
 public:
  std::optional<std::string> Poll() override {
    if (sent_ == 2) return std::nullopt;
    ++sent_;
    return "event: tick\ndata: {}\n\n";
  }

 private:
  int sent_ = 0;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::ServerOptions options;
    options.body_limit = 1024;
    options.on_request = [this](const api::AccessRecord& r) {
      std::lock_guard l(mu_);
      records_.push_back(r);
    };
    auto s = api::HttpServer::Start(options, [](const api::HttpRequest& r) {
      api::HttpResponse out;
      if (r.path == "/boom") throw std::runtime_error("boom");
      if (r.path == "/events") {
        out.content_type = "text/event-stream";
        out.stream = std::make_shared<TwoEvents>();
        return out;
      }
      out.body = R"({"ok":true})";
      return out;
    });
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = std::move(*s);
  }

  // The records so far, once there are `n` (the record follows the answer by a moment).
  std::vector<api::AccessRecord> Records(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard l(mu_);
        if (records_.size() >= n) return records_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard l(mu_);
    return records_;
  }

  std::mutex mu_;
  std::vector<api::AccessRecord> records_;
  std::unique_ptr<api::HttpServer> server_;
};

TEST_F(HttpServerTest, RecordsEachAnswerWithThePathButNotTheQueryString) {
  HttpClient c(server_->port());
  c.SetToken("bearer-secret");
  const auto r = c.Get("/api/v1/things/a%20b?token=query-secret&x=1");
  ASSERT_EQ(r.status, 200);
  const auto records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].method, "GET");
  EXPECT_EQ(records[0].path, "/api/v1/things/a%20b");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_EQ(records[0].bytes, r.body.size());
  EXPECT_EQ(records[0].remote, "127.0.0.1");
  EXPECT_GE(records[0].duration.count(), 0);
}

TEST_F(HttpServerTest, RecordsWhatTheTransportRefusesAndWhatTheHandlerFailed) {
  HttpClient c(server_->port());
  EXPECT_EQ(c.Post("/upload?x=1", std::string(4096, 'x')).status, 413);
  EXPECT_EQ(c.Get("/boom").status, 500);
  EXPECT_EQ(c.Raw("NOT HTTP AT ALL\r\n\r\n").status, 400);
  // By status: a record follows its answer, so two connections' records may come in either order.
  std::map<int, api::AccessRecord> by_status;
  for (const auto& r : Records(3)) by_status[r.status] = r;
  ASSERT_EQ(by_status.size(), 3u);
  EXPECT_EQ(by_status[413].method, "POST");
  EXPECT_EQ(by_status[413].path, "/upload");
  EXPECT_EQ(by_status[500].method, "GET");
  EXPECT_EQ(by_status[500].path, "/boom");
  EXPECT_EQ(by_status[400].method, "");  // too malformed to have one
  EXPECT_EQ(by_status[400].path, "");
}

TEST_F(HttpServerTest, RecordsAnEventStreamWhenItEndsWithTheBytesSent) {
  HttpClient c(server_->port());
  int status = 0;
  const auto events = c.ReadEvents(
      "/events", {}, [](const auto& e) { return e.size() == 2; }, std::chrono::seconds(5), &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(events.size(), 2u);
  const auto records = Records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].path, "/events");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_EQ(records[0].bytes, 2 * std::string("event: tick\ndata: {}\n\n").size());
}

}  // namespace
}  // namespace custodian

namespace custodian {
namespace {

// One event loop; a POST's handler blocks until the test releases it (or `hold` passes), a GET
// answers at once. A POST posted from a thread of its own, once its handler has begun.
class OneLoop {
 public:
  OneLoop(int blocking_threads, std::chrono::milliseconds hold) {
    api::ServerOptions options;
    options.threads = 1;
    options.blocking_threads = blocking_threads;
    auto s = api::HttpServer::Start(options, [this, hold](const api::HttpRequest& r) {
      api::HttpResponse out;
      if (r.method == "POST") {
        slow_entered = true;
        released_.wait_for(hold);
        slow_done = true;
      }
      out.body = R"({"ok":true})";
      return out;
    });
    EXPECT_TRUE(s) << s.error().ToString();
    if (s) server_ = std::move(*s);
  }
  ~OneLoop() {
    Release();
    if (slow_.joinable()) slow_.join();
  }
  // Starts the blocking POST and waits until its handler runs; false if it never did.
  bool StartSlowPost() {
    slow_ = std::thread(
        [this] { slow_status = HttpClient(server_->port()).Post("/slow", "{}").status; });
    for (int i = 0; i < 1000 && !slow_entered; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return slow_entered;
  }
  int Get() { return HttpClient(server_->port()).Get("/fast").status; }
  void Release() {
    if (!released_set_) release_.set_value();
    released_set_ = true;
  }
  void JoinSlowPost() { slow_.join(); }

  std::atomic<bool> slow_entered{false}, slow_done{false};
  std::atomic<int> slow_status{0};

 private:
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  bool released_set_ = false;
  std::unique_ptr<api::HttpServer> server_;
  std::thread slow_;
};

// A handler that may block (a POST: a PIN check, a ledger commit) runs on the blocking pool, so a
// read on the same, single event loop is answered while it waits.
TEST(HttpServerLoops, AReadIsAnsweredWhileABlockingHandlerWaitsOnTheOnlyLoop) {
  OneLoop loop(/*blocking_threads=*/2, std::chrono::seconds(10));
  ASSERT_TRUE(loop.StartSlowPost());
  EXPECT_EQ(loop.Get(), 200);
  EXPECT_FALSE(loop.slow_done) << "the read waited for the blocking handler to finish";
  loop.Release();
  loop.JoinSlowPost();
  EXPECT_EQ(loop.slow_status, 200);
  EXPECT_TRUE(loop.slow_done);
}

// Without a blocking pool every handler runs on its loop: the same read then waits (this is what
// the pool is for, and shows the test above can fail).
TEST(HttpServerLoops, WithoutABlockingPoolTheReadWaitsForTheBlockingHandler) {
  OneLoop loop(/*blocking_threads=*/0, std::chrono::milliseconds(300));
  ASSERT_TRUE(loop.StartSlowPost());
  EXPECT_EQ(loop.Get(), 200);
  EXPECT_TRUE(loop.slow_done);
}

}  // namespace
}  // namespace custodian
