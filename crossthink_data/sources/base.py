"""Source adapters: the spec, the base class and the registry.

A source adapter knows one upstream dataset: its license, domain, columns and how to map one
upstream row to canonical records (:mod:`crossthink_data.records`). Reading is Ray-based and
lazy; mapping (:meth:`Source.to_records`) is pure Python so it runs inside ``map_batches``
and in plain unit tests alike, and it never raises on a bad row: the row becomes a reject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crossthink_data.registry import Registry
from crossthink_data.sources.coerce import RowError, row_json
from crossthink_data.templates import TemplateRejected, mcq_to_open, template_uid, to_mcq

TemplateName = Literal["mcq", "open"]
LOCAL_COLUMN_KEYS = ("question", "answer", "options", "subject", "template", "id")


class SourceSchemaError(ValueError):
    """Upstream data lacks a column an adapter needs (names source, column and location)."""

    def __init__(self, source: str, column: str, where: str, found: Sequence[str]) -> None:
        shown = ", ".join(sorted(map(str, found))) or "none"
        super().__init__(
            f"source {source!r}: missing column {column!r} in {where} (found columns: {shown})"
        )
        self.source = source
        self.column = column
        self.where = where


class SourceReadError(OSError):
    """An input cannot be read; the message names the file or Hub id."""


class SourceConfigError(ValueError):
    """A :class:`SourceSpec` is inconsistent with its adapter."""


class SourceSpec(BaseModel):
    """Where one source's rows come from and how to render them.

    ``name`` is the adapter; ``alias`` (default: the adapter name) is written to the records'
    ``source`` column, so two ``local`` specs can coexist. Without ``hub_id`` and
    ``data_files`` the adapter's embedded sample is used. With ``hub_id``, ``data_files`` are
    files inside the Hub repo; without it they are local paths/globs of jsonl/parquet.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    alias: str | None = None
    hub_id: str | None = None
    revision: str | None = None
    config_name: str | list[str] | None = None
    split: str | None = None
    data_files: str | list[str] | None = None
    limit: int | None = Field(default=None, ge=0)
    columns: dict[str, str] = Field(default_factory=dict)
    templates: list[TemplateName] | None = None
    rows: int | None = Field(default=None, ge=0)
    seed: int = 0
    domain: Literal["math", "gpr"] | None = None
    license: str | None = None

    @field_validator("templates")
    @classmethod
    def _templates_unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if not v:
                raise ValueError("templates must not be empty (omit it for the source default)")
            if len(set(v)) != len(v):
                raise ValueError(f"templates has duplicates: {v}")
        return v

    @field_validator("columns")
    @classmethod
    def _known_column_keys(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(LOCAL_COLUMN_KEYS))
        if unknown:
            raise ValueError(f"unknown column keys {unknown}; allowed: {list(LOCAL_COLUMN_KEYS)}")
        return v

    @property
    def label(self) -> str:
        """The value written to the records' ``source`` column."""
        return self.alias or self.name

    def data_file_list(self) -> list[str]:
        if self.data_files is None:
            return []
        return [self.data_files] if isinstance(self.data_files, str) else list(self.data_files)


def make_reject(source: str, reason: str, row: Any, uid: str | None = None) -> dict[str, Any]:
    """A reject row in the pipeline's rejects schema (stage ``source``)."""
    return {
        "uid": uid,
        "source": source,
        "stage": "source",
        "reason": reason,
        "row_json": row_json(row),
    }


