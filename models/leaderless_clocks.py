"""Clocks that stamp last-write-wins versions, shared by the leaderless and multi-leader families.

Time is a counter of *ticks*: true time advances by one tick each time a write is stamped
anywhere, so writes are stamped in real-time order. A clock (a node's or a client's) reads
true time plus a fixed offset. The offsets are chosen nondeterministically in the initial
state -- every vector in 0..skew whose smallest entry is 0 (shifting every clock together
changes nothing) -- and stay fixed for the run: a bounded run is far shorter than a drift
period, and one constant offset is all that reordering two writes takes. ``skew = k`` lets a
clock run up to k ticks ahead of the slowest, so a write can lose against one stamped up to
k ticks earlier; ``skew = 0`` gives perfectly synchronised clocks, under which stamps are
unique and in real-time order.

Equal timestamps (possible only when skew > 0) are broken by the written value, as
Cassandra does: on equal timestamps the lexically larger value wins
(https://docs.datastax.com/en/datastax-drivers/developing/query-timestamps.html). The
model's values are abstract numbers, so which of two values is "larger" is not known; the
initial state chooses that order too, among two (values ordered as numbered, or reversed),
so a tie can go either way and a verdict never depends on which node or client is named
first. Every replica applies the same rule, so they still converge.
"""

from itertools import product

TIE_TEXT = (
    "equal timestamps go to the larger value (Cassandra's rule); the model tries both orders of its abstract values"
)


def offset_vectors(count: int, skew: int) -> tuple[tuple[int, ...], ...]:
    """Every vector of ``count`` clock offsets in 0..skew whose smallest entry is 0."""
    if not count:
        return ((),)
    return tuple(o for o in product(range(skew + 1), repeat=count) if min(o) == 0)


def tie_orders(skew: int) -> tuple[int, ...]:
    """The orders of values an equal-timestamp tie may follow: +1 (larger number wins) or -1
    (smaller wins). With perfect clocks stamps never tie, so one order stands for both."""
    return (1,) if skew == 0 else (1, -1)


def tie_rank(order: int, value: int) -> int:
    """The tie-break component of a stamp: larger wins."""
    return order * value


def describe_offsets(names, offsets) -> str:
    """``n0+0, n1+1`` for traces."""
    return ", ".join(f"{name}{o:+d}" for name, o in zip(names, offsets))
