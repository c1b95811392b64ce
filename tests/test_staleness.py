"""PBS k-staleness by exploration (models/staleness.py) and the ``staleness`` command.

The expected values come from Bailis et al., "Probabilistically Bounded Staleness for
Practical Partial Quorums", VLDB 2012 (https://arxiv.org/abs/1204.6082), Section 3.1: the
closed form p_s = (C(N-W, R) / C(N, R))^k, and its worked example for N=3, R=W=1 (within 2
versions .5 recurring, within 3 versions .703 recurring, within 5 versions > .868) and for
N=3, R=1, W=2 (k=1: .6 recurring, k=2: .8 recurring, k=5: > .995). The exploration never
evaluates that formula; these tests compare the two.
"""

import json
from fractions import Fraction
from math import comb

import pytest

from replcheck.checker import Verdict, check
from replcheck.checker.cli import main
from replcheck.models.staleness import QuorumStaleness, explore_k_staleness, k_staleness


def closed_form(n, w, r, k):
    return 1 - Fraction(comb(n - w, r), comb(n, r)) ** k


@pytest.mark.parametrize("n", range(1, 7))
def test_exploration_matches_the_closed_form_for_every_small_configuration(n):
    for w in range(1, n + 1):
        for r in range(1, n + 1):
            for k in range(1, 5):
                assert k_staleness(n, w, r, k) == closed_form(n, w, r, k), (n, w, r, k)


def test_the_papers_worked_example():
    assert k_staleness(3, 1, 1, 2) == Fraction(5, 9)  # ".5 recurring"
    assert k_staleness(3, 1, 1, 3) == Fraction(19, 27)  # ".703 recurring"
    assert k_staleness(3, 1, 1, 5) > Fraction(868, 1000)
    assert k_staleness(3, 2, 1, 1) == Fraction(2, 3) == k_staleness(3, 1, 2, 1)
    assert k_staleness(3, 2, 1, 2) == Fraction(8, 9)
    assert k_staleness(3, 2, 1, 5) > Fraction(995, 1000)


@pytest.mark.parametrize("n, w, r, k", [(7, 1, 1, 5), (7, 3, 2, 5), (7, 2, 2, 3), (7, 4, 4, 2)])
def test_seven_replicas_are_explored_exactly(n, w, r, k):
    assert k_staleness(n, w, r, k) == closed_form(n, w, r, k)


def test_a_longer_history_than_k_gives_the_same_answer():
    # Versions older than the k latest are all equally stale: more writes change nothing.
    for writes in (3, 4):
        assert explore_k_staleness(4, 1, 2, 2, writes=writes).fresh == explore_k_staleness(4, 1, 2, 2).fresh


def test_symmetry_reduction_keeps_the_probability():
    from replcheck.checker.probability import reachability

    model = QuorumStaleness(4, 2, 1, 2)
    plain = reachability(model, {"fresh": model.is_fresh})
    lumped = reachability(model, {"fresh": model.is_fresh}, symmetry=True)
    assert plain["fresh"].probability == lumped["fresh"].probability == closed_form(4, 2, 1, 2)
    assert lumped.states < plain.states


@pytest.mark.parametrize("n, w, r", [(3, 1, 1), (3, 2, 2), (4, 2, 2), (4, 3, 2), (5, 2, 3)])
def test_stale_reads_are_reachable_exactly_when_quorums_need_not_meet(n, w, r):
    result = explore_k_staleness(n, w, r, 1)
    verdict = check(QuorumStaleness(n, w, r, 1))["read_within_k_versions"].verdict
    if w + r > n:
        assert result.stale_states == 0 and result.fresh == 1 and result.witness is None
        assert verdict is Verdict.HOLDS
    else:
        assert result.stale_states > 0 and result.fresh < 1
        assert verdict is Verdict.VIOLATED
        assert result.witness.actions[-1].endswith("returns v0")


