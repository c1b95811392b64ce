"""Rebuilding a trace from parent pointers and replaying it through the model.

Replay is the guard against a model whose ``next_steps`` is not a function of the state:
if the stored path cannot be walked again step by step, the model is nondeterministic and
the trace would be a lie, so a ``ModelError`` says so instead.
"""

from typing import Callable

from .errors import ModelError
from .result import Step, Trace

NONDETERMINISM_HINT = (
    "next_steps must be a pure function of the state: the usual causes are reading mutable "
    "attributes of the model, random numbers, the clock, or iterating over a set or dict "
    "whose order depends on PYTHONHASHSEED"
)


def rebuild_trace(model, parent: dict, end_key, canon: Callable = lambda s: s) -> Trace:
    """The path of stored keys from an initial state to ``end_key``, replayed into a Trace.

    Under symmetry reduction the stored keys are class representatives; replay picks, at
    each step, the first successor (in ``next_steps`` order) whose representative is the
    next key, so the returned trace is a real behaviour of the unreduced model.
    """
    keys = [end_key]
    while parent[keys[-1]] is not None:
        keys.append(parent[keys[-1]])
    keys.reverse()
    current = next((s for s in model.init_states() if canon(s) == keys[0]), None)
    if current is None:
        raise ModelError(f"replay failed: the trace's first state is no longer an initial state; {NONDETERMINISM_HINT}")
    steps = [Step(None, current)]
    for depth, key in enumerate(keys[1:], start=1):
        step = next(((a, t) for a, t in model.next_steps(current) if canon(t) == key), None)
        if step is None:
            raise ModelError(
                f"replay failed at step {depth}: no action leads to the recorded next state; {NONDETERMINISM_HINT}"
            )
        current = step[1]
        steps.append(Step(step[0], current))
    return Trace(tuple(steps))
