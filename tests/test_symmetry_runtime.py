"""The runtime's symmetry reduction (``models/runtime.py``): ``permute_mask`` against its
definition, and relabelling through the per-part memos against relabelling from scratch."""

import itertools

from hypothesis import given, settings, strategies as st

from replcheck.checker import check
from replcheck.models.leaderless import Leaderless
from replcheck.models.runtime import permute_mask


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


def test_memoised_relabelling_equals_relabelling_from_scratch():
    # A sloppy quorum, so that hints name nodes in replicas, messages and operations.
    params = dict(n=3, w=2, r=2, sloppy=True, spares=1, crashes=1, clients=["w", "r"])
    shared = Leaderless(**params)
    worlds = []
    result = check(shared, max_depth=5, properties=["read_your_writes"])
    assert result.stats.states > 300
    frontier = list(shared.init_states())
    for _ in range(5):
        frontier = [succ for world in frontier for _, succ in shared.next_steps(world)]
        worlds.extend(frontier[:: max(1, len(frontier) // 60)])
    perms = list(itertools.permutations(range(shared.node_count)))
    for world in worlds:
        for perm in perms[:: max(1, len(perms) // 6)]:
            fresh = Leaderless(**params)  # empty memos
            assert shared.relabel(world, perm) == fresh.relabel(world, perm)
            assert shared.canonical(world) == fresh.canonical(world)
