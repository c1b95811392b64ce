"""The Wing & Gong checker against histories decided by hand and by brute force."""

from itertools import permutations

from hypothesis import given, strategies as st

from replcheck.models.linearizability import PENDING, RegisterOp, is_linearizable


def w(inv, ret, value):
    return RegisterOp(inv, ret, True, value)


def r(inv, ret, value):
    return RegisterOp(inv, ret, False, value)


def test_sequential_history():
    assert is_linearizable((w(0, 1, 1), r(2, 3, 1)))
    assert not is_linearizable((w(0, 1, 1), r(2, 3, 0)))


def test_new_old_inversion_is_not_linearizable():
    # the write is still pending; one read sees it, a later read does not
    assert not is_linearizable((w(0, PENDING, 1), r(1, 2, 1), r(3, 4, 0)))
    assert is_linearizable((w(0, PENDING, 1), r(1, 2, 0), r(3, 4, 1)))


def test_pending_write_may_never_take_effect():
    assert is_linearizable((w(0, PENDING, 1), r(1, 2, 0)))


def test_concurrent_reads_may_see_either():
    assert is_linearizable((w(0, 3, 1), r(1, 2, 1), r(1, 4, 0)))


def _brute_force(ops, initial=0):
    done = [o for o in ops if o.returned != PENDING or o.is_write]
    for k in range(len(done) + 1):
        for order in permutations(range(len(done)), len(done)):
            chosen = [done[i] for i in order]
            # every completed op must appear; pending writes may be left out
            for skip in range(1 << len(done)):
                seq = [o for j, o in enumerate(chosen) if not (skip >> j & 1)]
                if any(o.returned != PENDING and o not in seq for o in done):
                    continue
                if _legal(seq, initial):
                    return True
        return False
    return False


def _legal(seq, initial):
    for i, a in enumerate(seq):
        for b in seq[i + 1 :]:
            if b.returned < a.invoked:
                return False
    value = initial
    for o in seq:
        if o.is_write:
            value = o.value
        elif o.value != value:
            return False
    return True


@st.composite
def histories(draw):
    n = draw(st.integers(1, 4))
    points = draw(st.permutations(list(range(2 * n))))
    ops = []
    for i in range(n):
        a, b = sorted(points[2 * i : 2 * i + 2])
        pending = draw(st.booleans()) and draw(st.booleans())
        is_write = draw(st.booleans())
        value = i + 1 if is_write else draw(st.integers(0, n))
        ops.append(RegisterOp(a, PENDING if pending else b, is_write, value))
    return tuple(ops)


@given(histories())
def test_agrees_with_brute_force(ops):
    assert is_linearizable(ops) == _brute_force(ops)
