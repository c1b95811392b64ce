"""Where replcheck's time goes on Quorum.tla: the engine loop or the model.

    python benchmarks/profile_quorum.py                 # 4,2,3,2: 255,495 states, seconds
    python benchmarks/profile_quorum.py --config 5,3,3,2 --no-cprofile

Two views, because cProfile's per-call overhead inflates whoever makes the most calls:

1. A split without a profiler. The reachable states are gathered first; then each part
   of the work is timed alone over exactly the states and transitions ``check`` sees:
   the model's ``next_steps``, the property predicates, one hash + dict lookup per
   successor, and a bare BFS (one dict of parents, no properties, no statistics). The
   rest of ``check``'s time is the engine's own overhead. Each timing is the fastest of
   ``--repeat`` runs, since other processes on the machine only ever add time.
2. cProfile of ``check``, functions grouped by file (engine, model, builtins).

Keep to configs of a few hundred thousand states: the split holds every state and every
successor in memory, and at 5,3,3,2 (3.3 GB of such data) the BFS timed beside it ran
2.6 times slower than in a fresh process, which says more about that baggage than about
replcheck.
"""

import argparse
import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quorum  # noqa: E402
from replcheck.checker import check  # noqa: E402
from replcheck.checker.properties import declared_properties  # noqa: E402


def reachable(model) -> list:
    """Every reachable state in BFS order (untimed: it only feeds the timed parts)."""
    seen = dict.fromkeys(model.init_states())
    order = list(seen)
    k = 0
    while k < len(order):
        for succ in model.successors(order[k]):
            if succ not in seen:
                seen[succ] = None
                order.append(succ)
        k += 1
    return order


def timed(fn, repeat: int) -> float:
    """The fastest of ``repeat`` runs: other processes only ever add time."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def split(model, states: list, repeat: int) -> dict[str, float]:
    """Seconds for each part of the work, each measured alone."""
    steps = model.successors
    predicates = [p.predicate for p in declared_properties(model)]
    seen = set(states)
    successors = [t for s in states for t in steps(s)]

    def expand():
        for state in states:
            steps(state)

    def evaluate():
        for state in states:
            for p in predicates:
                p(state)

    def look_up():
        for succ in successors:
            succ in seen  # noqa: B015  (the lookup is what is timed)

    def bare_bfs():
        # The least a BFS that records parents must do: one lookup per successor, one
        # insert per new state.
        parent = dict.fromkeys(model.init_states())
        frontier = list(parent)
        while frontier:
            nxt = []
            for state in frontier:
                for succ in steps(state):
                    if succ not in parent:
                        parent[succ] = state
                        nxt.append(succ)
            frontier = nxt

    return {
        "model: successors": timed(expand, repeat),
        "model: properties": timed(evaluate, repeat),
        "hash + lookup, once per successor": timed(look_up, repeat),
        "bare BFS (successors + dict)": timed(bare_bfs, repeat),
        "check()": timed(lambda: check(model), repeat),
        "check(symmetry=canonical)": timed(lambda: check(model, symmetry=model.canonical), repeat),
        "canonical() on every state": timed(lambda: [model.canonical(s) for s in states], repeat),
    }


def grouped_profile(model, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(check, model)
    stats = pstats.Stats(profiler)
    groups: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        if "/checker/" in filename:
            group = "engine (checker/)"
        elif filename.endswith("quorum.py"):
            group = "model (benchmarks/quorum.py)"
        else:
            group = "builtins (hash, all, min/max, ...)"
        groups[group] = groups.get(group, 0.0) + tottime
    total = sum(groups.values())
    print(f"\ncProfile of check(): {total:.2f} s of self time (profiler overhead included)")
    for group, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"  {group:40} {seconds:6.2f} s  {100 * seconds / total:5.1f} %")
    print()
    stats.sort_stats("tottime").print_stats(top)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="4,2,3,2", help="N,W,R,NumWrites")
    parser.add_argument("--top", type=int, default=12, help="functions listed by cProfile")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (min kept)")
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    model = quorum.model_for(args.config)
    states = reachable(model)
    transitions = sum(len(model.successors(s)) for s in states)
    print(f"{model}: {len(states):,} states, {transitions:,} transitions")
    parts = split(model, states, args.repeat)
    for name, seconds in parts.items():
        print(f"  {name:36} {seconds:7.2f} s")
    full = parts["check()"]
    shares = {
        "model successors": parts["model: successors"],
        "model properties": parts["model: properties"],
        "hash + dict lookup": parts["hash + lookup, once per successor"],
        "rest of a bare BFS (loop, insert, append)": parts["bare BFS (successors + dict)"]
        - parts["model: successors"]
        - parts["hash + lookup, once per successor"],
        "engine beyond a bare BFS": full - parts["bare BFS (successors + dict)"] - parts["model: properties"],
    }
    print(f"\n  check() = {full:.2f} s, split:")
    for name, seconds in shares.items():
        print(f"    {name:50} {seconds:6.2f} s  {100 * seconds / full:4.0f} %")
    if not args.no_cprofile:
        grouped_profile(model, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
