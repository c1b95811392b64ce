"""Single-leader (leader/follower) replication, with failover.

The protocol (PostgreSQL streaming replication, MySQL semisynchronous replication, MongoDB
replica sets, Redis replication with Sentinel: see docs/databases.md; DDIA chapter 5):

* One node, the leader (``n0`` at the start), accepts every write. It appends the write to
  its log (flushed locally before anything else happens, unless ``leader_flush = "lazy"``)
  and ships the log to the followers ``f1``, ``f2``, ... A follower applies the log strictly
  in order: it *receives* entries, *flushes* them to disk and *applies* them (replays them,
  which makes them visible to reads on that follower); under ``wait`` it applies on receipt
  and flushes later, as a Redis replica does. Received entries are lost if the follower
  crashes; flushed ones survive.
* ``replication = "async"``: the leader acknowledges a write as soon as it is in its own
  log. ``"sync"``: it waits until ``k`` of the synchronous followers (``sync``) have
  acknowledged the entry at ``stage`` (received / flushed / applied); ``order = "first"``
  counts the ``k`` highest-priority connected ones (PostgreSQL ``FIRST k``), ``"any"``
  any ``k`` (``ANY k``, MongoDB ``w: n``).
* Time-outs are events: a timer may fire at any moment while it runs (durations are not
  modelled), so every ordering of a time-out against the messages it races is explored.
  ``ack_timeout = "degrade"``: a synchronous leader whose wait times out acknowledges the
  waiting writes and stops waiting until a synchronous follower catches up (MySQL
  ``rpl_semi_sync_source_timeout``). ``"error"``: the writer gets an error but the write stays
  in the log and may still be replicated and committed (MongoDB ``wtimeout``, a Redis ``WAIT``
  that returns short); the history records it as indeterminate ("info"), which the guarantees
  treat as an operation that may or may not have happened.
* ``wait = k`` (Redis ``WAIT k`` after each write): the write is applied on the leader and
  visible there at once; the client's operation completes when ``k`` followers have processed
  (received and applied) it. ``min_replicas = k`` (Redis ``min-replicas-to-write``): the leader refuses writes (a
  "fail" completion: certainly not applied) while it counts fewer than ``k`` connected
  followers; it stops counting an unreachable follower only when that follower's lag timer
  fires, so writes in between are still accepted.
* ``leader_flush = "lazy"``: the leader acknowledges a write before it is on its disk and
  flushes in a later step, so a crash of the leader loses what it had not flushed, acknowledged
  or not (PostgreSQL ``synchronous_commit = off``, Redis without ``appendfsync always``). With
  ``ships = "flushed"`` only flushed entries go to followers (PostgreSQL's WAL sender); with
  ``"all"`` every entry goes at once (Redis), and a follower ahead of a leader that restarted
  with less resynchronises from it, giving up the surplus; shipments and acknowledgements carry
  the leader's ``incarnation`` (its count of such restarts): once a follower has taken a newer
  one, a shipment sent before the restart is ignored (taken earlier, it is the same as one
  delivered before the crash), and an old acknowledgement never counts.
* Reads go to the leader, to one named follower, or to any follower (a fresh choice per read).
  A follower answers from what it has applied; at ``read_level = "majority"`` from its
  majority-committed snapshot (what it has applied up to the commit point it last heard from
  the leader, which rides on the log shipments: MongoDB read concern majority).
  ``session = "causal"``: a read carries the session's last operation time and a member
  answers only once its snapshot has reached it (MongoDB ``afterClusterTime``). The leader
  answers from what it has acknowledged (``leader_visibility = "at_ack"``: PostgreSQL, MySQL ``AFTER_SYNC``) or from
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
* ``arbiters``: voting members that hold no data; they take part in elections only.
* ``fencing``: nodes remember the newest term they have seen and refuse a deposed leader:
  followers answer its log with the newer term, and it steps down. Without fencing a
  follower simply follows whoever it was pointed at, and nothing stops the old leader.
* ``lease`` (a failover tool's leader key, Patroni): a live leader the tool cannot see steps
  down ("demote") before the tool may promote another node, so two leaders never overlap.
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
a deposed leader still serves stale local reads unless reads confirm leadership; a
semi-synchronous leader that timed out loses acknowledged writes in a failover; a majority
read on a secondary misses the session's own acknowledged write unless the session is causal;
WAIT and min-replicas narrow, but do not close, the windows in which Redis loses writes; a
lazy leader's restart loses acknowledged writes, even those a follower had received.

The failover variants are strategy objects (``leader_follower_failover.py``); the state types
live in ``leader_follower_state.py``.

Abstractions (all documented where they are made): the failover tool and an election are
atomic steps that look at the nodes they can reach (as MongoDB's RaftMongo.tla does with
``BecomePrimaryByMagic``); a retransmission happens only when no copy of the log is in
flight to a lagging follower; the failover tool and every client but ``c0`` stay with the
majority side of a partition.
"""

from dataclasses import asdict, replace

from replcheck.checker import always, always_eventually, sometimes
from replcheck.checker.errors import ParameterError

from .guarantees import Guarantees, Witnesses
from .leader_follower_failover import strategy_for
from .leader_follower_state import (
    ARBITER,
    FAILOVERS,
    FOLLOWER,
    LEADER,
    NO_LEADER,
    NOOP,
    STAGES,
    Entry,
    Extra,
    Node,
    Settings,
    Waiting,
    as_follower,
    common_prefix,
    last_write,
    versions,
)
from .params import Param, bind
from .runtime import FAULT_PARAMS, Action, Ctx, Msg, ReplicationModel, World, _new, permute_mask, replace_at

__all__ = ["LeaderFollower", "Entry", "Node", "Extra", "Waiting", "Settings", "versions", "last_write"]

_FAULT_HELP = {
    "drops": "how many messages the network may lose (a lost log shipment is sent again; "
    "a lost request or reply is not, so that operation stays pending)",
    "dups": "how many messages the network may deliver twice (a duplicated write is applied once)",
    "crashes": "how many node crashes may happen in a run (arbiters included)",
    "partitions": "how many partitions may start: at most half the nodes cut off, alone or with "
    "client c0 (the tool and other clients stay with the rest); each may heal",
}


def _validate_lazy_flush(cfg: Settings) -> None:
    """leader_flush = lazy is modelled for an asynchronous leader with durable storage and a
    failover tool or none: refuse the rest, naming the fix."""
    if cfg.replication != "async":
        raise ParameterError(
            "leader_flush", 'lazy is modelled with asynchronous replication; set replication = "async"'
        )
    if cfg.failover == "election":
        raise ParameterError(
            "leader_flush", 'lazy is not modelled with elections; choose failover "none" or a promote_* tool'
        )
    if not cfg.durable:
        raise ParameterError(
            "leader_flush", "lazy needs durable storage to lose only what was not flushed; remove durable = false"
        )


