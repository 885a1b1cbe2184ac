"""Entry point of the ``crossthink`` console script.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module is
imported only to build the parser, and heavy imports happen inside the command itself, so
``crossthink verify`` never pays for Ray.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from crossthink_data import __version__

SUBCOMMAND_MODULES = (
    "crossthink_data.cli.verify_cmd",
    "crossthink_data.cli.curate_cmd",
    "crossthink_data.cli.blend_cmd",
    "crossthink_data.cli.demo_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crossthink",
        description="Nemotron-CrossThink data: curate, blend, verify.",
    )
    parser.add_argument("--version", action="version", version=f"crossthink-data {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # subcommand not built yet in this checkout
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    rc = args.func(args)
    return int(rc or 0)


def entry() -> None:
    """The ``crossthink`` command: :func:`main`, then a quick exit. A local Ray runtime the
    command started is killed rather than shut down, since the process ends anyway (see
    :mod:`crossthink_data._exit`); otherwise the process exits without the interpreter's
    final garbage collection: a curate run leaves Ray's, pyarrow's and pydantic's objects in
    the heap, and walking them at exit took ~0.25 s of every command; ``gc.freeze()`` moves
    them out of the collector's reach. In-process callers use :func:`main`, which does
    neither."""
    import gc

    from crossthink_data import _exit, _heap

    _exit.mark_cli_process()
    # this process is the command's own (see the module)
    _heap.set_allocator_env()
    _heap.keep_freed_memory()
    rc = main()
    _exit.finish(rc)  # returns only when no runtime was left to stop
    gc.freeze()
    sys.exit(rc)


if __name__ == "__main__":
    entry()
