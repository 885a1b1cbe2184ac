"""Per-process set-up of the processes that run curation tasks (Ray workers, premap helper).

:func:`prepare_task_process` runs at the start of every task. It keeps freed heap memory
for reuse (:mod:`._heap`), makes the cyclic garbage collector cheaper (:func:`tune_gc`) and,
in a process marked with :data:`NO_PANDAS_ENV`, makes ``import pandas`` fail
(:func:`block_pandas`).

Why the collector: a map task builds tens of thousands of short-lived dicts and lists per
block (rows, records), so with Python's default threshold (a young collection every 700
container allocations) a worker ran ~350 collections per 200,000-row run, and each full one
walked the ~85,000 objects that importing Ray, pyarrow and this package left behind. By
``gc.callbacks``, 0.37-0.44 s of collector time in a one-core run's worker. After
:func:`tune_gc` (those objects frozen, out of every collection; a young collection every
50,000 allocations) almost none run. Memory held by garbage in reference cycles (rare here:
rows are freed by reference counting) waits a little longer to be freed.

Why pandas: pyarrow imports it (~0.25 s of CPU) the first time a process converts Python or
NumPy data to Arrow or back (``pa.array``, ``to_numpy``, and Ray's own pickling of a string
column, which passes a Python int to a compute function), only to ask whether the input is
a pandas object. The map, dedup and write tasks never use pandas, so each worker paid for
it once; on two CPUs there are two workers for the one of a one-core run. With pandas
unimportable, pyarrow finds none, as in an install without it, and remembers that (its C++
side caches the answer): so the block is only for processes in which pandas can never be
needed. The run marks them: a local runtime it starts for sources that need no Ray Data
(generators, embedded samples), whose workers run only this run's tasks (see
``pipeline.run``: the runtime ends with the run, or in the ``crossthink`` command with the
command, and no command uses Ray after its curation); and the premap helper. Anything that
did need pandas there would fail with an ImportError naming this module, never convert
differently.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

from crossthink_data._heap import keep_freed_memory

NO_PANDAS_ENV = "CROSSTHINK_TASKS_WITHOUT_PANDAS"
# Container allocations between two young collections in a task process (Python's: 700).
GC_YOUNG_THRESHOLD = 50_000

_tuned: list[bool] = []


def prepare_task_process() -> None:
    """Once per process (later calls return at once): see the module doc."""
    keep_freed_memory()
    tune_gc()
    if os.environ.get(NO_PANDAS_ENV) == "1":
        block_pandas()


def tune_gc() -> None:
    """Once per process: freeze the objects alive now (imports, Ray's set-up), so no
    collection walks them again, and collect the young generation every
    :data:`GC_YOUNG_THRESHOLD` container allocations (never less often than already set)."""
    if _tuned:
        return
    _tuned.append(True)
    gc.freeze()
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), *older)


def block_pandas() -> bool:
    """Make ``import pandas`` fail in this process from now on; False (and nothing done) if
    pandas is imported already."""
    if any(isinstance(f, _NoPandas) for f in sys.meta_path):
        return True
    if "pandas" in sys.modules:
        return False
    sys.meta_path.insert(0, _NoPandas())
    return True


class _NoPandas:
    """Import finder that fails ``import pandas`` (and its submodules)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(
                f"pandas is blocked in this curation task process ({NO_PANDAS_ENV}=1; "
                "see crossthink_data._process)"
            )
        return None
