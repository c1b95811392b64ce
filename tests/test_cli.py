"""The command line: exit codes, JSON, output files, and one-line errors for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replcheck.checker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "leaderless" / "n3_w1_r1.toml"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_spec_with_matching_verdicts_exits_0(capsys):
    code, out, _ = run(capsys, "check", str(SPEC), "--quiet")
    assert code == 0
    assert "read_your_writes" in out and "expected VIOLATED: ok" in out


def test_adhoc_violation_json_has_a_shortest_trace(capsys):
    code, out, _ = run(capsys, "check", "leaderless", "n=3", "w=1", "r=1", "--json")
    assert code == 1
    data = json.loads(out)
    ryw = next(p for p in data["properties"] if p["name"] == "read_your_writes")
    assert ryw["verdict"] == "VIOLATED" and len(ryw["trace"]) == 6
    assert ryw["trace"][-1]["changes"] == ["c0: read x returns init"]


def test_adhoc_quorum_holds_with_complete_search(capsys):
    code, out, _ = run(capsys, "check", "leaderless", "n=3", "w=2", "r=2", "--json")
    assert code == 0
    data = json.loads(out)
    ryw = next(p for p in data["properties"] if p["name"] == "read_your_writes")
    assert ryw["verdict"] == "HOLDS" and data["stats"]["complete"] is True


def test_mismatch_exits_1(tmp_path, capsys):
    spec = tmp_path / "wrong.toml"
    spec.write_text('model = "leaderless"\n[params]\nw = 1\nr = 1\n[expect]\nread_your_writes = "HOLDS"\n')
    code, out, _ = run(capsys, "check", str(spec), "--quiet")
    assert code == 1 and "MISMATCH" in out


def test_pin_mismatch_exits_1(tmp_path, capsys):
    spec = tmp_path / "pinned.toml"
    spec.write_text('model = "leaderless"\n[pin]\nstates = 1\n')
    code, out, _ = run(capsys, "check", str(spec), "--quiet")
    assert code == 1 and "pin.states: pinned 1" in out


def test_bounded_run_reports_unknown(capsys):
    code, out, _ = run(capsys, "check", "leaderless", "--max-depth", "3", "--json")
    data = json.loads(out)
    assert data["stats"]["complete"] is False
    assert {p["verdict"] for p in data["properties"]} == {"UNKNOWN"}


def test_out_writes_dot_svg_text_and_json(tmp_path, capsys):
    code, out, _ = run(capsys, "check", str(SPEC), "--out", str(tmp_path), "--quiet")
    folder = tmp_path / "n3_w1_r1"
    for suffix in (".dot", ".txt", ".json"):
        assert (folder / f"read_your_writes{suffix}").exists()
    assert "digraph" in (folder / "read_your_writes.dot").read_text()


def test_list_names_models_parameters_and_properties(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert "leaderless" in out and "read_repair" in out and "read_your_writes" in out


def test_python_dash_m_works():
    proc = subprocess.run(
        [sys.executable, "-m", "replcheck.checker", "check", "leaderless", "w=1", "r=1", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "VIOLATED" in proc.stdout


BAD_SPECS = {
    "malformed toml": ('model = "leaderless\n', "not valid TOML"),
    "unknown model": ('model = "paxos"\n', "unknown model 'paxos'"),
    "missing model": ("[params]\nn = 3\n", "field 'model'"),
    "unknown parameter": ('model = "leaderless"\n[params]\nq = 3\n', "field 'params.q'"),
    "w greater than n": ('model = "leaderless"\n[params]\nw = 4\n', "lower w or raise n"),
    "r below one": ('model = "leaderless"\n[params]\nr = 0\n', "field 'params.r': must be at least 1"),
    "wrong type": ('model = "leaderless"\n[params]\nn = "three"\n', "whole number"),
    "bad choice": ('model = "leaderless"\n[params]\nread_repair = "sometimes"\n', "one of off, async, blocking"),
    "bad script": ('model = "leaderless"\n[params]\nclients = ["w x"]\n', "unknown operation 'x'"),
    "unknown property": ('model = "leaderless"\n[expect]\nfoo = "HOLDS"\n', "field 'expect.foo'"),
    "bad verdict": ('model = "leaderless"\n[expect]\nread_your_writes = "YES"\n', "HOLDS, VIOLATED, UNKNOWN"),
    "unknown field": ('model = "leaderless"\ncolour = 1\n', "field 'colour'"),
    "negative bound": ('model = "leaderless"\n[bounds]\nmax_depth = -1\n', "field 'bounds.max_depth'"),
    "unknown bound": ('model = "leaderless"\n[bounds]\ndepth = 3\n', "field 'bounds.depth'"),
    "params not a table": ('model = "leaderless"\nparams = 3\n', "field 'params'"),
    "negative pin": ('model = "leaderless"\n[pin]\nstates = -3\n', "field 'pin.states'"),
    "bool as number": ('model = "leaderless"\n[params]\nsloppy = 2\n', "true or false"),
    "too many crashes": ('model = "leaderless"\n[params]\ncrashes = 9\n', "at most 4"),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_bad_spec_gives_one_line_and_exit_2(name, tmp_path, capsys):
    text, fragment = BAD_SPECS[name]
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    code, out, err = run(capsys, "check", str(spec))
    assert code == 2
    assert err.count("\n") == 1 and str(spec) in err and fragment in err
    assert spec.read_text() == text  # nothing the user wrote is touched


BAD_COMMANDS = {
    "missing file": (["check", "nope/missing.toml"], "no such file"),
    "unknown model ad hoc": (["check", "paxos"], "neither a spec file nor a model"),
    "malformed assignment": (["check", "leaderless", "n3"], "expected key=value"),
    "w > n ad hoc": (["check", "leaderless", "n=2", "w=3"], "lower w or raise n"),
    "negative depth": (["check", "leaderless", "--max-depth", "-1"], "must not be negative"),
    "negative states": (["check", "leaderless", "--max-states", "-1"], "must not be negative"),
    "unknown property flag": (["check", "leaderless", "--property", "nope"], "unknown property 'nope'"),
    "unknown command": (["frobnicate"], "invalid choice"),
    "no targets": (["check"], "required"),
    "bad bool ad hoc": (["check", "leaderless", "sloppy=maybe"], "true or false"),
    "empty directory": (["check", "EMPTY"], "no *.toml spec files"),
}


@pytest.mark.parametrize("name", sorted(BAD_COMMANDS))
def test_bad_command_gives_one_line_and_exit_2(name, tmp_path, capsys, monkeypatch):
    argv, fragment = BAD_COMMANDS[name]
    (tmp_path / "EMPTY").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("mine")
    code, _, err = run(capsys, "check", str(SPEC), "--out", str(target))
    assert code == 2 and "not a directory" in err and target.read_text() == "mine"
