"""Map tasks are submitted with a bound on unfinished ones (so a small object store is not
churned by restoring blocks for tasks far down the queue), results in submission order."""

from __future__ import annotations

import time
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from crossthink_data.pipeline.shuffle import submit_bounded  # noqa: E402

pytestmark = [pytest.mark.ray]


@ray.remote
def _slow(i: int) -> int:
    time.sleep(0.05)
    return i


def test_submit_bounded_keeps_order_and_the_bound(ray_local: str) -> None:
    submitted: list[Any] = []
    unfinished_at_submit: list[int] = []

    def submit(i: int) -> Any:
        if submitted:
            _, not_ready = ray.wait(submitted, num_returns=len(submitted), timeout=0)
            unfinished_at_submit.append(len(not_ready))
        ref = _slow.remote(i)
        submitted.append(ref)
        return ref

    outs = submit_bounded([(i,) for i in range(8)], submit, limit=2)
    assert ray.get(outs) == list(range(8))
    assert max(unfinished_at_submit) <= 1  # a new task only once fewer than 2 are unfinished


def test_multi_return_tasks_are_waited_on_their_first_ref(ray_local: str) -> None:
    pair = ray.remote(lambda i: (i, -i)).options(num_returns=2)
    outs = submit_bounded([(i,) for i in range(5)], pair.remote, limit=2)
    assert [ray.get(o) for o in outs] == [[i, -i] for i in range(5)]


@pytest.mark.parametrize("release", [False, True])
def test_map_reduce_release_empties_the_block_list(ray_local: str, release: bool) -> None:
    """With ``release`` the caller's list stops holding each block once its map task is
    submitted (so Ray can free it when the task is done); the results are the same."""
    from crossthink_data.pipeline.shuffle import map_reduce

    # Defined here so that they travel by value (the workers cannot import this module).
    def _count_map(block: Any, num_parts: int) -> tuple[int, list[Any]]:
        return len(block), [block[p::num_parts] for p in range(num_parts)]

    def _sum_reduce(part: int, tables: list[Any]) -> int:
        return sum(sum(t) for t in tables)

    blocks = [ray.put(list(range(i, i + 6))) for i in range(0, 30, 6)]
    summaries, results = map_reduce(blocks, _count_map, _sum_reduce, 2, release=release)
    assert summaries == [6] * 5
    assert sum(results) == sum(range(30))
    assert all(b is None for b in blocks) == release
    assert all(b is not None for b in blocks) == (not release)


@pytest.mark.parametrize("group", [1, 2, 3, 9])
def test_map_reduce_groups_consecutive_blocks(ray_local: str, group: int) -> None:
    """With ``group`` each map task takes that many consecutive Arrow blocks as one table:
    one summary per task, the same partitions, and ``release`` still empties the list."""
    import pyarrow as pa

    from crossthink_data.pipeline.shuffle import map_reduce

    def _count_map(block: Any, num_parts: int) -> tuple[int, list[Any]]:
        vals = block.column("v").to_pylist()
        return block.num_rows, [[v for v in vals if v % num_parts == p] for p in range(num_parts)]

    def _sorted_reduce(part: int, tables: list[Any]) -> list[int]:
        return sorted(v for t in tables for v in t)

    blocks = [ray.put(pa.table({"v": list(range(i, i + 5))})) for i in range(0, 35, 5)]
    summaries, results = map_reduce(
        blocks, _count_map, _sorted_reduce, 2, release=True, group=group
    )
    sizes = [min(group, 7 - i) * 5 for i in range(0, 7, group)]
    assert summaries == sizes
    assert results == [list(range(0, 35, 2)), list(range(1, 35, 2))]
    assert all(b is None for b in blocks)
