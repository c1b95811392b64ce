"""PBS t-visibility by Monte Carlo simulation of the WARS model.

The protocol (Bailis et al., VLDB 2012, https://arxiv.org/abs/1204.6082, Section 4.1 "WARS
model" and Section 5.1 "Monte Carlo Simulator"): a Dynamo-style coordinator sends a write
to all N replicas (one-way delay W each), each replica stores it on arrival and acknowledges
(delay A); the write commits when the W-th acknowledgement arrives. A read starts t ms after
the commit, goes to all N replicas (delay R), each replica answers with what it holds when
the request arrives (delay S), and the coordinator returns the newest of the first R answers.

The anomaly: with W + R <= N, every one of the first R answers may come from a replica the
write has not reached yet (its request overtook the write), so the read returns the older
version: a stale read, t ms after the write committed. The simulation draws every delay
independently from a latency ``Profile`` (``staleness_latency``) and reports the probability
that a read started t ms after commit sees the write (the paper's 1 - p_s), with a 95%
confidence interval, and the t at which 99.9% of reads see it.

One draw of the 4N delays decides the read for every t at once: replica i answers with the
write iff it arrived first, i.e. iff commit + t + R_i >= W_i, so the read is consistent
iff t >= T = min over its first R responders (by R_i + S_i) of W_i - R_i - commit. The
consistency curve is the empirical distribution of T, and the 99.9% point is its 0.999
quantile (0 when already consistent at commit). Like the paper, the model has no read
repair, hinted hand-off or anti-entropy, and one write followed by one read (no
overlapping writes): the paper calls it a conservative bound for expanding quorums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..checker.errors import UsageError
from .staleness_latency import Profile, load_profile

Z95 = 1.959963984540054  # two-sided 95% normal quantile
TARGET = 0.999
MAX_TRIALS = 20_000_000
DEFAULT_TRIALS = 200_000
DEFAULT_SEED = 20120426  # the day arXiv 1204.6082 appeared; any fixed seed would do


@dataclass(frozen=True)
class Point:
    """The probability that a read started ``t`` ms after commit is consistent, with a 95%
    Wilson score interval."""

    t: float
    probability: float
    low: float
    high: float


@dataclass(frozen=True)
class TVisibility:
    """One simulated configuration: the curve at the asked times, the t (ms) by which
    99.9% of reads are consistent with a 95% order-statistic interval, and the 99.9th
    percentile read and write latencies (ms)."""

    profile: str
    n: int
    w: int
    r: int
    trials: int
    seed: int
    points: tuple[Point, ...]
    t_999: float
    t_999_low: float
    t_999_high: float
    read_latency_999: float
    write_latency_999: float


def simulate(profile: Profile, n: int, w: int, r: int, trials: int, seed: int) -> dict[str, np.ndarray]:
    """Draw ``trials`` independent write-then-read runs. Returns per run the threshold ``T``
    (the read at commit + t is consistent iff t >= T), the write latency (commit time) and
    the read latency (the R-th response)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    shape = (trials, n)
    delay = {leg: profile.legs[leg].sample(rng, shape) for leg in ("W", "A", "R", "S")}
    if profile.remote_ms:
        replicas = np.arange(n)
        writer = rng.integers(n, size=trials)[:, None]
        reader = rng.integers(n, size=trials)[:, None]
        for leg, home in (("W", writer), ("A", writer), ("R", reader), ("S", reader)):
            delay[leg] = delay[leg] + profile.remote_ms * (replicas != home)
    acks = delay["W"] + delay["A"]
    commit = np.partition(acks, w - 1, axis=1)[:, w - 1]
    answers = delay["R"] + delay["S"]
    first = np.argsort(answers, axis=1, kind="stable")[:, :r]
    lag = np.take_along_axis(delay["W"] - delay["R"], first, axis=1) - commit[:, None]
    read_latency = np.take_along_axis(answers, first[:, -1:], axis=1)[:, 0]
    return {"threshold": lag.min(axis=1), "write_latency": commit, "read_latency": read_latency}


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a binomial proportion."""
    p = successes / trials
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile_interval(sorted_values: np.ndarray, q: float) -> tuple[float, float, float]:
    """The q-quantile of sorted samples and a distribution-free 95% interval from the
    binomial ranks around it (normal approximation)."""
    m = len(sorted_values)
    spread = Z95 * math.sqrt(m * q * (1 - q))
    rank = min(m - 1, max(0, math.ceil(q * m) - 1))
    lo = min(m - 1, max(0, math.floor(q * m - spread) - 1))
    hi = min(m - 1, max(0, math.ceil(q * m + spread) - 1))
    return float(sorted_values[rank]), float(sorted_values[lo]), float(sorted_values[hi])


def check_configuration(n: int, w: int, r: int, trials: int) -> None:
    """A UsageError for a configuration the simulation cannot run."""
    if not 1 <= n <= 100:
        raise UsageError(f"n={n}: t-visibility simulates between 1 and 100 replicas")
    for name, value in (("w", w), ("r", r)):
        if not 1 <= value <= n:
            raise UsageError(f"{name}={value}: must be between 1 and n={n}")
    if not 1000 <= trials <= MAX_TRIALS:
        raise UsageError(f"--trials {trials}: give between 1000 and {MAX_TRIALS:,} trials")
    if trials * n > 50_000_000:
        raise UsageError(f"--trials {trials} with n={n} needs too much memory; lower --trials")


def t_visibility(
    n: int,
    w: int,
    r: int,
    profile: Profile | str,
    times=(0.0,),
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int = DEFAULT_SEED,
) -> TVisibility:
    """Simulate ``trials`` writes each followed by a read (WARS, ``profile``: a ``Profile``
    or a shipped name such as ``"lnkd-disk"``) and return the probability of a consistent
    read at each of ``times`` (ms after commit) and the t of 99.9% consistency. Seeded: the
    same arguments give the same numbers."""
    if isinstance(profile, str):
        profile = load_profile(profile)
    check_configuration(n, w, r, trials)
    runs = simulate(profile, n, w, r, trials, seed)
    threshold = np.sort(runs["threshold"])
    points = []
    for t in times:
        consistent = int(np.searchsorted(threshold, t, side="right"))  # runs with T <= t
        low, high = wilson(consistent, trials)
        points.append(Point(float(t), consistent / trials, low, high))
    t999, lo, hi = (max(0.0, v) for v in quantile_interval(threshold, TARGET))
    read999 = quantile_interval(np.sort(runs["read_latency"]), TARGET)[0]
    write999 = quantile_interval(np.sort(runs["write_latency"]), TARGET)[0]
    return TVisibility(profile.name, n, w, r, trials, seed, tuple(points), t999, lo, hi, read999, write999)
