"""A small hash-partitioned map/reduce over the blocks of a materialized Ray Dataset.

Ray Data's generic ``groupby`` shuffles every column through hundreds of partitions, which
costs seconds even for narrow tables on a small machine. The global steps of curation only
need narrow key tables, so each block is mapped (in a Ray task) to one small summary plus
``num_parts`` partition tables, and one reduce task per partition combines them. Nothing but
the reduce results (small: duplicate decisions, written-file summaries) reaches the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from crossthink_data._process import prepare_task_process

_REMOTES: dict[str, Any] = {}


def _resolve_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Broadcast objects arrive as ObjectRefs inside the kwargs dict: fetch them (cached)."""
    from crossthink_data.pipeline.stages import _resolve

    return {k: _resolve(v) for k, v in kwargs.items()}


def _map_task(fn: Callable[..., Any], num_parts: int, kwargs: dict[str, Any], *blocks: Any) -> Any:
    prepare_task_process()
    summary, parts = fn(_one_block(blocks), num_parts, **_resolve_kwargs(kwargs))
    if len(parts) != num_parts:
        raise RuntimeError(f"map function returned {len(parts)} partitions, expected {num_parts}")
    return (summary, *parts)


def _one_block(blocks: tuple[Any, ...]) -> Any:
    """The block of a map task: its one block, or its consecutive Arrow tables as one table
    (concatenated without a copy)."""
    if len(blocks) == 1:
        return blocks[0]
    import pyarrow as pa

    return pa.concat_tables(blocks)


def _reduce_task(fn: Callable[..., Any], part: int, kwargs: dict[str, Any], *tables: Any) -> Any:
    prepare_task_process()
    return fn(part, list(tables), **_resolve_kwargs(kwargs))


def _remote(name: str) -> Any:
    from crossthink_data._optional import import_optional

    ray: Any = import_optional("ray", "curation")

    if name not in _REMOTES:
        fn = {"map": _map_task, "reduce": _reduce_task}[name]
        _REMOTES[name] = ray.remote(fn)
    return _REMOTES[name]


def map_reduce(
    block_refs: list[Any],
    map_fn: Callable[..., tuple[Any, list[Any]]],
    reduce_fn: Callable[..., Any],
    num_parts: int,
    map_kwargs: dict[str, Any] | None = None,
    reduce_kwargs: dict[str, Any] | None = None,
    release: bool = False,
    group: int = 1,
) -> tuple[list[Any], list[Any]]:
    """Run ``map_fn(block, num_parts, **map_kwargs) -> (summary, [part tables])`` on every
    block, then ``reduce_fn(part, [tables of that part], **reduce_kwargs)`` per partition.
    With ``group > 1`` (Arrow tables only) each map task takes that many consecutive blocks
    as one table: fewer tasks, each with its fixed costs (storing its parts, returning its
    summary), for the same parts.

    Returns ``(summaries in task order, reduce results in partition order)``.
    """
    import ray

    summaries, reduces = map_reduce_refs(
        block_refs, map_fn, reduce_fn, num_parts, map_kwargs, reduce_kwargs, release, group
    )
    results = ray.get(reduces)
    sums = ray.get(summaries)
    return sums, results


def map_reduce_refs(
    block_refs: list[Any],
    map_fn: Callable[..., tuple[Any, list[Any]]],
    reduce_fn: Callable[..., Any],
    num_parts: int,
    map_kwargs: dict[str, Any] | None = None,
    reduce_kwargs: dict[str, Any] | None = None,
    release: bool = False,
    group: int = 1,
) -> tuple[list[Any], list[Any]]:
    """:func:`map_reduce` without fetching: ``(summary refs, reduce result refs)``, so
    reduce results can feed further tasks without passing through the driver.

    With ``release``, each entry of ``block_refs`` is set to None once its map task is
    submitted: when the caller holds no other reference, Ray frees each block as soon as its
    task is done, and the map outputs reuse that memory of the object store instead of
    growing it (fresh store pages cost a page fault and a zeroing each)."""
    map_remote = _remote("map").options(num_returns=num_parts + 1)
    reduce_remote = _remote("reduce")

    step = max(1, group)

    def args() -> Iterator[tuple[Any, ...]]:
        for i in range(0, len(block_refs), step):
            blocks = block_refs[i : i + step]
            if release:
                block_refs[i : i + step] = [None] * len(blocks)
            yield (map_fn, num_parts, map_kwargs or {}, *blocks)

    outs = submit_bounded(args(), map_remote.remote)
    summaries = [o[0] for o in outs]
    reduces = [
        reduce_remote.remote(reduce_fn, p, reduce_kwargs or {}, *[o[p + 1] for o in outs])
        for p in range(num_parts)
    ]
    return summaries, reduces


