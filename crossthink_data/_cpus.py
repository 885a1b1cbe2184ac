"""How many CPUs this process may use: the default size of worker pools and local Ray.

``os.cpu_count()`` counts the machine's cores, not the ones this process may run on: in a
container limited to 2 CPUs on a 64-core host, or under ``taskset``, it says 64, and a
local runtime sized from it starts 64 workers that share 2 cores. The usable count is the
smallest of the cores in this process's affinity mask, the cgroup CPU quota (v2
``cpu.max``, v1 ``cpu.cfs_quota_us``; a fractional quota rounds up, so 1.5 CPUs gives 2),
and the core count; at least 1.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def _quota(root: Path = _CGROUP_ROOT) -> float | None:
    """The cgroup CPU quota in CPUs, or None when there is none (or no cgroup fs)."""
    try:
        text = (root / "cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        if text:
            return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            return quota / period
    except (OSError, ValueError):
        pass
    return None


def usable_cpus(root: Path = _CGROUP_ROOT) -> int:
    """CPUs this process may use (see the module doc)."""
    counts = [os.cpu_count() or 1]
    if hasattr(os, "sched_getaffinity"):
        counts.append(len(os.sched_getaffinity(0)))
    quota = _quota(root)
    if quota is not None:
        counts.append(math.ceil(quota))
    return max(1, min(counts))
