"""Datacenters and consistency levels for the leaderless family (Cassandra's
NetworkTopologyStrategy).

Home replicas are placed in named datacenters (``dcs = ["dc1:3", "dc2:3"]``: three replicas
of every key in each; homes are numbered datacenter by datacenter). Each client runs its
operations from a datacenter (``client_dcs``; a script word ending in ``@DC`` runs that one
operation from DC): that is where its coordinator is, and the datacenter the LOCAL levels
count in. A consistency level says which acknowledgements (writes) or replies (reads)
complete an operation, following Cassandra's definitions
(https://docs.datastax.com/en/cassandra-oss/2.2/cassandra/dml/dmlConfigConsistency.html):

* ``ONE`` / ``QUORUM`` / ``ALL``: 1, a majority (sum of the replication factors // 2 + 1),
  or all of the key's replicas, wherever they are;
* ``LOCAL_ONE`` / ``LOCAL_QUORUM``: 1, or a majority of the replicas in the operation's own
  datacenter (reads then ask only those replicas);
* ``EACH_QUORUM``: a majority of the replicas in every datacenter.

A write is still sent to every replica in every datacenter; the level only decides when the
client is told it succeeded. With datacenters, a partition cuts whole datacenters (with the
clients that run from them) off from the others: the named fault "partition between
datacenters".
"""

from typing import NamedTuple

from replcheck.checker.errors import ParameterError

LEVELS = ("", "ONE", "QUORUM", "ALL", "LOCAL_ONE", "LOCAL_QUORUM", "EACH_QUORUM")
LOCAL_LEVELS = ("LOCAL_ONE", "LOCAL_QUORUM")


class Topology(NamedTuple):
    """Datacenter names, each home's datacenter, and each datacenter's bitmask of homes."""

    names: tuple
    dc_of: tuple
    masks: tuple

    @property
    def placed(self) -> bool:
        """Whether the user named datacenters (otherwise one implicit datacenter)."""
        return self.names != ("dc1",) or len(self.masks) > 1


def parse_dcs(p: dict, given: dict) -> Topology:
    """The topology from ``dcs`` (or one datacenter of ``n`` homes); errors name the fix."""
    if not p["dcs"]:
        return Topology(("dc1",), (0,) * p["n"], ((1 << p["n"]) - 1,))
    names, sizes = [], []
    for entry in p["dcs"]:
        name, colon, size = entry.partition(":")
        if not colon or not name.isidentifier() or not size.isdigit() or int(size) < 1:
            raise ParameterError(
                "dcs", f'cannot read {entry!r}; write each datacenter as NAME:REPLICAS, e.g. ["dc1:3", "dc2:3"]'
            )
        if name in names:
            raise ParameterError("dcs", f"datacenter {name!r} is named twice; give each once")
        names.append(name)
        sizes.append(int(size))
    total = sum(sizes)
    if total > 7:
        raise ParameterError("dcs", f"{total} replicas in all; at most 7 (larger values explode the state space)")
    if "n" in given and p["n"] != total:
        raise ParameterError("n", f"n={p['n']} but dcs place {total} replicas; remove n (dcs decides it)")
    dc_of, masks, start = [], [], 0
    for dc, size in enumerate(sizes):
        dc_of += [dc] * size
        masks.append(((1 << size) - 1) << start)
        start += size
    return Topology(tuple(names), tuple(dc_of), tuple(masks))


def check_levels(p: dict, given: dict) -> None:
    """A level replaces its count: giving both, or a level with a sloppy quorum, is refused."""
    for level, count in (("write_cl", "w"), ("read_cl", "r")):
        if p[level] and count in given:
            raise ParameterError(level, f"give either {count} or {level}, not both; remove {count}")
    if p["sloppy"] and (p["write_cl"] or p["read_cl"] or p["dcs"]):
        raise ParameterError(
            "sloppy",
            "sloppy quorums are not modelled with datacenters or "
            "consistency levels (Cassandra does not count hints towards "
            "them); remove sloppy",
        )


def split_scripts(p: dict, topo: Topology) -> tuple[tuple, tuple]:
    """The scripts without ``@DC`` suffixes, and each operation's datacenter index."""
    homes = p["client_dcs"]
    if homes and len(homes) != len(p["clients"]):
        raise ParameterError(
            "client_dcs", f"{len(homes)} datacenters for {len(p['clients'])} client scripts; give one per client"
        )
    for name in homes:
        _dc_index(topo, name, "client_dcs")
    scripts, dcs = [], []
    for c, text in enumerate(p["clients"]):
        home = topo.names.index(homes[c]) if homes else 0
        words, where = [], []
        for word in text.split():
            body, at, dc = word.partition("@")
            words.append(body)
            where.append(_dc_index(topo, dc, "clients") if at else home)
        scripts.append(" ".join(words))
        dcs.append(tuple(where))
    return tuple(scripts), tuple(dcs)


def _dc_index(topo: Topology, name: str, field: str) -> int:
    if name not in topo.names:
        raise ParameterError(
            field, f"unknown datacenter {name!r}; the datacenters are {', '.join(topo.names)} (see dcs)"
        )
    return topo.names.index(name)


def _majority(mask: int) -> int:
    return bin(mask).count("1") // 2 + 1


def satisfied(level: str, count: int, mask: int, topo: Topology, dc: int) -> bool:
    """Whether the replicas in ``mask`` complete an operation at ``level`` run from datacenter
    ``dc`` (``count``: the w or r an empty level stands for)."""
    got = bin(mask).count("1")
    if not level:
        return got >= count
    everyone = sum(topo.masks)
    if level == "ONE":
        return got >= 1
    if level == "QUORUM":
        return got >= _majority(everyone)
    if level == "ALL":
        return mask & everyone == everyone
    local = mask & topo.masks[dc]
    if level == "LOCAL_ONE":
        return local != 0
    if level == "LOCAL_QUORUM":
        return bin(local).count("1") >= _majority(topo.masks[dc])
    return all(bin(mask & m).count("1") >= _majority(m) for m in topo.masks)  # EACH_QUORUM
