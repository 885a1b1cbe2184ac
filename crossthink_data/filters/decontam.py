"""Decontamination: drop training questions that overlap an evaluation benchmark.

A training question is contaminated when it shares one word n-gram (default 13 words, the
GPT-3/Llama convention) with a benchmark question, after normalisation (NFKC, casefold,
punctuation dropped). A benchmark question shorter than n words is indexed whole (with its
options when it has them, so a generic "Which of the following is true?" only matches the
same options); a training question shorter than n words is looked up whole the same way.

Keys (scheme :data:`KEY_SCHEME`) are built from 64-bit *word hashes*: a polynomial over the
word's UTF-8 bytes, finished with the splitmix64 mixer. A key over a word sequence (an n-gram,
a whole short question, or a question plus its options) is a seeded polynomial over the word
hashes, finished the same way; every step is integer arithmetic modulo 2**64, so keys are
identical on every machine and between the two implementations here:

- :func:`index_keys` / :func:`query_keys`: pure Python, one question (the reference);
- :func:`batch_keys`: numpy over a whole batch (Python lists or pyarrow string arrays). ASCII
  rows are tokenised on their raw bytes (for ASCII, NFKC is the identity, casefold is
  ``lower()`` and ``\\w`` is ``[A-Za-z0-9_]``); other rows are normalised per row by Python
  and scanned as code points (Python's ``\\w`` decides once per distinct non-ASCII
  character), then merged back. Tests pin the two to each other.

The index is two sorted numpy arrays (64-bit keys, benchmark ids): a few tens of MB for all
seven benchmarks, cheap to ``ray.put`` once and share with every worker.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crossthink_data._optional import import_optional
from crossthink_data.filters.base import BatchFilter, Row, register_filter
from crossthink_data.filters.benchmarks import (
    DEFAULT_BENCHMARKS,
    BenchmarkItem,
    Loader,
    load_benchmark,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    U64 = NDArray[np.uint64]
    I64 = NDArray[np.int64]
    I16 = NDArray[np.int16]
    B = NDArray[np.bool_]

#: Version of the key derivation; stored in :meth:`DecontamIndex.to_bytes` and the fingerprint.
KEY_SCHEME = "poly64-v2"
REASON_PREFIX = "contaminated:"

_WORD = re.compile(r"\w+")
_M = (1 << 64) - 1
_Q = 0xC2B2AE3D27D4EB4F  # base of the polynomial over a word's 8-byte blocks (odd)
_P = 0x9E3779B97F4A7C15  # word-sequence polynomial base (odd)
_P_INV = pow(_P, -1, 1 << 64)
_LEN = 0x165667B19E3779F9  # mixes a word's byte length into its hash
_F1 = 0xBF58476D1CE4E5B9  # splitmix64 finaliser constants
_F2 = 0x94D049BB133111EB
_NGRAM_SEED = 0x13
_BARE_SEED = 0x57
_STEM_SEED = 0x58
_QO_SEED = 0x59
_CHUNK_BYTES = 1 << 18  # bytes tokenised per numpy pass (keeps the work arrays in cache)


def words(text: str) -> list[str]:
    """Normalised words: NFKC, casefold, punctuation and symbols dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


# -- reference implementation (pure Python, one question) ----------------------------------------


def _fmix(z: int) -> int:
    """splitmix64 finaliser on a Python int (mod 2**64)."""
    z = (z ^ (z >> 30)) * _F1 & _M
    z = (z ^ (z >> 27)) * _F2 & _M
    return z ^ (z >> 31)


