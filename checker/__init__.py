"""replcheck's engine: explicit-state breadth-first model checking.

It knows nothing about replication. A model subclasses ``Model`` (``model.py`` declares the
contract: ``init_states()``, ``next_steps(state)`` yielding ``(action, next_state)`` pairs,
properties declared with ``@always`` / ``@sometimes`` / ``@eventually`` and friends, and
every optional member with its default). ``check(model)`` returns a ``Result``.
"""

from .errors import ModelError, ParameterError, ReplcheckError, SpecError, UsageError
from .properties import (always, always_eventually, assume_infinitely_often, eventually,
                         eventually_always, sometimes)
from .model import Model, as_model
from .result import PropertyResult, Result, Stats, Step, Trace, Verdict
from .search import check

__all__ = ["check", "Model", "as_model", "always", "sometimes", "eventually", "always_eventually",
           "eventually_always", "assume_infinitely_often", "Result", "PropertyResult",
           "Stats", "Step", "Trace", "Verdict", "ModelError", "SpecError",
           "ParameterError", "ReplcheckError", "UsageError"]
