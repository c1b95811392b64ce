"""The ``staleness`` subcommand: how stale, how often (PBS, Bailis et al., VLDB 2012).

``replcheck staleness leaderless n=3 w=1 r=1 [k=1..5] [t=0..100ms] [--latency PROFILE]``
prints the exact k-staleness of the configuration (``models.staleness``: a Markov chain
explored with exact rationals) and, when a latency profile is given, its t-visibility
(``models.staleness_wars``: seeded Monte Carlo simulation of the WARS model).

Wiring: ``add_parsers(subparsers)`` adds the subcommand with ``func=run_staleness``; the
runner prints to stdout and returns 0. Bad input raises UsageError (one line, exit 2).
"""

from __future__ import annotations

import argparse
import json
import math
from fractions import Fraction
from pathlib import Path

from ..checker.errors import ParameterError, UsageError
from ..checker.output import write_atomic
from . import staleness_plot
from .staleness import MAX_K, KStaleness, explore_k_staleness
from .staleness_latency import load_profile, shipped_profiles
from .staleness_wars import DEFAULT_SEED, DEFAULT_TRIALS, MAX_TRIALS, TVisibility, t_visibility

FAMILIES = ("leaderless",)
KEYS = ("n", "w", "r", "k", "t", "writes", "placement")
DEFAULT_TIMES = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
PLOT_POINTS = 120
PAPER = "Bailis et al., Probabilistically Bounded Staleness, VLDB 2012 (arXiv 1204.6082)"

_EPILOG = """\
parameters (KEY=VALUE):
  n= w= r=          replicas, write quorum, read quorum (required)
  k=1..5            versions of staleness tolerated: a value, A..B or a,b,c (default 1..5)
  t=0..100ms        times after commit for t-visibility: a value, A..B (11 points),
                    A..B:STEP or a,b,c, in ms (needs --latency or --leg)
  writes=K          writes before the read (default k; more gives the same answer)
  placement=uniform quorums chosen uniformly at random (default), or adversarial
                    (an MDP: needs --worst-case)

latency profiles (the paper's Table 3 fits; --latency NAME):
  lnkd-ssd, lnkd-disk, ymmr, wan
or a .toml file (W, A, R, S or ARS as distributions, optional remote_ms) or a .csv of
observed one-way latencies in ms (one column, or columns W,A,R,S / ARS). --leg LEG=DIST
sets one leg: exp(RATE), pareto(XM,ALPHA), const(MS) or a mixture such as
0.9*pareto(1.5,3.8) + 0.1*exp(0.02).

examples:
  replcheck staleness leaderless n=3 w=1 r=1 k=1..5
  replcheck staleness leaderless n=3 w=1 r=1 --latency lnkd-disk t=0..100
  replcheck staleness leaderless n=3 w=1 r=1 --leg W='exp(0.1)' --leg ARS='exp(1)' --json

exit status: 0 computed, 2 bad input
"""


def _intermixed(parser_class):
    """``parser_class`` whose parsing lets KEY=VALUE words follow options (``--latency
    lnkd-disk t=0..100``), which plain argparse refuses once a positional list has begun."""

    def parse_known_args(self, args=None, namespace=None):
        if self.__dict__.get("_parsing"):
            return parser_class.parse_known_args(self, args, namespace)
        self._parsing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._parsing = False

    return type("IntermixedParser", (parser_class,), {"parse_known_args": parse_known_args})


def add_parsers(subparsers) -> None:
    """Add ``staleness`` to an argparse subparsers object."""
    default_class = subparsers._parser_class  # argparse offers no per-subparser class argument
    subparsers._parser_class = _intermixed(default_class)
    try:
        _add_parser(subparsers)
    finally:
        subparsers._parser_class = default_class


