"""Building the ``crossthink`` parsers stays cheap and in step with the libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_blend_export_choices_match_the_exporters() -> None:
    from crossthink_data.blends.exports import FORMATS
    from crossthink_data.cli.blend_cmd import EXPORT_FORMATS

    assert tuple(EXPORT_FORMATS) == tuple(FORMATS)


def test_help_imports_no_blend_or_pipeline_code() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from crossthink_data.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('crossthink_data.blends', 'crossthink_data.records',"
        " 'crossthink_data.pipeline'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_curate_rejects_bad_numbers_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    from crossthink_data.cli.main import main

    assert main(["curate", "--object-store-mb", "50", "--out", "unused"]) == 2
    assert "--object-store-mb must be >= 100" in capsys.readouterr().err
    assert main(["curate", "--procedural-rows", "-1", "--out", "unused"]) == 2
    assert "--procedural-rows must be >= 0" in capsys.readouterr().err
