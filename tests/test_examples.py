"""docs/models.md's commands and Python code run as the tutorial says, and files written
under --out are the same bytes on every run."""

import contextlib
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from replcheck.checker.cli import main

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = (REPO / "docs" / "models.md").read_text(encoding="utf-8")
CONSOLE = re.findall(r"```console\n(.*?)```", TUTORIAL, re.S)
PYTHON = re.findall(r"```python\n(.*?)```", TUTORIAL, re.S)
EXIT_CODES = {"replicas=2": 2, "mode=async": 1}  # a bad parameter; a violated safety property


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def _in_order(expected: list[str], got: list[str]) -> bool:
    """Each expected line (a trailing ``...`` makes it a prefix) matches a later output line."""
    lines = iter(line.rstrip() for line in got)
    for want in expected:
        prefix = want.endswith("...")
        want = want[:-3] if prefix else want
        if not any(line.startswith(want) if prefix else line == want for line in lines):
            return False
    return True


def test_the_tutorial_has_commands_and_code():
    assert len(CONSOLE) >= 4 and PYTHON


@pytest.mark.parametrize("block", CONSOLE, ids=[b.splitlines()[0][2:60] for b in CONSOLE])
def test_tutorial_command_prints_what_the_tutorial_shows(block, monkeypatch):
    monkeypatch.chdir(REPO)
    command, *expected = [line.rstrip() for line in block.strip().splitlines()]
    words = shlex.split(command.removeprefix("$ "))
    assert words[0] == "replcheck"
    code, output = _run(words[1:])
    assert _in_order(expected, output.splitlines()), output
    assert code == next((c for k, c in EXIT_CODES.items() if k in words), 0), output


def test_tutorial_python_runs(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    monkeypatch.syspath_prepend(str(REPO / "examples"))
    for code in PYTHON[-1:]:  # the earlier blocks are excerpts of examples/primary_backup.py
        exec(compile(code, "docs/models.md", "exec"), {})
    assert "promote n1" in capsys.readouterr().out


def test_the_excerpts_are_the_example_s_code():
    source = (REPO / "examples" / "primary_backup.py").read_text(encoding="utf-8")
    flat = re.sub(r"\s+", " ", source)
    for excerpt in PYTHON[:-1]:
        for line in excerpt.strip().splitlines():
            assert re.sub(r"\s+", " ", line.strip()) in flat, line


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "specs/leaderless/n3_w1_r1.toml", "examples/primary_backup_async.toml", "--quiet"],
        ["sweep", "leaderless", "n=1..2", "w=1..n", "r=1..n", "--property", "read_your_writes"],
    ],
    ids=["check", "sweep"],
)
def test_out_files_are_byte_identical_across_runs(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    trees = []
    for run in ("first", "second"):
        _run(argv + ["--out", str(tmp_path / run)])
        trees.append(_tree(tmp_path / run))
    assert trees[0] and trees[0] == trees[1]
    assert not any(b'"seconds"' in data for data in trees[0].values())


def test_python_dash_m_replcheck_is_the_command():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "replcheck",
            "check",
            "examples/primary_backup.py:PrimaryBackup",
            "mode=async",
            "--quiet",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "durable_acks                             VIOLATED  trace 3" in done.stdout
