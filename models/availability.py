"""Availability in numbers, found by exploration: how many members may be down while writes,
and reads, still succeed, and how many may fail without losing an acknowledged write.

The questions capacity calculators answer for Cassandra ("you can survive the loss of k nodes
without impacting the application / without data loss"), asked of any replication model and
answered by exploring it, each with the trace that breaks it at k + 1:

* **writes with k down**: for every set of k members crashed before the client starts (and
  staying down), can some behaviour acknowledge the client's one write? Every k-subset is
  explored separately; the first subset (in name order) under which no reachable state has
  an acknowledged write breaks it, and its trace is the shortest path to a state where nothing
  can happen any more and the write was not acknowledged (refused, timed out or waiting for
  ever).
* **reads with k down**: the same for one read (the initial value counts: the question is
  whether the read is answered, not what it returns).
* **acknowledged writes after k failures**: with a budget of k crashes that may strike at any
  moment and never recover, does every fair behaviour end with the client's acknowledged
  write kept for good (``no_acknowledged_write_lost`` from some moment on, for ever)? A write
  that is briefly on no live replica while a message still carries it to one is not lost.
  Checked for k = 0, 1, ... up to the first violation, whose lasso is the counterexample.

Caveats, printed with the answer: one client with one operation (the first client of the
configuration, with its datacenter or home leader); crashes only (no partitions, no lost
messages); "down" means crashed, not slow; members are every node of the model (spare nodes of
a sloppy quorum and arbiters included). A search stopped by its time limit is reported as
unknown, and the count as "at least".
"""

from dataclasses import dataclass, field
from itertools import combinations

from replcheck.checker import always, check, eventually_always, sometimes
from replcheck.checker.params import typed_params
from replcheck.checker.registry import model_class
from replcheck.checker.report import trace_lines
from replcheck.checker.result import Verdict

# Parameters that give one entry per client: the one-client runs keep the first client's.
PER_CLIENT = ("client_dcs", "homes")
NO_OTHER_FAULTS = {"partitions": 0, "drops": 0, "dups": 0, "recover": False, "hint_expiries": 0}


@dataclass
class Answer:
    """One availability question's answer: ``survives`` members (or crashes) are tolerated;
    ``complete`` is False when a search stopped early (then ``survives`` is a lower bound);
    ``broken_by`` names what breaks it at ``survives + 1`` (None: nothing up to all members),
    with ``trace`` (lines) and ``states`` explored for that run."""

    question: str
    survives: int
    out_of: int
    complete: bool = True
    broken_by: tuple = ()
    trace: list = field(default_factory=list)
    states: int = 0
    note: str = ""

    def to_json(self) -> dict:
        """The answer as plain data."""
        return {
            "question": self.question,
            "survives": self.survives,
            "out_of": self.out_of,
            "complete": self.complete,
            "broken_by": list(self.broken_by),
            "trace": self.trace,
            "states": self.states,
            "note": self.note,
        }


def availability(model_name: str, params: dict, time_limit: float = 60.0, rename=lambda s: s) -> list[Answer]:
    """The three answers for the registered model ``model_name`` with ``params`` (the
    configuration's; its clients and fault budget are replaced as the module docstring says).
    ``time_limit`` bounds each search, in seconds; ``rename`` turns model node names into
    the user's in trace lines."""
    cls = model_class(model_name)
    declared = {p.name for p in cls.PARAMS}

    def build(given: dict):
        return cls(**typed_params(cls, {k: v for k, v in given.items() if k in declared}))

    members = build(_fault_free(params, 0, "w")).node_count
    most = next((p.maximum for p in cls.PARAMS if p.name == "crashes"), None)
    limit = members if most is None else min(members, most)  # the model's crash budget caps k
    return [
        _with_home_caveat(_ops_with_down(build, params, members, limit, "w", time_limit, rename), model_name),
        _with_home_caveat(
            _with_read_caveat(_ops_with_down(build, params, members, limit, "r", time_limit, rename), params),
            model_name,
        ),
        _writes_survive_crashes(build, params, members, limit, time_limit, rename),
    ]


def _one_client(params: dict, script: str) -> dict:
    out = dict(params)
    out["clients"] = (script,)
    for name in PER_CLIENT:
        if out.get(name):
            out[name] = tuple(out[name])[:1]
    return out


def _fault_free(params: dict, crashes: int, script: str) -> dict:
    out = _one_client(params, script)
    out.update(NO_OTHER_FAULTS)
    out["crashes"] = crashes
    return out


