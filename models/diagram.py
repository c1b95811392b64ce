"""Drawing a runtime trace as a space-time diagram (see ``replcheck.checker.diagram``).

Lanes: clients first, then the nodes. A row per step. A message is an arrow from the step
that sent it to the step that delivered (or dropped) it; messages still in flight at the
end are dashed lines to an "in flight" marker below the last row. Invocations and
completions sit on the client's lane; crashes and recoveries on the node's lane, which is
drawn dashed while the node is down; a partition is a line between the two sides.

The title names the anomaly in words, the caption says what went wrong in this trace in one
sentence, a legend explains the version notation of the family, and the row below the last
step shows what each replica holds at the end (for a lasso: for ever). Leaderless traces
mark the write and read quorums of the operations that went wrong and say whether they
meet. A last-write-wins trace of a discarded write continues past the violation until the
messages in flight have arrived, so the discard itself is on the page.
"""

from collections import Counter
from dataclasses import replace

from replcheck.checker.diagram import Arrow, Cut, Diagram, Event, Lane, LaneMark

from .guarantees import explain

# The anomaly in words, for titles (the property's name where none is given).
ANOMALY = {
    "read_your_writes": "A read misses the session's own acknowledged write",
    "monotonic_reads": "A later read goes back in time",
    "monotonic_writes": "A session's later write does not replace its earlier one",
    "writes_follow_reads": "A write does not replace the value its session had read",
    "no_lost_updates": "A later acknowledged write is discarded",
    "durable_acks": "An acknowledged write is lost",
    "linearizable": "The reads are impossible for a single copy (not linearizable)",
    "single_leader": "Two nodes lead in the same term (without terms: at the same time)",
    "no_split_brain": "Two nodes act as leader at once (split brain)",
    "convergence": "The replicas never agree",
    "eventual_convergence": "The replicas never agree",
    "counts_every_increment": "The counter does not equal the acknowledged increments",
    "leader_eventually": "No node leads again",
}

# How to read the version labels, per family (legend under each diagram).
LEGEND = {
    "leaderless": "Notation: x=1@3 is key x holding value 1 with timestamp 3. Values are numbered 1, 2, ... in "
    "the order the scripts write them; init is the value before any write.",
    "leader_follower": "Notation: 1@1.2 is value 1 at log position 2, written in term 1; 0.0 means nothing "
    "written yet. Values are numbered 1, 2, ... in script order; init is the initial value.",
    "multi_leader": "Notation: 1@t2/l1 is value 1 stamped at clock time 2 by leader l1 (last-write-wins); "
    "1@[1,0] is value 1 with version vector [writes from l0, writes from l1] (siblings, CRDTs).",
}
QUORUM_COLOURS = ("#1f5fbf", "#1e7a3c")


