"""Per-process set-up of the processes that run curation tasks (Ray workers, premap helper).

:func:`prepare_task_process` runs at the start of every task. It keeps freed heap memory
for reuse (:mod:`._heap`) and, in a process marked with :data:`NO_PANDAS_ENV`, makes
``import pandas`` fail (:func:`block_pandas`).

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
command, and no command uses Ray after its curation); and the premap helper. Anything that did need pandas there would fail
with an ImportError naming this module, never convert differently.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from crossthink_data._heap import keep_freed_memory

NO_PANDAS_ENV = "CROSSTHINK_TASKS_WITHOUT_PANDAS"


def prepare_task_process() -> None:
    """Once per process (later calls return at once): see the module doc."""
    keep_freed_memory()
    if os.environ.get(NO_PANDAS_ENV) == "1":
        block_pandas()


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
