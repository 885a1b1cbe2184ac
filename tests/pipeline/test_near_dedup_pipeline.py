"""The Ray pipeline's near-dedup decisions equal the single-process reference
(``filters.minhash.near_duplicates``) on the rows that reached the near-dedup stage, for both
verification modes: ``estimate`` (the map step's stored signatures of the candidate rows,
fetched block by block) and ``exact`` (candidate texts fetched, exact shingle Jaccard)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ray")

from crossthink_data.filters.minhash import near_duplicates
from crossthink_data.pipeline import default_config, read_curated, run_curation
from crossthink_data.pipeline.config import SourceSpec
from crossthink_data.pipeline.io import read_rejects
from crossthink_data.pipeline.stages import dedup_text_column

pytestmark = [pytest.mark.ray]


@pytest.mark.parametrize("verify", ["estimate", "exact"])
def test_pipeline_matches_single_process_reference(
    ray_local: str, tmp_path: Path, verify: str
) -> None:
    import pyarrow as pa

    base = default_config()
    config = base.model_copy(
        update={
            "sources": [SourceSpec(name="procedural", rows=6000)],
            "dedup": base.dedup.model_copy(update={"verify": verify}),
        }
    )
    manifest = run_curation(config, tmp_path / "out", quiet=True)
    records, _ = read_curated(tmp_path / "out")
    rejects = read_rejects(tmp_path / "out")

    # The near stage's input: what it kept (records + later decontam drops) and what it dropped.
    later = [
        json.loads(rj)
        for rj, st in zip(
            rejects.column("row_json").to_pylist(), rejects.column("stage").to_pylist(), strict=True
        )
        if st in ("near_dedup", "decontam")
    ]
    got = {r["uid"]: r["duplicate_of"] for r in later if "duplicate_of" in r}
    near = next(s for s in manifest["stages"] if s["name"] == "near_dedup")
    assert len(got) == near["dropped"]["near_duplicate"] > 0
    rows = pa.concat_tables(
        [
            records.select(["uid", "question", "options"]),
            pa.Table.from_pylist(
                [
                    {"uid": r["uid"], "question": r["question"], "options": r["options"]}
                    for r in later
                ],
                schema=records.select(["uid", "question", "options"]).schema,
            ),
        ]
    )
    texts = dedup_text_column(rows).to_pylist()
    want = near_duplicates(
        rows.column("uid").to_pylist(), texts, config.dedup.minhash_config(), verify=verify
    )
    assert got == want
