"""The column-wise row digest equals the plain-Python definition, on arbitrary rows."""

from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from crossthink_data.pipeline.hashing import (  # noqa: E402
    row_digest,
    row_encoding,
    table_digests,
)
from crossthink_data.records import COLUMNS, arrow_schema  # noqa: E402

_text = st.none() | st.text(max_size=40)
_row = st.fixed_dictionaries(
    {
        **{c: _text for c in COLUMNS if c not in ("options", "prompt", "pass_rate")},
        "options": st.none() | st.lists(_text, max_size=5),
        "prompt": st.none()
        | st.lists(
            st.none() | st.fixed_dictionaries({"role": _text, "content": _text}), max_size=3
        ),
        "pass_rate": st.none() | st.floats(allow_nan=False),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_row, min_size=1, max_size=12), st.integers(0, 11))
def test_table_digests_equal_row_digests(rows: list[dict], start: int) -> None:
    table = pa.Table.from_pylist(rows, schema=arrow_schema())
    # a sliced, multi-chunk table: offsets into shared buffers must not leak into digests
    table = pa.concat_tables([table.slice(0, start), table.slice(start)])
    assert table_digests(table) == [row_digest(r) for r in rows]


def test_encoding_is_self_delimiting() -> None:
    base = {c: None for c in COLUMNS}
    a = row_encoding({**base, "question": "ab", "answer": "c"})
    b = row_encoding({**base, "question": "a", "answer": "bc"})
    c = row_encoding({**base, "options": ["a", "b"]})
    d = row_encoding({**base, "options": ["ab"]})
    e = row_encoding({**base, "options": []})
    assert len({a, b}) == 2 and len({c, d, e, row_encoding(base)}) == 4


def test_digest_sees_every_column() -> None:
    row = {c: "x" for c in COLUMNS}
    row.update(options=["a"], prompt=[{"role": "user", "content": "q"}], pass_rate=0.5)
    seen = {row_digest(row)}
    for c in COLUMNS:
        changed = dict(row)
        changed[c] = None
        seen.add(row_digest(changed))
    assert len(seen) == len(COLUMNS) + 1
