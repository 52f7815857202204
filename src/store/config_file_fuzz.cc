// Fuzz target: the configuration of `custodian serve` (store/config_file.h) — a TOML file, and the
// same bytes read as NAME=VALUE lines of an environment. Parsing must never crash or throw; it
// fails with InvalidArgument and a sentence naming the file (or a variable) only; and what it
// accepts is within the documented ranges: printed, it reads back to the same values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/config_file.h"

using namespace custodian;

namespace {

void CheckAccepted(const store::ServeConfig& c) {
  store::ServeConfig back;
  if (!store::ApplyConfigToml(store::FormatConfigToml(c), "printed", "", back).ok()) std::abort();
  if (!(back == c)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  store::ServeConfig c;
  store::ConfigOrigins origins;
  const core::Status s = store::ApplyConfigToml(text, "fuzz.toml", "/etc/custodian", c, &origins);
  if (s.ok()) {
    CheckAccepted(c);
  } else if (s.code() != core::StatusCode::kInvalidArgument ||
             s.message().rfind("fuzz.toml", 0) != 0 || !(c == store::ServeConfig{})) {
    std::abort();
  }

  std::vector<std::pair<std::string, std::string>> env;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(start, nl - start);
    const size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      env.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    start = nl + 1;
  }
  store::ServeConfig e;
  const core::Status es = store::ApplyConfigEnvironment(env, e);
  if (es.ok()) {
    CheckAccepted(e);
  } else if (es.code() != core::StatusCode::kInvalidArgument ||
             es.message().rfind("CUSTODIAN_", 0) != 0) {
    std::abort();
  }
  return 0;
}
