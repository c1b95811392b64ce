"""Multi-leader (active-active) replication.

The protocol (DDIA ch. 5 "Multi-Leader Replication"; CouchDB replication, DynamoDB global
tables in MREC mode, Riak with allow_mult -- docs/databases.md, Riak, DynamoDB and CouchDB): there are two or
three regions, each with a leader ``l0``, ``l1``, ``l2``. Every client has a home region.

* A client sends each operation to its home leader (``sticky``; otherwise its reads go to
  the next region's leader, as when a client moves or a load balancer has no session
  affinity; a script word ending in ``@lN`` sends that one operation to ``lN``).
* write: the leader applies the write to its own copy at once, acknowledges it, and sends
  it to every other leader asynchronously ("rep" messages; there is no anti-entropy, so a
  lost "rep" is never repaired -- unless ``retry = true``: the leader resends it until it is
  delivered, as CouchDB's replicator does).
* read: the leader answers from its own copy.
* on a "rep" the receiving leader merges the incoming state into its own copy.

How concurrent writes are reconciled is the parameter ``conflict``:

* ``lww`` -- last writer wins (Cassandra, DynamoDB global tables, Riak
  ``last_write_wins``): the leader stamps each write with its clock and every copy keeps
  the highest stamp. Time is a counter that advances by one tick each time a write is
  stamped anywhere, so writes are stamped in real-time order; each leader's clock reads
  true time plus a fixed offset. The offsets are chosen nondeterministically in the
  initial state, every vector in 0..``skew`` whose smallest offset is 0 (shifting all
  clocks together changes nothing), and stay fixed for the run: a bounded run is far
  shorter than a drift period, and one constant offset is all that reordering two writes
  takes. Choosing them nondeterministically rather than fixing them covers every direction
  of skew, so a spec need not know which leader's clock runs ahead. ``skew = k`` lets a
  clock run up to k ticks ahead, so a write can lose against one stamped k ticks earlier.
  Equal timestamps go to the larger value, as in Cassandra; since the model's values are
  abstract, both orders of the values are tried (see ``leaderless_clocks``), so a verdict
  does not depend on which leader is named first. (Until issue 12 the tie went to the
  higher leader id, which made the same skew HOLD or fail depending on naming.)
* ``crdt`` with ``type``: ``counter`` (a PN-counter; ``inc``/``dec``), ``or_set`` (an
  observed-remove, add-wins set; ``add:E``/``rem:E``, optimised with a causal context as in
  Bieniusa et al. 2012) or ``mv_register`` (a multi-value register: a write replaces
  everything its leader has seen, concurrent writes stay side by side). Leaders ship their
  whole CRDT state and merge by the join, so duplicated or reordered "rep" messages are
  harmless (Riak data types).
* ``siblings`` -- version vectors (Riak ``allow_mult = true``, CouchDB conflicts, the Dynamo
  paper): a client stamps its write with its session's causal context (the join of the
  version vectors its earlier operations on the key returned) plus one in its own entry,
  and the write replaces exactly the versions that context covers; concurrent versions are
  all kept, a read returns all of them, and a client resolves a conflict by writing after
  reading the siblings (its write supersedes them). The vectors have one entry per client
  -- a sequential session can name its own writes exactly, which gives the causality
  Riak's dotted version vectors (``dvv_enabled``) give with server-side ids.
* ``revisions`` -- CouchDB: revision trees merged by replication, a read returns one
  deterministic winner (longest history, then revision id) and the losing revisions are kept
  (see ``multi_leader_revisions``).

Faults are the runtime's (crashes, message loss and duplication, partitions). A partition
splits whole regions: a leader and the clients homed there stay together. A leader that
loses its disk (``durable = false``) loses the writes it had not yet replicated with it.

The anomalies it can show: an acknowledged write read back at another leader before it
arrived (read_your_writes fails when the client switches leaders); under LWW, concurrent
writes converge by silently discarding all but one, and clock skew discards even a write
made after another was acknowledged (no_lost_updates); a retried (duplicated) increment is
counted twice; a lost "rep" leaves the regions diverged for good (convergence,
eventual_convergence); a leader that loses its disk takes its unreplicated acknowledged
writes with it (durable_acks).

Convergence comes in two forms. ``convergence`` is the safety form (``@always``): in every
quiet state (nothing in flight, no client busy, every leader up) all replicas hold the same
state. ``eventual_convergence`` is the liveness form (``@eventually_always``, decided under
weak fairness on the whole state graph): on every fair behaviour, from some point on every
live leader holds the same state of every key -- the same stamped value (``lww``), the same
set of siblings with their vectors (``siblings``, ``mv_register``), the same CRDT state
(``counter``, ``or_set``). Fairness (weak, per action kind): message delivery ("deliver")
and partition healing ("heal") are fair -- a step of that kind that stays possible happens
-- while client invocations, crashes, recoveries, drops, duplicates and new partitions are
not: clients may stop (so writes do stop), faults may or may not happen, and a crashed
leader may stay down (it then does not count). A behaviour may stop in any state where no
fair step is possible (``stuttering``). So the replicas converge unless a "rep" is lost
(there is no anti-entropy) or a leader loses its disk; and, with ``heals = false``,
healing is not fair: a partition may last for ever, the "rep" messages across it are never
delivered, and eventual_convergence fails with a lasso that stops in the partitioned state.

How the shared guarantees read per mode: in ``lww`` a version is the stamp (timestamp,
leader) and the history is that of a single register. In every other mode a version is a
version vector: a write's version is the vector of the state it produced, a read's the
join of what it returned, and "a supersedes b" means a's vector strictly dominates b's --
a includes everything b did (the entries count operations per leader; in ``siblings``
mode, writes per client). Two guarantees are switched off there: ``linearizable`` (a read
that returns siblings, a count or a set is not a register read) and ``no_lost_updates``
(its "a later write supersedes the earlier" is the register contract those modes
deliberately replace by keeping concurrent writes side by side; what they promise instead
is checked by ``no_write_discarded_unseen``, ``counts_every_increment`` and ``add_wins``).
"""

