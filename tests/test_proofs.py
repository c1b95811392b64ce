"""z3 proofs, concrete quorum checks against brute force, synthesis and the prove command."""

import argparse
import itertools
import json

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from replcheck.models import proofs
from replcheck.checker.errors import ParameterError, UsageError
from replcheck.models.prove_command import add_parsers, run_prove, run_synthesize


def brute_force_meet(n: int, w: int, r: int) -> bool:
    replicas = range(n)
    return all(
        set(a) & set(b) for a in itertools.combinations(replicas, w) for b in itertools.combinations(replicas, r)
    )


# ---------------------------------------------------------------- proofs for every N


@pytest.mark.parametrize(
    "prove",
    [proofs.quorum_intersection, proofs.majority_intersection, proofs.concurrent_writes_overlap, proofs.availability],
)
def test_unbounded_facts_are_proved(prove):
    result = prove()
    assert result.holds and result.answer == "unsat"
    assert result.counterexample is None
    assert result.premises and result.step and result.claim and result.conclusion


def test_quorum_intersection_states_its_premise():
    result = proofs.quorum_intersection()
    assert "W + R > N" in result.premises
    assert "both = 0" in result.step


def test_wrong_claim_is_refuted_by_the_same_machinery():
    result = proofs.quorums_meet_for_all(
        name="wrong",
        claim="W + R >= N implies intersection",
        sizes=("W", "R"),
        labels=("write quorum", "read quorum"),
        rule=lambda n, w, r: w + r >= n,
        rule_text="W + R >= N",
        conclusion="unreachable",
    )
    assert not result.holds and result.answer == "sat"
    ce = result.counterexample
    assert ce["W"] + ce["R"] >= ce["N"]
    assert len(ce["write_quorum"]) == ce["W"] and len(ce["read_quorum"]) == ce["R"]
    assert not set(ce["write_quorum"]) & set(ce["read_quorum"])
    assert all(0 <= i < ce["N"] for i in ce["write_quorum"] + ce["read_quorum"])


def test_wrong_majority_rule_is_refuted():
    # "at least half" instead of "more than half": two halves of an even N are disjoint.
    result = proofs.quorums_meet_for_all(
        name="wrong",
        claim="halves meet",
        sizes=("M1", "M2"),
        labels=("first half", "second half"),
        rule=lambda n, a, b: z3.And(2 * a >= n, 2 * b >= n),
        rule_text="2*M1 >= N and 2*M2 >= N",
        conclusion="unreachable",
    )
    assert not result.holds


@pytest.mark.parametrize(
    "prove", [proofs.quorum_intersection, proofs.availability, lambda: proofs.quorum_intersection(4, 2, 2)]
)
def test_smt2_is_a_complete_query(prove):
    text = prove().smt2
    assert text.startswith("; expected answer:")
    assert "(check-sat)" in text and "(assert" in text


def test_smt2_rechecks_to_the_stated_answer():
    for result in (proofs.quorum_intersection(), proofs.quorum_intersection(4, 2, 2), proofs.availability()):
        solver = z3.Solver()
        solver.from_string(result.smt2)
        assert str(solver.check()) == result.answer


# ---------------------------------------------------------------- concrete configurations


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_concrete_verdict_matches_brute_force(data):
    n = data.draw(st.integers(1, 8), label="n")
    w = data.draw(st.integers(1, n), label="w")
    r = data.draw(st.integers(1, n), label="r")
    result = proofs.quorum_intersection(n, w, r)
    assert result.holds == brute_force_meet(n, w, r)
    if result.holds:
        assert result.counterexample is None
    else:
        write, read = result.counterexample["write_quorum"], result.counterexample["read_quorum"]
        assert len(write) == w and len(read) == r
        assert list(write) == sorted(set(write)) and list(read) == sorted(set(read))
        assert not set(write) & set(read)
        assert set(write) | set(read) <= set(range(n))


def test_documented_counterexample():
    result = proofs.quorum_intersection(4, 2, 2)
    assert not result.holds
    ce = result.counterexample
    assert sorted(ce["write_quorum"] + ce["read_quorum"]) == [0, 1, 2, 3]
    text = proofs.render(result)
    assert "write quorum" in text and "read quorum" in text and "FAILS" in text


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_concurrent_writes_concrete_matches_brute_force(data):
    n = data.draw(st.integers(1, 7), label="n")
    w = data.draw(st.integers(1, n), label="w")
    assert proofs.concurrent_writes_overlap(n, w).holds == brute_force_meet(n, w, w)


