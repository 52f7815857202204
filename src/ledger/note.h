// Signed notes and checkpoints: how the ledger vouches for its tree head to the outside world.
//
// A signed note (https://c2sp.org/signed-note, golang.org/x/mod/sumdb/note) is UTF-8 text signed
// by one or more named Ed25519 keys. The ledger signs checkpoints
// (https://c2sp.org/tlog-checkpoint): note texts that name the log (origin), its tree size and its
// Merkle root, so that anyone holding the log's verifier key can check a tree head offline with any
// C2SP implementation, such as Go's sumdb/note. The formats below are byte-exact and interoperable
// with Go.
//
// Keys. A key name is non-empty valid UTF-8 with no Unicode white space (Go's unicode.IsSpace),
// no '+' and no ASCII control character. Its key ID is
//   key_id = big-endian uint32 of SHA-256(name || 0x0A || 0x01 || 32-byte Ed25519 public key)[0:4]
// where 0x01 is the algorithm byte for Ed25519 (the only algorithm supported).
//   verifier key:  <name> "+" <key_id as 8 lower-case hex digits> "+" base64(0x01 || public key)
//   signer key:    "PRIVATE+KEY+" <name> "+" <8 hex> "+" base64(0x01 || 32-byte Ed25519 seed)
// The signer key is a secret: anyone holding it can sign as the log.
//
// Note. note = text || "\n" || one or more signature lines, each
//   "\xE2\x80\x94 " <name> " " base64(key_id as 4 bytes big-endian || signature) "\n"
// where E2 80 94 is U+2014 EM DASH in UTF-8, followed by a space.
// The text is non-empty, ends in "\n" and may contain blank lines; the whole note is valid UTF-8
// with no control character other than "\n", so the text ends at the LAST "\n\n" of the note. An
// Ed25519 signature (RFC 8032, 64 bytes) covers the text bytes including their final newline. At
// most 100 signature lines and 1 MiB (1,048,576 bytes) per note.
//
// Checkpoint body (a note text). Every line ends in "\n":
//   line 1  origin: any non-empty line (it names the log; OpenCheckpoint requires it to equal the
//           verifier's key name)
//   line 2  tree size: decimal ASCII, no sign, no leading zero ("0" for the empty tree), < 2^64
//   line 3  root hash: base64 of the 32-byte RFC 6962 root
//   line 4… optional extension lines, each non-empty and opaque
//
// Strictness, where it differs from Go (Go never produces what we reject): base64 must be the
// canonical padded form (core::Base64Decode), the key ID hex must be lower case, key names may not
// hold control characters, and every signature line by the verifier's key is verified (Go checks
// only the first). Consequently every accepted input has exactly one text form: a parsed verifier
// key, signer key or checkpoint formats back to the same bytes.
//
// Error codes. InvalidArgument: malformed key, note text, note or checkpoint. PermissionDenied:
// well-formed, but not vouched for by the trusted key — no signature line carries its name AND key
// ID (signatures by other keys are ignored, as the spec requires), or a checkpoint signed by the
// key names another origin. DataLoss: a signature line by the trusted key does not verify — the
// text or signature was altered. Internal: libsodium failed to initialise.
//
// Thread-safety: NoteVerifier and NoteSigner are immutable values once built; their const methods
// and the free functions may be called concurrently. libsodium is initialised once, thread-safely.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/hash.h"

namespace custodian::ledger {

// The public half of a note key: checks signatures by one named Ed25519 key.
class NoteVerifier {
 public:
  // Parses a verifier key text. Rejects any deviation: bad name, key ID that is not 8 lower-case
  // hex digits or does not match the key, non-canonical base64, unknown algorithm, wrong length.
  static core::Result<NoteVerifier> FromVerifierKey(std::string_view vkey);
  static core::Result<NoteVerifier> FromPublicKey(std::string_view name,
                                                  core::ByteSpan public_key32);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The verifier key text; FromVerifierKey(VerifierKey()) gives this verifier back.
  std::string VerifierKey() const;
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  // True if `signature64` is a valid Ed25519 signature of `message` by this key; false for any
  // signature that is not exactly 64 bytes.
  bool VerifySignature(core::ByteSpan message, core::ByteSpan signature64) const;

 private:
  friend class NoteSigner;
  NoteVerifier(std::string name, uint32_t key_id, const std::array<uint8_t, 32>& public_key)
      : name_(std::move(name)), key_id_(key_id), public_key_(public_key) {}

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// The secret half of a note key: signs note texts. Copies hold the secret too; every copy wipes its
// secret key from memory when destroyed.
class NoteSigner {
 public:
  // Parses a signer key text, derives the key pair from the seed and checks the key ID against it.
  // Error messages never contain the secret.
  static core::Result<NoteSigner> FromSignerKey(std::string_view skey);
  static core::Result<NoteSigner> FromSeed(std::string_view name, core::ByteSpan seed32);
  // A fresh key from libsodium's CSPRNG (randombytes_buf).
  static core::Result<NoteSigner> Generate(std::string_view name);

  NoteSigner(const NoteSigner&) = default;
  NoteSigner(NoteSigner&&) = default;
  NoteSigner& operator=(const NoteSigner&) = default;
  NoteSigner& operator=(NoteSigner&&) = default;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The PRIVATE+KEY+... text. Secret: store it like a password, never log it.
  std::string SignerKey() const;
  NoteVerifier Verifier() const;
  // Returns the complete signed note: text + "\n" + "— <name> base64(key_id || sig)\n".
  // InvalidArgument if `text` is not a valid note text (empty, no final newline, invalid UTF-8, a
  // control character) or the note would exceed 1 MiB — so OpenNote accepts whatever Sign returns.
  core::Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner(std::string name, uint32_t key_id, const std::array<uint8_t, 64>& secret_key)
      : name_(std::move(name)), key_id_(key_id), secret_key_(secret_key) {}

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 64> secret_key_{};  // libsodium layout: seed (32) || public key (32).
};

// Opens a signed note: parses it strictly and returns its text if at least one signature line is by
// `verifier` (name AND key ID match) and every such line verifies. Signature lines by other keys
// must be well-formed but are otherwise ignored (as in Go). Errors: InvalidArgument for a malformed
// note; PermissionDenied "note has no signature by <name>+<key id>"; DataLoss "signature by <name>
// does not verify".
core::Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);

// A transparency-log checkpoint: the signed statement "log `origin` has `size` leaves whose Merkle
// root is `root`".
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  bool operator==(const Checkpoint&) const = default;
};

// The checkpoint body (note text). Only meaningful for a checkpoint that SignCheckpoint would
// accept (non-empty origin and extensions without newlines).
std::string FormatCheckpoint(const Checkpoint& c);
// Strict inverse of FormatCheckpoint: InvalidArgument with a message naming the bad line.
core::Result<Checkpoint> ParseCheckpoint(std::string_view body);
// Signs FormatCheckpoint(c). InvalidArgument if the checkpoint has no valid body (empty origin, a
// newline in the origin or an extension, an empty extension) or if its origin is not the signer's
// key name: OpenCheckpoint would reject such a note, so it is refused when signing, not later.
core::Result<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer);
// OpenNote + ParseCheckpoint; PermissionDenied if the origin is not the verifier's key name (a key
// vouches only for its own log).
core::Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier);

}  // namespace custodian::ledger
