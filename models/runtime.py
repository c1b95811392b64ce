"""The actor runtime every replication family shares.

A *world* holds the replicas ("nodes"), the clients, the messages in flight, the fault
budget and the history of client operations. A family subclasses ``ReplicationModel`` and
writes message handlers; the runtime supplies everything else as nondeterministic steps:

* a client invokes the next operation of its script (clients are sequential sessions);
* any message in flight is delivered, in any order (reordering is always on), unless a
  partition separates its ends or its destination is down;
* bounded faults: drop a message, deliver a message and keep a copy (duplication), crash a
  node (losing its state unless storage is durable), recover it, start a partition, heal.

Every write writes a value no other write writes (as Jepsen does), so a read's value names
the write it saw. The history records invocations and completions with the version the
family assigned, and the guarantees in ``guarantees.py`` judge that history.
"""

from typing import Any, Iterator, NamedTuple

from replcheck.checker.errors import ParameterError
from replcheck.checker.model import Model

from .params import Param

INITIAL_VALUE = 0
# States are built millions of times: tuple.__new__(Cls, fields) makes a NamedTuple without
# the Python-level __new__ that Cls(...) runs, about twice as fast on the hot paths below.
_new = tuple.__new__


class Msg(NamedTuple):
    """A message in flight. Actor ids: nodes are 0..nodes-1, clients follow."""

    dst: int
    src: int
    kind: str
    body: tuple


class Event(NamedTuple):
    """One history entry; ``index`` is the op's place in its script. ``kind`` is "invoke",
    "ok", "info" (the operation ended without an answer: it may or may not have taken
    effect, as Jepsen's indeterminate completions) or "fail" (it was refused and certainly
    did not take effect)."""

    kind: str
    client: int
    index: int
    op: str  # "w" or "r"
    key: int
    value: int  # written value, or the value a read returned
    version: Any  # family-specific; None on invocation


class Faults(NamedTuple):
    """Bitmasks of crashed nodes and of the current partition side, and budgets already used."""

    down: int = 0
    side: int = 0  # actors on one side of the current partition (0: no partition)
    crashes: int = 0
    drops: int = 0
    dups: int = 0
    partitions: int = 0


class Client(NamedTuple):
    """``pc`` is the next script position; ``op`` the family's state of the running operation."""

    pc: int = 0
    op: Any = None


class World(NamedTuple):
    """The whole state: per-node local states, clients, messages in flight, the history, fault
    counters, and family-wide extra state."""

    nodes: tuple
    clients: tuple
    net: tuple  # sorted tuple of Msg: a multiset
    history: tuple
    faults: Faults
    extra: Any = None  # family-wide state (terms, leader, clocks, ...) where a family needs it


class Op(NamedTuple):
    """One scripted operation; ``value`` is the unique value a write writes (0 for reads)."""

    kind: str
    key: int
    value: int


class Action(NamedTuple):
    """A step's label. ``kind`` is invoke/deliver/duplicate/drop/crash/recover/partition/heal
    or a family-specific word; ``actor`` the actor that acts; ``msg`` the message involved;
    ``detail`` whatever else the description needs. The text is made only when asked for
    (``str``), since the search discards almost every action it generates."""

    kind: str
    actor: int
    msg: "Msg | None"
    detail: Any
    model: Any

    def __str__(self) -> str:
        return self.model.describe_action(self)


FAULT_PARAMS = (
    Param("crashes", int, 0, "how many node crashes may happen in a run", minimum=0, maximum=4),
    Param("recover", bool, False, "crashed nodes may come back"),
    Param("durable", bool, True, "a node keeps its data across a crash (false: disk lost)"),
    Param("drops", int, 0, "how many messages the network may lose", minimum=0, maximum=4),
    Param("dups", int, 0, "how many messages the network may deliver twice", minimum=0, maximum=4),
    Param("partitions", int, 0, "how many partitions may start (each later heals or not)", minimum=0, maximum=3),
)


