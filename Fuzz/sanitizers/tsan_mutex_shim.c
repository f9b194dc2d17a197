// Tells ThreadSanitizer about the synchronisation in Swift's Synchronization.Mutex on Linux.
//
// Mutex's fast paths (a compare-exchange on lock and unlock) are inlined into our instrumented
// code, so TSan sees them. Under contention the lock is handed over by the kernel instead
// (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI inside the uninstrumented libswiftSynchronization.so), and TSan
// sees no happens-before edge: every access to Mutex-protected state that was handed over that
// way is reported as a race (seen in HTTPStreamHandle, SessionRevocations, CatalogStore,
// BackendSessionTable, ConnectionPool: always both accesses inside `withLock`).
//
// Preloaded into the test process (LD_PRELOAD, see `make sanitize`), this library interposes the
// three exported slow paths and adds the missing edge with TSan's annotation API:
// release on the Mutex's address before `_unlockSlow`, acquire after `_lockSlow` / a successful
// `_tryLockSlow`. Nothing is suppressed: a race on state outside a lock is still reported.
//
// Built with clang (swiftcall: `self` of these methods travels in the swiftself register).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SWIFTCALL __attribute__((swiftcall))
#define SELF __attribute__((swift_context))

// TSan's annotation interface, exported by the sanitizer runtime in the instrumented executable.
// Weak: in a process without TSan (the `swift test` driver itself) they are null and skipped.
extern void __tsan_acquire(void *addr) __attribute__((weak));
extern void __tsan_release(void *addr) __attribute__((weak));

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"
#define TRYLOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"

typedef SWIFTCALL void (*lock_slow_fn)(uint32_t self_id, SELF void *handle);
typedef SWIFTCALL void (*unlock_slow_fn)(SELF void *handle);
typedef SWIFTCALL bool (*try_lock_slow_fn)(SELF void *handle);

static void *next_symbol(const char *name) {
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "tsan_mutex_shim: %s not found: %s\n", name, dlerror());
        abort();
    }
    return p;
}

SWIFTCALL void shim_lock_slow(uint32_t self_id, SELF void *handle) __asm__(LOCK_SLOW);
SWIFTCALL void shim_lock_slow(uint32_t self_id, SELF void *handle) {
    static lock_slow_fn real;
    if (!real) real = (lock_slow_fn)next_symbol(LOCK_SLOW);
    real(self_id, handle);
    if (__tsan_acquire) __tsan_acquire(handle);
}

SWIFTCALL void shim_unlock_slow(SELF void *handle) __asm__(UNLOCK_SLOW);
SWIFTCALL void shim_unlock_slow(SELF void *handle) {
    static unlock_slow_fn real;
    if (!real) real = (unlock_slow_fn)next_symbol(UNLOCK_SLOW);
    if (__tsan_release) __tsan_release(handle);
    real(handle);
}

SWIFTCALL bool shim_try_lock_slow(SELF void *handle) __asm__(TRYLOCK_SLOW);
SWIFTCALL bool shim_try_lock_slow(SELF void *handle) {
    static try_lock_slow_fn real;
    if (!real) real = (try_lock_slow_fn)next_symbol(TRYLOCK_SLOW);
    bool locked = real(handle);
    if (locked && __tsan_acquire) __tsan_acquire(handle);
    return locked;
}
