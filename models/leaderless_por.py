"""Ample sets of the leaderless family, for partial-order reduction (``--por``).

The protocol is the one of ``leaderless.py``; this module only says which of its steps may be
explored in one order instead of all. It reads the actions the model already produces
(``Action.kind`` and ``Action.msg``) and the world, and returns an ample set (see
``checker/por.py`` for the conditions) or None.

Which steps commute, and why the sets below are persistent (C1). Independence is taken up to
*stale replies*: a message to a client that its current operation will ignore (the client has
finished its script, or the reply's tag names an earlier operation). Delivering one only removes it, and
the runtime removes all of a client's messages when its operation completes, so two worlds
that differ only in stale replies have the same steps, the same successors up to stale
replies, and the same value of every property: the relation is a bisimulation, provided no
message can be dropped or duplicated (that would spend a budget on a stale reply), and the
reduction below is applied only then. Up to it:

* Delivering a stale reply is a step that changes nothing, independent of every other step
  (no partition can start or is in force, so nothing can disable it), so it alone is an
  ample set.
* ``put`` deliveries to one home replica keep the newer version (a maximum), so they commute
  with one another and with every step that does not touch that replica; the acknowledgement
  each sends commutes with its client's other steps up to stale replies (if the client
  completes first, the acknowledgement arrives stale). They are persistent as a set when
  nothing that does not commute with them can happen first: no ``get`` to that replica for
  the same key is in flight or can still be sent (no client has a read of it not yet
  started), the replica cannot crash (the crash budget is spent), no anti-entropy, no spare
  nodes (hinted hand-off).

Visibility (C2), by property:

* the guarantees and the two ``Witnesses`` read only the history; none of the steps above
  appends to it.
* ``durable_acks`` (and ``no_acknowledged_write_lost``, which includes it) reads the
  replicas' stores: a ``put`` can make a lost write held again, so ``put`` deliveries are
  visible to it and are never offered while it is checked.
* ``write_acknowledged_while_a_home_is_down`` reads the acknowledgement mark that lasts one
  state. Every step clears it, so no reduction is offered in a marked state; the steps above
  never set it, and the mark a client's acknowledgement sets does not depend on them, so
  they commute with that acknowledgement up to the mark itself, which is all the witness
  needs (the marked state is still reached, one ample step later).

Any other property (a subclass's own), drops, duplicates, or a partition that may still
start or is in force: no reduction (None).
"""

HISTORY_PROPERTIES = frozenset(
    {
        "read_your_writes",
        "monotonic_reads",
        "monotonic_writes",
        "writes_follow_reads",
        "no_lost_updates",
        "linearizable",
        "write_acknowledged",
        "read_returns_a_write",
    }
)
STORE_PROPERTIES = frozenset({"durable_acks", "no_acknowledged_write_lost"})
MARK_PROPERTIES = frozenset({"write_acknowledged_while_a_home_is_down"})
KNOWN = HISTORY_PROPERTIES | STORE_PROPERTIES | MARK_PROPERTIES


def leaderless_ample_steps(model, world, steps: list, observed: frozenset):
    """The indices of an ample set of ``steps`` out of ``world``, or None (see the module
    docstring for why each set is persistent and invisible)."""
    if _marked(world) or not observed <= KNOWN or not _quiet_network(model, world) or not _plain_mechanisms(model):
        return None
    for i, (action, _) in enumerate(steps):
        if action.kind == "deliver" and _stale_reply(model, world, action.msg):
            return [i]
    if observed & STORE_PROPERTIES or model.spare_count or world.faults.crashes < model.cfg.crashes:
        return None
    read_later = _keys_read_later(model, world)
    for node in range(model.n):
        here = [i for i, (a, _) in enumerate(steps) if a.kind == "deliver" and a.msg.dst == node]
        if here and all(_put_of_unread_key(steps[i][0].msg, read_later) for i in here):
            return here
    return None


def _quiet_network(model, world) -> bool:
    """No drop, duplicate or partition can happen any more, and none is in force."""
    p, f = model.params, world.faults
    return (
        f.drops >= p["drops"]
        and f.dups >= p["dups"]
        and not f.side
        and f.partitions >= p["partitions"]
        and not p["anti_entropy"]
    )


def _marked(world) -> bool:
    """The availability witness's one-state acknowledgement mark is set (the family's
    ``Extra.acked``; the rest of ``Extra`` is constant under the plain mechanisms)."""
    return world.extra is not None and world.extra.acked


def _plain_mechanisms(model) -> bool:
    """The argument above was made for the global clock, one datacenter, no hint timers and
    last-write-wins; the later mechanisms (clocks, datacenters, hint windows, siblings) add
    steps and state it does not cover, so they get no reduction rather than an unsound one."""
    p = model.params
    return (
        p.get("clock", "global") == "global"
        and not p.get("dcs")
        and not p.get("hint_expiries")
        and p.get("conflict", "lww") == "lww"
    )


def _stale_reply(model, world, msg) -> bool:
    """A reply its client will ignore for ever: its tag names an operation before the
    current one, or the client has finished its script."""
    c = msg.dst - model.node_count
    if c < 0:
        return False
    pc = world.clients[c].pc
    return msg.body[0] < pc or pc >= len(model.scripts[c])


def _keys_read_later(model, world) -> set:
    """The keys some client may still send a ``get`` for: reads of its script not started."""
    keys = set()
    for c, client in enumerate(world.clients):
        start = client.pc + (client.op is not None)
        keys.update(op.key for op in model.scripts[c][start:] if op.kind == "r")
    return keys


def _put_of_unread_key(msg, read_later: set) -> bool:
    return msg.kind == "put" and msg.body[0] not in read_later
