"""Declaring the properties of a model: ``@always``, ``@sometimes``, ``@eventually``.

A property is a method ``def name(self, state) -> bool`` on the model class:

* ``@always`` -- a safety invariant: true in every reachable state. One reachable state
  where it is false is a counterexample.
* ``@sometimes`` -- a reachability witness: true in at least one reachable state. Every
  model should have one, so that a model which cannot do anything fails loudly.
* ``@eventually`` -- liveness: on every fair behaviour the predicate becomes true. The engine
  accepts the declaration but does not decide liveness yet; such properties are reported
  UNKNOWN with that reason, never HOLDS.

The first line of the docstring is the property's one-line description in ``replcheck list``.
"""

from dataclasses import dataclass
from typing import Callable

ALWAYS, SOMETIMES, EVENTUALLY = "always", "sometimes", "eventually"
_MARK = "_replcheck_property_kind"


def _mark(kind: str) -> Callable:
    def decorate(fn: Callable) -> Callable:
        setattr(fn, _MARK, kind)
        return fn
    return decorate


always = _mark(ALWAYS)
sometimes = _mark(SOMETIMES)
eventually = _mark(EVENTUALLY)


@dataclass(frozen=True)
class Property:
    """One declared property, bound to a model instance."""

    name: str
    kind: str
    predicate: Callable
    description: str


def first_line(doc: str | None) -> str:
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
