"""Diagrams and JSON traces of a database check in the database's words (issue 11 item 5):
the user's node names and the product's role words on the lanes, table-driven phrases for
steps, and nothing of it in a plain model's output (checker/wording.py)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from replcheck.checker.cli import main
from replcheck.checker.diagram import Diagram, Event, Lane, to_dot
from replcheck.checker.search import check
from replcheck.checker.wording import Wording
from replcheck.models.leader_follower import LeaderFollower

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "leaderless_n3_w1_r1_ryw.dot"
# synchronous_commit=remote_write with reads on s1: read_your_writes fails (docs/databases.md,
# PostgreSQL), so a counterexample, and with it a diagram, is written.
POSTGRES = [
    "postgres",
    "synchronous_standby_names=FIRST 1 (s1, s2)",
    "standbys=s1,s2",
    "reads=s1",
    "synchronous_commit=remote_write",
    "--property",
    "read_your_writes",
]
MODEL_NAME = re.compile(r"\bf[12]\b")


def _only(folder: Path, suffix: str) -> Path:
    found = sorted(folder.rglob(f"read_your_writes{suffix}"))
    assert len(found) == 1, found
    return found[0]


def _lane_labels(dot: str) -> list[str]:
    return re.findall(r'^  H\d+ \[.*label="([^"]*)"\];$', dot, re.MULTILINE)


def test_postgres_diagram_lanes_use_the_standbys_names(tmp_path, capsys):
    assert main(["check", *POSTGRES, "--out", str(tmp_path)]) == 1
    capsys.readouterr()
    dot = _only(tmp_path, ".dot").read_text()
    lanes = _lane_labels(dot)
    assert lanes == [
        "c0",
        r"n0 (primary)\n(term 1)",
        r"s1 (standby, sync)\n(term 1)",
        r"s2 (standby, potential)\n(term 1)",
    ]
    assert MODEL_NAME.search(dot) is None  # no model name anywhere: lanes, arrows, title
    assert 'xlabel="confirmation of remote_write up to entry 1"' in dot  # s1's ack, PostgreSQL's words
    assert "recv confirmation of remote_write up to entry 1" in dot
    assert "recv WAL(t1: x=1)" in dot
    text = _only(tmp_path, ".txt").read_text()
    assert "s1 confirms remote_write up to entry 1 to n0 (term 1)" in text
    assert MODEL_NAME.search(text) is None


def test_postgres_json_trace_uses_the_names(tmp_path, capsys):
    assert main(["check", *POSTGRES, "--out", str(tmp_path)]) == 1
    capsys.readouterr()
    written = json.loads(_only(tmp_path, ".json").read_text())
    assert main(["check", *POSTGRES, "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    for report in (written, printed):
        trace = next(p for p in report["properties"] if p["name"] == "read_your_writes")["trace"]
        prose = [s["action"] for s in trace] + [c for s in trace for c in s["changes"]]
        assert "s1 receives WAL(t1: x=1) from n0" in prose
        assert "n0 receives s1's confirmation of remote_write up to entry 1 (term 1)" in prose
        assert not any(MODEL_NAME.search(line) for line in prose)
        # The mapping is stated; the state (ITF data for tools) keeps the model's names.
        assert report["wording"]["names"] == {"f1": "s1", "f2": "s2"}
        assert report["wording"]["roles"]["f1"] == "standby, sync"
        assert "f1" in json.dumps(trace[0]["state"])


def test_a_plain_model_diagram_is_untouched(tmp_path, capsys):
    """No wording without a database: the spec's DOT is the golden file byte for byte, and an
    ad hoc leader_follower keeps its own names and role words."""
    # Exit 1 only because --property leaves the spec's other expectations unchecked.
    assert (
        main(
            [
                "check",
                "specs/leaderless/n3_w1_r1.toml",
                "--property",
                "read_your_writes",
                "--out",
                str(tmp_path / "spec"),
            ]
        )
        == 1
    )
    assert _only(tmp_path / "spec", ".dot").read_text() == GOLDEN.read_text()
    assert (
        main(
            ["check", "leader_follower", "reads=f1", "--property", "read_your_writes", "--out", str(tmp_path / "adhoc")]
        )
        == 1
    )
    out = capsys.readouterr().out
    dot = _only(tmp_path / "adhoc", ".dot").read_text()
    model = LeaderFollower(reads="f1")
    p = check(model, properties=["read_your_writes"])["read_your_writes"]
    assert dot == to_dot(model.diagram(p.trace, p))
    assert r"f1\n(follower, term 1)" in dot and "standby" not in dot and "primary" not in dot
    report = json.loads(_only(tmp_path / "adhoc", ".json").read_text())
    assert "wording" not in report and "f1 receives" in out


def test_database_outputs_are_the_same_bytes_whatever_the_hash_seed(tmp_path):
    texts = []
    for seed in ("0", "1"):
        out = tmp_path / seed
        proc = subprocess.run(
            [sys.executable, "-m", "replcheck.checker", "check", *POSTGRES, "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert proc.returncode == 1, proc.stderr
        texts.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.suffix in (".dot", ".json", ".txt")
            }
        )
    assert texts[0] == texts[1] and len(texts[0]) == 3


def test_wording_rewrites_words_not_keys():
    w = Wording(
        names=(("f1", "s1"), ("f10", "s10")),
        roles=(("f1", "standby"),),
        phrases=((r"\bleader\b", "primary"), (r"\bfollower\b", "standby")),
    )
    d = Diagram(
        "f1 and f10",
        "",
        (Lane("f1", "f1\n(follower, term 2)"), Lane("n0", "n0 (dc1)")),
        1,
        (Event("f1", 1, "now leader"),),
    )
    got = w.diagram(d)
    assert [lane.key for lane in got.lanes] == ["f1", "n0"] and got.events[0].lane == "f1"
    assert got.lanes[0].label == "s1 (standby)\n(term 2)"  # the role word is not said twice
    assert got.title == "s1 and s10" and got.events[0].label == "now primary"
    assert Wording(roles=(("n0", "replica"),)).lane_label("n0", "n0 (dc1)") == "n0 (replica, dc1)"
    assert Wording().diagram(d) == d
