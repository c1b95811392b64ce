"""Differential checks (issue 13): for at least 1,000 generated configurations of each family,
the same verdicts (and the same shortest-trace lengths) from plain exploration, symmetry
reduction and fingerprint mode; for the leaderless family also the z3 closed forms where one
exists (quorum intersection for read_your_writes, availability for the availability witness).
Liveness is cross-checked against networkx in ``test_liveness_networkx.py``.

Configurations are drawn by hypothesis with ``derandomize=True`` and no example database, so
every run checks the same ones, whatever the machine. A configuration is the family's
parameters, the client scripts and the fault budget. Each is tiny (a fault budget shrinks as
the workload grows) so that about 3,000 of them, each explored up to three times, fit in CI's
time; a drawn configuration whose plain search exceeds ``MAX_STATES`` is set aside (rejected,
not counted). Any disagreement fails with hypothesis's shrunk configuration: a minimal
reproducer.
"""

import functools

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from replcheck.checker import check
from replcheck.checker.errors import ParameterError
from replcheck.checker.properties import LIVENESS, declared_properties
from replcheck.models.leader_follower import LeaderFollower
from replcheck.models.leaderless import Leaderless
from replcheck.models.multi_leader import MultiLeader
from replcheck.models.proofs import availability, quorum_intersection

PER_FAMILY = 1000  # distinct configurations each family must reach
MAX_STATES = 600  # a bigger drawn configuration is rejected (keeps the file within CI time)
DRAWS = settings(
    max_examples=3 * PER_FAMILY,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)


# --- running one configuration in every mode ------------------------------------------------


def _checked_properties(model) -> list[str]:
    return [p.name for p in declared_properties(model) if p.kind not in LIVENESS]


def _outcome(model, **mode):
    """Verdict and shortest-trace length of every safety/reachability property, and the
    statistics, for one search mode. The search stops once every property is decided."""
    result = check(model, properties=_checked_properties(model), max_states=MAX_STATES, **mode)
    verdicts = {p.name: (p.verdict.value, len(p.trace) if p.trace else None) for p in result.properties}
    return verdicts, result.stats


def differ(model) -> dict:
    """Run ``model`` plainly, with fingerprints and (when it has interchangeable nodes) with
    symmetry reduction; fail on any disagreement. Returns the plain verdicts by property, or
    None when the configuration is too big to compare within ``MAX_STATES``."""
    plain, stats = _outcome(model)
    if not (stats.complete or stats.stopped_by == "decided"):
        return None
    printed, fp_stats = _outcome(model, fingerprints=True)
    assert printed == plain, "fingerprint mode disagrees with plain exploration"
    assert fp_stats.states == stats.states, "fingerprint mode explored a different number of states"
    if model.symmetric_node_groups():
        reduced, _ = _outcome(model, symmetry=model.canonical)
        assert reduced == plain, "symmetry reduction disagrees with plain exploration"
    return {name: verdict for name, (verdict, _) in plain.items()}


def _build(cls, params: dict):
    try:
        return cls(**params)
    except ParameterError:  # a combination the family refuses is not a configuration
        return None


def _run_family(cls, configurations, check_closed_forms=lambda params, verdicts: None) -> int:
    """Check every drawn configuration of ``cls``; return how many distinct ones were checked."""
    seen: set = set()

    @DRAWS
    @given(configurations)
    def one(params):
        key = repr(sorted(params.items()))
        if key in seen or len(seen) >= PER_FAMILY:
            return  # a repeat draw (verdicts are deterministic), or enough already
        model = _build(cls, params)
        assume(model is not None)
        verdicts = differ(model)
        assume(verdicts is not None)
        check_closed_forms(params, verdicts)
        seen.add(key)

    one()
    return len(seen)


# --- drawing configurations ---------------------------------------------------------------------


def _scripts(words, sessions: int, ops: int):
    """Up to ``sessions`` client scripts, ``ops`` operations in all, over ``words``."""
    session = st.lists(st.sampled_from(words), min_size=1, max_size=ops).map(" ".join)
    return (
        st.lists(session, min_size=1, max_size=sessions)
        .filter(lambda ss: sum(len(s.split()) for s in ss) <= ops)
        .map(tuple)
    )


def _ops(clients) -> int:
    return sum(len(s.split()) for s in clients)


def _extras(draw, budget: int, kinds) -> dict:
    """At most ``budget`` of ``kinds`` (faults, each at most once, or optional mechanisms such
    as sloppy quorums), set to 1/True, plus how a crash behaves when crashes are chosen."""
    chosen = draw(st.lists(st.sampled_from(kinds), unique=True, max_size=max(budget, 0)))
    out = {k: True if k in ("sloppy", "anti_entropy") else 1 for k in chosen}
    if "crashes" in out:
        out["recover"] = draw(st.booleans())
        out["durable"] = draw(st.booleans())
    return out


FAULTS = ("crashes", "drops", "dups", "partitions")


@st.composite
def leaderless_configs(draw):
    n = draw(st.integers(1, 3))
    params = dict(
        n=n,
        w=draw(st.integers(1, n)),
        r=draw(st.integers(1, n)),
        read_repair=draw(st.sampled_from(("off", "async", "blocking"))),
    )
    params["clients"] = draw(_scripts(("w", "r", "w:y", "r:y"), 2, 4 - n))
    budget = 4 - n - _ops(params["clients"])
    params.update(_extras(draw, budget, FAULTS + (("sloppy", "anti_entropy") if n > 1 else ("sloppy",))))
    return params


