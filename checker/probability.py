"""Exact reachability probabilities on an explored, weighted state graph.

A model that defines ``weighted_next_steps`` (see ``checker.model``) puts probabilities on
its choices. ``reachability(model, targets)`` explores every state reachable from the
model's single initial state, breadth first, and computes for each named target predicate
the probability that a run of the chain ever reaches a state satisfying it. Arithmetic is
exact (``fractions.Fraction``): no floating point enters a result.

Semantics and caveats:

* Target states are absorbing for the question (a run is counted once it reaches one);
  states without steps end a run. Runs that go round a cycle for ever without reaching a
  target count as not reaching it, so any finite chain is covered: acyclic, absorbing, or
  with closed cycles. States that cannot reach a target get probability 0 from the graph
  alone; cycles that can are solved exactly, one strongly connected component at a time,
  by Gaussian elimination over the rationals.
* A state whose steps all carry weight ``None`` is an adversarial choice: the model is a
  Markov decision process, and the probability depends on who chooses. It is refused with
  a ``ModelError`` unless ``worst_case`` asks for a bound: ``"max"`` (the largest
  probability any adversary achieves) or ``"min"`` (the smallest). The bound is computed
  exactly when no adversarial state lies on a cycle; otherwise it is refused too, rather
  than approximated by value iteration.
* ``max_states`` bounds the exploration. A cut search gives no exact answer: each
  result then holds an interval ``[lower, upper]`` (unexplored states counted as never
  reaching, then as surely reaching, the target) and ``probability`` is None.
* ``symmetry=True`` stores states by the model's ``canonical`` representative. That is
  sound for probabilities only when the symmetry is a lumping of the chain (each
  permutation maps the weighted steps onto the weighted steps, as uniform random choices
  among interchangeable parts do); the model vouches for that by offering ``canonical``.
* The count of reachable target states is plain graph reachability, independent of the
  weights: zero means no run at all reaches the target, which is a proof by exploration,
  not a small number. Each target with a reachable state has a shortest ``witness``:
  the action labels of a shortest path to it and that path's probability.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping

from .errors import ModelError, UsageError
from .model import as_model

BOUNDS = ("max", "min")


@dataclass(frozen=True)
class Witness:
    """A shortest path to a target: its action labels and the product of its weights
    (None when the path passes an adversarial choice)."""

    actions: tuple[str, ...]
    probability: Fraction | None


@dataclass(frozen=True)
class TargetProbability:
    """The answer for one target. ``probability`` is exact when the exploration was
    complete, else None, and ``lower``/``upper`` bound it either way (they are equal
    when it is exact). ``reachable_states`` counts target states reachable at all."""

    name: str
    probability: Fraction | None
    lower: Fraction
    upper: Fraction
    reachable_states: int
    witness: Witness | None


@dataclass(frozen=True)
class Reachability:
    """Per-target probabilities and what was explored. ``kind`` is ``"DTMC"`` (every
    choice weighted) or ``"MDP"`` (some adversarial; ``bound`` then says which)."""

    targets: dict[str, TargetProbability]
    states: int
    transitions: int
    complete: bool
    kind: str
    bound: str | None

    def __getitem__(self, name: str) -> TargetProbability:
        return self.targets[name]


PROBABILISTIC, ADVERSARIAL, FINAL = "p", "a", "f"


class _Graph:
    """The explored chain: per state id its kind and merged ``(successor id, weight)``."""

    def __init__(self):
        self.ids: dict[Any, int] = {}
        self.states: list = []
        self.kind: list[str] = []
        self.edges: list[list[tuple[int, Fraction | None]]] = []
        self.parent: list[tuple[int, str, Fraction | None] | None] = []
        self.expanded: list[bool] = []

    def add(self, key, state, parent) -> int:
        i = len(self.states)
        self.ids[key] = i
        self.states.append(state)
        self.kind.append(FINAL)
        self.edges.append([])
        self.parent.append(parent)
        self.expanded.append(False)
        return i


def reachability(
    model,
    targets: Mapping[str, Callable[[Any], bool]],
    *,
    worst_case: str | None = None,
    max_states: int | None = None,
    symmetry: bool = False,
) -> Reachability:
    """The probability of ever reaching each target (see the module docstring).

    ``targets`` maps a name to a predicate on states. Raises ``ModelError`` when the model
    has no ``weighted_next_steps``, not exactly one initial state, malformed weights, or
    adversarial choices without ``worst_case``; ``UsageError`` for a bad argument."""
    model = as_model(model)
    steps = model.weighted_next_steps
    if steps is None:
        raise ModelError(
            f"{model.display_name()} has no weighted_next_steps(state); define it to "
            "put probabilities on the model's choices (see checker/model.py)"
        )
    if worst_case is not None and worst_case not in BOUNDS:
        raise UsageError(f"worst_case must be one of {', '.join(BOUNDS)}, not {worst_case!r}")
    if max_states is not None and max_states < 1:
        raise UsageError(f"max_states must be at least 1, got {max_states}")
    canon = model.canonical if symmetry else None
    if symmetry and canon is None:
        raise UsageError(f"{model.display_name()} offers no symmetry reduction; drop symmetry")
    predicates = dict(targets)
    graph = _explore(model, steps, predicates, canon, max_states)
    adversarial = ADVERSARIAL in graph.kind
    if adversarial and worst_case is None:
        where = graph.states[graph.kind.index(ADVERSARIAL)]
        raise ModelError(
            f"{model.display_name()} leaves some choices unweighted (state {where!r} "
            "has steps of weight None): it is a Markov decision process, whose "
            "probability depends on who chooses; ask for a worst-case bound "
            "(worst_case='max' or 'min', --worst-case) or weight every choice"
        )
    bound = worst_case if adversarial else None
    complete = all(graph.expanded[i] or graph.kind[i] == "t" for i in range(len(graph.states)))
    results = {name: _answer(name, graph, pred, bound) for name, pred in predicates.items()}
    return Reachability(
        results, len(graph.states), sum(len(e) for e in graph.edges), complete, "MDP" if adversarial else "DTMC", bound
    )


def _explore(model, steps, predicates, canon, max_states) -> _Graph:
    inits = list(model.init_states())
    if len(inits) != 1:
        raise ModelError(
            f"{model.display_name()} has {len(inits)} initial states; a probability needs "
            "exactly one: start in one state whose weighted steps choose among them"
        )
    graph = _Graph()
    start = inits[0]
    graph.add(_key(canon, start), start, None)
    is_target = [any(p(start) for p in predicates.values())]
    queue = deque([0])
    while queue:
        i = queue.popleft()
        if is_target[i]:
            graph.kind[i] = "t"  # absorbing for the question: not expanded
            continue
        if max_states is not None and len(graph.states) >= max_states and not graph.expanded[i]:
            graph.kind[i] = "u"  # unexplored: its value is unknown
            continue
        merged: dict[int, Fraction | None] = {}
        kinds = set()
        for action, nxt, weight in steps(graph.states[i]):
            kinds.add(_check_weight(model, graph.states[i], action, weight))
            key = _key(canon, nxt)
            j = graph.ids.get(key)
            if j is None:
                j = graph.add(key, nxt, (i, str(action), weight))
                is_target.append(any(p(nxt) for p in predicates.values()))
                queue.append(j)
            if weight is None:
                merged[j] = None
            else:
                merged[j] = merged.get(j, 0) + Fraction(weight)
        graph.expanded[i] = True
        if len(kinds) > 1:
            raise ModelError(
                f"{model.display_name()}: state {graph.states[i]!r} mixes weighted and "
                "unweighted steps; weight all of a state's steps or none"
            )
        if kinds == {PROBABILISTIC} and sum(merged.values()) != 1:
            raise ModelError(
                f"{model.display_name()}: the weights out of state {graph.states[i]!r} sum "
                f"to {sum(merged.values())}, not 1; make them a probability distribution"
            )
        graph.kind[i] = kinds.pop() if kinds else FINAL
        graph.edges[i] = list(merged.items())
    return graph


def _key(canon, state):
    key = canon(state) if canon is not None else state
    try:
        hash(key)
    except TypeError as exc:
        raise ModelError(
            f"state {state!r} is not hashable ({exc}); use tuples, NamedTuples or frozen dataclasses"
        ) from None
    return key


def _check_weight(model, state, action, weight) -> str:
    if weight is None:
        return ADVERSARIAL
    if isinstance(weight, bool) or not isinstance(weight, (int, Fraction)):
        raise ModelError(
            f"{model.display_name()}: step {action!s} out of {state!r} has weight "
            f"{weight!r}; weights must be exact (int or fractions.Fraction), e.g. Fraction(1, 3)"
        )
    if weight <= 0:
        raise ModelError(
            f"{model.display_name()}: step {action!s} out of {state!r} has weight "
            f"{weight}; weights must be positive (leave an impossible step out)"
        )
    return PROBABILISTIC


def _answer(name, graph: _Graph, predicate, bound) -> TargetProbability:
    hits = [i for i, s in enumerate(graph.states) if graph.kind[i] == "t" and predicate(s)]
    lower = _values(graph, set(hits), unknown_value=0, bound=bound)[0]
    has_unknown = "u" in graph.kind
    upper = _values(graph, set(hits), unknown_value=1, bound=bound)[0] if has_unknown else lower
    return TargetProbability(
        name, None if has_unknown else lower, lower, upper, len(hits), _witness(graph, hits[0]) if hits else None
    )


def _witness(graph: _Graph, i: int) -> Witness:
    actions, probability = [], Fraction(1)
    while graph.parent[i] is not None:
        i, label, weight = graph.parent[i]
        actions.append(label)
        probability = None if weight is None or probability is None else probability * weight
    return Witness(tuple(reversed(actions)), probability)


def _values(graph: _Graph, hits: set[int], unknown_value: int, bound) -> list[Fraction]:
    """Each state's probability of reaching ``hits`` (unexplored states count as
    ``unknown_value``), solved component by component, sinks first."""
    n = len(graph.states)
    sources = hits | ({i for i in range(n) if graph.kind[i] == "u"} if unknown_value else set())
    alive = _can_reach(graph, sources)
    value = [Fraction(0)] * n
    for comp in _components(graph):
        members = [i for i in comp if i in alive]
        if not members:
            continue
        if len(comp) == 1 and all(j != comp[0] for j, _ in graph.edges[comp[0]]):
            value[comp[0]] = _single(graph, comp[0], value, hits, unknown_value, bound)
            continue
        if any(graph.kind[i] == ADVERSARIAL for i in comp):
            raise ModelError(
                f"state {graph.states[comp[0]]!r} lies on a cycle through an unweighted "
                "choice; worst-case bounds are computed exactly only when adversarial "
                "choices are off cycles"
            )
        for i, v in _solve(graph, members, set(comp), value, alive).items():
            value[i] = v
    return value


def _single(graph, i, value, hits, unknown_value, bound) -> Fraction:
    if i in hits:
        return Fraction(1)
    kind = graph.kind[i]
    if kind == "u":
        return Fraction(unknown_value)
    if kind == ADVERSARIAL:
        choose = max if bound == "max" else min
        return choose(value[j] for j, _ in graph.edges[i])
    return sum((w * value[j] for j, w in graph.edges[i]), Fraction(0))


def _solve(graph, members, comp, value, alive) -> dict[int, Fraction]:
    """x_i = sum_j w_ij x_j (j in the component) + sum_j w_ij value_j (j outside), for the
    members that can reach a target; the others are 0. Exact Gauss-Jordan elimination."""
    index = {i: k for k, i in enumerate(members)}
    size = len(members)
    rows = []
    for i in members:
        row = [Fraction(0)] * (size + 1)
        row[index[i]] = Fraction(1)
        for j, w in graph.edges[i]:
            if j in index:
                row[index[j]] -= w
            elif j not in comp:
                row[size] += w * value[j]
        rows.append(row)
    for col in range(size):
        pivot = next(r for r in range(col, size) if rows[r][col] != 0)  # nonsingular: all members alive
        rows[col], rows[pivot] = rows[pivot], rows[col]
        p = rows[col][col]
        rows[col] = [x / p for x in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                f = rows[r][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[col])]
    return {i: rows[index[i]][size] for i in members}


def _can_reach(graph: _Graph, sources: set[int]) -> set[int]:
    back: list[list[int]] = [[] for _ in graph.states]
    for i, edges in enumerate(graph.edges):
        for j, _ in edges:
            back[j].append(i)
    seen, stack = set(sources), list(sources)
    while stack:
        for i in back[stack.pop()]:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def _components(graph: _Graph):
    """Tarjan's strongly connected components, iteratively; sinks come out first."""
    n = len(graph.states)
    index, low, on_stack = [-1] * n, [0] * n, [False] * n
    stack: list[int] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, k = work.pop()
            if k == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            edges = graph.edges[v]
            if k < len(edges):
                work.append((v, k + 1))
                w = edges[k][0]
                if index[w] == -1:
                    work.append((w, 0))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                yield comp
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
