"""The engine on toy models: shortest traces, bounds, verdict rules, model errors."""

import time

import pytest
from hypothesis import given, strategies as st

from replcheck.checker import ModelError, ReplcheckError, Verdict, check

from toy_models import (
    BrokenModel,
    Counter,
    FastCounter,
    Flaky,
    Grid,
    Live,
    RandomGraphLive,
    Unhashable,
    UnhashableLater,
    WrongFastCounter,
)


def test_violation_has_a_shortest_trace_and_witness_too():
    r = check(Counter(5))
    assert r["below_bad"].verdict == Verdict.VIOLATED
    assert r["below_bad"].trace.actions == ["inc", "inc", "inc"]
    assert r["reaches_two"].verdict == Verdict.HOLDS
    assert [s.state for s in r["reaches_two"].trace.steps] == [0, 1, 2]


def test_complete_search_holds_and_counts():
    r = check(Counter(2))
    assert r.verdicts() == {"below_bad": Verdict.HOLDS, "reaches_two": Verdict.HOLDS}
    assert (r.stats.states, r.stats.transitions, r.stats.depth, r.stats.complete) == (3, 4, 2, True)


def test_sometimes_unreachable_is_violated_after_complete_search():
    r = check(Grid(3))
    assert r["unreachable"].verdict == Verdict.VIOLATED
    assert r["unreachable"].reason
    assert r.stats.states == 9 and r.stats.complete


@pytest.mark.parametrize("bounds", [dict(max_depth=1), dict(max_states=2), dict(time_limit=0)])
def test_bounded_search_never_says_holds(bounds):
    r = check(Grid(4), **bounds)
    assert not r.stats.complete
    assert r["not_corner"].verdict == Verdict.UNKNOWN
    assert r["unreachable"].verdict == Verdict.UNKNOWN
    assert "stopped the search" in r["not_corner"].reason


def test_depth_bound_that_covers_everything_is_complete():
    r = check(Grid(3), max_depth=4)
    assert r.stats.complete and r["not_corner"].verdict == Verdict.VIOLATED


def test_state_bound_exactly_the_state_count_is_complete():
    r = check(Counter(2), max_states=3)
    assert r.stats.complete and r["below_bad"].verdict == Verdict.HOLDS


def test_violation_found_before_bound_stands():
    r = check(Grid(5), max_depth=4)
    assert r["diagonal_ok"].verdict == Verdict.VIOLATED
    assert len(r["diagonal_ok"].trace) == 4
    assert r["not_corner"].verdict == Verdict.UNKNOWN


def test_stop_when_decided_and_full_exploration():
    early = check(Counter(50))
    full = check(Counter(50), stop_when_decided=False)
    assert early.stats.stopped_by == "decided" and not early.stats.complete
    assert full.stats.complete and full.stats.states == 51
    assert early.verdicts() == full.verdicts()


def test_property_selection_and_unknown_property():
    r = check(Counter(5), properties=["reaches_two"])
    assert [p.name for p in r.properties] == ["reaches_two"]
    with pytest.raises(ReplcheckError, match="unknown property 'nope'"):
        check(Counter(5), properties=["nope"])


@pytest.mark.parametrize("bad", [dict(max_depth=-1), dict(max_states=-5), dict(time_limit=-1.0), dict(max_depth="3")])
def test_negative_or_wrong_bounds_are_refused(bad):
    with pytest.raises(ReplcheckError, match="non-negative"):
        check(Counter(3), **bad)


def test_nondeterministic_model_is_detected_on_replay():
    with pytest.raises(ModelError, match="pure function of the state"):
        check(Flaky())


def test_unhashable_states_are_refused():
    with pytest.raises(ModelError, match="hashable"):
        check(Unhashable())


def test_unhashable_successors_are_refused_but_model_type_errors_pass_through():
    with pytest.raises(ModelError, match="hashable"):
        check(UnhashableLater(3))
    with pytest.raises(ModelError, match="hashable"):
        check(UnhashableLater(3), symmetry=lambda s: s)
    with pytest.raises(TypeError, match="model bug"):
        check(BrokenModel(3))