from dataclasses import replace
from typing import NamedTuple

from replcheck.checker import always, sometimes
from replcheck.checker.errors import ParameterError
from replcheck.checker.properties import eventually_always

from .guarantees import Guarantees, operations
from .leaderless_clocks import TIE_TEXT, offset_vectors, tie_orders, tie_rank
from .leaderless_modes import mode_note, with_note
from .multi_leader_revisions import RevisionsMixin
from .params import Param, bind, settings_type
from .runtime import FAULT_PARAMS, INITIAL_VALUE, Action, Msg, Op, ReplicationModel, World, _new, replace_at


class Extra(NamedTuple):
    """Family-wide state. ``offsets``/``now``: LWW clocks (true time counts stamped writes).
    ``cut``: history length when the current partition started (-1: none); a ghost the
    availability witness reads, kept only when partitions may happen."""

    offsets: tuple = ()
    now: int = 0
    cut: int = -1
    ties: int = 1  # +1/-1: the order of values an equal-timestamp tie follows


class Siblings(NamedTuple):
    """A read's values in the siblings and mv_register modes (one value when no conflict)."""

    values: tuple


class Count(NamedTuple):
    """A counter read's value."""

    n: int


class Elements(NamedTuple):
    """An or_set read's value."""

    names: tuple


def _join(a: tuple, b: tuple) -> tuple:
    return tuple(map(max, a, b))


def _leq(a: tuple, b: tuple) -> bool:
    for x, y in zip(a, b):  # a loop, not all(genexpr): called per retained version per state
        if x > y:
            return False
    return True


def _maximal(versions) -> tuple:
    """The (vector, value) pairs no other pair's vector strictly dominates, sorted."""
    versions = set(versions)
    return tuple(sorted(v for v in versions if not any(u[0] != v[0] and _leq(v[0], u[0]) for u in versions)))


def _vv(vector: tuple) -> str:
    return "[" + ",".join(map(str, vector)) + "]"


OPS = {  # script words per mode (besides r); w is a write, the rest are named CRDT operations
    "lww": ("w",),
    "siblings": ("w",),
    "revisions": ("w",),
    "mv_register": ("w",),
    "counter": ("w", "inc", "dec"),
    "or_set": ("add", "rem"),
}


_FAULT_HELP = {
    "drops": "how many messages the network may lose: a lost request or reply leaves that "
    'operation pending; a lost "rep" is never sent again unless retry = true',
    "dups": "how many messages the network may deliver twice (a duplicated write is applied "
    'twice, a duplicated "rep" merged twice)',
    "durable": 'a leader keeps its data across a crash (false: disk lost, with the "rep" messages it had not yet sent)',
    "partitions": "how many partitions may start: whole regions (a leader with the clients "
    "homed there) cut off from the others; each heals unless heals = false",
}


