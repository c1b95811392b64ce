"""Quorum.tla, transcribed one to one into a replcheck model.

The TLA+ module (vendored beside this file as ``Quorum.tla``; the yardstick copy lives in
``shared/bench``) is a Dynamo-style N/W/R register. This module re-implements it with the
same 7 variables, the same 5 actions with the same enabling conditions, and the same
invariants, so that replcheck's distinct-state, generated and depth figures can be compared
with TLC's number for number.

A state is one non-negative int in which the 7 variables are bit fields, lowest first
(``Layout`` computes the offsets for N and NumWrites):

=========  ==========================================================================
rstate     2 bits: 0 idle, 1 reading, 2 done
started    the last write the client issued (enough bits for 0..NumWrites)
rbase      the highest acknowledged version when the read started (same width)
nacks      NumWrites fields, ``nacks[v]``: how many replicas applied write v (0..N)
resp       N fields, ``resp[i] + 1``: 0 means no response yet, as -1 does in the spec
ver        N fields, ``ver[i]``: the version replica i holds (0..NumWrites)
inflight   N * NumWrites bits, on top: bit ``(i-1)*NumWrites + (v-1)`` is ``<<i, v>>``
=========  ==========================================================================

Each TLA+ state has exactly one encoding, so distinct ints are distinct TLA+ states;
``Quorum.describe`` decodes a state into the spec's variables and ``Quorum.encode`` goes
back. Packing matters for speed only: one int hashes, compares and stores faster than a
tuple of tuples, and each action is a few shifts and additions. Replica and version numbers
in action labels are 1-based, as in the TLA+ module.

``Quorum.canonical`` treats the replicas as interchangeable, for
``check(..., symmetry=model.canonical)``.
"""

from dataclasses import dataclass

from replcheck.checker import always

IDLE, READING, DONE = "idle", "reading", "done"
_RSTATE_NAMES = [IDLE, READING, DONE]


@dataclass(frozen=True)
class Config:
    """One TLC configuration and the figures TLC reported for it (shared/bench/README.md).

    ``tlc_depth`` is TLC's depth: the number of BFS levels, the initial states being level
    1, so it is replcheck's ``stats.depth + 1``. For the violated configuration the figures
    are those TLC prints when it stops at the first violation. ``tlc_sym`` is (distinct,
    generated, depth) from TLC 2.15 on QuorumSym.tla (SYMMETRY over the replicas), run to
    the end (``-continue`` on the violated configuration).
    """

    name: str
    n: int
    w: int
    r: int
    writes: int
    cfg: str
    holds: bool
    tlc_distinct: int
    tlc_generated: int
    tlc_depth: int
    tlc_sym: tuple[int, int, int]
    small: bool

    @property
    def params(self) -> tuple[int, int, int, int]:
        return (self.n, self.w, self.r, self.writes)


CONFIGS: dict[str, Config] = {
    c.name: c
    for c in (
        Config("3,2,2,1", 3, 2, 2, 1, "Quorum.cfg", True, 372, 1_000, 8, (93, 264, 8), True),
        Config("3,1,1,1", 3, 1, 1, 1, "Quorum_N3W1R1.cfg", False, 76, 122, 5, (68, 178, 7), True),
        Config("3,2,2,2", 3, 2, 2, 2, "Quorum_N3W2R2_2w.cfg", True, 6_620, 23_114, 12, (1_304, 4_583, 12), True),
        Config(
            "5,3,3,2", 5, 3, 3, 2, "Quorum_N5W3R3_2w.cfg", True, 2_189_837, 13_688_770, 17, (30_060, 188_961, 17), False
        ),
        Config(
            "5,2,4,2",
            5,
            2,
            4,
            2,
            "Quorum_N5W2R4_2w.cfg",
            True,
            8_253_756,
            59_043_736,
            18,
            (104_161, 732_168, 18),
            False,
        ),
    )
}

# TLC run with -continue on 3,1,1,1: the whole reachable graph of the violated config.
CONTINUE_3111 = {"distinct": 258, "generated": 613, "depth": 7, "violating": 45}


