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


def _glibc_with_mallinfo2() -> bool:
    name, version = platform.libc_ver()
    if not sys.platform.startswith("linux") or name != "glibc":
        return False
    return tuple(int(x) for x in version.split(".")[:2]) >= (2, 33)


@pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="needs glibc 2.33+ (mallinfo2)")
def test_large_allocations_come_from_the_heap_and_stay() -> None:
    # glibc's default: 8 MiB gets its own mapping, returned to the system on free
    assert _run("plain") == "1 False"
    # tuned: served from the heap, which keeps it for the next allocation
    assert _run("tuned") == "0 True"


def test_keep_freed_memory_is_set_once() -> None:
    first = _heap.keep_freed_memory()
    assert _heap.keep_freed_memory() is first
    assert _heap._state == {"done": first}


def _thp_enabled() -> bool:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as fh:
            return "[never]" not in fh.read()
    except OSError:
        return False


# pyarrow's allocator (mimalloc) with and without ALLOCATOR_ENV: transparent huge pages
# in this process after touching 60 MB of pyarrow buffers.
_THP_SCRIPT = """
import pyarrow as pa
bufs = [pa.allocate_buffer(300_000) for _ in range(200)]
for b in bufs:
    mv = memoryview(b).cast("B")
    mv[::4096] = bytes(len(mv[::4096]))
print(sum(int(l.split()[1]) for l in open("/proc/self/smaps_rollup")
          if l.startswith("AnonHugePages:")))
"""


def _huge_kb(env: dict[str, str]) -> int:
    import os

    proc = subprocess.run(
        [sys.executable, "-c", _THP_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k not in _heap.ALLOCATOR_ENV}, **env},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])


def test_allocator_env_keeps_pyarrow_off_huge_pages() -> None:
    pytest.importorskip("pyarrow")
    if not _thp_enabled():
        pytest.skip("no transparent huge pages on this machine")
    default = _huge_kb({})
    if default == 0:
        pytest.skip("this kernel gave pyarrow no huge pages even without the setting")
    assert _huge_kb(_heap.ALLOCATOR_ENV) == 0


_SET_ENV_SCRIPT = """
import os, sys
from crossthink_data import _heap
os.environ.pop("MIMALLOC_ALLOW_THP", None)
if sys.argv[1:]:
    os.environ["MIMALLOC_ALLOW_THP"] = sys.argv[1]
first = _heap.set_allocator_env()
value = os.environ.get("MIMALLOC_ALLOW_THP")
import pyarrow
print(first, value, _heap.set_allocator_env())
"""


def test_set_allocator_env_before_pyarrow_only_and_user_value_wins() -> None:
    pytest.importorskip("pyarrow")

    def run(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", _SET_ENV_SCRIPT, *args], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout.strip()

    assert run() == "True 0 False"
    assert run("1") == "True 1 False"  # the user's own setting is kept
