"""Public entry points: ``verify``, ``reward``, ``verify_many`` and the verifier registry.

``verify`` validates its input, dispatches to the template's registered verifier and turns
any unexpected failure into a verdict: one bad rollout must never crash a training step.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

from crossthink_data._cpus import usable_cpus
from crossthink_data.registry import Registry
from crossthink_data.verifiers.base import Verifier
from crossthink_data.verifiers.types import DEFAULT_CONFIG, Verdict, VerifyConfig

V = TypeVar("V", bound=Verifier)

VERIFIERS: Registry[Verifier] = Registry("verifier")


def register_verifier(name: str, *, replace: bool = False) -> Callable[[type[V]], type[V]]:
    """Class decorator: ``@register_verifier("chem")`` registers an instance under ``name``."""

    def deco(cls: type[V]) -> type[V]:
        inst = cls()
        inst.name = name
        VERIFIERS.add(name, inst, replace=replace)
        return cls

    return deco


def get_verifier(name: str) -> Verifier:
    return VERIFIERS.get(name)


def available_verifiers() -> list[str]:
    return VERIFIERS.names()


def _config(config: VerifyConfig | None, overrides: Mapping[str, Any]) -> VerifyConfig:
    base = config or DEFAULT_CONFIG
    if not overrides:
        return base
    known = {f.name for f in dataclasses.fields(VerifyConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown verifier setting(s): {', '.join(unknown)}")
    return dataclasses.replace(base, **overrides)


def _invalid(why: str) -> Verdict:
    return Verdict(False, None, f"invalid_input: {why}")


def _clean(text: str) -> str:
    # Lone surrogates cannot be encoded anywhere downstream; NULs carry no meaning.
    if text.isascii() and "\x00" not in text:
        return text
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _check_inputs(response: Any, gold: Any, template: Any, options: Any) -> str | None:
    if (  # the common, well-formed case in one cheap test
        type(response) is str
        and type(gold) is str
        and type(template) is str
        and (options is None or type(options) is list)
        and template in VERIFIERS
        and gold.strip()
    ):
        return None
    if not isinstance(template, str) or template not in VERIFIERS:
        return f"template must be one of {VERIFIERS.names()}, got {template!r}"
    if not isinstance(response, str):
        return f"response must be a string, got {type(response).__name__}"
    if isinstance(gold, bool) or not isinstance(gold, str | int | float):
        return f"gold must be a string or number, got {type(gold).__name__}"
    if isinstance(gold, str) and not gold.strip():
        return "gold is empty"
    if (
        options is not None
        and type(options) is not list
        and (not isinstance(options, Sequence) or isinstance(options, str))
    ):
        return "options must be a list of strings or null"
    return None


@lru_cache(maxsize=8192)
def _prepare_options(options: tuple[Any, ...]) -> tuple[str, ...] | None:
    """Options cleaned once per distinct option list (GRPO scores many rollouts per prompt);
    None when an option is not a string."""
    if not all(isinstance(o, str) for o in options):
        return None
    return tuple(_clean(o) for o in options)


def verify(
    response: str,
    gold: str,
    template: str,
    options: Sequence[str] | None = None,
    *,
    config: VerifyConfig | None = None,
    **settings: Any,
) -> Verdict:
    """Is ``response``'s final answer equal to ``gold`` under ``template``'s rules?

    ``settings`` override fields of :class:`VerifyConfig` (e.g. ``timeout_s=1``).
    Never raises on bad data: malformed input gives a verdict whose reason starts with
    ``invalid_input:``.
    """
    cfg = _config(config, settings)
    bad = _check_inputs(response, gold, template, options)
    if bad is not None:
        return _invalid(bad)
    gold_s = _clean(gold if isinstance(gold, str) else _number_text(gold))
    opts: tuple[str, ...] | None = None
    if options is not None:
        try:
            opts = _prepare_options(tuple(options))
        except TypeError:  # unhashable option values
            opts = None
        if opts is None:
            return _invalid("options must be a list of strings or null")
    try:
        return VERIFIERS.get(template).verify(_clean(response), gold_s, opts, cfg)
    except Exception as exc:  # a verifier bug must not crash a training step
        return Verdict(False, None, f"error: {type(exc).__name__}")


def _number_text(x: int | float) -> str:
    # AMC-style float golds (27.0) become "27"; other floats keep their repr.
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)


# --- the paper's reward: R = R_format AND R_acc -------------------------------------------

_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)


def format_ok(response: str) -> bool:
    """Reasoning in ``<think>...</think>``, then a final answer in ``\\boxed{}`` after it.

    The opening tag may be absent (many chat templates put ``<think>`` in the prompt);
    exactly one closing tag is required, no tag may follow it, and a non-empty
    ``\\boxed{...}`` must come after it.
    """
    closes = [m.start() for m in _THINK_CLOSE.finditer(response)]
    if len(closes) != 1:
        return False
    opens = [m.start() for m in _THINK_OPEN.finditer(response)]
    if len(opens) > 1 or (opens and opens[0] > closes[0]):
        return False
    if opens and response[: opens[0]].strip():
        return False
    from crossthink_data.verifiers.extract import last_boxed

    tail = response[closes[0] + len("</think>") :]
    box = last_boxed(tail)
    return box is not None and bool(box.strip())


def reward(
    response: str,
    gold: str,
    template: str,
    options: Sequence[str] | None = None,
    require_format: bool = True,
    **settings: Any,
) -> float:
    """The paper's reward: 1.0 when the format holds AND the answer is correct, else 0.0.

    With ``require_format=False`` only accuracy counts (the answer is still read after
    ``</think>`` when there is one, so reasoning text can never be graded as the answer).
    """
    if not isinstance(response, str):
        return 0.0
    if require_format and not format_ok(response):
        return 0.0
    return 1.0 if verify(response, gold, template, options, **settings).correct else 0.0


# --- batches ---------------------------------------------------------------------------------


def _verify_item(item: Mapping[str, Any]) -> Verdict:
    if not isinstance(item, Mapping):
        return _invalid(f"item must be an object, got {type(item).__name__}")
    missing = [k for k in ("response", "gold", "template") if k not in item]
    if missing:
        return _invalid(f"missing field(s): {', '.join(missing)}")
    return verify(item["response"], item["gold"], item["template"], item.get("options"))


def _verify_chunk(items: list[Mapping[str, Any]]) -> list[Verdict]:
    return [_verify_item(it) for it in items]


def verify_many(
    items: Iterable[Mapping[str, Any]], workers: int | None = 1, chunk_size: int = 256
) -> list[Verdict]:
    """Verify many ``{response, gold, template, options?}`` items, in order.

    ``workers=1`` runs in this process; more uses a process pool (sympy work is CPU-bound
    and holds the GIL, so processes, not threads). ``workers=None`` uses every usable core.
    """
    batch = list(items)
    n = workers or usable_cpus()
    if n <= 1 or len(batch) <= chunk_size:
        return _verify_chunk(batch)
    chunks = [batch[i : i + chunk_size] for i in range(0, len(batch), chunk_size)]
    out: list[Verdict] = []
    with ProcessPoolExecutor(max_workers=n) as pool:
        for part in pool.map(_verify_chunk, chunks):
            out.extend(part)
    return out
