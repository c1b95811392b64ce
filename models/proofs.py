"""Proofs with z3: quorum facts for every N, concrete checks, and parameter synthesis.

Explicit-state checking explores one (N, W, R) at a time. The facts here are stated over
set sizes instead, which makes them linear integer arithmetic: z3 decides that, so an
``unsat`` answer to the negated claim is a proof for every N, not a bounded check.

The counting argument: two subsets A and B of an N-element set split it into four Venn
regions (only A, only B, both, neither). Any pair of subsets yields four such sizes, and
any four non-negative sizes summing to N can be laid out as a real pair of subsets, so
"no region sizes with both = 0" is the same statement as "no two disjoint subsets".

Every function returns a frozen :class:`ProofResult` carrying the SMT-LIB 2 text of the
exact query, so another solver can re-check it. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import z3

from ..checker.errors import ParameterError, ReplcheckError


@dataclass(frozen=True)
class ProofResult:
    """The outcome of one z3 query, phrased as an argument.

    ``holds`` is True when z3 found no counterexample (answer ``unsat``) or, for an
    existence claim such as availability, when it found the witness (``sat``).
    ``premises`` are formulas in plain text, ``step`` says what z3 was asked, ``answer``
    is z3's reply, ``conclusion`` what follows. ``counterexample`` is set only when the
    claim fails; ``witness`` only when a claim that something exists holds.
    ``smt2`` is the query as SMT-LIB 2, led by a ``;`` comment with the expected answer.
    """

    name: str
    holds: bool
    claim: str
    premises: list[str]
    step: str
    answer: str
    conclusion: str
    counterexample: dict | None
    smt2: str
    witness: dict | None = None


# Guarantee name -> (the fact it needs, the constraint over N, W, R).
_GUARANTEES: dict[str, tuple[str, Callable]] = {
    "read_your_writes": ("W + R > N", lambda n, w, r: w + r > n),
    "monotonic_reads": ("W + R > N", lambda n, w, r: w + r > n),
    "linearizable": ("W + R > N", lambda n, w, r: w + r > n),
    "no_concurrent_write_conflicts": ("2*W > N", lambda n, w, r: 2 * w > n),
}

GUARANTEES: tuple[str, ...] = tuple(_GUARANTEES)
"""Guarantee names :func:`synthesize` understands (hyphens are accepted for underscores)."""


# ---------------------------------------------------------------- z3 plumbing


def _solve(solver: z3.Solver, what: str) -> z3.CheckSatResult:
    answer = solver.check()
    if answer == z3.unknown:
        raise ReplcheckError(
            f"z3 answered 'unknown' for {what} ({solver.reason_unknown()}); "
            "re-run, or re-check the --smt2 query with another solver"
        )
    return answer


def _smt2(solver: z3.Solver, expected: z3.CheckSatResult, meaning: str) -> str:
    """The solver's exact query as SMT-LIB 2, led by the answer a re-check should give."""
    expected = str(expected)
    text = solver.to_smt2().replace("(set-info :status unknown)", f"(set-info :status {expected})")
    if "(check-sat)" not in text:
        text += "(check-sat)\n"
    return f"; expected answer: {expected} ({meaning})\n{text}"


def _count(flags: list[z3.BoolRef]) -> z3.ArithRef:
    # Sum of If rather than PbEq: pseudo-boolean terms are z3-only, and the SMT-LIB
    # text must stay readable by any solver.
    return z3.Sum([z3.If(flag, 1, 0) for flag in flags])


def _members(model: z3.ModelRef, flags: list[z3.BoolRef]) -> tuple[int, ...]:
    return tuple(i for i, flag in enumerate(flags) if z3.is_true(model.eval(flag, model_completion=True)))


def _key(label: str) -> str:
    return label.replace(" ", "_")


# ---------------------------------------------------------------- validation