class MultiLeader(Guarantees, ReplicationModel):
    """Multi-leader replication: 2-3 regions accept writes and replicate asynchronously."""

    name = "multi_leader"
    PARAMS = (
        (
            Param("leaders", int, 2, "regions, each with a leader that accepts writes", minimum=2, maximum=3),
            Param(
                "clients",
                list,
                ("w r", "w r"),
                "one script per client: w, r, w:KEY, r:KEY (crdt counter: inc, dec; or_set: "
                "add:E, rem:E); a word ending in @lN goes to leader lN",
            ),
            Param(
                "homes",
                list,
                (),
                'each client\'s home leader, e.g. ["l0", "l1"] (default: client i at l(i mod leaders))',
            ),
            Param(
                "sticky",
                bool,
                True,
                "clients send every operation to their home leader (false: reads go to the next region's leader)",
            ),
            Param(
                "conflict",
                str,
                "lww",
                "how concurrent writes are reconciled: last writer wins "
                "(lww), CRDT merge (crdt), siblings kept and all returned (siblings: Riak "
                "allow_mult), or a deterministic winner returned with the losing revisions kept "
                "(revisions: CouchDB)",
                choices=("lww", "crdt", "siblings", "revisions"),
            ),
            Param("type", str, "", 'the CRDT for conflict = "crdt"', choices=("counter", "or_set", "mv_register")),
            Param(
                "skew",
                int,
                0,
                "lww only: how many ticks a leader's clock may run ahead of the "
                "slowest (a tick: true time advances one tick per write stamped); 0: clocks agree; " + TIE_TEXT,
                minimum=0,
                maximum=3,
            ),
            Param(
                "retry",
                bool,
                False,
                'a leader sends a lost "rep" again until it is delivered '
                '(CouchDB replication, DynamoDB global tables); false: a lost "rep" is gone for '
                "good and nothing repairs it (no anti-entropy)",
            ),
        )
        + tuple(replace(p, help=_FAULT_HELP.get(p.name, p.help)) for p in FAULT_PARAMS)
        + (
            Param(
                "heals",
                bool,
                True,
                'every partition eventually heals ("heal" is a fair action); false: a partition may last for ever',
            ),
        )
    )
    SUMMARY_ALWAYS = ("conflict",)
    # Fairness of the liveness property ``eventual_convergence`` (see the module docstring);
    # ``heals = false`` drops "heal" from it (set per instance in ``__init__``).
    fair_actions = frozenset({"deliver", "heal"})
    stuttering = True

    def __new__(cls, **given):
        """``MultiLeader(...)`` builds the subclass of its conflict mode (``MODE_CLASSES``);
        the parameters are bound and validated once, here, and handed to ``__init__``."""
        p = None
        if cls is MultiLeader:
            p = _validated(bind(cls.PARAMS, given), given)
            cls = MODE_CLASSES[(p["conflict"], p["type"])]
        made = super().__new__(cls)
        made._bound = p
        return made

    def __init__(self, **given):
        p = self.__dict__.pop("_bound", None) or _validated(bind(self.PARAMS, given), given)
        wanted = MODE_CLASSES[(p["conflict"], p["type"])]
        if not isinstance(self, wanted):
            raise ParameterError(
                "conflict",
                f"{type(self).__name__} cannot model "
                f"{_mode_text(p)}; build MultiLeader(...), "
                f"which picks {wanted.__name__}",
            )
        self.leaders = p["leaders"]
        self.mode = p["type"] or p["conflict"]
        homes = self._homes(p)
        words, self.targets, effects = self._parse_scripts(p, homes)
        self.homes = homes
        super().__init__(self.leaders, {**p, "clients": words})
        self.params = p
        self.cfg = MultiLeaderSettings(**p)
        if not p["heals"]:
            self.fair_actions = frozenset({"deliver"})
        self.effect = {value: effects[c][i] for value, (c, i) in self.writes.items()}
        self.zero = (0,) * (self.client_count if self.mode == "siblings" else self.leaders)
        self.scripts = tuple(
            tuple(_routed(op, leader) for op, leader in zip(script, targets))
            for script, targets in zip(self.scripts, self.targets)
        )
        self.others = tuple(tuple(o for o in range(self.leaders) if o != l) for l in range(self.leaders))

    # --- parameters ---------------------------------------------------------------------------
    def _homes(self, p) -> tuple:
        n = len(p["clients"])
        names = [f"l{i}" for i in range(self.leaders)]
        if not p["homes"]:
            return tuple(c % self.leaders for c in range(n))
        if len(p["homes"]) != n:
            raise ParameterError(
                "homes",
                f"{len(p['homes'])} homes for {n} client scripts; "
                f"give one home leader per client, e.g. "
                f"{[names[c % self.leaders] for c in range(n)]}",
            )
        for home in p["homes"]:
            if home not in names:
                raise ParameterError(
                    "homes", f"unknown leader {home!r}; the leaders are {', '.join(names)} (or raise leaders)"
                )
        return tuple(names.index(h) for h in p["homes"])

    def _parse_scripts(self, p, homes):
        """Our script words -> the runtime's (w:KEY / r:KEY), the leader each op goes to,
        and what each write does (None, +1/-1, or ("add"|"rem", element))."""
        if not p["clients"]:
            raise ParameterError("clients", 'needs at least one client script, e.g. ["w r"]')
        allowed = OPS[self.mode]
        hint = ", ".join(w + (":E" if w in ("add", "rem") else "") for w in allowed) + ", r"
        words, targets, effects = [], [], []
        for c, text in enumerate(p["clients"]):
            out, where, what = [], [], []
            for word in text.split():
                body, at, leader = word.partition("@")
                op, colon, arg = body.partition(":")
                bad = (op != "r" and op not in allowed) or (at and leader not in [f"l{i}" for i in range(self.leaders)])
                if op in ("add", "rem"):
                    bad = bad or not arg.isidentifier()
                elif colon and not arg.isidentifier():
                    bad = True
                if bad:
                    raise ParameterError(
                        "clients",
                        f"cannot read {word!r} in {text!r}; with "
                        f"{_mode_text(p)} the operations are {hint}, "
                        f"each optionally @l0..@l{self.leaders - 1}",
                    )
                if self.mode == "or_set" and op == "r" and arg not in ("", "x"):
                    raise ParameterError(
                        "clients", f"cannot read {word!r} in {text!r}; or_set models one set: read it with r"
                    )
                key = "x" if op in ("add", "rem") else (arg or "x")
                out.append(f"{'r' if op == 'r' else 'w'}:{key}")
                if at:
                    where.append(int(leader[1:]))
                elif op == "r" and not p["sticky"]:
                    where.append((homes[c] + 1) % self.leaders)
                else:
                    where.append(homes[c])
                what.append(
                    {"inc": 1, "dec": -1, "add": ("add", arg), "rem": ("rem", arg)}.get(
                        op, 1 if self.mode == "counter" and op == "w" else None
                    )
                )
            if not out:
                raise ParameterError("clients", f"a client script is empty; give it at least one of {hint}")
            words.append(" ".join(out))
            targets.append(tuple(where))
            effects.append(tuple(what))
        return tuple(words), tuple(targets), tuple(effects)

    # --- naming ---------------------------------------------------------------------------------
    def node_name(self, node: int) -> str:
        """The leaders are ``l0``, ``l1``, ``l2``."""
        return f"l{node}"

    def value_name(self, value) -> str:
        """A read's value in the mode's form (siblings as ``{1,2}``, one value alone; a count; a
        set's elements as ``{a,b}``), a CRDT operation by its effect and number (``inc#2``,
        ``add(a)#1``), anything else as the runtime numbers written values."""
        if isinstance(value, Siblings):
            names = [super(MultiLeader, self).value_name(v) for v in value.values]
            return names[0] if len(names) == 1 else "{" + ",".join(names) + "}"
        if isinstance(value, Count):
            return str(value.n)
        if isinstance(value, Elements):
            return "{" + ",".join(value.names) + "}"
        effect = self.effect.get(value) if hasattr(self, "effect") else None
        if isinstance(effect, tuple):
            return f"{effect[0]}({effect[1]})#{value}"
        if effect is not None:
            return f"{'inc' if effect > 0 else 'dec'}#{value}"
        return super().value_name(value)

    def describe_version(self, version) -> str:
        """A version vector as ``[1,0]`` (LWW names its stamps instead)."""
        return _vv(version)

    def describe_msg(self, msg: Msg) -> str:
        """Client ``write`` (with the session context it carries, if any) and ``read`` requests,
        ``ack`` and ``value`` replies with their versions, and a ``rep`` with the key state it
        ships, in the mode's words (``describe_key_state``)."""
        b, k = msg.body, self.key_name
        if msg.kind == "write":
            key, value, vector, _tag = b
            stamp = f"@{_vv(vector)}" if vector else ""
            return f"write({k(key)}={self.value_name(value)}{stamp})"
        if msg.kind == "read":
            return f"read({k(b[0])})"
        if msg.kind == "ack":
            _tag, value, version = b
            return f"ack({self.value_name(value)}@{self.describe_version(version)})"
        if msg.kind == "value":
            _tag, value, version = b
            return f"value({self.value_name(value)}@{self.describe_version(version)})"
        key, state = b
        return f"rep({k(key)}={self.describe_key_state(state)})"

    def describe_action(self, a: Action) -> str:
        """An invocation names the operation (a CRDT operation by its effect) and the leader it
        goes to; a crash without durable storage says it takes the unreplicated writes with it."""
        if a.kind == "invoke":
            op = a.detail
            at = self.node_name(op.leader)
            effect = self.effect.get(op.value) if op.kind == "w" else None
            k = self.key_name(op.key)
            if op.kind == "r":
                what = f"read {k}"
            elif isinstance(effect, tuple):
                what = f"{effect[0]} {effect[1]} (#{op.value})"
            elif effect is not None:
                what = f"{'increment' if effect > 0 else 'decrement'} {k} (#{op.value})"
            else:
                what = f"write {k}={op.value}"
            return f"{self.actor_name(a.actor)} invokes {what} at {at}"
        if a.kind == "crash" and not self.cfg.durable:
            return f"{self.actor_name(a.actor)} crashes and loses its disk, with the writes it had not yet replicated"
        return super().describe_action(a)

    def lane_label(self, world: World, actor: int) -> str:
        """Leader lanes show a skewed clock's offset (the diagram's title cannot)."""
        name = self.actor_name(actor)
        offsets = world.extra.offsets
        if actor < self.node_count and any(offsets):
            return f"{name} (clock {offsets[actor]:+d})"
        return name

    def describe_node(self, local) -> str:
        """A leader's copy: each key's state in the mode's words."""
        return ", ".join(f"{self.key_name(k)}={self.describe_key_state(s)}" for k, s in enumerate(local))

    def describe_extra(self, extra: Extra) -> str:
        """LWW: true time, the clock offsets and, if reversed, the order of equal-timestamp ties.
        Other modes: only whether a partition is under way (the availability witness's mark)."""
        if not extra.offsets:
            return "partition started" if extra.cut >= 0 else "partition over"
        clocks = ", ".join(f"l{i}{o:+d}" for i, o in enumerate(extra.offsets))
        ties = "; equal timestamps go to the smaller value" if extra.ties < 0 else ""
        return f"true time {extra.now} (clock offsets {clocks}{ties})"

    # --- the state machine ------------------------------------------------------------------------
    def init_node(self, node: int) -> tuple:
        """Every key in the mode's initial state (``init_key``)."""
        return tuple(self.init_key() for _ in self.key_names)

    def init_extra(self):
        """No clocks and no partition; LWW's ``init_states`` sets the clocks of each initial world."""
        return Extra()

    def _faults(self, world: World):
        # Partitions start and heal only here, so marking the cut here (not in a wrapper
        # around every step) gives the same steps; Extra and World built positionally.
        for action, succ in super()._faults(world):
            kind = action.kind
            if kind == "partition" or kind == "heal":
                e = succ.extra
                cut = len(succ.history) if kind == "partition" else -1
                succ = _new(World, succ[:5] + (_new(Extra, (e.offsets, e.now, cut, e.ties)),))
            yield action, succ

    def _deliveries(self, world: World):
        """With ``retry``, a "rep" is resent until delivered, which is the same as a delay:
        the network's drop of a "rep" is not offered (the drop budget stays for the rest)."""
        steps = super()._deliveries(world)
        if not self.cfg.retry:
            return steps
        return ((a, w) for a, w in steps if not (a.kind == "drop" and a.msg.kind == "rep"))

    def after_crash(self, world: World, node: int) -> World:
        """A leader that loses its disk (durable = false) also loses its replication log:
        the writes it had not yet shipped to the other regions ("rep" messages still in
        flight) are gone with it. With durable storage they are shipped after all."""
        if self.cfg.durable:
            return world
        return world._replace(net=tuple(m for m in world.net if not (m.src == node and m.kind == "rep")))

    def partition_sides(self) -> tuple:
        """Regions split whole: a side holds some leaders (never l0, to list each split once)
        and the clients homed there, so local clients keep reaching their leader."""
        sides = []
        for mask in range(2, 1 << self.leaders, 2):
            clients = sum(1 << self.client_actor(c) for c, home in enumerate(self.homes) if mask >> home & 1)
            sides.append(mask | clients)
        return tuple(sides)

    def start_operation(self, ctx, client: int, op):
        """Send the operation to the leader its script position routes it to (home, next region,
        or ``@lN``); a write carries the mode's session context. The op state is the script
        position, which replies carry as their tag."""
        pc = ctx.world.clients[client].pc
        target = self.targets[client][pc]
        if op.kind == "w":
            ctx.send(target, "write", op.key, op.value, self.session_context(ctx.world, client, op.key), pc)
        else:
            ctx.send(target, "read", op.key, pc)
        return pc

    def request_is_obsolete(self, msg: Msg) -> bool:
        """Reads: they change no leader. Writes are kept: a late write is still applied."""
        return msg.kind == "read"

    def on_node_message(self, ctx, node: int, local: tuple, msg: Msg) -> tuple:
        """A write is applied to the leader's copy at once (``apply_write``), acknowledged with its
        version, and shipped to every other leader in a "rep" (``shipped``); a read is answered
        from the leader's own copy (``read_value``); a "rep" is merged into it (``merge``)."""
        if msg.kind == "write":
            key, value, cctx, tag = msg.body
            state, version = self.apply_write(ctx, node, local[key], value, cctx)
            local = replace_at(local, key, state)
            ctx.send(msg.src, "ack", tag, value, version)
            for other in self.others[node]:
                ctx.send(other, "rep", key, self.shipped(state, value, version, node))
        elif msg.kind == "read":
            key, tag = msg.body
            ctx.send(msg.src, "value", tag, *self.read_value(local[key]))
        elif msg.kind == "rep":
            key, state = msg.body
            local = replace_at(local, key, self.merge(local[key], state))
        return local

    def on_client_message(self, ctx, client: int, op_state, msg: Msg):
        """A reply tagged with the running operation's position completes it with the value and
        version it carries; a late reply to an earlier operation is ignored. Nothing here fails or
        times out: a lost request or reply leaves the operation pending."""
        tag, value, version = msg.body
        if tag == ctx.world.clients[client].pc:
            ctx.complete(client, value, version)
        return op_state

    # --- mode hooks (vector modes share these) ----------------------------------------------------
    def session_context(self, world: World, client: int, key: int) -> tuple:
        """What a write carries from its session: nothing (``()``); siblings mode overrides it with
        the session's causal context."""
        return ()

    def shipped(self, state, value, version, leader):
        """What a leader sends to the others after a write: its whole state for the key."""
        return state

    def supersedes(self, a, b) -> bool:
        """Vector modes: ``a`` strictly dominates ``b`` (it includes everything ``b`` did, and more)."""
        return a != b and _leq(b, a)

    def covers(self, a, b) -> bool:
        """Vector modes: ``a`` dominates or equals ``b``."""
        return _leq(b, a)

    def context(self, state) -> tuple:
        """The version vector of everything a key's state includes."""
        raise NotImplementedError

    def retained_versions(self, world: World, key: int):
        """The version (``context``: a vector, or LWW's stamp) of each servable leader's state of
        ``key``: leaders that are up, or all of them when crashed leaders may recover."""
        for node in self._servable(world):
            yield self.context(world.nodes[node][key])

    # --- helpers the properties share ---------------------------------------------------------
    def _servable(self, world: World):
        down = world.faults.down  # what node_is_up reads, read once for all nodes
        if not down or self.cfg.recover:
            return range(self.node_count)
        return [n for n in range(self.node_count) if not down >> n & 1]

    def _ops(self, world: World):
        memo = self._verdicts_for(world.history)
        ops = memo.get("")
        if ops is None:
            ops = memo[""] = operations(world.history)
        return ops

    def _quiescent(self, world: World) -> bool:
        """Nothing in flight, no client mid-operation, every leader up."""
        return not world.net and not world.faults.down and all(c.op is None for c in world.clients)

    # --- properties every mode has ---------------------------------------------------------------------
    @always
    def convergence(self, world: World) -> bool:
        """When quiet (nothing in flight, no client busy, all leaders up), all replicas agree.

        The safety form of convergence: a quiet state is where writes have stopped and
        faults have healed, so any difference left there is permanent."""
        if not self._quiescent(world):
            return True
        first = world.nodes[0]
        return all(local == first for local in world.nodes[1:])

    @eventually_always
    def eventual_convergence(self, world: World) -> bool:
        """Replicas end up agreeing: from some point on, every live leader holds the same state of every key.

        The liveness form of convergence, under weak fairness of delivery and (unless
        ``heals = false``) healing: once writes stop and partitions heal, every replica ends
        with the same value, the same siblings or the same CRDT state. A leader that stays
        down does not count."""
        live = [local for n, local in enumerate(world.nodes) if self.node_is_up(world, n)]
        return all(local == live[0] for local in live[1:])

    @sometimes
    def writes_acknowledged_on_both_sides_of_a_partition(self, world: World) -> bool:
        """During one partition, clients on both sides have writes invoked and acknowledged."""
        side, cut = world.faults.side, world.extra.cut
        if not side or cut < 0:
            return False
        invoked, sides = set(), 0
        for pos in range(cut, len(world.history)):
            e = world.history[pos]
            if e.op != "w":
                continue
            if e.kind == "invoke":
                invoked.add((e.client, e.index))
            elif (e.client, e.index) in invoked:
                sides |= 1 << (side >> self.targets[e.client][e.index] & 1)
        return sides == 3


