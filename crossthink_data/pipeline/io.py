"""Curated directory layout: writing the parts (Ray reduce tasks) and reading them back.

Layout::

    DIR/records/part-00000.parquet ...  canonical schema, sorted by uid, parts = uid ranges
    DIR/rejects/part-00000.parquet ...  uid (nullable), source, stage, reason, row_json
    DIR/manifest.json                   content_hash, config, stages, counts, ...

File names, part boundaries and row groups depend only on the content and the config, so
the same inputs give byte-identical parquet files on any number of workers.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from crossthink_data.pipeline.schema import REJECT_COLUMNS, STATS_STAGE, rejects_schema
from crossthink_data.pipeline.shuffle import split_by, uid_range_part
from crossthink_data.records import COLUMNS, arrow_schema

RECORDS_DIR = "records"
REJECTS_DIR = "rejects"
MANIFEST = "manifest.json"


class CuratedDirError(ValueError):
    """A curated directory is missing, incomplete or not in the pipeline's layout."""


def part_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


def prepare_out_dir(out_dir: Path) -> None:
    """Create the layout, removing only files of a previous run (parts and manifest)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in (RECORDS_DIR, REJECTS_DIR):
        d = out_dir / sub
        d.mkdir(exist_ok=True)
        for f in d.glob("part-*.parquet"):
            f.unlink()
    m = out_dir / MANIFEST
    if m.exists():
        m.unlink()


# ------------------------------------------------------------------------- final map/reduce


def _reject_part(table: Any, num_parts: int) -> Any:
    import numpy as np

    if num_parts == 1:
        return np.zeros(table.num_rows, dtype=np.int64)
    keys = zip(
        table.column("stage").to_pylist(),
        table.column("source").to_pylist(),
        table.column("row_json").to_pylist(),
        strict=True,
    )
    out = [
        int.from_bytes(
            hashlib.blake2b(f"{a}\x00{b}\x00{c}".encode(), digest_size=8).digest(), "big"
        )
        % num_parts
        for a, b, c in keys
    ]
    return np.asarray(out, dtype=np.int64)


def final_map(
    block: Any,
    num_parts: int,
    record_parts: int,
    exact: Any = None,
    near: Any = None,
    decontam: Any = None,
) -> tuple[dict[str, Any], list[Any]]:
    """Apply the dedup/decontamination decisions to one work block (see
    :func:`~crossthink_data.pipeline.stages.apply_decisions`), then split it into record parts
    (uid ranges) and reject parts, with counts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crossthink_data.pipeline.stages import apply_decisions

    if exact is not None or near is not None or decontam is not None:
        block = apply_decisions(block, exact=exact, near=near, decontam=decontam)

    stage = block.column("_stage")
    is_stats = pc.fill_null(pc.equal(stage, STATS_STAGE), False)
    stats = block.select(["source", "_n", "_row_json"]).filter(is_stats)
    upstream: Counter[str] = Counter()
    sampled_out: Counter[str] = Counter()
    for src, n, rj in zip(
        stats.column("source").to_pylist(),
        stats.column("_n").to_pylist(),
        stats.column("_row_json").to_pylist(),
        strict=True,
    ):
        upstream[src] += int(n or 0)
        sampled_out[src] += int(json.loads(rj or "{}").get("sampled_out", 0))
    rej = block.select(["uid", "source", "_stage", "_reason", "_row_json"]).filter(
        pc.and_(pc.is_valid(stage), pc.invert(is_stats))
    )
    rej = pa.table(
        {
            "uid": rej.column("uid"),
            "source": rej.column("source"),
            "stage": rej.column("_stage"),
            "reason": rej.column("_reason"),
            "row_json": rej.column("_row_json"),
        },
        schema=rejects_schema(),
    )
    rej_counts = Counter(
        zip(
            rej.column("stage").to_pylist(),
            rej.column("reason").to_pylist(),
            rej.column("source").to_pylist(),
            strict=True,
        )
    )
    # Select before filtering: the work-only columns (bands, keys) are never copied.
    alive = block.select([*COLUMNS, "_digest"]).filter(pc.is_null(stage))
    group_cols = ["source", "domain", "template", "verifier"]
    alive_counts: Counter[tuple[Any, ...]] = Counter()
    if alive.num_rows:
        # A Counter over the four narrow columns: under a millisecond for a block, where
        # Arrow's group_by takes longer at this size (and imports pandas if nothing has).
        alive_counts.update(zip(*(alive.column(c).to_pylist() for c in group_cols), strict=True))
    rec_split = split_by(alive, uid_range_part(alive.column("uid"), record_parts), record_parts)
    rej_parts = num_parts - record_parts
    rej_split = split_by(rej, _reject_part(rej, rej_parts), rej_parts)
    summary = {
        "upstream": dict(upstream),
        "sampled_out": dict(sampled_out),
        "rejects": dict(rej_counts),
        "alive": dict(alive_counts),
    }
    return summary, [*rec_split, *rej_split]