def word_hash(word: str) -> int:
    """64-bit hash of one (normalised) word.

    Its UTF-8 bytes, zero-padded, as little-endian 64-bit blocks ``B[k]``:
    ``fmix(sum(B[k] * Q**k) + len * LEN)``, all modulo 2**64.
    """
    data = word.encode("utf-8", "surrogatepass")
    acc = len(data) * _LEN
    for k in range(0, len(data), 8):
        block = int.from_bytes(data[k : k + 8], "little")
        acc = (acc + block * pow(_Q, k // 8, 1 << 64)) & _M
    return _fmix(acc)


def _seed_state(seed: int) -> int:
    return _fmix(seed * _P & _M) | 1


def seq_key(hashes: Sequence[int], seed: int) -> int:
    """Order-sensitive key of a word-hash sequence: a seeded polynomial in P, mixed."""
    acc = _seed_state(seed)
    for h in hashes:
        acc = (acc * _P + h) & _M
    return _fmix(acc)


_SEP = word_hash("\x1f")  # never a word (\w excludes it): separates a stem from its options


def _ngram_keys(hs: Sequence[int], n: int) -> list[int]:
    return [seq_key(hs[i : i + n], _NGRAM_SEED) for i in range(len(hs) - n + 1)]


def _option_hashes(options: Sequence[str]) -> list[int]:
    return [word_hash(w) for o in options for w in words(o)]


def index_keys(question: str, options: Sequence[str] | None, n: int) -> list[int]:
    """Keys a benchmark question contributes to the index (reference implementation).

    Long questions: their word n-grams. Short ones: the whole question, tagged "bare" when
    the benchmark item has no options, else tagged "stem" plus a key over question+options.
    """
    hs = [word_hash(w) for w in words(question)]
    if len(hs) >= n:
        return _ngram_keys(hs, n)
    if not hs:
        return []
    if not options:
        return [seq_key(hs, _BARE_SEED)]
    qo = [*hs, _SEP, *_option_hashes(options)]
    return [seq_key(hs, _STEM_SEED), seq_key(qo, _QO_SEED)]


def query_keys(question: str, options: Sequence[str] | None, n: int) -> list[int]:
    """Keys looked up for a training question (see :func:`index_keys`).

    A short question without options matches a benchmark's bare question or MCQ stem; a
    short MCQ matches a bare question or the same stem *with the same options* (so generic
    stems like "Which of the following is true?" over other options do not match).
    """
    hs = [word_hash(w) for w in words(question)]
    if len(hs) >= n:
        return _ngram_keys(hs, n)
    if not hs:
        return []
    if not options:
        return [seq_key(hs, _BARE_SEED), seq_key(hs, _STEM_SEED)]
    qo = [*hs, _SEP, *_option_hashes(options)]
    return [seq_key(hs, _BARE_SEED), seq_key(qo, _QO_SEED)]


# -- vectorised implementation (numpy; pyarrow input optional) ------------------------------------


@functools.cache
def _np() -> Any:
    return import_optional("numpy", "decontamination")


_POWERS: dict[int, Any] = {}
_POWERS_CACHED_MAX = 1 << 19  # entries (4 MiB per table)


def _powers(base: int, size: int) -> U64:
    """``base**k mod 2**64`` for ``k < size`` (cached per base, grown by doubling)."""
    np = _np()
    table: U64 | None = _POWERS.get(base)
    if table is not None and table.size >= size:
        return table
    grow = max(size, 1024, 2 * (table.size if table is not None else 0))
    if size <= _POWERS_CACHED_MAX:
        grow = min(grow, _POWERS_CACHED_MAX)
    t = np.full(grow, base, dtype=np.uint64)
    t[0] = 1
    out: U64 = np.cumprod(t, dtype=np.uint64)  # wraps modulo 2**64
    if grow <= _POWERS_CACHED_MAX:
        _POWERS[base] = out
    return out


def _fmix_np(z: U64) -> U64:
    """splitmix64 finaliser over a uint64 array (in place on a fresh array)."""
    np = _np()
    z = z ^ (z >> np.uint64(30))
    z *= np.uint64(_F1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_F2)
    z ^= z >> np.uint64(31)
    return z


def _excl_cumsum(counts: I64) -> I64:
    np = _np()
    out: I64 = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _ragged_index(starts: I64, lens: I64) -> I64:
    """Flat positions ``starts[r] + 0 .. starts[r] + lens[r] - 1`` for every row, in order."""
    np = _np()
    total = int(lens.sum())
    base = np.repeat(starts - _excl_cumsum(lens)[:-1], lens)
    out: I64 = base + np.arange(total, dtype=np.int64)
    return out


def _hash_spans(buf: Any, starts: I64, ends: I64) -> U64:
    """Word hashes (as :func:`word_hash`) of the byte spans ``buf[starts[i]:ends[i]]``.

    ``buf`` (uint8) must hold 8 readable bytes past every span end (zero padding is fine):
    each span is read as unaligned little-endian 64-bit blocks, masked to the span length.
    """
    np = _np()
    blocks = np.ndarray((buf.size - 7,), dtype="<u8", buffer=buf, strides=(1,))
    masks = _block_masks()
    lens = ends - starts
    acc = np.take(blocks, starts)
    acc &= masks[np.minimum(lens, 8)]
    acc += lens.astype(np.uint64) * np.uint64(_LEN)
    rest = np.flatnonzero(lens > 8)
    k = 1
    while rest.size:  # the few words longer than 8 bytes
        left = lens[rest] - 8 * k
        block = np.take(blocks, starts[rest] + 8 * k) & masks[np.minimum(left, 8)]
        acc[rest] += block * np.uint64(pow(_Q, k, 1 << 64))
        rest = rest[left > 8]
        k += 1
    return _fmix_np(acc)


@functools.cache
def _block_masks() -> U64:
    """``masks[l]`` keeps the low ``l`` bytes of a 64-bit block (l = 0..8)."""
    np = _np()
    out: U64 = np.asarray([(1 << (8 * i)) - 1 for i in range(9)], dtype=np.uint64)
    return out


def _row_chunks(offsets: I64, limit: int) -> Iterator[tuple[int, int]]:
    """Row ranges holding at most ``limit`` bytes each (a longer row is alone)."""
    np = _np()
    nrows = offsets.size - 1
    r0 = 0
    while r0 < nrows:
        r1 = int(np.searchsorted(offsets, offsets[r0] + limit, side="right")) - 1
        r1 = min(max(r1, r0 + 1), nrows)
        yield r0, r1
        r0 = r1


def _scan_ascii(data: Any, offsets: I64, keep: Any) -> tuple[U64, I64]:
    """Word hashes and per-row word counts of ASCII rows given as one byte buffer.

    ``data[offsets[i]:offsets[i+1]]`` is row i; rows where ``keep`` is False are skipped
    (``keep=None`` scans every row). Words are maximal ``[A-Za-z0-9_]`` runs within a row,
    lowercased: exactly :func:`words` on ASCII text.
    """
    np = _np()
    nrows = offsets.size - 1
    counts = np.zeros(nrows, dtype=np.int64)
    parts: list[U64] = []
    for r0, r1 in _row_chunks(offsets, _CHUNK_BYTES):
        b0, b1 = int(offsets[r0]), int(offsets[r1])
        if b1 == b0:
            continue
        buf = data[b0:b1]
        off = offsets[r0 : r1 + 1] - b0
        upper = (buf - np.uint8(65)) < np.uint8(26)
        padded = np.zeros(buf.size + 8, dtype=np.uint8)  # 8 bytes past the end: _hash_spans
        low = padded[: buf.size]
        np.bitwise_or(buf, upper.view(np.uint8) << np.uint8(5), out=low)
        word = (low - np.uint8(97)) < np.uint8(26)
        word |= (low - np.uint8(48)) < np.uint8(10)
        word |= low == np.uint8(95)
        if keep is not None:
            kp = keep[r0:r1]
            if not kp.all():
                word &= np.repeat(kp, np.diff(off))
        edge = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        ws = np.flatnonzero(edge == 1)
        we = np.flatnonzero(edge == -1)
        # a word never continues across rows: split runs glued over a row boundary
        inner = off[1:-1]
        inner = inner[(inner > 0) & (inner < word.size)]
        glued = inner[word[inner] & word[inner - 1]]
        if glued.size:
            glued = np.unique(glued)  # empty rows repeat an offset
            ws = np.insert(ws, np.searchsorted(ws, glued), glued)
            we = np.insert(we, np.searchsorted(we, glued), glued)
        counts[r0:r1] = np.diff(np.searchsorted(ws, off))
        parts.append(_hash_spans(padded, ws, we))
    hashes: U64 = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return hashes, counts


def _casefold_cps(norm: list[str]) -> tuple[Any, Any, list[str]]:
    """Code points of ``"\\n".join(row.casefold() for row in norm)``, that text, and the rows.

    ``str.casefold`` maps each character on its own, so when every distinct non-ASCII
    character folds to exactly one character the folding is done on the code-point array
    (one Python call per distinct character); otherwise ("ß" -> "ss") rows are folded by Python.
    """
    np = _np()
    joined = "\n".join(norm)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    high = cps >= np.uint32(0x80)
    distinct = np.unique(cps[high])
    folded = [chr(c).casefold() for c in distinct.tolist()]
    if any(len(f) != 1 for f in folded):
        rows = [row.casefold() for row in norm]
        joined = "\n".join(rows)
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        return cps, joined, rows
    out = cps.astype(np.uint32)
    upper = (cps - np.uint32(65)) < np.uint32(26)
    out[upper] |= np.uint32(0x20)
    if distinct.size:
        table = np.asarray([ord(f) for f in folded], dtype=np.uint32)
        out[high] = table[np.searchsorted(distinct, cps[high])]
    text = out.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    return out, text, norm  # rows keep their lengths: folding was one-to-one


def _unicode_words(texts: Sequence[str]) -> tuple[U64, I64]:
    """Word hashes and counts of non-ASCII rows, as :func:`words` then :func:`word_hash`.

    NFKC runs per row (C code), casefold per distinct character (:func:`_casefold_cps`); the
    rows, joined with "\\n" (not a word character), are scanned as code points: ASCII ones by
    arithmetic, the others by asking Python's own ``\\w`` once per distinct character. Words
    are hashed on their UTF-8 bytes, located from the UTF-8 lengths of the non-ASCII ones.
    """
    np = _np()
    norm = [unicodedata.normalize("NFKC", t) for t in texts]
    cps, text, rows = _casefold_cps(norm)
    word = ((cps | np.uint32(0x20)) - np.uint32(97)) < np.uint32(26)
    word |= (cps - np.uint32(48)) < np.uint32(10)
    word |= cps == np.uint32(95)
    high = cps >= np.uint32(0x80)
    if high.any():
        distinct = np.unique(cps[high]).tolist()
        word_cps = [c for c in distinct if _WORD.match(chr(c))]
        if word_cps:
            word |= high & np.isin(cps, np.asarray(word_cps, dtype=np.uint32))
    edge = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    ws = np.flatnonzero(edge == 1)
    we = np.flatnonzero(edge == -1)
    row_starts = _excl_cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)) + 1)
    counts = np.diff(np.searchsorted(ws, row_starts))
    # UTF-8 offset of code point k: k plus the extra bytes of the non-ASCII ones before it
    hi_at = np.flatnonzero(high)
    hi_cps = cps[hi_at]
    extra = 1 + (hi_cps >= np.uint32(0x800)).astype(np.int64)
    extra += hi_cps >= np.uint32(0x10000)
    extra_before = _excl_cumsum(extra)
    starts = ws + extra_before[np.searchsorted(hi_at, ws)]
    ends = we + extra_before[np.searchsorted(hi_at, we)]
    buf = np.frombuffer(text.encode("utf-8", "surrogatepass") + bytes(8), dtype=np.uint8)
    return _hash_spans(buf, starts, ends), counts


