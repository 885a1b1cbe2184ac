"""The rejects' ``row_json`` of dropped duplicates: column-wise encoding against ``json.dumps``.

The last pass of ``crossthink curate`` writes every row dropped by dedup or decontamination to
the rejects with its canonical record as JSON text. At the paper's size that is ~160,000 rows
(most of them near duplicates). ``stages.reject_json`` builds those texts a column at a time;
the peer is what it replaced: ``to_pylist`` the rows, then one ``json.dumps`` per row. Both
give the same bytes (checked here and in ``tests/pipeline/test_reject_json.py``).

Rows are real mapped rows: ``--blocks`` procedural blocks of 4,096 rows, every ``--every``-th
row rejected (the default, 4, drops about as many as near dedup does at 588k rows), one in
50 of them as contaminated rather than duplicate.

Run: ``.venv/bin/python benchmarks/reject_json.py [--blocks 4] [--every 4] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import pyarrow as pa

    from crossthink_data.pipeline.config import default_config
    from crossthink_data.pipeline.run import _resolve_specs
    from crossthink_data.pipeline.stages import MapSettings, map_and_partition, reject_json
    from crossthink_data.records import COLUMNS

    cfg = default_config(procedural_rows=args.blocks * 4096)
    spec, source = next(s for s in _resolve_specs(cfg) if s[1].name == "procedural")
    settings = MapSettings(
        verifiability=cfg.verifiability.model_dump(),
        minhash=cfg.dedup.minhash_config(),
        seed=cfg.seed,
        sample_rate=cfg.sample_rate,
    )
    tables = []
    for i in range(args.blocks):
        block = map_and_partition(
            (i * 4096, (i + 1) * 4096),
            source_name=source.name,
            spec=spec,
            settings=settings,
            batch_size=4096,
            num_parts=2,
            near=True,
        )[0]
        picked = list(range(0, block.num_rows, args.every))
        tables.append(block.select(list(COLUMNS)).take(pa.array(picked, pa.int64())))
    # Mostly duplicates, a few contaminated rows among them (both kinds in a block).
    extras = [
        [("benchmark" if i % 50 == 0 else "duplicate_of", f"{i:064x}") for i in range(t.num_rows)]
        for t in tables
    ]
    rows = sum(t.num_rows for t in tables)

    def per_row_dumps() -> list[list[str]]:
        return [
            [
                json.dumps(
                    {**{c: r.get(c) for c in COLUMNS}, k: v}, sort_keys=True, ensure_ascii=False
                )
                for r, (k, v) in zip(t.to_pylist(), extra, strict=True)
            ]
            for t, extra in zip(tables, extras, strict=True)
        ]

    def column_wise() -> list[list[str]]:
        return [reject_json(t, extra) for t, extra in zip(tables, extras, strict=True)]

    same = per_row_dumps() == column_wise()
    timings: dict[str, list[float]] = {"json.dumps per row": [], "reject_json": []}
    for _ in range(args.repeat):  # interleaved: the VM's speed drifts
        for name, fn in (("json.dumps per row", per_row_dumps), ("reject_json", column_wise)):
            t0 = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in timings.items()}
    print(f"{rows} rejected rows from {args.blocks} blocks; same bytes: {same}")
    for name, sec in med.items():
        print(f"{name:20s} {sec * 1e6 / rows:6.2f} us/row  ({rows / sec:,.0f} rows/s)")
    print(f"speed-up: {med['json.dumps per row'] / med['reject_json']:.2f}x")


if __name__ == "__main__":
    main()