class RoutedOp(Op):
    """A scripted operation that also knows the leader it goes to (``leader``, an attribute
    outside the tuple, so it takes no part in equality)."""


def _routed(op: Op, leader: int) -> RoutedOp:
    routed = RoutedOp(*op)
    routed.leader = leader
    return routed


def _mode_text(p) -> str:
    return f'conflict = "crdt", type = "{p["type"]}"' if p["conflict"] == "crdt" else f'conflict = "{p["conflict"]}"'


def _validated(p: dict, given: dict) -> dict:
    """Cross-field checks; each error names the field and the fix."""
    if p["conflict"] == "crdt" and not p["type"]:
        raise ParameterError("type", 'conflict = "crdt" needs a type: counter, or_set or mv_register')
    if p["conflict"] != "crdt" and "type" in given:
        raise ParameterError(
            "type",
            f'only applies to conflict = "crdt"; remove it or set conflict = "crdt" (conflict is "{p["conflict"]}")',
        )
    if not p["heals"] and not p["partitions"]:
        raise ParameterError("heals", "only matters when partitions may happen; remove it or set partitions = 1")
    if p["conflict"] != "lww" and p["skew"]:
        raise ParameterError(
            "skew", f'clock skew only matters for conflict = "lww"; remove it (conflict is "{p["conflict"]}")'
        )
    return p


