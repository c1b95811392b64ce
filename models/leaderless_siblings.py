"""Siblings with version vectors in the leaderless family (``conflict = "siblings"``: Riak
with ``allow_mult = true``).

Instead of last write wins, a replica keeps every version no other version it holds
supersedes: concurrent writes become *siblings*, and a read returns all of them (Riak
"Conflict Resolution", https://docs.riak.com/riak/kv/latest/developing/usage/conflict-resolution/index.html;
"Causal Context", https://docs.riak.com/riak/kv/latest/learn/concepts/causal-context/index.html).
A write carries the causal context of what its session has seen of the key -- the join of the
version vectors its earlier operations on the key returned -- plus one in its own entry, so
it replaces exactly the siblings that context covers; a client resolves a conflict by
writing after reading the siblings. Vectors have one entry per client: a sequential session
names its own writes exactly, which gives the causality Riak's dotted version vectors give
with server-side ids (the multi-leader family's ``siblings`` mode does the same).

A read merges the replies of its quorum (the maximal versions among them) and returns their
values with the join of their vectors as its version; ``read_repair = "async"`` then pushes
the merged siblings to the repliers that lacked some. Versions compare by vector dominance,
so the guarantees read: a later version includes everything an earlier one did.
``linearizable`` and ``no_lost_updates`` are off (a read of siblings is not a register
read; keeping concurrent writes side by side is the point); ``no_write_discarded_unseen``
says what siblings promise instead.

With a sloppy quorum (``sloppy = true``) a write's copy for an unreachable home goes to a
spare as a hint carrying its siblings and vectors, as Dynamo's hinted replica keeps its
metadata (DeCandia et al. 2007, section 4.6) and a Riak fallback vnode stores the object it
accepts ("Eventual Consistency",
https://docs.riak.com/riak/kv/latest/learn/concepts/eventual-consistency/; "Replication",
https://docs.riak.com/riak/kv/latest/learn/concepts/replication/). A spare keeps one hint
per (home, key): a second hinted write merges into it by vector dominance, as a vnode merges
a put. Handoff is one step, taken once the home is reachable: the home merges the hint's
siblings with what it holds exactly as it merges a put (the maximal versions of both, never
an overwrite) and the spare forgets the hint -- Dynamo's "once the transfer succeeds, D may
delete the object from its local store" (section 4.6), with the transfer and its success in
one step, so the write is never only on the wire (the family's ``_handoffs``, shared with
last-write-wins mode). Reads ask the homes only, as in last-write-wins mode.
Not combined here: blocking read repair, anti-entropy and clocks (each refused with a
one-line error).
"""

from replcheck.checker import always, sometimes
from replcheck.checker.errors import ParameterError

from .multi_leader import Siblings, _join, _leq, _maximal, _vv
from .runtime import INITIAL_VALUE, World, replace_at

UNSUPPORTED = (
    ("read_repair", "blocking", 'set read_repair = "off" or "async"'),
    ("anti_entropy", True, "remove anti_entropy"),
    ("clock", "client", "remove clock (siblings use version vectors, not clocks)"),
    ("clock", "coordinator", "remove clock (siblings use version vectors, not clocks)"),
)


def refuse_unsupported(p: dict) -> None:
    """One clear error for a setting the siblings mode does not model."""
    for field, value, fix in UNSUPPORTED:
        if p[field] == value:
            raise ParameterError(field, f'{field} = {value!r} is not modelled with conflict = "siblings"; {fix}')


