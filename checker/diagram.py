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
    "fault": ("#fde7e9", "#8b1a1a"),
    "heal": ("#eef7ee", "#2d5a2d"),
    "violation": ("#ffd6d6", "#a00000"),
    "lost": ("#fff1cc", "#7a4b00"),
    "role": ("#f3e8fd", "#4a148c"),
}


@dataclass(frozen=True)
class Lane:
    """One vertical line of the diagram: a process. ``key`` names it in events and arrows,
    ``label`` is its heading."""

    key: str
    label: str
    group: str = ""      # e.g. "client" or "replica": lanes of a group sit together


@dataclass(frozen=True)
class Event:
    """A box on ``lane`` at ``row`` (a trace step). ``kind`` picks its colours from
    ``KIND_STYLE``; an unknown kind is drawn as a plain "step"."""

    lane: str
    row: int
    label: str
    kind: str = "step"


@dataclass(frozen=True, order=True)
class Arrow:
    """A message from the event at (src_lane, src_row) to (dst_lane, dst_row).

    ``style`` is "message", "dropped" (lost by the network) or "pending" (never delivered
    within the trace: drawn to the bottom of the receiver's lane)."""

    src_lane: str
    src_row: int
    dst_lane: str
    dst_row: int
    label: str
    style: str = "message"


@dataclass(frozen=True)
class Diagram:
    """A whole space-time diagram: lanes, events and arrows over ``rows`` trace steps, the
    row to highlight (where the property fails), and a label per row for the margin."""

    title: str
    caption: str
    lanes: tuple[Lane, ...]
    rows: int                       # trace steps; row 0 is the initial state
    events: tuple[Event, ...]
    arrows: tuple[Arrow, ...] = ()
    highlight_row: int | None = None
    step_labels: tuple[str, ...] = field(default=())   # per row, shown in the left margin
    loop_from: int | None = None    # lassos: rows >= loop_from repeat for ever
    highlight_lanes: tuple[str, ...] = ()  # lanes whose event at highlight_row is marked (all if empty)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(lane_index: int, row: int) -> str:
    return f"L{lane_index}_{row}"


def to_dot(d: Diagram) -> str:
    """The diagram as DOT text (deterministic: same diagram, same bytes)."""
    lane_index = {lane.key: i for i, lane in enumerate(d.lanes)}
    events = {(e.lane, e.row): e for e in d.events}
    out = ["digraph trace {",
           "  graph [rankdir=TB, nodesep=0.35, ranksep=0.22, fontname=\"Helvetica\", "
           f"labelloc=t, label={_q(d.title)}, fontsize=16];",
           "  node [fontname=\"Helvetica\", fontsize=10];",
           "  edge [fontname=\"Helvetica\", fontsize=9];"]
    out.append("  T_head [shape=plaintext, label=\"step\"];")
    for r in range(d.rows + 1):
        text = "" if r == 0 else str(r)
        colour = ", fontcolor=\"#a00000\"" if r == d.highlight_row else ""
        if d.loop_from is not None and r > d.loop_from:
            text, colour = f"{r} (loop)", ", fontcolor=\"#7a4b00\""
        out.append(f"  T_{r} [shape=plaintext, label={_q(text)}{colour}];")
    out.append("  T_head -> T_0 [style=invis];")
    for r in range(d.rows):
        out.append(f"  T_{r} -> T_{r + 1} [style=invis];")
    for i, lane in enumerate(d.lanes):
        shape = "box" if lane.group != "client" else "box, style=\"rounded,filled\", fillcolor=\"#f2f2f2\""
        out.append(f"  H{i} [shape={shape}, label={_q(lane.label)}];")
        for r in range(d.rows + 1):
            marked = r == d.highlight_row and (not d.highlight_lanes or lane.key in d.highlight_lanes)
            out.append(f"  {_node(i, r)} {_event_attrs(events.get((lane.key, r)), marked)};")
        out.append(f"  H{i} -> {_node(i, 0)} [arrowhead=none, color=\"#9a9a9a\", weight=100];")
        for r in range(d.rows):
            out.append(f"  {_node(i, r)} -> {_node(i, r + 1)} [arrowhead=none, color=\"#9a9a9a\", weight=100];")
    out.append("  { rank=same; T_head; " + " ".join(f"H{i};" for i in range(len(d.lanes))) + " }")
    # Edges inside a rank fix the left-to-right order of the lanes.
    out.append("  " + " -> ".join(["T_head"] + [f"H{i}" for i in range(len(d.lanes))]) + " [style=invis];")
    for r in range(d.rows + 1):
        out.append(f"  {{ rank=same; T_{r}; " + " ".join(f"{_node(i, r)};" for i in range(len(d.lanes))) + " }")
    for a in d.arrows:
        out.append("  " + _arrow(a, lane_index))
    if d.loop_from is not None:
        out.append(f"  T_{d.rows} -> T_{d.loop_from} [constraint=false, color=\"#7a4b00\", "
                   f"style=bold, label=\"repeats for ever\", fontcolor=\"#7a4b00\"];")
    out.append(f"  caption [shape=note, style=filled, fillcolor=\"#fff8dc\", label={_q(d.caption)}];")
    out.append(f"  T_{d.rows} -> caption [style=invis];")
    out.append("}")
    return "\n".join(out) + "\n"


def _event_attrs(e: Event | None, highlighted: bool) -> str:
    if e is None:
        return "[shape=point, width=0.04, color=\"#9a9a9a\"]"
    kind = "violation" if highlighted and e.kind not in ("fault",) else e.kind
    fill, font = KIND_STYLE.get(kind, KIND_STYLE["step"])
    pen = ", penwidth=2, color=\"#a00000\"" if highlighted else ""
    return (f"[shape=box, style=\"rounded,filled\", fillcolor=\"{fill}\", fontcolor=\"{font}\"{pen}, "
            f"label={_q(e.label)}]")


def _arrow(a: Arrow, lane_index: dict) -> str:
    src = _node(lane_index[a.src_lane], a.src_row)
    dst = _node(lane_index[a.dst_lane], a.dst_row)
    style = {"message": "color=\"#1f5fbf\"",
             "dropped": "color=\"#c62828\", style=dashed, arrowhead=tee",
             "pending": "color=\"#8a8a8a\", style=dotted"}[a.style]
    return f"{src} -> {dst} [constraint=false, {style}, label={_q(a.label)}];"


def write_diagram(d: Diagram, stem: Path) -> tuple[Path, Path | None, str]:
    """Write ``stem.dot`` and, where graphviz's ``dot`` exists, ``stem.svg``.

    Returns (dot path, svg path or None, a note for the user when SVG could not be made)."""
    dot_text = to_dot(d)
    dot_path = stem.with_suffix(".dot")
    write_atomic(dot_path, dot_text)
    if shutil.which("dot") is None:
        return dot_path, None, ("graphviz's 'dot' program is missing, so only DOT was written; "
                                "for SVG install it (Debian/Ubuntu: apt-get install graphviz)")
    import graphviz
    svg_path = stem.with_suffix(".svg")
    try:
        svg = graphviz.pipe("dot", "svg", dot_text.encode("utf-8"), quiet=True)
    except graphviz.CalledProcessError as exc:
        return dot_path, None, f"dot failed on {dot_path}: {exc}"
    write_atomic(svg_path, svg)
    return dot_path, svg_path, ""
