"""The ``prove`` and ``synthesize`` subcommands: z3 proofs and parameter choices.

Wiring: ``add_parsers(subparsers)`` adds both subcommands and sets ``func`` on each
(``run_prove`` / ``run_synthesize``). The runners print to stdout and return the exit
code: 0 when the fact holds (or choices were found), 1 when it fails (or none were
found). Bad input raises UsageError with a one-line message; the CLI prints it and
exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from . import proofs
from ..checker.errors import ParameterError, UsageError

# Fact name on the command line -> (function, the KEY=VALUE names it accepts).
FACTS: dict[str, tuple[Callable[..., proofs.ProofResult], tuple[str, ...]]] = {
    "quorum-intersection": (proofs.quorum_intersection, ("n", "w", "r")),
    "majority-intersection": (proofs.majority_intersection, ("n",)),
    "concurrent-writes": (proofs.concurrent_writes_overlap, ("n", "w")),
    "availability": (proofs.availability, ("n", "q", "f")),
}

Confirm = Callable[[int, int, int, list[str]], str]
MAX_VALUE = 1000  # largest N (or W, R, Q, F) a concrete proof or synthesis accepts

_PROVE_EPILOG = """\
facts:
  quorum-intersection    W + R > N => every read quorum meets every write quorum
                         (keys: n= w= r=)
  majority-intersection  two majorities always meet => one leader per term (key: n=)
  concurrent-writes      W > N/2 => any two write quorums meet (keys: n= w=)
  availability           with F crashed, a quorum of Q is available iff Q <= N - F
                         (keys: n= q= f=)

Without KEY=VALUE the fact is proved for every N. With all keys given it is decided
for that configuration, with a counterexample when it fails.

examples:
  replcheck prove quorum-intersection
  replcheck prove quorum-intersection n=4 w=2 r=2
  replcheck prove availability n=5 q=3 f=2 --smt2 avail.smt2

exit status: 0 the fact holds, 1 it fails (counterexample printed), 2 bad input
"""

_SYNTH_EPILOG = """\
guarantees and the quorum fact each needs:
  read_your_writes, monotonic_reads, linearizable   W + R > N
  no_concurrent_write_conflicts                     W > N/2
Every choice also keeps reads and writes available with F replicas down:
W <= N - F and R <= N - F. Cheapest first: smallest N, then W + R, then W.

example:
  replcheck synthesize --tolerate 1 --guarantee read_your_writes

