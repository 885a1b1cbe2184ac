"""Near-duplicate detection: MinHash signatures, LSH banding, pair verification, union-find.

Why these defaults (see :class:`MinHashConfig`): the duplicates that matter in QA data are
copies with one or two words edited. Word 3-grams lose up to 3 shingles of ~20 per edit, so
a 20-word question with two edits falls to Jaccard ~0.5 and hides among unrelated text.
Tokens (words and single symbol characters) as unigrams + bigrams lose at most 3 of ~2x
the token count per edit: such a pair stays at Jaccard >= ~0.75 (measured minimum 0.78 on
the benchmark's 20-60-word questions), while unrelated questions share little beyond stop
words (median 0.06, 99.99th percentile 0.26). Banding with 16 bands x 5 rows (80
permutations) makes a pair at Jaccard 0.75 a candidate with probability 0.987 (0.85: 0.9999)
and one at 0.2 with 0.005; candidates are then verified with the exact Jaccard of the shingle
sets (or estimated from signatures) against ``threshold`` (0.7). On benchmarks/dedup.py this
keeps recall 0.999 on planted pairs with unchanged numbers and 0 false positives in 200k rows,
with ~1.6x fewer permutations' work and 16 instead of 25 band keys per row to shuffle.
Questions whose numbers differ are never merged (``numbers_must_match``).

Batch functions (:func:`shingle_hashes`, :func:`signatures`, :func:`numbers_keys`,
:func:`minhash_batch`) take a list of str or a pyarrow string Array/ChunkedArray. ASCII texts
are tokenised and scanned for numbers with numpy over the arrow byte buffer
(:mod:`crossthink_data.filters.textvec`) and each distinct token is hashed once; other texts
take the original per-text Python path. Both give bit-identical results (tests pin this).

Everything is deterministic across processes: tokens are hashed with xxh3 (seeded), the
permutations come from a seeded PCG64 generator, nothing uses Python's salted ``hash()``.

Pipeline usage on Ray (all pure functions over batches):
1. ``map_batches``: :func:`band_key_rows` (uids + texts -> one ``(band_key, uid)`` row per
   band; :func:`minhash_batch` gives the raw signatures and keys);
2. ``groupby("band_key").map_groups``: :func:`bucket_pair_rows` (candidate uid pairs), then
   drop repeated pairs;
3. verify candidate pairs: :func:`verify_text_pair` (exact) or :func:`estimate_jaccard`;
4. on the driver: :func:`resolve_duplicates` -> ``{dropped_uid: kept_uid}`` (smallest uid
   of each cluster kept).
:func:`near_duplicates` runs the whole flow in one process (tests, benchmarks, small data).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crossthink_data._optional import import_optional
from crossthink_data.filters.textvec import (
    AsciiBytes,
    ascii_bytes,
    ascii_numbers,
    ascii_rows,
    ascii_tokens,
    is_arrow,
    pyarrow_or_none,
    python_values,
    to_string_array,
)
from crossthink_data.records import normalize_question

if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import pyarrow as pa
    from numpy.typing import NDArray

    #: A batch of texts: a sequence of str, or a pyarrow string Array / ChunkedArray.
    TextBatch: TypeAlias = Sequence[str] | pa.Array | pa.ChunkedArray

_MASK64 = (1 << 64) - 1
_TOKEN = re.compile(r"\w+|\S")  # same tokens as \w+|[^\w\s], faster


@dataclass(frozen=True)
class MinHashConfig:
    """MinHash/LSH parameters (frozen: it travels to Ray workers and into the manifest).

    ``shingle``: ``"word"`` (word n-grams of sizes ``ngram_sizes``) or ``"char"`` (character
    ``char_n``-grams of the normalised text). ``num_perm`` must equal ``bands * rows``.
    ``threshold``: Jaccard at or above which a candidate pair is a duplicate.
    ``max_bucket``: buckets larger than this are linked as a star plus a chain (sorted by uid)
    instead of all pairs, bounding the work on degenerate buckets.
    ``estimate_margin``: before exact verification, candidates whose signature estimate is
    below ``threshold - estimate_margin`` are discarded (vectorised; with 80 permutations
    the estimate's standard deviation is <= 0.056, so 0.2 is 3.5+ sigma).
    ``numbers_must_match``: questions that differ in their numbers are different problems
    for verifiable QA ("60 miles in 2 hours" vs "120 miles in 2 hours"), so a hash of the
    sorted multiset of the text's numbers is folded into every band key (such rows never
    become candidates) and exact verification also requires equal numbers. Exact dedup is
    unaffected.
    """

    shingle: Literal["word", "char"] = "word"
    ngram_sizes: tuple[int, ...] = (1, 2)
    char_n: int = 5
    num_perm: int = 80
    bands: int = 16
    rows: int = 5
    seed: int = 1234
    threshold: float = 0.7
    max_bucket: int = 200
    estimate_margin: float = 0.2
    numbers_must_match: bool = True

    def __post_init__(self) -> None:
        if self.bands * self.rows != self.num_perm:
            raise ValueError(
                f"MinHashConfig: bands*rows ({self.bands}*{self.rows}) must equal "
                f"num_perm ({self.num_perm})"
            )
        if self.shingle not in ("word", "char"):
            raise ValueError(
                f"MinHashConfig.shingle must be 'word' or 'char', got {self.shingle!r}"
            )
        if not self.ngram_sizes or any(n < 1 for n in self.ngram_sizes):
            raise ValueError(f"MinHashConfig.ngram_sizes must be positive, got {self.ngram_sizes}")
        if self.estimate_margin < 0:
            raise ValueError(
                f"MinHashConfig.estimate_margin must be >= 0, got {self.estimate_margin}"
            )
        if self.char_n < 1 or self.max_bucket < 2:
            raise ValueError("MinHashConfig: char_n must be >= 1 and max_bucket >= 2")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"MinHashConfig.threshold must be in (0, 1], got {self.threshold}")

    def candidate_probability(self, jaccard: float) -> float:
        """Probability that a pair at ``jaccard`` shares at least one band."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands


