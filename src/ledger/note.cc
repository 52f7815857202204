#include "ledger/note.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace custodian::ledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr size_t kMaxNoteBytes = size_t{1} << 20;
constexpr size_t kMaxSignatureLines = 100;
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space.
constexpr std::string_view kSignerKeyPrefix = "PRIVATE+KEY+";

// sodium_init() is thread-safe and idempotent; the static makes later calls free.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

core::Status SodiumError() { return core::InternalError("libsodium failed to initialise"); }

// Decodes the UTF-8 sequence at s[i] into `cp` and returns its length, or 0 if it is not valid
// UTF-8 (overlong forms, surrogates and code points above U+10FFFF are invalid, as in Go).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto at = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = at(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // Allowed range of the second byte.
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = at(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    cp = cp << 6 | (b & 0x3Fu);
  }
  return len;
}

// Go's unicode.IsSpace: the Unicode White_Space property.
bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// The character rule of a whole note: valid UTF-8, no control character but "\n".
core::Status CheckNoteCharacters(std::string_view s, std::string_view what) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      return core::InvalidArgumentError(std::string(what) + " is not valid UTF-8 at byte " +
                                        std::to_string(i));
    }
    if (cp < 0x20 && cp != '\n') {
      return core::InvalidArgumentError(std::string(what) + " has control character 0x" +
                                        core::HexEncode(core::AsBytes(s.substr(i, 1))) +
                                        " at byte " + std::to_string(i));
    }
    i += len;
  }
  return core::Status::Ok();
}

core::Status CheckKeyName(std::string_view name) {
  if (name.empty()) return core::InvalidArgumentError("key name is empty");
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(name, i, cp);
    if (len == 0) return core::InvalidArgumentError("key name is not valid UTF-8");
    // Control characters cannot appear in a note, so a name holding one could never sign.
    if (cp == '+' || cp < 0x20 || IsUnicodeSpace(cp)) {
      return core::InvalidArgumentError(
          "key name may not contain white space, '+' or control characters");
    }
    i += len;
  }
  return core::Status::Ok();
}

core::Status CheckNoteText(std::string_view text) {
  if (text.empty()) return core::InvalidArgumentError("note text is empty");
  if (text.back() != '\n') return core::InvalidArgumentError("note text does not end in a newline");
  return CheckNoteCharacters(text, "note text");
}

uint32_t ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::array<uint8_t, 34> suffix;
  suffix[0] = '\n';
  suffix[1] = kAlgEd25519;
  std::memcpy(suffix.data() + 2, public_key.data(), public_key.size());
  Hash h = Sha256(core::AsBytes(name), suffix);
  return uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3];
}

std::string KeyIdHex(uint32_t key_id) {
  core::Bytes b;
  core::AppendU32(b, key_id);
  return core::HexEncode(b);
}

// Exactly 8 lower-case hex digits: the one form Go writes (%08x).
core::Result<uint32_t> ParseKeyIdHex(std::string_view hex) {
  bool ok = hex.size() == 8 && std::all_of(hex.begin(), hex.end(), [](char c) {
              return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            });
  if (!ok) return core::InvalidArgumentError("key ID is not 8 lower-case hex digits");
  uint32_t v = 0;
  for (char c : hex) v = v << 4 | static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}

// The three fields of "<name>+<key id>+<base64 key>" (the base64 may itself hold '+'). The key
// may be a signer's seed, so it is wiped when the KeyText goes.
struct KeyText {
  KeyText() = default;
  KeyText(KeyText&&) = default;
  KeyText& operator=(KeyText&&) = default;
  ~KeyText() {
    if (!key.empty()) sodium_memzero(key.data(), key.size());
  }

  std::string_view name;
  uint32_t key_id = 0;
  core::Bytes key;  // Algorithm byte followed by the key material.
};

