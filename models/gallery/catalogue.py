"""What the gallery shows: the anomaly pages with their fixed twins, and the trade-off table.

Nothing here is a verdict. A ``Config`` names a configuration (a spec under ``specs/`` or a
model with parameters) and the properties to look at; the verdicts come from exploring it
(``runner``). The words are the lesson: a title that names the anomaly, a paragraph in plain
words, and the facts behind each configuration are cited in the spec files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    """One configuration to explore: a spec file (``spec``, relative to the repository) or a
    registered ``model`` with ``params`` (values as a spec file would give them)."""

    key: str
    spec: str = ""
    model: str = ""
    params: tuple[tuple[str, object], ...] = ()
    symmetry: bool = False

    def command(self) -> str:
        """The command line that reproduces this configuration's verdicts."""
        if self.spec:
            return f"replcheck check {self.spec}"
        words = [self.model] + [f"{k}={_shell(v)}" for k, v in self.params]
        return "replcheck check " + " ".join(words) + (" --symmetry" if self.symmetry else "")


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _shell(value) -> str:
    text = _plain(value)
    return f"'{text}'" if " " in text else text


@dataclass(frozen=True)
class Shown:
    """A property of a configuration shown on a page, with the diagram of its trace."""

    config: Config
    prop: str


@dataclass(frozen=True)
class Page:
    """One anomaly: its counterexample (``anomaly``) beside the fixed twin (``twin``)."""

    slug: str
    title: str  # the anomaly in words
    lesson: str  # a paragraph in plain words
    anomaly: Shown
    twin: Shown
    twin_title: str  # the fix in words
    proof: str = ""  # "quorum" or "majority": the z3 argument drawn on this page
    note: str = ""  # an honest caveat about the pairing, where there is one


def _spec(path: str) -> Config:
    return Config(key=path.rpartition("/")[2].removesuffix(".toml"), spec=path)


L = "specs/leaderless/"
LF = "specs/leader_follower/"
ML = "specs/multi_leader/"
LV = "specs/liveness/"

STRICT_PARTITION = Config(
    "strict_quorum_partition",
    model="leaderless",
    symmetry=True,
    params=(("n", 3), ("w", 2), ("r", 2), ("clients", ("w r",)), ("partitions", 1)),
)

