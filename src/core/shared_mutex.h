// SharedMutex: a readers-writer lock on which a waiting writer holds back new readers.
//
// std::shared_mutex on glibc is a pthread rwlock that prefers readers: while readers overlap
// without a gap — many threads answering reads, as the server's do under load — a writer waits
// for ever. Here the rwlock is made with PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP: once a
// writer waits, new readers queue behind it. The price is the "NONRECURSIVE": a thread that holds
// the lock shared must not take it shared again (a writer waiting in between would deadlock both).
// Meets the standard SharedMutex requirements (std::unique_lock, std::shared_lock). Thread-safe.
#pragma once

#include <pthread.h>

namespace custodian::core {

class SharedMutex {
 public:
  SharedMutex();
  ~SharedMutex();
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock();
  bool try_lock();
  void unlock();
  void lock_shared();
  bool try_lock_shared();
  void unlock_shared();

 private:
  pthread_rwlock_t rw_;
};

}  // namespace custodian::core
