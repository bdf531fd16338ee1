"""Keep the C allocator from handing the Monte Carlo kernels' memory back and forth.

glibc's malloc serves blocks over a threshold (128 KiB at first, raised as blocks are freed,
at most 32 MiB) with ``mmap`` and gives them back to the system when freed, and it trims the
top of the heap once more than twice that is free there. A kernel that allocates and frees
the same few-MB numpy arrays every round therefore page-faults them in again each time:
53,000 minor faults, and a third of the run time, per 1,000 BDM draws of ukraine-2024 (10
actors, 10 rounds, 3 issues; docs/benchmarks_uncertainty.md). Fixing both thresholds with
``mallopt`` lets freed blocks be reused instead. The cost is that the process keeps up to
:data:`TRIM_THRESHOLD` of freed heap instead of returning it. Elsewhere than on glibc this is
a no-op.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter numbers (malloc.h)."""

MMAP_THRESHOLD = 32 * 1024 * 1024
"""Blocks below this come from the heap (32 MiB, the largest value glibc accepts)."""
TRIM_THRESHOLD = 128 * 1024 * 1024
"""Free memory at the top of the heap kept before trimming."""


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds, once per process; True if they were set."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
