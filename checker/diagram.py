"""Space-time diagrams: a small intermediate form, its DOT text, and SVG through graphviz.

The form knows lanes (one per process), rows (one per trace step, time downward), events
on a lane at a row, and arrows between events (messages). It knows nothing about
replication: models build it from their traces. The DOT text is a pure function of the
diagram, so the same trace always gives byte-identical DOT.
"""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .output import write_atomic

KIND_STYLE = {
    # kind: (fill colour, font colour)
    "invoke": ("#e8f0fe", "#1a3d7c"),
    "ok": ("#e6f4ea", "#1e5631"),
    "step": ("#ffffff", "#222222"),
    "fault": ("#fff1e0", "#7a3b00"),
    "heal": ("#eef7ee", "#2d5a2d"),
    "violation": ("#ffd6d6", "#a00000"),
    "witness": ("#dbe8ff", "#0d3b8c"),
    "lost": ("#fff1cc", "#7a4b00"),
    "role": ("#f3e8fd", "#4a148c"),
}
# The pen of the marked last step: red is for violations only; a witness (something
# reachable, nothing wrong) ends in blue.
ENDING_PEN = {"violation": "#a00000", "witness": "#1f4fa8"}


@dataclass(frozen=True)
class Lane:
    """A process's column: ``key`` names it in events and arrows, ``label`` heads it."""

    key: str
    label: str
    group: str = ""  # e.g. "client" or "replica": lanes of a group sit together


@dataclass(frozen=True)
class Event:
    """Something a lane did at a row (a box with ``label``; ``kind`` picks its colours)."""

    lane: str
    row: int
    label: str
    kind: str = "step"


@dataclass(frozen=True, order=True)
class Arrow:
    """A message from the event at (src_lane, src_row) to (dst_lane, dst_row).

    ``style`` is "message", "dropped" (lost by the network: ends in a bar) or "pending" (never
    delivered within the trace: a dashed line without an arrowhead, ending at the receiver's
    "in flight" marker below the last row; ``dst_row`` is ignored)."""

    src_lane: str
    src_row: int
    dst_lane: str
    dst_row: int
    label: str
    style: str = "message"


@dataclass(frozen=True)
class LaneMark:
    """A note under a lane's header in a colour, e.g. which quorum the lane belongs to."""

    lane: str
    text: str
    colour: str


@dataclass(frozen=True)
class Cut:
    """A partition from row ``start`` until row ``end`` (None: never healed): the lanes in
    ``side`` are cut off from the others. Drawn as a thick line between the two sides."""

    start: int
    end: int | None
    side: tuple[str, ...]


@dataclass(frozen=True)
class Diagram:
    """A space-time diagram (see the module docstring). Everything after ``highlight_row``
    (``rows`` beyond it) is drawn as what happens after the marked step."""

    title: str
    caption: str
    lanes: tuple[Lane, ...]
    rows: int  # trace steps; row 0 is the initial state
    events: tuple[Event, ...]
    arrows: tuple[Arrow, ...] = ()
    highlight_row: int | None = None
    step_labels: tuple[str, ...] = field(default=())  # per row, shown in the left margin
    loop_from: int | None = None  # lassos: rows >= loop_from repeat for ever
    highlight_lanes: tuple[str, ...] = ()  # lanes whose event at highlight_row is marked (all if empty)
    highlight_kind: str = "violation"  # or "witness": how the marked step is coloured
    down: tuple[tuple[str, int], ...] = ()  # (lane, row): the lane is down from row to row + 1
    cuts: tuple[Cut, ...] = ()
    lane_marks: tuple[LaneMark, ...] = ()
    final_states: tuple[tuple[str, str], ...] = ()  # (lane, text): each lane's state at the end
    final_marked: tuple[str, ...] = ()  # lanes whose final state is the violation (drawn red)
    note: str = ""  # one more fact under the caption (e.g. the quorums' overlap)
    legend: str = ""  # how to read the labels (version notation)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(lane_index: int, row: int) -> str:
    return f"L{lane_index}_{row}"


PARTITION_LANE = " partition"  # a key no actor has (actor names have no spaces)


def _ordered_lanes(d: Diagram) -> list[Lane]:
    """The lanes, with the first partition's side moved together and a partition lane
    between the two sides (so the cut is a line between them, not a box on one node)."""
    if not d.cuts:
        return list(d.lanes)
    side = set(d.cuts[0].side)
    inside = [lane for lane in d.lanes if lane.key in side]
    outside = [lane for lane in d.lanes if lane.key not in side]
    return outside + [Lane(PARTITION_LANE, "partition", "cut")] + inside


