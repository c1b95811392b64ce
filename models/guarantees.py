"""The consistency guarantees, written once and used by every family.

Each guarantee judges the history in a world (see ``runtime.Event``) through the family's
version order: ``supersedes(a, b)`` (a is strictly newer than b) and ``covers(a, b)`` (a
is b or newer). Definitions are per key and, for the session guarantees, per client
session; "after" means real time in the history (the earlier operation completed before
the later one was invoked), as in Terry et al. (1994) and DESIGN.md.
"""

from typing import NamedTuple

from replcheck.checker import always, sometimes

from .linearizability import PENDING, RegisterOp, is_linearizable


class Operation(NamedTuple):
    """An invocation paired with its completion (``returned`` is None while pending)."""

    client: int
    index: int
    op: str
    key: int
    value: int
    version: object
    invoked: int
    returned: int | None


def operations(history: tuple) -> list[Operation]:
    """Pair each invocation in ``history`` with its completion, in invocation order. An
    indeterminate completion ("info") leaves the operation pending, since it may or may not
    have taken effect; a refused one ("fail") removes it, since it certainly did not."""
    ops: dict[tuple[int, int], Operation] = {}
    for pos, e in enumerate(history):
        if e.kind == "invoke":
            ops[(e.client, e.index)] = Operation(e.client, e.index, e.op, e.key, e.value, None, pos, None)
        elif e.kind == "info":
            continue
        elif e.kind == "fail":
            del ops[(e.client, e.index)]
        else:
            o = ops[(e.client, e.index)]
            ops[(e.client, e.index)] = o._replace(value=e.value, version=e.version, returned=pos)
    return list(ops.values())


def ordered_pairs(ops: list[Operation], first: str, then: str, same_session: bool):
    """Pairs (a, b), same key, a of kind ``first`` completed before b of kind ``then`` was
    invoked and b completed (pending operations promise nothing)."""
    for a in ops:
        if a.op != first or a.returned is None:
            continue
        for b in ops:
            if (
                b.op == then
                and b.returned is not None
                and b.key == a.key
                and a.returned < b.invoked
                and (not same_session or a.client == b.client)
            ):
                yield a, b


# Which ordered pairs of operations each pair guarantee judges: (first, then, same session),
# as ``ordered_pairs`` takes them. The properties, ``explain`` and ``unexercised`` read it.
PAIRS = {
    "read_your_writes": ("w", "r", True),
    "monotonic_reads": ("r", "r", True),
    "monotonic_writes": ("w", "w", True),
    "writes_follow_reads": ("r", "w", True),
    "no_lost_updates": ("w", "w", False),
}

_UNJUDGED = object()