class SiblingsMixin:
    """Mixed into ``Leaderless`` for ``conflict = "siblings"`` (see ``leaderless``)."""

    linearizable = None
    no_lost_updates = None

    # --- state and naming ----------------------------------------------------------------
    def init_node(self, node: int):
        """Every key starts as one sibling: the initial value with the zero vector."""
        zero = (0,) * self.client_count
        return self.Replica(tuple(((zero, INITIAL_VALUE),) for _ in self.key_names))

    def value_name(self, value) -> str:
        """A read's siblings as ``{1,2}`` (one value alone when there is no conflict)."""
        if isinstance(value, Siblings):
            plain = super().value_name  # bound here: a comprehension cannot call super()
            names = [plain(v) for v in value.values]
            return names[0] if len(names) == 1 else "{" + ",".join(names) + "}"
        return super().value_name(value)

    def _describe_siblings(self, siblings) -> str:
        parts = [f"{self.value_name(v)}@{_vv(vector)}" for vector, v in siblings]
        return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"

    def describe_msg(self, msg) -> str:
        """Puts and replies carry siblings with their vectors."""
        if msg.kind == "put":
            key, siblings, _tag = msg.body
            return f"put({self.key_name(key)}={self._describe_siblings(siblings)})"
        if msg.kind == "got":
            return f"got({self._describe_siblings(msg.body[1])})"
        if msg.kind == "hint":
            home, key, siblings, _tag = msg.body
            return f"hint({self.key_name(key)}={self._describe_siblings(siblings)} for {self.node_name(home)})"
        return super().describe_msg(msg)

    def describe_node(self, local) -> str:
        """The siblings a home holds per key, and the hints a spare keeps for which home."""
        held = ", ".join(f"{self.key_name(k)}={self._describe_siblings(s)}" for k, s in enumerate(local.store))
        hints = "".join(
            f"; hint {self.key_name(k)}={self._describe_siblings(s)} for {self.node_name(h)}" for h, k, s in local.hints
        )
        return f"holds {held}{hints}"

    # --- the protocol ----------------------------------------------------------------------
    def session_context(self, world: World, client: int, key: int) -> tuple:
        """The join of the versions the session's operations on ``key`` returned, plus one
        in the client's own entry: the new write's vector."""
        vector = (0,) * self.client_count
        for e in world.history:
            if e.kind == "ok" and e.client == client and e.key == key:
                vector = _join(vector, e.version)
        return replace_at(vector, client, vector[client] + 1)

    def _write_message(self, ctx, client: int, op, coordinator: int):
        vector = self.session_context(ctx.world, client, op.key)
        return ((vector, op.value),), vector

    def _merged(self, held, incoming):
        return _maximal(held + incoming)

    def _hint_payload(self, writing, op):
        """A hinted write carries the same sibling as its puts: its vector and value."""
        return ((writing.version, op.value),)

    def _kept_hints(self, hints: tuple, home: int, key: int, siblings) -> tuple:
        """One hint per (home, key): a new one merges with the one kept, as a put would."""
        kept = [h for h in hints if h[:2] != (home, key)]
        for h, k, held in hints:
            if (h, k) == (home, key):
                siblings = self._merged(held, siblings)
        return tuple(sorted(kept + [(home, key, siblings)]))

    def _reply(self, local, key: int):
        return local.store[key]

    def _read_quorum_reached(self, ctx, client: int, op, reading):
        merged = _maximal(s for _, siblings in reading.replies for s in siblings)
        if self.cfg.read_repair == "async":
            for node, siblings in reading.replies:
                if siblings != merged:
                    ctx.send(node, "put", op.key, merged, self.INTERNAL)
        version = merged[0][0]
        for vector, _ in merged[1:]:
            version = _join(version, vector)
        ctx.complete(client, Siblings(tuple(sorted(v for _, v in merged))), version)
        return reading

    # --- versions ----------------------------------------------------------------------------
    def supersedes(self, a, b) -> bool:
        """Vector ``a`` strictly dominates ``b``: it includes everything ``b`` did, and more."""
        return a != b and _leq(b, a)

    def covers(self, a, b) -> bool:
        """Vector ``a`` includes ``b``."""
        return _leq(b, a)

    def retained_versions(self, world: World, key: int):
        """The vectors of the siblings every home that can serve still holds, and of those in
        the hints spares that can serve keep for ``key``."""
        for node in range(self.node_count):
            if self.node_is_up(world, node) or self.cfg.recover:
                local = world.nodes[node]
                if node < self.n:
                    for vector, _ in local.store[key]:
                        yield vector
                for _home, hint_key, siblings in local.hints:
                    if hint_key == key:
                        for vector, _ in siblings:
                            yield vector

    # --- what siblings promise ----------------------------------------------------------------
    @sometimes
    def read_returns_a_write(self, world: World) -> bool:
        """Some read returns a written value (not only the initial one)."""
        return any(
            e.kind == "ok" and e.op == "r" and any(v != INITIAL_VALUE for v in e.value.values) for e in world.history
        )

    @sometimes
    def read_returns_siblings(self, world: World) -> bool:
        """A read returns two concurrent writes side by side."""
        return any(e.kind == "ok" and e.op == "r" and len(e.value.values) > 1 for e in world.history)

    @always
    def no_write_discarded_unseen(self, world: World) -> bool:
        """No replica drops an acknowledged write it received unless a version that saw it replaced it.

        A home replica has received write w of client c once one of its siblings carries
        c's entry at w's count or beyond (a session's later writes include its earlier ones)
        -- or, since a faulty merge could drop w with that trace, whenever every message has
        been delivered (nothing in flight, no client busy, every home up, none lost or
        wiped, no hint left on a spare); it must then hold a sibling whose vector covers w's."""
        acked = [(e.client, e.key, e.version) for e in world.history if e.kind == "ok" and e.op == "w"]
        f = world.faults
        everywhere = (
            not world.net
            and not f.down
            and not f.drops
            and (self.cfg.durable or not f.crashes)
            and not world.extra.hints.fired
            and all(c.op is None for c in world.clients)
            and not any(world.nodes[s].hints for s in range(self.n, self.node_count))
        )
        for node in range(self.n):
            for client, key, version in acked:
                siblings = world.nodes[node].store[key]
                received = everywhere or any(vector[client] >= version[client] for vector, _ in siblings)
                if received and not any(_leq(version, vector) for vector, _ in siblings):
                    return False
        return True
