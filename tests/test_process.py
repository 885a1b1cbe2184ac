"""Task-process set-up (``crossthink_data._process``): the collector tuning is once per
process and never lowers a threshold. Fresh interpreters: the settings last for a process."""

from __future__ import annotations

import json
import subprocess
import sys

_TUNE = """
import gc, json
from crossthink_data import _process
before = gc.get_freeze_count()
_process.prepare_task_process()
frozen = gc.get_freeze_count()
keep = [[i] for i in range(1000)]  # new containers after the first task's set-up
_process.prepare_task_process()
print(json.dumps([before, frozen, gc.get_freeze_count(), list(gc.get_threshold())]))
"""

_HIGHER = """
import gc, json
gc.set_threshold(200000, 5, 5)
from crossthink_data import _process
_process.tune_gc()
print(json.dumps(list(gc.get_threshold())))
"""


def _run(script: str) -> list[int]:
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: list[int] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def test_first_task_freezes_what_is_alive_once_and_raises_the_young_threshold() -> None:
    from crossthink_data._process import GC_YOUNG_THRESHOLD

    before, frozen, again, threshold = _run(_TUNE)
    assert before == 0 and frozen > 1000  # the imports' objects, out of every collection
    assert again == frozen  # later tasks freeze nothing more
    assert threshold[0] == GC_YOUNG_THRESHOLD and threshold[1:] == [10, 10]


def test_a_higher_threshold_already_set_is_kept() -> None:
    assert _run(_HIGHER) == [200000, 5, 5]
