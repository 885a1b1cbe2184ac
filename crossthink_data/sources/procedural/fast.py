"""Fast record building for generated items (the procedural hot path).

The uid text is ``records.normalize_question`` of each part: on ASCII that is ``lower()``
plus a whitespace collapse (``str.split`` and the regex ``\\s`` agree on what whitespace
is), and the collapse is a no-op when the text is printable (no tab, newline or other
control whitespace), has no double space and nothing to strip (``t.strip() is t``: CPython
returns the same object only when nothing was removed; otherwise the exact slow path runs).
Generated text passes, so the uid hashes ``lower()`` of the parts; anything else (including
non-ASCII) falls back to :func:`_norm`. The uid hash starts from a per-(source, template)
BLAKE2b state copied per row.

:func:`fast_records` inlines :func:`generator.generate` (same draws in the same order, no
``Item`` in between; a few draws written out on the stream value, see ``Draws._extend``)
and copies a per-generator record holding the constant columns, from a table prepared once
per ``(kinds, seed, source)``. The cyclic garbage collector is paused while a batch is
built: the rows hold no cycles, and collections triggered by the many new containers cost
several microseconds a row. Tests pin ``fast_records`` to the reference path
(:func:`procedural.item_record`, built on the template builders), the uid to
:func:`records.make_uid`, and sha256 digests of its output to the values computed before
this speed work (tests/sources/test_procedural_fast.py).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from hashlib import blake2b
from typing import Any

from crossthink_data.records import COLUMNS, LETTERS, SYSTEM_PROMPT, normalize_question
from crossthink_data.sources.procedural.generator import LEAD_PERCENT, _table
from crossthink_data.sources.procedural.phrasing import lead_in
from crossthink_data.sources.procedural.rng import FLOOR, Draws, seed_state

LICENSE = "Apache-2.0"
_MCQ_TAIL = "\n\nAnswer with the letter of the correct option."
_OPTION_PREFIX = tuple(f"{letter}. " for letter in LETTERS[:8])

# (fn, is_mcq, metadata before the index, metadata after it, new record with the constants)
_Entry = tuple[Callable[[Draws], Any], bool, str, str, Callable[[], dict[str, Any]]]
_FAST_TABLES: dict[tuple[tuple[str, ...], int, str], tuple[_Entry, ...]] = {}


def _norm(text: str) -> str:
    """``records.normalize_question`` for generated text (exact on any input)."""
    if text.isascii():  # NFKC is the identity and casefold is lower() on ASCII
        return " ".join(text.lower().split())
    return normalize_question(text)


def _uid_state(source: str, template: str) -> Any:
    h = blake2b(digest_size=12)
    h.update(f"{source}:{template}".encode())
    h.update(b"\x00")
    return h


def fast_uid(state: Any, question: str, options: Sequence[str] | None) -> str:
    """``records.make_uid`` continued from a prepared ``(source, template)`` state."""
    h = state.copy()
    h.update(_norm(question).encode())
    if options:
        for o in options:
            h.update(b"\x1f")
            h.update(_norm(o).encode())
    return str(h.hexdigest())


def _fast_table(kinds: tuple[str, ...], seed: int, source: str) -> tuple[_Entry, ...]:
    """The generator table of ``kinds`` with each row's constant record parts precomputed."""
    key = (kinds, seed, source)
    table = _FAST_TABLES.get(key) if type(seed) is int else None
    if table is None:
        made: dict[tuple[str, str], _Entry] = {}
        rows: list[_Entry] = []
        for kind, name, fn in _table(kinds):
            entry = made.get((kind, name))
            if entry is None:
                is_math = kind == "math"
                template = "mcq" if kind == "mcq" else "open"
                record = dict.fromkeys(COLUMNS)
                record.update(
                    source=source,
                    domain="math" if is_math else "gpr",
                    template=template,
                    verifier="math" if is_math else template,
                    license=LICENSE,
                )
                entry = made[(kind, name)] = (
                    fn,
                    kind == "mcq",
                    f'{{"generator": "{name}", "index": ',
                    f', "kind": "{kind}", "seed": {seed}}}',
                    record.copy,
                )
            rows.append(entry)
        table = tuple(rows)
        if type(seed) is int:
            if len(_FAST_TABLES) > 64:
                _FAST_TABLES.clear()
            _FAST_TABLES[key] = table
    return table


