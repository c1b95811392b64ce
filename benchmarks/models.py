"""The replication models' speed, old code against new, side by side in one run.

    python benchmarks/models.py                      # old = merge-base of HEAD and main
    python benchmarks/models.py --old HEAD~3 --repeat 5
    python benchmarks/models.py --only lf_async_election --repeat 1

A fixed suite of product configurations (``SUITE``) is checked by two source trees: the
working tree ("new") and a git revision ("old", exported with ``git archive`` into a
temporary directory, never into the repository). Every check is a separate process
whose ``PYTHONPATH`` puts one tree's ``replcheck`` package first; the process says which
file it imported, and the run stops if that is not the tree meant. The two trees take
turns (old, new, old, new, ...) so that a change in machine load hits both alike; the
table shows the medians of the repeats and the ratio new/old of states per second.

Each run checks every property of the model, as ``replcheck check`` does, and reports
its distinct states, transitions, the verdicts and the length of every trace: the table
refuses to compare two trees that disagree on any of these (an optimisation must not
change a single state count or trace).

Times are the search's own: wall seconds (``perf_counter``) and CPU seconds
(``process_time``) around ``check``; states/s divides by the wall time. On a shared
machine CPU seconds are the steadier figure, and both are shown.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "RESULT "
CACHES = shutil.ignore_patterns("__pycache__")

# name -> (model, parameters). Sized to take seconds, not minutes, per run on a 2-core
# machine; each exercises a different family's hot path (election and terms; quorums,
# read repair and a crash; LWW clocks with skew across three regions and a partition).
SUITE = {
    "lf_async_election": (
        "leader_follower",
        {"followers": 2, "replication": "async", "failover": "election", "crashes": 1, "partitions": 1},
    ),
    "leaderless_n3_repair_crash_drop": (
        "leaderless",
        {"n": 3, "w": 2, "r": 2, "crashes": 1, "drops": 1, "clients": ["w", "r"], "read_repair": "async"},
    ),
    "ml_lww_three_regions_skew": (
        "multi_leader",
        {"conflict": "lww", "leaders": 3, "skew": 1, "partitions": 1, "clients": ["w", "w"], "homes": ["l0", "l1"]},
    ),
    # the leaderless configuration under symmetry reduction, to depth 8: the canonical
    # form (signatures and relabelling) is the hot path here, not the family's handlers
    "leaderless_n5_symmetry_depth8": (
        "leaderless",
        {"n": 5, "w": 3, "r": 3, "crashes": 2, "clients": ["w", "w", "r"]},
    ),
}

# name -> how the suite checks it beyond the defaults: "symmetry" (the model's canonical form)
# and "max_depth".
CHECK_OPTIONS = {"leaderless_n5_symmetry_depth8": {"symmetry": True, "max_depth": 8}}


# --- the worker: one check in this process ---------------------------------------------------
def worker(name: str, model_name: str, params: dict, expect_root: str) -> None:
    """Check one configuration with whatever ``replcheck`` is first on the path; print one
    RESULT line of JSON."""
    import time

    import replcheck
    from replcheck.checker.registry import model_class
    from replcheck.checker.search import check

    imported = Path(replcheck.__file__).resolve()
    if not str(imported).startswith(str(Path(expect_root).resolve())):
        raise SystemExit(f"models.py: imported {imported}, not the tree under {expect_root}")
    model = model_class(model_name)(**params)
    options = dict(CHECK_OPTIONS.get(name, {}))
    if options.pop("symmetry", False):
        options["symmetry"] = model.canonical
    wall, cpu = time.perf_counter(), time.process_time()
    result = check(model, **options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    verdicts = {p.name: (p.verdict.name, trace_digest(p.trace)) for p in result.properties}
    print(
        RESULT_PREFIX
        + json.dumps(
            {
                "name": name,
                "states": result.stats.states,
                "transitions": result.stats.transitions,
                "depth": result.stats.depth,
                "stopped_by": result.stats.stopped_by,
                "verdicts": verdicts,
                "wall": wall,
                "cpu": cpu,
            }
        ),
        flush=True,
    )


def trace_digest(trace) -> "str | None":
    """A short digest of a trace's step labels and states (None without a trace)."""
    if trace is None:
        return None
    import hashlib

    text = "\n".join(f"{step.action}|{step.state!r}" for step in trace.steps)
    return f"{len(trace.steps)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


# --- the driver ---------------------------------------------------------------------------------
def git(*args: str) -> str:
    """Output of a git command run in the repository (read-only commands only)."""
    return subprocess.run(("git", "-C", str(REPO)) + args, check=True, capture_output=True, text=True).stdout.strip()


def default_old() -> str:
    """The merge-base of HEAD and main, or HEAD when HEAD is main's tip (nothing to compare)."""
    try:
        return git("merge-base", "HEAD", "main")
    except subprocess.CalledProcessError:
        return "HEAD"


