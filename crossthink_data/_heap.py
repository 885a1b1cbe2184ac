"""Keep freed heap memory for reuse: fewer page faults in the processes that curate.

A curation task allocates and frees the same few large buffers over and over (NumPy
temporaries of a block's keys, pyarrow's columns). glibc serves allocations above a
threshold that it adjusts as it goes (128 KiB to start) with a fresh ``mmap``, and returns
the top of its heap to the system once 128 KiB of it are free; so each task faults the same
memory in again, and the kernel zeroes every page. With both cores busy that kernel work
slows both. Measured on 200,000 procedural rows: 614k page faults per run, 395k with the
settings below; the command 6-10% faster on two CPUs, 0-5% on one core (medians of five
or six interleaved runs each).

:func:`keep_freed_memory` sets both thresholds once per process (``mallopt``, glibc only;
elsewhere it does nothing): allocations up to ``MMAP_THRESHOLD`` come from the heap, and
the heap keeps up to ``TRIM_THRESHOLD`` of free memory at its top. A process then holds on
to the most it used at once (up to that bound), which it would need again for its next
task anyway. Called by the ``crossthink`` command for its own process and by the pipeline's
Ray tasks and premap helper for theirs, never on import: a library should not change how
the process that imports it returns memory.

:data:`ALLOCATOR_ENV` does the same for pyarrow's allocator (mimalloc), which asks for
transparent huge pages for its memory: the first touch of each fresh 64 KiB mimalloc page
then zeroes a whole 2 MiB page (290 such faults, 580 MB zeroed, per 200,000-row run). Turned
off, the write step took 1.04 s instead of 1.25 on two CPUs and 1.92 instead of 2.30 on one
(medians of six runs). mimalloc reads it when pyarrow loads, so it must be in a process's
environment by then: :func:`set_allocator_env` sets it in the ``crossthink`` command before
any import of pyarrow, and a local Ray runtime's processes are started with it
(``pipeline.runtime``). A value the user set is left as it is.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# The largest value glibc accepts for M_MMAP_THRESHOLD on 64-bit (HEAP_MAX_SIZE / 2).
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 1 * 2**30

ALLOCATOR_ENV = {"MIMALLOC_ALLOW_THP": "0"}

_state: dict[str, bool] = {}


def set_allocator_env() -> bool:
    """Put :data:`ALLOCATOR_ENV` in this process's environment where the user has not set
    it; False (and nothing set) once pyarrow is loaded, when it would no longer apply."""
    if "pyarrow" in sys.modules:
        return False
    for key, value in ALLOCATOR_ENV.items():
        os.environ.setdefault(key, value)
    return True


def keep_freed_memory() -> bool:
    """Set the heap thresholds for this process (once); True if glibc took them."""
    if "done" in _state:
        return _state["done"]
    _state["done"] = ok = _set_thresholds()
    return ok


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl's mallopt ignores these
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    )
