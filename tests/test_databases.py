"""Database front ends: translations pinned, refusals in one line (exit 2), the spec folder,
the JSON shape, and the engine kept free of database names."""

import json
import re
from pathlib import Path

import pytest

from replcheck.checker import registry
from replcheck.checker.cli import main
from replcheck.checker.errors import ParameterError
from replcheck.checker.search import check
from replcheck.models.databases.frontend import model_offers
from replcheck.checker.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ["cassandra", "couchdb", "dynamodb", "mongodb", "mysql", "postgres", "redis", "riak"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def translate(name, **settings):
    return registry.frontend(name).translate(settings)


def test_every_database_is_registered():
    assert registry.frontend_names() == DATABASES


# The three commands and one configuration per other database: model and parameters.
TRANSLATIONS = {
    "postgres": (
        {
            "synchronous_standby_names": "FIRST 1 (s1, s2)",
            "synchronous_commit": "remote_write",
            "standbys": "s1,s2,s3",
            "reads": "standby",
            "failover": "patroni",
        },
        "leader_follower",
        {
            "followers": 3,
            "replication": "sync",
            "sync": ("f1", "f2"),
            "k": 1,
            "order": "first",
            "stage": "received",
            "reads": "any_follower",
            "failover": "promote_most_up_to_date",
            "restart_as_follower": True,  # Patroni: no leader key, restart as a replica
            "lease": True,  # Patroni: a primary that cannot renew the leader key steps down
            "crashes": 1,
            "recover": True,
        },
    ),
    "cassandra": (
        {"rf": "3", "write_consistency": "QUORUM", "read_consistency": "ONE", "read_repair": "NONE"},
        "leaderless",
        {"n": 3, "w": 2, "r": 1},
    ),
    "mongodb": (
        {"members": "3", "write_concern": "majority", "read_concern": "local", "read_preference": "secondary"},
        "leader_follower",
        {
            "followers": 2,
            "failover": "election",
            "replication": "sync",
            "k": 1,
            "order": "any",
            "stage": "flushed",
            "reads": "any_follower",
            "leader_visibility": "before_ack",
            "crashes": 1,
            "recover": True,
        },
    ),
    "mysql": (
        {
            "rpl_semi_sync_source_enabled": "ON",
            "rpl_semi_sync_source_wait_point": "AFTER_COMMIT",
            "replicas": "r1,r2",
            "failover": "orchestrator",
        },
        "leader_follower",
        {
            "followers": 2,
            "replication": "sync",
            "k": 1,
            "order": "any",
            "stage": "received",
            "leader_visibility": "before_ack",
            "ack_timeout": "degrade",
            "failover": "promote_most_up_to_date",
            "crashes": 1,
            "recover": True,
        },
    ),
    "redis": (
        {"replicas": "r1,r2", "WAIT": "1 100", "min-replicas-to-write": "1", "failover": "sentinel"},
        "leader_follower",
        {
            "followers": 2,
            "replication": "async",
            "wait": 1,
            "ack_timeout": "error",
            "min_replicas": 1,
            "failover": "promote_most_up_to_date",  # priority, then the offset processed
            "crashes": 1,
            "recover": True,
            "leader_flush": "lazy",  # RDB snapshots, the default: a restart loses recent writes
            "ships": "all",
        },
    ),
    "riak": (
        {"n_val": "3", "r": "one", "w": "all", "pr": "one", "pw": "all", "allow_mult": "false"},
        "leaderless",
        {"n": 3, "w": 3, "r": 1, "read_repair": "async"},
    ),
    "dynamodb": (
        {"ConsistentRead": "true", "faults": "primary_crash"},
        "leader_follower",
        {
            "followers": 2,
            "replication": "sync",
            "k": 1,
            "order": "any",
            "stage": "flushed",
            "reads": "leader",
            "read_level": "linearizable",
            "failover": "election",
            "crashes": 1,
            "recover": True,
        },
    ),
    "couchdb": (
        {"servers": "3", "conflicts": "true", "reads": "other"},
        "multi_leader",
        {"leaders": 3, "conflict": "siblings", "sticky": False},
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSLATIONS))
def test_translation_is_pinned(name):
    settings, model, params = TRANSLATIONS[name]
    t = translate(name, **settings)
    # A leader/follower translation names its crash and partition budgets, zero included, so
    # that the model does not give a failover a crash of its own.
    if model == "leader_follower":
        params = {"crashes": 0, "partitions": 0, **params}
    assert (t.model, dict(t.params)) == (model, params)
    # every decision that rests on documentation cites it by https URL
    assert all(d.source.startswith("https://") for d in t.decisions if d.source)
    assert any(d.source for d in t.decisions)


def test_defaults_follow_the_vendors():
    mysql = translate("mysql")
    assert mysql.params["replication"] == "async"  # no semi-sync plugin: asynchronous
    assert translate("mongodb", members=2, arbiters=1, faults="none").params["replication"] == "async"  # PSA: w 1
    assert translate("mongodb", members=3, faults="none").params["replication"] == "sync"  # majority
    assert translate("cassandra").params == {"n": 3, "w": 1, "r": 1}  # ONE / ONE
    pg = translate("postgres", synchronous_standby_names="s1, s2", standbys="s1,s2")
    assert (pg.params["k"], pg.params["order"], pg.params["stage"]) == (1, "first", "flushed")
    anyk = translate("postgres", synchronous_standby_names="ANY 2 (s1, s2, s3)", standbys="s1,s2,s3")
    assert (anyk.params["k"], anyk.params["order"], anyk.params["sync"]) == (2, "any", ("f1", "f2", "f3"))
    assert (
        translate("postgres", synchronous_commit="local", synchronous_standby_names="s1", standbys="s1").params[
            "replication"
        ]
        == "async"
    )


def test_mysql_largest_timeout_means_never():
    t = translate("mysql", rpl_semi_sync_source_enabled="ON", rpl_semi_sync_source_timeout="4294967295")
    assert "ack_timeout" not in t.params
    assert translate("mysql", rpl_semi_sync_master_enabled="ON").params["ack_timeout"] == "degrade"


# (database, settings, what the one line must say) for settings that are not modelled
REFUSALS = [
    ("cassandra", ["read_consistency=SERIAL"], "lightweight transactions"),
    ("cassandra", ["write_consistency=ANY"], "hint alone"),
    ("cassandra", ["hinted_handoff_enabled=false"], "max_hint_window"),
    ("cassandra", ["max_hint_window=0"], "no hint at all"),
    ("cassandra", ["write_consistency=ONE", "read_consistency=QUORUM"], "give equal read and write"),
    ("riak", ["dw=2"], "durable write"),
    ("riak", ["allow_mult=false", "pw=1"], "all primaries or sloppy"),
    ("riak", ["allow_mult=false", "clock_skew=1", "clients=r w"], "causal context"),
    ("riak", ["faults=lost_message"], "active anti-entropy"),
    ("riak", ["pw=2", "faults=replica_crash"], "fallback vnode that holds nothing"),
    ("couchdb", ["faults=lose_a_disk"], "from sequence 0"),
    ("postgres", ["cascade=s3"], "cascading"),
    ("mongodb", ["read_preference=nearest"], "one kind of member"),
    ("mongodb", ["j=false"], "journal"),
    ("mongodb", ["write_concern=2"], "add j=true"),
    ("mongodb", ["read_concern=snapshot"], "transactions"),
    ("mysql", ["group_replication_single_primary_mode=ON"], "Group Replication"),
    ("redis", ["faults=primary_crash", "save="], "persistence turned off"),
    ("redis", ["WAITAOF=1"], "AOF fsync on replicas"),
    ("dynamodb", ["global_table=MRSC"], "MRSC"),
    ("dynamodb", ["global_table=MREC"], "eventually consistent reads inside a Region"),
]


@pytest.mark.parametrize("db, words, fragment", REFUSALS, ids=lambda x: x if isinstance(x, str) else None)
def test_unmodelled_setting_is_refused_in_one_line(db, words, fragment, capsys):
    code, out, err = run(capsys, "check", db, *words)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not modelled" in err and fragment in err and "Traceback" not in err


BAD_INPUT = [
    ("cassandra", ["write_consitency=ONE"], "did you mean 'write_consistency'"),
    ("cassandra", ["read_consistency=QUORUMM"], "did you mean 'QUORUM'"),
    ("cassandra", ["rf=2", "write_consistency=THREE"], "Unavailable"),
    ("cassandra", ["write_consistency=LOCAL_QUORUM"], "give NetworkTopologyStrategy"),
    ("cassandra", ["NetworkTopologyStrategy=dc1:3", "local_dc=dc9"], "not among the datacenters"),
    ("cassandra", ["NetworkTopologyStrategy=dc1:3", "rf=3"], "not both"),
    ("cassandra", ["clock_skew=1"], "needs timestamps"),
    ("cassandra", ["faults=dc_partition"], "needs datacenters"),
    ("cassandra", ["max_hint_window=banana"], "a duration such as 3h"),
    # a value the model refuses names the user's setting behind it, not the model's parameter
    ("cassandra", ["NetworkTopologyStrategy=dc1:3,dc2:3", "local_dc=dc1", "clients=w,r"], "field 'local_dc'"),
    ("cassandra", ["clients=w x"], "field 'clients'"),
    ("cassandra", ["NetworkTopologyStrategy={'class': 'NetworkTopologyStrategy', 'replication_factor': 3}"], "name"),
    ("cassandra", ["NetworkTopologyStrategy={'class': 'SimpleStrategy', 'replication_factor': 3}"], "SimpleStrategy"),
    ("postgres", ["synchronous_standby_names=FIRST 2 (s1)"], "waits for 2 standbys but lists 1"),
    ("postgres", ["synchronous_standby_names=s4"], "not among standbys"),
    ("postgres", ["standbys=s1,s2,s3,s4"], "at most 3"),
    ("postgres", ["synchronous_standby_names=ANY 3 (*)"], "waits for 3 standbys but there are 2"),
    ("postgres", ["synchronous_standby_names=ANY 1 (s1 s2)"], "separated by commas"),
    ("mongodb", ["read_concern=linearizable", "read_preference=secondary"], "read_preference=primary"),
    ("mongodb", ["members=2", "arbiters=1", "write_concern=3"], "exceeds"),
    ("mysql", ["rpl_semi_sync_source_wait_point=AFTER_SYNC"], "rpl_semi_sync_source_enabled=ON"),
    ("redis", ["WAIT=1"], "numreplicas timeout"),
    ("redis", ["faults=meteor"], "unknown fault scenario"),
    ("riak", ["allow_mult=true", "last_write_wins=true"], "undefined"),
]


@pytest.mark.parametrize("db, words, fragment", BAD_INPUT, ids=lambda x: x if isinstance(x, str) else None)
def test_bad_setting_or_value_gives_a_one_line_fix(db, words, fragment, capsys):
    code, out, err = run(capsys, "check", db, *words)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_unknown_database_suggests_the_nearest(capsys):
    code, _, err = run(capsys, "check", "postgresql", "synchronous_commit=on")
    assert code == 2 and "did you mean 'postgres'" in err and err.count("\n") == 1


def test_adhoc_run_prints_the_translation_first_then_verdicts_and_summary(capsys):
    code, out, _ = run(
        capsys, "check", "cassandra", "rf=3", "write_consistency=QUORUM", "read_consistency=ONE", "read_repair=NONE"
    )
    assert code == 1  # read_your_writes is violated
    lines = out.splitlines()
    assert lines[0] == "Cassandra: modelled as leaderless n=3 w=2 r=1"
    assert lines[1].startswith("  replication_factor=3 -> n=3  [https://cassandra.apache.org/")
    first_verdict = next(i for i, line in enumerate(lines) if "read_your_writes" in line)
    assert all(" -> " in line for line in lines[1:first_verdict])
    assert re.search(r"read_your_writes +VIOLATED +trace 8", out)
    assert (
        "summary: holds: durable_acks, no_acknowledged_write_lost, eventual_convergence; fails: read_your_writes "
        "(8-step trace), linearizable (8-step trace)" in out
    )
    # The default workload (one client: w r) cannot break these: their HOLDS is not a finding.
    assert (
        "not exercised by the workload clients=w r, so their HOLDS says nothing: monotonic_reads "
        "(needs two reads of one key in one session)" in out
    )
    assert "no faults were explored (faults=none)" in out
    assert "shortest counterexample for read_your_writes (8 steps)" in out
    assert (
        "  can happen: write_acknowledged, read_returns_a_write; never happens: "
        "write_acknowledged_while_a_home_is_down" in out
    )


def test_adhoc_json_carries_the_translation(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "cassandra",
        "rf=3",
        "write_consistency=QUORUM",
        "read_consistency=QUORUM",
        "read_repair=NONE",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    t = data["translation"]
    assert t["database"] == "Cassandra" and t["model"] == "leaderless"
    assert t["params"] == {"n": 3, "w": 2, "r": 2}
    assert {"setting", "value", "becomes", "source"} <= set(t["decisions"][0])
    assert t["decisions"][1] == {
        "setting": "write_consistency",
        "value": "QUORUM",
        "becomes": "w=2",
        "source": "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#tunable-consistency",
    }
    assert t["documented"]["read_your_writes"]["verdict"] == "HOLDS"
    assert data["summary"].startswith("summary: holds: read_your_writes")
    assert data["mismatches"] == []
    assert {p["name"]: p["verdict"] for p in data["properties"]}["read_your_writes"] == "HOLDS"


def test_documented_verdict_contradicted_by_exploration_is_reported():
    """A documented HOLDS that exploration breaks is a disagreement (and a spec mismatch)."""
    t = translate("cassandra", write_consistency="QUORUM", read_consistency="ONE", read_repair="NONE")
    assert t.documented == {}  # W + R = RF: the documentation promises nothing
    t.expect("read_your_writes", "HOLDS", "https://example.org/claim")
    model = registry.model_class(t.model)(**t.params)
    result = check(model, properties=["read_your_writes"])
    assert t.disagreements(result) == ["read_your_writes: documented HOLDS, explored VIOLATED"]
    assert any("DISAGREES" in line for line in t.after_lines(result))


SPECS = sorted((ROOT / "specs" / "databases").rglob("*.toml"))


def test_every_database_has_an_anomaly_and_a_fixed_twin():
    for db in DATABASES:
        specs = [load_spec(p) for p in SPECS if p.parent.name == db]
        assert len(specs) >= 2, db
        verdicts = {v for s in specs for v in s.expect.values()}
        assert {"HOLDS", "VIOLATED"} <= verdicts, db
        for s in specs:
            assert s.database == db and s.translation is not None and "states" in s.pin
            assert "https://" in s.description, f"{s.where}: cite the vendor documentation"
            assert "configs.md" not in s.description and "../shared" not in s.description


def test_a_database_spec_refuses_model_and_unknown_settings(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'database = "cassandra"\nmodel = "leaderless"\n[settings]\nrf = 3\n[expect]\nread_your_writes = "HOLDS"\n'
    )
    code, _, err = run(capsys, "check", str(bad))
    assert code == 2 and "field 'model'" in err and err.count("\n") == 1
    bad.write_text('database = "cassandra"\n[settings]\nconsistency = "ONE"\n')
    code, _, err = run(capsys, "check", str(bad))
    assert code == 2 and "field 'settings.consistency'" in err and "unknown Cassandra setting" in err
    bad.write_text('database = "cassandra"\n[settings]\nwrite_consistency = "SERIAL"\n')
    code, _, err = run(capsys, "check", str(bad))
    assert code == 2 and "field 'settings.write_consistency'" in err and "not modelled" in err
    bad.write_text('database = "casandra"\n')
    code, _, err = run(capsys, "check", str(bad))
    assert code == 2 and "did you mean 'cassandra'" in err


def test_a_database_spec_prints_its_translation(capsys):
    spec = ROOT / "specs" / "databases" / "postgres" / "remote_write_standby_read_stale.toml"
    code, out, _ = run(capsys, "check", str(spec), "--quiet")
    assert code == 0
    assert out.splitlines()[1].startswith("PostgreSQL: modelled as leader_follower followers=1 replication=sync")
    assert "documented: read_your_writes VIOLATED, explored VIOLATED: agrees" in out


def test_list_databases_shows_settings_and_refusals(capsys):
    code, out, _ = run(capsys, "list", "databases")
    assert code == 0
    for db in DATABASES:
        assert f"\n{db}: " in "\n" + out
    assert "synchronous_standby_names" in out and "rpl_semi_sync_source_wait_point" in out
    assert re.search(r"speculative_retry +REFUSED", out)
    assert "leaderless:" not in out  # only the databases
    code, out, _ = run(capsys, "list", "postgres")
    assert code == 0 and out.count("settings:") == 1
    code, _, err = run(capsys, "list", "oracle")
    assert code == 2 and err.count("\n") == 1


def test_the_engine_imports_no_front_end():
    """checker/ resolves front ends through the entry-point registry only: no import of the
    models or databases packages, and no database's translation code."""
    import ast

    for path in (ROOT / "checker").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any("models" in n or "databases" in n for n in names), path.name
        assert "class Frontend" not in path.read_text(), path.name


def test_refusal_errors_are_parameter_errors_naming_the_setting():
    with pytest.raises(ParameterError) as info:
        translate("cassandra", read_consistency="SERIAL")
    assert info.value.field == "read_consistency"
    assert info.value.problem.startswith("not modelled: SERIAL: lightweight transactions")


def test_cassandra_datacenters_clocks_and_hint_windows_are_translated():
    """Lifted once the leaderless family gained them (datacenters, clocks, hint windows)."""
    t = translate(
        "cassandra",
        NetworkTopologyStrategy="dc1:3,dc2:3",
        local_dc="dc1,dc2",
        write_consistency="EACH_QUORUM",
        read_consistency="LOCAL_QUORUM",
        read_repair="NONE",
        faults="dc_partition",
    )
    assert dict(t.params) == {
        "dcs": ("dc1:3", "dc2:3"),
        "client_dcs": ("dc1", "dc2"),
        "write_cl": "EACH_QUORUM",
        "read_cl": "LOCAL_QUORUM",
        "partitions": 1,
        "hint_expiries": 1,  # a datacenter cut off may outlast the hint window
    }
    t = translate("cassandra", timestamps="server", clock_skew="2", max_hint_window="3h", faults="replica_crash")
    assert (t.params["clock"], t.params["skew"], t.params["hint_expiries"]) == ("coordinator", 2, 1)
    # the vendor's default window (3h) may end too; with no replica ever out, no hint is written
    assert translate("cassandra", faults="replica_crash_recover").params["hint_expiries"] == 1
    assert "hint_expiries" not in translate("cassandra").params
    assert "clock" not in translate("cassandra").params  # unset: perfectly synchronised clocks


def test_traces_use_the_users_node_names(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "postgres",
        "synchronous_standby_names=pg_b",
        "standbys=pg_b",
        "reads=pg_b",
        "synchronous_commit=remote_write",
        "--property",
        "read_your_writes",
    )
    assert code == 1
    trace = out[out.index("shortest counterexample") :]
    assert "c0 invokes read x at pg_b" in trace and "pg_b receives read(x) from c0" in trace
    assert re.search(r"\bf1\b", trace) is None
    assert translate("postgres", standbys="f2,s1").names == {"f2": "s1"}  # model-like names stay


def test_dynamodb_global_table_clock_skew():
    t = translate("dynamodb", global_table="MREC", ConsistentRead="true", clock_skew="1")
    assert (t.model, t.params["skew"], t.params["conflict"]) == ("multi_leader", 1, "lww")
    with pytest.raises(ParameterError):
        translate("dynamodb", clock_skew="1")  # a single Region has no last-writer-wins clocks


# Refusals that lift themselves once the models declare the mechanism (model_offers): pinned
# both ways, so the test fails if a refusal stays after the mechanism lands, or goes before.
SIBLINGS = model_offers("leaderless", "conflict", "siblings")
REVISIONS = model_offers("multi_leader", "conflict", "revisions")


@pytest.mark.skipif(SIBLINGS, reason="the leaderless family has siblings: see the next test")
def test_riak_allow_mult_refused_without_leaderless_siblings(capsys):
    code, _, err = run(capsys, "check", "riak", "pw=quorum", "pr=quorum")
    assert code == 2 and "not modelled" in err and "siblings" in err


@pytest.mark.skipif(not SIBLINGS, reason="the leaderless family has no siblings yet")
def test_riak_allow_mult_becomes_leaderless_siblings(capsys):
    t = translate("riak", n_val="2", w="1", r="2", pw="1", pr="2", clients="w,w r")
    assert t.params["conflict"] == "siblings" and "sloppy" not in t.params
    code, out, _ = run(capsys, "check", "riak", "n_val=2", "w=1", "r=2", "pw=1", "pr=2", "clients=w,w r", "--quiet")
    assert code == 0 and re.search(r"no_write_discarded_unseen +HOLDS", out)
    assert re.search(r"read_returns_siblings +HOLDS", out)
    t = translate("riak")  # Riak's defaults: pw = 0 (a sloppy quorum) with siblings
    assert t.params["conflict"] == "siblings" and t.params["sloppy"] is True


@pytest.mark.skipif(REVISIONS, reason="the multi-leader family has revisions: see the next test")
def test_couchdb_plain_reads_refused_without_revisions(capsys):
    code, _, err = run(capsys, "check", "couchdb")
    assert code == 2 and "deterministic winner" in err


@pytest.mark.skipif(not REVISIONS, reason="the multi-leader family has no revisions mode yet")
def test_couchdb_plain_reads_become_revisions(capsys):
    """CouchDB's conflicts page: every server picks the same winner; the losers are kept, and a
    writer whose revision loses reads the winner instead of its own write."""
    code, out, _ = run(capsys, "check", "couchdb", "clients=w r,w", "--quiet")
    assert code == 1
    assert out.startswith("CouchDB: modelled as multi_leader leaders=2 conflict=revisions")
    assert re.search(r"read_your_writes +VIOLATED", out) and re.search(r"losing_revision_kept +HOLDS", out)
    assert re.search(r"no_write_discarded_unseen +HOLDS", out)


def test_staleness_for_a_cassandra_configuration_comes_from_the_weighted_exploration(capsys):
    # PBS k-staleness for N=3, W=1, R=1 (Bailis et al. 2012, section 3.1): 1/3, 5/9, 19/27
    code, out, _ = run(
        capsys, "check", "cassandra", "rf=3", "write_consistency=ONE", "read_consistency=ONE", "--staleness"
    )
    assert "k=1: 1/3 = 0.333, k=2: 5/9 = 0.556, k=3: 19/27 = 0.704" in out
    code, out, _ = run(
        capsys,
        "check",
        "cassandra",
        "rf=3",
        "write_consistency=QUORUM",
        "read_consistency=QUORUM",
        "--staleness",
        "--json",
    )
    rows = json.loads(out)["staleness"]["k_staleness"]
    assert [row["fraction"] for row in rows] == ["1/1", "1/1", "1/1"]


def test_staleness_says_why_it_does_not_apply_and_refuses_a_bare_model(capsys):
    _, out, _ = run(capsys, "check", "mongodb", "members=3", "--staleness")
    assert "staleness: not computed: MongoDB is modelled as leader_follower" in out
    code, _, err = run(capsys, "check", "leaderless", "n=3", "--staleness")
    assert code == 2 and err.count("\n") == 1 and "replcheck staleness leaderless" in err


def test_an_unfinished_search_is_undecided_not_a_disagreement():
    from replcheck.checker.spec import check_spec, load_spec

    spec = load_spec(ROOT / "specs" / "databases" / "mongodb" / "psa_majority_keeps_write.toml")
    _, result, mismatches = check_spec(spec, {"max_states": 50})
    lines = "\n".join(spec.translation.after_lines(result))
    assert "explored UNKNOWN: undecided" in lines and "DISAGREES" not in lines
    assert "undecided (the search did not finish)" in lines


def test_redis_refuses_a_primary_restarting_without_its_data():
    with pytest.raises(ParameterError, match="lose_a_disk is not modelled for this database.*persistence turned off"):
        registry.frontend("redis").translate({"replicas": "r1,r2", "WAIT": "1 0", "faults": "lose_a_disk"})


def test_the_summary_names_a_failed_liveness_property(capsys):
    # Without a failover the primary may stay down for ever: the run exits 1 on
    # leader_eventually, and the summary must say so rather than "fails: nothing".
    # (appendfsync always: a restart keeps every acknowledged write, so only liveness fails)
    code = main(
        ["check", "redis", "replicas=r1", "WAIT=1 0", "faults=primary_crash", "appendonly=yes", "appendfsync=always"]
        + ["--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "fails: leader_eventually (1-step lasso)" in out


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"w": "1", "read_concern": "majority"}, "read_concern"),
        ({"members": "2", "arbiters": "1", "read_concern": "majority"}, "read_concern"),  # implicit w: 1
        ({"w": "1", "read_concern": "local", "causal_consistency": "true"}, "causal_consistency"),
        ({"read_concern": "local", "causal_consistency": "true"}, "causal_consistency"),
    ],
)
def test_mongodb_refuses_sessions_it_cannot_follow_in_its_own_words(settings, field):
    with pytest.raises(ParameterError) as err:
        registry.frontend("mongodb").translate(settings)
    assert err.value.field == field and "not modelled" in str(err.value)
    assert "read_level" not in str(err.value) and "session =" not in str(err.value)