core::Result<KeyText> ParseKeyText(std::string_view text, std::string_view what) {
  size_t plus1 = text.find('+');
  size_t plus2 = plus1 == std::string_view::npos ? plus1 : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return core::InvalidArgumentError(std::string(what) + " is not <name>+<key id>+<key>");
  }
  KeyText k;
  k.name = text.substr(0, plus1);
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyName(k.name).Annotate(what));
  auto id = ParseKeyIdHex(text.substr(plus1 + 1, plus2 - plus1 - 1));
  if (!id) return id.error().Annotate(what);
  k.key_id = *id;
  auto key = core::Base64Decode(text.substr(plus2 + 1));
  if (!key) return key.error().Annotate(std::string(what) + ": key");
  k.key = std::move(*key);
  if (k.key.empty()) return core::InvalidArgumentError(std::string(what) + " has an empty key");
  if (k.key[0] != kAlgEd25519) {
    return core::InvalidArgumentError(std::string(what) + " has unknown signature algorithm 0x" +
                                      core::HexEncode(core::ByteSpan(k.key).first(1)) +
                                      " (only 0x01, Ed25519, is supported)");
  }
  if (k.key.size() != 33) {
    return core::InvalidArgumentError(std::string(what) + " has an Ed25519 key of " +
                                      std::to_string(k.key.size() - 1) + " bytes, not 32");
  }
  return k;
}

core::Status CheckKeyId(std::string_view what, uint32_t claimed, uint32_t computed) {
  if (claimed == computed) return core::Status::Ok();
  return core::InvalidArgumentError(std::string(what) + ": key ID " + KeyIdHex(claimed) +
                                    " does not match its name and key (expected " +
                                    KeyIdHex(computed) + ")");
}

// One signature line, split but not yet verified.
struct SignatureLine {
  std::string_view name;
  uint32_t key_id = 0;
  core::Bytes signature;  // Without the key ID.
};

core::Result<SignatureLine> ParseSignatureLine(std::string_view line, size_t number) {
  std::string context = "malformed note: signature line " + std::to_string(number);
  if (!line.starts_with(kSignaturePrefix)) {
    return core::InvalidArgumentError(context + " does not start with an em dash and a space");
  }
  line.remove_prefix(kSignaturePrefix.size());
  size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return core::InvalidArgumentError(context + " has no space between key name and signature");
  }
  SignatureLine s;
  s.name = line.substr(0, space);
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyName(s.name).Annotate(context));
  auto blob = core::Base64Decode(line.substr(space + 1));
  if (!blob) return blob.error().Annotate(context);
  if (blob->size() < 5) {
    return core::InvalidArgumentError(context + " has " + std::to_string(blob->size()) +
                                      " signature bytes; a key ID and a signature need 5 or more");
  }
  core::ByteReader reader(*blob);
  (void)reader.ReadU32(s.key_id);
  s.signature.assign(blob->begin() + 4, blob->end());
  return s;
}

core::Result<uint64_t> ParseTreeSize(std::string_view line) {
  auto bad = [](std::string why) {
    return core::InvalidArgumentError("checkpoint line 2 (tree size) " + why);
  };
  if (line.empty()) return bad("is empty");
  uint64_t v = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return bad("is not a decimal number");
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return bad("does not fit in 64 bits");
    v = v * 10 + d;
  }
  if (line.size() > 1 && line[0] == '0') return bad("has a leading zero");
  return v;
}

}  // namespace

// --- NoteVerifier ---------------------------------------------------------------------------

core::Result<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view vkey) {
  CUSTODIAN_ASSIGN_OR_RETURN(KeyText k, ParseKeyText(vkey, "verifier key"));
  std::array<uint8_t, 32> public_key;
  std::memcpy(public_key.data(), k.key.data() + 1, public_key.size());
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyId("verifier key", k.key_id, ComputeKeyId(k.name, public_key)));
  return NoteVerifier(std::string(k.name), k.key_id, public_key);
}

core::Result<NoteVerifier> NoteVerifier::FromPublicKey(std::string_view name,
                                                       core::ByteSpan public_key32) {
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyName(name));
  if (public_key32.size() != 32) {
    return core::InvalidArgumentError("an Ed25519 public key is 32 bytes, got " +
                                      std::to_string(public_key32.size()));
  }
  std::array<uint8_t, 32> public_key;
  std::memcpy(public_key.data(), public_key32.data(), public_key.size());
  return NoteVerifier(std::string(name), ComputeKeyId(name, public_key), public_key);
}