PAGES: tuple[Page, ...] = (
    Page(
        "stale-read-small-quorums",
        "A read misses the write that was just acknowledged (W + R ≤ N)",
        "Three replicas hold the value. The write waits for one replica to say yes (W = 1), the "
        "read asks one replica (R = 1). Nothing forces the replica that answers the read to be the "
        "one that took the write, so the client reads the old value right after its own write was "
        "acknowledged. With W = 2 and R = 2 the two groups always share a replica: 2 + 2 > 3.",
        Shown(_spec(L + "n3_w1_r1.toml"), "read_your_writes"),
        Shown(_spec(L + "n3_w2_r2.toml"), "read_your_writes"),
        "Quorums that overlap: W = 2, R = 2 of N = 3",
        proof="quorum",
    ),
    Page(
        "new-old-inversion",
        "One read sees the new value, a later read the old one (no blocking read repair)",
        "W + R > N is not enough for a register that behaves like a single copy. While a write is "
        "still spreading, a read whose quorum includes the one replica that has it returns the "
        "new value; a second read, started after the first returned, asks two replicas that do "
        "not have it yet and returns the old value. Blocking read repair fixes it: before a read "
        "returns, it writes what it saw back to a write quorum.",
        Shown(_spec(L + "n3_w2_r2_inversion.toml"), "linearizable"),
        Shown(_spec(L + "n3_w2_r2_blocking_repair.toml"), "linearizable"),
        "Blocking read repair (the ABD algorithm)",
    ),
    Page(
        "async-failover-loses-write",
        "The leader crashes and an acknowledged write is gone (asynchronous replication)",
        "With asynchronous replication the leader says yes to a write as soon as it is in its own "
        "log. If it crashes before any follower received the write, a follower is promoted and "
        "the write the client was told about no longer exists anywhere that serves. A "
        "synchronous follower that must have flushed the write before the acknowledgement keeps it.",
        Shown(_spec(LF + "async_failover_loses_write.toml"), "durable_acks"),
        Shown(_spec(LF + "sync_flushed_failover_keeps_write.toml"), "durable_acks"),
        "Synchronous replication to a flushed follower",
    ),
    Page(
        "split-brain-without-fencing",
        "Two nodes both act as leader (split brain, no fencing)",
        "A partition cuts the leader off; the failover tool promotes a follower on the other side. "
        "Nothing tells the old leader to stop, so two nodes accept writes at once. With fencing, "
        "each promotion starts a new term and nodes refuse a leader from an older term, so the old "
        "leader steps down as soon as it hears of the new one.",
        Shown(_spec(LF + "split_brain_no_fencing.toml"), "single_leader"),
        Shown(_spec(LF + "sentinel_fenced_async_partition.toml"), "single_leader"),
        "Fencing by term",
        note="The fenced twin replicates asynchronously, so it still loses writes "
        "(durable_acks VIOLATED on its own page of specs). Fencing gives each term one leader "
        "(single_leader HOLDS) and makes the old leader step down once it hears of the new term; "
        "until then both act as leader, so no_split_brain fails in both.",
    ),
    Page(
        "deposed-leader-stale-read",
        "A deposed leader answers a read with stale data (election, local reads)",
        "An elected leader is cut off by a partition; the majority side elects a new leader and "
        "takes a write. The old leader does not know yet that it was deposed and answers a read "
        "from its own copy: the read misses a write that had already completed. A leader that first "
        "confirms with a majority that it still leads (a linearizable read) cannot do that, "
        "because two majorities always share a node.",
        Shown(_spec(LF + "election_majority_local_reads_stale.toml"), "linearizable"),
        Shown(_spec(LF + "election_majority_linearizable.toml"), "linearizable"),
        "Reads confirmed by a majority",
        proof="majority",
    ),
    Page(
        "follower-reads-go-back-in-time",
        "Reads from followers go back in time",
        "Each read goes to whichever follower is at hand. One follower has applied the write, the "
        "other has not yet, so the session reads the new value and then the old one. Pinning the "
        "session to one follower keeps its reads moving forward (though it may still lag behind "
        "the leader).",
        Shown(_spec(LF + "any_follower_reads_go_back.toml"), "monotonic_reads"),
        Shown(_spec(LF + "one_follower_reads_monotonic.toml"), "monotonic_reads"),
        "Every read of the session from the same follower",
    ),
    Page(
        "semisync-received-not-applied",
        "A synchronous follower acknowledged on receipt, and a read there misses the write",
        "Semi-synchronous replication acknowledges a write once the follower has received it, not "
        "once it has applied it. A read sent to that follower right after the acknowledgement sees "
        "the old value. Waiting until the follower has applied the write (PostgreSQL's "
        "remote_apply) makes the follower read its client's own write.",
        Shown(_spec(LF + "semisync_received_follower_reads.toml"), "read_your_writes"),
        Shown(_spec(LF + "sync_remote_apply_follower_reads.toml"), "read_your_writes"),
        "Acknowledge after the follower applied the write",
    ),
    Page(
        "lww-clock-skew",
        "Last-write-wins throws away a later write because a clock runs fast",
        "Two regions accept writes and keep the one with the larger timestamp. One region's clock "
        "runs a tick fast. A write made there is acknowledged; only afterwards a client writes at the "
        "other region, whose slower clock gives the later write the same timestamp, and the tie "
        "goes to the first. Every replica keeps the older value: the later acknowledged write "
        "is silently gone. With synchronised clocks a later write always wins.",
        Shown(_spec(ML + "lww_skew.toml"), "no_lost_updates"),
        Shown(_spec(ML + "lww_synced.toml"), "no_lost_updates"),
        "The same writes with synchronised clocks",
    ),
    Page(
        "siblings-and-merge",
        "Concurrent writes: last-write-wins keeps one, siblings keep both for the application",
        "Two clients write the same key in two regions at about the same time. Last-write-wins makes "
        "the replicas agree by discarding one of the two acknowledged values, even with perfect "
        "clocks. Keeping both as siblings hands the conflict to the application: a client reads "
        "both versions and writes a merge that replaces exactly what it read.",
        Shown(_spec(ML + "lww_synced.toml"), "converged_by_losing_a_write"),
        Shown(_spec(ML + "siblings_merge.toml"), "no_write_discarded_unseen"),
        "Siblings, merged by the client",
        note="The left diagram is a witness (a reachable situation, here a discarded write), not a "
        "violated property: last-write-wins discards by design.",
    ),
    Page(
        "crdt-counter-retry",
        "A CRDT counter counts a retried increment twice",
        "A counter that merges by taking each region's highest count never loses an increment, "
        "whatever order updates arrive in. But the request to increment is not idempotent: when the "
        "network delivers it twice (as a client's retry after a lost reply would), the leader "
        "counts it twice and every replica settles one too high. Without the duplicate, every "
        "increment is counted exactly once.",
        Shown(_spec(ML + "crdt_counter_retry.toml"), "counts_every_increment"),
        Shown(_spec(ML + "crdt_counter.toml"), "counts_every_increment"),
        "The same counter without a duplicated request",
        note="The twin removes the duplicate delivery (and has clients that also read); the model "
        "has no idempotence token, which is the real fix.",
    ),
    Page(
        "sloppy-quorum-stale-read",
        "A sloppy quorum acknowledges a write the home replicas cannot read",
        "A partition cuts off two of the three home replicas. A sloppy quorum lets a spare node "
        "stand in and count towards W, so the write is acknowledged by one home and the spare. After "
        "the partition heals, a read asks two homes that never saw the write, before the spare "
        "hands it over: the client reads the old value. A strict quorum counts only home "
        "replicas, so every acknowledged write is on a home quorum that every read quorum meets.",
        Shown(_spec(L + "n3_w2_r2_sloppy.toml"), "read_your_writes"),
        Shown(STRICT_PARTITION, "read_your_writes"),
        "A strict quorum under the same partition",
    ),
    Page(
        "no-anti-entropy-never-converges",
        "A replica that missed a write stays stale for ever (no anti-entropy)",
        "The network loses the message that would bring a write to the third replica. The write "
        "is still acknowledged by the other two. Without anti-entropy and without read repair "
        "nothing ever sends the value again: the behaviour ends in a loop where the replicas "
        "disagree for ever (a lasso). Anti-entropy, which keeps comparing replicas and copying "
        "what differs, brings every behaviour to agreement.",
        Shown(_spec(LV + "leaderless_no_anti_entropy.toml"), "eventual_convergence"),
        Shown(_spec(LV + "leaderless_anti_entropy.toml"), "eventual_convergence"),
        "Anti-entropy",
    ),
)


