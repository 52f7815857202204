#include "store/tls_certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <memory>

#include "core/bytes.h"
#include "store/files.h"

namespace custodian::store {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

core::Status OpenSslError(const std::string& what) {
  return core::InternalError("TLS certificate: " + what + " failed (OpenSSL)");
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

core::Result<std::string> Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return OpenSslError("digest");
  const std::string hex = core::HexEncode(core::ByteSpan(md, n));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!out.empty()) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

core::Result<TlsMaterial> Create() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("P-256 key generation");
  Cert cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslError("serial number");
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  ASN1_INTEGER* asn1 = BN_to_ASN1_INTEGER(bn, nullptr);
  X509_set_serialNumber(cert.get(), asn1);
  ASN1_INTEGER_free(asn1);
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Custodian"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("custodian"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  char host[256] = {};
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
    bool plain = true;
    for (const char* c = host; *c != '\0'; ++c) {
      plain = plain && (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '.');
    }
    if (plain && std::string(host) != "localhost") san += std::string(",DNS:") + host;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_subject_alt_name, san},
        std::pair<int, std::string>{NID_key_usage, "critical,digitalSignature"},
        std::pair<int, std::string>{NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) return OpenSslError("extension " + value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("signing");

  TlsMaterial m;
  Bio cert_bio(BIO_new(BIO_s_mem()));
  Bio key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return OpenSslError("PEM encoding");
  }
  m.certificate_pem = BioText(cert_bio.get());
  m.key_pem = BioText(key_bio.get());
  CUSTODIAN_ASSIGN_OR_RETURN(m.fingerprint, Fingerprint(cert.get()));
  m.created = true;
  return m;
}

}  // namespace

core::Result<TlsMaterial> LoadOrCreateTlsCertificate(const fs::path& dir) {
  const fs::path cert_path = dir / "tls.crt";
  const fs::path key_path = dir / "tls.key";
  if (fs::exists(cert_path) || fs::exists(key_path)) {
    TlsMaterial m;
    CUSTODIAN_ASSIGN_OR_RETURN(m.certificate_pem, ReadFile(cert_path.string()));
    CUSTODIAN_ASSIGN_OR_RETURN(m.key_pem, ReadFile(key_path.string()));
    Bio bio(BIO_new_mem_buf(m.certificate_pem.data(), static_cast<int>(m.certificate_pem.size())));
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
      return core::InvalidArgumentError(cert_path.string() + " is not a PEM certificate");
    }
    CUSTODIAN_ASSIGN_OR_RETURN(m.fingerprint, Fingerprint(cert.get()));
    return m;
  }
  CUSTODIAN_ASSIGN_OR_RETURN(TlsMaterial m, Create());
  CUSTODIAN_RETURN_IF_ERROR(WriteFileDurably(key_path.string(), core::AsBytes(m.key_pem),
                                             fs::perms::owner_read | fs::perms::owner_write));
  CUSTODIAN_RETURN_IF_ERROR(WriteFileDurably(cert_path.string(), core::AsBytes(m.certificate_pem),
                                             fs::perms::owner_read | fs::perms::owner_write |
                                                 fs::perms::group_read | fs::perms::others_read));
  return m;
}

}  // namespace custodian::store
