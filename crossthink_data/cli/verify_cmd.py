"""``crossthink verify IN.jsonl``: score responses line by line, losing nothing.

Each output line repeats the input ``id`` and adds ``correct``, ``reward``, ``extracted`` and
``reason``. A malformed line yields a line whose reason starts with ``invalid_input:``; the
output always has one line per input line, in order.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import IO, Any

from crossthink_data._cpus import usable_cpus

CHUNK = 2048


def register(sub: Any) -> None:
    p = sub.add_parser("verify", help="verify responses in a JSONL file against their golds")
    p.add_argument("input", help="JSONL with response, gold, template, options?, id? ('-' = stdin)")
    p.add_argument("-o", "--output", default="-", help="output JSONL (default: stdout)")
    p.add_argument(
        "--mode",
        choices=("answer", "reward"),
        default="answer",
        help="answer: reward = accuracy only; reward: the paper's format AND accuracy",
    )
    p.add_argument("--workers", type=int, default=1, help="processes (0 = every usable CPU)")
    p.set_defaults(func=run)


def score_line(line: str, lineno: int, mode: str) -> dict[str, Any]:
    """Score one raw JSONL line; never raises."""
    from crossthink_data.verifiers.api import format_ok, verify

    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return _invalid(None, f"line {lineno}: not JSON ({exc.msg})")
    except ValueError as exc:
        return _invalid(None, f"line {lineno}: not JSON ({exc})")
    if not isinstance(item, dict):
        return _invalid(None, f"line {lineno}: expected a JSON object")
    ident = item.get("id")
    missing = [k for k in ("response", "gold", "template") if k not in item]
    if missing:
        return _invalid(ident, f"line {lineno}: missing field(s) {', '.join(missing)}")
    v = verify(item["response"], item["gold"], item["template"], item.get("options"))
    if v.reason.startswith("invalid_input:"):
        return _invalid(ident, f"line {lineno}: {v.reason.removeprefix('invalid_input:').strip()}")
    fmt = mode == "answer" or format_ok(item["response"])
    return {
        "id": ident,
        "correct": v.correct,
        "reward": 1.0 if (v.correct and fmt) else 0.0,
        "extracted": v.extracted,
        "reason": v.reason if fmt else f"bad_format; {v.reason}",
    }


def _invalid(ident: Any, why: str) -> dict[str, Any]:
    return {
        "id": ident,
        "correct": False,
        "reward": 0.0,
        "extracted": None,
        "reason": f"invalid_input: {why}",
    }


def _score_chunk(args: tuple[list[str], int, str]) -> list[dict[str, Any]]:
    lines, start, mode = args
    return [score_line(line, start + i, mode) for i, line in enumerate(lines)]


def _chunks(fh: IO[str], mode: str) -> Iterator[tuple[list[str], int, str]]:
    buf: list[str] = []
    start = 1
    for i, line in enumerate(fh, 1):
        buf.append(line)
        if len(buf) >= CHUNK:
            yield buf, start, mode
            buf, start = [], i + 1
    if buf:
        yield buf, start, mode


def run(args: argparse.Namespace) -> int:
    try:
        fin = (
            sys.stdin if args.input == "-" else open(args.input, encoding="utf-8", errors="replace")
        )
    except OSError as exc:
        print(f"crossthink verify: cannot read {args.input}: {exc.strerror}", file=sys.stderr)
        return 2
    fout = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    workers = args.workers if args.workers > 0 else usable_cpus()
    reasons: collections.Counter[str] = collections.Counter()
    n = correct = 0
    reward_sum = 0.0
    t0 = time.perf_counter()
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        results = (
            pool.map(_score_chunk, _chunks(fin, args.mode))
            if pool
            else map(_score_chunk, _chunks(fin, args.mode))
        )
        for part in results:
            for row in part:
                fout.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
                correct += row["correct"]
                reward_sum += row["reward"]
                reasons[row["reason"].split(":")[0].split(";")[0]] += 1
    finally:
        if pool:
            pool.shutdown()
        if fin is not sys.stdin:
            fin.close()
        if fout is not sys.stdout:
            fout.close()
    dt = time.perf_counter() - t0
    acc = correct / n if n else 0.0
    mean_r = reward_sum / n if n else 0.0
    print(
        f"crossthink verify: {n} lines, accuracy {acc:.4f}, mean reward {mean_r:.4f}, "
        f"{n / dt if dt else 0:.0f} lines/s; reasons: {dict(reasons.most_common())}",
        file=sys.stderr,
    )
    return 0
