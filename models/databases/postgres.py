"""PostgreSQL streaming replication, translated onto the leader_follower model.

``synchronous_standby_names`` chooses which standbys a commit waits for (``FIRST k (...)``: the
k highest-priority connected ones; ``ANY k (...)``: any k; a plain list is FIRST 1; empty:
none, replication is asynchronous). ``synchronous_commit`` chooses how far they must get:
``remote_write`` (received, written to the OS), ``on`` (flushed), ``remote_apply`` (replayed,
visible to standby queries). Standbys not named are asynchronous. PostgreSQL has no built-in
failover: an external tool (Patroni, repmgr) or an operator promotes a standby. Sources and
the full mapping: docs/databases.md, PostgreSQL.
"""

import re

from replcheck.checker.errors import ParameterError

from .frontend import CLIENTS, LEADER_FOLLOWER_FAULTS, Frontend, apply_faults, fault_setting, leader_follower_words
from .translation import Setting, Translation, choice, names

SYNC_REP = "https://www.postgresql.org/docs/current/warm-standby.html#SYNCHRONOUS-REPLICATION"
SSN = "https://www.postgresql.org/docs/current/runtime-config-replication.html#GUC-SYNCHRONOUS-STANDBY-NAMES"
COMMIT = "https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT"
MATRIX = "https://www.postgresql.org/docs/current/runtime-config-wal.html#SYNCHRONOUS-COMMIT-MATRIX"
HOT = "https://www.postgresql.org/docs/current/hot-standby.html"
FAILOVER = "https://www.postgresql.org/docs/current/warm-standby-failover.html"
PATRONI = "https://patroni.readthedocs.io/en/latest/replication_modes.html"
# Ha.recover() in Patroni's ha.py: a stopped PostgreSQL is started as primary only if this node
# owns the leader lock, as a replica otherwise.
PATRONI_HA = "https://github.com/patroni/patroni/blob/master/patroni/ha.py"
REPMGR = "https://www.repmgr.org/docs/current/repmgrd-automatic-failover.html"
# The WAL sender streams only WAL the primary has flushed (XLogSendPhysical: "it's unsafe to send
# WAL that is not securely down to disk on the primary").
WALSENDER = "https://github.com/postgres/postgres/blob/master/src/backend/replication/walsender.c"
SYNC_STATE = "https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-REPLICATION-VIEW"

STAGE = {"remote_write": "received", "on": "flushed", "remote_apply": "applied"}
TOOLS = {"patroni": PATRONI, "repmgr": REPMGR}
TOOL_NAMES = {"patroni": "Patroni", "repmgr": "repmgrd"}
# What a standby's acknowledgement confirms, per synchronous_commit (the commit waits for it).
CONFIRMS = {"remote_write": "remote_write", "on": "flush", "remote_apply": "remote_apply"}
_LIST = re.compile(r"^\s*(?:(FIRST|ANY)\s+)?(\d+)\s*\((.*)\)\s*$", re.IGNORECASE)


def parse_standby_names(name: str, raw) -> tuple:
    """``synchronous_standby_names`` as (method, k, names): ``FIRST 2 (s1, s2)``,
    ``ANY 1 (s1, s2)``, ``s1, s2`` (FIRST 1), ``*`` (any standby), or '' (asynchronous)."""
    if not isinstance(raw, str):
        raise ParameterError(name, f"must be a string such as 'FIRST 1 (s1, s2)', got {raw!r}")
    text = raw.strip()
    if text in ("", "''"):
        return ("", 0, ())
    m = _LIST.match(text)
    method, k, body = (
        ("FIRST", 1, text) if m is None else ((m.group(1) or "FIRST").upper(), int(m.group(2)), m.group(3))
    )
    if m is None and "(" in text:
        raise ParameterError(name, f"cannot read {raw!r}; write FIRST k (s1, s2), ANY k (s1, s2) or s1, s2")
    listed = tuple(part.strip().strip('"') for part in body.split(","))
    if not all(listed):
        raise ParameterError(name, f"an empty standby name in {raw!r}; separate names with commas")
    raw_names = [part.strip() for part in body.split(",")]  # a quoted name may hold spaces
    spaced = next((x for x in raw_names if len(x.split()) > 1 and not x.startswith('"')), None)
    if spaced is not None:
        raise ParameterError(name, f"cannot read {spaced!r} in {raw!r}: standby names are separated by commas")
    if k < 1:
        raise ParameterError(name, f"num_sync must be at least 1 in {raw!r}")
    if k > len(listed) and "*" not in listed:
        raise ParameterError(
            name,
            f"waits for {k} standbys but lists {len(listed)}; commits would wait for ever: lower num_sync or list more",
        )
    return (method, k, listed)