class Layout:
    """Bit offsets, widths and masks of the variables in a packed state, for N replicas and
    NumWrites writes."""

    def __init__(self, n: int, writes: int):
        self.vbits = writes.bit_length()  # ver, started, rbase: 0..NumWrites
        self.rbits = (writes + 1).bit_length()  # resp + 1: 0..NumWrites+1
        self.nbits = n.bit_length()  # nacks: 0..N
        self.vmask, self.rmask, self.nmask = ((1 << b) - 1 for b in (self.vbits, self.rbits, self.nbits))
        self.started = 2
        self.rbase = self.started + self.vbits
        self.nacks = [self.rbase + self.vbits + k * self.nbits for k in range(writes)]
        self.low_end = self.rbase + self.vbits + writes * self.nbits  # above nacks
        self.resp = [self.low_end + i * self.rbits for i in range(n)]
        self.ver = [self.resp[0] + n * self.rbits + i * self.vbits for i in range(n)]
        self.inflight = self.ver[0] + n * self.vbits
        self.end = self.inflight + n * writes  # total width in bits

    def message_bit(self, i: int, v: int, writes: int) -> int:
        """The bit of ``<<i, v>>`` in a state (1-based i and v, as in the spec)."""
        return 1 << (self.inflight + (i - 1) * writes + (v - 1))


