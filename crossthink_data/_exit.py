"""Ending the ``crossthink`` process quickly once its command is done.

A command that started a local Ray runtime stops it on its way out. ``ray.shutdown()`` takes
0.2-0.5 s with every core idle, most of it Ray's driver waiting out a fixed 250 ms poll of
its gRPC threads. The CLI process exits right after its command, and by then the command's
outputs are written and closed: nothing more is needed from the runtime. So the entry point
(:func:`crossthink_data.cli.main.entry`) marks its process with :func:`mark_cli_process`;
a runtime started in such a process is then not shut down but left to :func:`finish`,
which runs the stop the runtime registered (:func:`defer`: kill its processes), flushes
output and ends the process with ``os._exit``. Any other caller (tests, notebooks, the
Python API: processes that go on) keeps the ordinary shutdown.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

_cli_process = False
_deferred: list[Callable[[], None]] = []


def mark_cli_process() -> None:
    """This process exits as soon as its command returns (the ``crossthink`` entry point)."""
    global _cli_process
    _cli_process = True


def exits_after_command() -> bool:
    """Whether :func:`mark_cli_process` was called in this process."""
    return _cli_process


def defer(stop: Callable[[], None]) -> None:
    """Run ``stop`` in :func:`finish`, just before the process ends."""
    _deferred.append(stop)


def finish(rc: int) -> None:
    """End the process with ``rc`` after the deferred stops, if there are any (else return:
    the caller exits the ordinary way). A stop that fails is reported, not raised: the
    command's result is already out."""
    if not _deferred:
        return
    for stop in _deferred:
        try:
            stop()
        except Exception as exc:  # pragma: no cover - best effort at exit
            print(f"crossthink: while stopping the local runtime: {exc}", file=sys.stderr)
    _deferred.clear()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # pragma: no cover - closed pipe
            pass
    os._exit(rc)
