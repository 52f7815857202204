#include "ledger/note.h"

#include <gtest/gtest.h>

#include <string>

namespace custodian::ledger {
namespace {

using core::StatusCode;

// The reference vectors of golang.org/x/mod/sumdb/note (note.go's package comment and tests).
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

std::string PeterNote() { return std::string(kText) + "\n" + std::string(kPeterSig); }

NoteVerifier Peter() { return *NoteVerifier::FromVerifierKey(kPeterVkey); }

// A deterministic signer for tests that need a key of their own.
NoteSigner TestSigner(std::string_view name, uint8_t fill = 7) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return *NoteSigner::FromSeed(name, seed);
}

// A verifier key text with a correct key ID for arbitrary key bytes (algorithm byte included), to
// reach the checks behind the key ID.
std::string VkeyWithMatchingId(std::string_view name, const core::Bytes& key) {
  Hash h = Sha256(core::AsBytes(std::string(name) + "\n"), key);
  return std::string(name) + "+" + core::HexEncode(core::ByteSpan(h).first(4)) + "+" +
         core::Base64Encode(key);
}

Checkpoint SampleCheckpoint(std::string origin) {
  Checkpoint c;
  c.origin = std::move(origin);
  c.size = 20852163;
  c.root = Sha256(core::AsBytes("root"));
  c.extensions = {"witness: example.org/w1", "x"};
  return c;
}

// --- Go reference vectors ---------------------------------------------------------------------

TEST(NoteGoVector, SigningWithGoSignerKeyReproducesGoNoteByteForByte) {
  auto signer = NoteSigner::FromSignerKey(kPeterSkey);
  ASSERT_TRUE(signer.has_value()) << signer.error().ToString();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  auto note = signer->Sign(kText);
  ASSERT_TRUE(note.has_value()) << note.error().ToString();
  EXPECT_EQ(*note, PeterNote());
}

TEST(NoteGoVector, GoSignerKeyYieldsGoVerifierKey) {
  auto signer = NoteSigner::FromSignerKey(kPeterSkey);
  ASSERT_TRUE(signer.has_value());
  EXPECT_EQ(signer->Verifier().VerifierKey(), kPeterVkey);
  EXPECT_EQ(signer->SignerKey(), kPeterSkey);
}

TEST(NoteGoVector, OpensGoNoteWithGoVerifierKey) {
  auto verifier = NoteVerifier::FromVerifierKey(kPeterVkey);
  ASSERT_TRUE(verifier.has_value()) << verifier.error().ToString();
  EXPECT_EQ(verifier->name(), "PeterNeumann");
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier->VerifierKey(), kPeterVkey);
  auto text = OpenNote(PeterNote(), *verifier);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  EXPECT_EQ(*text, kText);
}

TEST(NoteGoVector, OpensDoublySignedGoNoteWithEitherKeyIgnoringTheOther) {
  std::string note = std::string(kText) + "\n" + std::string(kPeterSig) + std::string(kEnochSig);
  auto by_peter = OpenNote(note, Peter());
  ASSERT_TRUE(by_peter.has_value()) << by_peter.error().ToString();
  EXPECT_EQ(*by_peter, kText);
  auto by_enoch = OpenNote(note, *NoteVerifier::FromVerifierKey(kEnochVkey));
  ASSERT_TRUE(by_enoch.has_value()) << by_enoch.error().ToString();
  EXPECT_EQ(*by_enoch, kText);
}

// --- Verifier and signer keys -----------------------------------------------------------------

