"""Apache Cassandra, translated onto the leaderless model.

A partition lives on ``replication_factor`` replicas. A write goes to all of them and is
acknowledged once the write consistency level's count has answered; a read waits for the
read consistency level's count and returns the newest cell by timestamp. ``read_repair``
``BLOCKING`` (the default since 4.0) writes the newest version back to the replicas the read
contacted, and waits, before answering; ``NONE`` does not. Hints (hinted handoff) never count
towards the consistency level. Sources and the mapping: docs/databases.md, Cassandra.
"""

from replcheck.checker.errors import ParameterError

from .frontend import CLIENTS, LEADERLESS_FAULTS, Frontend, apply_faults, fault_setting
from .translation import Setting, Translation, boolean, choice, refuse, whole

DYNAMO = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html"
LEVELS = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#tunable-consistency"
PICKING = "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html#picking-consistency-levels"
READ_REPAIR = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/read_repair.html"
DDL = "https://cassandra.apache.org/doc/latest/cassandra/developing/cql/ddl.html"
HINTS = "https://cassandra.apache.org/doc/latest/cassandra/managing/operating/hints.html"
DATASTAX_RR = "https://docs.datastax.com/en/cassandra-oss/3.0/cassandra/operations/opsRepairNodesReadRepair.html"

COUNTS = {"ONE": 1, "TWO": 2, "THREE": 3}
LEVEL_NAMES = ("ONE", "TWO", "THREE", "QUORUM", "ALL", "ANY", "LOCAL_ONE", "LOCAL_QUORUM",
               "EACH_QUORUM", "SERIAL", "LOCAL_SERIAL")
# Levels that need a mechanism the leaderless model lacks; lifting a refusal is one line here
# once the mechanism exists (and a branch in ``count``).
NOT_YET = {
    "LOCAL_ONE": "datacenters are not modelled yet; with a single datacenter use ONE",
    "LOCAL_QUORUM": "datacenters are not modelled yet; with a single datacenter use QUORUM",
    "EACH_QUORUM": "datacenters are not modelled yet; with a single datacenter use QUORUM",
    "SERIAL": "lightweight transactions (Paxos) are not modelled; check QUORUM reads and writes",
    "LOCAL_SERIAL": "lightweight transactions (Paxos) are not modelled; check QUORUM reads and writes",
    "ANY": "a write acknowledged by a coordinator's stored hint alone is not modelled; use ONE",
}


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
        Setting("replication_factor", "replicas per partition (SimpleStrategy), 1 to 5", whole(1, 5), 3,
                aliases=("rf",)),
        Setting("write_consistency", "ONE, TWO, THREE, QUORUM or ALL", choice(*LEVEL_NAMES), "ONE"),
        Setting("read_consistency", "ONE, TWO, THREE, QUORUM or ALL", choice(*LEVEL_NAMES), "ONE"),
        Setting("read_repair", "BLOCKING or NONE (table option)", choice("BLOCKING", "NONE"), "BLOCKING"),
        Setting("hinted_handoff_enabled", "true (false is refused)", boolean, True),
        fault_setting(LEADERLESS_FAULTS, ("none",)),
        CLIENTS,
    )
    REFUSED = {
        "max_hint_window": ("the hint window is not modelled yet (hints are kept for as long as "
                            "a replica is down)", "leave it out"),
        "timestamps": ("clock skew between writers is not modelled yet in the leaderless family",
                       "leave it out: writes are stamped by perfectly synchronised clocks"),
        "NetworkTopologyStrategy": ("datacenters are not modelled yet", "give replication_factor "
                                    "for a single datacenter"),
        "read_repair_chance": ("probabilistic background read repair (before 4.0) is not modelled",
                               "use read_repair=BLOCKING or NONE"),
        "speculative_retry": ("speculative retries to extra replicas are not modelled", "leave it out"),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leaderless parameters (see the module docstring)."""
        rf = v["replication_factor"]
        t = Translation(self.title, "leaderless", {"n": rf})
        t.decide("replication_factor", rf, f"n={rf}", DYNAMO)
        w = self._level(t, v, "write_consistency", rf, "w")
        r = self._level(t, v, "read_consistency", rf, "r")
        self._read_repair(t, v, w, r)
        if not v["hinted_handoff_enabled"]:
            raise refuse("hinted_handoff_enabled", "the model delivers a write to a replica that "
                         "comes back, as a replayed hint would", "leave hinted handoff on")
        t.decide("hinted_handoff_enabled", True, "sloppy=false (hints never count towards the "
                 "consistency level; a write still in flight to a down replica is delivered when it "
                 "comes back, as a replayed hint is)", HINTS)
        apply_faults(t, LEADERLESS_FAULTS, v["faults"])
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        t.assume("the client coordinates its own requests (a coordinator node adds no behaviour "
                 "beyond forwarding), and writes are stamped by perfectly synchronised clocks "
                 "(last write wins by timestamp; clock skew is not modelled yet)", DYNAMO)
        if w + r > rf and t.params.get("crashes", 0) + t.params.get("partitions", 0) == 0:
            t.expect("read_your_writes", "HOLDS", PICKING)
        return t

    @staticmethod
    def _level(t: Translation, v: dict, setting: str, rf: int, param: str) -> int:
        level = v[setting]
        if level in NOT_YET:
            raise refuse(setting, f"{level}: {NOT_YET[level].split('; ')[0]}",
                         NOT_YET[level].split("; ")[1])
        n = count(level, rf)
        if n > rf:
            raise ParameterError(setting, f"{level} needs {n} replicas but replication_factor is {rf}: "
                                          "Cassandra would answer Unavailable; lower the level")
        t.params[param] = n
        t.decide(setting, level, f"{param}={n}", LEVELS)
        return n

    @staticmethod
    def _read_repair(t: Translation, v: dict, w: int, r: int) -> None:
        mode = v["read_repair"]
        if mode == "NONE":
            t.decide("read_repair", mode, "read_repair=off", DDL)
            return
        if r == 1:
            t.decide("read_repair", mode, "read_repair=off (a read at ONE contacts one replica, so "
                     "nothing is compared and nothing repaired)", DATASTAX_RR)
            return
        if w != r:
            raise refuse("read_repair", "BLOCKING repair waits until the read's consistency level "
                         "of replicas has the newest version, and the model's blocking write-back "
                         "waits for the write's", "give equal read and write consistency levels, or "
                         "read_repair=NONE")
        t.params["read_repair"] = "blocking"
        t.decide("read_repair", mode, "read_repair=blocking (the newest version is written back and "
                 "acknowledged by as many replicas as the read waited for, before the read answers)",
                 READ_REPAIR)


FRONTEND = Cassandra()