def test_depth_bound_whose_last_level_leads_back_to_an_initial_state_is_complete():
    r = check(Counter(2), max_depth=2)  # state 2 resets to the initial state 0
    assert r.stats.complete and r.stats.stopped_by == ""
    assert r["below_bad"].verdict == Verdict.HOLDS


@pytest.mark.parametrize("limit", [2, 5, 9])
def test_successors_gives_the_same_search_and_labelled_traces(limit):
    plain, fast = check(Counter(limit)), check(FastCounter(limit))
    assert fast.verdicts() == plain.verdicts()
    assert (fast.stats.states, fast.stats.transitions, fast.stats.depth) == (
        plain.stats.states,
        plain.stats.transitions,
        plain.stats.depth,
    )
    for p in plain.properties:
        if p.trace is not None:
            assert fast[p.name].trace == p.trace


def test_the_search_expands_with_successors_and_labels_only_traces():
    model = FastCounter(9)
    r = check(model, stop_when_decided=False)
    # one call per stored state, plus the check on the initial state
    assert model.expanded["successors"] == r.stats.states + 1
    # next_steps: the initial-state check, then the replay of the two traces (3 + 2 steps)
    assert model.expanded["next_steps"] == 1 + 3 + 2


def test_successors_that_disagree_with_next_steps_are_refused():
    with pytest.raises(ModelError, match="successors and next_steps disagree"):
        check(WrongFastCounter(3))


def test_liveness_is_reported_unknown_not_holds():
    r = check(Live())
    assert r["done"].verdict == Verdict.UNKNOWN and "liveness" in r["done"].reason


@given(st.integers(min_value=2, max_value=7))
def test_grid_violation_depth_is_the_manhattan_distance(size):
    r = check(Grid(size))
    trace = r["not_corner"].trace
    assert len(trace) == 2 * (size - 1)
    assert trace.steps[-1].state == (size - 1, size - 1)


def test_symmetry_keeps_verdicts_and_gives_real_traces():
    # states (i, j) and (j, i) are one class under the swap symmetry of the grid
    canon = lambda s: tuple(sorted(s))
    plain, reduced = check(Grid(4)), check(Grid(4), symmetry=canon)
    assert plain.verdicts() == reduced.verdicts()
    assert reduced.stats.states < plain.stats.states
    trace = reduced["not_corner"].trace
    for before, after in zip(trace.steps, trace.steps[1:]):
        assert (after.action, after.state) in list(Grid(4).next_steps(before.state))


def test_fingerprints_give_the_same_verdicts_counts_and_traces():
    exact, hashed = check(Grid(6)), check(Grid(6), fingerprints=True)
    assert exact.verdicts() == hashed.verdicts()
    assert exact.stats.states == hashed.stats.states
    assert exact["not_corner"].trace == hashed["not_corner"].trace
    assert hashed.stats.visited_bytes > 0 and 0 < hashed.stats.collision_chance < 1e-12
    assert exact.stats.visited_bytes == 0


def test_fingerprints_with_symmetry_still_give_real_traces():
    canon = lambda s: tuple(sorted(s))
    r = check(Grid(4), symmetry=canon, fingerprints=True)
    trace = r["not_corner"].trace
    for before, after in zip(trace.steps, trace.steps[1:]):
        assert (after.action, after.state) in list(Grid(4).next_steps(before.state))


@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 12))
    edges = [draw(st.lists(st.integers(0, n - 1), max_size=4)) for _ in range(n)]
    bad = draw(st.sets(st.integers(0, n - 1), max_size=2))
    goal = draw(st.sets(st.integers(0, n - 1), max_size=2))
    return RandomGraphLive(edges, bad, goal)


def _summary(result):
    s = result.stats
    return (
        s.states,
        s.transitions,
        s.depth,
        s.complete,
        s.stopped_by,
        s.levels,
        {p.name: (p.verdict, p.trace) for p in result.properties},
    )


def distances(model) -> list[int]:
    """How many states lie at each BFS distance from state 0, by a search written here."""
    dist, frontier = {0: 0}, [0]
    while frontier:
        reached = []
        for x in frontier:
            for y in model.edges[x]:
                if y not in dist:
                    dist[y] = dist[x] + 1
                    reached.append(y)
        frontier = reached
    counts = [0] * (max(dist.values()) + 1)
    for d in dist.values():
        counts[d] += 1
    return counts