def _is_arrow(values: object) -> bool:
    return type(values).__module__.startswith("pyarrow")


def _arrow_strings(values: Any) -> Any:
    """A pyarrow (Chunked)Array as one string/large_string Array, or None if not text."""
    pa = import_optional("pyarrow", "decontamination of Arrow batches")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    t = values.type
    if pa.types.is_dictionary(t):
        values = values.dictionary_decode()
        t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return values
    if getattr(pa.types, "is_string_view", lambda _: False)(t):  # pyarrow >= 16
        return values.cast(pa.large_string())
    return None


def _tokens(values: Any) -> tuple[U64, I64]:
    """Word hashes (row-major) and per-row word counts of a batch of texts.

    ``values``: a Python sequence (non-str entries have no words) or a pyarrow string array
    (nulls have no words). ASCII rows go through :func:`_scan_ascii`, others through
    :func:`words`; the two are merged back into row order.
    """
    np = _np()
    py_rows: list[int] = []
    py_texts: list[str] = []
    keep = None
    if _is_arrow(values):
        pa = import_optional("pyarrow", "decontamination of Arrow batches")
        pc = import_optional("pyarrow.compute", "decontamination of Arrow batches")
        arr = _arrow_strings(values)
        nrows = len(values)
        if arr is None or nrows == 0:
            return np.zeros(0, dtype=np.uint64), np.zeros(nrows, dtype=np.int64)
        ascii_ok = pc.string_is_ascii(arr)
        if arr.null_count:
            ascii_ok = pc.fill_null(ascii_ok, False)
        if ascii_ok.true_count != nrows:
            keep = ascii_ok.to_numpy(zero_copy_only=False)
            other = pc.and_(arr.is_valid(), pc.invert(ascii_ok))
            py_rows = np.flatnonzero(other.to_numpy(zero_copy_only=False)).tolist()
            py_texts = arr.filter(other).to_pylist()
        odt = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        bufs = arr.buffers()
        raw = np.frombuffer(bufs[1], dtype=odt)[arr.offset : arr.offset + nrows + 1]
        offsets = raw.astype(np.int64)
        if bufs[2] is None or nrows == 0:
            data = np.zeros(0, dtype=np.uint8)
            offsets = np.zeros(nrows + 1, dtype=np.int64)
        else:
            data = np.frombuffer(bufs[2], dtype=np.uint8)
    else:
        texts = values if isinstance(values, list) else list(values)
        nrows = len(texts)
        try:
            joined: str | None = "".join(texts)  # fast path: all str, all ASCII
        except TypeError:
            joined = None
        if joined is not None and joined.isascii():
            lens = np.fromiter(map(len, texts), dtype=np.int64, count=nrows)
        else:
            ascii_texts: list[str] = []
            sizes = [0] * nrows
            for i, text in enumerate(texts):
                if not isinstance(text, str):
                    continue
                if text.isascii():
                    ascii_texts.append(text)
                    sizes[i] = len(text)
                else:
                    py_rows.append(i)
                    py_texts.append(text)
            joined = "".join(ascii_texts)
            lens = np.asarray(sizes, dtype=np.int64)
        data = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        offsets = _excl_cumsum(lens)
    hashes, counts = _scan_ascii(data, offsets, keep)
    if not py_rows:
        return hashes, counts
    py_hashes, py_counts = _unicode_words(py_texts)
    rows = np.asarray(py_rows, dtype=np.int64)
    all_counts = counts.copy()
    all_counts[rows] = py_counts
    starts = _excl_cumsum(all_counts)[:-1]
    merged = np.empty(int(all_counts.sum()), dtype=np.uint64)
    merged[_ragged_index(starts, counts)] = hashes
    merged[_ragged_index(starts[rows], py_counts)] = py_hashes
    return merged, all_counts