def test_riak_clock_skew_needs_timestamp_resolution():
    with pytest.raises(ParameterError) as err:
        registry.frontend("riak").translate({"allow_mult": "true", "pw": "quorum", "pr": "quorum", "clock_skew": "1"})
    assert err.value.field == "clock_skew"
    t = registry.frontend("riak").translate({"allow_mult": "false", "clock_skew": "2"})
    assert (t.params["clock"], t.params["skew"]) == ("coordinator", 2)


def test_an_unfinished_run_with_interchangeable_replicas_suggests_symmetry(capsys):
    words = ["check", "cassandra", "NetworkTopologyStrategy=dc1:3,dc2:3", "local_dc=dc1", "--quiet"]
    main(words + ["--time-limit", "0.5"])
    out = capsys.readouterr().out
    assert "hint: the model has interchangeable replicas ({n0, n1, n2}, {n3, n4, n5})" in out
    assert "up to 36x fewer states" in out
    main(words + ["--time-limit", "0.5", "--symmetry"])
    assert "hint:" not in capsys.readouterr().out


def test_postgres_matches_standby_names_case_insensitively():
    # runtime-config-replication: names are compared with application_name case-insensitively
    t = translate("postgres", synchronous_standby_names="first 1 (S2, s1)")
    assert t.params["sync"] == ("f2", "f1") and t.params["order"] == "first"