std::string NoteVerifier::VerifierKey() const {
  core::Bytes key = {kAlgEd25519};
  key.insert(key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + KeyIdHex(key_id_) + "+" + core::Base64Encode(key);
}

bool NoteVerifier::VerifySignature(core::ByteSpan message, core::ByteSpan signature64) const {
  if (signature64.size() != crypto_sign_BYTES || !SodiumReady()) return false;
  return crypto_sign_verify_detached(signature64.data(), message.data(), message.size(),
                                     public_key_.data()) == 0;
}

// --- NoteSigner -----------------------------------------------------------------------------

NoteSigner::~NoteSigner() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

core::Result<NoteSigner> NoteSigner::FromSignerKey(std::string_view skey) {
  if (!skey.starts_with(kSignerKeyPrefix)) {
    return core::InvalidArgumentError("signer key does not start with PRIVATE+KEY+");
  }
  auto k = ParseKeyText(skey.substr(kSignerKeyPrefix.size()), "signer key");
  if (!k) return k.error();
  auto signer = FromSeed(k->name, core::ByteSpan(k->key).subspan(1));
  if (!signer) return signer.error();
  // The key ID names the public key, which only the derived key pair reveals.
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyId("signer key", k->key_id, signer->key_id()));
  return signer;
}

core::Result<NoteSigner> NoteSigner::FromSeed(std::string_view name, core::ByteSpan seed32) {
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyName(name));
  if (seed32.size() != crypto_sign_SEEDBYTES) {
    return core::InvalidArgumentError("an Ed25519 seed is 32 bytes, got " +
                                      std::to_string(seed32.size()));
  }
  if (!SodiumReady()) return SodiumError();
  std::array<uint8_t, 32> public_key;
  std::array<uint8_t, 64> secret_key;
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed32.data());
  NoteSigner signer(std::string(name), ComputeKeyId(name, public_key), secret_key);
  sodium_memzero(secret_key.data(), secret_key.size());
  return signer;
}

core::Result<NoteSigner> NoteSigner::Generate(std::string_view name) {
  CUSTODIAN_RETURN_IF_ERROR(CheckKeyName(name));
  if (!SodiumReady()) return SodiumError();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  auto signer = FromSeed(name, seed);
  sodium_memzero(seed.data(), seed.size());
  return signer;
}

std::string NoteSigner::SignerKey() const {
  core::Bytes key = {kAlgEd25519};
  key.insert(key.end(), secret_key_.begin(), secret_key_.begin() + crypto_sign_SEEDBYTES);
  std::string text = std::string(kSignerKeyPrefix) + name_ + "+" + KeyIdHex(key_id_) + "+" +
                     core::Base64Encode(key);
  sodium_memzero(key.data(), key.size());
  return text;
}

NoteVerifier NoteSigner::Verifier() const {
  std::array<uint8_t, 32> public_key;
  std::memcpy(public_key.data(), secret_key_.data() + crypto_sign_SEEDBYTES, public_key.size());
  return NoteVerifier(name_, key_id_, public_key);
}

core::Result<std::string> NoteSigner::Sign(std::string_view text) const {
  CUSTODIAN_RETURN_IF_ERROR(CheckNoteText(text));
  constexpr size_t kSignatureBase64Size = (4 + crypto_sign_BYTES + 2) / 3 * 4;
  size_t note_size =
      text.size() + 1 + kSignaturePrefix.size() + name_.size() + 1 + kSignatureBase64Size + 1;
  if (note_size > kMaxNoteBytes) {
    return core::InvalidArgumentError("signed note would be " + std::to_string(note_size) +
                                      " bytes, more than the 1 MiB limit");
  }
  if (!SodiumReady()) return SodiumError();
  core::Bytes blob;
  core::AppendU32(blob, key_id_);
  blob.resize(4 + crypto_sign_BYTES);
  crypto_sign_detached(blob.data() + 4, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
                       text.size(), secret_key_.data());
  std::string note;
  note.reserve(note_size);
  note.append(text).append("\n").append(kSignaturePrefix).append(name_).append(" ");
  note.append(core::Base64Encode(blob)).append("\n");
  return note;
}

// --- Notes ----------------------------------------------------------------------------------