def _option_strings(options: Any, rows: I64, nrows: int) -> tuple[Any, I64]:
    """The non-null option strings of ``rows`` (flattened in order) and their count per row."""
    np = _np()
    per_row = np.zeros(rows.size, dtype=np.int64)
    if options is None or rows.size == 0:
        return [], per_row
    if len(options) != nrows:
        raise ValueError(f"decontamination: {len(options)} option lists for {nrows} questions")
    if _is_arrow(options):
        pa = import_optional("pyarrow", "decontamination of Arrow batches")
        pc = import_optional("pyarrow.compute", "decontamination of Arrow batches")
        if isinstance(options, pa.ChunkedArray):
            options = options.chunk(0) if options.num_chunks == 1 else options.combine_chunks()
        t = options.type
        if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
            return [], per_row
        sub = options.take(pa.array(rows, type=pa.int64()))
        flat = pc.list_flatten(sub)
        strings = _arrow_strings(flat)
        if strings is None:
            return [], per_row
        parents = pc.list_parent_indices(sub).to_numpy(zero_copy_only=False)
        valid = strings.is_valid()
        if strings.null_count:
            parents = parents[valid.to_numpy(zero_copy_only=False)]
            strings = strings.filter(valid)
        per_row = np.bincount(parents, minlength=rows.size).astype(np.int64)
        return strings, per_row
    flat_list: list[str] = []
    for j, r in enumerate(rows.tolist()):
        cleaned = _clean_options(options[r])
        if cleaned:
            flat_list.extend(cleaned)
            per_row[j] = len(cleaned)
    return flat_list, per_row


