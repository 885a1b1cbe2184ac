"""Connecting to Ray: a local runtime sized to the machine, or an existing cluster.

Address resolution: the explicit ``address`` (``--ray-address``), else ``RAY_ADDRESS``,
else a fresh local runtime (``num_cpus``, else every CPU this process may use: see
:mod:`crossthink_data._cpus`; no dashboard). When this process is already connected (tests,
notebooks), the connection is reused; an explicit address that does not match it is an
error rather than being silently ignored. A runtime started here is shut down on exit; in
the ``crossthink`` command, whose process ends right after, it is killed instead (see
:mod:`crossthink_data._exit`).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from crossthink_data import _exit
from crossthink_data._cpus import usable_cpus
from crossthink_data._heap import ALLOCATOR_ENV
from crossthink_data._optional import import_optional


class CurationRuntimeError(RuntimeError):
    """Ray could not be started or reached, or the connection does not match the request."""


@dataclass(frozen=True)
class RuntimeInfo:
    address: str
    started_here: bool
    num_cpus: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "ray_address": self.address,
            "started_here": self.started_here,
            "num_cpus": self.num_cpus,
        }


def _norm(addr: str) -> str:
    a = addr.strip()
    for prefix in ("ray://", "http://", "https://"):
        if a.startswith(prefix):
            a = a[len(prefix) :]
    return a.rstrip("/")


def _import_ray_data() -> None:
    try:
        importlib.import_module("ray.data")
    except Exception:  # pragma: no cover - surfaced by the real import later
        pass


# A local runtime's raylet connects to its own object store, which it starts on another
# thread, retrying every ``raylet_client_connect_timeout_milliseconds`` (Ray's default: 1000,
# 10 attempts). It often tries before the store listens and then sleeps a whole second: about
# one local start in three took 3 s instead of 2 here. Retrying every 100 ms, 100 times, keeps
# the same 10 s budget. The workers also get pyarrow's allocator settings (see
# :mod:`crossthink_data._heap`). Set only for the processes the run starts, and only where
# the user has not set them.
_LOCAL_RAY_ENV = {
    "RAY_raylet_client_connect_timeout_milliseconds": "100",
    "RAY_raylet_client_num_connect_attempts": "100",
    **ALLOCATOR_ENV,
}


@contextmanager
def _local_ray_env(extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """:data:`_LOCAL_RAY_ENV` and ``extra`` in ``os.environ`` while Ray's processes start
    (they inherit it), then this process's environment as it was."""
    wanted = {**_LOCAL_RAY_ENV, **(extra or {})}
    added = [k for k in wanted if k not in os.environ]
    os.environ.update({k: wanted[k] for k in added})
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


# While a local runtime starts, ``ray.init`` asks the GCS for its raylet (Ray's
# ``services.get_node``), and Ray's C++ lookup sleeps a whole second between attempts. The
# raylet registers 0.6-1.3 s after it starts (it waits for its agents), so the lookup almost
# always misses once and the start lost 0.3-1 s to that sleep. The lookup is preceded by a
# wait that polls the node table every 20 ms (one cheap GCS call each), so the lookup itself
# succeeds at once.
_NODE_POLL_S = 0.02
_NODE_WAIT_S = 10.0


def _wait_until_registered(gcs_address: str, node_id: str) -> None:
    """Poll the GCS node table until ``node_id`` is alive (at most ``_NODE_WAIT_S``)."""
    services: Any = importlib.import_module("ray._private.services")
    state: Any = importlib.import_module("ray._private.state")
    gs = state.GlobalState()
    gs._initialize_global_state(services._get_gcs_client_options(gcs_address))
    try:
        deadline = time.monotonic() + _NODE_WAIT_S
        while time.monotonic() < deadline:
            if any(n.get("NodeID") == node_id and n.get("Alive") for n in gs.node_table()):
                return
            time.sleep(_NODE_POLL_S)
    finally:
        gs.disconnect()


@contextmanager
def _prompt_node_lookup() -> Iterator[None]:
    """Ray's ``services.get_node`` preceded by :func:`_wait_until_registered`, for the
    duration of one local ``ray.init``. Uses Ray's private modules; if they have moved, or
    the wait fails, Ray's own lookup runs as before."""
    try:
        services: Any = importlib.import_module("ray._private.services")
        state: Any = importlib.import_module("ray._private.state")
        original = services.get_node
        _ = (services._get_gcs_client_options, state.GlobalState.node_table)
    except (ImportError, AttributeError):  # pragma: no cover - Ray moved them
        yield
        return

    def get_node(gcs_address: str, node_id: str) -> Any:
        try:
            _wait_until_registered(gcs_address, node_id)
        except Exception:  # pragma: no cover - fall back to Ray's own retries
            pass
        return original(gcs_address, node_id)

    services.get_node = get_node
    try:
        yield
    finally:
        services.get_node = original


