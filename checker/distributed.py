"""Breadth-first exploration across worker processes (``--workers N``, ``--ray ADDRESS``).

The visited set is partitioned by a stable hash of each state's key (blake2b over a
deterministic encoding, so the partition does not depend on ``PYTHONHASHSEED``): worker
``stable_hash(key) % N`` owns the key, its parent pointer, and the key's state while it is
in the frontier. One BFS level is two rounds: every worker expands its slice of the frontier
and sends each successor, in one batch per destination, to the successor's owner; every
owner then keeps the successors it has not stored before. The workers are Ray actors, and
the batches travel worker to worker through Ray's object store (the driver passes only
references).

The result is the single process's, state for state. The single process discovers a level
in a fixed order: its parents in their own order, each parent's successors in ``next_steps``
order. Here every frontier state carries its *position*, the tuple of successor indices
along its discovery path from the initial state, and the lexicographic order of positions is
exactly that discovery order. An owner that receives a key from several parents keeps the
smallest position and that parent, which is the parent the single process stores; a property
is decided by the state of smallest position that decides it; and when every property is
decided within a level (``stop_when_decided``), the level is cut after the parent at which
the single process would have stopped, so the state and transition counts are the same too.

Not offered here (refused in one line): liveness properties (they need the whole graph in
one place), ``max_states`` (its cut falls inside a level), fingerprints, and ``--por``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import time
from typing import Callable, Iterable

from .errors import ReplcheckError, UsageError
from .properties import ALWAYS, LIVENESS
from .result import Result, Stats

PICKLE_PROTOCOL = 5


def stable_encoding(value) -> bytes:
    """A byte string that depends only on ``value`` (not on hash seeds or memory addresses):
    tuples and NamedTuples by their items, frozen dataclasses by their fields, sets sorted by
    their items' encodings, everything else by ``repr``."""
    text = repr(value)
    # repr alone is stable unless a set or dict inside orders its items by hash: only then
    # (or when a brace merely appears in a string) take the slower, sorted encoding.
    if "{" in text or "set(" in text or " at 0x" in text:
        text = _encode(value)
    return text.encode()


def _encode(x) -> str:
    if isinstance(x, tuple):
        return type(x).__name__ + "(" + ",".join(map(_encode, x)) + ")"
    if isinstance(x, (frozenset, set)):
        return "{" + ",".join(sorted(map(_encode, x))) + "}"
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x).__name__ + "(" + ",".join(_encode(getattr(x, f.name)) for f in dataclasses.fields(x)) + ")"
    if isinstance(x, dict):
        return "{" + ",".join(sorted(_encode(k) + ":" + _encode(v) for k, v in x.items())) + "}"
    return repr(x)


def stable_hash(value) -> int:
    """A 64-bit hash of ``value`` that is the same in every process and every run."""
    return int.from_bytes(hashlib.blake2b(stable_encoding(value), digest_size=8).digest(), "big")