def _seq_keys_np(hashes: U64, starts: I64, lens: I64, seed: int) -> U64:
    """:func:`seq_key` of every ragged row ``hashes[starts[r]:starts[r] + lens[r]]`` (lens >= 1)."""
    np = _np()
    pp = _powers(_P, int(lens.max()) + 1)
    idx = _ragged_index(starts, lens)
    expo = np.repeat(starts + lens - 1, lens) - idx
    contrib = hashes[idx] * pp[expo]
    sums = np.add.reduceat(contrib, _excl_cumsum(lens)[:-1])
    acc = np.uint64(_seed_state(seed)) * pp[lens] + sums
    return _fmix_np(acc)


def _ngram_keys_np(hashes: U64, starts: I64, lens: I64, n: int) -> tuple[U64, I64]:
    """N-gram keys of rows with ``lens >= n`` and, for each key, its row's position in input.

    Prefix sums of ``h[t] * P**-t`` give every window's polynomial in two gathers:
    ``sum(h[i + j] * P**(n - 1 - j)) = (C[i + n] - C[i]) * P**(i + n - 1)``. Rows are taken
    in chunks of about ``_CHUNK_BYTES`` words so the power tables stay small and cached.
    """
    np = _np()
    windows = lens - n + 1
    rows = np.repeat(np.arange(lens.size, dtype=np.int64), windows)
    ends = np.zeros(lens.size + 1, dtype=np.int64)
    ends[1:] = starts + lens  # rows are in hash order: chunk by their end positions
    ends[0] = starts[0] if lens.size else 0
    parts: list[U64] = []
    seeded = np.uint64(_seed_state(_NGRAM_SEED) * pow(_P, n, 1 << 64) & _M)
    for r0, r1 in _row_chunks(ends, _CHUNK_BYTES):
        base = int(starts[r0])
        top = int(ends[r1]) - base
        first = _ragged_index(starts[r0:r1] - base, windows[r0:r1])
        pp = _powers(_P, top + 1)
        pi = _powers(_P_INV, top + 1)
        cum = np.zeros(top + 1, dtype=np.uint64)
        np.cumsum(hashes[base : base + top] * pi[:top], out=cum[1:])
        acc = (cum[first + n] - cum[first]) * pp[first + (n - 1)]
        acc += seeded
        parts.append(_fmix_np(acc))
    keys: U64 = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return keys, rows


