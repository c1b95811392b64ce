"""Primary/backup replication with one failover: the model docs/models.md builds step by step.

The protocol: a client sends writes to the primary (node 0). The primary stores each write
and ships it to every backup. With ``mode = "async"`` it acknowledges the write to the
client at once; with ``mode = "sync"`` only once every backup has stored it (the primary
learns that from the backups' confirmations, folded here into the "commit" step). The
primary may crash once; then any backup can be promoted and serves from what it stored.

The anomaly: with asynchronous replication a write can be acknowledged, the primary crash
before shipping it, and the promoted backup never have it, so an acknowledged write is gone
(``durable_acks`` is VIOLATED). PostgreSQL's documentation says exactly this of its default
asynchronous streaming replication, and that synchronous replication does not acknowledge
a commit "until the WAL data is known to be safely received by all the synchronous
standbys" (https://www.postgresql.org/docs/current/warm-standby.html, "Synchronous
Replication"): with ``mode = "sync"`` and one crash, ``durable_acks`` HOLDS.

Run it without registering anything::

    replcheck check examples/primary_backup.py:PrimaryBackup mode=async
"""

from typing import NamedTuple

from replcheck.checker import Model, always, sometimes
from replcheck.checker.params import Param, bind

MODES = ("async", "sync")


class World(NamedTuple):
    """One state: what each node stored, who is primary, and what the client was told."""

    stored: tuple[tuple[int, ...], ...]  # per node, the writes it holds, in arrival order
    primary: int  # the node clients write to
    crashed: bool  # the first primary has crashed (it stays down)
    in_flight: tuple[tuple[int, int], ...]  # (backup, write) replication messages, sorted
    acknowledged: tuple[int, ...]  # writes the client was told are committed
    next_write: int  # the next write the client will send (1, 2, ...)


class PrimaryBackup(Model):
    """A primary that replicates each write to its backups, one crash, one failover."""

    name = "primary_backup"

    PARAMS = (
        Param("backups", int, 1, "backup nodes besides the primary", minimum=1, maximum=3),
        Param("writes", int, 1, "writes the client sends, one after another", minimum=1, maximum=3),
        Param("mode", str, "async", "acknowledge at once (async) or once every backup stored it (sync)", choices=MODES),
    )

    def __init__(self, **given):
        self.params = bind(self.PARAMS, given)
        self.backups = self.params["backups"]
        self.writes = self.params["writes"]
        self.mode = self.params["mode"]

    def summary(self) -> str:
        """The parameters, for the heading of an ad hoc run."""
        return f"backups={self.backups} writes={self.writes} mode={self.mode}"

    # --- the state machine ------------------------------------------------------------
    def init_states(self):
        """One initial state: nothing stored, node 0 is primary."""
        nodes = 1 + self.backups
        return [World(stored=((),) * nodes, primary=0, crashed=False, in_flight=(), acknowledged=(), next_write=1)]

    def next_steps(self, w: World):
        """Every transition out of ``w``, in a fixed order."""
        up = not (w.crashed and w.primary == 0)
        if up and w.next_write <= self.writes:
            yield f"write {w.next_write} at n{w.primary}", self._write(w)
        for message in w.in_flight:
            yield f"deliver write {message[1]} to n{message[0]}", self._deliver(w, message)
        if up and self.mode == "sync":
            for write in w.stored[w.primary]:
                if write not in w.acknowledged and all(write in w.stored[b] for b in self._backups()):
                    yield f"commit write {write}", w._replace(acknowledged=w.acknowledged + (write,))
        if not w.crashed:
            yield "crash n0", w._replace(crashed=True)
        if w.crashed and w.primary == 0:
            for b in self._backups():
                yield f"promote n{b}", w._replace(primary=b)

    def _backups(self) -> range:
        return range(1, 1 + self.backups)

    def _write(self, w: World) -> World:
        write = w.next_write
        stored = _append(w.stored, w.primary, write)
        sent = tuple(sorted(w.in_flight + tuple((b, write) for b in self._backups())))
        acked = w.acknowledged + (write,) if self.mode == "async" else w.acknowledged
        return w._replace(stored=stored, in_flight=sent, acknowledged=acked, next_write=write + 1)

    def _deliver(self, w: World, message: tuple[int, int]) -> World:
        rest = list(w.in_flight)
        rest.remove(message)
        node, write = message
        return w._replace(stored=_append(w.stored, node, write), in_flight=tuple(rest))

    # --- properties -------------------------------------------------------------------
    @always
    def durable_acks(self, w: World) -> bool:
        """every acknowledged write is held by the serving primary"""
        if w.crashed and w.primary == 0:
            return True  # nobody serves yet: the question arises again after promotion
        return all(write in w.stored[w.primary] for write in w.acknowledged)

    @sometimes
    def write_acknowledged_after_failover(self, w: World) -> bool:
        """a write is acknowledged and a backup has taken over"""
        return bool(w.acknowledged) and w.primary != 0


def _append(stored: tuple, node: int, write: int) -> tuple:
    return stored[:node] + (stored[node] + (write,),) + stored[node + 1 :]
