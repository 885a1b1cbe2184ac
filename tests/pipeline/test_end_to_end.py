"""End to end on local Ray with the real embedded sources and filters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray")
import pyarrow.parquet as pq

from crossthink_data.pipeline import (
    CuratedDirError,
    content_hash,
    default_config,
    read_curated,
    run_curation,
)
from crossthink_data.pipeline.config import embedded_source_names
from crossthink_data.pipeline.io import read_rejects
from crossthink_data.records import COLUMNS, arrow_schema

pytestmark = [pytest.mark.ray]

STAGES = ["source", "verifiable", "exact_dedup", "near_dedup", "decontam"]


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*.parquet"))}


def test_counts_columns_and_reasons(embedded_run: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = embedded_run
    table, m2 = read_curated(out)
    assert m2["content_hash"] == manifest["content_hash"]
    assert table.schema.equals(arrow_schema())
    assert table.column_names == list(COLUMNS)
    assert table.num_rows == manifest["rows"] > 0
    uids = table.column("uid").to_pylist()
    assert uids == sorted(uids) and len(set(uids)) == len(uids)
    assert content_hash(table) == manifest["content_hash"]

    stages = manifest["stages"]
    assert [s["name"] for s in stages] == STAGES
    for prev, nxt in zip(stages, stages[1:], strict=False):
        assert prev["rows_out"] == nxt["rows_in"]
    for s in stages[1:]:
        assert s["rows_in"] - s["rows_out"] == sum(s["dropped"].values())
    assert stages[-1]["rows_out"] == table.num_rows
    # The embedded samples contain planted bad rows, duplicates and benchmark leaks.
    for name in ("source", "verifiable", "exact_dedup", "decontam"):
        assert sum(next(s for s in stages if s["name"] == name)["dropped"].values()) > 0, name
    decontam = next(s for s in stages if s["name"] == "decontam")
    assert all(r.startswith("contaminated:") for r in decontam["dropped"])

    rejects = read_rejects(out)
    assert rejects.column_names == ["uid", "source", "stage", "reason", "row_json"]
    assert rejects.num_rows == manifest["rejects"]
    by_stage: dict[str, int] = {}
    for st in rejects.column("stage").to_pylist():
        by_stage[st] = by_stage.get(st, 0) + 1
    for s in stages:
        assert by_stage.get(s["name"], 0) == sum(s["dropped"].values()), s["name"]
    # One JSON form for every stage's rejects (the verifiability rejects were once compact).
    for rj in rejects.column("row_json").to_pylist():
        assert json.dumps(json.loads(rj), sort_keys=True, ensure_ascii=False) == rj, rj[:80]
    dup = [
        json.loads(r)
        for r, st in zip(
            rejects.column("row_json").to_pylist(), rejects.column("stage").to_pylist(), strict=True
        )
        if st == "exact_dedup"
    ]
    # The kept copy survives exact dedup: it is in the output or dropped by a later stage.
    later = {
        u
        for u, st in zip(
            rejects.column("uid").to_pylist(), rejects.column("stage").to_pylist(), strict=True
        )
        if st in ("near_dedup", "decontam")
    }
    assert dup and all(d["duplicate_of"] in set(uids) | later for d in dup)

    counts = manifest["counts"]
    for key in ("by_source", "by_domain", "by_template", "by_verifier"):
        assert sum(counts[key].values()) == table.num_rows
    labels = set(embedded_source_names()) - {"procedural"}
    assert set(counts["by_source"]) <= labels
    report = manifest["contamination"]["report"]
    assert set(report) == labels
    assert sum(n for per in report.values() for n in per.values()) == sum(
        decontam["dropped"].values()
    )
    assert manifest["code_version"]["crossthink_data"]
    assert {s["label"] for s in manifest["sources"]} == labels
    assert manifest["files"]["records"] == [
        {"path": "records/part-00000.parquet", "rows": table.num_rows}
    ]


def test_same_inputs_same_hash_and_files(
    embedded_run: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out1, m1 = embedded_run
    m2 = run_curation(default_config(), tmp_path / "run2", quiet=True)
    assert m2["content_hash"] == m1["content_hash"]
    assert m2["stages"] == m1["stages"]
    assert _files(out1) == _files(tmp_path / "run2")


def test_one_cpu_subprocess_matches(
    embedded_run: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """A fresh 1-CPU Ray runtime with a small object store, in another process, writes the
    same files. The process is pinned to one core and not told ``--num-cpus``: the runtime
    is sized to the CPUs it may use, not to the machine's (on Linux; else the flag)."""
    out1, m1 = embedded_run
    out = tmp_path / "cpu1"
    pin = hasattr(os, "sched_setaffinity")
    one_core = {min(os.sched_getaffinity(0))} if pin else set()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crossthink_data.cli.main",
            "curate",
            "--out",
            str(out),
            *([] if pin else ["--num-cpus", "1"]),
            "--object-store-mb",
            "300",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
        preexec_fn=(lambda: os.sched_setaffinity(0, one_core)) if pin else None,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr == ""  # --quiet: the summary only, no notices from Ray
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["content_hash"] == m1["content_hash"]
    assert _files(out) == _files(out1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runtime"]["num_cpus"] == 1
    assert manifest["runtime"]["premapped_blocks"] == 0  # one CPU: nothing is idle
    assert manifest["config"]["runtime"]["object_store_mb"] == 300  # a speed/memory knob only
    # And so every blend built from it: gpr_up is the same on 1 and 2 Ray CPUs.
    from crossthink_data.blends.build import build_blend

    b1 = build_blend("gpr_up", out, tmp_path / "hub1")
    b2 = build_blend("gpr_up", out1, tmp_path / "hub2")
    assert b1["content_hash"] == b2["content_hash"] and b1["rows"] > 0


def test_row_groups_and_compression_are_fixed(embedded_run: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = embedded_run
    meta = pq.ParquetFile(out / "records" / "part-00000.parquet").metadata
    size = manifest["config"]["output"]["row_group_size"]
    assert meta.num_row_groups == max(1, -(-manifest["rows"] // size))


def test_read_curated_errors(tmp_path: Path, embedded_run: tuple[Path, dict[str, Any]]) -> None:
    with pytest.raises(CuratedDirError, match="not found"):
        read_curated(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CuratedDirError, match="manifest.json"):
        read_curated(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(CuratedDirError, match="unreadable manifest"):
        read_curated(bad)
    out, manifest = embedded_run
    broken = tmp_path / "broken"
    (broken / "records").mkdir(parents=True)
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CuratedDirError, match="part-00000.parquet"):
        read_curated(broken)