def test_mysql_documents_no_loss_only_while_an_acknowledging_replica_survives():
    settings = dict(
        rpl_semi_sync_source_enabled="ON", failover="orchestrator", rpl_semi_sync_source_timeout="4294967295"
    )
    assert translate("mysql", **settings, faults="primary_crash").documented["durable_acks"][0] == "HOLDS"
    assert "durable_acks" not in translate("mysql", **settings, faults="two_crashes").documented


def test_a_documented_holds_the_workload_never_exercised_says_so(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "mysql",
        "rpl_semi_sync_source_enabled=ON",
        "failover=orchestrator",
        "rpl_semi_sync_source_timeout=4294967295",
        "clients=r",
        "--quiet",
    )
    assert code == 1  # the restarted source acts as primary beside the promoted one: split brain
    assert "documented: durable_acks HOLDS, explored HOLDS: agrees, but not exercised by this workload" in out


@pytest.mark.parametrize(
    "db, setting",
    [
        ("mysql", "sync_binlog=1"),
        ("mysql", "rpl_semi_sync_source_wait_no_replica=ON"),
        ("redis", "replica-serve-stale-data=yes"),
        ("mongodb", "writeConcernMajorityJournalDefault=true"),
    ],
)
def test_a_refused_setting_given_the_value_the_model_assumes_is_accepted(db, setting, capsys):
    name, _, value = setting.partition("=")
    t = translate(db, **{name: value, "faults": "none"})
    assert any(d.setting == name and "what the model assumes" in d.becomes for d in t.decisions)


