"""MongoDB replica sets, translated onto leader_follower with elections.

A replica set has data-bearing ``members`` (one primary, the rest secondaries) and optional
``arbiters`` (vote, hold no data); a new primary is elected by a majority of voters. The
write concern ``w`` says how many data-bearing members must have a write before it is
acknowledged (``"majority"``: a majority of voting members, journaled); ``wtimeout`` returns
an error without undoing the write. The read concern (``local``, ``majority``,
``linearizable``) says what a read sees, the read preference where it goes, and a causally
consistent session makes a member wait until it has caught up with the session. Sources and
the mapping: docs/databases.md, MongoDB.
"""

from replcheck.checker.errors import ParameterError

from .frontend import (
    CLIENTS,
    LEADER_FOLLOWER_FAULTS,
    Frontend,
    apply_faults,
    crash_rules,
    fault_setting,
    leader_follower_words,
)
from .translation import Setting, Translation, boolean, choice, refuse, whole

WRITE_CONCERN = "https://www.mongodb.com/docs/manual/reference/write-concern/"
DEFAULTS = "https://www.mongodb.com/docs/manual/reference/mongodb-defaults/#default-write-concern"
READ_CONCERN = "https://www.mongodb.com/docs/manual/reference/read-concern/"
RC_MAJORITY = "https://www.mongodb.com/docs/manual/reference/read-concern-majority/"
RC_LINEARIZABLE = "https://www.mongodb.com/docs/manual/reference/read-concern-linearizable/"
READ_PREFERENCE = "https://www.mongodb.com/docs/manual/core/read-preference/"
CAUSAL = "https://www.mongodb.com/docs/manual/core/causal-consistency-read-write-concerns/"
ROLLBACK = "https://www.mongodb.com/docs/manual/core/replica-set-rollbacks/"
ELECTIONS = "https://www.mongodb.com/docs/manual/core/replica-set-elections/"
ARBITER = "https://www.mongodb.com/docs/manual/core/replica-set-arbiter/"


def parse_w(name: str, raw):
    """``w``: "majority" or a whole number of data-bearing members."""
    text = str(raw).strip().strip('"')
    if text.lower() == "majority":
        return "majority"
    if text.isascii() and text.isdigit() and int(text) >= 0:
        return int(text)
    raise ParameterError(
        name, f"must be majority or a number of members, got {raw!r} (custom write concern tags are not modelled)"
    )


