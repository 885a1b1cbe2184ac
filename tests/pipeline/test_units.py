"""Pure pieces of the pipeline, without Ray: hashing, partitioning, union-find, config."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

from crossthink_data.filters.minhash import resolve_duplicates  # noqa: E402
from crossthink_data.pipeline.config import CurationConfig, CurationConfigError, load_config  # noqa: E402
from crossthink_data.pipeline.dedup import components  # noqa: E402
from crossthink_data.pipeline.hashing import content_hash, unit_interval  # noqa: E402
from crossthink_data.pipeline.schema import work_schema  # noqa: E402
from crossthink_data.pipeline.shuffle import split_by, uid_range_part  # noqa: E402
from crossthink_data.pipeline.stages import apply_decisions  # noqa: E402
from crossthink_data.records import arrow_schema, build_prompt, make_uid  # noqa: E402


def _row(q: str, source: str = "s") -> dict:
    return {
        "uid": make_uid(source, q),
        "source": source,
        "domain": "gpr",
        "subject": "",
        "template": "open",
        "verifier": "open",
        "question": q,
        "options": None,
        "answer": "x",
        "prompt": build_prompt(q, None),
        "license": "MIT",
        "metadata": "{}",
        "pass_rate": None,
    }


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=12, unique=True), st.randoms()
)
def test_content_hash_ignores_row_order(questions: list[str], rnd: random.Random) -> None:
    rows = [_row(q) for q in questions]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    t1 = pa.Table.from_pylist(rows, schema=arrow_schema())
    t2 = pa.Table.from_pylist(shuffled, schema=arrow_schema())
    assert content_hash(t1) == content_hash(t2)


def test_content_hash_sees_content() -> None:
    rows = [_row("a question"), _row("another one")]
    t1 = pa.Table.from_pylist(rows, schema=arrow_schema())
    rows[1] = {**rows[1], "answer": "y"}
    assert content_hash(t1) != content_hash(pa.Table.from_pylist(rows, schema=arrow_schema()))


@given(
    st.lists(st.text(alphabet="0123456789abcdef", min_size=8, max_size=24), max_size=50),
    st.integers(1, 9),
)
def test_uid_range_parts_are_ordered(uids: list[str], parts: int) -> None:
    p = uid_range_part(uids, parts)
    assert ((p >= 0) & (p < parts)).all()
    ordered = sorted(zip(uids, p.tolist(), strict=True))
    assert [x[1] for x in ordered] == sorted(x[1] for x in ordered)


@given(
    st.lists(
        st.none() | st.text(max_size=12) | st.text("0123456789abcdef", max_size=12), max_size=40
    ),
    st.integers(1, 9),
)
def test_uid_range_part_matches_the_sorted_bounds_rule(uids: list, parts: int) -> None:
    """Column-wise parts equal a binary search of each uid among the hex bounds."""
    import bisect

    bounds = [format(i * 16**8 // parts, "08x") for i in range(1, parts)]
    want = [bisect.bisect_right(bounds, u or "") for u in uids]
    assert uid_range_part(uids, parts).tolist() == want
    assert uid_range_part(pa.array(uids, pa.string()), parts).tolist() == want


def test_split_by_keeps_every_row() -> None:
    t = pa.table({"x": list(range(10))})
    parts = split_by(t, np.asarray([i % 3 for i in range(10)]), 3)
    assert [p.num_rows for p in parts] == [4, 3, 3]
    assert sorted(v for p in parts for v in p.column("x").to_pylist()) == list(range(10))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=40))
def test_components_match_union_find(edges: list[tuple[int, int]]) -> None:
    n = 16
    names = [f"u{i:02d}" for i in range(n)]
    labels = components(
        n,
        np.asarray([a for a, _ in edges], dtype=np.int64),
        np.asarray([b for _, b in edges], dtype=np.int64),
    )
    got = {names[i]: names[int(labels[i])] for i in range(n) if labels[i] != i}
    assert got == resolve_duplicates((names[a], names[b]) for a, b in edges if a != b)


def test_apply_decisions_marks_rows() -> None:
    rows = [_row(q) for q in ("first question here", "second question here", "third question here")]
    t = pa.Table.from_pylist(rows, schema=arrow_schema())
    n = t.num_rows
    extra = {
        "_stage": [None] * n,
        "_reason": [None] * n,
        "_row_json": [None] * n,
        "_xk1": [0] * n,
        "_xk2": [0] * n,
        "_bands": [None] * n,
        "_digest": [b""] * n,
        "_rid": [5, 7, 9],
        "_n": [None] * n,
    }
    for k, v in extra.items():
        t = t.append_column(work_schema().field(k), pa.array(v, work_schema().field(k).type))
    exact = (np.asarray([7], dtype=np.uint64), [rows[0]["uid"]])
    near = (np.asarray([9], dtype=np.uint64), [rows[0]["uid"]])
    out = apply_decisions(t, exact=exact, near=near)
    assert out.column("_stage").to_pylist() == [None, "exact_dedup", "near_dedup"]
    assert out.column("_reason").to_pylist() == [None, "exact_duplicate", "near_duplicate"]


def test_apply_decisions_compares_rids_exactly_beside_reject_rows() -> None:
    """Regression (found profiling the write pass): a block's ``_rid`` is null on its reject
    and stats rows, and ``to_numpy`` of a uint64 column with nulls gives float64, so rids were
    compared as doubles; two rids 1 apart above 2**53 are the same double, and dropping one
    dropped both. Only the rid in the decision may be dropped."""
    rows = [_row(q) for q in ("first question here", "second question here", "a reject row")]
    t = pa.Table.from_pylist(rows, schema=arrow_schema())
    n = t.num_rows
    big = 2**63 + 1
    extra = {
        "_stage": [None, None, "source"],
        "_reason": [None, None, "empty_field:question"],
        "_row_json": [None, None, "{}"],
        "_xk1": [0, 0, None],
        "_xk2": [0, 0, None],
        "_bands": [None] * n,
        "_digest": [b"", b"", None],
        "_rid": [big, big + 1, None],
        "_n": [None] * n,
    }
    for k, v in extra.items():
        t = t.append_column(work_schema().field(k), pa.array(v, work_schema().field(k).type))
    assert float(big) == float(big + 1)  # the premise: one double for both rids
    near = (np.asarray([big + 1], dtype=np.uint64), [rows[0]["uid"]])
    out = apply_decisions(t, near=near)
    assert out.column("_stage").to_pylist() == [None, "near_dedup", "source"]


def test_unit_interval_is_stable() -> None:
    assert unit_interval(1, "abc") == unit_interval(1, "abc")
    assert unit_interval(1, "abc") != unit_interval(2, "abc")
    assert 0 <= unit_interval(3, "x") < 1


def test_config_errors_name_file_and_field(tmp_path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("sources:\n  - name: mmlu_aux\ndedup:\n  bands: 7\n")
    with pytest.raises(CurationConfigError, match=r"c\.yaml[\s\S]*bands"):
        load_config(p)
    p.write_text("sources: [\n")
    with pytest.raises(CurationConfigError, match="not valid YAML"):
        load_config(p)
    with pytest.raises(CurationConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="duplicate source labels"):
        CurationConfig.model_validate(
            {
                "sources": [
                    {"name": "local", "data_files": "a"},
                    {"name": "local", "data_files": "b"},
                ]
            }
        )


def test_example_config_loads() -> None:
    from crossthink_data.pipeline.config import example_config_path

    cfg = load_config(example_config_path())
    assert cfg.sources


def _naive_bucket_pairs(band: list[int], uh: list[int], max_bucket: int) -> set[tuple[int, int]]:
    """Reference for ``dedup._near_reduce``: per bucket, all pairs up to ``max_bucket``
    members, else a star on the smallest member plus a chain, one bucket at a time."""
    buckets: dict[int, list[int]] = {}
    for b, u in zip(band, uh, strict=True):
        buckets.setdefault(b, []).append(u)
    out: set[tuple[int, int]] = set()
    for members in buckets.values():
        m = sorted(members)
        if len(m) <= max_bucket:
            pairs = [(m[i], m[j]) for i in range(len(m)) for j in range(i + 1, len(m))]
        else:
            pairs = [(m[0], m[k]) for k in range(1, len(m))]
            pairs += [(m[k], m[k + 1]) for k in range(len(m) - 1)]
        out.update((min(a, b), max(a, b)) for a, b in pairs if a != b)
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), min_size=0, max_size=120),
    st.integers(2, 6),
)
def test_near_reduce_vectorised_matches_naive(
    entries: list[tuple[int, int]], max_bucket: int
) -> None:
    from crossthink_data.pipeline.dedup import _near_reduce

    band = [b for b, _ in entries]
    uh = [u for _, u in entries]
    t = pa.table({"band": pa.array(band, pa.uint64()), "uh": pa.array(uh, pa.uint64())})
    got = _near_reduce(0, [t], max_bucket)
    assert {(int(a), int(b)) for a, b in got.tolist()} == _naive_bucket_pairs(band, uh, max_bucket)


def test_map_source_block_maps_mixed_schema_blocks() -> None:
    """Blocks of one source whose schemas differ (a malformed row) map in one task; every
    upstream row is counted once and the bad one becomes a reject."""
    from crossthink_data.pipeline.config import default_config
    from crossthink_data.pipeline.stages import MapSettings, map_source_block
    from crossthink_data.sources import SourceSpec, get_source

    spec = SourceSpec(name="procedural", rows=10)
    cfg = default_config()
    settings_ = MapSettings(verifiability=cfg.verifiability.model_dump(), minhash=None)
    good = pa.table({"id": pa.array(list(range(7)), pa.int64())})
    bad = pa.table({"id": pa.array(["x"], pa.string())})
    more = pa.table({"id": pa.array([7, 8], pa.int64())})
    table, n = map_source_block(
        good, bad, more, source_name="procedural", spec=spec, settings=settings_, batch_size=3
    )
    assert n == table.num_rows
    stage = table.column("_stage").to_pylist()
    upstream = sum(
        v or 0 for v, s in zip(table.column("_n").to_pylist(), stage, strict=True) if s == "_stats"
    )
    assert upstream == 10
    alive = [u for u, s in zip(table.column("uid").to_pylist(), stage, strict=True) if s is None]
    assert len(alive) == len(set(alive)) and 0 < len(alive) <= 9
    assert any(s == "source" for s in stage)
    assert get_source("procedural").name == "procedural"


@pytest.mark.parametrize("record_parts", [1, 2])
@pytest.mark.parametrize("sub", [2, 3, 64])
def test_sorted_sub_ranges_write_the_same_bytes(tmp_path, record_parts: int, sub: int) -> None:
    """Sorting uid sub-ranges in separate reduces and writing each file from them gives the
    same files as one reduce per file (sub-range boundaries refine the file boundaries; with
    64 sub-ranges per file, for 40 uids, some are empty)."""
    from crossthink_data.pipeline.io import final_reduce, part_name, write_records

    rnd = random.Random(record_parts * 10 + sub)
    rows = [_row(f"question number {rnd.random()}") for _ in range(40)]
    rows += [dict(rows[3], answer="other copy")]  # same uid twice: ordered by digest
    t = pa.Table.from_pylist(rows, schema=arrow_schema())
    t = t.append_column("_digest", pa.array([bytes([rnd.randrange(256)]) * 4 for _ in rows]))
    blocks = [t.slice(0, 15), t.slice(15, 26)]
    kw = {"row_group_size": 7, "compression": "zstd"}

    def parts(n: int) -> list[list]:
        out: list[list] = [[] for _ in range(n)]
        for b in blocks:
            for i, piece in enumerate(split_by(b, uid_range_part(b["uid"].to_pylist(), n), n)):
                out[i].append(piece)
        return out

    direct = tmp_path / "direct"
    (direct / "records").mkdir(parents=True)
    want = [
        final_reduce(i, p, str(direct), record_parts, **kw)
        for i, p in enumerate(parts(record_parts))
    ]
    split = tmp_path / "split"
    (split / "records").mkdir(parents=True)
    ranges = [
        final_reduce(i, p, str(split), record_parts, sub_parts=sub, **kw)
        for i, p in enumerate(parts(record_parts * sub))
    ]
    if sub == 64:
        assert any(r.num_rows == 0 for r in ranges)
    got = [
        write_records(i, ranges[i * sub : (i + 1) * sub], str(split), **kw)
        for i in range(record_parts)
    ]
    assert got == want and sum(w["rows"] for w in got) == len(rows)
    for i in range(record_parts):
        name = f"records/{part_name(i)}"
        assert (split / name).read_bytes() == (direct / name).read_bytes()


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 30),
    pairs=st.integers(0, 70),
    chunk=st.integers(1, 20),
    seed=st.integers(0, 2**16),
)
def test_verify_estimate_is_the_agreement_rate_whatever_the_chunking(
    rows: int, pairs: int, chunk: int, seed: int
) -> None:
    """Chunked, buffer-reusing verification equals the plain formula: the share of equal
    signature slots reaches the threshold."""
    from types import SimpleNamespace

    from crossthink_data.pipeline.dedup import _verify_estimate

    num_perm = 8
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, 3, size=(rows, num_perm), dtype=np.uint32)  # many agreements
    uniq = pa.table({"sig": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), num_perm)})
    ia = rng.integers(0, rows, size=pairs)
    ib = rng.integers(0, rows, size=pairs)
    cfg = SimpleNamespace(num_perm=num_perm, threshold=0.5)
    want = (sig[ia] == sig[ib]).mean(axis=1) >= 0.5
    assert np.array_equal(_verify_estimate(uniq, ia, ib, cfg, chunk=chunk), want)


def test_small_pages_is_scoped() -> None:
    """The band reduce turns NumPy's huge-page advice off for its own duration only."""
    import importlib

    from crossthink_data.pipeline.dedup import _small_pages

    mod = importlib.import_module(
        "numpy._core.multiarray" if np.__version__ >= "2" else "numpy.core.multiarray"
    )
    setter = mod._set_madvise_hugepage

    def current() -> bool:
        value = setter(True)
        setter(value)
        return bool(value)

    initial = current()
    try:
        for start in (True, False):
            setter(start)
            with _small_pages():
                assert current() is False
            assert current() is start
    finally:
        setter(initial)


