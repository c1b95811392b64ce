"""Quorum.tla, transcribed one to one into a replcheck model.

The TLA+ module (vendored beside this file as ``Quorum.tla``; the yardstick copy lives in
``shared/bench``) is a Dynamo-style N/W/R register. This module re-implements it with the
same 7 variables, the same 5 actions with the same enabling conditions, and the same
invariants, so that replcheck's distinct-state, generated and depth figures can be compared
with TLC's number for number.

A state is the 7-tuple ``(ver, started, inflight, nacks, rstate, rbase, resp)``:

=========  ==========================================================================
ver        tuple of N ints, ``ver[i-1]`` is the version held by replica i
started    int, the last write the client issued
inflight   int bit set of the undelivered ``<<i, v>>`` messages: bit
           ``(i-1)*NumWrites + (v-1)`` (``inflight_pairs`` decodes it)
nacks      tuple of NumWrites ints, ``nacks[v-1]`` replicas applied write v
rstate     ``"idle"`` | ``"reading"`` | ``"done"``
rbase      int, the highest acknowledged version when the read started
resp       tuple of N ints, the version replica i returned; -1 = no response yet
=========  ==========================================================================

Each value has exactly one encoding, so distinct tuples are distinct TLA+ states. Replica
and version numbers in action labels are 1-based, as in the TLA+ module.

``canonical`` treats the replicas as interchangeable, for ``check(..., symmetry=canonical)``.
"""

from dataclasses import dataclass

from replcheck.checker import always

IDLE, READING, DONE = "idle", "reading", "done"
_RSTATES = frozenset((IDLE, READING, DONE))


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


CONFIGS: dict[str, Config] = {c.name: c for c in (
    Config("3,2,2,1", 3, 2, 2, 1, "Quorum.cfg", True, 372, 1_000, 8, (93, 264, 8), True),
    Config("3,1,1,1", 3, 1, 1, 1, "Quorum_N3W1R1.cfg", False, 76, 122, 5, (68, 178, 7),
           True),
    Config("3,2,2,2", 3, 2, 2, 2, "Quorum_N3W2R2_2w.cfg", True, 6_620, 23_114, 12,
           (1_304, 4_583, 12), True),
    Config("5,3,3,2", 5, 3, 3, 2, "Quorum_N5W3R3_2w.cfg", True, 2_189_837, 13_688_770, 17,
           (30_060, 188_961, 17), False),
    Config("5,2,4,2", 5, 2, 4, 2, "Quorum_N5W2R4_2w.cfg", True, 8_253_756, 59_043_736, 18,
           (104_161, 732_168, 18), False),
)}

# TLC run with -continue on 3,1,1,1: the whole reachable graph of the violated config.
CONTINUE_3111 = {"distinct": 258, "generated": 613, "depth": 7, "violating": 45}


