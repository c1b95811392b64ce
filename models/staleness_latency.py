"""Latency distributions for the WARS model, the paper's production fits, and user profiles.

A profile gives four one-way message delays in milliseconds (Bailis et al., VLDB 2012,
https://arxiv.org/abs/1204.6082, Section 4.1 "Inconsistency in Dynamo: WARS Model"):
``W`` (coordinator to replica, carrying a write), ``A`` (the replica's acknowledgement),
``R`` (coordinator to replica, carrying a read request) and ``S`` (the replica's response).
Each draw is independent and identically distributed across replicas, as the paper assumes.

The shipped profiles are the paper's fits to production latencies (Section 5 "Production
Latency Model Fitting", Table 3 "Distribution fits for production latency distributions"):

* ``lnkd-ssd`` -- LinkedIn Voldemort on SSDs: W = A = R = S = 91.22% Pareto(xm=0.235,
  alpha=10) + 8.78% Exponential(lambda=1.66).
* ``lnkd-disk`` -- LinkedIn Voldemort on 15k RPM disks: W = 38% Pareto(xm=1.05, alpha=1.51)
  + 62% Exponential(lambda=0.183); A = R = S as ``lnkd-ssd``.
* ``ymmr`` -- Yammer Riak: W = 93.9% Pareto(xm=3, alpha=3.35) + 6.1% Exponential(lambda=
  0.0028); A = R = S = 98.2% Pareto(xm=1.5, alpha=3.8) + 1.8% Exponential(lambda=0.0217).
* ``wan`` -- the paper's WAN scenario: ``lnkd-disk`` delays plus 75 ms each way to every
  replica outside the coordinator's datacenter; each operation's coordinator sits beside one
  replica chosen uniformly at random, independently for the write and the read.

Pareto(xm, alpha) has P(X > x) = (xm / x)^alpha for x >= xm; Exponential(lambda) has mean
1/lambda ms. A user profile writes the same notation (see ``parse_distribution``), or gives
a CSV of observed one-way latencies (see ``read_csv``).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checker.errors import UsageError

LEGS = ("W", "A", "R", "S")
MAX_FILE_BYTES = 16 * 1024 * 1024


class Distribution:
    """A one-way delay distribution in milliseconds."""

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        """``size`` independent draws."""
        raise NotImplementedError

    def describe(self) -> str:
        """The distribution in the notation ``parse_distribution`` reads."""
        raise NotImplementedError


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with rate ``rate`` per ms (mean 1/rate ms)."""

    rate: float

    def sample(self, rng, size):
        """Exponential draws of mean 1/rate."""
        return rng.exponential(1.0 / self.rate, size)

    def describe(self):
        """``exp(RATE)``."""
        return f"exp({self.rate:g})"


@dataclass(frozen=True)
class Pareto(Distribution):
    """Pareto (type I) with scale ``xm`` ms and shape ``alpha``: P(X > x) = (xm/x)^alpha."""

    xm: float
    alpha: float

    def sample(self, rng, size):
        """xm times a Lomax draw plus one: the classical Pareto."""
        return self.xm * (1.0 + rng.pareto(self.alpha, size))

    def describe(self):
        """``pareto(XM,ALPHA)``."""
        return f"pareto({self.xm:g},{self.alpha:g})"


@dataclass(frozen=True)
class Constant(Distribution):
    """A fixed delay of ``ms``."""

    ms: float

    def sample(self, rng, size):
        """The constant, ``size`` times."""
        return np.full(size, float(self.ms))

    def describe(self):
        """``const(MS)``."""
        return f"const({self.ms:g})"


@dataclass(frozen=True)
class Empirical(Distribution):
    """Observed latencies, resampled uniformly with replacement."""

    values: tuple[float, ...]
    source: str = "observed"

    def sample(self, rng, size):
        """Observations drawn uniformly with replacement."""
        return rng.choice(np.asarray(self.values, dtype=float), size=size, replace=True)

    def describe(self):
        """Where the observations came from and how many there are."""
        return f"csv({self.source}: {len(self.values)} observations)"


@dataclass(frozen=True)
class Mixture(Distribution):
    """Each draw comes from component i with probability ``weights[i]`` (summing to 1)."""

    weights: tuple[float, ...]
    parts: tuple[Distribution, ...]

    def sample(self, rng, size):
        """A component per draw by weight, then a draw from it."""
        pick = np.searchsorted(np.cumsum(self.weights), rng.random(size), side="right")
        pick = np.minimum(pick, len(self.parts) - 1)  # a cumulative sum of 0.9999...: stay in range
        out = np.empty(size)
        for i, part in enumerate(self.parts):
            chosen = pick == i
            out[chosen] = part.sample(rng, int(chosen.sum()))
        return out

    def describe(self):
        """``w1*dist1 + w2*dist2 ...``."""
        return " + ".join(f"{w:g}*{p.describe()}" for w, p in zip(self.weights, self.parts))


