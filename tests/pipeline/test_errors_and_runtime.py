"""Bad input fails early and clearly; the Ray address is honoured."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray")

from crossthink_data.cli.main import main as cli_main
from crossthink_data.pipeline import CurationConfig, read_curated, run_curation
from crossthink_data.pipeline.io import read_rejects
from crossthink_data.pipeline.runtime import CurationRuntimeError
from crossthink_data.sources import SourceReadError, SourceSchemaError, SourceSpec

pytestmark = [pytest.mark.ray]


def _local(path: Path) -> CurationConfig:
    return CurationConfig(sources=[SourceSpec(name="local", alias="mine", data_files=str(path))])


def test_missing_column_fails_before_any_work(ray_local: str, tmp_path: Path) -> None:
    data = tmp_path / "qa.jsonl"
    data.write_text(json.dumps({"question": "What is 2+2?", "gold": "4"}) + "\n")
    out = tmp_path / "out"
    with pytest.raises(SourceSchemaError) as exc:
        run_curation(_local(data), out, quiet=True)
    msg = str(exc.value)
    assert "'mine'" in msg and "'answer'" in msg and str(data) in msg
    assert not out.exists()  # nothing was written: the check ran before any work


def test_schema_error_in_second_source_stops_first(ray_local: str, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"question": "What is 2+2?", "answer": "4"}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "x"}) + "\n")
    cfg = CurationConfig(
        sources=[
            SourceSpec(name="local", alias="good", data_files=str(good)),
            SourceSpec(name="local", alias="bad", data_files=str(bad)),
        ]
    )
    with pytest.raises(SourceSchemaError, match="answer"):
        run_curation(cfg, tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def test_unreadable_file_is_named(ray_local: str, tmp_path: Path) -> None:
    data = tmp_path / "broken.parquet"
    data.write_bytes(b"this is not parquet")
    with pytest.raises(SourceReadError, match="broken.parquet"):
        run_curation(_local(data), tmp_path / "out", quiet=True)
    rc = cli_main(
        [
            "curate",
            "--config",
            str(_write_cfg(tmp_path, data)),
            "--out",
            str(tmp_path / "o2"),
            "--quiet",
        ]
    )
    assert rc == 2


def _write_cfg(tmp_path: Path, data: Path) -> Path:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"sources:\n  - name: local\n    alias: mine\n    data_files: {data}\n")
    return cfg


def test_malformed_rows_become_rejects(ray_local: str, tmp_path: Path) -> None:
    data = tmp_path / "qa.jsonl"
    rows = [
        {"question": "What is the capital of France?", "answer": "Paris"},
        {"question": "What is 17 times 3 in base ten arithmetic?", "answer": ""},
        {"question": None, "answer": "x"},
        {
            "question": "Name the largest planet of the solar system.",
            "answer": {"not": "a string"},
        },
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "out"
    manifest = run_curation(_local(data), out, quiet=True)
    table, _ = read_curated(out)
    rejects = read_rejects(out)
    assert table.num_rows + rejects.num_rows >= len(rows)
    assert table.column("question").to_pylist() == ["What is the capital of France?"]
    assert rejects.num_rows == 3
    assert all(r for r in rejects.column("reason").to_pylist())
    assert manifest["stages"][0]["rows_in"] == 4


def test_ray_address_is_honoured(ray_local: str, tmp_path: Path) -> None:
    data = tmp_path / "qa.jsonl"
    data.write_text(
        json.dumps({"question": "What is the capital of Italy?", "answer": "Rome"}) + "\n"
    )
    manifest = run_curation(_local(data), tmp_path / "out", ray_address=ray_local, quiet=True)
    assert manifest["runtime"]["ray_address"] == ray_local
    assert manifest["runtime"]["started_here"] is False
    with pytest.raises(CurationRuntimeError, match="already connected"):
        run_curation(_local(data), tmp_path / "out2", ray_address="10.255.255.1:6379", quiet=True)
    rc = cli_main(
        [
            "curate",
            "--config",
            str(_write_cfg(tmp_path, data)),
            "--ray-address",
            ray_local,
            "--out",
            str(tmp_path / "o3"),
            "--quiet",
        ]
    )
    assert rc == 0
    assert (
        json.loads((tmp_path / "o3" / "manifest.json").read_text())["runtime"]["ray_address"]
        == ray_local
    )


def test_file_source_on_a_lean_runtime_of_its_own(ray_local: str, tmp_path: Path) -> None:
    """A Ray Data read runs on the runtime the command starts for itself (no dashboard API
    server, no autoscaler monitor, workers keep pandas) and gives the same rows as on a
    runtime started by plain ``ray.init``."""
    import os
    import sys

    data = tmp_path / "qa.jsonl"
    data.write_text(
        "".join(
            json.dumps({"question": f"What is {i} plus {i + 3}?", "answer": str(2 * i + 3)}) + "\n"
            for i in range(40)
        )
    )
    cfg = _write_cfg(tmp_path, data)
    proc = subprocess.run(
        [sys.executable, "-m", "crossthink_data.cli.main", "curate", "--config", str(cfg)]
        + ["--out", str(tmp_path / "own"), "--num-cpus", "2", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr == ""  # --quiet: nor Ray's nor Ray Data's notices
    own = json.loads((tmp_path / "own" / "manifest.json").read_text())
    assert own["runtime"]["started_here"] is True
    shared = run_curation(_local(data), tmp_path / "shared", quiet=True)
    assert shared["runtime"]["started_here"] is False
    assert own["content_hash"] == shared["content_hash"]
    assert own["stages"] == shared["stages"] and own["stages"][-1]["rows_out"] > 0


def test_broken_line_later_in_file_is_named(ray_local: str, tmp_path: Path) -> None:
    data = tmp_path / "late.jsonl"
    data.write_text(json.dumps({"question": "What is 1+1?", "answer": "2"}) + "\n{broken\n")
    with pytest.raises(SourceReadError, match=r"late\.jsonl line 2"):
        run_curation(_local(data), tmp_path / "out", quiet=True)


_SHUTDOWN_SCRIPT = """
import json, os, ray
from crossthink_data.pipeline.runtime import ray_session
with ray_session(num_cpus=1, warm_data=False) as info:
    node = ray._private.worker._global_node
    pids = [p.process.pid for infos in node.all_processes.values() for p in infos]
    kinds = sorted(node.all_processes)
    assert info.started_here
