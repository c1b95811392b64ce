"""Liveness under weak fairness, decided on the explored state graph (cycles included).

Semantics. A behaviour is an infinite path through the state graph from an initial state;
a behaviour may also stop, repeating its last state for ever, in a state without
successors, and -- when the model sets ``stuttering = True`` (TLA+'s reading) -- in any
state where no fair action class is enabled. A behaviour is *fair* when, for every weakly
fair action class (``fair_actions``; an action's class is its ``kind``), the class is not
enabled in every state from some point on without being taken again and again, and when it
passes infinitely often through states satisfying each ``@assume_infinitely_often``
predicate. Properties, with ``P`` a state predicate:

* ``@eventually``         <>P : every fair behaviour has a state where P holds;
* ``@always_eventually`` []<>P: every fair behaviour has P-states again and again;
* ``@eventually_always`` <>[]P: every fair behaviour has only P-states from some point on.

Algorithm. During the breadth-first search the engine records the graph compactly (an
integer id per state in BFS order, successor ids and fair-class numbers in flat arrays;
only when a decidable liveness property is selected). Each property is turned into a
search for a *fair end*: a set of states a fair behaviour can stay in for ever while
avoiding the property --

* <>P : the states where P is false that are reachable from an initial state through
  P-false states only; fair ends among them;
* []<>P: every reachable P-false state; fair ends among them;
* <>[]P: every reachable state; fair ends that contain a P-false state.

Fair ends are found with one pass of Tarjan's algorithm over that subgraph. A strongly
connected component C with at least one edge inside is a fair end iff every fair class
enabled in *every* state of C labels some edge inside C, and C contains a state of each
assumption (and, for <>[]P, a P-false state). No splitting of components is needed for
weak fairness: if a class is enabled in every state of C and never taken inside C, it is
enabled in every state of every cycle within C and taken on none of them, so no cycle in C
is fair; conversely a cycle through every state and every edge of C is fair. A single
state is a fair end when the behaviour may stop there (no successor, or ``stuttering``
and no fair class enabled) and it satisfies every assumption. The cost is O(V + E) time
per property plus 4-5 bytes per edge and ~16 bytes per state of arrays, on top of the
visited set.

Counterexamples are lassos: the shortest prefix to the fair end (through P-false states for
<>P, BFS parents otherwise), then a loop through the end that takes an edge of every class
that stays enabled, visits a state of each assumption (and a P-false one for <>[]P) and,
where needed, a state where a class it does not take is disabled. The trace repeats the
loop's first state as its last state: ``steps[loop_start:]`` is the loop, and stopping in a
state is a loop of no step (``loop_start == len(trace)``). Every lasso is replayed through
``next_steps`` and its fairness is re-checked on the concrete states before it is returned.

Vacuity: when no fair behaviour exists at all (the assumptions cannot all be met), every
liveness property is UNKNOWN with a reason that starts "vacuous". With weak action fairness
alone this cannot happen on a complete graph: a bottom component (no edge leaves it) is
always a fair end.

Symmetry: on the reduced graph a state stands for its whole class, and the relation "is a
relabelling of" is a bisimulation that keeps action classes, enabled classes and every
invariant predicate; so when the model vouches (``symmetric_fairness = True``) that its fair
classes, assumptions and liveness properties are invariant, the verdicts on the reduced
graph are those of the full graph. Lassos are then replayed by matching representatives,
the loop being repeated until a concrete state recurs (a permutation has finite order).
"""

from array import array
from collections import deque

from .errors import ModelError
from .properties import ALWAYS_EVENTUALLY, EVENTUALLY, EVENTUALLY_ALWAYS, Property, action_class
from .result import PropertyResult, Step, Trace, Verdict

MAX_LOOP_ROUNDS = 1000  # symmetry: a loop of representatives repeated until it closes
UNFAIR = -1


