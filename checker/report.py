"""Turning a Result into what people and programs read: text lines and JSON.

A step's changes are the model's ``describe_changes(previous, current)`` (``Model``'s
default is a structural diff of the two states).
"""

from collections.abc import Mapping

from .itf import encoded_state
from .model import as_model
from .result import PropertyResult, Result, Verdict


def state_changes(model, previous, current) -> list[str]:
    """What changed between two consecutive states, one short phrase per change."""
    return list(as_model(model).describe_changes(previous, current))


def trace_lines(model, trace, indent: str = "  ", loop_start: int | None = None) -> list[str]:
    """The trace as numbered steps, each followed by what it changed. For a lasso, the
    steps after state ``loop_start`` are marked as the loop that repeats for ever."""
    model = as_model(model)
    lines = []
    if loop_start == 0:
        lines.append(f"{indent}    -- the loop starts in the initial state and repeats for ever --")
    for i, step in enumerate(trace.steps[1:], start=1):
        if loop_start is not None and i == loop_start + 1 and loop_start > 0:
            lines.append(f"{indent}    -- loop: from the state after step {loop_start}, these steps repeat for ever --")
        lines.append(f"{indent}{i:>2}. {step.action}")
        for change in state_changes(model, trace.steps[i - 1].state, step.state):
            lines.append(f"{indent}      {change}")
    if loop_start is not None and 0 < loop_start == len(trace):
        lines.append(
            f"{indent}    -- from the state after step {loop_start} nothing fair is left to do: it stays so for ever --"
        )
    return lines


def verdict_line(p: PropertyResult, expected: str | None) -> str:
    """``  read_your_writes     VIOLATED  trace 6   (expected VIOLATED: ok)``."""
    if p.trace is not None:
        detail = f"{'witness' if p.kind == 'sometimes' else 'trace'} {len(p.trace)}"
        if p.loop_start is not None:
            detail = f"lasso {len(p.trace)}, loop starts at step {p.loop_start}, repeats for ever"
    else:
        detail = p.reason
    mark = ""
    if expected is not None:
        mark = f"  expected {expected}: " + ("ok" if expected == p.verdict.value else "MISMATCH")
    return f"  {p.name:<40} {p.verdict.value:<8}  {detail}{mark}".rstrip()


def stats_line(result: Result) -> str:
    """The statistics of a run in one or two indented lines: states, transitions, depth, time,
    rate, and how the search ended."""
    s = result.stats
    how = "complete" if s.complete else f"incomplete, stopped by {s.stopped_by}"
    if s.stopped_by == "decided":
        how = "stopped once every property was decided"
    line = (
        f"  {s.states:,} states, {s.transitions:,} transitions, depth {s.depth}, "
        f"{s.seconds:.2f} s, {s.states_per_second:,.0f} states/s ({how})"
    )
    if not s.complete and s.stopped_by not in ("decided", "max_depth") and s.levels:
        line += "\n" + _growth_line(s)
    if s.visited_bytes:
        line += (
            f"\n  fingerprints: {s.visited_bytes / max(s.states, 1):.0f} bytes per state, "
            f"chance of a collision {s.collision_chance:.1e}"
        )
    return line


def _growth_line(s) -> str:
    # Why a search did not finish: how many states each level held, and how fast the levels
    # were still widening, which tells how far from complete the search was.
    shown = [f"{n:,}" for n in s.levels]
    if len(shown) > 12:
        shown = shown[:3] + ["..."] + shown[-8:]
    cut = " (the last one cut short)" if s.last_level_partial else ""
    line = f"  states per level: {', '.join(shown)}{cut}"
    if s.growth is not None:
        line += f"; each full level still held {s.growth:.1f}x the one before when the search stopped"
    return line


def result_json(model, result: Result, spec=None, mismatches=None, timings: bool = True) -> dict:
    """Everything as plain JSON data: verdicts, statistics, traces with their changes.

    ``timings=False`` leaves out the wall-clock figures (seconds, states per second), so
    files written under ``--out`` are the same bytes on every run.
    """
    model = as_model(model)
    s = result.stats
    stats = {
        "states": s.states,
        "transitions": s.transitions,
        "depth": s.depth,
        "seconds": round(s.seconds, 3),
        "states_per_second": round(s.states_per_second),
        "complete": s.complete,
        "stopped_by": s.stopped_by,
        "levels": list(s.levels),
    }
    if not timings:
        del stats["seconds"], stats["states_per_second"]
    out = {
        "model": model.display_name(),
        "params": _jsonable(model.params),
        "stats": stats,
        "properties": [_property_json(model, p, spec) for p in result.properties],
    }
    if spec is not None:
        out["spec"] = spec.where
        out["title"] = spec.title
        out["mismatches"] = mismatches or []
    return out


def _property_json(model, p: PropertyResult, spec) -> dict:
    out = {"name": p.name, "kind": p.kind, "verdict": p.verdict.value, "description": p.description}
    if spec is not None and p.name in spec.expect:
        out["expected"] = spec.expect[p.name]
    if p.reason:
        out["reason"] = p.reason
    if p.loop_start is not None:
        out["loop_start"] = p.loop_start
    if p.trace is not None:
        # The state as data (ITF-encoded values: checker.itf), beside the prose changes.
        out["initial_state"] = encoded_state(model, p.trace.steps[0].state)
        out["trace"] = [
            {
                "step": i,
                "action": str(step.action),
                "changes": state_changes(model, p.trace.steps[i - 1].state, step.state),
                "state": encoded_state(model, step.state),
            }
            for i, step in enumerate(p.trace.steps[1:], start=1)
        ]
    return out


def _jsonable(value):
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def is_failure(p: PropertyResult) -> bool:
    """Ad hoc runs fail on a violated safety or liveness property; witnesses are informative."""
    return p.kind != "sometimes" and p.verdict == Verdict.VIOLATED