class MongoDB(Frontend):
    """MongoDB replica set: elections, write concern, read concern, read preference, causal
    sessions, arbiters."""

    name = "mongodb"
    title = "MongoDB"
    docs = WRITE_CONCERN
    SETTINGS = (
        Setting("members", "data-bearing members, the primary included (2 to 4)", whole(2, 4), 3),
        Setting("arbiters", "arbiters: voting members that hold no data (0 or 1)", whole(0, 1), 0),
        Setting(
            "write_concern",
            "w: majority or a number (default: MongoDB's implicit default)",
            parse_w,
            None,
            aliases=("w", "writeConcern"),
        ),
        Setting("j", "journal acknowledgement (true; false is refused)", boolean, None),
        Setting("wtimeout", "milliseconds before a write concern wait returns an error (0: none)", whole(0), 0),
        Setting(
            "read_concern",
            "local, available, majority or linearizable",
            choice("local", "available", "majority", "linearizable", "snapshot"),
            "local",
            aliases=("readConcern",),
        ),
        Setting(
            "read_preference",
            "primary or secondary",
            choice("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest", case=True),
            "primary",
            aliases=("readPreference",),
        ),
        Setting(
            "causal_consistency",
            "reads and writes in one causally consistent session",
            boolean,
            False,
            aliases=("causalConsistency",),
        ),
        fault_setting(
            LEADER_FOLLOWER_FAULTS,
            ("primary_crash",),
            refused={
                "lose_a_disk": "a member that comes back without its data runs an initial sync (STARTUP2): "
                "it may vote but cannot be elected until it is a SECONDARY, while the model's member would "
                "stand for election with an empty oplog; use primary_crash or primary_crash_no_return"
            },
        ),
        CLIENTS,
    )
    MODELLED_VALUES = {"writeConcernMajorityJournalDefault": ("true",)}
    REFUSED = {
        "maxStalenessSeconds": (
            "staleness bounds in seconds are not modelled (durations are not modelled)",
            "leave it out; secondary reads then show any staleness",
        ),
        "writeConcernMajorityJournalDefault": ("only its default (true) is modelled", "leave it out"),
        "priority": ("member priorities are not modelled; any electable member may win", "leave it out"),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leader_follower parameters (see the module docstring)."""
        members, arbiters = v["members"], v["arbiters"]
        t = Translation(self.title, "leader_follower", {"followers": members - 1})
        secondaries = ", ".join(f"f{i}" for i in range(1, members))
        t.decide(
            "members", members, f"followers={members - 1} (the primary is n0, secondaries {secondaries})", ELECTIONS
        )
        if arbiters and v["faults"] != ("none",):
            t.params["arbiters"] = arbiters
            t.decide("arbiters", arbiters, f"arbiters={arbiters} (votes in elections, holds no data)", ARBITER)
        elif arbiters:
            t.decide(
                "arbiters",
                arbiters,
                "no model member (without faults no election happens, the "
                "only thing an arbiter takes part in; it still counts for the write concern)",
                ARBITER,
            )
        if v["faults"] != ("none",):
            t.params["failover"] = "election"
            t.decide(
                "failover",
                "built in",
                "failover=election (a majority of voting members "
                "elects a primary with an up-to-date oplog; the old primary rolls back what "
                "the new one lacks)",
                ROLLBACK,
            )
        else:
            t.decide("failover", "built in", "failover=none (without faults no election happens)", ELECTIONS)
        self._write_concern(t, v, members, arbiters)
        self._refuse_unjournaled_restart(t, v)
        self._refuse_unmodelled_sessions(t, v)
        self._reads(t, v)
        apply_faults(t, LEADER_FOLLOWER_FAULTS, v["faults"])
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        self._documented(t, v)
        self._words(t, members)
        return t

    @staticmethod
    def _words(t: Translation, members: int) -> None:
        """Traces in MongoDB's words: primary/secondary/arbiter, the oplog, and a secondary's
        acknowledgement (counted by the write concern) as its journaled oplog."""
        roles = {f"f{i}": "secondary" for i in range(1, members)}
        roles.update({f"a{i}": "arbiter" for i in range(1, t.params.get("arbiters", 0) + 1)})
        sync = t.params.get("replication") == "sync"
        leader_follower_words(
            t, "primary", "secondary", roles, confirms="its journaled oplog" if sync else "", log="oplog"
        )

    def _write_concern(self, t: Translation, v: dict, members: int, arbiters: int) -> None:
        voting = members + arbiters
        majority = voting // 2 + 1
        w = v["write_concern"]
        if w is None:
            implicit_w1 = arbiters > 0 and members <= majority
            w = 1 if implicit_w1 else "majority"
            t.decide(
                "write_concern",
                "(default)",
                f"w: {w} (the implicit default: majority, "
                "unless arbiters leave the data-bearing members no more than a voting "
                "majority)",
                DEFAULTS,
            )
        if v["j"] is False:
            raise refuse(
                "j",
                "j: false acknowledges before the journal, and the model's members always journal before acknowledging",
                "leave j out or set j=true",
            )
        if w == "majority":
            need = majority
            if need > members:
                raise ParameterError(
                    "write_concern",
                    f"majority of {voting} voters is {need}, more "
                    f"than the {members} data-bearing members: writes could never "
                    "be acknowledged; add a member or remove the arbiter",
                )
        else:
            need = w
            if need == 0:
                raise refuse("write_concern", "w: 0 (unacknowledged writes) is not modelled", "use w: 1")
            if need > members:
                raise ParameterError("write_concern", f"w: {need} exceeds the {members} data-bearing members; lower it")
            if need > 1 and v["j"] is not True:
                raise refuse(
                    "write_concern",
                    f"w: {need} without j: true acknowledges members that "
                    "applied the write in memory, and the model's members flush before "
                    "they apply",
                    "add j=true, or use w: majority",
                )
        if need == 1:
            t.params["replication"] = "async"
            t.decide("write_concern", w, "replication=async (acknowledged by the primary alone)", WRITE_CONCERN)
        else:
            t.params.update({"replication": "sync", "k": need - 1, "order": "any", "stage": "flushed"})
            t.decide(
                "write_concern",
                w,
                f"replication=sync k={need - 1} order=any stage=flushed "
                f"({need} of {members} data-bearing members, journaled)",
                WRITE_CONCERN,
            )
        if v["wtimeout"]:
            if need == 1:
                raise ParameterError("wtimeout", "applies only when w is above 1; remove it")
            t.params["ack_timeout"] = "error"
            t.decide(
                "wtimeout",
                v["wtimeout"],
                "ack_timeout=error (durations are not modelled: the "
                "time-out may fire at any moment of the wait; the client gets an error and the "
                "write is not undone)",
                WRITE_CONCERN + "#wtimeout",
            )

    @staticmethod
    def _refuse_unjournaled_restart(t: Translation, v: dict) -> None:
        """w: 1 without j: true is acknowledged once the primary applied the write in memory
        (the write-concern page's acknowledgement table: "In memory"); the journal reaches the
        disk about every 100 ms, so a primary that restarts with its disk can come back without
        the write. The model's members journal before acknowledging. Where no election can
        replace a crashed primary (fewer than three voters) that decides whether the write
        survives, so the combination is refused; with an election the write is lost to the
        rollback anyway, and the assumption is stated."""
        restart_with_disk = (True, True) in crash_rules(LEADER_FOLLOWER_FAULTS, v["faults"]).values()
        if t.params.get("replication") != "async" or v["j"] is True or not restart_with_disk:
            return
        w = v["write_concern"] or "1 (the implicit default here)"
        if v["members"] + v["arbiters"] < 3:
            raise refuse(
                "j",
                f"w: {w} without j: true is acknowledged from memory, and with no election to replace it "
                "a primary that restarts may come back without the write (the model's members always "
                "journal first)",
                "add j=true, use w=majority, or choose faults without a restart",
            )
        t.assume(
            f"w: {w} without j: true acknowledges from memory; the model's primary journals first, so a "
            "restart shows the writes the rollback loses, not those an unflushed journal loses (add "
            "j=true to check exactly what is modelled)",
            WRITE_CONCERN + "#acknowledgment-behavior",
        )

    @staticmethod
    def _refuse_unmodelled_sessions(t: Translation, v: dict) -> None:
        """The model tracks the majority commit point, which majority reads and causal
        sessions need, only under majority writes: refuse the causal-consistency matrix's
        other rows in MongoDB's words rather than the model's."""
        majority_writes = t.params.get("replication") == "sync"
        if v["read_concern"] == "majority" and not majority_writes:
            raise refuse(
                "read_concern",
                f"majority reads with w: {v['write_concern'] or '1 (the implicit default here)'} "
                "(the model follows the majority "
                "commit point only under majority writes)",
                "use w=majority with read_concern=majority, or read_concern=local",
            )
        if v["causal_consistency"] and not (majority_writes and v["read_concern"] == "majority"):
            raise refuse(
                "causal_consistency",
                "causal sessions other than with w: majority and read concern majority (the "
                "matrix's row that gives every guarantee)",
                "set w=majority read_concern=majority, or causal_consistency=false",
            )

    def _reads(self, t: Translation, v: dict) -> None:
        preference, concern = v["read_preference"], v["read_concern"]
        if preference not in ("primary", "secondary"):
            raise refuse(
                "read_preference",
                f"{preference} sends reads to the primary or to "
                "secondaries depending on availability and latency, and the model sends "
                "every read to one kind of member",
                "check primary and secondary separately",
            )
        if concern == "snapshot":
            raise refuse(
                "read_concern",
                "snapshot applies to multi-document transactions, which are not modelled",
                "use majority for single-document reads",
            )
        if concern == "linearizable" and preference != "primary":
            raise ParameterError(
                "read_concern",
                "linearizable reads need read_preference primary "
                "(MongoDB rejects them elsewhere); set read_preference=primary",
            )
        t.params["reads"] = "leader" if preference == "primary" else "any_follower"
        t.decide("read_preference", preference, f"reads={t.params['reads']}", READ_PREFERENCE)
        if concern in ("local", "available"):
            t.params["leader_visibility"] = "before_ack"
            t.decide(
                "read_concern",
                concern,
                "read_level=local leader_visibility=before_ack (a "
                "member's latest data, which may yet be rolled back)"
                + ("; available behaves as local in a replica set" if concern == "available" else ""),
                READ_CONCERN,
            )
        else:
            t.params["read_level"] = concern
            what = {
                "majority": "the member's majority-committed snapshot",
                "linearizable": "the primary confirms with a majority that it still leads",
            }[concern]
            t.decide(
                "read_concern",
                concern,
                f"read_level={concern} ({what})",
                RC_MAJORITY if concern == "majority" else RC_LINEARIZABLE,
            )
        if v["causal_consistency"]:
            t.params["session"] = "causal"
            t.decide(
                "causal_consistency",
                True,
                "session=causal (a read waits until the member has caught up with the session's last operation)",
                CAUSAL,
            )

    @staticmethod
    def _documented(t: Translation, v: dict) -> None:
        """The guarantees MongoDB's causal-consistency matrix promises, and majority durability."""
        majority_w = t.params.get("replication") == "sync" and v["write_concern"] in ("majority", None)
        rc_majority = v["read_concern"] == "majority"
        if v["causal_consistency"] and rc_majority and majority_w:
            for prop in ("read_your_writes", "monotonic_reads", "monotonic_writes", "writes_follow_reads"):
                t.expect(prop, "HOLDS", CAUSAL)
        elif v["causal_consistency"] and rc_majority:
            for prop in ("monotonic_reads", "writes_follow_reads"):
                t.expect(prop, "HOLDS", CAUSAL)
        if majority_w and t.params.get("durable", True) and t.params.get("crashes", 0) <= 1:
            t.expect("durable_acks", "HOLDS", ROLLBACK)
        if v["read_concern"] == "linearizable" and majority_w:
            t.expect("linearizable", "HOLDS", RC_LINEARIZABLE)


FRONTEND = MongoDB()
