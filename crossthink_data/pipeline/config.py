"""Typed curation config (:class:`CurationConfig`), loaded from YAML and validated up front.

Everything that changes the curated rows lives here (sources, templates, filter limits, dedup
and decontamination parameters, seed), so the manifest can record the config verbatim and a
rerun with the same config reproduces the same ``content_hash``. Runtime knobs that do not
change the content (batch size, partitions) live in :class:`RuntimeSettings`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crossthink_data.sources.base import SourceSpec

EXAMPLE_CONFIG_NAME = "curate_example.yaml"


class CurationConfigError(ValueError):
    """The curation config file is missing, not YAML, or fails validation (names the file)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VerifiabilitySettings(_Frozen):
    """Limits of the verifiability filter (paper: open answers have at most 10 words)."""

    max_question_chars: int = Field(default=4_000, gt=0)
    max_open_words: int = Field(default=10, gt=0)
    max_answer_chars: int = Field(default=1_000, gt=0)
    check_math_parse: bool = True


class DedupSettings(_Frozen):
    """Exact and MinHash/LSH near-duplicate removal (see ``filters.minhash.MinHashConfig``)."""

    exact: bool = True
    near: bool = True
    shingle: Literal["word", "char"] = "word"
    ngram_sizes: tuple[int, ...] = (1, 2)
    char_n: int = Field(default=5, ge=1)
    num_perm: int = Field(default=80, ge=1)
    bands: int = Field(default=16, ge=1)
    rows: int = Field(default=5, ge=1)
    # Questions that differ in their numbers are different problems: never near-duplicates.
    numbers_must_match: bool = True
    seed: int = 1234
    threshold: float = Field(default=0.6, gt=0.0, le=1.0)
    max_bucket: int = Field(default=16, ge=2)
    verify: Literal["exact", "estimate"] = "estimate"

    @model_validator(mode="after")
    def _bands_times_rows(self) -> DedupSettings:
        if self.bands * self.rows != self.num_perm:
            raise ValueError(
                f"dedup: bands*rows ({self.bands}*{self.rows}) must equal num_perm ({self.num_perm})"
            )
        return self

    def minhash_config(self) -> Any:
        from crossthink_data.filters.minhash import MinHashConfig

        return MinHashConfig(
            shingle=self.shingle,
            ngram_sizes=tuple(self.ngram_sizes),
            char_n=self.char_n,
            num_perm=self.num_perm,
            bands=self.bands,
            rows=self.rows,
            seed=self.seed,
            threshold=self.threshold,
            max_bucket=self.max_bucket,
            numbers_must_match=self.numbers_must_match,
        )


class DecontamSettings(_Frozen):
    """Drop questions sharing a word ``n``-gram with an eval benchmark question.

    ``benchmarks``: benchmark names (``filters.benchmarks.BENCHMARKS``); None = the default
    set. ``loader``: ``embedded`` (bundled samples, offline) or ``hub`` (full sets, pinned by
    ``revisions``).
    """

    enabled: bool = True
    n: int = Field(default=13, ge=1)
    benchmarks: list[str] | None = None
    loader: Literal["embedded", "hub"] = "embedded"
    revisions: dict[str, str] = Field(default_factory=dict)


class OutputSettings(_Frozen):
    """Parquet layout: rows per file (parts are uid ranges) and rows per row group."""

    rows_per_file: int = Field(default=100_000, ge=1)
    row_group_size: int = Field(default=50_000, ge=1)
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"


class RuntimeSettings(_Frozen):
    """Knobs that change speed and memory, never the curated content."""

    batch_size: int = Field(default=4_096, ge=1)
    num_partitions: int | None = Field(default=None, ge=1)
    progress_bars: bool = True
    # Object store of a local runtime started by the run (Ray's default: 30% of RAM). The
    # mapped blocks wait there for the global dedup decisions; beyond this size Ray spills
    # them to local disk, so the blocks' share of memory stays bounded whatever the row count
    # (the dedup key tables still grow with it). Ignored when connecting to an existing
    # cluster (its nodes were sized when they started).
    object_store_mb: int | None = Field(default=None, ge=100)
    # Map blocks of the sources that need no Ray (generators, embedded samples) in a helper
    # process while a local runtime starts, with the CPU Ray's start leaves idle (only with
    # two or more CPUs; see ``pipeline.premap``).
    premap: bool = True


class CurationConfig(_Frozen):
    """What to curate and how. ``templates`` is the default for specs that set none.

    ``sample_rate`` keeps a row when ``hash(seed, uid)`` falls below it (1.0 keeps all):
    a deterministic sample that does not depend on block order or worker count.
    """

    sources: list[SourceSpec] = Field(min_length=1)
    templates: list[Literal["mcq", "open"]] | None = None
    verifiability: VerifiabilitySettings = VerifiabilitySettings()
    dedup: DedupSettings = DedupSettings()
    decontam: DecontamSettings = DecontamSettings()
    output: OutputSettings = OutputSettings()
    runtime: RuntimeSettings = RuntimeSettings()
    seed: int = 0
    sample_rate: float = Field(default=1.0, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _unique_labels(self) -> CurationConfig:
        seen: dict[str, int] = {}
        for spec in self.sources:
            seen[spec.label] = seen.get(spec.label, 0) + 1
        dup = sorted(k for k, v in seen.items() if v > 1)
        if dup:
            raise ValueError(f"sources: duplicate source labels {dup}; give each an alias")
        return self

    def content_settings(self) -> dict[str, Any]:
        """The config as JSON-able data (recorded in the manifest)."""
        return self.model_dump(mode="json")


def load_config(path: str | Path) -> CurationConfig:
    """Read and validate a YAML config; errors name the file and the failing field."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CurationConfigError(f"cannot read curation config {p}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CurationConfigError(f"curation config {p} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CurationConfigError(f"curation config {p} must be a mapping at the top level")
    try:
        return CurationConfig.model_validate(data)
    except ValidationError as exc:
        raise CurationConfigError(f"invalid curation config {p}:\n{exc}") from exc


def example_config_path() -> Path:
    """The packaged example config (all settings spelled out, embedded samples as sources)."""
    return Path(
        str(resources.files("crossthink_data").joinpath("data/configs", EXAMPLE_CONFIG_NAME))
    )


def default_config(procedural_rows: int = 0) -> CurationConfig:
    """Every registered source with an embedded sample, default settings; plus
    ``procedural_rows`` generated rows when > 0."""
    specs = [SourceSpec(name=n) for n in embedded_source_names() if n != "procedural"]
    if procedural_rows > 0:
        specs.append(SourceSpec(name="procedural", rows=procedural_rows))
    return CurationConfig(sources=specs)


def embedded_source_names() -> list[str]:
    """Registered sources that ship an embedded sample (procedural has none)."""
    from crossthink_data.sources import SOURCES

    names = []
    for name in SOURCES.names():
        try:
            rows = SOURCES.get(name).sample_rows()
        except Exception:
            rows = []
        if rows:
            names.append(name)
    return names