@given(random_graphs(), st.none() | st.integers(1, 15), st.booleans())
def test_levels_count_the_states_at_each_depth(model, max_states, record):
    props = None if record else ["avoids_bad", "reaches_goal"]
    result = check(model, max_states=max_states, properties=props, stop_when_decided=False)
    s = result.stats
    assert sum(s.levels) == s.states and len(s.levels) == s.depth + 1
    if s.complete:
        assert list(s.levels) == distances(model)
    else:
        assert list(s.levels[:-1]) == distances(model)[: len(s.levels) - 1]


@given(random_graphs(), st.none() | st.integers(1, 15), st.booleans())
def test_plain_and_reducing_loops_explore_alike(model, max_states, stop_when_decided):
    """The search's two copies of its inner loop (plain, and with a state -> key map) give
    the same counts, stops, verdicts and traces when the map is the identity."""
    kwargs = dict(max_states=max_states, stop_when_decided=stop_when_decided, properties=["avoids_bad", "reaches_goal"])
    plain = check(model, **kwargs)
    keyed = check(model, symmetry=lambda s: s, **kwargs)
    assert _summary(keyed) == _summary(plain)


@given(random_graphs(), st.none() | st.integers(1, 15))
def test_recording_the_graph_explores_like_the_safety_loop(model, max_states):
    """With a liveness property selected the search records the graph in another loop; its
    counts, safety verdicts and traces are those of the safety loop run to the end."""
    safety = ["avoids_bad", "reaches_goal"]
    recorded = check(model, max_states=max_states)
    plain = check(model, max_states=max_states, properties=safety, stop_when_decided=False)
    assert recorded.stats.states == plain.stats.states
    assert recorded.stats.transitions == plain.stats.transitions
    assert (recorded.stats.depth, recorded.stats.stopped_by) == (plain.stats.depth, plain.stats.stopped_by)
    for name in safety:
        assert (recorded[name].verdict, recorded[name].trace) == (plain[name].verdict, plain[name].trace)


def test_an_unfinished_search_says_how_its_levels_grew():
    from replcheck.checker.report import stats_line

    grid = Grid(6)
    cut = check(grid, max_states=12, stop_when_decided=False)
    text = stats_line(cut)
    assert cut.stats.levels == (1, 2, 3, 4, 2)
    assert cut.stats.last_level_partial
    assert "states per level: 1, 2, 3, 4, 2 (the last one cut short)" in text
    assert "each full level still held 1.3x the one before" in text
    assert "per level" not in stats_line(check(grid))  # complete: nothing to explain


class _InterruptedGrid(Grid):
    """Grid that is interrupted (as by Ctrl-C) inside its fifth level's expansion."""

    calls = 0

    def next_steps(self, s):
        self.calls += 1
        if self.calls == 12:
            raise KeyboardInterrupt
        yield from super().next_steps(s)


def test_an_interrupt_inside_a_level_still_lists_its_states():
    from replcheck.checker.report import stats_line

    result = check(_InterruptedGrid(8), stop_when_decided=False)
    s = result.stats
    assert s.stopped_by == "interrupt" and s.last_level_partial
    assert sum(s.levels) == s.states and len(s.levels) == s.depth + 1
    assert s.levels[:5] == (1, 2, 3, 4, 5)
    assert "(the last one cut short)" in stats_line(result)


class _SlowGrid(Grid):
    def next_steps(self, s):
        time.sleep(0.02)
        yield from super().next_steps(s)


def test_a_time_limit_between_levels_leaves_the_last_level_whole():
    # The time limit is checked between levels and every 256 expansions; a 64-state grid
    # is only ever stopped between levels, so its last level is a whole one.
    from replcheck.checker.report import stats_line

    result = check(_SlowGrid(8), stop_when_decided=False, time_limit=0.15)
    s = result.stats
    assert s.stopped_by == "time_limit" and not s.last_level_partial
    assert s.levels == tuple(range(1, len(s.levels) + 1))
    assert s.growth == s.levels[-1] / s.levels[-2]
    assert "cut short" not in stats_line(result)
