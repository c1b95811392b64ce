"""Riak KV, translated onto the leaderless model.

A key lives on ``n_val`` vnodes. A request goes to the N vnodes currently responsible and
waits for ``r`` (reads) or ``w`` (writes) answers; fallback vnodes stand in for unreachable
primaries (a sloppy quorum) unless ``pr``/``pw`` demand that many *primary* vnodes.
Concurrent writes are kept as siblings (``allow_mult = true``, the default for bucket types)
or resolved by timestamp (``allow_mult = false``; ``last_write_wins = true`` also ignores
causal context). Sources and the mapping: docs/databases.md, Riak KV.
"""

from replcheck.checker.errors import ParameterError

from ..guarantees import unexercised
from .frontend import CLIENTS, LEADERLESS_FAULTS, Frontend, apply_faults, fault_setting, model_offers
from .translation import Setting, Translation, boolean, choice, refuse, whole

REPLICATION = "https://docs.riak.com/riak/kv/2.2.3/developing/app-guide/replication-properties/"
CONFLICTS = "https://docs.riak.com/riak/kv/2.2.3/developing/usage/conflict-resolution/"
READ_REPAIR = "https://docs.riak.com/riak/kv/2.2.3/learn/concepts/active-anti-entropy/"
AAE = "https://docs.riak.com/riak/kv/2.2.3/using/cluster-operations/active-anti-entropy/"
SLOPPY = "https://docs.riak.com/riak/kv/2.2.3/learn/concepts/eventual-consistency/"
# Mechanisms the leaderless model lacks: lifting one is a small change in ``build``.
SIBLINGS_MISSING = (
    "siblings (several concurrent versions kept for the client) are not modelled yet in the leaderless family"
)


def quorum_value(name: str, raw):
    """r, w, pr, pw: a number, or one, quorum, all, default (as Riak accepts them)."""
    text = str(raw).strip().lower()
    if text in ("one", "quorum", "all", "default"):
        return text
    return whole(0, 7)(name, raw)


