"""Breadth-first exploration of a model's reachable states.

``check`` explores level by level, so the first state found to violate an ``always``
property (or to witness a ``sometimes`` property) lies at the smallest depth: its trace is
a shortest one. The visited set maps each state to its parent; traces are rebuilt from
those pointers and replayed through ``next_steps`` before they are returned.

When a liveness property (``@eventually`` and friends) is selected and the model declares
its fairness, the search also records the state graph compactly (``liveness.StateGraph``:
the visited set then maps each state to an integer id) and, once the search is complete,
decides liveness on it (``liveness.Analysis``). Safety-only runs record nothing.
"""

import gc
import sys
import time
from itertools import filterfalse
from typing import Callable, Iterable

from .errors import ModelError, ReplcheckError
from .liveness import UNFAIR, Analysis, ParentView, StateGraph, fairness_text
from .model import Model, as_model
from .por import Reducer, refuse_liveness
from .properties import ALWAYS, LIVENESS, SOMETIMES, Property, fair_action_classes
from .replay import rebuild_trace
from .result import PropertyResult, Result, Stats, Verdict

PROGRESS_AFTER_SECONDS = 2.0
PROGRESS_EVERY_SECONDS = 1.0


def _validate_bound(name: str, value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ReplcheckError(f"{name} must be a non-negative number or None, got {value!r}")


def select_properties(model, names: Iterable[str] | None) -> list[Property]:
    """The model's properties, or only those named (in the model's order)."""
    props = as_model(model).properties()
    if names is None:
        return props
    wanted = list(names)
    known = {p.name for p in props}
    for name in wanted:
        if name not in known:
            raise ReplcheckError(f"unknown property '{name}'; this model has: {', '.join(sorted(known))}")
    return [p for p in props if p.name in wanted]


def check(
    model,
    *,
    max_depth: int | None = None,
    max_states: int | None = None,
    time_limit: float | None = None,
    properties: Iterable[str] | None = None,
    symmetry: Callable | None = None,
    stop_when_decided: bool = True,
    progress: Callable[[dict], None] | None = None,
    fingerprints: bool = False,
    por: bool = False,
    workers: int = 0,
    ray_address: str | None = None,
) -> Result:
    """Explore ``model`` breadth-first and decide each property.

    Bounds: ``max_depth`` (BFS levels beyond the initial states), ``max_states`` (distinct
    states stored), ``time_limit`` (seconds). When a bound stops the search, every property
    it did not decide is UNKNOWN; nothing is reported HOLDS after an incomplete search, and
    liveness properties, which need the whole graph, are then always UNKNOWN.

    ``symmetry`` maps a state to the representative of its equivalence class; states are
    stored by representative, and traces are still real traces of the unreduced model.
    Liveness properties under symmetry are refused (``ReplcheckError``) unless the model
    sets ``symmetric_fairness = True`` (see ``properties``).
    ``fingerprints`` stores a 64-bit hash of each state instead of the state (as TLC
    does): far less memory, at the price of a tiny chance that two states share a
    fingerprint and one goes unexplored; the statistics give that chance. Liveness needs
    the exact graph, so runs with liveness properties ignore it.
    ``stop_when_decided`` ends the search once every property has a final verdict (the
    statistics then say ``stopped_by='decided'``); a liveness property is decided only
    after the whole graph is explored. ``progress`` is called about once a second after the
    first two seconds with a dict of running figures; ``check`` itself never prints.
    ``por`` explores ample sets (partial-order reduction, ``checker/por.py``): safety
    verdicts are kept, traces may be longer than the shortest, liveness is refused;
    ``result.meta["por"]`` says what it saved. ``workers`` (> 0) or ``ray_address``
    partition the search across Ray actors (``checker/distributed.py``) with the same
    states, verdicts and traces.
    """
    if workers or ray_address:
        from .distributed import check_distributed

        return check_distributed(
            as_model(model),
            workers=workers,
            address=ray_address,
            max_depth=max_depth,
            max_states=max_states,
            time_limit=time_limit,
            properties=properties,
            symmetry=symmetry,
            stop_when_decided=stop_when_decided,
            progress=progress,
            fingerprints=fingerprints,
            por=por,
        )
    try:
        return _search(
            as_model(model),
            max_depth=max_depth,
            max_states=max_states,
            time_limit=time_limit,
            properties=properties,
            symmetry=symmetry,
            stop_when_decided=stop_when_decided,
            progress=progress,
            fingerprints=fingerprints,
            por=por,
        )
    finally:
        gc.unfreeze()


class _Watch:
    """The safety and reachability properties not yet decided, and where each was decided.

    ``tests`` holds one function per pending property that returns true when a state
    decides nothing for it (the predicate itself for ``always``, its negation for
    ``sometimes``), so the search loop can test a new state without calling
    ``examine`` unless something happened.
    """

    def __init__(self, props: list[Property]):
        self.pending = [p for p in props if p.kind in (ALWAYS, SOMETIMES)]
        self.found: dict[str, object] = {}  # property name -> stored key of the state
        self.tests = self._tests()

    def _tests(self) -> tuple:
        return tuple(p.predicate if p.kind == ALWAYS else _negation(p.predicate) for p in self.pending)

    def examine(self, key, state) -> tuple:
        """Record every pending property ``state`` decides; return the remaining tests."""
        decided = [p for p in self.pending if bool(p.predicate(state)) != (p.kind == ALWAYS)]
        for p in decided:
            self.found[p.name] = key
            self.pending.remove(p)
        if decided:
            self.tests = self._tests()
        return self.tests


def _negation(predicate: Callable) -> Callable:
    return lambda state: not predicate(state)


class _Run:
    """The running figures of one search, shared by the level loops."""

    def __init__(self, start: float, time_limit, max_states, progress, stop_when_decided):
        self.start, self.time_limit, self.progress = start, time_limit, progress
        self.limit = sys.maxsize if max_states is None else max_states
        self.stop_when_decided = stop_when_decided
        self.transitions = self.expanded = self.depth = 0
        self.next_report = start + PROGRESS_AFTER_SECONDS
        self.stopped_by = ""

    def tick(self, states: int, frontier: int) -> None:
        """Every few hundred expanded states: the time limit and the progress line."""
        now = time.monotonic()
        if self.time_limit is not None and now - self.start >= self.time_limit:
            self.stopped_by = self.stopped_by or "time_limit"
        if self.progress is not None and now >= self.next_report:
            self.next_report = now + PROGRESS_EVERY_SECONDS
            self.progress(
                {
                    "states": states,
                    "depth": self.depth + 1,
                    "frontier": frontier,
                    "seconds": now - self.start,
                    "rate": states / max(now - self.start, 1e-9),
                }
            )


def _search(
    model: Model,
    *,
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
    """The search behind ``check``, with the same arguments."""
    for name, value in (("max_depth", max_depth), ("max_states", max_states), ("time_limit", time_limit)):
        _validate_bound(name, value)
    props = select_properties(model, properties)
    reducer = None
    if por:
        refuse_liveness(props)
        reducer = Reducer(model, props)
    liveness = [p for p in props if p.kind in LIVENESS]
    fair = fair_action_classes(model) if liveness else None
    graph = StateGraph(fair) if liveness and fair is not None else None
    if graph is not None and symmetry is not None and not model.symmetric_fairness:
        raise ReplcheckError(
            f"liveness properties ({', '.join(p.name for p in liveness)}) cannot be checked "
            f"under symmetry reduction: the model does not declare symmetric_fairness = True "
            f"(fair action classes and liveness properties invariant under its symmetry), "
            f"so verdicts could be wrong; drop symmetry or select only safety properties"
        )
    watch = _Watch(props)
    successors = successor_function(model)
    fingerprints = fingerprints and graph is None
    if fingerprints:
        canon = (lambda s: hash(symmetry(s))) if symmetry else hash
    else:
        canon = symmetry or (lambda s: s)
    reduce = symmetry is not None or fingerprints  # stored keys are not the states
    run = _Run(time.monotonic(), time_limit, max_states, progress, stop_when_decided and graph is None)
    parent: dict = {} if graph is None else graph.ids  # key -> parent key, or -> graph id
    frontier: list = []
    for state in model.init_states():
        key = _key(canon, state)
        if key not in parent:
            if graph is None:
                parent[key] = None
            else:
                graph.add(key, -1)
            frontier.append(state)
            watch.examine(key, state)
    levels = [len(frontier)]  # states first stored per BFS level
    partial = False  # whether the last entry of levels is a level cut short
    if run.stop_when_decided and not watch.pending:
        run.stopped_by = "decided"
    # Stored states live until the end and hold no cycles: freezing each finished level
    # keeps the garbage collector from re-scanning the whole visited map (about 20% of the
    # run time on millions of tuple states, measured on the Quorum benchmark when its
    # states were tuples). ``check`` unfreezes them when the search ends, however it ends.
    gc.freeze()
    # Ctrl-C (SIGINT, and SIGTERM where the command line turns it into the same exception)
    # stops the search cleanly: what was found stands, the rest is UNKNOWN ("interrupt").
    try:
        while frontier and not run.stopped_by:
            if time_limit is not None and time.monotonic() - run.start >= time_limit:
                run.stopped_by = "time_limit"
                break
            if max_depth is not None and run.depth >= max_depth:
                _last_level(model, frontier, parent, canon, graph, run)
                break
            if reducer is not None:
                frontier = reducer.expand(frontier, parent, canon, watch, run)
            elif graph is None:
                frontier = _expand(successors, frontier, parent, canon, reduce, watch, run)
            else:
                frontier = _expand_recording(model.next_steps, frontier, graph, canon, reduce, watch, run)
            if frontier:
                run.depth += 1
                levels.append(len(frontier))
            partial = bool(run.stopped_by)  # it stopped inside the level just expanded
            gc.freeze()
    except KeyboardInterrupt:
        run.stopped_by = "interrupt"
        # Interrupted inside a level: its states are stored but the level was never returned.
        unlisted = len(parent) - sum(levels)
        partial = unlisted > 0
        if partial:
            run.depth += 1
            levels.append(unlisted)
    stopped_by = run.stopped_by
    complete = not stopped_by
    lookup = parent if graph is None else ParentView(graph)
    live_results = {}
    if liveness:
        live_results = _liveness_verdicts(
            model, liveness, graph, fair, canon, symmetry is not None, complete, stopped_by
        )
    seconds = time.monotonic() - run.start
    extra = {}
    if fingerprints:
        n = len(parent)
        # Python's hash spreads tuples over 64 bits; birthday bound over n fingerprints.
        extra = dict(
            collision_chance=min(1.0, n * (n - 1) / 2 / 2.0**64),
            visited_bytes=sys.getsizeof(parent) + n * sys.getsizeof(2**62),
        )
    stats = Stats(
        states=len(parent),
        transitions=run.transitions,
        depth=run.depth,
        seconds=seconds,
        complete=complete,
        stopped_by=stopped_by,
        levels=tuple(levels),
        last_level_partial=partial,
        **extra,
    )
    results = tuple(
        live_results[p.name]
        if p.name in live_results
        else _verdict(model, p, watch.found, lookup, canon, complete, stopped_by)
        for p in props
    )
    meta = {} if reducer is None else {"por": reducer.stats.as_dict()}
    return Result(properties=results, stats=stats, meta=meta)


def _expand(successors, frontier: list, parent: dict, canon, reduce: bool, watch: _Watch, run: _Run) -> list:
    """Expand one BFS level without recording edges; return the next level.

    The hot loop of every safety run, kept flat on purpose: without a reduction, the
    successors already stored are filtered out in C (``filterfalse`` over the dict's
    ``__contains__``), a new state costs the store plus one call per pending property, and
    per expanded state only a counter is touched unless something happened.
    """
    next_frontier: list = []
    append = next_frontier.append
    tests = watch.tests
    limit, transitions, expanded = run.limit, 0, run.expanded
    bounded = limit < sys.maxsize
    stop_when_decided = run.stop_when_decided
    stored = parent.__contains__
    succs = full = None
    event = False  # something to look at before the next state: a bound, a verdict
    try:
        for state in frontier:
            succs = successors(state)
            transitions += len(succs)
            # Two copies of the store-and-test body, on purpose: sharing it would cost a
            # call per new state in the hottest loop. A hypothesis test keeps them in step.
            if reduce:
                src = canon(state)
                for succ in succs:
                    key = canon(succ)
                    if key not in parent:
                        if bounded and len(parent) >= limit:
                            event = full = True
                            transitions -= _unseen(succs, succ)
                            break
                        parent[key] = src
                        append(succ)
                        for test in tests:
                            if not test(succ):
                                tests = watch.examine(key, succ)
                                event = True
                                break
            else:
                for succ in filterfalse(stored, succs):
                    if bounded and len(parent) >= limit:
                        event = full = True
                        transitions -= _unseen(succs, succ)
                        break
                    parent[succ] = state
                    append(succ)
                    for test in tests:
                        if not test(succ):
                            tests = watch.examine(succ, succ)
                            event = True
                            break
            expanded += 1
            if event or not expanded & 255:
                event = False
                if full:
                    run.stopped_by = "max_states"
                elif stop_when_decided and not tests:
                    run.stopped_by = "decided"
                elif not expanded & 255:
                    run.tick(len(parent), len(next_frontier) + len(frontier))
                if run.stopped_by:
                    break
    except TypeError:
        # An unhashable successor gets a clear error; a TypeError raised by the model's
        # own code is left as it is.
        for succ in succs or ():
            _require_hashable(canon(succ) if reduce else succ)
        raise
    finally:
        run.transitions += transitions
        run.expanded = expanded
    return next_frontier


def _unseen(succs, succ) -> int:
    """How many successors come after the one that met the state bound: they were counted
    as transitions up front but never generated, as far as the statistics go."""
    return len(succs) - succs.index(succ) - 1


def _expand_recording(next_steps, frontier: list, graph, canon, reduce: bool, watch: _Watch, run: _Run) -> list:
    """Expand one BFS level and record its edges in ``graph`` (liveness runs).

    Kept flat like ``_expand``: a state is hashed once per transition (``setdefault``
    both looks it up and stores it when new), and an action's fairness class is looked up
    in place of a ``StateGraph.class_of`` call; both are per transition.
    """
    next_frontier: list = []
    ids, offsets, targets, classes = graph.ids, graph.offsets, graph.targets, graph.classes
    keys_append, parents_append = graph.keys.append, graph.parents.append
    fair_get = graph.fair_index.get
    class_of = graph.class_of
    tests = watch.tests
    limit, transitions = run.limit, 0
    try:
        for state in frontier:
            src = len(offsets)  # states are expanded in id order
            offsets.append(len(targets))
            for action, succ in next_steps(state):
                transitions += 1
                key = canon(succ) if reduce else succ
                new = len(ids)
                try:
                    i = ids.setdefault(key, new)
                except TypeError as exc:
                    raise _unhashable(key, exc) from None
                if i == new:
                    if new >= limit:
                        del ids[key]
                        run.stopped_by = "max_states"
                        break
                    keys_append(key)
                    parents_append(src)
                    next_frontier.append(succ)
                    for test in tests:
                        if not test(succ):
                            tests = watch.examine(key, succ)
                            break
                targets.append(i)
                try:
                    classes.append(fair_get(action.kind, UNFAIR))
                except (AttributeError, TypeError):  # no hashable kind: the general rule
                    classes.append(class_of(action))
            run.expanded += 1
            if not run.expanded & 255:
                run.tick(len(ids), len(next_frontier) + len(frontier))
            if run.stopped_by:
                break
    finally:
        run.transitions += transitions
    return next_frontier


def _last_level(model, frontier: list, parent: dict, canon, graph, run: _Run) -> None:
    """At the depth bound: note whether any successor lies beyond it, and with a graph,
    record the last level's edges, which liveness needs."""
    for state in frontier:
        if graph is not None:
            graph.offsets.append(len(graph.targets))
        for action, succ in model.next_steps(state):
            key = _key(canon, succ)
            if key not in parent:
                run.stopped_by = "max_depth"
                return
            if graph is not None:
                graph.targets.append(parent[key])
                graph.classes.append(graph.class_of(action))


def _liveness_verdicts(
    model, liveness: list[Property], graph, fair, canon, symmetric: bool, complete: bool, stopped_by: str
) -> dict[str, PropertyResult]:
    """Verdicts of the liveness properties: decided on the recorded graph when the search
    was complete and the model declares its fairness, UNKNOWN with a reason otherwise."""
    out = {}
    bases = {p.name: dict(name=p.name, kind=p.kind, description=p.description) for p in liveness}

    def unknown(reason: str) -> dict[str, PropertyResult]:
        return {p.name: PropertyResult(**bases[p.name], verdict=Verdict.UNKNOWN, reason=reason) for p in liveness}

    if fair is None:
        return unknown(
            "liveness needs the model's fairness: declare fair_actions, the set "
            "of weakly fair action kinds (an empty set for none)"
        )
    if not complete:
        return unknown(f"not decided: {_why(stopped_by)} stopped the search, and liveness needs the whole state graph")
    graph.seal()
    assumptions = model.assumptions()
    analysis = Analysis(model, graph, canon, symmetric, assumptions)
    if assumptions and not analysis.any_fair_behaviour():
        return unknown(
            f"vacuous: no fair behaviour exists (the assumptions "
            f"{', '.join(a.name for a in assumptions)} cannot all be met on any "
            f"cycle or final state), so the property would hold only vacuously"
        )
    for p in liveness:
        out[p.name] = analysis.decide(p, bases[p.name], fairness_text(graph))
    return out


def _why(stopped_by: str) -> str:
    return {
        "max_depth": "the depth bound",
        "max_states": "the state bound",
        "time_limit": "the time limit",
        "interrupt": "an interrupt",
    }.get(stopped_by, "an incomplete search")


def successor_function(model: Model) -> Callable:
    """The function the search expands states with: the model's ``successors`` when it
    has one (the successor states of ``next_steps``, in the same order, as a list or
    tuple, without the labels), else the states of ``next_steps``.

    Labels are needed only for traces, which ``replay`` rebuilds through ``next_steps``;
    a model whose labels cost something to build can skip them in the search this way.
    The two are compared on the initial states, so a model whose ``successors`` and
    ``next_steps`` disagree there is refused with a ``ModelError``.
    """
    next_steps = model.next_steps
    fast = model.successors
    if fast is None:
        return lambda state: [succ for _, succ in next_steps(state)]
    for state in model.init_states():
        labelled = [succ for _, succ in next_steps(state)]
        bare = list(fast(state))
        if bare != labelled:
            raise ModelError(
                f"{type(model).__name__}.successors and next_steps disagree on the initial "
                f"state {state!r}: {len(bare)} successors against {len(labelled)} steps; "
                f"successors must give the states of next_steps, in the same order"
            )
    return fast


def _key(canon: Callable, state):
    key = canon(state)
    _require_hashable(key)
    return key


def _require_hashable(key) -> None:
    """Raise a ``ModelError`` that says what to do if ``key`` cannot be stored."""
    try:
        hash(key)
    except TypeError as exc:
        raise _unhashable(key, exc) from None


def _unhashable(key, exc: Exception) -> ModelError:
    return ModelError(
        f"states must be hashable (tuples, NamedTuples, frozen dataclasses), got {type(key).__name__}: {exc}"
    )


def _verdict(
    model, p: Property, found: dict, parent: dict, canon: Callable, complete: bool, stopped_by: str
) -> PropertyResult:
    base = dict(name=p.name, kind=p.kind, description=p.description)
    if p.name in found:
        trace = rebuild_trace(model, parent, found[p.name], canon)
        _confirm_end(model, p, trace)
        verdict = Verdict.VIOLATED if p.kind == ALWAYS else Verdict.HOLDS
        return PropertyResult(**base, verdict=verdict, trace=trace)
    if complete:
        if p.kind == ALWAYS:
            return PropertyResult(**base, verdict=Verdict.HOLDS)
        return PropertyResult(**base, verdict=Verdict.VIOLATED, reason="no reachable state satisfies it")
    return PropertyResult(
        **base, verdict=Verdict.UNKNOWN, reason=f"not decided before {_why(stopped_by)} stopped the search"
    )


def _confirm_end(model, p: Property, trace) -> None:
    holds = bool(p.predicate(trace.steps[-1].state))
    if holds == (p.kind == ALWAYS):
        raise ModelError(
            f"property '{p.name}' gave a different answer when its trace was replayed; "
            "properties must depend only on the state they are given"
        )
