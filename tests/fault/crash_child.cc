// The child of crash_test: appends synthetic events from several threads to the ledger in argv[1]
// forever, and after each append that returned OK writes "<index> <leaf hash hex>\n" to stdout
// with one write(2), so every line the parent reads is an acknowledged, durable event. The
// parent kills it with SIGKILL at a random moment.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "app/ledger_tasks.h"
#include "core/clock.h"
#include "ledger/ledger.h"
#include "store/sqlite/sqlite_ledger_store.h"
#include "testing/ledger_fixture.h"

int main(int argc, char** argv) {
  using namespace custodian;
  if (argc < 3) {
    std::fprintf(stderr, "usage: crash_child DB_PATH SEED\n");
    return 2;
  }
  auto store = store::SqliteLedgerStore::Open(argv[1]);
  if (!store) {
    std::fprintf(stderr, "crash_child: %s\n", store.error().ToString().c_str());
    return 4;
  }
  auto signer = testing::TestSigner();
  core::SystemClock clock;
  auto ledger = ledger::Ledger::Open(**store, signer, clock, "test-site");
  if (!ledger) {
    std::fprintf(stderr, "crash_child: %s\n", ledger.error().ToString().c_str());
    return 4;
  }
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  std::atomic<uint64_t> n{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto r = (*ledger)->Append(app::SyntheticEvent(n.fetch_add(1), seed));
        if (!r) {
          std::fprintf(stderr, "crash_child: %s\n", r.error().ToString().c_str());
          std::_Exit(5);
        }
        std::string line = std::to_string(r->index) + " " + ledger::ToHex(r->leaf_hash) + "\n";
        if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::_Exit(6);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}