def test_a_setting_given_under_two_names_names_both(capsys):
    code, _, err = run(
        capsys, "check", "mysql", "rpl_semi_sync_master_timeout=1000", "rpl_semi_sync_source_timeout=1000"
    )
    assert code == 2 and "also as rpl_semi_sync_master_timeout" in err


def test_cassandra_takes_the_cql_replication_map_as_written():
    cql = "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}"
    assert translate("cassandra", NetworkTopologyStrategy=cql).params["dcs"] == ("dc1:3", "dc2:3")
    assert translate("cassandra", NetworkTopologyStrategy="dc1:3,dc2:0").params["dcs"] == ("dc1:3",)


def test_riak_primary_quorums_above_r_and_w_raise_them():
    # replication-properties: pw primaries must answer a write, so at least pw answers
    t = translate("riak", allow_mult="false", n_val="3", w="1", r="1", pw="3", pr="1")
    assert (t.params["w"], t.params["r"], t.params.get("sloppy")) == (3, 1, None)


def test_riak_active_anti_entropy_is_modelled_where_a_replica_can_fall_behind():
    # on by default since Riak 2.0; only a lost message or a lost disk leaves work for it
    assert translate("riak", allow_mult="false", faults="lost_message").params["anti_entropy"] is True
    assert "anti_entropy" not in translate("riak", allow_mult="false", faults="partition").params
    passive = translate("riak", allow_mult="false", faults="lost_message", anti_entropy="passive")
    assert "anti_entropy" not in passive.params
    # blind writes under skew stay modelled: timestamps decide between concurrent writes
    assert translate("riak", allow_mult="false", clock_skew="1", clients="w,w").params["skew"] == 1