def _ops_with_down(build, params: dict, members: int, limit: int, op: str, time_limit: float, rename) -> Answer:
    what = "write is acknowledged" if op == "w" else "read is answered"
    answer = Answer(f"members down (from the start, for good) while a {what}", 0, members)
    for k in range(1, limit + 1):
        for down in combinations(range(members), k):
            model = _down_from_start(build(_fault_free(params, k, op)), down, op)
            result = check(model, properties=["goes_through"], time_limit=time_limit)
            answer.states = max(answer.states, result.stats.states)
            verdict = result["goes_through"].verdict
            if verdict is Verdict.UNKNOWN:
                answer.complete = False
                answer.note = f"the search with {', '.join(_names(model, down, rename))} down stopped at its time limit"
                return answer
            if verdict is Verdict.VIOLATED:
                return _broken(answer, model, down, op, time_limit, rename)
        answer.survives = k
    return _capped(answer, limit)


def _with_read_caveat(answer: Answer, params: dict) -> Answer:
    # The sloppy quorum's reads ask the homes only, where Riak with pr=0 lets fallbacks answer.
    if params.get("sloppy") and not answer.note:
        answer.note = (
            "reads ask the home replicas only in the model; a store that lets fallback nodes "
            "answer reads (Riak with pr=0) answers with fewer homes up, so this is a lower bound"
        )
    return answer


def _with_home_caveat(answer: Answer, model_name: str) -> Answer:
    # A multi-leader client sends its writes (and, sticky, its reads) to its home leader only,
    # so the count is of that one client's route, not of the system's regions.
    if model_name == "multi_leader" and answer.survives < answer.out_of and not answer.note:
        answer.note = (
            "the client talks only to its home server (region), as the configuration routes it: with "
            "that one down it cannot go through, though the other servers still accept writes from "
            "their own clients"
        )
    return answer


def _capped(answer: "Answer", limit: int) -> "Answer":
    """An answer that ran out of the model's crash budget before breaking is a lower bound."""
    if answer.survives < answer.out_of and not answer.broken_by:
        answer.complete = False
        answer.note = f"the model allows at most {limit} crashes; more were not explored"
    return answer


def _broken(answer: Answer, model, down: tuple, op: str, time_limit: float, rename) -> Answer:
    answer.broken_by = _names(model, down, rename)
    # A stuck state whose request did not just go to a down node explains more (the write
    # reached a live node and still could not succeed); fall back to any stuck state.
    model.explained = True
    stuck = check(model, properties=["never_stuck"], time_limit=time_limit)
    if stuck["never_stuck"].trace is None:
        model.explained = False
        stuck = check(model, properties=["never_stuck"], time_limit=time_limit)
    trace = stuck["never_stuck"].trace
    head = f"{', '.join(answer.broken_by)} down from the start"
    if trace is None:
        answer.trace = [
            f"{head}; no state where nothing more can happen was found "
            f"({stuck['never_stuck'].verdict.value}): the operation waits in a cycle"
        ]
    else:
        answer.trace = (
            [f"{head}:"]
            + [rename(line) for line in trace_lines(model, trace, "")]
            + [f"and nothing more can happen: the {'write' if op == 'w' else 'read'} never succeeds"]
        )
    return answer


def _names(model, nodes, rename) -> tuple:
    return tuple(rename(model.node_name(n)) for n in nodes)


def _writes_survive_crashes(build, params: dict, members: int, limit: int, time_limit: float, rename) -> Answer:
    answer = Answer("crashes at any moment, for good, without losing an acknowledged write", 0, members)
    for k in range(0, limit + 1):
        model = _keeping_writes(build(_fault_free(params, k, "w")))
        result = check(model, properties=["acknowledged_writes_kept"], time_limit=time_limit)
        answer.states = max(answer.states, result.stats.states)
        prop = result["acknowledged_writes_kept"]
        if prop.verdict is Verdict.UNKNOWN:
            answer.complete = False
            answer.note = f"the search with {k} crashes was not decided: {prop.reason}"
            return answer
        if prop.verdict is Verdict.VIOLATED:
            answer.broken_by = (f"{k} crash{'es' if k != 1 else ''}",)
            answer.trace = [rename(line) for line in trace_lines(model, prop.trace, "", prop.loop_start)]
            answer.survives = k - 1
            return _with_sender_caveat(answer, model)
        answer.survives = k
    return _with_sender_caveat(_capped(answer, limit), model)


