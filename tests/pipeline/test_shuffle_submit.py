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
