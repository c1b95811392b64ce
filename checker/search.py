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
from typing import Callable, Iterable

from .errors import ModelError, ReplcheckError
from .liveness import Analysis, ParentView, StateGraph, fairness_text
from .properties import (ALWAYS, LIVENESS, SOMETIMES, Property, declared_assumptions,
                         declared_properties, fair_action_classes)
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
    props = declared_properties(model)
    if names is None:
        return props
    wanted = list(names)
    known = {p.name for p in props}
    for name in wanted:
        if name not in known:
            raise ReplcheckError(
                f"unknown property '{name}'; this model has: {', '.join(sorted(known))}")
    return [p for p in props if p.name in wanted]


def check(model, *, max_depth: int | None = None, max_states: int | None = None,
          time_limit: float | None = None, properties: Iterable[str] | None = None,
          symmetry: Callable | None = None, stop_when_decided: bool = True,
          progress: Callable[[dict], None] | None = None, fingerprints: bool = False) -> Result:
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
    """
    try:
        return _search(model, max_depth=max_depth, max_states=max_states,
                       time_limit=time_limit, properties=properties, symmetry=symmetry,
                       stop_when_decided=stop_when_decided, progress=progress,
                       fingerprints=fingerprints)
    finally:
        gc.unfreeze()


def _search(model, *, max_depth: int | None = None, max_states: int | None = None,
          time_limit: float | None = None, properties: Iterable[str] | None = None,
          symmetry: Callable | None = None, stop_when_decided: bool = True,
          progress: Callable[[dict], None] | None = None, fingerprints: bool = False) -> Result:
    """The search behind ``check``, with the same arguments."""
    for name, value in (("max_depth", max_depth), ("max_states", max_states),
                        ("time_limit", time_limit)):
        _validate_bound(name, value)
    props = select_properties(model, properties)
    safety = [p for p in props if p.kind == ALWAYS]
    reach = [p for p in props if p.kind == SOMETIMES]
    liveness = [p for p in props if p.kind in LIVENESS]
    fair = fair_action_classes(model) if liveness else None
    graph = StateGraph(fair) if liveness and fair is not None else None
    if graph is not None and symmetry is not None \
            and not getattr(model, "symmetric_fairness", False):
        raise ReplcheckError(
            f"liveness properties ({', '.join(p.name for p in liveness)}) cannot be checked "
            f"under symmetry reduction: the model does not declare symmetric_fairness = True "
            f"(fair action classes and liveness properties invariant under its symmetry), "
            f"so verdicts could be wrong; drop symmetry or select only safety properties")
    found: dict[str, object] = {}  # property name -> the stored key of the deciding state
    fingerprints = fingerprints and graph is None
    if fingerprints:
        canon = (lambda s: hash(symmetry(s))) if symmetry else hash
    else:
        canon = symmetry or (lambda s: s)
    reduce = symmetry is not None or fingerprints

    def examine(key, state) -> None:
        decided = [p for p in pending_safety if not p.predicate(state)]
        decided += [p for p in pending_reach if p.predicate(state)]
        for p in decided:
            found[p.name] = key
            (pending_safety if p.kind == ALWAYS else pending_reach).remove(p)

    pending_safety, pending_reach = list(safety), list(reach)
    parent: dict = {}  # key -> parent key; with a graph: key -> id (graph.ids)
    if graph is not None:
        parent = graph.ids
        keys, parents, offsets = graph.keys, graph.parents, graph.offsets
        targets, classes, class_of = graph.targets, graph.classes, graph.class_of
    frontier: list = []
    start = time.monotonic()
    transitions, depth, stopped_by = 0, 0, ""
    for state in model.init_states():
        key = _key(canon, state)
        if key not in parent:
            if graph is None:
                parent[key] = None
            else:
                parent[key] = len(keys)
                keys.append(key)
                parents.append(-1)
            frontier.append(state)
            examine(key, state)
    expanded, next_report = 0, start + PROGRESS_AFTER_SECONDS
    all_decided = lambda: not (pending_safety or pending_reach or graph is not None)
    if stop_when_decided and all_decided():
        stopped_by = "decided"
    # Stored states live until the end and hold no cycles: freezing each finished level
    # keeps the garbage collector from re-scanning the whole visited map (about 20% of the
    # run time on millions of states, measured on the Quorum benchmark). ``check``
    # unfreezes them when the search ends, however it ends.
    gc.freeze()
    while frontier and not stopped_by:
        if time_limit is not None and time.monotonic() - start >= time_limit:
            stopped_by = "time_limit"
            break
        if max_depth is not None and depth >= max_depth:
            if graph is None:
                if any(_key(canon, t) not in parent
                       for s in frontier for _, t in model.next_steps(s)):
                    stopped_by = "max_depth"
                break
            # the last level's edges are part of the graph liveness needs
            for state in frontier:
                offsets.append(len(targets))
                for action, succ in model.next_steps(state):
                    i = parent.get(_key(canon, succ))
                    if i is None:
                        stopped_by = "max_depth"
                        break
                    targets.append(i)
                    classes.append(class_of(action))
                if stopped_by:
                    break
            break
        next_frontier: list = []
        for state in frontier:
            if graph is None:
                key_of_state = canon(state) if reduce else state
                for _action, succ in model.next_steps(state):
                    transitions += 1
                    key = canon(succ) if reduce else succ
                    try:
                        if key in parent:
                            continue
                    except TypeError as exc:
                        raise _unhashable(key, exc) from None
                    if max_states is not None and len(parent) >= max_states:
                        stopped_by = "max_states"
                        break
                    parent[key] = key_of_state
                    next_frontier.append(succ)
                    examine(key, succ)
            else:
                src = len(offsets)  # states are expanded in id order
                offsets.append(len(targets))
                for action, succ in model.next_steps(state):
                    transitions += 1
                    key = canon(succ) if symmetry else succ
                    try:
                        i = parent.get(key)
                    except TypeError as exc:
                        raise _unhashable(key, exc) from None
                    if i is None:
                        if max_states is not None and len(parent) >= max_states:
                            stopped_by = "max_states"
                            break
                        i = parent[key] = len(keys)
                        keys.append(key)
                        parents.append(src)
                        next_frontier.append(succ)
                        examine(key, succ)
                    targets.append(i)
                    classes.append(class_of(action))
            expanded += 1
            if stop_when_decided and all_decided():
                stopped_by = stopped_by or "decided"
            if (expanded & 255) == 0:
                now = time.monotonic()
                if time_limit is not None and now - start >= time_limit:
                    stopped_by = stopped_by or "time_limit"
                if progress is not None and now >= next_report:
                    next_report = now + PROGRESS_EVERY_SECONDS
                    progress({"states": len(parent), "depth": depth + 1,
                              "frontier": len(next_frontier) + len(frontier),
                              "seconds": now - start,
                              "rate": len(parent) / max(now - start, 1e-9)})
            if stopped_by:
                break
        if next_frontier:
            depth += 1
        frontier = next_frontier
        gc.freeze()
    complete = not stopped_by
    lookup = parent if graph is None else ParentView(graph)
    live_results = {}
    if liveness:
        live_results = _liveness_verdicts(model, liveness, graph, fair, canon,
                                          symmetry is not None, complete, stopped_by)
    seconds = time.monotonic() - start
    extra = {}
    if fingerprints:
        n = len(parent)
        # Python's hash spreads tuples over 64 bits; birthday bound over n fingerprints.
        extra = dict(collision_chance=min(1.0, n * (n - 1) / 2 / 2.0 ** 64),
                     visited_bytes=sys.getsizeof(parent) + n * sys.getsizeof(2 ** 62))
    stats = Stats(states=len(parent), transitions=transitions, depth=depth,
                  seconds=seconds, complete=complete, stopped_by=stopped_by, **extra)
    results = tuple(live_results[p.name] if p.name in live_results else
                    _verdict(model, p, found, lookup, canon, complete, stopped_by)
                    for p in props)
    return Result(properties=results, stats=stats)


def _liveness_verdicts(model, liveness: list[Property], graph, fair, canon, symmetric: bool,
                       complete: bool, stopped_by: str) -> dict[str, PropertyResult]:
    """Verdicts of the liveness properties: decided on the recorded graph when the search
    was complete and the model declares its fairness, UNKNOWN with a reason otherwise."""
    out = {}
    bases = {p.name: dict(name=p.name, kind=p.kind, description=p.description)
             for p in liveness}

    def unknown(reason: str) -> dict[str, PropertyResult]:
        return {p.name: PropertyResult(**bases[p.name], verdict=Verdict.UNKNOWN, reason=reason)
                for p in liveness}

    if fair is None:
        return unknown("liveness needs the model's fairness: declare fair_actions, the set "
                       "of weakly fair action kinds (an empty set for none)")
    if not complete:
        return unknown(f"not decided: {_why(stopped_by)} stopped the search, and liveness "
                       "needs the whole state graph")
    graph.seal()
    assumptions = declared_assumptions(model)
    analysis = Analysis(model, graph, canon, symmetric, assumptions)
    if assumptions and not analysis.any_fair_behaviour():
        return unknown(f"vacuous: no fair behaviour exists (the assumptions "
                       f"{', '.join(a.name for a in assumptions)} cannot all be met on any "
                       f"cycle or final state), so the property would hold only vacuously")
    for p in liveness:
        out[p.name] = analysis.decide(p, bases[p.name], fairness_text(graph))
    return out


def _why(stopped_by: str) -> str:
    return {"max_depth": "the depth bound", "max_states": "the state bound",
            "time_limit": "the time limit"}.get(stopped_by, "an incomplete search")


def _key(canon: Callable, state):
    key = canon(state)
    try:
        hash(key)
    except TypeError as exc:
        raise _unhashable(key, exc) from None
    return key


def _unhashable(key, exc: Exception) -> ModelError:
    return ModelError(f"states must be hashable (tuples, NamedTuples, frozen dataclasses), "
                      f"got {type(key).__name__}: {exc}")


def _verdict(model, p: Property, found: dict, parent: dict, canon: Callable,
             complete: bool, stopped_by: str) -> PropertyResult:
    base = dict(name=p.name, kind=p.kind, description=p.description)
    if p.name in found:
        trace = rebuild_trace(model, parent, found[p.name], canon)
        _confirm_end(model, p, trace)
        verdict = Verdict.VIOLATED if p.kind == ALWAYS else Verdict.HOLDS
        return PropertyResult(**base, verdict=verdict, trace=trace)
    if complete:
        if p.kind == ALWAYS:
            return PropertyResult(**base, verdict=Verdict.HOLDS)
        return PropertyResult(**base, verdict=Verdict.VIOLATED,
                              reason="no reachable state satisfies it")
    return PropertyResult(**base, verdict=Verdict.UNKNOWN,
                          reason=f"not decided before {_why(stopped_by)} stopped the search")


def _confirm_end(model, p: Property, trace) -> None:
    holds = bool(p.predicate(trace.steps[-1].state))
    if holds == (p.kind == ALWAYS):
        raise ModelError(
            f"property '{p.name}' gave a different answer when its trace was replayed; "
            "properties must depend only on the state they are given")