def batch_keys(
    questions: Any, options: Any = None, n: int = 13, *, index: bool = False
) -> tuple[U64, I64]:
    """All keys of a batch and the row each belongs to (:func:`query_keys` per row, vectorised).

    ``questions``: a sequence (non-str entries get no keys) or a pyarrow string array;
    ``options``: None, a sequence of option lists (or None) or a pyarrow list<string> array.
    ``index=True`` gives :func:`index_keys` instead. Keys are not deduplicated or sorted.
    """
    np = _np()
    hashes, lens = _tokens(questions)
    nrows = lens.size
    starts = _excl_cumsum(lens)[:-1]
    keys: list[U64] = []
    rows: list[I64] = []

    def add(k: U64, r: I64) -> None:
        keys.append(k)
        rows.append(r)

    long_rows = np.flatnonzero(lens >= n)
    if long_rows.size:
        k, local = _ngram_keys_np(hashes, starts[long_rows], lens[long_rows], n)
        add(k, long_rows[local])
    short = np.flatnonzero((lens >= 1) & (lens < n))
    if short.size:
        strings, per_row = _option_strings(options, short, nrows)
        has = per_row > 0
        plain, with_opts = short[~has], short[has]
        bare = short if not index else plain
        if bare.size:
            add(_seq_keys_np(hashes, starts[bare], lens[bare], _BARE_SEED), bare)
        stem = with_opts if index else plain
        if stem.size:
            add(_seq_keys_np(hashes, starts[stem], lens[stem], _STEM_SEED), stem)
        if with_opts.size:
            opt_hashes, opt_counts = _tokens(strings)
            by_string = _excl_cumsum(opt_counts)
            str_bounds = _excl_cumsum(per_row[has])
            opt_lens = by_string[str_bounds[1:]] - by_string[str_bounds[:-1]]
            q_lens = lens[with_opts]
            m = q_lens + 1 + opt_lens
            seq_starts = _excl_cumsum(m)[:-1]
            seq = np.empty(int(m.sum()), dtype=np.uint64)
            seq[_ragged_index(seq_starts, q_lens)] = hashes[
                _ragged_index(starts[with_opts], q_lens)
            ]
            seq[seq_starts + q_lens] = np.uint64(_SEP)
            seq[_ragged_index(seq_starts + q_lens + 1, opt_lens)] = opt_hashes
            add(_seq_keys_np(seq, seq_starts, m, _QO_SEED), with_opts)
    if not keys:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keys), np.concatenate(rows)


def _bitmap_order(nkeys: int) -> int:
    """log2 of the bitmap size: at least 16 bits per key (false-positive rate about 6%)."""
    return max(12, (16 * max(nkeys, 1) - 1).bit_length())


def _bitmap(keys: U64) -> Any:
    """Bit ``k >> (64 - order)`` set for every (sorted) key ``k``."""
    np = _np()
    order = _bitmap_order(keys.size)
    bits = np.zeros(1 << (order - 3), dtype=np.uint8)
    if keys.size:
        slot = keys >> np.uint64(64 - order)  # sorted, since keys are
        byte = (slot >> np.uint64(3)).astype(np.int64)
        mask = np.left_shift(np.uint8(1), (slot & np.uint64(7)).astype(np.uint8))
        first = np.flatnonzero(np.diff(byte, prepend=np.int64(-1)))
        bits[byte[first]] = np.bitwise_or.reduceat(mask, first)
    return bits


