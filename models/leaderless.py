"""Leaderless (Dynamo-style) quorum replication.

The protocol (DeCandia et al., "Dynamo", SOSP 2007, sections 4.5-4.6; Cassandra and Riak
work the same way): a key lives on N home replicas. The client coordinates its own
operations:

* write: stamp the value with a version (timestamp, tie rank, writer), send it to all N
  homes, and report success once W of them acknowledge. A replica stores the value if its
  version is newer than the one it holds, and acknowledges (last write wins). The
  timestamp comes from a perfect global order (``clock = "global"``, the default), or from
  the writing client's clock (``client``, the default of Cassandra's drivers) or the clock
  of the home replica chosen as coordinator (``coordinator``; the client still sends the
  messages itself, only the stamp is the coordinator's), each clock running up to ``skew``
  ticks ahead of the slowest (``leaderless_clocks`` explains ticks and the tie-break: equal
  timestamps go to the larger value, both orders of the abstract values tried).
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

Datacenters (``dcs``, ``client_dcs``, ``write_cl``, ``read_cl``; see ``leaderless_topology``):
homes placed in named datacenters, Cassandra's consistency levels counted per datacenter
(LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM besides ONE, QUORUM, ALL), the datacenter each operation
runs from, and partitions that cut whole datacenters apart.

Siblings (``conflict = "siblings"``, Riak allow_mult; see ``leaderless_siblings``): version
vectors instead of timestamps, concurrent writes kept side by side and all returned by a read.
With a sloppy quorum a spare keeps one hint per (home, key) holding the merged siblings, and
the handoff is a put the home merges like any other (siblings are never overwritten).

The anomalies it can show: with skewed clocks a write made after another was acknowledged
can carry a smaller (or equal, and lose the tie) timestamp and be discarded everywhere
(no_lost_updates), whatever the quorums; with W + R <= N a read quorum can miss the latest acknowledged
write (stale read, read_your_writes fails); with W + R > N but no read repair, a read that
sees an in-flight write can be followed by one that does not (the new-old inversion, so the
register is not linearizable); a sloppy quorum acknowledges a write that no home quorum
holds, so a later read at the homes misses it; a LOCAL_QUORUM write is not seen by a
LOCAL_QUORUM read in another datacenter.

Convergence is a liveness property: ``eventual_convergence`` (eventually-always) says every fair
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

from dataclasses import replace
from typing import NamedTuple

from replcheck.checker import sometimes
from replcheck.checker.errors import ParameterError
from replcheck.checker.properties import eventually_always

from .guarantees import Guarantees, Witnesses
from .leaderless_hints import HintState, HintWindow
from .leaderless_por import leaderless_ample_steps
from .leaderless_modes import mode_note, with_note
from .leaderless_siblings import SiblingsMixin, refuse_unsupported
from .leaderless_clocks import TIE_TEXT, describe_offsets, offset_vectors, tie_orders, tie_rank
from .leaderless_topology import LEVELS, LOCAL_LEVELS, check_levels, parse_dcs, satisfied, split_scripts
from .params import Param, bind, settings_type
from .runtime import FAULT_PARAMS, INITIAL_VALUE, Action, Msg, ReplicationModel, World, _new, permute_mask, replace_at

NO_VERSION = (0, 0, -1)  # the initial value's (timestamp, tie rank, writer)
INTERNAL = -1  # the tag of replica-to-replica and fire-and-forget messages


class Extra(NamedTuple):
    """Family-wide state. ``acked``: true in the one state right after a step that
    acknowledged a write while some home replica had been down or cut off from the writer
    since the write was invoked (the availability witness needs to know it there; every
    later step clears it). ``offsets`` (per clock owner) and ``ties`` (+1/-1, the order of
    values an equal-timestamp tie follows) are the clocks of a run, fixed in the initial
    state; empty/+1 with the global clock."""

    acked: bool = False
    offsets: tuple = ()
    ties: int = 1
    hints: HintState = HintState()  # the hint windows (see leaderless_hints)


class Stored(NamedTuple):
    """A stamped value as replicas hold it under last write wins: the timestamp, the writing
    client (-1 for the initial value), the value and the tie rank. Not used with
    ``conflict = "siblings"``, where a key holds (version vector, value) pairs."""

    ts: int
    writer: int
    value: int
    rank: int = 0  # breaks equal timestamps (see leaderless_clocks); 0 with the global clock

    @property
    def version(self) -> tuple[int, int, int]:
        """The order last write wins uses: (timestamp, tie rank, writer), compared as a tuple.
        Timestamps decide; equal ones go by tie rank (unique per value; the global clock never ties);
        the writer only orders the initial value below every write."""
        return (self.ts, self.rank, self.writer)


class Replica(NamedTuple):
    """A node's state: per key the value it holds (a ``Stored``, or siblings in that mode);
    a spare node of a sloppy quorum also keeps the hints it holds for unreachable homes."""

    store: tuple  # per key: Stored
    hints: tuple = ()  # spare nodes only: sorted (home, key, Stored)


class Writing(NamedTuple):
    """A client's running write: the version it stamped, and bitmasks over node ids of the
    nodes that acknowledged it, the homes whose copy went to a spare as a hint, and the
    homes that have been out of the client's reach since the invocation (for the
    availability witness)."""

    version: tuple
    acks: int = 0  # bitmask of nodes that acknowledged
    hinted: int = 0  # bitmask of homes whose copy went to a spare
    absent: int = 0  # bitmask of homes down or cut off from the client since the invocation


class Reading(NamedTuple):
    """A client's running read: the replies received so far, sorted, one per answering node."""

    replies: tuple = ()  # sorted (node, Stored)