exit status: 0 choices found, 1 none within --max-n, 2 bad input
"""


def add_parsers(subparsers) -> None:
    """Add ``prove`` and ``synthesize`` to an argparse subparsers object."""
    prove = subparsers.add_parser(
        "prove",
        help="prove a quorum fact for every N with z3, or decide it for one configuration",
        description="Prove a quorum fact with the z3 SMT solver. The output is the "
        "argument: claim, premises, the step z3 checked and its answer, "
        "and the conclusion.",
        epilog=_PROVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    prove.add_argument("fact", metavar="FACT", help="the fact to prove: " + ", ".join(FACTS))
    prove.add_argument(
        "values",
        nargs="*",
        metavar="KEY=VALUE",
        help="a concrete configuration, e.g. n=4 w=2 r=2; give all keys "
        "of the fact or none (none proves it for every N)",
    )
    prove.add_argument(
        "--smt2",
        metavar="FILE",
        help="also write the exact z3 query to FILE as SMT-LIB 2, with "
        "the expected answer in a leading comment, so any SMT "
        "solver can re-check it",
    )
    prove.add_argument("--json", action="store_true", help="print the result as JSON instead of the argument in prose")
    prove.set_defaults(func=run_prove)

    synth = subparsers.add_parser(
        "synthesize",
        help="find the cheapest (N, W, R) that tolerate F failures and give the named guarantees",
        description="Search with z3 for the cheapest quorum configurations (N, W, R) "
        "that stay available with F replicas down and satisfy the quorum "
        "facts the named guarantees need.",
        epilog=_SYNTH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    synth.add_argument(
        "--tolerate",
        metavar="F",
        required=True,
        help="how many replicas may be down while reads and writes still succeed (0 or more)",
    )
    synth.add_argument(
        "--guarantee",
        metavar="NAME",
        action="append",
        default=[],
        help="a guarantee the configuration must give; repeat for several. One of: " + ", ".join(proofs.GUARANTEES),
    )
    synth.add_argument("--max-n", metavar="N", default="7", help="largest number of replicas to consider (default: 7)")
    synth.add_argument(
        "--limit", metavar="K", default="5", help="how many choices to list, cheapest first (default: 5)"
    )
    synth.add_argument("--json", action="store_true", help="print the choices as JSON instead of a table")
    synth.add_argument(
        "--confirm-seconds",
        metavar="SECONDS",
        default="10",
        help="time bound of each explicit check (default: 10); a check it stops says UNKNOWN, never HOLDS",
    )
    synth.set_defaults(func=run_synthesize)


# ---------------------------------------------------------------- prove


def _whole_number(where: str, key: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(f"{where}: {key}={text!r} is not a whole number; write e.g. {key}=3") from None


def _parse_values(fact: str, items: list[str], keys: tuple[str, ...]) -> dict[str, int]:
    where = f"prove {fact}"
    accepted = " ".join(f"{k}=" for k in keys)
    values: dict[str, int] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip().lower()
        if not sep:
            raise UsageError(f"{where}: expected KEY=VALUE, got {item!r}; use {accepted}")
        if key not in keys:
            raise UsageError(f"{where}: unknown key {key!r}; use {accepted}")
        if key in values:
            raise UsageError(f"{where}: {key} given twice; give each of {accepted} once")
        values[key] = _whole_number(where, key, text)
        if abs(values[key]) > MAX_VALUE:
            raise UsageError(
                f"{where}: {key}={values[key]} is beyond {MAX_VALUE:,}, where z3's "
                "encoding (one variable per replica) takes too long; omit the keys "
                "to prove the fact for every N"
            )
    return values


def _write_smt2(path: str, text: str) -> None:
    try:
        Path(path).write_text(text)
    except OSError as e:
        raise UsageError(f"--smt2: cannot write {path!r} ({e.strerror}); choose a writable file") from None


def run_prove(args: argparse.Namespace) -> int:
    """Run ``prove``: print the proof or counterexample; 0 if the fact holds, else 1."""
    fact = args.fact.strip().lower().replace("_", "-")
    if fact not in FACTS:
        raise UsageError(f"prove: unknown fact {args.fact!r}; use one of {', '.join(FACTS)}")
    function, keys = FACTS[fact]
    values = _parse_values(fact, list(args.values or []), keys)
    try:
        result = function(**values)
    except ParameterError as e:
        raise UsageError(f"prove {fact}: {e}") from None
    if args.smt2:
        _write_smt2(args.smt2, result.smt2)
    if args.json:
        print(json.dumps(asdict(result), indent=2))
    else:
        print(proofs.render(result))
        if args.smt2:
            print(f"\nSMT-LIB 2 query written to {args.smt2} (expected answer: {result.answer}).")
    return 0 if result.holds else 1


# ---------------------------------------------------------------- synthesize


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _requirements(tolerate: int, guarantees: list[str]) -> str:
    needs = [f"W <= N - {tolerate}", f"R <= N - {tolerate}"]
    for name in guarantees:
        need = proofs.guarantee_requirement(name)
        if need not in needs:
            needs.append(need)
    return ", ".join(needs)


def run_synthesize(args: argparse.Namespace, confirm: Confirm | None = None) -> int:
    """Run ``synthesize``: print the cheapest choices as a table; 0 if any, else 1.

    ``confirm(n, w, r, guarantees)``, when given, is called for each choice and its
    text is printed in a last column (the CLI passes the explicit-state checker).
    """
    where = "synthesize"
    tolerate = _whole_number(where, "--tolerate", str(args.tolerate))
    max_n = _whole_number(where, "--max-n", str(args.max_n))
    if max_n > MAX_VALUE:
        raise UsageError(f"{where}: --max-n {max_n} is beyond {MAX_VALUE:,}; choose a smaller largest cluster")
    limit = _whole_number(where, "--limit", str(args.limit))
    try:
        guarantees = proofs.normalize_guarantees(list(args.guarantee or []))
        choices = proofs.synthesize(tolerate, guarantees, max_n=max_n, limit=limit)
        needs = _requirements(tolerate, guarantees)
    except ParameterError as e:
        raise UsageError(f"{where}: {e}") from None
    verdicts = []
    for i, (n, w, r) in enumerate(choices, start=1):
        if confirm and not args.json:
            print(f"  confirming {i}/{len(choices)}: N={n} W={w} R={r}", file=sys.stderr, flush=True)
        verdicts.append(confirm(n, w, r, guarantees) if confirm else None)
    workload = list(getattr(confirm, "workload_lines", []))
    if args.json:
        print(
            json.dumps(
                [
                    {"n": n, "w": w, "r": r, **({"confirmed": v, "workload": workload} if confirm else {})}
                    for (n, w, r), v in zip(choices, verdicts)
                ],
                indent=2,
            )
        )
        return 0 if choices else 1
    wanted = ", ".join(guarantees) or "no guarantee beyond availability"
    print(f"Tolerating {tolerate} replica(s) down with {wanted}.")
    print(f"Constraints (z3): {needs}.")
    for line in workload:
        print(line)
    if not choices:
        print(f"No (N, W, R) with N <= {max_n} satisfies them; raise --max-n or tolerate fewer failures.")
        return 1
    header = ["N", "W", "R", "W+R"] + (["explicit check"] if confirm else [])
    rows = [header] + [
        [str(n), str(w), str(r), str(w + r)] + ([v] if confirm else []) for (n, w, r), v in zip(choices, verdicts)
    ]
    print("Cheapest first (smallest N, then W+R, then W):")
    print(_table(rows))
    return 0
