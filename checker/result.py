"""What a check returns: verdicts, shortest traces and search statistics. Plain data."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Verdict(str, Enum):
    """HOLDS and VIOLATED are only ever given after exploration decided them.

    UNKNOWN means a bound (depth, states, time) stopped the search before the property
    was decided, or the engine cannot decide that kind of property yet.
    """

    HOLDS = "HOLDS"
    VIOLATED = "VIOLATED"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Step:
    """One transition of a trace: ``action`` leads from the previous state to ``state``."""

    action: Any
    state: Any


@dataclass(frozen=True)
class Trace:
    """A path from an initial state. ``steps[0].action`` is None (the initial state)."""

    steps: tuple[Step, ...]

    @property
    def states(self) -> list:
        """The states of the trace, the initial state first."""
        return [s.state for s in self.steps]

    @property
    def actions(self) -> list:
        """The actions of the trace, in order (one fewer than the states)."""
        return [s.action for s in self.steps[1:]]

    def __len__(self) -> int:
        """The number of actions (an initial state alone has length 0)."""
        return len(self.steps) - 1


@dataclass(frozen=True)
class PropertyResult:
    """The outcome for one property.

    ``trace`` is the shortest counterexample for a violated ``always``, the shortest
    witness for a satisfied ``sometimes``, the lasso for a violated ``eventually`` (its
    states from ``loop_start`` on repeat for ever), and None otherwise. ``reason`` explains
    an UNKNOWN or an unreachable ``sometimes`` in words.
    """

    name: str
    kind: str
    verdict: Verdict
    description: str = ""
    trace: Trace | None = None
    reason: str = ""
    loop_start: int | None = None  # liveness lassos: steps from this index on repeat for ever


@dataclass(frozen=True)
class Stats:
    """Search statistics. ``depth`` is the deepest BFS level reached (initial states: 0)."""

    states: int
    transitions: int
    depth: int
    seconds: float
    complete: bool
    stopped_by: str = ""  # "", "max_depth", "max_states", "time_limit", "decided"
    collision_chance: float = 0.0  # with fingerprints: chance that two states shared one
    visited_bytes: int = 0  # with fingerprints: memory of the visited map (0: not measured)
    #: States first stored at each BFS level, the initial states first: ``levels[d]`` is how
    #: many distinct states lie at depth d, and they sum to ``states``. When a bound stopped
    #: the search inside a level, its entry counts what was stored before the stop, and
    #: ``last_level_partial`` is true.
    levels: tuple = ()
    last_level_partial: bool = False

    @property
    def states_per_second(self) -> float:
        """Distinct states stored per second of search (the state count itself when the run
        took no measurable time)."""
        return self.states / self.seconds if self.seconds > 0 else float(self.states)

    @property
    def growth(self) -> float | None:
        """How many times more states the last full level held than the one before it (None
        with fewer than two full levels). On an incomplete search it says how fast the space
        was still widening when the search stopped."""
        full = self.levels[:-1] if self.last_level_partial else self.levels
        if len(full) < 2 or not full[-2]:
            return None
        return full[-1] / full[-2]


@dataclass(frozen=True)
class Result:
    """Everything ``check`` found, one ``PropertyResult`` per property in declaration order."""

    properties: tuple[PropertyResult, ...]
    stats: Stats
    meta: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> PropertyResult:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def verdicts(self) -> dict[str, Verdict]:
        """Each property's verdict by name, in declaration order."""
        return {p.name: p.verdict for p in self.properties}
