"""Reading upstream rows into Ray Data: embedded samples, the Hub, local jsonl/parquet.

Every path checks the adapter's required columns before returning, so a schema mismatch
fails at plan time with the source, the column and the location named, not deep inside a
Ray task. Local files are probed eagerly for the same reason: an unreadable file raises
:class:`SourceReadError` naming that file.
"""

from __future__ import annotations

import glob
import json
import os
from importlib import resources
from typing import TYPE_CHECKING, Any

from crossthink_data._optional import import_optional

if TYPE_CHECKING:
    from crossthink_data.sources.base import Source, SourceSpec

SAMPLES_PACKAGE = "crossthink_data"
SAMPLES_DIR = "data/samples"


def sample_path(name: str) -> str:
    """Filesystem path of the embedded sample ``<name>.jsonl`` (package data)."""
    return str(resources.files(SAMPLES_PACKAGE).joinpath(SAMPLES_DIR, f"{name}.jsonl"))


def load_sample(name: str) -> list[dict[str, Any]]:
    """Rows of the embedded sample for source ``name`` (empty list for generated sources)."""
    from crossthink_data.sources.base import SourceReadError

    res = resources.files(SAMPLES_PACKAGE).joinpath(SAMPLES_DIR, f"{name}.jsonl")
    if not res.is_file():
        return []
    rows: list[dict[str, Any]] = []
    for lineno, line in enumerate(res.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as exc:
            raise SourceReadError(f"embedded sample {name}.jsonl line {lineno}: {exc}") from exc
    return rows


def read_embedded(source: Source, spec: SourceSpec, ray: Any) -> Any:
    return ray.data.from_items(embedded_rows(source, spec))


def embedded_rows(source: Source, spec: SourceSpec) -> list[dict[str, Any]]:
    """The embedded sample rows for ``spec`` (limit applied, columns checked)."""
    rows = source.sample_rows()
    if not rows:
        from crossthink_data.sources.base import SourceReadError

        raise SourceReadError(
            f"source {source.name!r} has no embedded sample; give hub_id or data_files"
        )
    if spec.limit is not None:
        rows = rows[: spec.limit]
    columns: list[str] = sorted({k for r in rows for k in r})
    source.check_columns(columns, f"embedded sample {source.name}.jsonl", spec)
    return rows


def _hub_kwargs(source: Source, spec: SourceSpec) -> dict[str, Any]:
    defaults = dict(source.hub_defaults)
    kwargs: dict[str, Any] = {"path": spec.hub_id, "revision": spec.revision}
    data_files = spec.data_files if spec.data_files is not None else defaults.get("data_files")
    if data_files is not None:
        kwargs["data_files"] = data_files
        kwargs["split"] = spec.split if spec.data_files is not None and spec.split else "train"
    else:
        kwargs["split"] = spec.split or defaults.get("split", "train")
    return kwargs


def read_hub(source: Source, spec: SourceSpec, ray: Any) -> Any:
    """``datasets.load_dataset`` at a pinned revision (several configs concatenated)."""
    from crossthink_data.sources.base import SourceReadError

    datasets = import_optional("datasets", f"loading source {source.name!r} from the Hub")
    kwargs = _hub_kwargs(source, spec)
    if isinstance(spec.config_name, list):
        configs: list[str | None] = list(spec.config_name)
    elif spec.config_name is not None:
        configs = [spec.config_name]
    elif "data_files" in kwargs:
        configs = [None]
    elif source.configs:
        configs = list(source.configs)
    else:
        configs = [source.hub_defaults.get("config")]
    parts = []
    for config in configs:
        where = f"{spec.hub_id}@{spec.revision}" + (f" config {config}" if config else "")
        try:
            part = datasets.load_dataset(name=config, **kwargs)
        except Exception as exc:
            raise SourceReadError(f"source {source.name!r}: cannot load {where}: {exc}") from exc
        source.check_columns(part.column_names, where, spec)
        parts.append(part)
    ds = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
    if spec.limit is not None:
        ds = ds.select(range(min(spec.limit, len(ds))))
    return _hf_to_ray(ds, ray)


def _hf_to_ray(ds: Any, ray: Any) -> Any:
    """``ray.data.from_huggingface``, or the dataset's Arrow table when Ray's Hugging Face
    integration is unavailable (it imports ``aiohttp``, which the extras do not pin)."""
    try:
        return ray.data.from_huggingface(ds)
    except ImportError:
        return ray.data.from_arrow(ds.flatten_indices().data.table)


def expand_files(patterns: list[str], source: str) -> list[str]:
    """Sorted paths matching ``patterns``; a pattern matching nothing is an error."""
    from crossthink_data.sources.base import SourceReadError

    paths: list[str] = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        matched = [p for p in matched if not os.path.isdir(p)] + [
            f for p in matched if os.path.isdir(p) for f in sorted(glob.glob(os.path.join(p, "*")))
        ]
        if not matched:
            raise SourceReadError(f"source {source!r}: no file matches {pattern!r}")
        paths.extend(matched)
    return paths


def _file_kind(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".parquet"):
        return "parquet"
    if lower.endswith((".jsonl", ".json", ".jsonl.gz", ".json.gz")):
        return "json"
    return "unknown"


def probe_file(path: str, source: str) -> list[str]:
    """Open ``path`` and return its column names; raise :class:`SourceReadError` naming it."""
    from crossthink_data.sources.base import SourceReadError

    kind = _file_kind(path)
    if kind == "unknown":
        raise SourceReadError(
            f"source {source!r}: {path}: unsupported file type (want .jsonl or .parquet)"
        )
    try:
        if kind == "parquet":
            pq = import_optional("pyarrow.parquet", "reading parquet sources")
            return list(pq.read_schema(path).names)
        opener: Any = open
        if path.lower().endswith(".gz"):
            import gzip

            opener = gzip.open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    first = json.loads(line)
                    if not isinstance(first, dict):
                        raise ValueError("first line is not a JSON object")
                    return list(first)
        raise ValueError("file is empty")
    except Exception as exc:
        raise SourceReadError(f"source {source!r}: cannot read {path}: {exc}") from exc


def read_local(source: Source, spec: SourceSpec, ray: Any) -> Any:
    """Local jsonl/parquet files (globs allowed) via ``ray.data.read_json``/``read_parquet``."""
    from crossthink_data.sources.base import SourceReadError

    paths = expand_files(spec.data_file_list(), source.name)
    kinds = {_file_kind(p) for p in paths}
    for path in paths:
        columns = probe_file(path, source.name)
        source.check_columns(columns, path, spec)
    if len(kinds) != 1:
        raise SourceReadError(f"source {source.name!r}: mixed file types in {paths}")
    if kinds == {"parquet"}:
        ds = ray.data.read_parquet(paths)
    else:
        ds = ray.data.read_json(paths, lines=True)
    if spec.limit is not None:
        ds = ds.limit(spec.limit)
    return ds
