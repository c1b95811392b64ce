"""benchmarks/quorum.py reproduces TLC's figures for Quorum.tla (shared/bench/README.md)."""

import itertools
import json
import sys
from pathlib import Path

import pytest

from replcheck.checker import Verdict, check

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
SHARED_BENCH = REPO.parent / "shared" / "bench"  # CI clones with shared/ beside the repo
sys.path.insert(0, str(BENCH))

import quorum  # noqa: E402
import vs_tlc  # noqa: E402

SMALL = ["3,2,2,1", "3,1,1,1", "3,2,2,2"]


def tlc_figures(result) -> tuple[int, int, int]:
    """(distinct, generated, depth) as TLC counts them: inits + transitions, levels."""
    return (result.stats.states, 1 + result.stats.transitions, result.stats.depth + 1)


@pytest.mark.parametrize("name", ["3,2,2,1", "3,2,2,2"])
def test_holding_configs_match_tlc(name):
    config = quorum.CONFIGS[name]
    result = check(quorum.model_for(name))
    assert result.stats.complete
    assert tlc_figures(result) == (config.tlc_distinct, config.tlc_generated, config.tlc_depth)
    assert result.verdicts() == {"type_ok": Verdict.HOLDS, "read_your_writes": Verdict.HOLDS}


def test_violation_trace_matches_tlc():
    result = check(quorum.model_for("3,1,1,1"))
    violation = result["read_your_writes"]
    assert violation.verdict == Verdict.VIOLATED
    assert [str(a) for a in violation.trace.actions] == ["StartWrite", "Deliver(1,1)", "StartRead", "Respond(2)"]
    # The last state of TLC's trace, variable by variable.
    assert quorum.model_for("3,1,1,1").describe(violation.trace.states[-1]) == {
        "ver": (1, 0, 0),
        "started": 1,
        "inflight": [(2, 1), (3, 1)],
        "nacks": (1,),
        "rstate": "done",
        "rbase": 1,
        "resp": (-1, 0, -1),
    }
    # TypeOK keeps the search going to the end: TLC's -continue figures.
    assert result["type_ok"].verdict == Verdict.HOLDS
    cont = quorum.CONTINUE_3111
    assert tlc_figures(result) == (cont["distinct"], cont["generated"], cont["depth"])


@pytest.mark.parametrize("name", SMALL)
def test_symmetry_keeps_verdicts_and_matches_tlc_symmetry(name):
    model = quorum.model_for(name)
    plain = check(model)
    reduced = check(model, symmetry=model.canonical)
    assert reduced.verdicts() == plain.verdicts()
    # TLC 2.15 with SYMMETRY over the replicas (benchmarks/QuorumSym.tla) counts the same.
    assert tlc_figures(reduced) == quorum.CONFIGS[name].tlc_sym
    for prop in plain.properties:
        if prop.trace is not None:
            assert len(reduced[prop.name].trace) == len(prop.trace)


def _permute(model, state, perm):
    """``state`` with replica i renamed perm[i] (0-based), through the TLA+ values."""
    f = model.describe(state)
    ver, resp = [0] * model.n, [0] * model.n
    for i, j in enumerate(perm):
        ver[j], resp[j] = f["ver"][i], f["resp"][i]
    inflight = {(perm[i - 1] + 1, v) for i, v in f["inflight"]}
    return model.encode(ver, f["started"], inflight, f["nacks"], f["rstate"], f["rbase"], resp)


def _reachable(model):
    seen = set(model.init_states())
    frontier = list(seen)
    while frontier:
        frontier = [t for s in frontier for _, t in model.next_steps(s) if t not in seen and not seen.add(t)]
    return seen


def test_canonical_is_one_representative_per_permutation_class():
    model = quorum.model_for("3,2,2,2")
    states = _reachable(model)
    perms = list(itertools.permutations(range(model.n)))
    for state in states:
        rep = model.canonical(state)
        assert model.canonical(rep) == rep
        assert all(model.canonical(_permute(model, state, p)) == rep for p in perms)
        assert model.read_your_writes(rep) == model.read_your_writes(state)


@pytest.mark.parametrize("name", ["3,2,2,2", "4,2,3,2"])
def test_packed_states_decode_and_encode_back(name):
    model = quorum.model_for(name)
    states = _reachable(model) if name == "3,2,2,2" else _sample(model, 5000)
    for state in states:
        fields = model.describe(state)
        assert model.encode(**fields) == state
        assert model.type_ok(state)
    # every field decodes within the spec's ranges
    assert {f["rstate"] for f in map(model.describe, states)} == {"idle", "reading", "done"}


def _sample(model, count):
    """The first ``count`` states in BFS order."""
    order = list(model.init_states())
    seen = set(order)
    k = 0
    while k < len(order) and len(order) < count:
        for _, t in model.next_steps(order[k]):
            if t not in seen:
                seen.add(t)
                order.append(t)
        k += 1
    return order


