"""The availability witnesses mean what their names say (issue 13, first wrong answer).

``write_acknowledged_while_a_home_is_down`` and ``write_acknowledged_while_original_leader_down``
used to hold as soon as the last event was a write acknowledgement and a replica was down,
so a crash *after* the acknowledgement satisfied them: N=3 W=3 with one crash and N=1 W=1
were reported available, against the z3 proof. These tests fail on that old code.
"""

from pathlib import Path

import pytest

from replcheck.checker import Verdict, check
from replcheck.checker.spec import load_spec
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.leaderless import Leaderless

SPECS = Path(__file__).resolve().parent.parent / "specs"

HOME_DOWN = "write_acknowledged_while_a_home_is_down"
LEADER_DOWN = "write_acknowledged_while_original_leader_down"


def _witness(model, name):
    result = check(model, properties=[name], symmetry=getattr(model, "canonical", None))
    assert result.stats.complete or result[name].verdict is Verdict.HOLDS
    return result[name]


@pytest.mark.parametrize("n, w, crashes", [(3, 3, 1), (1, 1, 1), (5, 5, 2), (2, 2, 1)])
def test_no_write_is_acknowledged_while_a_needed_replica_is_down(n, w, crashes):
    # W = N: every home must acknowledge, so no write completes with a home down throughout
    # (replcheck prove availability n=N q=W f=crashes says the same).
    got = _witness(Leaderless(n=n, w=w, r=1, crashes=crashes), HOME_DOWN)
    assert got.verdict is Verdict.VIOLATED


def test_with_recovery_a_write_acknowledged_by_every_home_is_still_no_witness():
    # The home comes back and acknowledges: it was not down for the whole write.
    got = _witness(Leaderless(n=2, w=2, r=1, crashes=1, recover=True), HOME_DOWN)
    assert got.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("n, w, crashes", [(3, 2, 1), (5, 3, 2), (3, 1, 2)])
def test_a_spare_quorum_acknowledges_with_a_home_down(n, w, crashes):
    got = _witness(Leaderless(n=n, w=w, r=1, crashes=crashes), HOME_DOWN)
    assert got.verdict is Verdict.HOLDS


def _down_before_invocation(actions, down_word):
    """The index of the first crash/partition and of the invocation of the acknowledged write."""
    texts = [str(a) for a in actions]
    fault = next(i for i, t in enumerate(texts) if down_word(t))
    invoke = max(i for i, t in enumerate(texts) if "invokes write" in t)
    return fault, invoke, texts


@pytest.mark.parametrize(
    "stem", ["n3_w2_r2_crash", "n5_w3_r3_two_crashes", "n3_w2_r2_sloppy", "n3_w1_r1_crash_loses_write"]
)
def test_leaderless_spec_witnesses_put_the_fault_before_the_write(stem):
    spec = load_spec(SPECS / "leaderless" / f"{stem}.toml")
    model = spec.build()
    got = _witness(model, HOME_DOWN)
    assert got.verdict is Verdict.HOLDS
    fault, invoke, texts = _down_before_invocation(
        got.trace.actions, lambda t: t.endswith("crashes") or t.startswith("partition ")
    )
    assert fault < invoke, texts
    assert not any("recovers" in t or "heals" in t for t in texts[fault:]), texts
    assert texts[-1].startswith("c") and "receives ack" in texts[-1], texts


@pytest.mark.parametrize(
    "stem",
    [
        "election_w1_rollback",
        "election_majority_crash",
        "async_failover_loses_write",
        "sync_flushed_failover_keeps_write",
    ],
)
def test_leader_follower_witnesses_crash_n0_before_the_write(stem):
    spec = load_spec(SPECS / "leader_follower" / f"{stem}.toml")
    got = _witness(spec.build(), LEADER_DOWN)
    assert got.verdict is Verdict.HOLDS
    fault, invoke, texts = _down_before_invocation(got.trace.actions, lambda t: t == "n0 crashes")
    assert fault < invoke, texts
    assert "n0 recovers" not in texts[fault:], texts


def test_leader_follower_crash_after_the_acknowledgement_is_no_witness():
    # Failover "none": n0 is the only leader, so no write can be acknowledged while it is
    # down for the whole write; the old witness accepted a crash right after the ack.
    model = LeaderFollower(followers=1, failover="none", crashes=1, recover=True)
    assert _witness(model, LEADER_DOWN).verdict is Verdict.VIOLATED