class LwwMultiLeader(MultiLeader):
    """Last writer wins by leader clock, equal timestamps by value; clocks may be skewed."""

    # A version is the stamp (timestamp, tie rank, leader); a key's state is the stamp and
    # the value. The rank (see leaderless_clocks) decides equal timestamps; the leader id
    # only names where the write was stamped (ranks are unique, so it never decides).
    def init_states(self):
        """One initial world per clock offset vector (each offset 0..skew, the smallest 0) and per
        order of equal-timestamp ties (both orders only when clocks are skewed)."""
        skew = self.cfg.skew
        for offsets in offset_vectors(self.leaders, skew):
            for ties in tie_orders(skew):
                for world in super().init_states():
                    yield world._replace(extra=Extra(offsets=offsets, ties=ties))

    def init_key(self):
        """The initial value under the zero stamp (timestamp 0, rank 0, leader -1)."""
        return (0, 0, -1, INITIAL_VALUE)

    def apply_write(self, ctx, leader, state, value, cctx):
        """True time advances one tick; the write is stamped (the leader's clock: true time plus
        its offset; the tie rank, only with skew; the leader) and the copy keeps the larger of its
        stamp and the held one. Its version is its own stamp even when it lost at once: a write
        stamped below what the leader holds is acknowledged and discarded (the LWW anomaly)."""
        extra = ctx.world.extra
        now = extra.now + 1
        ctx.world = _new(World, ctx.world[:5] + (_new(Extra, (extra.offsets, now, extra.cut, extra.ties)),))
        rank = tie_rank(extra.ties, value) if self.cfg.skew else 0
        stamped = (now + extra.offsets[leader], rank, leader, value)
        return max(state, stamped), stamped[:3]

    def shipped(self, state, value, version, leader):
        """The write itself (its stamp and value), not the leader's copy of the key."""
        return version + (value,)  # the write itself, as it was stamped

    def merge(self, state, incoming):
        """Last writer wins: the larger stamp, with its value."""
        return max(state, incoming)

    def read_value(self, state):
        """The held value, with its stamp as the version."""
        return state[3], state[:3]

    def supersedes(self, a, b) -> bool:
        """``a`` is a larger stamp than ``b`` (timestamp, then tie rank, then leader)."""
        return a > b

    def covers(self, a, b) -> bool:
        """``a`` is ``b`` or a larger stamp."""
        return a >= b

    def context(self, state):
        """The stamp of the held value (the state without its value)."""
        return state[:3]

    def describe_version(self, version) -> str:
        """A stamp as ``t3/l1`` (timestamp 3, stamped at ``l1``); ``init`` for the initial value's."""
        return "init" if version[2] < 0 else f"t{version[0]}/l{version[2]}"

    def describe_key_state(self, state) -> str:
        """The held value and its stamp, as ``2@t3/l1``."""
        return f"{self.value_name(state[3])}@{self.describe_version(state[:3])}"

    @sometimes
    def converged_by_losing_a_write(self, world: World) -> bool:
        """Replicas agree, yet an acknowledged write is gone, replaced by a write not made after it.

        Quiet and converged, and the value every replica holds was written by a write that
        was invoked before the lost one was acknowledged (concurrent with it)."""
        if not self._quiescent(world) or any(n != world.nodes[0] for n in world.nodes[1:]):
            return False
        ops = self._ops(world)
        for w in ops:
            if w.op != "w" or w.returned is None:
                continue
            held = world.nodes[0][w.key][3]
            if held == w.value:
                continue
            winner = next((o for o in ops if o.op == "w" and o.value == held), None)
            if winner is None or winner.invoked < w.returned:
                return True
        return False


