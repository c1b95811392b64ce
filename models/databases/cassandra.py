"""Apache Cassandra, translated onto the leaderless model.

A partition lives on ``replication_factor`` replicas. A write goes to all of them and is
acknowledged once the write consistency level's count has answered; a read waits for the
read consistency level's count and returns the newest cell by timestamp. ``read_repair``
``BLOCKING`` (the default since 4.0) writes the newest version back to the replicas the read
contacted, and waits, before answering; ``NONE`` does not. Hints (hinted handoff) never count
towards the consistency level. Sources and the mapping: docs/databases.md, Cassandra.
"""

import re

from replcheck.checker.errors import ParameterError

from .frontend import CASSANDRA_FAULTS, CLIENTS, Frontend, apply_faults, fault_setting
from .translation import Setting, Translation, boolean, choice, names, refuse, text, whole

DYNAMO = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html"
LEVELS = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#tunable-consistency"
PICKING = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#picking-consistency-levels"
READ_REPAIR = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/read_repair.html"
DDL = "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/ddl.html"
HINTS = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/hints.html"
COMMITLOG = (
    "https://cassandra.apache.org/doc/latest/cassandra/managing/configuration/cass_yaml_file.html#commitlog_sync"
)
DATASTAX_RR = "https://docs.datastax.com/en/cassandra-oss/3.0/cassandra/operations/opsRepairNodesReadRepair.html"

COUNTS = {"ONE": 1, "TWO": 2, "THREE": 3}
LEVEL_NAMES = (
    "ONE",
    "TWO",
    "THREE",
    "QUORUM",
    "ALL",
    "ANY",
    "LOCAL_ONE",
    "LOCAL_QUORUM",
    "EACH_QUORUM",
    "SERIAL",
    "LOCAL_SERIAL",
)
# Levels that need a mechanism the leaderless model lacks; lifting a refusal is one line here
# once the mechanism exists. (Datacenters, client and coordinator clocks and hint windows
# have landed: LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM, NetworkTopologyStrategy, timestamps and
# max_hint_window are modelled.)
NOT_YET = {
    "SERIAL": "lightweight transactions (Paxos) are not modelled; check QUORUM reads and writes",
    "LOCAL_SERIAL": "lightweight transactions (Paxos) are not modelled; check QUORUM reads and writes",
    "ANY": "a write acknowledged by a coordinator's stored hint alone is not modelled; use ONE",
}
# Levels the model counts itself once datacenters are given (``write_cl``/``read_cl``).
NAMED_LEVELS = ("ONE", "QUORUM", "ALL", "LOCAL_ONE", "LOCAL_QUORUM", "EACH_QUORUM")
DC_LEVELS = ("LOCAL_ONE", "LOCAL_QUORUM", "EACH_QUORUM")
CL_DOC = "https://docs.datastax.com/en/cassandra-oss/2.2/cassandra/dml/dmlConfigConsistency.html"
# Read levels as current DataStax documentation tables them (EACH_QUORUM reads included: a
# quorum in every datacenter must answer).
READ_CL_DOC = "https://docs.datastax.com/en/cql/hcd/get-started/partials/read-consistency-levels-table.html"
NTS_DOC = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#replication-strategy"
TIMESTAMPS = "https://docs.datastax.com/en/datastax-drivers/developing/query-timestamps.html"