def _with_sender_caveat(answer: Answer, model) -> Answer:
    # This count waits for delivery: a copy already sent still arrives, even from a member that
    # has crashed since, where durable_acks (a property of every state) does not count a copy
    # that is only in flight. Say so wherever the count relies on it.
    if answer.survives < 1 or answer.note:
        return answer
    differs = (
        "durable_acks, which does not count a copy that is only in flight, can report a loss where this count holds"
    )
    if model.name == "leader_follower":
        answer.note = (
            f"messages a member sent before it crashed still arrive in the model, and this count relies on them "
            f"({differs})"
        )
        if answer.survives > 1:
            answer.note += (
                "; where replicas pull the log from a sync source (MongoDB secondaries), one whose source died may "
                "never get them, so beyond one crash this is an upper bound"
            )
    elif model.name == "multi_leader":
        answer.note = f"replication messages a server sent before it crashed still arrive in the model ({differs})"
    else:
        answer.note = (
            "the client coordinates, and puts it has sent still arrive, so a write acknowledged by one replica "
            "survives that replica's crash; a coordinator node that acknowledges and crashes before forwarding "
            f"is not modelled here ({differs})"
        )
    return answer


def _keeping_writes(model):
    """``model`` with one property of its own, ``acknowledged_writes_kept``: on every fair
    behaviour, from some moment on, ``no_acknowledged_write_lost`` holds for good. A write
    that is for a moment on no live replica but still on its way to one (a message in flight,
    a hint) is not lost; one that no fair behaviour can bring back is."""
    family = type(model)

    class KeepingWrites(family):
        @eventually_always
        def acknowledged_writes_kept(self, world) -> bool:
            """Every acknowledged write ends up kept for good."""
            return self.no_acknowledged_write_lost(world)

    KeepingWrites.__name__ = KeepingWrites.__qualname__ = family.__name__
    model.__class__ = KeepingWrites
    return model


def _down_from_start(model, down: tuple, op: str):
    """``model`` whose initial state has ``down`` crashed already (by the model's own crash
    steps, so the family's consequences of a crash apply), with two properties of its own:
    ``goes_through`` (a witness: the client's one operation succeeds) and ``never_stuck``
    (a state where nothing can happen any more, the operation not having succeeded)."""
    family = type(model)

    class DownFromStart(family):
        explained = False

        def init_states(self):
            for world in family.init_states(self):
                yield _crashed(self, world, down)

        @sometimes
        def goes_through(self, world) -> bool:
            """The client's operation succeeds."""
            return _succeeded(world, op)

        @always
        def never_stuck(self, world) -> bool:
            """Not (nothing can happen any more and the operation has not succeeded; with
            ``explained``, also no client request waits at a down node)."""
            if _succeeded(world, op) or next(iter(self.next_steps(world)), None) is not None:
                return True
            return self.explained and any(
                m.src >= self.node_count and not self.node_is_up(world, m.dst) for m in world.net
            )

    DownFromStart.__name__ = DownFromStart.__qualname__ = family.__name__
    model.__class__ = DownFromStart
    return model


def _crashed(model, world, down: tuple):
    for node in down:
        after = next((w for a, w in model.next_steps(world) if a.kind == "crash" and a.actor == node), None)
        if after is None:
            raise ValueError(f"{model.node_name(node)} cannot crash in this model")
        world = after
    return world


def _succeeded(world, op: str) -> bool:
    return any(e.kind == "ok" and e.op == op for e in world.history)


def answer_lines(answers: list[Answer]) -> list[str]:
    """The answers as indented text lines, traces included."""
    out = [
        "  availability (by exploration of the model as translated above, routing of reads and "
        "writes included; one client, one operation; crashes only, no partitions, no lost "
        "messages; docs/databases.md, Availability in numbers):"
    ]
    for a in answers:
        if a.complete and not a.survives:
            count = f"none of {a.out_of}"
        else:
            count = f"{'any' if a.complete else 'at least'} {a.survives} of {a.out_of}"
        out.append(f"    {a.question}: {count}")
        if a.broken_by:
            out.append(f"      breaks with {', '.join(a.broken_by)}{' down' if 'crash' not in a.broken_by[0] else ''}:")
            out += ["        " + line for line in a.trace]
        if a.note:
            out.append(f"      ({a.note})")
    return out