def sort_records(tables: list[Any]) -> Any:
    """One uid range of records (with ``_digest``), sorted by (uid, digest)."""
    import pyarrow as pa

    tables = [t for t in tables if t.num_rows]
    if not tables:
        return arrow_schema().empty_table().append_column("_digest", pa.array([], pa.binary()))
    return pa.concat_tables(tables).sort_by([("uid", "ascending"), ("_digest", "ascending")])


def write_records(
    index: int, ranges: list[Any], out_dir: str, row_group_size: int, compression: str
) -> dict[str, Any]:
    """Write records file ``index`` from its sorted, contiguous uid ranges (in range order, so
    their concatenation is the file's sorted content); returns its row digests, in order."""
    import pyarrow as pa

    # Empty ranges may carry the canonical schema rather than the work blocks': leave them out.
    ranges = [r for r in ranges if r.num_rows] or ranges[:1]
    t = pa.concat_tables(ranges) if len(ranges) > 1 else ranges[0]
    digests = b"".join(t.column("_digest").to_pylist())
    out = t.select(list(COLUMNS)).cast(arrow_schema())
    name = f"{RECORDS_DIR}/{part_name(index)}"
    _write_part(out, out_dir, name, row_group_size, compression)
    return {"path": name, "rows": out.num_rows, "digests": digests}


def _write_part(table: Any, out_dir: str, name: str, row_group_size: int, compression: str) -> None:
    """One output parquet file (records or rejects part) with the configured layout."""
    import pyarrow.parquet as pq

    pq.write_table(
        table.combine_chunks(),
        str(Path(out_dir) / name),
        row_group_size=row_group_size,
        compression=None if compression == "none" else compression,
    )


def final_reduce(
    part: int,
    tables: list[Any],
    out_dir: str,
    record_parts: int,
    row_group_size: int,
    compression: str,
    sub_parts: int = 1,
) -> Any:
    """Sort and write one part; records parts also return their row digests, in order.

    With ``sub_parts > 1`` the first ``record_parts * sub_parts`` partitions are uid
    sub-ranges (``sub_parts`` per records file): their reduce only sorts and returns the
    table, and :func:`write_records` writes each file from its sorted sub-ranges, so the
    sort of one file runs on several CPUs while its bytes stay the same."""
    import pyarrow as pa

    n_record = record_parts * sub_parts
    if part < n_record:
        t = sort_records(tables)
        if sub_parts > 1:
            return t
        return write_records(part, [t], out_dir, row_group_size, compression)
    tables = [t for t in tables if t.num_rows]
    schema = rejects_schema()
    t = pa.concat_tables(tables) if tables else schema.empty_table()
    out = t.sort_by([(c, "ascending") for c in ("stage", "source", "reason", "uid", "row_json")])
    name = f"{REJECTS_DIR}/{part_name(part - n_record)}"
    _write_part(out, out_dir, name, row_group_size, compression)
    return {"path": name, "rows": out.num_rows, "digests": b""}


# ------------------------------------------------------------------------- reading


def read_manifest(curated_dir: str | Path) -> dict[str, Any]:
    path = Path(curated_dir)
    m = path / MANIFEST
    if not path.is_dir():
        raise CuratedDirError(f"curated directory not found: {path}")
    if not m.is_file():
        raise CuratedDirError(f"{path}: no {MANIFEST} (not a curated directory, or the run failed)")
    try:
        manifest = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CuratedDirError(f"{m}: unreadable manifest: {exc}") from exc
    if not isinstance(manifest, dict) or "content_hash" not in manifest:
        raise CuratedDirError(f"{m}: not a curation manifest (no content_hash)")
    return manifest


def read_curated(curated_dir: str | Path) -> tuple[Any, dict[str, Any]]:
    """``(pyarrow.Table of canonical records in uid order, manifest dict)``.

    Raises :class:`CuratedDirError` naming the directory or file that is missing or invalid.
    Files listed in the manifest must all exist and the row count must match it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(curated_dir)
    manifest = read_manifest(path)
    listed = [f["path"] for f in manifest.get("files", {}).get("records", [])]
    files = [path / p for p in listed] if listed else sorted((path / RECORDS_DIR).glob("*.parquet"))
    schema = arrow_schema()
    tables = []
    for f in files:
        if not f.is_file():
            raise CuratedDirError(
                f"{path}: records file {f.name} listed in the manifest is missing"
            )
        try:
            t = pq.read_table(f)
        except (OSError, pa.ArrowException) as exc:
            raise CuratedDirError(f"{f}: unreadable parquet: {exc}") from exc
        missing = [c for c in COLUMNS if c not in t.column_names]
        if missing:
            raise CuratedDirError(f"{f}: missing canonical columns {missing}")
        tables.append(t.select(list(COLUMNS)).cast(schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    rows = manifest.get("rows")
    if isinstance(rows, int) and rows != table.num_rows:
        raise CuratedDirError(
            f"{path}: manifest says {rows} rows but records hold {table.num_rows}"
        )
    return table, manifest


def read_rejects(curated_dir: str | Path) -> Any:
    """All rejects of a curated directory as one pyarrow table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted((Path(curated_dir) / REJECTS_DIR).glob("*.parquet"))
    if not files:
        return rejects_schema().empty_table()
    return pa.concat_tables([pq.read_table(f).select(list(REJECT_COLUMNS)) for f in files])
