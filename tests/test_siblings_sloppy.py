"""Siblings (Riak allow_mult = true) together with a sloppy quorum and hinted handoff: the
refusal is gone, Riak's defaults are checked, a small trace by hand, and a handoff that
merges the hinted siblings into the home instead of overwriting what it holds."""

import re

from replcheck.checker import check
from replcheck.checker.cli import main
from replcheck.models.leaderless import Leaderless, LeaderlessSiblings


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def walk(model, labels):
    """Follow the steps named by ``labels`` (each the start of a step's label) from the initial
    world; returns the worlds after each step."""
    world = next(iter(model.init_states()))
    worlds = []
    for want in labels:
        steps = [(a, w) for a, w in model.next_steps(world) if str(a).startswith(want)]
        assert steps, f"no step {want!r} among {[str(a) for a, _ in model.next_steps(world)]}"
        world = steps[0][1]
        worlds.append(world)
    return worlds


def test_siblings_with_a_sloppy_quorum_are_no_longer_refused():
    model = Leaderless(conflict="siblings", sloppy=True, spares=2)
    assert isinstance(model, LeaderlessSiblings) and model.spare_count == 2


def test_riak_defaults_are_checked(capsys):
    code, out, err = run(capsys, "check", "riak", "--quiet")
    assert code == 0 and "not modelled" not in err
    assert "conflict=siblings" in out and "sloppy=true" in out
    assert re.search(r"read_your_writes +HOLDS", out)  # no faults: r + w > n_val
    assert re.search(r"no_write_discarded_unseen +HOLDS", out)


def test_riak_defaults_under_a_partition_miss_a_write_but_keep_it(capsys):
    code, out, _ = run(capsys, "check", "riak", "faults=partition", "--symmetry", "--quiet")
    assert code == 1  # a property fails (read_your_writes), as documented
    assert re.search(r"read_your_writes +VIOLATED", out)
    assert re.search(r"no_write_discarded_unseen +HOLDS", out)
    assert re.search(r"durable_acks +HOLDS", out)


def test_a_hinted_write_by_hand():
    # n=3, w=2: n0 acknowledges, n1 is cut off and its copy goes to s0 as a hint carrying the
    # write's vector; after the heal s0 hands it off and forgets it, and n1 holds the write.
    m = Leaderless(conflict="siblings", sloppy=True, partitions=1, clients=["w"])
    worlds = walk(
        m,
        [
            "c0 invokes write x=1",
            "partition {n1} | rest",
            "n0 receives put(x=1@[1]) from c0",
            "c0 receives ack from n0",
            "c0 sends hint(x=1@[1] for n1) to spare s0",
            "s0 receives hint(x=1@[1] for n1) from c0",
            "c0 receives ack from s0",
            "partition heals",
            "s0 hands off put(x=1@[1]) to n1",
        ],
    )
    spare = m.n
    hinted = worlds[5]
    assert hinted.nodes[spare].hints == ((1, 0, (((1,), 1),)),)
    assert hinted.nodes[1].store == ((((0,), 0),),)  # n1 has nothing yet
    acked = worlds[6]
    assert [e.kind for e in acked.history if e.op == "w"] == ["invoke", "ok"]
    after = worlds[8]
    assert after.nodes[spare].hints == ()
    assert after.nodes[1].store == ((((1,), 1),),)
    assert m.describe_node(hinted.nodes[spare]) == "holds x=init@[0]; hint x=1@[1] for n1"


HANDOFF_OVER_A_CONCURRENT_WRITE = [
    "c1 invokes write x=2",
    "n1 receives put(x=2@[0,1]) from c1",  # n1 holds c1's write
    "partition {n1} | rest",
    "c0 invokes write x=1",  # concurrent with c1's: neither saw the other
    "c0 sends hint(x=1@[1,0] for n1) to spare s0",
    "s0 receives hint(x=1@[1,0] for n1) from c0",
    "partition heals",
    "s0 hands off put(x=1@[1,0]) to n1",
]


def test_handoff_merges_the_hinted_siblings_with_what_the_home_holds():
    m = Leaderless(conflict="siblings", sloppy=True, partitions=1, clients=["w", "w"])
    before, after = walk(m, HANDOFF_OVER_A_CONCURRENT_WRITE)[-2:]
    assert before.nodes[1].store[0] == (((0, 1), 2),)
    # both concurrent writes stand side by side: an overwrite would leave only x=1
    assert after.nodes[1].store[0] == (((0, 1), 2), ((1, 0), 1))
    assert after.nodes[m.n].hints == ()
    assert m.describe_node(after.nodes[1]) == "holds x={2@[0,1], 1@[1,0]}"


def test_a_spare_merges_two_hints_for_one_home_and_key():
    m = Leaderless(conflict="siblings", sloppy=True, clients=["w", "w"])
    one = m._kept_hints((), 1, 0, (((1, 0), 1),))
    both = m._kept_hints(one, 1, 0, (((0, 1), 2),))
    assert both == ((1, 0, (((0, 1), 2), ((1, 0), 1))),)
    # a version that saw both replaces them; a hint for another home stays apart
    assert m._kept_hints(both, 1, 0, (((1, 1), 3),)) == ((1, 0, (((1, 1), 3),)),)
    assert len(m._kept_hints(both, 2, 0, (((1, 0), 1),))) == 2


class OverwritingHandoff(LeaderlessSiblings):
    """A broken handoff: the hinted siblings replace what the home holds."""

    def _handed_off(self, held, hinted):
        return hinted


def test_an_overwriting_handoff_is_caught():
    params = dict(conflict="siblings", sloppy=True, partitions=1, clients=["w", "w"])
    broken = OverwritingHandoff(**params)
    after = walk(broken, HANDOFF_OVER_A_CONCURRENT_WRITE)[-1]
    assert after.nodes[1].store[0] == (((1, 0), 1),)  # c1's write is gone from n1
    # the whole search, kept small: one home (n=3 with two writers runs to millions of states)
    small = dict(params, n=1, w=1, r=1)
    for model, verdict in ((OverwritingHandoff(**small), "VIOLATED"), (Leaderless(**small), "HOLDS")):
        result = check(model, symmetry=model.canonical, properties=["no_write_discarded_unseen"])
        assert result["no_write_discarded_unseen"].verdict.value == verdict


def test_last_write_wins_hands_off_in_one_step_that_no_lost_message_can_undo():
    # A hint is the only copy of a write for its home until the handoff succeeds: the step
    # updates the home and forgets the hint together, and puts nothing on the network.
    m = Leaderless(n=3, w=2, r=2, sloppy=True, partitions=1, drops=1, clients=["w"])
    seen, frontier, handoffs = set(), list(m.init_states()), 0
    while frontier:
        world = frontier.pop()
        if world in seen:
            continue
        seen.add(world)
        for action, succ in m.next_steps(world):
            if action.kind == "handoff":
                handoffs += 1
                home, spare = action.msg.dst, action.actor
                assert succ.net == world.net
                assert len(succ.nodes[spare].hints) == len(world.nodes[spare].hints) - 1
                key, stored = action.msg.body[:2]
                assert succ.nodes[home].store[key] == m._merged(world.nodes[home].store[key], stored)
            frontier.append(succ)
    assert handoffs
