"""Memory the pipeline's processes free is kept for their next task (``crossthink_data._heap``):
checked through glibc's own account of the memory it maps, in a fresh interpreter."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from crossthink_data import _heap

# glibc's mallinfo2 (2.33+): hblks = chunks served by their own mmap, uordblks = heap in use.
_SCRIPT = """
import ctypes, sys
from crossthink_data import _heap

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "tuned":
    assert _heap.keep_freed_memory()
size = 8 * 2**20  # a block's NumPy temporary
before = libc.mallinfo2()
p = libc.malloc(size)
during = libc.mallinfo2()
libc.free(p)
after = libc.mallinfo2()
print(during.hblks - before.hblks, after.arena >= size)
"""


def _run(mode: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc only",
)
def test_large_allocations_come_from_the_heap_and_stay() -> None:
    # glibc's default: 8 MiB gets its own mapping, returned to the system on free
    assert _run("plain") == "1 False"
    # tuned: served from the heap, which keeps it for the next allocation
    assert _run("tuned") == "0 True"


def test_keep_freed_memory_is_set_once() -> None:
    first = _heap.keep_freed_memory()
    assert _heap.keep_freed_memory() is first
    assert _heap._state == {"done": first}
