"""``crossthink curate``: run the curation pipeline on Ray Data.

Without ``--config`` every source's embedded sample is curated; ``--sources`` keeps only the
named sources; ``--procedural-rows N`` adds N generated rows. Ray is local by default
(``--num-cpus``), or an existing cluster via ``--ray-address`` / ``RAY_ADDRESS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

DEFAULT_OUT = "out/curated"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "curate",
        help="curate sources into verifiable QA records (Ray Data)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="curation config YAML (default: all embedded samples)")
    p.add_argument(
        "--sources", nargs="+", metavar="NAME", help="only these sources (adapter names or aliases)"
    )
    p.add_argument(
        "--procedural-rows", type=int, default=0, metavar="N", help="add N procedural rows"
    )
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})")
    p.add_argument(
        "--ray-address", default=None, help="existing Ray cluster (default: RAY_ADDRESS or local)"
    )
    p.add_argument(
        "--num-cpus", type=int, default=None, help="CPUs of the local Ray runtime (default: all)"
    )
    p.add_argument(
        "--object-store-mb",
        type=int,
        default=None,
        metavar="MB",
        help="object store of the local Ray runtime (default: Ray's, 30%% of RAM); blocks "
        "beyond it spill to disk",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace) -> Any:
    """The config from ``--config`` (or the default) with ``--sources``/``--procedural-rows``."""
    from crossthink_data.pipeline.config import CurationConfig, default_config, load_config
    from crossthink_data.sources import SourceSpec

    cfg = load_config(args.config) if args.config else default_config()
    specs = list(cfg.sources)
    if args.sources:
        wanted = set(args.sources)
        unknown = wanted - {s.label for s in specs} - {s.name for s in specs} - {"procedural"}
        if unknown:
            known = sorted({s.label for s in specs})
            raise SystemExit(
                f"crossthink curate: unknown source(s) {sorted(unknown)}; config has {known}"
            )
        specs = [s for s in specs if s.label in wanted or s.name in wanted]
        if (
            "procedural" in wanted
            and not any(s.name == "procedural" for s in specs)
            and args.procedural_rows <= 0
        ):
            specs.append(SourceSpec(name="procedural"))
    if args.procedural_rows and args.procedural_rows > 0:
        specs = [s for s in specs if s.label != "procedural"]
        specs.append(SourceSpec(name="procedural", rows=args.procedural_rows))
    if not specs:
        raise SystemExit("crossthink curate: no sources selected")
    data = {**cfg.model_dump(), "sources": [s.model_dump() for s in specs]}
    if args.object_store_mb is not None:
        data["runtime"] = {**data["runtime"], "object_store_mb": args.object_store_mb}
    return CurationConfig.model_validate(data)


def run(args: argparse.Namespace) -> int:
    from crossthink_data.pipeline.config import CurationConfigError
    from crossthink_data.pipeline.run import run_curation
    from crossthink_data.pipeline.runtime import CurationRuntimeError
    from crossthink_data.sources import SourceConfigError, SourceReadError, SourceSchemaError

    if args.procedural_rows < 0:
        print("crossthink curate: --procedural-rows must be >= 0", file=sys.stderr)
        return 2
    if args.object_store_mb is not None and args.object_store_mb < 100:
        print("crossthink curate: --object-store-mb must be >= 100", file=sys.stderr)
        return 2
    try:
        cfg = build_config(args)
        manifest = run_curation(
            cfg, args.out, args.ray_address, num_cpus=args.num_cpus, quiet=args.quiet
        )
    except (
        CurationConfigError,
        SourceSchemaError,
        SourceReadError,
        SourceConfigError,
        CurationRuntimeError,
        KeyError,
    ) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"crossthink curate: error: {msg}", file=sys.stderr)
        return 2
    summary = {
        "out": args.out,
        "rows": manifest["rows"],
        "rejects": manifest["rejects"],
        "content_hash": manifest["content_hash"],
        "seconds": manifest["timings"]["total"],
    }
    print(json.dumps(summary))
    return 0
