"""``replcheck gallery --out DIR``: the teaching gallery, a static site built from checks.

One page per classic anomaly (its counterexample beside the fixed twin, with the twin's
verdict from a complete search), the trade-off table whose every cell is a check, the z3
quorum proofs drawn as Venn figures, and a handout (all pages in one HTML document, printed
to ``handout.pdf`` by headless Chromium where it is installed).

Wiring: ``add_parsers(subparsers)`` adds the subcommand (registered in the
``replcheck.commands`` entry-point group, as ``prove`` is); ``run_gallery(args)`` builds the
site and returns the exit code: 0 built and every spec's verdicts as its file expects, 1 some
verdict differs from its spec (the pages say which), 2 bad input (a UsageError).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from replcheck.checker.errors import UsageError
from replcheck.checker.output import check_out_dir, write_atomic

from . import catalogue, site
from .runner import explore_all

REPO = Path(__file__).resolve().parent.parent.parent
HEAVY_FIRST = ("n3_w2_r2_blocking_repair", "n3_w2_r2_sloppy")  # the slowest, started first


def add_parsers(subparsers) -> None:
    """Add ``gallery`` to an argparse subparsers object."""
    g = subparsers.add_parser(
        "gallery",
        help="build the teaching gallery: each anomaly beside its fix, the trade-off "
        "table, the quorum proofs (static HTML + SVG)",
        description="Explore every configuration of the gallery and write a static site (HTML and "
        "SVG, no JavaScript) to DIR: one page per anomaly with its fixed twin, the "
        "trade-off table, the z3 quorum proofs, and a handout; with Chromium installed "
        "also handout.pdf.",
    )
    g.add_argument("--out", metavar="DIR", type=Path, required=True, help="where to write the site")
    g.add_argument("--no-pdf", action="store_true", help="do not print handout.pdf with Chromium")
    g.add_argument(
        "--workers", metavar="N", type=int, default=None, help="explorations run at once (default: the machine's cores)"
    )
    g.set_defaults(func=run_gallery)


def _specs_root() -> Path:
    """The folder holding specs/: the repository of this installation, else the working
    directory."""
    for root in (REPO, Path.cwd()):
        if (root / "specs").is_dir():
            return root
    raise UsageError("gallery: no specs/ folder found; run it from the replcheck repository")


def _wanted() -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for page in catalogue.PAGES:
        for shown in (page.anomaly, page.twin):
            wanted.setdefault(shown.config.key, set()).add(shown.prop)
    for row in catalogue.ROWS:
        for column in catalogue.COLUMNS:
            config = row.config(column.scenario)
            if config is not None:
                props = column.props.get(row.model, column.props.get("*", ()))
                wanted.setdefault(config.key, set()).update(props)
    return wanted


def build(out: Path, workers: int | None = None, pdf: bool = True, progress=None) -> dict:
    """Explore everything and write the site under ``out``; returns the outcomes by key."""
    from .handout import print_pdf
    from .how_often import staleness_section
    from .venn import majority_section, quorum_section

    if workers is not None and workers < 1:
        raise UsageError(f"gallery --workers {workers}: give 1 or more")
    if shutil.which("dot") is None:
        raise UsageError(
            "gallery: graphviz's 'dot' program is missing and the pages need SVG diagrams; "
            "install it (Debian/Ubuntu: apt-get install graphviz)"
        )
    root = _specs_root()
    wanted = _wanted()
    configs = sorted(catalogue.all_configs(), key=lambda c: c.key not in HEAVY_FIRST)
    outcomes = explore_all([(c, tuple(sorted(wanted[c.key]))) for c in configs], root, workers, progress)
    check_out_dir(out)
    for stale in (out / "diagrams").glob("*.svg") if (out / "diagrams").is_dir() else ():
        stale.unlink()
    for outcome in outcomes.values():
        for v in outcome.verdicts.values():
            if v.svg:
                write_atomic(
                    out / site.diagram_file(outcome.key, v.name),
                    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + v.svg,
                )
    proofs = {
        "quorum": lambda: staleness_section(3, 1, 1, 2, 2) + quorum_section(3, 2, 2, 1, 1),
        "majority": lambda: majority_section(3),
    }
    bodies = []
    for page in catalogue.PAGES:
        family = _family(page, root)
        body = site.page_body(page, outcomes, proofs[page.proof]() if page.proof else "", family)
        bodies.append(body)
        write_atomic(out / f"{page.slug}.html", site.document(page.title, body))
    for row in catalogue.ROWS:
        body = site.row_body(row, outcomes)
        write_atomic(out / f"row-{row.key}.html", site.document(f"{row.group}: {row.label}", body))
    handout_pdf = out / "handout.pdf"
    index = site.index_body(outcomes)
    handout = "".join(f'<div class="page-break">{b}</div>' for b in [index] + bodies)
    write_atomic(out / "handout.html", site.document("replcheck gallery: handout", handout))
    write_atomic(out / "index.html", site.document("replcheck gallery", index))
    write_atomic(out / "tradeoff.md", site.tradeoff_markdown(outcomes))
    if pdf:
        print_pdf(out / "handout.html", handout_pdf)
    return outcomes


def _family(page: catalogue.Page, root: Path) -> str:
    config = page.anomaly.config
    if config.model:
        return config.model
    import tomllib

    return tomllib.loads((root / config.spec).read_text()).get("model", "")


def run_gallery(args: argparse.Namespace) -> int:
    """Run ``gallery``: build the site, print where it is; 1 if a spec's verdict differs."""
    started = time.monotonic()
    total = len(catalogue.all_configs())
    done = []

    def progress(key: str) -> None:
        done.append(key)
        print(f"  [{len(done)}/{total}] {key}", file=sys.stderr, flush=True)

    pdf = not args.no_pdf
    if pdf and shutil.which("chromium") is None:
        print(
            "replcheck: gallery: chromium is not installed, so handout.pdf is not printed "
            "(Debian/Ubuntu: apt-get install chromium)",
            file=sys.stderr,
        )
        pdf = False
    outcomes = build(args.out, args.workers, pdf, progress)
    problems = [f"{o.command}: {m}" for o in outcomes.values() for m in o.mismatches]
    for line in problems:
        print(f"  MISMATCH {line}")
    print(
        f"gallery: {len(catalogue.PAGES)} anomaly pages, {len(catalogue.ROWS)} table rows from "
        f"{len(outcomes)} explorations in {time.monotonic() - started:.0f} s; open "
        f"{args.out / 'index.html'}"
    )
    return 1 if problems else 0
