"""Redis replication (asynchronous) with Sentinel, WAIT and min-replicas-to-write, translated
onto leader_follower.

A Redis primary acknowledges a write at once and streams it to its replicas. ``WAIT
numreplicas timeout`` after a write blocks the client until that many replicas have received
it, or the time-out passes (the write is not undone). ``min-replicas-to-write`` makes the
primary refuse writes while fewer replicas have reported within ``min-replicas-max-lag``
seconds. Sentinel promotes the best replica when the primary is down or cut off, and turns the
old primary into a replica of the new one, discarding what it alone had. Persistence decides
what a restarted node still has: with the defaults (RDB snapshots, no AOF) or
``appendfsync everysec`` a write is acknowledged before it is on disk, so a restart loses the
latest writes, and replicas that are ahead resynchronise from the restarted primary; only
``appendonly yes`` with ``appendfsync always`` writes before replying. Sources and the mapping:
docs/databases.md, Redis.
"""

import re
from replcheck.checker.errors import ParameterError

from .frontend import CLIENTS, LEADER_FOLLOWER_FAULTS, Frontend, apply_faults, fault_setting, leader_follower_words
from .translation import Setting, Translation, boolean, choice, names, refuse, text, whole

REPLICATION = "https://redis.io/docs/latest/operate/oss_and_stack/management/replication/"
WAIT = "https://redis.io/docs/latest/commands/wait/"
SENTINEL = "https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/"
NOREPLICAS = "https://redis.io/docs/latest/develop/reference/errors/common/noreplicas/"
PERSISTENCE = "https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/"
DEFAULT_SAVE = "3600 1 300 100 60 10000"  # redis.conf's snapshot schedule since Redis 7


def parse_wait(name: str, raw) -> tuple:
    """``WAIT numreplicas timeout`` as (numreplicas, timeout in ms; 0 blocks for ever)."""
    parts = str(raw).replace(",", " ").split()
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ParameterError(
            name,
            f"must be 'numreplicas timeout' as WAIT takes them, e.g. \"1 0\" (timeout 0 blocks for ever), got {raw!r}",
        )
    return int(parts[0]), int(parts[1])


