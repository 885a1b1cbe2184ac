"""Pins of the procedural hot path: output digests, draw stream and fast-path fallbacks.

The digests were computed from the code before the speed work (commit 9a297bc), so any
change to generated content (and so to curated content hashes) fails here.
"""

from __future__ import annotations

import gc
import hashlib
import json

import pytest

from crossthink_data.records import make_uid
from crossthink_data.sources.procedural import fast_records, generate, item_record
from crossthink_data.sources.procedural.generator import kinds_for_templates
from crossthink_data.sources.procedural.phrasing import _LEADS_BY_SUBJECT, lead_in, pick
from crossthink_data.sources.procedural.rng import Draws, seed_state
from crossthink_data.sources.procedural.tables import NAMES

# sha256 of canonical JSON of fast_records(source="procedural", seed, range(5000), kinds)
PINNED = {
    (0, ("mcq", "open")): "446393a49a1b4677c8d94554322faca1ac317ee050ec803dcf9df8194201ce9d",
    (0, ("mcq",)): "7c7e8a63435c8005bec9e37a0931db057a8061dc94c61ff64aeff4a3225c46db",
    (0, ("open",)): "4d82fa885135dd4cca59ca69d6498a3f9fa1fe067758d1dbdfb0811aad85eca4",
    (7, ("mcq", "open")): "2a0c6c79fed628ae6f838e94584fd5b51f5e87b1682d207932d30b3a90718f80",
    (7, ("mcq",)): "d22b70a463af34ff4471f4d8e9001de8e50564f6ad987a23db2ab519ea1ebbe6",
    (7, ("open",)): "91fc981bfebedfb4896dfea6a71fd5f9ee3f21071149d5092b09bd334bb10669",
}


def _digest(records: list[dict[str, object]]) -> str:
    text = json.dumps(records, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(("seed", "templates"), sorted(PINNED))
def test_fast_records_digest_is_pinned(seed: int, templates: tuple[str, ...]) -> None:
    recs = fast_records("procedural", seed, range(5000), kinds_for_templates(templates))
    assert _digest(recs) == PINNED[(seed, templates)]


def test_reference_path_digest_is_pinned() -> None:
    kinds = kinds_for_templates(("mcq", "open"))
    recs = [item_record(generate(7, i, kinds), "procedural", 7) for i in range(5000)]
    assert _digest(recs) == PINNED[(7, ("mcq", "open"))]


def test_fast_records_equal_reference_on_large_indices_and_other_source() -> None:
    kinds = kinds_for_templates(None)
    indices = [10**9 + 3, 123_456_789, 5, 0, 5]
    recs = fast_records("procedural:x", 11, indices, kinds)
    assert recs == [item_record(generate(11, i, kinds), "procedural:x", 11) for i in indices]
    for rec in recs:
        assert rec["uid"] == make_uid(
            f"procedural:x:{rec['template']}", rec["question"], rec["options"]
        )


def test_fast_records_restores_gc_state_and_returns_independent_rows() -> None:
    kinds = kinds_for_templates(None)
    assert gc.isenabled()
    a = fast_records("procedural", 1, range(20), kinds)
    assert gc.isenabled()
    gc.disable()
    try:
        fast_records("procedural", 1, range(3), kinds)
        assert not gc.isenabled()
    finally:
        gc.enable()
    a[0]["prompt"][0]["content"] = "changed"
    a[0]["source"] = "changed"
    b = fast_records("procedural", 1, range(20), kinds)
    assert b[0]["prompt"][0]["content"] != "changed" and b[0]["source"] == "procedural"


def _reference_below(seed: int, index: int, moduli: list[int]) -> list[int]:
    """The original Draws algorithm, written out independently of rng.py."""
    key = f"{seed}:{index}:".encode()
    h = int.from_bytes(hashlib.blake2b(key, digest_size=32).digest(), "little")
    block, out = 0, []
    for n in moduli:
        if h < 1 << 96:
            block += 1
            more = hashlib.blake2b(key + str(block).encode(), digest_size=32).digest()
            h = (h << 256) | int.from_bytes(more, "little")
        h, r = divmod(h, n)
        out.append(r)
    return out


def test_draw_stream_matches_reference_algorithm_across_refills() -> None:
    moduli = [7, 1000, 2**31 - 1, 3, 100, 60, 2048] * 40  # several refills
    for seed, index in [(0, 0), (7, 12345), (-3, 10**12)]:
        d = Draws(seed, index)
        got = []
        for k, n in enumerate(moduli):
            if k % 4 == 0:
                got.append(d.below(n))
            elif k % 4 == 1:
                got.append(d.randint(5, 4 + n) - 5)
            elif k % 4 == 2:
                got.append(d.choice(range(n)))
            else:
                got.append(int(d.chance(37)) if n == 100 else d.below(n))
        ref = _reference_below(seed, index, moduli)
        expected = [
            int(r < 37) if k % 4 == 3 and n == 100 else r
            for k, (r, n) in enumerate(zip(ref, moduli, strict=True))
        ]
        assert got == expected
        e = Draws.from_key(seed_state(seed), f"{index}:".encode())
        assert [e.below(n) for n in moduli] == _reference_below(seed, index, moduli)


def test_non_int_seed_does_not_share_the_int_cache() -> None:
    # a bool formats as "True" in the key, so it must not reuse the state of seed 1
    assert Draws(True, 3).below(2**31) == _reference_below(True, 3, [2**31])[0]
    assert Draws(1, 3).below(2**31) == _reference_below(1, 3, [2**31])[0]


def test_lead_in_equals_generic_pick_everywhere() -> None:
    for subject, group in _LEADS_BY_SUBJECT.items():
        for i in range(400):
            fast_d, ref_d = Draws(5, i), Draws(5, i)
            # drain a varying amount so refills land at different points
            for _ in range(i % 23):
                fast_d.below(1 << 30)
                ref_d.below(1 << 30)
            got = lead_in(fast_d, subject)
            name = NAMES[ref_d.below(len(NAMES))]
            assert got == pick(ref_d, group, n=name)
            assert fast_d.below(1 << 30) == ref_d.below(1 << 30)  # same draws consumed
    assert lead_in(Draws(0, 0), "no such subject") == ""


def test_uid_fallback_for_text_that_is_not_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    from crossthink_data.sources.procedural import fast

    texts = ["Tab\there?", "  Lead space", "Double  space", "Caf\u00e9 \u212a", "x\x1fy", "End "]
    opts = ["Paris", " Rome", "B\u00e9rn", "a\tb"]

    def open_fn(d: Draws) -> tuple[str, str, str]:
        return texts[d.below(len(texts))], "a", "no lead subject"

    def mcq_fn(d: Draws) -> tuple[str, str, list[str], str]:
        return texts[d.below(len(texts))], "Oslo", opts[: 1 + d.below(4)], "no lead subject"

    def table(kinds: tuple[str, ...], seed: int, source: str) -> tuple[fast._Entry, ...]:
        rec = dict.fromkeys(("uid", "source", "options"))
        return (
            (open_fn, False, "", "", rec.copy),
            (mcq_fn, True, "", "", rec.copy),
        )

    monkeypatch.setattr(fast, "_fast_table", table)
    recs = fast.fast_records("s", 0, range(300), ("math",))
    seen = set()
    for rec in recs:
        template = "open" if rec["options"] is None else "mcq"
        seen.add((template, rec["question"]))
        assert rec["uid"] == make_uid(f"s:{template}", rec["question"], rec["options"])
    assert len(seen) >= 2 * len(texts)  # (lstrip of the empty lead-in adds variants)