def max_in_flight() -> int:
    """How many map tasks to keep submitted at once: twice the cluster's CPUs, so every
    worker has its next task queued, but no more (see :func:`submit_bounded`)."""
    from crossthink_data._optional import import_optional

    ray: Any = import_optional("ray", "curation")
    return max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))


def submit_bounded(
    args_list: Iterable[tuple[Any, ...]], submit: Callable[..., Any], limit: int | None = None
) -> list[Any]:
    """``[submit(*args) for args in args_list]`` with at most ``limit`` tasks unfinished at a
    time. A queued task makes Ray fetch its block argument into the object store; with every
    task queued at once, a store smaller than the data restores spilled blocks for tasks far
    down the queue and spills them again before they run. Returns each call's result (the
    ``ObjectRef``, or the list of them for several returns), in order."""
    import ray

    limit = limit or max_in_flight()
    outs: list[Any] = []
    pending: list[Any] = []
    for args in args_list:
        if len(pending) >= limit:
            _, pending = ray.wait(pending, num_returns=1)
        out = submit(*args)
        outs.append(out)
        pending.append(out[0] if isinstance(out, list) else out)
    return outs


def run_reduces(
    reduce_fn: Callable[..., Any], part_refs: Sequence[Sequence[Any]], kwargs: dict[str, Any]
) -> list[Any]:
    """``reduce_fn(part, [tables], **kwargs)`` for each partition's table refs (already
    partitioned by earlier tasks); results in partition order."""
    import ray

    reduce_remote = _remote("reduce")
    return list(
        ray.get(
            [reduce_remote.remote(reduce_fn, p, kwargs, *refs) for p, refs in enumerate(part_refs)]
        )
    )


def split_by(table: Any, part: Any, num_parts: int) -> list[Any]:
    """Split ``table`` by the integer partition array ``part`` (numpy) into ``num_parts``."""
    import numpy as np
    import pyarrow as pa

    if table.num_rows == 0:
        return [table] * num_parts
    order = np.argsort(part, kind="stable")
    counts = np.bincount(part, minlength=num_parts)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    sorted_t = table.take(pa.array(order, type=pa.int64()))
    return [sorted_t.slice(int(bounds[i]), int(counts[i])) for i in range(num_parts)]


def uid_range_part(uids: Any, num_parts: int) -> Any:
    """Partition of each uid: ``num_parts`` contiguous ranges of the hex uid space.

    Parts hold contiguous uid ranges, so files read in name order are globally sorted; the
    boundaries depend only on ``num_parts`` (hex uids spread evenly; other strings still get a
    deterministic, if uneven, part). ``uids``: a pyarrow string array (compared column-wise;
    UTF-8 byte order is code point order) or a list of str/None (None sorts first).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(uids)
    if num_parts == 1:
        return np.zeros(n, dtype=np.int64)
    if not isinstance(uids, (pa.Array, pa.ChunkedArray)):
        uids = pa.array(list(uids), pa.string())
    part = np.zeros(n, dtype=np.int64)
    for i in range(1, num_parts):
        bound = format(i * 16**8 // num_parts, "08x")
        above = pc.fill_null(pc.greater_equal(uids, bound), False)
        part += np.asarray(above.to_numpy(zero_copy_only=False), dtype=np.int64)
    return part
