"""Declaring the properties of a model, and the fairness its liveness properties assume.

A property is a method ``def name(self, state) -> bool`` on the model class:

* ``@always`` -- a safety invariant: true in every reachable state. One reachable state
  where it is false is a counterexample.
* ``@sometimes`` -- a reachability witness: true in at least one reachable state. Every
  model should have one, so that a model which cannot do anything fails loudly.
* ``@eventually`` -- liveness (LTL ``<>P``): on every fair behaviour the predicate is true
  in some state.
* ``@always_eventually`` -- liveness (``[]<>P``): on every fair behaviour the predicate is
  true again and again (infinitely often).
* ``@eventually_always`` -- liveness (``<>[]P``): on every fair behaviour the predicate is
  true from some state on, for good ("the replicas end up agreeing").

Liveness is decided on the whole explored state graph, cycles included (see
``liveness.py``). It needs the model's fairness assumptions:

* ``fair_actions`` -- a class attribute or a method returning the set of weakly fair action
  classes. An action's class is ``action.kind`` when the action has a ``kind`` attribute,
  otherwise the action itself (e.g. a string label). Weak fairness: a behaviour that keeps
  some action of a fair class enabled for ever takes an action of that class again and
  again. A model without ``fair_actions`` gets UNKNOWN for its liveness properties; an
  empty set means "nothing is fair".
* ``stuttering`` -- class attribute, default False: a behaviour may stop (repeat its state
  for ever) only in a state without successors. True gives TLA+'s reading: a behaviour
  may stop in any state where no fair action is enabled, so only fairness forces progress
  (clients may stop invoking, faults may or may not happen).
* ``@assume_infinitely_often`` -- a state predicate every fair behaviour satisfies again
  and again (a justice constraint, as NuSMV's ``JUSTICE``). It is an assumption, not a
  property: it restricts which behaviours count. Assumptions nothing can meet make every
  liveness property vacuous, which the checker reports as UNKNOWN.
* ``symmetric_fairness`` -- class attribute, default False. Liveness under symmetry
  reduction is refused unless the model sets it, vouching that its fair action classes,
  assumptions and liveness properties are all invariant under its symmetry (TLC's
  liveness + SYMMETRY trap); then the verdicts on the reduced graph are exact.

The first line of the docstring is the property's one-line description in ``replcheck list``.
"""

from dataclasses import dataclass
from typing import Callable

ALWAYS, SOMETIMES, EVENTUALLY = "always", "sometimes", "eventually"
ALWAYS_EVENTUALLY, EVENTUALLY_ALWAYS = "always_eventually", "eventually_always"
LIVENESS = (EVENTUALLY, ALWAYS_EVENTUALLY, EVENTUALLY_ALWAYS)
_MARK = "_replcheck_property_kind"
_ASSUMPTION = "_replcheck_assumption"


def _mark(kind: str) -> Callable:
    def decorate(fn: Callable) -> Callable:
        setattr(fn, _MARK, kind)
        return fn

    return decorate


always = _mark(ALWAYS)
sometimes = _mark(SOMETIMES)
eventually = _mark(EVENTUALLY)
always_eventually = _mark(ALWAYS_EVENTUALLY)
eventually_always = _mark(EVENTUALLY_ALWAYS)


def assume_infinitely_often(fn: Callable) -> Callable:
    """Mark a state predicate as a fairness assumption: fair behaviours pass through
    states where it holds infinitely often."""
    setattr(fn, _ASSUMPTION, True)
    return fn


@dataclass(frozen=True)
class Property:
    """One declared property, bound to a model instance."""

    name: str
    kind: str
    predicate: Callable
    description: str


def first_line(doc: str | None) -> str:
    """The first non-blank line of a docstring (``""`` when there is none): a property's one-
    line description."""
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def declared_properties(model) -> list[Property]:
    """The properties of ``model`` in definition order (base classes first).

    A subclass may switch an inherited property off by setting the name to ``None``.
    """
    seen: dict[str, Property | None] = {}
    for cls in reversed(type(model).__mro__):
        for name, member in vars(cls).items():
            kind = getattr(member, _MARK, None)
            if kind is not None:
                seen[name] = Property(name, kind, getattr(model, name), first_line(member.__doc__))
            elif name in seen and member is None:
                seen[name] = None
    return [p for p in seen.values() if p is not None]


def declared_assumptions(model) -> list[Property]:
    """The ``@assume_infinitely_often`` predicates of ``model`` (kind "assumption")."""
    seen: dict[str, Property | None] = {}
    for cls in reversed(type(model).__mro__):
        for name, member in vars(cls).items():
            if getattr(member, _ASSUMPTION, False):
                seen[name] = Property(name, "assumption", getattr(model, name), first_line(member.__doc__))
            elif name in seen and member is None:
                seen[name] = None
    return [p for p in seen.values() if p is not None]


def fair_action_classes(model) -> frozenset | None:
    """The model's weakly fair action classes, or None when it declares none at all."""
    declared = model.fair_actions
    if declared is None:
        return None
    if callable(declared):
        declared = declared()
    return frozenset(declared)


def action_class(action):
    """The fairness class of an action: its ``kind`` when it has one, else the action."""
    return getattr(action, "kind", action)