class VectorMultiLeader(MultiLeader):
    """Modes whose versions are version vectors."""

    linearizable = None
    no_lost_updates = None


class SiblingsMultiLeader(VectorMultiLeader):
    """Version vectors; concurrent versions kept as siblings; clients merge by writing."""

    # A key's state is the sorted tuple of (version vector, value) siblings. The vectors
    # have one entry per client: a client stamps its write with its session context (the
    # join of the versions its earlier operations on the key returned) plus one for its
    # own entry, so a write supersedes exactly what its client has seen -- the exact
    # causality Riak gets from dotted version vectors (dvv_enabled), with client ids
    # standing in for the dots since a session is sequential.
    def init_key(self):
        """One sibling: the initial value with the zero vector (one entry per client)."""
        return ((self.zero, INITIAL_VALUE),)

    def session_context(self, world: World, client: int, key: int) -> tuple:
        """The join of the versions the client's completed operations on ``key`` returned (what
        the session has seen of it), plus one in the client's own entry: the new write's vector.
        It is read from the history, as a client that always passes on the context it got."""
        vector = self.zero
        for e in world.history:
            if e.kind == "ok" and e.client == client and e.key == key:
                vector = _join(vector, e.version)
        return replace_at(vector, client, vector[client] + 1)

    def apply_write(self, ctx, leader, state, value, vector):
        """The write replaces the siblings its vector covers; siblings it did not see stay beside
        it. Its version is its vector."""
        kept = [s for s in state if not _leq(s[0], vector)]
        return _maximal(kept + [(vector, value)]), vector

    def merge(self, state, incoming):
        """The union of both sides' siblings, less those another sibling's vector strictly dominates."""
        return _maximal(state + incoming)

    def read_value(self, state):
        """All sibling values, sorted, with the join of their vectors as the version."""
        return Siblings(tuple(sorted(v for _, v in state))), self.context(state)

    def context(self, state):
        """The join of the siblings' vectors: everything this state includes."""
        vector = state[0][0]
        for other, _ in state[1:]:
            vector = _join(vector, other)
        return vector

    def retained_versions(self, world: World, key: int):
        """Each sibling's own vector on every servable leader, not their join: a write counts as
        retained only while some sibling that saw it is still held."""
        for node in self._servable(world):
            for vector, _ in world.nodes[node][key]:
                yield vector

    def describe_key_state(self, state) -> str:
        """The siblings as ``value@[vector]``, several in braces."""
        parts = [f"{self.value_name(v)}@{_vv(vector)}" for vector, v in state]
        return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"

    @always
    def no_write_discarded_unseen(self, world: World) -> bool:
        """No acknowledged write is discarded without being seen by the write that replaces it.

        A replica that has received an acknowledged write still holds it or a version whose
        vector covers it (a write that saw it); concurrent writes stay side by side."""
        # A replica has received write w when its causal context includes w -- or, since a
        # faulty merge could drop w together with its trace in the context, whenever every
        # replication message has been delivered (quiescent, none lost, none purged by a
        # disk loss): then every replica has received every acknowledged write.
        ops = [o for o in self._ops(world) if o.op == "w" and o.returned is not None]
        if not ops:
            return True
        everywhere = (
            self._quiescent(world) and not world.faults.drops and (self.cfg.durable or not world.faults.crashes)
        )
        for node in self._servable(world):
            local = world.nodes[node]
            for w in ops:
                state = local[w.key]
                if (everywhere or _leq(w.version, self.context(state))) and not any(
                    _leq(w.version, vector) for vector, _ in state
                ):
                    return False
        return True

    @sometimes
    def read_returns_siblings(self, world: World) -> bool:
        """A read returns two concurrent writes side by side."""
        return any(e.kind == "ok" and e.op == "r" and len(e.value.values) > 1 for e in world.history)

    @sometimes
    def client_merges_siblings(self, world: World) -> bool:
        """A client's acknowledged write supersedes two concurrent acknowledged writes."""
        writes = [o for o in self._ops(world) if o.op == "w" and o.returned is not None]
        for m in writes:
            below = [o for o in writes if o.key == m.key and self.supersedes(m.version, o.version)]
            if any(
                not self.covers(a.version, b.version) and not self.covers(b.version, a.version)
                for a in below
                for b in below
            ):
                return True
        return False


