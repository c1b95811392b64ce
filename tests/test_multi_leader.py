"""The multi-leader family: every spec's verdicts and pinned state count, the exact shortest
LWW counterexample, liveness convergence (the never-healing partition's lasso), mutants that
the family's own properties must catch, and one-line parameter errors."""

import tomllib
from pathlib import Path

import pytest

from replcheck.checker import check
from replcheck.checker.cli import main
from replcheck.checker.errors import ParameterError, SpecError
from replcheck.checker.properties import declared_properties
from replcheck.checker.spec import load_spec
from replcheck.models.multi_leader import (
    CounterMultiLeader,
    LwwMultiLeader,
    MultiLeader,
    OrSetMultiLeader,
    SiblingsMultiLeader,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "specs" / "multi_leader"
SPECS = sorted(SPEC_DIR.glob("*.toml"))


def names(model) -> set[str]:
    return {p.name for p in declared_properties(model)}


# ---------------------------------------------------------------- every spec, as pinned


def test_there_are_specs():
    assert len(SPECS) >= 10


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_spec_verdicts_and_pinned_states(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["model"] == "multi_leader"
    assert data["title"] and data["description"].strip() and data["expect"]
    assert "docs/databases.md" in data["description"]
    result = check(MultiLeader(**data["params"]))
    assert result.stats.complete, result.stats
    got = {name: result[name].verdict.value for name in data["expect"]}
    assert got == data["expect"]
    assert result.stats.states == data["pin"]["states"]


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_spec_loads_through_the_cli_loader(path):
    spec = load_spec(path)  # the model builds and every expected property exists
    assert spec.model == "multi_leader" and set(spec.expect) <= names(spec.build())


def test_every_twin_is_present():
    stems = {p.stem for p in SPECS}
    for pair in (
        ("lww_skew", "lww_synced"),
        ("siblings_sticky", "siblings_switching"),
        ("crdt_counter", "crdt_counter_retry"),
        ("siblings_session", "crdt_mv_register_session"),
    ):
        assert set(pair) <= stems


# ---------------------------------------------------------------- the LWW counterexample

LWW_SKEW_TRACE = [
    "c1 invokes write x=2 at l1",
    "l1 receives write(x=2) from c1",
    "c1 receives ack(2@t2/l1) from l1",
    "c0 invokes write x=1 at l0",
    "l0 receives write(x=1) from c0",
    "c0 receives ack(1@t2/l0) from l0",
]


def test_lww_skew_shortest_lost_update_is_pinned():
    result = check(MultiLeader(conflict="lww", skew=1, clients=["w", "w"], homes=["l0", "l1"]))
    nlu = result["no_lost_updates"]
    assert nlu.verdict.value == "VIOLATED"
    assert [str(a) for a in nlu.trace.actions] == LWW_SKEW_TRACE
    # l1's clock runs one tick ahead; c0's later write ties at t2 and loses to c1's larger value
    assert nlu.trace.steps[0].state.extra.offsets == (0, 1)
    assert nlu.trace.steps[0].state.extra.ties == 1
    final = nlu.trace.steps[-1].state
    assert final.nodes[0][0] == (2, 1, 0, 1) and final.nodes[1][0] == (2, 2, 1, 2)


def test_lww_skew_zero_same_scripts_never_lose_a_later_write():
    result = check(MultiLeader(conflict="lww", skew=0, clients=["w", "w"], homes=["l0", "l1"]))
    assert result["no_lost_updates"].verdict.value == "HOLDS"
    assert result["converged_by_losing_a_write"].verdict.value == "HOLDS"


def test_lww_diagram_and_caption(tmp_path):
    code = main(["check", str(SPEC_DIR / "lww_skew.toml"), "--out", str(tmp_path), "--quiet"])
    assert code == 0
    dot = (tmp_path / "lww_skew" / "no_lost_updates.dot").read_text(encoding="utf-8")
    assert "l1 (clock +1)" in dot and "does not supersede" in dot


# ---------------------------------------------------------------- modes and their properties


def test_each_mode_has_its_own_properties():
    lww = MultiLeader(conflict="lww")
    sib = MultiLeader(conflict="siblings")
    counter = MultiLeader(conflict="crdt", type="counter", clients=["inc r"])
    or_set = MultiLeader(conflict="crdt", type="or_set", clients=["add:a r"])
    mv = MultiLeader(conflict="crdt", type="mv_register")
    assert all(isinstance(m, MultiLeader) for m in (lww, sib, counter, or_set, mv))
    assert {
        "no_lost_updates",
        "linearizable",
        "converged_by_losing_a_write",
        "convergence",
        "eventual_convergence",
    } <= names(lww)
    for vector in (sib, counter, or_set, mv):
        assert not {"no_lost_updates", "linearizable"} & names(vector)
        assert {"convergence", "eventual_convergence", "read_your_writes", "durable_acks"} <= names(vector)
    assert "client_merges_siblings" in names(sib) and "client_merges_siblings" not in names(mv)
    assert "counts_every_increment" in names(counter)
    assert "add_wins" in names(or_set)


def test_defaults_build_and_stay_small():
    result = check(MultiLeader())
    assert result.stats.complete and result.stats.states < 20_000


class KeepOneSibling(SiblingsMultiLeader):
    """A broken merge: keeps only the largest version, as a naive LWW would."""

    def merge(self, state, incoming):
        return (max(state + incoming),)


class RemoveDropsUnseenAdds(OrSetMultiLeader):
    """A broken OR-set: a merge keeps the side with the bigger context (a state-LWW set)."""

    def merge(self, state, incoming):
        return max(state, incoming, key=lambda s: (sum(s[1]), s))


class MaxCounter(CounterMultiLeader):
    """A broken counter: a merge keeps the bigger total instead of the entry-wise maximum."""

    def merge(self, state, incoming):
        return max(state, incoming, key=lambda s: (sum(s[0]) - sum(s[1]), s))


@pytest.mark.parametrize(
    "mutant, params, prop",
    [
        (KeepOneSibling, dict(conflict="siblings", clients=["w", "w"]), "no_write_discarded_unseen"),
        (RemoveDropsUnseenAdds, dict(conflict="crdt", type="or_set", clients=["add:a", "add:b"]), "add_wins"),
        (MaxCounter, dict(conflict="crdt", type="counter", clients=["inc", "inc"]), "counts_every_increment"),
    ],
)
def test_family_properties_catch_a_broken_merge(mutant, params, prop):
    assert check(mutant(**params))[prop].verdict.value == "VIOLATED"
    assert check(MultiLeader(**params))[prop].verdict.value == "HOLDS"


def test_a_mode_class_refuses_another_mode():
    with pytest.raises(ParameterError) as err:
        LwwMultiLeader(conflict="siblings")
    assert err.value.field == "conflict" and "MultiLeader(" in str(err.value)


# ---------------------------------------------------------------- parameter errors

BAD_PARAMS = [
    (dict(conflict="crdt"), "type", "counter, or_set or mv_register"),
    (dict(conflict="lww", type="counter"), "type", "remove it"),
    (dict(conflict="siblings", skew=1), "skew", "remove it"),
    (dict(conflict="paxos"), "conflict", "must be one of"),
    (dict(conflict="crdt", type="g_set"), "type", "must be one of"),
    (dict(leaders=4), "leaders", "at most 3"),
    (dict(skew=9), "skew", "at most 3"),
    (dict(homes=["l0"]), "homes", "one home leader per client"),
    (dict(homes=["l0", "l7"]), "homes", "unknown leader 'l7'"),
    (dict(clients=[]), "clients", "at least one client script"),
    (dict(clients=["w inc"]), "clients", "the operations are w, r"),
    (dict(clients=["w r@l2"]), "clients", "@l0..@l1"),
    (dict(conflict="crdt", type="or_set", clients=["add r"]), "clients", "add:E, rem:E, r"),
    (dict(conflict="crdt", type="or_set", clients=["r:y"]), "clients", "one set"),
    (dict(conflict="crdt", type="counter", clients=["w add:a"]), "clients", "inc, dec"),
    (dict(colour="red"), "colour", "this model takes"),
    (dict(heals=False), "heals", "partitions = 1"),
]


@pytest.mark.parametrize("given, field, fix", BAD_PARAMS, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_PARAMS)])
def test_bad_parameter_is_one_line_naming_field_and_fix(given, field, fix):
    with pytest.raises(ParameterError) as err:
        MultiLeader(**given)
    message = str(err.value)
    assert err.value.field == field
    assert f"parameter '{field}'" in message and fix in message
    assert "\n" not in message