def _np() -> Any:
    return import_optional("numpy", "MinHash deduplication")


def _xxh() -> Any:
    return import_optional("xxhash", "MinHash deduplication")


def _pa() -> Any:
    return import_optional("pyarrow", "MinHash deduplication")


def tokenize(text: str) -> list[str]:
    """Words and single symbol characters of the normalised text (symbols matter in math).

    Same tokens as splitting :func:`records.normalize_question` output (NFKC + casefold);
    whitespace collapsing is implied by the token pattern.
    """
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def _mix64(xp: Any, h: Any) -> Any:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps)."""
    h = h ^ (h >> xp.uint64(30))
    h = h * xp.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> xp.uint64(27))
    h = h * xp.uint64(0x94D049BB133111EB)
    return h ^ (h >> xp.uint64(31))


#: Batches of at least this many texts given as Python lists go through the vectorised
#: (pyarrow) path; smaller ones are cheaper in pure Python. Both give identical results.
VECTOR_MIN_ROWS = 32


@dataclass(frozen=True)
class _Batch:
    """A batch of texts split into an ASCII part (vectorised) and rows for the Python path."""

    n: int
    fast: AsciiBytes | None  # bytes of the ASCII rows (other rows empty); None: all Python
    slow_rows: Any  # int64 indices of the rows that take the Python path
    slow_texts: list[Any]  # their values (str or anything else, read as empty text)


def _prepare(texts: TextBatch, *, min_rows: int = VECTOR_MIN_ROWS) -> _Batch:
    """Split ``texts`` (list of str, pyarrow string Array/ChunkedArray) for the two paths."""
    xp = _np()
    arrow = is_arrow(texts)
    pa = pyarrow_or_none() if arrow or len(texts) >= min_rows else None
    if pa is not None:
        try:
            arr = to_string_array(texts)
        except UnicodeEncodeError:  # lone surrogates: only Python can handle them
            arr = None
        if arr is not None:
            ok = ascii_rows(arr)
            slow = xp.flatnonzero(~ok)
            return _Batch(len(arr), ascii_bytes(arr, ok), slow, python_values(arr, slow))
    values = list(texts)
    return _Batch(len(values), None, xp.arange(len(values), dtype=xp.int64), values)


def _merge_segments(
    lens: NDArray[np.int64],
    slow_rows: NDArray[np.int64],
    fast: NDArray[np.uint64],
    slow: NDArray[np.uint64],
) -> NDArray[np.uint64]:
    """Interleave per-row segments: rows in ``slow_rows`` take their values from ``slow``,
    the others from ``fast`` (both in row order); ``lens`` are the segment lengths."""
    xp = _np()
    if not slow.shape[0]:
        return fast
    if not fast.shape[0]:
        return slow
    is_slow_row = xp.zeros(lens.shape[0], dtype=bool)
    is_slow_row[slow_rows] = True
    is_slow = xp.repeat(is_slow_row, lens)
    out: NDArray[np.uint64] = xp.empty(is_slow.shape[0], dtype=xp.uint64)
    out[is_slow] = slow
    out[~is_slow] = fast
    return out


def _hash_distinct(tokens: Any, seed: int) -> NDArray[np.uint64]:
    """xxh3 of each token of a pyarrow string array, hashing each distinct token once."""
    xp = _np()
    xxh3 = _xxh().xxh3_64_intdigest
    if not len(tokens):
        none: NDArray[np.uint64] = xp.zeros(0, dtype=xp.uint64)
        return none
    enc = tokens.dictionary_encode()
    vocab = enc.dictionary
    bufs = vocab.buffers()
    data = memoryview(bufs[2]) if bufs[2] is not None else memoryview(b"")
    width = xp.int64 if vocab.type.equals(_pa().large_string()) else xp.int32
    offs = xp.frombuffer(bufs[1], dtype=width)[vocab.offset : vocab.offset + len(vocab) + 1]
    bounds = offs.tolist()
    table = xp.fromiter(
        (xxh3(data[bounds[i] : bounds[i + 1]], seed) for i in range(len(vocab))),
        dtype=xp.uint64,
        count=len(vocab),
    )
    idx = enc.indices.to_numpy(zero_copy_only=False)
    hashed: NDArray[np.uint64] = table[idx]
    return hashed


def _token_hashes(batch: _Batch, seed: int) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """xxh3 of every token (:func:`tokenize`) of every text, and the token count per text."""
    xp = _np()
    xxh3 = _xxh().xxh3_64_intdigest
    lens = xp.zeros(batch.n, dtype=xp.int64)
    fast = xp.zeros(0, dtype=xp.uint64)
    if batch.fast is not None:
        tokens, counts = ascii_tokens(batch.fast)
        fast = _hash_distinct(tokens, seed)
        lens += counts
    findall = _TOKEN.findall
    normalize = unicodedata.normalize
    per_doc = [
        findall(normalize("NFKC", t).casefold()) if isinstance(t, str) else []
        for t in batch.slow_texts
    ]
    all_tokens = [tok for toks in per_doc for tok in toks]
    vocab = dict.fromkeys(all_tokens)
    for t in vocab:
        vocab[t] = xxh3(t.encode("utf-8", "surrogatepass"), seed)
    slow = xp.fromiter(map(vocab.__getitem__, all_tokens), dtype=xp.uint64, count=len(all_tokens))
    lens[batch.slow_rows] = xp.asarray([len(toks) for toks in per_doc], dtype=xp.int64)
    return _merge_segments(lens, batch.slow_rows, fast, slow), lens


def _ngram_hashes(
    tok: NDArray[np.uint64], lens: NDArray[np.int64], sizes: Sequence[int]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Hashes of the token n-grams (sizes ``sizes``) of each text; tokens grouped by text.

    Shingles of text ``d``: its unigrams, then its bigrams, ... (``max(len - n + 1, 0)`` of
    size ``n``); the n-gram hash chains :func:`_mix64` over its token hashes.
    """
    xp = _np()
    n_docs = lens.shape[0]
    per_size = [xp.maximum(lens - (n - 1), 0) for n in sizes]
    counts = xp.sum(per_size, axis=0) if n_docs else xp.zeros(0, dtype=xp.int64)
    offsets_arr = xp.zeros(n_docs + 1, dtype=xp.int64)
    xp.cumsum(counts, out=offsets_arr[1:])
    out = xp.empty(int(offsets_arr[-1]), dtype=xp.uint64)
    tok_start = xp.zeros(n_docs, dtype=xp.int64)
    if n_docs:
        xp.cumsum(lens[:-1], out=tok_start[1:])
    base = offsets_arr[:-1].copy()
    for n, cnt in zip(sizes, per_size, strict=True):
        total = int(cnt.sum())
        if total:
            # Token index of each n-gram's first token, grouped by doc (vectorised ranges).
            shift = xp.repeat(base - tok_start, cnt)
            dest = xp.repeat(base - xp.cumsum(cnt) + cnt, cnt) + xp.arange(total)
            starts = dest - shift
            h = xp.full(total, xp.uint64(0x9E3779B97F4A7C15 * n & _MASK64), dtype=xp.uint64)
            for k in range(n):
                h = _mix64(xp, h ^ tok[starts + k])
            out[dest] = h
        base += cnt
    return out, offsets_arr


