"""The leader/follower family's state: log entries, nodes, the failover tool's belief, a
client's running operation, the typed parameters, and the log arithmetic they share."""

from dataclasses import dataclass
from typing import NamedTuple

from .runtime import INITIAL_VALUE

FOLLOWER, LEADER, ARBITER = 0, 1, 2
NOOP = -1  # the key of the no-op entry an elected leader appends
NO_LEADER = -1
STAGES = ("received", "flushed", "applied")
FAILOVERS = ("none", "promote_most_up_to_date", "promote_any", "election")


class Entry(NamedTuple):
    """One log entry: the ``term`` of the leader that appended it, the key and the unique
    value written. An elected leader's first entry is a no-op (``key == NOOP``, value 0);
    it is never a write a client made, so reads and acknowledgements skip it."""

    term: int
    key: int  # NOOP for an elected leader's first entry
    value: int


class Node(NamedTuple):
    """A node's local state, leader, follower or arbiter alike; the fields a role does not use
    keep their defaults so that equal states compare equal. Positions (``flushed``,
    ``applied``, ``commit``, ``known_commit``, the entries of ``acks``) count entries from the
    start of ``log``. An arbiter holds no log and only votes."""

    role: int  # FOLLOWER, LEADER or ARBITER
    term: int  # newest term (epoch, timeline) this node knows
    leader: int  # the node it follows (itself when leading); NO_LEADER if none
    log: tuple = ()  # Entry, in log order
    flushed: int = 0  # entries on disk: they survive a crash
    applied: int = 0  # entries replayed: visible to reads served here
    commit: int = 0  # leader: entries acknowledged (what at_ack reads see)
    acks: tuple = ()  # leader, sync: per node, the longest prefix acknowledged at `stage`
    rolled_back: tuple = ()  # values this node discarded from a suffix the leader lacked
    degraded: bool = False  # leader, ack_timeout = degrade: waiting for no one (async) for now
    connected: int = 0  # leader, min_replicas: bitmask of the followers it counts as connected
    known_commit: int = 0  # read_level = majority: the leader's commit point as last heard
    # ships = all: a leader's count of restarts that lost unflushed entries; a follower's, the
    # count of the leader it last took the log from (an older count marks a stale shipment).
    incarnation: int = 0


class Extra(NamedTuple):
    """What the failover tool (and client discovery) believes: the current term and leader;
    with causal sessions, each client's last operation time (a version, ``()`` for none)."""

    term: int = 1
    leader: int = 0
    tokens: tuple = ()
    # True only in the state right after a step that acknowledged a write while n0 had been
    # crashed since the write was invoked (what the availability witness looks at); the
    # next step clears it, and traces do not show it.
    acked_while_n0_down: bool = False


class Waiting(NamedTuple):
    """A client's running operation: the node its request went to, and (writes) whether
    n0 has been crashed ever since the operation was invoked."""

    target: int
    n0_down: bool = False


@dataclass(frozen=True)
class Settings:
    """The bound parameters, typed (see ``LeaderFollower.PARAMS`` for their meaning)."""

    followers: int
    clients: tuple
    replication: str
    sync: tuple
    k: int
    order: str
    stage: str
    reads: str
    read_level: str
    leader_visibility: str
    failover: str
    fencing: bool
    restart_as_follower: bool
    lease: bool
    ack_timeout: str
    wait: int
    min_replicas: int
    leader_flush: str
    ships: str
    session: str
    arbiters: int
    crashes: int
    recover: bool
    durable: bool
    drops: int
    dups: int
    partitions: int


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
    """How many leading entries ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def as_follower(local: Node, term: int, leader: int) -> Node:
    """``local`` following ``leader`` in ``term``: its log and stages stay, leader state goes."""
    return local._replace(
        role=FOLLOWER, term=term, leader=leader, commit=0, acks=(), degraded=False, connected=0, incarnation=0
    )


def up_to_date(log: tuple) -> tuple[int, int]:
    """Raft's order of logs: last entry's term, then length."""
    return (log[-1].term if log else 0, len(log))