def _biggest_buffer(table: Any) -> int:
    """The largest buffer Ray's Arrow serializer stores for ``table``: a sliced chunk's
    buffers are stored cut to the slice, as a compact copy of the chunk has them."""
    return max(
        b.size
        for col in table.columns
        for ch in col.chunks
        for b in ch.take(pa.array(range(len(ch)), pa.int64())).buffers()
        if b
    )


def test_small_buffers_cuts_only_what_ray_would_copy_on_threads() -> None:
    import pyarrow as pa

    from crossthink_data.pipeline.stages import small_buffers

    t = pa.table({"text": [f"{i:04d}" + "x" * 996 for i in range(3_000)], "n": range(3_000)})
    t = t.combine_chunks()
    assert _biggest_buffer(t) > 2**20  # ~3 MB of text in one buffer
    out = small_buffers(t)
    assert out.equals(t)  # the same rows, in order
    assert _biggest_buffer(out) <= 2**20
    assert out.column("text").num_chunks == 4  # 3 MB with 10% headroom: four chunks
    small = pa.table({"n": [1, 2]})
    assert small_buffers(small) is small


def _procedural_work_block(lo: int, hi: int, rows: int) -> Any:
    """The work block the map task returns for procedural rows ``[lo, hi)`` of ``rows``,
    with the default config."""
    from crossthink_data.pipeline.config import default_config
    from crossthink_data.pipeline.stages import MapSettings, map_and_partition
    from crossthink_data.sources import SourceSpec

    cfg = default_config()
    settings = MapSettings(
        verifiability=cfg.verifiability.model_dump(),
        minhash=cfg.dedup.minhash_config(),
        seed=cfg.seed,
    )
    block, *_ = map_and_partition(
        (lo, hi),
        source_name="procedural",
        spec=SourceSpec(name="procedural", rows=rows),
        settings=settings,
        batch_size=hi - lo,
        num_parts=2,
        near=True,
    )
    return block