@pytest.mark.parametrize("n", range(1, 8))
def test_majorities_meet_for_small_n(n):
    assert proofs.majority_intersection(n).holds


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_concrete_availability(data):
    n = data.draw(st.integers(1, 8), label="n")
    q = data.draw(st.integers(1, n), label="q")
    f = data.draw(st.integers(0, n), label="f")
    result = proofs.availability(n, q, f)
    assert result.holds == (q <= n - f)
    if result.holds:
        crashed, quorum = result.witness["crashed"], result.witness["quorum"]
        assert len(crashed) == f and len(quorum) == q and not set(crashed) & set(quorum)
    else:
        assert "reason" in result.counterexample


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(n=4, w=0, r=2), "w"),
        (dict(n=4, w=5, r=2), "w"),
        (dict(n=0, w=1, r=1), "n"),
        (dict(n=4, w=2), "r"),
        (dict(n=4, w=2, r=-1), "r"),
        (dict(n=4, w=2.5, r=2), "w"),
    ],
)
def test_bad_concrete_values(kwargs, field):
    with pytest.raises(ParameterError) as info:
        proofs.quorum_intersection(**kwargs)
    assert info.value.field == field


# ---------------------------------------------------------------- synthesis


def test_synthesize_read_your_writes():
    choices = proofs.synthesize(tolerate=1, guarantees=["read_your_writes"])
    assert (3, 2, 2) in choices
    assert choices[0] == (3, 2, 2)
    for n, w, r in choices:
        assert 1 <= w <= n - 1 and 1 <= r <= n - 1 and w + r > n


def test_synthesize_is_cheapest_first_and_complete():
    guarantees = ["linearizable", "no_concurrent_write_conflicts"]
    choices = proofs.synthesize(2, guarantees, max_n=7, limit=100)
    expected = sorted(
        (
            (n, w, r)
            for n in range(1, 8)
            for w in range(1, n + 1)
            for r in range(1, n + 1)
            if w <= n - 2 and r <= n - 2 and w + r > n and 2 * w > n
        ),
        key=lambda t: (t[0], t[1] + t[2], t[1]),
    )
    assert [(n, w + r, w) for n, w, r in choices] == [(n, w + r, w) for n, w, r in expected]
    assert sorted(choices) == sorted(expected)


def test_synthesize_limit_and_nothing_found():
    assert len(proofs.synthesize(0, [], limit=3)) == 3
    assert proofs.synthesize(4, ["linearizable"], max_n=7) == []


@pytest.mark.parametrize("tolerate, guarantees", [(-1, []), (1, ["eventual_magic"])])
def test_synthesize_rejects_bad_input(tolerate, guarantees):
    with pytest.raises(ParameterError) as info:
        proofs.synthesize(tolerate, guarantees)
    if guarantees:
        assert "read_your_writes" in str(info.value)


# ---------------------------------------------------------------- the commands


@pytest.fixture
def parser():
    root = argparse.ArgumentParser(prog="replcheck")
    add_parsers(root.add_subparsers(dest="command"))
    return root


def test_prove_exit_codes(parser, capsys):
    assert run_prove(parser.parse_args(["prove", "quorum-intersection"])) == 0
    assert "unsat" in capsys.readouterr().out
    assert run_prove(parser.parse_args(["prove", "quorum-intersection", "n=4", "w=2", "r=2"])) == 1
    out = capsys.readouterr().out
    assert "{0, 1}" in out and "{2, 3}" in out
    assert run_prove(parser.parse_args(["prove", "availability", "n=3", "q=2", "f=2"])) == 1


def test_prove_json_and_smt2(parser, capsys, tmp_path):
    target = tmp_path / "q.smt2"
    args = parser.parse_args(["prove", "majority-intersection", "--json", "--smt2", str(target)])
    assert run_prove(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["holds"] is True and data["name"] == "majority-intersection"
    assert "(check-sat)" in target.read_text()


@pytest.mark.parametrize(
    "argv, names",
    [
        (["prove", "quorum-majesty"], "quorum-intersection"),
        (["prove", "quorum-intersection", "n=abc", "w=1", "r=1"], "n="),
        (["prove", "quorum-intersection", "n=3", "w=0", "r=1"], "'w'"),
        (["prove", "quorum-intersection", "n=3", "w=4", "r=1"], "'w'"),
        (["prove", "quorum-intersection", "n=-3", "w=1", "r=1"], "'n'"),
        (["prove", "quorum-intersection", "x=3"], "'x'"),
        (["prove", "availability", "n=3", "q=1", "f=4"], "'f'"),
        (["synthesize", "--tolerate", "one"], "--tolerate"),
        (["synthesize", "--tolerate", "1", "--guarantee", "nope"], "read_your_writes"),
    ],
)
def test_bad_input_is_one_line_usage_error(parser, argv, names):
    args = parser.parse_args(argv)
    with pytest.raises(UsageError) as info:
        args.func(args)
    message = str(info.value)
    assert names in message and "\n" not in message


def test_synthesize_command_with_confirm(parser, capsys):
    seen = []

    def confirm(n, w, r, guarantees):
        seen.append((n, w, r, tuple(guarantees)))
        return "HOLDS (explicit)"

    args = parser.parse_args(["synthesize", "--tolerate", "1", "--guarantee", "read-your-writes"])
    assert run_synthesize(args, confirm=confirm) == 0
    out = capsys.readouterr().out
    assert seen[0] == (3, 2, 2, ("read_your_writes",))
    assert "HOLDS (explicit)" in out
    args = parser.parse_args(["synthesize", "--tolerate", "5", "--guarantee", "linearizable"])
    assert run_synthesize(args) == 1
