"""The leader/follower model: every spec's verdicts and pinned state counts, the shortest
counterexamples of the headline anomalies, and parameter validation."""

import tomllib
from functools import lru_cache
from pathlib import Path

import pytest

from replcheck.checker import ParameterError, Verdict, check
from replcheck.checker.registry import model_class
from replcheck.models.leader_follower import Entry, LeaderFollower, versions

SPECS = Path(__file__).resolve().parent.parent / "specs" / "leader_follower"
SPEC_FILES = sorted(SPECS.glob("*.toml"))


def load(name: str) -> dict:
    return tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def explored(name: str):
    """Check a spec once per test session: (model, result)."""
    spec = load(name)
    model = LeaderFollower(**spec.get("params", {}))
    return model, check(model, **spec.get("bounds", {}))


def trace_of(name: str, prop: str) -> list[str]:
    _, result = explored(name)
    return [str(a) for a in result[prop].trace.actions]


def test_there_are_specs_and_the_model_is_registered():
    assert len(SPEC_FILES) >= 12
    assert model_class("leader_follower") is LeaderFollower


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_spec_verdicts_and_pinned_states(path):
    spec = load(path.stem)
    assert spec["model"] == "leader_follower"
    assert spec["expect"], "a spec must expect something"
    assert "docs/databases.md" in spec["description"] or "https://" in spec["description"], (
        "say which real setting this is and cite where its verdict comes from"
    )
    model, result = explored(path.stem)
    assert result.stats.complete
    got = {name: result[name].verdict.value for name in spec["expect"]}
    assert got == spec["expect"]
    assert result.stats.states == spec["pin"]["states"]


# --- the headline counterexamples, exactly -----------------------------------------------------


def test_async_failover_loses_an_acknowledged_write():
    assert trace_of("async_failover_loses_write", "durable_acks") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
        "failover tool promotes f1 to leader (term 2); f2 now follows it",
        "n0 recovers",
        "n0 rejoins as follower of f1 (term 2), rolling back n0: x=1",
    ]
    # The rollback is recorded in the state, so a diagram can show it.
    model, result = explored("async_failover_loses_write")
    last = result["durable_acks"].trace.states[-1]
    assert last.nodes[0].rolled_back == (1,)


def test_the_sync_twin_keeps_the_write_and_stays_available():
    _, result = explored("sync_flushed_failover_keeps_write")
    assert result["durable_acks"].verdict == Verdict.HOLDS
    witness = [str(a) for a in result["write_acknowledged_while_original_leader_down"].trace.actions]
    assert "n0 crashes" in witness and witness[-1].startswith("c0 receives ok(")


def test_promote_any_rolls_back_the_follower_that_acknowledged():
    assert trace_of("sync_promote_any_loses_write", "durable_acks") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "f1 receives append(t1: x=1) from n0",
        "f1 flushes its log to disk (up to entry 1)",
        "n0 receives ack(t1, 1) from f1",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
        "failover tool promotes f2 to leader (term 2); f1 now follows it, rolling back f1: x=1",
        "n0 recovers",
        "n0 rejoins as follower of f2 (term 2), rolling back n0: x=1",
    ]


def test_split_brain_without_fencing():
    assert trace_of("split_brain_no_fencing", "single_leader") == [
        "partition {n0} | rest",
        "failover tool promotes f1 to leader (term 2); f2 now follows it",
    ]
    assert trace_of("split_brain_no_fencing", "linearizable") == [
        "partition {n0,c0} | rest",
        "failover tool promotes f1 to leader (term 2); f2 now follows it",
        "c1 invokes write x=1 at f1",
        "f1 receives write(x=1) from c1",
        "f2 receives append(t2: x=1) from f1",
        "f1 receives ack(t2, 1) from f2",
        "c1 receives ok(1@2.1) from f1",
        "c0 invokes read x at n0",
        "n0 receives read(x) from c0",
        "c0 receives value(init@0.0) from n0",
    ]


def test_a_deposed_leader_serves_stale_local_reads_under_election():
    actions = trace_of("election_majority_local_reads_stale", "linearizable")
    assert actions[:2] == ["partition {n0,c0} | rest", "f1 is elected leader for term 2 with votes from f1, f2"]
    assert actions[-1] == "c0 receives value(init@0.0) from n0"


