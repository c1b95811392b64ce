"""Issue 12 mechanisms in the leaderless family: clocks that stamp last-write-wins versions
(client or coordinator clocks, bounded skew, Cassandra's tie-break), datacenters with
per-datacenter consistency levels, the hint window as a timer, siblings. Headline traces are
pinned; verdicts and state counts of the specs are checked in test_specs.py."""

import tomllib
from functools import lru_cache
from pathlib import Path

import pytest

from replcheck.checker import ParameterError, check
from replcheck.checker.cli import main
from replcheck.models.leaderless import Leaderless

SPECS = Path(__file__).resolve().parent.parent / "specs" / "leaderless"
NEW_SPECS = (
    "cassandra_client_clocks_skew_loses_write",
    "cassandra_client_clocks_synced",
    "cassandra_coordinator_clocks_skew_loses_write",
    "nts_local_quorum_read_same_dc",
    "nts_local_quorum_read_other_dc",
    "nts_each_quorum_write_read_other_dc",
    "nts_dc_partition_local_quorum_available",
    "nts_dc_partition_each_quorum_unavailable",
    "hint_window_expired_never_converges",
    "hint_window_open_converges",
    "hint_window_expired_repair_converges",
    "riak_allow_mult_keeps_siblings",
    "riak_last_write_wins_skew_loses_write",
)


@lru_cache(maxsize=None)
def explored(name: str):
    spec = tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
    model = Leaderless(**spec["params"])
    return model, check(model, symmetry=model.canonical if spec.get("symmetry") else None)


def trace_of(name: str, prop: str) -> list[str]:
    return [str(a) for a in explored(name)[1][prop].trace.actions]


@pytest.mark.parametrize("name", NEW_SPECS)
def test_new_specs_cite_a_vendor_page_and_pin_their_states(name):
    spec = tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
    assert "https://" in spec["description"] and "configs.md" not in spec["description"]
    assert "Expected before running" in " ".join(spec["description"].split())
    assert spec["pin"]["states"] > 0


# --- clocks -------------------------------------------------------------------------------------


def test_client_clock_a_tick_behind_discards_the_later_write():
    assert trace_of("cassandra_client_clocks_skew_loses_write", "no_lost_updates") == [
        "c1 invokes write x=2",
        "n0 receives put(x=2@2) from c1",
        "n1 receives put(x=2@2) from c1",
        "c1 receives ack from n0",
        "c1 receives ack from n1",
        "c0 invokes write x=1",
        "n0 receives put(x=1@2) from c0",
        "n1 receives put(x=1@2) from c0",
        "c0 receives ack from n0",
        "c0 receives ack from n1",
    ]
    trace = explored("cassandra_client_clocks_skew_loses_write")[1]["no_lost_updates"].trace
    first, last = trace.steps[0].state, trace.steps[-1].state
    # c1's clock runs a tick ahead: c0's later write ties at t2 and the larger value (2) wins
    assert first.extra.offsets == (0, 1) and first.extra.ties == 1
    assert [node.store[0].value for node in last.nodes] == [2, 2, 0]


def test_the_global_clock_keeps_every_existing_state_count():
    # the default clock stamps as before: one initial state, no tie order to choose
    model = Leaderless(clients=["w", "w r"])
    assert len(list(model.init_states())) == 1
    # client clocks without skew stamp exactly as the global clock does
    assert (
        check(model, symmetry=model.canonical).stats.states
        == explored("cassandra_client_clocks_synced")[1].stats.states
        == 12181
    )


def test_skewed_clocks_offer_every_offset_vector_and_both_tie_orders():
    model = Leaderless(clients=["w", "w"], clock="client", skew=1)
    starts = {(w.extra.offsets, w.extra.ties) for w in model.init_states()}
    assert starts == {(o, t) for o in ((0, 0), (0, 1), (1, 0)) for t in (1, -1)}
    coordinator = Leaderless(n=2, w=1, r=1, clients=["w"], clock="coordinator", skew=2)
    assert {w.extra.offsets for w in coordinator.init_states()} == {(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)}


def test_coordinator_clocks_name_the_coordinator_in_the_trace():
    labels = trace_of("cassandra_coordinator_clocks_skew_loses_write", "no_lost_updates")
    assert all("via coordinator n" in label for label in labels if "invokes write" in label)
    assert explored("cassandra_coordinator_clocks_skew_loses_write")[1]["no_lost_updates"].verdict.value == "VIOLATED"


def test_skew_needs_a_clock_that_can_be_skewed():
    with pytest.raises(ParameterError) as err:
        Leaderless(skew=1)
    assert err.value.field == "skew" and "clock" in str(err.value)
    assert main(["check", "leaderless", "skew=1", "--quiet"]) == 2


