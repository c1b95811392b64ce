"""The teaching gallery (models/gallery): its catalogue names real specs and properties, a
build writes pages whose verdicts are the checks' own, the trade-off table links every cell
to a page that explains it, the SVG parses, and headless Chromium lays each page out inside
the window (no element beyond the right edge).

The build here is a small slice of the catalogue (three anomaly pages, two table rows), so
the test stays within seconds; the whole gallery is built by ``./run.sh demo``.
"""

import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from replcheck.checker.cli import main
from replcheck.checker.properties import declared_properties
from replcheck.checker.spec import Spec, check_spec, load_spec
from replcheck.models import gallery
from replcheck.models.gallery import catalogue, site
from replcheck.models.gallery.handout import chromium, headless_args, print_pdf

ROOT = Path(__file__).resolve().parent.parent
SLICE_PAGES = ("stale-read-small-quorums", "lww-clock-skew", "no-anti-entropy-never-converges")
SLICE_ROWS = ("ll-overlap", "ll-small")
CHROMIUM = chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian/Ubuntu: apt-get install chromium; ./run.sh test installs it)",
)


def _model_of(config: catalogue.Config):
    if config.spec:
        return load_spec(ROOT / config.spec).build()
    return Spec(path=None, model=config.model, params=dict(config.params)).build()