def test_failover_is_what_makes_writes_available_while_the_leader_is_down():
    _, without = explored("no_failover_unavailable")
    _, with_tool = explored("sync_flushed_failover_keeps_write")
    name = "write_acknowledged_while_original_leader_down"
    assert without[name].verdict == Verdict.VIOLATED  # unreachable, after a complete search
    assert with_tool[name].verdict == Verdict.HOLDS


@pytest.mark.parametrize("name", ["any_follower_reads_go_back", "election_w1_rollback"])
def test_symmetry_between_followers_never_changes_a_verdict(name):
    model, plain = explored(name)
    assert model.symmetric_node_groups() == ((1, 2),)
    reduced = check(model, symmetry=model.canonical)
    assert reduced.verdicts() == plain.verdicts()
    assert reduced.stats.states < plain.stats.states
    for p in plain.properties:
        if p.trace is not None:
            assert len(reduced[p.name].trace) == len(p.trace)


def test_a_named_follower_or_a_priority_order_breaks_the_symmetry():
    assert LeaderFollower(reads="f1").symmetric_node_groups() == ()
    assert LeaderFollower(replication="sync").symmetric_node_groups() == ()  # order = first
    some = LeaderFollower(replication="sync", order="any", sync=["f1"])
    assert some.symmetric_node_groups() == ()
    assert LeaderFollower(replication="sync", order="any").symmetric_node_groups() == ((1, 2),)


# --- versions ------------------------------------------------------------------------------------


def test_versions_compare_by_the_log_prefix_order():
    m = LeaderFollower()
    log = (Entry(1, 0, 1), Entry(1, 0, 2), Entry(2, 0, 3))
    first, second, third = (versions(log, i) for i in (1, 2, 3))
    assert m.supersedes(second, first) and m.supersedes(third, first)
    assert not m.supersedes(first, second) and not m.supersedes(first, first)
    assert m.supersedes(first, ())  # every write supersedes the initial value
    # An entry of a later term on a branch that lacks (1, 2) does not supersede it.
    branch = versions((Entry(1, 0, 1), Entry(3, 0, 4)), 2)
    assert not m.supersedes(branch, second) and not m.supersedes(second, branch)


# --- parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, field, fragment",
    [
        ({"followers": 0}, "followers", "at least 1"),
        ({"followers": 5}, "followers", "at most 4"),
        ({"replication": "semi"}, "replication", "async, sync"),
        ({"k": 2}, "k", 'only applies to replication = "sync"'),
        ({"stage": "applied"}, "stage", 'only applies to replication = "sync"'),
        ({"replication": "sync", "k": 3}, "k", "lower k or list more followers"),
        ({"replication": "sync", "sync": ["f3"]}, "sync", "f1, f2"),
        ({"replication": "sync", "sync": ["f1", "f1"]}, "sync", "list each follower once"),
        ({"replication": "sync", "stage": "durable"}, "stage", "received, flushed, applied"),
        ({"reads": "f9"}, "reads", "leader, any_follower, any or one of f1, f2"),
        ({"reads": "f1", "read_level": "linearizable"}, "read_level", 'reads = "leader"'),
        ({"read_level": "linearizable", "leader_visibility": "before_ack"}, "leader_visibility", "at_ack"),
        ({"failover": "raft"}, "failover", "promote_most_up_to_date"),
        ({"failover": "election", "fencing": False}, "fencing", "remove fencing = false"),
        ({"clients": ["w x"]}, "clients", "unknown operation"),
        ({"crashes": 9}, "crashes", "at most 4"),
        ({"quorum": 2}, "quorum", "this model takes"),
    ],
)
def test_bad_parameters_name_the_field_and_the_fix(given, field, fragment):
    with pytest.raises(ParameterError) as caught:
        LeaderFollower(**given)
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_defaults_are_an_async_leader_with_two_followers_and_no_failover():
    m = LeaderFollower()
    assert m.node_count == 3 and [m.node_name(i) for i in range(3)] == ["n0", "f1", "f2"]
    assert (m.params["replication"], m.params["failover"], m.params["reads"]) == ("async", "none", "leader")
