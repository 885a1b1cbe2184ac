"""The helper that maps blocks while Ray starts (``pipeline.premap``): its blocks are the
blocks Ray would have made, it stops when told, and a run that uses it writes the same files."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from crossthink_data.pipeline.config import default_config
from crossthink_data.pipeline.premap import _TASKS, PreMapper, _serve, can_fork
from crossthink_data.pipeline.stages import MapSettings, map_and_partition
from crossthink_data.sources import SourceSpec

SPEC = SourceSpec(name="procedural", rows=1_500)


def _common() -> dict[str, Any]:
    cfg = default_config()
    settings = MapSettings(
        verifiability=cfg.verifiability.model_dump(),
        minhash=cfg.dedup.minhash_config(),
        seed=cfg.seed,
        sample_rate=cfg.sample_rate,
    )
    return {"settings": settings, "batch_size": 500, "num_parts": 2, "near": True}


def _tasks() -> list[tuple[Any, dict[str, Any]]]:
    return [
        ((0, i), {"blocks": [(s, s + 500)], "source_name": "procedural", "spec": SPEC})
        for i, s in enumerate(range(0, 1_500, 500))
    ]


def _without_rids(t: Any) -> Any:
    # ``_rid`` is random on purpose (ties between identical rows only, never output)
    return t.drop_columns(["_rid"]) if "_rid" in t.column_names else t


def test_helper_blocks_equal_in_process_blocks() -> None:
    common = _common()
    pm = PreMapper(_tasks(), common).start()
    try:
        pm.join(timeout=120)
        done = pm.freeze()
        assert done == {key for key, _ in _tasks()}
        for key, kw in _tasks():
            got = pm.load(key)
            assert got is not None
            want = map_and_partition(*kw["blocks"], source_name="procedural", spec=SPEC, **common)
            assert len(got) == len(want) == 2 + 2 * 2
            assert got[1] == want[1]  # (alive, rejects) counts
            for g, w in zip(got[2:], want[2:], strict=True):
                assert _without_rids(g).equals(_without_rids(w))
            assert _without_rids(got[0]).equals(_without_rids(want[0]))
            assert pm.load(key) is None  # each block is handed over once
    finally:
        pm.close()


def test_fork_only_while_this_process_runs_one_thread() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert not PreMapper(_tasks(), _common())._fork
    finally:
        stop.set()
        other.join()


# In a fresh interpreter, single-threaded as the ``crossthink`` command is when it starts
# the helper: the helper is a fork; its blocks are the in-process blocks, and its failure
# is reported like a spawned helper's.
_FORK_SCRIPT = """
import logging, sys
from crossthink_data.pipeline.config import default_config
from crossthink_data.pipeline.premap import PreMapper, _Forked
from crossthink_data.pipeline.stages import MapSettings
from crossthink_data.sources import SourceSpec

spec = SourceSpec(name="procedural", rows=1_000)
cfg = default_config()
common = {
    "settings": MapSettings(verifiability=cfg.verifiability.model_dump(),
                            minhash=cfg.dedup.minhash_config(), seed=cfg.seed),
    "batch_size": 500, "num_parts": 2, "near": True,
}
tasks = [((0, i), {"blocks": [(s, s + 500)], "source_name": "procedural", "spec": spec})
         for i, s in enumerate((0, 500))]
bad = ((0, 9), {"blocks": [(0, 10)], "source_name": "no_such_source", "spec": spec})
pm = PreMapper(tasks, common).start()
failing = PreMapper([bad], common).start()
assert isinstance(pm._proc, _Forked) and isinstance(failing._proc, _Forked)
pm.join(timeout=120)
failing.join(timeout=120)
assert pm.freeze() == {k for k, _ in tasks} and pm._proc.returncode == 0
logging.basicConfig(stream=sys.stdout)
assert failing.freeze() == set() and failing._proc.returncode == 1
failing.close()

from crossthink_data.pipeline.stages import map_and_partition
for key, kw in tasks:
    got = pm.load(key)
    want = map_and_partition(*kw["blocks"], source_name="procedural", spec=spec, **common)
    assert got[1] == want[1]
    for g, w in zip(got[2:], want[2:], strict=True):
        assert g.drop_columns(["_rid"]).equals(w.drop_columns(["_rid"]))
    assert got[0].drop_columns(["_rid"]).equals(want[0].drop_columns(["_rid"]))