# A local runtime started here serves one run on one machine, with no dashboard (the run
# asks for none). Ray still starts two processes it does not use, both Python programs that
# spend ~0.5-0.8 s of CPU importing before they do anything: the dashboard's API server
# (with only its usage-stats module when no dashboard is wanted), which ``ray.init`` waits
# for, so that a start took ~0.6 s longer; and the autoscaler monitor, which has nothing to
# scale on one machine. :func:`_lean_local_start` leaves both out of one local ``ray.init``
# (on one core their start-up was ~10% of a 200,000-row run's CPU).


@contextmanager
def _lean_local_start() -> Iterator[None]:
    """Ray's ``services.start_api_server`` (when no dashboard is wanted) and
    ``Node.start_monitor`` do nothing, for the duration of one local ``ray.init``. Uses
    Ray's private modules; if they have moved, Ray starts every process as before."""
    try:
        services: Any = importlib.import_module("ray._private.services")
        node_mod: Any = importlib.import_module("ray._private.node")
        api_server = services.start_api_server
        monitor = node_mod.Node.start_monitor
    except (ImportError, AttributeError):  # pragma: no cover - Ray moved them
        yield
        return

    def start_api_server(include_dashboard: Any, *args: Any, **kwargs: Any) -> Any:
        if include_dashboard is False:
            return None, None  # (dashboard URL, process): none started
        return api_server(include_dashboard, *args, **kwargs)

    def start_monitor(self: Any) -> None:
        return None

    services.start_api_server = start_api_server
    node_mod.Node.start_monitor = start_monitor
    try:
        yield
    finally:
        services.start_api_server = api_server
        node_mod.Node.start_monitor = monitor


# Ray (2.5x) starts a new local runtime with token authentication on unless RAY_AUTH_MODE
# says otherwise, and logs a WARNING each time that it did so. That is the safe setting (the
# runtime listens on the machine's address), and the notice is not something to act on, but
# it broke ``--quiet`` (stderr is meant to hold only errors) and alarmed every run. Only that
# notice is dropped, only during one local ``ray.init``; Ray's other messages about
# authentication (such as its warning when it is off) still show.
_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"
_AUTH_ON_NOTICE = "Token authentication is enabled for this Ray cluster"


