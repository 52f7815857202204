// Fuzz target: domain event payloads as read back from a ledger or an export (app/event_codec.h).
// Input: the kind, a newline, the payload. Decoding must never crash; it fails with NotFound (not a
// domain kind) or InvalidArgument (bad payload) only; a decoded event has that kind, and encoding
// it gives a canonical payload that decodes to the same event and encodes to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "app/event_codec.h"

using namespace custodian;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view kind = input.substr(0, nl);
  const std::string_view payload = input.substr(nl + 1);

  auto event = app::DecodePayload(kind, payload);
  if (!event.has_value()) {
    const core::StatusCode c = event.error().code();
    if (c != core::StatusCode::kNotFound && c != core::StatusCode::kInvalidArgument) std::abort();
    if ((c == core::StatusCode::kNotFound) == app::IsDomainKind(kind)) std::abort();
    return 0;
  }
  if (domain::KindOf(*event) != kind) std::abort();
  const std::string canonical = app::EncodePayload(*event);
  auto again = app::DecodePayload(kind, canonical);
  if (!again.has_value() || !(*again == *event)) std::abort();
  if (app::EncodePayload(*again) != canonical) std::abort();
  return 0;
}
