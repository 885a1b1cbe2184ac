"""``run_curation``: sources -> verifiability -> exact dedup -> near dedup -> decontam -> parquet.

Plan (one Ray Data pass per row-local step, narrow map/reduce for the global ones):

1. Resolve every source and call ``Source.read`` (which checks required columns and probes
   local files) for all specs *before* any work starts, so a schema error or unreadable file
   fails fast with the source, column or file named.
2. ``map_and_partition`` (one Ray task per read block group, id range of a generator, or
   slice of in-memory rows; over ``map_source_batch`` slices): upstream rows -> canonical
   rows, rejects, verifiability, exact key, MinHash band keys, row digest; then, on the fresh
   block, the shuffle-map side of both dedups (narrow key tables split by partition). The
   work blocks stay in the object store (spilling to disk) until the end. While a local
   runtime starts, a helper process maps the last tasks of the sources that need no Ray
   (:mod:`.premap`); the blocks it finished go to the object store instead.
3. Exact dedup and near dedup (:mod:`.dedup`): one reduce task per partition of the key
   tables; only the decisions (dropped row ids) reach the driver, then ``ray.put``.
4. One pass of plain Ray tasks over the same blocks (:mod:`.io`): apply the broadcast
   decisions and the decontamination index (built once on the driver, ``ray.put``) per block
   (:func:`.stages.apply_decisions`), split records by uid range and rejects by hash; one
   reduce task per part sorts and writes it; per-block counts are summed into the manifest.
   No second materialization: the work blocks are stored once and read twice after the map
   (candidate fetch for near dedup, final pass). Model-based stages (GPU actors, see :class:`.stages.ActorStage`) would be a
   Ray Data ``map_batches(..., num_gpus=)`` pass before this one.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crossthink_data._cpus import usable_cpus
from crossthink_data._optional import import_optional
from crossthink_data._process import NO_PANDAS_ENV, prepare_task_process
from crossthink_data.pipeline import dedup, io, manifest
from crossthink_data.pipeline.config import CurationConfig
from crossthink_data.pipeline.hashing import HASH_VERSION, combine
from crossthink_data.pipeline.premap import PreMapper
from crossthink_data.pipeline.runtime import (
    DropNotice,
    RuntimeInfo,
    ray_session,
    starts_local_runtime,
)
from crossthink_data.pipeline.stages import MapSettings, map_and_partition

log = logging.getLogger("crossthink_data.pipeline")


class _Clock:
    """Per-step timings plus a one-line progress message on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.timings: dict[str, float] = {}
        self.quiet = quiet

    def step(self, name: str, message: str = "") -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now
        if not self.quiet:
            print(
                f"[curate] {name}: {message} ({self.timings[name]:.1f}s)",
                file=sys.stderr,
                flush=True,
            )


def _resolve_specs(config: CurationConfig) -> list[tuple[Any, Any]]:
    """(spec, source) pairs with the config's default templates applied; unknown names fail."""
    from crossthink_data.sources import get_source

    out = []
    for spec in config.sources:
        source = get_source(spec.name)
        if spec.templates is None and config.templates is not None:
            wanted = [t for t in config.templates if t in source.supported_templates]
            if wanted:
                spec = spec.model_copy(update={"templates": wanted})
        source.validate_spec(spec)
        out.append((spec, source))
    return out


# Reads size their blocks from the upstream bytes, but a few bytes of upstream (a procedural
# row index) become a full record with keys: aim for blocks of a few thousand rows instead, so
# the map pass has enough tasks to keep every CPU busy and each task's memory stays small.
# (Ray Data decides read parallelism at execution time from the global DataContext, so it is
# set for the whole run and restored afterwards.)
_READ_MIN_BLOCK_BYTES = 32 * 1024


def _build_decontam(config: CurationConfig) -> Any:
    if not config.decontam.enabled:
        return None
    from crossthink_data.filters.benchmarks import DEFAULT_BENCHMARKS
    from crossthink_data.filters.decontam import DecontamIndex

    names = config.decontam.benchmarks or list(DEFAULT_BENCHMARKS)
    return DecontamIndex.build(
        names,
        n=config.decontam.n,
        source=config.decontam.loader,
        revisions=config.decontam.revisions,
    )


