"""Every ``@sometimes`` witness means what its name says (issue 13, witness audit).

For each witness some spec expects to HOLD, the shortest witnessing trace is read back from its
printed actions -- not from the predicate that found it -- and must show the named situation.
The two availability witnesses have their own, stricter tests in
``test_trust_availability_witness.py``. A witness no spec exercises fails
``test_every_witness_is_audited``, so a new one cannot go unread.
"""

import re
from pathlib import Path

import pytest

from replcheck.checker import Verdict, check
from replcheck.checker.properties import SOMETIMES
from replcheck.checker.spec import load_spec

SPECS = Path(__file__).resolve().parent.parent / "specs"
AVAILABILITY = {"write_acknowledged_while_a_home_is_down", "write_acknowledged_while_original_leader_down"}


def _value(text: str) -> str:
    return re.search(r"value\(([^@)]*)", text).group(1)


def _client(text: str) -> str:
    return text.split()[0]


def write_acknowledged(acts, states):
    assert re.match(r"c\d+ receives (ok|ack)\(", acts[-1])
    assert any(_client(a) == _client(acts[-1]) and "invokes write" in a for a in acts)


def read_returns_a_write(acts, states):
    assert re.match(r"c\d+ receives value\(", acts[-1])
    written = {m.group(1) for a in acts for m in [re.search(r"invokes write \w+=(\S+)", a)] if m}
    assert _value(acts[-1]) in written


def write_indeterminate(acts, states):
    assert re.match(r"c\d+ receives error from", acts[-1])
    assert any("times out" in a for a in acts)


def write_refused(acts, states):
    assert re.match(r"c\d+ receives refused from", acts[-1])


def timed_out_write_is_read(acts, states):
    value = _value(acts[-1])
    writer = next(_client(a) for a in acts if re.search(rf"invokes write \w+={value}\b", a))
    assert any(a.startswith(f"{writer} receives error") for a in acts[:-1])


def read_returns_siblings(acts, states):
    # The read completes in the last step and its result holds two or more values; the
    # leaderless family merges the replies it got, so the last reply alone may be one value.
    last = states[-1].history[-1]
    assert last.kind == "ok" and last.op == "r", last
    assert len(getattr(last.value, "values", ())) >= 2, last


def losing_revision_kept(acts, states):
    # Two writes from different clients were acknowledged, nothing is in flight, and every
    # replica holds the same revisions: a winner and at least one loser beside it.
    acked = {_client(a) for a in acts if re.match(r"c\d+ receives ack\(", a)}
    assert len(acked) >= 2
    final = states[-1]
    assert not final.net
    assert all(local == final.nodes[0] for local in final.nodes[1:])
    assert any(len(revisions) > 1 for revisions in final.nodes[0])


def client_merges_siblings(acts, states):
    siblings = max(i for i, a in enumerate(acts) if re.search(r"receives value\(\{\w+,\w+", a))
    client = _client(acts[siblings])
    assert any(_client(a) == client and "invokes write" in a for a in acts[siblings:])
    assert re.match(rf"{client} receives ack", acts[-1]) or any(
        re.match(rf"{client} receives ack", a) for a in acts[siblings:]
    )


def converged_by_losing_a_write(acts, states):
    nodes = states[-1].nodes
    assert all(local == nodes[0] for local in nodes[1:])
    acked = [a for a in acts if re.match(r"c\d+ receives ack\(", a)]
    assert len({_client(a) for a in acked}) >= 2  # two acknowledged writes, one state kept


def writes_acknowledged_on_both_sides_of_a_partition(acts, states):
    cut = next(i for i, a in enumerate(acts) if a.startswith("partition {"))
    inside = set(re.match(r"partition \{([^}]*)\}", acts[cut]).group(1).split(","))
    acks = {_client(a) for a in acts[cut:] if re.match(r"c\d+ receives ack\(", a)}
    assert acks & inside and acks - inside
    assert not any("heal" in a for a in acts[cut:])


def concurrent_increments_all_counted(acts, states):
    incs = {_client(a) for a in acts if "invokes increment" in a}
    acked = {_client(a) for a in acts if re.match(r"c\d+ receives ack\(inc", a)}
    assert len(incs) >= 2 and incs <= acked


def concurrent_add_survives_remove(acts, states):
    adders = {_client(a) for a in acts if re.search(r"invokes add a\b", a)}
    assert len(adders) >= 2
    assert re.match(r"c\d+ receives ack\(rem", acts[-1])


READERS = {
    f.__name__: f
    for f in (
        write_acknowledged,
        read_returns_a_write,
        write_indeterminate,
        write_refused,
        timed_out_write_is_read,
        read_returns_siblings,
        client_merges_siblings,
        losing_revision_kept,
        converged_by_losing_a_write,
        writes_acknowledged_on_both_sides_of_a_partition,
        concurrent_increments_all_counted,
        concurrent_add_survives_remove,
    )
}


def _witness_specs() -> dict:
    """The first spec (in path order) expecting each witness to HOLD."""
    found = {}
    for path in sorted(SPECS.rglob("*.toml")):
        spec = load_spec(path)
        kinds = {p.name: p.kind for p in spec.build().properties()}
        for prop, verdict in spec.expect.items():
            if verdict == "HOLDS" and kinds.get(prop) == SOMETIMES:
                found.setdefault(prop, spec)
    return found


WITNESS_SPECS = _witness_specs()


def test_every_witness_is_audited():
    assert set(WITNESS_SPECS) - AVAILABILITY == set(READERS)


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_shortest_witness_shows_the_named_situation(name):
    spec = WITNESS_SPECS[name]
    got = check(spec.build(), properties=[name])[name]
    assert got.verdict is Verdict.HOLDS
    acts = [str(a) for a in got.trace.actions]
    READERS[name](acts, got.trace.states)


def test_a_reader_can_fail():
    with pytest.raises(AssertionError):
        write_refused(["c0 invokes write x=1 at n0", "c0 receives ok(1@1.1) from n0"], [])
