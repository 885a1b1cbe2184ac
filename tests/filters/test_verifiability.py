from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossthink_data.filters.verifiability import (
    VerifiabilityConfig,
    VerifiabilityFilter,
    fallback_math_parsable,
)

F = VerifiabilityFilter()
OPTS = ["Mercury", "Venus", "Earth", "Mars"]


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        (dict(), None),
        (dict(template="mcq", verifier="mcq", options=OPTS, answer="C"), None),
        (dict(template="mcq", verifier="mcq", options=OPTS, answer="E"), "mcq_gold_not_in_options"),
        (dict(template="mcq", verifier="mcq", options=OPTS, answer="Earth"), "mcq_gold_not_letter"),
        (dict(template="mcq", verifier="mcq", options=["Only"], answer="A"), "mcq_too_few_options"),
        (dict(template="mcq", verifier="mcq", options=None, answer="A"), "mcq_options_missing"),
        (
            dict(template="mcq", verifier="mcq", options=["Mars", " mars.", "Venus"], answer="A"),
            "mcq_duplicate_options",
        ),
        (
            dict(template="mcq", verifier="mcq", options=["Mars", "  "], answer="A"),
            "mcq_empty_option",
        ),
        (
            dict(template="mcq", verifier="mcq", options=["a", 3], answer="A"),
            "invalid_field:options",
        ),
        (
            dict(answer="one two three four five six seven eight nine ten eleven"),
            "open_answer_too_long",
        ),
        (dict(answer="one two three four five six seven eight nine ten"), None),
        (dict(options=["x", "y"]), "open_has_options"),
        (dict(verifier="math", answer="\\frac{1}{2}"), None),
        (dict(verifier="math", answer="\\frac{1}{2"), "math_answer_unparsable"),
        (dict(verifier="math", answer="see the worked solution above"), "math_answer_is_prose"),
        (dict(question=""), "empty_field:question"),
        (dict(question="   \n"), "empty_field:question"),
        (dict(answer=None), "missing_field:answer"),
        (dict(answer=5), "invalid_field:answer"),
        (dict(template="essay"), "invalid_template"),
        (dict(verifier="judge"), "invalid_verifier"),
        (dict(question="x" * 4001), "question_too_long"),
    ],
)
def test_reasons(row_factory: Any, kw: dict[str, Any], reason: str | None) -> None:
    assert F.check(row_factory(**kw)) == reason


def test_missing_key(row_factory: Any) -> None:
    row = row_factory()
    del row["question"]
    assert F.check(row) == "missing_field:question"


def test_config_overrides(row_factory: Any) -> None:
    make_row = row_factory
    f = VerifiabilityFilter(max_question_chars=20, max_open_words=2)
    assert f.config == VerifiabilityConfig(max_question_chars=20, max_open_words=2)
    assert f.check(make_row(question="a question longer than twenty chars")) == "question_too_long"
    assert f.check(make_row(question="short?", answer="a b c")) == "open_answer_too_long"


def test_numpy_options_from_ray_batches(row_factory: Any) -> None:
    make_row = row_factory
    np = pytest.importorskip("numpy")
    row = make_row(template="mcq", verifier="mcq", options=OPTS, answer="B")
    row["options"] = np.array(OPTS, dtype=object)
    assert F.check(row) is None


