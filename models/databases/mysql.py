"""MySQL replication (asynchronous, or semisynchronous), translated onto leader_follower.

Without the semisynchronous plugin the source commits and answers at once; replicas pull its
binary log (asynchronous). With ``rpl_semi_sync_source_enabled`` the source waits until
``rpl_semi_sync_source_wait_for_replica_count`` replicas have acknowledged *receipt* (the event
is in their relay log). ``rpl_semi_sync_source_wait_point`` decides when other clients see the
transaction: ``AFTER_SYNC`` only after the acknowledgement, ``AFTER_COMMIT`` before it. On
``rpl_semi_sync_source_timeout`` the source reverts to asynchronous replication. Failover is
an external tool's job. Sources and the mapping: docs/databases.md, MySQL.
"""

import re
from replcheck.checker.errors import ParameterError

from .frontend import CLIENTS, LEADER_FOLLOWER_FAULTS, Frontend, apply_faults, fault_setting, leader_follower_words
from .translation import Setting, Translation, boolean, choice, names, whole

SEMISYNC = "https://dev.mysql.com/doc/refman/8.0/en/replication-semisync.html"
SETTINGS = "https://dev.mysql.com/doc/refman/8.0/en/replication-semisync-interface.html"
RELAY_LOG = "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_sync_relay_log"
ORCHESTRATOR = "https://github.com/openark/orchestrator/blob/master/docs/topology-recovery.md"
DDIA_OUTAGES = "https://dataintensive.net/"  # DDIA ch. 5, "Handling Node Outages"
NEVER = 4294967295  # the largest rpl_semi_sync_source_timeout MySQL accepts (about 49.7 days)