def _materialise(values: Any) -> Any:
    """Arrow arrays and sized sequences as they are; any other iterable as a list."""
    if values is None or _is_arrow(values) or hasattr(values, "__len__"):
        return values
    return list(values)


class DecontamIndex:
    """N-gram index over evaluation benchmark questions.

    Build with :meth:`build`; query with :meth:`match` (one question), :meth:`match_batch`
    (benchmark names) or :meth:`match_ids` (a numpy array of benchmark ids, -1 for none).
    Picklable (two numpy arrays and a few scalars); :meth:`to_bytes`/:meth:`from_bytes` give
    a compact portable form. When a key occurs in several benchmarks, the first benchmark in
    ``names`` wins, so results are deterministic.
    """

    def __init__(
        self,
        names: Sequence[str],
        n: int,
        keys: NDArray[np.uint64],
        ids: NDArray[np.int16],
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.names = tuple(names)
        self.n = int(n)
        self.keys = keys
        self.ids = ids
        self.sizes = dict(sizes or {})

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def from_items(cls, items: Mapping[str, Iterable[BenchmarkItem]], n: int = 13) -> DecontamIndex:
        """Index ``{benchmark_name: [(question, options), ...]}``."""
        np = _np()
        if n < 1:
            raise ValueError(f"decontamination n-gram size must be >= 1, got {n}")
        names = list(items)
        questions: list[object] = []
        options: list[Sequence[str] | None] = []
        owner: list[int] = []
        sizes: dict[str, int] = {}
        for bid, name in enumerate(names):
            before = len(questions)
            for question, opts in items[name]:
                questions.append(question)
                options.append(opts)
            sizes[name] = len(questions) - before
            owner.extend([bid] * sizes[name])
        keys, rows = batch_keys(questions, options, n, index=True)
        ids = np.asarray(owner, dtype=np.int16)[rows]
        order = np.lexsort((ids, keys))
        keys, ids = keys[order], ids[order]
        first = np.ones(keys.size, dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        return cls(names, n, keys[first], ids[first], sizes)

    @classmethod
    def build(
        cls,
        benchmarks: Sequence[str] = DEFAULT_BENCHMARKS,
        n: int = 13,
        source: Loader = "embedded",
        *,
        revisions: Mapping[str, str] | None = None,
    ) -> DecontamIndex:
        """Load ``benchmarks`` (bundled samples or the Hub) and index their questions."""
        revisions = revisions or {}
        items = {b: load_benchmark(b, source, revision=revisions.get(b)) for b in benchmarks}
        return cls.from_items(items, n)

    # -- lookup -------------------------------------------------------------------------------

    def match(self, question: str, options: Sequence[str] | None = None) -> str | None:
        """The benchmark ``question`` overlaps, or None."""
        return self.match_batch([question], [options])[0]

    def match_ids(self, questions: Any, options: Any = None) -> NDArray[np.int16]:
        """Per row, the id (position in :attr:`names`) of the first benchmark hit, or -1.

        ``questions``: a sequence or a pyarrow string (Chunked)Array; ``options``: None, a
        sequence of option lists or a pyarrow list<string> (Chunked)Array. Non-string (null)
        questions never match; null and non-string options are ignored.
        """
        np = _np()
        questions, options = _materialise(questions), _materialise(options)
        nrows = len(questions)
        out: I16 = np.full(nrows, -1, dtype=np.int16)
        if self.keys.size == 0 or nrows == 0:
            return out
        keys, rows = batch_keys(questions, options, self.n)
        if keys.size == 0:
            return out
        cand = np.flatnonzero(self._maybe(keys))
        if cand.size == 0:
            return out
        keys, rows = keys[cand], rows[cand]
        pos = np.searchsorted(self.keys, keys)
        np.minimum(pos, self.keys.size - 1, out=pos)
        hit = self.keys[pos] == keys
        if not hit.any():
            return out
        best = np.full(nrows, np.iinfo(np.int16).max, dtype=np.int16)
        np.minimum.at(best, rows[hit], self.ids[pos[hit]])
        matched = best != np.iinfo(np.int16).max
        out[matched] = best[matched]
        return out

    def match_batch(self, questions: Any, options: Any = None) -> list[str | None]:
        """Vectorised :meth:`match` (see :meth:`match_ids` for the accepted inputs)."""
        np = _np()
        names = np.asarray([*self.names, None], dtype=object)  # id -1 -> None
        out: list[str | None] = names[self.match_ids(questions, options)].tolist()
        return out

    def _maybe(self, keys: U64) -> B:
        """Bitmap prefilter: False where ``keys`` is surely absent (about 94% of misses)."""
        np = _np()
        bits = self.__dict__.get("_bitmap")
        if bits is None:
            bits = self._bitmap = _bitmap(self.keys)
        shift = np.uint64(64 - _bitmap_order(self.keys.size))
        slot = keys >> shift
        byte = bits[slot >> np.uint64(3)]
        out: B = (byte >> (slot & np.uint64(7)).astype(np.uint8)) & np.uint8(1)
        return out.view(np.bool_)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_bitmap", None)  # derived; rebuilt on first lookup
        return state

    # -- serialisation ----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        np = _np()
        buf = io.BytesIO()
        np.savez(
            buf,
            keys=self.keys,
            ids=self.ids,
            names=np.asarray(self.names),
            n=np.asarray(self.n),
            size_names=np.asarray(list(self.sizes)),
            size_values=np.asarray(list(self.sizes.values()), dtype=np.int64),
            scheme=np.asarray(KEY_SCHEME),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> DecontamIndex:
        np = _np()
        z = np.load(io.BytesIO(data), allow_pickle=False)
        scheme = str(z["scheme"]) if "scheme" in z.files else "xxh3-v1"
        if scheme != KEY_SCHEME:
            raise ValueError(
                f"decontamination index uses key scheme {scheme!r}, this version computes "
                f"{KEY_SCHEME!r}: rebuild the index"
            )
        sizes = dict(zip(z["size_names"].tolist(), z["size_values"].tolist(), strict=True))
        return cls(z["names"].tolist(), int(z["n"]), z["keys"], z["ids"], sizes)

    def fingerprint(self) -> str:
        """Short content hash (for the manifest); changes with :data:`KEY_SCHEME`."""
        import hashlib

        h = hashlib.blake2b(digest_size=8)
        h.update(repr((KEY_SCHEME, self.names, self.n)).encode())
        h.update(self.keys.tobytes())
        h.update(self.ids.tobytes())
        return h.hexdigest()

    def __len__(self) -> int:
        return int(self.keys.size)

    def __repr__(self) -> str:
        return f"DecontamIndex(n={self.n}, keys={len(self)}, benchmarks={self.sizes})"


def _clean_options(options: object) -> list[str] | None:
    if options is None or isinstance(options, str):
        return None
    tolist = getattr(options, "tolist", None)
    if callable(tolist):
        options = tolist()
    if not isinstance(options, Sequence):
        return None
    return [o for o in options if isinstance(o, str)] or None


@register_filter("decontam")
class DecontamFilter(BatchFilter):
    """Drops rows whose question overlaps a benchmark; reason ``contaminated:<benchmark>``."""

    name = "decontam"

    def __init__(self, index: DecontamIndex) -> None:
        self.index = index

    def check_batch(self, rows: Sequence[Row]) -> list[str | None]:
        questions = [r.get("question") if isinstance(r, Mapping) else None for r in rows]
        options = [r.get("options") if isinstance(r, Mapping) else None for r in rows]
        hits = self.index.match_batch(questions, options)
        return [None if h is None else REASON_PREFIX + h for h in hits]


def contamination_report(rejects: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """``{source: {benchmark: count}}`` from reject rows with ``contaminated:*`` reasons."""
    report: dict[str, dict[str, int]] = {}
    for rej in rejects:
        reason = rej.get("reason")
        if not isinstance(reason, str) or not reason.startswith(REASON_PREFIX):
            continue
        bench = reason[len(REASON_PREFIX) :]
        src = str(rej.get("source") or "")
        per = report.setdefault(src, {})
        per[bench] = per.get(bench, 0) + 1
    return {s: dict(sorted(b.items())) for s, b in sorted(report.items())}


def merge_reports(*reports: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Sum several per-batch contamination reports."""
    out: dict[str, dict[str, int]] = {}
    for rep in reports:
        for src, per in rep.items():
            dst = out.setdefault(src, {})
            for bench, n in per.items():
                dst[bench] = dst.get(bench, 0) + n
    return {s: dict(sorted(b.items())) for s, b in sorted(out.items())}