def test_map_task_block_has_no_buffer_over_a_mebibyte() -> None:
    """A full-size (4096-row) work block as the map task returns it: Ray stores it with
    plain copies (its prompt texts and signatures alone exceed 1 MiB in one chunk)."""
    block = _procedural_work_block(0, 4096, 4096)
    assert block.num_rows > 4000
    assert _biggest_buffer(block) <= 2**20
    assert block.column("prompt").num_chunks > 1


# ------------------------------------------------------------- near dedup's driver steps


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 6), max_size=60))
def test_sorted_unique_is_np_unique(values: list[int]) -> None:
    from crossthink_data.pipeline.dedup import sorted_unique

    arr = np.asarray(values, dtype=np.uint64)
    assert np.array_equal(sorted_unique(arr), np.unique(arr))
    assert np.array_equal(sorted_unique(arr.reshape(-1, 1)), np.unique(arr))


_ENDS = st.integers(0, 2**64 - 1) | st.integers(0, 5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_ENDS, _ENDS), max_size=50))
def test_unique_pairs_keeps_each_distinct_pair_once(pairs: list[tuple[int, int]]) -> None:
    from crossthink_data.pipeline.dedup import unique_pairs

    arr = np.asarray(pairs, dtype=np.uint64).reshape(-1, 2)
    got = [tuple(p) for p in unique_pairs(arr).tolist()]
    assert len(got) == len(set(got))
    assert set(got) == set(pairs)


