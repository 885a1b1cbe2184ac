"""The pipeline package resolves its public names on first use (PEP 562), so that a Ray
worker unpickling a task function of ``pipeline.stages`` imports no driver-only code."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import crossthink_data.pipeline as pipeline


def test_every_public_name_resolves_to_its_module() -> None:
    assert sorted(pipeline.__all__) == sorted(pipeline._EXPORTS)
    for name, module in pipeline._EXPORTS.items():
        defined = getattr(importlib.import_module(f"crossthink_data.pipeline.{module}"), name)
        assert getattr(pipeline, name) is defined
    assert set(pipeline.__all__) <= set(dir(pipeline))


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        pipeline.nope  # noqa: B018


def test_task_module_imports_no_driver_code() -> None:
    code = (
        "import json, sys\n"
        "import crossthink_data.pipeline.stages\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('crossthink_data.pipeline.')]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert loaded.isdisjoint(
        {f"crossthink_data.pipeline.{m}" for m in ("config", "run", "io", "premap", "runtime")}
    ), loaded