# ------------------------------------------------------------------ the trade-off table


@dataclass(frozen=True)
class Column:
    """A guarantee: the property each family checks it by (several: all must hold)."""

    key: str
    label: str
    props: dict = field(default_factory=dict)  # family -> tuple of property names
    scenario: str = "safety"  # which of the row's configurations decides it


COLUMNS: tuple[Column, ...] = (
    Column("ryw", "read-your-writes", {"*": ("read_your_writes",)}),
    Column("mr", "monotonic reads", {"*": ("monotonic_reads",)}),
    Column("lin", "linearizable", {"*": ("linearizable",)}),
    Column("lost", "no lost acknowledged writes", {"*": ("durable_acks", "no_lost_updates")}),
    Column(
        "avail",
        "writes available with a node down",
        {
            "leader_follower": ("write_acknowledged_while_original_leader_down",),
            "leaderless": ("write_acknowledged_while_a_home_is_down",),
            "multi_leader": ("writes_acknowledged_on_both_sides_of_a_partition",),
        },
        "avail",
    ),
    Column(
        "conv",
        "convergence",
        {"leaderless": ("eventual_convergence",), "multi_leader": ("eventual_convergence",)},
        "conv",
    ),
)


@dataclass(frozen=True)
class Row:
    """A replication scheme and the configurations its cells are decided on."""

    key: str
    group: str
    label: str
    model: str
    safety: Config
    avail: Config
    conv: Config | None = None
    page: str = ""  # the anomaly page this row illustrates, if any

    def config(self, scenario: str) -> Config | None:
        """The configuration behind a column's scenario."""
        return {"safety": self.safety, "avail": self.avail, "conv": self.conv}[scenario]


def _lf(key: str, *extra) -> tuple[Config, Config]:
    base = (("failover", "promote_most_up_to_date"), ("crashes", 1), ("recover", True)) + extra
    safety = Config(f"lf_{key}", model="leader_follower", params=(("clients", ("w r r",)), ("reads", "f1")) + base)
    avail = Config(f"lf_{key}_avail", model="leader_follower", params=(("clients", ("w",)),) + base)
    return safety, avail