class Guarantees:
    """Mixin for a family: the guarantees as ``@always`` properties.

    The family supplies ``supersedes(a, b)``, optionally ``covers(a, b)``, and
    ``retained_versions(world, key)`` (the versions some replica the system can still serve
    from holds, for ``durable_acks``). A family that cannot express a guarantee switches it
    off by setting its name to None in the class body.
    """

    def covers(self, a, b) -> bool:
        """Whether version ``a`` makes the write of version ``b`` visible: ``a`` is ``b`` or
        supersedes it. Families with sibling sets override it."""
        return a == b or self.supersedes(a, b)

    _last_history = None  # (history, its verdicts) of the last state judged

    def _judge(self, name: str, world, judge) -> bool:
        history = world.history
        last = self._last_history
        verdicts = last[1] if last is not None and last[0] is history else self._verdicts_for(history)
        verdict = verdicts.get(name, _UNJUDGED)
        if verdict is _UNJUDGED:
            ops = verdicts.get("")
            if ops is None:  # paired once per history, shared by every guarantee
                ops = verdicts[""] = operations(world.history)
            verdict = verdicts[name] = judge(ops)
        return verdict

    def _verdicts_for(self, history: tuple) -> dict:
        # Successive states mostly share one history object, so an identity check saves
        # hashing the whole history for every guarantee of every state.
        last = self._last_history
        if last is not None and last[0] is history:
            return last[1]
        memo = self.__dict__.setdefault("_history_memo", {})
        verdicts = memo.get(history)
        if verdicts is None:
            if len(memo) > 200_000:
                memo.clear()
            verdicts = memo[history] = {}
        self._last_history = (history, verdicts)
        return verdicts

    @always
    def read_your_writes(self, world) -> bool:
        """A read after the session's acknowledged write returns it or a newer version."""
        return self._judge(
            "ryw",
            world,
            lambda ops: all(
                self.covers(r.version, w.version) for w, r in ordered_pairs(ops, *PAIRS["read_your_writes"])
            ),
        )

    @always
    def monotonic_reads(self, world) -> bool:
        """A session's later read never returns a version older than its earlier read."""
        return self._judge(
            "mr",
            world,
            lambda ops: all(
                self.covers(b.version, a.version) for a, b in ordered_pairs(ops, *PAIRS["monotonic_reads"])
            ),
        )

    @always
    def monotonic_writes(self, world) -> bool:
        """A session's later write supersedes its earlier acknowledged write."""
        return self._judge(
            "mw",
            world,
            lambda ops: all(
                self.supersedes(b.version, a.version) for a, b in ordered_pairs(ops, *PAIRS["monotonic_writes"])
            ),
        )

    @always
    def writes_follow_reads(self, world) -> bool:
        """A session's write issued after it read version v supersedes v."""
        return self._judge(
            "wfr",
            world,
            lambda ops: all(
                self.supersedes(w.version, r.version) for r, w in ordered_pairs(ops, *PAIRS["writes_follow_reads"])
            ),
        )

    @always
    def no_lost_updates(self, world) -> bool:
        """A write invoked after another write was acknowledged supersedes it (any client)."""
        return self._judge(
            "nlu",
            world,
            lambda ops: all(
                self.supersedes(b.version, a.version) for a, b in ordered_pairs(ops, *PAIRS["no_lost_updates"])
            ),
        )

    @always
    def durable_acks(self, world) -> bool:
        """Every acknowledged write is still held (or superseded) by a replica that can serve.

        A copy only in flight does not count: a message stands for a send that may die with its
        sender (in the leaderless family, with a coordinator that is itself a replica)."""
        return next(self.lost_writes(world), None) is None

    @always
    def no_acknowledged_write_lost(self, world) -> bool:
        """No acknowledged write is ever lost: durable_acks and no_lost_updates together.

        The one property to ask for "once the database says a write is done, it stays": the
        write is still held (or superseded) by a replica that can serve (``durable_acks``), and
        no write made after it was acknowledged is ordered before it, as last-write-wins with
        skewed clocks does (``no_lost_updates``). Where a family switches ``no_lost_updates``
        off (sibling sets, CRDTs: reads are not register reads) it is ``durable_acks`` alone.
        A counterexample is the shortest trace that breaks either; the two properties' own
        verdicts say which."""
        return self.lost_by(world) is None

    def lost_by(self, world) -> str | None:
        """Which half of ``no_acknowledged_write_lost`` fails in ``world``: "no_lost_updates"
        (judged first), "durable_acks", or None when both hold."""
        if self.no_lost_updates is not None and not self.no_lost_updates(world):
            return "no_lost_updates"
        return None if self.durable_acks(world) else "durable_acks"

    def lost_writes(self, world):
        """The acknowledged writes that no replica the system can still serve from holds,
        neither as such nor superseded (what ``durable_acks`` forbids)."""
        acked = self._judge("acked", world, lambda ops: [o for o in ops if o.op == "w" and o.returned is not None])
        if not acked:
            return
        retained: dict = {}  # per key: several acknowledged writes share one key's replicas
        covers = self.covers
        for o in acked:
            held = retained.get(o.key)
            if held is None:
                held = retained[o.key] = tuple(self.retained_versions(world, o.key))
            version = o.version
            for v in held:  # a loop, not any(genexpr): this runs for every new state
                if covers(v, version):
                    break
            else:
                yield o

    @always
    def linearizable(self, world) -> bool:
        """Each key's history is linearizable as a single read/write register."""
        return self._judge("lin", world, _linearizable_per_key)


class Witnesses:
    """Mixin: the two witnesses every family with plain reads and writes shares, so a model
    in which nothing can be acknowledged or read fails loudly instead of holding vacuously."""

    @sometimes
    def write_acknowledged(self, world) -> bool:
        """Some write is acknowledged."""
        return any(e.kind == "ok" and e.op == "w" for e in world.history)

    @sometimes
    def read_returns_a_write(self, world) -> bool:
        """Some read returns a written value (not the initial one)."""
        return any(e.kind == "ok" and e.op == "r" and e.value != 0 for e in world.history)


# What a workload must do before a guarantee can fail at all: the ordered pair it judges
# (``PAIRS``; the second kind None: one operation of the first kind is enough), and in words.
_NEEDS = {
    **PAIRS,
    "linearizable": ("w", "r", False),
    "durable_acks": ("w", None, False),
    "no_acknowledged_write_lost": ("w", None, False),
}
_NEEDS_IN_WORDS = {
    "read_your_writes": "a write then a read of its key in one session",
    "monotonic_reads": "two reads of one key in one session",
    "monotonic_writes": "two writes of one key in one session",
    "writes_follow_reads": "a read then a write of its key in one session",
    "no_lost_updates": "two writes of one key",
    "linearizable": "a write and a read of one key",
    "durable_acks": "a write",
    "no_acknowledged_write_lost": "a write",
}


