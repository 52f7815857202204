#include "store/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace custodian::store {

namespace fs = std::filesystem;

namespace {

core::Status Errno(const std::string& what) {
  return core::UnavailableError(what + ": " + std::strerror(errno));
}
std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

core::Result<std::string> ReadFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return core::NotFoundError("cannot read " + path.string() + ": " + std::strerror(errno));
  // Read straight into a buffer of the file's size (exports run to gigabytes): no regrowth copies.
  struct stat st {};
  std::string data;
  data.resize(::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096);
  size_t used = 0;
  for (;;) {
    if (used == data.size()) data.resize(data.size() * 2);  // the file grew while being read
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto s = Errno("error reading " + path.string());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(used);
  return data;
}

static fs::path TempPath(const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp";
  return tmp;
}

core::Result<DurableFileWriter> DurableFileWriter::Create(const fs::path& path, fs::perms mode) {
  fs::path tmp = TempPath(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Errno("cannot create " + tmp.string());
  return DurableFileWriter(path, fd);
}

DurableFileWriter::DurableFileWriter(DurableFileWriter&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

DurableFileWriter::~DurableFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(TempPath(path_).c_str());
  }
}

core::Status DurableFileWriter::Append(core::ByteSpan data) {
  if (fd_ < 0) return core::FailedPreconditionError("file already committed");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write " + TempPath(path_).string());
    done += static_cast<size_t>(n);
  }
  return core::Status::Ok();
}

core::Status DurableFileWriter::Commit() {
  if (fd_ < 0) return core::FailedPreconditionError("file already committed");
  const fs::path tmp = TempPath(path_);
  if (::fsync(fd_) != 0) return Errno("cannot fsync " + tmp.string());
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    auto s = Errno("cannot rename to " + path_.string());
    ::unlink(tmp.c_str());
    return s;
  }
  fs::path dir = path_.parent_path().empty() ? fs::path(".") : path_.parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return core::Status::Ok();
}

core::Result<std::map<std::string, std::string>> ReadTree(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return core::NotFoundError(dir.string() + " is not a directory");
  std::map<std::string, std::string> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    CUSTODIAN_ASSIGN_OR_RETURN(std::string data, ReadFile(it->path()));
    files.emplace(it->path().lexically_relative(dir).generic_string(), std::move(data));
  }
  if (ec) return core::UnavailableError("cannot list " + dir.string() + ": " + ec.message());
  return files;
}

core::Status WriteFileDurably(const fs::path& path, core::ByteSpan data, fs::perms mode) {
  CUSTODIAN_ASSIGN_OR_RETURN(auto writer, DurableFileWriter::Create(path, mode));
  CUSTODIAN_RETURN_IF_ERROR(writer.Append(data));
  return writer.Commit();
}

core::Status EnsureDirectory(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return core::Status::Ok();
  fs::create_directories(dir, ec);
  if (ec)
    return core::UnavailableError("cannot create directory " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  return core::Status::Ok();
}

core::Result<ledger::NoteSigner> LoadOrCreateSiteKey(const fs::path& dir, std::string_view name,
                                                     bool* created) {
  if (created) *created = false;
  const fs::path key_path = dir / "site.key";
  const fs::path pub_path = dir / "site.pub";
  std::error_code ec;
  if (fs::exists(key_path, ec)) {
    CUSTODIAN_ASSIGN_OR_RETURN(std::string text, ReadFile(key_path));
    auto signer = ledger::NoteSigner::FromSignerKey(Trim(text));
    if (!signer) return signer.error().Annotate(key_path.string());
    if (signer->name() != name) {
      return core::FailedPreconditionError(key_path.string() + " is the key of \"" +
                                           signer->name() + "\", not of \"" + std::string(name) +
                                           "\"");
    }
    return signer;
  }
  CUSTODIAN_ASSIGN_OR_RETURN(auto signer, ledger::NoteSigner::Generate(name));
  std::string secret = signer.SignerKey() + "\n";
  CUSTODIAN_RETURN_IF_ERROR(WriteFileDurably(key_path, core::AsBytes(secret),
                                             fs::perms::owner_read | fs::perms::owner_write));
  std::string pub = signer.Verifier().VerifierKey() + "\n";
  CUSTODIAN_RETURN_IF_ERROR(WriteFileDurably(pub_path, core::AsBytes(pub),
                                             fs::perms::owner_read | fs::perms::owner_write |
                                                 fs::perms::group_read | fs::perms::others_read));
  if (created) *created = true;
  return signer;
}

core::Result<ledger::NoteVerifier> LoadVerifierKey(std::string_view text_or_path) {
  auto direct = ledger::NoteVerifier::FromVerifierKey(text_or_path);
  if (direct) return direct;
  std::error_code ec;
  if (!fs::exists(fs::path(std::string(text_or_path)), ec)) {
    return core::InvalidArgumentError("--key is neither a verifier key nor a readable file: " +
                                      direct.error().message());
  }
  CUSTODIAN_ASSIGN_OR_RETURN(std::string text, ReadFile(std::string(text_or_path)));
  auto v = ledger::NoteVerifier::FromVerifierKey(Trim(text));
  if (!v) return v.error().Annotate(std::string(text_or_path));
  return v;
}

}  // namespace custodian::store
