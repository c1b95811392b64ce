"""Where replcheck's time goes on Quorum.tla: the engine loop or the model.

    python benchmarks/profile_quorum.py                 # 4,2,3,2: 255,495 states, seconds
    python benchmarks/profile_quorum.py --config 5,3,3,2 --no-cprofile

Two views, because cProfile's per-call overhead inflates whoever makes the most calls:

1. A split without a profiler. The reachable states are gathered first; then each part
   of the work is timed alone over exactly the states and transitions ``check`` sees:
   the model's ``next_steps``, the property predicates, and the bare BFS bookkeeping
   (one dict of parents, no properties, no statistics). The rest of ``check``'s time is
   the engine's own overhead.
2. cProfile of ``check``, functions grouped by file (engine, model, builtins).
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
        for _, succ in model.next_steps(order[k]):
            if succ not in seen:
                seen[succ] = None
                order.append(succ)
        k += 1
    return order


def timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def split(model, states: list) -> dict[str, float]:
    """Seconds for each part of the work, measured separately."""
    steps = model.next_steps
    predicates = [p.predicate for p in declared_properties(model)]

    def successors():
        for state in states:
            for _ in steps(state):
                pass

    def properties():
        for state in states:
            for p in predicates:
                p(state)

    def bare_bfs():
        # The least a BFS that records parents must do: one lookup per successor, one
        # insert per new state.
        parent = dict.fromkeys(model.init_states())
        frontier = list(parent)
        while frontier:
            nxt = []
            for state in frontier:
                for _, succ in steps(state):
                    if succ not in parent:
                        parent[succ] = state
                        nxt.append(succ)
            frontier = nxt

    result = {"next_steps": timed(successors), "properties": timed(properties),
              "bare BFS (next_steps + dict)": timed(bare_bfs)}
    result["check()"] = timed(lambda: check(model))
    result["check(symmetry=canonical)"] = timed(lambda: check(model,
                                                                symmetry=quorum.canonical))
    result["canonical() alone"] = timed(lambda: [quorum.canonical(s) for s in states])
    return result


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
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    model = quorum.model_for(args.config)
    states = reachable(model)
    transitions = sum(1 for s in states for _ in model.next_steps(s))
    print(f"{model}: {len(states):,} states, {transitions:,} transitions")
    parts = split(model, states)
    for name, seconds in parts.items():
        print(f"  {name:34} {seconds:7.2f} s")
    bare = parts["bare BFS (next_steps + dict)"]
    full = parts["check()"]
    dict_work = bare - parts["next_steps"]
    overhead = full - bare - parts["properties"]
    print(f"\n  of check()'s {full:.2f} s: model next_steps {parts['next_steps']:.2f} s "
          f"({100 * parts['next_steps'] / full:.0f} %), properties {parts['properties']:.2f} s "
          f"({100 * parts['properties'] / full:.0f} %), dict lookups/inserts "
          f"{dict_work:.2f} s ({100 * dict_work / full:.0f} %), engine overhead beyond a bare "
          f"BFS {overhead:.2f} s ({100 * overhead / full:.0f} %)")
    if not args.no_cprofile:
        grouped_profile(model, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
