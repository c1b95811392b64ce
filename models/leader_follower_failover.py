"""How a leader/follower model replaces a leader that is down or cut off: one strategy
object per ``failover`` setting, so that the model asks its strategy instead of switching on
mode flags.

* ``NoFailover``: nothing replaces the leader (PostgreSQL has no built-in failover); a node
  that follows someone else is re-pointed at the current leader when it can reach it.
* ``PromoteAny`` / ``PromoteMostUpToDate``: an external tool (Sentinel, orchestrator,
  Patroni-like) running with the majority side promotes a live follower it can see, any or
  the most up to date, and re-points the others; terms fence only if ``fencing`` is on. With
  ``lease`` (Patroni's leader key) a live leader cut off from the tool first steps down
  ("demote"), and only then may the tool promote another node.
* ``Election``: a follower that hears from no leader stands, and a majority of voters whose
  logs are no more up to date elect it (Raft, MongoDB protocol version 1); terms always
  fence, a newer term's leader is followed at once, and a leader counts acknowledgements only
  for entries of its own term.

The tool and an election are atomic steps that look at the nodes they can reach (as MongoDB's
RaftMongo.tla does with ``BecomePrimaryByMagic``).
"""

from .leader_follower_state import (
    ARBITER,
    FOLLOWER,
    LEADER,
    NO_LEADER,
    NOOP,
    Entry,
    Extra,
    Node,
    as_follower,
    common_prefix,
    up_to_date,
)
from .runtime import Action, Ctx, World, replace_at


class Failover:
    """The strategy interface, with the behaviour of a system that has no failover."""

    elects = False  # leaders are elected (Raft rules) rather than appointed

    def __init__(self, model):
        self.model = model

    def steps(self, world: World):
        """The failover's own steps: by default only re-pointing nodes at the current leader."""
        yield from self._rejoins(world)

    def on_newer_term(self, local: Node, term: int, sender: int) -> tuple[Node, bool]:
        """A node learns of a newer term from ``sender``'s log shipment: (its new state, whether
        it stops handling the message). Appointed leaders: it stops following (or leading)
        until the tool re-points it."""
        return as_follower(local, term, NO_LEADER), True

    def lagging(self, follower: Node, leader: Node, node: int) -> bool:
        """Whether leader ``node`` should re-send its log to ``follower``."""
        return (
            follower.role == FOLLOWER
            and follower.term == leader.term
            and follower.leader == node
            and self.model.lags(follower, leader)
        )

    # --- shared by the appointing strategies ---------------------------------------------------
    def _rejoins(self, world: World):
        """The tool re-points a node that follows someone else (an old leader included)."""
        m = self.model
        current = world.extra.leader
        leader = world.nodes[current]
        if leader.role != LEADER or not m.node_is_up(world, current):
            return
        for node, local in enumerate(world.nodes):
            if (
                node == current
                or local.role == ARBITER
                or (local.role == FOLLOWER and local.leader == current and local.term == leader.term)
            ):
                continue
            if not m.reachable(world, current, node):
                continue
            new, gone = repoint(m, local, node, current, leader.term, leader.log)
            world2 = world._replace(nodes=replace_at(world.nodes, node, new))
            ctx = Ctx(m, world2, current)
            ctx.send(node, "append", *m.shipment(leader))
            lost = ((m.node_name(node), gone),) if gone else ()
            yield Action("rejoin", node, None, (current, leader.term, lost), m), ctx.finish(world2)


def repoint(model, local: Node, node: int, leader: int, term: int, leader_log: tuple):
    """``local`` now follows ``leader``: what it has beyond the leader's log is rolled back.
    Returns the new state and the entries rolled back."""
    same = common_prefix(local.log, leader_log)
    gone = local.log[same:]
    new = Node(
        FOLLOWER,
        term,
        leader,
        local.log[:same],
        min(local.flushed, same),
        min(local.applied, same),
        rolled_back=tuple(sorted(local.rolled_back + tuple(e.value for e in gone if e.key != NOOP))),
        known_commit=min(local.known_commit, same),
    )
    return model.settle(node, new), gone


class NoFailover(Failover):
    """``failover = "none"``."""