def export_tree(ref: str, into: Path) -> Path:
    """``ref``'s sources laid out as an importable ``replcheck`` package under ``into``;
    returns the directory to put on PYTHONPATH."""
    src = into / "src"
    src.mkdir(parents=True)
    archive = subprocess.run(
        ("git", "-C", str(REPO), "archive", ref, "package", "checker", "models"), check=True, capture_output=True
    ).stdout
    subprocess.run(("tar", "-x", "-C", str(src)), input=archive, check=True)
    return assemble(src, into / "site")


def assemble(src: Path, site: Path) -> Path:
    """Lay ``src``'s package/, checker/ and models/ out as replcheck, replcheck.checker and
    replcheck.models (what pyproject.toml's package-dir does) under ``site``."""
    pkg = site / "replcheck"
    shutil.copytree(src / "package", pkg, ignore=CACHES)
    shutil.copytree(src / "checker", pkg / "checker", ignore=CACHES)
    shutil.copytree(src / "models", pkg / "models", ignore=CACHES)
    return site


def run_one(site: Path, name: str) -> dict:
    """One worker process on ``site``'s tree; its RESULT as a dict."""
    model_name, params = SUITE[name]
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONHASHSEED="0")
    code = "import json, sys; sys.path.insert(0, sys.argv[1]); import models; models.worker(*json.loads(sys.argv[2]))"
    arg = json.dumps([name, model_name, params, str(site)])
    out = subprocess.run(
        (sys.executable, "-c", code, str(Path(__file__).parent), arg), env=env, capture_output=True, text=True
    )
    for line in out.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise SystemExit(f"models.py: {name} failed on {site}:\n{out.stderr.strip()[-2000:]}")


def summarise(runs: list[dict]) -> dict:
    """Medians of wall and CPU seconds; the counts (equal in every run by construction)."""
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return {
        "states": runs[0]["states"],
        "transitions": runs[0]["transitions"],
        "wall": wall,
        "cpu": cpu,
        "rate": runs[0]["states"] / wall,
        "cpu_rate": runs[0]["states"] / cpu,
        "runs": [round(r["wall"], 2) for r in runs],
    }


def same_exploration(a: dict, b: dict) -> bool:
    """States, transitions, depth, verdicts and trace lengths all equal."""
    keys = ("states", "transitions", "depth", "stopped_by", "verdicts")
    return all(a[k] == b[k] for k in keys)


def main(argv=None) -> int:
    """Parse arguments, run the suite on both trees in turn, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", help="git revision for the old tree (default: merge-base with main)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tree and config (default 3)")
    ap.add_argument("--only", nargs="*", choices=sorted(SUITE), help="configs to run")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = ap.parse_args(argv)
    old_ref = args.old or default_old()
    names = args.only or list(SUITE)
    with tempfile.TemporaryDirectory(prefix="replcheck-bench-") as tmp:
        tmp = Path(tmp)
        old_site = export_tree(old_ref, tmp / "old")
        new_site = assemble(REPO, tmp / "new")  # the working tree, uncommitted changes included
        rows = []
        for name in names:
            runs = {"old": [], "new": []}
            for _ in range(args.repeat):
                for tree, site in (("old", old_site), ("new", new_site)):
                    runs[tree].append(run_one(site, name))
                    print(f"  {name} {tree}: {runs[tree][-1]['wall']:.2f} s", file=sys.stderr)
            for tree in runs:
                if not all(same_exploration(r, runs[tree][0]) for r in runs[tree]):
                    raise SystemExit(f"models.py: {name}: {tree} explored differently run to run")
            agree = same_exploration(runs["old"][0], runs["new"][0])
            rows.append((name, summarise(runs["old"]), summarise(runs["new"]), agree))
    print(
        f"old = {old_ref[:12]} ({git('log', '-1', '--format=%s', old_ref)[:60]}), "
        f"new = working tree; medians of {args.repeat}"
    )
    print(
        f"{'config':<32} {'states':>9} {'old s':>7} {'new s':>7} {'old st/s':>9} {'new st/s':>9} "
        f"{'ratio':>6} {'cpu ratio':>9}  same?"
    )
    for name, old, new, agree in rows:
        print(
            f"{name:<32} {new['states']:>9,} {old['wall']:>7.2f} {new['wall']:>7.2f} "
            f"{old['rate']:>9,.0f} {new['rate']:>9,.0f} {new['rate'] / old['rate']:>5.2f}x "
            f"{new['cpu_rate'] / old['cpu_rate']:>8.2f}x  {'yes' if agree else 'NO: counts differ'}"
        )
    if args.json:
        print(json.dumps([{"config": n, "old": o, "new": w, "same": a} for n, o, w, a in rows], indent=1))
    return 0 if all(a for *_, a in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
