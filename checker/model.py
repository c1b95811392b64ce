"""The contract between the engine and a model, as code.

A model is a subclass of ``Model``. It must define two methods:

* ``init_states()`` -- the initial states (any iterable; each state hashable: tuples,
  NamedTuples, frozen dataclasses, ints, strings).
* ``next_steps(state)`` -- the ``(action, next_state)`` pairs of every transition out of
  ``state``, in a fixed order. It must be a pure function of the state: traces are replayed
  through it, and a replay that cannot be walked again is a ``ModelError``. ``str(action)``
  is what traces print.

Its properties are methods marked ``@always``, ``@sometimes``, ``@eventually``,
``@always_eventually`` or ``@eventually_always`` (see ``properties``); ``properties()``
finds them. Everything else is optional, declared below with its default and meaning, as
stateright's ``Model`` trait declares its provided methods. The engine reads these members
and nothing else; it never asks whether a model "has" something.

An object that does not subclass ``Model`` but has ``init_states`` and ``next_steps`` is
still accepted: ``as_model`` wraps it in ``ForeignModel``, which takes from it each member
the contract names (and ``Model``'s default for the rest), so duck-typed models from before
the contract keep working unchanged. An object without those two methods is refused with a
``ModelError`` that says what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Iterable

from .errors import ModelError
from .properties import Property, declared_assumptions, declared_properties

REQUIRED = ("init_states", "next_steps")
OPTIONAL = (
    "successors",
    "canonical",
    "fair_actions",
    "stuttering",
    "symmetric_fairness",
    "describe_changes",
    "diagram",
    "summary",
    "name",
    "params",
    "PARAMS",
    "weighted_next_steps",
    "state_data",
    "ample_steps",
)


class Model:
    """Base class of every model the engine explores (see the module docstring)."""

    #: The model's name in reports and JSON (``""``: the class name is used).
    name: ClassVar[str] = ""
    #: The parameter values this instance was built with (shown in JSON reports).
    params: Mapping[str, Any] = MappingProxyType({})
    #: Declared parameters (name, default, help) for ``replcheck list``; empty by default.
    PARAMS: ClassVar[tuple] = ()
    #: Optional ``successors(state)``: the states of ``next_steps(state)``, in the same order,
    #: as a list or tuple, without labels. The search then never builds labels (only traces
    #: need them). It is compared with ``next_steps`` on the initial states; a disagreement
    #: is a ``ModelError``. ``None``: the search takes the states of ``next_steps``.
    successors: Callable[[Any], Iterable] | None = None
    #: Optional ``canonical(state)``: the representative of the state's symmetry class
    #: (e.g. interchangeable replicas sorted). ``None``: the model offers no symmetry
    #: reduction, and asking for one (``--symmetry``, ``symmetry = true``) is refused.
    canonical: Callable[[Any], Any] | None = None
    #: Optional partial-order reduction (``--por``, ``checker/por.py``):
    #: ``ample_steps(state, steps, observed)`` gets a state, the list of its
    #: ``(action, next_state)`` pairs in ``next_steps`` order, and the names of the
    #: properties being checked, and returns the indices of an ample set of those steps, or
    #: None to expand them all. By returning a proper subset the model vouches for two
    #: things the engine cannot see: the set is *persistent* (on every path from ``state``
    #: that takes none of its steps, every step is independent of each of them: both orders
    #: are possible and reach the same state) and *invisible* (none of its steps changes the
    #: value of an observed property, in any state where it is enabled). The engine adds the
    #: rest: a non-empty set, a step that visibly changes a property here is a
    #: ``ModelError``, and the cycle proviso. ``None`` (the default): no reduction.
    ample_steps: Callable[[Any, list, frozenset], Iterable[int] | None] | None = None
    #: The weakly fair action classes (a set, or a method returning one). An action's class
    #: is ``action.kind`` when it has one, else the action. ``None``: no fairness declared,
    #: so liveness properties are UNKNOWN; an empty set means "nothing is fair".
    fair_actions: frozenset | Callable[[], Iterable] | None = None
    #: False: a behaviour may stop only in a state without successors. True (TLA+'s
    #: reading): it may stop wherever no fair action is enabled.
    stuttering: ClassVar[bool] = False
    #: True vouches that fair action classes, assumptions and liveness properties are
    #: invariant under ``canonical``; liveness under symmetry is refused otherwise.
    symmetric_fairness: ClassVar[bool] = False
    #: Optional ``weighted_next_steps(state)``: the ``(action, next_state, weight)`` triples
    #: out of ``state``, for probabilistic questions (``checker.probability``). A weight is
    #: an exact positive rational (``int`` or ``fractions.Fraction``; floats are refused as
    #: inexact) and the weights out of one state sum to 1: the model is then a discrete-time
    #: Markov chain. A weight of ``None`` marks an unweighted, adversarial choice; a state's
    #: steps are either all weighted or all ``None`` (a Markov decision process, whose
    #: probabilities exist only as worst-case bounds). It should offer the same steps as
    #: ``next_steps``, so ``check`` and the probability agree on what is reachable.
    #: ``None``: the model is not probabilistic, and probabilistic questions are refused.
    weighted_next_steps: Callable[[Any], Iterable[tuple[Any, Any, Any]]] | None = None

    def init_states(self) -> Iterable:
        """The initial states. Required."""
        raise NotImplementedError(f"{type(self).__name__} must define init_states()")

    def next_steps(self, state) -> Iterable[tuple[Any, Any]]:
        """The ``(action, next_state)`` pairs out of ``state``, in a fixed order. Required."""
        raise NotImplementedError(f"{type(self).__name__} must define next_steps(state)")

    def properties(self) -> list[Property]:
        """The declared properties (``@always`` and friends), base classes first; a subclass
        switches an inherited one off by setting its name to ``None``."""
        return declared_properties(self)

    def assumptions(self) -> list[Property]:
        """The ``@assume_infinitely_often`` predicates that restrict fair behaviours."""
        return declared_assumptions(self)

    def describe_changes(self, previous, current) -> list[str]:
        """What one step changed, one short phrase per change, for traces. The default is
        a structural diff (NamedTuple fields and tuple positions) of the two states."""
        return list(structural_diff("state", previous, current))

    def state_data(self, state) -> dict[str, Any]:
        """The state as data for ITF and JSON traces: variable name -> Python value (ints,
        strings, bools, tuples, sets, mappings, NamedTuples, dataclasses). The default reads a
        NamedTuple's or dataclass's fields, else one variable ``state`` (``checker.itf``)."""
        from .itf import generic_variables

        return generic_variables(state)

    def diagram(self, trace, prop):
        """A ``checker.diagram.Diagram`` of ``trace`` for ``--out``, or None (the default:
        no diagram, only text and JSON are written)."""
        return None

    def summary(self) -> str:
        """A one-line description of this instance's parameters for ad hoc runs (``""``)."""
        return ""

    def display_name(self) -> str:
        """``name``, or the class name when the model sets none."""
        return self.name or type(self).__name__