def unexercised(scripts) -> dict:
    """The guarantees that the client ``scripts`` (``"w r"``, ``"inc r"``, ``"add:a r"``,
    ``"r@dc2"``, ...; any operation but ``r`` counts as a write) can never violate, each with what a workload
    must do first: their HOLDS is vacuous for this workload."""
    sessions = [list(_ops_and_keys(script)) for script in scripts]
    return {name: _NEEDS_IN_WORDS[name] for name, pair in _NEEDS.items() if not _pattern_occurs(sessions, *pair)}


def within_sessions_only(scripts) -> bool:
    """Whether no session of the client ``scripts`` reads a key that another session writes:
    then ``linearizable`` can only fail on a session's reads of its own writes, and another
    client's stale or rolled-back read, which it exists to catch, cannot show. A word's
    ``@DC`` or ``@lN`` suffix (where it runs) is not part of its key."""
    sessions = [set(_ops_and_keys(script)) for script in scripts]
    writes = [{key for op, key in ops if op == "w"} for ops in sessions]
    reads = [{key for op, key in ops if op == "r"} for ops in sessions]
    return not any(writes[i] & reads[j] for i in range(len(sessions)) for j in range(len(sessions)) if i != j)


def _ops_and_keys(script: str):
    """(``"r"`` or ``"w"``, key) per word of a client script; any operation but ``r`` writes."""
    for word in script.split():
        op, _, key = word.split("@")[0].partition(":")
        yield ("r" if op == "r" else "w", key or "x")


def _pattern_occurs(sessions, first: str, then, same_session: bool) -> bool:
    if then is None:
        return any(op == first for ops in sessions for op, _ in ops)
    if same_session:
        return any(
            x[0] == first and y[0] == then and x[1] == y[1]
            for ops in sessions
            for i, x in enumerate(ops)
            for y in ops[i + 1 :]
        )
    every = [(i, j, op, key) for i, ops in enumerate(sessions) for j, (op, key) in enumerate(ops)]
    return any(x[2] == first and y[2] == then and x[3] == y[3] and x[:2] != y[:2] for x in every for y in every)


def _linearizable_per_key(ops: list[Operation]) -> bool:
    for key in {o.key for o in ops}:
        register_ops = tuple(
            RegisterOp(o.invoked, PENDING if o.returned is None else o.returned, o.op == "w", o.value)
            for o in ops
            if o.key == key
        )
        if not is_linearizable(register_ops):
            return False
    return True


def explain(model, name: str, world) -> str:
    """One sentence saying how ``world``'s history breaks guarantee ``name``."""
    ops = operations(world.history)
    v = model.value_name
    k = model.key_name
    c = lambda o: model.actor_name(model.client_actor(o.client))
    covers, newer = model.covers, model.supersedes
    finders = {
        "read_your_writes": (
            PAIRS["read_your_writes"],
            lambda w, r: not covers(r.version, w.version),
            lambda w, r: (
                f"{c(r)} read {k(r.key)}={v(r.value)} after its write {k(w.key)}={v(w.value)} was acknowledged"
            ),
        ),
        "monotonic_reads": (
            PAIRS["monotonic_reads"],
            lambda a, b: not covers(b.version, a.version),
            lambda a, b: (
                f"{c(b)} read {k(b.key)}={v(b.value)} after it had already read the newer {k(a.key)}={v(a.value)}"
            ),
        ),
        "monotonic_writes": (
            PAIRS["monotonic_writes"],
            lambda a, b: not newer(b.version, a.version),
            lambda a, b: (
                f"{c(b)}'s write {k(b.key)}={v(b.value)} does not supersede "
                f"its earlier acknowledged write {k(a.key)}={v(a.value)}"
            ),
        ),
        "writes_follow_reads": (
            PAIRS["writes_follow_reads"],
            lambda r, w: not newer(w.version, r.version),
            lambda r, w: (
                f"{c(w)}'s write {k(w.key)}={v(w.value)} does not supersede {k(r.key)}={v(r.value)}, which it had read"
            ),
        ),
        "no_lost_updates": (
            PAIRS["no_lost_updates"],
            lambda a, b: not newer(b.version, a.version),
            lambda a, b: (
                f"{c(b)}'s write {k(b.key)}={v(b.value)} came after "
                f"{c(a)}'s acknowledged write {k(a.key)}={v(a.value)} "
                f"but does not supersede it, so {v(a.value)} can win"
            ),
        ),
    }
    if name in finders:
        pair, bad, say = finders[name]
        for a, b in ordered_pairs(ops, *pair):
            if bad(a, b):
                return say(a, b)
    if name == "durable_acks":
        for o in model.lost_writes(world):
            return (
                f"{c(o)}'s write {k(o.key)}={v(o.value)} was acknowledged, but no replica "
                f"that can still serve holds it or anything newer"
            )
    if name == "linearizable":
        reads = [f"{c(o)} read {k(o.key)}={v(o.value)}" for o in ops if o.op == "r" and o.returned is not None]
        return "no order of the operations respects real time and register semantics: " + ", then ".join(reads)
    return f"{name} fails in the last state"
