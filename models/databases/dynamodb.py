"""Amazon DynamoDB, translated onto leader_follower (one Region) or multi_leader (global tables).

Inside a Region each partition has three replicas in three Availability Zones; one is the
leader, a write is acknowledged once a quorum of replicas has persisted it, and a strongly
consistent read (``ConsistentRead = true``) is served by the leader, an eventually consistent
one (the default) by any replica. Global tables in the default mode (MREC) accept writes in
every Region and replicate asynchronously, resolving concurrent updates by last writer wins.
Sources and the mapping: docs/databases.md, DynamoDB.
"""

from replcheck.checker.errors import ParameterError

from .frontend import (
    CLIENTS,
    LEADER_FOLLOWER_FAULTS,
    MULTI_LEADER_FAULTS,
    Frontend,
    apply_faults,
    fault_setting,
    model_offers,
)
from .translation import Setting, Translation, boolean, choice, refuse, whole

READ_CONSISTENCY = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html"
GLOBAL_TABLES = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html"
PAPER = "https://www.usenix.org/conference/atc22/presentation/elhemali"
# A managed service: a replica that fails is replaced by a new one built from a copy of the
# partition (the paper's healing), never a storage node that votes again with an empty log.
ONE_REGION_REFUSED = {
    "lose_a_disk": "DynamoDB replaces a failed storage replica by copying a healthy one (the ATC'22 "
    "paper's healing); the model would bring it back empty as a voter, which Paxos-based "
    "DynamoDB does not do; use primary_crash or primary_crash_no_return",
}


class DynamoDB(Frontend):
    """Amazon DynamoDB: eventually or strongly consistent reads; global tables (MREC)."""

    name = "dynamodb"
    title = "DynamoDB"
    docs = READ_CONSISTENCY
    SETTINGS = (
        Setting(
            "ConsistentRead",
            "true: strongly consistent reads; false (default): eventually consistent",
            boolean,
            False,
            aliases=("consistent_read",),
        ),
        Setting(
            "global_table",
            "none, or MREC (multi-Region eventual consistency; MRSC is refused)",
            choice("none", "MREC", "MRSC"),
            "none",
        ),
        Setting("regions", "Regions of a global table, 2 or 3", whole(2, 3), 2),
        Setting(
            "clock_skew",
            "global tables: how many ticks a Region's clock may run ahead (last writer wins by timestamp)",
            whole(0, 3),
            0,
        ),
        Setting(
            "faults",
            "fault scenarios: "
            + ", ".join(f for f in LEADER_FOLLOWER_FAULTS if f not in ONE_REGION_REFUSED)
            + " (one Region; refused: "
            + ", ".join(ONE_REGION_REFUSED)
            + "); "
            + ", ".join(MULTI_LEADER_FAULTS)
            + " (global tables)",
            lambda n, raw: raw,
            ("none",),
        ),
        CLIENTS,
    )
    REFUSED = {
        "TransactWriteItems": ("transactions are not modelled", "check single-item reads and writes"),
        "IndexName": ("secondary indexes (eventually consistent only) are not modelled", "check the base table"),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leader_follower (one Region) or multi_leader (global table)."""
        if v["global_table"] == "MRSC":
            raise refuse(
                "global_table",
                "MRSC (synchronous multi-Region replication) is not modelled",
                "check MREC, or one Region",
            )
        if v["global_table"] == "MREC":
            return self._global(v)
        for name in ("regions", "clock_skew"):
            if name in v["_given"]:
                raise ParameterError(name, "applies only to a global table; set global_table=MREC or remove it")
        faults = fault_setting(LEADER_FOLLOWER_FAULTS, ("none",), refused=ONE_REGION_REFUSED).parse(
            "faults", v["faults"]
        )
        t = Translation(
            self.title,
            "leader_follower",
            {"followers": 2, "replication": "sync", "k": 1, "order": "any", "stage": "flushed"},
        )
        t.decide(
            "table",
            "one Region",
            "followers=2 replication=sync k=1 order=any stage=flushed (three "
            "replicas; the leader acknowledges once a quorum, itself and one more, has persisted the "
            "write)",
            PAPER,
        )
        if v["ConsistentRead"]:
            t.params.update({"reads": "leader", "read_level": "linearizable"})
            t.decide(
                "ConsistentRead",
                True,
                "reads=leader read_level=linearizable (the leader serves "
                "the read, and is sure it still leads: DynamoDB uses a lease, modelled as a "
                "check with a majority)",
                READ_CONSISTENCY,
            )
            if faults == ("none",):
                t.expect("read_your_writes", "HOLDS", READ_CONSISTENCY)
        else:
            t.params["reads"] = "any"
            t.decide(
                "ConsistentRead",
                False,
                "reads=any (any of the three replicas may answer, the leader "
                "included: each read is explored on every replica)",
                READ_CONSISTENCY,
            )
        if faults != ("none",):
            t.params["failover"] = "election"
            t.decide("failover", "built in", "failover=election (replicas elect a new leader)", PAPER)
            t.assume(
                "a deposed leader keeps the leader role until it hears of the new term (its lease is "
                "modelled as quorum writes and a majority check on strong reads, so it completes "
                "neither): no_split_brain fails on that nominal role alone",
                PAPER,
            )
        apply_faults(t, LEADER_FOLLOWER_FAULTS, faults)
        self._clients(t, v)
        return t

    def _global(self, v: dict) -> Translation:
        faults = fault_setting(MULTI_LEADER_FAULTS, ("none",)).parse("faults", v["faults"])
        regions = v["regions"]
        t = Translation(self.title, "multi_leader", {"leaders": regions, "conflict": "lww"})
        t.decide(
            "global_table",
            "MREC",
            f"leaders={regions} conflict=lww (every Region accepts writes "
            "and replicates them asynchronously; concurrent updates: last writer wins)",
            GLOBAL_TABLES,
        )
        if not v["ConsistentRead"]:
            raise refuse(
                "ConsistentRead",
                "eventually consistent reads inside a Region (which may miss that Region's latest "
                "write) are not modelled with global tables, where each Region is one replica, and "
                "false is the default",
                "give ConsistentRead=true to check what crosses Regions, or leave out global_table "
                "to check eventual reads within one Region",
            )
        t.decide(
            "ConsistentRead",
            v["ConsistentRead"],
            "reads go to the client's own Region, whose "
            "replica answers at once (a strongly consistent read is consistent within its Region "
            "only)",
            GLOBAL_TABLES,
        )
        if v["clock_skew"]:
            t.params["skew"] = v["clock_skew"]
        t.decide(
            "clock_skew",
            v["clock_skew"],
            f"skew={v['clock_skew']} (a Region's clock may run that many ticks ahead; a tick is one write stamped)",
            GLOBAL_TABLES,
        )
        apply_faults(t, MULTI_LEADER_FAULTS, faults)
        if t.params.get("drops"):
            if not model_offers("multi_leader", "retry"):
                raise refuse(
                    "faults",
                    "lost_message: a global table replicates what a Region missed once it is healthy "
                    "again, and the model would never resend it",
                    "leave lost_message out",
                )
            t.params["retry"] = True
            t.decide(
                "global_table",
                "MREC",
                "retry=true (a lost replication message is sent again: data not yet replicated to an "
                "isolated or degraded replica is replicated when it becomes healthy)",
                GLOBAL_TABLES,
            )
        self._clients(t, v)
        t.assume(
            "each Region is one leader (its in-Region replication is not modelled) and clients stay with their Region",
            GLOBAL_TABLES,
        )
        return t

    @staticmethod
    def _clients(t: Translation, v: dict) -> None:
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")


FRONTEND = DynamoDB()