def test_adversarial_placement_is_an_mdp_with_worst_case_bounds():
    from replcheck.checker import ModelError

    with pytest.raises(ModelError, match="Markov decision process"):
        explore_k_staleness(3, 1, 1, 2, placement="adversarial")
    worst = explore_k_staleness(3, 1, 1, 2, placement="adversarial", worst_case=True)
    assert worst.kind == "MDP" and worst.fresh == 0 and worst.stale == 1
    strict = explore_k_staleness(3, 2, 2, 2, placement="adversarial", worst_case=True)
    assert strict.fresh == 1 and strict.stale_states == 0


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_prints_fractions_and_decimals(capsys):
    code, out, _ = run(capsys, "staleness", "leaderless", "n=3", "w=1", "r=1", "k=1..3")
    assert code == 0
    assert "1/3 = 0.333" in out and "5/9 = 0.556" in out and "19/27 = 0.704" in out
    assert "Stale reads are reachable" in out


def test_a_strict_quorum_says_no_stale_read_is_reachable(capsys):
    code, out, _ = run(capsys, "staleness", "leaderless", "n=3", "w=2", "r=2", "k=2")
    assert code == 0 and "1 = 1.000" in out and "No stale read is reachable" in out


def test_every_n_up_to_seven_runs_from_the_command_line(capsys):
    for n in range(1, 8):
        code, out, _ = run(capsys, "staleness", "leaderless", f"n={n}", "w=1", "r=1", "k=1,5", "--json")
        data = json.loads(out)
        assert code == 0
        assert [Fraction(row["probability"]) for row in data["k_staleness"]["rows"]] == [
            closed_form(n, 1, 1, 1),
            closed_form(n, 1, 1, 5),
        ]


def test_json_output(capsys):
    code, out, _ = run(capsys, "staleness", "leaderless", "n=3", "w=1", "r=1", "k=2", "--json")
    data = json.loads(out)
    row = data["k_staleness"]["rows"][0]
    assert code == 0 and row["probability"] == "5/9" and row["stale_probability"] == "4/9"
    assert data["k_staleness"]["stale_read_reachable"] is True
    assert row["stale_witness"]["actions"][-1] == "read contacts {n1} and returns v0"
    assert "t_visibility" not in data


def test_decimals_never_round_a_value_short_of_one_to_one():
    from replcheck.models.staleness_command import decimal

    assert decimal(Fraction(5, 9)) == "0.556"
    assert decimal(Fraction(9999, 10000)) == "0.9999"
    assert decimal(Fraction(1)) == "1.000"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["staleness", "multi_leader", "n=3", "w=1", "r=1"], "not modelled"),
        (["staleness", "leaderless", "n=3", "w=1"], "missing r="),
        (["staleness", "leaderless", "n=3", "w=4", "r=1"], "'w': must be between 1 and n=3"),
        (["staleness", "leaderless", "n=x", "w=1", "r=1"], "not a whole number"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "q=2"], "unknown key 'q'"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "k=5..1"], "empty range"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "k=0"], "between 1 and 10"),
        (["staleness", "leaderless", "n=12", "w=1", "r=1"], "between 1 and 9"),
        (["staleness", "leaderless", "n=9", "w=4", "r=4", "k=10"], "lower k"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "t=5"], "t= needs a latency profile"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "placement=adversarial"], "add --worst-case"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "placement=random", "--worst-case"], "placement"),
        (["staleness", "leaderless", "n=3", "w=1", "r=1", "--svg", "/nonexistent/dir/x.svg"], "no directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1, err


def test_the_python_api_for_other_front_ends():
    from replcheck.models.staleness import report

    r = report(3, 1, 1, ks=(2,))
    assert r.data["k_staleness"]["rows"][0]["probability"] == "5/9" and "5/9 = 0.556" in r.text
    assert r.svg.startswith("<svg") and "t_visibility" not in r.data
    strict = report(3, 2, 2, ks=(1, 2))
    assert not strict.data["k_staleness"]["stale_read_reachable"] and "No stale read is reachable" in strict.text