class Quorum:
    """The leaderless N/W/R register of Quorum.tla as a replcheck model.

    Properties: ``type_ok`` (TypeOK) and ``read_your_writes`` (ReadYourWrites), the two
    invariants the TLC configurations check. States are packed ints (module docstring).
    """

    def __init__(self, n: int, w: int, r: int, writes: int):
        # Quorum.tla's ASSUME.
        if not (n >= 1 and 1 <= w <= n and 1 <= r <= n and writes >= 1):
            raise ValueError(
                f"need N >= 1, W and R in 1..N, NumWrites >= 1; got N={n}, W={w}, R={r}, NumWrites={writes}"
            )
        self.n, self.w, self.r, self.writes = n, w, r, writes
        self.layout = Layout(n, writes)
        self.successors = self._make_successors()
        # TypeOK checks two blocks of fields against their ranges (``_in_range``) and
        # remembers the block values found in range; ReadYourWrites remembers ReadResult
        # per value of the resp block.
        lay = self.layout
        self._past_end = 1 << lay.end
        self._low_mask = (1 << lay.low_end) - 1
        self._vr_mask = (1 << lay.inflight) - 1 - self._low_mask
        self._resp_mask = (1 << lay.ver[0]) - (1 << lay.low_end)
        self._nacks_mask = (1 << lay.low_end) - (1 << lay.nacks[0])
        self._low_fields = [(0, 2, 2), (lay.started, lay.vbits, writes), (lay.rbase, lay.vbits, writes)] + [
            (o, lay.nbits, n) for o in lay.nacks
        ]
        self._vr_fields = [(o, lay.vbits, writes) for o in lay.ver] + [(o, lay.rbits, writes + 1) for o in lay.resp]
        self._ok_low: set = set()
        self._ok_vr: set = set()
        self._read_result: dict = {}

    def __repr__(self) -> str:
        return f"Quorum(N={self.n}, W={self.w}, R={self.r}, NumWrites={self.writes})"

    def init_states(self):
        """Init: no versions, no writes, nothing in flight, the read idle, no responses."""
        yield 0

    def next_steps(self, state):
        """Next: ``(label, successor)`` for every enabled StartWrite, StartRead,
        Deliver(i,v), Drop(i,v) and Respond(i); the search itself calls ``successors``."""
        for succ in self.successors(state):
            yield self.action(state, succ), succ

    def action(self, state: int, succ: int) -> str:
        """The label of the action of Next that leads from ``state`` to ``succ``.

        Each action changes a variable no other action changes in the same way, so the
        change names it: StartWrite moves ``started``, Deliver and Drop remove a message
        (Deliver also counts an ack), Respond fills a ``resp`` field, StartRead leaves
        ``idle``.
        """
        lay, writes = self.layout, self.writes
        changed = state ^ succ
        if changed >> lay.started & lay.vmask:
            return "StartWrite"
        removed = (state & ~succ) >> lay.inflight
        if removed:
            k = removed.bit_length() - 1
            i, v = k // writes + 1, k % writes + 1
            return f"Deliver({i},{v})" if changed & self._nacks_mask else f"Drop({i},{v})"
        for i, off in enumerate(lay.resp):
            if changed >> off & lay.rmask:
                return f"Respond({i + 1})"
        if state & 3 == 0 and succ & 3 == 1:
            return "StartRead"
        raise ValueError(f"{succ} is not a successor of {state}")

    def _make_successors(self):
        """Next without labels, as a closure over the layout's constants, so that each
        action is local arithmetic (attribute lookups on ``self`` would cost as much as
        the actions themselves).

        ``successors(state)`` is the list of successor states, in the order StartWrite,
        StartRead, Deliver(i,v) and Drop(i,v) per message in flight, Respond(i), each
        under the spec's enabling condition.

        Deliver, Drop and Respond add to the state a number that depends on a few fields
        only: Deliver(i,v) and Drop(i,v) on ``ver`` and ``inflight`` (the top of the
        state), Respond(i) on ``resp`` and ``ver``. Those numbers are computed once per
        value of those fields (``_message_steps``, ``_respond_steps``) and remembered.
        """
        n, w, writes, lay = self.n, self.w, self.writes, self.layout
        vmask, nmask = lay.vmask, lay.nmask
        started_off, rbase_off, nack_off = lay.started, lay.rbase, lay.nacks
        ver_off, resp_off = lay.ver[0], lay.low_end
        resp_ver_mask = (1 << (lay.inflight - resp_off)) - 1
        one_more_write = 1 << started_off
        # write_bits[v]: the messages <<i, v>> for every replica i.
        write_bits = [0] + [sum(lay.message_bit(i, v, writes) for i in range(1, n + 1)) for v in range(1, writes + 1)]
        acked_offsets = [(v, nack_off[v - 1]) for v in range(writes, 0, -1)]
        message_steps: dict[int, tuple] = {}  # ver and inflight -> Deliver/Drop additions
        respond_steps: dict[int, tuple] = {}  # resp and ver -> Respond additions

        def successors(state):
            out = []
            rstate = state & 3
            started = state >> started_off & vmask
            # StartWrite: sequential writes, the next one only once the last is acknowledged.
            if started < writes and (started == 0 or state >> nack_off[started - 1] & nmask >= w):
                out.append((state + one_more_write) | write_bits[started + 1])
            if rstate == 0:  # StartRead
                acked = 0  # AckedVersion
                for v, off in acked_offsets:
                    if state >> off & nmask >= w:
                        acked = v
                        break
                out.append(state + 1 + (acked << rbase_off))
            key = state >> ver_off
            try:
                steps = message_steps[key]
            except KeyError:
                steps = message_steps[key] = self._message_steps(key << ver_off)
            out += [state + d for d in steps]
            if rstate == 1:  # Respond(i) for each replica that has not answered
                key = state >> resp_off & resp_ver_mask
                try:
                    steps = respond_steps[key]
                except KeyError:
                    steps = respond_steps[key] = self._respond_steps(key << resp_off)
                out += [state + d for d in steps]
            return out

        return successors

    def _message_steps(self, state: int) -> tuple[int, ...]:
        """What Deliver(i,v) and Drop(i,v) add to ``state``, for each ``<<i, v>>`` in
        flight (replica-major, Deliver before Drop); they read only ``ver`` and
        ``inflight``."""
        lay, writes = self.layout, self.writes
        vmask = lay.vmask
        steps = []
        for i in range(1, self.n + 1):
            for v in range(1, writes + 1):
                bit = lay.message_bit(i, v, writes)
                if state & bit:
                    held = state >> lay.ver[i - 1] & vmask
                    raise_ver = (v - held) << lay.ver[i - 1] if held < v else 0
                    # Deliver: remove <<i, v>>, ver[i] := Max(ver[i], v), nacks[v] += 1.
                    steps.append(-bit + raise_ver + (1 << lay.nacks[v - 1]))
                    steps.append(-bit)  # Drop: remove <<i, v>>, nothing else
        return tuple(steps)

    def _respond_steps(self, state: int) -> tuple[int, ...]:
        """What Respond(i) adds to a reading ``state``, for each replica i that has not
        answered: resp[i] := ver[i], and rstate := "done" if this is the R-th response.
        They read only ``resp`` and ``ver``."""
        lay = self.layout
        vmask, rmask = lay.vmask, lay.rmask
        free = [i for i in range(self.n) if not state >> lay.resp[i] & rmask]
        done = 1 if self.n - len(free) + 1 == self.r else 0  # Cardinality(Responders)+1 = R
        return tuple(done + ((state >> lay.ver[i] & vmask) + 1 << lay.resp[i]) for i in free)

    @always
    def type_ok(self, state) -> bool:
        """TypeOK: every variable stays in the range Quorum.tla declares for it."""
        if type(state) is not int or not 0 <= state < self._past_end:
            return False  # the inflight bits are in range exactly when this holds
        # The low block (rstate, started, rbase, nacks) and the ver+resp block take few
        # distinct values; a set of those already found in range answers in one lookup.
        low = state & self._low_mask
        vr = state & self._vr_mask
        return (low in self._ok_low or _in_range(low, self._low_fields, self._ok_low)) and (
            vr in self._ok_vr or _in_range(vr, self._vr_fields, self._ok_vr)
        )

    @always
    def read_your_writes(self, state) -> bool:
        """ReadYourWrites: a finished read returns at least the version acknowledged before it."""
        if state & 3 != 2:
            return True
        # Non-responders hold 0 (-1 + 1) and a done read has R >= 1 responses, so the
        # largest resp field is ReadResult + 1; it depends on the resp block alone.
        block = state & self._resp_mask
        try:
            result = self._read_result[block]
        except KeyError:
            lay = self.layout
            result = max(block >> off & lay.rmask for off in lay.resp) - 1
            self._read_result[block] = result
        return result >= (state >> self.layout.rbase & self.layout.vmask)

    def describe(self, state: int) -> dict:
        """``state`` as a dict keyed by the TLA+ variable names, with the spec's values."""
        lay = self.layout
        field = lambda off, bits: state >> off & ((1 << bits) - 1)
        rstate = field(0, 2)
        return {
            "ver": tuple(field(o, lay.vbits) for o in lay.ver),
            "started": field(lay.started, lay.vbits),
            "inflight": sorted(self.inflight_pairs(state)),
            "nacks": tuple(field(o, lay.nbits) for o in lay.nacks),
            "rstate": _RSTATE_NAMES[rstate] if rstate < 3 else rstate,
            "rbase": field(lay.rbase, lay.vbits),
            "resp": tuple(field(o, lay.rbits) - 1 for o in lay.resp),
        }

    def encode(self, ver, started, inflight, nacks, rstate, rbase, resp) -> int:
        """The packed state of the TLA+ values (``inflight``: a set of ``(i, v)`` pairs)."""
        lay = self.layout
        state = _RSTATE_NAMES.index(rstate) | started << lay.started | rbase << lay.rbase
        state |= sum(k << o for k, o in zip(nacks, lay.nacks))
        state |= sum(v << o for v, o in zip(ver, lay.ver))
        state |= sum(v + 1 << o for v, o in zip(resp, lay.resp))
        return state | sum(lay.message_bit(i, v, self.writes) for i, v in inflight)

    def inflight_pairs(self, state: int) -> set[tuple[int, int]]:
        """The ``inflight`` variable of ``state`` as the TLA+ set of ``<<i, v>>`` pairs."""
        bits, writes = state >> self.layout.inflight, self.writes
        return {(k // writes + 1, k % writes + 1) for k in range(bits.bit_length()) if bits >> k & 1}

    def canonical(self, state: int) -> int:
        """The representative of ``state``'s class when replicas are interchangeable.

        A permutation of the replicas permutes ``ver`` and ``resp`` and relabels the replica
        of every ``<<i, v>>`` in ``inflight``; nothing else names a replica (``nacks`` counts
        per version). So the class of a state is fixed by the other variables plus the
        multiset of per-replica triples (ver[i], versions in flight to i, resp[i]); sorting
        the triples picks one member of each class.
        """
        lay, writes = self.layout, self.writes
        vmask, rmask, wmask = lay.vmask, lay.rmask, (1 << writes) - 1
        triples = [
            (state >> lay.ver[i] & vmask, state >> lay.inflight + i * writes & wmask, state >> lay.resp[i] & rmask)
            for i in range(self.n)
        ]
        ordered = sorted(triples)
        if ordered == triples:
            return state
        out = state & ((1 << lay.low_end) - 1)
        for i, (ver, bits, resp) in enumerate(ordered):
            out |= ver << lay.ver[i] | resp << lay.resp[i] | bits << lay.inflight + i * writes
        return out


def _in_range(block: int, fields: list, known: set) -> bool:
    """Whether every (offset, width, largest value) field of ``block`` is in range;
    remembers a yes in ``known``."""
    ok = all(block >> off & (1 << width) - 1 <= top for off, width, top in fields)
    if ok:
        known.add(block)
    return ok


def model_for(config: str | Config) -> Quorum:
    """The model for a configuration name such as ``"3,2,2,1"`` (N, W, R, NumWrites)."""
    if isinstance(config, str):
        config = CONFIGS[config] if config in CONFIGS else _parse(config)
    return Quorum(*config.params)


def _parse(text: str) -> Config:
    try:
        n, w, r, writes = (int(x) for x in text.split(","))
    except ValueError:
        raise ValueError(f"a configuration is N,W,R,NumWrites, got {text!r}") from None
    return Config(text, n, w, r, writes, "", w + r > n, 0, 0, 0, (0, 0, 0), True)
