"""Liveness under weak fairness on toy models whose answers are known by hand, then the
leaderless family's convergence (anti-entropy, lost messages, read repair)."""

import pytest

from replcheck.checker import ModelError, ReplcheckError, Verdict, check
from replcheck.checker.properties import (
    always_eventually,
    assume_infinitely_often,
    eventually,
    eventually_always,
    sometimes,
)
from replcheck.models.leaderless import Leaderless

from toy_models import Flaky


def assert_is_lasso(model, p):
    """The trace replays, its last state is the loop's first state, and the loop's first
    action leads from the last state back into the loop."""
    steps = p.trace.steps
    k = p.loop_start
    assert 0 <= k <= len(p.trace)
    assert steps[0].state in list(model.init_states())
    for before, after in zip(steps, steps[1:]):
        assert (after.action, after.state) in list(model.next_steps(before.state))
    assert steps[-1].state == steps[k].state
    if k < len(p.trace):
        first = steps[k + 1]
        assert (first.action, first.state) in list(model.next_steps(steps[-1].state))


# --- toys ---------------------------------------------------------------------------------------


class Spin:
    """a <-> b by "spin"; "finish" leads from a (and from b unless only_from_a) to done."""

    def __init__(self, fair=(), only_from_a=False, declare=True):
        if declare:
            self.fair_actions = set(fair)
        self.only_from_a = only_from_a

    def init_states(self):
        return ["a"]

    def next_steps(self, s):
        if s == "a":
            yield "spin", "b"
            yield "finish", "done"
        elif s == "b":
            yield "spin", "a"
            if not self.only_from_a:
                yield "finish", "done"

    @eventually
    def done(self, s):
        """eventually done"""
        return s == "done"

    @sometimes
    def can_finish(self, s):
        """done is reachable"""
        return s == "done"


def test_a_loop_without_fairness_is_a_lasso_counterexample():
    m = Spin()
    p = check(m)["done"]
    assert p.verdict == Verdict.VIOLATED
    assert p.loop_start == 0 and [s.state for s in p.trace.steps] == ["a", "b", "a"]
    assert "loop starts at step 0" in p.reason
    assert_is_lasso(m, p)


def test_fairness_of_the_exit_makes_it_hold():
    r = check(Spin(fair={"finish"}))
    assert r["done"].verdict == Verdict.HOLDS and r["done"].trace is None
    assert "weak fairness of finish" in r["done"].reason


def test_fairness_of_the_wrong_action_does_not_help():
    assert check(Spin(fair={"spin"}))["done"].verdict == Verdict.VIOLATED


def test_weak_fairness_is_not_strong_fairness():
    # finish is disabled in b, so it is not continuously enabled on a <-> b: weakly fair
    # behaviours may spin for ever (strong fairness would forbid it)
    m = Spin(fair={"finish", "spin"}, only_from_a=True)
    p = check(m)["done"]
    assert p.verdict == Verdict.VIOLATED and p.loop_start == 0
    assert_is_lasso(m, p)


def test_a_model_without_fairness_declared_gets_unknown():
    r = check(Spin(declare=False))
    assert r["done"].verdict == Verdict.UNKNOWN and "fair_actions" in r["done"].reason


class Line:
    """0 -> 1 -> ... -> end, a final state. Stuttering optional."""

    def __init__(self, end=1, target=1, fair=(), stuttering=False):
        self.end, self.target = end, target
        self.fair_actions, self.stuttering = set(fair), stuttering

    def init_states(self):
        return [0]

    def next_steps(self, x):
        if x < self.end:
            yield "go", x + 1

    @eventually
    def reaches(self, x):
        """x reaches the target"""
        return x == self.target


def test_a_final_state_that_misses_the_property_is_a_violation():
    m = Line(end=2, target=5)
    p = check(m)["reaches"]
    assert p.verdict == Verdict.VIOLATED
    assert p.loop_start == len(p.trace) == 2
    assert "stops for ever" in p.reason
    assert_is_lasso(m, p)