def run_curation(
    config: CurationConfig,
    out_dir: str | Path,
    ray_address: str | None = None,
    *,
    num_cpus: int | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Curate ``config`` into ``out_dir`` (layout in :mod:`.io`); returns the manifest."""
    out = Path(out_dir).resolve()
    clock = _Clock(quiet)
    specs = _resolve_specs(config)
    prepared: dict[str, Any] = {}
    settings = MapSettings(
        verifiability=config.verifiability.model_dump(),
        minhash=config.dedup.minhash_config() if config.dedup.near else None,
        seed=config.seed,
        sample_rate=config.sample_rate,
    )
    # Only sources read from files or the Hub go through Ray Data; generators and embedded
    # samples need neither its import nor its executor.
    local = [_plan_local(spec, source) for spec, source in specs]
    needs_data = not all(is_local for is_local, _ in local)
    if num_cpus is None and starts_local_runtime(ray_address):
        # Read once (affinity mask, cgroup quota): the premap decision and the runtime's
        # size must agree.
        num_cpus = usable_cpus()
    premapper = _start_premap(config, specs, local, settings, ray_address, num_cpus)

    def prepare() -> None:
        """Driver set-up that needs no Ray: runs while Ray starts (see ``ray_session``)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute  # the driver's dedup steps
        import pyarrow.parquet  # the output files

        from crossthink_data.pipeline import dedup, io, shuffle, stages  # noqa: F401

        # pyarrow imports pandas on its first array conversion (~0.2 s): have it happen
        # now rather than between two task waves, with every worker waiting.
        pa.array(np.zeros(1, np.uint64))
        prepared["index"] = _build_decontam(config)

    try:
        with ray_session(
            ray_address,
            num_cpus,
            warm_data=needs_data,
            prepare=prepare,
            object_store_mb=config.runtime.object_store_mb,
            worker_env={} if needs_data else {NO_PANDAS_ENV: "1"},
        ) as info:
            premapped = _take_premapped(premapper, config, info)
            clock.step(
                "ray_init",
                f"Ray at {info.address} ({info.num_cpus} CPUs)"
                + (f", {len(premapped)} blocks mapped meanwhile" if premapper else ""),
            )

            def go() -> dict[str, Any]:
                return _run(
                    config,
                    specs,
                    local,
                    settings,
                    (premapper, premapped),
                    out,
                    info,
                    clock,
                    prepared["index"],
                )

            if not needs_data:
                return go()
            ray = import_optional("ray", "curation")
            ctx = ray.data.DataContext.get_current()
            saved = (
                ctx.target_min_block_size,
                ctx.enable_progress_bars,
                ctx.enable_auto_log_stats,
            )
            ctx.target_min_block_size = min(saved[0], _READ_MIN_BLOCK_BYTES)
            ctx.enable_progress_bars = config.runtime.progress_bars and not quiet
            ctx.enable_auto_log_stats = False
            try:
                with _ray_data_console(quiet):
                    return go()
            finally:
                (
                    ctx.target_min_block_size,
                    ctx.enable_progress_bars,
                    ctx.enable_auto_log_stats,
                ) = saved
    finally:
        if premapper is not None:
            premapper.close()


# Ray Data logs to the console: INFO lines for each read it starts and ends, and a WARNING
# that progress bars are off (the run turns them off with ``--quiet`` or
# ``runtime.progress_bars: false``). With ``quiet`` its console shows warnings and errors
# only, and that notice never shows; its log file in Ray's session directory keeps all.
_BARS_OFF_NOTICE = "Progress bars disabled"


@contextmanager
def _ray_data_console(quiet: bool) -> Iterator[None]:
    """Ray Data's console handlers, for one run: no "progress bars disabled" notice, and
    with ``quiet`` nothing below WARNING (see above); restored afterwards."""
    consoles = [
        h
        for h in logging.getLogger("ray.data").handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]
    levels = [h.level for h in consoles]
    drop = DropNotice(_BARS_OFF_NOTICE)
    for h in consoles:
        h.addFilter(drop)
        if quiet:
            h.setLevel(max(h.level, logging.WARNING))
    try:
        yield
    finally:
        for h, level in zip(consoles, levels, strict=True):
            h.removeFilter(drop)
            h.setLevel(level)


def _parts(config: CurationConfig, num_cpus: int) -> int:
    """Shuffle partitions of the dedup key tables."""
    return config.runtime.num_partitions or max(2, num_cpus)


def _start_premap(
    config: CurationConfig,
    specs: list[tuple[Any, Any]],
    local: list[tuple[bool, Any]],
    settings: MapSettings,
    ray_address: str | None,
    num_cpus: int | None,
) -> PreMapper | None:
    """A :class:`.premap.PreMapper` over the tasks of the sources that need no Ray, when the
    run will start a local runtime with two or more CPUs (``num_cpus``; else None)."""
    cpus = num_cpus or 1
    if not config.runtime.premap or cpus < 2 or not starts_local_runtime(ray_address):
        return None
    batch = config.runtime.batch_size
    tasks = [
        ((si, gi), {"blocks": group, "source_name": source.name, "spec": spec})
        for si, ((spec, source), (is_local, ds)) in enumerate(zip(specs, local, strict=True))
        if is_local
        for gi, group in enumerate(_groups(spec, source, ds, batch))
    ]
    if not tasks:
        return None
    near_on = bool(config.dedup.near)
    common = {
        "settings": settings,
        "batch_size": batch,
        "num_parts": _parts(config, cpus),
        "near": near_on,
    }
    return PreMapper(tasks, common).start()


def _take_premapped(
    premapper: PreMapper | None, config: CurationConfig, info: RuntimeInfo
) -> set[Any]:
    """Stop the helper; the keys of the tasks it finished (none if the partition count it
    assumed is not the runtime's)."""
    if premapper is None:
        return set()
    done = premapper.freeze()
    if premapper.num_parts != _parts(config, info.num_cpus):
        premapper.close()
        return set()
    return done


def _run(
    config: CurationConfig,
    specs: list[tuple[Any, Any]],
    local: list[tuple[bool, Any]],
    settings: MapSettings,
    premap: tuple[PreMapper | None, set[Any]],
    out: Path,
    info: RuntimeInfo,
    clock: _Clock,
    index: Any,
) -> dict[str, Any]:
    ray = import_optional("ray", "curation")
    parts = _parts(config, info.num_cpus)
    premapper, premapped = premap

    # 1. read every source (schema/file checks) before any work; generators read nothing,
    # embedded samples are rows already in memory, everything else is a Ray Data read.
    datasets = [
        (spec, source, ds if is_local else source.read(spec, ray))
        for (spec, source), (is_local, ds) in zip(specs, local, strict=True)
    ]
    # the decontamination index was built while Ray started
    clock.step(
        "plan",
        f"{len(datasets)} sources checked"
        + (f", decontam index {index!r}" if index is not None else ""),
    )

    # 2. source mapping + verifiability + keys
    # The reads run on Ray Data (cheap: raw rows); the mapping runs as one plain Ray task per
    # block, all submitted at once, so every CPU is busy from the first block (Ray Data's
    # streaming executor ramps a map operator up slowly and splits each block into a full
    # batch plus a remainder). Each task returns its work table and its row count; a raw
    # block is freed as soon as its task is done.
    near_on = bool(config.dedup.near)
    try:
        task = ray.remote(map_and_partition).options(num_returns=2 + parts * (2 if near_on else 1))
        settings_ref = ray.put(settings)

        # Submitted as each read streams its blocks: mapping (and the workers' imports)
        # overlaps with the reads still starting; submission order never affects the output.
        def submit(spec: Any, source: Any, group: list[Any]) -> Any:
            return task.remote(
                *group,
                source_name=source.name,
                spec=spec,
                settings=settings_ref,
                batch_size=config.runtime.batch_size,
                num_parts=parts,
                near=near_on,
            )

        # Blocks the helper mapped while Ray started (see :mod:`.premap`) are put in the
        # object store, one at a time, after every other task is submitted.
        outs: list[Any] = []
        held: list[tuple[int, Any, Any, list[Any], tuple[int, int]]] = []
        for si, (spec, source, ds) in enumerate(datasets):
            for gi, group in enumerate(_groups(spec, source, ds, config.runtime.batch_size)):
                if (si, gi) in premapped:
                    held.append((len(outs), spec, source, group, (si, gi)))
                    outs.append(None)
                else:
                    outs.append(submit(spec, source, group))
        used = 0
        for i, spec, source, group, key in held:
            block = premapper.load(key) if premapper is not None else None
            outs[i] = [ray.put(x) for x in block] if block else submit(spec, source, group)
            used += block is not None
        refs = [o[0] for o in outs]
        counts = _await_with_progress([o[1] for o in outs], clock, "map")
    except Exception as exc:
        bad = locate_bad_input([spec for spec, _ in specs])
        if bad is None:
            raise
        from crossthink_data.sources import SourceReadError

        raise SourceReadError(bad) from exc
    clock.step("map", f"{len(refs)} blocks")

    # 3. exact dedup: the map tasks already partitioned the keys, only the reduces run
    key_parts = [[o[2 + p] for o in outs] for p in range(parts)]
    band_parts = [[o[2 + parts + p] for o in outs] for p in range(parts)] if near_on else None
    del outs  # from here on ``refs`` is the only holder of the blocks (see ``_write``)
    if config.dedup.exact:
        exact, (alive_rows, map_rejects) = dedup.exact_dedup_from_parts(counts, key_parts)
    else:
        exact = dedup.empty_decision()
        alive_rows, map_rejects = sum(a for a, _ in counts), sum(r for _, r in counts)
    del key_parts
    clock.step("exact_dedup", f"{len(exact[0])} duplicates")

    # 4. near dedup
    near_stats: dict[str, Any] = {}
    if config.dedup.near:
        near, near_stats = dedup.near_dedup(
            refs, parts, exact[0], config.dedup, band_parts=band_parts
        )
    else:
        near = dedup.empty_decision()
    del band_parts
    clock.step("near_dedup", f"{len(near[0])} near-duplicates, {near_stats}")

    # 5+6. one pass of plain Ray tasks over the materialized blocks: apply the dedup and
    # decontamination decisions, then split into record parts (uid ranges) and reject parts;
    # one reduce task sorts and writes each part. The number of record parts comes from the
    # rows alive after dedup (known from the dedup counts), so it depends on content only.
    # Model-based (GPU actor) stages would run as a Ray Data pass before this one.
    io.prepare_out_dir(out)
    n_dups = len(exact[0]) + len(near[0])
    n_alive = max(0, alive_rows - n_dups)
    record_parts = max(1, math.ceil(n_alive / config.output.rows_per_file))
    reject_parts = max(1, math.ceil((map_rejects + n_dups) / config.output.rows_per_file))
    decisions = {
        "exact": ray.put(exact),
        "near": ray.put(near),
        "decontam": ray.put(index) if index is not None else None,
    }
    summaries, written = _write(
        refs, out, record_parts, reject_parts, config, decisions, info.num_cpus
    )
    del refs
    total = manifest.merge_summaries(summaries)
    rej_total = sum(total["rejects"].values())
    records_files = [w for w in written if w["path"].startswith(io.RECORDS_DIR)]
    rejects_files = [w for w in written if w["path"].startswith(io.REJECTS_DIR)]
    # Each file's digests are its rows' in order, concatenated: hashing them whole is hashing
    # every row's digest in turn.
    chash = combine(w["digests"] for w in records_files)
    rows = sum(w["rows"] for w in records_files)
    clock.step("write", f"{rows} records in {len(records_files)} files, {rej_total} rejects")

    stages = manifest.stage_stats(total, config.sample_rate)
    labels = [spec.label for spec, _ in specs]
    man: dict[str, Any] = {
        "format": manifest.FORMAT,
        "content_hash": chash,
        "hash_version": HASH_VERSION,
        "rows": rows,
        "rejects": rej_total,
        "config": config.content_settings(),
        "sources": [_source_entry(spec, source, total) for spec, source in specs],
        "code_version": manifest.code_version(),
        "stages": stages,
        "counts": manifest.field_counts(total),
        "contamination": {
            "index": None
            if index is None
            else {
                "n": index.n,
                "benchmarks": index.sizes,
                "fingerprint": index.fingerprint(),
                "loader": config.decontam.loader,
            },
            "report": manifest.contamination(total, labels),
        },
        "near_dedup": near_stats,
        "files": {
            "records": [{"path": w["path"], "rows": w["rows"]} for w in records_files],
            "rejects": [{"path": w["path"], "rows": w["rows"]} for w in rejects_files],
        },
        # blocks mapped by the helper while Ray started: speed only, never the content
        "runtime": {**info.to_dict(), "premapped_blocks": used},
        "timings": {},
    }
    clock.step("manifest", "stage counts assembled")
    man["timings"] = {**clock.timings, "total": round(time.perf_counter() - clock.t0, 3)}
    (out / io.MANIFEST).write_text(
        json.dumps(man, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
    if not clock.quiet:
        for s in stages:
            print(
                f"[curate] stage {s['name']}: {s['rows_in']} -> {s['rows_out']} {s['dropped']}",
                file=sys.stderr,
            )
    return man


def _block_groups(ds: Any, rows: int) -> Iterator[list[Any]]:
    """The block refs of a read Dataset as it streams them, consecutive small blocks grouped
    up to ``rows`` rows (one map task per group: tiny embedded-sample blocks share a task).
    Groups are yielded as soon as they are full, so mapping starts while reads go on."""
    group: list[Any] = []
    size = 0
    for bundle in ds.iter_internal_ref_bundles():
        for entry in bundle.blocks:
            # (ref, metadata) pairs; newer Ray wraps them in a BlockEntry
            ref, meta = (entry.ref, entry.metadata) if hasattr(entry, "ref") else entry
            n = meta.num_rows or 0
            if group and size + n > rows:
                yield group
                group, size = [], 0
            group.append(ref)
            size += n
    if group:
        yield group


def _await_with_progress(refs: list[Any], clock: _Clock, step: str) -> list[Any]:
    """``ray.get(refs)``, printing ``done/total`` blocks every few seconds meanwhile."""
    ray = import_optional("ray", "curation")
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=3.0)
        if pending and not clock.quiet:
            done = len(refs) - len(pending)
            print(f"[curate] {step}: {done}/{len(refs)} blocks done", file=sys.stderr, flush=True)
    return list(ray.get(refs))


def _plan_local(spec: Any, source: Any) -> tuple[bool, Any]:
    """What the map tasks read for a source that needs no Ray: ``(True, None)`` for a
    generator, ``(True, rows)`` for an embedded sample; ``(False, None)`` for the others,
    which are read with Ray Data once Ray is up."""
    if source.generated:
        return True, None
    rows = source.in_memory_rows(spec)
    return (True, rows) if rows is not None else (False, None)


def _groups(spec: Any, source: Any, ds: Any, rows: int) -> Iterator[list[Any]]:
    """The map tasks' inputs for one source: id ranges, slices of in-memory rows, or groups
    of read blocks (:func:`_block_groups`)."""
    if ds is None:
        yield from _id_ranges(source.row_count(spec), rows)
    elif isinstance(ds, list):
        step = max(1, rows)
        for i in range(0, len(ds), step):
            yield [ds[i : i + step]]
    else:
        yield from _block_groups(ds, rows)


def _id_ranges(n: int, rows: int) -> Iterator[list[Any]]:
    """A generated source's upstream as ``[(start, stop)]`` id ranges of ``rows`` rows each;
    the map task turns a range into its ``{"id": ...}`` block (see ``Source.generated``)."""
    step = max(1, rows)
    for start in range(0, n, step):
        yield [(start, min(n, start + step))]


def locate_bad_input(specs: list[Any]) -> str | None:
    """After a failed read, find the first local file (and line) that cannot be parsed, so
    the error names it; Ray's own error only shows the parser's message."""
    import json as _json

    from crossthink_data.sources.io import expand_files

    for spec in specs:
        if not spec.data_files or spec.hub_id:
            continue
        for path in expand_files(spec.data_file_list(), spec.name):
            try:
                if path.lower().endswith(".parquet"):
                    import_optional("pyarrow.parquet", "reading parquet").read_table(path)
                    continue
                opener: Any = open
                if path.lower().endswith(".gz"):
                    import gzip

                    opener = gzip.open
                with opener(path, "rt", encoding="utf-8") as fh:
                    for lineno, line in enumerate(fh, 1):
                        if line.strip():
                            try:
                                _json.loads(line)
                            except ValueError as err:
                                return f"source {spec.label!r}: cannot read {path} line {lineno}: {err}"
            except Exception as err:
                return f"source {spec.label!r}: cannot read {path}: {err}"
    return None


def _write(
    refs: list[Any],
    out: Path,
    record_parts: int,
    reject_parts: int,
    config: CurationConfig,
    decisions: dict[str, Any],
    num_cpus: int = 1,
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Final map/reduce. With fewer records files than CPUs, each file's uid range is split
    into ``sub`` sub-ranges sorted by separate tasks, then one task per file concatenates its
    sorted sub-ranges and writes it: the sort uses every CPU, and the files (names, row
    groups, bytes) stay the same, since sub-range boundaries refine the file boundaries.
    Each map task takes a few consecutive blocks (:func:`last_pass_group`). Empties ``refs``
    as it submits (``release``): each block is freed once its map is done."""
    from crossthink_data.pipeline.shuffle import map_reduce, map_reduce_refs

    ray = import_optional("ray", "curation")
    sub = max(1, -(-num_cpus // record_parts))
    reduce_kwargs = {
        "out_dir": str(out),
        "record_parts": record_parts,
        "row_group_size": config.output.row_group_size,
        "compression": config.output.compression,
        "sub_parts": sub,
    }
    n_parts = record_parts * sub + reject_parts
    map_kwargs = {"record_parts": record_parts * sub, **decisions}
    group = last_pass_group(len(refs), num_cpus, config.runtime.batch_size)
    args = (refs, io.final_map, io.final_reduce, n_parts, map_kwargs, reduce_kwargs)
    if sub == 1:
        return map_reduce(*args, release=True, group=group)
    summaries, reduces = map_reduce_refs(*args, release=True, group=group)
    write = ray.remote(_write_file)
    files = [
        write.remote(
            i,
            str(out),
            config.output.row_group_size,
            config.output.compression,
            *reduces[i * sub : (i + 1) * sub],
        )
        for i in range(record_parts)
    ]
    written = ray.get(files) + ray.get(reduces[record_parts * sub :])
    return ray.get(summaries), written


# Rows per map task of the last pass at most: it takes consecutive blocks, up to this many
# rows, rather than one block each. A task's fixed costs (storing its parts in the object
# store, returning its summary, the wait for its next task) were a large share of a
# 4,096-row block's ~20 ms: with four blocks a task, the last pass took 0.72 s instead of
# 1.00 s on 2 CPUs and 1.20 s instead of 1.68 s on one core (200,000 rows, medians of six
# interleaved rounds).
LAST_PASS_ROWS = 16_384


def last_pass_group(n_blocks: int, cpus: int, batch_size: int) -> int:
    """Blocks per map task of the last pass: up to :data:`LAST_PASS_ROWS` rows (a block holds
    at most ``batch_size``), but no fewer than four tasks per CPU, so that the pass keeps
    every CPU busy to its end. The parts, and so the files, are the same for any grouping."""
    most = max(1, LAST_PASS_ROWS // max(1, batch_size))
    return max(1, min(most, n_blocks // (4 * max(1, cpus))))


def _write_file(
    index: int, out_dir: str, row_group_size: int, compression: str, *ranges: Any
) -> dict[str, Any]:
    prepare_task_process()
    return io.write_records(index, list(ranges), out_dir, row_group_size, compression)


def _source_entry(spec: Any, source: Any, total: Any) -> dict[str, Any]:
    return {
        "label": spec.label,
        "adapter": spec.name,
        "hub_id": spec.hub_id,
        "revision": spec.revision,
        "config_name": spec.config_name,
        "split": spec.split,
        "data_files": spec.data_file_list(),
        "embedded_sample": not spec.hub_id and not spec.data_files and spec.name != "procedural",
        "limit": spec.limit,
        "rows": spec.rows,
        "seed": spec.seed,
        "license": spec.license or source.license,
        "upstream_rows": int(total["upstream"].get(spec.label, 0)),
        "curated_rows": int(sum(n for k, n in total["alive"].items() if k[0] == spec.label)),
    }
