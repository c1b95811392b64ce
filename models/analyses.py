"""Analyses above the engine: confirming a synthesized quorum choice by exploration.

``replcheck synthesize`` asks z3 for the cheapest (N, W, R) whose quorum facts a guarantee
needs; those facts are necessary, not sufficient (W + R > N without read repair still shows
the new-old inversion). This module confirms each choice on the leaderless model, with, per
guarantee, the smallest client workload known to *break* it in a nearby configuration:

* read_your_writes: one client that writes and then reads (stale read when W + R <= N);
* monotonic_reads and linearizable: a writer and a client that reads twice (the new-old
  inversion of ``specs/leaderless/n3_w2_r2_inversion.toml``, even with W + R > N).

Before trusting a workload, the confirmation explores its *twin*: the same workload in a
nearby broken configuration where the guarantee must fail (N=3 W=1 R=1 for
read_your_writes; N=3 W=2 R=2 without read repair for the other two). A workload that cannot
break its guarantee there is too weak to confirm anything, and the verdict is UNKNOWN. A
search stopped by its time or state bound is UNKNOWN too, never HOLDS. The read-repair
modes are tried from none to blocking; the first under which the guarantee HOLDS is named.
The engine knows none of this: the command line finds ``confirm_choice`` through the
``replcheck.analyses`` entry point.
"""

from dataclasses import dataclass

from replcheck.checker import Verdict, check
from replcheck.checker.errors import ParameterError

from .leaderless import Leaderless
from .proofs import normalize_guarantees

AVAILABILITY = "write_acknowledged_while_a_home_is_down"
READ_REPAIR_MODES = ("off", "blocking")


STALE_QUORUMS = (("n", 3), ("w", 1), ("r", 1), ("read_repair", "off"))  # W + R <= N
NO_READ_REPAIR = (("n", 3), ("w", 2), ("r", 2), ("read_repair", "off"))  # the inversion


@dataclass(frozen=True)
class Workload:
    """Client scripts, why they can break the guarantee, and the nearby broken
    configuration (the twin) in which they must."""

    clients: tuple[str, ...]
    why: str
    twin: tuple = STALE_QUORUMS


WORKLOADS = {
    "read_your_writes": Workload(("w r",), "a client writes, then reads", STALE_QUORUMS),
    "monotonic_reads": Workload(("w", "r r"), "a writer, and a client that reads twice", NO_READ_REPAIR),
    "linearizable": Workload(("w", "r r"), "a writer, and a client that reads twice", NO_READ_REPAIR),
}
AVAILABILITY_WORKLOAD = Workload(("w",), "one write while replicas are down")


def workload_text(guarantees: list[str], tolerate: int) -> list[str]:
    """Lines saying which workload confirms which guarantee (printed above the table)."""
    lines = [f"Explicit check: the leaderless model with up to {tolerate} crash(es), per guarantee:"]
    for g in guarantees:
        w = WORKLOADS.get(g)
        lines.append(
            f"  {g}: "
            + (
                f"clients {list(w.clients)} ({w.why}); read repair tried: {', '.join(READ_REPAIR_MODES)}"
                if w
                else "no workload in the leaderless model can test it: UNKNOWN"
            )
        )
    if tolerate:
        lines.append(
            f"  availability: clients {list(AVAILABILITY_WORKLOAD.clients)}, a write "
            "acknowledged while a home replica is down for the whole write"
        )
    return lines


class Confirmer:
    """``confirm(n, w, r, guarantees)`` -> the text of the explicit-check column."""

    def __init__(self, tolerate: int, guarantees: list[str], seconds: float = 10.0, max_states: int = 200_000):
        self.tolerate, self.seconds, self.max_states = tolerate, seconds, max_states
        self._twins: dict[str, str] = {}
        self.workload_lines = workload_text(guarantees, tolerate)

    def _run(self, params: dict, prop: str):
        model = Leaderless(**params)
        return check(
            model, properties=[prop], symmetry=model.canonical, time_limit=self.seconds, max_states=self.max_states
        )[prop]

    def workload_breaks(self, guarantee: str) -> bool:
        """Whether the guarantee's workload violates it in its twin configuration."""
        if guarantee not in self._twins:
            w = WORKLOADS[guarantee]
            self._twins[guarantee] = self._run({**dict(w.twin), "clients": w.clients}, guarantee).verdict.value
        return self._twins[guarantee] == "VIOLATED"

    def guarantee(self, n: int, w: int, r: int, guarantee: str) -> str:
        if guarantee not in WORKLOADS:
            return f"{guarantee} UNKNOWN (not modelled)"
        if not self.workload_breaks(guarantee):
            return f"{guarantee} UNKNOWN (workload too weak)"
        seen = []
        for mode in READ_REPAIR_MODES:
            got = self._run(
                {
                    "n": n,
                    "w": w,
                    "r": r,
                    "crashes": self.tolerate,
                    "read_repair": mode,
                    "clients": WORKLOADS[guarantee].clients,
                },
                guarantee,
            )
            if got.verdict is Verdict.HOLDS:
                return f"{guarantee} HOLDS with read_repair={mode}"
            seen.append(f"{got.verdict.value} with read_repair={mode}")
            if got.verdict is Verdict.UNKNOWN:
                break  # bounded: a stronger mode would not be decided either
        verdict = "UNKNOWN" if any(s.startswith("UNKNOWN") for s in seen) else "VIOLATED"
        return f"{guarantee} {verdict} ({'; '.join(seen)})"

    def availability(self, n: int, w: int, r: int) -> str:
        got = self._run(
            {"n": n, "w": w, "r": r, "crashes": self.tolerate, "clients": AVAILABILITY_WORKLOAD.clients}, AVAILABILITY
        )
        return f"available with a replica down {got.verdict.value}"

    def __call__(self, n: int, w: int, r: int, guarantees: list[str]) -> str:
        try:
            parts = [self.guarantee(n, w, r, g) for g in guarantees]
            if self.tolerate:
                parts.append(self.availability(n, w, r))
        except ParameterError as exc:  # beyond what the model explores (n <= 7, crashes <= 4)
            return f"UNKNOWN (not explored: {exc})"
        return ", ".join(parts) or "nothing to explore"


def confirm_choice(tolerate: int, guarantees: list[str], seconds: float = 10.0):
    """The confirmation ``replcheck synthesize`` uses (see the module docstring). Unknown
    guarantee names are left for synthesize itself to report."""
    try:
        guarantees = normalize_guarantees(list(guarantees))
    except ParameterError:
        guarantees = []
    return Confirmer(tolerate, guarantees, seconds)
