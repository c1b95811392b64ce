"""Is a single-register history linearizable? A Wing & Gong search.

Wing & Gong (1993): repeatedly pick an operation that could take effect first -- one that
no other remaining operation finished before it was invoked -- apply it to a sequential
register, and backtrack when a read does not match. Pending writes (invoked, never
acknowledged) may take effect at any point after their invocation or never; pending reads
constrain nothing and are dropped. Memoising on (remaining operations, register value), as
Lowe's refinement does, keeps the small histories of bounded runs cheap.
"""

from functools import lru_cache
from typing import NamedTuple

PENDING = float("inf")


class RegisterOp(NamedTuple):
    """``invoked``/``returned`` are positions in the history (``returned`` PENDING if none)."""

    invoked: int
    returned: float
    is_write: bool
    value: int


def is_linearizable(ops: tuple[RegisterOp, ...], initial: int = 0) -> bool:
    """True when some total order of ``ops`` respects real time and register semantics."""
    ops = tuple(op for op in ops if op.is_write or op.returned != PENDING)
    everything = (1 << len(ops)) - 1
    must = sum(1 << i for i, op in enumerate(ops) if op.returned != PENDING)

    @lru_cache(maxsize=None)
    def search(remaining: int, current: int) -> bool:
        if not remaining & must:
            return True
        first_return = min(ops[i].returned for i in range(len(ops)) if remaining >> i & 1)
        for i, op in enumerate(ops):
            if not remaining >> i & 1 or op.invoked > first_return:
                continue
            if op.is_write:
                if search(remaining & ~(1 << i), op.value):
                    return True
            elif op.value == current and search(remaining & ~(1 << i), current):
                return True
        return False

    return search(everything, initial)