class StateGraph:
    """The explored graph in compressed sparse row form, states numbered in BFS order.

    ``keys[i]`` is state i (its representative under symmetry), ``parents[i]`` its BFS
    parent (-1 for an initial state), and the edges of state i are positions
    ``offsets[i] .. offsets[i+1]-1`` of ``targets`` (successor ids) and ``classes`` (fair
    class number, or -1 for an action of no fair class). States are expanded in id order,
    which breadth-first search guarantees.
    """

    def __init__(self, fair_classes: frozenset):
        ordered = sorted(fair_classes, key=repr)
        self.fair_names = ordered
        self.fair_index = {c: i for i, c in enumerate(ordered)}
        self.keys: list = []
        self.parents = array("i")
        self.offsets = array("q")
        self.targets = array("i")
        self.classes = array("b" if len(ordered) < 127 else "l")
        self.ids: dict = {}

    def class_of(self, action) -> int:
        """The index of ``action``'s fairness class among the fair ones, or UNFAIR when it is
        not fair (or not hashable)."""
        try:
            return self.fair_index.get(action_class(action), UNFAIR)
        except TypeError:  # an unhashable class cannot be one of the fair ones
            return UNFAIR

    def add(self, key, parent: int) -> int:
        """Store a new state reached from state ``parent`` (-1: initial); return its id."""
        i = self.ids[key] = len(self.keys)
        self.keys.append(key)
        self.parents.append(parent)
        return i

    def seal(self) -> None:
        """Close the edge list of the last expanded state."""
        self.offsets.append(len(self.targets))

    def __len__(self) -> int:
        return len(self.keys)

    def edges(self, v: int):
        """The ``(target id, fairness class index)`` pairs of the edges out of state ``v``."""
        t, c = self.targets, self.classes
        for e in range(self.offsets[v], self.offsets[v + 1]):
            yield t[e], c[e]


class ParentView:
    """``parent[key]`` for ``rebuild_trace`` when the visited set maps keys to ids."""

    def __init__(self, graph: StateGraph):
        self.graph = graph

    def __getitem__(self, key):
        g = self.graph
        p = g.parents[g.ids[key]]
        return None if p < 0 else g.keys[p]


# --- the analysis ------------------------------------------------------------------------------


def fairness_text(graph_or_names) -> str:
    """The fairness a liveness verdict assumed, in words, for the verdict's reason."""
    names = graph_or_names.fair_names if isinstance(graph_or_names, StateGraph) else graph_or_names
    if not names:
        return "with no action assumed fair"
    return "under weak fairness of " + ", ".join(str(n) for n in names)