def resolve(value, n: int) -> int:
    """A symbolic quorum value as a number of vnodes for ``n_val`` = n."""
    return {"one": 1, "quorum": n // 2 + 1, "all": n, "default": n // 2 + 1}.get(value, value)


class Riak(Frontend):
    """Riak KV: n_val, r/w, pr/pw (sloppy or strict quorums), allow_mult/last_write_wins."""

    name = "riak"
    title = "Riak KV"
    docs = REPLICATION
    SETTINGS = (
        Setting("n_val", "replicas per key, 1 to 5", whole(1, 5), 3),
        Setting("r", "read answers needed: a number, one, quorum, all", quorum_value, "quorum"),
        Setting("w", "write acknowledgements needed: a number, one, quorum, all", quorum_value, "quorum"),
        Setting("pr", "primary vnodes a read needs (0: fallbacks count)", quorum_value, 0),
        Setting("pw", "primary vnodes a write needs (0: fallbacks count, a sloppy quorum)", quorum_value, 0),
        Setting(
            "allow_mult",
            "keep concurrent writes as siblings (true, the bucket-type default; with pw=0 a "
            "fallback vnode keeps a write's siblings as a hint and the primary merges them on handoff)",
            boolean,
            True,
        ),
        Setting("last_write_wins", "resolve by timestamp ignoring causal context", boolean, False),
        Setting(
            "anti_entropy",
            "active (the default since Riak 2.0: replicas exchange hash trees) or passive (read repair only)",
            choice("active", "passive"),
            "active",
        ),
        Setting(
            "clock_skew",
            "how many ticks a node's clock may run ahead of the others (allow_mult=false only: "
            "timestamps decide); 0: synchronised clocks",
            whole(0, 3),
            0,
        ),
        fault_setting(LEADERLESS_FAULTS, ("none",)),
        CLIENTS,
    )
    REFUSED = {
        "dw": (
            "the model does not separate a vnode's write from its durable write",
            "leave dw at its default; faults=lose_a_disk models a vnode that loses what it had",
        ),
        "notfound_ok": ("how not-found answers count towards r is not modelled", "leave it at its default"),
        "basic_quorum": ("early not-found answers are not modelled", "leave it at its default"),
        "consistent": ("strongly consistent buckets (ensembles) are not modelled", "check a regular bucket"),
        "dvv_enabled": (
            "the model's causal context is exact for one client session; dotted "
            "version vectors change nothing it shows",
            "leave it out",
        ),
    }

    def build(self, v: dict) -> Translation:
        """Settings -> leaderless parameters (see the module docstring)."""
        n = v["n_val"]
        t = Translation(self.title, "leaderless", {"n": n})
        t.decide("n_val", n, f"n={n}", REPLICATION)
        self._conflicts(t, v)
        r, w = (resolve(v[x], n) for x in ("r", "w"))
        pr, pw = (resolve(v[x], n) for x in ("pr", "pw"))
        for name, value in (("r", r), ("w", w), ("pr", pr), ("pw", pw)):
            if value > n:
                raise ParameterError(name, f"{value} exceeds n_val={n}; lower it")
            if value == 0 and name in ("r", "w"):
                raise ParameterError(name, "must be at least 1")
        # pw/pr above w/r: the coordinator waits for that many primaries, so for that many answers.
        higher = [f"{x}={y}" for x, y, z in (("pw", pw, w), ("pr", pr, r)) if y > z]
        t.params.update({"w": max(w, pw), "r": max(r, pr)})
        t.decide(
            "r, w",
            f"{v['r']}, {v['w']}",
            f"r={max(r, pr)} w={max(w, pw)}"
            + (f" ({', '.join(higher)} above them: that many primary vnodes must answer)" if higher else ""),
            REPLICATION,
        )
        for strict, loose, name in ((pw, w, "pw"), (pr, r, "pr")):
            if 0 < strict < loose:
                raise refuse(
                    name,
                    f"{name}={strict} below {'w' if name == 'pw' else 'r'}={loose} lets "
                    "fallbacks make up part of a quorum, and the model's quorums are either "
                    "all primaries or sloppy",
                    f"set {name}=0 (sloppy) or {name}={'w' if name == 'pw' else 'r'} (strict)",
                )
        sloppy = pw == 0
        if sloppy:
            t.params["sloppy"] = True
        merge = "; the hint keeps the write's siblings, merged on handoff" if v["allow_mult"] else ""
        t.decide(
            "pr, pw",
            f"{v['pr']}, {v['pw']}",
            "sloppy=true (fallback vnodes accept writes for "
            f"unreachable primaries and hand them off later; reads ask the primaries{merge})"
            if sloppy
            else "sloppy=false (a strict quorum of primary vnodes)",
            SLOPPY,
        )
        apply_faults(t, LEADERLESS_FAULTS, v["faults"])
        if pr == 0 and not sloppy:
            if t.params.get("crashes") or t.params.get("partitions"):
                raise refuse(
                    "pr",
                    f"0 with pw={v['pw']}: while a primary is out, a fallback vnode that holds nothing "
                    "may answer a read with not found, which counts towards r (notfound_ok), and the "
                    "model's strict reads ask the primaries only",
                    "set pr equal to r (strict reads), or pw=0 for Riak's sloppy default",
                )
            t.assume("reads ask the primary vnodes (no primary is ever out in these faults)", REPLICATION)
        if v["clients"] is not None:
            t.params["clients"] = v["clients"]
            t.decide("clients", v["clients"], f"clients={','.join(v['clients'])}")
        t.params["read_repair"] = "async"
        t.decide(
            "read repair",
            "(always on)",
            "read_repair=async (stale vnodes that answered a read are sent the newest version after the answer)",
            READ_REPAIR,
        )
        self._anti_entropy(t, v)
        self._refuse_causal_context_under_skew(t, v)
        t.assume(
            "the client coordinates its own requests (the coordinating vnode adds no behaviour beyond "
            "forwarding); a write whose only stored copy is lost counts as lost even while puts to other "
            "vnodes are on their way, as they are when the coordinator is on the node that crashed",
            REPLICATION,
        )
        return t

    @staticmethod
    def _anti_entropy(t: Translation, v: dict) -> None:
        """Active anti-entropy (on by default since Riak 2.0) repairs what hinted handoff and
        read repair miss: a lost message, a vnode that lost its disk. Modelled where the faults
        can leave a replica behind like that; elsewhere an exchange would find nothing."""
        active = v["anti_entropy"] == "active"
        behind = t.params.get("drops") or t.params.get("durable") is False
        if not (active and behind):
            why = (
                "passive: read repair only"
                if not active
                else "no fault here leaves a replica behind that hinted handoff does not fix"
            )
            t.decide("anti_entropy", v["anti_entropy"], f"anti_entropy=false ({why})", AAE)
            return
        if t.params.get("conflict") == "siblings":
            raise refuse(
                "anti_entropy",
                "active anti-entropy (the default) with siblings is not modelled, and under these "
                "faults it is what makes replicas converge",
                "set anti_entropy=passive to check read repair alone, or allow_mult=false",
            )
        t.params["anti_entropy"] = True
        t.decide(
            "anti_entropy",
            "active",
            "anti_entropy=true (replicas compare hash trees and exchange what differs, at any moment)",
            AAE,
        )

    @staticmethod
    def _refuse_causal_context_under_skew(t: Translation, v: dict) -> None:
        """With allow_mult=false and last_write_wins=false, a write that carries the causal
        context its session fetched replaces what it read whatever the clocks say; the model
        orders writes by timestamp alone, which is right for blind writes only."""
        if not t.params.get("skew") or v["last_write_wins"]:
            return
        # writes_follow_reads is exercised exactly by a read and a later write of its key in
        # one session: the sessions whose write carries the context of what they read.
        if "writes_follow_reads" not in unexercised(t.workload()):
            raise refuse(
                "last_write_wins",
                "false with clock_skew: a session that reads a key and then writes it sends the "
                "fetched causal context, which makes its write replace what it read whatever the "
                "clocks say, and the model orders writes by timestamp alone",
                "set last_write_wins=true (timestamps decide, as the model does), or use blind writes "
                "(no read before a write of the same key in one session)",
            )

    @staticmethod
    def _conflicts(t: Translation, v: dict) -> None:
        if v["allow_mult"] and v["last_write_wins"]:
            raise ParameterError(
                "last_write_wins",
                "with allow_mult=true the behaviour is undefined (Riak's documentation); set one of them false",
            )
        if v["allow_mult"]:
            if v["clock_skew"]:
                raise ParameterError(
                    "clock_skew",
                    "with allow_mult=true concurrent writes become siblings and no clock decides; "
                    "remove clock_skew or set allow_mult=false",
                )
            if not model_offers("leaderless", "conflict", "siblings"):
                raise refuse(
                    "allow_mult",
                    f"true (the default for bucket types): {SIBLINGS_MISSING}",
                    "set allow_mult=false to check timestamp resolution, or see the multi_leader model's siblings",
                )
            t.params["conflict"] = "siblings"
            t.decide(
                "allow_mult",
                True,
                "conflict=siblings (concurrent writes are kept side by side, "
                "tracked by version vectors, and a read returns them all)",
                CONFLICTS,
            )
            return
        skew = v["clock_skew"]
        names, shown = "allow_mult, last_write_wins", f"false, {str(v['last_write_wins']).lower()}"
        what = (
            "concurrent writes resolved by timestamp (the newest wins), stamped by perfectly "
            "synchronised clocks (give clock_skew to let a node's clock run ahead)"
        )
        if skew:
            t.params.update({"clock": "coordinator", "skew": skew})
            names, shown = names + ", clock_skew", f"{shown}, {skew}"
            what = (
                f"clock=coordinator skew={skew} (the coordinating node stamps each write from its "
                f"own clock, which may run {skew} tick(s) ahead; the newest timestamp wins, so a "
                "later write stamped by a slower clock loses)"
            )
        t.decide(names, shown, what, CONFLICTS)


FRONTEND = Riak()