def test_unique_pairs_with_a_shared_mixed_key() -> None:
    """Two different pairs built to share the one-word key take the exact two-column path
    (and neither is lost)."""
    from crossthink_data.pipeline.dedup import _PAIR_MIX, unique_pairs

    mix = np.uint64(_PAIR_MIX)
    a1, b1, a2 = np.uint64(1), np.uint64(5), np.uint64(2)
    with np.errstate(over="ignore"):
        b2 = (a1 * mix ^ b1) ^ (a2 * mix)
        pairs = np.array([[a1, b1], [a2, b2], [a1, b1], [a2, b2]], dtype=np.uint64)
        assert pairs[0, 0] * mix ^ pairs[0, 1] == pairs[1, 0] * mix ^ pairs[1, 1]
    got = sorted(tuple(p) for p in unique_pairs(pairs).tolist())
    assert got == sorted({(int(a1), int(b1)), (int(a2), int(b2))})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a1", "a2", "b", "c9", "d"]), st.binary(max_size=2)),
        max_size=30,
    ),
    st.randoms(),
)
def test_uid_order_is_the_three_key_sort(rows: list[tuple[str, bytes]], rnd: random.Random) -> None:
    """Ordering by uid and then, within a uid, by (digest, rid) is the order of sorting by all
    three at once; ``first`` marks each uid's first row in it."""
    from crossthink_data.pipeline.dedup import _uid_order

    rids = list(range(len(rows)))
    rnd.shuffle(rids)
    t = pa.table(
        {
            "uid": pa.array([u for u, _ in rows], pa.string()),
            "_digest": pa.array([d for _, d in rows], pa.binary()),
            "_rid": pa.array(rids, pa.uint64()),
        }
    )
    order, first = _uid_order(t)
    want = t.sort_by([("uid", "ascending"), ("_digest", "ascending"), ("_rid", "ascending")])
    assert t.take(pa.array(order)).equals(want)
    uids = want.column("uid").to_pylist()
    assert first.tolist() == [i == 0 or uids[i] != uids[i - 1] for i in range(len(uids))]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 12), max_size=10),
    st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=30),
)
def test_node_pairs_finds_both_ends(nodes: list[int], pairs: list[tuple[int, int]]) -> None:
    """Each pair whose two ends are nodes becomes the first node index of each end, in pair
    order; pairs with an end that is not a node are left out."""
    from crossthink_data.pipeline.dedup import _node_pairs

    first: dict[int, int] = {}
    for i, v in enumerate(nodes):
        first.setdefault(v, i)
    want = [(first[a], first[b]) for a, b in pairs if a in first and b in first]
    ia, ib = _node_pairs(
        np.asarray(nodes, dtype=np.uint64), np.asarray(pairs, dtype=np.uint64).reshape(-1, 2)
    )
    assert list(zip(ia.tolist(), ib.tolist(), strict=True)) == want