def test_redis_states_its_documented_read_verdicts():
    assert translate("redis", reads="replica").documented["read_your_writes"][0] == "VIOLATED"
    assert translate("redis").documented["read_your_writes"][0] == "HOLDS"
    assert "read_your_writes" not in translate("redis", failover="sentinel", faults="none").documented


def test_a_documented_anomaly_the_workload_cannot_show_is_no_mismatch(capsys):
    code, out, _ = run(capsys, "check", "redis", "reads=replica", "clients=r,w", "--quiet")
    assert code == 1 and "MISMATCH" not in out  # 1: linearizable fails (a stale replica read)
    assert "documented: read_your_writes VIOLATED, explored HOLDS: not exercised by this workload" in out


def test_redis_wording_reads_through_the_incarnation_of_a_lazy_primary(capsys):
    code, out, _ = run(capsys, "check", "redis", "replicas=r1", "WAIT=1 0", "appendonly=yes", "faults=primary_crash")
    assert "r1 confirms the offset it processed (REPLCONF ACK) up to entry 1" in out
    assert "sends ack(" not in out


def test_redis_says_appendfsync_does_nothing_without_the_aof():
    t = translate("redis", appendfsync="always", faults="primary_crash")
    assert t.params["leader_flush"] == "lazy"
    assert any("no effect: it applies to the AOF only" in d.value for d in t.decisions)


