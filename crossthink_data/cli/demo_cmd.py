"""``crossthink demo``: the whole recipe end to end, offline, in a few minutes on a laptop.

Curates the embedded samples with the default config on a local Ray runtime, builds the
paper's best blend (``gpr_up``), publishes it to a local git repository, loads it back with
``datasets.load_dataset``, exports it for every trainer, and scores gold and perturbed
answers with the rule-based reward. The report shows rows by source, domain and template
and the mean reward of gold vs perturbed answers (expected: 1.0 vs 0.0).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def gold_response(answer: str) -> str:
    """A well-formatted response whose final answer is ``answer``."""
    return f"<think>Reasoning about the question.</think> \\boxed{{{answer}}}"


def perturb_answer(row: dict[str, Any], pool: Sequence[str]) -> str:
    """A wrong answer of the right shape: another letter, the number plus one, another text.

    ``pool`` holds other gold answers of the same verifier to borrow a wrong one from.
    """
    from crossthink_data.records import LETTERS, normalize_question

    gold, verifier = row["answer"], row["verifier"]
    if verifier == "mcq":
        n = len(row["options"] or []) or 4
        return LETTERS[(LETTERS.index(gold.strip().upper()[:1] or "A") + 1) % n]
    if verifier == "math":
        g = gold.strip()
        if _NUMBER.match(g):
            return str(int(g) + 1) if "." not in g else str(float(g) + 1)
        return f"\\left({g}\\right)+1"
    for other in pool:
        if normalize_question(other) != normalize_question(gold):
            return other
    return f"not {gold}"


def score_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean reward of gold and perturbed answers, overall and per verifier."""
    from crossthink_data.verifiers import reward

    by_ver: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_ver[r["verifier"]].append(r["answer"])
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for i, r in enumerate(rows):
        pool = by_ver[r["verifier"]]
        rotated = pool[i % len(pool) :] + pool[: i % len(pool)]
        g = reward(gold_response(r["answer"]), r["answer"], r["verifier"], r["options"])
        p = reward(
            gold_response(perturb_answer(r, rotated)), r["answer"], r["verifier"], r["options"]
        )
        for key in ("all", r["verifier"]):
            sums[key][0] += g
            sums[key][1] += p
            sums[key][2] += 1
    return {
        k: {"gold": s[0] / s[2], "perturbed": s[1] / s[2], "rows": s[2]} for k, s in sums.items()
    }


def _demo_recipe(name: str, present: set[str]) -> tuple[Any, list[str]]:
    """The shipped recipe, restricted to the sources the embedded samples provide."""
    from crossthink_data.blends.recipe import find_recipe, load_recipe, parse_recipe

    recipe = load_recipe(find_recipe(name))
    dropped = [s for s in recipe.sources if s not in present]
    if not dropped:
        return recipe, []
    data = recipe.model_dump(mode="json")
    data["sources"] = [s for s in recipe.sources if s in present]
    if data.get("weights"):
        data["weights"] = {s: w for s, w in data["weights"].items() if s in present}
    return parse_recipe(data, f"{name} (demo subset)"), dropped


def _run_curation(out: Path) -> dict[str, Any]:
    from crossthink_data.pipeline.config import default_config

    try:
        from crossthink_data.pipeline import run_curation
    except ImportError:
        from crossthink_data.pipeline.run import run_curation
    manifest: dict[str, Any] = run_curation(default_config(), out)
    return manifest


def _fmt_counts(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in sorted(counts.items()))


def run_demo(workdir: Path, recipe_name: str = "gpr_up", out: Any = None) -> dict[str, Any]:
    """Run the demo in ``workdir``; print the report to ``out``; return its figures."""
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    stream = out or sys.stdout

    def say(msg: str) -> None:
        print(msg, file=stream, flush=True)

    from crossthink_data.blends.build import build_blend
    from crossthink_data.blends.curated import read_curated
    from crossthink_data.blends.exports import FORMATS, export_blend
    from crossthink_data.hub.publish import publish_local

    for sub in ("curated", "hub", "published", "exports"):
        shutil.rmtree(workdir / sub, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    say("[1/5] curating the embedded samples (default config, local Ray) ...")
    cman = _run_curation(workdir / "curated")
    table, _ = read_curated(workdir / "curated")
    timings["curate"] = time.perf_counter() - t
    say(f"      {table.num_rows} curated rows, content hash {cman['content_hash'][:16]}")

    t = time.perf_counter()
    recipe, dropped = _demo_recipe(recipe_name, set(table.column("source").to_pylist()))
    say(f"[2/5] building blend {recipe.name} v{recipe.version} ...")
    if dropped:
        say(f"      (sources without embedded samples left out: {', '.join(dropped)})")
    m = build_blend(recipe, workdir / "curated", workdir / "hub")
    timings["build"] = time.perf_counter() - t

    t = time.perf_counter()
    say("[3/5] publishing to a local git repository ...")
    (res,) = publish_local(workdir / "hub", workdir / "published", blends=[recipe.name])
    timings["publish"] = time.perf_counter() - t
    say(f"      {res.tag} {res.status} -> {res.target}")

    t = time.perf_counter()
    say("[4/5] loading it back with datasets.load_dataset and exporting ...")
    import datasets

    ds = datasets.load_dataset(str(workdir / "published"), recipe.name, split="train")
    rows = ds.to_list()
    (workdir / "exports").mkdir()
    for fmt in FORMATS:
        export_blend(workdir / "published", recipe.name, fmt, workdir / "exports")
    timings["load+export"] = time.perf_counter() - t

    t = time.perf_counter()
    say("[5/5] scoring gold and perturbed answers with reward() ...")
    scores = score_rows(rows)
    timings["score"] = time.perf_counter() - t

    counts = {c: dict(Counter(r[c] for r in rows)) for c in ("source", "domain", "template")}
    say("")
    say(
        f"== {recipe.name} v{recipe.version}: {len(rows)} rows (loaded from {workdir / 'published'})"
    )
    say(f"   content hash {m['content_hash']}  tag {res.tag}")
    say(f"   terms: {m['terms']['summary']}")
    for col in ("source", "domain", "template"):
        say(f"   by {col:<8}: {_fmt_counts(counts[col])}")
    say("   mean reward     gold   perturbed   rows")
    for key in ["all", *sorted(k for k in scores if k != "all")]:
        s = scores[key]
        say(f"     {key:<10} {s['gold']:>8.3f} {s['perturbed']:>11.3f} {int(s['rows']):>6}")
    say("   time: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    say(f"   card: {workdir / 'published' / 'README.md'}  exports: {workdir / 'exports'}")
    return {
        "rows": len(rows),
        "counts": counts,
        "scores": scores,
        "timings": timings,
        "tag": res.tag,
        "content_hash": m["content_hash"],
        "manifest_rows": m["rows"],
    }


def _main(args: argparse.Namespace) -> int:
    workdir = (
        Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="crossthink-demo-"))
    )
    result = run_demo(workdir, args.recipe)
    gold = result["scores"]["all"]["gold"]
    if gold < 1.0:
        print(
            f"demo: gold answers scored {gold:.3f} < 1.0: a verifier rejects some gold",
            file=sys.stderr,
        )
        return 1
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo", help="run curation -> blend -> publish -> load -> reward offline"
    )
    p.add_argument("--workdir", help="where to write (default: a new temporary directory)")
    p.add_argument("--recipe", default="gpr_up", help="shipped recipe to build (default gpr_up)")
    p.set_defaults(func=_main)