def test_a_final_state_that_has_the_property_holds():
    assert check(Line(end=2, target=2))["reaches"].verdict == Verdict.HOLDS


def test_without_stuttering_a_behaviour_cannot_stop_before_the_end():
    assert check(Line(end=1, target=1))["reaches"].verdict == Verdict.HOLDS


def test_with_stuttering_only_fairness_forces_progress():
    m = Line(end=1, target=1, stuttering=True)
    p = check(m)["reaches"]
    assert p.verdict == Verdict.VIOLATED and p.loop_start == 0 and len(p.trace) == 0
    assert "no fair action is enabled" in p.reason
    assert check(Line(end=1, target=1, fair={"go"}, stuttering=True))["reaches"].verdict == Verdict.HOLDS


class Detour:
    """a, b, c all miss the goal. a <-> b and a <-> c by "walk"; "exit" (fair) leads from a
    and b to the goal but is disabled in c. A fair loop must pass through c."""

    fair_actions = {"exit"}

    def init_states(self):
        return ["a"]

    def next_steps(self, s):
        moves = {"a": ["b", "c"], "b": ["a"], "c": ["a"], "goal": []}[s]
        for t in moves:
            yield "walk", t
        if s in ("a", "b"):
            yield "exit", "goal"

    @eventually
    def goal(self, s):
        """the goal is reached"""
        return s == "goal"


def test_the_loop_visits_a_state_where_the_untaken_fair_class_is_disabled():
    m = Detour()
    p = check(m)["goal"]
    assert p.verdict == Verdict.VIOLATED
    loop = [s.state for s in p.trace.steps[p.loop_start :]]
    assert "c" in loop and "goal" not in loop
    assert_is_lasso(m, p)


class Vacuous:
    """a <-> b; the assumption "infinitely often in c" can never be met."""

    fair_actions = set()

    def init_states(self):
        return ["a"]

    def next_steps(self, s):
        yield "flip", "b" if s == "a" else "a"

    @assume_infinitely_often
    def in_c(self, s):
        """c is visited again and again"""
        return s == "c"

    @eventually
    def reaches_c(self, s):
        """c is reached"""
        return s == "c"


def test_assumptions_nothing_can_meet_make_liveness_vacuous_not_holds():
    p = check(Vacuous())["reaches_c"]
    assert p.verdict == Verdict.UNKNOWN and p.reason.startswith("vacuous")


class Justice(Vacuous):
    """Also a -> a by "idle"; the assumption "infinitely often in b" rules out idling."""

    in_c = None

    def next_steps(self, s):
        yield from super().next_steps(s)
        if s == "a":
            yield "idle", "a"

    @assume_infinitely_often
    def in_b(self, s):
        """b is visited again and again"""
        return s == "b"

    @eventually_always
    def settles_in_a(self, s):
        """from some point on, always a"""
        return s == "a"

    @always_eventually
    def a_again_and_again(self, s):
        """a again and again"""
        return s == "a"


def test_a_justice_assumption_restricts_the_fair_behaviours():
    m = Justice()
    r = check(m)
    assert r["a_again_and_again"].verdict == Verdict.HOLDS  # every cycle passes through a
    p = r["settles_in_a"]  # idling in a for ever is not fair: b is visited again and again
    assert p.verdict == Verdict.VIOLATED
    assert "b" in [s.state for s in p.trace.steps[p.loop_start :]]
    assert_is_lasso(m, p)


class Ring:
    """0 -> 1 -> 2 -> 0 ("tick", fair), and 2 -> stop ("halt", not fair)."""

    fair_actions = {"tick"}

    def init_states(self):
        return [0]

    def next_steps(self, x):
        if x == "stop":
            return
        yield "tick", (x + 1) % 3
        if x == 2:
            yield "halt", "stop"

    @always_eventually
    def zero_again(self, x):
        """0 again and again"""
        return x == 0

    @eventually_always
    def stops(self, x):
        """from some point on, stopped"""
        return x == "stop"

    @eventually
    def two(self, x):
        """reaches 2"""
        return x == 2


