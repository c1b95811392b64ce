"""One large Quorum run: how many states fit, how fast, and a clean stop at a bound.

    python benchmarks/big_run.py                                  # 6,3,4,2, stop at 10 M states
    python benchmarks/big_run.py --config 5,2,4,2 --max-states 0  # to the end (8.25 M states)

Prints the progress line every 10 seconds (states, BFS depth, frontier, rate), then the
verdicts, the statistics and the peak memory of the process (``ru_maxrss``) per stored
state. A run stopped by ``--max-states`` or ``--time-limit`` reports UNKNOWN for what it did
not decide, never HOLDS.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quorum  # noqa: E402
from replcheck.checker import check  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="6,3,4,2", help="N,W,R,NumWrites")
    parser.add_argument(
        "--max-states", type=int, default=10_000_000, help="stop after this many distinct states (0: no bound)"
    )
    parser.add_argument("--time-limit", type=float, default=0, help="stop after this many seconds (0: no limit)")
    args = parser.parse_args(argv)
    if args.max_states < 0 or args.time_limit < 0:
        parser.error("--max-states and --time-limit must be 0 (no bound) or positive")
    model = quorum.model_for(args.config)
    last = [float("-inf")]

    def show(figures: dict) -> None:
        if figures["seconds"] - last[0] < 10:
            return
        last[0] = figures["seconds"]
        print(
            f"  {figures['states']:>12,} states  depth {figures['depth']:>3}  "
            f"frontier {figures['frontier']:>11,}  {figures['rate']:>9,.0f} states/s  "
            f"{figures['seconds']:6.0f} s",
            flush=True,
        )

    print(f"{model}, max states {args.max_states or 'none'}, time limit {args.time_limit or 'none'}")
    start = time.perf_counter()
    result = check(model, max_states=args.max_states or None, time_limit=args.time_limit or None, progress=show)
    wall = time.perf_counter() - start
    stats = result.stats
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    for prop in result.properties:
        print(f"  {prop.name}: {prop.verdict}" + (f" ({prop.reason})" if prop.reason else ""))
    print(
        f"  {stats.states:,} distinct states, {stats.transitions:,} transitions, depth "
        f"{stats.depth}, complete={stats.complete}" + (f", stopped by {stats.stopped_by}" if stats.stopped_by else "")
    )
    print(
        f"  {wall:.1f} s, {stats.states / wall:,.0f} states/s; peak memory "
        f"{peak / 2**20:,.0f} MB = {peak / max(stats.states, 1):.0f} bytes per state "
        f"(the whole process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