class Quorum:
    """The leaderless N/W/R register of Quorum.tla as a replcheck model.

    Properties: ``type_ok`` (TypeOK) and ``read_your_writes`` (ReadYourWrites), the two
    invariants the TLC configurations check.
    """

    def __init__(self, n: int, w: int, r: int, writes: int):
        # Quorum.tla's ASSUME.
        if not (n >= 1 and 1 <= w <= n and 1 <= r <= n and writes >= 1):
            raise ValueError(f"need N >= 1, W and R in 1..N, NumWrites >= 1; "
                             f"got N={n}, W={w}, R={r}, NumWrites={writes}")
        self.n, self.w, self.r, self.writes = n, w, r, writes
        # Everything that does not depend on the state is built once here, so next_steps
        # allocates nothing but the successor tuples themselves.
        self._write_bits = [0] + [sum(1 << _bit(i, v, writes) for i in range(1, n + 1))
                                  for v in range(1, writes + 1)]
        self._messages = [(1 << _bit(i, v, writes), i - 1, v, f"Deliver({i},{v})",
                           f"Drop({i},{v})")
                          for i in range(1, n + 1) for v in range(1, writes + 1)]
        self._respond = [(i - 1, f"Respond({i})") for i in range(1, n + 1)]
        self._inflight_end = 1 << (n * writes)
        # ver and resp have different ranges, and nacks a different length, so each has
        # its own set of values known to be in range.
        self._ok_ver: set = set()
        self._ok_nacks: set = set()
        self._ok_resp: set = set()

    def __repr__(self) -> str:
        return f"Quorum(N={self.n}, W={self.w}, R={self.r}, NumWrites={self.writes})"

    def init_states(self):
        """Init: no versions, no writes, nothing in flight, the read idle."""
        yield ((0,) * self.n, 0, 0, (0,) * self.writes, IDLE, 0, (-1,) * self.n)

    def next_steps(self, state):
        """Next: StartWrite, StartRead, Deliver(i,v), Drop(i,v), Respond(i), as in the spec."""
        ver, started, inflight, nacks, rstate, rbase, resp = state
        # StartWrite: sequential writes, the next one only once the last is acknowledged.
        if started < self.writes and (started == 0 or nacks[started - 1] >= self.w):
            yield "StartWrite", (ver, started + 1, inflight | self._write_bits[started + 1],
                                 nacks, rstate, rbase, resp)
        if rstate == IDLE:
            acked = 0
            for v in range(self.writes, 0, -1):
                if nacks[v - 1] >= self.w:
                    acked = v
                    break
            yield "StartRead", (ver, started, inflight, nacks, READING, acked, resp)
        if inflight:
            for bit, i, v, deliver, drop in self._messages:
                if inflight & bit:
                    rest = inflight ^ bit
                    new_ver = ver if ver[i] >= v else ver[:i] + (v,) + ver[i + 1:]
                    new_nacks = nacks[:v - 1] + (nacks[v - 1] + 1,) + nacks[v:]
                    yield deliver, (new_ver, started, rest, new_nacks, rstate, rbase, resp)
                    yield drop, (ver, started, rest, nacks, rstate, rbase, resp)
        if rstate == READING:
            # Cardinality(Responders) + 1 = R: this response completes the read.
            after = DONE if self.n - resp.count(-1) + 1 == self.r else READING
            for i, respond in self._respond:
                if resp[i] == -1:
                    yield respond, (ver, started, inflight, nacks, after, rbase,
                                    resp[:i] + (ver[i],) + resp[i + 1:])

    @always
    def type_ok(self, state) -> bool:
        """TypeOK: every variable stays in the range Quorum.tla declares for it."""
        ver, started, inflight, nacks, rstate, rbase, resp = state
        writes = self.writes
        # The tuple-valued variables take few distinct values; a set of those already found
        # in range answers in one lookup, about a sixth of the cost of min()/max() each time.
        return ((ver in self._ok_ver or _in_range(self._ok_ver, ver, self.n, 0, writes))
                and 0 <= started <= writes
                and 0 <= inflight < self._inflight_end
                and (nacks in self._ok_nacks
                     or _in_range(self._ok_nacks, nacks, writes, 0, self.n))
                and rstate in _RSTATES
                and 0 <= rbase <= writes
                and (resp in self._ok_resp or _in_range(self._ok_resp, resp, self.n, -1, writes)))

    @always
    def read_your_writes(self, state) -> bool:
        """ReadYourWrites: a finished read returns at least the version acknowledged before it."""
        # Non-responders hold -1 and a done read has R >= 1 responses, so max(resp) is
        # ReadResult.
        return state[4] != DONE or max(state[6]) >= state[5]


def _in_range(known: set, values: tuple, length: int, low: int, high: int) -> bool:
    """Whether ``values`` is a ``length``-tuple of ints in low..high; remembers a yes."""
    ok = (len(values) == length
          and all(type(x) is int and low <= x <= high for x in values))
    if ok:
        known.add(values)
    return ok


def _bit(i: int, v: int, writes: int) -> int:
    return (i - 1) * writes + (v - 1)


def inflight_pairs(state) -> set[tuple[int, int]]:
    """The ``inflight`` variable of ``state`` as the TLA+ set of ``<<i, v>>`` pairs."""
    inflight, writes = state[2], len(state[3])
    return {(k // writes + 1, k % writes + 1)
            for k in range(inflight.bit_length()) if inflight >> k & 1}


def describe(state) -> dict:
    """``state`` as a dict keyed by the TLA+ variable names, ``inflight`` decoded."""
    ver, started, _, nacks, rstate, rbase, resp = state
    return {"ver": ver, "started": started, "inflight": sorted(inflight_pairs(state)),
            "nacks": nacks, "rstate": rstate, "rbase": rbase, "resp": resp}


def canonical(state):
    """The representative of ``state``'s class when replicas are interchangeable.

    A permutation of the replicas permutes ``ver`` and ``resp`` and relabels the replica of
    every ``<<i, v>>`` in ``inflight``; nothing else names a replica (``nacks`` counts per
    version). So the class of a state is fixed by the other variables plus the multiset of
    per-replica triples (ver[i], versions in flight to i, resp[i]); sorting the triples
    picks one member of each class.
    """
    ver, started, inflight, nacks, rstate, rbase, resp = state
    writes = len(nacks)
    mask = (1 << writes) - 1
    n = len(ver)
    triples = [(ver[i], inflight >> (i * writes) & mask, resp[i]) for i in range(n)]
    ordered = sorted(triples)
    if ordered == triples:
        return state
    new_inflight = 0
    for i, (_, bits, _) in enumerate(ordered):
        new_inflight |= bits << (i * writes)
    return (tuple(t[0] for t in ordered), started, new_inflight, nacks, rstate, rbase,
            tuple(t[2] for t in ordered))


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
