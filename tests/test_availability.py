"""Availability in numbers (``models/availability.py``, ``check DB --availability``).

Expected values come from the documents, decided before running:

* Cassandra, a quorum-based store: an operation at consistency level CL needs CL live
  replicas, so with replication factor N it survives N - CL replicas down; a write that
  reached any replica is on its way to all, so it is lost only when all N are gone (DataStax,
  "How is the consistency level configured?"; docs/databases.md, Cassandra and Availability
  in numbers).
* MongoDB PSA (primary, secondary, arbiter) with w: "majority": a majority of voting members
  must be data-bearing and acknowledge, so with one data-bearing member down no majority write
  is acknowledged (MongoDB manual, "Replica Set Arbiter" / "Write Concern": the PSA caveat;
  docs/databases.md, MongoDB).
* A three-member MongoDB set with w: "majority" keeps writing with one member down and stops
  with two (no majority can elect a primary).
* Redis with Sentinel replicates asynchronously: one crash of the primary after it
  acknowledged can lose the write (Redis docs, "Redis replication"; docs/databases.md, Redis).
* DynamoDB, one Region: three replicas, a write needs a quorum (two), an eventually
  consistent read may be served by any replica, a strongly consistent one only by the
  leader, which the replicas elect among themselves and which holds a lease from a majority
  (USENIX ATC 2022 paper; "Read consistency"; docs/databases.md, DynamoDB). So a write
  survives one replica down, an eventually consistent read two, a strongly consistent read
  one.
"""

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from replcheck.checker.registry import frontend
from replcheck.models.availability import availability


def answers(db: str, **settings_) -> dict:
    t = frontend(db).translate({k: str(v) for k, v in settings_.items()})
    got = t.availability(60)
    assert got["applies"]
    return {
        a["question"].split()[0] + ("_w" if "write is" in a["question"] else "_r" if "read" in a["question"] else ""): a
        for a in got["answers"]
    }


def survives(got: dict) -> tuple:
    return got["members_w"]["survives"], got["members_r"]["survives"], got["crashes"]["survives"]


def test_cassandra_quorum_write_one_read():
    got = answers("cassandra", replication_factor=3, write_consistency="QUORUM", read_consistency="ONE")
    assert survives(got) == (1, 2, 2)
    assert len(got["members_w"]["broken_by"]) == 2  # the trace that breaks it is at k + 1
    assert got["members_w"]["trace"][-1].endswith("the write never succeeds")
    assert got["crashes"]["broken_by"] == ["3 crashes"]
    assert all(a["complete"] for a in got.values())


def test_cassandra_all_tolerates_no_replica_down_for_writes():
    got = answers("cassandra", replication_factor=3, write_consistency="ALL", read_consistency="ONE")
    assert survives(got)[0] == 0 and got["members_w"]["broken_by"] == ["n0"]


def test_mongodb_psa_majority_stops_writing_with_one_data_member_down():
    got = answers("mongodb", members=2, arbiters=1, write_concern="majority")
    assert got["members_w"]["survives"] == 0
    # The trace shows the real reason: a new primary is elected and still cannot get a
    # majority of data-bearing acknowledgements.
    assert any("elected" in line for line in got["members_w"]["trace"])


def test_none_reads_none_in_the_text():
    from replcheck.models.availability import Answer, answer_lines

    text = answer_lines([Answer("members down while a write is acknowledged", 0, 3, complete=True)])
    assert text[-1] == "    members down while a write is acknowledged: none of 3"


def test_mongodb_three_members_majority():
    got = answers("mongodb", members=3, write_concern="majority")
    assert got["members_w"]["survives"] == 1 and len(got["members_w"]["broken_by"]) == 2
    # Two crashes are survived only because a crashed primary's shipments still arrive: the
    # answer says it is an upper bound for a set whose secondaries pull the oplog.
    assert got["crashes"]["survives"] == 2 and "upper bound" in got["crashes"]["note"]


def test_redis_async_sentinel_loses_a_write_to_one_crash():
    got = answers("redis", replicas="r1", failover="sentinel")
    assert got["crashes"]["survives"] == 0 and got["crashes"]["broken_by"] == ["1 crash"]
    assert any("crashes" in line for line in got["crashes"]["trace"])


def test_dynamodb_eventually_consistent_reads_any_replica():
    got = answers("dynamodb")
    assert (got["members_w"]["survives"], got["members_r"]["survives"]) == (1, 2)
    strong = answers("dynamodb", ConsistentRead="true")
    assert strong["members_r"]["survives"] == 1 and len(strong["members_r"]["broken_by"]) == 2


