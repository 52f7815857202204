#include "testing/sqlite_fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace custodian::testing {
namespace {

// The wrapper SQLite allocates for each open file (szOsFile bytes): our header, then the wrapped
// VFS's own file object at kRealOffset.
struct FaultFile {
  sqlite3_file base;   // base.pMethods points at one of kMethods
  sqlite3_file* real;  // the wrapped file, inside the same allocation
  FaultVfs* owner;
  const char* name;  // basename of the path SQLite passed to xOpen; valid until xClose
};

constexpr size_t kRealOffset = (sizeof(FaultFile) + 7) & ~size_t{7};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
FaultFile* Wrapper(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_vfs* Base(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

// --- io methods ---------------------------------------------------------------------------------

int Close(sqlite3_file* f) {
  sqlite3_file* real = Real(f);
  int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  real->pMethods = nullptr;
  return rc;
}

int Read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return Real(f)->pMethods->xRead(Real(f), buf, amount, offset);
}

int Write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  FaultFile* w = Wrapper(f);
  int rc = w->owner->OnWriteOp(SQLITE_IOERR_WRITE, "write " + std::string(w->name) + " " +
                                                       std::to_string(offset) + "+" +
                                                       std::to_string(amount));
  if (rc != SQLITE_OK) return rc;
  return w->real->pMethods->xWrite(w->real, buf, amount, offset);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  FaultFile* w = Wrapper(f);
  int rc = w->owner->OnWriteOp(SQLITE_IOERR_TRUNCATE,
                               "truncate " + std::string(w->name) + " to " + std::to_string(size));
  if (rc != SQLITE_OK) return rc;
  return w->real->pMethods->xTruncate(w->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  FaultFile* w = Wrapper(f);
  w->owner->OnSync();
  int rc = w->owner->OnWriteOp(SQLITE_IOERR_FSYNC, "sync " + std::string(w->name));
  if (rc != SQLITE_OK) return rc;
  return w->real->pMethods->xSync(w->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}

// Version 2: shared memory (the WAL index).
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}

// Version 3: memory-mapped reads.
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), offset, amount, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), offset, p);
}

constexpr sqlite3_io_methods MethodsOfVersion(int version) {
  return sqlite3_io_methods{
      version,
      Close,
      Read,
      Write,
      Truncate,
      Sync,
      FileSize,
      Lock,
      Unlock,
      CheckReservedLock,
      FileControl,
      SectorSize,
      DeviceCharacteristics,
      version >= 2 ? ShmMap : nullptr,
      version >= 2 ? ShmLock : nullptr,
      version >= 2 ? ShmBarrier : nullptr,
      version >= 2 ? ShmUnmap : nullptr,
      version >= 3 ? Fetch : nullptr,
      version >= 3 ? Unfetch : nullptr,
  };
}

// A wrapped file presents the io_methods version of the file it wraps (capped at the newest we
// know), so SQLite never calls a method the wrapped file lacks.
const sqlite3_io_methods kMethods[3] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                        MethodsOfVersion(3)};

