"""Liveness verdicts cross-checked against networkx (issue 13).

An oracle written apart from ``checker/liveness.py``: it rebuilds the reachable graph by
calling ``next_steps`` itself, lets networkx find the strongly connected components, and
decides each liveness property from the semantics in ``checker/properties.py`` -- a property
fails exactly when some *fair end* avoids it:

* a component with an edge inside, in which every weakly fair class enabled in all of its
  states labels some edge inside it, and which meets every ``@assume_infinitely_often`` set;
* or a single state where a behaviour may stop (no successor; with ``stuttering``, no fair
  class enabled) and which meets every assumption.

For ``<>P`` the ends are sought among the P-false states reachable through P-false states only,
for ``[]<>P`` among all reachable P-false states, and for ``<>[]P`` among all reachable states,
ends that contain a P-false state. The engine must give the same verdict (HOLDS / VIOLATED;
UNKNOWN "vacuous" exactly when no fair behaviour exists), with and without symmetry reduction,
and its lasso's loop must lie inside one networkx component of the right region.

Cases: every spec under specs/liveness/, hypothesis-drawn tiny configurations of the three
families, and hypothesis-drawn random labelled graphs (all three property kinds, stuttering on
and off, with and without an assumption) where the answers are varied.
"""

from pathlib import Path
from typing import NamedTuple

import networkx as nx
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from replcheck.checker import Model, Verdict, check
from replcheck.checker.errors import ParameterError
from replcheck.checker.properties import (
    ALWAYS_EVENTUALLY,
    EVENTUALLY,
    LIVENESS,
    always_eventually,
    assume_infinitely_often,
    eventually,
    eventually_always,
)
from replcheck.checker.spec import load_spec
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.leaderless import Leaderless
from replcheck.models.multi_leader import MultiLeader

SPECS = Path(__file__).resolve().parent.parent / "specs" / "liveness"
MAX_STATES = 3000  # generated configurations bigger than this are set aside
MAX_SPEC_STATES = 8000  # so are bigger specs
DRAWS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)


# --- the oracle -----------------------------------------------------------------------------------


def explore(model) -> tuple[nx.MultiDiGraph, list]:
    """The reachable graph, each edge keyed by nothing and labelled with its action's class."""
    g = nx.MultiDiGraph()
    init = list(dict.fromkeys(model.init_states()))
    g.add_nodes_from(init)
    frontier = list(init)
    while frontier:
        nxt = []
        for s in frontier:
            for action, t in model.next_steps(s):
                if t not in g:
                    g.add_node(t)
                    nxt.append(t)
                g.add_edge(s, t, cls=getattr(action, "kind", action))
        frontier = nxt
    return g, init


class Oracle:
    """Liveness verdicts on a networkx graph of the whole reachable state space."""

    def __init__(self, model):
        self.model = model
        self.g, self.init = explore(model)
        fair = model.fair_actions
        self.fair = frozenset(fair() if callable(fair) else fair)
        self.enabled = {s: {c for _, _, c in self.g.out_edges(s, data="cls") if c in self.fair} for s in self.g}
        self.justice = [{s for s in self.g if a.predicate(s)} for a in model.assumptions()]

    def may_stop(self, s) -> bool:
        return self.g.out_degree(s) == 0 or (self.model.stuttering and not self.enabled[s])

    def fair_ends(self, region: set, must: list[set]):
        """The fair ends inside ``region`` meeting every set in ``must``: components (as sets)."""
        sub = self.g.subgraph(region)
        for comp in nx.strongly_connected_components(sub):
            for s in comp:
                if self.may_stop(s) and all(s in m for m in must):
                    yield {s}
            inner = [c for u, v, c in sub.out_edges(comp, data="cls") if v in comp]
            if not inner:
                continue
            always_enabled = set.intersection(*(self.enabled[s] for s in comp))
            if always_enabled <= set(inner) and all(comp & m for m in must):
                yield comp

    def region(self, prop) -> tuple[set, list[set]]:
        """Where a fair end must lie to violate ``prop``, and what it must meet."""
        false = {s for s in self.g if not prop.predicate(s)}
        if prop.kind == EVENTUALLY:
            start = [s for s in self.init if s in false]
            reach = set(start).union(*(nx.descendants(self.g.subgraph(false), s) for s in start))
            return reach, list(self.justice)
        if prop.kind == ALWAYS_EVENTUALLY:
            return false, list(self.justice)
        return set(self.g), list(self.justice) + [false]

    def verdict(self, prop) -> str:
        if self.justice and next(self.fair_ends(set(self.g), self.justice), None) is None:
            return "UNKNOWN"  # no fair behaviour at all: vacuous
        region, must = self.region(prop)
        return "VIOLATED" if next(self.fair_ends(region, must), None) is not None else "HOLDS"

    def loop_lies_in_one_end(self, prop, trace, loop_start: int) -> bool:
        """The lasso's loop runs inside one strongly connected component of the region."""
        region, _ = self.region(prop)
        loop = set(trace.states[loop_start:])
        if not loop <= region:
            return False
        comps = nx.strongly_connected_components(self.g.subgraph(region))
        return any(loop <= comp for comp in comps)


