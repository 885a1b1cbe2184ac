"""Vectorised ASCII fast path for dedup text work (pyarrow + numpy), bit-identical to Python.

For pure-ASCII text, NFKC is the identity and ``casefold`` equals ``lower``, so
:func:`records.normalize_question`, the MinHash tokeniser (``\\w+|\\S``) and the numbers regex
(``\\d+(?:\\.\\d+)?``) reduce to byte operations that run over a whole batch at once. Python's
``\\s`` and ``str.strip()`` also treat ``\\x1c``-``\\x1f`` as whitespace (RE2's ``\\s`` does not),
so the whitespace class is spelled out here. Callers send non-ASCII rows through the Python
reference functions and merge the results back in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crossthink_data._optional import import_optional

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: ASCII characters Python's ``re`` ``\s`` (str patterns) and ``str.isspace`` accept.
WS_CHARS = " \t\n\v\f\r\x1c\x1d\x1e\x1f"
#: RE2 pattern for a run of those characters, except a lone space (replacing it by a space
#: would change nothing, and most runs in prose are lone spaces: skipping them is ~7x faster).
WS_RUN_RE2 = r"[\t\n\v\f\r\x1c-\x1f][\t\n\v\f\r\x1c-\x1f ]*| [\t\n\v\f\r\x1c-\x1f ]+"


def _np() -> Any:
    return import_optional("numpy", "vectorised dedup")


def _pa() -> Any:
    return import_optional("pyarrow", "vectorised dedup")


def pyarrow_or_none() -> Any:
    """The pyarrow module, or None when it is not installed (callers then use Python paths)."""
    try:
        import pyarrow
    except ImportError:
        return None
    return pyarrow


def is_arrow(obj: object) -> bool:
    """True for a pyarrow Array or ChunkedArray (without importing pyarrow)."""
    mod = type(obj).__module__
    return mod.startswith("pyarrow") and hasattr(obj, "type")


def to_string_array(texts: Any) -> Any:
    """``texts`` (pyarrow string Array/ChunkedArray, or a sequence of str) as one pyarrow
    ``string``/``large_string`` Array. Sequence items that are not str become nulls (the Python
    functions treat them as empty text). Raises ``TypeError`` for non-string arrow types and
    ``UnicodeEncodeError`` for str with lone surrogates (callers fall back to Python)."""
    pa = _pa()
    if isinstance(texts, pa.ChunkedArray):
        arr = texts.chunk(0) if texts.num_chunks == 1 else texts.combine_chunks()
    elif isinstance(texts, pa.Array):
        arr = texts
    else:
        arr = pa.array([t if isinstance(t, str) else None for t in texts], type=pa.string())
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr
    is_view = getattr(pa.types, "is_string_view", None)  # pyarrow >= 16
    if pa.types.is_null(t) or (is_view is not None and is_view(t)):
        return arr.cast(pa.string())
    raise TypeError(f"expected a pyarrow string array of texts, got type {t}")


def ascii_rows(arr: Any) -> NDArray[np.bool_]:
    """Boolean mask of rows that are pure ASCII (nulls count as ASCII: they are empty text)."""
    pc = import_optional("pyarrow.compute", "vectorised dedup")
    xp = _np()
    mask: NDArray[np.bool_] = xp.asarray(
        pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False), dtype=bool
    )
    return mask


def python_values(arr: Any, rows: NDArray[np.intp]) -> list[str | None]:
    """The Python str (or None) of the given rows of an arrow string array."""
    pa = _pa()
    if len(rows) == 0:
        return []
    picked = arr.take(pa.array(rows, type=pa.int64()))
    values: list[str | None] = picked.to_pylist()
    return values


@dataclass(frozen=True)
class AsciiBytes:
    """The bytes of a batch of ASCII texts: ``data`` (uint8) and per-row offsets ``bounds``
    (int64, ``n + 1``, starting at 0); row ``i`` is ``data[bounds[i]:bounds[i+1]]``.
    Rows left out (non-ASCII, null) are empty."""

    data: NDArray[np.uint8]
    bounds: NDArray[np.int64]

    @property
    def n_rows(self) -> int:
        return int(self.bounds.shape[0]) - 1


def ascii_bytes(arr: Any, keep: NDArray[np.bool_] | None = None) -> AsciiBytes:
    """Zero-copy view of the bytes of a string array; rows where ``keep`` is False (and nulls)
    become empty."""
    pa = _pa()
    pc = import_optional("pyarrow.compute", "vectorised dedup")
    xp = _np()
    if keep is not None and not bool(keep.all()):
        arr = pc.if_else(pa.array(keep, type=pa.bool_()), arr, pa.scalar(None, arr.type))
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    n = len(arr)
    bufs = arr.buffers()
    off_dtype = xp.int64 if pa.types.is_large_string(arr.type) else xp.int32
    if n == 0 or bufs[1] is None:
        return AsciiBytes(xp.zeros(0, dtype=xp.uint8), xp.zeros(n + 1, dtype=xp.int64))
    offs = xp.frombuffer(bufs[1], dtype=off_dtype)[arr.offset : arr.offset + n + 1]
    offs = offs.astype(xp.int64)
    lo, hi = int(offs[0]), int(offs[-1])
    if hi > lo and bufs[2] is not None:
        data = xp.frombuffer(bufs[2], dtype=xp.uint8)[lo:hi]
    else:
        data = xp.zeros(0, dtype=xp.uint8)
    return AsciiBytes(data, offs - lo)


def _is_space(data: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Bytes in :data:`WS_CHARS` (space, ``\\t``-``\\r``, ``\\x1c``-``\\x1f``)."""
    xp = _np()
    out: NDArray[np.bool_] = (
        (data == ord(" "))
        | ((data - xp.uint8(9)) < 5)  # \t \n \v \f \r (uint8 wraps below 9)
        | ((data - xp.uint8(0x1C)) < 4)
    )
    return out