class Shard:
    """One worker: the keys it owns with their parent keys, and its slice of the frontier.

    ``frontier`` holds ``(position, key, state)`` in position order; ``expand`` sends each
    successor to its owner; ``absorb`` takes the batches addressed here and keeps the
    candidates of the next level; ``commit`` stores them (up to an optional cut)."""

    def __init__(self, index: int, count: int, model, symmetry, property_names):
        from .search import select_properties, successor_function

        self.index, self.count = index, count
        self.model = model
        self.canon = symmetry or (lambda s: s)
        self.successors = successor_function(model)
        self.props = {p.name: p for p in select_properties(model, property_names)}
        self.parent: dict = {}
        self.frontier: list = []
        self.fanout: list = []  # successors per frontier state, for the transition count
        self.candidates: list = []
        # Keys this worker has sent before: their owners stored them then (a level is only
        # ever cut at the end of the search), so they need not travel again. A cache that
        # trades memory for traffic, as distributed checkers commonly do.
        self.sent: set = set()

    def seed(self, items: list) -> int:
        """Store initial states ``(position, key, state)`` owned here."""
        for pos, key, state in items:
            self.parent[key] = None
            self.frontier.append((pos, key, state))
        return len(items)

    def expand(self) -> list:
        """Every successor of this slice of the frontier, as one pickled batch per owner."""
        buckets = [[] for _ in range(self.count)]
        canon, count, sent = self.canon, self.count, self.sent
        self.fanout = []
        for pos, key, state in self.frontier:
            succs = self.successors(state)
            self.fanout.append(len(succs))
            for j, succ in enumerate(succs):
                k = canon(succ)
                if k in sent:  # sent earlier in this level with a smaller position, or before
                    continue
                sent.add(k)
                buckets[stable_hash(k) % count].append((pos + (j,), k, succ, key))
        batches = [pickle.dumps(b, PICKLE_PROTOCOL) for b in buckets]
        return batches if count > 1 else batches[0]  # Ray returns one value as itself

    def absorb(self, pending: list, *batches) -> dict:
        """Keep the successors addressed here that are new, each with its smallest position;
        report how many, the batches and bytes received, and for each pending property the
        smallest position (and key) of a new state that decides it."""
        best: dict = {}
        parent = self.parent
        for batch in batches:
            for pos, k, succ, pkey in pickle.loads(batch):
                if k in parent:
                    continue
                seen = best.get(k)
                if seen is None or pos < seen[0]:
                    best[k] = (pos, succ, pkey)
        self.candidates = sorted(((pos, k, succ, pkey) for k, (pos, succ, pkey) in best.items()), key=lambda c: c[0])
        decided = {}
        for name in pending:
            p = self.props[name]
            want = p.kind != ALWAYS
            for pos, k, succ, _ in self.candidates:
                if bool(p.predicate(succ)) == want:
                    decided[name] = (pos, k)
                    break
        return {
            "new": len(self.candidates),
            "decided": decided,
            "messages": sum(1 for b in batches if len(b) > _EMPTY),
            "bytes": sum(len(b) for b in batches),
        }

    def commit(self, cut) -> tuple[int, int]:
        """Store the candidates (those whose discovering parent lies at or before ``cut``,
        when given) as the next frontier; return (states stored, transitions counted)."""
        keep = self.candidates if cut is None else [c for c in self.candidates if c[0][:-1] <= cut]
        transitions = sum(n for (pos, _, _), n in zip(self.frontier, self.fanout) if cut is None or pos <= cut)
        for pos, k, succ, pkey in keep:
            self.parent[k] = pkey
        self.frontier = [(pos, k, succ) for pos, k, succ, _ in keep]
        self.candidates = []
        return len(keep), transitions

    def parent_of(self, key):
        """The parent key of ``key`` (None for an initial state)."""
        return self.parent[key]


class _Parents:
    """The parent map spread over the shards, read one key at a time (for traces)."""

    def __init__(self, ray, shards):
        self.ray, self.shards = ray, shards

    def __getitem__(self, key):
        owner = self.shards[stable_hash(key) % len(self.shards)]
        return self.ray.get(owner.parent_of.remote(key))


def _ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--workers and --ray need Ray: pip install 'replcheck[ray]'") from None
    return ray