@pytest.mark.parametrize(
    ("blocks", "parts", "size"),
    [(0, 2, 4), (8, 2, 4), (55, 2, 14), (144, 2, 36), (144, 8, 9), (3, 0, 4)],
)
def test_fetch_group_size(blocks: int, parts: int, size: int) -> None:
    """About two fetch tasks per partition, never fewer than FETCH_GROUP blocks a task."""
    from crossthink_data.pipeline.dedup import fetch_group_size

    assert fetch_group_size(blocks, parts) == size


def test_record_off_schema_is_rejected_with_its_json_never_a_crash() -> None:
    """A record that does not fit the canonical schema is a reject with a readable
    ``row_json``, even when its JSON cannot be sorted (a dict with int and str keys made
    ``json.dumps(..., sort_keys=True)`` raise and took the whole block down)."""
    import json

    from crossthink_data.pipeline.stages import _canonical_table

    good = {
        "uid": "u1",
        "source": "local",
        "domain": "gpr",
        "subject": "geography",
        "template": "open",
        "verifier": "open",
        "question": "What is the capital of France?",
        "options": None,
        "answer": "Paris",
        "prompt": [{"role": "user", "content": "What is the capital of France?"}],
        "license": "MIT",
        "metadata": "{}",
        "pass_rate": None,
    }
    bad = {**good, "uid": "u2", "options": {1: "a", "b": 2}}
    table, kept, rejects = _canonical_table([good, bad])
    assert table.num_rows == 1 and kept == [good]
    (rej,) = rejects
    assert rej["uid"] == "u2" and rej["reason"].startswith("record_schema_error:")
    assert json.loads(rej["row_json"])["options"] == {"1": "a", "b": 2}