def parse_scripts(scripts: tuple[str, ...], field: str = "clients") -> tuple[tuple[tuple[str, str], ...], ...]:
    """``("w r", "r")`` -> per client a tuple of (op, key name). Ops: ``w``, ``r``,
    ``w:KEY``, ``r:KEY``; the key defaults to ``x``."""
    if not scripts:
        raise ParameterError(field, 'needs at least one client script, e.g. ["w r"]')
    parsed = []
    for text in scripts:
        ops = []
        for word in text.split():
            op, _, key = word.partition(":")
            if op not in ("w", "r") or (_ and not key.isidentifier()):
                raise ParameterError(
                    field, f"unknown operation {word!r} in {text!r}; use w, r, w:KEY or r:KEY separated by spaces"
                )
            ops.append((op, key or "x"))
        if not ops:
            raise ParameterError(field, "a client script is empty; give it at least one of w, r")
        parsed.append(tuple(ops))
    return tuple(parsed)


class ReplicationModel(Model):
    """Base class of the families. Subclasses set ``PARAMS``, implement ``init_node`` and the
    handlers below, say how versions compare (``supersedes(a, b)``, optionally ``covers(a, b)``, and
    ``retained_versions(world, key)``: see ``guarantees.Guarantees``), and call
    ``super().__init__`` with the bound parameters.

    Handlers get a ``Ctx`` for sending messages and completing operations:
    ``on_node_message(ctx, node, local, msg) -> local``,
    ``on_client_message(ctx, client, op_state, msg) -> op_state``,
    ``start_operation(ctx, client, op) -> op_state``; ``family_steps(world)`` yields extra
    ``(Action, World)`` pairs (failover, hint hand-off, anti-entropy, ...).
    """

    PARAMS: tuple[Param, ...] = ()
    name = "replication"
    #: Action kinds whose own step already shows the messages it puts in flight, so a
    #: sequence diagram marks no separate "send" for them; a family adds its own kinds.
    self_sending_kinds = frozenset({"invoke", "deliver", "duplicate"})

    def __init__(self, node_count: int, params: dict[str, Any]):
        self.params = params
        self.node_count = node_count
        scripts = parse_scripts(params["clients"])
        keys = sorted({key for script in scripts for _, key in script})
        self.key_names = tuple(keys)
        next_value = iter(range(1, 1 + sum(len(s) for s in scripts)))
        self.scripts = tuple(
            tuple(Op(op, keys.index(key), next(next_value) if op == "w" else 0) for op, key in s) for s in scripts
        )
        self.client_count = len(self.scripts)
        self.writes = {op.value: (c, i) for c, s in enumerate(self.scripts) for i, op in enumerate(s) if op.kind == "w"}

    # --- naming -----------------------------------------------------------------------
    def actor_name(self, actor: int) -> str:
        """The display name of an actor id: a node's name, or ``c0``, ``c1``, ... for clients."""
        if actor < self.node_count:
            return self.node_name(actor)
        return f"c{actor - self.node_count}"

    def node_name(self, node: int) -> str:
        """The display name of node ``node`` (``n0``, ``n1``, ...); families rename roles."""
        return f"n{node}"

    def client_actor(self, client: int) -> int:
        """The actor id of client ``client`` (clients follow the nodes)."""
        return self.node_count + client

    def value_name(self, value: int) -> str:
        """Written values are numbered 1, 2, ... in script order; 0 is the initial value."""
        return "init" if value == INITIAL_VALUE else str(value)

    def key_name(self, key: int) -> str:
        """The name of key ``key`` as the clients' scripts spell it."""
        return self.key_names[key]

    def describe_msg(self, msg: Msg) -> str:
        """A message in a trace label: its kind and body; families make it readable."""
        return f"{msg.kind}{msg.body}"

    def describe_action(self, a: Action) -> str:
        """The one-line trace label of ``a``; families extend it for their own kinds."""
        name = self.actor_name
        if a.kind == "invoke":
            op = a.detail
            if op.kind == "w":
                return f"{name(a.actor)} invokes write {self.key_name(op.key)}={self.value_name(op.value)}"
            return f"{name(a.actor)} invokes read {self.key_name(op.key)}"
        if a.kind in ("deliver", "duplicate"):
            text = f"{name(a.msg.dst)} receives {self.describe_msg(a.msg)} from {name(a.msg.src)}"
            return text + (" (a copy stays in flight)" if a.kind == "duplicate" else "")
        if a.kind == "drop":
            return f"network drops {self.describe_msg(a.msg)} {name(a.msg.src)}->{name(a.msg.dst)}"
        if a.kind == "crash":
            return f"{name(a.actor)} crashes"
        if a.kind == "recover":
            return f"{name(a.actor)} recovers"
        if a.kind == "partition":
            return f"partition {self.side_name(a.detail)}"
        if a.kind == "heal":
            return "partition heals"
        return f"{a.kind} by {name(a.actor)}"

    # --- the state machine --------------------------------------------------------------
    def init_states(self):
        """The one initial world: every node in ``init_node``'s state, clients idle, no
        messages, no faults."""
        nodes = tuple(self.init_node(i) for i in range(self.node_count))
        clients = tuple(Client() for _ in range(self.client_count))
        yield World(nodes, clients, (), (), Faults(), self.init_extra())

    def init_extra(self):
        """The family-wide extra state of the initial world (None by default)."""
        return None

    def next_steps(self, world: World) -> Iterator[tuple[Action, World]]:
        """Every step out of ``world``: client invocations, deliveries, the family's own steps,
        then faults."""
        yield from self._invocations(world)
        yield from self._deliveries(world)
        yield from self.family_steps(world)
        yield from self._faults(world)

    def family_steps(self, world: World):
        """The family's own ``(Action, World)`` steps (failover, hint hand-off, anti-entropy,
        ...); none by default."""
        return ()

    def operation_targets(self, world: World, client: int, op: Op) -> "tuple[int, ...] | None":
        """Where ``client``'s next operation ``op`` may go: one invocation step per target,
        each started by ``send_operation``. None (the default): one step, started by
        ``start_operation``, which chooses for itself."""
        return None

    def send_operation(self, ctx: "Ctx", client: int, op: Op, target: int):
        """Start ``op`` by sending it to ``target`` (one of ``operation_targets``); return
        the client's op state. Only called when ``operation_targets`` gives targets."""
        raise NotImplementedError

    def _invocations(self, world: World):
        for c, client in enumerate(world.clients):
            script = self.scripts[c]
            if client.op is not None or client.pc >= len(script):
                continue
            op = script[client.pc]
            targets = self.operation_targets(world, c, op)
            if targets is not None:
                yield from self._targeted_invocations(world, c, op, targets)
                continue
            ctx = Ctx(self, world, self.client_actor(c))
            ctx.record("invoke", c, client.pc, op, op.value, None)
            op_state = self.start_operation(ctx, c, op)
            yield (
                _new(Action, ("invoke", self.client_actor(c), None, op, self)),
                ctx.finish(ctx.apply_client(world, c, op_state)),
            )

    def _targeted_invocations(self, world: World, c: int, op: Op, targets: tuple):
        me, pc = self.client_actor(c), world.clients[c].pc
        for target in targets:
            ctx = Ctx(self, world, me)
            ctx.record("invoke", c, pc, op, op.value, None)
            op_state = self.send_operation(ctx, c, op, target)
            # The label carries the request, so that a trace names where the operation went.
            yield (
                _new(Action, ("invoke", me, ctx.sent[0] if ctx.sent else None, op, self)),
                ctx.finish(ctx.apply_client(world, c, op_state)),
            )

    def deliverable(self, world: World, msg: Msg) -> bool:
        """Whether ``msg`` can be delivered now: its destination is up and no partition
        separates sender and receiver."""
        f = world.faults
        dst = msg.dst
        if f.down >> dst & 1 and dst < self.node_count:
            return False
        side = f.side
        return not side or (side >> dst & 1) == (side >> msg.src & 1)

    def reachable(self, world: World, a: int, b: int) -> bool:
        """Actors ``a`` and ``b`` are both up and on the same side of any partition."""
        f = world.faults
        down, n = f.down, self.node_count
        if down and ((a < n and down >> a & 1) or (b < n and down >> b & 1)):
            return False
        side = f.side
        return not side or (side >> a & 1) == (side >> b & 1)

    def _deliveries(self, world: World):
        net = world.net
        if not net:
            return
        f, p = world.faults, self.params
        can_dup, can_drop = f.dups < p["dups"], f.drops < p["drops"]
        # The default ``deliverable`` is inlined (it runs for every message of every state);
        # a family that overrides it is asked instead.
        custom = type(self).deliverable is not ReplicationModel.deliverable
        down, side, n = f.down, f.side, self.node_count
        nodes, clients, history, extra = world.nodes, world.clients, world.history, world.extra
        deliver = self._deliver
        seen = None
        for i, msg in enumerate(net):
            if msg == seen:
                continue
            seen = msg
            if custom:
                ok = self.deliverable(world, msg)
            else:
                dst = msg.dst
                ok = not (down >> dst & 1 and dst < n) and (not side or (side >> dst & 1) == (side >> msg.src & 1))
            if not (ok or can_drop):
                continue
            rest = net[:i] + net[i + 1 :]
            if ok:
                yield _new(Action, ("deliver", msg.dst, msg, None, self)), deliver(world, msg, rest)
                if can_dup:
                    faults = _new(Faults, (down, side, f.crashes, f.drops, f.dups + 1, f.partitions))
                    dup = _new(World, (nodes, clients, net, history, faults, extra))
                    yield _new(Action, ("duplicate", msg.dst, msg, None, self)), deliver(dup, msg, net)
            if can_drop:
                faults = _new(Faults, (down, side, f.crashes, f.drops + 1, f.dups, f.partitions))
                yield (
                    _new(Action, ("drop", msg.src, msg, None, self)),
                    _new(World, (nodes, clients, rest, history, faults, extra)),
                )

    def _deliver(self, world: World, msg: Msg, rest: tuple) -> World:
        world = _new(World, (world.nodes, world.clients, rest, world.history, world.faults, world.extra))
        dst = msg.dst
        ctx = Ctx(self, world, dst)
        if dst < self.node_count:
            local = self.on_node_message(ctx, dst, world.nodes[dst], msg)
            w = ctx.world
            nodes = w.nodes
            if local is not nodes[dst]:
                nodes = replace_at(nodes, dst, local)
            elif not (ctx.sent or ctx.events):
                return w
            # What ``ctx.finish`` does, folded into the one World this step builds.
            sent, events = ctx.sent, ctx.events
            net = tuple(sorted(w.net + tuple(sent))) if sent else w.net
            history = w.history + tuple(events) if events else w.history
            return _new(World, (nodes, w.clients, net, history, w.faults, w.extra))
        c = dst - self.node_count
        client = world.clients[c]
        if client.op is None:
            return world  # a late reply to a finished operation: nothing to finish
        op_state = self.on_client_message(ctx, c, client.op, msg)
        return ctx.finish(ctx.apply_client(ctx.world, c, op_state))

    def _faults(self, world: World):
        p, f = self.params, world.faults
        down, crashes = f.down, f.crashes
        nodes, clients, net, history, _, extra = world
        can_crash, recover = crashes < p["crashes"], p["recover"]
        if can_crash or (down and recover):
            for node in range(self.node_count):
                if not down >> node & 1:
                    if can_crash and self.may_crash(world, node):
                        after = nodes if p["durable"] else replace_at(nodes, node, self.init_node(node))
                        faults = _new(Faults, (down | 1 << node, f.side, crashes + 1, f.drops, f.dups, f.partitions))
                        yield (
                            _new(Action, ("crash", node, None, None, self)),
                            self.after_crash(_new(World, (after, clients, net, history, faults, extra)), node),
                        )
                elif recover:
                    faults = _new(Faults, (down & ~(1 << node), f.side, crashes, f.drops, f.dups, f.partitions))
                    yield (
                        _new(Action, ("recover", node, None, None, self)),
                        self.after_recover(_new(World, (nodes, clients, net, history, faults, extra)), node),
                    )
        if not f.side and f.partitions < p["partitions"]:
            sides = self.__dict__.get("_partition_sides")
            if sides is None:  # a function of the parameters alone: listed once per model
                sides = self._partition_sides = tuple(self.partition_sides())
            for side in sides:
                faults = _new(Faults, (down, side, crashes, f.drops, f.dups, f.partitions + 1))
                yield (
                    _new(Action, ("partition", -1, None, side, self)),
                    _new(World, (nodes, clients, net, history, faults, extra)),
                )
        elif f.side:
            faults = _new(Faults, (down, 0, crashes, f.drops, f.dups, f.partitions))
            yield (
                _new(Action, ("heal", -1, None, None, self)),
                _new(World, (nodes, clients, net, history, faults, extra)),
            )

    def partition_sides(self) -> tuple[int, ...]:
        """Candidate partitions, as the bitmask of the actors cut off from the rest.

        Default: every non-empty set of at most all-but-one nodes, clients on the other side.
        A family overrides this to offer sides that hold a client too (split brain)."""
        n = self.node_count
        return tuple(mask for mask in range(1, (1 << n) - 1))

    def side_name(self, side: int) -> str:
        """A partition side in a trace label: the actors cut off from the rest."""
        inside = [self.actor_name(a) for a in range(self.node_count + self.client_count) if side >> a & 1]
        return "{" + ",".join(inside) + "} | rest"

    # --- symmetry: interchangeable nodes ------------------------------------------------------
    def symmetric_node_groups(self) -> tuple[tuple[int, ...], ...]:
        """Groups of nodes that the protocol treats alike (none by default). Within a group,
        any permutation of node ids must map behaviours to behaviours and keep every
        property's value; the family relabels the node ids it stores in its own values
        through ``relabel_local``, ``relabel_op``, ``relabel_body`` and ``relabel_extra``."""
        return ()

    def relabel_local(self, local, perm: tuple[int, ...]):
        """A node's local state with node ids renamed by ``perm`` (for symmetry); unchanged by
        default."""
        return local

    def relabel_op(self, op_state, perm: tuple[int, ...]):
        """A client's operation state with node ids renamed by ``perm``; unchanged by default."""
        return op_state

    def relabel_body(self, msg: Msg, perm: tuple[int, ...]) -> tuple:
        """A message body with node ids renamed by ``perm``; unchanged by default."""
        return msg.body

    def relabel_extra(self, extra, perm: tuple[int, ...]):
        """The family-wide extra state with node ids renamed by ``perm``; unchanged by default."""
        return extra

    def canonical(self, world: World) -> World:
        """A representative of ``world``'s symmetry class: within each group, nodes sorted
        by a signature of their state and traffic. Ties keep their order, so two symmetric
        worlds may get different representatives (less reduction, never a wrong verdict:
        the representative is always a real relabelling of ``world``)."""
        groups = self.__dict__.get("_groups")
        if groups is None:
            groups = self._groups = self.symmetric_node_groups()
        if not groups:
            return world
        # The same world is reached from many parents (diamonds in the state graph), and
        # relabelling costs far more than a lookup: remember recent answers.
        memo = self.__dict__.setdefault("_canonical_memo", {})
        known = memo.get(world)
        if known is not None:
            return known
        if len(memo) >= 300_000:
            memo.clear()
        memo[world] = result = self._canonical(world, groups)
        return result

    def _canonical(self, world: World, groups) -> World:
        signature = self._signatures(world)
        perm = list(range(self.node_count))  # perm[old id] = new id
        for group in groups:
            ranked = sorted(group, key=signature.__getitem__)
            for new, old in zip(sorted(group), ranked):
                perm[old] = new
        perm = tuple(perm)
        if perm == tuple(range(self.node_count)):
            return world
        return self.relabel(world, perm)

    def _signatures(self, world: World) -> list:
        # Per node: its state, whether it is down or cut off, and the sorted traffic it sends
        # or receives (kind, received?, body).
        f, nodes = world.faults, world.nodes
        down, side = f.down, f.side
        traffic = self._traffic(world.net)
        return [(nodes[i], down >> i & 1, side >> i & 1, t) for i, t in enumerate(traffic)]

    def _traffic(self, net: tuple) -> tuple:
        # A function of the network alone, which far fewer states differ in than they do in
        # the whole world: one pass over it per distinct network, remembered.
        entry = self._net_entry(net)
        if entry[0] is None:
            n = self.node_count
            traffic = [[] for _ in range(n)]
            for m in net:
                dst, src = m.dst, m.src
                if dst < n:
                    traffic[dst].append((m.kind, True, m.body))
                if src < n and src != dst:
                    traffic[src].append((m.kind, False, m.body))
            entry[0] = tuple(sorted(t) if len(t) > 1 else t for t in traffic)
        return entry[0]

    def _net_entry(self, net: tuple) -> list:
        # [traffic, {perm: relabelled network}] of one network. The canonical form asks for
        # the traffic and then the relabelling of the same network object, so the last
        # entry is kept at hand: one hash of the network serves both.
        memos = self._part_memos()
        last = memos.last_net
        if last is not None and last[0] is net:
            return last[1]
        entry = memos.net.get(net)
        if entry is None:
            if len(memos.net) >= _PART_MEMO_LIMIT:
                memos.net.clear()
            entry = memos.net[net] = [None, {}]
        memos.last_net = (net, entry)
        return entry

    def _part_memos(self) -> "_PartMemos":
        memos = self.__dict__.get("_part_memo_set")
        if memos is None:
            memos = self._part_memo_set = _PartMemos()
        return memos

    def relabel(self, world: World, perm: tuple[int, ...]) -> World:
        """``world`` with node ``i`` renamed ``perm[i]`` everywhere."""
        memos = self._part_memos()
        nodes = _remembered(memos.nodes, world.nodes, perm, self._relabel_nodes)
        relabelled = self._net_entry(world.net)[1]
        net = relabelled.get(perm)
        if net is None:
            net = relabelled[perm] = self._relabel_net(world.net, perm)
        clients = _remembered(memos.clients, world.clients, perm, self._relabel_clients)
        extra = _remembered(memos.extra, world.extra, perm, self.relabel_extra)
        f = world.faults
        faults = _new(
            Faults, (permute_mask(f.down, perm), permute_mask(f.side, perm), f.crashes, f.drops, f.dups, f.partitions)
        )
        return _new(World, (nodes, clients, net, world.history, faults, extra))

    def _relabel_clients(self, clients: tuple, perm: tuple[int, ...]) -> tuple:
        relabel_op = self.relabel_op
        return tuple(c if c.op is None else _new(Client, (c.pc, relabel_op(c.op, perm))) for c in clients)

    def _relabel_nodes(self, nodes: tuple, perm: tuple[int, ...]) -> tuple:
        out = [None] * len(nodes)
        relabel_local = self.relabel_local
        for old, new in enumerate(perm):
            out[new] = relabel_local(nodes[old], perm)
        return tuple(out)

    def _relabel_net(self, net: tuple, perm: tuple[int, ...]) -> tuple:
        actor = perm + tuple(range(len(perm), self.node_count + self.client_count))
        relabel_body = self.relabel_body
        return tuple(sorted(_new(Msg, (actor[m.dst], actor[m.src], m.kind, relabel_body(m, perm))) for m in net))

    # --- how traces read -------------------------------------------------------------------
    def describe_node(self, local) -> str:
        """A node's state in a few words; families override."""
        return repr(local)

    def describe_extra(self, extra) -> str:
        """The family-wide extra state in a few words, for traces."""
        return repr(extra)

    def describe_changes(self, before: World, after: World) -> list[str]:
        """What a step changed: nodes' states, messages sent, operations completed."""
        changes = []
        for node, (a, b) in enumerate(zip(before.nodes, after.nodes)):
            if a != b:
                changes.append(f"{self.actor_name(node)}: {self.describe_node(b)}")
        if before.extra != after.extra:
            changes.append(self.describe_extra(after.extra))
        sends: dict[tuple[int, str], list[str]] = {}
        for msg in after.net:
            if msg not in before.net or after.net.count(msg) > before.net.count(msg):
                sends.setdefault((msg.src, self.describe_msg(msg)), []).append(self.actor_name(msg.dst))
        for (src, text), dsts in sorted(sends.items()):
            changes.append(f"{self.actor_name(src)} sends {text} to {', '.join(sorted(set(dsts)))}")
        for e in after.history[len(before.history) :]:
            if e.kind == "ok":
                what = (
                    f"write {self.key_name(e.key)}={self.value_name(e.value)} acknowledged"
                    if e.op == "w"
                    else f"read {self.key_name(e.key)} returns {self.value_name(e.value)}"
                )
                changes.append(f"{self.actor_name(self.client_actor(e.client))}: {what}")
            elif e.kind in ENDINGS:
                changes.append(
                    f"{self.actor_name(self.client_actor(e.client))}: {_op_words(self, e)} {ENDINGS[e.kind]}"
                )
        return changes

    def state_data(self, world: World) -> dict:
        """The world as data for ITF and JSON traces: nodes and clients keyed by their names,
        the messages in flight as a list (a multiset), the rest field by field."""
        return {
            "nodes": {self.actor_name(i): local for i, local in enumerate(world.nodes)},
            "clients": {self.actor_name(self.client_actor(c)): state for c, state in enumerate(world.clients)},
            "net": list(world.net),
            "history": list(world.history),
            "faults": world.faults,
            "extra": world.extra,
        }

    def node_role(self, world: World, node: int) -> str:
        """A node's role in a few words ("leader, term 2"); "" where roles do not exist.
        Diagrams show it under the lane's name and mark the steps where it changes."""
        return ""

    def diagram(self, trace, prop):
        """The space-time diagram of ``trace`` (see ``models.diagram``)."""
        from .diagram import build_diagram

        return build_diagram(self, trace, prop)

    def summary(self) -> str:
        """The parameters that differ from their defaults, for titles."""
        parts = [
            f"{p.name}={_show(self.params[p.name])}"
            for p in self.PARAMS
            if self.params[p.name] != p.default or p.name in self.SUMMARY_ALWAYS
        ]
        return " ".join(parts)

    SUMMARY_ALWAYS: tuple[str, ...] = ()

    # --- hooks with defaults ------------------------------------------------------------
    def may_crash(self, world: World, node: int) -> bool:
        """Whether ``node`` may crash in ``world`` (within the fault budget); always by
        default."""
        return True

    def after_crash(self, world: World, node: int) -> World:
        """The world once ``node`` has crashed, for family-wide consequences (e.g. leadership);
        unchanged by default."""
        return world

    def after_recover(self, world: World, node: int) -> World:
        """The world once ``node`` has recovered; unchanged by default."""
        return world

    def init_node(self, node: int):
        """The local state of ``node`` at the start (and after a crash without durable
        storage). Required."""
        raise NotImplementedError

    def request_is_obsolete(self, msg: Msg) -> bool:
        """Whether a request ``msg`` from a client whose operation has completed can be
        forgotten: it changes no replica state and only provokes an ignored reply."""
        return False

    # --- queries the guarantees use ----------------------------------------------------------
    def node_is_up(self, world: World, node: int) -> bool:
        """Whether ``node`` is running (not crashed) in ``world``."""
        return not world.faults.down >> node & 1