def live_properties(model) -> list:
    return [p for p in model.properties() if p.kind in LIVENESS]


def agree(model, symmetry: bool = False) -> dict:
    """The engine's liveness verdicts equal the oracle's; returns them by property."""
    oracle = Oracle(model)
    props = live_properties(model)
    canon = model.canonical if symmetry else None
    result = check(model, properties=[p.name for p in props], symmetry=canon)
    assert result.stats.complete
    if not symmetry:
        assert result.stats.states == oracle.g.number_of_nodes()
    out = {}
    for p in props:
        got = result[p.name]
        expected = oracle.verdict(p)
        assert got.verdict.value == expected, (p.name, got.verdict, got.reason, expected)
        if got.verdict is Verdict.VIOLATED:
            assert oracle.loop_lies_in_one_end(p, got.trace, got.loop_start), p.name
        out[p.name] = expected
    return out


# --- specs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.toml")), ids=lambda p: p.stem)
def test_liveness_specs_agree_with_networkx(path):
    spec = load_spec(path)
    model = spec.build()
    if spec.pin.get("states", 0) > MAX_SPEC_STATES:
        pytest.skip(f"{spec.pin['states']} states: too big for the networkx oracle within CI time")
    agree(model)


# --- generated family configurations ---------------------------------------------------------------


def _script():
    return (
        st.lists(
            st.lists(st.sampled_from(("w", "r", "w:y")), min_size=1, max_size=2).map(" ".join), min_size=1, max_size=2
        )
        .filter(lambda ss: sum(len(s.split()) for s in ss) <= 2)
        .map(tuple)
    )


@st.composite
def family_models(draw):
    family = draw(st.sampled_from(("leaderless", "multi_leader", "leader_follower")))
    faults = {
        k: 1 for k in draw(st.lists(st.sampled_from(("crashes", "drops", "partitions")), unique=True, max_size=1))
    }
    if "crashes" in faults:
        faults["recover"] = draw(st.booleans())
    clients = draw(_script())
    if family == "leaderless":
        n = draw(st.integers(2, 3))
        params = dict(
            n=n,
            w=draw(st.integers(1, n)),
            r=draw(st.integers(1, n)),
            clients=clients,
            read_repair=draw(st.sampled_from(("off", "async"))),
            anti_entropy=draw(st.booleans()),
            **faults,
        )
        cls = Leaderless
    elif family == "multi_leader":
        params = dict(conflict=draw(st.sampled_from(("lww", "siblings"))), clients=clients, **faults)
        if "partitions" in faults:
            params["heals"] = draw(st.booleans())
        cls = MultiLeader
    else:
        params = dict(
            followers=draw(st.integers(1, 2)),
            clients=clients,
            failover=draw(st.sampled_from(("none", "promote_most_up_to_date", "election"))),
            **faults,
        )
        cls = LeaderFollower
    try:
        return cls(**params)
    except ParameterError:
        assume(False)


