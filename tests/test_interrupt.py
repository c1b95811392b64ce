"""Ctrl-C and SIGTERM during a long run: the partial result is printed with its statistics,
undecided verdicts UNKNOWN, the exit code says which signal (130 SIGINT, 143 SIGTERM), and a
sweep keeps its finished cells (issue 13)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

LONG = [
    "leaderless",
    "n=3",
    "w=2",
    "r=2",
    "clients=w,w,r r",
    "read_repair=blocking",
    "--symmetry",
    "--property",
    "linearizable",
]


def _interrupt(argv, sig, cwd, wait_for="") -> subprocess.CompletedProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "replcheck.checker", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Generous: on a loaded CI machine the start-up alone can take many seconds.
    deadline = time.monotonic() + 180
    if wait_for:  # the progress lines on stderr tell when the slow part has started
        seen = ""
        while wait_for not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += proc.stderr.readline()
        assert wait_for in seen, f"never saw {wait_for!r} before signalling: {seen!r}"
    else:
        time.sleep(3)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_check_prints_its_partial_result(sig, code, tmp_path):
    got = _interrupt(["check", *LONG, "--out", str(tmp_path / "out")], sig, tmp_path)
    assert got.returncode == code, got.stderr
    assert "Traceback" not in got.stderr
    assert "linearizable" in got.stdout and "UNKNOWN" in got.stdout
    assert "stopped by interrupt" in got.stdout  # the statistics line
    assert "interrupted" in got.stderr
    leftovers = [p for p in (tmp_path / "out").rglob("*") if ".tmp" in p.name]
    assert leftovers == []


def test_an_interrupted_check_in_json(tmp_path):
    got = _interrupt(["check", *LONG, "--json"], signal.SIGINT, tmp_path)
    assert got.returncode == 130
    data = json.loads(got.stdout)
    assert data["stats"]["stopped_by"] == "interrupt" and data["stats"]["complete"] is False
    assert data["stats"]["states"] > 0
    assert {p["verdict"] for p in data["properties"]} == {"UNKNOWN"}


def test_an_interrupted_sweep_keeps_its_finished_cells(tmp_path):
    argv = [
        "sweep",
        "leaderless",
        "n=1,3",
        "w=1",
        "r=1",
        "--set",
        "clients=w,w,r r",
        "--set",
        "read_repair=blocking",
        "--out",
        str(tmp_path),
    ]
    got = _interrupt(argv, signal.SIGTERM, tmp_path, wait_for="[2/2]")
    assert got.returncode == 143, got.stderr
    assert "1 finished cell(s) kept" in got.stderr
    cells = json.loads((tmp_path / "sweep-leaderless" / "sweep.json").read_text())
    assert [c["params"]["n"] for c in cells] == ["1"]


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_the_search_itself_stops_cleanly_on_keyboard_interrupt():
    from replcheck.checker import check
    from replcheck.models.leaderless import Leaderless

    model = Leaderless(n=3, w=2, r=2, clients=("w", "w", "r r"), read_repair="blocking")
    calls = [0]
    original = model.next_steps

    def interrupting(world):
        calls[0] += 1
        if calls[0] == 200:
            raise KeyboardInterrupt
        return original(world)

    model.next_steps = interrupting
    result = check(model, properties=["linearizable"])
    assert result.stats.stopped_by == "interrupt" and not result.stats.complete
    assert result["linearizable"].verdict.value == "UNKNOWN"