print(json.dumps([pids, kinds]))
"""


def _python(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter that starts its own local runtime."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )


def test_started_runtime_stops_every_process(tmp_path: Path) -> None:
    """The local runtime a run starts is torn down whole: none of its processes outlives the
    session. It has neither the dashboard's API server nor the autoscaler monitor, which a
    one-machine run without a dashboard does not use (``runtime._lean_local_start``)."""
    proc = _python(_SHUTDOWN_SCRIPT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    pids, kinds = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(pids) >= 3
    assert "gcs_server" in kinds and "raylet" in kinds
    assert "monitor" not in kinds and "dashboard" not in kinds
    alive = [p for p in pids if Path(f"/proc/{p}").exists()]
    assert alive == []


_CLI_EXIT_SCRIPT = """
import json, os, sys, ray
from crossthink_data import _exit
from crossthink_data.pipeline.runtime import _children, _descendants, ray_session
_exit.mark_cli_process()
with ray_session(num_cpus=2, warm_data=False) as info:
    assert info.started_here
    ray.get([ray.remote(lambda: os.getpid()).remote() for _ in range(4)])
    pids = _descendants(os.getpid(), _children())
assert ray.is_initialized()  # left running for finish(), not shut down
print(json.dumps(pids))
_exit.finish(3)
print("not reached")
"""


def test_cli_process_kills_its_runtime_and_exits(tmp_path: Path) -> None:
    """In the ``crossthink`` process the runtime is not shut down but killed by
    ``_exit.finish``, which then ends the process with the command's code: every process
    the runtime had (GCS, raylet, agents, workers) is gone, output is flushed."""
    from crossthink_data.pipeline.runtime import _live

    proc = _python(_CLI_EXIT_SCRIPT)
    assert proc.returncode == 3, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert "not reached" not in lines
    pids = json.loads(lines[-1])
    assert len(pids) >= 5  # GCS, raylet, agents, two workers, ...
    assert [p for p in pids if _live(p)] == []


_ALLOCATOR_SCRIPT = """
import os, ray
from crossthink_data.pipeline.runtime import ray_session
with ray_session(num_cpus=1, warm_data=False):
    print(ray.get(ray.remote(lambda: os.environ.get("MIMALLOC_ALLOW_THP")).remote()))
print(os.environ.get("MIMALLOC_ALLOW_THP"))
"""


def test_local_runtime_workers_start_with_the_allocator_settings() -> None:
    """pyarrow's allocator reads its settings when a worker starts: the workers of a local
    runtime have them, and the calling process's environment is left as it was."""
    proc = _python(_ALLOCATOR_SCRIPT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-2:] == ["0", "None"]


_AUTH_SCRIPT = """
import os
os.environ.pop("RAY_AUTH_MODE", None)  # Ray's default, whatever the caller's environment
import ray
from crossthink_data.pipeline.runtime import ray_session
with ray_session(num_cpus=1, warm_data=False):
    assert ray.get(ray.remote(lambda: 1).remote()) == 1
print(os.environ.get("RAY_AUTH_MODE"))
"""