def test_always_eventually_and_eventually_always():
    m = Ring()
    r = check(m)
    assert r["two"].verdict == Verdict.HOLDS
    zero = r["zero_again"]  # halting ends in "stop", which is not 0
    assert zero.verdict == Verdict.VIOLATED and zero.loop_start == len(zero.trace)
    assert zero.trace.steps[-1].state == "stop"
    stops = r["stops"]  # ticking for ever is fair
    assert stops.verdict == Verdict.VIOLATED and stops.loop_start == 0
    assert [s.state for s in stops.trace.steps] == [0, 1, 2, 0]
    for p in (zero, stops):
        assert_is_lasso(m, p)


# --- bounds, early stop, symmetry ---------------------------------------------------------------


@pytest.mark.parametrize("bounds", [dict(max_depth=1), dict(max_states=2), dict(time_limit=0)])
def test_a_bounded_search_leaves_liveness_unknown(bounds):
    r = check(Line(end=5, target=9), **bounds)
    assert not r.stats.complete
    assert r["reaches"].verdict == Verdict.UNKNOWN
    assert "whole state graph" in r["reaches"].reason


def test_a_depth_bound_that_covers_everything_still_decides():
    r = check(Line(end=3, target=9), max_depth=3)
    assert r.stats.complete and r["reaches"].verdict == Verdict.VIOLATED


def test_early_stop_waits_for_liveness():
    r = check(Spin(fair={"finish"}))  # can_finish is decided at depth 1
    assert r.stats.complete and r.stats.states == 3 and r.stats.stopped_by == ""
    only_safety = check(Spin(fair={"finish"}), properties=["can_finish"])
    assert only_safety.stats.stopped_by == "decided"


class Swap:
    """Two interchangeable slots; "swap" exchanges different values, "match" copies one."""

    fair_actions = {"swap"}

    def init_states(self):
        return [(0, 1)]

    def next_steps(self, s):
        p, q = s
        if p != q:
            yield "swap", (q, p)
            yield "match", (p, p)

    @eventually
    def equal(self, s):
        """both slots hold the same value"""
        return s[0] == s[1]


class SymmetricSwap(Swap):
    symmetric_fairness = True


def test_liveness_under_symmetry_is_refused_unless_the_model_vouches():
    with pytest.raises(ReplcheckError, match="symmetric_fairness"):
        check(Swap(), symmetry=lambda s: tuple(sorted(s)))


def test_liveness_under_symmetry_gives_the_same_verdict_and_a_real_lasso():
    m = SymmetricSwap()
    plain = check(m)["equal"]
    reduced = check(m, symmetry=lambda s: tuple(sorted(s)))
    p = reduced["equal"]
    assert plain.verdict == p.verdict == Verdict.VIOLATED
    assert reduced.stats.states < check(m).stats.states
    # the reduced graph has a self-loop on {0,1}; the real loop goes round twice
    assert [s.state for s in p.trace.steps] == [(0, 1), (1, 0), (0, 1)]
    assert_is_lasso(m, p)


# --- leaderless convergence ---------------------------------------------------------------------


def convergence(**params):
    m = Leaderless(**params)
    return m, check(m, properties=["eventual_convergence"])["eventual_convergence"]


def test_anti_entropy_makes_the_replicas_converge_despite_a_lost_write():
    _, p = convergence(clients=["w:x w:y"], drops=1, anti_entropy=True)
    assert p.verdict == Verdict.HOLDS


def test_without_anti_entropy_a_lost_write_leaves_a_replica_stale_for_ever():
    m, p = convergence(clients=["w:x w:y"], drops=1)
    assert p.verdict == Verdict.VIOLATED
    assert p.loop_start == len(p.trace)  # the behaviour stops in the stale state
    assert any(a.kind == "drop" for a in p.trace.actions)
    assert_is_lasso(m, p)
    assert not m.eventual_convergence(p.trace.steps[-1].state)