def test_generated_family_configurations_agree_with_networkx():
    seen = []

    @settings(DRAWS, max_examples=120)
    @given(family_models())
    def one(model):
        assume(check(model, properties=[], max_states=MAX_STATES, stop_when_decided=False).stats.complete)
        verdicts = agree(model)
        if model.symmetric_node_groups() and model.symmetric_fairness:
            assert agree(model, symmetry=True) == verdicts
        seen.append(verdicts)

    one()
    answers = {v for verdicts in seen for v in verdicts.values()}
    assert len(seen) >= 100 and answers == {"HOLDS", "VIOLATED"}, (len(seen), answers)


# --- generated labelled graphs -----------------------------------------------------------------------


class Act(NamedTuple):
    kind: str
    target: int


class FairGraph(Model):
    """A random graph on 0..n-1 from state 0: edges labelled with action classes a, b, c;
    ``fair`` the weakly fair ones; P true on ``good``."""

    def __init__(self, edges, good, fair, stuttering, just=None):
        self.edges, self.good, self.fair_actions = edges, good, frozenset(fair)
        self.stuttering, self.just = stuttering, just

    def init_states(self):
        return [0]

    def next_steps(self, x):
        return [(Act(c, y), y) for y, c in self.edges[x]]

    @eventually
    def ev(self, x):
        """<>P"""
        return x in self.good

    @always_eventually
    def ae(self, x):
        """[]<>P"""
        return x in self.good

    @eventually_always
    def ea(self, x):
        """<>[]P"""
        return x in self.good


class JustGraph(FairGraph):
    """FairGraph whose fair behaviours pass through ``just`` again and again."""

    @assume_infinitely_often
    def visits_just(self, x):
        """the behaviour keeps visiting the justice set"""
        return x in self.just


@st.composite
def fair_graphs(draw):
    n = draw(st.integers(1, 7))
    node = st.integers(0, n - 1)
    edges = [sorted(set(draw(st.lists(st.tuples(node, st.sampled_from("abc")), max_size=3)))) for _ in range(n)]
    good = set(draw(st.lists(node, max_size=n)))
    fair = draw(st.sets(st.sampled_from("abc")))
    stuttering = draw(st.booleans())
    if draw(st.booleans()):
        return JustGraph(edges, good, fair, stuttering, just=set(draw(st.lists(node, min_size=0, max_size=3))))
    return FairGraph(edges, good, fair, stuttering)


def test_random_labelled_graphs_agree_with_networkx():
    seen = []

    @settings(DRAWS, max_examples=1500)
    @given(fair_graphs())
    def one(model):
        seen.append(tuple(sorted(agree(model).items())))

    one()
    outcomes = {(name, v) for verdicts in seen for name, v in verdicts}
    for name in ("ev", "ae", "ea"):
        assert {(name, "HOLDS"), (name, "VIOLATED"), (name, "UNKNOWN")} <= outcomes, name


def test_the_oracle_can_disagree():
    # A fair cycle the property avoids: the oracle says VIOLATED, so a wrong HOLDS would fail.
    model = FairGraph([[(1, "a")], [(0, "a")]], good=set(), fair={"a"}, stuttering=False)
    oracle = Oracle(model)
    assert [oracle.verdict(p) for p in live_properties(model)] == ["VIOLATED"] * 3
    # Weak fairness of b, enabled in 0 and never taken on the 0-1 cycle: that cycle is unfair,
    # so only the b-step to the good sink is a fair way out, and <>P holds.
    model = FairGraph([[(1, "a"), (2, "b")], [(0, "a"), (2, "b")], []], good={2}, fair={"b"}, stuttering=False)
    assert Oracle(model).verdict(live_properties(model)[0]) == "HOLDS"
