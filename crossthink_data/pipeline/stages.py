"""Row-local stages, run inside Ray Data ``map_batches``: source mapping + verifiability
(+ key computation), and applying the dedup/decontamination decisions.

Both are plain functions of a pyarrow batch, so they are unit-testable without Ray and fuse
into one Ray task per block. They never raise on a bad row: it becomes a reject row in the
work table (see :mod:`crossthink_data.pipeline.schema`).

Where a model-based (GPU) stage goes: a :class:`~crossthink_data.filters.base.BatchFilter`
with ``needs_actor=True`` runs as ``work.map_batches(ActorStage, fn_constructor_args=(filter,),
concurrency=n, num_gpus=filter.num_gpus, batch_size=filter.batch_size)``;
:class:`ActorStage` below is that adapter (setup once per actor, then judge alive rows and
mark rejects). ``run.py`` inserts such stages right after :func:`apply_decisions`, before the
final write, so they only see rows that survived every cheap stage.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crossthink_data._process import prepare_task_process
from crossthink_data.pipeline.hashing import canonical_json, unit_interval
from crossthink_data.pipeline.schema import STATS_STAGE, WORK_EXTRA, work_schema
from crossthink_data.records import COLUMNS, arrow_schema

SOURCE_STAGE = "source"
VERIFY_STAGE = "verifiable"
EXACT_STAGE = "exact_dedup"
NEAR_STAGE = "near_dedup"
DECONTAM_STAGE = "decontam"
STAGE_ORDER = (SOURCE_STAGE, VERIFY_STAGE, EXACT_STAGE, NEAR_STAGE, DECONTAM_STAGE)


@dataclass(frozen=True)
class MapSettings:
    """What the per-block mapping needs (picklable; shipped to Ray workers)."""

    verifiability: Mapping[str, Any]
    minhash: Any | None  # filters.minhash.MinHashConfig, None when near dedup is off
    seed: int = 0
    sample_rate: float = 1.0


# --------------------------------------------------------------------------------------
# helpers


def _rids(n: int) -> Any:
    """Per-row internal ids (uint64 array). Random on purpose: they only break ties between
    byte-identical rows (whichever copy is kept, the output is the same), never reach the
    output."""
    import numpy as np

    return np.frombuffer(os.urandom(8 * n), dtype=np.uint64).copy()


def _reject_rows(rejects: Sequence[Mapping[str, Any]], default_stage: str) -> dict[str, list[Any]]:
    from crossthink_data.sources.coerce import row_json

    n = len(rejects)
    cols: dict[str, list[Any]] = {c: [None] * n for c in (*COLUMNS, *WORK_EXTRA)}
    for i, r in enumerate(rejects):
        uid = r.get("uid")
        cols["uid"][i] = uid if isinstance(uid, str) else None
        src = r.get("source")
        cols["source"][i] = src if isinstance(src, str) else ""
        cols["_stage"][i] = str(r.get("stage") or default_stage)
        cols["_reason"][i] = str(r.get("reason") or "unknown")
        rj = r.get("row_json")
        cols["_row_json"][i] = rj if isinstance(rj, str) else row_json(rj)
    return cols


def _canonical_table(records: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]], list[Any]]:
    """(table of the records that fit the schema, their dicts, rejects of those that do not)."""
    import pyarrow as pa

    from crossthink_data.sources.coerce import row_json

    schema = arrow_schema()
    try:
        return pa.Table.from_pylist(records, schema=schema), records, []
    except (pa.ArrowException, TypeError, ValueError):
        good: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        for r in records:
            try:
                pa.Table.from_pylist([r], schema=schema)
                good.append(r)
            except (pa.ArrowException, TypeError, ValueError) as exc:
                bad.append(
                    {
                        "uid": r.get("uid"),
                        "source": r.get("source"),
                        "stage": SOURCE_STAGE,
                        "reason": f"record_schema_error:{type(exc).__name__}",
                        "row_json": row_json(r),
                    }
                )
        return pa.Table.from_pylist(good, schema=schema), good, bad


def _concat_work(parts: list[dict[str, list[Any]] | Any]) -> Any:
    import pyarrow as pa

    schema = work_schema()
    tables = [
        p if isinstance(p, pa.Table) else pa.Table.from_pydict(p, schema=schema) for p in parts
    ]
    tables = [t for t in tables if t.num_rows] or tables[:1]
    return pa.concat_tables(tables)


def dedup_text_column(table: Any) -> Any:
    """``filters.exact.dedup_text`` of every row of ``table`` (question + options), as a
    pyarrow string array (vectorised in the filters module)."""
    from crossthink_data.filters.exact import dedup_texts

    return dedup_texts(table.column("question"), table.column("options"))


def key_columns(alive: Any, minhash: Any | None) -> dict[str, Any]:
    """Exact key halves, LSH band keys and the ``(uid, digest)`` identity of the alive rows
    of a canonical table, column-wise: the normalised text is computed once (vectorised) and
    feeds both dedup keys."""
    import pyarrow as pa

    from crossthink_data.filters.exact import exact_key_halves
    from crossthink_data.pipeline.dedup import uid_hashes
    from crossthink_data.pipeline.hashing import table_digests

    n = alive.num_rows
    texts = dedup_text_column(alive)
    xk1, xk2 = exact_key_halves(alive.column("template"), texts)
    out: dict[str, Any] = {
        "_xk1": xk1,
        "_xk2": xk2,
        "_digest": pa.array(table_digests(alive), pa.binary()),
        "_rid": _rids(n),
        "_uh": uid_hashes(alive.column("uid").to_pylist()),
    }
    if minhash is not None and n:
        from crossthink_data.filters.minhash import minhash_batch

        sig, bands = minhash_batch(texts, minhash)
        # Signatures are kept for the candidate rows' pair verification (near dedup fetches
        # them instead of recomputing); bands feed the LSH buckets.
        out["_bands"] = _list_column(bands, pa.uint64())
        out["_sig"] = _list_column(sig, pa.uint32())
    else:
        out["_bands"] = pa.nulls(n, pa.list_(pa.uint64()))
        out["_sig"] = pa.nulls(n, pa.list_(pa.uint32()))
    return out


def _list_column(matrix: Any, value_type: Any) -> Any:
    """A 2-d numpy array as an Arrow list column (one list per row, no copy of the rows)."""
    import numpy as np
    import pyarrow as pa

    n, width = matrix.shape
    flat = pa.array(np.ascontiguousarray(matrix).reshape(-1), value_type)
    offsets = pa.array(np.arange(0, n * width + 1, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat)


# --------------------------------------------------------------------------------------
# stage 1+2: source mapping, verifiability, keys


def map_source_batch(batch: Any, *, source_name: str, spec: Any, settings: MapSettings) -> Any:
    """Upstream rows -> work table: canonical alive rows with keys, rejects, one stats row."""
    import pyarrow as pa

    from crossthink_data.filters.verifiability import VerifiabilityFilter
    from crossthink_data.sources import get_source

    rows = batch.to_pylist() if isinstance(batch, pa.Table) else list(batch)
    source = get_source(source_name)
    records, rejects = source.to_records(rows, spec)
    # ``records`` are the dicts that fit the canonical schema, row for row with ``table``.
    table, records, bad = _canonical_table(records)
    rejects = list(rejects) + bad
    vf = VerifiabilityFilter(**dict(settings.verifiability))
    reasons = vf.check_batch(records)
    keep = [i for i, r in enumerate(reasons) if r is None]
    for i, reason in enumerate(reasons):
        if reason is not None:
            rejects.append(
                {
                    "uid": records[i].get("uid"),
                    "source": records[i].get("source"),
                    "stage": VERIFY_STAGE,
                    "reason": reason,
                    "row_json": canonical_json(records[i]),
                }
            )
    sampled_out = 0
    if settings.sample_rate < 1.0:
        kept_idx = [
            i
            for i in keep
            if unit_interval(settings.seed, records[i]["uid"]) < settings.sample_rate
        ]
        sampled_out = len(keep) - len(kept_idx)
        keep = kept_idx
    alive = table.take(pa.array(keep, type=pa.int64())) if len(keep) != table.num_rows else table
    keys = key_columns(alive, settings.minhash)
    schema = work_schema()
    n = alive.num_rows
    cols: dict[str, Any] = {c: alive.column(c) for c in COLUMNS}
    cols.update(keys)
    alive_work = pa.Table.from_arrays(
        [
            cols[f.name]
            if f.name in cols and isinstance(cols[f.name], (pa.Array, pa.ChunkedArray))
            else pa.array(cols[f.name], type=f.type)
            if f.name in cols
            else pa.nulls(n, f.type)
            for f in schema
        ],
        schema=schema,
    )
    stats = _reject_rows(
        [
            {
                "stage": STATS_STAGE,
                "reason": "",
                "row_json": json.dumps({"sampled_out": sampled_out}),
                "source": spec.label,
            }
        ],
        STATS_STAGE,
    )
    stats["_n"] = [len(rows)]
    return _concat_work([alive_work, _reject_rows(rejects, SOURCE_STAGE), stats])


def _as_table(block: Any) -> Any:
    """A read block as a pyarrow table; a ``(start, stop)`` pair is a generated source's id
    range (``Source.generated``)."""
    import pyarrow as pa

    if isinstance(block, pa.Table):
        return block
    if isinstance(block, tuple):
        start, stop = block
        return pa.table({"id": pa.array(range(start, stop), pa.int64())})
    return pa.Table.from_pandas(block, preserve_index=False)


def map_source_block(
    *blocks: Any, source_name: str, spec: Any, settings: Any, batch_size: int
) -> tuple[Any, int]:
    """:func:`map_source_batch` over whole blocks, ``batch_size`` rows at a time (bounded
    Python memory per call); returns the work table and its row count (Ray task body)."""
    import pyarrow as pa

    settings = _resolve(settings)
    step = max(1, batch_size)
    if len(blocks) == 1 and isinstance(blocks[0], list):  # rows already in memory
        rows = blocks[0]
        outs = [
            map_source_batch(
                rows[i : i + step], source_name=source_name, spec=spec, settings=settings
            )
            for i in range(0, max(len(rows), 1), step)
        ]
        table = _concat_work(outs)
        return table, table.num_rows
    tables = [_as_table(b) for b in blocks]
    # Raw blocks of one source may differ in schema (malformed rows): only runs of blocks
    # with the same schema are concatenated; the work tables they become all match.
    runs: list[Any] = []
    for t in tables:
        if runs and runs[-1][-1].schema.equals(t.schema):
            runs[-1].append(t)
        else:
            runs.append([t])
    tables = [pa.concat_tables(r) if len(r) > 1 else r[0] for r in runs]
    outs = [
        map_source_batch(t.slice(i, step), source_name=source_name, spec=spec, settings=settings)
        for t in tables
        for i in range(0, max(t.num_rows, 1), step)
    ]
    table = _concat_work(outs)
    return table, table.num_rows


def map_and_partition(
    *blocks: Any,
    source_name: str,
    spec: Any,
    settings: Any,
    batch_size: int,
    num_parts: int,
    near: bool,
) -> tuple[Any, ...]:
    """The map task: :func:`map_source_block`, then the shuffle-map side of exact and near
    dedup on the fresh block (``dedup.partition_keys``). Returns ``(work table, counts,
    *exact key parts, *band key parts)``."""
    from crossthink_data.pipeline.dedup import partition_keys

    prepare_task_process()  # this runs as a Ray task (or in the premap helper)
    table, _ = map_source_block(
        *blocks, source_name=source_name, spec=spec, settings=settings, batch_size=batch_size
    )
    # Few chunks per column: storing the block in the object store then copies a few large
    # buffers instead of many small ones (measured ~4x faster for a 4096-row block); but
    # none over 1 MiB (:func:`small_buffers`).
    table = table.combine_chunks()
    parts = partition_keys(table, num_parts, near)
    # The dedup keys now travel in their partitions; the block keeps only what later
    # stages read, so the object store holds ~12% less (written to fresh pages: the cost
    # of storing a block is mostly page faults, not the copy).
    spent = [c for c in _PARTITIONED if c in table.column_names]
    return (small_buffers(table.drop_columns(spent)), *parts)


# Ray copies a buffer of over 1 MiB into its object store with six threads that it starts
# for that one copy and then ends; on a small machine they preempt the other workers.
_COPY_LIMIT = 2**20


def small_buffers(table: Any, limit: int = _COPY_LIMIT) -> Any:
    """``table`` cut into row chunks of equal size (zero-copy slices) whose buffers are all
    at most ``limit`` bytes, so that storing it copies each buffer on the storing thread.
    A 4096-row work block has two larger buffers (prompt texts, MinHash signatures)."""
    import pyarrow as pa

    biggest = max(
        (b.size for col in table.columns for ch in col.chunks for b in ch.buffers() if b),
        default=0,
    )
    if biggest <= limit or table.num_rows < 2:
        return table
    k = -(-biggest * 11 // (limit * 10))  # 10% headroom: rows are not all the same size
    rows = -(-table.num_rows // k)
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


# Work columns that :func:`map_and_partition` hands on as key partitions.
_PARTITIONED = ("_xk1", "_xk2", "_bands")


# --------------------------------------------------------------------------------------
# stages 3-5: apply the global decisions


_OBJ_CACHE: dict[str, Any] = {}


def _resolve(ref: Any) -> Any:
    """ray.get with a per-process cache (the broadcast objects are reused by every batch)."""
    if ref is None or "ray" not in sys.modules:  # no Ray in this process: a plain object
        return ref
    import ray

    if not isinstance(ref, ray.ObjectRef):
        return ref
    key = ref.hex()
    if key not in _OBJ_CACHE:
        if len(_OBJ_CACHE) > 8:
            _OBJ_CACHE.clear()
        _OBJ_CACHE[key] = ray.get(ref)
    return _OBJ_CACHE[key]


def apply_decisions(
    batch: Any, *, exact: Any = None, near: Any = None, decontam: Any = None
) -> Any:
    """Mark alive rows dropped by exact dedup, near dedup (``{rid: kept_uid}`` broadcasts,
    given as ``(sorted rid array, kept uid list)``) and decontamination (a
    ``filters.decontam.DecontamIndex``). Column-wise: only the dropped rows are touched in
    Python (their reject JSON), the bookkeeping columns are patched with a mask."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    exact = _resolve(exact)
    near = _resolve(near)
    index = _resolve(decontam)
    if batch.num_rows == 0:
        return batch
    # Reject and stats rows have no rid: filled with 0 (they are not alive), so the column
    # stays uint64; with nulls, ``to_numpy`` would give float64 and rids 1 apart above 2**53
    # would compare equal.
    rids = pc.fill_null(batch.column("_rid"), 0).to_numpy(zero_copy_only=False)
    alive = pc.is_null(batch.column("_stage")).to_numpy(zero_copy_only=False).copy()
    changes: dict[int, tuple[str, str, str, str]] = {}  # row -> (stage, reason, key, value)
    for name, why, decision in (
        (EXACT_STAGE, "exact_duplicate", exact),
        (NEAR_STAGE, "near_duplicate", near),
    ):
        if decision is None or len(decision[0]) == 0:
            continue
        drop_rids, kept_uids = decision
        pos = np.minimum(np.searchsorted(drop_rids, rids), len(drop_rids) - 1)
        hit = alive & (drop_rids[pos] == rids)
        for i in np.nonzero(hit)[0].tolist():
            changes[i] = (name, why, "duplicate_of", kept_uids[int(pos[i])])
        alive &= ~hit
    if index is not None and alive.any():
        # Whole columns, no take: matching the few dead rows too is cheaper than selecting.
        ids = index.match_ids(batch.column("question"), batch.column("options"))
        for i in np.nonzero(alive & (ids >= 0))[0].tolist():
            bench = index.names[int(ids[i])]
            changes[i] = (DECONTAM_STAGE, f"contaminated:{bench}", "benchmark", bench)
    if not changes:
        return batch
    rows_idx = sorted(changes)
    picked = batch.select(list(COLUMNS)).take(pa.array(rows_idx, type=pa.int64()))
    texts = reject_json(picked, [changes[i][2:] for i in rows_idx])
    mask = np.zeros(batch.num_rows, dtype=bool)
    mask[rows_idx] = True
    mask_arr = pa.array(mask)
    schema = batch.schema
    for col, values in (
        ("_stage", [changes[i][0] for i in rows_idx]),
        ("_reason", [changes[i][1] for i in rows_idx]),
        ("_row_json", texts),
    ):
        current = batch.column(col).combine_chunks()
        patched = pc.replace_with_mask(current, mask_arr, pa.array(values, pa.string()))
        batch = batch.set_column(schema.get_field_index(col), col, patched)
    return batch


