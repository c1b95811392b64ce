"""The second and third wrong answers of issue 13, pinned (each test fails on the old code).

* synthesize confirmed N=3 W=2 R=2 "linearizable HOLDS" with a single-client workload that
  cannot break linearizability, while specs/leaderless/n3_w2_r2_inversion.toml shows that
  configuration VIOLATED;
* a spec whose [expect] named a property its ``properties`` list left out passed silently.
"""

import dataclasses

from replcheck.checker import Verdict, check
from replcheck.checker.cli import main
from replcheck.models.analyses import WORKLOADS, Confirmer
from replcheck.models.leaderless import Leaderless


def test_synthesize_no_longer_confirms_what_the_inversion_spec_violates(capsys):
    code = main(
        ["synthesize", "--tolerate", "1", "--guarantee", "linearizable", "--limit", "1", "--confirm-seconds", "4"]
    )
    out = capsys.readouterr().out
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("3  2  2"))
    assert "linearizable HOLDS" not in row
    assert "VIOLATED with read_repair=off" in row
    assert "clients ['w', 'r r']" in out  # the workload is printed


def test_synthesize_json_carries_the_workload(capsys):
    assert (
        main(
            [
                "synthesize",
                "--tolerate",
                "0",
                "--guarantee",
                "read_your_writes",
                "--limit",
                "1",
                "--json",
                "--confirm-seconds",
                "4",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "read_your_writes HOLDS with read_repair=off" in out
    assert "a client writes, then reads" in out


def test_each_confirmation_workload_breaks_its_guarantee_in_the_twin():
    for guarantee, workload in WORKLOADS.items():
        model = Leaderless(**dict(workload.twin), clients=workload.clients)
        assert check(model, properties=[guarantee])[guarantee].verdict is Verdict.VIOLATED, guarantee


def test_linearizable_workload_breaks_even_with_quorums_that_meet():
    # The nearby broken configuration of the recommended one: W + R > N, no read repair.
    model = Leaderless(n=3, w=2, r=2, clients=WORKLOADS["linearizable"].clients)
    assert check(model, properties=["linearizable"])["linearizable"].verdict is Verdict.VIOLATED


def test_a_workload_too_weak_to_break_the_guarantee_gives_unknown(monkeypatch):
    confirmer = Confirmer(tolerate=0, guarantees=["linearizable"], seconds=5)
    weak = dataclasses.replace(WORKLOADS["linearizable"], clients=("w r",))  # one client only
    monkeypatch.setitem(WORKLOADS, "linearizable", weak)
    assert confirmer(3, 2, 2, ["linearizable"]) == "linearizable UNKNOWN (workload too weak)"


def test_a_bounded_confirmation_is_unknown_never_holds():
    confirmer = Confirmer(tolerate=0, guarantees=["read_your_writes"], seconds=5, max_states=5)
    confirmer._twins["read_your_writes"] = "VIOLATED"
    assert confirmer(3, 2, 2, ["read_your_writes"]).startswith("read_your_writes UNKNOWN")


SPEC = """title = "N=3 W=1 R=1"
model = "leaderless"
properties = ["durable_acks"]
[params]
n = 3
w = 1
r = 1
[expect]
durable_acks = "HOLDS"
read_your_writes = "HOLDS"
"""


def test_an_expectation_left_out_of_properties_refuses_the_spec(tmp_path, capsys):
    path = tmp_path / "dropped.toml"
    path.write_text(SPEC, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert str(path) in err[0] and "expect.read_your_writes" in err[0] and "properties" in err[0]


def test_an_expectation_narrowed_away_by_property_is_a_mismatch(tmp_path, capsys):
    path = tmp_path / "narrowed.toml"
    path.write_text(SPEC.replace('properties = ["durable_acks"]\n', ""), encoding="utf-8")
    assert main(["check", str(path), "--property", "durable_acks"]) == 1
    assert "read_your_writes: expected HOLDS, not checked" in capsys.readouterr().out
