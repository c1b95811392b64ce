"""Single-leader (leader/follower) replication, with failover.

The protocol (PostgreSQL streaming replication, MySQL semisynchronous replication, MongoDB
replica sets, Redis replication with Sentinel: docs/databases.md, PostgreSQL, MySQL, MongoDB and Redis;
DDIA chapter 5):

* One node, the leader (``n0`` at the start), accepts every write. It appends the write to
  its log (flushed locally before anything else happens) and ships the log to the
  followers ``f1``, ``f2``, ... A follower applies the log strictly in order: it *receives*
  entries, *flushes* them to disk and *applies* them (replays them, which makes them visible
  to reads on that follower). Received entries are lost if the follower crashes; flushed
  ones survive.
* ``replication = "async"``: the leader acknowledges a write as soon as it is in its own
  log. ``"sync"``: it waits until ``k`` of the synchronous followers (``sync``) have
  acknowledged the entry at ``stage`` (received / flushed / applied); ``order = "first"``
  counts the ``k`` highest-priority connected ones (PostgreSQL ``FIRST k``), ``"any"``
  any ``k`` (``ANY k``, MongoDB ``w: n``).
* Reads go to the leader, to one named follower, or to any follower (a fresh choice per read).
  A follower answers from what it has applied. The leader answers from what it has
  acknowledged (``leader_visibility = "at_ack"``: PostgreSQL, MySQL ``AFTER_SYNC``) or from
  its whole log (``"before_ack"``: MySQL ``AFTER_COMMIT``, MongoDB read concern local);
  ``read_level = "linearizable"`` makes it first confirm with a majority that it still leads
  (MongoDB read concern linearizable, Raft's ReadIndex).
* Failover when the leader is down or cut off: ``none`` (PostgreSQL has none built in), an
  external tool that promotes the most up-to-date live follower (Sentinel, orchestrator) or
  any live follower, or ``election``: a follower that hears from no leader asks for votes,
  and a majority votes for a candidate whose log is at least as up to date as its own
  (MongoDB protocol version 1, Raft). Every promotion starts a new term (epoch, PostgreSQL
  timeline); an elected leader first appends a no-op entry of its term (as a new MongoDB
  primary does) and serves reads only once that entry is acknowledged.
* ``fencing``: nodes remember the newest term they have seen and refuse a deposed leader:
  followers answer its log with the newer term, and it steps down. Without fencing a
  follower simply follows whoever it was pointed at, and nothing stops the old leader.
* A node that comes back (an old leader after a partition heals or a crash, a follower
  that was out of reach) rejoins the current leader: the part of its log that the leader
  does not have is rolled back (pg_rewind, a Redis resync, MongoDB rollback). Rolled-back
  values are kept in ``rolled_back`` so a trace shows what was discarded.

Versions are log positions. A version is written as (term, index), and is stored as the
sequence of terms of the log up to that entry (its last element is the term, its length
the index): since only one leader ever appends in a term, (term, index) names one entry and
its whole prefix, and keeping the sequence lets ``supersedes`` compare two positions by the
log's prefix order alone -- an entry on a diverged branch supersedes nothing on the other.

The anomalies it shows: a write acknowledged by an asynchronous leader is lost when a
follower that lacks it is promoted (durable_acks); a follower read misses the session's
acknowledged write (read_your_writes), and reads from two followers go back in time
(monotonic_reads); promoting any follower instead of the most up-to-date one loses a
synchronously acknowledged write; with ``stage = "received"`` the acknowledged write is
not yet visible on the follower; without fencing a partition leaves two nodes acting as
leader (single_leader) and clients on the two sides see two histories (linearizable);
a deposed leader still serves stale local reads unless reads confirm leadership.

Abstractions (all documented where they are made): the failover tool and an election are
atomic steps that look at the nodes they can reach (as MongoDB's RaftMongo.tla does with
``BecomePrimaryByMagic``); a retransmission happens only when no copy of the log is in
flight to a lagging follower; the failover tool and every client but ``c0`` stay with the
majority side of a partition.
"""

from typing import NamedTuple

from replcheck.checker import always, always_eventually, sometimes
from replcheck.checker.errors import ParameterError

from .guarantees import Guarantees, Witnesses
from .params import Param, bind
from .runtime import FAULT_PARAMS, INITIAL_VALUE, Action, Ctx, Msg, ReplicationModel, World, \
    replace_at

FOLLOWER, LEADER = 0, 1
NOOP = -1            # the key of the no-op entry an elected leader appends
NO_LEADER = -1
STAGES = ("received", "flushed", "applied")
FAILOVERS = ("none", "promote_most_up_to_date", "promote_any", "election")


class Entry(NamedTuple):
    term: int
    key: int         # NOOP for an elected leader's first entry
    value: int


