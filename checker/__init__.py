"""replcheck's engine: explicit-state breadth-first model checking.

It knows nothing about replication. A model subclasses ``Model`` (``model.py`` declares the
contract: ``init_states()``, ``next_steps(state)`` yielding ``(action, next_state)`` pairs,
properties declared with ``@always`` / ``@sometimes`` / ``@eventually`` and friends, and
every optional member with its default). ``check(model)`` returns a ``Result``.

The Python API, for a project's own test suite (docs/models.md walks through it)::

    from replcheck.checker import Verdict, check, trace_lines
    result = check(MyModel(n=2))                  # or check(model, max_states=..., ...)
    assert result["safe"].verdict is Verdict.HOLDS
    bad = result["no_lost_write"]                 # a PropertyResult
    print("\\n".join(trace_lines(model, bad.trace)))  # the shortest counterexample, in words
"""

from .errors import ModelError, ParameterError, ReplcheckError, SpecError, UsageError
from .properties import always, always_eventually, assume_infinitely_often, eventually, eventually_always, sometimes
from .model import Model, as_model
from .report import trace_lines
from .result import PropertyResult, Result, Stats, Step, Trace, Verdict
from .search import check

__all__ = [
    "check",
    "Model",
    "as_model",
    "always",
    "sometimes",
    "eventually",
    "always_eventually",
    "eventually_always",
    "assume_infinitely_often",
    "Result",
    "PropertyResult",
    "Stats",
    "Step",
    "Trace",
    "Verdict",
    "ModelError",
    "SpecError",
    "ParameterError",
    "ReplcheckError",
    "UsageError",
    "trace_lines",
]