class Analysis:
    """Decides liveness properties on one recorded graph (which must be complete)."""

    def __init__(self, model, graph: StateGraph, canon, symmetric: bool, assumptions):
        self.model, self.g, self.canon, self.symmetric = model, graph, canon, symmetric
        self.stuttering = bool(model.stuttering)
        self.assumptions = assumptions
        n = len(graph)
        offs, cls = graph.offsets, graph.classes
        enabled = [0] * n
        for v in range(n):
            mask = 0
            for e in range(offs[v], offs[v + 1]):
                c = cls[e]
                if c >= 0:
                    mask |= 1 << c
            enabled[v] = mask
        self.enabled = enabled
        self.justice = [self._evaluate(a.predicate) for a in assumptions]

    def _evaluate(self, predicate) -> bytearray:
        return bytearray(1 if predicate(k) else 0 for k in self.g.keys)

    # -- fair ends ------------------------------------------------------------------------------
    def may_stop(self, v: int) -> bool:
        """Whether a behaviour may end in state ``v``: it has no successors, or the model
        stutters and no fair action is enabled there."""
        g = self.g
        if g.offsets[v] == g.offsets[v + 1]:
            return True
        return self.stuttering and self.enabled[v] == 0

    def fair_ends(self, allowed: bytearray | None, must: list[bytearray]):
        """Yield ``("stop", v)`` and ``("cycle", component)`` for the fair ends within
        ``allowed`` (None: every state) that meet each set in ``must``."""
        g, enabled = self.g, self.enabled
        inside = bytearray(len(g))
        for comp in strongly_connected(g, allowed):
            if self.stuttering or len(comp) == 1:
                for v in comp:
                    if self.may_stop(v) and all(m[v] for m in must):
                        yield "stop", v
            if len(comp) == 1:
                v = comp[0]
                if not any(w == v for w, _ in g.edges(v)):
                    continue
            for v in comp:
                inside[v] = 1
            taken, common = 0, -1
            for v in comp:
                common &= enabled[v]
                for w, c in g.edges(v):
                    if c >= 0 and inside[w]:
                        taken |= 1 << c
            fair = not (common & ~taken) and all(any(m[v] for v in comp) for m in must)
            for v in comp:
                inside[v] = 0
            if fair:
                yield "cycle", comp

    def any_fair_behaviour(self) -> bool:
        """Whether some behaviour meets every fairness assumption; if none does, liveness
        verdicts would be vacuous."""
        return next(self.fair_ends(None, self.justice), None) is not None

    # -- one property ---------------------------------------------------------------------------
    def decide(self, p: Property, base: dict, found_reason: str) -> PropertyResult:
        """The verdict of liveness property ``p`` on the recorded graph, with a lasso as its
        trace when it is violated."""
        g = self.g
        if p.kind == EVENTUALLY:
            allowed, dist, via = self._bad_region(p.predicate)
            must = list(self.justice)
            distance = lambda v: dist[v]
            prefix = lambda v: _path_back(via, v)
        else:
            holds = self._evaluate(p.predicate)
            false = bytearray(1 - h for h in holds)
            if p.kind == ALWAYS_EVENTUALLY:
                allowed, must = false, list(self.justice)
            else:
                allowed, must = None, list(self.justice) + [false]
            distance = lambda v: v  # ids are in BFS order: a smaller id is no deeper
            prefix = lambda v: _path_back(g.parents, v)
        best = None
        for what, end in self.fair_ends(allowed, must):
            if what == "stop":
                key = (distance(end), 0)
                candidate = (key, end, None)
            else:
                entry = min(end, key=distance)
                candidate = ((distance(entry), 1), entry, end)
            if best is None or candidate[0] < best[0]:
                best = candidate
        if best is None:
            return PropertyResult(**base, verdict=Verdict.HOLDS, reason=found_reason)
        _, entry, comp = best
        loop = [] if comp is None else self._loop(entry, comp, must)
        lasso = self._concretize(prefix(entry), loop)
        if lasso is None:
            return PropertyResult(
                **base,
                verdict=Verdict.VIOLATED,
                reason=(
                    "violated on the symmetry-reduced graph, but the lasso could not be replayed "
                    "on concrete states (the model's canonical form is not unique there); check "
                    "without symmetry to see it"
                ),
            )
        trace, loop_start = lasso
        self._confirm(p, trace, loop_start)
        if loop_start == len(trace):
            how = (
                f"after {len(trace)} steps the behaviour stops for ever in a state where "
                f"P is false ({'no fair action is enabled' if self.stuttering else 'no step is possible'})"
            )
        else:
            how = f"loop starts at step {loop_start}, repeats for ever ({len(trace) - loop_start} steps)"
        return PropertyResult(
            **base, verdict=Verdict.VIOLATED, trace=trace, loop_start=loop_start, reason=f"{how}; {fairness_text(g)}"
        )

    def _bad_region(self, predicate):
        """For <>P: the states reachable through P-false states only, with BFS distances and
        parents inside that region."""
        g = self.g
        n = len(g)
        allowed = bytearray(n)
        dist = array("i", [-1]) * n
        via = array("i", [-1]) * n
        seen = bytearray(n)
        queue = deque()
        for v in range(n):
            if g.parents[v] >= 0:
                break
            seen[v] = 1
            if not predicate(g.keys[v]):
                allowed[v], dist[v] = 1, 0
                queue.append(v)
        while queue:
            v = queue.popleft()
            for w, _ in g.edges(v):
                if seen[w]:
                    continue
                seen[w] = 1
                if not predicate(g.keys[w]):
                    allowed[w], dist[w], via[w] = 1, dist[v] + 1, v
                    queue.append(w)
        return allowed, dist, via

    # -- the loop of a lasso --------------------------------------------------------------------
    def _loop(self, entry: int, comp: list, must: list[bytearray]) -> list[tuple[int, int]]:
        """Edges ``(target, class)`` of a fair cycle from ``entry`` back to ``entry`` within
        ``comp``."""
        g, enabled = self.g, self.enabled
        inside = bytearray(len(g))
        for v in comp:
            inside[v] = 1
        common = -1
        for v in comp:
            common &= enabled[v]
        steps: list[tuple[int, int]] = []
        cur = entry

        def go(path):
            nonlocal cur
            steps.extend(path)
            if path:
                cur = path[-1][0]

        for c in _bits(common):  # every class enabled throughout must be taken
            go(_bfs(g, cur, inside, edge_class=c))
        for m in must:
            go(_bfs(g, cur, inside, node_ok=lambda v, m=m: m[v]))
        while True:  # a class enabled on every visited state but not taken: visit a state
            visited = [entry] + [v for v, _ in steps]  # where it is disabled
            on_all = -1
            for v in visited:
                on_all &= enabled[v]
            taken = 0
            for _, c in steps:
                if c >= 0:
                    taken |= 1 << c
            missing = on_all & ~taken
            if not missing:
                break
            c = next(_bits(missing))
            go(_bfs(g, cur, inside, node_ok=lambda v, c=c: not enabled[v] >> c & 1))
        if not steps:  # the loop must take at least one step
            first = next((w, c) for w, c in g.edges(entry) if inside[w])
            go([first])
        go(_bfs(g, cur, inside, node_ok=lambda v: v == entry))
        return steps

    # -- concrete replay ------------------------------------------------------------------------
    def _concretize(self, prefix_ids: list[int], loop: list[tuple[int, int]]):
        """(Trace, loop_start) replayed through the model, or None when, under symmetry,
        the representatives cannot be followed on concrete states."""
        g, model, canon = self.g, self.model, self.canon
        keys = g.keys
        first = keys[prefix_ids[0]]
        current = next((s for s in model.init_states() if canon(s) == first), None)
        if current is None:
            return self._replay_failed(0)
        steps = [Step(None, current)]

        def advance(target: int, cls: int | None) -> bool:
            nonlocal current
            key = keys[target]
            for action, succ in model.next_steps(current):
                if canon(succ) == key and (cls is None or g.class_of(action) == cls):
                    current = succ
                    steps.append(Step(action, succ))
                    return True
            return False

        for depth, v in enumerate(prefix_ids[1:], start=1):
            if not advance(v, None):
                return self._replay_failed(depth)
        if not loop:
            return Trace(tuple(steps)), len(steps) - 1
        seen = {current: len(steps) - 1}
        for _ in range(MAX_LOOP_ROUNDS):
            for v, c in loop:
                if not advance(v, c):
                    return self._replay_failed(len(steps))
            if current in seen:
                return Trace(tuple(steps)), seen[current]
            seen[current] = len(steps) - 1
        return None

    def _replay_failed(self, depth: int):
        if self.symmetric:
            return None
        from .replay import NONDETERMINISM_HINT

        raise ModelError(
            f"replay of a liveness counterexample failed at step {depth}: no "
            f"action leads to the recorded next state; {NONDETERMINISM_HINT}"
        )

    def _confirm(self, p: Property, trace: Trace, loop_start: int) -> None:
        """Re-check the lasso on the concrete states: it loops, it is fair, and the property
        fails on it. A failure means the model's steps or predicates are not functions of the
        state."""
        model, g = self.model, self.g
        states = trace.states
        loop_states = states[loop_start:]
        problem = ""
        if states[-1] != states[loop_start]:
            problem = "the loop does not return to its first state"
        value = [bool(p.predicate(s)) for s in states]
        if p.kind == EVENTUALLY and any(value):
            problem = problem or "the property holds on the lasso"
        if p.kind == ALWAYS_EVENTUALLY and any(value[loop_start:]):
            problem = problem or "the property holds on the loop"
        if p.kind == EVENTUALLY_ALWAYS and all(value[loop_start:]):
            problem = problem or "the property never fails on the loop"
        for a in self.assumptions:
            if not any(a.predicate(s) for s in loop_states):
                problem = problem or f"assumption {a.name} is not met on the loop"
        on_all = -1
        for s in loop_states:
            mask, steps_out = 0, 0
            for action, _ in model.next_steps(s):
                steps_out += 1
                c = g.class_of(action)
                if c >= 0:
                    mask |= 1 << c
            on_all &= mask
            if loop_start == len(trace) and not (steps_out == 0 or (self.stuttering and mask == 0)):
                problem = problem or "the behaviour cannot stop in its last state"
        taken = 0
        for step in trace.steps[loop_start + 1 :]:
            c = g.class_of(step.action)
            if c >= 0:
                taken |= 1 << c
        if loop_start < len(trace) and on_all & ~taken:
            problem = problem or "the loop is not fair"
        if problem:
            raise ModelError(
                f"the lasso for property '{p.name}' failed its re-check "
                f"({problem}); next_steps and properties must depend only on "
                "the state they are given"
            )


