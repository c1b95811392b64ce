"""Sweeps: every cell a real exploration, and the explicit verdicts agree with z3's proofs."""

import json

import pytest
from hypothesis import given, settings, strategies as st

from replcheck.checker import UsageError, check
from replcheck.checker.cli import main
from replcheck.models.proofs import quorum_intersection
from replcheck.checker.sweep import cells, parse_axes
from replcheck.models.leaderless import Leaderless


def test_ranges_may_refer_to_earlier_parameters():
    combos = list(cells(parse_axes(["n=1..3", "w=1..n", "mode=off,async"])))
    assert len(combos) == (1 + 2 + 3) * 2
    assert combos[0] == {"n": 1, "w": 1, "mode": "off"}


@pytest.mark.parametrize(
    "words, fragment",
    [
        (["n"], "expected name=RANGE"),
        (["n=1..3", "n=2"], "given twice"),
        (["w=1..n"], "neither a whole number nor an earlier parameter"),
    ],
)
def test_bad_ranges_are_one_line_errors(words, fragment):
    with pytest.raises(UsageError, match=fragment):
        list(cells(parse_axes(words)))


def test_sweep_matrix_holds_exactly_where_quorums_intersect(tmp_path, capsys):
    code = main(
        [
            "sweep",
            "leaderless",
            "n=1..4",
            "w=1..n",
            "r=1..n",
            "--property",
            "read_your_writes",
            "--symmetry",
            "--json",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 1 + 4 + 9 + 16
    for cell in data:
        p = cell["params"]
        expected = "HOLDS" if p["w"] + p["r"] > p["n"] else "VIOLATED"
        assert cell["verdicts"]["read_your_writes"] == expected, p
    svg = (tmp_path / "sweep-leaderless" / "sweep.svg").read_text()
    assert svg.count("<rect") == len(data)
    assert (tmp_path / "sweep-leaderless" / "sweep.csv").read_text().count("\n") == len(data) + 1


def test_sweep_cell_with_bad_parameters_names_the_cell(capsys):
    assert main(["sweep", "leaderless", "n=2", "w=1..3"]) == 2
    assert "sweep cell n=2 w=3" in capsys.readouterr().err


@settings(max_examples=15)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(1, n))))
def test_explicit_read_your_writes_agrees_with_z3(nwr):
    n, w, r = nwr
    m = Leaderless(n=n, w=w, r=r)
    explicit = check(m, properties=["read_your_writes"], symmetry=m.canonical)["read_your_writes"]
    assert explicit.verdict.value in ("HOLDS", "VIOLATED")
    assert (explicit.verdict.value == "HOLDS") == quorum_intersection(n, w, r).holds


def test_synthesize_confirms_each_choice_by_exploration(capsys):
    code = main(["synthesize", "--tolerate", "1", "--guarantee", "read_your_writes", "--limit", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "read_your_writes HOLDS with read_repair=off, available with a replica down HOLDS" in out