class ForeignModel(Model):
    """A ``Model`` view of an object that has ``init_states`` and ``next_steps`` but does
    not subclass ``Model``: every member of the contract the object defines is taken from
    it, the rest are ``Model``'s defaults. Its properties are the object's."""

    name = ""  # a plain attribute here, so __init__ may take the object's

    def __init__(self, inner):
        self.inner = inner
        for member in REQUIRED + OPTIONAL:
            if hasattr(inner, member):  # the one place the contract is probed
                setattr(self, member, getattr(inner, member))
        if not self.name:
            self.name = type(inner).__name__

    def properties(self) -> list[Property]:
        """The inner object's declared properties."""
        return declared_properties(self.inner)

    def assumptions(self) -> list[Property]:
        """The inner object's declared assumptions."""
        return declared_assumptions(self.inner)


def as_model(obj) -> Model:
    """``obj`` itself when it is a ``Model``; a ``ForeignModel`` around it when it has
    callable ``init_states`` and ``next_steps``; otherwise a ``ModelError`` naming what is
    missing."""
    if isinstance(obj, Model):
        return obj
    missing = [m for m in REQUIRED if not callable(getattr(obj, m, None))]
    if missing:
        raise ModelError(
            f"{type(obj).__name__} is not a model: it has no "
            f"{' and no '.join(m + '()' for m in missing)}; subclass "
            f"replcheck.checker.Model and define init_states() and next_steps(state)"
        )
    return ForeignModel(obj)


def offers_symmetry(model_or_class) -> bool:
    """Whether a model (or a model class) defines ``canonical``, i.e. symmetry reduction."""
    if isinstance(model_or_class, type):
        return callable(getattr(model_or_class, "canonical", None))
    return callable(as_model(model_or_class).canonical)


def declared_params(model_or_class) -> tuple:
    """The ``PARAMS`` a model (or model class) declares; ``()`` when it declares none."""
    return tuple(getattr(model_or_class, "PARAMS", None) or ())


def structural_diff(path: str, a, b):
    """Phrases ``path: a -> b`` for each differing leaf, descending into NamedTuple fields
    and equal-length tuples."""
    if a == b:
        return
    fields = getattr(type(a), "_fields", None)
    if fields and type(a) is type(b):
        for name in fields:
            yield from structural_diff(f"{path}.{name}", getattr(a, name), getattr(b, name))
    elif isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from structural_diff(f"{path}[{i}]", x, y)
    else:
        yield f"{path}: {a!r} -> {b!r}"
