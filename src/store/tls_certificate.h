// The server's TLS certificate (PRODUCT.md §3.11; issue #5: "a self-signed certificate is generated
// on first start"). DIR/tls.crt and DIR/tls.key (mode 0600) are read if they exist — an agency may
// put its own certificate and key there — and otherwise made: an ECDSA P-256 key and a self-signed
// X.509 v3 certificate for CN=custodian with subject alternative names localhost, 127.0.0.1, ::1
// and this machine's host name, valid 825 days (OpenSSL).
//
// Thread-safety: free functions; call once at start.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace custodian::store {

struct TlsMaterial {
  std::string certificate_pem;
  std::string key_pem;
  std::string fingerprint;  // SHA-256 of the certificate (DER), "AB:CD:…", to pin or compare
  bool created = false;     // made just now
};

core::Result<TlsMaterial> LoadOrCreateTlsCertificate(const std::filesystem::path& dir);

}  // namespace custodian::store