def parse_datacenters(name: str, raw) -> tuple:
    """NetworkTopologyStrategy's map as ``dc1:3,dc2:3``, a TOML list of such entries, or the CQL
    map as written in CREATE KEYSPACE (``{'class': 'NetworkTopologyStrategy', 'dc1': 3}``). A
    datacenter with factor 0 holds no replica and is left out, as Cassandra does."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw).replace("{", "").replace("}", "").split(",")
    out = []
    for item in items:
        dc, sep, rf = str(item).replace("'", "").replace('"', "").partition(":")
        dc, rf = dc.strip(), rf.strip()
        if dc == "class" and rf.endswith("NetworkTopologyStrategy"):
            continue
        if dc == "class":
            raise ParameterError(
                name,
                f"the map names class {rf}; for SimpleStrategy give replication_factor=N instead of "
                "NetworkTopologyStrategy",
            )
        if dc == "replication_factor":
            raise ParameterError(
                name,
                "name the datacenters (e.g. dc1:3,dc2:3): Cassandra expands replication_factor to every "
                "datacenter it knows, and replcheck does not know their names",
            )
        if sep and dc and rf == "0":
            continue
        if not sep or not dc or not (rf.isascii() and rf.isdigit()) or not 1 <= int(rf) <= 3:
            raise ParameterError(
                name, f"must map datacenters to replication factors 1 to 3, e.g. dc1:3,dc2:3, got {raw!r}"
            )
        out.append(f"{dc}:{int(rf)}")
    if not 1 <= len(out) <= 2:
        raise ParameterError(
            name, f"give one or two datacenters (more is beyond what exploration can finish), got {len(out)}"
        )
    return tuple(out)


def hint_window(name: str, raw) -> str:
    """A duration as cassandra.yaml writes ``max_hint_window``: 3h, 180m, 10800s, 10800000ms, or
    a bare number of milliseconds (``max_hint_window_in_ms``). Zero is refused: no hint at all."""
    shown = text(name, raw)
    m = re.fullmatch(r"(\d+)\s*(ms|s|m|h|d)?", shown.lower())
    if m is None:
        raise ParameterError(name, f"must be a duration such as 3h or 10800000ms, got {raw!r}")
    if int(m.group(1)) == 0:
        raise refuse(
            name,
            "a window of 0 writes no hint at all, and the model's hint window opens and may end later",
            "give a window above 0 (the window may then end at any moment)",
        )
    return shown


def count(level: str, rf: int) -> int:
    """Replicas a consistency level waits for, with replication factor ``rf``."""
    if level == "QUORUM":
        return rf // 2 + 1
    if level == "ALL":
        return rf
    return COUNTS[level]


class Cassandra(Frontend):
    """Apache Cassandra, one datacenter: replication factor, consistency levels, read repair."""

    name = "cassandra"
    title = "Cassandra"
    docs = DYNAMO
    SETTINGS = (
        Setting(
            "replication_factor", "replicas per partition (SimpleStrategy), 1 to 5", whole(1, 5), 3, aliases=("rf",)
        ),
        Setting(
            "write_consistency",
            "ONE, TWO, THREE, QUORUM or ALL; with NetworkTopologyStrategy also LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM",
            choice(*LEVEL_NAMES),
            "ONE",
        ),
        Setting(
            "read_consistency",
            "ONE, TWO, THREE, QUORUM or ALL; with NetworkTopologyStrategy also LOCAL_ONE, LOCAL_QUORUM, EACH_QUORUM",
            choice(*LEVEL_NAMES),
            "ONE",
        ),
        Setting("read_repair", "BLOCKING or NONE (table option)", choice("BLOCKING", "NONE"), "BLOCKING"),
        Setting("hinted_handoff_enabled", "true (false is refused)", boolean, True),
        Setting(
            "max_hint_window",
            "how long hints are kept for a down replica, e.g. 3h (the default) or 10800000ms; durations "
            "are not modelled: the window may end at any moment while a replica is down",
            hint_window,
            "3h",
            aliases=("max_hint_window_in_ms",),
        ),
        Setting(
            "NetworkTopologyStrategy",
            "datacenters and their replication factors, e.g. dc1:3,dc2:3 (instead of replication_factor)",
            parse_datacenters,
            None,
        ),
        Setting("local_dc", "each client's local datacenter (the driver's), e.g. dc1,dc2", names, None),
        Setting(
            "timestamps",
            "who stamps writes: client (the drivers' default) or server (the "
            "coordinator); unset: perfectly synchronised clocks",
            choice("client", "server"),
            None,
        ),
        Setting("clock_skew", "how many ticks a clock may run ahead (needs timestamps)", whole(0, 3), 0),
        fault_setting(
            CASSANDRA_FAULTS,
            ("none",),
            refused={
                "lost_message": "a coordinator whose write to a replica times out stores a hint and "
                "replays it later, and the model never sends a lost put again (it would show a "
                "divergence hinted handoff repairs); use replica_crash or partition, where "
                "writes for an unreachable replica wait and are delivered"
            },
        ),
        CLIENTS,
    )
    REFUSED = {
        "read_repair_chance": (
            "probabilistic background read repair (before 4.0) is not modelled",
            "use read_repair=BLOCKING or NONE",
        ),
        "speculative_retry": ("speculative retries to extra replicas are not modelled", "leave it out"),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leaderless parameters (see the module docstring)."""
        t = Translation(self.title, "leaderless", {})
        rf = self._topology(t, v)
        w = self._level(t, v, "write_consistency", rf, "w")
        r = self._level(t, v, "read_consistency", rf, "r")
        self._read_repair(t, v, w, r)
        self._clocks(t, v)
        if "dc_partition" in v["faults"] and "dcs" not in t.params:
            raise ParameterError(
                "faults", "dc_partition needs datacenters; give NetworkTopologyStrategy or use partition"
            )
        apply_faults(t, CASSANDRA_FAULTS, v["faults"])
        self._hints(t, v)
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        t.roles.update({f"n{i}": "replica" for i in range(rf)})  # every node holds a replica of the key
        t.assume(
            "the client coordinates its own requests (a coordinator node adds no behaviour beyond forwarding); "
            "a write whose only stored copy is lost counts as lost even while puts to other replicas are on "
            "their way, as they are when the coordinator is the replica that crashed",
            DYNAMO,
        )
        if t.params.get("recover") and t.params.get("durable", True):
            t.assume(
                "a replica that crashes and comes back keeps every write it acknowledged: its commit log "
                "reached the disk (commitlog_sync batch or group, or a process crash that leaves the page "
                "cache); under the default periodic sync a machine crash can lose the last "
                "commitlog_sync_period of acknowledged writes, which is not modelled",
                COMMITLOG,
            )
        counts = isinstance(w, int) and isinstance(r, int)
        if (
            counts
            and w + r > rf
            and t.params.get("crashes", 0) + t.params.get("partitions", 0) == 0
            and not t.params.get("skew")
        ):
            t.expect("read_your_writes", "HOLDS", PICKING)
        return t

    @staticmethod
    def _topology(t: Translation, v: dict) -> int:
        """``n`` from replication_factor, or datacenters from NetworkTopologyStrategy."""
        dcs = v["NetworkTopologyStrategy"]
        if dcs is None:
            if v["local_dc"] is not None:
                raise ParameterError("local_dc", "needs NetworkTopologyStrategy (datacenters); remove it")
            rf = v["replication_factor"]
            t.params["n"] = rf
            t.decide("replication_factor", rf, f"n={rf}", DYNAMO)
            return rf
        if "replication_factor" in v["_given"]:
            raise ParameterError(
                "replication_factor",
                "give either replication_factor (SimpleStrategy) or NetworkTopologyStrategy, not both",
            )
        t.params["dcs"] = dcs
        t.decide(
            "NetworkTopologyStrategy",
            dcs,
            f"dcs={','.join(dcs)} (each datacenter holds that many replicas of every key)",
            NTS_DOC,
        )
        known = [d.split(":")[0] for d in dcs]
        if v["local_dc"] is not None:
            wrong = [d for d in v["local_dc"] if d not in known]
            if wrong:
                raise ParameterError(
                    "local_dc", f"{wrong[0]} is not among the datacenters ({', '.join(known)}); fix the name"
                )
            t.params["client_dcs"] = v["local_dc"]
            t.decide(
                "local_dc",
                v["local_dc"],
                f"client_dcs={','.join(v['local_dc'])} (where each client's coordinator is; LOCAL levels count there)",
                CL_DOC,
            )
        else:
            t.decide(
                "local_dc",
                "(not given)",
                f"every client is in {known[0]}, the first datacenter (where its coordinator is; LOCAL "
                "levels count there), except operations ending in @DC; give local_dc=dc1,dc2 per client",
                CL_DOC,
            )
        return sum(int(d.split(":")[1]) for d in dcs)

    @staticmethod
    def _level(t: Translation, v: dict, setting: str, rf: int, param: str):
        """The level as a count (``w``/``r``), or by name (``write_cl``/``read_cl``) once
        datacenters are given or the level is a datacenter one; returns what was set."""
        level = v[setting]
        if level in NOT_YET:
            why, instead = NOT_YET[level].split("; ")
            raise refuse(setting, f"{level}: {why}", instead)
        datacenters = "dcs" in t.params
        if level in DC_LEVELS and not datacenters:
            raise ParameterError(
                setting,
                f"{level} counts replicas per datacenter; give NetworkTopologyStrategy (e.g. dc1:3) or use QUORUM/ONE",
            )
        if datacenters and level in NAMED_LEVELS:
            name = "write_cl" if param == "w" else "read_cl"
            t.params[name] = level
            t.decide(setting, level, f"{name}={level}", READ_CL_DOC if param == "r" else CL_DOC)
            return level
        n = count(level, rf)
        if n > rf:
            raise ParameterError(
                setting,
                f"{level} needs {n} replicas but replication_factor is {rf}: "
                "Cassandra would answer Unavailable; lower the level",
            )
        t.params[param] = n
        t.decide(setting, level, f"{param}={n}", LEVELS)
        return n

    @staticmethod
    def _read_repair(t: Translation, v: dict, w, r) -> None:
        mode = v["read_repair"]
        if mode == "NONE":
            t.decide("read_repair", mode, "read_repair=off", DDL)
            return
        if r in (1, "ONE", "LOCAL_ONE"):
            t.decide(
                "read_repair",
                mode,
                "read_repair=off (a read at ONE contacts one replica, so nothing is compared and nothing repaired)",
                DATASTAX_RR,
            )
            return
        if w != r:
            raise refuse(
                "read_repair",
                "BLOCKING repair waits until the read's consistency level "
                "of replicas has the newest version, and the model's blocking write-back "
                "waits for the write's",
                "give equal read and write consistency levels, or read_repair=NONE",
            )
        t.params["read_repair"] = "blocking"
        t.decide(
            "read_repair",
            mode,
            "read_repair=blocking (the newest version is written back and "
            "acknowledged at the read's level before the read answers)",
            READ_REPAIR,
        )

    @staticmethod
    def _hints(t: Translation, v: dict) -> None:
        if not v["hinted_handoff_enabled"]:
            raise refuse(
                "hinted_handoff_enabled",
                "without hints a write for a down replica is "
                "dropped at once, and the model's hint window opens and may end later",
                "leave it true: the default max_hint_window (3h) already lets hints be dropped at any moment",
            )
        if not (t.params.get("crashes") or t.params.get("partitions")):
            t.decide(
                "hinted_handoff_enabled, max_hint_window",
                f"true, {v['max_hint_window']}",
                "no replica is ever down or cut off in these faults, so no hint is written",
                HINTS,
            )
            return
        t.params["hint_expiries"] = 1
        t.decide(
            "max_hint_window",
            v["max_hint_window"],
            "hint_expiries=1 (durations are not "
            "modelled: the window may end at any moment while a replica is down, after which "
            "writes for it are dropped until it is back, so only repair brings them; hints never "
            "count towards the level, and are best effort: they do not guarantee eventual consistency)",
            HINTS,
        )

    @staticmethod
    def _clocks(t: Translation, v: dict) -> None:
        source, skew = v["timestamps"], v["clock_skew"]
        if source is None:
            if skew:
                raise ParameterError(
                    "clock_skew", "needs timestamps=client or server (whose clocks are skewed); add it"
                )
            t.assume(
                "writes are stamped by perfectly synchronised clocks (last write wins by "
                "timestamp; give timestamps=client|server and clock_skew to model clocks)",
                DYNAMO,
            )
            return
        t.params["clock"] = "client" if source == "client" else "coordinator"
        t.decide(
            "timestamps",
            source,
            f"clock={t.params['clock']} (last write wins by timestamp; equal timestamps go to the larger value)",
            TIMESTAMPS,
        )
        if skew:
            t.params["skew"] = skew
        t.decide(
            "clock_skew",
            skew,
            f"skew={skew} (a clock may run {skew} tick(s) ahead; a tick is one write stamped)"
            if skew
            else "skew=0 (the clocks agree)",
            TIMESTAMPS,
        )


FRONTEND = Cassandra()
