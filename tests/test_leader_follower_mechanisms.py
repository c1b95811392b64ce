"""Time-outs as events, read concerns and sessions, arbiters, Redis WAIT and min-replicas in
the leader/follower family: the headline traces (pinned), the step-by-step semantics of each
mechanism, how the guarantees treat indeterminate and refused writes, parameter validation,
and ``replcheck list``. Verdicts and state counts of the specs are checked in
test_leader_follower.py and test_specs.py."""

import dataclasses
import tomllib
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replcheck.checker import ParameterError, Verdict, check
from replcheck.checker.cli import main
from replcheck.models.guarantees import operations
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.linearizability import PENDING, RegisterOp, is_linearizable
from replcheck.models.runtime import Event, ReplicationModel

SPECS = Path(__file__).resolve().parent.parent / "specs" / "leader_follower"
NEW_SPECS = (
    "mysql_semisync_timeout_failover_loses_write",
    "mysql_semisync_no_timeout_failover_keeps_write",
    "mongo_majority_reads_secondary_no_session",
    "mongo_majority_reads_secondary_causal",
    "mongo_wtimeout_write_takes_effect",
    "redis_wait_timeout_write_stays",
    "redis_wait1_sentinel_loses_write",
    "redis_no_min_replicas_partition_loses_writes",
    "redis_min_replicas_limits_loss",
    "mongo_psa_w1_rollback",
    "mongo_psa_majority_keeps_write",
)


@lru_cache(maxsize=None)
def explored(name: str):
    spec = tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
    model = LeaderFollower(**spec["params"])
    return model, check(model)


def trace_of(name: str, prop: str) -> list[str]:
    return [str(a) for a in explored(name)[1][prop].trace.actions]


def walk(model, labels: list[str]):
    """Follow the steps whose labels are ``labels`` from the initial state; the last world."""
    world = next(iter(model.init_states()))
    for label in labels:
        steps = {str(a): w for a, w in model.next_steps(world)}
        assert label in steps, f"no step {label!r}; enabled: {sorted(steps)}"
        world = steps[label]
    return world


# --- the specs cite vendor documentation --------------------------------------------------------


@pytest.mark.parametrize("name", NEW_SPECS)
def test_new_specs_cite_a_vendor_page_and_pin_their_states(name):
    spec = tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
    assert "https://" in spec["description"] and "configs.md" not in spec["description"]
    assert "Expected before running" in " ".join(spec["description"].split())
    assert spec["pin"]["states"] > 0


# --- headline counterexamples, exactly -------------------------------------------------------


def test_semisync_times_out_then_failover_loses_the_write():
    assert trace_of("mysql_semisync_timeout_failover_loses_write", "durable_acks") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "n0's semi-synchronous wait times out: it acknowledges without waiting (async) until a follower catches up",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
        "failover tool promotes f1 to leader (term 2); f2 now follows it",
        "n0 recovers",
        "n0 rejoins as follower of f1 (term 2), rolling back n0: x=1",
    ]


def test_majority_read_on_a_secondary_misses_the_acknowledged_write():
    assert trace_of("mongo_majority_reads_secondary_no_session", "read_your_writes") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "f1 receives append(t1: x=1, committed 0) from n0",
        "n0 receives ack(t1, 1) from f1",
        "c0 receives ok(1@1.1) from n0",
        "c0 invokes read x at f1",
        "f1 receives read(x) from c0",
        "c0 receives value(init@0.0) from f1",
    ]


def test_wait_1_does_not_save_the_write_when_its_replica_fails_too():
    assert trace_of("redis_wait1_sentinel_loses_write", "durable_acks") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "f1 receives append(t1: x=1) from n0",
        "n0 receives ack(t1, 1) from f1",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
        "f1 crashes",
    ]
    # Sentinel then promotes the only replica it can, which never had the write.
    model, _ = explored("redis_wait1_sentinel_loses_write")
    world = walk(
        model,
        trace_of("redis_wait1_sentinel_loses_write", "durable_acks") + ["failover tool promotes f2 to leader (term 2)"],
    )
    assert world.nodes[2].log == () and not model.durable_acks(world)


