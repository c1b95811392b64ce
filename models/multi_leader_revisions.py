"""CouchDB's conflict model for the multi-leader family (``conflict = "revisions"``).

Each document keeps a revision tree; concurrent updates on two replicas become two branches,
and replication merges the trees, keeping every leaf. A read returns one leaf, the *winner*,
chosen by the same deterministic rule everywhere: the revision with the longest revision
history wins, and between equally long histories the higher revision id (ASCII order) wins.
The losing leaves are kept (``?conflicts=true`` lists them) until the application resolves the
conflict (https://docs.couchdb.org/en/stable/replication/conflicts.html;
https://guide.couchdb.org/draft/conflicts.html).

In the model a revision is its path in the tree, written as a 0/1 vector with one entry per
write of the workload (every write writes its own value, so it is one edit of the tree): 1
where that write is on the path. A revision is an ancestor of another exactly when its entries
are included in the other's, so the family's vector order is the tree's ancestry, and the
history length is the number of ones. (One entry per leader would not do: a leader that
extends another leader's branch would seem to descend from its own earlier edit on a third
branch, and replication would drop that leaf.) A write at a leader extends that leader's
current winner -- a client that reads the document there and updates it with the ``_rev`` it
got -- so the new revision replaces the winner and every other leaf stays.
Revision ids are content hashes, unrelated to the model's abstract values, so the initial
state chooses which way a tie between equally long histories goes (by the values as numbered,
or reversed; see ``leaderless_clocks``). The anomaly: a client's acknowledged write can lose to
a concurrent revision from another region, and its next read returns the other value
(read_your_writes fails) although the write is still kept as a losing revision.
"""

from replcheck.checker import sometimes
from replcheck.checker.errors import ParameterError

from .leaderless_clocks import tie_rank
from .runtime import World, replace_at


def _history(vector: tuple) -> int:
    return sum(vector)


class RevisionsMixin:
    """The CouchDB mode; mixed into ``SiblingsMultiLeader`` (see ``multi_leader``)."""

    # A read returns one revision, not siblings; no client merges siblings by writing.
    read_returns_siblings = None
    client_merges_siblings = None

    def __init__(self, **given):
        super().__init__(**given)
        if self.cfg.dups:
            # A duplicated update carries a _rev that is no longer current: CouchDB answers 409
            # Conflict. The model applies a write on delivery, so it would apply it twice.
            raise ParameterError(
                "dups",
                "a duplicated update would be applied twice, where CouchDB refuses the second with a "
                "conflict (its _rev is no longer current); remove dups for conflict = revisions",
            )
        self.slot = {value: i for i, value in enumerate(sorted(self.writes))}  # write -> its entry
        self.zero = (0,) * len(self.slot)

    def init_states(self):
        """One initial world per order of the values an equal-history tie follows."""
        for world in super().init_states():
            for ties in (1, -1):
                yield world._replace(extra=world.extra._replace(ties=ties))

    def session_context(self, world: World, client: int, key: int) -> tuple:
        """None: a write extends its leader's winner, not the session's context."""
        return ()

    def winner(self, state, ties: int):
        """The leaf with the longest history; equal lengths by the run's value order."""
        return max(state, key=lambda leaf: (_history(leaf[0]), tie_rank(ties, leaf[1])))

    def apply_write(self, ctx, leader, state, value, cctx):
        """The new revision extends the winner (and replaces it); the other leaves stay."""
        base, _ = self.winner(state, ctx.world.extra.ties)
        vector = replace_at(base, self.slot[value], 1)
        kept = [leaf for leaf in state if leaf[0] != base]
        return tuple(sorted(kept + [(vector, value)])), vector

    def on_node_message(self, ctx, node: int, local: tuple, msg):
        """A read is answered with the winner only; everything else as in siblings mode."""
        if msg.kind != "read":
            return super().on_node_message(ctx, node, local, msg)
        key, tag = msg.body
        vector, value = self.winner(local[key], ctx.world.extra.ties)
        ctx.send(msg.src, "value", tag, value, vector)
        return local

    @sometimes
    def losing_revision_kept(self, world: World) -> bool:
        """When quiet, every replica agrees and still keeps a losing revision beside the winner."""
        if not self._quiescent(world) or any(n != world.nodes[0] for n in world.nodes[1:]):
            return False
        return any(len(state) > 1 for state in world.nodes[0])
