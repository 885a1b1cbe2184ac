"""Content hashing of curated rows: independent of block order, worker count and versions.

Each row is encoded as a self-delimiting byte string over the
:data:`~crossthink_data.records.COLUMNS` in order (:func:`row_encoding`, defined below for
the canonical types) and hashed with sha256. The dataset hash is sha256 over the row
digests ordered by ``(uid, digest)``: rows are written in that order, so the pipeline can
stream the digests part by part, and any reader can recompute the hash from the rows alone
(:func:`content_hash`).

The encoding is built column-wise with Arrow compute (:func:`table_digests`), so a digest
costs one C-level sha256 call per row rather than a Python JSON dump; :func:`row_encoding`
is the plain-Python definition the vectorised path is tested against.

Encoding (``N`` marks a null everywhere): a string is ``S<utf-8 byte length>:<bytes>``; a
float is ``F<IEEE-754 bits as an unsigned decimal>``; a list is ``L<count>:`` followed by
its elements; a struct is ``M`` followed by its fields in schema order.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from crossthink_data.records import COLUMNS

HASH_VERSION = "rows-sha256-v2"


def canonical_json(row: Mapping[str, Any]) -> str:
    """JSON of the canonical columns of ``row`` (missing columns are null): the readable
    form kept in reject rows, written as every other stage writes its rejects
    (``json.dumps(..., sort_keys=True, ensure_ascii=False)``: one form in the rejects)."""
    return json.dumps({c: row.get(c) for c in COLUMNS}, sort_keys=True, ensure_ascii=False)


# ----------------------------------------------------------------------------- reference


def _encode_value(value: Any, typ: Any) -> bytes:
    import pyarrow as pa

    if value is None:
        return b"N"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        raw = str(value).encode("utf-8", "surrogatepass")
        return b"S%d:" % len(raw) + raw
    if pa.types.is_floating(typ):
        return b"F%d" % struct.unpack("<Q", struct.pack("<d", float(value)))[0]
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        items = list(value)
        return b"L%d:" % len(items) + b"".join(_encode_value(v, typ.value_type) for v in items)
    if pa.types.is_struct(typ):
        return b"M" + b"".join(
            _encode_value(value.get(typ.field(i).name), typ.field(i).type)
            for i in range(typ.num_fields)
        )
    raise TypeError(f"row hashing: unsupported column type {typ}")


def row_encoding(row: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one row (plain Python; missing columns are null)."""
    from crossthink_data.records import arrow_schema

    schema = arrow_schema()
    return b"".join(_encode_value(row.get(c), schema.field(c).type) for c in COLUMNS)


def row_digest(row: Mapping[str, Any]) -> bytes:
    """sha256 digest (32 bytes) of one row's encoding."""
    return hashlib.sha256(row_encoding(row)).digest()


def row_digests(rows: Iterable[Mapping[str, Any]]) -> list[bytes]:
    return [row_digest(r) for r in rows]


# ----------------------------------------------------------------------------- vectorised


def _encode_array(arr: Any) -> Any:
    """The encoding of every element of a (non-chunked) Arrow array, as a string array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    typ = arr.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        lens = pc.cast(pc.binary_length(arr), pa.string())
        out = pc.binary_join_element_wise("S", lens, ":", arr, "")
    elif pa.types.is_floating(typ):
        vals = pc.fill_null(arr.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
        bits = pa.array(np.ascontiguousarray(vals, dtype="<f8").view("<u8")).cast(pa.string())
        out = _nulls_as_null(arr, pc.binary_join_element_wise("F", bits, ""))
    elif pa.types.is_list(typ) or pa.types.is_large_list(typ):
        lengths = pc.fill_null(pc.list_value_length(arr), 0)
        child = _encode_array(arr.flatten())
        offsets = np.zeros(
            len(arr) + 1, dtype=np.int64 if pa.types.is_large_list(typ) else np.int32
        )
        np.cumsum(lengths.to_numpy(zero_copy_only=False), out=offsets[1:])
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), child), "")
        head = pc.binary_join_element_wise("L", pc.cast(lengths, pa.string()), ":", "")
        out = _nulls_as_null(arr, pc.binary_join_element_wise(head, joined, ""))
    elif pa.types.is_struct(typ):
        fields = [_encode_array(pc.struct_field(arr, [i])) for i in range(typ.num_fields)]
        body = pc.binary_join_element_wise("M", *fields, "")
        out = _nulls_as_null(arr, body)
    else:
        raise TypeError(f"row hashing: unsupported column type {typ}")
    return pc.fill_null(out, "N") if out.null_count else out


def _nulls_as_null(arr: Any, encoded: Any) -> Any:
    """``encoded`` with null where ``arr`` is null (skipped when there are none: the
    common case, and ``if_else`` on long strings is a full copy)."""
    import pyarrow.compute as pc

    if arr.null_count == 0:
        return encoded
    return pc.if_else(pc.is_valid(arr), encoded, None)


def table_digests(table: Any) -> list[bytes]:
    """sha256 digests of the rows of a table holding (at least) the canonical columns,
    equal to :func:`row_digest` of each row, built column-wise (see module doc)."""
    import pyarrow.compute as pc

    from crossthink_data.records import arrow_schema

    schema = arrow_schema()
    sub = table.select(list(COLUMNS))
    if sub.schema != schema:
        sub = sub.cast(schema)
    sha = hashlib.sha256
    out: list[bytes] = []
    for batch in sub.to_batches(max_chunksize=8192):
        if batch.num_rows == 0:
            continue
        cols = [_encode_array(batch.column(i)) for i in range(batch.num_columns)]
        rows = pc.binary_join_element_wise(*cols, "").cast("binary")
        out.extend(sha(b).digest() for b in rows.to_pylist())
    return out


def digest_table(table: Any) -> list[bytes]:
    """Alias of :func:`table_digests` (the name older callers use)."""
    return table_digests(table)


def combine(ordered_digests: Iterable[bytes]) -> str:
    """sha256 hex over digests already ordered by ``(uid, digest)``."""
    h = hashlib.sha256(HASH_VERSION.encode())
    for d in ordered_digests:
        h.update(d)
    return h.hexdigest()


def content_hash(table: Any) -> str:
    """Order-independent hash of a table of canonical rows (e.g. :func:`read_curated`'s)."""
    uids = table.column("uid").to_pylist()
    digests = table_digests(table)
    order = sorted(range(len(digests)), key=lambda i: (uids[i] or "", digests[i]))
    return combine(digests[i] for i in order)


def unit_interval(seed: int, uid: str) -> float:
    """A deterministic number in [0, 1) from ``(seed, uid)`` (for sampling)."""
    d = hashlib.blake2b(f"{seed}\x00{uid}".encode(), digest_size=8).digest()
    return float(struct.unpack(">Q", d)[0] >> 11) / float(1 << 53)
