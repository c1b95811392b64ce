"""The z3 quorum proofs (``models/proofs.py``) drawn as a student reads them.

A proof section shows, for a fact proved for every N: two overlapping circles (the two
quorums) inside the box of all N replicas, the four Venn regions named, and the count that
forces the overlap, next to z3's answer. A refutation (a concrete configuration where z3
found two disjoint quorums) is drawn as the replicas in a row with the two quorums z3 found
circled apart. Both figures are plain SVG text built from the ProofResult; nothing is typed
in by hand: the verdict, the answer and the quorums are z3's.
"""

from __future__ import annotations

from html import escape

from replcheck.models import proofs

BLUE, GREEN, INK = "#1f5fbf", "#1e7a3c", "#222222"


def _text(
    x: float, y: float, text: str, size: int = 13, anchor: str = "middle", colour: str = INK, weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" fill="{colour}" '
        f'font-weight="{weight}" font-family="Helvetica, Arial, sans-serif">{escape(text)}</text>'
    )


def venn_figure(first: str, second: str, total: str = "N") -> str:
    """Two overlapping quorums in the box of all replicas, each region named by its size."""
    w, h = 460, 250
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'role="img" aria-label="Venn figure of two quorums">',
        f'<rect x="4" y="4" width="{w - 8}" height="{h - 8}" rx="10" fill="#fafafa" stroke="#888"/>',
        _text(16, 24, f"all {total} replicas", 13, "start"),
        f'<circle cx="175" cy="135" r="88" fill="{BLUE}" fill-opacity="0.13" stroke="{BLUE}" stroke-width="2"/>',
        f'<circle cx="285" cy="135" r="88" fill="{GREEN}" fill-opacity="0.13" stroke="{GREEN}" stroke-width="2"/>',
        _text(140, 40, f"{first} quorum", 13, colour=BLUE, weight="bold"),
        _text(320, 40, f"{second} quorum", 13, colour=GREEN, weight="bold"),
        _text(135, 140, "only_A", 13),
        _text(325, 140, "only_B", 13),
        _text(230, 140, "both", 13, weight="bold"),
        _text(400, 232, "neither", 13),
        "</svg>",
    ]
    return "\n".join(parts)


def replicas_figure(n: int, groups: dict[str, tuple[int, ...]], caption: str) -> str:
    """Replicas 0..n-1 in a row, each quorum drawn as a rounded outline around its members."""
    step, left, top = 70, 40, 70
    w = left * 2 + step * (n - 1) + 40
    h = 180
    colours = [BLUE, GREEN]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'role="img" aria-label="{escape(caption)}">'
    ]
    for i, (label, members) in enumerate(groups.items()):
        colour = colours[i % 2]
        if not members:
            continue
        x0 = left + step * min(members) - 26
        x1 = left + step * max(members) + 26
        pad = 6 * i
        parts.append(
            f'<rect x="{x0 - pad}" y="{top - 30 - pad}" width="{x1 - x0 + 2 * pad}" '
            f'height="{60 + 2 * pad}" rx="26" fill="none" stroke="{colour}" stroke-width="2.5"/>'
        )
        parts.append(
            _text(
                (x0 + x1) / 2,
                top - 40 - pad if i == 0 else top + 48 + pad,
                f"{label} {{{', '.join(f'n{m}' for m in members)}}}",
                12,
                colour=colour,
                weight="bold",
            )
        )
    for r in range(n):
        x = left + step * r
        parts.append(f'<circle cx="{x}" cy="{top}" r="17" fill="#ffffff" stroke="{INK}"/>')
        parts.append(_text(x, top + 5, f"n{r}", 12))
    parts.append(_text(w / 2, h - 12, caption, 12))
    parts.append("</svg>")
    return "\n".join(parts)


def _argument_html(result: proofs.ProofResult) -> str:
    premises = "".join(f"<li>{escape(p)}</li>" for p in result.premises)
    verdict = "HOLDS" if result.holds else "FAILS"
    return (
        f'<p class="claim"><strong>Claim.</strong> {escape(result.claim)}</p>'
        f'<ol class="premises">{premises}</ol>'
        f"<p><strong>What z3 was asked.</strong> {escape(result.step)}</p>"
        f"<p><strong>z3's answer:</strong> <code>{escape(result.answer)}</code> "
        f'&rarr; <span class="v-{verdict.lower()}">{verdict}</span>. {escape(result.conclusion)}</p>'
    )


