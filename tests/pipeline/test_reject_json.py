"""``stages.reject_json`` writes the same bytes as ``json.dumps`` of each rejected record."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from crossthink_data.pipeline.stages import reject_json  # noqa: E402
from crossthink_data.records import COLUMNS, arrow_schema  # noqa: E402

# Text that JSON must escape: quotes, backslashes, control characters, non-ASCII, surrogates
# are not valid in Arrow strings (UTF-8), so they are left out.
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]) | st.sampled_from('"\\\n\t\x00\x1f/'),
    max_size=12,
)
_MAYBE = st.none() | _TEXT
_MESSAGE = st.none() | st.fixed_dictionaries({"role": _MAYBE, "content": _MAYBE})
_RATE = st.none() | st.floats(allow_nan=True, allow_infinity=True)
_ROW = st.fixed_dictionaries(
    {
        **{c: _MAYBE for c in COLUMNS if c not in ("options", "prompt", "pass_rate")},
        "options": st.none() | st.lists(_MAYBE, max_size=4),
        "prompt": st.none() | st.lists(_MESSAGE, max_size=3),
        "pass_rate": _RATE,
    }
)


def _reference(row: dict[str, Any], key: str, value: str) -> str:
    return json.dumps(
        {**{c: row.get(c) for c in COLUMNS}, key: value}, sort_keys=True, ensure_ascii=False
    )


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(_ROW, min_size=1, max_size=8),
    keys=st.lists(st.sampled_from(["duplicate_of", "benchmark"]), min_size=8, max_size=8),
    values=st.lists(_TEXT, min_size=8, max_size=8),
    skip=st.integers(0, 3),
)
def test_reject_json_is_json_dumps(
    rows: list[dict[str, Any]], keys: list[str], values: list[str], skip: int
) -> None:
    """Every canonical column type, nulls at every level, NaN and infinities, and a table
    that is a slice of a larger one (offsets in its list and struct children)."""
    table = pa.Table.from_pylist(rows[-1:] * skip + rows, schema=arrow_schema()).slice(skip)
    for mixed in (False, True):
        extra = [(keys[i] if mixed else "duplicate_of", values[i]) for i in range(len(rows))]
        got = reject_json(table, extra)
        assert got == [_reference(r, k, v) for r, (k, v) in zip(rows, extra, strict=True)]


def test_reject_json_special_floats_and_empty_lists() -> None:
    rows = [
        {**dict.fromkeys(COLUMNS), "pass_rate": math.nan, "options": [], "prompt": []},
        {**dict.fromkeys(COLUMNS), "pass_rate": -math.inf, "options": [None, "b"]},
        {**dict.fromkeys(COLUMNS), "pass_rate": 0.1, "prompt": [None, {"role": "user"}]},
    ]
    table = pa.Table.from_pylist(rows, schema=arrow_schema())
    extra = [("benchmark", "gpqa")] * 3
    want = [_reference(r, "benchmark", "gpqa") for r in table.to_pylist()]
    assert reject_json(table, extra) == want


def test_reject_json_counts_must_match() -> None:
    table = pa.Table.from_pylist([dict.fromkeys(COLUMNS)], schema=arrow_schema())
    with pytest.raises(ValueError, match="1 rows but 2 extra"):
        reject_json(table, [("benchmark", "a"), ("benchmark", "b")])
    assert reject_json(table.slice(0, 0), []) == []


def test_json_array_respects_slices() -> None:
    """A sliced list or struct array (offsets into its children) encodes its own values."""
    from crossthink_data.pipeline.stages import _json_array

    lists = pa.array([["a"], ["b", None], None, [], ["c"]], pa.list_(pa.string()))
    structs = pa.array(
        [{"role": "s", "content": "x"}, None, {"role": None, "content": "y"}],
        pa.struct([("role", pa.string()), ("content", pa.string())]),
    )
    for arr in (lists.slice(1, 3), lists.slice(3), structs.slice(1), structs.slice(2)):
        assert _json_array(arr) == [
            json.dumps(v, sort_keys=True, ensure_ascii=False) for v in arr.to_pylist()
        ]