def test_patroni_is_a_lease_not_a_caveat():
    # Patroni demotes a primary that cannot renew the leader key before the key expires: modelled
    # (lease=true), so the old "not demoted by a timer" assumption is gone.
    cut = translate("postgres", failover="patroni", faults="isolate_primary")
    assert cut.params["lease"] is True
    assert not any("demoted by a timer" in d.becomes for d in cut.decisions)
    assert "lease" not in translate("postgres", failover="repmgr", faults="isolate_primary").params


def test_a_global_table_resends_what_a_region_missed():
    # V2globaltables_HowItWorks: data not yet replicated is replicated once the replica is healthy
    t = translate("dynamodb", global_table="MREC", ConsistentRead="true", faults="lost_message")
    assert t.params["retry"] is True


def test_riak_read_availability_is_marked_a_lower_bound(capsys):
    code, out, _ = run(capsys, "check", "riak", "--availability", "--quiet")
    assert "reads ask the home replicas only in the model" in out and "lower bound" in out


def test_cassandra_takes_the_hint_window_in_milliseconds_under_its_yaml_name():
    t = translate("cassandra", max_hint_window_in_ms="10800000", faults="replica_crash")
    assert t.params["hint_expiries"] == 1


# --- the third review's findings ------------------------------------------------------------
def _verdicts(name, **settings):
    t = translate(name, **settings)
    result = check(registry.model_class(t.model)(**t.params))
    assert result.stats.complete
    return {p.name: p.verdict.name for p in result.properties}, result