def test_apply_stats(row_factory: Any) -> None:
    make_row = row_factory
    rows = [make_row(), make_row(question=""), make_row(answer=None), make_row(question="")]
    kept, rejects, stats = F.apply(rows)
    assert len(kept) == 1
    assert stats.dropped == {"empty_field:question": 2, "missing_field:answer": 1}
    assert {r["stage"] for r in rejects} == {"verifiable"}


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("42", True),
        ("-2, -1, 1, 2", True),
        ("[0, 1)", True),
        ("\\sqrt{2}/2", True),
        ("\\frac{1}{2", False),
        ("???", False),
        ("", False),
        ("(1, 2]]", False),
    ],
)
def test_fallback_math_parser(answer: str, ok: bool) -> None:
    assert fallback_math_parsable(answer) is ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=10,
)
field_names = st.sampled_from(
    ["uid", "source", "question", "answer", "template", "verifier", "options", "domain", "x"]
)
template_values = st.sampled_from(["mcq", "open", "", "other"])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(field_names, json_values, max_size=9),
    template_values,
    st.sampled_from(["math", "mcq", "open", "zzz"]),
    st.lists(st.text(max_size=8), max_size=5) | st.none() | st.text(max_size=5),
    st.text(max_size=12),
)
def test_never_raises(
    base: dict[str, Any], template: str, verifier: str, options: Any, answer: str
) -> None:
    row = dict(base)
    row.setdefault("question", "What is it?")
    row.update(template=template, verifier=verifier, options=options, answer=answer)
    for r in (base, row):
        reason = F.check(r)
        assert reason is None or isinstance(reason, str)
        kept, rejects, stats = F.apply([r])
        assert stats.rows_in == 1 and len(kept) + len(rejects) == 1
        assert not any(x["reason"].startswith("filter_error") for x in rejects)


# --------------------------------------------------------------------------------------
# fast path for common math answers


def _slow_reason(answer: str) -> str | None:
    """The filter's answer check without the fast path (prose check, then the parser)."""
    from crossthink_data.filters.verifiability import _load_math_check, is_prose

    if is_prose(answer):
        return "math_answer_is_prose"
    return _load_math_check()(answer)


@pytest.mark.parametrize(
    ("answer", "fast"),
    [
        ("42", True),
        ("-608", True),
        ("3368.75", True),
        ("\\frac{71}{14}", True),
        ("-\\frac{3}{8}", True),
        ("\\dfrac{1}{-2}", True),
        ("3/4", True),
        ("\\sqrt{12}", True),
        ("3\\sqrt{2}", True),
        ("524\\pi", True),
        ("x = 5", True),
        ("y=-\\frac{1}{2}", True),
        ("12,000", False),  # thousands separators: left to the parser
        ("\\frac{1}{2", False),
        ("see the solution above for details", False),
        ("5\t", False),
        ("\u0663", False),  # non-ASCII digit
        ("1" * 300, False),  # long answers always meet the parser's length guard
    ],
)
def test_fast_math_answers(answer: str, fast: bool) -> None:
    from crossthink_data.filters.verifiability import (
        FAST_MATH_ANSWER,
        FAST_MATH_MAX_CHARS,
        math_answer_reason,
    )

    matched = len(answer) <= FAST_MATH_MAX_CHARS and bool(FAST_MATH_ANSWER.fullmatch(answer))
    assert matched is fast
    assert math_answer_reason(answer) == _slow_reason(answer)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fast_path_only_accepts_what_the_parser_accepts(data: st.DataObject) -> None:
    """Every string the fast regex accepts is accepted by the parser too (identical results)."""
    pytest.importorskip("crossthink_data.verifiers.mathparse")
    from crossthink_data.filters.verifiability import FAST_MATH_ANSWER

    answer = data.draw(
        st.from_regex(FAST_MATH_ANSWER, fullmatch=True).filter(lambda s: len(s) < 80)
    )
    assert _slow_reason(answer) is None, answer


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789-./\\{}fracsqtpi =x ", max_size=20))
def test_math_reason_matches_slow_path(answer: str) -> None:
    from crossthink_data.filters.verifiability import math_answer_reason

    assert math_answer_reason(answer) == _slow_reason(answer)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_ascii_option_normalisation_matches_the_general_rule(text: str) -> None:
    import re

    from crossthink_data.filters.verifiability import _norm_option
    from crossthink_data.records import normalize_question

    assert _norm_option(text) == re.sub(r"[\s.;,]+$", "", normalize_question(text))
