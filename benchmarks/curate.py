"""Curation throughput, CPU scaling and peak memory of ``crossthink curate``.

Runs the real command (``python -m crossthink_data.cli.main curate``) in a subprocess with a
fresh local Ray runtime, on 1 and on 2 CPUs, timed with nothing else running; then once more
per setting while sampling the memory of the whole process tree (driver + Ray workers +
raylet/GCS) from /proc: the sum of RSS (counts the shared-memory object store once per
process that maps it) and the sum of PSS (counts it once). The sampler takes ~6% of a core,
which on busy cores would slow the run it measures, so it stays out of the timed runs.
Prints one table of figures.

    python benchmarks/curate.py [--rows 200000] [--cpus 1 2] [--no-pin] [--repeat 3]
                                [--object-store-mb MB]

"1 CPU" is measured two ways: Ray given ``--num-cpus 1`` on this machine (its system
processes, the driver and the object store still use the other core), and the whole process
tree pinned to one core with ``sched_setaffinity`` (a one-core machine). Speed-ups are
printed against both, for the whole command (wall) and for the work after Ray is up, with
the most the run could gain on wall time with the CPU it spent (every core busy throughout;
the machine's busy time is read from /proc/stat), and the idle core-seconds left. On 2+
CPUs the run maps some blocks while Ray starts (``pipeline.premap``): they count in its wall
time and CPU, not in its work after Ray start. This machine is a VM whose speed varies from
run to run (steal time, and how much of two cores its host gives at once), so with
``--repeat N`` every setting runs N times, interleaved, and each figure is the median of its
runs (with the range); the speed-up is also given as the median of the ratios taken within
each round. What the VM gives two processes at once (the parallel ceiling) is measured once
per round, next to the runs, for three kinds of work: CPU-bound (an interpreter loop, like
most of the map), memory copies (bandwidth) and first touches of fresh pages (page faults),
since the two cores share one memory system. The seconds of each step of the run (the
manifest's timings) and their speed-ups show which kind of work holds the whole command
back.

Before the runs the package's bytecode is brought up to date (``compileall``), so the command
runs as it does from a wheel (pip compiles on install). An editable install in an
environment with ``PYTHONDONTWRITEBYTECODE`` set, as on this machine, never caches it: every
process that imports the package (the driver and each Ray worker) would compile its source
again, ~0.1 s each, on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _proc_table() -> dict[int, tuple[int, int]]:
    """``{pid: (ppid, rss_bytes)}`` from /proc (psutil is not required)."""
    out: dict[int, tuple[int, int]] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(")") + 2 :].split()
            ppid, rss_pages = int(fields[1]), int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
        out[int(entry)] = (ppid, rss_pages * page)
    return out


def _pss(pid: int) -> int:
    """Proportional set size: shared pages (Ray's object store) counted once overall."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _cpu_ticks() -> tuple[int, int]:
    """(busy, idle) clock ticks of the whole machine from /proc/stat."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, idle


def _tree_mem(root: int, with_pss: bool = True) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) of ``root`` and its descendants (driver, raylet, GCS,
    workers). RSS double-counts the shared object store; PSS does not (0 unless
    ``with_pss``: reading PSS walks every mapping, ~20 ms of CPU per sample)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        rss += table.get(pid, (0, 0))[1]
        pss += _pss(pid) if with_pss else 0
        stack.extend(children.get(pid, []))
    return rss, pss


def run_once(
    rows: int,
    cpus: int,
    out: Path,
    pin: bool = False,
    store_mb: int | None = None,
    memory: bool = False,
) -> dict[str, float | int | str]:
    """One ``crossthink curate`` run; with ``memory``, its process tree's memory is sampled
    meanwhile (the sampler's CPU, ~6% of a core, would skew a timed run on busy cores)."""
    cmd = [
        sys.executable,
        "-m",
        "crossthink_data.cli.main",
        "curate",
        "--procedural-rows",
        str(rows),
        "--out",
        str(out),
        "--num-cpus",
        str(cpus),
        "--quiet",
        *(["--object-store-mb", str(store_mb)] if store_mb else []),
    ]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    busy0, _ = _cpu_ticks()
    t0 = time.perf_counter()
    cores = sorted(os.sched_getaffinity(0))[:cpus]

    def pin_cores() -> None:  # runs in the child before exec; Ray's processes inherit it
        os.sched_setaffinity(0, cores)

    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=pin_cores if pin else None,
    )
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        # RSS every 0.2 s (~1 ms of CPU a sample), PSS every 0.6 s (~33 ms a sample: the
        # kernel walks every mapping, the object store's included).
        nonlocal peak, peak_pss
        tick = 0
        while not done.is_set():
            rss, pss = _tree_mem(proc.pid, with_pss=tick % 3 == 0)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            tick += 1
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    if memory:
        th.start()
    stdout, stderr = proc.communicate()
    done.set()
    if memory:
        th.join()
    wall = time.perf_counter() - t0
    busy_s = (_cpu_ticks()[0] - busy0) / os.sysconf("SC_CLK_TCK")
    if proc.returncode != 0:
        raise SystemExit(f"curate failed (rc={proc.returncode}):\n{stderr[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    upstream = sum(s["upstream_rows"] for s in manifest["sources"])
    return {
        "cpus": f"{cpus}{' pinned' if pin else ''}",
        "upstream_rows": upstream,
        "curated_rows": manifest["rows"],
        "wall_s": round(wall, 2),
        "rows_per_s": round(upstream / wall),
        "pipeline_s": manifest["timings"]["total"],
        "ray_init_s": manifest["timings"]["ray_init"],
        # CPU the machine spent while the run lasted (it is otherwise idle; with ``memory``
        # this includes the sampler's)
        "busy_core_s": round(busy_s, 2),
        "premapped_blocks": manifest["runtime"].get("premapped_blocks", 0),
        "peak_rss_sum_gb": round(peak / 2**30, 2),
        "peak_pss_gb": round(peak_pss / 2**30, 2),
        "content_hash": manifest["content_hash"][:16],
        "timings": json.dumps(manifest["timings"]),
    }


def _spin() -> float:
    """CPU-bound: an interpreter loop (the kind of work the map tasks mostly are)."""
    t0 = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - t0


def _copy() -> float:
    """Memory-bandwidth-bound: copy a 64 MiB buffer into another, 60 times, both buffers
    touched first (the copies of blocks into and out of the object store, the sorts, the
    parquet encoding)."""
    import numpy as np

    src = np.ones(64 * 2**20, np.uint8)
    dst = src.copy()
    t0 = time.perf_counter()
    for _ in range(60):
        np.copyto(dst, src)
    return time.perf_counter() - t0


def _fresh_pages() -> float:
    """Page-fault-bound: map 64 MiB, write one byte per 4 KiB page, unmap; 8 times (the
    kernel zeroes each page on its first touch, as for a task's new buffers and the object
    store's pages a process touches for the first time)."""
    import mmap

    import numpy as np

    t0 = time.perf_counter()
    for _ in range(8):
        m = mmap.mmap(-1, 64 * 2**20)
        a = np.frombuffer(m, np.uint8)
        a[::4096] = 1
        del a
        m.close()
    return time.perf_counter() - t0


# What the machine gives ``n`` processes of each kind of work at once, relative to one.
CEILING_WORK = {"CPU": _spin, "memory copies": _copy, "fresh pages": _fresh_pages}


def _timed_work(work: Any, out: Any) -> None:
    """Run ``work`` in this (child) process and report the seconds it timed itself: process
    start-up and set-up, which vary more than the work on this VM, stay out of the figure."""
    out.put(work())


def parallel_ceiling(n: int = 2, work: Any = _spin) -> float:
    """Throughput of ``n`` processes doing ``work`` at once relative to one (best of 2 each,
    timed inside the processes): what this machine can give a perfectly parallel job of that
    kind (a VM may deliver less than ``n`` full cores, and its cores share the memory
    system)."""
    import multiprocessing as mp

    def timed(k: int) -> float:
        out: Any = mp.Queue()
        procs = [mp.Process(target=_timed_work, args=(work, out)) for _ in range(k)]
        for p in procs:
            p.start()
        seconds = [out.get() for _ in procs]
        for p in procs:
            p.join()
        return float(max(seconds))

    one = min(timed(1) for _ in range(2))
    many = min(timed(n) for _ in range(2))
    return n * one / many


def compile_package() -> int:
    """Write the package's missing or stale ``.pyc`` files (see the module docstring); returns
    how many modules were compiled now."""
    import compileall

    import crossthink_data

    root = Path(crossthink_data.__file__).parent
    before = {p: p.stat().st_mtime_ns for p in root.rglob("__pycache__/*.pyc")}
    if not compileall.compile_dir(str(root), quiet=1):  # e.g. a read-only install
        print(f"warning: could not compile every module under {root}", file=sys.stderr)
    after = {p: p.stat().st_mtime_ns for p in root.rglob("__pycache__/*.pyc")}
    return sum(1 for p, t in after.items() if before.get(p) != t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--cpus", type=int, nargs="+", default=[1, 2])
    ap.add_argument(
        "--no-pin", action="store_true", help="skip the runs pinned to fewer cores than exist"
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per setting (median reported)")
    ap.add_argument(
        "--object-store-mb",
        type=int,
        default=None,
        help="cap the local object store (blocks beyond it spill to disk): bounded memory",
    )
    args = ap.parse_args()
    print(f"bytecode: {compile_package()} of the package's modules compiled now", flush=True)
    ncores = len(os.sched_getaffinity(0))
    runs = [(c, False) for c in args.cpus]
    if not args.no_pin:
        runs += [(c, True) for c in args.cpus if c < ncores]
    samples: dict[tuple[int, bool], list[dict[str, float | int | str]]] = {k: [] for k in runs}
    mem: dict[tuple[int, bool], dict[str, float | int | str]] = {}
    top_cpus = max(args.cpus)
    # What the VM gives two processes drifts within minutes on this machine, so it is
    # measured once per round, next to the round's runs, for each kind of work.
    ceilings: dict[str, list[float]] = {kind: [] for kind in CEILING_WORK}
    with tempfile.TemporaryDirectory() as tmp:
        # Timed runs first (no sampler), then one memory run per setting.
        for i in range(max(1, args.repeat) + 1):
            for c, pin in runs:
                r = run_once(
                    args.rows,
                    c,
                    Path(tmp) / f"cpu{c}{pin}",
                    pin=pin,
                    store_mb=args.object_store_mb,
                    memory=i == max(1, args.repeat),
                )
                if i < max(1, args.repeat):
                    samples[(c, pin)].append(r)
                else:
                    mem[(c, pin)] = r
                print(json.dumps(r), flush=True)
            if i < max(1, args.repeat) and top_cpus > 1:
                for kind, work in CEILING_WORK.items():
                    ceilings[kind].append(parallel_ceiling(top_cpus, work))
    results = []
    for key in runs:
        # Each figure is the median of its own runs (wall, and the work after Ray is up, vary
        # separately on this VM), with its range.
        rs = samples[key]
        for r in rs:
            r["work_s"] = round(float(r["pipeline_s"]) - float(r["ray_init_s"]), 2)
            r["fixed_s"] = round(float(r["wall_s"]) - float(r["work_s"]), 2)
        summary = dict(sorted(rs, key=lambda r: float(r["wall_s"]))[len(rs) // 2])
        for name in ("wall_s", "work_s", "fixed_s", "ray_init_s", "busy_core_s"):
            vals = sorted(float(r[name]) for r in rs)
            summary[name] = round(_median(vals), 2)
            summary[name + "_range"] = f"{vals[0]:.2f}-{vals[-1]:.2f}"
        summary["rows_per_s"] = round(float(summary["upstream_rows"]) / float(summary["wall_s"]))
        summary["peak_pss_gb"] = mem[key]["peak_pss_gb"]
        summary["peak_rss_sum_gb"] = mem[key]["peak_rss_sum_gb"]
        results.append(summary)
    print(
        "\nmedians (range) per setting; work = after Ray is up; fixed = the rest (process "
        "start, Ray start, shutdown; on 2+ CPUs also the blocks mapped while Ray starts); "
        "cpu = core-seconds the machine spent; memory = peak of one more run per setting, "
        "sampled (~6% of a core, so not in the timed runs)"
    )
    print(
        "cpus        upstream_rows  wall_s (range)       rows/s  work_s (range)       "
        "fixed_s (range)      cpu_s  premap  rssΣ_GB  pss_GB  hash"
    )
    for r in results:
        print(
            f"{r['cpus']:<10}  {r['upstream_rows']:>13}  {r['wall_s']:>6} ({r['wall_s_range']:>11})"
            f"  {r['rows_per_s']:>6}  {r['work_s']:>6} ({r['work_s_range']:>11})  "
            f"{r['fixed_s']:>6} ({r['fixed_s_range']:>11})  {r['busy_core_s']:>5}  "
            f"{r['premapped_blocks']:>6}  {r['peak_rss_sum_gb']:>7}  {r['peak_pss_gb']:>6}  "
            f"{r['content_hash']}"
        )
    by = {str(r["cpus"]): r for r in results}
    top = by.get(str(top_cpus))
    for one in ("1", "1 pinned"):
        if top is None or one not in by or top is by[one]:
            continue
        a, b = by[one], top
        wa, wb = float(a["work_s"]), float(b["work_s"])
        # The most this run could gain on wall time with the CPU it spent: every core busy
        # from start to end (no idle core while Ray starts, between task waves, at shutdown).
        bound = float(a["wall_s"]) / (float(b["busy_core_s"]) / top_cpus)
        note = (
            f" (its {b['premapped_blocks']} blocks mapped while Ray started are not in this work)"
            if b["premapped_blocks"]
            else ""
        )
        print(
            f"speed-up {one} -> {b['cpus']} CPUs: {float(a['wall_s']) / float(b['wall_s']):.2f}x "
            f"wall (at most {bound:.2f}x with no idle core), {wa / wb:.2f}x on the work after "
            f"Ray start{note}"
        )
        # The same ratio taken within each round (the two runs minutes apart at most), which
        # the VM's drift between rounds does not move.
        pin_one = one == "1 pinned"
        rounds = [
            float(x["wall_s"]) / float(y["wall_s"])
            for x, y in zip(samples[(1, pin_one)], samples[(top_cpus, False)], strict=True)
        ]
        if len(rounds) > 1:
            print(
                f"  within each round: median {_median(rounds):.2f}x "
                f"({min(rounds):.2f}x-{max(rounds):.2f}x over {len(rounds)} rounds)"
            )
    if top is not None and top_cpus > 1:
        idle = top_cpus * float(top["wall_s"]) - float(top["busy_core_s"])
        print(
            f"idle CPU in the {top_cpus}-CPU run: {idle:.2f} core-s of "
            f"{top_cpus * float(top['wall_s']):.2f}"
        )
        _print_phases(samples, runs, top_cpus)
        print(
            f"parallel ceiling of this machine for {top_cpus} processes (median of one per "
            "round, range): "
            + ", ".join(
                f"{_median(v):.2f}x {kind} ({min(v):.2f}x-{max(v):.2f}x)"
                for kind, v in ceilings.items()
                if v
            )
        )
    hashes = {r["content_hash"] for runs_ in samples.values() for r in runs_}
    hashes |= {r["content_hash"] for r in mem.values()}
    print(f"same content hash on every run: {len(hashes) == 1}")
    return 0


def _print_phases(
    samples: dict[tuple[int, bool], list[dict[str, float | int | str]]],
    runs: list[tuple[int, bool]],
    top_cpus: int,
) -> None:
    """Median seconds of each step of the run (the manifest's timings) per setting, and the
    speed-up of each step: the map scales with the CPUs, the steps that mostly move memory
    (dedup reduces, the last pass) with what the memory system gives."""
    steps = ("ray_init", "map", "exact_dedup", "near_dedup", "write")
    med: dict[tuple[int, bool], dict[str, float]] = {}
    for key in runs:
        tms = [json.loads(str(r["timings"])) for r in samples[key]]
        med[key] = {s: _median([float(t.get(s, 0.0)) for t in tms]) for s in steps}
    print("step seconds (median): " + ", ".join(steps))
    for (c, pin), m in med.items():
        label = f"{c}{' pinned' if pin else ''}"
        print(f"  {label:<10} " + "  ".join(f"{m[s]:6.2f}" for s in steps))
    # Against the one-core machine when it was measured, else against Ray given one CPU.
    one = (1, True) if (1, True) in med else (1, False)
    base, top = med.get(one), med.get((top_cpus, False))
    if base and top:
        print(
            f"  speed-up {one[0]}{' pinned' if one[1] else ''} -> {top_cpus}: "
            + "  ".join(f"{base[s] / top[s]:5.2f}x" if top[s] > 0 else "     - " for s in steps)
            + "  (map: not counting the blocks the helper mapped during ray_init)"
        )


def _median(values: list[float]) -> float:
    vals = sorted(values)
    return vals[len(vals) // 2]


if __name__ == "__main__":
    sys.exit(main())