@st.composite
def leader_follower_configs(draw):
    failover = draw(st.sampled_from(("none", "none", "promote_most_up_to_date", "promote_any", "election")))
    followers = draw(st.integers(1, 2 if failover == "none" else 1))
    roomy = followers == 1 and failover == "none"
    params = dict(
        followers=followers, failover=failover, clients=draw(_scripts(("w", "r", "w:y", "r:y"), 2, 2 if roomy else 1))
    )
    if draw(st.booleans()):
        params.update(
            replication="sync",
            k=draw(st.integers(1, followers)),
            stage=draw(st.sampled_from(("received", "flushed", "applied"))),
            order=draw(st.sampled_from(("first", "any"))),
            ack_timeout=draw(st.sampled_from(("none", "degrade", "error"))),
        )
    else:
        params.update(wait=draw(st.integers(0, 1)), min_replicas=draw(st.integers(0, 1)))
    params["reads"] = draw(st.sampled_from(("leader", "any_follower", "f1")))
    levels = ["local"]
    if params.get("order") == "any" and params.get("stage") == "flushed":
        levels.append("majority")
    if params["reads"] == "leader":
        levels.append("linearizable")
    params["read_level"] = draw(st.sampled_from(levels))
    if params["read_level"] == "majority":
        params["session"] = draw(st.sampled_from(("none", "causal")))
    if params["read_level"] == "local":
        params["leader_visibility"] = draw(st.sampled_from(("at_ack", "before_ack")))
    if failover.startswith("promote"):
        params["fencing"] = draw(st.booleans())
    if failover == "none":
        params.update(_extras(draw, 1 + roomy - _ops(params["clients"]) + 1, FAULTS))
    else:
        params.update(crashes=1, recover=draw(st.booleans()))
    return params


CRDT_WORDS = {"counter": ("w", "inc", "dec"), "or_set": ("add:a", "rem:a", "add:b"), "mv_register": ("w", "r", "w:y")}


@st.composite
def multi_leader_configs(draw):
    leaders = draw(st.integers(2, 3))
    params = dict(leaders=leaders, conflict=draw(st.sampled_from(("lww", "crdt", "siblings"))))
    words = ("w", "r", "w:y", "r@l1", "w@l1")
    if params["conflict"] == "crdt":
        params["type"] = draw(st.sampled_from(sorted(CRDT_WORDS)))
        words = CRDT_WORDS[params["type"]] + ("r",)
    params["clients"] = draw(_scripts(words, 2, 5 - leaders))
    if params["conflict"] == "lww":
        params["skew"] = draw(st.integers(0, 1))
    params["sticky"] = draw(st.booleans())
    budget = 5 - leaders - _ops(params["clients"])
    params.update(_extras(draw, budget, FAULTS))
    if "partitions" in params:
        params["heals"] = draw(st.booleans())
    return params


# --- closed forms (z3) ------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _meet(n: int, w: int, r: int) -> bool:
    return quorum_intersection(n=n, w=w, r=r).holds


@functools.lru_cache(maxsize=None)
def _available(n: int, q: int, f: int) -> bool:
    return availability(n=n, q=q, f=f).holds


def _writes_then_reads_its_key(script: str) -> bool:
    words = script.split()
    return any(a.startswith("w") and b == "r" + a[1:] for i, a in enumerate(words) for b in words[i + 1 :])


def leaderless_closed_forms(params: dict, verdicts: dict) -> None:
    """z3's answers where a closed form decides the explored verdict.

    * read_your_writes, for one session that writes and later reads the same key with strict
      quorums and durable replicas, HOLDS exactly when quorums intersect (W + R > N);
    * the availability witness, for writes with strict quorums and no partitions, HOLDS
      exactly when a crash is possible and a quorum of W survives one crashed home."""
    n, w, r = params["n"], params["w"], params["r"]
    strict = not params.get("sloppy")
    if (
        strict
        and params.get("durable", True)
        and len(params["clients"]) == 1
        and _writes_then_reads_its_key(params["clients"][0])
    ):
        assert (verdicts["read_your_writes"] == "HOLDS") == _meet(n, w, r), params
    if strict and not params.get("partitions") and any("w" in s for s in params["clients"]):
        up = bool(params.get("crashes")) and _available(n, w, 1)
        assert (verdicts["write_acknowledged_while_a_home_is_down"] == "HOLDS") == up, params


# --- the tests ---------------------------------------------------------------------------------


def test_leaderless_modes_agree_and_match_z3():
    assert _run_family(Leaderless, leaderless_configs(), leaderless_closed_forms) >= PER_FAMILY


def test_leader_follower_modes_agree():
    assert _run_family(LeaderFollower, leader_follower_configs()) >= PER_FAMILY


def test_multi_leader_modes_agree():
    assert _run_family(MultiLeader, multi_leader_configs()) >= PER_FAMILY


def test_the_closed_forms_are_exercised_both_ways():
    # Without both answers in the drawn space, the z3 comparisons could not fail.
    assert {_meet(n, w, r) for n in (1, 2, 3) for w in range(1, n + 1) for r in range(1, n + 1)} == {True, False}
    assert {_available(n, w, 1) for n in (1, 2, 3) for w in range(1, n + 1)} == {True, False}


def test_a_disagreement_is_caught():
    # The comparison itself can fail: a "canonical form" that merges every state into one
    # hides the states that witness write_acknowledged.
    class Lying(Leaderless):
        def canonical(self, world):
            return ()

    model = Lying(n=2, w=1, r=1, clients=("w r",))
    try:
        differ(model)
    except AssertionError as e:
        assert "symmetry" in str(e)
    else:
        raise AssertionError("a broken canonical form went unnoticed")
