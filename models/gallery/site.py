"""The gallery's HTML: an index with the trade-off table, one page per anomaly, one page per
table row, and a handout page with everything in one document (for the PDF).

Plain HTML with inline SVG and a little CSS: no JavaScript, every link relative, so the site
opens from the file system. Every verdict on a page is read from an ``Outcome`` (a check that
ran); the words around it come from the catalogue.
"""

from __future__ import annotations

from html import escape

from ..diagram import LEGEND
from . import catalogue
from .catalogue import SCENARIOS, Column, Page, Row, Shown
from .runner import Outcome, Verdict

CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1200px;
       padding: 12px 20px 40px; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0.4em 0; } h2 { font-size: 1.25em; margin-top: 1.2em; }
nav { font-size: 0.9em; margin-bottom: 8px; } nav a { margin-right: 12px; }
.pair { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 2fr); gap: 18px; }
.side { border: 1px solid #ccc; border-radius: 8px; padding: 10px 12px; min-width: 0; }
.side.anomaly { border-color: #d9a0a0; background: #fffafa; }
.side.twin { border-color: #9fcca9; background: #f8fdf8; }
.side h2 { margin-top: 0.2em; font-size: 1.1em; }
.diagram { max-width: 100%; overflow: hidden; }
.diagram svg { max-width: 100%; height: auto; display: block; }
.figure svg { max-width: 100%; height: auto; }
.caption { background: #fff8dc; border-left: 4px solid #e0c060; padding: 6px 10px; margin: 8px 0; }
.config { font-family: monospace; font-size: 0.9em; background: #f3f3f3; padding: 2px 4px;
          word-break: break-word; }
pre { background: #f3f3f3; padding: 8px; white-space: pre-wrap; word-break: break-word; font-size: 0.85em; }
.v-holds { color: #1e5631; font-weight: bold; } .v-violated { color: #a00000; font-weight: bold; }
.v-unknown { color: #7a4b00; font-weight: bold; } .v-witness { color: #1a3d7c; font-weight: bold; }
.v-fails { color: #a00000; font-weight: bold; }
table.verdicts, table.tradeoff { border-collapse: collapse; font-size: 0.9em; margin: 6px 0; }
table.verdicts td, table.verdicts th, table.tradeoff td, table.tradeoff th {
  border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
table.tradeoff td.cell { text-align: center; }
table.verdicts { width: 100%; table-layout: fixed; } table.verdicts td { overflow-wrap: anywhere; }
.side p, .caption, .note { overflow-wrap: anywhere; }
.tablewrap { max-width: 100%; overflow-x: auto; }
td.c-holds { background: #e6f4ea; } td.c-violated { background: #fde7e9; } td.c-none { color: #888; }
td.c-unknown { background: #fff1cc; }
.note { font-size: 0.9em; color: #444; border-left: 4px solid #bbb; padding-left: 8px; }
.legend { font-size: 0.85em; color: #333; } .legend li { margin: 2px 0; }
.math { font-family: Georgia, serif; }
.proof { border-top: 2px solid #ddd; margin-top: 24px; }
.page-break { break-before: page; }
@media print { nav { display: none; } .pair { grid-template-columns: 1fr; } body { max-width: none; } }
"""

DRAWING = (
    "Time runs downwards; each column is a client (grey, rounded) or a replica. Blue arrows are "
    "messages delivered; a dashed grey line without an arrowhead, running to a dashed "
    "'(message in flight)' box below the last step, is a message never delivered; a red dashed "
    "line ending in a bar is a message the network lost. A crashed replica's column is drawn "
    "dashed until it recovers; a partition is a thick line between the two sides. The row "
    "below the last step shows what each replica holds at the end (for a lasso: for ever). "
    "Red marks only the violation; a witness (something reachable, nothing wrong) ends in "
    "blue; leaderless quorums are outlined on their lanes."
)


def _head(title: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
    )


def _nav(current: str = "") -> str:
    links = [
        '<a href="index.html">gallery</a>',
        '<a href="index.html#table">trade-off table</a>',
        '<a href="handout.html">everything on one page</a>',
    ]
    return "<nav>" + " ".join(links) + "</nav>\n"


def verdict_phrase(v: Verdict, outcome: Outcome) -> str:
    """The verdict in words, with the evidence that decided it."""
    cls = v.verdict.lower()
    if v.kind == "sometimes":
        if v.verdict == "HOLDS":
            return f'<span class="v-witness">reachable</span> (a witness of {v.trace_length} steps)'
        if v.verdict == "VIOLATED":
            return f'<span class="v-holds">unreachable</span> after a complete search of {outcome.states:,} states'
    if v.verdict == "HOLDS":
        return f'<span class="v-holds">HOLDS</span> after a complete search of {outcome.states:,} states'
    if v.verdict == "VIOLATED":
        if v.loop_start is not None:
            return (
                f'<span class="v-violated">VIOLATED</span>: a lasso of {v.trace_length} steps that '
                f"loops for ever from step {v.loop_start}"
            )
        return f'<span class="v-violated">VIOLATED</span>: a counterexample of {v.trace_length} steps'
    return f'<span class="v-{cls}">UNKNOWN</span>: {escape(v.reason)}'


def _diagram_block(v: Verdict, link: str) -> str:
    if not v.svg:
        return ""
    return (
        f'<div class="diagram"><a href="{link}">{v.svg}</a></div>'
        f'<p class="caption"><strong>What happened:</strong> {escape(v.caption)}</p>'
    )


def diagram_file(config_key: str, prop: str) -> str:
    """The relative path of a diagram's own SVG file (for viewing it full size)."""
    return f"diagrams/{config_key}__{prop}.svg"


def _verdict_table(outcome: Outcome) -> str:
    rows = "".join(
        f"<tr><td>{escape(v.name)}</td><td>{verdict_phrase(v, outcome)}</td></tr>" for v in outcome.verdicts.values()
    )
    return f'<table class="verdicts"><tr><th>property</th><th>verdict</th></tr>{rows}</table>'


def _side(shown: Shown, outcome: Outcome, heading: str, cls: str) -> str:
    v = outcome.verdicts[shown.prop]
    where = shown.config.spec or "ad hoc configuration"
    empty = (
        ""
        if v.svg
        else (
            f'<p class="caption">No counterexample exists: every one of the {outcome.states:,} reachable '
            "states was explored and none breaks the property.</p>"
            if v.verdict == "HOLDS" and v.kind != "sometimes"
            else ""
        )
    )
    return (
        f'<div class="side {cls}"><h2>{heading}</h2>'
        f'<p><span class="config">{escape(where)}</span><br>{escape(outcome.summary)}</p>'
        f"<p><strong>{escape(v.name)}</strong>: {verdict_phrase(v, outcome)}.<br>"
        f'<span class="note">{escape(v.description)}</span></p>'
        f"{_diagram_block(v, diagram_file(outcome.key, v.name))}{empty}"
        f"<details><summary>all verdicts of this configuration</summary>{_verdict_table(outcome)}"
        f"</details></div>"
    )


def _mismatch_block(outcomes: list[Outcome]) -> str:
    lines = [f"<li>{escape(o.command)}: {escape(m)}</li>" for o in outcomes for m in o.mismatches]
    if not lines:
        return ""
    return (
        '<p class="v-violated">These checks disagree with their specs\' expectations:</p><ul>'
        + "".join(lines)
        + "</ul>"
    )


def page_body(page: Page, outcomes: dict[str, Outcome], proof_html: str, family: str) -> str:
    """One anomaly page's body (shared by its own file and the handout)."""
    bad, good = outcomes[page.anomaly.config.key], outcomes[page.twin.config.key]
    note = f'<p class="note">{escape(page.note)}</p>' if page.note else ""
    commands = "\n".join(dict.fromkeys([bad.command, good.command]))
    legend = LEGEND.get(family, "")
    return (
        f'<article id="{page.slug}"><h1>{escape(page.title)}</h1><p>{escape(page.lesson)}</p>'
        f"{_mismatch_block([bad, good])}"
        f'<div class="pair">{_side(page.anomaly, bad, "The anomaly", "anomaly")}'
        f"{_side(page.twin, good, 'The fix: ' + escape(page.twin_title), 'twin')}</div>{note}"
        f"<h2>Reproduce both</h2><pre>{escape(commands)}</pre>"
        f'<div class="legend"><strong>Reading the diagrams.</strong><ul><li>{escape(DRAWING)}</li>'
        f"<li>{escape(legend)}</li></ul></div>{proof_html}</article>"
    )


def cell_state(column: Column, row: Row, outcomes: dict[str, Outcome]) -> tuple[str, list[Verdict], Outcome | None]:
    """A table cell's verdict ("HOLDS", "VIOLATED", "UNKNOWN" or "" for not modelled), the
    property verdicts behind it and the outcome they come from."""
    props = column.props.get(row.model, column.props.get("*", ()))
    config = row.config(column.scenario)
    if not props or config is None:
        return "", [], None
    outcome = outcomes[config.key]
    found = [outcome.verdicts[p] for p in props if p in outcome.verdicts]
    if not found:
        return "", [], outcome
    states = [v.verdict for v in found]
    if "VIOLATED" in states:
        return "VIOLATED", found, outcome
    if "UNKNOWN" in states:
        return "UNKNOWN", found, outcome
    return "HOLDS", found, outcome


def _cell_words(state: str, column: Column) -> str:
    witness = column.key == "avail"
    return {
        "HOLDS": "yes" if witness else "holds",
        "VIOLATED": "no" if witness else "violated",
        "UNKNOWN": "unknown",
        "": "not modelled",
    }[state]


def tradeoff_table(outcomes: dict[str, Outcome], prefix: str = "") -> str:
    """The trade-off table: every cell a verdict from a check, linking to its row's page."""
    head = "".join(f"<th>{escape(c.label)}</th>" for c in catalogue.COLUMNS)
    lines = [f'<table class="tradeoff" id="table"><tr><th>scheme</th><th></th>{head}</tr>']
    for row in catalogue.ROWS:
        cells = []
        for column in catalogue.COLUMNS:
            state, found, _ = cell_state(column, row, outcomes)
            words = _cell_words(state, column)
            cls = f"c-{state.lower()}" if state else "c-none"
            link = f"{prefix}row-{row.key}.html#{column.key}"
            cells.append(f'<td class="cell {cls}"><a href="{link}">{words}</a></td>')
        page = f' (<a href="{prefix}{row.page}.html">anomaly</a>)' if row.page else ""
        lines.append(f"<tr><td>{escape(row.group)}</td><td>{escape(row.label)}{page}</td>{''.join(cells)}</tr>")
    lines.append("</table>")
    scen = "".join(f"<li><strong>{k}</strong>: {escape(v)}</li>" for k, v in SCENARIOS.items())
    return (
        "\n".join(lines) + '<p class="note">Every cell is the verdict of an exploration of the '
        "configuration behind it (follow the link). The configurations are deliberately small: "
        f"<ul>{scen}</ul>Columns: read-your-writes, monotonic reads and linearizable are the "
        "properties of those names; no lost acknowledged writes needs both durable_acks and "
        "no_lost_updates; writes available is a witness (yes: a write was acknowledged with a node "
        "down or cut off for the whole write); convergence is a liveness property under fairness. "
        "Not modelled: the model has no such property.</p>"
    )


def tradeoff_markdown(outcomes: dict[str, Outcome], prefix: str = "") -> str:
    """The trade-off table as Markdown (for the README), each cell linking to its row page."""
    head = "| scheme | " + " | ".join(c.label for c in catalogue.COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(catalogue.COLUMNS) + 1)]
    for row in catalogue.ROWS:
        cells = []
        for column in catalogue.COLUMNS:
            state, _, _ = cell_state(column, row, outcomes)
            cells.append(f"[{_cell_words(state, column)}]({prefix}row-{row.key}.html#{column.key})")
        lines.append(f"| {row.group}: {row.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def row_body(row: Row, outcomes: dict[str, Outcome]) -> str:
    """A table row's page: for each column, the configuration, command and verdicts behind it."""
    parts = [f'<article id="row-{row.key}"><h1>{escape(row.group)}: {escape(row.label)}</h1>']
    if row.page:
        parts.append(f'<p>The anomaly page for this scheme: <a href="{row.page}.html">{row.page}</a>.</p>')
    for column in catalogue.COLUMNS:
        state, found, outcome = cell_state(column, row, outcomes)
        parts.append(f'<h2 id="{column.key}">{escape(column.label)}: {_cell_words(state, column)}</h2>')
        if outcome is None:
            parts.append("<p>The model has no property for this guarantee.</p>")
            continue
        parts.append(f"<pre>{escape(outcome.command)}</pre>{_mismatch_block([outcome])}")
        if not found:
            parts.append("<p>The model has no property for this guarantee.</p>")
        for v in found:
            parts.append(
                f"<p><strong>{escape(v.name)}</strong>: {verdict_phrase(v, outcome)}. "
                f'<span class="note">{escape(v.description)}</span></p>'
            )
            parts.append(_diagram_block(v, diagram_file(outcome.key, v.name)))
    parts.append("</article>")
    return "".join(parts)


def index_body(outcomes: dict[str, Outcome]) -> str:
    """The index: what the gallery is, the anomaly pages, the trade-off table."""
    items = "".join(
        f'<li><a href="{p.slug}.html">{escape(p.title)}</a> &mdash; fixed by '
        f"{escape(p.twin_title[0].lower() + p.twin_title[1:])}</li>"
        for p in catalogue.PAGES
    )
    # The same words whether or not Chromium printed the PDF, so the HTML is the same bytes.
    pdf = (
        '<p>The printable handout: <a href="handout.pdf">handout.pdf</a>, printed from '
        '<a href="handout.html">handout.html</a> by headless Chromium where it is installed.</p>'
    )
    return (
        "<h1>Replication anomalies, each beside its fix</h1>"
        "<p>Every page shows a classic anomaly of database replication as a counterexample found "
        "by replcheck, next to a configuration that fixes it, with the verdict of a complete search. "
        "Nothing on these pages is typed in by hand: each verdict comes from exploring the model "
        "when the gallery was built, and each page gives the command that reproduces it.</p>"
        f"<ol>{items}</ol>{pdf}<h2>The trade-off table</h2>{tradeoff_table(outcomes)}"
    )


def document(title: str, body: str) -> str:
    """A whole HTML document around ``body``."""
    return _head(title) + _nav() + body + "\n</body></html>\n"
