"""Small models whose every answer is known by hand, for the engine's tests. They subclass
``Model``; the duck-typed models in test_liveness.py exercise ``as_model``'s adapter."""

from replcheck.checker import Model, always, eventually, sometimes


class Counter(Model):
    """0 -> 1 -> ... -> limit, and back to 0 from anywhere but 0."""

    def __init__(self, limit: int, bad: int = 3):
        self.limit, self.bad = limit, bad

    def init_states(self):
        return [0]

    def next_steps(self, x):
        if x < self.limit:
            yield "inc", x + 1
        if x > 0:
            yield "reset", 0

    @always
    def below_bad(self, x):
        """x never reaches bad"""
        return x < self.bad

    @sometimes
    def reaches_two(self, x):
        """x can be 2"""
        return x == 2


class Grid(Model):
    """(i, j) in a square; moving right or down. Many paths to each cell: BFS must pick a
    shortest one, and two properties are decided at different depths in one run."""

    def __init__(self, size: int):
        self.size = size

    def init_states(self):
        return [(0, 0)]

    def next_steps(self, s):
        i, j = s
        if i + 1 < self.size:
            yield f"down to {(i + 1, j)}", (i + 1, j)
        if j + 1 < self.size:
            yield f"right to {(i, j + 1)}", (i, j + 1)

    @always
    def not_corner(self, s):
        """the far corner is never reached"""
        return s != (self.size - 1, self.size - 1)

    @always
    def diagonal_ok(self, s):
        """never on the diagonal past (1,1)"""
        return not (s[0] == s[1] and s[0] >= 2)

    @sometimes
    def unreachable(self, s):
        """a cell outside the grid"""
        return s[0] >= self.size


class Flaky(Model):
    """Nondeterministic on purpose: next_steps depends on a mutable counter."""

    def __init__(self):
        self.calls = 0

    def init_states(self):
        return [0]

    def next_steps(self, x):
        self.calls += 1
        if x < 3:
            yield "step", x + 1 + (self.calls > 4)

    @always
    def small(self, x):
        """x stays below 3"""
        return x < 3


class Unhashable(Model):
    def init_states(self):
        return [[0]]

    def next_steps(self, x):
        return []

    @always
    def fine(self, x):
        """always true"""
        return True


class Live(Model):
    @eventually
    def done(self, x):
        """eventually done"""
        return x == 1

    def init_states(self):
        return [0]

    def next_steps(self, x):
        if x == 0:
            yield "finish", 1


class FastCounter(Counter):
    """Counter with ``successors``: the states of ``next_steps`` without the labels. Counts
    the states each method is asked to expand."""

    def __init__(self, limit: int, bad: int = 3):
        super().__init__(limit, bad)
        self.expanded = {"successors": 0, "next_steps": 0}

    def next_steps(self, x):
        self.expanded["next_steps"] += 1
        yield from super().next_steps(x)

    def successors(self, x):
        self.expanded["successors"] += 1
        return [s for _, s in super().next_steps(x)]


class WrongFastCounter(Counter):
    """``successors`` that does not match ``next_steps`` (the order is reversed)."""

    def successors(self, x):
        return [s for _, s in self.next_steps(x)][::-1] + [99]


class UnhashableLater(Counter):
    """Hashable initial state, unhashable successor."""

    def next_steps(self, x):
        yield "wrap", [x]


class BrokenModel(Counter):
    """A model whose own code raises TypeError while expanding a state."""

    def next_steps(self, x):
        if x == 1:
            raise TypeError("model bug")
        yield from super().next_steps(x)


class RandomGraph(Model):
    """A directed graph on 0..n-1 given as adjacency lists, from state 0; ``bad`` states
    violate ``avoids_bad`` and ``goal`` states witness ``reaches_goal``."""

    def __init__(self, edges: list[list[int]], bad: set[int], goal: set[int]):
        self.edges, self.bad, self.goal = edges, bad, goal

    def init_states(self):
        return [0]

    def next_steps(self, x):
        return [(f"{x}->{y}", y) for y in self.edges[x]]

    @always
    def avoids_bad(self, x):
        """no bad state is reached"""
        return x not in self.bad

    @sometimes
    def reaches_goal(self, x):
        """a goal state is reached"""
        return x in self.goal


class RandomGraphLive(RandomGraph):
    """RandomGraph with a liveness property, so that the search records the graph."""

    fair_actions = frozenset()
    stuttering = True

    @eventually
    def ends_in_goal(self, x):
        """a goal state is eventually reached"""
        return x in self.goal
