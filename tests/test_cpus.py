"""The usable CPU count: affinity mask, cgroup quota (v1 and v2) and core count."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossthink_data import _cpus


def _v2(root: Path, text: str) -> Path:
    (root / "cpu.max").write_text(text)
    return root


def _v1(root: Path, quota: int, period: int) -> Path:
    (root / "cpu").mkdir()
    (root / "cpu" / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (root / "cpu" / "cpu.cfs_period_us").write_text(f"{period}\n")
    return root


@pytest.fixture
def many_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200000 100000\n", 2),  # 2 CPUs
        ("150000 100000\n", 2),  # 1.5 rounds up
        ("50000 100000\n", 1),  # half a CPU still gets one
        ("max 100000\n", 64),  # no quota
    ],
)
def test_cgroup_v2_quota(tmp_path: Path, many_cores: None, text: str, expected: int) -> None:
    assert _cpus.usable_cpus(_v2(tmp_path, text)) == expected


def test_cgroup_v1_quota(tmp_path: Path, many_cores: None) -> None:
    assert _cpus.usable_cpus(_v1(tmp_path, 300000, 100000)) == 3


def test_cgroup_v1_unlimited(tmp_path: Path, many_cores: None) -> None:
    assert _cpus._quota(_v1(tmp_path, -1, 100000)) is None
    assert _cpus.usable_cpus(tmp_path) == 64


def test_no_cgroup_files_means_no_quota(tmp_path: Path, many_cores: None) -> None:
    assert _cpus._quota(tmp_path) is None
    assert _cpus.usable_cpus(tmp_path) == 64


def test_malformed_quota_is_ignored(tmp_path: Path, many_cores: None) -> None:
    assert _cpus.usable_cpus(_v2(tmp_path, "garbage\n")) == 64


def test_affinity_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert _cpus.usable_cpus(tmp_path) == 1


def test_unknown_core_count_is_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert _cpus.usable_cpus(tmp_path) == 1


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux affinity API")
def test_this_process() -> None:
    assert 1 <= _cpus.usable_cpus() <= len(os.sched_getaffinity(0))
