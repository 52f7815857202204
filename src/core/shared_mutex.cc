#include "core/shared_mutex.h"

#include <cerrno>
#include <cstdlib>

namespace custodian::core {

namespace {

// A lock that cannot be taken or released is a broken program, not an error to handle: the
// standard mutexes throw std::system_error here; the server has no way to go on either.
void Check(int rc) {
  if (rc != 0) std::abort();
}

}  // namespace

SharedMutex::SharedMutex() {
  pthread_rwlockattr_t attr;
  Check(pthread_rwlockattr_init(&attr));
  Check(pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
  Check(pthread_rwlock_init(&rw_, &attr));
  pthread_rwlockattr_destroy(&attr);
}

SharedMutex::~SharedMutex() { pthread_rwlock_destroy(&rw_); }

void SharedMutex::lock() { Check(pthread_rwlock_wrlock(&rw_)); }
bool SharedMutex::try_lock() { return pthread_rwlock_trywrlock(&rw_) == 0; }
void SharedMutex::unlock() { Check(pthread_rwlock_unlock(&rw_)); }
void SharedMutex::lock_shared() {
  // EAGAIN: the maximum number of readers; wait for one to leave rather than fail.
  for (;;) {
    const int rc = pthread_rwlock_rdlock(&rw_);
    if (rc == EAGAIN) continue;
    Check(rc);
    return;
  }
}
bool SharedMutex::try_lock_shared() { return pthread_rwlock_tryrdlock(&rw_) == 0; }
void SharedMutex::unlock_shared() { Check(pthread_rwlock_unlock(&rw_)); }

}  // namespace custodian::core