class WritingBack(NamedTuple):
    """A read in blocking read repair: the newest version the read quorum returned, being written
    back to the homes, and the bitmask of homes that acknowledged it. The read returns
    ``best`` once enough acknowledgements arrive (at ``read_cl`` when set, else W or ``write_cl``)."""

    best: Stored
    acks: int = 0


_FAULT_HELP = {
    "drops": "how many messages the network may lose; nothing resends them: the operation may "
    "stay pending and a replica stale until read repair or anti-entropy fixes it",
    "dups": "how many messages the network may deliver twice (a put applied twice changes nothing)",
    "partitions": "how many partitions may start: some nodes cut off from the rest (the clients "
    "stay with the rest); with dcs, whole datacenters with the clients that run from "
    "them; each may heal (healing is fair)",
}


class Leaderless(HintWindow, Witnesses, Guarantees, ReplicationModel):
    """N home replicas, write quorum W, read quorum R, optional read repair and sloppy quorum."""

    name = "leaderless"
    Replica = Replica
    INTERNAL = INTERNAL
    self_sending_kinds = ReplicationModel.self_sending_kinds | {"hint", "handoff"}
    PARAMS = (
        Param("n", int, 3, "home replicas per key (N)", minimum=1, maximum=7),
        Param("w", int, 2, "acknowledgements a write waits for (W)", minimum=1, maximum=7),
        Param("r", int, 2, "replies a read waits for (R)", minimum=1, maximum=7),
        Param(
            "clients",
            list,
            ("w r",),
            "one script per client session: ops w, r, w:KEY, r:KEY; "
            "a word ending in @DC runs that operation from datacenter DC",
        ),
        Param(
            "conflict",
            str,
            "lww",
            "how a replica reconciles concurrent writes: last write "
            "wins by timestamp (lww), or keep them all as siblings with version vectors and "
            "return them all (siblings: Riak allow_mult = true)",
            choices=("lww", "siblings"),
        ),
        Param(
            "dcs",
            list,
            (),
            "datacenters and the replicas each holds of every key, e.g. "
            "dc1:3,dc2:3 (NetworkTopologyStrategy; sets n); empty: one datacenter of n homes",
        ),
        Param(
            "client_dcs",
            list,
            (),
            "each client's datacenter, where its coordinator is and "
            "what LOCAL levels count in, e.g. dc1,dc2 (default: the first datacenter)",
        ),
        Param(
            "write_cl",
            str,
            "",
            "a write's consistency level, replacing w: ONE, QUORUM, ALL "
            "(over all replicas), LOCAL_ONE, LOCAL_QUORUM (in the client's datacenter), "
            "EACH_QUORUM (a majority in every datacenter); empty: w acknowledgements",
            choices=LEVELS,
        ),
        Param(
            "read_cl",
            str,
            "",
            "a read's consistency level, replacing r (as write_cl; LOCAL "
            "reads ask only local replicas); empty: r replies",
            choices=LEVELS,
        ),
        Param("read_repair", str, "off", "what a read does about stale replicas", choices=("off", "async", "blocking")),
        Param("sloppy", bool, False, "spare nodes accept writes for unreachable homes (hinted handoff)"),
        Param("spares", int, 1, "spare nodes for a sloppy quorum", minimum=1, maximum=3, only_if=("sloppy", True)),
        Param(
            "anti_entropy",
            bool,
            False,
            "home replicas that can reach each other compare "
            "Merkle summaries and exchange the keys that differ (a fair step)",
        ),
        Param(
            "clock",
            str,
            "global",
            "what stamps a write's timestamp: a perfect global order "
            "(global), the writing client's clock (client: Cassandra drivers' default), or "
            "the clock of the home replica coordinating the write (coordinator); last write "
            "wins by timestamp, " + TIE_TEXT,
            choices=("global", "client", "coordinator"),
        ),
        Param(
            "hint_expiries",
            int,
            0,
            "how many times a hint window (Cassandra max_hint_window) "
            "may end in a run: a timer step, at any moment while a home is down or cut off, "
            "after which writes for it are dropped instead of hinted until it is back; 0: a "
            "write for an unreachable home waits in flight until it is back (perfect hints)",
            minimum=0,
            maximum=3,
        ),
        Param(
            "skew",
            int,
            0,
            "how many ticks a clock may run ahead of the slowest (a tick: "
            "true time advances one tick per write stamped); 0: clocks agree",
            minimum=0,
            maximum=3,
        ),
    ) + tuple(replace(p, help=_FAULT_HELP.get(p.name, p.help)) for p in FAULT_PARAMS)
    # Fairness of the liveness property ``eventual_convergence`` (see the module docstring).
    fair_actions = frozenset({"deliver", "anti_entropy", "handoff", "heal"})
    stuttering = True
    # Action kinds and ``eventual_convergence`` do not name nodes, so both are invariant under the
    # permutations of homes (and of spares) that the symmetry reduction uses.
    symmetric_fairness = True
    MERKLE_BUCKET = 2  # keys per leaf of the Merkle summary
    # monotonic_writes and writes_follow_reads hold by construction of the global clock;
    # they stay on so that a change to version assignment is caught.

    def __new__(cls, **given):
        if cls is Leaderless and given and bind(cls.PARAMS, given)["conflict"] == "siblings":
            cls = LeaderlessSiblings
        return super().__new__(cls)

    def __init__(self, **given):
        p = bind(self.PARAMS, given)
        if p["conflict"] == "siblings":
            refuse_unsupported(p)
        if (p["conflict"] == "siblings") != isinstance(self, LeaderlessSiblings):
            raise ParameterError(
                "conflict", f"{type(self).__name__} cannot model conflict = {p['conflict']!r}; build Leaderless(...)"
            )
        check_levels(p, given)
        self.topology = topo = parse_dcs(p, given)
        p["n"] = len(topo.dc_of)
        for field in ("w", "r"):
            if p[field] > p["n"]:
                raise ParameterError(
                    field, f"{field}={p[field]} is more than n={p['n']} replicas; lower {field} or raise n"
                )
        if p["skew"] and p["clock"] == "global":
            raise ParameterError(
                "skew", 'the global clock cannot be skewed; set clock = "client" or "coordinator", or remove skew'
            )
        self.n = p["n"]
        self.spare_count = p["spares"] if p["sloppy"] else 0
        scripts, self.op_dcs = split_scripts(p, topo)
        # a consistency level replaces its count in titles (w/r would be meaningless there)
        self.SUMMARY_ALWAYS = tuple(
            f for f in self.SUMMARY_ALWAYS if not p.get({"w": "write_cl", "r": "read_cl"}.get(f, ""), "")
        )
        super().__init__(self.n + self.spare_count, {**p, "clients": scripts})
        self.params = p
        self.cfg = LeaderlessSettings(**p)

    # --- naming ----------------------------------------------------------------------------
    def node_name(self, node: int) -> str:
        """Home replicas are ``n0``, ``n1``, ...; the spare nodes of a sloppy quorum ``s0``, ``s1``, ..."""
        return f"n{node}" if node < self.n else f"s{node - self.n}"

    def describe_msg(self, msg: Msg) -> str:
        """Puts and hints as ``key=value@timestamp`` (a hint names the home it is for), ``get`` with
        its key, a reply as ``got(value@timestamp)``, and acknowledgements as ``ack``."""
        b = msg.body
        if msg.kind == "put":
            key, stored, _tag = b
            return f"put({self.key_name(key)}={self.value_name(stored.value)}@{stored.ts})"
        if msg.kind == "hint":
            home, key, stored, _tag = b
            return f"hint({self.key_name(key)}={self.value_name(stored.value)}@{stored.ts} for {self.node_name(home)})"
        if msg.kind == "get":
            return f"get({self.key_name(b[0])})"
        if msg.kind == "got":
            _tag, stored = b
            return f"got({self.value_name(stored.value)}@{stored.ts})"
        return "ack"

    def describe_action(self, a: Action) -> str:
        """Adds this family's steps to the runtime's labels: the coordinator whose clock stamps a
        write, a hint window ending, a hint sent to a spare, a handoff, and an anti-entropy
        exchange with the Merkle buckets that differed and the keys each side took."""
        if a.kind == "invoke" and a.msg is not None:  # the coordinator's clock stamps it
            return f"{super().describe_action(a)} via coordinator {self.node_name(a.msg.dst)}"
        if a.kind == "hint_window":
            return f"{self.node_name(a.actor)}'s hint window ends: writes for it are dropped until it is back"
        if a.kind == "hint":
            return f"{self.actor_name(a.actor)} sends {self.describe_msg(a.msg)} to spare {self.node_name(a.msg.dst)}"
        if a.kind == "handoff":
            return f"{self.node_name(a.actor)} hands off {self.describe_msg(a.msg)} to {self.node_name(a.msg.dst)}"
        if a.kind == "anti_entropy":
            other, buckets, taken = a.detail
            names = "; ".join("{" + ",".join(self.key_name(k) for k in self._bucket_keys(b)) + "}" for b in buckets)
            moves = ", ".join(
                f"{self.node_name(node)} takes {self.key_name(k)}={self.value_name(s.value)}@{s.ts}"
                for node, k, s in taken
            )
            return (
                f"anti-entropy {self.node_name(a.actor)}<->{self.node_name(other)}: "
                f"Merkle buckets {names} differ; {moves}"
            )
        return super().describe_action(a)

    SUMMARY_ALWAYS = ("n", "w", "r")

    def clock_owners(self) -> tuple[str, ...]:
        """The names of the clocks that stamp writes (none with the global clock)."""
        if self.cfg.clock == "client":
            return tuple(f"c{c}" for c in range(self.client_count))
        if self.cfg.clock == "coordinator":
            return tuple(self.node_name(h) for h in range(self.n))
        return ()

    def lane_label(self, world: World, actor: int) -> str:
        """Lanes of skewed clocks show the clock's offset (the diagram's title cannot)."""
        name = self.actor_name(actor)
        offsets = world.extra.offsets
        owner = actor - self.node_count if self.cfg.clock == "client" else actor
        if self.topology.placed and actor < self.n:
            name = f"{name} ({self.topology.names[self.topology.dc_of[actor]]})"
        if any(offsets) and 0 <= owner < len(offsets) and self.actor_name(actor) in self.clock_owners():
            return f"{name} (clock {offsets[owner]:+d})"
        return name

    def describe_extra(self, extra: Extra) -> str:
        """The clock offsets of the run per clock owner, and which way equal timestamps go when it
        is not the default; the one-state acknowledgement mark and the hint windows are not shown."""
        text = f"clock offsets {describe_offsets(self.clock_owners(), extra.offsets)}"
        return text + ("; ties go to the smaller value" if extra.ties < 0 else "")

    def describe_node(self, local: Replica) -> str:
        """What a node holds per key (``key=value@timestamp``), and the hints a spare keeps for
        which home."""
        held = ", ".join(f"{self.key_name(k)}={self.value_name(s.value)}@{s.ts}" for k, s in enumerate(local.store))
        hints = "".join(
            f"; hint {self.key_name(k)}={self.value_name(s.value)} for {self.node_name(h)}" for h, k, s in local.hints
        )
        return f"holds {held}{hints}"

    # --- the protocol ------------------------------------------------------------------------
    def init_node(self, node: int) -> Replica:
        """Every key at the initial value with the zero stamp (timestamp 0, writer -1), spares
        included (a spare's store is never read), and no hints."""
        return Replica(tuple(Stored(0, -1, INITIAL_VALUE) for _ in self.key_names))

    def init_states(self):
        """One initial world per choice of clock offsets and tie order (one with the global
        clock; see ``leaderless_clocks``)."""
        owners, skew = len(self.clock_owners()), self.cfg.skew
        for world in super().init_states():
            for offsets in offset_vectors(owners, skew):
                for ties in tie_orders(skew):
                    yield world._replace(extra=Extra(offsets=offsets, ties=ties))

    def operation_targets(self, world: World, client: int, op):
        """With coordinator clocks, a write goes through a home replica the client reaches
        (one step per choice); otherwise the client coordinates its operations itself."""
        if op.kind != "w" or self.cfg.clock != "coordinator":
            return None
        me, dc = self.client_actor(client), self.op_dcs[client][world.clients[client].pc]
        return tuple(h for h in range(self.n) if self.reachable(world, me, h) and self.topology.dc_of[h] == dc)

    def send_operation(self, ctx, client: int, op, target: int):
        """A write through home ``target`` under coordinator clocks: ``target``'s clock stamps it,
        and the client still sends the puts itself (``start_operation``)."""
        return self.start_operation(ctx, client, op, coordinator=target)

    def _stamp(self, world: World, client: int, value: int, coordinator: int) -> Stored:
        """The write's stamp: true time (one tick per write invoked, this one included) plus the clock's
        offset, the tie rank of its value, and the writer."""
        now = 1 + sum(1 for e in world.history if e.kind == "invoke" and e.op == "w")
        extra, clock = world.extra, self.cfg.clock
        if clock == "global":
            return Stored(now, client, value)
        owner = client if clock == "client" else coordinator
        return Stored(now + extra.offsets[owner], client, value, tie_rank(extra.ties, value))

    def start_operation(self, ctx, client: int, op, coordinator: int = 0):
        """A write stamps its value and sends a put to every home (the coordinator first), except
        to a home whose hint window has ended, then waits for W acknowledgements (or its
        consistency level). A read asks every home (with a LOCAL level, those in its
        datacenter) and waits for R replies. ``coordinator`` matters only for coordinator clocks."""
        if op.kind == "w":
            payload, version = self._write_message(ctx, client, op, coordinator)
            homes = sorted(range(self.n), key=lambda h: h != coordinator)
            for home in homes:  # the coordinator first: the invocation's label names it
                if not self.hint_dropped(ctx.world, home):
                    ctx.send(home, "put", op.key, payload, ctx.world.clients[client].pc)
            return Writing(version, absent=self._absent_homes(ctx.world, client))
        pc = ctx.world.clients[client].pc
        for home in self._read_homes(client, pc):
            ctx.send(home, "get", op.key, pc)
        return Reading()

    def _write_message(self, ctx, client: int, op, coordinator: int):
        """What a write sends to the homes, and the version it records."""
        stored = self._stamp(ctx.world, client, op.value, coordinator)
        return stored, stored.version

    def _merged(self, held, incoming):
        """A replica's state of a key after a "put": last write wins by version."""
        return incoming if incoming.version > held.version else held

    def _reply(self, local: Replica, key: int):
        return local.store[key]

    def request_is_obsolete(self, msg: Msg) -> bool:
        """Gets: they change no replica. Puts are kept: a late put still updates the replica."""
        return msg.kind == "get"

    def on_node_message(self, ctx, node: int, local: Replica, msg: Msg) -> Replica:
        """A put is merged into the replica's copy (last write wins: the newer version stays) and
        acknowledged unless it is internal (asynchronous read repair, a handoff); a get is
        answered with the copy held; a hint is kept by the spare and acknowledged."""
        if msg.kind == "put":
            key, stored, tag = msg.body
            merged = self._merged(local.store[key], stored)
            if merged is not local.store[key]:
                local = _new(type(local), (replace_at(local.store, key, merged),) + local[1:])
            if tag != INTERNAL:
                ctx.send(msg.src, "ack", tag)
        elif msg.kind == "get":
            key, tag = msg.body
            ctx.send(msg.src, "got", tag, self._reply(local, key))
        elif msg.kind == "hint":
            home, key, stored, tag = msg.body
            local = local._replace(hints=self._kept_hints(local.hints, home, key, stored))
            ctx.send(msg.src, "ack", tag)
        return local

    def on_client_message(self, ctx, client: int, op_state, msg: Msg):
        """Counts acknowledgements and replies from distinct nodes for the running operation; at W
        (or the write level) a write completes; at R (or the read level) a read returns the
        newest version among the replies and repairs as ``read_repair`` says; a blocking write-back
        completes at the read level when one is set, else at W (or the write level). Replies to
        an earlier operation are ignored."""
        pc = ctx.world.clients[client].pc
        if msg.body[0] != pc:
            return op_state  # a late reply to an earlier operation
        op = self.scripts[client][pc]
        # States built positionally: _replace is several times slower on this hot path.
        if isinstance(op_state, Writing) and msg.kind == "ack":
            version, acks, hinted, absent = op_state
            op_state = _new(Writing, (version, acks | 1 << msg.src, hinted, absent))
            if self._enough(client, pc, "write_cl", "w", op_state.acks):
                ctx.complete(client, op.value, op_state.version)
                if op_state.absent:
                    ctx.world = ctx.world._replace(extra=ctx.world.extra._replace(acked=True))
        elif isinstance(op_state, Reading) and msg.kind == "got":
            replies = op_state.replies + ((msg.src, msg.body[1]),)
            op_state = Reading(tuple(sorted(replies)))
            if self._enough(client, pc, "read_cl", "r", sum(1 << node for node, _ in replies)):
                op_state = self._read_quorum_reached(ctx, client, op, op_state)
        elif isinstance(op_state, WritingBack) and msg.kind == "ack":
            op_state = _new(WritingBack, (op_state.best, op_state.acks | 1 << msg.src))
            level, count = ("read_cl", "r") if self.cfg.read_cl else ("write_cl", "w")
            if self._enough(client, pc, level, count, op_state.acks):
                ctx.complete(client, op_state.best.value, op_state.best.version)
        return op_state

    def _enough(self, client: int, pc: int, level: str, count: str, mask: int) -> bool:
        """Whether the nodes in ``mask`` complete the operation at its consistency level."""
        return satisfied(
            getattr(self.cfg, level), getattr(self.cfg, count), mask, self.topology, self.op_dcs[client][pc]
        )

    def _read_homes(self, client: int, pc: int) -> range | tuple:
        """The homes a read asks: all, or with a LOCAL level those in its datacenter."""
        if self.cfg.read_cl not in LOCAL_LEVELS:
            return range(self.n)
        mask = self.topology.masks[self.op_dcs[client][pc]]
        return tuple(h for h in range(self.n) if mask >> h & 1)

    def _read_quorum_reached(self, ctx, client: int, op, reading: Reading):
        best = max((stored for _, stored in reading.replies), key=lambda s: s.version)
        mode = self.cfg.read_repair
        if mode == "blocking":
            for home in range(self.n):
                if not self.hint_dropped(ctx.world, home):
                    ctx.send(home, "put", op.key, best, ctx.world.clients[client].pc)
            return WritingBack(best)
        if mode == "async":
            for node, stored in reading.replies:
                if stored.version < best.version and not self.hint_dropped(ctx.world, node):
                    ctx.send(node, "put", op.key, best, INTERNAL)
        ctx.complete(client, best.value, best.version)
        return reading

    def family_steps(self, world: World):
        """With a sloppy quorum, hinted writes to spares and handoffs to homes; with anti-entropy,
        Merkle exchanges between reachable homes; with hint_expiries, the hint-window timers."""
        if self.spare_count:
            yield from self._hinted_writes(world)
            yield from self._handoffs(world)
        if self.cfg.anti_entropy:
            yield from self._anti_entropy(world)
        if self.cfg.hint_expiries:
            yield from self.hint_window_steps(world)

    # --- anti-entropy ------------------------------------------------------------------------------
    def _bucket_keys(self, bucket: int) -> range:
        size = self.MERKLE_BUCKET
        return range(bucket * size, min((bucket + 1) * size, len(self.key_names)))

    def merkle_summary(self, store: tuple) -> tuple:
        """Per bucket of keys, the tuple of the versions held (the leaves of the tree; the
        root is the whole tuple). Versions are unique per write, so equal summaries mean
        equal stores."""
        return tuple(
            tuple(store[k].version for k in self._bucket_keys(b))
            for b in range(-(-len(self.key_names) // self.MERKLE_BUCKET))
        )

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
                yield (
                    Action("anti_entropy", a, None, (b, tuple(buckets), tuple(taken)), self),
                    world._replace(nodes=nodes),
                )

    def _hinted_writes(self, world: World):
        """A writing client sends the copy meant for an unreachable home to a spare."""
        for c, client in enumerate(world.clients):
            if not isinstance(client.op, Writing):
                continue
            me = self.client_actor(c)
            op = self.scripts[c][client.pc]
            for home in range(self.n):
                if client.op.acks >> home & 1 or client.op.hinted >> home & 1 or self.reachable(world, me, home):
                    continue
                for spare in range(self.n, self.node_count):
                    if not self.reachable(world, me, spare):
                        continue
                    stored = self._hint_payload(client.op, op)
                    msg = Msg(spare, me, "hint", (home, op.key, stored, client.pc))
                    new_op = client.op._replace(hinted=client.op.hinted | 1 << home)
                    clients = replace_at(world.clients, c, client._replace(op=new_op))
                    net = tuple(sorted(world.net + (msg,)))
                    yield Action("hint", me, msg, None, self), world._replace(clients=clients, net=net)

    def _hint_payload(self, writing: Writing, op):
        """What a hinted write carries for its home: the same stamped value as its puts."""
        ts, rank, writer = writing.version
        return Stored(ts, writer, op.value, rank)

    def _kept_hints(self, hints: tuple, home: int, key: int, stored) -> tuple:
        """A spare's hints after it accepts ``stored`` for ``home``: one more hint (each is
        handed off on its own; last write wins sorts them out at the home)."""
        return tuple(sorted(set(hints) | {(home, key, stored)}))

    def _handoffs(self, world: World):
        """A spare hands a hint to its home once that is reachable, in one step: the home merges
        the hinted write as it merges a put, and the spare forgets the hint. Transfer and success
        are one step (Dynamo section 4.6: the hint is deleted once the transfer succeeds), so a
        write is never only on the wire, and a lost message never loses a hint. The step's
        message names what moved; it is not put on the network."""
        for spare in range(self.n, self.node_count):
            local = world.nodes[spare]
            for hint in local.hints:
                home, key, stored = hint
                if not self.reachable(world, spare, home):
                    continue
                target = world.nodes[home]
                merged = self._handed_off(target.store[key], stored)
                nodes = replace_at(world.nodes, spare, local._replace(hints=tuple(h for h in local.hints if h != hint)))
                if merged is not target.store[key]:
                    nodes = replace_at(nodes, home, target._replace(store=replace_at(target.store, key, merged)))
                msg = Msg(home, spare, "put", (key, stored, INTERNAL))
                yield Action("handoff", spare, msg, None, self), world._replace(nodes=nodes)

    def _handed_off(self, held, hinted):
        """What a home holds of a key after a handoff: the merge a put delivery makes."""
        return self._merged(held, hinted)

    # --- symmetry: the home replicas are interchangeable, and so are the spares -----------
    def symmetric_node_groups(self):
        """The homes of each datacenter (all homes without ``dcs``) form a group, and the spares
        another. Under coordinator clocks a home's clock offset is part of its signature, so the
        canonical order sorts homes by offset too."""
        homes = tuple(tuple(h for h in range(self.n) if m >> h & 1) for m in self.topology.masks)
        return tuple(g for g in homes + (tuple(range(self.n, self.node_count)),) if g)

    # --- partitions between datacenters ----------------------------------------------------------
    def partition_sides(self) -> tuple[int, ...]:
        """With datacenters, a partition cuts whole datacenters (never the first, to list each
        split once) and the clients that run from them off from the rest."""
        topo = self.topology
        if not topo.placed:
            return super().partition_sides()
        sides = []
        for dcs in range(2, 1 << len(topo.masks), 2):
            nodes = sum(m for dc, m in enumerate(topo.masks) if dcs >> dc & 1)
            clients = sum(1 << self.client_actor(c) for c in range(self.client_count) if dcs >> self._client_dc(c) & 1)
            sides.append(nodes | clients)
        return tuple(sides)

    def _client_dc(self, client: int) -> int:
        names = self.cfg.client_dcs
        return self.topology.names.index(names[client]) if names else 0

    def side_name(self, side: int) -> str:
        """With datacenters, a partition reads as the datacenters on each side; otherwise as the
        runtime names it."""
        topo = self.topology
        if not topo.placed:
            return super().side_name(side)
        cut = [name for name, m in zip(topo.names, topo.masks) if side & m]
        rest = [name for name, m in zip(topo.names, topo.masks) if not side & m]
        return f"between datacenters: {{{','.join(cut)}}} | {{{','.join(rest)}}}"

    def relabel_local(self, local: Replica, perm):
        """Only a spare's hints name nodes (the home each is for); rename those."""
        if not local.hints:
            return local
        return local._replace(hints=tuple(sorted((perm[h], k, s) for h, k, s in local.hints)))

    def relabel_op(self, op_state, perm):
        """Rename the node ids in a running operation: a read's repliers, a write's
        acknowledgement, hint and absence masks, a write-back's acknowledgements."""
        if isinstance(op_state, Reading):
            return Reading(tuple(sorted((perm[node], s) for node, s in op_state.replies)))
        if isinstance(op_state, Writing):
            return op_state._replace(
                acks=permute_mask(op_state.acks, perm),
                hinted=permute_mask(op_state.hinted, perm),
                absent=permute_mask(op_state.absent, perm),
            )
        return op_state._replace(acks=permute_mask(op_state.acks, perm))

    def _signatures(self, world: World) -> list:
        # Coordinator clocks belong to homes: homes with different offsets are told apart,
        # so that permuted offset vectors fall into one symmetry class.
        signatures = super()._signatures(world)
        if self.cfg.clock == "coordinator":
            for node in range(self.n):
                signatures[node] = signatures[node] + (world.extra.offsets[node],)
        return signatures

    def relabel_extra(self, extra: Extra, perm):
        """Rename the homes in the ended-hint-window mask, and move the offsets of coordinator
        clocks with their homes (client clocks name no node)."""
        if extra.hints.expired:
            extra = extra._replace(hints=extra.hints._replace(expired=permute_mask(extra.hints.expired, perm)))
        if self.cfg.clock != "coordinator":
            return extra
        offsets = [0] * len(extra.offsets)
        for home, offset in enumerate(extra.offsets):
            offsets[perm[home]] = offset
        return extra._replace(offsets=tuple(offsets))

    def relabel_body(self, msg: Msg, perm):
        """Only a hint names a node in its body (the home it is for); rename it."""
        if msg.kind == "hint":
            home, key, stored, tag = msg.body
            return (perm[home], key, stored, tag)
        return msg.body

    # --- the version order and what the system still holds -----------------------------------
    def supersedes(self, a, b) -> bool:
        """Last write wins: ``a`` is newer than ``b`` in (timestamp, tie rank, writer) order."""
        return a > b

    def retained_versions(self, world: World, key: int):
        """The versions of ``key`` in each home's store and in every hint a spare keeps for it,
        for nodes that are up or may still recover."""
        for node in range(self.node_count):
            if self.node_is_up(world, node) or self.cfg.recover:
                local = world.nodes[node]
                if node < self.n:
                    yield local.store[key].version
                for home, hint_key, stored in local.hints:
                    if hint_key == key:
                        yield stored.version

    # --- liveness ----------------------------------------------------------------------------------
    @eventually_always
    def eventual_convergence(self, world: World) -> bool:
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
        """The runtime's steps, from the world with the one-state acknowledgement mark cleared
        first (it lasts exactly one state)."""
        if world.extra.acked:  # the acknowledgement mark lasts exactly one state
            world = world._replace(extra=world.extra._replace(acked=False))
        return super().next_steps(world)

    def _faults(self, world: World):
        for action, after in super()._faults(world):
            if action.kind in ("recover", "heal"):
                after = self.restart_hint_windows(self._still_absent(after))
            yield action, after

    def _still_absent(self, world: World) -> World:
        clients = world.clients
        for c, client in enumerate(clients):
            if isinstance(client.op, Writing) and client.op.absent:
                absent = client.op.absent & self._absent_homes(world, c)
                if absent != client.op.absent:
                    clients = replace_at(clients, c, client._replace(op=client.op._replace(absent=absent)))
        return world._replace(clients=clients)

    def ample_steps(self, world: World, steps: list, observed: frozenset):
        """Partial-order reduction's ample sets (``--por``): see ``leaderless_por.py``."""
        return leaderless_ample_steps(self, world, steps, observed)

    def describe_changes(self, before: World, after: World) -> list[str]:
        """As the runtime, without the family-wide state: the clocks are fixed for the run, the
        acknowledgement mark is bookkeeping, and a hint window's end is its own step's label."""
        return super().describe_changes(before._replace(extra=None), after._replace(extra=None))

    @sometimes
    def write_acknowledged_while_a_home_is_down(self, world: World) -> bool:
        """A write is acknowledged while a home replica is down or cut off for the whole write."""
        return world.extra.acked


class LeaderlessSiblings(SiblingsMixin, Leaderless):
    """Leaderless quorums keeping concurrent writes as siblings (Riak allow_mult = true)."""


# The typed, frozen parameters a Leaderless reads (``self.cfg.n``), one field per PARAMS entry.
LeaderlessSettings = settings_type("LeaderlessSettings", Leaderless.PARAMS, module=__name__)

Leaderless.PARAMS = with_note(
    Leaderless.PARAMS, "conflict", mode_note(Leaderless(), {"siblings": Leaderless(conflict="siblings")})
)
