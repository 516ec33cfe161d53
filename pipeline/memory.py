"""Handing freed memory back to the system between the stages of a run.

A run frees most of what a stage built before the next one starts (validation copies, the
screening records, the report's intermediate arrays), but neither allocator returns it by
itself: Arrow's mimalloc pool keeps freed pages for reuse, and glibc keeps freed blocks below
its mmap threshold (which grows to 32 MB after the first large free) in its heaps. At a
million patients the process held 8.3 GB after validation, of which 3.3 GB were free blocks
(docs/performance.md). On other C libraries both functions do what they can and no more.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa

# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks from 1 MiB up get their own mapping, unmapped when freed; a heap is trimmed when its
# free top passes 64 MiB. Both fixed values also stop glibc from raising them on its own.
MMAP_THRESHOLD_BYTES = 1 << 20
TRIM_THRESHOLD_BYTES = 64 << 20
# A worker process lives for one pass over an extract, allocating and freeing batch-sized
# arrays (1 to 30 MB) again and again: below this threshold they are reused from its heap
# instead of each being mapped, zeroed by the kernel and unmapped (18 s of a 1M validation).
# The heap goes with the process, so what it keeps does not outlive the pass.
WORKER_MMAP_THRESHOLD_BYTES = 32 << 20


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    if not hasattr(library, "malloc_trim") or not hasattr(library, "mallopt"):
        return None  # not glibc (musl, macOS): nothing to tune
    return library


def tune_allocator() -> bool:
    """Make glibc give large freed blocks back at once (inherited by forked workers).

    Returns whether the C library took the settings."""
    library = _glibc()
    if library is None:
        return False
    took_mmap = library.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    took_trim = library.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
    return took_mmap and took_trim


def tune_worker_allocator() -> bool:
    """In a worker process: keep batch-sized blocks in its heap for reuse (see above).

    Returns whether the C library took the setting."""
    library = _glibc()
    if library is None:
        return False
    return library.mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD_BYTES) == 1


def release_free_memory() -> None:
    """Return the free pages both allocators hold to the system (a stage has just ended)."""
    pa.default_memory_pool().release_unused()
    library = _glibc()
    if library is not None:
        library.malloc_trim(0)