def test_min_replicas_refuses_only_after_the_lag_timer_fired():
    assert trace_of("redis_min_replicas_limits_loss", "write_refused") == [
        "c0 invokes write x=1 at n0",
        "partition {n0,c0} | rest",
        "n0's lag timer fires: it stops counting f1 as connected",
        "n0 receives write(x=1) from c0",
        "c0 receives refused from n0",
    ]
    # The window: the same write reaching the cut-off primary before its timer fires is
    # acknowledged (and later rolled back).
    model, _ = explored("redis_min_replicas_limits_loss")
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "partition {n0,c0} | rest",
            "n0 receives write(x=1) from c0",
            "c0 receives ok(1@1.1) from n0",
        ],
    )
    assert [e.kind for e in world.history] == ["invoke", "ok"]


def test_the_arbiter_elects_the_secondary_and_the_w1_write_is_rolled_back():
    assert trace_of("mongo_psa_w1_rollback", "durable_acks") == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
        "f1 is elected leader for term 2 with votes from f1, a1",
        "n0 recovers",
        "n0 receives append(t2: noop) from f1",
    ]
    model, result = explored("mongo_psa_w1_rollback")
    last = result["durable_acks"].trace.states[-1]
    assert last.nodes[0].rolled_back == (1,)
    assert last.nodes[2].log == ()  # the arbiter holds no data


def test_wtimeout_error_does_not_undo_the_write():
    trace = trace_of("mongo_wtimeout_write_takes_effect", "timed_out_write_is_read")
    assert (
        "n0's wait for acknowledgements of x=1 times out: it answers c0 with an error, and the "
        "write stays in its log" in trace
    )
    assert trace[-1] == "c1 receives value(1@1.1) from n0"


# --- step-by-step semantics -----------------------------------------------------------------------


def semisync(**extra):
    return LeaderFollower(
        followers=1,
        replication="sync",
        k=1,
        order="any",
        stage="received",
        ack_timeout="degrade",
        clients=["w w"],
        **extra,
    )


def test_degraded_semisync_returns_to_waiting_once_the_replica_catches_up():
    model = semisync()
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "n0's semi-synchronous wait times out: it acknowledges without waiting (async) until a follower catches up",
        ],
    )
    assert world.nodes[0].degraded and world.nodes[0].commit == 1
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "n0's semi-synchronous wait times out: it acknowledges without waiting (async) until a follower catches up",
            "f1 receives append(t1: x=1) from n0",
            "n0 receives ack(t1, 1) from f1",
            "c0 receives ok(1@1.1) from n0",
            "c0 invokes write x=2 at n0",
            "n0 receives write(x=2) from c0",
        ],
    )
    assert not world.nodes[0].degraded
    assert world.nodes[0].commit == 1  # write 2 waits for the replica again
    assert not any(m.kind == "ok" for m in world.net)


def test_a_degraded_leader_acknowledges_later_writes_at_once():
    model = semisync()
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "n0's semi-synchronous wait times out: it acknowledges without waiting (async) until a follower catches up",
            "c0 receives ok(1@1.1) from n0",
            "c0 invokes write x=2 at n0",
            "n0 receives write(x=2) from c0",
        ],
    )
    assert world.nodes[0].commit == 2
    assert any(m.kind == "ok" and m.body[1] == 2 for m in world.net)


def test_without_a_timeout_no_timer_step_exists():
    model = LeaderFollower(followers=1, replication="sync", k=1, clients=["w"])
    world = walk(model, ["c0 invokes write x=1 at n0", "n0 receives write(x=1) from c0"])
    assert not any(a.kind == "timeout" for a, _ in model.next_steps(world))


def test_the_error_timer_fires_once_per_write():
    model = LeaderFollower(followers=1, replication="sync", k=1, ack_timeout="error", clients=["w"])
    world = walk(model, ["c0 invokes write x=1 at n0", "n0 receives write(x=1) from c0"])
    timers = [w for a, w in model.next_steps(world) if a.kind == "timeout"]
    assert len(timers) == 1
    assert not any(a.kind == "timeout" for a, _ in model.next_steps(timers[0]))
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "n0's wait for acknowledgements of x=1 times out: it answers c0 with an "
            "error, and the write stays in its log",
            "c0 receives error from n0",
        ],
    )
    assert [e.kind for e in world.history] == ["invoke", "info"]
    assert world.nodes[0].log[0].value == 1  # not undone


def causal_model():
    return LeaderFollower(
        replication="sync", k=1, order="any", read_level="majority", reads="f1", session="causal", clients=["w r"]
    )


