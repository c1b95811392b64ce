"""The issue's large configurations: how far each gets in a time limit.

    python benchmarks/scale.py                       # each run stops after 300 s
    python benchmarks/scale.py --time-limit 60 --only leaderless_n5_two_crashes

Each configuration is one ``replcheck check`` process (``python -m replcheck``) with
``--time-limit``; the table gives the distinct states, transitions and depth it reached,
whether the search completed, its own seconds, and the peak memory of the process
(``ru_maxrss`` of that child alone). A search stopped by the limit leaves every undecided
verdict UNKNOWN; the verdicts it did decide are listed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# name -> command-line words after "replcheck check"
CONFIGS = {
    # four followers, synchronous replication waiting for two of them, elections, one crash
    # that may recover, one partition, two clients
    "lf_four_followers_sync_k2": [
        "leader_follower",
        "followers=4",
        "replication=sync",
        "k=2",
        "failover=election",
        "crashes=1",
        "recover=true",
        "partitions=1",
        "clients=w r,w r",
    ],
    # five replicas, W=3 R=3, up to two crashes, two writers and a reader
    "leaderless_n5_two_crashes": ["leaderless", "n=5", "w=3", "r=3", "crashes=2", "clients=w,w,r"],
    # three regions, last-writer-wins with a clock one tick fast, a partition, two writers
    "ml_three_regions_lww_skew": ["multi_leader", "leaders=3", "conflict=lww", "skew=1", "partitions=1", "clients=w,w"],
}


def run(words: list[str], time_limit: float, extra: list[str]) -> dict:
    """One check as a child process; its JSON result, wall seconds and peak memory."""
    cmd = [sys.executable, "-m", "replcheck", "check", *words, "--json", "--time-limit", str(time_limit), *extra]
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not all children's
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    peak_kb = usage.ru_maxrss
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        raise SystemExit(
            f"scale.py: {' '.join(words)} printed no JSON (exit {proc.returncode}):\n{err.strip()[-1500:]}"
        )
    return {"result": result, "wall": wall, "peak_mb": peak_kb / 1024}


def main(argv=None) -> int:
    """Run the configurations one after another and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per run (default 300)")
    ap.add_argument("--only", nargs="*", choices=sorted(CONFIGS))
    ap.add_argument("--symmetry", action="store_true", help="add --symmetry to every run")
    args = ap.parse_args(argv)
    extra = ["--symmetry"] if args.symmetry else []
    print(
        f"{'config':<28} {'states':>11} {'transitions':>12} {'depth':>5} {'stopped by':>11} "
        f"{'seconds':>8} {'states/s':>9} {'peak MB':>8}  verdicts decided"
    )
    for name in args.only or list(CONFIGS):
        got = run(CONFIGS[name], args.time_limit, extra)
        stats = got["result"]["stats"]
        decided = [f"{p['name']}={p['verdict']}" for p in got["result"]["properties"] if p["verdict"] != "UNKNOWN"]
        print(
            f"{name:<28} {stats['states']:>11,} {stats['transitions']:>12,} {stats['depth']:>5} "
            f"{stats.get('stopped_by') or 'complete':>11} {stats['seconds']:>8.1f} "
            f"{stats['states'] / max(stats['seconds'], 1e-9):>9,.0f} {got['peak_mb']:>8,.0f}  "
            f"{', '.join(decided) or '-'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
