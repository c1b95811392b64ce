"""Parameter sweeps: explore every combination of parameter values, one real check per cell.

A sweep is written as ``name=RANGE`` words, each range allowed to refer to parameters named
before it: ``n=1..4 w=1..n r=1..n read_repair=off,blocking``. A range is ``A..B`` (whole
numbers or earlier parameter names, inclusive), a comma list, or a single value.
"""

import csv
import io
from dataclasses import dataclass
from typing import Callable, Iterator

from .errors import ReplcheckError, UsageError
from .search import check

MAX_CELLS = 10_000  # a sweep beyond this is refused before anything is built or explored


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its name and the range text from the command line (A..B, a,b,c, or
    a single value)."""

    name: str
    text: str

    def values(self, bound: dict) -> list:
        """The values of this axis given the values already chosen for earlier axes."""
        if ".." in self.text:
            low, high = (self._end(part, bound) for part in self.text.split("..", 1))
            if high < low:
                return []
            if high - low >= MAX_CELLS:
                raise UsageError(
                    f"sweep range {self.name}={self.text}: {high - low + 1:,} values, "
                    f"more than the {MAX_CELLS:,} cells a sweep may have; narrow it"
                )
            return list(range(low, high + 1))
        return [v for v in self.text.split(",") if v != ""]

    def _end(self, part: str, bound: dict) -> int:
        part = part.strip()
        if part in bound:
            try:
                return int(bound[part])
            except ValueError:
                raise UsageError(
                    f"sweep range {self.name}={self.text}: {part}={bound[part]!r} is not "
                    f"a whole number, so it cannot bound a range; give {part} numbers"
                ) from None
        try:
            if not part.lstrip("-").isascii():
                raise ValueError
            return int(part)
        except ValueError:
            earlier = ", ".join(bound) or "none yet"
            raise UsageError(
                f"sweep range {self.name}={self.text}: '{part}' is neither a whole "
                f"number nor an earlier parameter (earlier: {earlier})"
            ) from None


def parse_axes(words: list[str]) -> list[Axis]:
    """``["n=1..3", "w=1..n"]`` -> axes in order; a one-line UsageError for bad words."""
    axes, seen = [], set()
    for word in words:
        name, sep, text = word.partition("=")
        if not sep or not name or not text:
            raise UsageError(f"sweep: expected name=RANGE (e.g. n=1..4 or mode=off,async), got {word!r}")
        if name in seen:
            raise UsageError(f"sweep: parameter {name!r} given twice; give each once")
        seen.add(name)
        axes.append(Axis(name, text))
    if not axes:
        raise UsageError("sweep: give at least one parameter range, e.g. n=1..4 w=1..n r=1..n")
    return axes


def cells(axes: list[Axis]) -> Iterator[dict]:
    """Every combination, in order: the first axis varies slowest."""

    def expand(i: int, bound: dict):
        if i == len(axes):
            yield dict(bound)
            return
        for value in axes[i].values(bound):
            yield from expand(i + 1, {**bound, axes[i].name: value})

    yield from expand(0, {})


@dataclass(frozen=True)
class Cell:
    """The outcome of one combination of parameter values: verdicts by property, state count,
    time, completeness."""

    params: dict
    verdicts: dict  # property -> verdict string
    states: int
    seconds: float
    complete: bool


def run_sweep(
    build: Callable[[dict], object],
    axes: list[Axis],
    fixed: dict,
    properties: list[str] | None,
    bounds: dict,
    symmetry: bool,
    progress: Callable[[int, int, dict], None] | None = None,
) -> list[Cell]:
    """Build and check the model for every cell. ``build(params)`` returns a model or
    raises ReplcheckError (e.g. W > N); such a cell is an error, reported, not skipped."""
    combos = bounded_cells(axes)
    models = [build({**fixed, **combo}) for combo in combos]  # every cell valid before any search
    out = []
    for i, (combo, model) in enumerate(zip(combos, models), start=1):
        try:  # an interrupt may land while the progress line is printed, too
            if progress:
                progress(i, len(combos), combo)
            result = check(model, properties=properties, **bounds, symmetry=model.canonical if symmetry else None)
        except KeyboardInterrupt:  # arrived before the search loop took over its handling
            raise SweepInterrupted(out) from None
        if result.stats.stopped_by == "interrupt":
            raise SweepInterrupted(out)  # the finished cells are kept; this one is not
        out.append(
            Cell(
                combo,
                {p.name: p.verdict.value for p in result.properties},
                result.stats.states,
                result.stats.seconds,
                result.stats.complete,
            )
        )
    return out


class SweepInterrupted(KeyboardInterrupt):
    """An interrupt stopped the sweep; ``cells`` holds the cells finished before it."""

    def __init__(self, finished: list):
        super().__init__()
        self.cells = finished


def bounded_cells(axes: list[Axis]) -> list[dict]:
    """Every cell, refusing an empty sweep and one of more than ``MAX_CELLS`` cells before
    building the list (a range like ``n=1..1000 w=1..n r=1..n`` is refused at once)."""
    out = []
    for combo in cells(axes):
        out.append(combo)
        if len(out) > MAX_CELLS:
            raise UsageError(f"sweep: more than {MAX_CELLS:,} cells; narrow the ranges")
    if not out:
        shown = " ".join(f"{a.name}={a.text}" for a in axes)
        raise UsageError(f"sweep {shown}: no cells (a range A..B with B < A is empty); write ranges low..high")
    return out


def matrix_lines(cells_: list[Cell], axes: list[Axis], prop: str) -> list[str]:
    """A text matrix for one property: rows by all axes but the last, columns by the last."""
    col_axis, row_axes, cols, rows, by = _grid(cells_, axes)
    head = " ".join(f"{a:>4}" for a in row_axes) + " | " + " ".join(f"{col_axis}={v!s:<16}" for v in cols)
    lines = [f"{prop}:", head, "-" * len(head)]
    for row in rows:
        cells_text = []
        for v in cols:
            c = by.get((row, v))
            cells_text.append(
                f"{'':<18}" if c is None else f"{c.verdicts.get(prop, '?') + ' ' + format(c.states, ','):<18}"
            )
        lines.append(" ".join(f"{x!s:>4}" for x in row) + " | " + " ".join(cells_text))
    return lines


def _unique(items: list) -> list:
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _grid(cells_: list[Cell], axes: list[Axis]):
    """Rows by every axis but the last, columns by the last, both in sweep order, and the
    cell at each (row, column)."""
    col_axis, row_axes = axes[-1].name, [a.name for a in axes[:-1]]
    cols = _unique([c.params[col_axis] for c in cells_])
    rows = _unique([tuple(c.params[a] for a in row_axes) for c in cells_])
    by = {(tuple(c.params[a] for a in row_axes), c.params[col_axis]): c for c in cells_}
    return col_axis, row_axes, cols, rows, by


def to_csv(cells_: list[Cell], axes: list[Axis]) -> str:
    """The cells as CSV, one row per cell and property: the axes' values, property, verdict,
    states, complete."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = [a.name for a in axes]
    writer.writerow(names + ["property", "verdict", "states", "complete"])
    for c in cells_:
        for prop, verdict in c.verdicts.items():
            writer.writerow([c.params[n] for n in names] + [prop, verdict, c.states, c.complete])
    return buf.getvalue()