// --- VFS methods --------------------------------------------------------------------------------

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  FaultFile* w = Wrapper(f);
  w->base.pMethods = nullptr;
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  w->real->pMethods = nullptr;
  w->owner = &FaultVfs::Instance();
  w->name = "(temp)";
  if (name != nullptr) {
    const char* slash = std::strrchr(name, '/');
    w->name = slash ? slash + 1 : name;
  }
  sqlite3_vfs* base = Base(vfs);
  int rc = base->xOpen(base, name, w->real, flags, out_flags);
  if (w->real->pMethods == nullptr) return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
  if (rc != SQLITE_OK) {
    w->real->pMethods->xClose(w->real);
    return rc;
  }
  int version = std::clamp(w->real->pMethods->iVersion, 1, 3);
  w->base.pMethods = &kMethods[version - 1];
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Base(vfs)->xAccess(Base(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Base(vfs)->xFullPathname(Base(vfs), name, size, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Base(vfs)->xDlOpen(Base(vfs), name); }
void DlError(sqlite3_vfs* vfs, int size, char* out) { Base(vfs)->xDlError(Base(vfs), size, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Base(vfs)->xDlSym(Base(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Base(vfs)->xDlClose(Base(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xRandomness(Base(vfs), size, out);
}
int Sleep(sqlite3_vfs* vfs, int micros) { return Base(vfs)->xSleep(Base(vfs), micros); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Base(vfs)->xCurrentTime(Base(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return Base(vfs)->xGetLastError(Base(vfs), size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Base(vfs)->xCurrentTimeInt64(Base(vfs), out);
}
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return Base(vfs)->xSetSystemCall(Base(vfs), name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Base(vfs)->xGetSystemCall(Base(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Base(vfs)->xNextSystemCall(Base(vfs), name);
}

}  // namespace

FaultVfs& FaultVfs::Instance() {
  // Never destroyed: SQLite may hold the registration until the process exits.
  static FaultVfs* const instance = new FaultVfs();
  return *instance;
}

FaultVfs::FaultVfs() : vfs_(new sqlite3_vfs{}) {
  sqlite3_initialize();
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  vfs_->iVersion = std::min(base->iVersion, 3);
  vfs_->szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  vfs_->mxPathname = base->mxPathname;
  vfs_->zName = kName;
  vfs_->pAppData = base;
  vfs_->xOpen = Open;
  vfs_->xDelete = Delete;
  vfs_->xAccess = Access;
  vfs_->xFullPathname = FullPathname;
  vfs_->xDlOpen = base->xDlOpen ? DlOpen : nullptr;
  vfs_->xDlError = base->xDlError ? DlError : nullptr;
  vfs_->xDlSym = base->xDlSym ? DlSym : nullptr;
  vfs_->xDlClose = base->xDlClose ? DlClose : nullptr;
  vfs_->xRandomness = Randomness;
  vfs_->xSleep = Sleep;
  vfs_->xCurrentTime = CurrentTime;
  vfs_->xGetLastError = GetLastError;
  if (vfs_->iVersion >= 2)
    vfs_->xCurrentTimeInt64 = base->xCurrentTimeInt64 ? CurrentTimeInt64 : nullptr;
  if (vfs_->iVersion >= 3) {
    vfs_->xSetSystemCall = base->xSetSystemCall ? SetSystemCall : nullptr;
    vfs_->xGetSystemCall = base->xGetSystemCall ? GetSystemCall : nullptr;
    vfs_->xNextSystemCall = base->xNextSystemCall ? NextSystemCall : nullptr;
  }
  sqlite3_vfs_register(vfs_, /*makeDflt=*/0);
}

void FaultVfs::FailAt(uint64_t n, bool persistent) {
  fail_at_.store(0);
  persistent_.store(persistent);
  fail_at_.store(next_op_.load() + std::max<uint64_t>(n, 1));
}

void FaultVfs::Disarm() { fail_at_.store(0); }

uint64_t FaultVfs::writes() const { return next_op_.load() - base_.load(); }

uint64_t FaultVfs::failures() const { return failures_.load(); }

void FaultVfs::ResetCount() {
  std::lock_guard l(trace_mu_);
  base_.store(next_op_.load());
  failures_.store(0);
  trace_.clear();
}

std::vector<std::string> FaultVfs::Trace() const {
  std::lock_guard l(trace_mu_);
  return trace_;
}

int FaultVfs::OnWriteOp(int failure, std::string description) {
  const uint64_t op = next_op_.fetch_add(1) + 1;
  const uint64_t fail_at = fail_at_.load();
  const bool fail = fail_at != 0 && (op == fail_at || (op > fail_at && persistent_.load()));
  if (fail) failures_.fetch_add(1);
  {
    std::lock_guard l(trace_mu_);
    if (trace_.size() < kMaxTrace) trace_.push_back(fail ? description + " (failed)" : description);
  }
  return fail ? failure : SQLITE_OK;
}

void FaultVfs::HoldNextSync() {
  std::lock_guard l(hold_mu_);
  hold_next_ = true;
}

bool FaultVfs::WaitForHeldSync(std::chrono::milliseconds timeout) {
  std::unique_lock l(hold_mu_);
  return hold_cv_.wait_for(l, timeout, [&] { return holding_; });
}

void FaultVfs::ReleaseSync() {
  std::lock_guard l(hold_mu_);
  hold_next_ = false;
  holding_ = false;
  hold_cv_.notify_all();
}

void FaultVfs::OnSync() {
  std::unique_lock l(hold_mu_);
  if (!hold_next_) return;
  hold_next_ = false;
  holding_ = true;
  hold_cv_.notify_all();
  hold_cv_.wait(l, [&] { return !holding_; });
}

}  // namespace custodian::testing
