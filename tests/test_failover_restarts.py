"""What a failover tool does with a restarted primary, and what Redis WAIT confirms, as the
vendors document them: Patroni restarts a primary it has replaced as a replica
(``restart_as_follower``), repmgr does not; Sentinel promotes the replica that processed the
most, so a WAIT-confirmed write survives one crash but not two; WAIT counts the offset a
replica has processed, so a write it confirmed is visible there."""

import pytest

from replcheck.checker import ParameterError, Verdict, check
from replcheck.checker import registry
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.leader_follower_state import FOLLOWER


def translate(name, **settings):
    return registry.frontend(name).translate(settings)


def explore(name, prop, **settings):
    t = translate(name, **settings)
    model = registry.model_class(t.model)(**t.params)
    return check(model, properties=[prop])[prop]


def test_patroni_restarts_a_replaced_primary_as_a_replica():
    patroni = explore("postgres", "no_split_brain", synchronous_standby_names="s1", failover="patroni")
    repmgr = explore("postgres", "no_split_brain", synchronous_standby_names="s1", failover="repmgr")
    assert patroni.verdict is Verdict.HOLDS
    assert repmgr.verdict is Verdict.VIOLATED
    assert [str(a) for a in repmgr.trace.actions][-1] == "n0 recovers"


def test_restart_as_follower_demotes_only_a_replaced_leader():
    model = LeaderFollower(followers=1, failover="promote_most_up_to_date", restart_as_follower=True)
    crashed = next(w for a, w in model.next_steps(next(iter(model.init_states()))) if str(a) == "n0 crashes")
    back = model.after_recover(crashed, 0)  # nobody promoted yet: it still holds the role
    assert back.nodes[0] == crashed.nodes[0]
    promoted = next(w for a, w in model.next_steps(crashed) if a.kind == "promote")
    assert model.after_recover(promoted, 0).nodes[0].role == FOLLOWER


def test_restart_as_follower_needs_a_failover_tool():
    with pytest.raises(ParameterError) as err:
        LeaderFollower(followers=1, restart_as_follower=True)
    assert err.value.field == "restart_as_follower"


def test_sentinel_promotes_the_replica_that_processed_the_most():
    # Sentinel's replica selection: priority, then the replication offset processed, which it
    # reads every second once the primary is down; a WAIT-confirmed write survives one crash
    kept = explore(
        "redis", "durable_acks", failover="sentinel", WAIT="1 0", replicas="r1,r2", faults="primary_crash_no_return"
    )
    assert kept.verdict is Verdict.HOLDS
    t = translate("redis", failover="sentinel", WAIT="1 0", faults="primary_crash_no_return")
    assert t.params["failover"] == "promote_most_up_to_date" and "durable_acks" not in t.documented
    # the best effort the WAIT page warns about: the replica that has the write is down too
    lost = explore("redis", "durable_acks", failover="sentinel", WAIT="1 0", replicas="r1,r2", faults="two_crashes")
    assert lost.verdict is Verdict.VIOLATED


def test_a_write_wait_confirmed_is_visible_on_that_replica():
    seen = explore("redis", "read_your_writes", WAIT="1 0", reads="r1", clients="w r")
    assert seen.verdict is Verdict.HOLDS
    stale = explore("redis", "read_your_writes", reads="r1", clients="w r")  # no WAIT
    assert stale.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("lease", [False, True])
def test_a_lease_makes_a_cut_off_leader_step_down_before_the_tool_promotes(lease):
    model = LeaderFollower(
        followers=2, failover="promote_most_up_to_date", partitions=1, lease=lease, restart_as_follower=True
    )
    result = check(model, properties=["no_split_brain", "leader_eventually"])
    assert result.stats.complete
    if not lease:
        assert result["no_split_brain"].verdict is Verdict.VIOLATED
        assert [a.kind for a in result["no_split_brain"].trace.actions] == ["partition", "promote"]
        return
    assert result["no_split_brain"].verdict is Verdict.HOLDS
    assert result["leader_eventually"].verdict is Verdict.HOLDS  # demote and promote are fair


def test_a_promotion_under_a_lease_comes_after_the_old_leader_stepped_down():
    model = LeaderFollower(
        followers=2, failover="promote_most_up_to_date", partitions=1, lease=True, restart_as_follower=True
    )
    world = next(iter(model.init_states()))
    cut = world._replace(faults=world.faults._replace(side=1, partitions=1))  # n0 cut off
    kinds = [a.kind for a, _ in model.next_steps(cut)]
    assert "demote" in kinds and "promote" not in kinds
    demoted = next(w for a, w in model.next_steps(cut) if a.kind == "demote")
    assert demoted.nodes[0].role == FOLLOWER
    assert "promote" in [a.kind for a, _ in model.next_steps(demoted)]


def test_patroni_holds_a_lease_and_no_split_brain_under_a_partition():
    t = translate("postgres", failover="patroni", faults="isolate_primary")
    assert t.params["lease"] is True
    assert explore("postgres", "no_split_brain", failover="patroni", faults="isolate_primary").verdict is Verdict.HOLDS
    repmgr = explore("postgres", "no_split_brain", failover="repmgr", faults="isolate_primary")
    assert repmgr.verdict is Verdict.VIOLATED


def test_a_lease_needs_a_failover_tool():
    with pytest.raises(ParameterError, match="lease"):
        LeaderFollower(failover="election", lease=True)


def test_a_leader_that_stepped_down_may_take_the_lease_again():
    # With every other member down, the healed old leader is the only one left: Patroni lets it
    # take the free leader key again (a review found the model stuck with no leader for ever).
    model = LeaderFollower(
        followers=1, failover="promote_most_up_to_date", lease=True, restart_as_follower=True, crashes=1, partitions=1
    )
    assert check(model, properties=["leader_eventually"])["leader_eventually"].verdict is Verdict.HOLDS


def test_a_lease_needs_restart_as_follower():
    with pytest.raises(ParameterError, match="needs restart_as_follower"):
        LeaderFollower(failover="promote_most_up_to_date", lease=True)