def to_json(cells_: list[Cell], timings: bool = True) -> list[dict]:
    """One dict per cell; ``timings=False`` leaves out the seconds (for files under --out,
    which must be the same bytes on every run)."""
    return [
        {
            "params": c.params,
            "verdicts": c.verdicts,
            "states": c.states,
            **({"seconds": round(c.seconds, 3)} if timings else {}),
            "complete": c.complete,
        }
        for c in cells_
    ]


COLOURS = {"HOLDS": "#b7e1b0", "VIOLATED": "#f4b6b6", "UNKNOWN": "#e0e0e0"}


def to_svg(cells_: list[Cell], axes: list[Axis], props: list[str], title: str) -> str:
    """One coloured table per property (deterministic SVG text; no graphviz needed)."""
    col_axis, row_axes, cols, rows, by = _grid(cells_, axes)
    cw, ch, lw = 96, 22, 34 * max(1, len(row_axes)) + 10
    table_h = ch * (len(rows) + 2) + 30
    width = lw + cw * len(cols) + 20
    height = 40 + table_h * len(props) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<text x="10" y="22" font-size="15">{_x(title)}</text>',
    ]
    y0 = 40
    for prop in props:
        out.append(f'<text x="10" y="{y0 + 14}" font-size="13" font-weight="bold">{_x(prop)}</text>')
        y = y0 + 22
        out.append(f'<text x="10" y="{y + 15}">{_x(" ".join(row_axes))}</text>')
        for j, v in enumerate(cols):
            out.append(f'<text x="{lw + j * cw + 6}" y="{y + 15}">{_x(f"{col_axis}={v}")}</text>')
        for i, row in enumerate(rows):
            ry = y + ch * (i + 1)
            out.append(f'<text x="10" y="{ry + 15}">{_x(" ".join(str(x) for x in row))}</text>')
            for j, v in enumerate(cols):
                c = by.get((row, v))
                if c is None:
                    continue
                verdict = c.verdicts.get(prop, "UNKNOWN")
                out.append(
                    f'<rect x="{lw + j * cw}" y="{ry}" width="{cw - 2}" height="{ch - 2}" '
                    f'fill="{COLOURS.get(verdict, "#ffffff")}"/>'
                )
                out.append(f'<text x="{lw + j * cw + 4}" y="{ry + 15}">{_x(verdict)} {c.states:,}</text>')
        y0 += table_h
    out.append(
        f'<text x="10" y="{height - 10}" fill="#555">Every cell is one complete or bounded '
        f"exploration; the number is its distinct states.</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def selected_properties(cells_: list[Cell]) -> list[str]:
    """The properties the sweep checked, in the model's order."""
    return list(cells_[0].verdicts) if cells_ else []


def safe_build(build: Callable[[dict], object]) -> Callable[[dict], object]:
    """Wrap ``build`` so a parameter error names the cell it came from."""

    def wrapped(params: dict):
        try:
            return build(params)
        except ReplcheckError as exc:
            shown = " ".join(f"{k}={v}" for k, v in params.items())
            raise UsageError(f"sweep cell {shown}: {exc}") from None

    return wrapped


__all__ = [
    "Axis",
    "Cell",
    "parse_axes",
    "cells",
    "bounded_cells",
    "run_sweep",
    "SweepInterrupted",
    "matrix_lines",
    "to_csv",
    "to_json",
    "to_svg",
    "selected_properties",
    "safe_build",
]
