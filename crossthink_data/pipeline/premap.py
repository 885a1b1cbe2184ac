"""Mapping while Ray starts: a helper process maps blocks with the CPU Ray's start leaves idle.

A local Ray start takes about 2 s and keeps about one core busy; on a machine with more
cores, the others wait. So, before ``ray.init``, the run starts one helper process (a fork of
this one, or a new interpreter: see below), at a lower scheduling priority so that Ray's own
start comes first.
It maps the tasks of the sources that need no Ray to read (generators' id ranges, embedded
samples' rows), taking them from the end of the task list, and writes each finished block
to its own file in a private temporary directory (written under a temporary name, then
renamed, so a file that exists is whole). It needs nothing from the driver once started:
the driver's threads are often blocked while ``ray.init`` holds the interpreter.

Where this process has a single thread (the ``crossthink`` command, which starts the helper
first thing), the helper is a fork of it: it starts mapping at once, with the modules this
process has already imported, rather than spending ~0.2 s of CPU starting Python and
importing them again. A process with other threads (a notebook, a test runner) starts a new
interpreter instead: a fork copies only the calling thread, and a lock another thread holds
at that moment would stay locked in the child.

Once Ray is up, :meth:`PreMapper.freeze` stops the helper and reads the finished blocks; the
run submits every other task to Ray as usual and puts those blocks in the object store. A
block is the same function of the same input wherever it is mapped, so the output never
depends on how many blocks the helper finished. Used only for a local runtime with two or
more CPUs (with one CPU nothing is idle; joining a cluster is quick). A failure in the
helper only leaves its tasks to Ray.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from crossthink_data._heap import ALLOCATOR_ENV
from crossthink_data._process import block_pandas

log = logging.getLogger("crossthink_data.pipeline")

# Nice increment of the helper: under contention Ray's start-up processes get ~10x its share.
NICENESS = 10
# At most this many tasks go to the helper (~9 MB each at the default batch size): a slow Ray
# start cannot make it write an unbounded amount, or outlive a killed driver for long.
MAX_TASKS = 32
_TASKS = "tasks.pkl"
_LOG = "helper.log"
_ENTRY = "from crossthink_data.pipeline.premap import main; main()"


class PreMapper:
    """Maps ``tasks`` (``(key, map_and_partition keyword arguments)``) in a helper process
    until :meth:`freeze`. ``common`` holds the keyword arguments every task shares."""

    def __init__(
        self,
        tasks: Sequence[tuple[Hashable, dict[str, Any]]],
        common: dict[str, Any],
        fork: bool | None = None,
    ) -> None:
        # The last tasks: the helper works backwards from the end of the list.
        self._tasks = list(tasks)[-MAX_TASKS:]
        self._common = common
        self._fork = can_fork() if fork is None else fork
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | _Forked | None = None
        self._done: dict[Hashable, Path] | None = None

    @property
    def num_parts(self) -> int:
        """The shuffle partition count the helper's blocks were split for."""
        return int(self._common.get("num_parts", 0))

    def start(self) -> PreMapper:
        if not self._tasks:
            return self
        self._dir = Path(tempfile.mkdtemp(prefix="crossthink-premap-"))
        with open(self._dir / _TASKS, "wb") as fh:
            # The helper maps from the end of the list; Ray's tasks are submitted from the
            # start, so the two meet wherever the helper stopped.
            pickle.dump(
                (self._common, [kw for _, kw in self._tasks]),
                fh,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        try:
            self._proc = _Forked.start(self._dir) if self._fork else self._spawn(self._dir)
        except OSError as exc:
            log.warning("premap: cannot start the helper (%s); Ray maps every block", exc)
        return self

    @staticmethod
    def _spawn(workdir: Path) -> subprocess.Popen[bytes]:
        """The helper in a new interpreter (``python -c``, see :func:`main`)."""
        root = str(Path(__file__).resolve().parents[2])
        env = {**ALLOCATOR_ENV, **os.environ}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        with open(workdir / _LOG, "wb") as err:
            return subprocess.Popen(
                [sys.executable, "-c", _ENTRY, str(workdir), str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )

    def join(self, timeout: float | None = None) -> None:
        """Wait until the helper has finished every task it was given (or ``timeout``)."""
        if self._proc is not None:
            self._proc.wait(timeout)

    def freeze(self) -> set[Hashable]:
        """Stop the helper now; the keys of the tasks it finished (a block in progress is
        abandoned: Ray maps it). Idempotent; :meth:`load` reads a finished block."""
        if self._done is not None:
            return set(self._done)
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            elif self._proc.returncode != 0 and self._dir is not None:
                # it failed on its own: say why (its blocks are mapped on Ray)
                try:
                    text = (self._dir / _LOG).read_text(errors="replace")
                except OSError as exc:
                    text = str(exc)
                tail = " | ".join(text.strip().splitlines()[-3:])
                log.warning("premap: the helper failed (%s); Ray maps its blocks", tail)
            self._proc.wait()
        done: dict[Hashable, Path] = {}
        if self._dir is not None:
            for i, (key, _) in enumerate(self._tasks):
                path = self._dir / f"{i}.pkl"
                if path.exists():
                    done[key] = path
        self._done = done
        return set(done)

    def load(self, key: Hashable) -> tuple[Any, ...] | None:
        """The outputs of a finished task (its file is removed), or None if it cannot be
        read, in which case the caller maps the task itself."""
        path = (self._done or {}).pop(key, None)
        if path is None:
            return None
        try:
            with open(path, "rb") as fh:
                # written by our own helper, into a directory only this process knows
                out: tuple[Any, ...] = pickle.load(fh)
            return out
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            log.warning("premap: cannot read %s (%s); Ray maps that block", path, exc)
            return None
        finally:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop the helper and remove its directory (blocks not loaded are dropped)."""
        self.freeze()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._done = {}


def _serve(workdir: Path, parent: int) -> None:
    from crossthink_data.pipeline.stages import map_and_partition

    with open(workdir / _TASKS, "rb") as fh:
        common, tasks = pickle.load(fh)
    for i in range(len(tasks) - 1, -1, -1):
        if os.getppid() != parent:  # the driver is gone: nobody will read the blocks
            return
        kwargs = dict(tasks[i])
        out = map_and_partition(*kwargs.pop("blocks"), **kwargs, **common)
        tmp = workdir / f"{i}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(tuple(out), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, workdir / f"{i}.pkl")


def main() -> None:
    """The helper's entry point: ``python -c ... WORKDIR PARENT_PID``."""
    _helper(Path(sys.argv[1]), int(sys.argv[2]))


def _helper(workdir: Path, parent: int) -> None:
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    # No pandas in the helper (half its warm-up: see crossthink_data._process). Were it
    # ever needed, the helper would fail and Ray would map its blocks.
    block_pandas()
    _serve(workdir, parent)


def can_fork() -> bool:
    """Whether the helper may be a fork of this process: Linux, and this process runs one
    thread only (counted by the kernel, so threads started by native libraries count)."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


class _Forked:
    """The forked helper, with the part of ``subprocess.Popen`` that :class:`PreMapper` uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, workdir: Path) -> _Forked:
        parent = os.getpid()
        err = os.open(workdir / _LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            pid = os.fork()
        except OSError:
            os.close(err)
            raise
        if pid == 0:  # the helper: map, then end without running this process's exit code
            code = 1
            try:
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(null, 1)
                os.dup2(err, 2)
                _helper(workdir, parent)
                code = 0
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(err)
        return cls(pid)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"premap helper {self.pid}", timeout or 0.0)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