class Node(NamedTuple):
    role: int                # FOLLOWER or LEADER
    term: int                # newest term (epoch, timeline) this node knows
    leader: int              # the node it follows (itself when leading); NO_LEADER if none
    log: tuple = ()          # Entry, in log order
    flushed: int = 0         # entries on disk: they survive a crash
    applied: int = 0         # entries replayed: visible to reads served here
    commit: int = 0          # leader: entries acknowledged (what at_ack reads see)
    acks: tuple = ()         # leader, sync: per node, the longest prefix acknowledged at `stage`
    rolled_back: tuple = ()  # values this node discarded from a suffix the leader lacked


class Extra(NamedTuple):
    """What the failover tool (and client discovery) believes: the current term and leader."""

    term: int = 1
    leader: int = 0
    # True only in the state right after a step that acknowledged a write while n0 had been
    # crashed since the write was invoked (what the availability witness looks at); the
    # next step clears it, and traces do not show it.
    acked_while_n0_down: bool = False


class Waiting(NamedTuple):
    """A client's running operation: the node its request went to, and (writes) whether
    n0 has been crashed ever since the operation was invoked."""

    target: int
    n0_down: bool = False


def versions(log: tuple, upto: int) -> tuple:
    """The version of the entry at position ``upto`` (1-based): the terms of the log up to it."""
    return tuple(e.term for e in log[:upto])


def last_write(log: tuple, upto: int, key: int) -> tuple[int, tuple]:
    """(value, version) of the newest write to ``key`` among the first ``upto`` entries."""
    for i in range(upto, 0, -1):
        e = log[i - 1]
        if e.key == key:
            return e.value, versions(log, i)
    return INITIAL_VALUE, ()


def common_prefix(a: tuple, b: tuple) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def up_to_date(log: tuple) -> tuple[int, int]:
    """Raft's order of logs: last entry's term, then length."""
    return (log[-1].term if log else 0, len(log))