def test_a_causal_read_waits_for_the_session_time_on_the_secondary():
    model = causal_model()
    prefix = [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "f1 receives append(t1: x=1, committed 0) from n0",
        "n0 receives ack(t1, 1) from f1",
        "c0 receives ok(1@1.1) from n0",
        "c0 invokes read x at f1",
    ]
    world = walk(model, prefix)
    assert world.extra.tokens == ((1,),)
    waiting = walk(model, prefix + ["f1 receives read(x, after 1.1) from c0"])
    assert not any(m.kind == "value" for m in waiting.net)  # the read stays in flight
    answered = walk(
        model,
        prefix
        + [
            "f1 receives append(t1: x=1, committed 1) from n0",
            "f1 applies its log (up to entry 1)",
            "f1 receives read(x, after 1.1) from c0",
            "c0 receives value(1@1.1) from f1",
        ],
    )
    assert answered.history[-1].value == 1


def test_without_a_session_the_same_read_answers_from_the_old_snapshot():
    model = LeaderFollower(replication="sync", k=1, order="any", read_level="majority", reads="f1", clients=["w r"])
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "f1 receives append(t1: x=1, committed 0) from n0",
            "f1 applies its log (up to entry 1)",
            "n0 receives ack(t1, 1) from f1",
            "c0 receives ok(1@1.1) from n0",
            "c0 invokes read x at f1",
            "f1 receives read(x) from c0",
        ],
    )
    assert any(m.kind == "value" and m.body[1] == 0 for m in world.net)


def test_wait_shows_the_write_on_the_leader_before_the_client_hears_back():
    model = LeaderFollower(followers=1, wait=1, clients=["w", "r"])
    world = walk(
        model,
        [
            "c0 invokes write x=1 at n0",
            "n0 receives write(x=1) from c0",
            "c1 invokes read x at n0",
            "n0 receives read(x) from c1",
            "c1 receives value(1@1.1) from n0",
        ],
    )
    assert world.clients[0].op is not None  # c0 is still waiting for WAIT


# --- how the guarantees read indeterminate and refused operations ----------------------------------


def events(*kinds_values):
    return tuple(Event(kind, client, index, op, 0, value, None) for kind, client, index, op, value in kinds_values)


def test_an_indeterminate_write_stays_pending_and_a_refused_one_disappears():
    history = events(("invoke", 0, 0, "w", 1), ("info", 0, 0, "w", 1), ("invoke", 1, 0, "w", 2), ("fail", 1, 0, "w", 2))
    ops = operations(history)
    assert [(o.value, o.returned) for o in ops] == [(1, None)]


def test_linearizability_accepts_a_read_of_an_indeterminate_write_but_not_of_a_refused_one():
    # c0's write 1 ends indeterminate, then c1 reads 1: fine (the write may have happened).
    maybe = (RegisterOp(0, PENDING, True, 1), RegisterOp(2, 3, False, 1))
    assert is_linearizable(maybe)
    history = events(("invoke", 0, 0, "w", 1), ("fail", 0, 0, "w", 1), ("invoke", 1, 0, "r", 0), ("ok", 1, 0, "r", 1))
    model = causal_model()
    world = next(iter(model.init_states()))._replace(history=history)
    assert not model.linearizable(world)  # a refused write cannot be read
    assert model.durable_acks(world)


def test_durable_acks_ignores_an_indeterminate_write_that_is_gone():
    model = LeaderFollower(followers=1, replication="sync", k=1, ack_timeout="error", clients=["w"])
    world = next(iter(model.init_states()))
    world = world._replace(history=events(("invoke", 0, 0, "w", 1), ("info", 0, 0, "w", 1)))
    assert model.durable_acks(world) and model.write_indeterminate(world)


# --- structure ---------------------------------------------------------------------------------------


def test_parameters_are_a_frozen_typed_object():
    model = LeaderFollower(wait=1, ack_timeout="error")
    assert model.cfg.wait == 1 and model.cfg.ack_timeout == "error"
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.cfg.wait = 2


def test_the_family_uses_the_runtime_hook_instead_of_copying_invocations():
    assert "_invocations" not in LeaderFollower.__dict__
    assert LeaderFollower.operation_targets is not ReplicationModel.operation_targets
    model = LeaderFollower(reads="any_follower", followers=3, arbiters=0)
    world = next(iter(model.init_states()))
    assert model.operation_targets(world, 0, model.scripts[0][1]) == (1, 2, 3)


