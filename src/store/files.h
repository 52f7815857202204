// Plain files in the data directory: keys, exports. Writes are durable (temp file, fsync, rename,
// fsync of the directory) so a crash leaves either the old file or the new one, never half of one.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "ledger/note.h"

namespace custodian::store {

core::Result<std::string> ReadFile(const std::filesystem::path& path);
// Every regular file under `dir`, by its path relative to `dir` with '/' separators
// ("assets/app.js" → contents). NotFound when `dir` is not a directory.
core::Result<std::map<std::string, std::string>> ReadTree(const std::filesystem::path& dir);
core::Status WriteFileDurably(const std::filesystem::path& path, core::ByteSpan data,
                              std::filesystem::perms mode);
// Writes a large file in pieces, durably: the data goes to PATH.tmp and only Commit (fsync, rename,
// fsync of the directory) makes it appear at PATH. Destroyed without Commit, it removes the temp.
class DurableFileWriter {
 public:
  static core::Result<DurableFileWriter> Create(
      const std::filesystem::path& path,
      std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                    std::filesystem::perms::owner_write |
                                    std::filesystem::perms::group_read |
                                    std::filesystem::perms::others_read);
  DurableFileWriter(DurableFileWriter&& other) noexcept;
  DurableFileWriter& operator=(DurableFileWriter&&) = delete;
  ~DurableFileWriter();
  core::Status Append(core::ByteSpan data);
  core::Status Commit();

 private:
  DurableFileWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
};

// Creates the directory (and parents) with mode 0700 if it does not exist.
core::Status EnsureDirectory(const std::filesystem::path& dir);

// The site's signing key: DIR/site.key holds the signer key text (mode 0600; secret), DIR/site.pub
// the verifier key a third party needs. Created on first use with the given key name (the
// ledger's origin); `created` reports whether this call made it.
core::Result<ledger::NoteSigner> LoadOrCreateSiteKey(const std::filesystem::path& dir,
                                                     std::string_view name, bool* created);
// Reads a verifier key given either as the key text itself or as a path to a file holding it.
core::Result<ledger::NoteVerifier> LoadVerifierKey(std::string_view text_or_path);

}  // namespace custodian::store
