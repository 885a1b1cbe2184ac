"""Verifiability filter: keep only rows whose gold answer a rule-based verifier can check.

Follows the paper's rules (MCQ gold must be one of the options; open-ended answers have at
most 10 words) plus hygiene checks that make a row unusable for RL rewards: missing or empty
fields, too few or duplicate options, math answers the math verifier cannot parse, overlong
questions. Every drop has a distinct machine-readable reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from crossthink_data.filters.base import Filter, Row, register_filter
from crossthink_data.records import LETTERS, normalize_question

TEMPLATES = ("mcq", "open")
VERIFIERS = ("math", "mcq", "open")
REQUIRED_TEXT_FIELDS = ("question", "answer", "template", "verifier")


@dataclass(frozen=True)
class VerifiabilityConfig:
    """Limits of the verifiability filter.

    ``max_question_chars``: longer questions are dropped (``question_too_long``).
    ``max_open_words``: open-ended gold answers with more words are dropped (paper: 10).
    ``max_answer_chars``: any gold longer than this is dropped (``answer_too_long``).
    ``min_options``/``max_options``: allowed number of MCQ options.
    ``check_math_parse``: run the math verifier's parser on math golds.
    """

    max_question_chars: int = 4_000
    max_open_words: int = 10
    max_answer_chars: int = 1_000
    min_options: int = 2
    max_options: int = len(LETTERS)
    check_math_parse: bool = True


_WORD = re.compile(r"\S+")
_OPTION_TRAILING = re.compile(r"[\s.;,]+$")


def _norm_option(text: str) -> str:
    if text.isascii():
        # NFKC is the identity and casefold is lower() on ASCII; str.split() and the regex
        # ``\s`` agree on ASCII whitespace; the text is then single-spaced and stripped, so
        # the trailing-punctuation regex reduces to rstrip.
        return " ".join(text.lower().split()).rstrip(" .;,")
    return _OPTION_TRAILING.sub("", normalize_question(text))


# ---------------------------------------------------------------------------------------------
# Math-answer parsing: the math verifier's parser when available, else a conservative fallback.

#: ``answer -> None`` when parsable, else a drop reason.
_MathCheck = Callable[[str], str | None]
_math_check: _MathCheck | None = None

_NUM = r"[0-9]+(?:\.[0-9]+)?"
_FRAC = rf"\\[dt]?frac\{{-?{_NUM}\}}\{{-?{_NUM}\}}"
_SQRT = rf"\\sqrt\{{{_NUM}\}}"
_TERM = rf"-?(?:{_NUM}(?:{_SQRT})?(?:\\pi)?|{_FRAC}(?:\\pi)?|{_SQRT}|\\pi|{_NUM}/{_NUM})"
#: Answers the math parser certainly accepts: (optionally ``v = ``) a signed integer or
#: decimal, ``a/b``, ``\frac{a}{b}`` (also ``\dfrac``/``\tfrac``), ``\sqrt{n}``, ``n\sqrt{m}``,
#: ``n\pi``; ASCII digits and plain spaces only (the parser rewrites control characters).
#: A property test checks that every string it matches parses.
FAST_MATH_ANSWER = re.compile(rf" *(?:[A-Za-z] *= *)?{_TERM} *", re.ASCII)
#: Longer answers always take the parser (its length guard must decide them).
FAST_MATH_MAX_CHARS = 200


def _load_math_check() -> _MathCheck:
    """``crossthink_data.verifiers.mathparse.parse`` wrapped as ``answer -> reason | None``.

    Imported lazily (the parser pulls in the verifier library); falls back to
    :func:`fallback_math_parsable` when the module or function is missing. A parser guard
    (``TooComplex``) gives ``math_answer_too_complex``; any other error counts as unparsable.
    Results are memoised per answer string (many rows share answers such as ``"2"``).
    """
    global _math_check
    if _math_check is not None:
        return _math_check
    try:
        from crossthink_data.verifiers import mathparse
        from crossthink_data.verifiers.types import VerifyConfig

        parse = mathparse.parse
        too_complex: type[BaseException] = getattr(mathparse, "TooComplex", ArithmeticError)
        cfg = VerifyConfig()

        def _real(answer: str) -> str | None:
            try:
                ok = parse(answer, cfg) is not None
            except too_complex:
                return "math_answer_too_complex"
            except Exception:
                ok = False
            return None if ok else "math_answer_unparsable"

        _math_check = lru_cache(maxsize=1 << 16)(_real)
    except (ImportError, AttributeError):

        def _fallback(answer: str) -> str | None:
            return None if fallback_math_parsable(answer) else "math_answer_unparsable"

        _math_check = _fallback
    return _math_check


def math_answer_reason(answer: str) -> str | None:
    """Drop reason for a math gold (``None``: checkable). Common plain answers are accepted
    by :data:`FAST_MATH_ANSWER` without running the parser; prose is rejected before it."""
    if len(answer) <= FAST_MATH_MAX_CHARS and FAST_MATH_ANSWER.fullmatch(answer):
        return None
    if is_prose(answer):
        return "math_answer_is_prose"
    return _load_math_check()(answer)


_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
_MATHY = re.compile(r"[0-9A-Za-z\\]")


def fallback_math_parsable(answer: str) -> bool:
    """Simple stand-in for the math parser: balanced brackets, some math content, not prose.

    Rejects e.g. ``"see the solution above"``, ``"\\frac{1}{2"`` and ``"???"``; accepts numbers,
    LaTeX expressions, intervals, tuples and short symbolic answers.
    """
    text = answer.strip().strip("$").strip()
    if not text or not _MATHY.search(text):
        return False
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            # Half-open intervals like [0, 1) legitimately mix bracket kinds.
            if not stack:
                return False
            top = stack.pop()
            if top != pairs[ch] and not (top in "([" and ch in ")]"):
                return False
    if stack:
        return False
    return not is_prose(text)


def is_prose(answer: str, max_words: int = 3) -> bool:
    """True when an answer reads as a sentence (> ``max_words`` words of 3+ letters outside
    LaTeX commands), e.g. ``"see the solution above"``: not a checkable math answer."""
    return len(_PROSE_WORD.findall(_LATEX_CMD.sub(" ", answer))) > max_words


# ---------------------------------------------------------------------------------------------


def _text_field(row: Row, name: str) -> tuple[str | None, str | None]:
    """``(value, None)`` for a usable string field, else ``(None, reason)``."""
    value = row.get(name)
    if value is None:
        return None, f"missing_field:{name}"
    if not isinstance(value, str):
        return None, f"invalid_field:{name}"
    if not value.strip():
        return None, f"empty_field:{name}"
    return value, None


def _is_empty(value: object) -> bool:
    """True for empty sequences/arrays (Ray batches give numpy arrays for list columns)."""
    try:
        return len(value) == 0  # type: ignore[arg-type]
    except TypeError:
        return False


@register_filter("verifiable")
class VerifiabilityFilter(Filter):
    """Drops rows whose gold a rule cannot verify; see the module docstring for the rules.

    Reasons: ``missing_field:X``, ``invalid_field:X``, ``empty_field:X``,
    ``invalid_template``, ``invalid_verifier``, ``question_too_long``, ``answer_too_long``,
    ``mcq_options_missing``, ``mcq_too_few_options``, ``mcq_too_many_options``,
    ``mcq_empty_option``, ``mcq_duplicate_options``, ``mcq_gold_not_letter``,
    ``mcq_gold_not_in_options``, ``open_has_options``, ``open_answer_too_long``,
    ``math_answer_unparsable``, ``math_answer_too_complex``, ``math_answer_is_prose``.
    """

    name = "verifiable"

    def __init__(self, config: VerifiabilityConfig | None = None, **overrides: Any) -> None:
        base = config or VerifiabilityConfig()
        if overrides:
            base = VerifiabilityConfig(**{**base.__dict__, **overrides})
        self.config = base

    def check(self, row: Row) -> str | None:
        if not isinstance(row, dict):
            return "invalid_row"
        question, answer = row.get("question"), row.get("answer")
        template, verifier = row.get("template"), row.get("verifier")
        # Fast path: the four fields are non-blank strings (nearly every row); otherwise the
        # first bad field in REQUIRED_TEXT_FIELDS order names the reason.
        if not (
            type(question) is str
            and type(answer) is str
            and type(template) is str
            and type(verifier) is str
            and question.strip()
            and answer.strip()
            and template.strip()
            and verifier.strip()
        ):
            for name in REQUIRED_TEXT_FIELDS:
                reason = _text_field(row, name)[1]
                if reason is not None:
                    return reason
        assert isinstance(question, str) and isinstance(answer, str)
        if template not in TEMPLATES:
            return "invalid_template"
        if verifier not in VERIFIERS:
            return "invalid_verifier"
        cfg = self.config
        if len(question) > cfg.max_question_chars:
            return "question_too_long"
        if len(answer) > cfg.max_answer_chars:
            return "answer_too_long"
        options = row.get("options")
        if template == "mcq" or verifier == "mcq":
            return self._check_mcq(options, answer)
        if options is not None and not _is_empty(options):
            return "open_has_options"
        if verifier == "math":
            if not cfg.check_math_parse:
                return None
            return math_answer_reason(answer)
        if len(_WORD.findall(answer)) > cfg.max_open_words:
            return "open_answer_too_long"
        return None

    def _check_mcq(self, options: object, answer: str) -> str | None:
        cfg = self.config
        if options is None:
            return "mcq_options_missing"
        if isinstance(options, str) or not isinstance(options, Sequence):
            tolist = getattr(options, "tolist", None)  # numpy/arrow arrays from Ray batches
            if not callable(tolist):
                return "invalid_field:options"
            options = tolist()
            if not isinstance(options, list):
                return "invalid_field:options"
        opts: Sequence[object] = options
        if not all(isinstance(o, str) for o in opts):
            return "invalid_field:options"
        if len(opts) < cfg.min_options:
            return "mcq_too_few_options"
        if len(opts) > cfg.max_options:
            return "mcq_too_many_options"
        normed = [_norm_option(str(o)) for o in opts]
        if any(not n for n in normed):
            return "mcq_empty_option"
        if len(set(normed)) != len(normed):
            return "mcq_duplicate_options"
        gold = answer.strip()
        if len(gold) != 1 or gold not in LETTERS:
            return "mcq_gold_not_letter"
        if LETTERS.index(gold) >= len(opts):
            return "mcq_gold_not_in_options"
        return None