def test_async_read_repair_does_not_repair_a_key_that_is_not_read():
    m, p = convergence(clients=["w:x w:y r:x"], drops=1, read_repair="async")
    assert p.verdict == Verdict.VIOLATED
    assert_is_lasso(m, p)
    assert not any(a.kind == "invoke" and a.detail.kind == "r" for a in p.trace.actions)


def test_anti_entropy_with_four_keys_and_merkle_buckets():
    m = Leaderless(n=2, w=1, r=1, clients=["w:x w:y w:z w:u"])
    # versions are (timestamp, tie rank, writer) since issue 12 (was (timestamp, writer))
    assert m.merkle_summary(m.init_node(0).store) == (((0, 0, -1), (0, 0, -1)), ((0, 0, -1), (0, 0, -1)))
    _, p = convergence(n=2, w=1, r=1, clients=["w:x w:y w:z w:u"], drops=1, anti_entropy=True)
    assert p.verdict == Verdict.HOLDS


def test_anti_entropy_exchanges_only_the_differing_keys():
    m = Leaderless(n=2, w=1, r=1, clients=["w:x w:y w:z"], anti_entropy=True)
    world = next(iter(m.init_states()))
    newer = world.nodes[0].store[2]._replace(ts=5, writer=0, value=3)
    nodes = (world.nodes[0]._replace(store=world.nodes[0].store[:2] + (newer,)), world.nodes[1])
    steps = [(a, w) for a, w in m.next_steps(world._replace(nodes=nodes)) if a.kind == "anti_entropy"]
    assert len(steps) == 1
    action, after = steps[0]
    assert after.nodes[1].store == after.nodes[0].store == nodes[0].store
    assert str(action) == "anti-entropy n0<->n1: Merkle buckets {z} differ; n1 takes z=3@5"


def test_a_crashed_replica_that_never_recovers_does_not_count():
    _, p = convergence(clients=["w"], crashes=1)
    assert p.verdict == Verdict.HOLDS


def test_leaderless_convergence_is_the_same_under_symmetry():
    for params in (dict(clients=["w:x w:y"], drops=1), dict(clients=["w", "w"], drops=1, anti_entropy=True)):
        m = Leaderless(**params)
        plain = check(m, properties=["eventual_convergence"])["eventual_convergence"]
        reduced = check(m, properties=["eventual_convergence"], symmetry=m.canonical)["eventual_convergence"]
        assert plain.verdict == reduced.verdict
        if reduced.trace is not None:
            assert_is_lasso(m, reduced)


class Shortcut:
    """a -> p -> bad and a -> x -> y -> bad; only p has the property; bad is final."""

    fair_actions = set()

    def init_states(self):
        return ["a"]

    def next_steps(self, s):
        for t in {"a": ["p", "x"], "p": ["bad"], "x": ["y"], "y": ["bad"], "bad": []}[s]:
            yield "to " + t, t

    @eventually
    def visits_p(self, s):
        """p is visited"""
        return s == "p"


def test_the_prefix_of_an_eventually_lasso_avoids_the_property():
    m = Shortcut()
    p = check(m)["visits_p"]
    assert p.verdict == Verdict.VIOLATED
    assert [s.state for s in p.trace.steps] == ["a", "x", "y", "bad"]
    assert_is_lasso(m, p)


class FlakyLive(Flaky):
    """Flaky's nondeterminism, checked for liveness: the lasso cannot be replayed."""

    fair_actions = {"step"}
    small = None  # only the liveness property below

    @eventually
    def ten(self, x):
        """x reaches 10"""
        return x == 10


def test_a_nondeterministic_model_is_caught_when_its_lasso_is_replayed():
    with pytest.raises(ModelError, match="pure function of the state"):
        check(FlakyLive())
