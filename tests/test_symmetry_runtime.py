"""The runtime's symmetry reduction (``models/runtime.py``): ``permute_mask`` against its
definition, and relabelling through the per-part memos against relabelling from scratch."""

import itertools

from hypothesis import given, settings, strategies as st

from replcheck.checker import check
from replcheck.models.leaderless import Leaderless
from replcheck.models.runtime import Msg, World, permute_mask


def by_definition(mask: int, perm: tuple) -> int:
    """Bit i of mask moves to bit perm[i]; bits at len(perm) and above stay where they are."""
    out = 0
    for bit in range(mask.bit_length()):
        if mask >> bit & 1:
            out |= 1 << (perm[bit] if bit < len(perm) else bit)
    return out


@st.composite
def masks_and_perms(draw):
    width = draw(st.integers(1, 12))  # tables up to 10 bits, the loop beyond
    perm = tuple(draw(st.permutations(range(width))))
    return draw(st.integers(0, (1 << (width + 4)) - 1)), perm


@settings(max_examples=300, deadline=None)
@given(masks_and_perms())
def test_permute_mask_moves_each_bit_to_its_image(case):
    mask, perm = case
    assert permute_mask(mask, perm) == by_definition(mask, perm)


def from_scratch(model, world, perm):
    """Relabelling written out here, without the runtime's memos: every node, message,
    operation and mask renamed through the family's hooks."""
    n = model.node_count
    nodes = [None] * n
    for old, new in enumerate(perm):
        nodes[new] = model.relabel_local(world.nodes[old], perm)
    actor = lambda a: perm[a] if a < n else a
    net = tuple(sorted(Msg(actor(m.dst), actor(m.src), m.kind, model.relabel_body(m, perm)) for m in world.net))
    clients = tuple(c if c.op is None else c._replace(op=model.relabel_op(c.op, perm)) for c in world.clients)
    f = world.faults
    faults = f._replace(down=by_definition(f.down, perm), side=by_definition(f.side, perm))
    return World(tuple(nodes), clients, net, world.history, faults, model.relabel_extra(world.extra, perm))


def test_memoised_relabelling_equals_relabelling_from_scratch():
    # A sloppy quorum, so that hints name nodes in replicas, messages and operations; the
    # memos are warmed by a real symmetric search first.
    shared = Leaderless(n=3, w=2, r=2, sloppy=True, spares=1, crashes=1, clients=["w", "r"])
    result = check(shared, max_depth=6, symmetry=shared.canonical, properties=["read_your_writes"])
    assert result.stats.states > 300 and shared._part_memo_set.net
    worlds, frontier = [], list(shared.init_states())
    for _ in range(6):
        frontier = [succ for world in frontier for _, succ in shared.next_steps(world)]
        worlds.extend(frontier[:: max(1, len(frontier) // 80)])
    perms = list(itertools.permutations(range(shared.node_count)))
    for world in worlds:
        for perm in perms:
            assert shared.relabel(world, perm) == from_scratch(shared, world, perm)