@dataclass(frozen=True)
class Profile:
    """The four WARS delay distributions; ``remote_ms`` > 0 places each coordinator beside
    one replica and adds that delay each way to every other replica (the WAN scenario)."""

    name: str
    legs: dict[str, Distribution] = field(hash=False)
    remote_ms: float = 0.0
    source: str = ""

    def describe(self) -> list[str]:
        """One line per leg, and the remote delay if any."""
        lines = [f"{leg} = {self.legs[leg].describe()}" for leg in LEGS]
        if self.remote_ms:
            lines.append(f"remote replicas: +{self.remote_ms:g} ms each way")
        return lines


def _table3_ssd() -> Mixture:
    return Mixture((0.9122, 0.0878), (Pareto(0.235, 10), Exponential(1.66)))


def shipped_profiles() -> dict[str, Profile]:
    """The paper's production fits (Table 3) and its WAN scenario (Section 5)."""
    ssd = _table3_ssd()
    disk_w = Mixture((0.38, 0.62), (Pareto(1.05, 1.51), Exponential(0.183)))
    ymmr_w = Mixture((0.939, 0.061), (Pareto(3, 3.35), Exponential(0.0028)))
    ymmr_ars = Mixture((0.982, 0.018), (Pareto(1.5, 3.8), Exponential(0.0217)))
    table3 = "Bailis et al. VLDB 2012, Table 3"
    return {
        "lnkd-ssd": Profile(
            "lnkd-ssd", {"W": ssd, "A": ssd, "R": ssd, "S": ssd}, 0.0, f"{table3}: LinkedIn Voldemort, SSD"
        ),
        "lnkd-disk": Profile(
            "lnkd-disk",
            {"W": disk_w, "A": ssd, "R": ssd, "S": ssd},
            0.0,
            f"{table3}: LinkedIn Voldemort, spinning disk",
        ),
        "ymmr": Profile(
            "ymmr", {"W": ymmr_w, "A": ymmr_ars, "R": ymmr_ars, "S": ymmr_ars}, 0.0, f"{table3}: Yammer Riak"
        ),
        "wan": Profile(
            "wan",
            {"W": disk_w, "A": ssd, "R": ssd, "S": ssd},
            75.0,
            "Bailis et al. VLDB 2012, Section 5: lnkd-disk plus 75 ms to remote datacenters",
        ),
    }


_NUMBER = r"\s*([-+0-9.eE]+|inf|nan)\s*"
_TERM = re.compile(r"^\s*(?:" + _NUMBER + r"\*)?\s*(exp|pareto|const)\s*\(([^()]*)\)\s*$")
_ARITY = {"exp": 1, "pareto": 2, "const": 1}


def parse_distribution(text: str, where: str) -> Distribution:
    """``exp(RATE)``, ``pareto(XM,ALPHA)``, ``const(MS)``, or a mixture of them with weights
    summing to 1: ``0.9122*pareto(0.235,10) + 0.0878*exp(1.66)``. ``where`` names the
    input in errors (a UsageError of one line)."""
    terms = [t for t in text.split("+") if t.strip()] if text.strip() else []
    if not terms:
        raise UsageError(f"{where}: empty distribution; write e.g. exp(0.5) or pareto(1.5,3.8)")
    weights, parts = [], []
    for term in terms:
        m = _TERM.match(term)
        if not m:
            raise UsageError(
                f"{where}: cannot read {term.strip()!r}; write exp(RATE), pareto(XM,ALPHA), "
                "const(MS) or a mixture like 0.9*pareto(1,3) + 0.1*exp(0.5)"
            )
        weight, kind, args = m.group(1), m.group(2), m.group(3)
        values = [_positive(a, f"{where}: {kind}") for a in args.split(",")] if args.strip() else []
        if len(values) != _ARITY[kind]:
            raise UsageError(
                f"{where}: {kind}() takes {_ARITY[kind]} number(s), got {len(values)}; "
                "write exp(RATE), pareto(XM,ALPHA) or const(MS)"
            )
        parts.append(
            {"exp": lambda v: Exponential(v[0]), "pareto": lambda v: Pareto(*v), "const": lambda v: Constant(v[0])}[
                kind
            ](values)
        )
        weights.append(_positive(weight, f"{where}: mixture weight") if weight is not None else None)
    if len(parts) == 1:
        if weights[0] not in (None, 1.0):
            raise UsageError(f"{where}: a single distribution takes no weight (or weight 1)")
        return parts[0]
    if None in weights or not math.isclose(sum(weights), 1.0, abs_tol=1e-9):
        raise UsageError(
            f"{where}: mixture weights must all be given and sum to 1 (got "
            f"{', '.join('?' if w is None else f'{w:g}' for w in weights)})"
        )
    return Mixture(tuple(weights), tuple(parts))