class LeaderFollower(Witnesses, Guarantees, ReplicationModel):
    """One leader ships its log to followers; sync/async acks, follower reads, failover."""

    name = "leader_follower"
    PARAMS = (
        Param("followers", int, 2, "follower nodes f1..fN besides the leader n0",
              minimum=1, maximum=4),
        Param("clients", list, ("w r",), "one script per client session: ops w, r, w:KEY, r:KEY"),
        Param("replication", str, "async", "when the leader acknowledges a write",
              choices=("async", "sync")),
        Param("sync", list, (), "synchronous followers in priority order (sync replication); "
                                "empty: every node but the leader, n0 included once demoted"),
        Param("k", int, 1, "synchronous acknowledgements a write waits for", minimum=1, maximum=4),
        Param("order", str, "first", "which k: the first connected by priority, or any k",
              choices=("first", "any")),
        Param("stage", str, "flushed", "how far a follower must get before its ack counts",
              choices=STAGES),
        Param("reads", str, "leader", "where reads go: leader, any_follower, or a follower name"),
        Param("read_level", str, "local", "leader reads: answer at once, or first confirm "
                                          "leadership with a majority",
              choices=("local", "linearizable")),
        Param("leader_visibility", str, "at_ack", "what leader reads see: acknowledged entries, "
                                                  "or every entry in its log",
              choices=("at_ack", "before_ack")),
        Param("failover", str, "none", "what happens when the leader is down or cut off "
              "(with no crashes/partitions given, a failover implies crashes=1 recover=true)",
              choices=FAILOVERS),
        Param("fencing", bool, True, "nodes refuse a deposed leader once they know a newer term"),
    ) + FAULT_PARAMS
    SUMMARY_ALWAYS = ("followers", "replication", "failover")

    def __init__(self, **given):
        p = bind(self.PARAMS, given)
        n = p["followers"]
        names = tuple(f"f{i}" for i in range(1, n + 1))
        self.follower_names = names
        if p["replication"] == "async":
            for field in ("sync", "k", "order", "stage"):
                if field in given:
                    raise ParameterError(field, "only applies to replication = \"sync\"; "
                                                "remove it or set replication = \"sync\"")
        for name in p["sync"]:
            if name not in names:
                raise ParameterError("sync", f"unknown follower {name!r}; with followers={n} "
                                             f"the followers are {', '.join(names)}")
        if len(set(p["sync"])) != len(p["sync"]):
            raise ParameterError("sync", "names a follower twice; list each follower once")
        sync = p["sync"] or names
        if p["replication"] == "sync" and p["k"] > len(sync):
            raise ParameterError("k", f"k={p['k']} is more than the {len(sync)} synchronous "
                                      f"followers; lower k or list more followers in sync")
        if p["reads"] not in ("leader", "any_follower") + names:
            raise ParameterError("reads", f"must be leader, any_follower or one of "
                                          f"{', '.join(names)}, got {p['reads']!r}")
        if p["read_level"] == "linearizable" and p["reads"] != "leader":
            raise ParameterError("read_level", "linearizable reads are served by the leader; "
                                               "set reads = \"leader\" or read_level = \"local\"")
        if p["read_level"] == "linearizable" and p["leader_visibility"] == "before_ack":
            raise ParameterError("leader_visibility", "before_ack shows unacknowledged writes, "
                                                      "which a linearizable read must not; use "
                                                      "at_ack or read_level = \"local\"")
        if p["failover"] == "election" and not p["fencing"]:
            raise ParameterError("fencing", "an election always fences with terms; remove "
                                            "fencing = false or choose a promote_* failover")
        if p["failover"] != "none" and not ({"crashes", "partitions"} & set(given)):
            # A failover needs a failure: with no fault named, the leader may crash once and
            # come back (so its rollback shows), the common reading of "async + failover".
            p["crashes"] = 1
            p["recover"] = p["recover"] if "recover" in given else True
        super().__init__(n + 1, p)
        # With no list every other node counts (n0 too, once it follows a promoted node).
        self.sync_nodes = tuple(names.index(s) + 1 for s in p["sync"]) or \
            tuple(range(n + 1))
        self.is_sync = p["replication"] == "sync"
        self.election = p["failover"] == "election"
        self.tool = p["failover"].startswith("promote")
        self.terms = p["fencing"] or self.election
        self.majority = (n + 1) // 2 + 1
        # Which follower stages are separate steps. Received and flushed differ only if a
        # durable node can crash; flushed and applied only for a follower that serves reads.
        # Elsewhere the later stage is reached in the same step (nothing could tell apart).
        self.flush_step = p["crashes"] > 0 and p["durable"]
        reads = p["reads"]
        self.apply_step = tuple(i > 0 and reads in ("any_follower", names[i - 1])
                                for i in range(n + 1))

    # --- naming ----------------------------------------------------------------------------
    def node_name(self, node: int) -> str:
        return "n0" if node == 0 else f"f{node}"

    def version_name(self, version: tuple) -> str:
        return f"{version[-1]}.{len(version)}" if version else "0.0"

    def entry_name(self, e: Entry) -> str:
        return "noop" if e.key == NOOP else f"{self.key_name(e.key)}={self.value_name(e.value)}"

    def describe_msg(self, msg: Msg) -> str:
        b = msg.body
        if msg.kind == "append":
            term, log = b
            return f"append(t{term}: {' '.join(map(self.entry_name, log)) or 'empty'})"
        if msg.kind == "write":
            key, value, _pc = b
            return f"write({self.key_name(key)}={self.value_name(value)})"
        if msg.kind == "read":
            return f"read({self.key_name(b[0])})"
        if msg.kind in ("ok", "value"):
            _pc, value, version = b
            return f"{msg.kind}({self.value_name(value)}@{self.version_name(version)})"
        if msg.kind == "ack":
            return f"ack(t{b[0]}, {b[1]})"
        if msg.kind == "nack":
            return f"nack(t{b[0]})"
        return msg.kind

    def describe_action(self, a: Action) -> str:
        name = self.actor_name
        if a.kind == "invoke":
            return f"{super().describe_action(a)} at {name(a.msg.dst)}"
        if a.kind == "flush":
            return f"{name(a.actor)} flushes its log to disk (up to entry {a.detail})"
        if a.kind == "apply":
            return f"{name(a.actor)} applies its log (up to entry {a.detail})"
        if a.kind == "commit":
            return f"{name(a.actor)} counts acknowledgements again: entries up to {a.detail} " \
                   f"are acknowledged"
        if a.kind == "resend":
            return f"{name(a.actor)} re-sends {self.describe_msg(a.msg)} to {name(a.msg.dst)}"
        if a.kind == "promote":
            term, repointed, lost = a.detail
            text = f"failover tool promotes {name(a.actor)} to leader (term {term})"
            if repointed:
                verb = "follows" if len(repointed) == 1 else "follow"
                text += f"; {', '.join(map(name, repointed))} now {verb} it"
            return text + self._rollback_text(lost)
        if a.kind == "elect":
            term, voters = a.detail
            return f"{name(a.actor)} is elected leader for term {term} with votes from " \
                   f"{', '.join(map(name, voters))}"
        if a.kind == "rejoin":
            leader, term, lost = a.detail
            return f"{name(a.actor)} rejoins as follower of {name(leader)} (term {term})" \
                + self._rollback_text(lost)
        return super().describe_action(a)

    def _rollback_text(self, lost: tuple) -> str:
        if not lost:
            return ""
        return ", rolling back " + ", ".join(f"{who}: {' '.join(map(self.entry_name, es))}"
                                             for who, es in lost)

    def describe_node(self, local: Node) -> str:
        role = "leader" if local.role == LEADER else (
            f"follows {self.node_name(local.leader)}" if local.leader != NO_LEADER
            else "follows nobody")
        log = " ".join(self.entry_name(e) + f"@{e.term}" for e in local.log) or "empty"
        text = f"{role}, term {local.term}, log [{log}]"
        if local.role == LEADER:
            text += f", acknowledged {local.commit}"
        else:
            text += f", flushed {local.flushed}, applied {local.applied}"
        if local.rolled_back:
            text += f", rolled back {','.join(map(self.value_name, local.rolled_back))}"
        return text

    def node_role(self, world, node: int) -> str:
        local = world.nodes[node]
        if local.role == LEADER:
            return f"leader, term {local.term}"
        return f"follower, term {local.term}"

    def describe_extra(self, extra: Extra) -> str:
        return f"failover tool: leader {self.node_name(extra.leader)}, term {extra.term}"

    # --- initial state -----------------------------------------------------------------------
    def init_node(self, node: int) -> Node:
        if node == 0:
            return Node(LEADER, 1, 0, acks=(0,) * self.node_count)
        return Node(FOLLOWER, 1, 0)

    def init_extra(self):
        return Extra()

    # --- clients -------------------------------------------------------------------------------
    def _invocations(self, world: World):
        """As the runtime's, except that a read sent to any follower is one step per choice
        of follower, and the action carries the request (its label names the target)."""
        for c, client in enumerate(world.clients):
            script = self.scripts[c]
            if client.op is not None or client.pc >= len(script):
                continue
            op = script[client.pc]
            me = self.client_actor(c)
            for target in self._targets(world, me, op):
                ctx = Ctx(self, world, me)
                ctx.record("invoke", c, client.pc, op, op.value, None)
                self._request(ctx, target, op, client.pc)
                yield Action("invoke", me, ctx.sent[0], op, self), \
                    ctx.finish(ctx.apply_client(world, c, Waiting(target, self._n0_down(world, op))))

    def start_operation(self, ctx, client: int, op):
        target = self._targets(ctx.world, self.client_actor(client), op)[0]
        self._request(ctx, target, op, ctx.world.clients[client].pc)
        return Waiting(target, self._n0_down(ctx.world, op))

    def _targets(self, world: World, me: int, op) -> tuple[int, ...]:
        reads = self.params["reads"]
        if op.kind == "w" or reads == "leader":
            return (self._leader_for(world, me),)
        if reads == "any_follower":
            return tuple(range(1, self.node_count))
        return (self.follower_names.index(reads) + 1,)

    def _leader_for(self, world: World, me: int) -> int:
        """Client discovery: the newest-term live leader the client can reach, else the
        newest-term live leader, else the one the failover tool names."""
        best, best_key = world.extra.leader, None
        for i, node in enumerate(world.nodes):
            if node.role == LEADER and self.node_is_up(world, i):
                key = (self.reachable(world, me, i), node.term)
                if best_key is None or key > best_key:
                    best, best_key = i, key
        return best

    def _request(self, ctx, target: int, op, pc: int) -> None:
        if op.kind == "w":
            ctx.send(target, "write", op.key, op.value, pc)
        else:
            ctx.send(target, "read", op.key, pc)

    def request_is_obsolete(self, msg: Msg) -> bool:
        return msg.kind == "read"

    def on_client_message(self, ctx, client: int, op_state: Waiting, msg: Msg):
        pc = ctx.world.clients[client].pc
        if msg.body[0] != pc:
            return op_state
        if msg.kind in ("ok", "value"):
            _pc, value, version = msg.body
            ctx.complete(client, value, version)
            if op_state.n0_down:
                ctx.world = ctx.world._replace(
                    extra=ctx.world.extra._replace(acked_while_n0_down=True))
        elif msg.kind == "redirect":
            target = self._leader_for(ctx.world, ctx.me)
            self._request(ctx, target, self.scripts[client][pc], pc)
            op_state = Waiting(target, op_state.n0_down)
        return op_state

    # --- nodes -----------------------------------------------------------------------------------
    def on_node_message(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        handler = {"write": self._on_write, "read": self._on_read, "append": self._on_append,
                   "ack": self._on_ack, "nack": self._on_nack}[msg.kind]
        return handler(ctx, node, local, msg)

    def _on_write(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        """The leader appends the write, ships its log, and acknowledges per replication."""
        key, value, pc = msg.body
        if local.role != LEADER:
            ctx.send(msg.src, "redirect", pc)
            return local
        if any(e.value == value for e in local.log):
            return local  # a duplicated request: the write is in the log already
        log = local.log + (Entry(local.term, key, value),)
        local = local._replace(log=log, flushed=len(log), applied=len(log))
        self._ship(ctx, node, local)
        return self._advance_commit(ctx, node, local)

    def _on_read(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        key, pc = msg.body
        if local.role == LEADER:
            if not self._may_serve(ctx.world, node, local):
                ctx.sent.append(msg)  # cannot answer yet: the request stays in flight
                return local
            upto = len(local.log) if self.params["leader_visibility"] == "before_ack" \
                else local.commit
        elif self.params["reads"] == "leader":
            ctx.send(msg.src, "redirect", pc)
            return local
        else:
            upto = local.applied
        value, version = last_write(local.log, upto, key)
        ctx.send(msg.src, "value", pc, value, version)
        return local

    def _may_serve(self, world: World, node: int, local: Node) -> bool:
        """An elected leader answers reads once its no-op is acknowledged (Raft section 8);
        at read_level linearizable it first confirms with a majority that it still leads."""
        if self.election and self.params["leader_visibility"] == "at_ack" and any(
                e.key == NOOP and e.term == local.term for e in local.log[local.commit:]):
            return False
        if self.params["read_level"] == "linearizable":
            confirmed = 1 + sum(
                1 for v, f in enumerate(world.nodes)
                if v != node and self.reachable(world, node, v) and f.role == FOLLOWER
                and f.leader == node and f.term == local.term)
            return confirmed >= self.majority
        return True

    def _on_append(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        """A follower takes the leader's log: extends its own, or, when its log has entries
        the leader's lacks, rolls them back first."""
        term, log = msg.body
        if term < local.term and self.terms:
            ctx.send(msg.src, "nack", local.term)  # fencing: tell the deposed leader
            return local
        if term > local.term and self.terms:
            if self.election:  # Raft: a newer term's leader is followed at once
                local = Node(FOLLOWER, term, msg.src, local.log, local.flushed, local.applied,
                             rolled_back=local.rolled_back)
            else:  # fenced: stop following (or leading); the tool re-points this node later
                return Node(FOLLOWER, term, NO_LEADER, local.log, local.flushed, local.applied,
                            rolled_back=local.rolled_back)
        if local.role != FOLLOWER or local.leader != msg.src or local.term != term:
            return local  # not the leader this node follows
        same = common_prefix(local.log, log)
        if same == len(log):
            return local  # an older copy of the log: nothing new
        lost = tuple(e.value for e in local.log[same:] if e.key != NOOP)
        before = min(self._stage_position(local), same)
        local = local._replace(log=log, flushed=min(local.flushed, same),
                               applied=min(local.applied, same),
                               rolled_back=tuple(sorted(local.rolled_back + lost)))
        local = self._settle(node, local)
        self._maybe_ack(ctx, local, before)
        return local

    def _settle(self, node: int, local: Node) -> Node:
        """Reach the stages that are not separate steps for this node."""
        if not self.flush_step:
            local = local._replace(flushed=len(local.log))
            if not self.apply_step[node]:
                local = local._replace(applied=local.flushed)
        return local

    def _stage_position(self, local: Node) -> int:
        stage = self.params["stage"]
        return len(local.log) if stage == "received" else \
            local.flushed if stage == "flushed" else local.applied

    def _maybe_ack(self, ctx, local: Node, before: int) -> None:
        if self.is_sync and local.leader != NO_LEADER:
            now = self._stage_position(local)
            if now > before:
                ctx.send(local.leader, "ack", local.term, now)

    def _on_ack(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        term, position = msg.body
        if local.role != LEADER or term != local.term or local.acks[msg.src] >= position:
            return local
        local = local._replace(acks=replace_at(local.acks, msg.src, position))
        return self._advance_commit(ctx, node, local)

    def _on_nack(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        (term,) = msg.body
        if local.role == LEADER and term > local.term:
            return self._deposed(local, term)
        return local

    def _deposed(self, local: Node, term: int) -> Node:
        return Node(FOLLOWER, term, NO_LEADER, local.log, local.flushed, local.applied,
                    rolled_back=local.rolled_back)

    # --- the leader's acknowledgements ------------------------------------------------------
    def _commit_point(self, world: World, node: int, local: Node) -> int:
        """The longest prefix the replication rule counts as acknowledged."""
        if not self.is_sync:
            return len(local.log)
        k = self.params["k"]
        if self.params["order"] == "first":
            connected = [f for f in self.sync_nodes
                         if f != node and self.reachable(world, node, f)][:k]
            if len(connected) < k:
                return local.commit
            reached = min(local.acks[f] for f in connected)
        else:
            held = sorted((local.acks[f] for f in self.sync_nodes if f != node), reverse=True)
            if len(held) < k:
                return local.commit
            reached = held[k - 1]
        # An elected leader counts acknowledgements only for entries of its own term; older
        # entries are acknowledged with them (Raft section 5.4.2).
        while reached > local.commit and self.election and \
                local.log[reached - 1].term != local.term:
            reached -= 1
        return max(local.commit, reached)

    def _advance_commit(self, ctx, node: int, local: Node) -> Node:
        point = self._commit_point(ctx.world, node, local)
        if point <= local.commit:
            return local
        for i in range(local.commit + 1, point + 1):
            e = local.log[i - 1]
            if e.term == local.term and e.key != NOOP:
                client, pc = self.writes[e.value]
                ctx.send(self.client_actor(client), "ok", pc, e.value, versions(local.log, i))
        return local._replace(commit=point)

    def _ship(self, ctx, node: int, local: Node) -> None:
        for other in range(self.node_count):
            if other != node:
                ctx.send(other, "append", local.term, local.log)

    # --- steps that are not message deliveries ----------------------------------------------
    def family_steps(self, world: World):
        yield from self._stage_steps(world)
        yield from self._leader_steps(world)
        if self.tool:
            yield from self._failovers(world)
        if self.election:
            yield from self._elections(world)
        else:
            yield from self._rejoins(world)

    def _stage_steps(self, world: World):
        for node, local in enumerate(world.nodes):
            if local.role != FOLLOWER or not self.node_is_up(world, node):
                continue
            if self.flush_step and local.flushed < len(local.log):
                new = local._replace(flushed=len(local.log))
                if not self.apply_step[node]:
                    new = new._replace(applied=new.flushed)
                yield self._local_step(world, "flush", node, local, new, new.flushed)
            if self.apply_step[node] and local.applied < local.flushed:
                new = local._replace(applied=local.flushed)
                yield self._local_step(world, "apply", node, local, new, new.applied)

    def _local_step(self, world: World, kind: str, node: int, local: Node, new: Node, detail):
        ctx = Ctx(self, world, node)
        self._maybe_ack(ctx, new, self._stage_position(local))
        world = world._replace(nodes=replace_at(world.nodes, node, new))
        return Action(kind, node, None, detail, self), ctx.finish(world)

    def _leader_steps(self, world: World):
        for node, local in enumerate(world.nodes):
            if local.role != LEADER or not self.node_is_up(world, node):
                continue
            if self.is_sync and self.params["order"] == "first" \
                    and self._commit_point(world, node, local) > local.commit:
                # A synchronous follower was lost: the next by priority already has the entry.
                ctx = Ctx(self, world, node)
                new = self._advance_commit(ctx, node, local)
                yield Action("commit", node, None, new.commit, self), \
                    ctx.finish(world._replace(nodes=replace_at(world.nodes, node, new)))
            for other, f in enumerate(world.nodes):
                # Retransmission: only to a reachable follower of this leader that lacks part
                # of its log while no copy is in flight (a timer longer than a round trip).
                if other == node:
                    continue
                if self.election:
                    lagging = f.term < local.term or (f.term == local.term and f.leader == node
                                                      and f.log != local.log)
                else:
                    lagging = f.role == FOLLOWER and f.term == local.term \
                        and f.leader == node and f.log != local.log
                if not lagging or not self.reachable(world, node, other) or any(
                        m.kind == "append" and m.src == node and m.dst == other
                        for m in world.net):
                    continue
                msg = Msg(other, node, "append", (local.term, local.log))
                yield Action("resend", node, msg, None, self), \
                    world._replace(net=tuple(sorted(world.net + (msg,))))

    def _visible_to_tool(self, world: World, node: int) -> bool:
        """The failover tool runs with the majority side: it sees up nodes not cut off."""
        return self.node_is_up(world, node) and not world.faults.side >> node & 1

    def _failovers(self, world: World):
        """The external tool promotes a follower when the leader it knows is out of sight."""
        current = world.extra.leader
        if self._visible_to_tool(world, current) and world.nodes[current].role == LEADER:
            return
        visible = [i for i in range(self.node_count)
                   if i != current and self._visible_to_tool(world, i)]
        candidates = visible
        if self.params["failover"] == "promote_most_up_to_date" and candidates:
            best = max(up_to_date(world.nodes[i].log) for i in candidates)
            candidates = [i for i in candidates if up_to_date(world.nodes[i].log) == best]
        term = world.extra.term + 1
        for chosen in candidates:
            leader = world.nodes[chosen]
            log = leader.log
            nodes = list(world.nodes)
            nodes[chosen] = Node(LEADER, term, chosen, log, len(log), len(log), len(log),
                                 (0,) * self.node_count, leader.rolled_back)
            repointed, lost = [], []
            for other in visible:  # the tool points every node it sees at the new leader
                if other != chosen:
                    nodes[other], gone = self._repoint(nodes[other], other, chosen, term, log)
                    repointed.append(other)
                    if gone:
                        lost.append((self.node_name(other), gone))
            ctx = Ctx(self, world, chosen)
            self._ship(ctx, chosen, nodes[chosen])
            after = world._replace(nodes=tuple(nodes), extra=Extra(term, chosen))
            yield Action("promote", chosen, None, (term, tuple(repointed), tuple(lost)), self), \
                ctx.finish(after)

    def _repoint(self, local: Node, node: int, leader: int, term: int, leader_log: tuple):
        """``local`` now follows ``leader``: what it has beyond the leader's log is rolled back."""
        same = common_prefix(local.log, leader_log)
        gone = local.log[same:]
        new = Node(FOLLOWER, term, leader, local.log[:same], min(local.flushed, same),
                   min(local.applied, same),
                   rolled_back=tuple(sorted(local.rolled_back
                                            + tuple(e.value for e in gone if e.key != NOOP))))
        return self._settle(node, new), gone

    def _rejoins(self, world: World):
        """The tool re-points a node that follows someone else (an old leader included)."""
        current = world.extra.leader
        leader = world.nodes[current]
        if leader.role != LEADER or not self.node_is_up(world, current):
            return
        for node, local in enumerate(world.nodes):
            if node == current or (local.role == FOLLOWER and local.leader == current
                                   and local.term == leader.term):
                continue
            if not self.reachable(world, current, node):
                continue
            new, gone = self._repoint(local, node, current, leader.term, leader.log)
            world2 = world._replace(nodes=replace_at(world.nodes, node, new))
            ctx = Ctx(self, world2, current)
            ctx.send(node, "append", leader.term, leader.log)
            lost = ((self.node_name(node), gone),) if gone else ()
            yield Action("rejoin", node, None, (current, leader.term, lost), self), \
                ctx.finish(world2)

    def _elections(self, world: World):
        """A node that hears from no leader of its term or newer stands; every node it reaches
        learns the new term, and those whose logs are no more up to date vote for it."""
        for cand, local in enumerate(world.nodes):
            if local.role == LEADER or not self.node_is_up(world, cand):
                continue
            reach = [v for v in range(self.node_count)
                     if v != cand and self.reachable(world, cand, v)]
            if any(world.nodes[v].role == LEADER and world.nodes[v].term >= local.term
                   for v in reach):
                continue
            mine = up_to_date(local.log)
            voters = [v for v in reach if up_to_date(world.nodes[v].log) <= mine]
            if 1 + len(voters) < self.majority:
                continue
            term = max([local.term] + [world.nodes[v].term for v in reach]) + 1
            nodes = list(world.nodes)
            for v in reach:
                f = world.nodes[v]
                nodes[v] = Node(FOLLOWER, term, cand, f.log, f.flushed, f.applied,
                                rolled_back=f.rolled_back)
            log = local.log + (Entry(term, NOOP, 0),)
            leader = Node(LEADER, term, cand, log, len(log), len(log), 0,
                          (0,) * self.node_count, local.rolled_back)
            ctx = Ctx(self, world, cand)
            if not self.is_sync:
                leader = leader._replace(commit=len(log))
            nodes[cand] = leader
            self._ship(ctx, cand, leader)
            yield Action("elect", cand, None, (term, tuple(sorted([cand] + voters))), self), \
                ctx.finish(world._replace(nodes=tuple(nodes)))

    # --- symmetry ------------------------------------------------------------------------------
    def symmetric_node_groups(self):
        """The followers are interchangeable unless a parameter names one of them: reads
        from a named follower, or a synchronous priority order (``order = "first"``) or a
        list of only some followers."""
        p = self.params
        if p["reads"] not in ("leader", "any_follower"):
            return ()
        if self.is_sync and (p["order"] == "first"
                             or set(p["sync"]) not in (set(), set(self.follower_names))):
            return ()
        return (tuple(range(1, self.node_count)),) if self.node_count > 2 else ()

    def relabel_local(self, local: Node, perm):
        acks = local.acks
        if acks:
            moved = [0] * len(acks)
            for old, new in enumerate(perm):
                moved[new] = acks[old]
            acks = tuple(moved)
        leader = perm[local.leader] if local.leader != NO_LEADER else NO_LEADER
        return local._replace(leader=leader, acks=acks)

    def relabel_op(self, op_state: Waiting, perm):
        return Waiting(perm[op_state.target], op_state.n0_down)

    def relabel_extra(self, extra: Extra, perm):
        return extra._replace(leader=perm[extra.leader])

    # --- faults --------------------------------------------------------------------------------
    def partition_sides(self) -> tuple[int, ...]:
        """Cut off at most half of the nodes (the failover tool stays with the rest), alone
        or together with client c0, so that c0 can keep talking to a cut-off leader."""
        n, c0 = self.node_count, 1 << self.node_count
        sides = []
        for mask in range(1, (1 << n) - 1):
            if bin(mask).count("1") <= n // 2:
                sides += [mask, mask | c0]
        return tuple(sides)

    def after_crash(self, world: World, node: int) -> World:
        """A crash loses what was not flushed; without durable storage, everything."""
        local = world.nodes[node]
        if self.params["durable"]:
            new = local._replace(log=local.log[:local.flushed],
                                 applied=min(local.applied, local.flushed))
            if local.role == LEADER:
                new = new._replace(commit=min(local.commit, local.flushed))
        else:
            new = Node(FOLLOWER, 0, NO_LEADER)
        return world._replace(nodes=replace_at(world.nodes, node, new))

    def after_recover(self, world: World, node: int) -> World:
        """Under election a node restarts as a follower (its role is not durable); with a
        failover tool or none, a restarted leader is a leader again (PostgreSQL, Redis)."""
        local = world.nodes[node]
        if self.election and local.role == LEADER:
            world = world._replace(nodes=replace_at(world.nodes, node, self._deposed(
                local, local.term)))
        return world

    # --- versions and what the system still holds ----------------------------------------------
    def supersedes(self, a, b) -> bool:
        """``a`` is a later position than ``b`` in the same log history."""
        return len(a) > len(b) and a[:len(b)] == b

    def retained_versions(self, world: World, key: int):
        for node, local in enumerate(world.nodes):
            if self.node_is_up(world, node) or self.params["recover"]:
                yield last_write(local.log, len(local.log), key)[1]

    # --- leadership and availability -------------------------------------------------------------
    @always
    def single_leader(self, world: World) -> bool:
        """At most one live node acts as leader at a time (per term, where terms fence)."""
        seen = set()
        for node, local in enumerate(world.nodes):
            if local.role == LEADER and self.node_is_up(world, node):
                term = local.term if self.terms else 0
                if term in seen:
                    return False
                seen.add(term)
        return True

    # --- liveness -------------------------------------------------------------------------------
    # Weakly fair: the protocol's own progress (deliveries, log steps, failover, rejoin, heal).
    # Not fair: clients, crashes, recoveries, drops, duplicates, partitions starting.
    fair_actions = frozenset({"deliver", "flush", "apply", "commit", "resend", "promote",
                              "rejoin", "elect", "heal"})
    stuttering = True          # a behaviour may stop where no fair step is enabled
    symmetric_fairness = True  # followers are relabelled as a whole; kinds are preserved

    @always_eventually
    def leader_eventually(self, world: World) -> bool:
        """Whatever fails, again and again some live node leads (failover makes progress)."""
        return any(local.role == LEADER and self.node_is_up(world, node)
                   for node, local in enumerate(world.nodes))

    # The witness below needs n0 down for the whole write, from invocation to acknowledgement
    # (a crash just after the acknowledgement shows nothing about failover). ``Waiting``
    # remembers it while the write runs, n0's recovery clears it, and the acknowledging step
    # marks ``Extra.acked_while_n0_down`` for one state.
    def _n0_down(self, world: World, op) -> bool:
        return op.kind == "w" and not self.node_is_up(world, 0)

    def next_steps(self, world: World):
        if world.extra.acked_while_n0_down:
            world = world._replace(extra=world.extra._replace(acked_while_n0_down=False))
        return super().next_steps(world)

    def _faults(self, world: World):
        for action, after in super()._faults(world):
            if action.kind == "recover" and action.actor == 0:
                after = after._replace(clients=tuple(
                    c._replace(op=c.op._replace(n0_down=False)) if c.op is not None and c.op.n0_down
                    else c for c in after.clients))
            yield action, after

    def describe_changes(self, before: World, after: World) -> list[str]:
        hide = lambda w: w._replace(extra=w.extra._replace(acked_while_n0_down=False))
        return super().describe_changes(hide(before), hide(after))

    @sometimes
    def write_acknowledged_while_original_leader_down(self, world: World) -> bool:
        """A new leader acknowledges a write while the original leader n0 is crashed for the whole write."""
        # The write's entry is of a later term than n0's first, so a new leader took it.
        last = world.history[-1] if world.history else None
        return world.extra.acked_while_n0_down and last is not None and last.kind == "ok" \
            and last.op == "w" and last.version[-1] > 1