def _is_word(data: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Bytes of Python's ``\\w`` restricted to ASCII: letters, digits, underscore."""
    xp = _np()
    out: NDArray[np.bool_] = (
        (((data | xp.uint8(32)) - xp.uint8(ord("a"))) < 26)
        | ((data - xp.uint8(ord("0"))) < 10)
        | (data == ord("_"))
    )
    return out


def _lower(data: NDArray[np.uint8]) -> NDArray[np.uint8]:
    xp = _np()
    upper = (data - xp.uint8(ord("A"))) < 26
    out: NDArray[np.uint8] = data + upper.view(xp.uint8) * xp.uint8(32)
    return out


def _row_starts(b: AsciiBytes) -> NDArray[np.bool_]:
    """``L + 1`` mask: True where a row begins (and at the end)."""
    xp = _np()
    starts = xp.zeros(b.data.shape[0] + 1, dtype=bool)
    starts[b.bounds] = True
    out: NDArray[np.bool_] = starts
    return out


def _per_row(positions: NDArray[np.int64], bounds: NDArray[np.int64]) -> NDArray[np.int64]:
    """How many of the sorted byte ``positions`` fall inside each row."""
    xp = _np()
    counts: NDArray[np.int64] = xp.diff(xp.searchsorted(positions, bounds)).astype(xp.int64)
    return counts


def _string_array(compact: NDArray[np.uint8], lengths: NDArray[np.int64]) -> Any:
    """pyarrow string array of consecutive pieces of ``compact`` with the given lengths."""
    pa = _pa()
    xp = _np()
    large = compact.shape[0] >= 2**31 - 1
    offsets = xp.zeros(lengths.shape[0] + 1, dtype=xp.int64 if large else xp.int32)
    xp.cumsum(lengths, out=offsets[1:])
    typ = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(
        typ, int(lengths.shape[0]), [None, pa.py_buffer(offsets), pa.py_buffer(compact)]
    )


def ascii_tokens(b: AsciiBytes) -> tuple[Any, NDArray[np.int64]]:
    """Tokens ``\\w+|\\S`` of the lowercased ASCII rows: ``(tokens, counts)`` where ``tokens`` is
    a pyarrow string array of all tokens in row order and ``counts[i]`` the tokens of row ``i``.

    Between consecutive tokens there is only whitespace, so dropping whitespace bytes leaves the
    tokens back to back: their offsets are the running sum of their lengths.
    """
    xp = _np()
    data = b.data
    size = data.shape[0]
    solid = ~_is_space(data)
    word = _is_word(data)
    starts_row = _row_starts(b)
    cont = xp.zeros(size + 1, dtype=bool)  # word byte continuing the previous byte's word
    if size > 1:
        xp.logical_and(word[1:], word[:-1], out=cont[1:size])
        cont[1:size] &= ~starts_row[1:size]
    starts = xp.flatnonzero(solid & ~cont[:size])
    ends = xp.flatnonzero(solid & ~cont[1:]) + 1
    tokens = _string_array(_lower(data[solid]), ends - starts)
    return tokens, _per_row(starts, b.bounds)


def ascii_numbers(b: AsciiBytes) -> tuple[Any, NDArray[np.int64]]:
    """Matches of ``\\d+(?:\\.\\d+)?`` in the ASCII rows (leftmost, non-overlapping, as
    ``re.findall``): ``(numbers, counts)``, numbers a pyarrow string array in row order.

    Digit runs are found first; a run followed by ``.`` and another run absorbs it, pairing
    chains ``1.2.3.4`` greedily from the left into ``1.2``, ``3.4``.
    """
    xp = _np()
    data = b.data
    size = data.shape[0]
    digit = (data >= ord("0")) & (data <= ord("9"))
    starts_row = _row_starts(b)
    prev = xp.zeros(size, dtype=bool)
    if size > 1:
        prev[1:] = digit[:-1] & ~starts_row[1:size]
    nxt = xp.zeros(size, dtype=bool)
    if size > 1:
        nxt[:-1] = digit[1:] & ~starts_row[1:size]
    run_s = xp.flatnonzero(digit & ~prev)
    run_e = xp.flatnonzero(digit & ~nxt) + 1
    n_runs = int(run_s.shape[0])
    if n_runs > 1:
        # Run i joins run i+1 when exactly one '.' separates them, inside one row.
        gap = run_e[:-1]
        joinable = (
            (run_s[1:] == gap + 1)
            & (data[xp.minimum(gap, size - 1)] == ord("."))
            & ~starts_row[gap]
            & ~starts_row[gap + 1]
        )
    else:
        joinable = xp.zeros(max(n_runs - 1, 0), dtype=bool)
    if n_runs:
        idx = xp.arange(n_runs)
        chain_start = xp.ones(n_runs, dtype=bool)
        chain_start[1:] = ~joinable
        head = xp.maximum.accumulate(xp.where(chain_start, idx, 0))
        even = ((idx - head) % 2) == 0
        merge = xp.zeros(n_runs, dtype=bool)
        merge[:-1] = joinable & even[:-1]
        absorbed = xp.zeros(n_runs, dtype=bool)
        absorbed[1:] = merge[:-1]
        ends = xp.where(merge, xp.roll(run_e, -1), run_e)
        m_s, m_e = run_s[~absorbed], ends[~absorbed]
    else:
        merge = xp.zeros(0, dtype=bool)
        m_s = m_e = xp.zeros(0, dtype=xp.int64)
    # Every digit belongs to a match; so do the '.' joining two runs.
    inside = digit
    if n_runs:
        inside = digit.copy()
        inside[run_e[merge]] = True
    numbers = _string_array(data[inside], m_e - m_s)
    return numbers, _per_row(m_s, b.bounds)


def normalize_ascii(arr: Any) -> Any:
    """:func:`records.normalize_question` of every (ASCII) row of a string array, vectorised:
    lowercase, whitespace runs to one space, strip. Nulls stay null."""
    pc = import_optional("pyarrow.compute", "vectorised dedup")
    low = pc.ascii_lower(arr)
    spaced = pc.replace_substring_regex(low, pattern=WS_RUN_RE2, replacement=" ")
    return pc.ascii_trim(spaced, characters=" ")