pm.close()
print("ok")
"""


def test_forked_helper_maps_the_same_blocks_and_reports_failure() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "the helper failed" in proc.stdout and "no_such_source" in proc.stdout
    assert proc.stdout.strip().endswith("ok")


def test_helper_that_cannot_start_leaves_every_task_to_ray(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    pm = PreMapper(_tasks(), _common(), fork=True).start()
    try:
        assert pm._proc is None and pm.freeze() == set()
        assert "cannot start the helper" in caplog.text
    finally:
        pm.close()


def test_freeze_stops_the_helper_and_close_removes_its_files() -> None:
    tasks = [
        ((0, i), {"blocks": [(s, s + 500)], "source_name": "procedural", "spec": SPEC})
        for i, s in enumerate(range(0, 50_000, 500))
    ]
    pm = PreMapper(tasks, _common()).start()
    workdir = pm._dir
    assert workdir is not None and (workdir / _TASKS).exists()
    done = pm.freeze()  # at once: the helper is still importing
    assert pm._proc is not None and pm._proc.returncode is not None
    assert done <= {key for key, _ in tasks}
    assert len(tasks) > 32 and len(pm._tasks) == 32  # the helper gets at most MAX_TASKS
    assert pm.freeze() == done  # idempotent
    pm.close()
    assert not workdir.exists()
    assert pm.load((0, 0)) is None


def test_unreadable_block_is_left_to_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    pm = PreMapper(_tasks()[:1], _common()).start()
    try:
        pm.join(timeout=120)
        (key,) = pm.freeze()
        assert pm._dir is not None
        (pm._dir / "0.pkl").write_bytes(b"not a pickle")
        assert pm.load(key) is None
        assert "Ray maps that block" in caplog.text
    finally:
        pm.close()


def test_helper_stops_when_its_driver_is_gone(tmp_path: Path) -> None:
    with open(tmp_path / _TASKS, "wb") as fh:
        pickle.dump((_common(), [kw for _, kw in _tasks()]), fh)
    _serve(tmp_path, parent=-1)  # not our parent: returns before mapping anything
    assert sorted(p.name for p in tmp_path.iterdir()) == [_TASKS]


def test_no_tasks_no_helper() -> None:
    pm = PreMapper([], _common()).start()
    assert pm._proc is None and pm.freeze() == set()
    pm.close()


@pytest.mark.ray
def test_run_with_helper_writes_the_same_files(ray_local: str, tmp_path: Path) -> None:
    """A fresh 2-CPU runtime in another process, where the helper maps blocks while Ray
    starts, writes the files an in-process run (no helper: Ray is already up) writes."""
    pytest.importorskip("ray")
    from crossthink_data.pipeline import run_curation
    from crossthink_data.sources import SourceSpec as Spec

    cfg = default_config()
    sources = [s for s in cfg.sources if s.name != "procedural"]
    cfg = cfg.model_copy(update={"sources": [*sources, Spec(name="procedural", rows=20_000)]})
    ref = run_curation(cfg, tmp_path / "ref", quiet=True)
    assert ref["runtime"]["premapped_blocks"] == 0
    out = tmp_path / "helper"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crossthink_data.cli.main",
            "curate",
            "--procedural-rows",
            "20000",
            "--num-cpus",
            "2",
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runtime"]["premapped_blocks"] > 0
    assert manifest["content_hash"] == ref["content_hash"]
    files = sorted(p.relative_to(out) for p in out.rglob("*.parquet"))
    assert files == sorted(
        p.relative_to(tmp_path / "ref") for p in (tmp_path / "ref").rglob("*.parquet")
    )
    for f in files:
        assert (out / f).read_bytes() == (tmp_path / "ref" / f).read_bytes()


def test_failing_helper_is_reported_and_leaves_its_tasks(caplog: pytest.LogCaptureFixture) -> None:
    bad = ((0, 9), {"blocks": [(0, 10)], "source_name": "no_such_source", "spec": SPEC})
    pm = PreMapper([*_tasks()[:1], bad], _common()).start()  # the helper starts at the end
    try:
        pm.join(timeout=120)
        assert pm.freeze() == set()
        assert "the helper failed" in caplog.text and "no_such_source" in caplog.text
    finally:
        pm.close()


def test_map_task_block_drops_the_keys_its_partitions_carry() -> None:
    """The mapped block goes to the object store without the dedup keys (exact keys, LSH
    bands) that already travel in its partitions; what later stages read stays."""
    (_, kw), *_ = _tasks()
    out = map_and_partition(*kw["blocks"], source_name="procedural", spec=SPEC, **_common())
    block, counts, *parts = out
    assert not {"_xk1", "_xk2", "_bands"} & set(block.column_names)
    assert {"_sig", "_uh", "_digest", "_rid", "_stage"} <= set(block.column_names)
    alive = counts[0]
    assert alive > 0
    assert sum(p.num_rows for p in parts[:2]) == alive  # exact keys: one per alive row
    assert sum(p.num_rows for p in parts[2:]) > alive  # bands: several per alive row
