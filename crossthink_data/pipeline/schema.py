"""Arrow schemas of the pipeline: canonical records, rejects, and the internal "work" table.

The work table is what flows between stages: the canonical columns plus bookkeeping columns
(prefixed ``_``). A row with ``_stage`` null is alive; a reject carries the stage and reason
that dropped it (and the offending row as JSON); a ``_stage == "_stats"`` row carries the
per-batch count of upstream rows, so every count in the manifest is derived from the data
itself, never from driver-side state that depends on block order.
"""

from __future__ import annotations

from typing import Any

from crossthink_data.records import COLUMNS, arrow_schema

STATS_STAGE = "_stats"
WORK_EXTRA = (
    "_stage",
    "_reason",
    "_row_json",
    "_xk1",
    "_xk2",
    "_bands",
    "_sig",
    "_digest",
    "_rid",
    "_uh",
    "_n",
)
REJECT_COLUMNS = ("uid", "source", "stage", "reason", "row_json")


def rejects_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("uid", pa.string()),
            ("source", pa.string()),
            ("stage", pa.string()),
            ("reason", pa.string()),
            ("row_json", pa.string()),
        ]
    )


def work_schema() -> Any:
    import pyarrow as pa

    fields = list(arrow_schema())
    fields += [
        pa.field("_stage", pa.string()),
        pa.field("_reason", pa.string()),
        pa.field("_row_json", pa.string()),
        pa.field("_xk1", pa.uint64()),
        pa.field("_xk2", pa.uint64()),
        pa.field("_bands", pa.list_(pa.uint64())),
        pa.field("_sig", pa.list_(pa.uint32())),
        pa.field("_digest", pa.binary()),
        pa.field("_rid", pa.uint64()),
        pa.field("_uh", pa.uint64()),
        pa.field("_n", pa.int64()),
    ]
    return pa.schema(fields)


def empty_columns(n: int) -> dict[str, list[Any]]:
    return {c: [None] * n for c in (*COLUMNS, *WORK_EXTRA)}