def test_list_explains_ticks_and_the_tie_break(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    section = out[out.index("\nleaderless:") : out.index("\nmulti_leader:")]
    assert "tick" in section and "larger value" in section and "coordinator" in section


# --- datacenters ----------------------------------------------------------------------------------


def test_local_quorum_read_in_the_other_datacenter_misses_the_write():
    assert trace_of("nts_local_quorum_read_other_dc", "read_your_writes") == [
        "c0 invokes write x=1",
        "n0 receives put(x=1@1) from c0",
        "n1 receives put(x=1@1) from c0",
        "c0 receives ack from n0",
        "c0 receives ack from n1",
        "c0 invokes read x",
        "n3 receives get(x) from c0",
        "n4 receives get(x) from c0",
        "c0 receives got(init@0) from n3",
        "c0 receives got(init@0) from n4",
    ]


def test_a_partition_between_datacenters_is_a_named_fault():
    labels = trace_of("nts_dc_partition_local_quorum_available", "write_acknowledged_while_a_home_is_down")
    assert labels[0] == "partition between datacenters: {dc2} | {dc1}"
    model = explored("nts_dc_partition_local_quorum_available")[0]
    # one split only (dc2 with no client against dc1 with c0): nodes n3..n5
    assert model.partition_sides() == (0b111000,)


def test_consistency_levels_count_per_datacenter():
    from replcheck.models.leaderless_topology import satisfied

    model = Leaderless(dcs=["dc1:3", "dc2:2"], write_cl="LOCAL_QUORUM", clients=["w"])
    topo = model.topology
    assert topo.masks == (0b00111, 0b11000) and model.n == 5
    assert satisfied("LOCAL_QUORUM", 0, 0b00011, topo, 0)
    assert not satisfied("LOCAL_QUORUM", 0, 0b11001, topo, 0)
    assert satisfied("LOCAL_QUORUM", 0, 0b11000, topo, 1)  # 2 of dc2's 2
    assert not satisfied("EACH_QUORUM", 0, 0b01011, topo, 0)  # dc2 has 1 of 2
    assert satisfied("EACH_QUORUM", 0, 0b11011, topo, 0)
    assert satisfied("QUORUM", 0, 0b11001, topo, 0) and not satisfied("QUORUM", 0, 0b10001, topo, 0)
    assert satisfied("LOCAL_ONE", 0, 0b01000, topo, 1) and not satisfied("LOCAL_ONE", 0, 0b01000, topo, 0)
    assert satisfied("ALL", 0, 0b11111, topo, 0) and not satisfied("ALL", 0, 0b01111, topo, 0)


def test_local_reads_ask_only_local_replicas_and_homes_are_symmetric_per_datacenter():
    model = Leaderless(dcs=["dc1:2", "dc2:2"], read_cl="LOCAL_ONE", clients=["r@dc2"])
    world = next(iter(model.init_states()))
    ((_, after),) = [(a, w) for a, w in model.next_steps(world) if a.kind == "invoke"]
    assert sorted(m.dst for m in after.net) == [2, 3]
    assert model.symmetric_node_groups() == ((0, 1), (2, 3))


@pytest.mark.parametrize(
    "params, field, fix",
    [
        (dict(dcs=["dc1"]), "dcs", "NAME:REPLICAS"),
        (dict(dcs=["dc1:3", "dc1:3"]), "dcs", "named twice"),
        (dict(dcs=["dc1:4", "dc2:4"]), "dcs", "at most 7"),
        (dict(dcs=["dc1:3", "dc2:3"], n=3), "n", "remove n"),
        (dict(dcs=["dc1:3"], client_dcs=["dc9"]), "client_dcs", "unknown datacenter"),
        (dict(dcs=["dc1:3"], client_dcs=["dc1", "dc1"]), "client_dcs", "one per client"),
        (dict(clients=["r@dc2"]), "clients", "unknown datacenter"),
        (dict(write_cl="QUORUM", w=2), "write_cl", "not both"),
        (dict(read_cl="ONE", sloppy=True), "sloppy", "remove sloppy"),
    ],
)
def test_bad_topologies_are_refused_with_the_fix(params, field, fix):
    with pytest.raises(ParameterError) as err:
        Leaderless(**params)
    assert err.value.field == field and fix in str(err.value)


# --- the hint window ---------------------------------------------------------------------------------


def test_a_replica_down_past_its_hint_window_stays_stale_for_ever():
    model, result = explored("hint_window_expired_never_converges")
    p = result["eventual_convergence"]
    assert [str(a) for a in p.trace.actions] == [
        "n0 crashes",
        "n0's hint window ends: writes for it are dropped until it is back",
        "c0 invokes write x=1",
        "n1 receives put(x=1@1) from c0",
        "n2 receives put(x=1@1) from c0",
        "c0 receives ack from n1",
        "c0 receives ack from n2",
        "n0 recovers",
    ]
    final = p.trace.steps[-1].state
    assert [node.store[0].value for node in final.nodes] == [0, 1, 1] and not final.net
    assert final.extra.hints.expired == 0  # n0 is back: a fresh window


def test_the_timer_fires_only_while_a_home_is_out_and_at_most_hint_expiries_times():
    model = Leaderless(n=2, w=1, r=1, clients=["w"], crashes=2, hint_expiries=1)
    world = next(iter(model.init_states()))
    assert not list(model.hint_window_steps(world))  # nobody is out
    crashed = next(w for a, w in model.next_steps(world) if a.kind == "crash" and a.actor == 1)
    ((action, fired),) = model.hint_window_steps(crashed)
    assert action.kind == "hint_window" and fired.extra.hints == (0b10, 1)
    both = next(w for a, w in model.next_steps(fired) if a.kind == "crash")
    assert not list(model.hint_window_steps(both))  # budget spent
    # a write after the window sends nothing to n1
    write = next(w for a, w in model.next_steps(fired) if a.kind == "invoke")
    assert [m.dst for m in write.net] == [0]


def test_hints_written_before_the_window_ended_are_still_delivered():
    model = Leaderless(n=2, w=1, r=1, clients=["w"], crashes=1, recover=True, hint_expiries=1)
    world = next(iter(model.init_states()))
    crashed = next(w for a, w in model.next_steps(world) if a.kind == "crash" and a.actor == 1)
    written = next(w for a, w in model.next_steps(crashed) if a.kind == "invoke")
    ((_, fired),) = model.hint_window_steps(written)
    assert sorted(m.dst for m in fired.net) == [0, 1]
    back = next(w for a, w in model.next_steps(fired) if a.kind == "recover")
    assert back.extra.hints.expired == 0
    assert any(a.kind == "deliver" and a.msg.dst == 1 for a, _ in model.next_steps(back))


# --- siblings (Riak allow_mult) ------------------------------------------------------------------------


def test_concurrent_writes_become_siblings_and_a_read_returns_both():
    model, result = explored("riak_allow_mult_keeps_siblings")
    assert type(model).__name__ == "LeaderlessSiblings"
    witness = result["read_returns_siblings"].trace
    final = witness.steps[-1].state
    read = [e for e in final.history if e.kind == "ok" and e.op == "r"][-1]
    assert read.value.values == (1, 2) and read.version == (1, 1)
    assert model.value_name(read.value) == "{1,2}"


def test_a_session_s_write_replaces_exactly_what_it_has_seen():
    model = Leaderless(conflict="siblings", n=1, w=1, r=1, clients=["w r w", "w"])
    siblings = (((1, 0), 1), ((0, 1), 3))
    # c0 read both siblings (version [1,1]), so its next write supersedes both
    assert model._merged(siblings, (((2, 1), 2),)) == (((2, 1), 2),)
    # a write that saw only its own earlier write leaves the other sibling standing
    assert model._merged(siblings, (((2, 0), 2),)) == (((0, 1), 3), ((2, 0), 2))


class DropsSiblings(Leaderless):
    """A broken merge: keeps only the sibling with the largest vector sum, as LWW would."""

    def _merged(self, held, incoming):
        return (max(held + incoming, key=lambda s: (sum(s[0]), s[1])),)


def test_no_write_discarded_unseen_catches_a_merge_that_drops_siblings():
    from replcheck.models.leaderless import LeaderlessSiblings

    class Broken(DropsSiblings, LeaderlessSiblings):
        pass

    model = Broken(conflict="siblings", n=2, w=1, r=2, clients=["w", "w r"])
    result = check(model, symmetry=model.canonical, properties=["no_write_discarded_unseen"])
    assert result["no_write_discarded_unseen"].verdict.value == "VIOLATED"


@pytest.mark.parametrize(
    "params, field",
    [
        (dict(read_repair="blocking"), "read_repair"),
        (dict(anti_entropy=True), "anti_entropy"),
        (dict(clock="client"), "clock"),
    ],
)
def test_siblings_refuse_what_they_do_not_model(params, field):
    with pytest.raises(ParameterError) as err:
        Leaderless(conflict="siblings", **params)
    assert err.value.field == field and "siblings" in str(err.value)