# ------------------------------------------------------------- the last pass's map tasks


def test_last_pass_group_takes_up_to_16k_rows_but_four_tasks_per_cpu() -> None:
    from crossthink_data.pipeline.run import LAST_PASS_ROWS, last_pass_group

    assert LAST_PASS_ROWS == 16_384
    assert last_pass_group(55, 2, 4096) == 4  # 200,000 rows on 2 CPUs: 14 tasks
    assert last_pass_group(55, 1, 4096) == 4  # the same on one core
    assert last_pass_group(55, 64, 4096) == 1  # many CPUs: one block a task keeps all busy
    assert last_pass_group(30, 2, 4096) == 3  # at least four tasks per CPU
    assert last_pass_group(1000, 2, 500) == 32  # small blocks: more of them, same rows
    assert last_pass_group(1000, 2, 50_000) == 1  # a block over the bound: alone
    assert last_pass_group(0, 2, 4096) == last_pass_group(7, 1, 4096) == 1


@pytest.mark.parametrize("group", [2, 3, 7])
def test_last_pass_on_grouped_blocks_writes_the_same_files(tmp_path, group: int) -> None:
    """A map task over consecutive work blocks concatenated (the last pass's grouping) gives
    the same parts, so the same files and counts, as one task per block."""
    from crossthink_data.pipeline import manifest
    from crossthink_data.pipeline.io import final_map, final_reduce
    from crossthink_data.pipeline.shuffle import _one_block

    blocks = [_procedural_work_block(lo, lo + 300, 2100) for lo in range(0, 2100, 300)]
    rids = np.concatenate([b["_rid"].drop_null().to_numpy()[::11] for b in blocks])
    near = (np.sort(rids), [f"kept{i:04d}" for i in range(len(rids))])  # every 11th: near-dups
    record_parts, n_parts = 2, 3  # two records files, one rejects file

    def write(step: int, out) -> tuple[list[Any], dict[str, Any]]:
        (out / "records").mkdir(parents=True)
        (out / "rejects").mkdir()
        tasks = [
            final_map(_one_block(tuple(blocks[i : i + step])), n_parts, record_parts, near=near)
            for i in range(0, len(blocks), step)
        ]
        written = [
            final_reduce(p, [t[1][p] for t in tasks], str(out), record_parts, 100, "zstd")
            for p in range(n_parts)
        ]
        return written, manifest.merge_summaries([t[0] for t in tasks])

    want, want_sum = write(1, tmp_path / "one")
    got, got_sum = write(group, tmp_path / f"g{group}")
    assert got == want and got_sum == want_sum
    assert sum(w["rows"] for w in want) == 2100 and sum(want_sum["rejects"].values()) > 150
    for w in want:
        assert (tmp_path / f"g{group}" / w["path"]).read_bytes() == (
            tmp_path / "one" / w["path"]
        ).read_bytes()
