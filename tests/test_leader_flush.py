"""A leader that acknowledges before its own disk flush (``leader_flush = "lazy"``): PostgreSQL's
``synchronous_commit = off`` (only flushed WAL is shipped) and Redis's default persistence
(everything is shipped at once, and a follower ahead of a restarted leader resynchronises from
it). The headline verdicts against the flushing twin, the resynchronisation and the stale
shipments it must ignore, the invariant of ``ships = flushed``, validation, and the two front
ends' translations."""

import pytest

from replcheck.checker import ParameterError, Verdict, check
from replcheck.checker.cli import main
from replcheck.checker import registry
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.leader_follower_state import LEADER, Entry
from replcheck.models.runtime import Msg

RESTART = {"followers": 1, "crashes": 1, "recover": True, "clients": ["w r"]}


def verdict(model, prop):
    return check(model, properties=[prop])[prop].verdict


def reachable(model):
    seen, frontier = set(), list(model.init_states())
    while frontier:
        world = frontier.pop()
        if world in seen:
            continue
        seen.add(world)
        frontier.extend(succ for _, succ in model.next_steps(world))
    return seen


@pytest.mark.parametrize("ships", ["flushed", "all"])
def test_a_lazy_leader_loses_an_acknowledged_write_on_restart(ships):
    lazy = LeaderFollower(**RESTART, leader_flush="lazy", ships=ships)
    assert verdict(lazy, "durable_acks") is Verdict.VIOLATED
    assert verdict(lazy, "read_your_writes") is Verdict.VIOLATED
    assert verdict(LeaderFollower(**RESTART), "durable_acks") is Verdict.HOLDS


def test_the_shortest_loss_is_a_crash_before_the_flush():
    result = check(LeaderFollower(**RESTART, leader_flush="lazy"), properties=["durable_acks"])
    labels = [str(a) for a in result["durable_acks"].trace.actions]
    assert labels == [
        "c0 invokes write x=1 at n0",
        "n0 receives write(x=1) from c0",
        "c0 receives ok(1@1.1) from n0",
        "n0 crashes",
    ]


def test_a_follower_ahead_of_a_restarted_leader_resynchronises_and_drops_the_write():
    # WAIT 1: the write is acknowledged only once the follower has it, so it is lost only if
    # the follower gives it up when it resynchronises from the restarted leader.
    waited = {**RESTART, "wait": 1}
    result = check(LeaderFollower(**waited, leader_flush="lazy", ships="all"), properties=["durable_acks"])
    trace = result["durable_acks"].trace
    assert result["durable_acks"].verdict is Verdict.VIOLATED
    last = trace.states[-1].nodes[1]
    assert last.log == () and last.rolled_back == (1,) and last.incarnation == 1
    assert verdict(LeaderFollower(**waited, leader_flush="lazy", ships="flushed"), "durable_acks") is Verdict.HOLDS
    assert verdict(LeaderFollower(**waited), "durable_acks") is Verdict.HOLDS


def test_a_shipment_from_before_the_restart_is_ignored():
    model = LeaderFollower(**RESTART, leader_flush="lazy", ships="all")
    world = next(iter(model.init_states()))
    follower = world.nodes[1]._replace(incarnation=1)
    world = world._replace(nodes=(world.nodes[0], follower))
    stale = Msg(1, 0, "append", (1, (Entry(1, 0, 1),), 0))  # x=1 in term 1, incarnation 0
    after = model._deliver(world, stale, ())
    assert after.nodes[1] == follower and after.net == ()


def test_under_ships_flushed_no_follower_is_ever_ahead_of_the_leaders_disk():
    model = LeaderFollower(**RESTART, leader_flush="lazy", ships="flushed", reads="f1")
    for world in reachable(model):
        leader = world.nodes[0]
        assert leader.role == LEADER
        for f in world.nodes[1:]:
            assert leader.log[: leader.flushed][: len(f.log)] == f.log


@pytest.mark.parametrize(
    "given, field",
    [
        ({"leader_flush": "lazy", "replication": "sync"}, "leader_flush"),
        ({"leader_flush": "lazy", "failover": "election"}, "leader_flush"),
        ({"leader_flush": "lazy", "durable": False, "crashes": 1}, "leader_flush"),
        ({"ships": "all"}, "ships"),
    ],
)
def test_unmodelled_combinations_are_refused_naming_the_field(given, field):
    with pytest.raises(ParameterError) as err:
        LeaderFollower(followers=1, **given)
    assert err.value.field == field


def translate(name, **settings):
    return registry.frontend(name).translate(settings)


def test_redis_persistence_decides_what_a_restart_keeps():
    default = translate("redis", faults="primary_crash")
    assert (default.params["leader_flush"], default.params["ships"]) == ("lazy", "all")
    always = translate("redis", faults="primary_crash", appendonly="yes", appendfsync="always")
    assert "leader_flush" not in always.params
    assert translate("redis", faults="primary_crash", appendonly="yes").params["leader_flush"] == "lazy"  # everysec
    # no restart, nothing reloaded from disk: the persistence settings change nothing
    assert "leader_flush" not in translate("redis", faults="two_crashes").params


def test_redis_without_any_persistence_is_refused_on_restart(capsys):
    code = main(["check", "redis", "faults=primary_crash", "save="])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "'save'" in err


def test_postgres_commit_off_is_lazy_and_ships_flushed_wal():
    off = translate(
        "postgres", synchronous_commit="off", synchronous_standby_names="s1", standbys="s1", faults="primary_crash"
    )
    assert off.params["replication"] == "async" and off.params["leader_flush"] == "lazy"
    assert "ships" not in off.params  # the default: flushed
    # without a crash, when the primary flushes does not matter
    assert "leader_flush" not in translate("postgres", synchronous_commit="off").params
    assert "leader_flush" not in translate("postgres", synchronous_commit="off", faults="lose_a_disk").params


def test_a_resynchronised_follower_acknowledges_afresh():
    # WAIT: after the leader restarts with the entry flushed, the follower resynchronises; its
    # old acknowledgement counted in the old incarnation, so it must report again, or the WAIT
    # on an entry both nodes hold never returns.
    model = LeaderFollower(
        followers=1, wait=1, leader_flush="lazy", ships="all", crashes=1, recover=True, clients=["w", "w"]
    )
    for world in reachable(model):
        leader, follower = world.nodes
        settled = not world.faults.down and not world.net and follower.log == leader.log and follower.leader == 0
        if settled and leader.role == LEADER:
            assert leader.commit == len(leader.log), model.describe_node(leader)


def test_a_promoted_follower_keeps_its_unflushed_entries_unflushed():
    model = LeaderFollower(
        followers=1, leader_flush="lazy", ships="all", crashes=2, recover=True, failover="promote_any", clients=["w"]
    )
    for world in reachable(model):
        for action, succ in model.next_steps(world):
            if action.kind == "promote":
                assert succ.nodes[action.actor].flushed == world.nodes[action.actor].flushed