class Redis(Frontend):
    """Redis primary/replicas with asynchronous replication, Sentinel failover, WAIT and
    min-replicas-to-write."""

    name = "redis"
    title = "Redis"
    docs = REPLICATION
    SETTINGS = (
        Setting("replicas", "the replicas' names, e.g. r1,r2 (at most 3)", names, ("r1",)),
        Setting(
            "reads",
            "where reads go: primary, replica (any, chosen per read) or a replica's name",
            lambda n, raw: str(raw).strip(),
            "primary",
        ),
        Setting("failover", "none or sentinel", choice("none", "sentinel"), "none"),
        Setting(
            "WAIT",
            "'numreplicas timeout' after every write, e.g. \"1 0\" (0: block for ever)",
            parse_wait,
            (0, 0),
            aliases=("wait",),
        ),
        Setting(
            "min-replicas-to-write",
            "refuse writes with fewer connected replicas than this",
            whole(0, 3),
            0,
            aliases=("min_replicas_to_write",),
        ),
        Setting(
            "min-replicas-max-lag",
            "seconds without a replica's report before it stops counting",
            whole(0),
            10,
            aliases=("min_replicas_max_lag",),
        ),
        Setting("appendonly", "yes: the append-only file (AOF) is on; no: RDB snapshots only", boolean, False),
        Setting(
            "appendfsync",
            "with appendonly yes: always (fsync before replying), everysec (the default) or no",
            choice("always", "everysec", "no"),
            "everysec",
        ),
        Setting(
            "save",
            f'the RDB snapshot schedule (default "{DEFAULT_SAVE}"); "" turns snapshots off',
            text,
            DEFAULT_SAVE,
        ),
        fault_setting(
            LEADER_FOLLOWER_FAULTS,
            None,
            refused={
                "lose_a_disk": "a primary that restarts without its data comes back as an empty "
                "primary and its replicas resynchronise from it, wiping every copy (Redis "
                "replication docs, 'Safety of replication when master has persistence turned "
                "off'), where the model would restart it as a replica; use primary_crash, "
                "primary_crash_no_return, two_crashes or isolate_primary"
            },
        ),
        CLIENTS,
    )
    MODELLED_VALUES = {"replica-serve-stale-data": ("yes",)}
    REFUSED = {
        "WAITAOF": ("waiting for AOF fsync on replicas is not modelled", "use WAIT"),
        "replica-serve-stale-data": (
            "refusing reads on a disconnected replica is not modelled",
            "leave it at yes (the default): replicas answer from what they have",
        ),
        "cluster-enabled": (
            "Redis Cluster (hash slots, cluster failover) is not modelled",
            "check one primary with its replicas and Sentinel",
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
        t = Translation(
            self.title, "leader_follower", names=t_names, params={"followers": len(replicas), "replication": "async"}
        )
        t.decide(
            "replicas",
            replicas,
            f"followers={len(replicas)} replication=async: "
            + ", ".join(f"{r} is {f}" for r, f in follower.items())
            + "; the primary is n0",
            REPLICATION,
        )
        self._wait(t, v, len(replicas))
        self._min_replicas(t, v, len(replicas))
        self._reads(t, v, follower)
        if v["failover"] == "sentinel":
            t.params["failover"] = "promote_most_up_to_date"
            t.decide(
                "failover",
                "sentinel",
                "failover=promote_most_up_to_date fencing=true (Sentinel skips replicas it cannot "
                "reach, then ranks the rest by priority, then by the replication offset they "
                "processed, under a new configuration epoch, and reconfigures the old primary as a "
                "replica)",
                SENTINEL,
            )
            t.assume(
                "every replica has the same replica-priority, and Sentinel's view of the offsets is "
                "current when it fails over (it refreshes INFO every second once the primary is "
                "down): the best-effort choice the WAIT page warns about loses a write here when "
                "the replica that has it is cut off or down too",
                SENTINEL,
            )
            chosen = v["faults"] or ("primary_crash",)
        else:
            t.decide("failover", "none", "failover=none", REPLICATION)
            chosen = v["faults"] or ("none",)
        apply_faults(t, LEADER_FOLLOWER_FAULTS, chosen, "" if v["faults"] else " (the default)")
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        leader_follower_words(
            t,
            "primary",
            "replica",
            {f: "replica" for f in follower.values()},
            confirms="the offset it processed (REPLCONF ACK)" if "wait" in t.params else "",
            tool="Sentinel" if v["failover"] == "sentinel" else "",
        )
        self._persistence(t, v)
        if v["failover"] == "sentinel" and t.params.get("crashes") and t.params.get("recover") and not v["WAIT"][0]:
            t.expect("durable_acks", "VIOLATED", SENTINEL)
        return t

    def _persistence(self, t: Translation, v: dict) -> None:
        """What a restarted node still holds: everything under appendfsync always; otherwise
        what reached the disk (the leader flushes lazily and ships at once)."""
        aof, fsync = v["appendonly"], v["appendfsync"]
        if aof:
            fsync_shown = fsync
        elif "appendfsync" in v["_given"]:
            fsync_shown = f"{fsync} (no effect: it applies to the AOF only)"
        else:
            fsync_shown = "-"
        shown = f'{"yes" if aof else "no"}, {fsync_shown}, "{v["save"].strip()}"'
        names_ = "appendonly, appendfsync, save"
        if aof and fsync == "always":
            t.decide(names_, shown, "leader_flush=before_ack (the AOF is fsynced before the reply)", PERSISTENCE)
            return
        if not t.params.get("recover"):
            t.decide(names_, shown, "no node restarts in these faults, so what reached the disk does not matter")
            return
        if not aof and not v["save"].strip():
            raise refuse(
                "save",
                "with neither AOF nor RDB a restarted primary comes back empty and its replicas "
                "resynchronise from it, wiping every copy (Redis replication docs, 'Safety of "
                "replication when master has persistence turned off'), where the model would keep its data",
                "turn a persistence on, or use faults=primary_crash_no_return, two_crashes or isolate_primary",
            )
        t.params.update({"leader_flush": "lazy", "ships": "all"})
        window = "the writes since the last snapshot"
        if aof:
            window = {
                "everysec": "up to a second of writes (fsync every second)",
                "no": "what the operating system had not written (no fsync)",
            }[fsync]
        t.decide(
            names_,
            shown,
            f"leader_flush=lazy ships=all (a write is acknowledged before it is on disk, so a restart "
            f"loses {window}; replicas that are ahead resynchronise from the restarted primary)",
            PERSISTENCE,
        )
        t.assume(
            "a crash is a machine crash: a Redis process that dies while its machine stays up keeps "
            "what it had written to the AOF (with everysec, it loses at most the last write), "
            "while RDB loses the writes since the last snapshot either way",
            PERSISTENCE,
        )
        t.expect("durable_acks", "VIOLATED", PERSISTENCE)

    def _wait(self, t: Translation, v: dict, replicas: int) -> None:
        count, timeout = v["WAIT"]
        if not count:
            return
        if count > replicas:
            raise ParameterError("WAIT", f"waits for {count} replicas but there are {replicas}; lower it")
        t.params["wait"] = count
        if timeout:
            t.params["ack_timeout"] = "error"
        t.decide(
            "WAIT",
            f"{count} {timeout}",
            f"wait={count}"
            + (
                " ack_timeout=error (durations are not modelled: the time-out may fire at any moment; "
                "WAIT then returns short and the write stays: the client records it as indeterminate, "
                "as an application that checks WAIT's count must)"
                if timeout
                else " (timeout 0: blocks for ever)"
            ),
            WAIT,
        )

    def _min_replicas(self, t: Translation, v: dict, replicas: int) -> None:
        count, lag = v["min-replicas-to-write"], v["min-replicas-max-lag"]
        if not count:
            return
        if count > replicas:
            raise ParameterError(
                "min-replicas-to-write",
                f"{count} exceeds the {replicas} replicas: every write would be refused; lower it",
            )
        if lag == 0:
            t.decide("min-replicas-max-lag", 0, "min-replicas-to-write has no effect (0 disables it)", REPLICATION)
            return
        t.params["min_replicas"] = count
        t.decide(
            "min-replicas-to-write",
            count,
            f"min_replicas={count} (a replica stops counting when "
            f"its lag timer fires; the {lag} s are not modelled: the timer may fire at any moment "
            "after the link breaks)",
            REPLICATION,
        )

    def _reads(self, t: Translation, v: dict, follower: dict) -> None:
        reads = v["reads"]
        if reads == "primary":
            t.decide("reads", reads, "reads=leader", REPLICATION)
            if v["failover"] == "none" and v["faults"] in (None, (), ("none",)):
                t.expect("read_your_writes", "HOLDS", REPLICATION)  # only the primary's copy counts
            return
        if reads == "replica":
            t.params["reads"] = "any_follower"
        elif reads in follower:
            t.params["reads"] = follower[reads]
        else:
            raise ParameterError(
                "reads", f"must be primary, replica or a replica's name ({', '.join(follower)}), got {reads!r}"
            )
        t.decide("reads", reads, f"reads={t.params['reads']} (replicas serve possibly stale data)", REPLICATION)
        if not v["WAIT"][0]:  # nothing waits for a replica: it may not have the write yet
            t.expect("read_your_writes", "VIOLATED", REPLICATION)


FRONTEND = Redis()
