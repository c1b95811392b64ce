"""Partial-order reduction (--por): the same safety verdicts as the full search on every
leaderless spec and on generated configurations, real traces, the engine's own checks of a
model's ample sets, and the refusals."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replcheck.checker import Model, ModelError, ReplcheckError, Verdict, always, check, sometimes
from replcheck.checker.properties import LIVENESS, declared_properties
from replcheck.checker.spec import load_spec
from replcheck.models.leaderless import Leaderless

ROOT = Path(__file__).resolve().parent.parent
# Two specs take 30 s and 160 s per exploration on a loaded two-core machine; they run when
# REPLCHECK_SLOW_TESTS=1 (docs/scaling.md gives their figures: same verdicts).
SLOW_SPECS = {"n3_w2_r2_blocking_repair", "n3_w2_r2_sloppy"}
LEADERLESS_SPECS = [
    p
    if p.stem not in SLOW_SPECS
    else pytest.param(
        p, marks=pytest.mark.skipif(not os.environ.get("REPLCHECK_SLOW_TESTS"), reason="slow; REPLCHECK_SLOW_TESTS=1")
    )
    for p in sorted((ROOT / "specs" / "leaderless").glob("*.toml"))
]


def safety_names(model, names=None) -> list[str]:
    return [p.name for p in declared_properties(model) if p.kind not in LIVENESS and (names is None or p.name in names)]


def assert_real_trace(model, trace) -> None:
    """Each step of ``trace`` is a step of the unreduced model from the previous state."""
    states = trace.states
    assert states[0] in list(model.init_states())
    for before, step in zip(states, trace.steps[1:]):
        assert any(str(a) == str(step.action) and t == step.state for a, t in model.next_steps(before)), step.action


def compare(build, properties, symmetry=False):
    full_model, por_model = build(), build()
    sym = (lambda m: m.canonical) if symmetry else (lambda m: None)
    full = check(full_model, properties=properties, symmetry=sym(full_model), stop_when_decided=False)
    reduced = check(por_model, properties=properties, symmetry=sym(por_model), por=True, stop_when_decided=False)
    assert reduced.verdicts() == full.verdicts()
    assert reduced.stats.complete and full.stats.complete
    assert reduced.stats.states <= full.stats.states
    for p in reduced.properties:
        if p.trace is not None:
            assert_real_trace(por_model, p.trace)
            assert len(p.trace) >= len(full[p.name].trace)
    return full, reduced


@pytest.mark.parametrize("path", LEADERLESS_SPECS, ids=lambda p: getattr(p, "stem", None))
def test_same_verdicts_on_every_leaderless_spec(path):
    spec = load_spec(path)
    model = spec.build()
    compare(spec.build, safety_names(model, spec.properties), symmetry=spec.symmetry)


def test_the_reduction_is_real_and_pinned():
    # Only history properties: put deliveries to a replica no read will ask are then invisible.
    names = ["read_your_writes", "linearizable", "write_acknowledged"]
    full, reduced = compare(lambda: Leaderless(n=3, w=2, r=2), names)
    assert (full.stats.states, reduced.stats.states) == (247, 223)
    assert reduced.meta["por"]["reduced_expansions"] == 48
    full, reduced = compare(lambda: Leaderless(n=3, w=1, r=1, clients=("w", "r")), names)
    assert (full.stats.states, reduced.stats.states) == (1604, 1442)


configs = st.fixed_dictionaries(
    {
        "n": st.integers(1, 3),
        "w": st.integers(1, 3),
        "r": st.integers(1, 3),
        "clients": st.sampled_from([("w r",), ("w", "r"), ("w w",), ("r", "w"), ("w r:y", "w:y")]),
        "read_repair": st.sampled_from(["off", "async", "blocking"]),
        "recover": st.booleans(),
        "durable": st.booleans(),
        "fault": st.sampled_from([None, "crashes", "drops", "partitions"]),  # one kind keeps it small
    }
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs, st.booleans())
def test_same_verdicts_on_generated_configurations(params, history_only):
    fault = params.pop("fault")
    if fault:
        params[fault] = 1
    params["w"] = min(params["w"], params["n"])
    params["r"] = min(params["r"], params["n"])
    model = Leaderless(**params)
    names = safety_names(model)
    if history_only:  # lets the put deliveries be reduced too
        names = [n for n in names if n not in ("durable_acks",)]
    if not check(model, properties=names, max_states=4000, stop_when_decided=False).stats.complete:
        return  # too large for the suite's budget; the comparison needs complete searches
    compare(lambda: Leaderless(**params), names)


class Independent(Model):
    """Two counters that count up to ``k`` independently, and wrap around (a cycle) when
    ``wrap``: every interleaving reaches the same states, so one order suffices."""

    def __init__(self, k: int = 4, wrap: bool = False, lie: str = ""):
        self.k, self.wrap, self.lie = k, wrap, lie

    def init_states(self):
        return [(0, 0)]

    def next_steps(self, s):
        a, b = s
        if a < self.k or self.wrap:
            yield "a", ((a + 1) % (self.k + 1), b)
        if b < self.k or self.wrap:
            yield "b", (a, (b + 1) % (self.k + 1))

    def ample_steps(self, s, steps, observed):
        if self.lie == "empty":
            return []
        if self.lie == "visible":
            return [len(steps) - 1]  # the "b" step, which can break b_small
        # "a" steps never change b_small; a lone "a" step is persistent (nothing disables it).
        return [0] if len(steps) == 2 and steps[0][0] == "a" else None

    @always
    def b_small(self, s):
        """b stays below k"""
        return s[1] < self.k

    @sometimes
    def corner(self, s):
        """b reaches k - 1"""
        return s[1] == self.k - 1


def test_independent_steps_explore_one_order():
    full = check(Independent(6), stop_when_decided=False)
    reduced = check(Independent(6), por=True, stop_when_decided=False)
    assert full.stats.states == 49
    assert reduced.stats.states < 20
    assert reduced.verdicts() == full.verdicts() == {"b_small": Verdict.VIOLATED, "corner": Verdict.HOLDS}
    assert_real_trace(Independent(6), reduced["b_small"].trace)


def test_the_cycle_proviso_expands_fully_where_an_ample_step_closes_a_cycle():
    reduced = check(Independent(3, wrap=True), por=True, stop_when_decided=False)
    full = check(Independent(3, wrap=True), stop_when_decided=False)
    assert reduced.verdicts() == full.verdicts()
    assert reduced.meta["por"]["proviso_expansions"] > 0


def test_the_engine_refuses_an_empty_or_visible_ample_set():
    with pytest.raises(ModelError, match="non-empty"):
        check(Independent(3, lie="empty"), por=True)
    with pytest.raises(ModelError, match="changes property 'b_small'"):
        check(Independent(3, lie="visible"), por=True, properties=["b_small"])


def test_a_model_without_the_hook_is_not_reduced():
    reduced = check(Counterless(), por=True, stop_when_decided=False)
    assert reduced.stats.states == check(Counterless(), stop_when_decided=False).stats.states
    assert reduced.meta["por"] == {
        "reduced_expansions": 0,
        "full_expansions": reduced.stats.states,
        "proviso_expansions": 0,
        "steps_not_taken": 0,
    }


class Counterless(Independent):
    ample_steps = None


def test_liveness_is_refused():
    with pytest.raises(ReplcheckError, match="liveness"):
        check(Leaderless(n=3, w=2, r=2), por=True)


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "replcheck", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_cli_reports_the_reduction_and_refuses_liveness_in_one_line():
    done = cli(
        "check",
        "leaderless",
        "n=3",
        "w=2",
        "r=2",
        "--por",
        "--por-baseline",
        "--property",
        "read_your_writes",
        "--property",
        "linearizable",
        "--property",
        "write_acknowledged",
    )
    assert done.returncode == 0, done.stderr
    assert "states: 247 without --por, 223 with (reduction 1.11x)" in done.stdout
    assert "may not be the shortest" in done.stdout
    refused = cli("check", "leaderless", "n=3", "--por")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "liveness" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_cli_json_carries_the_reduction():
    import json

    done = cli(
        "check",
        "leaderless",
        "n=3",
        "w=2",
        "r=2",
        "--por",
        "--por-baseline",
        "--json",
        "--property",
        "read_your_writes",
    )
    assert done.returncode == 0, done.stderr
    por = json.loads(done.stdout)["por"]
    assert por["states_without_por"] == 247 and por["states"] < 247
    assert por["reduction_factor"] == round(247 / por["states"], 3)