def _start(ray, workers: int, address: str | None) -> bool:
    """Connect to (or start) Ray; True when this call started it and must stop it."""
    if ray.is_initialized():
        return False
    options = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        else:
            ray.init(num_cpus=workers, **options)
    except Exception as exc:  # Ray reports connection problems with several exception types
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise UsageError(f"cannot start {where}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    return True


def check_distributed(
    model,
    *,
    workers: int = 0,
    address: str | None = None,
    max_depth: int | None = None,
    max_states: int | None = None,
    time_limit: float | None = None,
    properties: Iterable[str] | None = None,
    symmetry: Callable | None = None,
    stop_when_decided: bool = True,
    progress: Callable[[dict], None] | None = None,
    fingerprints: bool = False,
    por: bool = False,
) -> Result:
    """``check`` on ``workers`` Ray actors (all the cluster's CPUs when 0 with an address):
    the same ``Result`` as the single process (states, transitions, depth, verdicts, traces),
    with ``meta["distributed"]`` giving the batches and bytes exchanged per level."""
    from .search import _verdict, select_properties

    props = select_properties(model, properties)
    _refuse(props, max_states, fingerprints, por)
    ray = _ray()
    started = _start(ray, workers, address)
    try:
        if not workers:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        names = [p.name for p in props]
        actor = ray.remote(num_cpus=1)(Shard)
        shards = [actor.remote(i, workers, model, symmetry, names) for i in range(workers)]
        run = _Levels(ray, shards, props, stop_when_decided, time_limit, progress)
        run.explore(model, symmetry or (lambda s: s), max_depth)
        complete = not run.stopped_by
        results = tuple(
            _verdict(
                model, p, run.watch.found, _Parents(ray, shards), symmetry or (lambda s: s), complete, run.stopped_by
            )
            for p in props
        )
        stats = Stats(
            states=run.states,
            transitions=run.transitions,
            depth=run.depth,
            seconds=time.monotonic() - run.start,
            complete=complete,
            stopped_by=run.stopped_by,
            levels=(run.initial,) + tuple(lv["new_states"] for lv in run.levels if lv["new_states"]),
            # levels end whole here, except one cut where every property was decided
            last_level_partial=run.stopped_by == "decided",
        )
        meta = {
            "distributed": {
                "workers": workers,
                "messages": sum(lv["messages"] for lv in run.levels),
                "bytes": sum(lv["bytes"] for lv in run.levels),
                "levels": run.levels,
            }
        }
        for shard in shards:
            ray.kill(shard)
        return Result(properties=results, stats=stats, meta=meta)
    finally:
        if started:
            ray.shutdown()


def _refuse(props, max_states, fingerprints: bool, por: bool) -> None:
    live = [p.name for p in props if p.kind in LIVENESS]
    if live:
        raise ReplcheckError(
            f"--workers explores safety properties only; liveness ({', '.join(live)}) "
            f"needs the whole graph in one process: drop --workers or select "
            f"safety properties with --property"
        )
    for flag, given in (("--max-states", max_states is not None), ("--fingerprints", fingerprints), ("--por", por)):
        if given:
            raise ReplcheckError(f"{flag} is not available with --workers/--ray; drop one of them")


class _Levels:
    """The driver's side of the level loop: the watch, the counts, the traffic per level."""

    def __init__(self, ray, shards, props, stop_when_decided, time_limit, progress):
        from .search import _Watch

        self.ray, self.shards = ray, shards
        self.watch = _Watch(props)
        self.stop_when_decided, self.time_limit, self.progress = stop_when_decided, time_limit, progress
        self.start = time.monotonic()
        self.states = self.transitions = self.depth = self.initial = 0
        self.stopped_by = ""
        self.levels: list[dict] = []

    def explore(self, model, canon, max_depth) -> None:
        """Seed the initial states, then run levels until the search ends."""
        try:
            self._seed(model, canon)
            if self.stop_when_decided and not self.watch.pending:
                self.stopped_by = "decided"
            while self.states_in_frontier and not self.stopped_by:
                if self.time_limit is not None and time.monotonic() - self.start >= self.time_limit:
                    self.stopped_by = "time_limit"
                    break
                if max_depth is not None and self.depth >= max_depth:
                    if self._level(last=True):
                        self.stopped_by = "max_depth"
                    break
                self._level(last=False)
        except KeyboardInterrupt:
            self.stopped_by = "interrupt"

    def _seed(self, model, canon) -> None:
        owned = [[] for _ in self.shards]
        seen = set()
        for state in model.init_states():
            key = canon(state)
            if key in seen:
                continue
            seen.add(key)
            owned[stable_hash(key) % len(self.shards)].append(((len(seen) - 1,), key, state))
            self.watch.examine(key, state)
        self.states = self.states_in_frontier = self.initial = len(seen)
        self.ray.get([s.seed.remote(items) for s, items in zip(self.shards, owned)])

    def _level(self, last: bool) -> int:
        """One BFS level; with ``last`` (the depth bound) only count the new states."""
        ray, n = self.ray, len(self.shards)
        out = [s.expand.options(num_returns=n).remote() if n > 1 else [s.expand.remote()] for s in self.shards]
        pending = [p.name for p in self.watch.pending]
        # The references go to the owners as arguments: Ray moves each batch from the worker
        # that made it to the worker that owns it, without passing through the driver.
        reports = ray.get([s.absorb.remote(pending, *[out[i][j] for i in range(n)]) for j, s in enumerate(self.shards)])
        new = sum(r["new"] for r in reports)
        if last:
            return new
        cut = self._decide(reports)
        counts = ray.get([s.commit.remote(cut) for s in self.shards])
        stored = sum(c[0] for c in counts)
        self.transitions += sum(c[1] for c in counts)
        self.states += stored
        self.states_in_frontier = stored
        if stored:
            self.depth += 1
        self.levels.append(
            {
                "level": len(self.levels) + 1,
                "new_states": stored,
                "messages": sum(r["messages"] for r in reports),
                "bytes": sum(r["bytes"] for r in reports),
            }
        )
        if self.stop_when_decided and not self.watch.pending:
            self.stopped_by = "decided"
        if self.progress is not None:
            seconds = time.monotonic() - self.start
            self.progress(
                {
                    "states": self.states,
                    "depth": self.depth,
                    "frontier": stored,
                    "seconds": seconds,
                    "rate": self.states / max(seconds, 1e-9),
                }
            )
        return stored

    def _decide(self, reports: list):
        """Record the properties this level decides (smallest position first) and return the
        cut: the parent after which the single process would have stopped, or None."""
        firsts: dict = {}
        for r in reports:
            for name, (pos, key) in r["decided"].items():
                if name not in firsts or pos < firsts[name][0]:
                    firsts[name] = (pos, key)
        for p in list(self.watch.pending):
            if p.name in firsts:
                self.watch.found[p.name] = firsts[p.name][1]
                self.watch.pending.remove(p)
        self.watch.tests = self.watch._tests()
        if self.stop_when_decided and firsts and not self.watch.pending:
            return max(pos[:-1] for pos, _ in firsts.values())
        return None


_EMPTY = len(pickle.dumps([], PICKLE_PROTOCOL))
