"""``procedural``: an offline generator of verifiable math, mcq and open items.

It reads no data: ``read`` returns ``ray.data.range(n)`` (column ``id``) and ``to_records``
generates item ``id`` from ``(spec.seed, id)``, so generation runs in parallel inside the
pipeline's ``map_batches`` and the output is independent of worker count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crossthink_data.sources.base import Source, SourceSpec, make_reject, register_source
from crossthink_data.sources.coerce import RowError, as_int
from crossthink_data.sources.procedural.fast import fast_records
from crossthink_data.sources.procedural.generator import (
    KINDS,
    Item,
    generate,
    generate_many,
    kinds_for_templates,
)
from crossthink_data.templates import to_math, to_mcq, to_open

DEFAULT_ROWS = 1000
LICENSE = "Apache-2.0"

__all__ = [
    "DEFAULT_ROWS",
    "KINDS",
    "Item",
    "ProceduralSource",
    "generate",
    "fast_records",
    "generate_many",
    "item_record",
]


def item_record(item: Item, source: str, seed: int) -> dict[str, Any]:
    """The canonical record of a generated item (reference path via the template builders;
    :func:`fast_records` builds the same dicts faster and a test pins the equality)."""
    meta = (
        f'{{"generator": "{item.generator}", "index": {item.idx}, '
        f'"kind": "{item.kind}", "seed": {seed}}}'
    )
    if item.kind == "mcq":
        assert item.options is not None
        return to_mcq(
            source=source,
            question=item.question,
            options=item.options,
            gold=item.answer,
            domain="gpr",
            license=LICENSE,
            subject=item.subject,
            metadata=meta,
        )
    if item.kind == "math":
        return to_math(
            source=source,
            question=item.question,
            gold=item.answer,
            license=LICENSE,
            subject=item.subject,
            metadata=meta,
        )
    return to_open(
        source=source,
        question=item.question,
        gold=item.answer,
        domain="gpr",
        license=LICENSE,
        subject=item.subject,
        metadata=meta,
    )


@register_source("procedural")
class ProceduralSource(Source):
    name = "procedural"
    license = LICENSE
    domain = "mixed"
    upstream = "generated"
    default_templates = ("mcq", "open")
    required_columns = ("id",)
    generated = True

    def row_count(self, spec: SourceSpec) -> int:
        n = spec.rows if spec.rows is not None else DEFAULT_ROWS
        return min(n, spec.limit) if spec.limit is not None else n

    def read(self, spec: SourceSpec, ray: Any) -> Any:
        self.validate_spec(spec)
        return ray.data.range(self.row_count(spec))

    def sample_rows(self) -> list[dict[str, Any]]:
        return [{"id": i} for i in range(60)]

    def check_columns(
        self, columns: Iterable[str], where: str, spec: SourceSpec | None = None
    ) -> None:
        super().check_columns(columns, where, spec)

    def to_records(
        self, rows: Iterable[Mapping[str, Any]], spec: SourceSpec
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Generate the items named by the rows' ``id`` (bad ids become rejects)."""
        self.validate_spec(spec)
        label = spec.label
        ids: list[int] = []
        rejects: list[dict[str, Any]] = []
        for row in rows:
            index = as_int(row.get("id")) if isinstance(row, Mapping) else None
            if index is None or index < 0:
                reason = "bad_type:id" if isinstance(row, Mapping) else "row_not_a_mapping"
                rejects.append(make_reject(label, reason, row))
            else:
                ids.append(index)
        kinds = kinds_for_templates(self.templates_for(spec))
        return fast_records(label, spec.seed, ids, kinds), rejects

    def map_row(
        self,
        row: Mapping[str, Any],
        spec: SourceSpec,
        templates: tuple[str, ...],
        records: list[dict[str, Any]],
        rejects: list[dict[str, Any]],
    ) -> None:
        index = as_int(row.get("id"))
        if index is None or index < 0:
            raise RowError("bad_type:id")
        item = generate(spec.seed, index, kinds_for_templates(templates))
        records.append(item_record(item, spec.label, spec.seed))