def build_diagram(model, trace, prop) -> Diagram:
    """The diagram of ``trace`` for property result ``prop`` (a violation or a witness)."""
    asked = prop.name
    if prop.kind == "always" and prop.name == "no_acknowledged_write_lost":
        prop = replace(prop, name=model.lost_by(trace.steps[-1].state))
    violation_row = len(trace.steps) - 1
    if prop.kind == "always" and prop.name == "no_lost_updates":
        trace = _until_quiet(model, trace)
    steps = trace.steps
    actors = [model.client_actor(c) for c in range(model.client_count)] + list(range(model.node_count))
    lanes = tuple(
        Lane(model.actor_name(a), _lane_label(model, steps, a), "client" if a >= model.node_count else "replica")
        for a in actors
    )
    labels: dict[tuple[str, int], list[str]] = {}
    kinds: dict[tuple[str, int], str] = {}
    arrows: list[Arrow] = []
    sent: dict = {}  # message -> list of rows it was sent at (oldest first)

    def put(actor: int, row: int, text: str, kind: str = "step") -> None:
        key = (model.actor_name(actor), row)
        labels.setdefault(key, []).append(text)
        if kind != "step" or key not in kinds:
            kinds[key] = kind

    for row in range(1, len(steps)):
        before, after, action = steps[row - 1].state, steps[row].state, steps[row].action
        _place_action(model, action, row, put, arrows, sent, before)
        for msg in _added(before.net, after.net, action):
            sent.setdefault(msg, []).append(row)
            if not (action.kind in model.self_sending_kinds or action.actor == msg.src):
                put(msg.src, row, "send")
        for node in range(model.node_count):
            role = model.node_role(after, node)
            if role != model.node_role(before, node):
                put(node, row, f"now {role}", "role")
        for e in after.history[len(before.history) :]:
            if e.kind == "ok":
                actor = model.client_actor(e.client)
                what = (
                    f"write {model.key_name(e.key)}={model.value_name(e.value)}"
                    if e.op == "w"
                    else f"read {model.key_name(e.key)} -> {model.value_name(e.value)}"
                )
                put(actor, row, f"ok: {what}", "ok")
            elif e.kind in ("info", "fail"):
                word = "indeterminate" if e.kind == "info" else "refused"
                put(model.client_actor(e.client), row, f"{word}: {e.op} {model.key_name(e.key)}", "ok")
    last = len(steps) - 1
    if prop.kind == "always" and prop.name == "durable_acks":
        _mark_lost_write(model, steps, put)
    in_flight = Counter(steps[-1].state.net)
    for msg, rows in sorted(sent.items()):
        # Messages the runtime forgot (replies to finished operations) are not drawn.
        for r in rows[len(rows) - min(len(rows), in_flight[msg]) :]:
            arrows.append(
                Arrow(
                    model.actor_name(msg.src),
                    r,
                    model.actor_name(msg.dst),
                    last,
                    model.describe_msg(msg) + " (in flight)",
                    "pending",
                )
            )
    events = tuple(
        Event(lane, row, "\n".join(texts), kinds.get((lane, row), "step"))
        for (lane, row), texts in sorted(labels.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
    loop_from = getattr(prop, "loop_start", None)
    title, caption = _title_and_caption(model, steps[: violation_row + 1], prop, loop_from)
    marks, note = _quorum_marks(model, steps[: violation_row + 1], prop)
    if violation_row < last:
        note = (note + "\n" if note else "") + (
            f"Steps after {violation_row} (grey) show what follows: once the messages in flight "
            f"have arrived, {_final_words(model, steps[-1].state)}."
        )
    summary = model.summary() if hasattr(model, "summary") else ""
    verdict = "reachable (a witness)" if prop.kind == "sometimes" else "VIOLATED"
    return Diagram(
        title=f"{title}\n{model.display_name()} {summary}: {asked} {verdict}".rstrip(),
        caption=caption,
        lanes=lanes,
        rows=last,
        events=events,
        arrows=tuple(sorted(arrows)),
        highlight_row=None if loop_from is not None else violation_row,
        loop_from=loop_from,
        highlight_lanes=_acting_lanes(model, steps[: violation_row + 1]),
        step_labels=tuple(str(s.action) for s in steps[1:]),
        final_marked=_diverged(model, steps[-1].state) if loop_from is not None else (),
        highlight_kind="witness" if prop.kind == "sometimes" else "violation",
        down=_down_segments(model, steps),
        cuts=_cuts(model, steps),
        lane_marks=marks,
        note=note,
        legend=LEGEND.get(model.display_name(), ""),
        final_states=_final_states(model, steps[-1].state),
    )


def _title_and_caption(model, steps, prop, loop_from) -> tuple[str, str]:
    """The anomaly in words, and what went wrong in this trace in one sentence."""
    final, last = steps[-1].state, len(steps) - 1
    if prop.kind == "sometimes":
        action = steps[-1].action if last else None
        title = "Witness: " + prop.description.rstrip(".")
        return title, (
            f"A reachable situation, not a violated property ({prop.name}): it is "
            f"reached at step {last}" + (f", when {action}." if action else ".")
        )
    title = ANOMALY.get(prop.name, prop.name.replace("_", " ").capitalize() + " is broken")
    if loop_from is not None:
        how = (
            "stays so for ever: no fair step is left"
            if loop_from == last
            else f"the steps from {loop_from} on repeat for ever"
        )
        return title, f"The replicas never agree: {_final_words(model, final)}, and {how}."
    if prop.name == "linearizable":
        stale = _stale_read(model, final)
        if stale:
            return title, stale
    if prop.name in _GUARANTEES:
        return title, explain(model, prop.name, final) + "."
    if prop.name in ("single_leader", "no_split_brain"):
        leaders = [
            model.actor_name(n)
            for n in range(model.node_count)
            if model.node_role(final, n).startswith("leader") and model.node_is_up(final, n)
        ]
        if len(leaders) > 1:
            return title, f"At step {last} {' and '.join(leaders)} both act as leader."
    if prop.name == "counts_every_increment":
        acked = sum(1 for e in final.history if e.kind == "ok" and e.op == "w")
        dup = [r for r in range(1, len(steps)) if steps[r].action.kind == "duplicate"]
        why = f" (the network delivered a request twice at step {dup[0]})" if dup else ""
        return title, (
            f"{acked} increment{'s' if acked != 1 else ''} acknowledged, yet {_final_words(model, final)}{why}."
        )
    return title, f"At step {last} this fails: {_final_words(model, final)}."


def _stale_read(model, world) -> str:
    """A read that returned a value older than a write acknowledged before the read began,
    in one sentence ("" when the violation is of another shape)."""
    from .guarantees import operations

    ops = operations(world.history)
    name = lambda o: model.actor_name(model.client_actor(o.client))
    for read in reversed(ops):
        if read.op != "r" or read.returned is None:
            continue
        for write in ops:
            if (
                write.op == "w"
                and write.key == read.key
                and write.returned is not None
                and write.returned < read.invoked
                and write.value != read.value
                and not model.covers(read.version, write.version)
            ):
                k, v = model.key_name, model.value_name
                return (
                    f"{name(read)} read {k(read.key)}={v(read.value)}, although {name(write)}'s write "
                    f"{k(write.key)}={v(write.value)} had been acknowledged before the read began."
                )
    return ""


def _final_words(model, world) -> str:
    """What each live replica holds, grouped: "n0, n1 hold x=1@1; n2 holds x=init@0"."""
    groups: dict[str, list[str]] = {}
    for n in range(model.node_count):
        if model.node_is_up(world, n):
            groups.setdefault(model.describe_node(world.nodes[n]), []).append(model.actor_name(n))
    if len(groups) == 1:
        return f"every live replica: {next(iter(groups))}"
    return "; ".join(f"{', '.join(names)}: {text}" for text, names in groups.items())


def _diverged(model, world) -> tuple[str, ...]:
    """The live replicas outside the largest group of agreeing ones (for a lasso's end)."""
    groups: dict[str, list[str]] = {}
    for n in range(model.node_count):
        if model.node_is_up(world, n):
            groups.setdefault(model.describe_node(world.nodes[n]), []).append(model.actor_name(n))
    if len(groups) < 2:
        return ()
    largest = max(groups.values(), key=len)
    return tuple(name for names in groups.values() if names is not largest for name in names)


def _final_states(model, world) -> tuple[tuple[str, str], ...]:
    out = []
    for n in range(model.node_count):
        text = model.describe_node(world.nodes[n]).replace(", ", "\n")
        out.append((model.actor_name(n), text if model.node_is_up(world, n) else "down\n" + text))
    return tuple(out)


def _down_segments(model, steps) -> tuple[tuple[str, int], ...]:
    """(lane, row) for every row after which a node is down (its lane drawn dashed)."""
    return tuple(
        (model.actor_name(n), row)
        for row, step in enumerate(steps)
        for n in range(model.node_count)
        if step.state.faults.down >> n & 1
    )


def _cuts(model, steps) -> tuple[Cut, ...]:
    """The partitions of the trace: the row each started, the row it healed, its side."""
    cuts, start, side = [], None, 0
    for row in range(1, len(steps)):
        action = steps[row].action
        if action.kind == "partition":
            start, side = row, action.detail
        elif action.kind == "heal" and start is not None:
            cuts.append((start, row, side))
            start = None
    if start is not None:
        cuts.append((start, None, side))
    actors = model.node_count + model.client_count
    return tuple(Cut(a, b, tuple(model.actor_name(x) for x in range(actors) if mask >> x & 1)) for a, b, mask in cuts)


def _quorum_marks(model, steps, prop) -> tuple[tuple[LaneMark, ...], str]:
    """For quorum systems (parameters w and r): the replicas whose answers made the last read
    and the write it should have seen, and whether the two quorums meet."""
    params = getattr(model, "params", {})
    if (
        "w" not in params
        or "r" not in params
        or prop.kind != "always"
        or prop.name not in ("read_your_writes", "monotonic_reads", "linearizable")
    ):
        return (), ""
    ops = _answering_nodes(model, steps)
    reads = [(e, nodes) for e, nodes in ops if e.op == "r"]
    if not reads:
        return (), ""
    read, read_nodes = reads[-1]
    writes = [(e, nodes) for e, nodes in ops if e.op == "w" and e.key == read.key]
    if not writes:
        return (), ""
    write, write_nodes = writes[-1]
    name = model.actor_name
    marks = tuple(LaneMark(name(n), "in write quorum", QUORUM_COLOURS[0]) for n in sorted(write_nodes)) + tuple(
        LaneMark(name(n), "in read quorum", QUORUM_COLOURS[1]) for n in sorted(read_nodes)
    )
    shown = lambda nodes: "{" + ", ".join(name(n) for n in sorted(nodes)) + "}"
    shared = write_nodes & read_nodes
    verdict = (
        "they share no replica: DISJOINT, so the read cannot see the write"
        if not shared
        else f"they share {shown(shared)}"
    )
    note = (
        f"Write quorum of {model.value_name(write.value)}: {shown(write_nodes)} (W={params['w']}); "
        f"read quorum of the last read: {shown(read_nodes)} (R={params['r']}); {verdict}."
    )
    return marks, note


def _answering_nodes(model, steps) -> list:
    """Each completed operation (its "ok" event) with the nodes whose messages reached its
    client while it ran (its quorum, for a client that coordinates its own quorum)."""
    running: dict[int, set] = {}
    done = []
    for row in range(1, len(steps)):
        before, after, action = steps[row - 1].state, steps[row].state, steps[row].action
        if action.kind == "deliver" and action.msg is not None and action.msg.src < model.node_count:
            dst = action.msg.dst
            for c in range(model.client_count):
                if model.client_actor(c) == dst and c in running:
                    running[c].add(action.msg.src)
        for e in after.history[len(before.history) :]:
            if e.kind == "invoke":
                running[e.client] = set()
            elif e.kind == "ok":
                done.append((e, frozenset(running.pop(e.client, set()))))
    return done


def _until_quiet(model, trace, limit: int = 12):
    """The trace continued by delivering messages in flight (the model's first delivery
    each time) until none is left, so a discard that the violation implies is drawn."""
    from replcheck.checker.result import Step, Trace

    steps = list(trace.steps)
    for _ in range(limit):
        world = steps[-1].state
        nxt = next(((a, s) for a, s in model.next_steps(world) if a.kind == "deliver"), None)
        if nxt is None:
            break
        steps.append(Step(*nxt))
    return Trace(tuple(steps))


def _acting_lanes(model, steps) -> tuple[str, ...]:
    """The lanes that made the last step: its actor and any client whose operation ended."""
    if len(steps) < 2:
        return ()
    before, after, action = steps[-2].state, steps[-1].state, steps[-1].action
    actors = {action.actor} if action.actor >= 0 else set()
    actors |= {model.client_actor(e.client) for e in after.history[len(before.history) :]}
    return tuple(sorted(model.actor_name(a) for a in actors))


def _lane_label(model, steps, actor: int) -> str:
    """The lane's name (a family's ``lane_label`` may add facts such as clock offsets) and,
    for nodes with roles, the role they start in."""
    if hasattr(model, "lane_label"):
        name = model.lane_label(steps[-1].state, actor)
    else:
        name = model.actor_name(actor)
    role = model.node_role(steps[0].state, actor) if actor < model.node_count else ""
    return f"{name}\n({role})" if role else name


def _mark_lost_write(model, steps, put) -> None:
    """Mark where the lost write was acknowledged and the step at which it disappeared."""
    for o in model.lost_writes(steps[-1].state):
        what = f"{model.key_name(o.key)}={model.value_name(o.value)}"
        for row in range(1, len(steps)):
            if len(steps[row].state.history) > o.returned:
                put(model.client_actor(o.client), row, f"acknowledged {what} (later lost)", "lost")
                break
        action = steps[-1].action
        if 0 <= action.actor < model.node_count:
            put(action.actor, len(steps) - 1, f"{what} lost here", "lost")
        return


_GUARANTEES = {
    "read_your_writes",
    "monotonic_reads",
    "monotonic_writes",
    "writes_follow_reads",
    "no_lost_updates",
    "durable_acks",
    "linearizable",
}


def _added(before: tuple, after: tuple, action) -> list:
    diff = Counter(after)
    diff.subtract(Counter(before))
    if action.kind in ("deliver", "drop") and action.msg is not None:
        diff[action.msg] += 1  # the consumed copy is not a new message
    return sorted(m for m, n in diff.items() for _ in range(max(n, 0)))


def _place_action(model, action, row, put, arrows, sent, before) -> None:
    kind, msg = action.kind, action.msg
    name = model.actor_name
    if kind == "invoke":
        op = action.detail
        what = (
            f"write {model.key_name(op.key)}={model.value_name(op.value)}"
            if op.kind == "w"
            else f"read {model.key_name(op.key)}"
        )
        put(action.actor, row, what, "invoke")
    elif kind in ("deliver", "duplicate", "drop"):
        origin = sent.get(msg) or [0]
        src_row = origin[0] if kind == "duplicate" else origin.pop(0)
        if not origin:
            sent.pop(msg, None)
        if kind == "drop":
            put(msg.dst, row, "lost: " + model.describe_msg(msg), "fault")
            arrows.append(Arrow(name(msg.src), src_row, name(msg.dst), row, model.describe_msg(msg), "dropped"))
        else:
            copy = " (the network keeps a copy)" if kind == "duplicate" else ""
            put(msg.dst, row, "recv " + model.describe_msg(msg) + copy, "fault" if copy else "step")
            arrows.append(Arrow(name(msg.src), src_row, name(msg.dst), row, model.describe_msg(msg), "message"))
    elif kind in ("crash", "recover"):
        put(action.actor, row, kind + "es" if kind == "crash" else "recovers", "fault" if kind == "crash" else "heal")
    elif kind in ("partition", "heal"):
        pass  # drawn as the line between the two sides (``_cuts``)
    else:
        put(action.actor, row, str(action), "step")