def _ml(key: str, *conflict) -> tuple[Config, Config, Config]:
    homes = (("homes", ("l0", "l1")),)
    across = Config(
        f"ml_{key}_partition",
        model="multi_leader",
        params=conflict + (("clients", ("w", "w")),) + homes + (("partitions", 1),),
    )
    # The same partition decides availability (writes on both sides) and convergence (after it heals).
    return (
        Config(f"ml_{key}", model="multi_leader", params=conflict + (("clients", ("w r", "w r")),) + homes),
        across,
        across,
    )


def _ll(key: str, w: int, r: int, *extra) -> tuple[Config, Config, Config]:
    nwr = (("n", 3), ("w", w), ("r", r)) + extra
    return (
        Config(f"ll_{key}", model="leaderless", params=nwr + (("clients", ("w r r",)),)),
        Config(f"ll_{key}_avail", model="leaderless", params=nwr + (("clients", ("w",)), ("crashes", 1))),
        Config(f"ll_{key}_conv", model="leaderless", params=nwr + (("clients", ("w",)), ("partitions", 1))),
    )


ROWS: tuple[Row, ...] = (
    Row(
        "lf-async",
        "leader/follower",
        "asynchronous",
        "leader_follower",
        *_lf("async", ("replication", "async")),
        page="async-failover-loses-write",
    ),
    Row(
        "lf-semisync",
        "leader/follower",
        "semi-synchronous (ack on receipt)",
        "leader_follower",
        *_lf("semisync", ("replication", "sync"), ("sync", ("f1",)), ("stage", "received")),
        page="semisync-received-not-applied",
    ),
    Row(
        "lf-sync",
        "leader/follower",
        "synchronous (ack after apply)",
        "leader_follower",
        *_lf("sync", ("replication", "sync"), ("sync", ("f1",)), ("stage", "applied")),
    ),
    Row(
        "ml-lww",
        "multi-leader",
        "last-write-wins (clock 1 tick fast)",
        "multi_leader",
        *_ml("lww", ("conflict", "lww"), ("skew", 1)),
        page="lww-clock-skew",
    ),
    Row(
        "ml-crdt",
        "multi-leader",
        "CRDT (multi-value register)",
        "multi_leader",
        *_ml("crdt", ("conflict", "crdt"), ("type", "mv_register")),
    ),
    Row(
        "ml-siblings",
        "multi-leader",
        "siblings",
        "multi_leader",
        *_ml("siblings", ("conflict", "siblings")),
        page="siblings-and-merge",
    ),
    Row(
        "ll-overlap",
        "leaderless",
        "W + R > N (3, 2, 2)",
        "leaderless",
        *_ll("w2r2", 2, 2),
        page="stale-read-small-quorums",
    ),
    Row(
        "ll-small",
        "leaderless",
        "W + R ≤ N (3, 1, 1)",
        "leaderless",
        *_ll("w1r1", 1, 1),
        page="stale-read-small-quorums",
    ),
    Row(
        "ll-sloppy",
        "leaderless",
        "sloppy quorum (3, 2, 2, one spare)",
        "leaderless",
        _spec(L + "n3_w2_r2_sloppy.toml"),
        _spec(L + "n3_w2_r2_sloppy.toml"),
        _spec(L + "n3_w2_r2_sloppy.toml"),
        page="sloppy-quorum-stale-read",
    ),
)

SCENARIOS = {
    "safety": "leader/follower: a session writes then reads twice from follower f1, one crash with "
    "failover; multi-leader: two sessions each write then read, in two regions; leaderless: a "
    "session writes then reads twice, no faults (sloppy: a partition, two homes cut off)",
    "avail": "leader/follower: the leader crashes (failover promotes a follower); multi-leader: a "
    "partition between the regions; leaderless: one home replica crashes (sloppy: a partition)",
    "conv": "a partition that may start and, being fair, heals; messages wait rather than get lost (a lost "
    "message without anti-entropy never converges: see the anti-entropy page)",
}


def all_configs() -> list[Config]:
    """Every configuration the gallery explores, each once, in a fixed order."""
    seen: dict[str, Config] = {}
    for page in PAGES:
        for shown in (page.anomaly, page.twin):
            seen.setdefault(shown.config.key, shown.config)
    for row in ROWS:
        for scenario in ("safety", "avail", "conv"):
            config = row.config(scenario)
            if config is not None:
                seen.setdefault(config.key, config)
    return list(seen.values())
