"""Apache CouchDB replication between servers, translated onto multi_leader.

Every CouchDB server accepts writes; continuous replication in both directions copies each
revision to the others. Concurrent edits leave a conflict: every server keeps all the leaf
revisions and picks the same winner deterministically; a plain read returns the winner only,
a read with ``conflicts=true`` also lists the losing revisions, and the application resolves
by writing a merge and deleting the losers. Sources and the mapping: docs/databases.md,
CouchDB.
"""

from .frontend import CLIENTS, MULTI_LEADER_FAULTS, Frontend, apply_faults, fault_setting, model_offers
from .translation import Setting, Translation, boolean, choice, refuse, whole

CONFLICTS = "https://docs.couchdb.org/en/stable/replication/conflicts.html"
REPLICATION = "https://docs.couchdb.org/en/stable/replication/intro.html"
# Mechanism the multi_leader model lacks: lifting this refusal is a branch in ``build``.
WINNER_MISSING = "a deterministic winner with the losing revisions kept is not modelled yet in the multi_leader family"


class CouchDB(Frontend):
    """Apache CouchDB: servers replicating to each other in both directions."""

    name = "couchdb"
    title = "CouchDB"
    docs = CONFLICTS
    SETTINGS = (
        Setting("servers", "CouchDB servers replicating to each other, 2 or 3", whole(2, 3), 2),
        Setting(
            "conflicts", "reads ask for ?conflicts=true (all leaf revisions); false: the winner only", boolean, False
        ),
        Setting(
            "reads",
            "home (each client reads from its own server) or other (from the next server)",
            choice("home", "other"),
            "home",
        ),
        fault_setting(
            MULTI_LEADER_FAULTS,
            ("none",),
            refused={
                "lose_a_disk": "a server that comes back without its database has no replication "
                "checkpoint, so its peers replicate to it again from sequence 0 (the replication "
                "protocol's 'Compare Replication Logs'), which the model does not do; use region_crash "
                "or region_partition"
            },
        ),
        CLIENTS,
    )
    REFUSED = {
        "filter": ("filtered replication is not modelled", "replicate every document"),
        "n": ("the quorum inside a CouchDB cluster is not modelled", "check replication between servers"),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> multi_leader parameters (see the module docstring)."""
        servers = v["servers"]
        if not v["conflicts"] and not model_offers("multi_leader", "conflict", "revisions"):
            raise refuse(
                "conflicts",
                f"false (plain reads return the winning revision only): {WINNER_MISSING}",
                "set conflicts=true to check reads that see every conflicting revision",
            )
        mode = "siblings" if v["conflicts"] else "revisions"
        t = Translation(self.title, "multi_leader", {"leaders": servers, "conflict": mode})
        t.decide("servers", servers, f"leaders={servers} (continuous replication in both directions)", REPLICATION)
        if v["conflicts"]:
            t.decide(
                "conflicts",
                True,
                "conflict=siblings (a read returns every leaf revision; a write "
                "made after reading them replaces them, as the application's merge and delete do)",
                CONFLICTS,
            )
        else:
            t.decide(
                "conflicts",
                False,
                "conflict=revisions (every server picks the same winning "
                "revision, a read returns it, and the losing revisions are kept)",
                CONFLICTS,
            )
        if v["reads"] == "other":
            t.params["sticky"] = False
        t.decide("reads", v["reads"], f"sticky={str(v['reads'] == 'home').lower()}", REPLICATION)
        apply_faults(t, MULTI_LEADER_FAULTS, v["faults"])
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        if t.params.get("drops") and model_offers("multi_leader", "retry"):
            t.params["retry"] = True
            t.decide(
                "replication",
                "continuous",
                "retry=true (a change whose replication is lost is "
                "sent again, as CouchDB's replicator resumes from its checkpoint)",
                REPLICATION,
            )
        elif t.params.get("drops"):
            t.assume(
                "a lost replication message is never sent again (retries are not modelled yet), "
                "which CouchDB's checkpointed replicator would do",
                REPLICATION,
            )
        t.expect("no_write_discarded_unseen", "HOLDS", CONFLICTS)
        return t


FRONTEND = CouchDB()