def test_bad_parameter_in_a_spec_names_the_params_field(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('model = "multi_leader"\n[params]\nconflict = "crdt"\n', encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "field 'params.type'" in str(err.value) and "\n" not in str(err.value)


def test_command_line_strings_are_accepted():
    model = MultiLeader(conflict="siblings", clients="w r,w", homes="l1,l0", sticky="false")
    assert model.homes == (1, 0)
    assert [op.leader for op in model.scripts[0]] == [1, 0]  # the read goes to the next region


# ---------------------------------------------------------------- liveness: eventual convergence

LIVENESS_SPECS = sorted((ROOT / "specs" / "liveness").glob("multi_leader_*.toml"))
LIVENESS_VERDICTS = {
    "multi_leader_lww": "HOLDS",
    "multi_leader_crdt_counter": "HOLDS",
    "multi_leader_crdt_or_set": "HOLDS",
    "multi_leader_crdt_mv_register": "HOLDS",
    "multi_leader_siblings": "HOLDS",
    "multi_leader_lww_never_heals": "VIOLATED",
    "multi_leader_crdt_counter_never_heals": "VIOLATED",
    "multi_leader_lww_disk_loss": "VIOLATED",
}


def test_every_mode_has_a_liveness_spec():
    assert {p.stem for p in LIVENESS_SPECS} == set(LIVENESS_VERDICTS)


@pytest.mark.parametrize("path", LIVENESS_SPECS, ids=[p.stem for p in LIVENESS_SPECS])
def test_liveness_spec_verdicts_and_pinned_states(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["model"] == "multi_leader" and "docs/databases.md" in data["description"]
    assert data["expect"]["eventual_convergence"] == LIVENESS_VERDICTS[path.stem]
    model = MultiLeader(**data["params"])
    result = check(model, properties=data["properties"])
    assert result.stats.complete, result.stats
    assert {name: result[name].verdict.value for name in data["expect"]} == data["expect"]
    assert result.stats.states == data["pin"]["states"]
    p = result["eventual_convergence"]
    if p.verdict.value == "VIOLATED":
        assert_is_lasso(model, p)


def assert_is_lasso(model, p):
    """The trace replays from an initial state and its last state is the loop's first."""
    steps = p.trace.steps
    assert steps[0].state in list(model.init_states())
    for before, after in zip(steps, steps[1:]):
        assert (after.action, after.state) in list(model.next_steps(before.state))
    assert steps[-1].state == steps[p.loop_start].state


NEVER_HEALS = dict(conflict="lww", clients=["w", "w"], homes=["l0", "l1"], partitions=1)
NEVER_HEALS_LASSO = [
    "c0 invokes write x=1 at l0",
    "l0 receives write(x=1) from c0",
    "c0 receives ack(1@t1/l0) from l0",
    "partition {l1,c1} | rest",
]


def test_a_partition_that_never_heals_is_a_pinned_lasso():
    model = MultiLeader(**NEVER_HEALS, heals=False)
    assert model.fair_actions == {"deliver"}
    p = check(model, properties=["eventual_convergence"])["eventual_convergence"]
    assert p.verdict.value == "VIOLATED"
    assert [str(a) for a in p.trace.actions] == NEVER_HEALS_LASSO
    # the behaviour stops for ever in the last state: the loop is that state repeated
    assert p.loop_start == len(p.trace) == 4
    assert "stops for ever" in p.reason and "weak fairness of deliver" in p.reason
    assert "heal" not in p.reason
    assert_is_lasso(model, p)
    final = p.trace.steps[-1].state
    assert final.nodes == (((1, 0, 0, 1),), ((0, 0, -1, 0),))  # l0 holds x=1@t1/l0, l1 the initial
    assert final.faults.side and final.faults.partitions == 1
    assert [(m.kind, m.src, m.dst) for m in final.net] == [("rep", 0, 1)]  # stuck at the cut
    assert all(c.op is None for c in final.clients)
    # no fair step is left: only the (unfair) heal and c1's invocation
    assert {a.kind for a, _ in model.next_steps(final)} == {"heal", "invoke"}


def test_the_same_partition_healing_fairly_converges():
    model = MultiLeader(**NEVER_HEALS)
    assert model.fair_actions == {"deliver", "heal"} and model.stuttering
    result = check(model, properties=["eventual_convergence", "convergence"])
    assert result["eventual_convergence"].verdict.value == "HOLDS"
    assert "weak fairness of deliver, heal" in result["eventual_convergence"].reason
    # the safety form holds in both: a "rep" stuck at the cut keeps the system from quiet
    never = check(MultiLeader(**NEVER_HEALS, heals=False), properties=["convergence"])
    assert never["convergence"].verdict.value == "HOLDS"
    assert never.stats.states == result.stats.states == 613


class IncomingWins(LwwMultiLeader):
    """A broken LWW merge: the state that arrives last wins, whatever its stamp."""

    def merge(self, state, incoming):
        return incoming


def test_eventual_convergence_catches_an_order_dependent_merge_without_faults():
    params = dict(conflict="lww", clients=["w", "w"], homes=["l0", "l1"])
    model = IncomingWins(**params)
    p = check(model, properties=["eventual_convergence"])["eventual_convergence"]
    assert p.verdict.value == "VIOLATED" and p.loop_start == len(p.trace)
    assert_is_lasso(model, p)
    final = p.trace.steps[-1].state
    assert final.nodes[0] != final.nodes[1] and not final.net
    assert (
        check(MultiLeader(**params), properties=["eventual_convergence"])["eventual_convergence"].verdict.value
        == "HOLDS"
    )
