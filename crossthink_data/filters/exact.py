"""Exact deduplication: one key per row; the pipeline groups by key and keeps the smallest uid.

The key covers the normalised question, the template and (for MCQ) the normalised options:
two MCQ rows asking "Which of the following is true?" over different options are different
questions, and the open variant of an MCQ question is a different training item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crossthink_data._optional import import_optional
from crossthink_data.filters.textvec import (
    ascii_rows,
    is_arrow,
    normalize_ascii,
    python_values,
    to_string_array,
)
from crossthink_data.records import normalize_question


def _options_list(options: object) -> list[str]:
    if options is None or isinstance(options, str):
        return []
    tolist = getattr(options, "tolist", None)
    if callable(tolist):
        options = tolist()
    if not isinstance(options, Sequence):
        return []
    return [o for o in options if isinstance(o, str)]


def dedup_text(row: Mapping[str, Any]) -> str:
    """Normalised text that identifies a row's content: question plus MCQ options.

    Used both for the exact key and as the MinHash input of near-duplicate detection.
    """
    question = row.get("question")
    text = normalize_question(question) if isinstance(question, str) else ""
    opts = _options_list(row.get("options"))
    if opts:
        text += "\n" + "\n".join(normalize_question(o) for o in opts)
    return text


def dedup_texts(question: Any, options: Any) -> Any:
    """:func:`dedup_text` of every row of a batch, as a pyarrow ``string`` Array.

    ``question``: pyarrow string Array/ChunkedArray (nulls allowed); ``options``: pyarrow
    list<string> Array/ChunkedArray of the same length (null lists and null elements allowed;
    null elements are skipped, as in :func:`dedup_text`). Python sequences are converted.
    Rows whose question and options are all ASCII are normalised with vectorised pyarrow
    kernels (identical results: NFKC is the identity and casefold is lower on ASCII); the
    other rows go through :func:`dedup_text` and are merged back in order.
    """
    pa = import_optional("pyarrow", "vectorised exact dedup")
    pc = import_optional("pyarrow.compute", "vectorised exact dedup")
    xp = import_optional("numpy", "vectorised exact dedup")
    q = to_string_array(question).cast(pa.string())
    opts = _list_array(pa, options)
    n = len(q)
    if len(opts) != n:
        raise ValueError(f"dedup_texts: {n} questions but {len(opts)} option lists")
    if pa.types.is_null(opts.type):
        flat = pa.array([], type=pa.string())
        parents = xp.zeros(0, dtype=xp.int64)
    else:
        flat = to_string_array(pc.list_flatten(opts)).cast(pa.string())
        parents = xp.asarray(pc.list_parent_indices(opts).to_numpy(), dtype=xp.int64)
    ok = ascii_rows(q)
    ok[parents[~ascii_rows(flat)]] = False
    valid = xp.asarray(flat.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    counts = xp.bincount(parents[valid], minlength=n)
    text = pc.fill_null(normalize_ascii(q), "")
    if valid.any():
        list_offsets = xp.zeros(n + 1, dtype=xp.int32)
        xp.cumsum(counts, out=list_offsets[1:])
        normed = normalize_ascii(flat.filter(pa.array(valid)))
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(list_offsets), normed), "\n")
        with_opts = pc.binary_join_element_wise(text, joined, "\n")
        text = pc.if_else(pa.array(counts > 0), with_opts, text)
    slow = xp.flatnonzero(~ok)
    if slow.shape[0]:
        slow_q = python_values(q, slow)
        slow_o = opts.take(pa.array(slow, type=pa.int64())).to_pylist()
        fixed = [
            dedup_text({"question": qq, "options": oo})
            for qq, oo in zip(slow_q, slow_o, strict=True)
        ]
        text = pc.replace_with_mask(text, pa.array(~ok), pa.array(fixed, type=text.type))
    return text


def _list_array(pa: Any, options: Any) -> Any:
    """Options as one pyarrow list Array (or a null-typed Array when every list is null)."""
    if isinstance(options, pa.ChunkedArray):
        options = options.chunk(0) if options.num_chunks == 1 else options.combine_chunks()
    elif not is_arrow(options):
        options = pa.array([_options_or_none(o) for o in options], type=pa.list_(pa.string()))
    t = options.type
    if pa.types.is_null(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
        return options
    views = [getattr(pa.types, f, None) for f in ("is_list_view", "is_large_list_view")]
    if any(f is not None and f(t) for f in views):  # pyarrow >= 16
        return options.cast(pa.list_(t.value_type))
    raise TypeError(f"dedup_texts: options must be a pyarrow list<string> array, got type {t}")


def _options_or_none(options: object) -> list[str | None] | None:
    if options is None or isinstance(options, str):
        return None
    tolist = getattr(options, "tolist", None)
    values = tolist() if callable(tolist) else options
    if not isinstance(values, Sequence):
        return None
    return [o if isinstance(o, str) else None for o in values]


def exact_key(row: Mapping[str, Any]) -> str:
    """Hex key (blake2b, 16 bytes) of template + normalised question (+ options for MCQ).

    Deterministic across processes and machines (no Python ``hash()``).
    """
    template = row.get("template")
    h = hashlib.blake2b(digest_size=16)
    h.update((template if isinstance(template, str) else "").encode())
    h.update(b"\x00")
    h.update(dedup_text(row).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def exact_key_halves(templates: Any, texts: Any) -> tuple[Any, Any]:
    """:func:`exact_key` digests of a batch as two uint64 numpy arrays (big-endian halves of
    the 16 bytes), from ``texts`` = :func:`dedup_texts` output and the ``template`` column
    (pyarrow string Array/ChunkedArray or a sequence; nulls and non-str read as ``""``).

    ``(hi[i] << 64) | lo[i] == int(exact_key(row_i), 16)``. Hashes slices of the arrow buffer
    directly (no Python str per row) and reuses one blake2b state per distinct template.
    """
    pa = import_optional("pyarrow", "vectorised exact dedup")
    pc = import_optional("pyarrow.compute", "vectorised exact dedup")
    xp = import_optional("numpy", "vectorised exact dedup")
    arr = pc.fill_null(to_string_array(texts).cast(pa.string()), "")
    if is_arrow(templates):
        tmpl = to_string_array(templates).to_pylist()
    else:
        tmpl = [t if isinstance(t, str) else None for t in templates]
    n = len(arr)
    if len(tmpl) != n:
        raise ValueError(f"exact_key_halves: {len(tmpl)} templates but {n} texts")
    if n == 0:
        return xp.zeros(0, dtype=xp.uint64), xp.zeros(0, dtype=xp.uint64)
    bufs = arr.buffers()
    data = memoryview(bufs[2]) if bufs[2] is not None else memoryview(b"")
    bounds = xp.frombuffer(bufs[1], dtype=xp.int32)[arr.offset : arr.offset + n + 1].tolist()
    prefixes: dict[str | None, Any] = {}
    out = bytearray(16 * n)
    for i, t in enumerate(tmpl):
        base = prefixes.get(t)
        if base is None:
            base = hashlib.blake2b(digest_size=16)
            base.update((t if isinstance(t, str) else "").encode())
            base.update(b"\x00")
            prefixes[t] = base
        h = base.copy()
        h.update(data[bounds[i] : bounds[i + 1]])
        out[16 * i : 16 * i + 16] = h.digest()
    halves = xp.frombuffer(bytes(out), dtype=">u8").reshape(n, 2).astype(xp.uint64)
    return halves[:, 0].copy(), halves[:, 1].copy()


def exact_duplicates(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Single-process exact dedup: ``{dropped_uid: kept_uid}`` (smallest uid per key kept).

    The Ray pipeline does the same with a groupby on :func:`exact_key`; this is the reference
    implementation for small inputs and tests. Rows without a string uid are ignored.
    """
    best: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for row in rows:
        uid = row.get("uid")
        if not isinstance(uid, str):
            continue
        key = exact_key(row)
        members.setdefault(key, []).append(uid)
        if key not in best or uid < best[key]:
            best[key] = uid
    out: dict[str, str] = {}
    for key, uids in members.items():
        keep = best[key]
        for uid in uids:
            if uid != keep:
                out[uid] = keep
    return out