class Postgres(Frontend):
    """PostgreSQL streaming replication with synchronous standbys, hot-standby reads and an
    external failover tool."""

    name = "postgres"
    title = "PostgreSQL"
    docs = SYNC_REP
    SETTINGS = (
        Setting(
            "synchronous_standby_names",
            "FIRST k (s1, ...), ANY k (s1, ...), s1, ... or '' (asynchronous)",
            parse_standby_names,
            "",
        ),
        Setting(
            "synchronous_commit",
            "on, remote_write, remote_apply, local or off (acknowledged before the primary's own WAL flush)",
            choice("on", "remote_write", "remote_apply", "local", "off"),
            "on",
        ),
        Setting("standbys", "the streaming standbys' names, e.g. s1,s2 (at most 3)", names, ("s1", "s2")),
        Setting(
            "reads",
            "where reads go: primary, standby (any standby, chosen per read) or a standby's name (hot standby)",
            lambda n, raw: str(raw).strip(),
            "primary",
        ),
        Setting(
            "failover",
            "none (or manual: no promotion during the run), patroni, repmgr, promote_most_up_to_date, promote_any",
            choice("none", "manual", "patroni", "repmgr", "promote_most_up_to_date", "promote_any"),
            "none",
        ),
        fault_setting(LEADER_FOLLOWER_FAULTS, None),
        CLIENTS,
    )
    REFUSED = {
        "cascade": (
            "cascading standbys are asynchronous and not modelled",
            "list only standbys that stream from the primary",
        ),
        "max_standby_streaming_delay": (
            "replay pauses for conflicting queries are not modelled",
            "reads on a standby already see any prefix of its replay",
        ),
        "wal_writer_delay": (
            "the primary's WAL writer timing is not modelled (durations are not modelled)",
            "leave it out: under synchronous_commit=off the flush may come at any moment after the "
            "acknowledgement, and otherwise it comes before it",
        ),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leader_follower parameters (see the module docstring)."""
        standbys = v["standbys"]
        if len(standbys) > 3:
            raise ParameterError(
                "standbys", f"{len(standbys)} standbys are beyond what exploration can finish; give at most 3"
            )
        follower = {s: f"f{i}" for i, s in enumerate(standbys, start=1)}
        t_names = {f: name for name, f in follower.items() if not re.fullmatch(r"[nfca]\d+", name)}
        t = Translation(self.title, "leader_follower", names=t_names, params={"followers": len(standbys)})
        t.decide(
            "standbys",
            standbys,
            f"followers={len(standbys)}: "
            + ", ".join(f"{s} is {f}" for s, f in follower.items())
            + "; the primary is n0",
        )
        self._replication(t, v, follower)
        self._reads(t, v, follower)
        self._failover(t, v)
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        self._words(t, v, follower)
        off = v["synchronous_commit"] == "off"
        if off:
            self._commit_off(t)
        primary = "" if off else "the primary flushes its WAL before any acknowledgement, and "
        t.assume(primary + "a standby crash loses what it had received but not flushed (an OS crash)", MATRIX)
        t.assume(
            "a cancelled synchronous wait (which PostgreSQL reports as committed with a "
            "WARNING) is not modelled: every acknowledgement waited",
            SYNC_REP,
        )
        return t

    @staticmethod
    def _commit_off(t: Translation) -> None:
        """synchronous_commit=off: the primary's flush comes after the acknowledgement, which
        matters only where a node crashes and keeps its disk (leader_flush=lazy there)."""
        if not t.params.get("crashes") or t.params.get("durable") is False:
            why = "no node crashes" if not t.params.get("crashes") else "a crash loses the whole disk anyway"
            t.decide(
                "synchronous_commit",
                "off",
                f"no wait for any standby ({why} in these faults, so when the primary flushes does not matter)",
                COMMIT,
            )
            return
        t.params["leader_flush"] = "lazy"
        t.decide(
            "synchronous_commit",
            "off",
            "leader_flush=lazy ships=flushed (the commit is acknowledged before its WAL is flushed, so a "
            "crash of the primary loses the latest commits; standbys are sent only flushed WAL)",
            WALSENDER,
        )
        if t.params.get("recover"):
            t.expect("durable_acks", "VIOLATED", COMMIT)

    def _replication(self, t: Translation, v: dict, follower: dict) -> None:
        ssn = v["synchronous_standby_names"]
        method, k, listed = parse_standby_names("synchronous_standby_names", ssn) if isinstance(ssn, str) else ssn
        commit = v["synchronous_commit"]
        shown = f"{method} {k} ({', '.join(listed)})" if method else "''"
        if commit == "off":  # decided in _commit_off, once the faults are known
            t.params["replication"] = "async"
            t.decide("synchronous_standby_names", shown, "replication=async (off waits for no standby)", COMMIT)
            return
        if not method or commit == "local":
            t.params["replication"] = "async"
            why = "no synchronous standby" if not method else "local waits for the local flush only"
            t.decide("synchronous_standby_names", shown, f"replication=async ({why})", SSN)
            t.decide("synchronous_commit", commit, "no wait for any standby", COMMIT)
            return
        if "*" in listed:
            sync = tuple(follower.values())
            if k > len(sync):
                raise ParameterError(
                    "synchronous_standby_names",
                    f"waits for {k} standbys but there are {len(sync)}; commits would wait for ever: "
                    "lower num_sync or add standbys",
                )
        else:
            # PostgreSQL compares these names with application_name case-insensitively.
            by_name = {s.lower(): f for s, f in follower.items()}
            unknown = [s for s in listed if s.lower() not in by_name]
            if unknown:
                raise ParameterError(
                    "synchronous_standby_names",
                    f"names {unknown[0]}, which is not "
                    f"among standbys ({', '.join(follower)}); add it to standbys "
                    "or remove it from the list",
                )
            sync = tuple(by_name[s.lower()] for s in listed)
        t.params.update({"replication": "sync", "sync": sync, "k": k, "order": "first" if method == "FIRST" else "any"})
        async_ones = [s for s in follower if follower[s] not in sync]
        t.decide(
            "synchronous_standby_names",
            shown,
            f"replication=sync sync={','.join(sync)} k={k} order={t.params['order']}"
            + (f"; {', '.join(async_ones)} asynchronous" if async_ones else ""),
            SSN,
        )
        t.params["stage"] = STAGE[commit]
        what = {
            "received": "received and written to the OS",
            "flushed": "flushed to disk",
            "applied": "replayed, visible to standby queries",
        }[STAGE[commit]]
        t.decide("synchronous_commit", commit, f"stage={STAGE[commit]} ({what})", MATRIX)

    def _reads(self, t: Translation, v: dict, follower: dict) -> None:
        reads = v["reads"]
        if reads == "primary":
            t.decide("reads", reads, "reads=leader (a commit is visible on the primary once acknowledged)", SYNC_REP)
            return
        if reads == "standby":
            t.params["reads"] = "any_follower"
        elif reads in follower:
            t.params["reads"] = follower[reads]
        else:
            raise ParameterError(
                "reads", f"must be primary, standby or a standby's name ({', '.join(follower)}), got {reads!r}"
            )
        t.decide(
            "reads", reads, f"reads={t.params['reads']} (hot standby: a standby answers from what it has replayed)", HOT
        )
        if not self._has_faults(v) and not self._standby_reads_wait(t, len(follower)):
            t.expect("read_your_writes", "VIOLATED", MATRIX)

    @staticmethod
    def _standby_reads_wait(t: Translation, standbys: int) -> bool:
        """Whether a commit might be guaranteed replayed on the standby a read goes to (if
        not, the documentation says standby reads can miss it)."""
        sync, k, target = t.params.get("sync", ()), t.params.get("k", 0), t.params["reads"]
        if t.params.get("stage") != "applied":
            return False
        if target == "any_follower":
            return len(sync) == standbys and k == len(sync)
        return target in sync

    def _failover(self, t: Translation, v: dict) -> None:
        tool = v["failover"]
        faults = v["faults"]
        if tool in ("none", "manual"):
            t.decide(
                "failover",
                tool,
                "failover=none (no promotion during the run; PostgreSQL has no built-in failover)",
                FAILOVER,
            )
            chosen = faults or ("none",)
        else:
            mode = "promote_any" if tool == "promote_any" else "promote_most_up_to_date"
            t.params["failover"] = mode
            why = {
                "patroni": "Patroni lets only a member whose WAL is not behind the others "
                "take the leader key, and fences the old primary through it",
                "repmgr": "repmgrd promotes the standby with the most advanced LSN",
            }.get(tool, "")
            t.decide("failover", tool, f"failover={mode}" + (f" ({why})" if why else ""), TOOLS.get(tool, FAILOVER))
            if tool == "patroni":
                t.params["restart_as_follower"] = True
                t.decide(
                    "failover",
                    tool,
                    "restart_as_follower=true (a restarted member starts PostgreSQL as primary only "
                    "while it holds the leader key; once another member was promoted it starts as a replica)",
                    PATRONI_HA,
                )
            chosen = faults or ("primary_crash",)
            if tool == "patroni":
                t.params["lease"] = True
                t.decide(
                    "failover",
                    tool,
                    "lease=true (the primary holds the leader key: cut off from the DCS, Patroni demotes "
                    "it before the key expires, and only then may another member take the key; this "
                    "assumes Patroni's timing, loop_wait + 2 x retry_timeout <= ttl, and a working "
                    "watchdog; the writes the cut-off primary takes before it steps down are real)",
                    PATRONI,
                )
        implied = "" if faults else " (the default for this failover)"
        apply_faults(t, LEADER_FOLLOWER_FAULTS, chosen, implied)
        if (
            t.params.get("replication") == "async"
            and "failover" in t.params
            and t.params.get("crashes", 0)
            and t.params.get("recover")
        ):
            t.expect("durable_acks", "VIOLATED", FAILOVER)

    @staticmethod
    def _words(t: Translation, v: dict, follower: dict) -> None:
        """Traces in PostgreSQL's words: primary/standby, each standby's sync_state as
        pg_stat_replication shows it at the start, WAL for the shipped log, and a standby's
        acknowledgement as what synchronous_commit makes the commit wait for."""
        sync, k = t.params.get("sync", ()), t.params.get("k", 0)
        any_k = t.params.get("order") == "any"
        roles = {}
        for f in follower.values():
            state = "async" if f not in sync else "quorum" if any_k else "sync" if sync.index(f) < k else "potential"
            roles[f] = f"standby, {state}"
        confirms = CONFIRMS.get(v["synchronous_commit"], "") if sync else ""
        leader_follower_words(
            t, "primary", "standby", roles, confirms=confirms, log="WAL", tool=TOOL_NAMES.get(v["failover"], "")
        )

    @staticmethod
    def _has_faults(v: dict) -> bool:
        return v["failover"] not in ("none", "manual") or v["faults"] not in (None, ("none",))


FRONTEND = Postgres()
