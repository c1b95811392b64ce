"""PBS k-staleness as a Markov chain: how likely a partial-quorum read is k versions fresh.

The protocol (Bailis et al., "Probabilistically Bounded Staleness for Practical Partial
Quorums", VLDB 2012, https://arxiv.org/abs/1204.6082, Section 3.1 "PBS k-staleness"): N
replicas hold versions of one key, all starting at v0. Each of ``writes`` sequential writes
v1, v2, ... reaches W replicas chosen uniformly at random among the C(N, W) sets, which
store it; no other replica ever gets it (non-expanding quorums: no anti-entropy, no read
repair, no hinted hand-off). Then a read contacts R replicas chosen uniformly at random and
returns the newest version among them.

The anomaly: with W + R <= N the read may miss every recent write quorum and return a
version older than the k latest committed ones (a stale read). The chain's question is the
probability of the opposite, the paper's 1 - p_s: that the read returns one of the k latest
versions. ``k_staleness`` answers it by exploring the chain and summing exact rationals
(``checker.probability``); the paper's closed form 1 - (C(N-W, R) / C(N, R))^k is only the
tests' cross-check. With W + R > N no stale read is reachable at all, and the exploration
shows it (the stale target has no reachable state), so the probability is exactly 1.

``placement="adversarial"`` leaves the write and read quorums unweighted (an adversary picks
them): a Markov decision process, answered only as a worst-case bound (``worst_case``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import comb
from typing import NamedTuple

from ..checker import Model, always, sometimes
from ..checker.errors import ParameterError
from ..checker.probability import Witness, reachability

MAX_N = 9  # largest N explored exactly (N = 9 with k = 5 takes about a second)
MAX_K = 10  # largest k (or number of writes)
MAX_WORK = 1_000_000  # refuse configurations whose exploration would exceed this many steps
PLACEMENTS = ("uniform", "adversarial")


class World(NamedTuple):
    """Writes done so far, the newest version each replica holds, and the version the
    read returned (None before the read)."""

    writes_done: int
    replicas: tuple[int, ...]
    returned: int | None


def _names(quorum) -> str:
    return "{" + ", ".join(f"n{i}" for i in quorum) + "}"


class QuorumStaleness(Model):
    """Sequential writes to W random replicas, then one read of R random replicas."""

    name = "quorum_staleness"

    def __init__(self, n: int, w: int, r: int, k: int, writes: int | None = None, placement: str = "uniform"):
        check_parameters(n, w, r, k, writes, placement)
        self.n, self.w, self.r, self.k = n, w, r, k
        self.writes = k if writes is None else writes
        self.placement = placement
        self.params = {"n": n, "w": w, "r": r, "k": k, "writes": self.writes, "placement": placement}
        self._write_weight = Fraction(1, comb(n, w)) if placement == "uniform" else None
        self._read_weight = Fraction(1, comb(n, r)) if placement == "uniform" else None

    def init_states(self):
        """Every replica holds v0; no write yet, no read."""
        return [World(0, (0,) * self.n, None)]

    def weighted_next_steps(self, s: World):
        """Each write quorum (then each read quorum) with probability 1 / C(N, W) (then
        1 / C(N, R)); weight None for every choice under adversarial placement."""
        if s.writes_done < self.writes:
            version = s.writes_done + 1
            for quorum in combinations(range(self.n), self.w):
                held = tuple(version if i in quorum else v for i, v in enumerate(s.replicas))
                yield f"write v{version} reaches {_names(quorum)}", World(version, held, None), self._write_weight
        elif s.returned is None:
            for quorum in combinations(range(self.n), self.r):
                newest = max(s.replicas[i] for i in quorum)
                yield (
                    f"read contacts {_names(quorum)} and returns v{newest}",
                    World(s.writes_done, s.replicas, newest),
                    self._read_weight,
                )

    def next_steps(self, s: World):
        """The weighted steps without their weights (for ``check``)."""
        return [(action, nxt) for action, nxt, _ in self.weighted_next_steps(s)]

    def canonical(self, s: World) -> World:
        """Replicas are interchangeable and every choice is uniform over replica sets, so
        sorting them is a lumping of the chain: probabilities are kept."""
        return s._replace(replicas=tuple(sorted(s.replicas)))

    def oldest_fresh(self) -> int:
        """The oldest of the k latest committed versions (v0 counts while writes < k)."""
        return max(0, self.writes - self.k + 1)

    def is_fresh(self, s: World) -> bool:
        """The read has returned one of the k latest committed versions."""
        return s.returned is not None and s.returned >= self.oldest_fresh()

    def is_stale(self, s: World) -> bool:
        """The read has returned a version older than the k latest."""
        return s.returned is not None and s.returned < self.oldest_fresh()

    @always
    def read_within_k_versions(self, s: World) -> bool:
        """a read never returns a version older than the k latest committed ones"""
        return not self.is_stale(s)

    @sometimes
    def read_completes(self, s: World) -> bool:
        """a read completes"""
        return s.returned is not None

    def summary(self) -> str:
        """The parameters in one line."""
        return f"n={self.n} w={self.w} r={self.r} k={self.k} writes={self.writes} placement={self.placement}"


def check_parameters(n, w, r, k, writes=None, placement="uniform") -> None:
    """A ParameterError naming the first parameter out of range."""
    for name, value in (("n", n), ("w", w), ("r", r), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(name, f"must be a whole number, got {value!r}")
    if not 1 <= n <= MAX_N:
        raise ParameterError("n", f"must be between 1 and {MAX_N} for exact exploration, got {n}")
    for name, value in (("w", w), ("r", r)):
        if not 1 <= value <= n:
            raise ParameterError(name, f"must be between 1 and n={n}, got {value}")
    if not 1 <= k <= MAX_K:
        raise ParameterError("k", f"must be between 1 and {MAX_K}, got {k}")
    if writes is not None and not k <= writes <= MAX_K:
        raise ParameterError("writes", f"must be between k={k} and {MAX_K}, got {writes}")
    work = comb(n + (writes or k), writes or k) * max(comb(n, w), comb(n, r))
    if work > MAX_WORK:
        raise ParameterError(
            "k",
            f"n={n} w={w} r={r} with {writes or k} writes would take about {work:,} "
            "steps to explore exactly; lower k (or n)",
        )
    if placement not in PLACEMENTS:
        raise ParameterError("placement", f"must be one of {', '.join(PLACEMENTS)}, got {placement!r}")


@dataclass(frozen=True)
class KStaleness:
    """The explored answer for one configuration.

    ``fresh`` is the probability that the read returns one of the k latest versions (exact;
    under adversarial placement the worst-case bound, the minimum over adversaries).
    ``stale_states`` counts reachable states where the read returned an older version: 0
    is the exploration's proof that no stale read is reachable. ``witness`` is a shortest
    stale read, with its probability, when there is one."""

    n: int
    w: int
    r: int
    k: int
    writes: int
    fresh: Fraction
    stale: Fraction
    stale_states: int
    witness: Witness | None
    states: int
    transitions: int
    kind: str
    bound: str | None


def explore_k_staleness(
    n: int, w: int, r: int, k: int, *, writes: int | None = None, placement: str = "uniform", worst_case: bool = False
) -> KStaleness:
    """Explore ``QuorumStaleness`` (with symmetry: replicas are interchangeable) and return
    the probabilities of a fresh and of a stale read. ``worst_case`` must be given for
    adversarial placement: the fresh probability is then the minimum, the stale one the
    maximum, over every way of choosing the quorums."""
    model = QuorumStaleness(n, w, r, k, writes, placement)
    targets = {"fresh": model.is_fresh, "stale": model.is_stale}
    low = reachability(model, targets, symmetry=True, worst_case="min" if worst_case else None)
    high = reachability(model, {"stale": model.is_stale}, symmetry=True, worst_case="max") if low.kind == "MDP" else low
    stale = high["stale"]
    return KStaleness(
        n,
        w,
        r,
        k,
        model.writes,
        low["fresh"].probability,
        stale.probability,
        stale.reachable_states,
        stale.witness,
        low.states,
        low.transitions,
        low.kind,
        low.bound,
    )


def k_staleness(n: int, w: int, r: int, k: int) -> Fraction:
    """The probability that a read returns one of the k latest committed versions when
    writes reach W and reads contact R of N replicas chosen uniformly at random (PBS
    k-staleness, non-expanding quorums), computed exactly by exploring the chain."""
    return explore_k_staleness(n, w, r, k).fresh


def t_visibility(n: int, w: int, r: int, profile, times=(0.0,), **options):
    """PBS t-visibility by seeded Monte Carlo simulation of the WARS model: see
    ``models.staleness_wars.t_visibility`` (``profile`` is a shipped name such as
    ``"lnkd-disk"`` or a ``Profile``; ``trials=`` and ``seed=`` are optional)."""
    from .staleness_wars import t_visibility as simulate  # numpy is needed only here

    return simulate(n, w, r, profile, times, **options)


@dataclass(frozen=True)
class Report:
    """What ``replcheck staleness`` prints, for other front ends: ``text`` (the report),
    ``data`` (the ``--json`` document) and ``svg`` (the ``--svg`` plot)."""

    text: str
    data: dict
    svg: str


def report(
    n: int,
    w: int,
    r: int,
    ks=range(1, 6),
    *,
    latency: str | None = None,
    times=None,
    trials: int | None = None,
    seed: int | None = None,
) -> Report:
    """k-staleness for each k in ``ks`` (exact) and, when ``latency`` names a profile (a
    shipped name, a .toml or .csv path), t-visibility at ``times`` (ms; default 0 to
    1000 ms). Raises ``ParameterError``/``UsageError`` (one-line messages) on bad input."""
    from . import staleness_command as command
    from .staleness_wars import DEFAULT_SEED, DEFAULT_TRIALS

    rows = [explore_k_staleness(n, w, r, k) for k in ks]
    tvis, printed, profile = None, [], None
    if latency:
        from .staleness_latency import load_profile

        profile = load_profile(latency)
        printed = sorted(set(times)) if times is not None else list(command.DEFAULT_TIMES)
        grid = sorted(set(printed) | set(command.plot_times(printed)))
        tvis = t_visibility(
            n, w, r, profile, grid, trials=trials or DEFAULT_TRIALS, seed=DEFAULT_SEED if seed is None else seed
        )
    return Report(
        "\n".join(command.render(rows, tvis, printed, profile)),
        command.to_json(rows, tvis, printed, profile),
        command.plot(rows, tvis),
    )