class Source:
    """Base adapter. Subclasses set the class attributes and implement :meth:`map_row`.

    ``required_columns`` are upstream column names; ``hub_defaults`` are the
    ``load_dataset`` arguments used when a spec names a Hub id (``config``, ``split``,
    ``data_files``); ``configs`` lists several configs to concatenate (hendrycks MATH).
    """

    name: ClassVar[str] = ""
    license: ClassVar[str] = ""
    domain: ClassVar[str] = "gpr"
    upstream: ClassVar[str] = ""
    default_templates: ClassVar[tuple[str, ...]] = ("mcq",)
    supported_templates: ClassVar[tuple[str, ...]] = ("mcq", "open")
    required_columns: ClassVar[tuple[str, ...]] = ()
    hub_defaults: ClassVar[Mapping[str, Any]] = {}
    configs: ClassVar[tuple[str, ...]] = ()
    #: A generator reads nothing: its upstream rows are just ``{"id": i}`` for
    #: ``i < row_count(spec)``, so the pipeline builds those id blocks inside its map tasks
    #: instead of streaming them through a Ray Data read (``read`` still works for users).
    generated: ClassVar[bool] = False

    def row_count(self, spec: SourceSpec) -> int:
        """Number of rows a generated source yields for ``spec`` (generators override)."""
        raise NotImplementedError(f"source {self.name!r} is not a generator")

    # -- schema -------------------------------------------------------------------------
    def check_columns(
        self, columns: Iterable[str], where: str, spec: SourceSpec | None = None
    ) -> None:
        """Raise :class:`SourceSchemaError` naming the first required column that is absent."""
        present = list(columns)
        for col in self.required_columns:
            if col not in present:
                raise SourceSchemaError(self.name, col, where, present)

    def validate_spec(self, spec: SourceSpec) -> None:
        """Raise :class:`SourceConfigError` when ``spec`` does not fit this adapter."""
        if spec.name != self.name:
            raise SourceConfigError(f"spec for {spec.name!r} given to source {self.name!r}")
        for t in spec.templates or ():
            if t not in self.supported_templates:
                raise SourceConfigError(
                    f"source {self.name!r} cannot emit template {t!r}; "
                    f"supported: {list(self.supported_templates)}"
                )
        if spec.hub_id and not spec.revision:
            raise SourceConfigError(
                f"source {self.name!r}: hub_id {spec.hub_id!r} needs a pinned revision "
                "(a commit sha or tag) so curation is reproducible"
            )

    def templates_for(self, spec: SourceSpec) -> tuple[str, ...]:
        return tuple(spec.templates) if spec.templates else self.default_templates

    # -- reading ------------------------------------------------------------------------
    def read(self, spec: SourceSpec, ray: Any) -> Any:
        """A ``ray.data.Dataset`` of raw upstream rows for ``spec`` (lazy where possible)."""
        from crossthink_data.sources import io

        self.validate_spec(spec)
        if spec.hub_id:
            return io.read_hub(self, spec, ray)
        if spec.data_files:
            return io.read_local(self, spec, ray)
        return io.read_embedded(self, spec, ray)

    def in_memory_rows(self, spec: SourceSpec) -> list[dict[str, Any]] | None:
        """The rows themselves when ``spec`` names the embedded sample (a few dozen rows of
        package data, checked like a read), else None. The pipeline hands these straight to
        its map tasks: a Ray Data read would only add an executor start-up per source."""
        from crossthink_data.sources import io

        self.validate_spec(spec)
        if spec.hub_id or spec.data_files or self.generated:
            return None
        return io.embedded_rows(self, spec)

    def sample_rows(self) -> list[dict[str, Any]]:
        """The embedded sample rows (upstream schema) shipped as package data."""
        from crossthink_data.sources import io

        return io.load_sample(self.name)

    # -- mapping ------------------------------------------------------------------------
    def to_records(
        self, rows: Iterable[Mapping[str, Any]], spec: SourceSpec
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Map upstream rows to canonical records and rejects; never raises on a bad row."""
        self.validate_spec(spec)
        templates = self.templates_for(spec)
        label = spec.label
        records: list[dict[str, Any]] = []
        rejects: list[dict[str, Any]] = []
        for row in rows:
            try:
                if not isinstance(row, Mapping):
                    raise RowError("row_not_a_mapping")
                self.map_row(row, spec, templates, records, rejects)
            except RowError as exc:
                rejects.append(make_reject(label, exc.reason, row))
            except TemplateRejected as exc:
                rejects.append(make_reject(label, exc.reason, row))
            except Exception as exc:  # a malformed row must never stop a batch
                rejects.append(make_reject(label, f"malformed_row:{type(exc).__name__}", row))
        return records, rejects

    def map_row(
        self,
        row: Mapping[str, Any],
        spec: SourceSpec,
        templates: tuple[str, ...],
        records: list[dict[str, Any]],
        rejects: list[dict[str, Any]],
    ) -> None:
        """Append the records (and per-template rejects) of one row; raise RowError to reject."""
        raise NotImplementedError

    # -- shared helpers -----------------------------------------------------------------
    def emit_mcq(
        self,
        row: Mapping[str, Any],
        spec: SourceSpec,
        templates: tuple[str, ...],
        records: list[dict[str, Any]],
        rejects: list[dict[str, Any]],
        *,
        question: str,
        options: Sequence[str],
        gold: object,
        subject: str,
        metadata: Mapping[str, Any],
        domain: str | None = None,
        license: str | None = None,
    ) -> None:
        """Render an mcq item in every requested template (open = converted, or a reject)."""
        mcq = to_mcq(
            source=spec.label,
            question=question,
            options=options,
            gold=gold,
            domain=domain or self.domain,
            license=license or self.license,
            subject=subject,
            metadata=metadata,
        )
        if "mcq" in templates:
            records.append(mcq)
        if "open" in templates:
            try:
                records.append(mcq_to_open(mcq))
            except TemplateRejected as exc:
                uid = template_uid(spec.label, "open", mcq["question"], None)
                rejects.append(make_reject(spec.label, exc.reason, row, uid=uid))


SOURCES: Registry[Source] = Registry("source")


def register_source(name: str) -> Any:
    """Class decorator: instantiate the adapter and register the instance under ``name``."""

    def deco(cls: type[Source]) -> type[Source]:
        if cls.name != name:
            raise ValueError(f"source class {cls.__name__} has name {cls.name!r}, not {name!r}")
        SOURCES.add(name, cls())
        return cls

    return deco


def get_source(name: str) -> Source:
    """The registered adapter instance for ``name`` (KeyError lists the known names)."""
    return SOURCES.get(name)
