"""The allocator settings and the release between stages, on this machine's real C library."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

from pipeline.memory import tune_allocator, tune_worker_allocator

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_trim are glibc's"
)

# Freed blocks in the middle of the heap (a small live block after each one) stay in the
# process: glibc can only shrink the top of its heap by itself.
_FRAGMENTED_HEAP = textwrap.dedent(
    """
    from pipeline.memory import release_free_memory

    def rss_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024

    blocks, pins = [], []
    for i in range(60_000):
        blocks.append(bytes(4000) + bytes([i % 256]))
        pins.append(bytearray(600))
    del blocks
    held = rss_mb()
    release_free_memory()
    print(held, rss_mb())
    """
)


@glibc_only
def test_glibc_takes_the_settings() -> None:
    assert tune_allocator() is True


@glibc_only
def test_release_gives_freed_heap_blocks_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, check=True
    ).stdout
    held, released = (float(x) for x in out.split())
    assert held - released > 150  # about 240 MB of freed 4 kB blocks


# Whether glibc served a block with its own mapping: bit 1 (IS_MMAPPED) of the size word just
# before the block. Worker processes are forked after the parent's settings.
_MAPPED = textwrap.dedent(
    """
    import ctypes, ctypes.util
    from pipeline.memory import tune_allocator
    from pipeline.parallel import map_in_order

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]

    def mapped(size):
        block = libc.malloc(size)
        flag = bool(ctypes.c_size_t.from_address(block - 8).value & 2)
        libc.free(block)
        return flag

    tune_allocator()
    in_workers = list(map_in_order(mapped, [4 << 20, 4 << 20, 64 << 20], 2))
    print(mapped(4 << 20), *in_workers)
    """
)


@glibc_only
def test_glibc_takes_the_worker_setting() -> None:
    assert tune_worker_allocator() is True
    tune_allocator()  # this test process goes back to the parent's settings


@glibc_only
def test_workers_reuse_batch_sized_blocks_that_the_parent_maps() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _MAPPED], capture_output=True, text=True, check=True
    ).stdout
    parent, *workers = out.split()
    assert parent == "True"  # 4 MiB: above the parent's 1 MiB threshold
    assert workers == ["False", "False", "True"]  # 4 MiB from the heap; 64 MiB still mapped