class Ctx:
    """Collects what a handler does: messages sent, operations completed."""

    __slots__ = ("model", "world", "me", "sent", "events", "done")

    def __init__(self, model: ReplicationModel, world: World, me: int):
        self.model, self.world, self.me = model, world, me
        self.sent: list[Msg] = []
        self.events: list[Event] = []
        self.done = False

    def send(self, dst: int, kind: str, *body) -> None:
        """Send a message of ``kind`` with ``body`` from this handler's actor to ``dst``."""
        self.sent.append(_new(Msg, (dst, self.me, kind, body)))

    def record(self, kind: str, client: int, index: int, op: Op, value: int, version) -> None:
        """Append a history event (invocation or completion) of ``client``'s operation."""
        self.events.append(_new(Event, (kind, client, index, op.kind, op.key, value, version)))

    def complete(self, client: int, value: int, version) -> None:
        """The running operation of ``client`` returns ``value`` at ``version`` (for a write:
        the written value and the version it was given)."""
        pc = self.world.clients[client].pc
        op = self.model.scripts[client][pc]
        self.record("ok", client, pc, op, value, version)
        self.done = True

    def apply_client(self, world: World, c: int, op_state) -> World:
        """The world with client ``c``'s operation state set, or, once the operation completed,
        the client moved to its next operation."""
        client = world.clients[c]
        if not self.done:
            if op_state is client.op:
                return world  # an ignored reply: the client's state stays as it was
            return _with_clients(world, replace_at(world.clients, c, _new(Client, (client.pc, op_state))))
        world = _with_clients(world, replace_at(world.clients, c, _new(Client, (client.pc + 1, None))))
        return self._forget_finished_operation(world, self.model.client_actor(c))

    def _forget_finished_operation(self, world: World, me: int) -> World:
        # Sound reduction: once an operation completes, replies still in flight to its
        # client would be ignored, and requests without side effects would only produce
        # such replies. Removing them now leaves every observable behaviour reachable and
        # saves the interleavings of their pointless deliveries.
        obsolete = self.model.request_is_obsolete
        net = tuple(m for m in world.net if m.dst != me and not (m.src == me and obsolete(m)))
        if self.sent:
            self.sent = [m for m in self.sent if m.dst != me]
        return _new(World, (world.nodes, world.clients, net, world.history, world.faults, world.extra))

    def fail(self, client: int, definite: bool = False) -> None:
        """The running operation of ``client`` ends without success: refused, so it certainly
        did not take effect (``definite``), or timed out, so it may or may not have ("info")."""
        pc = self.world.clients[client].pc
        op = self.model.scripts[client][pc]
        self.record("fail" if definite else "info", client, pc, op, op.value, None)
        self.done = True

    def finish(self, world: World) -> World:
        """The world with this handler's messages put in flight and its history events
        appended."""
        if not (self.sent or self.events):
            return world
        net = tuple(sorted(world.net + tuple(self.sent))) if self.sent else world.net
        history = world.history + tuple(self.events) if self.events else world.history
        return _new(World, (world.nodes, world.clients, net, history, world.faults, world.extra))