core::Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  if (note.size() > kMaxNoteBytes) {
    return core::InvalidArgumentError("malformed note: " + std::to_string(note.size()) +
                                      " bytes, more than the 1 MiB limit");
  }
  CUSTODIAN_RETURN_IF_ERROR(CheckNoteCharacters(note, "malformed note: note"));
  // Signature lines cannot be empty, so the last blank line is the one before them.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return core::InvalidArgumentError("malformed note: no blank line between text and signatures");
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view block = note.substr(split + 2);
  if (block.empty()) return core::InvalidArgumentError("malformed note: no signature lines");
  if (block.back() != '\n') {
    return core::InvalidArgumentError("malformed note: last signature line has no final newline");
  }
  size_t line_count = static_cast<size_t>(std::count(block.begin(), block.end(), '\n'));
  if (line_count > kMaxSignatureLines) {
    return core::InvalidArgumentError("malformed note: " + std::to_string(line_count) +
                                      " signature lines, more than 100");
  }
  // Parse every line before verifying any, so a malformed note is always reported as such.
  std::vector<SignatureLine> ours;
  for (size_t number = 1; !block.empty(); ++number) {
    size_t newline = block.find('\n');
    CUSTODIAN_ASSIGN_OR_RETURN(SignatureLine line,
                               ParseSignatureLine(block.substr(0, newline), number));
    block.remove_prefix(newline + 1);
    // A key is its name AND key ID; a line matching only one of them is by some other key.
    if (line.name == verifier.name() && line.key_id == verifier.key_id()) {
      ours.push_back(std::move(line));
    }
  }
  if (ours.empty()) {
    return core::PermissionDeniedError("note has no signature by " + verifier.name() + "+" +
                                       KeyIdHex(verifier.key_id()));
  }
  if (!SodiumReady()) return SodiumError();
  for (const SignatureLine& line : ours) {
    if (!verifier.VerifySignature(core::AsBytes(text), line.signature)) {
      return core::DataLossError("signature by " + verifier.name() + " does not verify");
    }
  }
  return std::string(text);
}

// --- Checkpoints ----------------------------------------------------------------------------

std::string FormatCheckpoint(const Checkpoint& c) {
  std::string body =
      c.origin + "\n" + std::to_string(c.size) + "\n" + core::Base64Encode(c.root) + "\n";
  for (const std::string& extension : c.extensions) body.append(extension).append("\n");
  return body;
}

core::Result<Checkpoint> ParseCheckpoint(std::string_view body) {
  CUSTODIAN_RETURN_IF_ERROR(CheckNoteCharacters(body, "checkpoint"));
  if (!body.empty() && body.back() != '\n') {
    size_t last = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
    return core::InvalidArgumentError("checkpoint line " + std::to_string(last) +
                                      " does not end in a newline");
  }
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    size_t newline = body.find('\n');
    lines.push_back(body.substr(0, newline));
    body.remove_prefix(newline + 1);
  }
  static constexpr const char* kRequired[] = {"line 1 (origin)", "line 2 (tree size)",
                                              "line 3 (root hash)"};
  if (lines.size() < 3) {
    return core::InvalidArgumentError(std::string("checkpoint ") + kRequired[lines.size()] +
                                      " is missing");
  }
  Checkpoint c;
  if (lines[0].empty()) return core::InvalidArgumentError("checkpoint line 1 (origin) is empty");
  c.origin = std::string(lines[0]);
  CUSTODIAN_ASSIGN_OR_RETURN(c.size, ParseTreeSize(lines[1]));
  auto root = core::Base64Decode(lines[2]);
  if (!root) return root.error().Annotate("checkpoint line 3 (root hash)");
  auto hash = HashFromBytes(*root);
  if (!hash) return hash.error().Annotate("checkpoint line 3 (root hash)");
  c.root = *hash;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return core::InvalidArgumentError("checkpoint line " + std::to_string(i + 1) +
                                        " (extension) is empty");
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

core::Result<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer) {
  // Fields holding newlines would format into a body that parses as a different checkpoint.
  if (c.origin.find('\n') != std::string::npos) {
    return core::InvalidArgumentError("checkpoint origin contains a newline");
  }
  for (size_t i = 0; i < c.extensions.size(); ++i) {
    if (c.extensions[i].empty() || c.extensions[i].find('\n') != std::string::npos) {
      return core::InvalidArgumentError("checkpoint extension " + std::to_string(i + 1) +
                                        " is empty or contains a newline");
    }
  }
  std::string body = FormatCheckpoint(c);
  auto parsed = ParseCheckpoint(body);
  if (!parsed) return parsed.error();
  if (c.origin != signer.name()) {
    return core::InvalidArgumentError("checkpoint origin \"" + c.origin +
                                      "\" is not the signer's key name \"" + signer.name() + "\"");
  }
  return signer.Sign(body);
}

core::Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier) {
  CUSTODIAN_ASSIGN_OR_RETURN(std::string text, OpenNote(note, verifier));
  CUSTODIAN_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(text));
  if (c.origin != verifier.name()) {
    return core::PermissionDeniedError("checkpoint origin \"" + c.origin +
                                       "\" is not the key name \"" + verifier.name() + "\"");
  }
  return c;
}

}  // namespace custodian::ledger
