"""The vectorised (pyarrow/numpy) dedup text paths equal the Python reference functions exactly.

``dedup_texts`` vs :func:`exact.dedup_text`; ``minhash_batch``/``signatures``/``numbers_keys``/
``shingle_hashes`` on pyarrow input (or long lists) vs the per-text Python path, on arbitrary
text including the characters where RE2 and Python disagree on whitespace.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("xxhash")

from crossthink_data.filters import minhash as mh  # noqa: E402
from crossthink_data.filters.exact import (  # noqa: E402
    dedup_text,
    dedup_texts,
    exact_key,
    exact_key_halves,
)
from crossthink_data.filters.minhash import (  # noqa: E402
    MinHashConfig,
    minhash_batch,
    numbers_key,
    numbers_keys,
    shingle_hashes,
    shingle_set,
    signatures,
)

CFG = MinHashConfig()

# ASCII letters/digits/punctuation, every ASCII whitespace Python knows (\x1c-\x1f, \v, \f
# included), and non-ASCII characters that NFKC, casefold, \w, \d or \s treat specially.
ALPHABET = (
    "aZq09_ .,$-()/*\t\n\v\f\r\x1c\x1d\x1e\x1f\x00\x7f\x85\xa0\u2003\u3000é²½ＡＢ１ß\u212aİﬁ٣\u0301"
)
TEXT = st.text(alphabet=ALPHABET, max_size=30)
MAYBE_TEXT = st.none() | TEXT
OPTIONS = st.none() | st.lists(MAYBE_TEXT, max_size=4)


def python_batch(texts: list[Any]) -> Any:
    """The pure-Python path of minhash.py (the original per-text code)."""
    return mh._prepare(texts, min_rows=10**9)


def chunked(values: list[Any], typ: Any, cut: int) -> Any:
    arr = pa.array(values, type=typ)
    return pa.chunked_array([arr[:cut], arr[cut:]], type=typ)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(MAYBE_TEXT, OPTIONS), max_size=12), st.integers(0, 3))
def test_dedup_texts_equals_dedup_text(rows: list[tuple[Any, Any]], cut: int) -> None:
    questions = [q for q, _ in rows]
    options = [o for _, o in rows]
    expected = [dedup_text({"question": q, "options": o}) for q, o in rows]
    q_arr = pa.array(questions, type=pa.string())
    o_arr = pa.array(options, type=pa.list_(pa.string()))
    got = dedup_texts(q_arr, o_arr)
    assert isinstance(got, pa.StringArray)
    assert got.to_pylist() == expected
    # ChunkedArray input, and a slice (non-zero array offset)
    cut = min(cut, len(rows))
    typ = pa.list_(pa.string())
    got_chunked = dedup_texts(chunked(questions, pa.string(), cut), chunked(options, typ, cut))
    assert got_chunked.to_pylist() == expected
    assert dedup_texts(q_arr[cut:], o_arr[cut:]).to_pylist() == expected[cut:]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(MAYBE_TEXT, OPTIONS, st.sampled_from([None, "mcq", "open"]))))
def test_exact_key_halves_equal_exact_key(rows: list[tuple[Any, Any, Any]]) -> None:
    questions = pa.array([r[0] for r in rows], type=pa.string())
    options = pa.array([r[1] for r in rows], type=pa.list_(pa.string()))
    templates = pa.array([r[2] for r in rows], type=pa.string())
    texts = dedup_texts(questions, options)
    for tmpl in (templates, templates.to_pylist()):
        hi, lo = exact_key_halves(tmpl, texts)
        assert hi.dtype == np.uint64 and lo.dtype == np.uint64
        got = [(int(a) << 64) | int(b) for a, b in zip(hi.tolist(), lo.tolist(), strict=True)]
        keys = [exact_key({"question": q, "options": o, "template": t}) for q, o, t in rows]
        assert got == [int(k, 16) for k in keys]


def test_dedup_texts_edge_cases() -> None:
    rows: list[tuple[Any, Any]] = [
        (None, None),
        ("", []),
        ("", [""]),
        ("  Q\x1c\x1dA\v ", [None, " X\x1f", None]),
        ("Q", [None]),
        (" \t\n ", ["", ""]),
        ("Caf\xe9\xa0 ok", ["\x85a\xa0b"]),
        ("ascii", ["ＡＢ", "x"]),
    ]
    q = pa.array([r[0] for r in rows], type=pa.string())
    o = pa.array([r[1] for r in rows], type=pa.list_(pa.string()))
    expected = [dedup_text({"question": a, "options": b}) for a, b in rows]
    assert dedup_texts(q, o).to_pylist() == expected
    assert expected[3] == "q a\nx" and expected[2] == "\n" and expected[4] == "q"
    # all-null options column (null type) and Python lists are accepted
    assert dedup_texts(q, pa.nulls(len(rows))).to_pylist() == [
        dedup_text({"question": a}) for a, _ in rows
    ]
    assert dedup_texts([r[0] for r in rows], [r[1] for r in rows]).to_pylist() == expected
    with pytest.raises(ValueError, match="2 questions but 1 option lists"):
        dedup_texts(pa.array(["a", "b"]), pa.array([["x"]]))
    with pytest.raises(TypeError, match="list<string>"):
        dedup_texts(pa.array(["a"]), pa.array([1]))


def assert_same_minhash(values: list[Any], inputs: list[Any], cfg: MinHashConfig) -> None:
    ref = python_batch(values)
    ref_shingles = mh._shingle_hashes_of(ref, cfg)
    ref_sig = mh._signatures_of(*ref_shingles, cfg)
    ref_nums = mh._numbers_keys_of(ref, cfg)
    ref_keys = mh.band_keys(ref_sig, cfg, ref_nums)
    for texts in inputs:
        hashes, offsets = shingle_hashes(texts, cfg)
        assert np.array_equal(hashes, ref_shingles[0])
        assert np.array_equal(offsets, ref_shingles[1])
        assert np.array_equal(signatures(texts, cfg), ref_sig)
        assert np.array_equal(numbers_keys(texts, cfg), ref_nums)
        sig, keys = minhash_batch(texts, cfg)
        assert np.array_equal(sig, ref_sig)
        assert np.array_equal(keys, ref_keys)


@settings(max_examples=200, deadline=None)
@given(st.lists(MAYBE_TEXT, max_size=12), st.integers(0, 3))
def test_vectorised_minhash_equals_python(values: list[Any], cut: int) -> None:
    arr = pa.array(values, type=pa.string())
    cut = min(cut, len(values))
    inputs = [arr, chunked(values, pa.string(), cut), pa.array(values, type=pa.large_string())]
    assert_same_minhash(values, inputs, CFG)
    assert_same_minhash(values[cut:], [arr[cut:]], MinHashConfig(ngram_sizes=(1, 2, 3)))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.a ,\x1c", max_size=16), min_size=1, max_size=10))
def test_numbers_keys_vectorised_per_text(texts: list[str]) -> None:
    """Dense digits and dots (chains like 1.2.3.4, runs across row boundaries)."""
    got = numbers_keys(pa.array(texts), CFG).tolist()
    assert got == [numbers_key(t, CFG) for t in texts]


def test_long_lists_take_the_vector_path_and_agree() -> None:
    texts: list[Any] = [f"Item {i}: what is {i} + {i * 7}.5?" for i in range(100)]
    texts[5] = None
    texts[6] = "ünïcode ＡＢ 12"
    texts[7] = 42  # not a str: empty text, as in the Python functions
    texts[8] = "lone surrogate \udc80 9"
    assert_same_minhash(texts, [texts], CFG)
    plain = [t for t in texts if isinstance(t, str) and t.isascii()]
    assert mh._prepare(plain).fast is not None  # vectorised
    for i, t in enumerate(plain[:5]):
        hashes, offsets = shingle_hashes(plain, CFG)
        assert frozenset(hashes[offsets[i] : offsets[i + 1]].tolist()) == shingle_set(t, CFG)


def test_char_shingles_accept_arrow() -> None:
    cfg = MinHashConfig(shingle="char")
    texts = ["Hello World 12", None, "Ünï 3"]
    sig, keys = minhash_batch(pa.array(texts), cfg)
    ref_sig, ref_keys = minhash_batch(texts, cfg)
    assert np.array_equal(sig, ref_sig) and np.array_equal(keys, ref_keys)


def test_outputs_pinned_to_original_implementation() -> None:
    """Digest of signatures, band keys and numbers keys computed with the pre-vectorisation code:
    band keys feed the pipeline's content hash, so they must never change."""
    questions = [
        "A ball is dropped from a height of 45 meters above the ground. Ignoring air resistance, "
        "how long does it take the ball to reach the ground?",
        "Which enzyme unwinds the DNA double helix at the replication fork during DNA replication "
        "in eukaryotic cells?",
        "In 1648 the Peace of Westphalia ended the Thirty Years War. Which principle of "
        "international relations is most often associated with this settlement?",
        "A firm's marginal cost is constant at 10 dollars and it faces the demand curve "
        "P = 50 - Q. What price maximises the firm's profit?",
        "What is the pH of a buffer solution that contains equal concentrations of acetic acid "
        "and sodium acetate, given that the pKa of acetic acid is 4.76?",
        "A tenant assigns the remaining term of a lease to a friend without the landlord's "
        "consent. Who is liable for the unpaid rent if the friend stops paying?",
        "",
        "Ünïcödé ＡＢＣ ² 3.14 and 2.5.7",
        "a\x1cb\vc 10 9 100",
    ]
    for texts in (questions, pa.array(questions)):
        sig, keys = minhash_batch(texts, CFG)
        blob = sig.tobytes() + keys.tobytes() + numbers_keys(texts, CFG).tobytes()
        digest = hashlib.blake2b(blob, digest_size=16).hexdigest()
        assert digest == "0d6076e7c6b35dce3edb87e3149f4dab"


def test_real_procedural_batch() -> None:
    """A real batch of procedural rows in the canonical schema: both paths agree."""
    from crossthink_data.records import arrow_schema
    from crossthink_data.sources.procedural import fast_records
    from crossthink_data.sources.procedural.generator import kinds_for_templates

    kinds = kinds_for_templates(["mcq", "open"])
    rows = fast_records("procedural", 0, list(range(1000, 1600)), kinds)
    table = pa.Table.from_pylist(rows, schema=arrow_schema())
    canon = table.to_pylist()
    texts = dedup_texts(table["question"], table["options"])
    expected = [dedup_text(r) for r in canon]
    assert texts.to_pylist() == expected
    assert any(r["options"] for r in canon) and any(not r["options"] for r in canon)
    assert_same_minhash(expected, [texts, expected], CFG)
