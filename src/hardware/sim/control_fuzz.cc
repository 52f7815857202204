// Fuzz target: a line sent to the simulator's control interface (hardware/sim/control.h), i.e.
// whatever a test, a person or anything else on loopback types. Parsing must never crash and fails
// with InvalidArgument only; the error response is one line of JSON whatever the bytes were; and
// whatever parses formats to a line that parses back as the same request.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "hardware/sim/control.h"

using namespace custodian::hardware::sim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto r = ParseControlRequest(line);
  if (!r.has_value()) {
    if (r.error().code() != custodian::core::StatusCode::kInvalidArgument) std::abort();
    const std::string response = ControlErrorResponse(r.error().message());
    if (response.find('\n') != std::string::npos) std::abort();
    auto j = nlohmann::json::parse(response, nullptr, false);
    if (!j.is_object() || j["ok"] != false) std::abort();
    return 0;
  }
  auto back = ParseControlRequest(FormatControlRequest(*r));
  if (!back.has_value() || !(*back == *r)) std::abort();
  return 0;
}