def _whole(field: str, value, low: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(field, f"must be a whole number, got {value!r}; {fix}")
    if value < low:
        raise ParameterError(field, f"must be at least {low}, got {value}; {fix}")
    return value


def _all_or_none(values: dict[str, object]) -> bool:
    """True when all values are given, False when none are; ParameterError otherwise."""
    given = [k for k, v in values.items() if v is not None]
    if given and len(given) != len(values):
        missing = next(k for k, v in values.items() if v is None)
        names = ", ".join(values)
        raise ParameterError(
            missing, f"missing; give all of {names} for a concrete check, or none of them for the proof for every N"
        )
    return bool(given)


def _size(field: str, value, n: int) -> int:
    _whole(field, value, 1, f"a quorum needs at least one replica; set {field}>=1")
    if value > n:
        raise ParameterError(field, f"{field}={value} is more than n={n} replicas; lower {field} or raise n")
    return value


# ---------------------------------------------------------------- two quorums, every N


def _venn(n: z3.ArithRef, size_a: z3.ArithRef, size_b: z3.ArithRef):
    """Region sizes for subsets A, B of an n-set, and the constraints tying them to n."""
    only_a, only_b, both, neither = z3.Ints("only_A only_B both neither")
    constraints = [
        only_a >= 0,
        only_b >= 0,
        both >= 0,
        neither >= 0,
        only_a + only_b + both + neither == n,
        only_a + both == size_a,
        only_b + both == size_b,
    ]
    return (only_a, only_b, both), constraints


def quorums_meet_for_all(
    name: str,
    claim: str,
    sizes: tuple[str, str],
    labels: tuple[str, str],
    rule: Callable,
    rule_text: str,
    conclusion: str,
) -> ProofResult:
    """Decide, for every integer N, whether two quorums whose sizes obey ``rule`` meet.

    ``sizes`` names the two size variables (the same name twice means one variable, so
    both quorums have that size); ``rule(N, A, B)`` builds the z3 constraint on them and
    ``rule_text`` spells it out. z3 looks for N >= 1, sizes in 1..N satisfying the rule
    and Venn regions with no shared member. ``unsat`` proves the claim for all N; ``sat``
    refutes it, and the counterexample lays z3's region sizes out as replica indices.
    A wrong rule (say W + R >= N) goes through exactly the same query, which is how the
    tests show this machinery can fail.
    """
    n = z3.Int("N")
    a, b = z3.Int(sizes[0]), z3.Int(sizes[1])
    (only_a, only_b, both), venn = _venn(n, a, b)
    # A name given twice is one variable: bound it once so the query stays minimal.
    bounds = [c for v in map(z3.Int, dict.fromkeys(sizes)) for c in (v >= 1, v <= n)]
    solver = z3.Solver()
    solver.add(n >= 1, *bounds, rule(n, a, b), *venn, both == 0)
    answer = _solve(solver, name)
    holds = answer == z3.unsat
    counterexample = None
    if not holds:
        counterexample = _venn_counterexample(solver.model(), labels, sizes, (n, a, b), (only_a, both, only_b))
        conclusion = (
            f"The claim is false: with N={counterexample['N']}, "
            + ", ".join(f"{s}={counterexample[s]}" for s in dict.fromkeys(sizes))
            + f" the {labels[0]} and the {labels[1]} below share no replica."
        )
    return ProofResult(
        name=name,
        holds=holds,
        claim=claim,
        premises=_size_premises(sizes, labels, rule_text),
        step=_venn_step(sizes),
        answer=str(answer),
        conclusion=conclusion,
        counterexample=counterexample,
        smt2=_smt2(solver, answer, "unsat: no disjoint quorums for any N; sat: a counterexample exists"),
    )


def _size_premises(sizes: tuple[str, str], labels: tuple[str, str], rule_text: str):
    names = list(dict.fromkeys(sizes))
    x, y = sizes
    return [
        f"N, {', '.join(names)} are integers with N >= 1",
        *[f"1 <= {name} <= N" for name in names],
        rule_text,
        f"the {labels[0]} is any set of {x} of the N replicas, the {labels[1]} any set of {y}",
    ]


def _venn_step(sizes: tuple[str, str]) -> str:
    x, y = sizes
    return (
        f"z3 searched for integers N, {', '.join(dict.fromkeys(sizes))} and "
        "Venn-region sizes only_A, only_B, both, neither >= 0 with "
        "only_A + only_B + both + neither = N, "
        f"only_A + both = {x}, only_B + both = {y}, the premises, and both = 0 "
        "(the two quorums share no replica). This is linear integer arithmetic, "
        "which z3 decides, and every pair of subsets gives such region sizes."
    )


def _venn_counterexample(model: z3.ModelRef, labels, sizes, nab, regions) -> dict:
    """z3's sizes for N and the quorums, and the quorums laid out as replica indices."""

    def value(v):
        return model.eval(v, model_completion=True).as_long()

    n, a, b = map(value, nab)
    found = _lay_out(labels, *map(value, regions))
    found.update({"N": n, sizes[0]: a, sizes[1]: b})
    return found


def _lay_out(labels: tuple[str, str], only_a: int, both: int, only_b: int) -> dict:
    """Replicas 0.. numbered region by region: only-A, then both, then only-B."""
    first = tuple(range(0, only_a + both))
    second = tuple(range(only_a, only_a + both + only_b))
    return {_key(labels[0]): first, _key(labels[1]): second}


# ---------------------------------------------------------------- two quorums, one N


def _disjoint_quorums(
    name: str, n: int, quorums: dict[str, int], claim: str, premises: list[str], holds_text: str
) -> ProofResult:
    """Ask z3 for quorums of the given sizes among replicas 0..n-1 with no shared member.

    One boolean per replica per quorum, sizes as sums of If; ``unsat`` proves the
    quorums always meet for this n, ``sat`` yields two disjoint quorums.
    """
    labels = list(quorums)
    member = {label: [z3.Bool(f"{_key(label)}_{i}") for i in range(n)] for label in labels}
    solver = z3.Solver()
    for label, size in quorums.items():
        solver.add(_count(member[label]) == size)
    first, second = member[labels[0]], member[labels[1]]
    solver.add(*[z3.Not(z3.And(first[i], second[i])) for i in range(n)])
    answer = _solve(solver, name)
    holds = answer == z3.unsat
    step = (
        f"z3 searched for a {labels[0]} and a {labels[1]} among replicas "
        f"0..{n - 1} (one boolean per replica per quorum, sizes as sums) "
        "with no replica in both."
    )
    counterexample = None
    conclusion = holds_text
    if not holds:
        model = solver.model()
        counterexample = {_key(label): _members(model, member[label]) for label in labels}
        a, b = (counterexample[_key(label)] for label in labels)
        conclusion = (
            f"The claim is false for this configuration: {labels[0]} "
            f"{_show(a)} and {labels[1]} {_show(b)} share no replica."
        )
    return ProofResult(
        name=name,
        holds=holds,
        claim=claim,
        premises=premises,
        step=step,
        answer=str(answer),
        conclusion=conclusion,
        counterexample=counterexample,
        smt2=_smt2(solver, answer, "unsat: the quorums always meet; sat: two disjoint quorums exist"),
    )


# ---------------------------------------------------------------- the facts


def quorum_intersection(n: int | None = None, w: int | None = None, r: int | None = None) -> ProofResult:
    """Every read quorum (size R) meets every write quorum (size W).

    With no arguments: proved for every N, under 1 <= W <= N, 1 <= R <= N, W + R > N.
    With all of n, w, r: decided for that configuration by z3 over replica membership;
    when it fails, ``counterexample`` holds ``write_quorum`` and ``read_quorum`` as
    sorted tuples of replica indices. Raises ParameterError for bad or partial values.
    Caveat: quorum intersection is about which replicas are contacted; whether a read
    then returns the newest value also needs versions, which this does not model.
    """
    if not _all_or_none({"n": n, "w": w, "r": r}):
        return quorums_meet_for_all(
            name="quorum-intersection",
            claim="For every N: if W + R > N, every read quorum of R replicas shares "
            "at least one replica with every write quorum of W replicas.",
            sizes=("W", "R"),
            labels=("write quorum", "read quorum"),
            rule=lambda n_, a, b: a + b > n_,
            rule_text="W + R > N",
            conclusion="For every N, W, R with W + R > N, a read quorum and a write "
            "quorum share at least W + R - N >= 1 replicas, so every read "
            "contacts a replica that acknowledged the latest write.",
        )
    _whole("n", n, 1, "a cluster needs at least one replica; set n>=1")
    _size("w", w, n)
    _size("r", r, n)
    return _disjoint_quorums(
        "quorum-intersection",
        n,
        {"write quorum": w, "read quorum": r},
        claim=f"With N={n}, W={w}, R={r}, every read quorum meets every write quorum.",
        premises=[
            f"N = {n} replicas, numbered 0..{n - 1}",
            f"a write quorum is any set of W = {w} replicas",
            f"a read quorum is any set of R = {r} replicas",
        ],
        holds_text=f"Every read quorum of {r} meets every write quorum of {w} among "
        f"{n} replicas: a read always reaches a replica holding the latest "
        "acknowledged write.",
    )


def majority_intersection(n: int | None = None) -> ProofResult:
    """Any two majorities (more than N/2 replicas each) share a replica.

    Hence two leaders in one term are impossible: each needs votes from a majority and a
    replica votes at most once per term, so the shared replica would have voted twice.
    With no argument: proved for every N. With ``n``: decided for that N using the
    smallest majority, n // 2 + 1 (larger majorities contain sets of that size).
    """
    if n is None:
        return quorums_meet_for_all(
            name="majority-intersection",
            claim="For every N: any two majorities of N replicas share a replica, so "
            "two leaders cannot both win the same term.",
            sizes=("M1", "M2"),
            labels=("first majority", "second majority"),
            rule=lambda n_, a, b: z3.And(2 * a > n_, 2 * b > n_),
            rule_text="2*M1 > N and 2*M2 > N (each is more than half; doubled so no division is needed)",
            conclusion="For every N two majorities share a replica. A replica votes "
            "once per term, so at most one candidate per term gathers a "
            "majority: two leaders in one term are impossible.",
        )
    _whole("n", n, 1, "a cluster needs at least one replica; set n>=1")
    size = n // 2 + 1
    return _disjoint_quorums(
        "majority-intersection",
        n,
        {"first majority": size, "second majority": size},
        claim=f"With N={n}, any two majorities share a replica.",
        premises=[
            f"N = {n} replicas, numbered 0..{n - 1}",
            f"a majority has more than N/2 replicas, at least {size}",
            "two majorities meet if two of the smallest size do",
        ],
        holds_text=f"Any two majorities of {n} replicas share a replica: two leaders in one term are impossible.",
    )


def concurrent_writes_overlap(n: int | None = None, w: int | None = None) -> ProofResult:
    """If W > N/2, any two write quorums share a replica.

    So two concurrent writes always meet at some replica, which sees both and can order
    them (or reject one). With no arguments: proved for every N. With ``n`` and ``w``:
    decided for that configuration, with two disjoint write quorums when it fails.
    """
    if not _all_or_none({"n": n, "w": w}):
        return quorums_meet_for_all(
            name="concurrent-writes",
            claim="For every N: if W > N/2, any two write quorums of W replicas share a replica.",
            sizes=("W", "W"),
            labels=("first write quorum", "second write quorum"),
            rule=lambda n_, a, b: 2 * a > n_,
            rule_text="2*W > N (W > N/2, doubled so no division is needed)",
            conclusion="For every N with W > N/2, two write quorums share a replica, so "
            "two concurrent writes cannot both be acknowledged without some "
            "replica seeing both.",
        )
    _whole("n", n, 1, "a cluster needs at least one replica; set n>=1")
    _size("w", w, n)
    return _disjoint_quorums(
        "concurrent-writes",
        n,
        {"first write quorum": w, "second write quorum": w},
        claim=f"With N={n}, W={w}, any two write quorums share a replica.",
        premises=[f"N = {n} replicas, numbered 0..{n - 1}", f"a write quorum is any set of W = {w} replicas"],
        holds_text=f"Any two write quorums of {w} among {n} replicas share a replica: "
        "concurrent writes always meet somewhere.",
    )


def availability(n: int | None = None, q: int | None = None, f: int | None = None) -> ProofResult:
    """With F replicas crashed, a quorum of Q replicas can still be formed iff Q <= N - F.

    With no arguments: both directions proved for every N (1 <= Q <= N, 0 <= F <= N).
    With n, q, f: z3 looks for F crashed replicas and a quorum of Q live ones; ``witness``
    gives them when it exists, otherwise ``counterexample`` gives the reason. Every crash
    set of the same size looks alike up to renaming replicas, so one witness stands for
    all of them.
    """
    if not _all_or_none({"n": n, "q": q, "f": f}):
        return _availability_for_all()
    _whole("n", n, 1, "a cluster needs at least one replica; set n>=1")
    _size("q", q, n)
    _whole("f", f, 0, "the number of crashed replicas cannot be negative; set f>=0")
    if f > n:
        raise ParameterError("f", f"f={f} is more than n={n} replicas; lower f or raise n")
    return _availability_concrete(n, q, f)


def _availability_for_all() -> ProofResult:
    n, q, f = z3.Ints("N Q F")
    in_quorum, crashed, other_live = z3.Ints("in_quorum crashed other_live")
    # The quorum avoids every crashed replica, so three regions suffice.
    available = z3.Exists(
        [in_quorum, crashed, other_live],
        z3.And(
            in_quorum >= 0,
            crashed >= 0,
            other_live >= 0,
            in_quorum + crashed + other_live == n,
            in_quorum == q,
            crashed == f,
        ),
    )
    solver = z3.Solver()
    solver.add(n >= 1, q >= 1, q <= n, f >= 0, f <= n, available != (q <= n - f))
    answer = _solve(solver, "availability")
    holds = answer == z3.unsat
    return ProofResult(
        name="availability",
        holds=holds,
        claim="For every N: with F replicas crashed, some quorum of Q replicas is "
        "entirely live if and only if Q <= N - F.",
        premises=[
            "N, Q, F are integers with N >= 1",
            "1 <= Q <= N",
            "0 <= F <= N",
            "available := there are region sizes in_quorum, crashed, other_live "
            ">= 0 with in_quorum + crashed + other_live = N, in_quorum = Q, "
            "crashed = F (a quorum of Q replicas none of which crashed)",
        ],
        step="z3 searched for N, Q, F within the premises where 'available' differs "
        "from 'Q <= N - F'; the negated equivalence covers both directions at once. "
        "Linear integer arithmetic with one existential, which z3 decides by "
        "quantifier elimination.",
        answer=str(answer),
        conclusion="For every N: a quorum of Q survives F crashes exactly when "
        "Q <= N - F. Tolerating F failures needs N >= Q + F."
        if holds
        else "The equivalence fails for the values in the counterexample.",
        counterexample=None if holds else _model_dict(solver, [n, q, f]),
        smt2=_smt2(solver, answer, "unsat: availability and Q <= N - F agree for every N"),
    )


def _availability_concrete(n: int, q: int, f: int) -> ProofResult:
    crashed = [z3.Bool(f"crashed_{i}") for i in range(n)]
    member = [z3.Bool(f"quorum_{i}") for i in range(n)]
    solver = z3.Solver()
    solver.add(
        _count(crashed) == f, _count(member) == q, *[z3.Implies(member[i], z3.Not(crashed[i])) for i in range(n)]
    )
    answer = _solve(solver, "availability")
    holds = answer == z3.sat
    witness = counterexample = None
    if holds:
        model = solver.model()
        down = _members(model, crashed)
        witness = {
            "crashed": down,
            "quorum": _members(model, member),
            "live": tuple(i for i in range(n) if i not in down),
        }
        conclusion = (
            f"Available: with replicas {_show(down)} crashed, the live "
            f"replicas {_show(witness['quorum'])} form a quorum of {q}."
        )
    else:
        live = n - f
        counterexample = {
            "crashed": tuple(range(live, n)),
            "live": tuple(range(live)),
            "quorum_size": q,
            "reason": f"only {live} replicas are live but a quorum needs {q}",
        }
        conclusion = (
            f"Unavailable: with any {f} replicas crashed only {live} are live, fewer than the {q} a quorum needs."
        )
    return ProofResult(
        name="availability",
        holds=holds,
        claim=f"With N={n} and F={f} replicas crashed, a quorum of Q={q} live replicas can still be formed.",
        premises=[
            f"N = {n} replicas, numbered 0..{n - 1}",
            f"exactly F = {f} crashed",
            f"a quorum is any set of Q = {q} replicas, none of them crashed",
        ],
        step=f"z3 searched for {f} crashed replicas and a quorum of {q} replicas "
        "disjoint from them (one boolean per replica for each set).",
        answer=str(answer),
        conclusion=conclusion,
        counterexample=counterexample,
        smt2=_smt2(solver, answer, "sat: a live quorum exists; unsat: none does"),
        witness=witness,
    )


def _model_dict(solver: z3.Solver, variables: list[z3.ArithRef]) -> dict:
    model = solver.model()
    return {str(v): model.eval(v, model_completion=True).as_long() for v in variables}


# ---------------------------------------------------------------- synthesis


def normalize_guarantees(guarantees: list[str]) -> list[str]:
    """Canonical guarantee names (hyphens become underscores); ParameterError if unknown."""
    names = []
    for raw in guarantees:
        name = str(raw).strip().replace("-", "_")
        if name not in _GUARANTEES:
            raise ParameterError("guarantee", f"unknown guarantee {raw!r}; use one of {', '.join(GUARANTEES)}")
        names.append(name)
    return names


def synthesize(tolerate: int, guarantees: list[str], max_n: int = 7, limit: int = 5) -> list[tuple[int, int, int]]:
    """The cheapest (N, W, R) that stay available with ``tolerate`` replicas down.

    Constraints: 1 <= W, R; W <= N - tolerate and R <= N - tolerate (reads and writes
    still find a quorum); N <= max_n; plus, per guarantee, W + R > N for
    read_your_writes, monotonic_reads and linearizable, and 2*W > N for
    no_concurrent_write_conflicts. Ordered cheapest first: smallest N, then smallest
    W + R, then smallest W; at most ``limit`` triples, possibly none.
    Caveat: these are the quorum facts each guarantee needs, not proof that a protocol
    using them provides it (linearizability also needs e.g. read repair); confirm
    each triple with the explicit-state checker.
    """
    names = normalize_guarantees(guarantees)
    _whole("tolerate", tolerate, 0, "the number of replicas that may be down cannot be negative; use 0 or more")
    _whole("max_n", max_n, 1, "search at least clusters of one replica; set max_n>=1")
    _whole("limit", limit, 1, "ask for at least one choice; set limit>=1")
    n, w, r = z3.Ints("N W R")
    opt = z3.Optimize()
    opt.add(n >= 1, n <= max_n, w >= 1, r >= 1, w <= n - tolerate, r <= n - tolerate)
    for name in dict.fromkeys(names):
        opt.add(_GUARANTEES[name][1](n, w, r))
    # Optimize ranks objectives lexicographically in the order they are added.
    opt.minimize(n)
    opt.minimize(w + r)
    opt.minimize(w)
    found: list[tuple[int, int, int]] = []
    while len(found) < limit and opt.check() == z3.sat:
        model = opt.model()
        triple = tuple(model.eval(v, model_completion=True).as_long() for v in (n, w, r))
        found.append(triple)
        opt.add(z3.Or(n != triple[0], w != triple[1], r != triple[2]))
    return found


def guarantee_requirement(name: str) -> str:
    """The quorum fact a guarantee needs, as text (``"W + R > N"``); ParameterError if unknown."""
    return _GUARANTEES[normalize_guarantees([name])[0]][0]


# ---------------------------------------------------------------- rendering


def _show(value) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(map(str, value)) + "}"
    return str(value)


def render(result: ProofResult) -> str:
    """The argument for a human reader: claim, premises, z3's step and answer, conclusion."""
    lines = [f"Claim: {result.claim}", "", "Premises:"]
    lines += [f"  {i}. {p}" for i, p in enumerate(result.premises, 1)]
    lines += ["", f"Step: {result.step}", f"z3's answer: {result.answer}", "", f"Conclusion: {result.conclusion}"]
    for title, data in (("Counterexample", result.counterexample), ("Witness", result.witness)):
        if data:
            lines += ["", f"{title}:"]
            lines += [f"  {k.replace('_', ' ')}: {_show(v)}" for k, v in data.items()]
    verdict = "HOLDS" if result.holds else "FAILS"
    lines += ["", f"Verdict: {verdict}"]
    return "\n".join(lines)
