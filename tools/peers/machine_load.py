"""The machine around a benchmark: glibc malloc settings, and how busy other processes keep the CPUs.

Part of the peer benchmarks (bench_peers.py). Linux only (/proc/stat); where
it is missing the load is reported as unknown (None), never an error.
"""

import ctypes
import ctypes.util
import os
import time

# glibc malloc settings for every engine unless --stock-malloc: keep freed memory in the heap
# instead of unmapping it, so a buffer allocated per run (PyTorch's and ONNX Runtime's
# outputs) reuses pages already mapped. In a VM that hands freed pages back to the host, a
# page touched afresh costs ~15 us, so with glibc's defaults a layer with a 0.8 MB output
# runs 3-5x slower, and bimodally (ORT's conv 64x56x56: 0.8 or 3.6 ms, by phases).
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}


def tune_malloc():
    """MALLOC_ENV for the children (os.environ; values already set win) and, through
    mallopt, for this process (PyTorch). Returns the settings in force."""
    for k, v in MALLOC_ENV.items():
        os.environ.setdefault(k, v)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-1, ctypes.c_int(min(int(os.environ["MALLOC_TRIM_THRESHOLD_"]), 2**31 - 1)))  # M_TRIM_THRESHOLD
        libc.mallopt(-3, ctypes.c_int(min(int(os.environ["MALLOC_MMAP_THRESHOLD_"]), 2**31 - 1)))  # M_MMAP_THRESHOLD
    except (OSError, AttributeError, ValueError):
        pass
    return dict((k, os.environ[k]) for k in MALLOC_ENV)


def _cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return sum(v), idle


def cpu_busy(seconds=0.3):
    """Fraction of all CPUs busy (any process) over `seconds`; None where /proc/stat is missing."""
    try:
        t0, i0 = _cpu_times()
        time.sleep(seconds)
        t1, i1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0


class OthersMeter:
    """CPU time used by other processes between start() and stop(), as a fraction of all
    CPUs: the machine's busy time (/proc/stat) less this process's and its children's."""

    def start(self):
        try:
            self.t0, self.i0 = _cpu_times()
        except (OSError, ValueError, IndexError):
            self.t0 = None
        self.o0 = os.times()

    def stop(self):
        if self.t0 is None:
            return None
        t1, i1 = _cpu_times()
        o1 = os.times()
        hz = os.sysconf("SC_CLK_TCK")
        total = (t1 - self.t0) / hz
        if total <= 0:
            return 0.0
        busy = total - (i1 - self.i0) / hz
        own = sum(o1[k] - self.o0[k] for k in range(4))  # user, system, children user, system
        return max(0.0, min(1.0, (busy - own) / total))


def wait_idle(max_busy, max_wait_s, log):
    """Sample the machine's load until it is at most max_busy (or max_wait_s passed);
    returns the last busy fraction seen."""
    end = time.time() + max_wait_s
    busy = cpu_busy()
    waited = False
    while busy is not None and busy > max_busy and time.time() < end:
        if not waited:
            log("  machine %.0f%% busy; waiting up to %.0f s for it to drop below %.0f%%"
                % (100 * busy, max_wait_s, 100 * max_busy))
            waited = True
        time.sleep(1.0)
        busy = cpu_busy()
    return busy