ENDINGS = {
    "info": "ends indeterminate (it may or may not have taken effect)",
    "fail": "is refused (it did not take effect)",
}


def _op_words(model: ReplicationModel, e: Event) -> str:
    if e.op == "w":
        return f"write {model.key_name(e.key)}={model.value_name(e.value)}"
    return f"read {model.key_name(e.key)}"


def _show(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _with_clients(world: World, clients: tuple) -> World:
    # Positional construction: NamedTuple._replace is several times slower on this hot path.
    return _new(World, (world.nodes, clients, world.net, world.history, world.faults, world.extra))


_PART_MEMO_LIMIT = 200_000


class _PartMemos:
    """Symmetry reduction's memos, one per part of a world it transforms. The parts repeat
    across states far more than whole worlds do (a few node tuples and networks combine
    into many worlds), so most relabellings and signatures are lookups. Each memo is
    emptied when it reaches ``_PART_MEMO_LIMIT`` entries."""

    __slots__ = ("nodes", "net", "clients", "extra", "last_net")

    def __init__(self):
        self.nodes, self.net, self.clients, self.extra = {}, {}, {}, {}
        self.last_net = None  # (network, its entry in ``net``) of the last lookup


def _remembered(memo: dict, part, perm: tuple[int, ...], relabel):
    key = (part, perm)
    got = memo.get(key)
    if got is None:
        if len(memo) >= _PART_MEMO_LIMIT:
            memo.clear()
        got = memo[key] = relabel(part, perm)
    return got


def permute_mask(mask: int, perm: tuple[int, ...]) -> int:
    """Move bit ``i`` of ``mask`` to bit ``perm[i]``; bits beyond ``perm`` stay put."""
    if not mask:
        return 0
    width = len(perm)
    table = _MASK_TABLES.get(perm)
    if table is None:
        if width > 10:  # a table of 2**width entries no longer pays
            return _permute_bits(mask, perm)
        if len(_MASK_TABLES) >= 50_000:
            _MASK_TABLES.clear()
        table = _MASK_TABLES[perm] = tuple(_permute_bits(m, perm) for m in range(1 << width))
    return mask >> width << width | table[mask & (1 << width) - 1]


# perm -> the image of every mask over perm's bits: symmetry reduction permutes the same
# few masks under the same few permutations millions of times.
_MASK_TABLES: dict = {}


def _permute_bits(mask: int, perm: tuple[int, ...]) -> int:
    out = mask >> len(perm) << len(perm)
    for old, new in enumerate(perm):
        if mask >> old & 1:
            out |= 1 << new
    return out


def replace_at(items: tuple, index: int, value) -> tuple:
    """``items`` with position ``index`` replaced by ``value``."""
    return items[:index] + (value,) + items[index + 1 :]