def _spec_next(f: dict, n: int, w: int, r: int, writes: int) -> list:
    """Next of Quorum.tla on the decoded variables, written from the spec's text: the
    reference the packed arithmetic is compared with."""

    def step(label, **changes):
        return label, {**f, **changes}

    def put(seq, i, value):
        return seq[:i] + (value,) + seq[i + 1 :]

    out = []
    started, nacks, inflight = f["started"], f["nacks"], set(f["inflight"])
    if started < writes and (started == 0 or nacks[started - 1] >= w):
        out.append(
            step(
                "StartWrite",
                started=started + 1,
                inflight=sorted(inflight | {(i, started + 1) for i in range(1, n + 1)}),
            )
        )
    if f["rstate"] == "idle":
        acked = max([v for v in range(1, writes + 1) if nacks[v - 1] >= w], default=0)
        out.append(step("StartRead", rstate="reading", rbase=acked))
    for i, v in sorted(inflight):
        rest = sorted(inflight - {(i, v)})
        out.append(
            step(
                f"Deliver({i},{v})",
                inflight=rest,
                ver=put(f["ver"], i - 1, max(f["ver"][i - 1], v)),
                nacks=put(nacks, v - 1, nacks[v - 1] + 1),
            )
        )
        out.append(step(f"Drop({i},{v})", inflight=rest))
    if f["rstate"] == "reading":
        responders = sum(1 for x in f["resp"] if x != -1)
        for i in range(n):
            if f["resp"][i] == -1:
                out.append(
                    step(
                        f"Respond({i + 1})",
                        resp=put(f["resp"], i, f["ver"][i]),
                        rstate="done" if responders + 1 == r else "reading",
                    )
                )
    return out


@pytest.mark.parametrize("name", ["3,2,2,2", "3,1,3,2", "2,1,1,3"])
def test_packed_next_is_the_spec_next_on_every_reachable_state(name):
    model = quorum.model_for(name)
    for state in _reachable(model):
        f = model.describe(state)
        packed = [(label, model.describe(succ)) for label, succ in model.next_steps(state)]
        assert packed == _spec_next(f, model.n, model.w, model.r, model.writes), f
        assert [succ for _, succ in model.next_steps(state)] == model.successors(state)


@pytest.mark.parametrize("name", ["3,2,2,2", "5,3,3,2", "3,2,2,3"])
def test_type_ok_rejects_every_field_out_of_range(name):
    model = quorum.model_for(name)
    lay, n, writes = model.layout, model.n, model.writes
    good = model.encode(
        ver=(writes,) * n,
        started=writes,
        inflight={(1, writes)},
        nacks=(n,) * writes,
        rstate="done",
        rbase=writes,
        resp=(-1,) * n,
    )
    assert model.type_ok(good)
    # (offset, width, largest raw value in range) of every field
    fields = (
        [(0, 2, 2), (lay.started, lay.vbits, writes), (lay.rbase, lay.vbits, writes)]
        + [(o, lay.nbits, n) for o in lay.nacks]
        + [(o, lay.vbits, writes) for o in lay.ver]
        + [(o, lay.rbits, writes + 1) for o in lay.resp]
    )
    tested = 0
    for off, width, top in fields:
        raw = (1 << width) - 1
        if raw > top:  # the field can hold a value the spec's TypeOK forbids
            assert not model.type_ok(good & ~(raw << off) | raw << off), (off, width)
            tested += 1
    assert tested >= 2
    for state in (good | 1 << lay.end, -1, (1, 2)):  # a bit beyond inflight; not a state
        assert not model.type_ok(state)


def test_inflight_bits_decode_to_the_tla_pairs():
    model = quorum.model_for("3,2,2,2")
    (init,) = model.init_states()
    _, after_write = next(step for step in model.next_steps(init) if step[0] == "StartWrite")
    assert model.inflight_pairs(after_write) == {(1, 1), (2, 1), (3, 1)}
    assert model.describe(after_write)["started"] == 1


def test_assume_is_enforced():
    with pytest.raises(ValueError):
        quorum.Quorum(3, 4, 2, 1)


def test_vs_tlc_worker_reports_tlc_figures(capsys):
    assert vs_tlc.main(["--worker", "replcheck", "--only", "3,2,2,1"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(line[len(vs_tlc.RESULT_PREFIX) :])
    assert (figures["distinct"], figures["generated"], figures["depth"]) == (372, 1000, 8)


def test_vendored_spec_and_generated_cfgs_equal_the_yardstick():
    if not SHARED_BENCH.is_dir():
        pytest.skip(f"{SHARED_BENCH} not found")
    shared_spec = (SHARED_BENCH / "Quorum.tla").read_text()
    assert (BENCH / "Quorum.tla").read_text() == shared_spec
    for config in quorum.CONFIGS.values():
        expected = (SHARED_BENCH / config.cfg).read_text().split()
        assert vs_tlc.tlc_cfg(config, symmetric=False).split() == expected


def test_big_run_stops_at_the_state_bound_with_unknown(capsys):
    import big_run

    assert big_run.main(["--config", "3,2,2,2", "--max-states", "100"]) == 0
    out = capsys.readouterr().out
    assert "read_your_writes: UNKNOWN" in out and "HOLDS" not in out
    assert "100 distinct states" in out and "stopped by max_states" in out
    with pytest.raises(SystemExit) as stop:
        big_run.main(["--max-states", "-1"])
    assert stop.value.code == 2
