"""Curation pipeline on Ray Data: sources -> filters -> dedup -> decontamination -> parquet.

Public API: :func:`run_curation`, :class:`CurationConfig` (+ :func:`load_config`,
:func:`default_config`), :func:`content_hash`, :func:`read_curated`. Ray and pyarrow are
imported only when a pipeline function runs.

The names are resolved on first use (PEP 562): a Ray worker that unpickles a task function
of :mod:`.stages` imports this package first, and needs neither the config models nor the
driver's run and output code (10-15 ms of imports in every worker, measured).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crossthink_data.pipeline.config import (
        CurationConfig,
        CurationConfigError,
        default_config,
        load_config,
    )
    from crossthink_data.pipeline.hashing import content_hash
    from crossthink_data.pipeline.io import CuratedDirError, read_curated
    from crossthink_data.pipeline.run import run_curation

# public name -> the module that defines it
_EXPORTS = {
    "CuratedDirError": "io",
    "CurationConfig": "config",
    "CurationConfigError": "config",
    "content_hash": "hashing",
    "default_config": "config",
    "load_config": "config",
    "read_curated": "io",
    "run_curation": "run",
}

__all__ = [
    "CuratedDirError",
    "CurationConfig",
    "CurationConfigError",
    "content_hash",
    "default_config",
    "load_config",
    "read_curated",
    "run_curation",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
