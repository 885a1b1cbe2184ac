"""Combinatorial wording: phrase templates with alternatives and subject-specific lead-ins.

Templated items that differ only in a number are near-duplicates for MinHash dedup (word
unigrams + bigrams, Jaccard >= 0.7), and real question banks do not read that way. A
:class:`Phrase` is a template with ``[a|b|c]`` alternative groups (one picked per group by
the item's :class:`Draws`) and ``{field}`` slots filled with ``str.format_map``; several
independent groups per sentence make the wording vary combinatorially. :func:`lead_in`
prefixes a short scene (who, where, why) drawn from independent fragment lists.
"""

from __future__ import annotations

import re

from crossthink_data.sources.procedural.rng import FLOOR, Draws
from crossthink_data.sources.procedural.tables import NAMES

_GROUP = re.compile(r"\[([^\[\]]*)\]")
_CHUNK = 2048


class Phrase:
    """A compiled ``[a|b]`` / ``{field}`` template; parse once at import, render per item.

    Consecutive groups are pre-expanded into chunks of at most ``_CHUNK`` strings, so a
    render is one draw and one lookup per chunk instead of one per group.
    """

    __slots__ = ("_chunks", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        chunks: list[tuple[str, ...]] = []
        cur = [""]
        pos = 0
        for m in _GROUP.finditer(text):
            cur = [c + text[pos : m.start()] for c in cur]
            alts = m.group(1).split("|")
            if len(cur) * len(alts) > _CHUNK:
                chunks.append(tuple(cur))
                cur = [""]
            cur = [c + a for c in cur for a in alts]
            pos = m.end()
        chunks.append(tuple(c + text[pos:] for c in cur))
        self._chunks = tuple(chunks)

    def render(self, d: Draws) -> str:
        """The text with one alternative per group picked, before ``{field}`` filling."""
        below = d.below
        out = ""
        for ch in self._chunks:
            out += ch[below(len(ch))] if len(ch) > 1 else ch[0]
        if "  " in out or out[:1] == " " or out[-1:] == " ":  # an empty alternative
            out = " ".join(out.split())
        return out

    def __call__(self, d: Draws, **fields: object) -> str:
        out = self.render(d)
        return out.format_map(fields) if fields else out


def phrases(*texts: str) -> tuple[Phrase, ...]:
    return tuple(Phrase(t) for t in texts)


def pick(d: Draws, options: tuple[Phrase, ...], **fields: object) -> str:
    """Render one of several whole templates."""
    return options[d.below(len(options))](d, **fields)


_P = Phrase

# Lead-ins per subject: who is doing what, where. ``{n}`` is a name.
_LEADS: dict[str, tuple[Phrase, ...]] = {
    "math": phrases(
        "{n} is [reviewing|studying|preparing|practicing] for [a|an upcoming|next week's|a "
        "timed] [math|algebra|number sense|contest|placement|final] [quiz|exam|test|round].",
        "[On|In] [a|her|his|the] [homework|practice|revision|warm-up|weekend] "
        "[sheet|set|packet|assignment], {n} [finds|meets|has to solve|is stuck on] "
        "[this|one|a] [problem|question|exercise].",
        "[During|In|At] [a|the|an after-school] [math circle|tutoring session|study group|"
        "class|club meeting|review session], [the|a] [teacher|tutor|coach|student] "
        "[asks|poses|writes on the board|hands out]:",
        "[This|The next|One] [question|problem|item] [comes from|appears in|is taken from] "
        "[a|an old|last year's|a regional] [worksheet|practice book|competition|problem set|"
        "textbook chapter].",
    ),
    "science": phrases(
        "[In|During] [a|an|the] [lab|laboratory|practical|hands-on|introductory] "
        "[session|class|course|exercise|demonstration], {n} [records|notes|measures|"
        "writes down] [the|some|a few|two] [new|] [data|values|numbers|readings].",
        "{n} is [working through|checking|reviewing|grading] [a|an|the] "
        "[physics|chemistry|science|engineering] [problem set|lab report|worksheet|quiz].",
        "[A|One|This] [textbook|homework|exam|review|quiz] [exercise|question|problem] "
        "[reads|says|asks|goes as follows]:",
        "[While|When] [studying|preparing for|revising for] [a|an|the] "
        "[midterm|final|unit test|lab exam|certification exam], {n} [tries|attempts|solves]"
        " [this|a|one] [question|problem|calculation].",
    ),
    "economics": phrases(
        "{n} [runs|manages|helps at|keeps the books for] [a|a small|a local|a family] "
        "[bakery|bookshop|bike shop|cafe|print shop|farm stand|repair shop|design studio].",
        "[In|For] [a|an|the] [business|economics|accounting|personal finance] "
        "[class|course|workshop|assignment|case study], {n} [looks at|analyzes|works on|"
        "is given] [a|this|one] [scenario|case|example|question].",
        "[A|One|This] [finance|budgeting|economics|exam] [question|exercise|problem] "
        "[reads|asks|goes]:",
    ),
    "reasoning": phrases(
        "{n} is [planning|organizing|scheduling|arranging] [a|the|next month's|a weekend] "
        "[trip|project|study plan|event|visit|rota|shift calendar].",
        "[A|One|This] [puzzle|brain teaser|logic question|quiz item|riddle] "
        "[from|in|found in] [a|the|an online|a weekly] [newsletter|puzzle book|quiz night|"
        "magazine|class] [asks|reads|goes]:",
        "[While|When] [checking|updating|reading] [a|the|her|his] "
        "[calendar|planner|schedule|timetable|diary], {n} [wonders|asks|works out]:",
    ),
    "knowledge": phrases(
        "[At|During|In] [a|the|a school|a pub|an online] [quiz|trivia night|class quiz|"
        "general knowledge round|review game], [the|one|a] [host|teacher|card|question] "
        "[asks|reads|says]:",
        "{n} is [studying|revising|preparing|making flashcards] for [a|an|the] "
        "[geography|history|science|general knowledge|social studies] "
        "[test|quiz|exam|class|competition].",
        "[A|One|This] [flashcard|quiz card|review question|textbook question] [reads|asks|says]:",
    ),
    "cs": phrases(
        "[In|During] [a|an|the] [intro to programming|computer architecture|digital logic|"
        "coding|systems] [class|lecture|lab|bootcamp|interview], {n} [is asked|has|gets] "
        "[this|a|one] [question|exercise|warm-up].",
        "{n} is [debugging|reading|reviewing|writing] [a|some|an old] [program|script|"
        "log file|memory dump|network trace] and [needs|wants|has] to [check|work out|"
        "confirm] [a|one] [value|number|conversion].",
    ),
}

_SUBJECT_LEADS: dict[str, str] = {
    "arithmetic": "math",
    "fractions": "math",
    "algebra": "math",
    "percentages": "math",
    "counting": "math",
    "geometry": "math",
    "number theory": "math",
    "sequences": "math",
    "probability": "math",
    "word problems": "math",
    "statistics": "math",
    "physics": "science",
    "chemistry": "science",
    "economics": "economics",
    "reasoning": "reasoning",
    "geography": "knowledge",
    "history": "knowledge",
    "computer science": "cs",
    "numeracy": "math",
    "units": "science",
}


def _lead_fills_only_n(group: tuple[Phrase, ...]) -> bool:
    """True when ``{n}`` is the only brace use, so ``replace`` equals ``format_map``."""
    return all(
        "{" not in alt.replace("{n}", "") and "}" not in alt.replace("{n}", "")
        for phrase in group
        for chunk in phrase._chunks
        for alt in chunk
    )


# (alternatives, their count, flags) of one drawn chunk; flag 1: the text may need the space
# clean-up (empty, double space or a space at either end), 2: it holds a brace.
_Chunk = tuple[tuple[str, ...], int, tuple[int, ...]]
# a lead-in phrase: its first drawn chunk, its second (or None), FLOOR * first count (above
# it both chunk draws fit in one), both counts multiplied, and the phrase for other shapes
_LeadPlan = tuple[_Chunk | None, _Chunk | None, int, int, Phrase]


def _flags(alt: str) -> int:
    risky = not alt or "  " in alt or alt[0] == " " or alt[-1] == " "
    return (1 if risky else 0) | (2 if "{" in alt or "}" in alt else 0)


def _plan(phrase: Phrase) -> _LeadPlan:
    """Fast-path plan for phrases made of one or two drawn chunks (all lead-ins today)."""
    chunks = phrase._chunks
    if 1 <= len(chunks) <= 2 and all(len(ch) > 1 for ch in chunks):
        plans = [(ch, len(ch), tuple(_flags(a) for a in ch)) for ch in chunks]
        second = plans[1] if len(plans) > 1 else None
        both = plans[0][1] * (second[1] if second else 1)
        return plans[0], second, FLOOR * plans[0][1], both, phrase
    return None, None, 0, 0, phrase


# subject -> its lead-in phrases (subjects whose group has none are left out).
_LEADS_BY_SUBJECT: dict[str, tuple[Phrase, ...]] = {
    subject: _LEADS[group] for subject, group in _SUBJECT_LEADS.items() if _LEADS.get(group)
}
# Checked and planned once per group, not per subject: twelve subjects share the math
# lead-ins, and this is most of the module's import time (every Ray worker imports it).
if not all(_lead_fills_only_n(g) for g in _LEADS.values() if g):  # pragma: no cover
    raise AssertionError("lead-in phrases may only use the {n} field")
_N_NAMES = len(NAMES)
# group -> (plans, phrase count, names * phrases)
_GROUP_PLANS: dict[str, tuple[tuple[_LeadPlan, ...], int, int]] = {
    name: (tuple(_plan(p) for p in group), len(group), _N_NAMES * len(group))
    for name, group in _LEADS.items()
    if group
}
# subject -> its group's plan, resolved once (the hot path is one dict lookup)
_LEAD_PLANS: dict[str, tuple[tuple[_LeadPlan, ...], int, int]] = {
    subject: _GROUP_PLANS[_SUBJECT_LEADS[subject]] for subject in _LEADS_BY_SUBJECT
}
_FLOOR = FLOOR
_NAME_LIMIT = FLOOR * _N_NAMES


def lead_in(d: Draws, subject: str) -> str:
    """A short scene sentence for ``subject`` (empty for unknown subjects).

    Same draws and text as ``pick(d, group, n=<name>)``: the name is drawn first, then the
    phrase, then its groups; ``{n}`` is the only field, so it is filled by ``replace``. The
    draws are written out on the stream value as ``Draws.below`` does them; two consecutive
    draws ``below(a)``, ``below(b)`` are one ``below(a * b)`` (mixed radix) whenever no
    refill can fall between them (value >= FLOOR * a). The space clean-up and the fill only
    run when a picked alternative needs them.
    """
    plan = _LEAD_PLANS.get(subject)
    if plan is None:
        return ""
    plans, n_group, n_both = plan
    h = d._h
    if h < _FLOOR:
        h = d._extend(h)
    if h >= _NAME_LIMIT:
        r = h % n_both
        h //= n_both
        name = NAMES[r % _N_NAMES]
        first, second, limit, both, phrase = plans[r // _N_NAMES]
    else:
        name = NAMES[h % _N_NAMES]
        h //= _N_NAMES
        if h < _FLOOR:
            h = d._extend(h)
        first, second, limit, both, phrase = plans[h % n_group]
        h //= n_group
    if first is None:  # a shape without a fast plan
        d._h = h
        return phrase.render(d).replace("{n}", name)
    alts, n, flags = first
    if h < _FLOOR:
        h = d._extend(h)
    if second is None:
        i = h % n
        h //= n
        out = alts[i]
        flag = flags[i]
    else:
        alts2, n2, flags2 = second
        if h >= limit:
            r = h % both
            h //= both
            i = r % n
            j = r // n
        else:
            i = h % n
            h //= n
            if h < _FLOOR:
                h = d._extend(h)
            j = h % n2
            h //= n2
        out = alts[i] + alts2[j]
        flag = flags[i] | flags2[j]
    d._h = h
    if flag & 1 and ("  " in out or out[:1] == " " or out[-1:] == " "):
        out = " ".join(out.split())
    return out.replace("{n}", name) if flag & 2 else out