def _timeouts_need_waiting(cfg: Settings) -> str | None:
    if cfg.ack_timeout == "none":
        return None
    if cfg.replication != "sync" and cfg.wait == 0:
        return 'a time-out ends a wait for acknowledgements; set replication = "sync" or wait >= 1'
    if cfg.ack_timeout == "degrade" and cfg.replication != "sync":
        return 'only semi-synchronous replication degrades to async; use ack_timeout = "error"'
    return None


class LeaderFollower(Witnesses, Guarantees, ReplicationModel):
    """One leader ships its log to followers; sync/async acks, follower reads, failover."""

    name = "leader_follower"
    PARAMS = (
        Param("followers", int, 2, "follower nodes f1..fN besides the leader n0", minimum=1, maximum=4),
        Param("clients", list, ("w r",), "one script per client session: ops w, r, w:KEY, r:KEY"),
        Param(
            "replication",
            str,
            "async",
            "when the leader acknowledges a write: at once "
            "(async) or after k synchronous followers acknowledge it (sync)",
            choices=("async", "sync"),
        ),
        Param(
            "sync",
            list,
            (),
            "synchronous followers in priority order (sync replication); "
            "empty: every node but the leader, n0 included once demoted",
        ),
        Param("k", int, 1, "synchronous acknowledgements a write waits for", minimum=1, maximum=4),
        Param("order", str, "first", "which k: the first connected by priority, or any k", choices=("first", "any")),
        Param("stage", str, "flushed", "how far a follower must get before its ack counts", choices=STAGES),
        Param(
            "reads",
            str,
            "leader",
            "where reads go: leader, any_follower (a fresh choice of follower per read), any (a fresh "
            "choice of any replica, the leader included), or a follower name",
        ),
        Param(
            "read_level",
            str,
            "local",
            "what a read sees: the node's latest state (local), "
            "its majority-committed snapshot (majority), or the leader's state after it "
            "confirms leadership with a majority (linearizable)",
            choices=("local", "majority", "linearizable"),
        ),
        Param(
            "leader_visibility",
            str,
            "at_ack",
            "what leader reads see: acknowledged entries, or every entry in its log",
            choices=("at_ack", "before_ack"),
        ),
        Param(
            "failover",
            str,
            "none",
            "what happens when the leader is down or cut off "
            "(with no crashes/partitions given, a failover implies crashes=1 recover=true)",
            choices=FAILOVERS,
        ),
        Param("fencing", bool, True, "nodes refuse a deposed leader once they know a newer term"),
        Param(
            "restart_as_follower",
            bool,
            False,
            "a leader that restarts after the failover tool replaced it comes back as a follower "
            "(Patroni: a member that no longer holds the leader key starts as a replica); false: "
            "it comes back as leader until it hears of the new one (repmgr, orchestrator, Sentinel)",
        ),
        Param(
            "lease",
            bool,
            False,
            "the leader holds a lease from the failover tool's store (Patroni's leader key): a live "
            "leader cut off from the tool steps down before the tool may promote another node, so "
            "two leaders never act at once; false: the tool promotes at once, and the old leader "
            "acts until it hears of the new one",
        ),
        Param(
            "ack_timeout",
            str,
            "none",
            "when a write's wait for acknowledgements times out (a "
            "timer that may fire at any moment while it waits): never (none), the leader "
            "acknowledges and replicates asynchronously until a synchronous follower catches "
            "up (degrade), or the client gets an error and the write stays (error: "
            "indeterminate)",
            choices=("none", "degrade", "error"),
        ),
        Param(
            "wait",
            int,
            0,
            "after each write the client waits until this many followers have "
            "processed it (0: it does not wait): a follower applies what it receives at once, as a "
            "Redis replica does, and acknowledges the offset it processed; the write is applied "
            "and visible on the leader first",
            minimum=0,
            maximum=4,
        ),
        Param(
            "min_replicas",
            int,
            0,
            "the leader refuses writes while it counts fewer connected "
            "followers; it stops counting an unreachable follower when its lag timer fires",
            minimum=0,
            maximum=4,
        ),
        Param(
            "leader_flush",
            str,
            "before_ack",
            "when a write reaches the leader's disk: before_ack (flushed before anything else "
            "happens) or lazy (acknowledged first and flushed by a later step, so a crash of the "
            "leader loses what it had not flushed; asynchronous replication only)",
            choices=("before_ack", "lazy"),
        ),
        Param(
            "ships",
            str,
            "flushed",
            "with leader_flush = lazy, what the leader ships: its flushed entries only (flushed: "
            "PostgreSQL's WAL sender) or every entry at once (all: Redis's replication stream; a "
            "follower ahead of a leader that restarted with less resynchronises, discarding the surplus)",
            choices=("flushed", "all"),
            only_if=("leader_flush", "lazy"),
        ),
        Param(
            "session",
            str,
            "none",
            "none, or causal: a read carries the session's last "
            "operation time and waits until the node's snapshot has reached it",
            choices=("none", "causal"),
        ),
        Param("arbiters", int, 0, "voting members a1..aN that hold no data (election only)", minimum=0, maximum=2),
    ) + tuple(replace(p, help=_FAULT_HELP.get(p.name, p.help)) for p in FAULT_PARAMS)
    SUMMARY_ALWAYS = ("followers", "replication", "failover")

    def __init__(self, **given):
        cfg = Settings(**bind(self.PARAMS, given))
        names = tuple(f"f{i}" for i in range(1, cfg.followers + 1))
        self.follower_names = names
        self._validate(cfg, set(given), names)
        if cfg.failover != "none" and not ({"crashes", "partitions"} & set(given)):
            # A failover needs a failure: with no fault named, the leader may crash once and
            # come back (so its rollback shows), the common reading of "async + failover".
            cfg = replace(cfg, crashes=1, recover=cfg.recover if "recover" in given else True)
        super().__init__(cfg.followers + 1 + cfg.arbiters, asdict(cfg))
        self.cfg = cfg
        n = cfg.followers
        self.data_nodes = n + 1  # n0 and the followers; arbiters come after them
        self.arbiter_names = tuple(f"a{i}" for i in range(1, cfg.arbiters + 1))
        # With no list every other node counts (n0 too, once it follows a promoted node).
        self.sync_nodes = tuple(names.index(s) + 1 for s in cfg.sync) or tuple(range(n + 1))
        # Redis WAIT is a per-write wait for k processed offsets: the leader counts them as any
        # k "received" acknowledgements (a follower applies on receipt under wait) while its own
        # reads already show the write.
        self.is_sync = cfg.replication == "sync" or cfg.wait > 0
        self.k = cfg.wait or cfg.k
        self.order = "any" if cfg.wait else cfg.order
        self.stage = "received" if cfg.wait else cfg.stage
        self.visibility = "before_ack" if cfg.wait else cfg.leader_visibility
        self.failover = strategy_for(self, cfg.failover)
        self.terms = cfg.fencing or self.failover.elects
        self.majority = (n + 1 + cfg.arbiters) // 2 + 1
        self.share_commit = cfg.read_level == "majority"
        self.causal = cfg.session == "causal"
        # Which follower stages are separate steps. Received and flushed differ only if a
        # durable node can crash; flushed and applied only for a follower that serves reads.
        # Elsewhere the later stage is reached in the same step (nothing could tell apart).
        self.flush_step = cfg.crashes > 0 and cfg.durable
        # leader_flush = lazy: the leader's own flush is a step; ships says whether what it has
        # not flushed yet is shipped (and so whether followers can be ahead of it after a crash).
        self.lazy = cfg.leader_flush == "lazy"
        self.ships_unflushed = self.lazy and cfg.ships == "all"
        # Under wait (Redis) a follower applies on receipt: WAIT counts the offset a replica
        # has processed, so an acknowledged write is already visible on it.
        self.apply_step = tuple(
            not cfg.wait
            and ((cfg.reads == "any" and i <= n) or (0 < i <= n and cfg.reads in ("any_follower", names[i - 1])))
            for i in range(self.node_count)
        )

    @staticmethod
    def _validate(cfg: Settings, given: set, names: tuple) -> None:
        """Refuse combinations the model does not cover, naming the field and the fix."""
        n = len(names)
        if cfg.replication == "async":
            for field in ("sync", "k", "order", "stage"):
                if field in given:
                    raise ParameterError(
                        field, 'only applies to replication = "sync"; remove it or set replication = "sync"'
                    )
        for name in cfg.sync:
            if name not in names:
                raise ParameterError(
                    "sync", f"unknown follower {name!r}; with followers={n} the followers are {', '.join(names)}"
                )
        if len(set(cfg.sync)) != len(cfg.sync):
            raise ParameterError("sync", "names a follower twice; list each follower once")
        sync = cfg.sync or names
        if cfg.replication == "sync" and cfg.k > len(sync):
            raise ParameterError(
                "k",
                f"k={cfg.k} is more than the {len(sync)} synchronous followers; lower k or list more followers in sync",
            )
        if cfg.reads not in ("leader", "any_follower", "any") + names:
            raise ParameterError(
                "reads", f"must be leader, any_follower, any or one of {', '.join(names)}, got {cfg.reads!r}"
            )
        if cfg.read_level == "linearizable" and cfg.reads != "leader":
            raise ParameterError(
                "read_level",
                'linearizable reads are served by the leader; set reads = "leader" or read_level = "local"',
            )
        if cfg.read_level == "linearizable" and cfg.leader_visibility == "before_ack":
            raise ParameterError(
                "leader_visibility",
                "before_ack shows unacknowledged writes, "
                "which a linearizable read must not; use "
                'at_ack or read_level = "local"',
            )
        if cfg.failover == "election" and not cfg.fencing:
            raise ParameterError(
                "fencing", "an election always fences with terms; remove fencing = false or choose a promote_* failover"
            )
        problem = _timeouts_need_waiting(cfg)
        if problem:
            raise ParameterError("ack_timeout", problem)
        if cfg.wait:
            if cfg.replication != "async":
                raise ParameterError(
                    "wait", 'WAIT follows an asynchronous write; set replication = "async" or remove wait'
                )
            if cfg.wait > n:
                raise ParameterError(
                    "wait", f"wait={cfg.wait} is more than the {n} followers; lower wait or add followers"
                )
        if cfg.leader_flush == "lazy":
            _validate_lazy_flush(cfg)
        for name in ("restart_as_follower", "lease"):
            if getattr(cfg, name) and not cfg.failover.startswith("promote_"):
                raise ParameterError(
                    name,
                    "only applies to a failover tool (failover = promote_most_up_to_date or promote_any); remove it",
                )
        if cfg.lease and not cfg.restart_as_follower:
            raise ParameterError(
                "lease",
                "needs restart_as_follower = true: a leader that restarts after another was promoted "
                "no longer holds the lease; add it",
            )
        if cfg.min_replicas > n:
            raise ParameterError(
                "min_replicas",
                f"min_replicas={cfg.min_replicas} is more than the {n} followers; no write could ever pass",
            )
        voters = n + 1 + cfg.arbiters
        if cfg.read_level == "majority" and not (
            cfg.replication == "sync"
            and cfg.order == "any"
            and cfg.stage != "received"
            and cfg.k + 1 >= voters // 2 + 1
            and cfg.leader_visibility == "at_ack"
        ):
            raise ParameterError(
                "read_level",
                "majority reads are modelled for majority writes "
                f'only: set replication = "sync", order = "any", stage = '
                f'"flushed" and k >= {voters // 2} (w: majority)',
            )
        if cfg.session == "causal" and cfg.read_level != "majority":
            raise ParameterError(
                "session",
                "causal sessions are modelled with majority reads and "
                "writes (the documented combination); set read_level = "
                '"majority" or session = "none"',
            )
        if cfg.arbiters:
            if cfg.failover != "election":
                raise ParameterError(
                    "arbiters", 'arbiters only vote in elections; set failover = "election" or arbiters = 0'
                )
            if cfg.read_level == "linearizable":
                raise ParameterError(
                    "arbiters",
                    'linearizable reads with arbiters are not modelled; remove arbiters or use read_level = "local"',
                )

    # --- naming ----------------------------------------------------------------------------
    def node_name(self, node: int) -> str:
        """``n0`` for the original leader, ``f1``, ``f2``, ... for the followers and ``a1``, ... for the
        arbiters; names stay with the node ids, so ``n0`` keeps its name after it is demoted."""
        if node >= self.data_nodes:
            return self.arbiter_names[node - self.data_nodes]
        return "n0" if node == 0 else f"f{node}"

    def version_name(self, version: tuple) -> str:
        """A version (the terms of the log up to an entry) as ``term.index``, e.g. ``2.3`` for the
        third entry, appended in term 2; ``0.0`` for the initial value's empty version."""
        return f"{version[-1]}.{len(version)}" if version else "0.0"

    def entry_name(self, e: Entry) -> str:
        """A log entry as ``key=value``, or ``noop`` for an elected leader's no-op entry."""
        return "noop" if e.key == NOOP else f"{self.key_name(e.key)}={self.value_name(e.value)}"

    def describe_msg(self, msg: Msg) -> str:
        """The leader/follower messages in a trace label: ``append`` with its term, the shipped
        log (and the commit point, for majority reads), client ``write``/``read`` requests (a
        causal read with its ``after`` time), replies with ``value@term.index``, and ``ack``/``nack``
        with their terms; other kinds (``redirect``) by name."""
        b = msg.body
        if msg.kind == "append":
            term, log = b[:2]
            tail = ""
            if self.share_commit:
                tail = f", committed {b[2]}"
            elif self.ships_unflushed:
                tail = f", incarnation {b[-1]}"
            return f"append(t{term}: {' '.join(map(self.entry_name, log)) or 'empty'}{tail})"
        if msg.kind == "write":
            key, value, _pc = b
            return f"write({self.key_name(key)}={self.value_name(value)})"
        if msg.kind == "read":
            after = f", after {self.version_name(b[2])}" if len(b) > 2 and b[2] else ""
            return f"read({self.key_name(b[0])}{after})"
        if msg.kind in ("ok", "value"):
            _pc, value, version = b[:3]
            return f"{msg.kind}({self.value_name(value)}@{self.version_name(version)})"
        if msg.kind in ("error", "refused"):
            return msg.kind
        if msg.kind == "ack":
            return f"ack(t{b[0]}, {b[1]}" + (f", incarnation {b[2]})" if len(b) > 2 else ")")
        if msg.kind == "nack":
            return f"nack(t{b[0]})"
        return msg.kind

    def describe_action(self, a: Action) -> str:
        """Adds this family's steps to the runtime's labels: where an invocation went, log
        flushes and applies, a re-count of acknowledgements, re-sends, promotions and elections
        (with what a promotion rolled back), time-outs, lag timers and rejoins."""
        name = self.actor_name
        if a.kind == "invoke":
            return f"{super().describe_action(a)} at {name(a.msg.dst)}"
        if a.kind == "flush":
            return f"{name(a.actor)} flushes its log to disk (up to entry {a.detail})"
        if a.kind == "apply":
            return f"{name(a.actor)} applies its log (up to entry {a.detail})"
        if a.kind == "commit":
            return f"{name(a.actor)} counts acknowledgements again: entries up to {a.detail} are acknowledged"
        if a.kind == "resend":
            return f"{name(a.actor)} re-sends {self.describe_msg(a.msg)} to {name(a.msg.dst)}"
        if a.kind == "promote":
            term, repointed, lost = a.detail
            text = f"failover tool promotes {name(a.actor)} to leader (term {term})"
            if repointed:
                verb = "follows" if len(repointed) == 1 else "follow"
                text += f"; {', '.join(map(name, repointed))} now {verb} it"
            return text + self._rollback_text(lost)
        if a.kind == "demote":
            return f"{name(a.actor)} cannot renew its lease and steps down"
        if a.kind == "elect":
            term, voters = a.detail
            return f"{name(a.actor)} is elected leader for term {term} with votes from {', '.join(map(name, voters))}"
        if a.kind == "timeout":
            return f"{name(a.actor)}'s {a.detail}"
        if a.kind == "lag":
            return f"{name(a.actor)}'s lag timer fires: it stops counting {name(a.detail)} as connected"
        if a.kind == "reconnect":
            return f"{name(a.detail)} reconnects to {name(a.actor)}"
        if a.kind == "rejoin":
            leader, term, lost = a.detail
            return f"{name(a.actor)} rejoins as follower of {name(leader)} (term {term})" + self._rollback_text(lost)
        return super().describe_action(a)

    def _rollback_text(self, lost: tuple) -> str:
        if not lost:
            return ""
        return ", rolling back " + ", ".join(f"{who}: {' '.join(map(self.entry_name, es))}" for who, es in lost)

    def describe_node(self, local: Node) -> str:
        """A node in a few words: its role and whom it follows, its term and log (entries with
        their terms); the acknowledged prefix for a leader (and whether it degraded to async, and
        how many followers it counts for min_replicas), the flushed and applied prefixes for a
        follower; and any values it rolled back."""
        if local.role == ARBITER:
            return f"arbiter, term {local.term}"
        role = (
            "leader"
            if local.role == LEADER
            else (f"follows {self.node_name(local.leader)}" if local.leader != NO_LEADER else "follows nobody")
        )
        log = " ".join(self.entry_name(e) + f"@{e.term}" for e in local.log) or "empty"
        text = f"{role}, term {local.term}, log [{log}]"
        if local.role == LEADER:
            text += f", acknowledged {local.commit}"
            if self.lazy:
                text += f", flushed {local.flushed}"
            if self.ships_unflushed and local.incarnation:
                text += f", incarnation {local.incarnation}"
            if local.degraded:
                text += " (degraded to async)"
            if self.cfg.min_replicas:
                text += f", counts {bin(local.connected).count('1')} connected"
        else:
            text += f", flushed {local.flushed}, applied {local.applied}"
            if self.share_commit:
                text += f", knows {local.known_commit} committed"
            if self.ships_unflushed and local.incarnation:
                text += f", synced with incarnation {local.incarnation}"
        if local.rolled_back:
            text += f", rolled back {','.join(map(self.value_name, local.rolled_back))}"
        return text

    def node_role(self, world, node: int) -> str:
        """``leader``, ``follower`` or ``arbiter`` with the node's term, read from its state whether
        or not it is up: a crashed leader with durable storage still shows as leader."""
        local = world.nodes[node]
        if local.role == LEADER:
            return f"leader, term {local.term}"
        if local.role == ARBITER:
            return f"arbiter, term {local.term}"
        return f"follower, term {local.term}"

    def describe_extra(self, extra: Extra) -> str:
        """The failover tool's belief (current leader and term) and, with causal sessions, each
        client's last operation time."""
        text = f"failover tool: leader {self.node_name(extra.leader)}, term {extra.term}"
        if self.causal:
            text += "; session times " + ", ".join(f"c{c} {self.version_name(t)}" for c, t in enumerate(extra.tokens))
        return text

    # --- initial state -----------------------------------------------------------------------
    def init_node(self, node: int) -> Node:
        """``n0`` leads term 1 with an empty log (counting every follower as connected under
        min_replicas); followers follow ``n0`` in term 1; arbiters only hold the term."""
        if node == 0:
            return Node(
                LEADER, 1, 0, acks=(0,) * self.node_count, connected=self.connected_mask(0, range(self.data_nodes))
            )
        if node >= self.data_nodes:
            return Node(ARBITER, 1, 0)
        return Node(FOLLOWER, 1, 0)

    def connected_mask(self, leader: int, nodes) -> int:
        """The followers among ``nodes`` that ``leader`` counts as connected, as a bitmask
        (always 0 unless min_replicas is set, so that no other state is split)."""
        if not self.cfg.min_replicas:
            return 0
        return sum(1 << i for i in set(nodes) if i != leader and i < self.data_nodes)

    def init_extra(self):
        """The failover tool starts with ``n0`` as leader in term 1; causal sessions start with no
        operation time (``()`` per client)."""
        return Extra(tokens=((),) * self.client_count if self.causal else ())

    # --- clients -------------------------------------------------------------------------------
    def operation_targets(self, world: World, client: int, op):
        """A write goes to the leader the client finds; a read to the leader or the
        follower(s) ``reads`` names: with any_follower, one invocation step per follower; with
        any, one per replica (leader included)."""
        return self._targets(world, self.client_actor(client), op)

    def send_operation(self, ctx, client: int, op, target: int):
        """Send the request to ``target`` (a leader for writes; the leader or a follower for
        reads, as ``operation_targets`` gave) and wait for its answer; a write also remembers
        whether ``n0`` was down at its invocation (for the availability witness)."""
        self._request(ctx, client, target, op, ctx.world.clients[client].pc)
        return Waiting(target, self._n0_down(ctx.world, op))

    def _targets(self, world: World, me: int, op) -> tuple[int, ...]:
        reads = self.cfg.reads
        if op.kind == "w" or reads == "leader":
            return (self._leader_for(world, me),)
        if reads == "any_follower":
            return tuple(range(1, self.data_nodes))
        if reads == "any":
            return tuple(range(self.data_nodes))
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

    def _request(self, ctx, client: int, target: int, op, pc: int) -> None:
        if op.kind == "w":
            ctx.send(target, "write", op.key, op.value, pc)
        elif self.causal:  # afterClusterTime: the session's last operation time
            ctx.send(target, "read", op.key, pc, ctx.world.extra.tokens[client])
        else:
            ctx.send(target, "read", op.key, pc)

    def request_is_obsolete(self, msg: Msg) -> bool:
        """Reads: they change no node, so a read whose client has moved on can be forgotten.
        Writes are kept: a late write request still appends to the leader's log."""
        return msg.kind == "read"

    def on_client_message(self, ctx, client: int, op_state: Waiting, msg: Msg):
        """A reply for the running operation completes it (``ok``/``value``), ends it indeterminate
        (``error``: a time-out) or refused (``refused``: min_replicas), or, on ``redirect``, sends
        the request again to the leader the client now finds. Replies to an earlier operation are
        ignored. Causal sessions keep the write's version, or the read's snapshot, as their time."""
        pc = ctx.world.clients[client].pc
        if msg.body[0] != pc:
            return op_state
        if msg.kind in ("ok", "value"):
            _pc, value, version = msg.body[:3]
            ctx.complete(client, value, version)
            if op_state.n0_down:
                ctx.world = ctx.world._replace(extra=ctx.world.extra._replace(acked_while_n0_down=True))
            if self.causal:  # the session's operation time: the write, or the read's snapshot
                extra = ctx.world.extra
                tokens = replace_at(extra.tokens, client, msg.body[3] if msg.kind == "value" else version)
                ctx.world = ctx.world._replace(extra=extra._replace(tokens=tokens))
        elif msg.kind in ("error", "refused"):
            ctx.fail(client, definite=msg.kind == "refused")
        elif msg.kind == "redirect":
            target = self._leader_for(ctx.world, ctx.me)
            self._request(ctx, client, target, self.scripts[client][pc], pc)
            op_state = Waiting(target, op_state.n0_down)
        return op_state

    # --- nodes -----------------------------------------------------------------------------------
    def on_node_message(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        """Dispatch by kind: client writes and reads, and the log shipments (``append``) and
        acknowledgements (``ack``, ``nack``) between leader and followers."""
        handlers = self.__dict__.get("_handlers")
        if handlers is None:  # built once: a dict of bound methods per message is measurable
            handlers = self._handlers = {
                "write": self._on_write,
                "read": self._on_read,
                "append": self._on_append,
                "ack": self._on_ack,
                "nack": self._on_nack,
            }
        return handlers[msg.kind](ctx, node, local, msg)

    def _on_write(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        """The leader appends the write, ships its log, and acknowledges per replication."""
        key, value, pc = msg.body
        if local.role != LEADER:
            ctx.send(msg.src, "redirect", pc)
            return local
        if any(e.value == value for e in local.log):
            return local  # a duplicated request: the write is in the log already
        if bin(local.connected).count("1") < self.cfg.min_replicas:
            ctx.send(msg.src, "refused", pc)  # Redis: NOREPLICAS
            return local
        log = local.log + (Entry(local.term, key, value),)
        local = local._replace(log=log, flushed=local.flushed if self.lazy else len(log), applied=len(log))
        if self.ships_unflushed or not self.lazy:
            self.ship(ctx, node, local)
        return self._advance_commit(ctx, node, local)

    def _on_read(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        key, pc = msg.body[:2]
        if local.role == LEADER:
            if not self._may_serve(ctx.world, node, local):
                ctx.sent.append(msg)  # cannot answer yet: the request stays in flight
                return local
            upto = len(local.log) if self.visibility == "before_ack" else local.commit
        elif self.cfg.reads == "leader":
            ctx.send(msg.src, "redirect", pc)
            return local
        elif self.share_commit:  # the majority-committed snapshot this member knows of
            upto = min(local.applied, local.known_commit)
        else:
            upto = local.applied
        snapshot = versions(local.log, upto)
        if self.causal:
            if not self.covers(snapshot, msg.body[2]):
                ctx.sent.append(msg)  # afterClusterTime: wait until the snapshot reaches it
                return local
            value, version = last_write(local.log, upto, key)
            ctx.send(msg.src, "value", pc, value, version, snapshot)
            return local
        value, version = last_write(local.log, upto, key)
        ctx.send(msg.src, "value", pc, value, version)
        return local

    def _may_serve(self, world: World, node: int, local: Node) -> bool:
        """An elected leader answers reads once its no-op is acknowledged (Raft section 8);
        at read_level linearizable it first confirms with a majority that it still leads."""
        if (
            self.failover.elects
            and self.visibility == "at_ack"
            and any(e.key == NOOP and e.term == local.term for e in local.log[local.commit :])
        ):
            return False
        if self.cfg.read_level == "linearizable":
            confirmed = 1 + sum(
                1
                for v, f in enumerate(world.nodes)
                if v != node
                and self.reachable(world, node, v)
                and f.role == FOLLOWER
                and f.leader == node
                and f.term == local.term
            )
            return confirmed >= self.majority
        return True

    def _on_append(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        """A follower takes the leader's log: extends its own, or, when its log has entries
        the leader's lacks, rolls them back first."""
        term, log = msg.body[:2]
        if term < local.term and self.terms:
            ctx.send(msg.src, "nack", local.term)  # fencing: tell the deposed leader
            return local
        if term > local.term and self.terms:
            local, stop = self.failover.on_newer_term(local, term, msg.src)
            if stop:
                return local
        if local.role != FOLLOWER or local.leader != msg.src or local.term != term:
            return local  # not the leader this node follows
        incarnation = msg.body[-1] if self.ships_unflushed else 0
        if incarnation < local.incarnation:
            return local  # shipped before the leader's last lossy restart: stale
        # The leader restarted without entries it had shipped: take its log as it is now, the
        # surplus included (Redis: a full resynchronisation).
        resync = incarnation > local.incarnation
        same = common_prefix(local.log, log)
        if self.share_commit:  # the leader's commit point rides on its log shipments
            known = max(local.known_commit, min(msg.body[2], same))
            local = local._replace(known_commit=known)
        if same == len(log) and not resync:
            return local  # an older copy of the log: nothing new
        lost = tuple(e.value for e in local.log[same:] if e.key != NOOP)
        # After a resynchronisation the follower reports its whole position afresh (Redis:
        # REPLCONF ACK after a full sync): its earlier acks counted in an older incarnation.
        before = 0 if resync else min(self._stage_position(local), same)
        local = local._replace(
            log=log,
            flushed=min(local.flushed, same),
            applied=min(local.applied, same),
            rolled_back=tuple(sorted(local.rolled_back + lost)),
            incarnation=incarnation,
        )
        if self.share_commit:
            local = local._replace(known_commit=max(local.known_commit, min(msg.body[2], len(log))))
        local = self.settle(node, local)
        self._maybe_ack(ctx, local, before)
        return local

    def settle(self, node: int, local: Node) -> Node:
        """Reach the stages that are not separate steps for this node."""
        if not self.flush_step:
            local = local._replace(flushed=len(local.log))
            if not self.apply_step[node]:
                local = local._replace(applied=local.flushed)
        elif self.cfg.wait:
            local = local._replace(applied=len(local.log))  # ahead of its flush, as in Redis
        return local

    def _stage_position(self, local: Node) -> int:
        stage = self.stage
        return len(local.log) if stage == "received" else local.flushed if stage == "flushed" else local.applied

    def _maybe_ack(self, ctx, local: Node, before: int) -> None:
        if self.is_sync and local.leader != NO_LEADER:
            now = self._stage_position(local)
            if now > before:
                if self.ships_unflushed:  # positions count in the leader's incarnation they came from
                    ctx.send(local.leader, "ack", local.term, now, local.incarnation)
                else:
                    ctx.send(local.leader, "ack", local.term, now)

    def _on_ack(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        term, position = msg.body[:2]
        if local.role != LEADER or term != local.term or local.acks[msg.src] >= position:
            return local
        if self.ships_unflushed and msg.body[2] != local.incarnation:
            return local  # about entries the leader lost in a restart
        local = local._replace(acks=replace_at(local.acks, msg.src, position))
        if local.degraded and self._sync_point(ctx.world, node, local) >= len(local.log):
            # MySQL: once a semi-synchronous replica catches up, the source waits again.
            local = local._replace(degraded=False)
        return self._advance_commit(ctx, node, local)

    def _on_nack(self, ctx, node: int, local: Node, msg: Msg) -> Node:
        (term,) = msg.body
        if local.role == LEADER and term > local.term:
            return self._deposed(local, term)
        return local

    def _deposed(self, local: Node, term: int) -> Node:
        return as_follower(local, term, NO_LEADER)

    # --- the leader's acknowledgements ------------------------------------------------------
    def _commit_point(self, world: World, node: int, local: Node) -> int:
        """The longest prefix the replication rule counts as acknowledged."""
        if not self.is_sync or local.degraded:
            return len(local.log)
        return self._sync_point(world, node, local)

    def _sync_point(self, world: World, node: int, local: Node) -> int:
        """The longest prefix the synchronous followers' acknowledgements cover."""
        k = self.k
        if self.order == "first":
            connected = [f for f in self.sync_nodes if f != node and self.reachable(world, node, f)][:k]
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
        while reached > local.commit and self.failover.elects and local.log[reached - 1].term != local.term:
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
        local = local._replace(commit=point)
        if self.share_commit:  # followers learn the new commit point (MongoDB: heartbeats)
            self.ship(ctx, node, local)
        return local

    def ship(self, ctx, node: int, local: Node) -> None:
        """Send leader ``node``'s whole log (and commit point, for majority reads) to every other
        data node; arbiters get nothing. A follower ignores a shipment whose log it already holds
        as a prefix, so duplicated or late shipments of the same leader are harmless."""
        for other in range(self.data_nodes):
            if other != node:
                ctx.send(other, "append", *self.shipment(local))

    def shipment(self, local: Node) -> tuple:
        """The body of an append message from leader ``local``: its term and log (only the
        flushed part under leader_flush = lazy, ships = flushed), the commit point for majority
        reads, and the leader's incarnation under ships = all."""
        if self.share_commit:
            return local.term, local.log, local.commit
        if self.ships_unflushed:
            return local.term, local.log, local.incarnation
        return local.term, self.shipped_log(local)

    def shipped_log(self, local: Node) -> tuple:
        """The part of leader ``local``'s log it ships: the flushed part under leader_flush =
        lazy with ships = flushed, the whole log otherwise."""
        return local.log[: local.flushed] if self.lazy and not self.ships_unflushed else local.log

    # --- steps that are not message deliveries ----------------------------------------------
    def family_steps(self, world: World):
        """Follower flush and apply steps, the leader's re-count of acknowledgements and
        re-sends, the time-out and lag timers where configured, and the failover strategy's own
        steps (promotion, election, rejoin)."""
        yield from self._stage_steps(world)
        yield from self._leader_steps(world)
        if self.cfg.ack_timeout != "none":
            yield from self._ack_timers(world)
        if self.cfg.min_replicas:
            yield from self._lag_timers(world)
        yield from self.failover.steps(world)

    def _stage_steps(self, world: World):
        down = world.faults.down  # node_is_up, read once
        for node, local in enumerate(world.nodes):
            if down >> node & 1:
                continue
            if local.role != FOLLOWER:
                if self.lazy and local.role == LEADER and local.flushed < len(local.log):
                    yield self._leader_flush(world, node, local)
                continue
            # Nodes built by slicing (log, flushed, applied are fields 3, 4, 5): _replace
            # is several times slower, and these run for most states.
            if self.flush_step and local.flushed < len(local.log):
                n = len(local.log)
                stages = (n, local.applied) if self.apply_step[node] else (n, n)
                new = _new(Node, local[:4] + stages + local[6:])
                yield self._local_step(world, "flush", node, local, new, new.flushed)
            if self.apply_step[node] and local.applied < local.flushed:
                new = _new(Node, local[:5] + (local.flushed,) + local[6:])
                yield self._local_step(world, "apply", node, local, new, new.applied)

    def _leader_flush(self, world: World, node: int, local: Node):
        """leader_flush = lazy: the leader's log reaches its disk (and, under ships = flushed,
        only now goes to the followers)."""
        new = local._replace(flushed=len(local.log))
        ctx = Ctx(self, world, node)
        if not self.ships_unflushed:
            self.ship(ctx, node, new)
        world = _new(World, (replace_at(world.nodes, node, new),) + world[1:])
        return _new(Action, ("flush", node, None, new.flushed, self)), ctx.finish(world)

    def _local_step(self, world: World, kind: str, node: int, local: Node, new: Node, detail):
        ctx = Ctx(self, world, node)
        self._maybe_ack(ctx, new, self._stage_position(local))
        world = _new(World, (replace_at(world.nodes, node, new),) + world[1:])
        return _new(Action, (kind, node, None, detail, self)), ctx.finish(world)

    def _leader_steps(self, world: World):
        for node, local in enumerate(world.nodes):
            if local.role != LEADER or not self.node_is_up(world, node):
                continue
            if self.is_sync and self.order == "first" and self._commit_point(world, node, local) > local.commit:
                # A synchronous follower was lost: the next by priority already has the entry.
                ctx = Ctx(self, world, node)
                new = self._advance_commit(ctx, node, local)
                yield (
                    Action("commit", node, None, new.commit, self),
                    ctx.finish(world._replace(nodes=replace_at(world.nodes, node, new))),
                )
            for other, f in enumerate(world.nodes[: self.data_nodes]):
                # Retransmission: only to a reachable follower of this leader that lacks part
                # of its log while no copy is in flight (a timer longer than a round trip).
                if other == node:
                    continue
                if (
                    not self.failover.lagging(f, local, node)
                    or not self.reachable(world, node, other)
                    or any(m.kind == "append" and m.src == node and m.dst == other for m in world.net)
                ):
                    continue
                msg = Msg(other, node, "append", self.shipment(local))
                yield Action("resend", node, msg, None, self), world._replace(net=tuple(sorted(world.net + (msg,))))

    def lags(self, follower: Node, leader: Node) -> bool:
        """The follower lacks part of the log the leader ships (or, for majority reads, its commit
        point), or, under ships = all, holds more than a leader that restarted with less."""
        return (
            follower.log != self.shipped_log(leader)
            or (self.share_commit and follower.known_commit < leader.commit)
            or (self.ships_unflushed and follower.incarnation != leader.incarnation)
        )

    # --- timers: a timer may fire at any moment while it runs (durations are not modelled) ----
    def _ack_timers(self, world: World):
        """A leader's wait for acknowledgements times out: semi-sync degrades to async
        (MySQL), or the writer gets an error while the write stays (MongoDB wtimeout,
        Redis WAIT)."""
        for node, local in enumerate(world.nodes):
            if local.role != LEADER or not self.node_is_up(world, node) or local.degraded:
                continue
            pending = [e for e in local.log[local.commit :] if e.term == local.term and e.key != NOOP]
            if not pending:
                continue
            if self.cfg.ack_timeout == "degrade":
                ctx = Ctx(self, world, node)
                new = self._advance_commit(ctx, node, local._replace(degraded=True))
                text = (
                    "semi-synchronous wait times out: it acknowledges without waiting (async) "
                    "until a follower catches up"
                )
                yield (
                    Action("timeout", node, None, text, self),
                    ctx.finish(world._replace(nodes=replace_at(world.nodes, node, new))),
                )
                continue
            for e in pending:
                client, pc = self.writes[e.value]
                actor = self.client_actor(client)
                waiting = world.clients[client]
                if (
                    waiting.pc != pc
                    or waiting.op is None
                    or any(m.kind == "error" and m.dst == actor for m in world.net)
                ):
                    continue
                msg = Msg(actor, node, "error", (pc,))
                text = (
                    f"wait for acknowledgements of {self.entry_name(e)} times out: it answers "
                    f"{self.actor_name(actor)} with an error, and the write stays in its log"
                )
                yield Action("timeout", node, msg, text, self), world._replace(net=tuple(sorted(world.net + (msg,))))

    def _lag_timers(self, world: World):
        """min_replicas: a leader stops counting a follower it cannot reach (or that follows
        someone else) when that follower's lag timer fires; a follower that can reach it and
        follows it again is counted again when it reconnects."""
        for node, local in enumerate(world.nodes):
            if local.role != LEADER or not self.node_is_up(world, node):
                continue
            for other in range(self.data_nodes):
                if other == node:
                    continue
                f = world.nodes[other]
                linked = self.reachable(world, node, other) and f.leader == node and f.term == local.term
                counted = local.connected >> other & 1
                if counted == linked:
                    continue
                kind = "reconnect" if linked else "lag"
                new = local._replace(connected=local.connected ^ 1 << other)
                yield Action(kind, node, None, other, self), world._replace(nodes=replace_at(world.nodes, node, new))

    # --- symmetry ------------------------------------------------------------------------------
    def symmetric_node_groups(self):
        """The followers are interchangeable unless a parameter names one of them: reads
        from a named follower, or a synchronous priority order (``order = "first"``) or a
        list of only some followers."""
        cfg = self.cfg
        if cfg.reads not in ("leader", "any_follower", "any"):
            return ()
        if self.is_sync and (self.order == "first" or set(cfg.sync) not in (set(), set(self.follower_names))):
            return ()
        return (tuple(range(1, self.data_nodes)),) if self.data_nodes > 2 else ()

    def relabel_local(self, local: Node, perm):
        """Rename the node ids a node stores: the node it follows, the per-node acknowledgement
        positions and the connected-followers mask."""
        acks = local.acks
        if acks:
            moved = [0] * len(acks)
            for old, new in enumerate(perm):
                moved[new] = acks[old]
            acks = tuple(moved)
        leader = perm[local.leader] if local.leader != NO_LEADER else NO_LEADER
        if local.connected:
            return local._replace(leader=leader, acks=acks, connected=permute_mask(local.connected, perm))
        return local._replace(leader=leader, acks=acks)

    def relabel_op(self, op_state: Waiting, perm):
        """A running operation names the node its request went to; rename it."""
        return Waiting(perm[op_state.target], op_state.n0_down)

    def relabel_extra(self, extra: Extra, perm):
        """The failover tool's current leader is a node id; rename it."""
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
        if self.cfg.durable:
            flushed = local.flushed  # fields 3..6: log, flushed, applied, commit
            commit = min(local.commit, flushed) if local.role == LEADER else local.commit
            new = _new(
                Node, local[:3] + (local.log[:flushed], flushed, min(local.applied, flushed), commit) + local[7:]
            )
            if self.lazy and local.role == LEADER and flushed < len(local.log):
                # The acknowledged-but-unflushed suffix is gone: positions beyond it mean nothing.
                new = new._replace(
                    acks=tuple(min(a, flushed) for a in new.acks),
                    incarnation=new.incarnation + self.ships_unflushed,
                )
        else:
            new = Node(ARBITER if local.role == ARBITER else FOLLOWER, 0, NO_LEADER)
        return _new(World, (replace_at(world.nodes, node, new),) + world[1:])

    def after_recover(self, world: World, node: int) -> World:
        """Under election a node restarts as a follower (its role is not durable); with a
        failover tool or none, a restarted leader is a leader again (PostgreSQL, Redis), unless
        ``restart_as_follower`` and the tool has promoted another node meanwhile."""
        local = world.nodes[node]
        replaced = self.cfg.restart_as_follower and world.extra.leader != node
        if local.role == LEADER and (self.failover.elects or replaced):
            world = world._replace(nodes=replace_at(world.nodes, node, self._deposed(local, local.term)))
        if node == 0:  # n0 is back: no running write has had it down throughout any more
            world = world._replace(
                clients=tuple(
                    c._replace(op=c.op._replace(n0_down=False)) if c.op is not None and c.op.n0_down else c
                    for c in world.clients
                )
            )
        return world

    # --- versions and what the system still holds ----------------------------------------------
    def supersedes(self, a, b) -> bool:
        """``a`` is a later position than ``b`` in the same log history."""
        return len(a) > len(b) and a[: len(b)] == b

    def retained_versions(self, world: World, key: int):
        """The newest version of ``key`` in each data node's log (whether or not it is applied
        or acknowledged there), for nodes that are up or may still recover. Arbiters hold none."""
        for node, local in enumerate(world.nodes[: self.data_nodes]):
            if self.node_is_up(world, node) or self.cfg.recover:
                yield last_write(local.log, len(local.log), key)[1]

    # --- leadership and availability -------------------------------------------------------------
    @always
    def single_leader(self, world: World) -> bool:
        """At most one live leader per term (Raft's election safety) where the failover has
        terms; without terms, at most one live leader at all. A deposed leader that has not yet
        heard of a newer term does not break it: ``no_split_brain`` asks that question."""
        seen = set()
        down = world.faults.down  # node_is_up, read once
        for node, local in enumerate(world.nodes):
            if local.role == LEADER and not down >> node & 1:
                term = local.term if self.terms else 0
                if term in seen:
                    return False
                seen.add(term)
        return True

    @always
    def no_split_brain(self, world: World) -> bool:
        """At most one live node acts as leader at any moment, whatever its term: a deposed
        leader still serving its side of a partition while another leads is a split brain,
        even though each term has one leader (``single_leader``)."""
        down = world.faults.down
        leaders = 0
        for node, local in enumerate(world.nodes):
            if local.role == LEADER and not down >> node & 1:
                leaders += 1
        return leaders <= 1

    # --- liveness -------------------------------------------------------------------------------
    # Weakly fair: the protocol's own progress (deliveries, log steps, failover, rejoin, heal).
    # Not fair: clients, crashes, recoveries, drops, duplicates, partitions starting.
    fair_actions = frozenset(
        {
            "deliver",
            "flush",
            "apply",
            "commit",
            "resend",
            "promote",
            "demote",
            "rejoin",
            "elect",
            "heal",
            "timeout",
            "lag",
            "reconnect",
        }
    )
    stuttering = True  # a behaviour may stop where no fair step is enabled
    symmetric_fairness = True  # followers are relabelled as a whole; kinds are preserved

    @always_eventually
    def leader_eventually(self, world: World) -> bool:
        """Whatever fails, again and again some live node leads (failover makes progress)."""
        return any(local.role == LEADER and self.node_is_up(world, node) for node, local in enumerate(world.nodes))

    # The witness below needs n0 down for the whole write, from invocation to acknowledgement
    # (a crash just after the acknowledgement shows nothing about failover). ``Waiting``
    # remembers it while the write runs, n0's recovery clears it, and the acknowledging step
    # marks ``Extra.acked_while_n0_down`` for one state.
    def _n0_down(self, world: World, op) -> bool:
        return op.kind == "w" and not self.node_is_up(world, 0)

    def next_steps(self, world: World):
        """The runtime's steps, from the world with the one-state mark of an acknowledgement made
        while ``n0`` was down cleared first."""
        if world.extra.acked_while_n0_down:
            world = world._replace(extra=world.extra._replace(acked_while_n0_down=False))
        return super().next_steps(world)

    def describe_changes(self, before: World, after: World) -> list[str]:
        """As the runtime, but without the availability witness's one-state mark, which is
        bookkeeping, not protocol state."""
        hide = lambda w: w._replace(extra=w.extra._replace(acked_while_n0_down=False))
        return super().describe_changes(hide(before), hide(after))

    @sometimes
    def write_acknowledged_while_original_leader_down(self, world: World) -> bool:
        """A new leader acknowledges a write while the original leader n0 is crashed for the whole write."""
        # The write's entry is of a later term than n0's first, so a new leader took it.
        last = world.history[-1] if world.history else None
        return (
            world.extra.acked_while_n0_down
            and last is not None
            and last.kind == "ok"
            and last.op == "w"
            and last.version[-1] > 1
        )

    # --- witnesses of the time-out and admission mechanisms -------------------------------------
    @sometimes
    def write_indeterminate(self, world: World) -> bool:
        """Some write ends indeterminate: its client got a time-out error (the write may or may
        not take effect)."""
        return self._history_fact(
            "indeterminate", world, lambda history: any(e.kind == "info" and e.op == "w" for e in history)
        )

    @sometimes
    def write_refused(self, world: World) -> bool:
        """Some write is refused outright (fewer connected followers than min_replicas)."""
        return self._history_fact(
            "refused", world, lambda history: any(e.kind == "fail" and e.op == "w" for e in history)
        )

    @sometimes
    def timed_out_write_is_read(self, world: World) -> bool:
        """A read returns the value of a write whose client got a time-out error: the error
        did not undo the write."""

        def judge(history):
            """Some read completed with the value of a write that ended indeterminate."""
            timed_out = {e.value for e in history if e.kind == "info" and e.op == "w"}
            return bool(timed_out) and any(e.kind == "ok" and e.op == "r" and e.value in timed_out for e in history)

        return self._history_fact("timed_out_read", world, judge)

    def _history_fact(self, name: str, world: World, judge) -> bool:
        # Judged once per history, like the guarantees (successive states share histories).
        verdicts = self._verdicts_for(world.history)
        if name not in verdicts:
            verdicts[name] = judge(world.history)
        return verdicts[name]