_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def _json_column(col: Any) -> list[str]:
    """Each value of an Arrow column as JSON text, byte for byte what ``json.dumps(value,
    sort_keys=True, ensure_ascii=False)`` writes for its Python value. Strings, numbers,
    lists and structs are encoded a column at a time (each string once, with the encoder
    ``json`` itself uses); other types through ``json`` per value."""
    import pyarrow as pa

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return _json_array(arr)


def _json_array(arr: Any) -> list[str]:
    from json.encoder import encode_basestring

    import pyarrow as pa
    import pyarrow.compute as pc

    kind = arr.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return ["null" if v is None else encode_basestring(v) for v in arr.to_pylist()]
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return ["null" if v is None else _ENCODE.encode(v) for v in arr.to_pylist()]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        items = _json_array(arr.flatten())
        lengths = pc.list_value_length(arr).to_pylist()
        out: list[str] = []
        pos = 0
        for n in lengths:
            if n is None:
                out.append("null")
            else:
                out.append("[" + ", ".join(items[pos : pos + n]) + "]")
                pos += n
        return out
    if pa.types.is_struct(kind):
        names = [kind.field(i).name for i in range(kind.num_fields)]
        if len(set(names)) == len(names):
            order = sorted(range(len(names)), key=names.__getitem__)
            fields = [_keyed(names[i], _json_array(arr.field(i))) for i in order]
            valid = arr.is_valid().to_pylist()
            return [
                "{" + ", ".join(parts) + "}" if ok else "null"
                for ok, parts in zip(valid, zip(*fields, strict=True), strict=True)
            ]
    return [_ENCODE.encode(v) for v in arr.to_pylist()]


