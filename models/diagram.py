"""Drawing a runtime trace as a space-time diagram (see ``replcheck.checker.diagram``).

Lanes: clients first, then the nodes. A row per step. A message is an arrow from the step
that sent it to the step that delivered (or dropped) it; messages still in flight at the
end are drawn dotted to the last row. Invocations and completions sit on the client's lane;
crashes, recoveries and partitions on the lanes they touch.
"""

from collections import Counter

from replcheck.checker.diagram import Arrow, Diagram, Event, Lane

from .guarantees import explain


def build_diagram(model, trace, prop) -> Diagram:
    """The diagram of ``trace`` for property result ``prop`` (a violation or a witness)."""
    steps = trace.steps
    actors = [model.client_actor(c) for c in range(model.client_count)] + \
        list(range(model.node_count))
    lanes = tuple(Lane(model.actor_name(a), _lane_label(model, steps, a),
                       "client" if a >= model.node_count else "replica") for a in actors)
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
        for e in after.history[len(before.history):]:
            if e.kind == "ok":
                actor = model.client_actor(e.client)
                what = f"write {model.key_name(e.key)}={model.value_name(e.value)}" if e.op == "w" \
                    else f"read {model.key_name(e.key)} -> {model.value_name(e.value)}"
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
        for r in rows[len(rows) - min(len(rows), in_flight[msg]):]:
            arrows.append(Arrow(model.actor_name(msg.src), r, model.actor_name(msg.dst), last,
                                model.describe_msg(msg) + " (in flight)", "pending"))
    events = tuple(Event(lane, row, "\n".join(texts), kinds.get((lane, row), "step"))
                   for (lane, row), texts in sorted(labels.items(), key=lambda kv: (kv[0][1], kv[0][0])))
    final = steps[-1].state
    loop_from = getattr(prop, "loop_start", None)
    if loop_from is not None:
        verb = {"eventually": "never becomes true", "always_eventually": "stops holding for good",
                "eventually_always": "keeps failing"}.get(prop.kind, "fails")
        if loop_from == last:
            loop = (f"From step {loop_from} on the state stays as it is for ever: no fair "
                    f"action is enabled there.")
        else:
            fair = sorted({str(s.action.kind) for s in steps[loop_from + 1:]})
            loop = (f"The loop from step {loop_from} repeats for ever, taking {', '.join(fair)}; "
                    f"every fair action that stays enabled is taken.")
        caption = f"{prop.name} {verb} ({prop.description.rstrip('.')}). {loop}"
        title = f"{model.name}: {prop.name} VIOLATED (lasso)"
    elif prop.kind == "always":
        caption = explain(model, prop.name, final) if prop.name in _GUARANTEES else \
            f"{prop.name} fails: {prop.description}"
        title = f"{model.name}: {prop.name} VIOLATED"
    else:
        caption = f"witness: {prop.description}"
        title = f"{model.name}: {prop.name} reachable"
    return Diagram(title=f"{title}  ({model.summary()})" if hasattr(model, "summary") else title,
                   caption=caption, lanes=lanes, rows=last, events=events,
                   arrows=tuple(sorted(arrows)), highlight_row=last, loop_from=loop_from,
                   highlight_lanes=_acting_lanes(model, steps),
                   step_labels=tuple(str(s.action) for s in steps[1:]))


def _acting_lanes(model, steps) -> tuple[str, ...]:
    """The lanes that made the last step: its actor and any client whose operation ended."""
    if len(steps) < 2:
        return ()
    before, after, action = steps[-2].state, steps[-1].state, steps[-1].action
    actors = {action.actor} if action.actor >= 0 else set()
    actors |= {model.client_actor(e.client) for e in after.history[len(before.history):]}
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


_GUARANTEES = {"read_your_writes", "monotonic_reads", "monotonic_writes", "writes_follow_reads",
               "no_lost_updates", "durable_acks", "linearizable"}


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
        what = f"write {model.key_name(op.key)}={model.value_name(op.value)}" if op.kind == "w" \
            else f"read {model.key_name(op.key)}"
        put(action.actor, row, what, "invoke")
    elif kind in ("deliver", "duplicate", "drop"):
        origin = sent.get(msg) or [0]
        src_row = origin[0] if kind == "duplicate" else origin.pop(0)
        if not origin:
            sent.pop(msg, None)
        if kind == "drop":
            put(msg.dst, row, "lost: " + model.describe_msg(msg), "fault")
            arrows.append(Arrow(name(msg.src), src_row, name(msg.dst), row,
                                model.describe_msg(msg), "dropped"))
        else:
            put(msg.dst, row, "recv " + model.describe_msg(msg))
            arrows.append(Arrow(name(msg.src), src_row, name(msg.dst), row,
                                model.describe_msg(msg), "message"))
    elif kind in ("crash", "recover"):
        put(action.actor, row, kind + "es" if kind == "crash" else "recovers",
            "fault" if kind == "crash" else "heal")
    elif kind == "partition":
        for a in range(model.node_count + model.client_count):
            if action.detail >> a & 1:
                put(a, row, "cut off by partition", "fault")
    elif kind == "heal":
        side = before.faults.side
        for a in range(model.node_count + model.client_count):
            if side >> a & 1:
                put(a, row, "partition heals", "heal")
    else:
        put(action.actor, row, str(action), "step")