def quorum_section(n: int, w: int, r: int, small_w: int, small_r: int) -> str:
    """The W + R > N proof for every N, a concrete overlap (n, w, r) and the refutation for
    (n, small_w, small_r), as one HTML section (all verdicts from z3)."""
    general = proofs.quorum_intersection()
    overlap = proofs.quorum_intersection(n=n, w=w, r=r)
    refuted = proofs.quorum_intersection(n=n, w=small_w, r=small_r)
    count = (
        "<p><strong>The count.</strong> Any write quorum and read quorum split the N replicas into "
        "four regions: only in the write quorum (only_A), in both (both), only in the read "
        "quorum (only_B), in neither. Counting each quorum and the whole:</p>"
        '<p class="math">only_A + both = W &nbsp;&nbsp; only_B + both = R &nbsp;&nbsp; '
        "only_A + only_B + both + neither = N</p>"
        '<p>Add the first two and subtract the third: <span class="math">both = W + R &minus; N + '
        "neither &ge; W + R &minus; N</span>. When W + R &gt; N the right side is at least 1, so "
        "<em>both</em> is never empty: some replica took the write and answers the read. z3 "
        "checks exactly this: it looks for region sizes with both = 0 and finds none.</p>"
    )
    picture = _overlap_picture(n, w, r, overlap)
    cex = refuted.counterexample or {}
    refutation = (
        replicas_figure(
            n,
            {"write quorum": tuple(cex.get("write_quorum", ())), "read quorum": tuple(cex.get("read_quorum", ()))},
            f"N={n}, W={small_w}, R={small_r}: z3 found these two quorums, and they share no replica",
        )
        if cex
        else ""
    )
    return (
        f'<section class="proof" id="proof"><h2>Why W + R &gt; N works: the proof</h2>'
        f'<div class="figure">{venn_figure("write", "read")}</div>{count}'
        f"{_argument_html(general)}"
        f"<h3>For this page's configuration (N={n}, W={w}, R={r})</h3>{picture}"
        f"{_argument_html(overlap)}"
        f"<h3>The refutation for W + R &le; N (N={n}, W={small_w}, R={small_r})</h3>"
        f'<div class="figure">{refutation}</div>{_argument_html(refuted)}</section>'
    )


def _overlap_picture(n: int, w: int, r: int, result: proofs.ProofResult) -> str:
    if not result.holds:
        return ""
    # One pair of quorums laid out region by region; z3 proved every pair meets, this is one.
    write, read = tuple(range(0, w)), tuple(range(n - r, n))
    shared = ", ".join(f"n{m}" for m in sorted(set(write) & set(read)))
    figure = replicas_figure(
        n, {"write quorum": write, "read quorum": read}, f"one pair of quorums: they meet in {shared}"
    )
    return f'<div class="figure">{figure}</div>'


def majority_section(n: int) -> str:
    """The majority-intersection proof for every N, one concrete N, and the refutation of
    'half is enough' (two halves of N + 1 replicas, z3's disjoint pair), as HTML."""
    general = proofs.majority_intersection()
    concrete = proofs.majority_intersection(n=n)
    even = n + 1 if n % 2 else n
    halves = proofs.concurrent_writes_overlap(n=even, w=even // 2)
    cex = halves.counterexample or {}
    count = (
        "<p><strong>The count.</strong> Two majorities M1 and M2 of N replicas: "
        '<span class="math">both = M1 + M2 &minus; N + neither &ge; M1 + M2 &minus; N</span>, '
        "and 2&middot;M1 &gt; N, 2&middot;M2 &gt; N give M1 + M2 &gt; N, so both &ge; 1. A replica "
        "votes once per term, so two candidates cannot both gather a majority in one term, and a "
        "leader that hears from a majority learns of any newer leader.</p>"
    )
    pair = tuple(range(0, n // 2 + 1)), tuple(range(n // 2, n))
    picture = replicas_figure(
        n, {"majority 1": pair[0], "majority 2": pair[1]}, f"N={n}: two majorities of {n // 2 + 1} meet in n{n // 2}"
    )
    refutation = (
        replicas_figure(
            even,
            {"half 1": tuple(cex.get("first_write_quorum", ())), "half 2": tuple(cex.get("second_write_quorum", ()))},
            f"N={even}: z3 found two halves of {even // 2} that share no replica",
        )
        if cex
        else ""
    )
    return (
        f'<section class="proof" id="proof"><h2>Why a majority is enough: the proof</h2>'
        f'<div class="figure">{venn_figure("majority 1", "majority 2")}</div>{count}'
        f'{_argument_html(general)}<h3>For N={n}</h3><div class="figure">{picture}</div>'
        f"{_argument_html(concrete)}"
        f"<h3>The refutation: half is not a majority (N={even}, groups of {even // 2})</h3>"
        f'<div class="figure">{refutation}</div>{_argument_html(halves)}</section>'
    )