def _add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "staleness",
        help="how likely a partial-quorum read is stale: exact k-staleness, simulated t-visibility (PBS)",
        description="Probabilistically Bounded Staleness (Bailis et al., VLDB 2012). k-staleness is "
        "computed exactly by exploring a Markov chain whose write and read quorums are "
        "chosen uniformly at random; t-visibility is simulated (WARS model) under a "
        "latency profile.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("family", metavar="FAMILY", help="the replication family: leaderless")
    p.add_argument("values", nargs="*", metavar="KEY=VALUE", help="n= w= r= and optionally k= t= writes= placement=")
    p.add_argument(
        "--latency",
        metavar="PROFILE",
        default="",
        help="latency profile for t-visibility: "
        + ", ".join(shipped_profiles())
        + ", a .toml profile or a .csv of observed latencies",
    )
    p.add_argument(
        "--leg",
        action="append",
        default=[],
        metavar="LEG=DIST",
        help="one WARS delay distribution (W, A, R, S or ARS), e.g. W='exp(0.1)' (repeatable)",
    )
    p.add_argument(
        "--trials",
        default=str(DEFAULT_TRIALS),
        metavar="N",
        help=f"simulated writes, each followed by a read (default {DEFAULT_TRIALS:,})",
    )
    p.add_argument(
        "--seed", default=str(DEFAULT_SEED), metavar="S", help=f"random seed of the simulation (default {DEFAULT_SEED})"
    )
    p.add_argument(
        "--worst-case",
        action="store_true",
        help="with placement=adversarial: the worst-case bound over the adversary's choices",
    )
    p.add_argument("--svg", metavar="FILE", help="also write a plot of probability against k (and t)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=run_staleness)


# ---------------------------------------------------------------- parsing


def _int(key: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UsageError(f"staleness: {key}={text!r} is not a whole number; write e.g. {key}=3") from None


def parse_ks(text: str) -> list[int]:
    """``3``, ``1..5`` or ``1,2,4``: sorted distinct whole numbers in 1..MAX_K."""
    if ".." in text:
        a, _, b = text.partition("..")
        lo, hi = _int("k", a), _int("k", b)
        if hi < lo:
            raise UsageError(f"staleness: k={text}: empty range; write k=1..5")
        ks = list(range(lo, hi + 1))
    else:
        ks = [_int("k", part) for part in text.split(",")]
    bad = [k for k in ks if not 1 <= k <= MAX_K]
    if bad:
        raise UsageError(f"staleness: k={bad[0]}: must be between 1 and {MAX_K}")
    return sorted(set(ks))


def _ms(text: str) -> float:
    body = text.strip().removesuffix("ms").strip()
    try:
        value = float(body)
    except ValueError:
        raise UsageError(f"staleness: t: {text.strip()!r} is not a number of ms; write e.g. t=0..100ms") from None
    if not math.isfinite(value) or value < 0 or value > 1e7:
        raise UsageError(f"staleness: t: {text.strip()} must be between 0 and 10,000,000 ms")
    return value


def parse_times(text: str) -> list[float]:
    """``5``, ``0..100`` (11 evenly spaced points), ``0..100:5`` or ``0,1,10`` (ms, an
    optional ``ms`` suffix): at most 1,000 sorted distinct times."""
    text = text.strip().removesuffix("ms")
    if ".." in text:
        a, _, rest = text.partition("..")
        b, _, step_text = rest.partition(":")
        lo, hi = _ms(a), _ms(b)
        if hi < lo:
            raise UsageError(f"staleness: t={text}: empty range; write t=0..100")
        step = _ms(step_text) if step_text else (hi - lo) / 10
        if step <= 0 and hi > lo:
            raise UsageError(f"staleness: t={text}: the step must be positive")
        count = 1 if hi == lo else int(math.floor((hi - lo) / step + 1e-9)) + 1
        if count > 1000:
            raise UsageError(f"staleness: t={text}: {count} times; give at most 1,000 (a larger step)")
        times = [round(lo + i * step, 9) for i in range(count)]
    else:
        times = [_ms(part) for part in text.split(",")]
    return sorted(set(times))


def parse_values(items: list[str]) -> dict[str, str]:
    """KEY=VALUE words into a dict; unknown, repeated or malformed words are refused."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip().lower()
        if not sep or not text.strip():
            raise UsageError(f"staleness: expected KEY=VALUE, got {item!r}; use {' '.join(k + '=' for k in KEYS)}")
        if key not in KEYS:
            raise UsageError(f"staleness: unknown key {key!r}; use {' '.join(k + '=' for k in KEYS)}")
        if key in values:
            raise UsageError(f"staleness: {key} given twice; give it once")
        values[key] = text.strip()
    missing = [k for k in ("n", "w", "r") if k not in values]
    if missing:
        raise UsageError(f"staleness: missing {missing[0]}=; give n= w= r=, e.g. n=3 w=1 r=1")
    return values


def _legs(items: list[str]) -> dict[str, str]:
    legs = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise UsageError(f"--leg {item}: write LEG=DIST, e.g. --leg W='exp(0.1)'")
        legs[key.strip().upper()] = text
    return legs


# ---------------------------------------------------------------- running


def run_staleness(args: argparse.Namespace) -> int:
    """Run ``staleness``: print k-staleness (and t-visibility); 0, or UsageError."""
    family = args.family.strip().lower().replace("-", "_")
    if family not in FAMILIES:
        raise UsageError(
            f"staleness: family {args.family!r} is not modelled; PBS covers Dynamo-style quorums: use leaderless"
        )
    values = parse_values(list(args.values))
    n, w, r = (_int(key, values[key]) for key in ("n", "w", "r"))
    ks = parse_ks(values.get("k", "1..5"))
    writes = _int("writes", values["writes"]) if "writes" in values else None
    placement = values.get("placement", "uniform").lower()
    if placement == "adversarial" and not args.worst_case:
        raise UsageError(
            "staleness: placement=adversarial leaves the quorums to an adversary (a Markov "
            "decision process); add --worst-case for the worst-case bound"
        )
    simulate = bool(args.latency or args.leg)
    if "t" in values and not simulate:
        raise UsageError(
            "staleness: t= needs a latency profile; add --latency lnkd-disk (or lnkd-ssd, "
            "ymmr, wan, a .toml or .csv) or --leg W=... --leg ARS=..."
        )
    trials, seed = _int("--trials", args.trials), _int("--seed", args.seed)
    if seed < 0:
        raise UsageError("staleness: --seed must be 0 or more")
    if trials > MAX_TRIALS:
        raise UsageError(f"staleness: --trials {trials}: give at most {MAX_TRIALS:,}")
    try:
        rows = [
            explore_k_staleness(n, w, r, k, writes=writes, placement=placement, worst_case=args.worst_case) for k in ks
        ]
    except ParameterError as e:
        raise UsageError(f"staleness: {e}") from None
    tvis, printed = None, []
    if simulate:
        profile = load_profile(args.latency, _legs(args.leg))
        printed = parse_times(values["t"]) if "t" in values else list(DEFAULT_TIMES)
        dense = plot_times(printed) if args.svg else []
        tvis = t_visibility(n, w, r, profile, sorted(set(printed) | set(dense)), trials=trials, seed=seed)
    if args.svg:
        _write_svg(Path(args.svg), rows, tvis)
    if args.json:
        print(json.dumps(to_json(rows, tvis, printed, profile if simulate else None), indent=2))
    else:
        print("\n".join(render(rows, tvis, printed, profile if simulate else None)))
        if args.svg:
            print(f"Plot written to {args.svg}.")
    return 0


def plot_times(printed: list[float]) -> list[float]:
    """A grid of times from 0 to the largest printed time, for a smooth t curve."""
    top = max(printed) if printed else 0.0
    top = top if top > 0 else 1.0
    return [round(top * i / PLOT_POINTS, 9) for i in range(PLOT_POINTS + 1)]


def decimal(x: Fraction | float) -> str:
    """Three decimals, or as many more as needed to tell a value short of 1 (or above 0)
    from 1 (or 0)."""
    for places in range(3, 13):
        text = f"{float(x):.{places}f}"
        if (float(text) != 1 or x == 1) and (float(text) != 0 or x == 0):
            return text
    return f"{float(x):.3e}"


def fraction_text(x: Fraction) -> str:
    """``5/9 = 0.556``."""
    return f"{x} = {decimal(x)}"


def render(rows: list[KStaleness], tvis: TVisibility | None, printed, profile) -> list[str]:
    """The text report."""
    first = rows[0]
    how = (
        "chosen by an adversary: worst-case bound, minimum over the adversary's choices"
        if first.kind == "MDP"
        else "chosen uniformly at random"
    )
    out = [
        f"PBS k-staleness, leaderless n={first.n} w={first.w} r={first.r}: write and read quorums "
        f"{how}, non-expanding (no read repair, no anti-entropy). {PAPER}, Section 3.1.",
        f"Exact: each row explores a {'Markov decision process' if first.kind == 'MDP' else 'Markov chain'} "
        "(symmetry-reduced) and sums rationals.",
        "",
    ]
    width = max(len(fraction_text(row.fresh)) for row in rows)
    out.append(f"  {'k':>2}  {'P(read returns one of the k latest versions)':<{max(width, 44)}}  explored")
    for row in rows:
        out.append(
            f"  {row.k:>2}  {fraction_text(row.fresh):<{max(width, 44)}}  "
            f"{row.states} states, {row.transitions} transitions"
        )
    out.append("")
    out += _stale_lines(rows)
    if tvis is not None:
        out += [""] + render_t(tvis, printed, profile)
    return out


def _stale_lines(rows: list[KStaleness]) -> list[str]:
    if all(row.stale_states == 0 for row in rows):
        return [
            f"No stale read is reachable: no explored state has the read return a version older than the "
            f"k latest (W + R = {rows[0].w + rows[0].r} > N = {rows[0].n}), so the probability is exactly 1."
        ]
    row = next(row for row in rows if row.stale_states)
    chance = "" if row.witness.probability is None else f" (this run has probability {row.witness.probability})"
    return [
        f"Stale reads are reachable (W + R = {row.w + row.r} <= N = {row.n}). A shortest one, k={row.k}: "
        f"{'; '.join(row.witness.actions)}{chance}."
    ]


def render_t(tvis: TVisibility, printed, profile) -> list[str]:
    """The t-visibility part of the text report."""
    out = [
        f"PBS t-visibility, leaderless n={tvis.n} w={tvis.w} r={tvis.r}: WARS model ({PAPER}, "
        "Section 4.1), latency profile "
        f"{tvis.profile}{f' ({profile.source})' if profile.source else ''}:"
    ]
    out += [f"  {line}" for line in profile.describe()]
    out.append(
        f"Monte Carlo: {tvis.trials:,} writes, each followed by one read t ms after it commits; seed {tvis.seed}."
    )
    out.append(f"  {'t (ms)':>10}  {'P(read sees the write)':<24}95% interval")
    wanted = set(printed)
    for p in tvis.points:
        if p.t in wanted:
            out.append(f"  {_num(p.t):>10}  {p.probability:<24.4f}[{p.low:.4f}, {p.high:.4f}]")
    out.append(
        f"99.9% of reads see the write {_num(tvis.t_999)} ms after commit (95% interval "
        f"{_num(tvis.t_999_low)}..{_num(tvis.t_999_high)} ms)."
    )
    out.append(
        f"99.9th percentile latency: read {_num(tvis.read_latency_999)} ms, write {_num(tvis.write_latency_999)} ms."
    )
    return out


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") if x < 100 else f"{x:.1f}".removesuffix(".0")


def to_json(rows: list[KStaleness], tvis: TVisibility | None, printed, profile) -> dict:
    """The JSON report: exact fractions as strings beside their float values."""
    first = rows[0]
    out = {
        "n": first.n,
        "w": first.w,
        "r": first.r,
        "k_staleness": {
            "model": "non-expanding quorums, uniform" if first.kind == "DTMC" else "adversarial (worst case)",
            "kind": first.kind,
            "source": f"{PAPER}, Section 3.1",
            "rows": [
                {
                    "k": row.k,
                    "writes": row.writes,
                    "probability": str(row.fresh),
                    "decimal": round(float(row.fresh), 12),
                    "stale_probability": str(row.stale),
                    "stale_states": row.stale_states,
                    "states": row.states,
                    "transitions": row.transitions,
                    "stale_witness": None
                    if row.witness is None
                    else {
                        "actions": list(row.witness.actions),
                        "probability": None if row.witness.probability is None else str(row.witness.probability),
                    },
                }
                for row in rows
            ],
            "stale_read_reachable": any(row.stale_states for row in rows),
        },
    }
    if tvis is not None:
        wanted = set(printed)
        out["t_visibility"] = {
            "profile": tvis.profile,
            "legs": profile.describe(),
            "source": profile.source,
            "trials": tvis.trials,
            "seed": tvis.seed,
            "points": [
                {"t_ms": p.t, "probability": round(p.probability, 9), "low": round(p.low, 9), "high": round(p.high, 9)}
                for p in tvis.points
                if p.t in wanted
            ],
            "t_999_ms": round(tvis.t_999, 6),
            "t_999_interval_ms": [round(tvis.t_999_low, 6), round(tvis.t_999_high, 6)],
            "read_latency_999_ms": round(tvis.read_latency_999, 6),
            "write_latency_999_ms": round(tvis.write_latency_999, 6),
        }
    return out


def plot(rows: list[KStaleness], tvis: TVisibility | None) -> str:
    """The SVG text: probability against k, and against t when simulated."""
    first = rows[0]
    panels = [
        staleness_plot.k_panel(
            0,
            f"k-staleness, N={first.n} W={first.w} R={first.r}",
            [row.k for row in rows],
            [float(row.fresh) for row in rows],
        )
    ]
    if tvis is not None:
        pts = tvis.points
        panels.append(
            staleness_plot.t_panel(
                staleness_plot.WIDTH,
                f"t-visibility, {tvis.profile}",
                [p.t for p in pts],
                [p.probability for p in pts],
                [p.low for p in pts],
                [p.high for p in pts],
                tvis.t_999,
            )
        )
    return staleness_plot.svg(panels)


def _write_svg(path: Path, rows, tvis) -> None:
    if not path.parent.is_dir():
        raise UsageError(f"--svg {path}: no directory {path.parent}; create it or choose another file")
    try:
        write_atomic(path, plot(rows, tvis))
    except OSError as e:
        raise UsageError(f"--svg {path}: cannot write it ({e.strerror or e}); choose a writable file") from None