def test_the_catalogue_names_real_specs_and_declared_properties():
    slugs = [p.slug for p in catalogue.PAGES]
    assert len(slugs) == len(set(slugs)) >= 12
    for page in catalogue.PAGES:
        assert page.anomaly.config.key != page.twin.config.key, page.slug
        for shown in (page.anomaly, page.twin):
            names = {p.name for p in declared_properties(_model_of(shown.config))}
            assert shown.prop in names, (page.slug, shown.config.key, shown.prop)
    keys = [c.key for c in catalogue.all_configs()]
    assert len(keys) == len(set(keys))
    for row in catalogue.ROWS:
        assert row.page in ("", *slugs), row.key
        for column in catalogue.COLUMNS:
            config = row.config(column.scenario)
            props = column.props.get(row.model, column.props.get("*", ()))
            if config is None or not props:
                continue
            assert _model_of(config).name == row.model


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The slice of the gallery, built into a temporary folder (no PDF)."""
    out = tmp_path_factory.mktemp("gallery")
    pages = tuple(p for p in catalogue.PAGES if p.slug in SLICE_PAGES)
    rows = tuple(r for r in catalogue.ROWS if r.key in SLICE_ROWS)
    saved = catalogue.PAGES, catalogue.ROWS
    catalogue.PAGES, catalogue.ROWS = pages, rows
    try:
        outcomes = gallery.build(out, workers=2, pdf=False)
    finally:
        catalogue.PAGES, catalogue.ROWS = saved
    return out, outcomes, pages, rows


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def test_each_page_shows_the_anomaly_beside_its_twin_with_checked_verdicts(built):
    out, outcomes, pages, _ = built
    for page in pages:
        html = (out / f"{page.slug}.html").read_text()
        assert "<script" not in html
        assert page.title.replace("≤", "&le;")[:20] in html or page.title[:20] in html
        assert 'class="side anomaly"' in html and 'class="side twin"' in html
        assert "The fix: " in html and "Reproduce both" in html
        assert "What happened:" in html  # the caption under the counterexample
        bad, good = outcomes[page.anomaly.config.key], outcomes[page.twin.config.key]
        assert bad.verdicts[page.anomaly.prop].verdict == "VIOLATED"
        assert bad.verdicts[page.anomaly.prop].caption in html.replace("&#x27;", "'")
        # The twin's verdict and state count are those of a fresh, complete check.
        _, fresh, _ = check_spec(load_spec(ROOT / page.twin.config.spec))
        assert fresh.stats.complete and fresh[page.twin.prop].verdict.value == "HOLDS"
        assert f"HOLDS</span> after a complete search of {fresh.stats.states:,} states" in html
        assert good.command in html and bad.command in html


def test_the_stale_read_page_carries_the_proof_and_the_disjoint_quorums(built):
    out, _, _, _ = built
    html = (out / "stale-read-small-quorums.html").read_text()
    assert "z3's answer:</strong> <code>unsat</code>" in html
    assert "only_A + both = W" in html
    assert "in write quorum" in html and "in read quorum" in html and "DISJOINT" in html
    assert "read quorum {n2}" in html or "read quorum {n" in html  # z3's refutation, drawn


def test_every_svg_parses_and_every_diagram_file_exists(built):
    out, outcomes, _, _ = built
    files = sorted((out / "diagrams").glob("*.svg"))
    assert files
    for path in files:
        assert ET.parse(path).getroot().tag.endswith("svg")
    for html_path in out.glob("*.html"):
        for svg in _svgs(html_path.read_text()):
            ET.fromstring(svg)
    for outcome in outcomes.values():
        for v in outcome.verdicts.values():
            if v.svg:
                assert (out / site.diagram_file(outcome.key, v.name)).is_file()


def test_the_tradeoff_table_links_each_cell_to_a_page_that_explains_it(built):
    out, outcomes, _, rows = built
    html = (out / "index.html").read_text()
    table = html[html.index('<table class="tradeoff"') : html.index("</table>", html.index('class="tradeoff"'))]
    cells = re.findall(r'<td class="cell (c-\w+)"><a href="([^"#]+)#(\w+)">([^<]+)</a></td>', table)
    assert len(cells) == len(rows) * len(catalogue.COLUMNS)
    for cls, target, anchor, words in cells:
        page = (out / target).read_text()
        assert f'id="{anchor}"' in page
        assert words in page[page.index(f'id="{anchor}"') :]
    # The cells are the checks' verdicts: W+R<=N loses read-your-writes, W+R>N keeps it.
    small, overlap = (outcomes[f"ll_{k}"].verdicts["read_your_writes"].verdict for k in ("w1r1", "w2r2"))
    assert (small, overlap) == ("VIOLATED", "HOLDS")
    row_small = table[table.index("W + R &le; N") if "W + R &le; N" in table else table.index("W + R ≤ N") :]
    assert 'c-violated"><a href="row-ll-small.html#ryw">violated' in row_small
    markdown = (out / "tradeoff.md").read_text()
    assert "| leaderless: W + R ≤ N (3, 1, 1) | [violated](row-ll-small.html#ryw)" in markdown
    for target in re.findall(r"\]\(([^)#]+)#", markdown):
        assert (out / target).is_file()


def test_the_handout_holds_every_page(built):
    out, _, pages, _ = built
    handout = (out / "handout.html").read_text()
    for page in pages:
        assert f'<article id="{page.slug}">' in handout
    assert "The trade-off table" in handout


def _render(html: Path, width: int) -> str:
    """The page's DOM after layout in headless Chromium, with a probe (added to a copy of the
    page, never to the gallery) recording every element whose right edge passes the window."""
    probe = (
        "<script>window.addEventListener('load', () => { const w = document.documentElement"
        ".clientWidth; const out = []; for (const e of document.querySelectorAll('body *')) { "
        "const r = e.getBoundingClientRect(); if (r.width > 0 && r.right > w + 1) "
        "out.push(e.tagName + ':' + Math.round(r.right)); } document.body.setAttribute("
        "'data-overflow', out.join(' ') || 'none'); document.body.setAttribute('data-width', w); "
        "});</script>"
    )
    copy = html.with_name(html.stem + ".probe.html")
    copy.write_text(html.read_text().replace("</body>", probe + "</body>"))
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            headless_args(CHROMIUM, profile)
            + [f"--window-size={width},1200", "--virtual-time-budget=3000", "--dump-dom", copy.as_uri()],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    copy.unlink()
    return dom


@needs_chromium
@pytest.mark.parametrize("width", [1280, 900])
def test_chromium_lays_out_every_page_inside_the_window(built, width):
    out, _, pages, rows = built
    names = [f"{p.slug}.html" for p in pages] + ["index.html", f"row-{rows[1].key}.html"]
    for name in names:
        dom = _render(out / name, width)
        assert 'data-overflow="none"' in dom, (name, width, re.findall(r'data-overflow="([^"]*)"', dom))
        if name != "index.html" and not name.startswith("row-"):
            assert "What happened:" in dom and "The fix: " in dom


@needs_chromium
def test_chromium_screenshots_and_prints_the_handout(built, tmp_path):
    out, _, _, _ = built
    shot = tmp_path / "page.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            headless_args(CHROMIUM, profile)
            + ["--window-size=1280,2000", f"--screenshot={shot}", (out / "stale-read-small-quorums.html").as_uri()],
            capture_output=True,
            timeout=60,
            check=True,
        )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tmp_path / "handout.pdf"
    print_pdf(out / "handout.html", pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_gallery_refuses_bad_arguments_in_one_line(tmp_path, capsys):
    assert main(["gallery"]) == 2
    assert main(["gallery", "--out", str(tmp_path), "--workers", "0", "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("replcheck: ") for line in err)


def test_a_config_reproduces_with_its_command(built):
    _, outcomes, pages, _ = built
    page = next(p for p in pages if p.slug == "stale-read-small-quorums")
    assert outcomes[page.anomaly.config.key].command == "replcheck check specs/leaderless/n3_w1_r1.toml"
    adhoc = replace(catalogue.STRICT_PARTITION)
    assert adhoc.command() == ("replcheck check leaderless n=3 w=2 r=2 clients='w r' partitions=1 --symmetry")


def test_gallery_without_graphviz_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gallery.shutil, "which", lambda name: None)
    assert main(["gallery", "--out", str(tmp_path / "site"), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("replcheck: gallery: graphviz's 'dot'") and len(err) == 1


def test_the_stale_read_page_says_how_often_from_the_weighted_exploration(built):
    out, _, _, _ = built
    html = (out / "stale-read-small-quorums.html").read_text()
    # PBS k-staleness for N=3, W=1, R=1 (Bailis et al. 2012, section 3.1's worked example)
    assert "<td>1</td><td>1/3</td><td>0.333</td>" in html
    assert "<td>2</td><td>5/9</td><td>0.556</td>" in html
    assert "With W=2, R=2 the same exploration gives 1/1" in html