@pytest.mark.parametrize(
    "name, settings",
    [
        ("postgres", {"failover": "patroni", "faults": "none"}),
        ("mysql", {"failover": "orchestrator", "faults": "lost_message"}),
        ("redis", {"failover": "sentinel", "faults": "none"}),
    ],
)
def test_a_failover_tool_adds_no_crash_the_faults_do_not_name(name, settings):
    t = translate(name, **settings)
    assert t.params["crashes"] == 0 and t.params["partitions"] == 0
    verdicts, result = _verdicts(name, **settings)
    assert verdicts["no_split_brain"] == "HOLDS"
    for p in result.properties:
        assert p.trace is None or all(s.action.kind not in ("crash", "recover") for s in p.trace.steps[1:])


def test_mongodb_w1_without_journal_is_refused_where_only_the_journal_decides(capsys):
    with pytest.raises(ParameterError, match="without j: true is acknowledged from memory"):
        translate("mongodb", members=2, write_concern=1, faults="primary_crash")
    assert translate("mongodb", members=2, write_concern=1, j=True, faults="primary_crash")
    assert translate("mongodb", members=2, write_concern=1, faults="primary_crash_no_return")
    # With an election the rollback loses the write anyway: the assumption is stated instead.
    t = translate("mongodb", members=3, write_concern=1, faults="primary_crash")
    assert any("acknowledges from memory" in d.becomes for d in t.decisions)
    code, _, err = run(capsys, "check", "mongodb", "members=2", "w=1")
    assert code == 2 and err.count("\n") == 1 and "add j=true" in err


