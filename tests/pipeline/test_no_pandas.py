"""Curation task processes without pandas (``crossthink_data._process``): pyarrow works the
same with pandas blocked, the block is only set where the run marks it, and a marked local
runtime's workers really have none. Each check runs in a fresh interpreter (a block, once
set, stays for the process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def _python(script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )


_BLOCKED = """
import json, pickle, sys
import numpy as np, pyarrow as pa, pyarrow.compute as pc
from crossthink_data import _process
assert _process.block_pandas() and _process.block_pandas()  # idempotent
out = {}
arr = pa.array([1, 2, None])  # type inference: pyarrow probes for pandas here
out["inferred"] = str(arr.type)
out["to_numpy"] = pa.array(np.arange(4)).to_numpy(zero_copy_only=False).tolist()
out["subtract"] = pc.subtract(pa.array([5, 6], pa.int32()), 5).to_pylist()
t = pa.table({"s": pa.array(["a", "bc"]).slice(1)})
out["pickle"] = pickle.loads(pickle.dumps(t)).column("s").to_pylist()
try:
    import pandas  # noqa: F401
    out["import"] = "imported"
except ImportError as exc:
    out["import"] = str(exc)
out["pandas_loaded"] = "pandas" in sys.modules
print(json.dumps(out))
"""


def test_pyarrow_works_the_same_with_pandas_blocked() -> None:
    proc = _python(_BLOCKED)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["inferred"] == "int64"
    assert out["to_numpy"] == [0, 1, 2, 3]
    assert out["subtract"] == [0, 1]
    assert out["pickle"] == ["bc"]
    assert "CROSSTHINK_TASKS_WITHOUT_PANDAS" in out["import"]
    assert out["pandas_loaded"] is False


def test_no_block_once_pandas_is_imported_or_unmarked() -> None:
    script = """
import os, sys
import pandas
from crossthink_data import _process
assert _process.block_pandas() is False
os.environ.pop(_process.NO_PANDAS_ENV, None)
_process.prepare_task_process()
print(sum(type(f).__name__ == "_NoPandas" for f in sys.meta_path))
"""
    proc = _python(script)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "0"


_WORKERS = """
import json, os, sys, ray
from crossthink_data._process import NO_PANDAS_ENV
from crossthink_data.pipeline.runtime import ray_session

@ray.remote
def task():
    import pyarrow as pa
    from crossthink_data._process import prepare_task_process
    prepare_task_process()
    pa.array([1, 2])
    return "pandas" in sys.modules, pa.table({"s": ["x", "y"]}).slice(1)

with ray_session(num_cpus=1, warm_data=False, worker_env={NO_PANDAS_ENV: "1"}):
    loaded, table = ray.get(task.remote())
print(json.dumps([loaded, table.column("s").to_pylist(), NO_PANDAS_ENV in os.environ]))
"""


def test_marked_local_runtime_workers_have_no_pandas() -> None:
    """The worker (and Ray's pickling of its string result) runs without pandas; the
    marker reaches the runtime's processes, not the calling process's environment."""
    proc = _python(_WORKERS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [False, ["y"], False]


class _Captured(Exception):
    pass


@pytest.mark.parametrize("with_file_source", [False, True])
def test_run_marks_workers_only_without_ray_data_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, with_file_source: bool
) -> None:
    """Ray Data (file and Hub sources) may use pandas in the same workers: a run with such a
    source leaves its runtime unmarked. Checked on the arguments the run gives
    ``ray_session``, which is stopped there."""
    from crossthink_data._process import NO_PANDAS_ENV
    from crossthink_data.pipeline import default_config
    from crossthink_data.pipeline import run as run_mod
    from crossthink_data.pipeline.config import CurationConfig
    from crossthink_data.sources.base import SourceSpec

    seen: dict[str, Any] = {}

    @contextmanager
    def fake_session(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        raise _Captured
        yield  # pragma: no cover

    monkeypatch.setattr(run_mod, "ray_session", fake_session)
    config = default_config()
    if with_file_source:
        path = tmp_path / "rows.jsonl"
        path.write_text(json.dumps({"question": "What is 2 + 3?", "answer": "5"}) + "\n")
        config = CurationConfig(sources=[SourceSpec(name="local", data_files=str(path))])
    with pytest.raises(_Captured):
        run_mod.run_curation(config, tmp_path / "out", quiet=True)
    assert seen["worker_env"] == ({} if with_file_source else {NO_PANDAS_ENV: "1"})
