"""checker.probability: exact reachability probabilities on weighted models, refusals of
malformed weights and of unweighted choices, worst-case bounds, cut searches."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replcheck.checker import Model, ModelError, UsageError
from replcheck.checker.probability import reachability

HALF = Fraction(1, 2)


class TwoDice(Model):
    """Roll two fair dice, one after the other (acyclic)."""

    def init_states(self):
        return [()]

    def weighted_next_steps(self, s):
        if len(s) < 2:
            for face in range(1, 7):
                yield f"roll {face}", s + (face,), Fraction(1, 6)

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]


class Gambler(Model):
    """Gambler's ruin: from i, win one with probability p, lose one otherwise; stop at 0
    or at goal. Cyclic: the answer needs the linear system, not a sweep."""

    def __init__(self, start, goal, p):
        self.start, self.goal, self.p = start, goal, p

    def init_states(self):
        return [self.start]

    def weighted_next_steps(self, i):
        if 0 < i < self.goal:
            yield "win", i + 1, self.p
            yield "lose", i - 1, 1 - self.p

    def next_steps(self, i):
        return [(a, t) for a, t, _ in self.weighted_next_steps(i)]


def ruin_closed_form(i, goal, p):
    q = 1 - p
    if p == q:
        return Fraction(i, goal)
    r = q / p
    return (r**i - 1) / (r**goal - 1)


def test_two_dice_sum_seven_is_one_sixth():
    result = reachability(
        TwoDice(), {"seven": lambda s: len(s) == 2 and sum(s) == 7, "double": lambda s: len(s) == 2 and s[0] == s[1]}
    )
    assert result["seven"].probability == Fraction(1, 6)
    assert result["double"].probability == Fraction(1, 6)
    assert result["seven"].reachable_states == 6
    assert result.states == 43 and result.transitions == 42 and result.complete
    assert result.kind == "DTMC" and result.bound is None


def test_a_witness_is_a_shortest_path_with_its_probability():
    w = reachability(TwoDice(), {"seven": lambda s: len(s) == 2 and sum(s) == 7})["seven"].witness
    assert w.actions == ("roll 1", "roll 6") and w.probability == Fraction(1, 36)


def test_an_unreachable_target_has_probability_zero_and_no_witness():
    t = reachability(TwoDice(), {"thirteen": lambda s: sum(s) == 13})["thirteen"]
    assert t.probability == 0 and t.reachable_states == 0 and t.witness is None


@settings(max_examples=40, deadline=None)
@given(
    goal=st.integers(2, 9),
    data=st.data(),
    p=st.fractions(min_value=Fraction(1, 20), max_value=Fraction(19, 20), max_denominator=20),
)
def test_gamblers_ruin_matches_the_closed_form(goal, data, p):
    start = data.draw(st.integers(1, goal - 1))
    result = reachability(Gambler(start, goal, p), {"rich": lambda i: i == goal, "ruined": lambda i: i == 0})
    assert result["rich"].probability == ruin_closed_form(start, goal, p)
    assert result["rich"].probability + result["ruined"].probability == 1


class Trap(Model):
    """From 0: half to a target, half into a two-state loop that never leaves."""

    def init_states(self):
        return [0]

    def weighted_next_steps(self, s):
        if s == 0:
            yield "escape", "done", HALF
            yield "trap", 1, HALF
        elif s in (1, 2):
            yield "spin", 3 - s, 1

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]


def test_runs_caught_in_a_closed_cycle_never_reach_the_target():
    assert reachability(Trap(), {"done": lambda s: s == "done"})["done"].probability == HALF


class Adversary(Model):
    """A fair coin, then an adversary picks a die: fair (1/6 of a six) or loaded (1/2)."""

    def __init__(self, looping=False):
        self.looping = looping

    def init_states(self):
        return ["coin"]

    def weighted_next_steps(self, s):
        if s == "coin":
            yield "heads", "choose", HALF
            yield "tails", "lost", HALF
        elif s == "choose":
            yield "fair die", "fair", None
            yield "loaded die", "loaded", None
            if self.looping:
                yield "wait", "choose2", None
        elif s == "choose2":
            yield "back", "choose", None
        elif s == "fair":
            yield "six", "won", Fraction(1, 6)
            yield "other", "lost", Fraction(5, 6)
        elif s == "loaded":
            yield "six", "won", HALF
            yield "other", "lost", HALF

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]


def test_an_mdp_is_refused_without_a_worst_case_bound():
    with pytest.raises(ModelError, match="Markov decision process.*worst-case"):
        reachability(Adversary(), {"won": lambda s: s == "won"})


def test_worst_case_bounds_are_max_and_min_over_the_adversary():
    hi = reachability(Adversary(), {"won": lambda s: s == "won"}, worst_case="max")
    lo = reachability(Adversary(), {"won": lambda s: s == "won"}, worst_case="min")
    assert hi["won"].probability == Fraction(1, 4) and lo["won"].probability == Fraction(1, 12)
    assert hi.kind == "MDP" and hi.bound == "max"
    assert hi["won"].witness.probability is None  # the path passes an adversarial choice


def test_an_adversarial_choice_on_a_cycle_is_refused_not_approximated():
    with pytest.raises(ModelError, match="cycle through an unweighted choice"):
        reachability(Adversary(looping=True), {"won": lambda s: s == "won"}, worst_case="max")


def test_a_bad_bound_name_is_a_usage_error():
    with pytest.raises(UsageError, match="worst_case must be one of max, min"):
        reachability(Adversary(), {"won": lambda s: s == "won"}, worst_case="avg")


class Weighted(Model):
    """One step out of 0 with the given weights, for the malformed-weight refusals."""

    def __init__(self, weights, inits=(0,)):
        self.weights, self.inits = weights, inits

    def init_states(self):
        return list(self.inits)

    def weighted_next_steps(self, s):
        if s == 0:
            for k, w in enumerate(self.weights):
                yield f"to {k + 1}", k + 1, w

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]


@pytest.mark.parametrize(
    "weights, message",
    [
        ([0.5, 0.5], "must be exact"),
        ([HALF, Fraction(1, 3)], "sum to 5/6, not 1"),
        ([HALF, None], "mixes weighted and unweighted"),
        ([1, 0], "must be positive"),
        ([True], "must be exact"),
    ],
)
def test_malformed_weights_are_refused_clearly(weights, message):
    with pytest.raises(ModelError, match=message):
        reachability(Weighted(weights), {"one": lambda s: s == 1})


def test_a_model_without_weights_or_with_several_starts_is_refused():
    from toy_models import Counter

    with pytest.raises(ModelError, match="no weighted_next_steps"):
        reachability(Counter(3), {"two": lambda s: s == 2})
    with pytest.raises(ModelError, match="2 initial states"):
        reachability(Weighted([1], inits=(0, 5)), {"one": lambda s: s == 1})


def test_a_cut_search_gives_bounds_not_a_probability():
    full = reachability(Gambler(5, 10, Fraction(1, 3)), {"rich": lambda i: i == 10})
    cut = reachability(Gambler(5, 10, Fraction(1, 3)), {"rich": lambda i: i == 10}, max_states=4)
    assert not cut.complete and cut["rich"].probability is None
    assert cut["rich"].lower <= full["rich"].probability <= cut["rich"].upper
    assert cut["rich"].lower < cut["rich"].upper


class DuckCoin:
    """Not a Model subclass: the adapter takes weighted_next_steps from it."""

    def init_states(self):
        return ["flip"]

    def weighted_next_steps(self, s):
        if s == "flip":
            yield "heads", "H", Fraction(1, 3)
            yield "tails", "T", Fraction(2, 3)

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]


def test_a_duck_typed_model_with_weights_is_adapted():
    assert reachability(DuckCoin(), {"H": lambda s: s == "H"})["H"].probability == Fraction(1, 3)


class Urn(Model):
    """Three interchangeable cells; each step marks one uniformly at random, twice. The
    canonical form (sorted) lumps permutations of the cells."""

    def init_states(self):
        return [(0, 0, 0, 0)]  # marks per cell, then steps taken

    def weighted_next_steps(self, s):
        if s[3] < 2:
            for c in range(3):
                cells = list(s[:3])
                cells[c] += 1
                yield f"mark {c}", (*cells, s[3] + 1), Fraction(1, 3)

    def next_steps(self, s):
        return [(a, t) for a, t, _ in self.weighted_next_steps(s)]

    def canonical(self, s):
        return (*sorted(s[:3]), s[3])


def test_symmetry_lumps_states_and_keeps_the_probabilities():
    same_cell_twice = {"twice": lambda s: max(s[:3]) == 2}
    plain = reachability(Urn(), same_cell_twice)
    lumped = reachability(Urn(), same_cell_twice, symmetry=True)
    assert plain["twice"].probability == lumped["twice"].probability == Fraction(1, 3)
    assert lumped.states < plain.states
    with pytest.raises(UsageError, match="no symmetry"):
        reachability(TwoDice(), same_cell_twice, symmetry=True)
