// The ledger payload of a domain event: canonical JSON (keys sorted, no spaces), so the same event
// always has the same bytes. EncodePayload/DecodePayload are inverse: DecodePayload(KindOf(e),
// EncodePayload(e)) == e. Decoding is strict — a missing field, a wrong type or an unknown enum
// name is an InvalidArgument naming the field — because a payload that does not decode cannot be
// replayed into the state. Field names per kind: docs/events.md.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "domain/events.h"

namespace custodian::app {

std::string EncodePayload(const domain::DomainEvent& event);
// NotFound when `kind` is not a domain event kind (other event families share the ledger);
// InvalidArgument, naming the field, when the payload does not decode.
core::Result<domain::DomainEvent> DecodePayload(std::string_view kind, std::string_view payload);
bool IsDomainKind(std::string_view kind);

}  // namespace custodian::app
