"""replcheck's engine: explicit-state breadth-first model checking.

It knows nothing about replication. A model is any object with ``init_states()``,
``next_steps(state)`` yielding ``(action, next_state)`` pairs, and properties declared
with ``@always`` / ``@sometimes`` / ``@eventually``. ``check(model)`` returns a ``Result``.
A model may also define ``successors(state)``: the states of ``next_steps(state)``, in the
same order, as a list; the search then never builds labels, which only traces need.
"""

from .errors import ModelError, ParameterError, ReplcheckError, SpecError, UsageError
from .properties import (always, always_eventually, assume_infinitely_often, eventually,
                         eventually_always, sometimes)
from .result import PropertyResult, Result, Stats, Step, Trace, Verdict
from .search import check

__all__ = ["check", "always", "sometimes", "eventually", "always_eventually",
           "eventually_always", "assume_infinitely_often", "Result", "PropertyResult",
           "Stats", "Step", "Trace", "Verdict", "ModelError", "SpecError",
           "ParameterError", "ReplcheckError", "UsageError"]