def test_a_multi_region_answer_says_the_client_only_talks_to_its_home_region():
    got = answers("dynamodb", global_table="MREC", ConsistentRead="true", faults="region_crash")
    assert (got["members_w"]["survives"], got["members_r"]["survives"]) == (0, 0)
    assert all("talks only to its home server" in got[q]["note"] for q in ("members_w", "members_r"))


@pytest.mark.parametrize(
    "db, settings_, words",
    [
        ("cassandra", {"write_consistency": "ONE", "read_consistency": "ONE"}, "coordinator node"),
        ("couchdb", {}, "replication messages"),
        ("redis", {"replicas": "r1", "failover": "sentinel", "WAIT": "1 0"}, "before it crashed"),
    ],
)
def test_a_crash_count_that_waits_for_delivery_says_durable_acks_may_differ(db, settings_, words):
    note = answers(db, **settings_)["crashes"]["note"]
    assert words in note and "durable_acks" in note


def test_user_node_names_in_the_traces():
    got = answers("postgres", standbys="s1,s2", synchronous_standby_names="FIRST 1 (s1, s2)", failover="patroni")
    text = "\n".join(line for a in got.values() for line in a["trace"] + a["broken_by"])
    assert "s1" in text and "f1" not in text


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(1, n))))
def test_plain_quorums_match_the_quorum_rule(nwr):
    """Exploration agrees with the rule a quorum store documents: N - W replicas may be down
    for writes, N - R for reads, and a write that reached one replica is lost only with all N."""
    n, w, r = nwr
    got = availability("leaderless", {"n": n, "w": w, "r": r, "clients": ("w",)})
    assert [a.survives for a in got] == [n - w, n - r, n - 1]
    assert all(a.complete for a in got)


def run(*args):
    return subprocess.run([sys.executable, "-m", "replcheck", *args], capture_output=True, text=True)


def test_command_line_text_and_json():
    done = run(
        "check", "cassandra", "rf=3", "write_consistency=QUORUM", "read_consistency=QUORUM", "--availability", "--quiet"
    )
    assert done.returncode == 0, done.stderr
    assert "while a write is acknowledged: any 1 of 3" in done.stdout
    assert "breaks with n0, n1 down" in done.stdout
    done = run(
        "check", "cassandra", "rf=3", "write_consistency=QUORUM", "read_consistency=QUORUM", "--availability", "--json"
    )
    got = json.loads(done.stdout)["availability"]
    assert [a["survives"] for a in got["answers"]] == [1, 1, 2]


def test_refused_for_a_bare_model():
    done = run("check", "leaderless", "n=3", "--availability")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--availability needs a database configuration" in done.stderr


@pytest.mark.parametrize(
    "spec",
    ["leader_follower/async_failover_loses_write.toml", "multi_leader/lww_skew.toml", "leaderless/n3_w1_r1.toml"],
)
def test_the_umbrella_is_both_checks(spec):
    """no_acknowledged_write_lost is VIOLATED exactly when durable_acks or no_lost_updates is,
    and its trace is the shorter of theirs."""
    from pathlib import Path

    from replcheck.checker.spec import check_spec, load_spec

    _, result, _ = check_spec(load_spec(Path(__file__).parent.parent / "specs" / spec), {})
    umbrella, parts = result["no_acknowledged_write_lost"], [result["durable_acks"], result["no_lost_updates"]]
    broken = [p for p in parts if p.verdict.value == "VIOLATED"]
    assert (umbrella.verdict.value == "VIOLATED") == bool(broken)
    if broken:
        assert len(umbrella.trace) == min(len(p.trace) for p in broken)


def test_more_members_than_the_crash_budget_gives_a_lower_bound():
    """Six replicas at ONE survive five down, but the model explores at most four crashes:
    the answer is "at least 4", never a number it did not explore."""
    got = availability("leaderless", {"n": 6, "w": 1, "r": 1, "clients": ("w",)})
    assert [(a.survives, a.complete) for a in got] == [(4, False)] * 3
    assert all("at most 4 crashes" in a.note for a in got)


def test_a_lower_bound_reads_at_least():
    from replcheck.models.availability import answer_lines

    got = availability("leaderless", {"n": 6, "w": 1, "r": 1, "clients": ("w",)})
    text = "\n".join(answer_lines(got))
    assert "while a write is acknowledged: at least 4 of 6" in text and "at least any" not in text
