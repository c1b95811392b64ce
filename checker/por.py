"""Partial-order reduction (``--por``): breadth-first search over ample sets.

Steps that are independent (either order is possible and both reach the same state) and
invisible (no checked property can tell whether they happened) need not be explored in every
order. At each state the search asks the model for an *ample set* (``Model.ample_steps``)
and follows only those steps; the classic conditions (Peled 1993; Clarke, Grumberg and Peled,
*Model Checking*, ch. 10; SPIN's implementation) keep every reachable violation of a safety
property (``@always``) and every witness (``@sometimes``) reachable:

* C0 -- the ample set is empty only where no step is enabled. The engine refuses an empty
  set or an index out of range (``ModelError``).
* C1 -- persistence: on every path from the state that takes no ample step, each step is
  independent of every ample step. Only the model knows its independence relation, so the
  model vouches for it (see its ``ample_steps``).
* C2 -- visibility: when the set is a proper subset, none of its steps changes an observed
  property. The model declares which steps are invisible; the engine also evaluates every
  observed property before and after each ample step and refuses a declaration it
  contradicts (``ModelError``), a necessary check, not a proof.
* C3 -- the cycle proviso, breadth-first version: if any ample successor was stored before
  this level's expansion began (it lies at this level or an earlier one), the state is
  expanded fully. Every edge out of a state expanded with a proper subset then goes one
  level deeper, and a cycle cannot only go deeper, so every cycle of the reduced graph
  passes through a fully expanded state and no step is postponed for ever.

Liveness properties need a stronger proviso than C3 and are refused (``ReplcheckError``).
Counterexamples are still real traces of the unreduced model (replayed through
``next_steps`` like every trace), but they may be longer than the shortest one: the
reduced graph can lack the shortest path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ModelError, ReplcheckError
from .properties import LIVENESS


@dataclass
class PorStats:
    """What the reduction did: states expanded with a proper ample set (``reduced``), fully
    (``full``), or fully because of the cycle proviso (``proviso``), and the enabled steps
    that were not taken (``skipped``)."""

    reduced: int = 0
    full: int = 0
    proviso: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        """Plain figures for JSON."""
        return {
            "reduced_expansions": self.reduced,
            "full_expansions": self.full,
            "proviso_expansions": self.proviso,
            "steps_not_taken": self.skipped,
        }


def refuse_liveness(props) -> None:
    """Partial-order reduction here keeps safety verdicts only: refuse liveness properties."""
    live = [p.name for p in props if p.kind in LIVENESS]
    if live:
        raise ReplcheckError(
            f"--por keeps safety verdicts only; liveness properties ({', '.join(live)}) need a "
            f"stronger cycle proviso: drop --por or select safety properties with --property"
        )


class Reducer:
    """The ample-set expansion of one search: ``expand`` replaces the search's level loop."""

    def __init__(self, model, props):
        self.model = model
        self.ample_steps = model.ample_steps or (lambda state, steps, observed: None)
        self.props = [p for p in props]
        self.observed = frozenset(p.name for p in props)
        self.stats = PorStats()

    def expand(self, frontier: list, parent: dict, canon, watch, run) -> list:
        """Expand one BFS level through ample sets; return the next level (see the module
        docstring for the conditions)."""
        next_frontier: list = []
        deeper: set = set()  # keys first stored during this level: one level deeper
        tests = watch.tests
        for state in frontier:
            steps = list(self.model.next_steps(state))
            chosen = self._ample(state, steps, parent, deeper, canon)
            run.transitions += len(chosen)
            src = canon(state)
            for succ in chosen:
                key = canon(succ)
                if key in parent:
                    continue
                if len(parent) >= run.limit:
                    run.stopped_by = "max_states"
                    break
                parent[key] = src
                deeper.add(key)
                next_frontier.append(succ)
                for test in tests:
                    if not test(succ):
                        tests = watch.examine(key, succ)
                        break
            run.expanded += 1
            if run.stop_when_decided and not tests:
                run.stopped_by = run.stopped_by or "decided"
            if not run.expanded & 255:
                run.tick(len(parent), len(next_frontier) + len(frontier))
            if run.stopped_by:
                break
        return next_frontier

    def _ample(self, state, steps: list, parent: dict, deeper: set, canon) -> list:
        """The successor states to follow from ``state``: an ample set when the model offers
        one that passes C0, C2's check and C3, else every successor."""
        every = [succ for _, succ in steps]
        indices = self.ample_steps(state, steps, self.observed) if steps else None
        if indices is None:
            self.stats.full += 1
            return every
        indices = sorted(set(indices))
        if not indices or indices[0] < 0 or indices[-1] >= len(steps):
            raise ModelError(
                f"{type(self.model).__name__}.ample_steps returned {indices!r} for "
                f"{len(steps)} steps; return a non-empty list of step indices or None"
            )
        if len(indices) == len(steps):
            self.stats.full += 1
            return every
        chosen = [every[i] for i in indices]
        self._check_invisible(state, steps, indices)
        if any(key in parent and key not in deeper for key in map(canon, chosen)):
            self.stats.proviso += 1
            return every
        self.stats.reduced += 1
        self.stats.skipped += len(steps) - len(chosen)
        return chosen

    def _check_invisible(self, state, steps: list, indices: list) -> None:
        before = [bool(p.predicate(state)) for p in self.props]
        for i in indices:
            action, succ = steps[i]
            for p, value in zip(self.props, before):
                if bool(p.predicate(succ)) != value:
                    raise ModelError(
                        f"{type(self.model).__name__}.ample_steps offered the step '{action}', "
                        f"which changes property '{p.name}'; ample steps must be invisible to "
                        f"every checked property (leave such steps out of the ample set)"
                    )
