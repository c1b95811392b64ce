"""A corpus of malformed inputs: every one exits 2 with one line on stderr naming the file
or option, the field and the fix; never a traceback; nothing written (issue 13).

The command line runs in-process (``main(argv)``) from an empty temporary directory, so each
case costs milliseconds; the few that need a real process (a full disk, a FIFO) follow.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from replcheck.checker.cli import main

GOOD = """title = "t"
model = "leaderless"
[params]
n = 3
w = 1
r = 1
[expect]
read_your_writes = "VIOLATED"
"""


def _spec(**changes) -> str:
    """GOOD with lines replaced: ``{"n = 3": "n = 'x'"}`` style, via keyword pairs."""
    text = GOOD
    for old, new in changes.get("replace", {}).items():
        assert old in text
        text = text.replace(old, new)
    return text + changes.get("append", "")


# name -> (file content (str or bytes), a fragment the one-line message must contain)
SPEC_FILES = {
    "empty": ("", "model"),
    "only a comment": ("# nothing\n", "model"),
    "syntax: unclosed string": ('model = "leaderless\n', "TOML"),
    "syntax: missing value": ("model =\n", "TOML"),
    "syntax: bare words": ("this is not toml\n", "TOML"),
    "syntax: duplicate key": ('model = "a"\nmodel = "b"\n', "TOML"),
    "syntax: duplicate table": (GOOD + "[params]\nn = 3\n", "TOML"),
    "syntax: unclosed table": ("[params\n", "TOML"),
    "syntax: unclosed array": ('properties = ["a"\n', "TOML"),
    "syntax: bad escape": ('title = "\\q"\n', "TOML"),
    "binary": (b"\x00\x01\x02model\x00", "binary"),
    "non-UTF-8": (b'model = "leaderless\xff"\n', "UTF-8"),
    "latin-1 title": (GOOD.replace('"t"', '"caf\xe9"').encode("latin-1"), "UTF-8"),
    "UTF-8 BOM": (b"\xef\xbb\xbf" + GOOD.encode(), "BOM"),
    "UTF-16": (GOOD.encode("utf-16"), "UTF-8"),
    "huge": ("# " + "x" * (1 << 20) + "\n" + GOOD, "too large"),
    "deep nesting": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
    "deep inline tables": ("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", "nested"),
    "model missing": (GOOD.replace('model = "leaderless"\n', ""), "model"),
    "model empty": (_spec(replace={'model = "leaderless"': 'model = ""'}), "model"),
    "model a number": (_spec(replace={'model = "leaderless"': "model = 3"}), "model"),
    "model unknown": (_spec(replace={'model = "leaderless"': 'model = "paxos"'}), "paxos"),
    "model a table": (_spec(replace={'model = "leaderless"': "model = {a = 1}"}), "model"),
    "title a number": (_spec(replace={'title = "t"': "title = 3"}), "title"),
    "description a list": (_spec(append=""), None),
    "unknown top-level key": (_spec(append=""), None),
    "properties a string": (_spec(replace={'title = "t"': 'title = "t"\nproperties = "x"'}), "properties"),
    "properties empty": (_spec(replace={'title = "t"': 'title = "t"\nproperties = []'}), "properties"),
    "properties numbers": (_spec(replace={'title = "t"': 'title = "t"\nproperties = [1]'}), "properties"),
    "properties unknown": (_spec(replace={'title = "t"': 'title = "t"\nproperties = ["nope"]'}), "nope"),
    "properties leave out an expectation": (
        _spec(replace={'title = "t"': 'title = "t"\nproperties = ["durable_acks"]'}),
        "expect.read_your_writes",
    ),
    "symmetry a string": (_spec(replace={'title = "t"': 'title = "t"\nsymmetry = "yes"'}), "symmetry"),
    "symmetry a number": (_spec(replace={'title = "t"': 'title = "t"\nsymmetry = 1'}), "symmetry"),
    "params a string": (_spec(replace={"[params]\nn = 3\nw = 1\nr = 1\n": 'params = "n=3"\n'}), "params"),
    "params: unknown key": (_spec(replace={"n = 3": "n = 3\nquorum = 2"}), "quorum"),
    "params: n a string": (_spec(replace={"n = 3": 'n = "three"'}), "params.n"),
    "params: n a float": (_spec(replace={"n = 3": "n = 3.0"}), "params.n"),
    "params: n a bool": (_spec(replace={"n = 3": "n = true"}), "params.n"),
    "params: n negative": (_spec(replace={"n = 3": "n = -3"}), "params.n"),
    "params: n zero": (_spec(replace={"n = 3": "n = 0"}), "params.n"),
    "params: n huge": (_spec(replace={"n = 3": "n = 9223372036854775807"}), "params.n"),
    "params: n a table": (_spec(replace={"n = 3": "n = {x = 1}"}), "params.n"),
    "params: n an array": (_spec(replace={"n = 3": "n = [3]"}), "params.n"),
    "params: n a date": (_spec(replace={"n = 3": "n = 1979-05-27"}), "params.n"),
    "params: n nan": (_spec(replace={"n = 3": "n = nan"}), "params.n"),
    "params: w above n": (_spec(replace={"w = 1": "w = 4"}), "params.w"),
    "params: r above n": (_spec(replace={"r = 1": "r = 5"}), "params.r"),
    "params: clients a number": (_spec(replace={"r = 1": "r = 1\nclients = 3"}), "params.clients"),
    "params: clients numbers": (_spec(replace={"r = 1": "r = 1\nclients = [1, 2]"}), "params.clients"),
    "params: clients empty": (_spec(replace={"r = 1": "r = 1\nclients = []"}), "params.clients"),
    "params: clients bad op": (_spec(replace={"r = 1": 'r = 1\nclients = ["q"]'}), "params.clients"),
    "params: clients bad key": (_spec(replace={"r = 1": 'r = 1\nclients = ["w:1x"]'}), "params.clients"),
    "params: clients blank script": (_spec(replace={"r = 1": 'r = 1\nclients = ["  "]'}), "params.clients"),
    "params: read_repair unknown": (_spec(replace={"r = 1": 'r = 1\nread_repair = "sometimes"'}), "params.read_repair"),
    "params: read_repair a bool": (_spec(replace={"r = 1": "r = 1\nread_repair = true"}), "params.read_repair"),
    "params: sloppy a string": (_spec(replace={"r = 1": 'r = 1\nsloppy = "maybe"'}), "params.sloppy"),
    "params: spares without sloppy": (_spec(replace={"r = 1": "r = 1\nspares = 2"}), "params.spares"),
    "params: spares with sloppy false": (
        _spec(replace={"r = 1": "r = 1\nsloppy = false\nspares = 2"}),
        "params.spares",
    ),
    "params: crashes negative": (_spec(replace={"r = 1": "r = 1\ncrashes = -1"}), "params.crashes"),
    "params: crashes too many": (_spec(replace={"r = 1": "r = 1\ncrashes = 99"}), "params.crashes"),
    "params: drops a string": (_spec(replace={"r = 1": 'r = 1\ndrops = "1"x'}), "TOML"),
    "params: nested table": (_spec(append="[params.sub]\nx = 1\n"), "params.sub"),
    "bounds a string": (GOOD.split("[params]")[0] + 'bounds = "fast"\n', "bounds"),
    "bounds: unknown key": (_spec(append="[bounds]\nmax_time = 3\n"), "bounds.max_time"),
    "bounds: negative": (_spec(append="[bounds]\nmax_states = -1\n"), "bounds.max_states"),
    "bounds: float states": (_spec(append="[bounds]\nmax_states = 1.5\n"), "bounds.max_states"),
    "bounds: string": (_spec(append='[bounds]\nmax_depth = "3"\n'), "bounds.max_depth"),
    "bounds: bool": (_spec(append="[bounds]\nmax_depth = true\n"), "bounds.max_depth"),
    "bounds: nan time": (_spec(append="[bounds]\ntime_limit = nan\n"), "bounds.time_limit"),
    "bounds: inf time": (_spec(append="[bounds]\ntime_limit = inf\n"), "bounds.time_limit"),
    "bounds: zero states": (_spec(append="[bounds]\nmax_states = 0\n"), "bounds.max_states"),
    "bounds: nested table": (_spec(append="[bounds.x]\ny = 1\n"), "bounds.x"),
    "expect: unknown verdict": (_spec(replace={'"VIOLATED"': '"MAYBE"'}), "expect.read_your_writes"),
    "expect: a number": (_spec(replace={'"VIOLATED"': "1"}), "expect.read_your_writes"),
    "expect: a bool": (_spec(replace={'"VIOLATED"': "false"}), "expect.read_your_writes"),
    "expect: unknown property": (_spec(append='nonsense = "HOLDS"\n'), "expect.nonsense"),
    "expect: nested table": (_spec(append="[expect.deeper]\nx = 1\n"), "expect.deeper"),
    "expect: a string": (GOOD.split("[expect]")[0] + 'expect = "HOLDS"\n', "expect"),
    "pin: unknown key": (_spec(append="[pin]\nedges = 3\n"), "pin.edges"),
    "pin: negative": (_spec(append="[pin]\nstates = -3\n"), "pin.states"),
    "pin: string": (_spec(append='[pin]\nstates = "3"\n'), "pin.states"),
    "pin: float": (_spec(append="[pin]\nstates = 3.5\n"), "pin.states"),
    "pin: nested table": (_spec(append="[pin.x]\ny = 1\n"), "pin.x"),
    "leader_follower: async with k": ('model = "leader_follower"\n[params]\nk = 2\n', "params.k"),
    "leader_follower: unknown follower": ('model = "leader_follower"\n[params]\nreads = "f9"\n', "params.reads"),
    "leader_follower: unknown failover": (
        'model = "leader_follower"\n[params]\nfailover = "magic"\n',
        "params.failover",
    ),
    "leader_follower: zero followers": ('model = "leader_follower"\n[params]\nfollowers = 0\n', "params.followers"),
    "leader_follower: sync names a stranger": (
        'model = "leader_follower"\n[params]\nreplication = "sync"\nsync = ["f7"]\n',
        "params.sync",
    ),
    "multi_leader: unknown parameter": ('model = "multi_leader"\n[params]\nbogus = 1\n', "bogus"),
}
SPEC_FILES["description a list"] = (_spec(replace={'title = "t"': 'title = "t"\ndescription = []'}), "description")
SPEC_FILES["unknown top-level key"] = (_spec(replace={'title = "t"': 'title = "t"\ncolour = "red"'}), "colour")


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code, out, err, *fragments):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        if fragment:
            assert fragment in lines[0], (fragment, lines[0])


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(SPEC_FILES))
def test_malformed_spec_file(name, here, capsys):
    content, fragment = SPEC_FILES[name]
    path = here / "bad.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = files_under(here)
    code, out, err = run(capsys, ["check", "bad.toml", "--out", "out"])
    assert_refused(code, out, err, "bad.toml", fragment)
    assert files_under(here) == before  # --out not even created


SPECIAL_FILES = {
    "symlink loop": lambda d: os.symlink("loop.toml", d / "loop.toml"),
    "dangling symlink": lambda d: os.symlink("nowhere.toml", d / "loop.toml"),
    "symlink to /dev/zero": lambda d: os.symlink("/dev/zero", d / "loop.toml"),
    "symlink to /dev/null": lambda d: os.symlink("/dev/null", d / "loop.toml"),
    "directory named .toml inside a folder": lambda d: (d / "loop.toml").mkdir(),
    "FIFO": lambda d: os.mkfifo(d / "loop.toml"),
    "unreadable": lambda d: ((d / "loop.toml").write_text(GOOD), os.chmod(d / "loop.toml", 0)),
}


@pytest.mark.parametrize("name", sorted(SPECIAL_FILES))
@pytest.mark.parametrize("how", ["file", "folder"])
def test_special_spec_files(name, how, here, capsys):
    if name == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads everything")
    (here / "d").mkdir()
    SPECIAL_FILES[name](here / "d")
    target = "d/loop.toml" if how == "file" else "d"
    if name == "directory named .toml inside a folder" and how == "file":
        target = "d/loop.toml"
    code, out, err = run(capsys, ["check", target])
    assert_refused(code, out, err, "d")


# argv -> a fragment of the one-line message
COMMANDS = {
    "no arguments": ([], "usage"),
    "unknown command": (["frobnicate"], "frobnicate"),
    "check without targets": (["check"], "check"),
    "check unknown model": (["check", "paxos", "n=3"], "paxos"),
    "check missing spec": (["check", "missing.toml"], "missing.toml"),
    "check missing folder": (["check", "nowhere/"], "nowhere"),
    "check key=value without model": (["check", "n=3"], "n=3"),
    "check n=--3": (["check", "leaderless", "n=--3"], "'n'"),
    "check n=superscript two": (["check", "leaderless", "n=\u00b2"], "'n'"),
    "check n=arabic digit": (["check", "leaderless", "n=\u0663"], "'n'"),
    "check n empty": (["check", "leaderless", "n="], "'n'"),
    "check n=1e3": (["check", "leaderless", "n=1e3"], "'n'"),
    "check n=3.5": (["check", "leaderless", "n=3.5"], "'n'"),
    "check n=0x3": (["check", "leaderless", "n=0x3"], "'n'"),
    "check n huge": (["check", "leaderless", "n=" + "9" * 5000], "'n'"),
    "check n too big": (["check", "leaderless", "n=99"], "'n'"),
    "check empty name": (["check", "leaderless", "=3"], "=3"),
    "check no equals": (["check", "leaderless", "n"], None),
    "check twice": (["check", "leaderless", "n=3", "n=3"], "'n'"),
    "check unknown parameter": (["check", "leaderless", "quorum=2"], "'quorum'"),
    "check w above n": (["check", "leaderless", "n=2", "w=3"], "'w'"),
    "check bool word": (["check", "leaderless", "sloppy=perhaps"], "'sloppy'"),
    "check choice": (["check", "leaderless", "read_repair=eager"], "'read_repair'"),
    "check spares without sloppy": (["check", "leaderless", "sloppy=false", "spares=2"], "'spares'"),
    "check bad script": (["check", "leaderless", "clients=x y"], "'clients'"),
    "check empty script": (["check", "leaderless", "clients=,"], "'clients'"),
    "check crashes negative": (["check", "leaderless", "crashes=-1"], "'crashes'"),
    "check leader_follower async k": (["check", "leader_follower", "k=2"], "'k'"),
    "check leader_follower reads": (["check", "leader_follower", "reads=f9"], "'reads'"),
    "check leader_follower linearizable followers": (
        ["check", "leader_follower", "reads=any_follower", "read_level=linearizable"],
        "'read_level'",
    ),
    "check multi_leader unknown": (["check", "multi_leader", "bogus=1"], "'bogus'"),
    "check unknown property": (["check", "leaderless", "--property", "nope"], "nope"),
    "check max-states 0": (["check", "leaderless", "--max-states", "0"], "--max-states"),
    "check max-states negative": (["check", "leaderless", "--max-states", "-5"], "--max-states"),
    "check max-states words": (["check", "leaderless", "--max-states", "many"], "--max-states"),
    "check max-depth negative": (["check", "leaderless", "--max-depth", "-1"], "--max-depth"),
    "check max-depth float": (["check", "leaderless", "--max-depth", "1.5"], "--max-depth"),
    "check time-limit nan": (["check", "leaderless", "--time-limit", "nan"], "--time-limit"),
    "check time-limit inf": (["check", "leaderless", "--time-limit", "inf"], "--time-limit"),
    "check time-limit negative": (["check", "leaderless", "--time-limit", "-1"], "--time-limit"),
    "check time-limit zero": (["check", "leaderless", "--time-limit", "0"], "--time-limit"),
    "check time-limit words": (["check", "leaderless", "--time-limit", "soon"], "--time-limit"),
    "check unknown option": (["check", "leaderless", "--fast"], "--fast"),
    "check out in /proc": (["check", "leaderless", "n=1", "w=1", "r=1", "--out", "/proc/x"], "/proc/x"),
    "check out under a file": (["check", "leaderless", "n=1", "w=1", "r=1", "--out", "plain/x"], "plain"),
    "check out is a file": (["check", "leaderless", "n=1", "w=1", "r=1", "--out", "plain"], "plain"),
    "sweep without ranges": (["sweep", "leaderless"], "name=RANGE"),
    "sweep unknown model": (["sweep", "paxos", "n=1..2"], "paxos"),
    "sweep no equals": (["sweep", "leaderless", "n"], "name=RANGE"),
    "sweep empty value": (["sweep", "leaderless", "n="], "name=RANGE"),
    "sweep twice": (["sweep", "leaderless", "n=1..2", "n=1..3"], "twice"),
    "sweep not a number": (["sweep", "leaderless", "n=3,x", "w=1..n"], "'x'"),
    "sweep later name": (["sweep", "leaderless", "w=1..n", "n=1..3"], "earlier"),
    "sweep empty range": (["sweep", "leaderless", "n=5..1"], "no cells"),
    "sweep empty range with property": (
        ["sweep", "leaderless", "n=5..1", "--property", "read_your_writes"],
        "no cells",
    ),
    "sweep huge": (["sweep", "leaderless", "n=1..1000", "w=1..n", "r=1..n"], "cells"),
    "sweep huge single range": (["sweep", "leaderless", "n=1..100000000000"], "10,000"),
    "sweep one bad cell": (["sweep", "leaderless", "n=6..8", "w=1", "r=1"], "n=8"),
    "sweep --set overridden": (["sweep", "leaderless", "n=1..2", "w=1", "--set", "n=2"], "--set"),
    "sweep --set unknown": (["sweep", "leaderless", "n=1..2", "--set", "bogus=1"], "bogus"),
    "sweep --set no equals": (["sweep", "leaderless", "n=1..2", "--set", "bogus"], "bogus"),
    "sweep n=--3": (["sweep", "leaderless", "n=--3"], "'n'"),
    "sweep n=superscript": (["sweep", "leaderless", "n=\u00b2"], "'n'"),
    "sweep unknown property": (["sweep", "leaderless", "n=3..3", "--property", "nope"], "nope"),
    "sweep max-states 0": (["sweep", "leaderless", "n=1..2", "--max-states", "0"], "--max-states"),
    "sweep time-limit nan": (["sweep", "leaderless", "n=1..2", "--time-limit", "nan"], "--time-limit"),
    "sweep out in /proc": (["sweep", "leaderless", "n=1", "w=1", "r=1", "--out", "/proc/x"], "/proc/x"),
    "sweep out is a file": (["sweep", "leaderless", "n=1", "w=1", "r=1", "--out", "plain"], "plain"),
    "prove without fact": (["prove"], "FACT"),
    "prove unknown fact": (["prove", "consensus"], "consensus"),
    "prove not a number": (["prove", "quorum-intersection", "n=x", "w=1", "r=1"], "n="),
    "prove negative": (["prove", "quorum-intersection", "n=-1", "w=1", "r=1"], None),
    "prove zero w": (["prove", "quorum-intersection", "n=3", "w=0", "r=1"], None),
    "prove unknown key": (["prove", "quorum-intersection", "q=3"], "'q'"),
    "prove twice": (["prove", "quorum-intersection", "n=3", "n=4"], "twice"),
    "prove no equals": (["prove", "quorum-intersection", "n"], "KEY=VALUE"),
    "prove huge n": (["prove", "quorum-intersection", "n=100000000", "w=1", "r=1"], None),
    "prove large n": (["prove", "quorum-intersection", "n=5000", "w=1", "r=1"], None),
    "prove availability q above n": (["prove", "availability", "n=3", "q=4", "f=1"], None),
    "prove smt2 in /proc": (["prove", "majority-intersection", "--smt2", "/proc/x.smt2"], "--smt2"),
    "synthesize without tolerate": (["synthesize"], "--tolerate"),
    "synthesize tolerate words": (["synthesize", "--tolerate", "x"], "--tolerate"),
    "synthesize tolerate negative": (["synthesize", "--tolerate", "-1"], None),
    "synthesize max-n zero": (["synthesize", "--tolerate", "1", "--max-n", "0"], None),
    "synthesize max-n words": (["synthesize", "--tolerate", "1", "--max-n", "x"], "--max-n"),
    "synthesize limit zero": (["synthesize", "--tolerate", "1", "--limit", "0"], None),
    "synthesize unknown guarantee": (["synthesize", "--tolerate", "1", "--guarantee", "acid"], "acid"),
    "synthesize confirm nan": (["synthesize", "--tolerate", "1", "--confirm-seconds", "nan"], "--confirm-seconds"),
    "synthesize huge max-n": (["synthesize", "--tolerate", "1", "--max-n", "100000"], "max"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_malformed_command(name, here, capsys):
    argv, fragment = COMMANDS[name]
    (here / "plain").write_text("a plain file\n")
    before = files_under(here)
    code, out, err = run(capsys, argv)
    if name == "no arguments":  # help goes to stderr, many lines, exit 2
        assert code == 2 and out == "" and "usage" in err and "Traceback" not in err
        return
    assert_refused(code, out, err, fragment)
    assert files_under(here) == before


def test_a_model_named_folder_does_not_shadow_the_model(here, capsys):
    (here / "leaderless").mkdir()
    code, out, err = run(capsys, ["check", "leaderless", "n=1", "w=1", "r=1", "--max-states", "50"])
    assert code in (0, 1) and "leaderless n=1" in out, err


def test_the_corpus_is_large_enough():
    specials = len(SPECIAL_FILES) * 2
    assert len(SPEC_FILES) + specials + len(COMMANDS) >= 150


# --- the few that need a process of their own ------------------------------------------------


def _replcheck(*argv, **kw):
    return subprocess.run(
        [sys.executable, "-m", "replcheck.checker", *argv], capture_output=True, text=True, timeout=60, **kw
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_quiet_output_to_a_full_disk_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "replcheck.checker", "list"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_model_that_raises_gets_one_line_and_exit_2(tmp_path):
    model = tmp_path / "boom.py"
    model.write_text(
        "from replcheck.checker import Model, always\n"
        "class Boom(Model):\n"
        "    def init_states(self):\n        yield 0\n"
        "    def next_steps(self, s):\n"
        "        if s > 2:\n            raise KeyError('oops')\n"
        "        yield 'inc', s + 1\n"
        "    @always\n    def small(self, s):\n        return s < 10\n"
    )
    done = subprocess.run([sys.executable, "-m", "replcheck", "check", f"{model}:Boom"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "the model raised KeyError: 'oops'" in done.stderr and "boom.py:7 in next_steps" in done.stderr


def test_a_python_file_without_a_class_names_the_form(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "replcheck", "check", "examples/primary_backup.py"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "examples/primary_backup.py:ClassName" in done.stderr