class MvRegisterMultiLeader(SiblingsMultiLeader):
    """A multi-value register CRDT: a write replaces what its leader has seen."""

    # Vectors have one entry per leader: a write's vector is its leader's knowledge (the
    # join of the vectors it holds) plus one for the leader's own entry.
    client_merges_siblings = None

    def session_context(self, world: World, client: int, key: int) -> tuple:
        """Nothing: an mv_register write takes its context from its leader, not its session."""
        return ()

    def apply_write(self, ctx, leader, state, value, cctx):
        """The write's vector is the leader's knowledge (the join of the siblings it holds) plus
        one in the leader's entry, and it replaces every sibling there -- concurrent writes stay
        side by side only when they meet in a merge."""
        known = self.context(state)
        vector = replace_at(known, leader, known[leader] + 1)
        return ((vector, value),), vector


class CounterMultiLeader(VectorMultiLeader):
    """A PN-counter CRDT: per leader, increments and decrements; merge is the pointwise max."""

    # A key's state is (increments per leader, decrements per leader).
    def init_key(self):
        """No increments and no decrements at any leader."""
        return ((0,) * self.leaders, (0,) * self.leaders)

    def apply_write(self, ctx, leader, state, value, cctx):
        """One more increment (``inc``, or ``w``) or decrement (``dec``) in the leader's own entry;
        the version is the new state's ``context``."""
        p, n = state
        if self.effect[value] > 0:
            p = replace_at(p, leader, p[leader] + 1)
        else:
            n = replace_at(n, leader, n[leader] + 1)
        return (p, n), self.context((p, n))

    def merge(self, state, incoming):
        """The pointwise maximum of the increments and of the decrements: idempotent, so a
        duplicated or reordered "rep" is harmless."""
        return (_join(state[0], incoming[0]), _join(state[1], incoming[1]))

    def read_value(self, state):
        """The count (increments minus decrements), with the state's ``context`` as the version."""
        return Count(sum(state[0]) - sum(state[1])), self.context(state)

    def context(self, state):
        """Per leader, the operations this state includes (increments plus decrements): a merge
        keeps a prefix of each leader's operations, so the count names that prefix."""
        return tuple(a + b for a, b in zip(*state))

    def describe_key_state(self, state) -> str:
        """The count with its vectors, as ``1 (+[1,1] -[0,1])``."""
        p, n = state
        return f"{sum(p) - sum(n)} (+{_vv(p)} -{_vv(n)})"

    @always
    def counts_every_increment(self, world: World) -> bool:
        """When quiet, every replica's count is the acknowledged increments minus decrements."""
        if not self._quiescent(world):
            return True
        expected = [0] * len(self.key_names)
        for o in self._ops(world):
            if o.op == "w" and o.returned is not None:
                expected[o.key] += self.effect[o.value]
        return all(
            sum(local[k][0]) - sum(local[k][1]) == expected[k] for local in world.nodes for k in range(len(expected))
        )

    @sometimes
    def concurrent_increments_all_counted(self, world: World) -> bool:
        """Replicas settle on a count that includes two concurrent acknowledged increments."""
        if not self._quiescent(world):
            return False
        writes = [o for o in self._ops(world) if o.op == "w" and o.returned is not None]
        return any(
            a.key == b.key and not self.covers(a.version, b.version) and not self.covers(b.version, a.version)
            for a in writes
            for b in writes
        ) and self.counts_every_increment(world)


