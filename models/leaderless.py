"""Leaderless (Dynamo-style) quorum replication.

The protocol (DeCandia et al., "Dynamo", SOSP 2007, sections 4.5-4.6; Cassandra and Riak
work the same way): a key lives on N home replicas. The client coordinates its own
operations:

* write: stamp the value with a version (timestamp, writer) from a perfectly synchronised
  clock, send it to all N homes, and report success once W of them acknowledge. A replica
  stores the value if its version is newer than the one it holds, and acknowledges.
* read: ask all N homes, and once R have answered return the newest version among the
  answers. Read repair then either does nothing (``off``), pushes the newest version to the
  answering replicas that were stale without waiting (``async``), or writes the newest
  version back and waits for W acknowledgements before returning (``blocking``, as the ABD
  algorithm and Cassandra's blocking read repair do).
* sloppy quorum (switch): when a home replica is unreachable, the client may send the write
  to a spare node instead, which stores it as a hint, counts towards W, and hands it to the
  home replica once that is reachable again (hinted handoff). Reads still go to the homes.

The anomalies it can show: with W + R <= N a read quorum can miss the latest acknowledged
write (stale read, read_your_writes fails); with W + R > N but no read repair, a read that
sees an in-flight write can be followed by one that does not (the new-old inversion, so the
register is not linearizable); a sloppy quorum acknowledges a write that no home quorum
holds, so a later read at the homes misses it.
"""

from typing import NamedTuple

from replcheck.checker import sometimes
from replcheck.checker.errors import ParameterError

from .guarantees import Guarantees
from .params import Param, bind
from .runtime import FAULT_PARAMS, INITIAL_VALUE, Action, Msg, ReplicationModel, World, permute_mask, replace_at

NO_VERSION = (0, -1)  # the initial value's (timestamp, writer)
INTERNAL = -1         # the tag of replica-to-replica and fire-and-forget messages


class Stored(NamedTuple):
    ts: int
    writer: int
    value: int

    @property
    def version(self) -> tuple[int, int]:
        return (self.ts, self.writer)


class Replica(NamedTuple):
    store: tuple        # per key: Stored
    hints: tuple = ()   # spare nodes only: sorted (home, key, Stored)


class Writing(NamedTuple):
    version: tuple
    acks: int = 0       # bitmask of nodes that acknowledged
    hinted: int = 0     # bitmask of homes whose copy went to a spare


class Reading(NamedTuple):
    replies: tuple = ()  # sorted (node, Stored)


class WritingBack(NamedTuple):
    best: Stored
    acks: int = 0