def fast_records(
    source: str, seed: int, indices: Iterable[int], kinds: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Canonical records of the items at ``indices`` (equal to ``item_record`` output)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(source, seed, indices, tuple(kinds))
    finally:
        if gc_was_enabled:
            gc.enable()


def _build(
    source: str, seed: int, indices: Iterable[int], kinds: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The loop of :func:`fast_records`: ``generate`` and ``item_record`` fused per row.

    Draws the package-internal way (see ``Draws._extend``): same values, fewer calls.
    """
    open_copy = _uid_state(source, "open").copy
    mcq_copy = _uid_state(source, "mcq").copy
    table = _fast_table(kinds, seed, source)
    n_table = len(table)
    sstate = seed_state(seed)
    make = Draws.from_key
    floor = FLOOR
    floor_12 = FLOOR * 12
    letters = LETTERS
    system = SYSTEM_PROMPT
    tail = _MCQ_TAIL
    prefix = _OPTION_PREFIX
    lead_percent = LEAD_PERCENT
    out: list[dict[str, Any]] = []
    append = out.append
    for index in indices:
        si = f"{index}"
        d = make(sstate, f"{si}:".encode())
        h = d._h
        if h < floor:
            h = d._extend(h)
        fn, is_mcq, meta_a, meta_b, new_record = table[h % n_table]
        d._h = h // n_table
        rec = new_record()
        rec["metadata"] = f"{meta_a}{si}{meta_b}"
        if not is_mcq:
            q, answer, subject = fn(d)
            h = d._h
            if h < floor:
                h = d._extend(h)
            d._h = h // 100
            if h % 100 < lead_percent:
                q = f"{lead_in(d, subject)} {q}".lstrip()
            u = open_copy()
            if q.isascii() and q.isprintable() and "  " not in q and q.strip() is q:
                u.update(q.lower().encode())  # clean text: the whitespace collapse is a no-op
            else:
                u.update(_norm(q).encode())
            rec["uid"] = u.hexdigest()
            rec["subject"] = subject
            rec["question"] = q
            rec["answer"] = answer
            rec["prompt"] = [{"role": "system", "content": system}, {"role": "user", "content": q}]
            append(rec)
            continue
        q, correct, candidates, subject = fn(d)
        h = d._h
        if h < floor:
            h = d._extend(h)
        d._h = h // 100
        if h % 100 < lead_percent:
            q = f"{lead_in(d, subject)} {q}".lstrip()
        options = [correct]
        for c in candidates:
            if c not in options:
                options.append(c)
                if len(options) == 4:
                    break
        h = d._h  # Draws.shuffle, written out
        if len(options) == 4 and h >= floor_12:  # below(4), below(3), below(2) as below(24)
            r = h % 24
            d._h = h // 24
            j = r % 4
            options[3], options[j] = options[j], options[3]
            j = r // 4 % 3
            options[2], options[j] = options[j], options[2]
            j = r // 12
            options[1], options[j] = options[j], options[1]
        else:
            for i in range(len(options) - 1, 0, -1):
                if h < floor:
                    h = d._extend(h)
                j = h % (i + 1)
                h //= i + 1
                options[i], options[j] = options[j], options[i]
            d._h = h
        u = mcq_copy()
        if len(options) == 4:
            o0, o1, o2, o3 = options
            joined = f"{q}\x1f{o0}\x1f{o1}\x1f{o2}\x1f{o3}"
            check = f"{q}|{o0}|{o1}|{o2}|{o3}"
            content = f"{q}\n\nA. {o0}\nB. {o1}\nC. {o2}\nD. {o3}{tail}"
        else:
            joined = "\x1f".join([q, *options])
            check = "|".join([q, *options])
            lines = "\n".join([p + o for p, o in zip(prefix, options, strict=False)])
            content = f"{q}\n\n{lines}{tail}"
        if (
            check.isascii()
            and check.isprintable()
            and "  " not in check
            and " |" not in check
            and "| " not in check
            and check.strip() is check
        ):  # all parts clean (see _norm): the uid text is lower-cased
            u.update(joined.lower().encode())
        else:
            u.update("\x1f".join([_norm(t) for t in [q, *options]]).encode())
        rec["uid"] = u.hexdigest()
        rec["subject"] = subject
        rec["question"] = q
        rec["options"] = options
        rec["answer"] = letters[options.index(correct)]
        rec["prompt"] = [
            {"role": "system", "content": system},
            {"role": "user", "content": content},
        ]
        append(rec)
    return out