def shingle_hashes(
    texts: TextBatch, config: MinHashConfig
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """64-bit hashes of every shingle of every text, grouped by text.

    Returns ``(hashes, offsets)``: the shingles of text ``i`` are
    ``hashes[offsets[i]:offsets[i+1]]`` (possibly repeated; MinHash ignores multiplicity).
    ``texts``: a sequence of str or a pyarrow string Array/ChunkedArray (nulls and non-str
    items are empty text); ASCII texts are tokenised vectorised, others in Python, with
    identical results.
    """
    if config.shingle == "char":
        return _char_shingle_hashes(_as_list(texts), config)
    return _shingle_hashes_of(_prepare(texts), config)


def _shingle_hashes_of(
    batch: _Batch, config: MinHashConfig
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    tok, lens = _token_hashes(batch, config.seed & _MASK64)
    return _ngram_hashes(tok, lens, sorted(set(config.ngram_sizes)))


def _as_list(texts: TextBatch) -> list[Any]:
    if is_arrow(texts):
        values: list[Any] = to_string_array(texts).to_pylist()
        return values
    return list(texts)


def _char_shingle_hashes(
    texts: Sequence[Any], config: MinHashConfig
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    xp = _np()
    xxh3 = _xxh().xxh3_64_intdigest
    seed = config.seed & _MASK64
    hashes: list[int] = []
    offsets = [0]
    n = config.char_n
    for text in texts:
        norm = normalize_question(text) if isinstance(text, str) else ""
        grams = {norm[i : i + n] for i in range(max(len(norm) - n + 1, 1 if norm else 0))}
        hashes.extend(xxh3(g.encode("utf-8", "surrogatepass"), seed) for g in sorted(grams))
        offsets.append(len(hashes))
    return xp.asarray(hashes, dtype=xp.uint64), xp.asarray(offsets, dtype=xp.int64)


def _permutations(config: MinHashConfig) -> tuple[Any, Any]:
    """Per-permutation ``(a, b)`` as uint32 (``a`` odd), from a seeded PCG64 generator."""
    xp = _np()
    rng = xp.random.Generator(xp.random.PCG64(config.seed))
    a = rng.integers(0, 2**31, size=config.num_perm, dtype=xp.uint32) * xp.uint32(2) + xp.uint32(1)
    b = rng.integers(0, 2**32, size=config.num_perm, dtype=xp.uint32)
    return a, b


#: Signature value of a text without shingles (empty text).
EMPTY_VALUE = 0xFFFFFFFF


def signatures(
    texts: TextBatch, config: MinHashConfig, *, chunk_shingles: int = 8_192
) -> NDArray[np.uint32]:
    """MinHash signatures, shape ``(len(texts), num_perm)``, dtype uint32.

    Permutation ``p`` maps the top 32 bits ``x`` of a shingle hash to ``a_p * x + b_p`` (mod
    2**32, ``a_p`` odd: a bijection), all in uint32 arithmetic so a chunk of
    ``num_perm x shingles`` values stays in cache (the shingle hashes are already well mixed,
    measured estimates match the binomial error of ideal MinHash). Texts with no shingles get
    :data:`EMPTY_VALUE` everywhere. ``texts`` as for :func:`shingle_hashes`.
    """
    if config.shingle == "char":
        hashes, offsets = _char_shingle_hashes(_as_list(texts), config)
    else:
        hashes, offsets = _shingle_hashes_of(_prepare(texts), config)
    return _signatures_of(hashes, offsets, config, chunk_shingles)


def _signatures_of(
    hashes: NDArray[np.uint64],
    offsets: NDArray[np.int64],
    config: MinHashConfig,
    chunk_shingles: int = 8_192,
) -> NDArray[np.uint32]:
    xp = _np()
    x = (hashes >> xp.uint64(32)).astype(xp.uint32)
    n_docs = offsets.shape[0] - 1
    sig = xp.full((n_docs, config.num_perm), EMPTY_VALUE, dtype=xp.uint32)
    a, b = _permutations(config)
    a_col, b_col = a[:, None], b[:, None]
    counts = xp.diff(offsets)
    bounds = offsets.tolist()
    # One scratch buffer reused by every chunk (fresh large arrays cost page faults).
    scratch = xp.empty((config.num_perm, max(chunk_shingles, 1)), dtype=xp.uint32)
    doc = 0
    while doc < n_docs:
        # Whole documents up to ~chunk_shingles shingles (at least one document); the
        # (num_perm x shingles) layout keeps the segment-min reduction on contiguous memory.
        end = bisect.bisect_right(bounds, bounds[doc] + chunk_shingles, lo=doc + 1) - 1
        end = min(max(end, doc + 1), n_docs)
        lo, hi = bounds[doc], bounds[end]
        if hi > lo:
            m = hi - lo
            vals = (
                scratch[:, :m]
                if m <= scratch.shape[1]
                else xp.empty((config.num_perm, m), xp.uint32)
            )
            xp.multiply(a_col, x[None, lo:hi], out=vals)
            xp.add(vals, b_col, out=vals)
            nonempty = xp.flatnonzero(counts[doc:end])
            starts = offsets[doc:end][nonempty] - lo
            sig[doc + nonempty] = xp.minimum.reduceat(vals, starts, axis=1).T
        doc = end
    typed_sig: NDArray[np.uint32] = sig
    return typed_sig


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers_key(text: str, config: MinHashConfig) -> int:
    """64-bit hash of the sorted multiset of numbers (digit runs, optional decimal part) in
    the NFKC-normalised text; the same value for texts without numbers."""
    return int(numbers_keys([text], config)[0])


def numbers_keys(texts: TextBatch, config: MinHashConfig) -> NDArray[np.uint64]:
    """:func:`numbers_key` of each text, uint64 array (NFKC skipped for ASCII texts, where
    it is the identity). ``texts`` as for :func:`shingle_hashes`."""
    return _numbers_keys_of(_prepare(texts), config)


def _numbers_keys_of(batch: _Batch, config: MinHashConfig) -> NDArray[np.uint64]:
    xp = _np()
    xxh3 = _xxh().xxh3_64_intdigest
    seed = config.seed & _MASK64
    empty = xxh3(b"", seed)
    keys: NDArray[np.uint64] = xp.full(batch.n, empty, dtype=xp.uint64)
    if batch.fast is not None:
        _ascii_numbers_keys(batch.fast, seed, keys)
    findall = _NUMBER.findall
    normalize = unicodedata.normalize
    out: list[int] = []
    for text in batch.slow_texts:
        if not isinstance(text, str):
            out.append(empty)
            continue
        nums = findall(text if text.isascii() else normalize("NFKC", text))
        if not nums:
            out.append(empty)
        else:
            nums.sort()
            out.append(xxh3("\x1f".join(nums).encode("utf-8", "surrogatepass"), seed))
    keys[batch.slow_rows] = xp.asarray(out, dtype=xp.uint64)
    return keys


def _ascii_numbers_keys(fast: AsciiBytes, seed: int, keys: NDArray[np.uint64]) -> None:
    """Fill ``keys`` for the rows of ``fast`` that contain numbers: xxh3 of their numbers
    sorted (as strings, bytewise = code point order) and joined by ``\\x1f``."""
    pa = _pa()
    pc = import_optional("pyarrow.compute", "MinHash deduplication")
    xp = _np()
    xxh3 = _xxh().xxh3_64_intdigest
    nums, counts = ascii_numbers(fast)
    if not len(nums):
        return
    rows = xp.repeat(xp.arange(fast.n_rows, dtype=xp.int64), counts)
    order = pc.sort_indices(
        pa.table({"r": rows, "s": nums}), sort_keys=[("r", "ascending"), ("s", "ascending")]
    )
    has = counts > 0
    list_offsets = xp.zeros(int(has.sum()) + 1, dtype=xp.int32)
    xp.cumsum(counts[has], out=list_offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(list_offsets), nums.take(order))
    joined = pc.binary_join(lists, "\x1f")
    bufs = joined.buffers()
    data = memoryview(bufs[2]) if bufs[2] is not None else memoryview(b"")
    offs = xp.frombuffer(bufs[1], dtype=xp.int32)[joined.offset : joined.offset + len(joined) + 1]
    bounds = offs.tolist()
    keys[has] = xp.fromiter(
        (xxh3(data[bounds[i] : bounds[i + 1]], seed) for i in range(len(joined))),
        dtype=xp.uint64,
        count=len(joined),
    )


def band_keys(
    sig: NDArray[np.uint32], config: MinHashConfig, numbers: NDArray[np.uint64] | None = None
) -> NDArray[np.uint64]:
    """LSH band keys, shape ``(n, bands)``, uint64; the band index is mixed into the key,
    so keys of different bands never need to be told apart when grouping. ``numbers``
    (:func:`numbers_keys`, used when ``config.numbers_must_match``) is folded into every key of
    its row, so texts with different numbers never share a bucket."""
    xp = _np()
    n = sig.shape[0]
    view = sig.reshape(n, config.bands, config.rows).astype(xp.uint64)
    band_ids = xp.arange(config.bands, dtype=xp.uint64) + xp.uint64(
        config.seed & 0xFFFF
    ) * xp.uint64(1 << 20)
    k = xp.broadcast_to(_mix64(xp, band_ids + xp.uint64(1)), (n, config.bands)).copy()
    if numbers is not None:
        k = _mix64(xp, k ^ numbers[:, None])
    # Two 32-bit signature values per 64-bit word: half the mixing rounds.
    r = 0
    while r < config.rows:
        word = view[:, :, r] << xp.uint64(32)
        if r + 1 < config.rows:
            word |= view[:, :, r + 1]
        k = _mix64(xp, k ^ word)
        r += 2
    typed_out: NDArray[np.uint64] = k
    return typed_out


def minhash_batch(
    texts: TextBatch, config: MinHashConfig
) -> tuple[NDArray[np.uint32], NDArray[np.uint64]]:
    """Signatures and band keys for a batch of texts (the ``map_batches`` step); ``texts`` as
    for :func:`shingle_hashes` (the batch is prepared once for both signatures and numbers)."""
    if config.shingle == "char":
        sig = signatures(texts, config)
        numbers = numbers_keys(texts, config) if config.numbers_must_match else None
        return sig, band_keys(sig, config, numbers)
    batch = _prepare(texts)
    sig = _signatures_of(*_shingle_hashes_of(batch, config), config)
    numbers = _numbers_keys_of(batch, config) if config.numbers_must_match else None
    return sig, band_keys(sig, config, numbers)


def band_key_rows(uids: Sequence[str], texts: TextBatch, config: MinHashConfig) -> dict[str, Any]:
    """Exploded LSH rows for a Ray ``map_batches`` step: ``{"band_key": uint64[m], "uid": [m]}``
    with one row per (text, band); group by ``band_key`` and apply :func:`bucket_pair_rows`."""
    xp = _np()
    _, keys = minhash_batch(texts, config)
    return {
        "band_key": keys.reshape(-1),
        "uid": xp.repeat(xp.asarray(list(uids), dtype=object), config.bands),
    }


def bucket_pair_rows(group: Mapping[str, Any], max_bucket: int) -> dict[str, Any]:
    """``map_groups`` step: one bucket's rows -> candidate pairs ``{"uid_a": [...], "uid_b": [...]}``."""
    xp = _np()
    pairs = bucket_pairs([str(u) for u in list(group["uid"])], max_bucket)
    return {
        "uid_a": xp.asarray([a for a, _ in pairs], dtype=object),
        "uid_b": xp.asarray([b for _, b in pairs], dtype=object),
    }


def bucket_pairs(members: Sequence[str], max_bucket: int) -> list[tuple[str, str]]:
    """Candidate pairs ``(a, b)`` with ``a < b`` from one LSH bucket of uids.

    All pairs when the bucket holds at most ``max_bucket`` distinct uids; otherwise a star on
    the smallest uid plus a chain through the sorted uids (linear; order-independent).
    """
    uids = sorted(set(members))
    m = len(uids)
    if m < 2:
        return []
    if m <= max_bucket:
        return [(uids[i], uids[j]) for i in range(m) for j in range(i + 1, m)]
    pairs = {(uids[0], u) for u in uids[1:]}
    pairs.update((uids[i], uids[i + 1]) for i in range(m - 1))
    return sorted(pairs)


def candidate_pairs(
    keys: NDArray[np.uint64], config: MinHashConfig, rank: NDArray[np.int64] | None = None
) -> NDArray[np.int64]:
    """Single-process LSH: unique index pairs ``(i, j)`` sharing a band key, shape ``(m, 2)``.

    ``rank`` orders rows for oversized buckets (pass the rank of each row's uid so the result
    matches :func:`bucket_pairs`); default is the row index.
    """
    xp = _np()
    n = keys.shape[0]
    if rank is None:
        rank = xp.arange(n, dtype=xp.int64)
    found: list[Any] = []
    for b in range(keys.shape[1]):
        col = keys[:, b]
        order = xp.argsort(col, kind="stable")
        s = col[order]
        if s.size < 2:
            continue
        starts = xp.nonzero(xp.concatenate([[True], s[1:] != s[:-1]]))[0]
        sizes = xp.diff(xp.concatenate([starts, [s.size]]))
        # Fast path: buckets of exactly two members.
        two = starts[sizes == 2]
        if two.size:
            found.append(xp.stack([order[two], order[two + 1]], axis=1))
        for st, sz in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
            idx = order[st : st + sz]
            idx = idx[xp.argsort(rank[idx], kind="stable")]
            if sz <= config.max_bucket:
                ii, jj = xp.triu_indices(sz, k=1)
                found.append(xp.stack([idx[ii], idx[jj]], axis=1))
            else:
                star = xp.stack([xp.full(sz - 1, idx[0]), idx[1:]], axis=1)
                chain = xp.stack([idx[:-1], idx[1:]], axis=1)
                found.append(xp.concatenate([star, chain]))
    if not found:
        empty: NDArray[np.int64] = xp.zeros((0, 2), dtype=xp.int64)
        return empty
    pairs = xp.concatenate(found).astype(xp.int64)
    pairs = xp.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    code = xp.unique(pairs[:, 0] * xp.int64(n) + pairs[:, 1])
    out = xp.stack([code // n, code % n], axis=1)
    typed_out: NDArray[np.int64] = out
    return typed_out


def estimate_jaccard(sig_a: NDArray[np.uint32], sig_b: NDArray[np.uint32]) -> NDArray[np.float64]:
    """Estimated Jaccard per row pair: fraction of equal signature positions."""
    xp = _np()
    est = xp.mean(sig_a == sig_b, axis=-1)
    typed_est: NDArray[np.float64] = est
    return typed_est


def shingle_set(text: str, config: MinHashConfig) -> frozenset[int]:
    """The distinct shingle hashes of one text (for exact Jaccard)."""
    return shingle_sets([text], config)[0]


def shingle_sets(texts: Sequence[str], config: MinHashConfig) -> list[frozenset[int]]:
    """Distinct shingle hashes of each text, computed in one vectorised pass."""
    hashes, offsets = shingle_hashes(texts, config)
    flat = hashes.tolist()
    bounds = offsets.tolist()
    return [frozenset(flat[bounds[i] : bounds[i + 1]]) for i in range(len(texts))]


def verify_pairs(
    pairs: Sequence[tuple[int, int]], texts: Sequence[str], config: MinHashConfig
) -> list[bool]:
    """Exact verification of index pairs into ``texts`` (shingle sets built once per text)."""
    needed = sorted({i for p in pairs for i in p})
    sets = dict(zip(needed, shingle_sets([texts[i] for i in needed], config), strict=True))
    if config.numbers_must_match:
        nums = {i: numbers_key(texts[i], config) for i in needed}
        return [
            nums[i] == nums[j] and jaccard(sets[i], sets[j]) >= config.threshold for i, j in pairs
        ]
    return [jaccard(sets[i], sets[j]) >= config.threshold for i, j in pairs]


def jaccard(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    """Exact Jaccard of two shingle sets (two empty sets count as identical)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def verify_text_pair(text_a: str, text_b: str, config: MinHashConfig) -> bool:
    """Exact check of one candidate pair: shingle-set Jaccard >= ``config.threshold`` (and the
    same numbers when ``config.numbers_must_match``)."""
    if config.numbers_must_match and numbers_key(text_a, config) != numbers_key(text_b, config):
        return False
    return jaccard(shingle_set(text_a, config), shingle_set(text_b, config)) >= config.threshold


class UnionFind:
    """Disjoint sets over string ids whose root is always the smallest id of its set.

    Because the root is the minimum, the result does not depend on the order of unions.
    """

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if ra < rb:
            self._parent[rb] = ra
        else:
            self._parent[ra] = rb

    def mapping(self) -> dict[str, str]:
        """``{member: root}`` for every member that is not its set's root."""
        out = {}
        for x in list(self._parent):
            r = self.find(x)
            if r != x:
                out[x] = r
        return dict(sorted(out.items()))


def resolve_duplicates(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Verified duplicate pairs -> ``{dropped_uid: kept_uid}``; each cluster keeps its smallest
    uid. Independent of pair order and of the order inside each pair."""
    uf = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    return uf.mapping()


def near_duplicates(
    uids: Sequence[str],
    texts: Sequence[str],
    config: MinHashConfig | None = None,
    *,
    verify: Literal["exact", "estimate"] = "exact",
) -> dict[str, str]:
    """Whole near-dedup flow in one process: ``{dropped_uid: kept_uid}``.

    ``uids`` must be unique. ``verify="exact"`` checks candidates with the exact shingle-set
    Jaccard; ``"estimate"`` uses the signatures only.
    """
    xp = _np()
    cfg = config or MinHashConfig()
    if len(uids) != len(texts):
        raise ValueError(f"near_duplicates: {len(uids)} uids but {len(texts)} texts")
    if len(set(uids)) != len(uids):
        raise ValueError("near_duplicates: uids must be unique")
    if not uids:
        return {}
    sig, keys = minhash_batch(texts, cfg)
    rank = xp.empty(len(uids), dtype=xp.int64)
    rank[xp.argsort(xp.asarray(uids, dtype=object), kind="stable")] = xp.arange(len(uids))
    cand = candidate_pairs(keys, cfg, rank)
    if cand.size == 0:
        return {}
    est = estimate_jaccard(sig[cand[:, 0]], sig[cand[:, 1]])
    if verify == "estimate":
        good = cand[est >= cfg.threshold]
    else:
        cand = cand[est >= cfg.threshold - cfg.estimate_margin]
        ok_list = verify_pairs([(int(i), int(j)) for i, j in cand.tolist()], texts, cfg)
        good = cand[xp.asarray(ok_list, dtype=bool)]
    return resolve_duplicates((uids[i], uids[j]) for i, j in good.tolist())


def near_duplicates_rows(
    rows: Sequence[Mapping[str, Any]], config: MinHashConfig | None = None
) -> dict[str, str]:
    """:func:`near_duplicates` over canonical rows (text = question + MCQ options)."""
    from crossthink_data.filters.exact import dedup_text

    return near_duplicates([str(r["uid"]) for r in rows], [dedup_text(r) for r in rows], config)