class Leaderless(Guarantees, ReplicationModel):
    """N home replicas, write quorum W, read quorum R, optional read repair and sloppy quorum."""

    name = "leaderless"
    PARAMS = (
        Param("n", int, 3, "home replicas per key (N)", minimum=1, maximum=7),
        Param("w", int, 2, "acknowledgements a write waits for (W)", minimum=1, maximum=7),
        Param("r", int, 2, "replies a read waits for (R)", minimum=1, maximum=7),
        Param("clients", list, ("w r",), "one script per client session: ops w, r, w:KEY, r:KEY"),
        Param("read_repair", str, "off", "what a read does about stale replicas",
              choices=("off", "async", "blocking")),
        Param("sloppy", bool, False, "spare nodes accept writes for unreachable homes (hinted handoff)"),
        Param("spares", int, 1, "spare nodes for a sloppy quorum", minimum=1, maximum=3),
    ) + FAULT_PARAMS
    # monotonic_writes and writes_follow_reads hold by construction of the global clock;
    # they stay on so that a change to version assignment is caught.

    def __init__(self, **given):
        p = bind(self.PARAMS, given)
        for field in ("w", "r"):
            if p[field] > p["n"]:
                raise ParameterError(field, f"{field}={p[field]} is more than n={p['n']} "
                                            f"replicas; lower {field} or raise n")
        self.n = p["n"]
        self.spare_count = p["spares"] if p["sloppy"] else 0
        super().__init__(self.n + self.spare_count, p)

    # --- naming ----------------------------------------------------------------------------
    def node_name(self, node: int) -> str:
        return f"n{node}" if node < self.n else f"s{node - self.n}"

    def describe_msg(self, msg: Msg) -> str:
        b = msg.body
        if msg.kind == "put":
            key, stored, _tag = b
            return f"put({self.key_name(key)}={self.value_name(stored.value)}@{stored.ts})"
        if msg.kind == "hint":
            home, key, stored, _tag = b
            return f"hint({self.key_name(key)}={self.value_name(stored.value)}@{stored.ts} " \
                   f"for {self.node_name(home)})"
        if msg.kind == "get":
            return f"get({self.key_name(b[0])})"
        if msg.kind == "got":
            _tag, stored = b
            return f"got({self.value_name(stored.value)}@{stored.ts})"
        return "ack"

    def describe_action(self, a: Action) -> str:
        if a.kind == "hint":
            return f"{self.actor_name(a.actor)} sends {self.describe_msg(a.msg)} " \
                   f"to spare {self.node_name(a.msg.dst)}"
        if a.kind == "handoff":
            return f"{self.node_name(a.actor)} hands off {self.describe_msg(a.msg)} " \
                   f"to {self.node_name(a.msg.dst)}"
        return super().describe_action(a)

    SUMMARY_ALWAYS = ("n", "w", "r")

    def describe_node(self, local: Replica) -> str:
        held = ", ".join(f"{self.key_name(k)}={self.value_name(s.value)}@{s.ts}"
                         for k, s in enumerate(local.store))
        hints = "".join(f"; hint {self.key_name(k)}={self.value_name(s.value)} for "
                        f"{self.node_name(h)}" for h, k, s in local.hints)
        return f"holds {held}{hints}"

    # --- the protocol ------------------------------------------------------------------------
    def init_node(self, node: int) -> Replica:
        return Replica(tuple(Stored(0, -1, INITIAL_VALUE) for _ in self.key_names))

    def start_operation(self, ctx, client: int, op):
        if op.kind == "w":
            clock = sum(1 for e in ctx.world.history if e.kind == "invoke" and e.op == "w")
            stored = Stored(clock + 1, client, op.value)
            for home in range(self.n):
                ctx.send(home, "put", op.key, stored, ctx.world.clients[client].pc)
            return Writing(stored.version)
        for home in range(self.n):
            ctx.send(home, "get", op.key, ctx.world.clients[client].pc)
        return Reading()

    def request_is_obsolete(self, msg: Msg) -> bool:
        return msg.kind == "get"

    def on_node_message(self, ctx, node: int, local: Replica, msg: Msg) -> Replica:
        if msg.kind == "put":
            key, stored, tag = msg.body
            if stored.version > local.store[key].version:
                local = local._replace(store=replace_at(local.store, key, stored))
            if tag != INTERNAL:
                ctx.send(msg.src, "ack", tag)
        elif msg.kind == "get":
            key, tag = msg.body
            ctx.send(msg.src, "got", tag, local.store[key])
        elif msg.kind == "hint":
            home, key, stored, tag = msg.body
            local = local._replace(hints=tuple(sorted(set(local.hints) | {(home, key, stored)})))
            ctx.send(msg.src, "ack", tag)
        return local

    def on_client_message(self, ctx, client: int, op_state, msg: Msg):
        pc = ctx.world.clients[client].pc
        if msg.body[0] != pc:
            return op_state  # a late reply to an earlier operation
        op = self.scripts[client][pc]
        if isinstance(op_state, Writing) and msg.kind == "ack":
            op_state = op_state._replace(acks=op_state.acks | 1 << msg.src)
            if bin(op_state.acks).count("1") >= self.params["w"]:
                ctx.complete(client, op.value, op_state.version)
        elif isinstance(op_state, Reading) and msg.kind == "got":
            replies = op_state.replies + ((msg.src, msg.body[1]),)
            op_state = Reading(tuple(sorted(replies)))
            if len(replies) >= self.params["r"]:
                op_state = self._read_quorum_reached(ctx, client, op, op_state)
        elif isinstance(op_state, WritingBack) and msg.kind == "ack":
            op_state = op_state._replace(acks=op_state.acks | 1 << msg.src)
            if bin(op_state.acks).count("1") >= self.params["w"]:
                ctx.complete(client, op_state.best.value, op_state.best.version)
        return op_state

    def _read_quorum_reached(self, ctx, client: int, op, reading: Reading):
        best = max((stored for _, stored in reading.replies), key=lambda s: s.version)
        mode = self.params["read_repair"]
        if mode == "blocking":
            for home in range(self.n):
                ctx.send(home, "put", op.key, best, ctx.world.clients[client].pc)
            return WritingBack(best)
        if mode == "async":
            for node, stored in reading.replies:
                if stored.version < best.version:
                    ctx.send(node, "put", op.key, best, INTERNAL)
        ctx.complete(client, best.value, best.version)
        return reading

    def family_steps(self, world: World):
        if self.spare_count:
            yield from self._hinted_writes(world)
            yield from self._handoffs(world)

    def _hinted_writes(self, world: World):
        """A writing client sends the copy meant for an unreachable home to a spare."""
        for c, client in enumerate(world.clients):
            if not isinstance(client.op, Writing):
                continue
            me = self.client_actor(c)
            op = self.scripts[c][client.pc]
            for home in range(self.n):
                if client.op.acks >> home & 1 or client.op.hinted >> home & 1 \
                        or self.reachable(world, me, home):
                    continue
                for spare in range(self.n, self.node_count):
                    if not self.reachable(world, me, spare):
                        continue
                    stored = Stored(client.op.version[0], client.op.version[1], op.value)
                    msg = Msg(spare, me, "hint", (home, op.key, stored, client.pc))
                    new_op = client.op._replace(hinted=client.op.hinted | 1 << home)
                    clients = replace_at(world.clients, c, client._replace(op=new_op))
                    net = tuple(sorted(world.net + (msg,)))
                    yield Action("hint", me, msg, None, self), \
                        world._replace(clients=clients, net=net)

    def _handoffs(self, world: World):
        """A spare hands a hinted write to its home replica once that is reachable."""
        for spare in range(self.n, self.node_count):
            local = world.nodes[spare]
            for hint in local.hints:
                home, key, stored = hint
                if not self.reachable(world, spare, home):
                    continue
                msg = Msg(home, spare, "put", (key, stored, INTERNAL))
                rest = tuple(h for h in local.hints if h != hint)
                nodes = replace_at(world.nodes, spare, local._replace(hints=rest))
                yield Action("handoff", spare, msg, None, self), \
                    world._replace(nodes=nodes, net=tuple(sorted(world.net + (msg,))))

    # --- symmetry: the home replicas are interchangeable, and so are the spares -----------
    def symmetric_node_groups(self):
        return tuple(g for g in (tuple(range(self.n)), tuple(range(self.n, self.node_count))) if g)

    def relabel_local(self, local: Replica, perm):
        if not local.hints:
            return local
        return local._replace(hints=tuple(sorted((perm[h], k, s) for h, k, s in local.hints)))

    def relabel_op(self, op_state, perm):
        if isinstance(op_state, Reading):
            return Reading(tuple(sorted((perm[node], s) for node, s in op_state.replies)))
        if isinstance(op_state, Writing):
            return op_state._replace(acks=permute_mask(op_state.acks, perm),
                                     hinted=permute_mask(op_state.hinted, perm))
        return op_state._replace(acks=permute_mask(op_state.acks, perm))

    def relabel_body(self, msg: Msg, perm):
        if msg.kind == "hint":
            home, key, stored, tag = msg.body
            return (perm[home], key, stored, tag)
        return msg.body

    # --- the version order and what the system still holds -----------------------------------
    def supersedes(self, a, b) -> bool:
        return a > b

    def retained_versions(self, world: World, key: int):
        for node in range(self.node_count):
            if self.node_is_up(world, node) or self.params["recover"]:
                local = world.nodes[node]
                if node < self.n:
                    yield local.store[key].version
                for home, hint_key, stored in local.hints:
                    if hint_key == key:
                        yield stored.version

    # --- availability witnesses ----------------------------------------------------------------
    @sometimes
    def write_acknowledged(self, world: World) -> bool:
        """Some write is acknowledged."""
        return any(e.kind == "ok" and e.op == "w" for e in world.history)

    @sometimes
    def read_returns_a_write(self, world: World) -> bool:
        """Some read returns a written value (not the initial one)."""
        return any(e.kind == "ok" and e.op == "r" and e.value != INITIAL_VALUE
                   for e in world.history)

    @sometimes
    def write_acknowledged_while_a_home_is_down(self, world: World) -> bool:
        """A write is acknowledged while some home replica is crashed or cut off."""
        return bool(world.history) and world.history[-1].kind == "ok" \
            and world.history[-1].op == "w" \
            and (world.faults.down & ((1 << self.n) - 1) != 0 or world.faults.side != 0)