def _bits(mask: int):
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def _path_back(parents, v: int) -> list[int]:
    path = [v]
    while parents[path[-1]] >= 0:
        path.append(parents[path[-1]])
    path.reverse()
    return path


def _bfs(g: StateGraph, src: int, inside: bytearray, node_ok=None, edge_class=None):
    """The shortest list of edges ``(target, class)`` within ``inside`` from ``src`` to a
    node satisfying ``node_ok`` (the empty list if ``src`` does), or through a first edge
    of class ``edge_class``."""
    if node_ok is not None and node_ok(src):
        return []
    back: dict[int, tuple[int, int] | None] = {src: None}
    queue = deque([src])
    while queue:
        v = queue.popleft()
        for w, c in g.edges(v):
            if not inside[w]:
                continue
            if edge_class is not None and c == edge_class:
                return _unwind(back, v) + [(w, c)]
            if w in back:
                continue
            back[w] = (v, c)
            if node_ok is not None and node_ok(w):
                return _unwind(back, w)
            queue.append(w)
    raise AssertionError("no path inside a strongly connected component")


def _unwind(back: dict, v: int) -> list[tuple[int, int]]:
    path = []
    while back[v] is not None:
        u, c = back[v]
        path.append((v, c))
        v = u
    path.reverse()
    return path


def strongly_connected(g: StateGraph, allowed: bytearray | None):
    """Tarjan's algorithm, iterative, over the states in ``allowed`` (None: all): yields
    each strongly connected component as a list of state ids."""
    n = len(g)
    offs, targets = g.offsets, g.targets
    index = array("i", [-1]) * n
    low = array("i", [0]) * n
    on_stack = bytearray(n)
    stack: list[int] = []
    counter = 0
    for root in range(n):
        if index[root] >= 0 or (allowed is not None and not allowed[root]):
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work = [(root, offs[root])]
        while work:
            v, e = work[-1]
            end = offs[v + 1]
            descended = False
            while e < end:
                w = targets[e]
                e += 1
                if allowed is not None and not allowed[w]:
                    continue
                if index[w] < 0:
                    work[-1] = (v, e)
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, offs[w]))
                    descended = True
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            if descended:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    comp.append(w)
                    if w == v:
                        break
                yield comp
