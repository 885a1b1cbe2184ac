"""Per-index deterministic draws: item ``i`` depends only on ``(seed, i)``.

A BLAKE2b digest of ``(seed, i, block)`` is consumed as a mixed-radix number, so each draw
is one ``divmod`` on a Python int: much cheaper than seeding a ``random.Random`` per item,
and independent of worker count, batch boundaries and Python's salted ``hash()``.

The hot path is per-row Python, so construction continues a BLAKE2b state already fed
``"{seed}:"`` (cached per seed; hashing is streaming, so the digest equals that of the whole
key) and the draw methods are written out without calling each other. The stream of values
is exactly the original one: a test pins a digest of generated records.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import blake2b
from typing import Any, TypeVar

T = TypeVar("T")

FLOOR = _FLOOR = 1 << 96  # refill below 96 bits: moduli here are < 2**32, so bias stays < 2**-64
_from_bytes = int.from_bytes
_SEED_STATES: dict[int, Any] = {}


def seed_state(seed: int) -> Any:
    """BLAKE2b-256 state fed ``f"{seed}:"``: the shared prefix of every item key of ``seed``."""
    if type(seed) is not int:  # e.g. a bool formats as "True": never share a cache slot
        return blake2b(f"{seed}:".encode(), digest_size=32)
    state = _SEED_STATES.get(seed)
    if state is None:
        if len(_SEED_STATES) > 256:
            _SEED_STATES.clear()
        state = _SEED_STATES[seed] = blake2b(f"{seed}:".encode(), digest_size=32)
    return state


class Draws:
    """A small deterministic stream of uniform integers for one item."""

    __slots__ = ("_block", "_h", "_st")

    def __init__(self, seed: int, index: int, state: Any = None) -> None:
        """``state``: optional :func:`seed_state` of ``seed`` (saves the cache lookup)."""
        st = (state if state is not None else seed_state(seed)).copy()
        st.update(f"{index}:".encode())
        self._st = st  # the hash of the key "{seed}:{index}:", extended by each refill
        self._block = 0
        self._h = _from_bytes(st.digest(), "little")

    def _extend(self, h: int) -> int:
        """``h`` (the remaining value) with the digest of ``key + str(block)`` appended above.

        Callers draw from a local copy of ``_h``: ``if h < _FLOOR: h = d._extend(h)`` before
        each draw, then store the rest back in ``_h`` (package-internal fast paths do the same).
        """
        self._block += 1
        st = self._st.copy()
        st.update(str(self._block).encode())
        return (h << 256) | _from_bytes(st.digest(), "little")

    def below(self, n: int) -> int:
        """Uniform integer in ``[0, n)`` for ``n < 2**32`` (bias below 2**-64)."""
        h = self._h
        if h < _FLOOR:
            h = self._extend(h)
        self._h = h // n
        return h % n

    def randint(self, a: int, b: int) -> int:
        """Uniform integer in ``[a, b]`` (``a + below(b - a + 1)``)."""
        h = self._h
        if h < _FLOOR:
            h = self._extend(h)
        n = b - a + 1
        self._h = h // n
        return a + h % n

    def choice(self, seq: Sequence[T]) -> T:
        """``seq[below(len(seq))]``."""
        h = self._h
        if h < _FLOOR:
            h = self._extend(h)
        n = len(seq)
        self._h = h // n
        return seq[h % n]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        """``k`` distinct elements (partial Fisher-Yates on a copy)."""
        pool = list(seq)
        n = len(pool)
        below = self.below
        for i in range(k):
            j = i + below(n - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def shuffle(self, items: list[T]) -> None:
        below = self.below
        for i in range(len(items) - 1, 0, -1):
            j = below(i + 1)
            items[i], items[j] = items[j], items[i]

    @classmethod
    def from_key(cls, state: Any, index_key: bytes) -> Draws:
        """``Draws(seed, index)`` given ``seed_state(seed)`` and ``f"{index}:".encode()``."""
        d = _new(cls)
        st = state.copy()
        st.update(index_key)
        d._st = st
        d._block = 0
        d._h = _from_bytes(st.digest(), "little")
        return d

    def chance(self, percent: int) -> bool:
        """``below(100) < percent``."""
        h = self._h
        if h < _FLOOR:
            h = self._extend(h)
        self._h = h // 100
        return h % 100 < percent


_new = object.__new__