def _positive(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{where}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{where}: {text.strip()} must be a positive, finite number")
    return value


def read_csv(path: Path) -> dict[str, Distribution]:
    """Observed one-way latencies in ms from a CSV file: either one column of numbers (an
    optional header line), used for all four legs, or a header naming columns among W, A,
    R, S (and ARS for the last three), one observation per row; empty cells are skipped.
    Every value must be a finite number >= 0. Errors name the file, line and fix."""
    text = _read_text(path)
    rows = [line.split(",") for line in text.splitlines()]
    rows = [(i + 1, [c.strip() for c in row]) for i, row in enumerate(rows) if any(c.strip() for c in row)]
    if not rows:
        raise UsageError(f"{path}: no latencies; give one number (ms) per line, or columns W,A,R,S")
    first = rows[0][1]
    header = None if _is_number(first[0]) else [h.upper() for h in first]
    body = rows if header is None else rows[1:]
    if header is None or len(header) == 1:
        values = _column(path, body, 0)
        dist = Empirical(tuple(values), path.name)
        return {leg: dist for leg in LEGS}
    unknown = [h for h in header if h not in LEGS + ("ARS",)]
    if unknown:
        raise UsageError(f"{path}: line 1: unknown column {unknown[0]!r}; name columns W, A, R, S or ARS")
    legs: dict[str, Distribution] = {}
    for col, name in enumerate(header):
        dist = Empirical(tuple(_column(path, body, col)), f"{path.name}:{name}")
        for leg in ("A", "R", "S") if name == "ARS" else (name,):
            legs[leg] = dist
    missing = [leg for leg in LEGS if leg not in legs]
    if missing:
        raise UsageError(f"{path}: no column for {', '.join(missing)}; add it (or ARS for A, R and S)")
    return legs


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give the path of a CSV or TOML latency profile")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UsageError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; give a sample of the latencies")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; give a CSV of numbers") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _column(path: Path, rows, col: int) -> list[float]:
    values = []
    for line, cells in rows:
        cell = cells[col] if col < len(cells) else ""
        if not cell:
            continue
        try:
            value = float(cell)
        except ValueError:
            raise UsageError(f"{path}: line {line}: {cell!r} is not a number of milliseconds") from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"{path}: line {line}: {cell} is not a finite latency >= 0 ms")
        values.append(value)
    if not values:
        raise UsageError(f"{path}: column {col + 1} has no latencies")
    return values


def read_toml(path: Path) -> Profile:
    """A profile file: ``W``, ``A``, ``R``, ``S`` (or ``ARS``) as distribution strings,
    optional ``name`` and ``remote_ms``; unknown keys are refused."""
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    allowed = set(LEGS) | {"ARS", "name", "remote_ms"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise UsageError(f"{path}: field '{unknown[0]}': unknown; use W, A, R, S, ARS, name, remote_ms")
    legs: dict[str, Distribution] = {}
    for key in ("ARS",) + LEGS:
        if key in data:
            if not isinstance(data[key], str):
                raise UsageError(f"{path}: field '{key}': write the distribution as a string, e.g. \"exp(0.5)\"")
            dist = parse_distribution(data[key], f"{path}: field '{key}'")
            for leg in ("A", "R", "S") if key == "ARS" else (key,):
                legs[leg] = dist
    missing = [leg for leg in LEGS if leg not in legs]
    if missing:
        raise UsageError(f"{path}: field '{missing[0]}': missing; give W, A, R and S (or W and ARS)")
    remote = data.get("remote_ms", 0)
    if isinstance(remote, bool) or not isinstance(remote, (int, float)) or not math.isfinite(remote) or remote < 0:
        raise UsageError(f"{path}: field 'remote_ms': must be a number of ms >= 0")
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise UsageError(f"{path}: field 'name': must be a string")
    return Profile(name, legs, float(remote), str(path))


def load_profile(spec: str, overrides: dict[str, str] | None = None) -> Profile:
    """A shipped profile by name, a ``.toml`` profile or a ``.csv`` of observations, with
    per-leg ``overrides`` (``{"W": "exp(0.1)", "ARS": "exp(1)"}``) applied on top. With
    ``spec`` empty, the overrides must give every leg."""
    overrides = overrides or {}
    shipped = shipped_profiles()
    if not spec:
        base = Profile("custom", {}, 0.0, "command line")
    elif spec in shipped:
        base = shipped[spec]
    elif spec.endswith(".toml"):
        base = read_toml(Path(spec))
    elif spec.endswith(".csv"):
        base = Profile(Path(spec).stem, read_csv(Path(spec)), 0.0, spec)
    else:
        raise UsageError(
            f"--latency {spec}: unknown profile; give one of {', '.join(shipped)}, "
            "a .toml profile or a .csv of observed latencies"
        )
    legs = dict(base.legs)
    for key, text in overrides.items():
        if key not in LEGS + ("ARS",):
            raise UsageError(f"--leg {key}=...: unknown leg; use W, A, R, S or ARS")
        dist = parse_distribution(text, f"--leg {key}")
        for leg in ("A", "R", "S") if key == "ARS" else (key,):
            legs[leg] = dist
    missing = [leg for leg in LEGS if leg not in legs]
    if missing:
        raise UsageError(
            f"--leg: no distribution for {', '.join(missing)}; give --latency PROFILE or --leg {missing[0]}=exp(RATE)"
        )
    name = base.name if not overrides else f"{base.name}+custom" if spec else "custom"
    return Profile(name, legs, base.remote_ms, base.source)