class PromoteAny(Failover):
    """``failover = "promote_any"``: the tool promotes any live follower it can see."""

    def steps(self, world: World):
        """Promotions when the leader the tool knows is out of its sight, then re-pointing
        nodes that follow someone else at the current leader; under a lease, first the cut-off
        leader's stepping down."""
        if self.model.cfg.lease:
            yield from self._lease_expiries(world)
        yield from self._promotions(world)
        yield from self._rejoins(world)

    def _lease_expiries(self, world: World):
        """A live leader the tool cannot see cannot renew its lease: it steps down (Patroni demotes
        PostgreSQL when it cannot update the leader key, before the key expires)."""
        m = self.model
        current = world.extra.leader
        leader = world.nodes[current]
        if leader.role == LEADER and m.node_is_up(world, current) and not self._visible(world, current):
            demoted = as_follower(leader, leader.term, NO_LEADER)
            after = world._replace(nodes=replace_at(world.nodes, current, demoted))
            yield Action("demote", current, None, None, m), after

    def candidates(self, world: World, visible: list[int]) -> list[int]:
        """The followers the tool may promote among those it sees."""
        return visible

    def _visible(self, world: World, node: int) -> bool:
        """The tool runs with the majority side: it sees up nodes not cut off."""
        return self.model.node_is_up(world, node) and not world.faults.side >> node & 1

    def _promotions(self, world: World):
        """The tool promotes a follower when the leader it knows is out of sight."""
        m = self.model
        current = world.extra.leader
        if world.nodes[current].role == LEADER and (
            self._visible(world, current) or (m.cfg.lease and m.node_is_up(world, current))
        ):
            return  # still in sight, or (lease) still holding the leader key
        # Under a lease the old leader, once it stepped down, may take the free key again itself.
        rejoins = m.cfg.lease and world.nodes[current].role != LEADER
        visible = [i for i in range(m.node_count) if (i != current or rejoins) and self._visible(world, i)]
        term = world.extra.term + 1
        for chosen in self.candidates(world, visible):
            leader = world.nodes[chosen]
            log = leader.log
            nodes = list(world.nodes)
            nodes[chosen] = Node(
                LEADER,
                term,
                chosen,
                log,
                leader.flushed if m.lazy else len(log),  # a lazy leader flushes in its own time
                len(log),
                len(log),
                (0,) * m.node_count,
                leader.rolled_back,
                connected=m.connected_mask(chosen, visible),
            )
            repointed, lost = [], []
            for other in visible:  # the tool points every node it sees at the new leader
                if other != chosen:
                    nodes[other], gone = repoint(m, nodes[other], other, chosen, term, log)
                    repointed.append(other)
                    if gone:
                        lost.append((m.node_name(other), gone))
            ctx = Ctx(m, world, chosen)
            m.ship(ctx, chosen, nodes[chosen])
            after = world._replace(nodes=tuple(nodes), extra=Extra(term, chosen, world.extra.tokens))
            yield Action("promote", chosen, None, (term, tuple(repointed), tuple(lost)), m), ctx.finish(after)


class PromoteMostUpToDate(PromoteAny):
    """``failover = "promote_most_up_to_date"``: the tool promotes one of the followers it sees
    whose log is most up to date (Sentinel's replication offset, orchestrator's GTID set)."""

    def candidates(self, world: World, visible: list[int]) -> list[int]:
        """Only the visible nodes whose logs are most up to date (last entry's term, then
        length); when several tie, promoting each is a separate step."""
        if not visible:
            return visible
        best = max(up_to_date(world.nodes[i].log) for i in visible)
        return [i for i in visible if up_to_date(world.nodes[i].log) == best]


class Election(Failover):
    """``failover = "election"``: Raft-style elections among the voting members."""

    elects = True

    def steps(self, world: World):
        """Only elections: there is no tool to re-point nodes; a node follows a leader of a
        newer term once that leader's log shipment reaches it (``on_newer_term``)."""
        yield from self._elections(world)

    def on_newer_term(self, local: Node, term: int, sender: int) -> tuple[Node, bool]:
        """Raft: a newer term's leader is followed at once."""
        return as_follower(local, term, sender), False

    def lagging(self, follower: Node, leader: Node, node: int) -> bool:
        """Also a data node of an older term, whatever it follows: the shipment carries the
        newer term, which makes it follow this leader (Raft's heartbeat does the same)."""
        return follower.term < leader.term or (
            follower.term == leader.term and follower.leader == node and self.model.lags(follower, leader)
        )

    def _elections(self, world: World):
        """A node that hears from no leader of its term or newer stands; every node it reaches
        learns the new term, and those whose logs are no more up to date vote for it (an
        arbiter, holding no log, votes for any candidate)."""
        m = self.model
        current, down, side = world.nodes, world.faults.down, world.faults.side
        leaders = [v for v, node in enumerate(current) if node.role == LEADER]
        for cand, local in enumerate(current):
            if local.role != FOLLOWER or down >> cand & 1:
                continue
            # m.reachable(world, cand, v) for an up candidate, inlined: this runs per state.
            mine = side >> cand & 1
            # Most states have a reachable leader: look at the few leaders before the rest.
            for v in leaders:
                if (
                    v != cand
                    and current[v].term >= local.term
                    and not down >> v & 1
                    and (not side or side >> v & 1 == mine)
                ):
                    break
            else:
                v = None
            if v is not None:
                continue
            reach = [
                v
                for v in range(m.node_count)
                if v != cand and not down >> v & 1 and (not side or side >> v & 1 == mine)
            ]
            mine = up_to_date(local.log)
            voters = [v for v in reach if up_to_date(world.nodes[v].log) <= mine]
            if 1 + len(voters) < m.majority:
                continue
            term = max([local.term] + [world.nodes[v].term for v in reach]) + 1
            nodes = list(world.nodes)
            for v in reach:
                f = world.nodes[v]
                nodes[v] = f._replace(term=term) if f.role == ARBITER else as_follower(f, term, cand)
            log = local.log + (Entry(term, NOOP, 0),)
            leader = Node(
                LEADER,
                term,
                cand,
                log,
                len(log),
                len(log),
                0,
                (0,) * m.node_count,
                local.rolled_back,
                connected=m.connected_mask(cand, reach),
                known_commit=local.known_commit,
            )
            ctx = Ctx(m, world, cand)
            if not m.is_sync:
                leader = leader._replace(commit=len(log))
            nodes[cand] = leader
            m.ship(ctx, cand, leader)
            yield (
                Action("elect", cand, None, (term, tuple(sorted([cand] + voters))), m),
                ctx.finish(world._replace(nodes=tuple(nodes))),
            )


STRATEGIES = {
    "none": NoFailover,
    "promote_any": PromoteAny,
    "promote_most_up_to_date": PromoteMostUpToDate,
    "election": Election,
}


def strategy_for(model, failover: str) -> Failover:
    """The strategy object for the ``failover`` setting of ``model``."""
    return STRATEGIES[failover](model)
