"""``crossthink blend``: build, publish, export and check versioned blends.

crossthink blend build RECIPE.yaml --curated DIR --out HUB_DIR
crossthink blend publish HUB_DIR (--repo-id ORG/NAME | --to DIR) [--blend NAME ...]
crossthink blend export HUB_DIR --blend NAME --format verl --out PATH
crossthink blend check HUB_DIR
crossthink blend recipes
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

#: ``blends.exports.FORMATS``, spelled out so building the parser imports no blend code
#: (every ``crossthink`` command builds every parser; a test keeps the two equal).
EXPORT_FORMATS = ("verl", "nemo-aligner", "nemo-rl", "openrlhf", "trl")


def _build(args: argparse.Namespace) -> int:
    from crossthink_data.blends.build import build_blend
    from crossthink_data.blends.recipe import find_recipe, load_recipe

    recipe = load_recipe(find_recipe(args.recipe))
    m = build_blend(recipe, args.curated, args.out, rows_per_shard=args.rows_per_shard)
    print(f"built {m['name']} v{m['version']}: {m['rows']} rows -> {args.out}")
    print(f"  content hash {m['content_hash']}  recipe hash {m['recipe_hash']}")
    for c in m["composition"]:
        print(
            f"  {c['group']:>5} {c['source']:<20} {c['rows']:>8} rows (of {c['available']}, x{c['repetitions']:.2f})"
        )
    print(f"  terms: {m['terms']['summary']}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from crossthink_data.hub.publish import publish_local, publish_to_hub

    if args.repo_id:
        results = publish_to_hub(
            args.hub_dir, args.repo_id, blends=args.blend, private=args.private
        )
    else:
        results = publish_local(args.hub_dir, args.to, blends=args.blend)
    for r in results:
        what = "published" if r.status == "published" else "unchanged (already published)"
        print(f"{r.tag}: {what} -> {r.target}" + (f" @ {r.commit[:12]}" if r.commit else ""))
    return 0


def _export(args: argparse.Namespace) -> int:
    from crossthink_data.blends.exports import export_blend

    path = export_blend(args.hub_dir, args.blend, args.format, args.out)
    print(f"wrote {args.format} export of {args.blend} -> {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from crossthink_data.hub.card import check_card
    from crossthink_data.hub.layout import list_blends

    meta = check_card(args.hub_dir)
    print(f"README.md front matter OK: configs {[c['config_name'] for c in meta['configs']]}")
    print(f"blends with manifests: {list_blends(args.hub_dir)}")
    return 0


def _recipes(args: argparse.Namespace) -> int:
    from crossthink_data.blends.recipe import RECIPES_DIR, load_recipe, shipped_recipe_names

    for name in shipped_recipe_names():
        r = load_recipe(RECIPES_DIR / f"{name}.yaml")
        mix = (
            f"{r.group_by} " + ":".join(f"{k} {v:g}" for k, v in r.ratios.items())
            if r.ratios
            else f"one group, {r.weighting} weights"
        )
        print(f"{r.name:<12} v{r.version:<7} {mix:<28} {r.description[:60]}")
    return 0


def _guard(fn: Any) -> Any:
    """Turn expected user errors into one clear line on stderr and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        from crossthink_data._optional import MissingExtraError
        from crossthink_data.blends.curated import CuratedInputError
        from crossthink_data.blends.exports import ExportError
        from crossthink_data.blends.recipe import RecipeError
        from crossthink_data.hub.card import CardError
        from crossthink_data.hub.layout import LayoutError
        from crossthink_data.hub.publish import PublishError

        try:
            return int(fn(args))
        except (
            RecipeError,
            CuratedInputError,
            ExportError,
            CardError,
            LayoutError,
            PublishError,
            MissingExtraError,
        ) as exc:
            print(f"crossthink blend: error: {exc}", file=sys.stderr)
            return 2

    return run


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("blend", help="build, publish and export versioned blends")
    sub = p.add_subparsers(dest="blend_command", required=True)

    b = sub.add_parser("build", help="build a blend recipe into a Hub dataset directory")
    b.add_argument("recipe", help="recipe YAML path, or the name of a shipped recipe (blends/)")
    b.add_argument("--curated", required=True, help="curated directory (crossthink curate output)")
    b.add_argument("--out", required=True, help="Hub dataset directory to build into")
    b.add_argument("--rows-per-shard", type=int, default=50_000)
    b.set_defaults(func=_guard(_build))

    pub = sub.add_parser("publish", help="publish built blends (one commit + tag per version)")
    pub.add_argument("hub_dir")
    where = pub.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo-id", help="Hugging Face dataset repo ORG/NAME")
    where.add_argument("--to", help="local git repository directory (created if absent)")
    pub.add_argument("--blend", action="append", help="only this blend (repeatable)")
    pub.add_argument(
        "--private", action="store_true", default=None, help="create the Hub repo private"
    )
    pub.set_defaults(func=_guard(_publish))

    e = sub.add_parser("export", help="write a blend for a trainer")
    e.add_argument("hub_dir")
    e.add_argument("--blend", required=True)
    e.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    e.add_argument("--out", required=True, help="output file, or a directory (no suffix)")
    e.set_defaults(func=_guard(_export))

    c = sub.add_parser("check", help="validate the dataset card's front matter")
    c.add_argument("hub_dir")
    c.set_defaults(func=_guard(_check))

    r = sub.add_parser("recipes", help="list the shipped recipes")
    r.set_defaults(func=_guard(_recipes))