def test_local_runtime_keeps_token_auth_without_the_notice() -> None:
    """A local runtime starts with Ray's token authentication, as Ray's default has it, but
    without Ray's WARNING that it did so: a ``--quiet`` run's stderr holds only errors."""
    proc = _python(_AUTH_SCRIPT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "token"
    assert "Token authentication" not in proc.stderr, proc.stderr[-2000:]


def test_auth_notice_filter_is_scoped_and_drops_only_that_notice() -> None:
    import logging

    from crossthink_data.pipeline import runtime

    seen: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger(runtime._AUTH_LOGGER)
    handler = _Keep()
    logger.addHandler(handler)
    try:
        with runtime._quiet_auth_notice():
            logger.warning(runtime._AUTH_ON_NOTICE + ". Set RAY_AUTH_MODE=disabled to opt out.")
            logger.warning("Token authentication is disabled for this Ray cluster.")
        logger.warning(runtime._AUTH_ON_NOTICE + ".")
    finally:
        logger.removeHandler(handler)
    assert seen == [
        "Token authentication is disabled for this Ray cluster.",
        runtime._AUTH_ON_NOTICE + ".",
    ]


def test_finish_returns_when_nothing_was_deferred() -> None:
    from crossthink_data import _exit

    assert _exit.exits_after_command() is False  # pytest's process is not the CLI
    _exit.finish(0)  # nothing deferred: returns, the caller exits as usual


def test_local_ray_env_is_scoped_and_leaves_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from crossthink_data.pipeline.runtime import _LOCAL_RAY_ENV, _local_ray_env

    keys = list(_LOCAL_RAY_ENV)
    for k in keys:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv(keys[1], "7")  # the user's own setting wins
    with _local_ray_env():
        assert os.environ[keys[0]] == _LOCAL_RAY_ENV[keys[0]]
        assert os.environ[keys[1]] == "7"
    assert keys[0] not in os.environ and os.environ[keys[1]] == "7"


def test_node_lookup_waits_then_asks_ray_and_is_scoped(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a local runtime starts, Ray's raylet lookup is preceded by a short-poll wait (its
    own retries sleep a whole second); outside that start, Ray's function is untouched."""
    pytest.importorskip("ray")
    from ray._private import services

    from crossthink_data.pipeline import runtime

    calls: list[str] = []

    def ray_lookup(gcs: str, node: str) -> dict[str, str]:
        calls.append(f"ray {gcs} {node}")
        return {"node": node}

    monkeypatch.setattr(services, "get_node", ray_lookup)
    monkeypatch.setattr(
        runtime, "_wait_until_registered", lambda gcs, node: calls.append(f"wait {gcs} {node}")
    )
    with runtime._prompt_node_lookup():
        assert services.get_node is not ray_lookup
        assert services.get_node("g:1", "abc") == {"node": "abc"}
    assert services.get_node is ray_lookup
    assert calls == ["wait g:1 abc", "ray g:1 abc"]


def test_lean_local_start_is_scoped_and_keeps_a_wanted_dashboard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Within one local start, the API server is skipped only when no dashboard is wanted
    and the monitor not at all; outside it, Ray's functions are untouched."""
    pytest.importorskip("ray")
    from ray._private import node, services

    from crossthink_data.pipeline import runtime

    calls: list[Any] = []

    def api_server(include_dashboard: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append(("api", include_dashboard))
        return "url", "process"

    def monitor(self: Any) -> None:
        calls.append("monitor")

    monkeypatch.setattr(services, "start_api_server", api_server)
    monkeypatch.setattr(node.Node, "start_monitor", monitor)
    with runtime._lean_local_start():
        assert services.start_api_server(False, True, "host") == (None, None)
        assert services.start_api_server(True, True, "host") == ("url", "process")
        assert services.start_api_server(None, False, "host") == ("url", "process")
        assert node.Node.start_monitor(object()) is None
    assert services.start_api_server is api_server and node.Node.start_monitor is monitor
    assert calls == [("api", True), ("api", None)]


@pytest.mark.ray
def test_wait_until_registered_polls_the_real_gcs(
    ray_local: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import ray

    from crossthink_data.pipeline import runtime

    node_id = ray.get_runtime_context().get_node_id()
    t0 = time.perf_counter()
    runtime._wait_until_registered(ray_local, node_id)  # registered: returns at once
    assert time.perf_counter() - t0 < 5
    monkeypatch.setattr(runtime, "_NODE_WAIT_S", 0.2)
    t0 = time.perf_counter()
    runtime._wait_until_registered(ray_local, "f" * len(node_id))  # never registers
    assert 0.2 <= time.perf_counter() - t0 < 5
