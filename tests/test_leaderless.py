"""The leaderless family: pinned counterexamples, diagrams, determinism, replayable traces."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from replcheck.checker import ParameterError, Verdict, check
from replcheck.checker.diagram import to_dot
from replcheck.models.leaderless import Leaderless

GOLDEN = Path(__file__).resolve().parent / "golden"


def actions(trace):
    return [str(a) for a in trace.actions]


def test_stale_read_trace_is_pinned():
    r = check(Leaderless(n=3, w=1, r=1))
    assert actions(r["read_your_writes"].trace) == [
        "c0 invokes write x=1",
        "n0 receives put(x=1@1) from c0",
        "c0 receives ack from n0",
        "c0 invokes read x",
        "n1 receives get(x) from c0",
        "c0 receives got(init@0) from n1",
    ]


def test_new_old_inversion_trace_is_pinned():
    m = Leaderless(clients=["w", "r r"])
    r = check(m, properties=["linearizable"])
    assert actions(r["linearizable"].trace) == [
        "c0 invokes write x=1",
        "c1 invokes read x",
        "n0 receives put(x=1@1) from c0",
        "n0 receives get(x) from c1",
        "n1 receives get(x) from c1",
        "c1 receives got(1@1) from n0",
        "c1 receives got(init@0) from n1",
        "c1 invokes read x",
        "n1 receives get(x) from c1",
        "n2 receives get(x) from c1",
        "c1 receives got(init@0) from n1",
        "c1 receives got(init@0) from n2",
    ]


def test_sloppy_quorum_trace_ends_with_a_read_at_the_homes():
    m = Leaderless(sloppy=True, partitions=1)
    r = check(m, properties=["read_your_writes"], symmetry=m.canonical)
    labels = actions(r["read_your_writes"].trace)
    assert len(labels) == 13
    assert any("spare s0" in a for a in labels) and "partition heals" in labels
    assert labels[-1].startswith("c0 receives got(init@0)")


def test_crash_loses_acknowledged_write_with_w1():
    r = check(Leaderless(w=1, r=1, clients=["w"], crashes=1))
    assert actions(r["durable_acks"].trace) == [
        "c0 invokes write x=1",
        "n0 receives put(x=1@1) from c0",
        "c0 receives ack from n0",
        "n0 crashes",
    ]


def test_blocking_read_repair_waits_for_the_write_back():
    m = Leaderless(clients=["w r"], read_repair="blocking")
    r = check(m)
    assert r["read_your_writes"].verdict == Verdict.HOLDS
    assert r["read_returns_a_write"].trace is not None
    assert any("put(x=1@1)" in a for a in actions(r["read_returns_a_write"].trace)[6:])


@pytest.mark.parametrize(
    "given, fragment",
    [
        (dict(n=3, w=4), "lower w or raise n"),
        (dict(n=2, r=3), "lower r or raise n"),
        (dict(w=0), "at least 1"),
        (dict(read_repair="eager"), "one of off, async, blocking"),
        (dict(clients=["w q"]), "unknown operation"),
        (dict(colour=1), "unknown parameter"),
    ],
)
def test_parameters_are_validated(given, fragment):
    with pytest.raises(ParameterError, match=fragment):
        Leaderless(**given)


def test_golden_dot_for_the_stale_read():
    m = Leaderless(n=3, w=1, r=1)
    p = check(m)["read_your_writes"]
    dot = to_dot(m.diagram(p.trace, p))
    golden = GOLDEN / "leaderless_n3_w1_r1_ryw.dot"
    if os.environ.get("REPLCHECK_UPDATE_GOLDEN"):
        golden.write_text(dot)
    assert dot == golden.read_text()
    assert "c0 read x=init after its write x=1 was acknowledged" in dot


def test_dot_is_byte_identical_whatever_the_hash_seed(tmp_path):
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "replcheck.checker",
                "check",
                "leaderless",
                "sloppy=true",
                "partitions=1",
                "--symmetry",
                "--property",
                "read_your_writes",
                "--out",
                str(out),
                "--quiet",
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        outs.append((out / "leaderless_partitions=1_sloppy=true" / "read_your_writes.dot").read_bytes())
    assert outs[0] == outs[1] and outs[0]


configs = st.fixed_dictionaries(
    {
        "n": st.integers(2, 3),
        "w": st.integers(1, 3),
        "r": st.integers(1, 3),
        "read_repair": st.sampled_from(["off", "async"]),
        "crashes": st.integers(0, 1),
        "drops": st.integers(0, 1),
    }
).filter(lambda c: c["w"] <= c["n"] and c["r"] <= c["n"])


@settings(max_examples=12)
@given(configs)
def test_every_violation_replays_and_ends_in_a_violating_state(config):
    m = Leaderless(**config)
    result = check(m, max_states=4000)
    for p in result.properties:
        if p.verdict != Verdict.VIOLATED or p.trace is None:
            continue
        steps = p.trace.steps
        assert steps[0].state in list(m.init_states())
        for before, after in zip(steps, steps[1:]):
            assert any(a == after.action and s == after.state for a, s in m.next_steps(before.state))
        if p.loop_start is not None:  # a liveness lasso; re-checked in test_liveness.py
            continue
        assert not p.predicate(steps[-1].state) if hasattr(p, "predicate") else not getattr(m, p.name)(steps[-1].state)
        assert all(getattr(m, p.name)(s.state) for s in steps[:-1])


@settings(max_examples=8)
@given(configs)
def test_symmetry_never_changes_a_verdict(config):
    m = Leaderless(**config)
    plain = check(m, max_states=20000, stop_when_decided=False)
    reduced = check(m, max_states=20000, symmetry=m.canonical, stop_when_decided=False)
    if plain.stats.complete and reduced.stats.complete:
        assert plain.verdicts() == reduced.verdicts()
        assert reduced.stats.states <= plain.stats.states