class DropNotice(logging.Filter):
    """Drops the log records whose message starts with ``prefix``: one known notice of
    Ray's, kept off the console where the run has made it pointless."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


@contextmanager
def _quiet_auth_notice() -> Iterator[None]:
    """Ray's "token authentication is enabled" notice is not logged during one local
    ``ray.init`` (see above); authentication itself is as Ray sets it."""
    logger = logging.getLogger(_AUTH_LOGGER)
    drop = DropNotice(_AUTH_ON_NOTICE)
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def shutdown_started_runtime(ray: Any) -> None:
    """``ray.shutdown()`` for a local runtime this process started, a second faster where it
    has an autoscaler monitor (:func:`_lean_local_start` leaves it out unless Ray's private
    API has moved): Ray stops each of its processes with SIGTERM and waits up to 1 s for it,
    and the monitor never exits within that second, so it is stopped first, the way Ray stops
    it after the second (SIGKILL). Uses Ray's node handle; if that is not there, the plain
    shutdown runs."""
    try:
        from ray._private import ray_constants
        from ray._private import worker as ray_worker

        node = getattr(ray_worker, "_global_node", None)
        if node is not None and node.is_head():
            node._kill_process_type(
                ray_constants.PROCESS_TYPE_MONITOR, allow_graceful=False, check_alive=False
            )
    except Exception:  # pragma: no cover - private API moved: fall back to the plain shutdown
        pass
    ray.shutdown()


_KILL_WAIT_S = 2.0


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state, ppid, ...), or None
    if the process is gone (or there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        return stat[stat.rindex(")") + 2 :].split()
    except (OSError, ValueError):
        return None


def _children() -> dict[int, list[int]] | None:
    """``{parent pid: [child pids]}`` of every process, from /proc (None without /proc)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields and len(fields) > 1:  # else gone meanwhile
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    """Every descendant of ``pid`` in the ``children`` map."""
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _wait_dead(pids: list[int]) -> None:
    """Wait until every one of ``pids`` has died (at most ``_KILL_WAIT_S``): a killed
    process takes a moment to die, its memory is unmapped first."""
    deadline = time.monotonic() + _KILL_WAIT_S
    while any(_live(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.005)


def kill_started_runtime(ray: Any) -> None:
    """Stop a local runtime this process started, when the process ends right after (see
    :mod:`crossthink_data._exit`): SIGKILL every process Ray started for it (GCS, raylet,
    monitor, API server, log monitor: Ray's own record) and everything those started (agents,
    workers), wait until they are dead, and remove Ray's spill directory as
    ``ray.shutdown`` would. Milliseconds, not ``ray.shutdown``'s 0.2-0.5 s.

    Order matters on one core. Once its GCS and raylet are gone, this process's own Ray
    threads spin on the broken connections, and they starve the dying workers (Ray runs
    them niced): a worker then took over a second to die. So the processes this one started
    (GCS, raylet, monitor, API server, log monitor) are first stopped (SIGSTOP: the raylet
    cannot start a new worker, and no connection breaks); the raylet's children (workers,
    agents) are killed and waited for; then the stopped ones. This process's own side of
    Ray is left as it is, so it must end next without calling into Ray (Ray's exit hook,
    which would, is removed). Without /proc, the ordinary shutdown."""
    import atexit
    import signal

    from ray._private import worker as ray_worker

    node = getattr(ray_worker, "_global_node", None)
    children = _children()
    if node is None or children is None:  # pragma: no cover - not Linux, or Ray moved it
        shutdown_started_runtime(ray)
        return
    atexit.unregister(ray_worker.shutdown)
    # Ray's record of the processes it started here, and everything they started.
    mine = [
        info.process.pid
        for infos in node.all_processes.values()
        for info in infos
        if info.process is not None
    ]
    rest = [p for root in mine for p in _descendants(root, children)]
    _signal_all(mine, signal.SIGSTOP)
    _signal_all(rest, signal.SIGKILL)
    _wait_dead(rest)
    _signal_all(mine, signal.SIGKILL)
    _wait_dead(mine)
    if node.is_head():
        node.destroy_external_storage()


def _live(pid: int) -> bool:
    """``pid`` exists and has not died (a zombie has: it only awaits its parent's wait)."""
    fields = _stat(pid)
    return fields is not None and fields[:1] not in (["Z"], ["X"])


def _requested(address: str | None) -> str | None:
    """The cluster a session asks for: ``address``, else ``RAY_ADDRESS``, else None."""
    return address or os.environ.get("RAY_ADDRESS") or None


def starts_local_runtime(address: str | None = None) -> bool:
    """Whether :func:`ray_session` with this ``address`` will start a local runtime: no
    address given, none in ``RAY_ADDRESS``, and this process not connected already."""
    import sys

    if _requested(address):
        return False
    ray = sys.modules.get("ray")
    return not (ray is not None and ray.is_initialized())


@contextmanager
def ray_session(
    address: str | None = None,
    num_cpus: int | None = None,
    *,
    warm_data: bool = True,
    prepare: Callable[[], None] | None = None,
    object_store_mb: int | None = None,
    worker_env: Mapping[str, str] | None = None,
) -> Iterator[RuntimeInfo]:
    """Connect or start Ray (see module doc). Starting Ray mostly waits on the processes it
    spawns, so meanwhile a thread imports ``ray.data`` (``warm_data``) and runs ``prepare``
    (the caller's own set-up); an error from ``prepare`` is raised once Ray is up. A local
    runtime started here has ``worker_env`` in its processes' environment (where this
    process's has no such variable)."""
    ray = import_optional("ray", "curation")
    requested = _requested(address)
    started = False
    if ray.is_initialized():
        current = ray.get_runtime_context().gcs_address
        if requested and requested not in ("auto", "local") and _norm(requested) != _norm(current):
            raise CurationRuntimeError(
                f"this process is already connected to Ray at {current}; cannot use {requested}"
            )
        if prepare is not None:
            prepare()
    else:
        kwargs: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": True}
        # Importing ray.data (~1.5 s of CPU) overlaps with ray.init, which mostly waits for
        # the GCS/raylet/worker processes it spawns.
        failed: list[BaseException] = []

        def _warm() -> None:
            if warm_data:
                _import_ray_data()
            if prepare is not None:
                try:
                    prepare()
                except BaseException as exc:  # re-raised on the main thread
                    failed.append(exc)

        warm = threading.Thread(target=_warm, daemon=True)
        warm.start()
        try:
            if requested:
                ray.init(address=requested, **kwargs)
            else:
                if object_store_mb:
                    kwargs["object_store_memory"] = object_store_mb * 2**20
                with (
                    _local_ray_env(worker_env),
                    _prompt_node_lookup(),
                    _lean_local_start(),
                    _quiet_auth_notice(),
                ):
                    ray.init(
                        address="local",
                        num_cpus=num_cpus or usable_cpus(),
                        include_dashboard=False,
                        **kwargs,
                    )
                started = True
        except Exception as exc:
            where = requested or "a local runtime"
            raise CurationRuntimeError(f"cannot start/connect Ray ({where}): {exc}") from exc
        finally:
            warm.join()
        if failed:
            if started:
                shutdown_started_runtime(ray)
            raise failed[0]
    info = RuntimeInfo(
        address=ray.get_runtime_context().gcs_address,
        started_here=started,
        num_cpus=int(ray.cluster_resources().get("CPU", 1)),
    )
    try:
        yield info
    finally:
        if started:
            if _exit.exits_after_command():  # the CLI: the process ends next
                _exit.defer(lambda: kill_started_runtime(ray))
            else:
                shutdown_started_runtime(ray)
