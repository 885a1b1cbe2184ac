"""The vectorised decontamination path against the pure-Python reference, and hit semantics.

``batch_keys`` (numpy; Python lists or pyarrow arrays) must give, row by row, exactly the
keys of ``query_keys``/``index_keys``; ``match_batch`` must behave the same whatever the
input container; the bundled benchmark fixtures must match themselves.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")

from crossthink_data.filters import decontam as dc  # noqa: E402
from crossthink_data.filters.benchmarks import DEFAULT_BENCHMARKS, load_benchmark  # noqa: E402
from crossthink_data.filters.decontam import (  # noqa: E402
    KEY_SCHEME,
    DecontamIndex,
    batch_keys,
    index_keys,
    query_keys,
    seq_key,
    word_hash,
    words,
)

# ASCII word characters and separators, a few characters that NFKC/casefold change, a
# separator \w excludes, and (for Python input only) a lone surrogate.
_CHARS = "abcXYZ019_ -.,?$\n\t"
_UNICODE = "éÉßİﬁ²Ａ中\u00a0\x1f·\u0301क\u093f٣Ⅻ½😀𝐀𠀀"
_WORDS = ["the", "The", "of", "x_1", "42", "Ωmega", "straße", "a" * 9, "b" * 17, "ﬁne"]

text_st = st.one_of(
    st.text(alphabet=_CHARS, max_size=60),
    st.text(alphabet=_CHARS + _UNICODE, max_size=60),
    st.lists(st.sampled_from(_WORDS), max_size=20).map(" ".join),
    st.lists(st.sampled_from(_WORDS), min_size=13, max_size=30).map(" ".join),
)
question_st = st.one_of(text_st, text_st, text_st, st.none(), st.integers(0, 9))
options_st = st.one_of(st.none(), st.lists(st.one_of(text_st, st.none()), max_size=5))
batch_st = st.lists(st.tuples(question_st, options_st), max_size=25)


def reference(questions: list[Any], options: list[Any], n: int, index: bool) -> list[list[int]]:
    fn = index_keys if index else query_keys
    out = []
    for q, o in zip(questions, options, strict=True):
        out.append(sorted(fn(q, dc._clean_options(o), n)) if isinstance(q, str) else [])
    return out


def per_row(keys: Any, rows: Any, nrows: int) -> list[list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for k, r in zip(keys.tolist(), rows.tolist(), strict=True):
        grouped[r].append(k)
    return [sorted(grouped[i]) for i in range(nrows)]


def to_arrow(questions: list[Any], options: list[Any], large: bool, split: int) -> tuple[Any, Any]:
    qtype = pa.large_string() if large else pa.string()
    qs = pa.array([q if isinstance(q, str) else None for q in questions], type=qtype)
    os_ = pa.array(options, type=pa.list_(pa.string()))
    if 0 < split < len(questions):  # a ChunkedArray whose second chunk has an offset
        return (
            pa.chunked_array([qs.slice(0, split), qs.slice(split)]),
            pa.chunked_array([os_.slice(0, split), os_.slice(split)]),
        )
    return qs, os_


@pytest.mark.parametrize("chunk_bytes", [dc._CHUNK_BYTES, 7])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batch_st, n=st.sampled_from([1, 3, 13]), index=st.booleans())
def test_batch_keys_equal_reference_on_lists(
    chunk_bytes: int, batch: list[tuple[Any, Any]], n: int, index: bool
) -> None:
    questions = [q for q, _ in batch]
    options = [o for _, o in batch]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dc, "_CHUNK_BYTES", chunk_bytes)
        keys, rows = batch_keys(questions, options, n, index=index)
    assert per_row(keys, rows, len(batch)) == reference(questions, options, n, index)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=batch_st,
    n=st.sampled_from([2, 13]),
    index=st.booleans(),
    large=st.booleans(),
    split=st.integers(0, 25),
)
def test_batch_keys_equal_reference_on_arrow(
    batch: list[tuple[Any, Any]], n: int, index: bool, large: bool, split: int
) -> None:
    questions = [q for q, _ in batch]
    options = [o for _, o in batch]
    qs, os_ = to_arrow(questions, options, large, split)
    keys, rows = batch_keys(qs, os_, n, index=index)
    assert per_row(keys, rows, len(batch)) == reference(questions, options, n, index)


def test_surrogates_and_long_words_take_the_python_path() -> None:
    questions = ["caf\ud800 latte", "x" * 8 + " " + "y" * 9 + " " + "z" * 40, "ÉCOLE École"]
    keys, rows = batch_keys(questions, None, 1)
    assert per_row(keys, rows, 3) == reference(questions, [None] * 3, 1, False)
    # casefold/NFKC on the Python path: both spellings give the same word
    assert words("ÉCOLE École") == ["école", "école"]


def test_word_hash_pins_the_scheme() -> None:
    """Known answers: a change here changes every index and must bump KEY_SCHEME."""
    assert KEY_SCHEME == "poly64-v2"
    assert word_hash("hello") == 0xC82D11FE5FA50C6C
    assert seq_key([word_hash("hello"), word_hash("world")], 0x13) == 0x05164D6E6F49BB96
    assert seq_key([1, 2], 0x13) != seq_key([2, 1], 0x13)  # order-sensitive
    assert seq_key([1, 2], 0x13) != seq_key([1, 2], 0x57)  # seed-sensitive


def test_power_tables_wrap_modulo_2_64() -> None:
    for base in (dc._P, dc._P_INV):
        table = dc._powers(base, 300)
        assert [int(x) for x in table[:300]] == [pow(base, k, 1 << 64) for k in range(300)]
    assert dc._P * dc._P_INV % (1 << 64) == 1


@pytest.fixture(scope="module")
def index() -> DecontamIndex:
    return DecontamIndex.build(DEFAULT_BENCHMARKS, n=13, source="embedded")


def all_items() -> list[tuple[str, str, tuple[str, ...] | None]]:
    return [(name, q, o) for name in DEFAULT_BENCHMARKS for q, o in load_benchmark(name)]


def test_every_benchmark_question_matches_its_benchmark(index: DecontamIndex) -> None:
    items = all_items()
    names = [name for name, _, _ in items]
    qs = [q for _, q, _ in items]
    opts = [list(o) if o else None for _, _, o in items]
    assert index.match_batch(qs, opts) == names
    assert index.match_batch(qs) == names  # as open questions (a short MCQ stem: its stem)
    arrow_q, arrow_o = to_arrow(qs, opts, large=False, split=len(qs) // 2)
    assert index.match_batch(arrow_q, arrow_o) == names
    ids = index.match_ids(arrow_q, arrow_o)
    assert ids.dtype == np.int16 and [index.names[i] for i in ids.tolist()] == names


def test_thirteen_word_overlap_inside_other_text(index: DecontamIndex) -> None:
    filler_a = "Before we start, recall zqxa zqxb zqxc and then answer:"
    filler_b = "Explain zqxd zqxe your reasoning briefly."
    for name in DEFAULT_BENCHMARKS:
        q = next(q for q, _ in load_benchmark(name) if len(words(q)) >= 20)
        ws = words(q)
        window = " ".join(ws[3:16])
        shorter = " ".join(ws[3:15])
        batch = [f"{filler_a} {window} {filler_b}", f"{filler_a} {shorter} {filler_b}"]
        assert index.match_batch(batch) == [name, None]
        assert index.match_batch(pa.array(batch)) == [name, None]


def test_short_stems_need_the_same_options(index: DecontamIndex) -> None:
    short_mcq = [(name, q, list(o)) for name, q, o in all_items() if o and len(words(q)) < 13]
    assert short_mcq, "fixtures should hold a short MCQ"
    for name, q, opts in short_mcq:
        other = ["Iron", "Zinc", "Copper", "Tin"]
        qs = pa.array([q, q, q, q.upper() + "!!"])
        os_ = pa.array([opts, other, None, [o.lower() for o in opts]], pa.list_(pa.string()))
        assert index.match_batch(qs, os_) == [name, None, name, name]
    generic = ["Which of the following is true?", "Which of the following is correct?"]
    assert index.match_batch(generic, [["Paris is in Italy", "Water is wet"]] * 2) == [None, None]


def test_first_benchmark_wins_and_non_strings_never_match() -> None:
    item = ("An identical question that appears in two different benchmarks at once here", None)
    short = ("What is two plus two?", ("3", "4"))
    ix = DecontamIndex.from_items({"b1": [item], "b2": [item, short], "b3": [short]})
    batch = [item[0], short[0], None, 7, b"bytes"]
    assert ix.match_batch(batch, [None, list(short[1]), None, None, None]) == [
        "b1",
        "b2",
        None,
        None,
        None,
    ]
    assert ix.match_batch(pa.array([item[0], None])) == ["b1", None]
    assert ix.match_batch(pa.array([1, 2])) == [None, None]  # not a text column
    assert ix.match_batch(pa.chunked_array([], type=pa.string())) == []
    assert ix.match_batch(iter([item[0]])) == ["b1"]
    # options of another type are ignored, like non-string options in a Python list
    ints = pa.array([[1, 2]], pa.list_(pa.int64()))
    assert ix.match_batch(pa.array([short[0]]), ints) == ["b2"]
    assert ix.match_batch([short[0]], [[3, 4]]) == ["b2"]
    with pytest.raises(ValueError, match="2 option lists for 1 questions"):
        ix.match_batch([short[0]], [None, None])


def test_bitmap_prefilter_has_no_false_negatives() -> None:
    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64))
    ix = DecontamIndex(["b"], 13, keys, np.zeros(keys.size, dtype=np.int16))
    assert ix._maybe(keys).all()
    others = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64)
    assert ix._maybe(others).mean() < 0.1  # mostly filtered out


def test_serialisation_checks_the_scheme(index: DecontamIndex) -> None:
    q = next(q for q, _ in load_benchmark("amc23") if len(words(q)) >= 13)
    assert index.match(q) == "amc23"  # builds the bitmap
    copy = pickle.loads(pickle.dumps(index))
    assert "_bitmap" not in copy.__dict__ and copy.fingerprint() == index.fingerprint()
    assert copy.match(q) == "amc23"
    import io

    old = io.BytesIO()
    np.savez(old, keys=index.keys, ids=index.ids, names=np.asarray(index.names), n=13)
    with pytest.raises(ValueError, match="rebuild the index"):
        DecontamIndex.from_bytes(old.getvalue())


def test_arrow_layouts_nulls_with_bytes_dictionary_and_views() -> None:
    q = "An identical question that appears in two different benchmarks at once here"
    ix = DecontamIndex.from_items({"b": [(q, None)]})
    data = (q + q).encode()
    offsets = np.asarray([0, len(q), 2 * len(q)], dtype=np.int32)
    validity = pa.py_buffer(np.packbits([False, True], bitorder="little").tobytes())
    # a null slot whose offsets still cover bytes of a matching question
    arr = pa.Array.from_buffers(
        pa.string(), 2, [validity, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    )
    assert arr.to_pylist() == [None, q]
    assert ix.match_batch(arr) == [None, "b"]
    assert ix.match_batch(pa.array([q, "other", q]).dictionary_encode()) == ["b", None, "b"]
    assert ix.match_batch(pa.array([q, "x"]).cast(pa.string_view())) == ["b", None]