def to_dot(d: Diagram) -> str:
    """The diagram as DOT text (deterministic: same diagram, same bytes)."""
    lanes = _ordered_lanes(d)
    lane_index = {lane.key: i for i, lane in enumerate(lanes)}
    events = {(e.lane, e.row): e for e in d.events}
    pending = sorted({a.dst_lane for a in d.arrows if a.style == "pending"})
    end_row = d.rows + 1 if (pending or d.final_states) else None
    out = [
        "digraph trace {",
        "  graph [rankdir=TB, nodesep=0.35, ranksep=0.22, splines=line, outputorder=edgesfirst, "
        f'fontname="Helvetica", labelloc=t, label={_q(d.title)}, fontsize=16];',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    out += _step_column(d, end_row)
    marks = {}
    for m in d.lane_marks:
        marks.setdefault(m.lane, []).append(m)
    dead = set(d.down)
    for i, lane in enumerate(lanes):
        if lane.key == PARTITION_LANE:
            out += _partition_lane(i, d, end_row)
            continue
        out.append(f"  H{i} {_header_attrs(lane, marks.get(lane.key, []))};")
        for r in range(d.rows + 1):
            marked = r == d.highlight_row and (not d.highlight_lanes or lane.key in d.highlight_lanes)
            out.append(f"  {_node(i, r)} {_event_attrs(events.get((lane.key, r)), marked, d.highlight_kind)};")
        out.append(f'  H{i} -> {_node(i, 0)} [arrowhead=none, color="#9a9a9a", weight=100];')
        for r in range(d.rows):
            out.append(f"  {_node(i, r)} -> {_node(i, r + 1)} {_lane_segment((lane.key, r) in dead)};")
        if end_row is not None:
            out.append(f"  {_node(i, end_row)} {_end_attrs(lane.key, d, pending)};")
            segment = _lane_segment((lane.key, d.rows) in dead, faint=True)
            out.append(f"  {_node(i, d.rows)} -> {_node(i, end_row)} {segment};")
    last = d.rows if end_row is None else end_row
    out.append("  { rank=same; T_head; " + " ".join(f"H{i};" for i in range(len(lanes))) + " }")
    # Edges inside a rank fix the left-to-right order of the lanes.
    out.append("  " + " -> ".join(["T_head"] + [f"H{i}" for i in range(len(lanes))]) + " [style=invis];")
    for r in range(last + 1):
        out.append(f"  {{ rank=same; T_{r}; " + " ".join(f"{_node(i, r)};" for i in range(len(lanes))) + " }")
    for a in d.arrows:
        out.append("  " + _arrow(a, lane_index, end_row))
    if d.loop_from is not None:
        out.append(
            f'  T_{d.rows} -> T_{d.loop_from} [constraint=false, color="#7a4b00", penwidth=2.5, '
            f'label="repeats\\nfor ever", fontcolor="#7a4b00", fontsize=11];'
        )
    out += _footer(d, last)
    out.append("}")
    return "\n".join(out) + "\n"


def _step_column(d: Diagram, end_row: int | None) -> list[str]:
    out = ['  T_head [shape=plaintext, label="step"];']
    for r in range(d.rows + 1):
        text, colour = ("" if r == 0 else str(r)), ""
        if r == d.highlight_row:
            colour = f', fontcolor="{ENDING_PEN.get(d.highlight_kind, "#a00000")}"'
        elif d.highlight_row is not None and r > d.highlight_row:
            text, colour = f"{r} (after)", ', fontcolor="#8a8a8a"'
        if d.loop_from is not None and r > d.loop_from:
            text, colour = f"{r} (loop)", ', fontcolor="#7a4b00"'
        out.append(f"  T_{r} [shape=plaintext, label={_q(text)}{colour}];")
    if end_row is not None:
        word = "for ever" if d.loop_from is not None else "end"
        out.append(f'  T_{end_row} [shape=plaintext, label={_q(word)}, fontcolor="#555555"];')
    out.append("  T_head -> T_0 [style=invis];")
    for r in range(d.rows if end_row is None else end_row):
        out.append(f"  T_{r} -> T_{r + 1} [style=invis];")
    return out


def _header_attrs(lane: Lane, marks: list[LaneMark]) -> str:
    style = "shape=box" if lane.group != "client" else 'shape=box, style="rounded,filled", fillcolor="#f2f2f2"'
    if not marks:
        return f"[{style}, label={_q(lane.label)}]"
    text = lane.label + "".join("\n" + m.text for m in marks)
    return f'[{style}, color="{marks[0].colour}", penwidth=3, fontcolor="{marks[0].colour}", label={_q(text)}]'


def _lane_segment(dead: bool, faint: bool = False) -> str:
    if dead:  # the node is down: its lane is a dashed red line, plainly not alive
        return '[arrowhead=none, color="#d9a0a0", style=dashed, penwidth=1.5, weight=100]'
    colour = "#c8c8c8" if faint else "#9a9a9a"
    return f'[arrowhead=none, color="{colour}", weight=100]'


def _partition_lane(i: int, d: Diagram, end_row: int | None) -> list[str]:
    """The partition's own column: a thick line while the cut lasts, invisible otherwise."""
    cut = d.cuts[0]
    last = d.rows if end_row is None else end_row
    stop = last if cut.end is None else cut.end
    out = [f'  H{i} [shape=plaintext, label="", width=0.1];']
    for r in range(last + 1):
        label = "partition" if r == cut.start else ("heals" if r == cut.end else "")
        if label:
            out.append(
                f"  {_node(i, r)} [shape=plaintext, width=0.1, height=0.1, fontsize=9, "
                f'fontcolor="#b35900", label={_q(label)}];'
            )
        else:  # a point, so the line runs on without a gap (invisible outside the cut)
            shown = "" if cut.start <= r <= stop else ", style=invis"
            out.append(f'  {_node(i, r)} [shape=point, width=0.01, color="#b35900"{shown}];')
    out.append(f"  H{i} -> {_node(i, 0)} [style=invis, weight=100];")
    for r in range(last):
        on = cut.start <= r < stop
        style = 'color="#b35900", penwidth=5' if on else "style=invis"
        out.append(f"  {_node(i, r)} -> {_node(i, r + 1)} [arrowhead=none, {style}, weight=100];")
    return out


def _end_attrs(lane: str, d: Diagram, pending: list[str]) -> str:
    """The row below the last step: the lane's final state, and an in-flight marker when
    messages to it were never delivered."""
    state = dict(d.final_states).get(lane, "")
    lines = [state] if state else []
    if lane in pending:
        lines.append("(message in flight)")
    if not lines:
        return '[shape=point, width=0.04, color="#c8c8c8"]'
    if lane in d.final_marked:
        return (
            f'[shape=box, style="rounded,filled", fillcolor="{KIND_STYLE["violation"][0]}", '
            f'color="{ENDING_PEN["violation"]}", penwidth=2, fontcolor="{KIND_STYLE["violation"][1]}", '
            f"fontsize=9, label={_q(chr(10).join(lines))}]"
        )
    return (
        f'[shape=box, style="dashed,rounded", color="#8a8a8a", fontcolor="#444444", '
        f"fontsize=9, label={_q(chr(10).join(lines))}]"
    )


def _footer(d: Diagram, last: int) -> list[str]:
    out = [
        f'  caption [shape=note, style=filled, fillcolor="#fff8dc", fontsize=11, label={_q(d.caption)}];',
        f"  T_{last} -> caption [style=invis];",
    ]
    below = "caption"
    for name, text, fill in (("note", d.note, "#eef4ff"), ("legend", d.legend, "#f6f6f6")):
        if text:
            out.append(
                f'  {name} [shape=box, style=filled, color="#bbbbbb", fillcolor="{fill}", '
                f"fontsize=9, label={_q(text)}];"
            )
            out.append(f"  {below} -> {name} [style=invis];")
            below = name
    return out


def _event_attrs(e: Event | None, highlighted: bool, ending: str = "violation") -> str:
    if e is None:
        return '[shape=point, width=0.04, color="#9a9a9a"]'
    kind = ending if highlighted and e.kind not in ("fault",) else e.kind
    fill, font = KIND_STYLE.get(kind, KIND_STYLE["step"])
    pen = f', penwidth=2, color="{ENDING_PEN.get(ending, "#a00000")}"' if highlighted else ""
    return f'[shape=box, style="rounded,filled", fillcolor="{fill}", fontcolor="{font}"{pen}, label={_q(e.label)}]'


def _arrow(a: Arrow, lane_index: dict, end_row: int | None) -> str:
    src = _node(lane_index[a.src_lane], a.src_row)
    if a.style == "pending" and end_row is not None:
        dst = _node(lane_index[a.dst_lane], end_row)
    else:
        dst = _node(lane_index[a.dst_lane], a.dst_row)
    style = {
        "message": 'color="#1f5fbf"',
        "dropped": 'color="#c62828", style=dashed, arrowhead=tee',
        "pending": 'color="#a8a8a8", fontcolor="#777777", style=dashed, arrowhead=none',
    }[a.style]
    # xlabel: the label sits beside the line without bending it
    return f"{src} -> {dst} [constraint=false, {style}, xlabel={_q(a.label)}];"


def write_diagram(d: Diagram, stem: Path) -> tuple[Path, Path | None, str]:
    """Write ``stem.dot`` and, where graphviz's ``dot`` exists, ``stem.svg``.

    Returns (dot path, svg path or None, a note for the user when SVG could not be made)."""
    dot_text = to_dot(d)
    dot_path = stem.with_suffix(".dot")
    write_atomic(dot_path, dot_text)
    if shutil.which("dot") is None:
        return (
            dot_path,
            None,
            (
                "graphviz's 'dot' program is missing, so only DOT was written; "
                "for SVG install it (Debian/Ubuntu: apt-get install graphviz)"
            ),
        )
    import graphviz

    svg_path = stem.with_suffix(".svg")
    try:
        svg = graphviz.pipe("dot", "svg", dot_text.encode("utf-8"), quiet=True)
    except graphviz.CalledProcessError as exc:
        return dot_path, None, f"dot failed on {dot_path}: {exc}"
    write_atomic(svg_path, svg)
    return dot_path, svg_path, ""
