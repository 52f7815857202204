// UTF-8 checks for text that comes from outside (config values, log fields): what is valid is
// exactly RFC 3629 — no overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace custodian::core {

// The length (1-4) of the valid UTF-8 sequence that starts at s[i], or 0 if none does.
size_t Utf8SequenceAt(std::string_view s, size_t i);
bool IsValidUtf8(std::string_view s);

}  // namespace custodian::core