def _keyed(name: str, values: list[str]) -> list[str]:
    """``"name": value`` for each encoded value (one member of a JSON object)."""
    from json.encoder import encode_basestring

    head = encode_basestring(name) + ": "
    return [head + v for v in values]


def reject_json(rows: Any, extra: Sequence[tuple[str, str]]) -> list[str]:
    """The ``row_json`` of rejected records: for row ``i`` of ``rows`` (canonical columns),
    ``json.dumps({**row, key: value}, sort_keys=True, ensure_ascii=False)`` with ``(key,
    value) = extra[i]`` (a string), to the byte, but built a column at a time instead of a
    ``to_pylist`` dict and a ``dumps`` per row (see ``benchmarks/reject_json.py``)."""
    from json.encoder import encode_basestring

    if rows.num_rows != len(extra):
        raise ValueError(f"reject_json: {rows.num_rows} rows but {len(extra)} extra fields")
    if not extra:
        return []
    keys = sorted({k for k, _ in extra})
    if len(keys) > 1:  # rows of several decisions: each key's rows together, then in order
        import pyarrow as pa

        texts: list[str] = [""] * len(extra)
        for key in keys:
            idx = [i for i, (k, _) in enumerate(extra) if k == key]
            part = reject_json(rows.take(pa.array(idx, pa.int64())), [extra[i] for i in idx])
            for i, text in zip(idx, part, strict=True):
                texts[i] = text
        return texts
    cols = {name: _json_column(rows.column(name)) for name in rows.column_names}
    cols[keys[0]] = [encode_basestring(v) for _, v in extra]
    members = [_keyed(n, cols[n]) for n in sorted(cols)]
    return ["{" + ", ".join(parts) + "}" for parts in zip(*members, strict=True)]


class ActorStage:
    """Ray Data actor adapter for a model-based BatchFilter (GPU stage hook, see module doc).

    ``work.map_batches(ActorStage, fn_constructor_args=(flt,), concurrency=n,
    num_gpus=flt.num_gpus, batch_size=flt.batch_size or 256)``.
    """

    def __init__(self, flt: Any) -> None:
        self.flt = flt
        flt.setup()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        stage = batch.column("_stage").to_pylist()
        alive = [i for i, s in enumerate(stage) if s is None]
        if not alive:
            return batch
        rows = batch.select(list(COLUMNS)).take(pa.array(alive, type=pa.int64())).to_pylist()
        verdicts = self.flt.check_batch(rows)
        reason = batch.column("_reason").to_pylist()
        rowj = batch.column("_row_json").to_pylist()
        for i, row, why in zip(alive, rows, verdicts, strict=True):
            if why is not None:
                stage[i], reason[i], rowj[i] = self.flt.name, why, canonical_json(row)
        schema = batch.schema
        for col, vals in (("_stage", stage), ("_reason", reason), ("_row_json", rowj)):
            batch = batch.set_column(schema.get_field_index(col), col, pa.array(vals, pa.string()))
        return batch
