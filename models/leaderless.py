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
* anti-entropy (switch; Dynamo section 4.7, Cassandra's repair): two home replicas that can
  reach each other compare Merkle summaries of their stores -- the keys are grouped in
  buckets of two, a bucket's summary is the tuple of its keys' versions -- descend into the
  buckets that differ and exchange only the keys that differ, the newer version winning on
  both sides. One exchange is one atomic step ("anti_entropy").

The anomalies it can show: with W + R <= N a read quorum can miss the latest acknowledged
write (stale read, read_your_writes fails); with W + R > N but no read repair, a read that
sees an in-flight write can be followed by one that does not (the new-old inversion, so the
register is not linearizable); a sloppy quorum acknowledges a write that no home quorum
holds, so a later read at the homes misses it.

Convergence is a liveness property: ``convergence`` (eventually-always) says every fair
behaviour ends with every live home replica holding the same version of every key, for
good. Fairness (weak, per action kind): message delivery, anti-entropy, hinted handoff and
partition healing are fair -- a step of that kind that stays possible happens -- while
client invocations, crashes, recoveries, drops, duplicates, new partitions and hinted
writes are not: clients may stop, faults may or may not happen, and a crashed node may stay
down (it then does not count). A behaviour may stop in any state where no fair step is
possible (``stuttering``), so without anti-entropy a replica that missed a write because
its message was lost stays stale for ever; with it, the replicas always end up agreeing.
Because healing is fair, every partition ends; make "heal" unfair to let partitions last
for ever (anti-entropy cannot cross them, and convergence then fails).
"""

from typing import NamedTuple

from replcheck.checker import sometimes
from replcheck.checker.errors import ParameterError
from replcheck.checker.properties import eventually_always

from .guarantees import Guarantees, Witnesses
from .params import Param, bind
from .runtime import FAULT_PARAMS, INITIAL_VALUE, Action, Msg, ReplicationModel, World, permute_mask, replace_at

NO_VERSION = (0, -1)  # the initial value's (timestamp, writer)
# ``World.extra`` in the one state right after a step that acknowledged a write while some
# home replica had been down or cut off from the writer since the write was invoked (the
# availability witness needs to know it there; every later step clears it).
ACKED_WITH_A_HOME_ABSENT = True
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
    absent: int = 0     # bitmask of homes down or cut off from the client since the invocation


class Reading(NamedTuple):
    replies: tuple = ()  # sorted (node, Stored)


class WritingBack(NamedTuple):
    best: Stored
    acks: int = 0


class Leaderless(Witnesses, Guarantees, ReplicationModel):
    """N home replicas, write quorum W, read quorum R, optional read repair and sloppy quorum."""

    name = "leaderless"
    self_sending_kinds = ReplicationModel.self_sending_kinds | {"hint", "handoff"}
    PARAMS = (
        Param("n", int, 3, "home replicas per key (N)", minimum=1, maximum=7),
        Param("w", int, 2, "acknowledgements a write waits for (W)", minimum=1, maximum=7),
        Param("r", int, 2, "replies a read waits for (R)", minimum=1, maximum=7),
        Param("clients", list, ("w r",), "one script per client session: ops w, r, w:KEY, r:KEY"),
        Param("read_repair", str, "off", "what a read does about stale replicas",
              choices=("off", "async", "blocking")),
        Param("sloppy", bool, False, "spare nodes accept writes for unreachable homes (hinted handoff)"),
        Param("spares", int, 1, "spare nodes for a sloppy quorum", minimum=1, maximum=3,
              only_if=("sloppy", True)),
        Param("anti_entropy", bool, False, "home replicas that can reach each other compare "
              "Merkle summaries and exchange the keys that differ (a fair step)"),
    ) + FAULT_PARAMS
    # Fairness of the liveness property ``convergence`` (see the module docstring).
    fair_actions = frozenset({"deliver", "anti_entropy", "handoff", "heal"})
    stuttering = True
    # Action kinds and ``convergence`` do not name nodes, so both are invariant under the
    # permutations of homes (and of spares) that the symmetry reduction uses.
    symmetric_fairness = True
    MERKLE_BUCKET = 2  # keys per leaf of the Merkle summary
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
        if a.kind == "anti_entropy":
            other, buckets, taken = a.detail
            names = "; ".join("{" + ",".join(self.key_name(k) for k in self._bucket_keys(b)) + "}"
                              for b in buckets)
            moves = ", ".join(f"{self.node_name(node)} takes {self.key_name(k)}="
                              f"{self.value_name(s.value)}@{s.ts}" for node, k, s in taken)
            return f"anti-entropy {self.node_name(a.actor)}<->{self.node_name(other)}: " \
                   f"Merkle buckets {names} differ; {moves}"
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
            return Writing(stored.version, absent=self._absent_homes(ctx.world, client))
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
                if op_state.absent:
                    ctx.world = ctx.world._replace(extra=ACKED_WITH_A_HOME_ABSENT)
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
        if self.params["anti_entropy"]:
            yield from self._anti_entropy(world)

    # --- anti-entropy ------------------------------------------------------------------------------
    def _bucket_keys(self, bucket: int) -> range:
        size = self.MERKLE_BUCKET
        return range(bucket * size, min((bucket + 1) * size, len(self.key_names)))

    def merkle_summary(self, store: tuple) -> tuple:
        """Per bucket of keys, the tuple of the versions held (the leaves of the tree; the
        root is the whole tuple). Versions are unique per write, so equal summaries mean
        equal stores."""
        return tuple(tuple(store[k].version for k in self._bucket_keys(b))
                     for b in range(-(-len(self.key_names) // self.MERKLE_BUCKET)))

    def _anti_entropy(self, world: World):
        """Two home replicas that can reach each other and whose Merkle roots differ
        exchange the keys that differ within the buckets that differ."""
        for a in range(self.n):
            for b in range(a + 1, self.n):
                if not self.reachable(world, a, b):
                    continue
                store_a, store_b = world.nodes[a].store, world.nodes[b].store
                if store_a == store_b:  # equal Merkle roots (a shortcut: same stores)
                    continue
                sum_a, sum_b = self.merkle_summary(store_a), self.merkle_summary(store_b)
                new_a, new_b, buckets, taken = list(store_a), list(store_b), [], []
                for bucket, (leaf_a, leaf_b) in enumerate(zip(sum_a, sum_b)):
                    if leaf_a == leaf_b:
                        continue
                    buckets.append(bucket)
                    for key in self._bucket_keys(bucket):
                        mine, theirs = store_a[key], store_b[key]
                        if mine.version > theirs.version:
                            new_b[key] = mine
                            taken.append((b, key, mine))
                        elif theirs.version > mine.version:
                            new_a[key] = theirs
                            taken.append((a, key, theirs))
                nodes = replace_at(world.nodes, a, world.nodes[a]._replace(store=tuple(new_a)))
                nodes = replace_at(nodes, b, nodes[b]._replace(store=tuple(new_b)))
                yield Action("anti_entropy", a, None, (b, tuple(buckets), tuple(taken)), self), \
                    world._replace(nodes=nodes)

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
                                     hinted=permute_mask(op_state.hinted, perm),
                                     absent=permute_mask(op_state.absent, perm))
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

    # --- liveness ----------------------------------------------------------------------------------
    @eventually_always
    def convergence(self, world: World) -> bool:
        """Replicas end up agreeing: from some point on, every live home replica holds the same version of every key."""
        live = [world.nodes[h].store for h in range(self.n) if self.node_is_up(world, h)]
        return all(store == live[0] for store in live[1:])

    # --- availability witnesses ----------------------------------------------------------------
    # A write counts as acknowledged "while a home is down" only if that home was down or cut
    # off from the writer for the whole write, from invocation to acknowledgement: a crash
    # after the acknowledgement proves nothing about availability. ``Writing.absent`` keeps
    # the homes absent so far; a fault step that brings one back (recover, heal) drops it.
    def _absent_homes(self, world: World, client: int) -> int:
        me = self.client_actor(client)
        return sum(1 << h for h in range(self.n) if not self.reachable(world, me, h))

    def next_steps(self, world: World):
        if world.extra is not None:  # the acknowledgement mark lasts exactly one state
            world = world._replace(extra=None)
        return super().next_steps(world)

    def _faults(self, world: World):
        for action, after in super()._faults(world):
            if action.kind in ("recover", "heal"):
                after = self._still_absent(after)
            yield action, after

    def _still_absent(self, world: World) -> World:
        clients = world.clients
        for c, client in enumerate(clients):
            if isinstance(client.op, Writing) and client.op.absent:
                absent = client.op.absent & self._absent_homes(world, c)
                if absent != client.op.absent:
                    clients = replace_at(clients, c, client._replace(op=client.op._replace(absent=absent)))
        return world._replace(clients=clients)

    def describe_changes(self, before: World, after: World) -> list[str]:
        return super().describe_changes(before._replace(extra=None), after._replace(extra=None))

    @sometimes
    def write_acknowledged_while_a_home_is_down(self, world: World) -> bool:
        """A write is acknowledged while a home replica is down or cut off for the whole write."""
        return world.extra is ACKED_WITH_A_HOME_ABSENT
