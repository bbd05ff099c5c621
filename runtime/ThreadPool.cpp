//===- runtime/ThreadPool.cpp - a fixed pool of worker threads ------------===//
//
// Each of the `threads - 1` workers owns a slot, one cache line holding
// everything needed to hand it a chunk and hear back: the function, context
// and bounds, a ticket (nonzero while the chunk waits to be claimed) and the
// ticket of the last chunk it finished. parallelFor fills the slots, runs
// chunk 0 itself, then claims any chunk whose worker has not claimed it yet
// (asleep, or descheduled on a busy machine) and runs it too, and finally
// waits for the claimed ones. The split never changes, only which thread runs
// a chunk. Waiting threads spin briefly on their cache line before sleeping
// on a futex, so a stream of small parallel loops (one per layer) costs well
// under a microsecond each, while an idle pool costs no CPU.
//
//===----------------------------------------------------------------------===//
#include "runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lgc {
namespace {

/// Pause iterations before a waiting thread goes to sleep (tens of microseconds).
constexpr int kSpinIterations = 4000;
/// With more threads than cores, spinning starves the threads that have work:
/// a waiting thread yields its core this many times instead, then sleeps.
constexpr int kYieldIterations = 50;
constexpr size_t kCacheLine = 64;
/// The ticket that tells a worker to exit.
constexpr uint64_t kStopTicket = ~uint64_t{0};

using ChunkFn = void (*)(void *ctx, int64_t begin, int64_t end);

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "futex words are plain 32-bit atomics");