class MySQL(Frontend):
    """MySQL asynchronous or semisynchronous replication with an external failover tool."""

    name = "mysql"
    title = "MySQL"
    docs = SEMISYNC
    SETTINGS = (
        Setting(
            "rpl_semi_sync_source_enabled",
            "ON: semisynchronous replication; OFF: asynchronous",
            boolean,
            False,
            aliases=("rpl_semi_sync_master_enabled",),
        ),
        Setting(
            "rpl_semi_sync_source_wait_point",
            "AFTER_SYNC or AFTER_COMMIT",
            choice("AFTER_SYNC", "AFTER_COMMIT"),
            "AFTER_SYNC",
            aliases=("rpl_semi_sync_master_wait_point",),
        ),
        Setting(
            "rpl_semi_sync_source_wait_for_replica_count",
            "replica acknowledgements a commit waits for",
            whole(1, 3),
            1,
            aliases=("rpl_semi_sync_master_wait_for_slave_count",),
        ),
        Setting(
            "rpl_semi_sync_source_timeout",
            f"milliseconds before the source reverts to asynchronous replication ({NEVER}: never, within a run)",
            whole(0, NEVER),
            10000,
            aliases=("rpl_semi_sync_master_timeout",),
        ),
        Setting(
            "sync_relay_log",
            "a replica fsyncs its relay log every this many events (1: before it acknowledges; 0: when "
            "the operating system decides)",
            whole(0, 1_000_000),
            10000,
        ),
        Setting("replicas", "the replicas' names, e.g. r1,r2 (at most 3)", names, ("r1", "r2")),
        Setting(
            "reads",
            "where reads go: source, replica (any, chosen per read) or a replica's name",
            lambda n, raw: str(raw).strip(),
            "source",
        ),
        Setting(
            "failover",
            "none (or manual), orchestrator, promote_most_up_to_date, promote_any",
            choice("none", "manual", "orchestrator", "promote_most_up_to_date", "promote_any"),
            "none",
        ),
        fault_setting(LEADER_FOLLOWER_FAULTS, None),
        CLIENTS,
    )
    MODELLED_VALUES = {"sync_binlog": ("1",), "rpl_semi_sync_source_wait_no_replica": ("on", "1")}
    REFUSED = {
        "group_replication_single_primary_mode": (
            "Group Replication (Paxos-based group communication) is not modelled",
            "check semisynchronous replication instead",
        ),
        "rpl_semi_sync_source_wait_no_replica": (
            "what the source does when fewer replicas "
            "than the count are connected is not modelled "
            "apart from the time-out",
            "leave it at its default (ON)",
        ),
        "sync_binlog": (
            "the source's binary-log flush policy is not modelled",
            "the model flushes the source's log before every acknowledgement (sync_binlog=1)",
        ),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leader_follower parameters (see the module docstring)."""
        replicas = v["replicas"]
        if len(replicas) > 3:
            raise ParameterError(
                "replicas", f"{len(replicas)} replicas are beyond what exploration can finish; give at most 3"
            )
        follower = {r: f"f{i}" for i, r in enumerate(replicas, start=1)}
        t_names = {f: name for name, f in follower.items() if not re.fullmatch(r"[nfca]\d+", name)}
        t = Translation(self.title, "leader_follower", names=t_names, params={"followers": len(replicas)})
        t.decide(
            "replicas",
            replicas,
            f"followers={len(replicas)}: "
            + ", ".join(f"{r} is {f}" for r, f in follower.items())
            + "; the source is n0",
        )
        self._replication(t, v, len(replicas))
        self._reads(t, v, follower)
        self._failover(t, v)
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        self._words(t, v, follower)
        t.assume(
            "the source flushes its binary log before acknowledging (sync_binlog=1), and a replica crash "
            "is a machine crash: it loses what the replica had received but not yet fsynced",
            SEMISYNC,
        )
        return t

    @staticmethod
    def _words(t: Translation, v: dict, follower: dict) -> None:
        """Traces in MySQL's words: source/replica, binlog for the shipped log, a semisync
        replica's acknowledgement as receipt in its relay log, orchestrator by name."""
        semi = t.params.get("replication") == "sync"
        role = "replica, semisync" if semi else "replica"
        leader_follower_words(
            t,
            "source",
            "replica",
            {f: role for f in follower.values()},
            confirms="receipt in its relay log" if semi else "",
            log="binlog",
            tool="orchestrator" if v["failover"] == "orchestrator" else "",
        )

    def _replication(self, t: Translation, v: dict, replicas: int) -> None:
        given = v["_given"]
        if not v["rpl_semi_sync_source_enabled"]:
            semi = [s for s in given if s.startswith("rpl_semi_sync_source_") and s != "rpl_semi_sync_source_enabled"]
            if semi:
                raise ParameterError(
                    semi[0],
                    "applies only to semisynchronous replication; set rpl_semi_sync_source_enabled=ON or remove it",
                )
            t.params["replication"] = "async"
            t.decide(
                "rpl_semi_sync_source_enabled",
                "OFF",
                "replication=async (the source commits and answers before any replica has the transaction)",
                SEMISYNC,
            )
            if "sync_relay_log" in given:
                t.decide(
                    "sync_relay_log",
                    v["sync_relay_log"],
                    "no effect here: the source waits for no replica's acknowledgement",
                    RELAY_LOG,
                )
            return
        count = v["rpl_semi_sync_source_wait_for_replica_count"]
        if count > replicas:
            raise ParameterError(
                "rpl_semi_sync_source_wait_for_replica_count",
                f"waits for {count} replicas but there are {replicas}; lower it or add replicas",
            )
        stage = "flushed" if v["sync_relay_log"] == 1 else "received"
        t.params.update({"replication": "sync", "k": count, "order": "any", "stage": stage})
        t.decide(
            "rpl_semi_sync_source_enabled",
            "ON",
            f"replication=sync order=any stage={stage} (a replica acknowledges once the events are written to "
            "its relay log and flushed)",
            SEMISYNC,
        )
        t.decide(
            "sync_relay_log",
            v["sync_relay_log"],
            "the acknowledged events are on the replica's disk (fsynced before the acknowledgement)"
            if stage == "flushed"
            else "the relay log's flush before the acknowledgement is to the operating system; it is fsynced "
            "only every sync_relay_log events, so a replica's machine crash loses what it had acknowledged",
            RELAY_LOG,
        )
        t.decide("rpl_semi_sync_source_wait_for_replica_count", count, f"k={count}", SETTINGS)
        point = v["rpl_semi_sync_source_wait_point"]
        t.params["leader_visibility"] = "at_ack" if point == "AFTER_SYNC" else "before_ack"
        t.decide(
            "rpl_semi_sync_source_wait_point",
            point,
            f"leader_visibility={t.params['leader_visibility']}"
            + (
                " (clients see the transaction only once a replica has it)"
                if point == "AFTER_SYNC"
                else " (other clients see the transaction before the replica's acknowledgement)"
            ),
            SETTINGS,
        )
        timeout = v["rpl_semi_sync_source_timeout"]
        if timeout >= NEVER:
            t.decide(
                "rpl_semi_sync_source_timeout",
                timeout,
                "ack_timeout=none (the largest value: treated as never firing within a run)",
                SETTINGS,
            )
        else:
            t.params["ack_timeout"] = "degrade"
            t.decide(
                "rpl_semi_sync_source_timeout",
                timeout,
                "ack_timeout=degrade (durations are "
                "not modelled: the time-out may fire at any moment of a wait, and the source "
                f"then reverts to asynchronous replication; give {NEVER} for never)",
                SETTINGS,
            )

    def _reads(self, t: Translation, v: dict, follower: dict) -> None:
        reads = v["reads"]
        if reads == "source":
            t.decide("reads", reads, "reads=leader", SETTINGS)
            return
        if reads == "replica":
            t.params["reads"] = "any_follower"
        elif reads in follower:
            t.params["reads"] = follower[reads]
        else:
            raise ParameterError(
                "reads", f"must be source, replica or a replica's name ({', '.join(follower)}), got {reads!r}"
            )
        t.decide("reads", reads, f"reads={t.params['reads']} (a replica answers from what it has applied)", SEMISYNC)

    def _failover(self, t: Translation, v: dict) -> None:
        tool, faults = v["failover"], v["faults"]
        if tool in ("none", "manual"):
            t.decide("failover", tool, "failover=none (MySQL replication has no built-in failover)", SEMISYNC)
            chosen = faults or ("none",)
        else:
            mode = "promote_any" if tool == "promote_any" else "promote_most_up_to_date"
            t.params["failover"] = mode
            t.decide(
                "failover",
                tool,
                f"failover={mode}"
                + (" (orchestrator promotes the most up-to-date replica)" if tool == "orchestrator" else ""),
                ORCHESTRATOR if tool == "orchestrator" else SEMISYNC,
            )
            chosen = faults or ("primary_crash",)
        apply_faults(t, LEADER_FOLLOWER_FAULTS, chosen, "" if faults else " (the default for this failover)")
        crash_failover = t.params.get("failover", "none") == "promote_most_up_to_date" and t.params.get("crashes")
        if (
            crash_failover
            and t.params["replication"] == "sync"
            and t.params.get("leader_visibility") == "at_ack"
            and "ack_timeout" not in t.params
            and not t.params.get("partitions")
            and t.params.get("durable", True)
            # the promise is a failover to a replica that acknowledged: with more crashes than
            # acknowledgements, the source and every replica that had the write may all be gone
            and t.params.get("crashes", 0) <= t.params.get("k", 1)
        ):
            t.expect("durable_acks", "HOLDS", SETTINGS)
        if crash_failover and t.params["replication"] == "async" and t.params.get("recover"):
            t.expect("durable_acks", "VIOLATED", DDIA_OUTAGES)


FRONTEND = MySQL()