def test_reads_any_explores_every_replica_and_the_leader_serves_its_own():
    # DynamoDB's eventually consistent reads: any of the three replicas may answer.
    model = LeaderFollower(reads="any", followers=2, arbiters=1, failover="election", clients=["w r"])
    world = next(iter(model.init_states()))
    assert model.operation_targets(world, 0, model.scripts[0][1]) == (0, 1, 2)  # not the arbiter
    result = check(model)
    assert result["read_your_writes"].verdict is Verdict.VIOLATED  # a follower may lag
    served = [str(a) for a in result["read_returns_a_write"].trace.actions]
    assert served[-3:] == ["c0 invokes read x at n0", "n0 receives read(x) from c0", "c0 receives value(1@1.1) from n0"]


def test_arbiters_never_receive_the_log_nor_serve_reads():
    model = LeaderFollower(followers=1, arbiters=1, failover="election", reads="any_follower", clients=["w r"])
    assert model.node_name(2) == "a1"
    world = walk(model, ["c0 invokes write x=1 at n0", "n0 receives write(x=1) from c0"])
    assert {m.dst for m in world.net if m.kind == "append"} == {1}
    assert model.operation_targets(world, 0, model.scripts[0][1]) == (1,)


@pytest.mark.parametrize(
    "given, field",
    [
        ({"ack_timeout": "degrade"}, "ack_timeout"),
        ({"ack_timeout": "degrade", "wait": 1}, "ack_timeout"),
        ({"wait": 1, "replication": "sync"}, "wait"),
        ({"wait": 3}, "wait"),
        ({"min_replicas": 3}, "min_replicas"),
        ({"read_level": "majority"}, "read_level"),
        ({"read_level": "majority", "replication": "sync", "k": 1, "order": "first"}, "read_level"),
        ({"session": "causal"}, "session"),
        ({"arbiters": 1}, "arbiters"),
        ({"arbiters": 1, "failover": "election", "read_level": "linearizable"}, "arbiters"),
    ],
)
def test_unmodelled_combinations_are_refused_naming_the_field(given, field):
    with pytest.raises(ParameterError) as err:
        LeaderFollower(**given)
    assert err.value.field == field


def test_a_refused_setting_exits_2_with_one_line(capsys):
    assert main(["check", "leader_follower", "session=causal"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "session" in err


def test_list_describes_every_leader_follower_parameter_in_one_line(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    section = out.split("leader_follower:", 1)[1].split("properties:", 1)[0]
    for p in LeaderFollower.PARAMS:
        lines = [line for line in section.splitlines() if line.split()[:1] == [p.name]]
        assert len(lines) == 1, p.name
        assert len(lines[0].split("default", 1)[1].split()) > 2, p.name  # a meaning, not just a value
    assert "sent again" in section  # drops of log shipments are retransmitted


def test_defaults_leave_the_new_state_fields_constant():
    model = LeaderFollower(replication="sync", k=1, failover="election", partitions=1, clients=["w"])
    result = check(model)
    assert result.stats.complete
    assert result["durable_acks"].verdict == Verdict.HOLDS
    for world in result["write_acknowledged"].trace.states:
        assert all(not n.degraded and n.connected == 0 and n.known_commit == 0 for n in world.nodes)
        assert world.extra.tokens == ()


# --- a property over random histories -----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["w", "r"]), st.sampled_from([None, "ok", "info", "fail"])), min_size=1, max_size=6
    )
)
def test_operations_keep_indeterminate_ones_pending_and_drop_refused_ones(script):
    history = []
    for client, (op, ending) in enumerate(script):
        history.append(Event("invoke", client, 0, op, 0, client + 1, None))
        if ending:
            history.append(Event(ending, client, 0, op, 0, client + 1, None))
    ops = {o.client: o for o in operations(tuple(history))}
    for client, (_op, ending) in enumerate(script):
        if ending == "fail":
            assert client not in ops
        else:
            assert (ops[client].returned is None) == (ending in (None, "info"))


def test_a_deposed_leader_still_serving_is_a_split_brain_though_each_term_has_one_leader():
    # Redis Sentinel's partition example: the old primary keeps its role on its side while a
    # replica is promoted in a newer epoch.
    model = LeaderFollower(followers=2, failover="election", partitions=1, clients=["w"])
    result = check(model, properties=["single_leader", "no_split_brain"])
    assert result["single_leader"].verdict is Verdict.HOLDS
    split = result["no_split_brain"]
    assert split.verdict is Verdict.VIOLATED
    roles = [model.node_role(split.trace.steps[-1].state, n) for n in range(model.node_count)]
    assert sum(role.startswith("leader") for role in roles) == 2
    calm = LeaderFollower(followers=2, failover="none", partitions=1, clients=["w"])
    assert check(calm, properties=["no_split_brain"])["no_split_brain"].verdict is Verdict.HOLDS