/// Sleeps while `word` still holds `expected` (or until a spurious wake-up).
void futexWait(std::atomic<uint32_t> &word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

void futexWakeAll(std::atomic<uint32_t> &word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

/// A futex word that waiters sleep on until `ready()` holds. The thread that
/// makes `ready()` true (with a seq_cst store) then calls notify(), which costs
/// a system call only when someone may be asleep.
struct alignas(kCacheLine) Doorbell {
  std::atomic<uint32_t> rings{0};
  std::atomic<uint32_t> sleepers{0};

  /// Spins (or yields when `oversubscribed`) and then sleeps until ready().
  template <class Ready> void wait(Ready ready, bool oversubscribed) {
    int spins = oversubscribed ? kYieldIterations : kSpinIterations;
    for (int i = 0; i < spins; ++i) {
      if (ready()) return;
      if (oversubscribed)
        std::this_thread::yield();
      else
        cpuRelax();
    }
    for (;;) {
      // Dekker with notify(): either ready() sees the store that made it
      // true, or the notifier sees this sleeper and rings after the store.
      sleepers.fetch_add(1, std::memory_order_seq_cst);
      uint32_t seen = rings.load(std::memory_order_seq_cst);
      bool done = ready();
      if (!done) futexWait(rings, seen);
      sleepers.fetch_sub(1, std::memory_order_relaxed);
      if (done || ready()) return;
    }
  }

  void notify() {
    if (sleepers.load(std::memory_order_seq_cst) == 0) return;
    rings.fetch_add(1, std::memory_order_seq_cst);
    futexWakeAll(rings);
  }
};

/// Chunk `i` of `k` over [0, n): [n*i/k, n*(i+1)/k), without overflow.
int64_t chunkBound(int64_t n, int64_t i, int64_t k) {
  return static_cast<int64_t>(static_cast<__int128>(n) * i / k);
}

} // namespace

struct ThreadPool::Shared {
  /// One worker's mailbox. The plain fields are written by the caller before
  /// it publishes `ticket` and read by whoever claims the ticket.
  struct alignas(kCacheLine) Slot {
    std::atomic<uint64_t> ticket{0}; ///< Nonzero: a chunk waits to be claimed.
    std::atomic<uint64_t> done{0};   ///< The ticket of the last chunk finished.
    ChunkFn fn = nullptr;
    void *ctx = nullptr;
    int64_t begin = 0;
    int64_t end = 0;
  };

  std::unique_ptr<Slot[]> slots; ///< Slot i - 1 belongs to worker i (chunk i).
  std::vector<std::thread> threads;
  Doorbell workBell; ///< Rung when a sleeping worker has a ticket.
  Doorbell doneBell; ///< Rung when a chunk finishes while the caller sleeps.
  uint64_t lastTicket = 0;
  bool oversubscribed = false; ///< More threads than available cores.

  void workerLoop(Slot &slot);
  void publish(int64_t chunks, ChunkFn fn, void *ctx, int64_t n);
  bool claimForCaller(int64_t chunk);
  void waitForWorkers(int64_t chunks);
  void stopWorkers();
};

void ThreadPool::Shared::workerLoop(Slot &slot) {
  for (;;) {
    uint64_t t = 0;
    workBell.wait([&] { return (t = slot.ticket.load(std::memory_order_seq_cst)) != 0; },
                  oversubscribed);
    if (t == kStopTicket) return;
    if (!slot.ticket.compare_exchange_strong(t, 0, std::memory_order_acquire)) continue;
    slot.fn(slot.ctx, slot.begin, slot.end);
    slot.done.store(t, std::memory_order_seq_cst);
    doneBell.notify();
  }
}

void ThreadPool::Shared::publish(int64_t chunks, ChunkFn fn, void *ctx, int64_t n) {
  ++lastTicket;
  for (int64_t i = 1; i < chunks; ++i) {
    Slot &slot = slots[i - 1];
    slot.fn = fn;
    slot.ctx = ctx;
    slot.begin = chunkBound(n, i, chunks);
    slot.end = chunkBound(n, i + 1, chunks);
    slot.ticket.store(lastTicket, std::memory_order_seq_cst);
  }
  workBell.notify();
}

/// Takes a chunk whose worker has not started it; marks it done at once,
/// since only the caller waits for it.
bool ThreadPool::Shared::claimForCaller(int64_t chunk) {
  Slot &slot = slots[chunk - 1];
  uint64_t t = slot.ticket.load(std::memory_order_relaxed);
  if (t == 0 || !slot.ticket.compare_exchange_strong(t, 0, std::memory_order_acquire)) return false;
  slot.done.store(t, std::memory_order_relaxed);
  return true;
}

void ThreadPool::Shared::waitForWorkers(int64_t chunks) {
  int64_t next = 1; // Chunks below `next` are known to be done.
  doneBell.wait(
      [&] {
        while (next < chunks && slots[next - 1].done.load(std::memory_order_seq_cst) == lastTicket)
          ++next;
        return next == chunks;
      },
      oversubscribed);
}

void ThreadPool::Shared::stopWorkers() {
  for (size_t i = 0; i < threads.size(); ++i)
    slots[i].ticket.store(kStopTicket, std::memory_order_seq_cst);
  workBell.notify();
  for (std::thread &t : threads) t.join();
}

ThreadPool::ThreadPool(int threads)
    : threads_(std::max(threads, 1)), shared_(std::make_unique<Shared>()) {
  Shared &s = *shared_;
  s.oversubscribed = threads_ > availableCores();
  s.slots = std::make_unique<Shared::Slot[]>(static_cast<size_t>(threads_ - 1));
  s.threads.reserve(static_cast<size_t>(threads_ - 1));
  try {
    for (int i = 0; i < threads_ - 1; ++i)
      s.threads.emplace_back([&s, i] { s.workerLoop(s.slots[i]); });
  } catch (...) {
    s.stopWorkers(); // A thread could not be started: stop those that were.
    throw;
  }
}

ThreadPool::~ThreadPool() {
  shared_->stopWorkers();
}

void ThreadPool::parallelFor(int64_t n, void (*fn)(void *ctx, int64_t begin, int64_t end),
                             void *ctx) {
  if (n <= 0) return;
  if (n == 1 || threads_ == 1) {
    fn(ctx, 0, n);
    return;
  }
  Shared &s = *shared_;
  int64_t chunks = std::min<int64_t>(n, threads_);
  s.publish(chunks, fn, ctx, n);
  try {
    fn(ctx, 0, chunkBound(n, 1, chunks));
    // Chunks whose worker has not started yet are quicker to run here than
    // to wait for.
    for (int64_t i = chunks - 1; i >= 1; --i)
      if (s.claimForCaller(i)) fn(ctx, chunkBound(n, i, chunks), chunkBound(n, i + 1, chunks));
  } catch (...) {
    for (int64_t i = 1; i < chunks; ++i) s.claimForCaller(i); // Withdraw the unstarted ones.
    s.waitForWorkers(chunks); // The started ones still use fn and ctx.
    throw;
  }
  s.waitForWorkers(chunks);
}

int ThreadPool::availableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

} // namespace lgc