def test_couchdb_servers_converge_when_a_server_writes_over_a_conflict():
    verdicts, _ = _verdicts("couchdb", clients="w,w,w")
    assert verdicts["convergence"] == verdicts["eventual_convergence"] == "HOLDS"
    assert verdicts["no_write_discarded_unseen"] == "HOLDS"


@pytest.mark.parametrize(
    "name, settings, fix",
    [
        ("dynamodb", {"ConsistentRead": True, "faults": "lose_a_disk"}, "use primary_crash"),
        ("cassandra", {"faults": "lost_message"}, "use replica_crash or partition"),
    ],
)
def test_faults_the_database_repairs_otherwise_are_refused(name, settings, fix):
    with pytest.raises(ParameterError, match=fix):
        translate(name, **settings)


def test_linearizable_within_one_session_says_so(capsys):
    code, out, _ = run(capsys, "check", "mongodb")
    assert code == 0
    assert "linearizable (within each session only)" in out
    assert "linearizable HOLDS only for reads of a session's own writes" in out
    from replcheck.models.guarantees import within_sessions_only

    assert within_sessions_only(["w r"]) and within_sessions_only(["w", "r:y"])
    assert not within_sessions_only(["w", "r"]) and not within_sessions_only(["w r", "r"])


def test_mysql_sync_relay_log_decides_what_a_replica_acknowledged_keeps():
    on = {"rpl_semi_sync_source_enabled": "ON"}
    assert translate("mysql", **on).params["stage"] == "received"  # sync_relay_log = 10000
    assert translate("mysql", **on, sync_relay_log=1).params["stage"] == "flushed"
    alone = translate("mysql", sync_relay_log=1)
    assert any(d.setting == "sync_relay_log" and "no effect" in d.becomes for d in alone.decisions)


@pytest.mark.parametrize(
    "faults, words",
    [
        ("primary_crash,primary_crash_no_return", "different rules"),
        ("lose_a_disk,primary_crash", "different rules"),
        ("none,primary_crash", "cannot be combined"),
        ("", "is empty"),
    ],
)
def test_fault_scenarios_that_one_run_cannot_honour_are_refused(faults, words):
    with pytest.raises(ParameterError, match=words):
        translate("postgres", failover="repmgr", faults=faults)
    assert translate("postgres", failover="repmgr", faults="two_crashes,primary_crash_no_return")


def test_mongodb_refuses_a_member_that_comes_back_empty():
    with pytest.raises(ParameterError, match="initial sync"):
        translate("mongodb", faults="lose_a_disk")