class OrSetMultiLeader(VectorMultiLeader):
    """An observed-remove (add-wins) set CRDT with a causal context."""

    # A key's state is (sorted (element, leader, n) entries, causal context vector): an
    # entry is an add whose dot (leader, n) no remove has observed.
    def init_key(self):
        """No elements and an empty causal context."""
        return ((), (0,) * self.leaders)

    def apply_write(self, ctx, leader, state, value, cctx):
        """Every operation takes the leader's next dot (its context entry plus one) and drops every
        entry of its element the leader holds (the adds it observed); an add then inserts the
        element with the new dot. The version is the new causal context."""
        kind, element = self.effect[value]
        entries, context = state
        n = context[leader] + 1
        context = replace_at(context, leader, n)
        entries = tuple(x for x in entries if x[0] != element)  # the dots this op observes
        if kind == "add":
            entries = tuple(sorted(entries + ((element, leader, n),)))
        return (entries, context), context

    def merge(self, state, incoming):
        """Keep the entries both sides hold, and an entry one side holds whose dot the other's
        context has not seen (it is a new add, not a removed one); join the contexts."""
        (ea, ca), (eb, cb) = state, incoming
        keep = (set(ea) & set(eb)) | {x for x in ea if cb[x[1]] < x[2]} | {x for x in eb if ca[x[1]] < x[2]}
        return tuple(sorted(keep)), _join(ca, cb)

    def read_value(self, state):
        """The distinct elements, sorted, with the causal context as the version."""
        return Elements(tuple(sorted({x[0] for x in state[0]}))), state[1]

    def context(self, state):
        """The causal context: per leader, the dots this state has seen."""
        return state[1]

    def describe_key_state(self, state) -> str:
        """Entries as ``element@leader.n`` and the context, as ``{a@l0.1} seen [1,0]``."""
        entries, context = state
        return "{" + ",".join(f"{e}@l{l}.{n}" for e, l, n in entries) + "} seen " + _vv(context)

    def _adds_and_removes(self, world: World):
        adds, removes = [], []
        for o in self._ops(world):
            if o.op == "w" and o.returned is not None:
                kind, element = self.effect[o.value]
                if kind == "add":
                    leader = self.targets[o.client][o.index]
                    adds.append((element, (leader, o.version[leader])))
                else:
                    removes.append((element, o.version))
        return adds, removes

    @always
    def add_wins(self, world: World) -> bool:
        """When quiet, every replica holds exactly the elements with an add no remove observed.

        Adds and removes are the acknowledged ones; a remove observes the adds whose dots
        its leader had seen, so an add concurrent with a remove survives it (add wins)."""
        if not self._quiescent(world):
            return True
        adds, removes = self._adds_and_removes(world)
        expected = tuple(sorted({e for e, (l, n) in adds if not any(r == e and seen[l] >= n for r, seen in removes)}))
        return all(tuple(sorted({x[0] for x in local[0][0]})) == expected for local in world.nodes)

    @sometimes
    def concurrent_add_survives_remove(self, world: World) -> bool:
        """When quiet, an element stays everywhere though a remove took out the adds it saw.

        The remove observed some adds of the element and not another, concurrent one, which
        survived."""
        if not self._quiescent(world):
            return False
        adds, removes = self._adds_and_removes(world)
        for element, seen in removes:
            mine = [(l, n) for e, (l, n) in adds if e == element]
            if (
                any(seen[l] >= n for l, n in mine)
                and any(seen[l] < n for l, n in mine)
                and all(any(x[0] == element for x in local[0][0]) for local in world.nodes)
            ):
                return True
        return False


class RevisionsMultiLeader(RevisionsMixin, SiblingsMultiLeader):
    """CouchDB: revision trees merged, a deterministic winner read, losing revisions kept."""


# (conflict, type) -> the class that models it: ``MultiLeader(...)`` builds this one.
MODE_CLASSES = {
    ("lww", ""): LwwMultiLeader,
    ("siblings", ""): SiblingsMultiLeader,
    ("revisions", ""): RevisionsMultiLeader,
    ("crdt", "mv_register"): MvRegisterMultiLeader,
    ("crdt", "counter"): CounterMultiLeader,
    ("crdt", "or_set"): OrSetMultiLeader,
}

# The typed, frozen parameters a MultiLeader reads (``self.cfg.n``), one field per PARAMS entry.
MultiLeaderSettings = settings_type("MultiLeaderSettings", MultiLeader.PARAMS, module=__name__)

MultiLeader.PARAMS = with_note(
    MultiLeader.PARAMS,
    "conflict",
    mode_note(
        MultiLeader(),
        {
            "siblings": MultiLeader(conflict="siblings"),
            "revisions": MultiLeader(conflict="revisions"),
            "crdt counter": MultiLeader(conflict="crdt", type="counter", clients=["inc r"]),
            "crdt or_set": MultiLeader(conflict="crdt", type="or_set", clients=["add:a r"]),
            "crdt mv_register": MultiLeader(conflict="crdt", type="mv_register"),
        },
    ),
)