TEST(NoteVerifierKey, RejectsEverySubstringAndEverySingleByteIncrement) {
  const std::string vkey(kPeterVkey);
  int accepted = 0;
  for (size_t i = 0; i <= vkey.size(); ++i) {
    for (size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) continue;
      if (NoteVerifier::FromVerifierKey(vkey.substr(i, j - i)).has_value()) {
        ADD_FAILURE() << "accepted " << vkey.substr(i, j - i);
        ++accepted;
      }
    }
  }
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string mangled = vkey;
    ++mangled[i];
    if (NoteVerifier::FromVerifierKey(mangled).has_value()) {
      ADD_FAILURE() << "accepted " << mangled;
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST(NoteVerifierKey, RejectsGoVectorsForWrongLengthAndUnknownAlgorithm) {
  // Go's own manglings with adjusted key IDs; the first is also non-canonical base64 here.
  EXPECT_FALSE(NoteVerifier::FromVerifierKey(
                   "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                   .has_value());
  auto alg = NoteVerifier::FromVerifierKey(
      "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  ASSERT_FALSE(alg.has_value());
  EXPECT_NE(alg.error().message().find("algorithm"), std::string::npos) << alg.error().ToString();
}

TEST(NoteVerifierKey, RejectsWrongLengthAndUnknownAlgorithmEvenWithMatchingKeyId) {
  core::Bytes key(33, 0x42);
  key[0] = 0x01;
  ASSERT_TRUE(NoteVerifier::FromVerifierKey(VkeyWithMatchingId("log", key)).has_value());

  core::Bytes long_key = key;
  long_key.push_back(0);
  auto too_long = NoteVerifier::FromVerifierKey(VkeyWithMatchingId("log", long_key));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.error().message().find("33 bytes, not 32"), std::string::npos);

  core::Bytes short_key(key.begin(), key.end() - 1);
  EXPECT_FALSE(NoteVerifier::FromVerifierKey(VkeyWithMatchingId("log", short_key)).has_value());
  EXPECT_FALSE(NoteVerifier::FromVerifierKey(VkeyWithMatchingId("log", {0x01})).has_value());

  core::Bytes ecdsa = key;
  ecdsa[0] = 0x02;
  auto alg = NoteVerifier::FromVerifierKey(VkeyWithMatchingId("log", ecdsa));
  ASSERT_FALSE(alg.has_value());
  EXPECT_NE(alg.error().message().find("algorithm 0x02"), std::string::npos);
}

TEST(NoteVerifierKey, RejectsUpperCaseKeyIdAndNonCanonicalBase64) {
  // Go accepts both; a strict parser keeps one text form per key.
  EXPECT_FALSE(NoteVerifier::FromVerifierKey(
                   "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                   .has_value());
  EXPECT_FALSE(NoteVerifier::FromVerifierKey(std::string(kPeterVkey) + "=").has_value());
  EXPECT_FALSE(NoteVerifier::FromVerifierKey("PeterNeumann+c74f20a3+").has_value());
  EXPECT_FALSE(NoteVerifier::FromVerifierKey("").has_value());
}

TEST(NoteVerifierKey, RejectsNamesWithSpacePlusControlOrInvalidUtf8) {
  std::array<uint8_t, 32> pk{};
  for (std::string_view bad :
       {std::string_view(""), std::string_view("a b"), std::string_view("a+b"),
        std::string_view("a\tb"), std::string_view("a\x01"), std::string_view("a\xC2\xA0"),
        std::string_view("a\xE3\x80\x80"), std::string_view("a\xE2\x80\x8A"),
        std::string_view("a\xFF"), std::string_view("a\xC0\xAF"),
        std::string_view("a\xED\xA0\x80")}) {
    auto v = NoteVerifier::FromPublicKey(bad, pk);
    EXPECT_FALSE(v.has_value()) << "accepted name " << core::HexEncode(core::AsBytes(bad));
  }
}

TEST(NoteVerifierKey, UnicodeNameRoundTripsThroughVerifierKey) {
  NoteVerifier v = TestSigner("caf\xC3\xA9.example/\xE2\x9C\x93").Verifier();
  auto back = NoteVerifier::FromVerifierKey(v.VerifierKey());
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->name(), v.name());
  EXPECT_EQ(back->key_id(), v.key_id());
  EXPECT_EQ(back->public_key(), v.public_key());
}

TEST(NoteVerifierKey, FromPublicKeyMatchesGoKeyIdAndRejectsWrongLength) {
  NoteVerifier peter = Peter();
  auto v = NoteVerifier::FromPublicKey("PeterNeumann", peter.public_key());
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->VerifierKey(), kPeterVkey);
  EXPECT_FALSE(
      NoteVerifier::FromPublicKey("PeterNeumann", core::ByteSpan(peter.public_key()).first(31))
          .has_value());
}

TEST(NoteVerifierKey, VerifySignatureRejectsWrongLengthAndAlteredSignatures) {
  NoteSigner signer = TestSigner("log");
  auto note = signer.Sign("hi\n");
  ASSERT_TRUE(note.has_value());
  // The signature is the last 64 of the 68 bytes on the signature line.
  std::string_view b64 = std::string_view(*note).substr(note->rfind(' ') + 1);
  b64.remove_suffix(1);
  core::Bytes blob = *core::Base64Decode(b64);
  core::Bytes sig(blob.begin() + 4, blob.end());
  NoteVerifier v = signer.Verifier();
  EXPECT_TRUE(v.VerifySignature(core::AsBytes("hi\n"), sig));
  EXPECT_FALSE(v.VerifySignature(core::AsBytes("hi!\n"), sig));
  EXPECT_FALSE(v.VerifySignature(core::AsBytes("hi\n"), core::ByteSpan(sig).first(63)));
  sig[0] ^= 1;
  EXPECT_FALSE(v.VerifySignature(core::AsBytes("hi\n"), sig));
}

TEST(NoteSignerKey, RejectsEverySubstringAndEverySingleByteIncrement) {
  const std::string skey(kPeterSkey);
  int accepted = 0;
  for (size_t i = 0; i <= skey.size(); ++i) {
    for (size_t j = i + 1; j <= skey.size(); ++j) {
      if (i == 0 && j == skey.size()) continue;
      if (NoteSigner::FromSignerKey(skey.substr(i, j - i)).has_value()) ++accepted;
    }
  }
  for (size_t i = 0; i < skey.size(); ++i) {
    std::string mangled = skey;
    ++mangled[i];
    if (NoteSigner::FromSignerKey(mangled).has_value()) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

TEST(NoteSignerKey, KeyIdMismatchErrorDoesNotLeakTheSecret) {
  std::string skey(kPeterSkey);
  skey.replace(skey.find("c74f20a3"), 8, "c74f20a4");
  auto s = NoteSigner::FromSignerKey(skey);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("does not match"), std::string::npos);
  EXPECT_EQ(s.error().message().find("AYEKFALV"), std::string::npos);
}

TEST(NoteSignerKey, GenerateGivesDistinctKeysThatRoundTripThroughSignerKey) {
  auto a = NoteSigner::Generate("custodian.example/log");
  auto b = NoteSigner::Generate("custodian.example/log");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->SignerKey(), b->SignerKey());
  EXPECT_NE(a->Verifier().public_key(), b->Verifier().public_key());
  EXPECT_NE(a->Verifier().VerifierKey(), b->Verifier().VerifierKey());

  auto again = NoteSigner::FromSignerKey(a->SignerKey());
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->name(), a->name());
  EXPECT_EQ(again->key_id(), a->key_id());
  EXPECT_EQ(again->SignerKey(), a->SignerKey());
  EXPECT_EQ(again->Verifier().VerifierKey(), a->Verifier().VerifierKey());
  // Ed25519 is deterministic: the same key signs the same text identically.
  EXPECT_EQ(*again->Sign("x\n"), *a->Sign("x\n"));
  EXPECT_EQ(*OpenNote(*a->Sign("x\n"), again->Verifier()), "x\n");
}

TEST(NoteSignerKey, GenerateAndFromSeedRejectBadNamesAndSeeds) {
  EXPECT_FALSE(NoteSigner::Generate("two words").has_value());
  EXPECT_FALSE(NoteSigner::Generate("").has_value());
  std::array<uint8_t, 31> short_seed{};
  EXPECT_FALSE(NoteSigner::FromSeed("log", short_seed).has_value());
}

TEST(NoteSignerKey, FromSeedOfGoSeedReproducesGoSignerKey) {
  core::Bytes key = *core::Base64Decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  auto signer = NoteSigner::FromSeed("PeterNeumann", core::ByteSpan(key).subspan(1));
  ASSERT_TRUE(signer.has_value());
  EXPECT_EQ(signer->SignerKey(), kPeterSkey);
}

// --- Opening notes ----------------------------------------------------------------------------

TEST(OpenNote, FailsWhenAnySingleByteOfTextOrSignatureChanges) {
  const std::string note = PeterNote();
  NoteVerifier peter = Peter();
  for (size_t i = 0; i < note.size(); ++i) {
    for (uint8_t flip : {0x01, 0x20, 0x80}) {
      std::string mangled = note;
      mangled[i] = static_cast<char>(mangled[i] ^ flip);
      auto text = OpenNote(mangled, peter);
      EXPECT_FALSE(text.has_value()) << "byte " << i << " ^ " << int{flip} << " accepted";
    }
  }
}

TEST(OpenNote, AlteredTextIsDataLossNamingTheKey) {
  std::string note = PeterNote();
  note[0] = 'i';
  auto text = OpenNote(note, Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(text.error().message(), "signature by PeterNeumann does not verify");
}

TEST(OpenNote, AlteredSignatureIsDataLoss) {
  // Go's own invalid-signature vector: four characters spliced into the base64.
  std::string sig(kPeterSig);
  sig.insert(60, "ABCD");
  auto text = OpenNote(std::string(kText) + "\n" + sig, Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kDataLoss);
}

TEST(OpenNote, NoteSignedByAnotherKeyIsPermissionDenied) {
  auto text = OpenNote(std::string(kText) + "\n" + std::string(kEnochSig), Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(text.error().message(), "note has no signature by PeterNeumann+c74f20a3");
}

TEST(OpenNote, IgnoresSignatureWhoseNameMatchesButKeyIdDiffers) {
  // Another key that calls itself PeterNeumann: an unknown key, not a bad signature.
  auto impostor = TestSigner("PeterNeumann").Sign(kText);
  ASSERT_TRUE(impostor.has_value());
  auto text = OpenNote(*impostor, Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kPermissionDenied);
  // Beside a genuine signature it is ignored.
  std::string both = *impostor + std::string(kPeterSig);
  EXPECT_EQ(*OpenNote(both, Peter()), kText);
}

TEST(OpenNote, RejectsNoteWhereAnyOfSeveralSignaturesByTheKeyFailsToVerify) {
  std::string bad_sig(kPeterSig);
  bad_sig[30] = bad_sig[30] == 'A' ? 'B' : 'A';
  std::string note = PeterNote() + bad_sig;
  auto text = OpenNote(note, Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kDataLoss);
  // Identical duplicates are fine (Go drops them).
  EXPECT_EQ(*OpenNote(PeterNote() + std::string(kPeterSig), Peter()), kText);
}

TEST(OpenNote, RejectsMalformedNotesAsInvalidArgument) {
  const std::string text(kText);
  const std::string sig(kPeterSig);
  std::string hyphen_sig = sig;
  hyphen_sig.replace(0, 3, "-");
  std::string bad_b64 = sig;
  bad_b64.replace(bad_b64.size() - 2, 1, "!");
  std::string non_canonical = sig;  // 'M' -> 'N' sets a bit under the '=' padding.
  non_canonical.replace(non_canonical.size() - 3, 1, "N");
  const struct {
    const char* why;
    std::string note;
  } cases[] = {
      {"text only", text},
      {"no signature lines", text + "\n"},
      {"no blank line", text + sig},
      {"signature line without final newline", text + "\n" + sig.substr(0, sig.size() - 1)},
      {"control character", "\x01" + text + "\n" + sig},
      {"carriage return", text.substr(0, 10) + "\r" + text.substr(10) + "\n" + sig},
      {"invalid UTF-8", "\xFF" + text + "\n" + sig},
      {"name with a space", text + "\n\xE2\x80\x94 Bad Name " + sig.substr(sig.rfind(' ') + 1)},
      {"unexpected line", text + "\n" + sig + "Unexpected line.\n"},
      {"ASCII hyphen instead of em dash", text + "\n" + hyphen_sig},
      {"em dash without space", text + "\n\xE2\x80\x94" + sig.substr(4)},
      {"no signature after the name", text + "\n\xE2\x80\x94 PeterNeumann\n"},
      {"bad base64 character", text + "\n" + bad_b64},
      {"non-canonical base64", text + "\n" + non_canonical},
      {"signature shorter than a key ID", text + "\n\xE2\x80\x94 PeterNeumann AAAAAA==\n"},
      {"101 signature lines", text + "\n" +
                                  [&] {
                                    std::string s;
                                    for (int i = 0; i < 101; ++i) s += sig;
                                    return s;
                                  }()},
      {"larger than 1 MiB", std::string(1 << 20, 'a') + "\n\n" + sig},
  };
  for (const auto& c : cases) {
    auto opened = OpenNote(c.note, Peter());
    ASSERT_FALSE(opened.has_value()) << c.why;
    EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument)
        << c.why << ": " << opened.error().ToString();
  }
}

TEST(OpenNote, BlankLineBetweenSignaturesMakesTheFirstOnePartOfTheText) {
  // The text ends at the LAST blank line, so the earlier signature line is signed-over text and
  // the remaining signature does not cover it.
  std::string note = PeterNote() + "\n" + std::string(kPeterSig);
  auto text = OpenNote(note, Peter());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code(), StatusCode::kDataLoss);
}

TEST(OpenNote, AcceptsExactlyOneHundredSignatureLines) {
  std::string note = std::string(kText) + "\n";
  for (int i = 0; i < 100; ++i) note += kPeterSig;
  EXPECT_EQ(*OpenNote(note, Peter()), kText);
}

TEST(OpenNote, TextMayContainBlankLinesAndEndsAtTheLastOne) {
  NoteSigner signer = TestSigner("log");
  for (std::string_view text : {"a\n\nb\n", "\n", "a\n\n", "\n\n\n"}) {
    auto note = signer.Sign(text);
    ASSERT_TRUE(note.has_value()) << note.error().ToString();
    auto opened = OpenNote(*note, signer.Verifier());
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    EXPECT_EQ(*opened, text);
  }
}

// --- Signing ----------------------------------------------------------------------------------

TEST(NoteSign, RejectsTextThatIsNotAValidNoteText) {
  NoteSigner signer = TestSigner("log");
  for (std::string_view bad :
       {std::string_view(""), std::string_view("no final newline"), std::string_view("tab\t\n"),
        std::string_view("nul\0\n", 5), std::string_view("\xC3\n"), std::string_view("cr\r\n")}) {
    auto note = signer.Sign(bad);
    ASSERT_FALSE(note.has_value()) << core::HexEncode(core::AsBytes(bad));
    EXPECT_EQ(note.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NoteSign, RefusesNoteLargerThanOneMebibyteButSignsUpToTheLimit) {
  NoteSigner signer = TestSigner("log");
  // Blank line (1) + signature line: em dash (3), space, "log", space, 92 base64, newline (101).
  const size_t overhead = 1 + 101;
  std::string fits((1 << 20) - overhead, 'a');
  fits.back() = '\n';
  auto note = signer.Sign(fits);
  ASSERT_TRUE(note.has_value()) << note.error().ToString();
  EXPECT_EQ(note->size(), size_t{1} << 20);
  EXPECT_EQ(OpenNote(*note, signer.Verifier())->size(), fits.size());
  EXPECT_FALSE(signer.Sign("a" + fits).has_value());
}

// --- Checkpoints ------------------------------------------------------------------------------

TEST(Checkpoint, FormatsTheC2spBodyAndParsesItBack) {
  Checkpoint c = SampleCheckpoint("example.com/log");
  std::string body = FormatCheckpoint(c);
  EXPECT_EQ(body, "example.com/log\n20852163\n" + core::Base64Encode(c.root) +
                      "\nwitness: example.org/w1\nx\n");
  auto back = ParseCheckpoint(body);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back, c);
}

TEST(Checkpoint, ParsesTheC2spSpecificationExample) {
  auto c = ParseCheckpoint(
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c->size, 20852163u);
  EXPECT_EQ(core::Base64Encode(c->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(c->extensions.empty());
}

TEST(Checkpoint, ParsesEmptyTreeAndLargestSize) {
  std::string root = core::Base64Encode(EmptyRoot());
  auto empty = ParseCheckpoint("log\n0\n" + root + "\n");
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_EQ(empty->size, 0u);
  auto max = ParseCheckpoint("log\n18446744073709551615\n" + root + "\n");
  ASSERT_TRUE(max.has_value()) << max.error().ToString();
  EXPECT_EQ(max->size, UINT64_MAX);
  EXPECT_EQ(FormatCheckpoint(*max), "log\n18446744073709551615\n" + root + "\n");
}

TEST(Checkpoint, StrictParseRejectsBadLinesNamingTheLine) {
  const std::string root = core::Base64Encode(EmptyRoot());
  const std::string root31 = core::Base64Encode(core::ByteSpan(EmptyRoot()).first(31));
  const std::string root33 = core::Base64Encode(core::Bytes(33, 1));
  const struct {
    std::string body;
    const char* line;
  } cases[] = {
      {"log\n01\n" + root + "\n", "line 2"},
      {"log\n00\n" + root + "\n", "line 2"},
      {"log\n+1\n" + root + "\n", "line 2"},
      {"log\n-1\n" + root + "\n", "line 2"},
      {"log\n 1\n" + root + "\n", "line 2"},
      {"log\n1a\n" + root + "\n", "line 2"},
      {"log\n0x10\n" + root + "\n", "line 2"},
      {"log\n\n" + root + "\n", "line 2"},
      {"log\n18446744073709551616\n" + root + "\n", "line 2"},
      {"log\n99999999999999999999\n" + root + "\n", "line 2"},
      {"log\n1\n" + root31 + "\n", "line 3"},
      {"log\n1\n" + root33 + "\n", "line 3"},
      {"log\n1\n" + root.substr(0, 43) + "\n", "line 3"},
      {"log\n1\n" + root + "=\n", "line 3"},
      {"log\n1\n\n", "line 3"},
      {"log\n1\n", "line 3"},
      {"log\n", "line 2"},
      {"", "line 1"},
      {"\n1\n" + root + "\n", "line 1"},
      {"log\n1\n" + root + "\n\n", "line 4"},
      {"log\n1\n" + root + "\next\n\nmore\n", "line 5"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseCheckpoint(c.body);
    ASSERT_FALSE(parsed.has_value()) << c.body;
    EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(c.line), std::string::npos)
        << c.body << " -> " << parsed.error().message();
  }
}

TEST(Checkpoint, StrictParseRejectsMissingFinalNewlineAndControlCharacters) {
  const std::string root = core::Base64Encode(EmptyRoot());
  auto no_newline = ParseCheckpoint("log\n1\n" + root);
  ASSERT_FALSE(no_newline.has_value());
  EXPECT_EQ(no_newline.error().message(), "checkpoint line 3 does not end in a newline");
  EXPECT_FALSE(ParseCheckpoint("log\n1\n" + root + "\next").has_value());
  EXPECT_FALSE(ParseCheckpoint("log\r\n1\n" + root + "\n").has_value());
  EXPECT_FALSE(ParseCheckpoint("lo\xFFg\n1\n" + root + "\n").has_value());
}

TEST(Checkpoint, SignedCheckpointOpensToTheSameCheckpoint) {
  NoteSigner signer = TestSigner("custodian.example/site-7");
  Checkpoint c = SampleCheckpoint(signer.name());
  auto note = SignCheckpoint(c, signer);
  ASSERT_TRUE(note.has_value()) << note.error().ToString();
  EXPECT_TRUE(note->starts_with(FormatCheckpoint(c) + "\n\xE2\x80\x94 custodian.example/site-7 "));
  auto opened = OpenCheckpoint(*note, signer.Verifier());
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(*opened, c);

  c.extensions.clear();
  auto plain = OpenCheckpoint(*SignCheckpoint(c, signer), signer.Verifier());
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, c);
}

TEST(Checkpoint, OpenRejectsCheckpointWhoseOriginIsNotTheKeyName) {
  NoteSigner signer = TestSigner("custodian.example/site-7");
  auto note = signer.Sign(FormatCheckpoint(SampleCheckpoint("custodian.example/site-8")));
  ASSERT_TRUE(note.has_value());
  auto opened = OpenCheckpoint(*note, signer.Verifier());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(opened.error().message().find("custodian.example/site-8"), std::string::npos);
}

TEST(Checkpoint, OpenRejectsSignedNoteThatIsNotACheckpoint) {
  NoteSigner signer = TestSigner("log");
  auto opened = OpenCheckpoint(*signer.Sign("log\n007\nroot\n"), signer.Verifier());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
}

TEST(Checkpoint, OpenRejectsCheckpointByAnotherKeyAndTamperedCheckpoint) {
  NoteSigner signer = TestSigner("log", 1);
  NoteSigner other = TestSigner("log", 2);
  auto note = SignCheckpoint(SampleCheckpoint("log"), signer);
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(OpenCheckpoint(*note, other.Verifier()).error().code(), StatusCode::kPermissionDenied);
  std::string tampered = *note;
  tampered.replace(tampered.find("20852163"), 8, "20852164");
  EXPECT_EQ(OpenCheckpoint(tampered, signer.Verifier()).error().code(), StatusCode::kDataLoss);
}

TEST(Checkpoint, SignRefusesCheckpointsThatWouldNotParseBackOrOpen) {
  NoteSigner signer = TestSigner("log");
  Checkpoint c = SampleCheckpoint("log");
  EXPECT_TRUE(SignCheckpoint(c, signer).has_value());

  Checkpoint bad = c;
  bad.origin = "";
  EXPECT_FALSE(SignCheckpoint(bad, signer).has_value());
  bad.origin = "log\n1";
  EXPECT_FALSE(SignCheckpoint(bad, signer).has_value());
  bad = c;
  bad.extensions.push_back("");
  EXPECT_FALSE(SignCheckpoint(bad, signer).has_value());
  bad = c;
  bad.extensions.push_back("a\nb");
  EXPECT_FALSE(SignCheckpoint(bad, signer).has_value());
  bad = c;
  bad.extensions.push_back("tab\there");
  EXPECT_FALSE(SignCheckpoint(bad, signer).has_value());
  bad = c;
  bad.origin = "another-log";
  auto mismatch = SignCheckpoint(bad, signer);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custodian::ledger
