"""SVG plots of PBS staleness: probability of a fresh read against k, and against t.

Written directly as SVG text (no plotting library), with every coordinate rounded to two
decimals, so the same numbers give byte-identical files. Each panel is a line chart with
markers; the t panel also draws the 95% confidence band and marks the 99.9% point.
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 460, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 34, 46


def _f(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _Panel:
    """One chart: maps data to pixels inside the axes at horizontal offset ``dx``."""

    def __init__(self, dx: float, x_range: tuple[float, float], y_range: tuple[float, float]):
        self.dx, (self.x0, self.x1), (self.y0, self.y1) = dx, x_range, y_range
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1

    def x(self, v: float) -> float:
        return self.dx + LEFT + (v - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def y(self, v: float) -> float:
        return TOP + (self.y1 - v) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)


def _axes(p: _Panel, title: str, xlabel: str, xticks, yticks) -> list[str]:
    out = [
        f'<text x="{_f(p.dx + WIDTH / 2)}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<line x1="{_f(p.x(p.x0))}" y1="{_f(p.y(p.y0))}" x2="{_f(p.x(p.x1))}" y2="{_f(p.y(p.y0))}" stroke="#333"/>',
        f'<line x1="{_f(p.x(p.x0))}" y1="{_f(p.y(p.y0))}" x2="{_f(p.x(p.x0))}" y2="{_f(p.y(p.y1))}" stroke="#333"/>',
    ]
    for v, label in xticks:
        out.append(
            f'<text x="{_f(p.x(v))}" y="{_f(p.y(p.y0) + 16)}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    for v, label in yticks:
        out.append(
            f'<line x1="{_f(p.x(p.x0))}" y1="{_f(p.y(v))}" x2="{_f(p.x(p.x1))}" y2="{_f(p.y(v))}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{_f(p.x(p.x0) - 6)}" y="{_f(p.y(v) + 4)}" text-anchor="end" '
            f'font-size="11">{escape(label)}</text>'
        )
    out.append(
        f'<text x="{_f(p.dx + LEFT + (WIDTH - LEFT - RIGHT) / 2)}" y="{HEIGHT - 10}" '
        f'text-anchor="middle" font-size="12">{escape(xlabel)}</text>'
    )
    out.append(
        f'<text x="{_f(p.dx + 14)}" y="{_f(TOP + (HEIGHT - TOP - BOTTOM) / 2)}" text-anchor="middle" '
        f'font-size="12" transform="rotate(-90 {_f(p.dx + 14)} '
        f'{_f(TOP + (HEIGHT - TOP - BOTTOM) / 2)})">P(consistent read)</text>'
    )
    return out


def _y_ticks(lo: float) -> list[tuple[float, str]]:
    step = 0.1 if 1 - lo <= 0.5 else 0.2
    ticks, v = [], 1.0
    while v >= lo - 1e-9:
        ticks.append((v, f"{v:.1f}"))
        v = round(v - step, 10)
    return ticks


def _floor_tenth(v: float) -> float:
    return max(0.0, int(v * 10) / 10)


def k_panel(dx: float, title: str, ks: list[int], probabilities: list[float]) -> list[str]:
    """Probability of reading one of the k latest versions against k."""
    lo = _floor_tenth(min(probabilities + [1.0]))
    p = _Panel(dx, (min(ks) - 0.5, max(ks) + 0.5), (lo, 1.0))
    out = _axes(p, title, "k (versions)", [(k, str(k)) for k in ks], _y_ticks(lo))
    points = " ".join(f"{_f(p.x(k))},{_f(p.y(v))}" for k, v in zip(ks, probabilities))
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    out += [f'<circle cx="{_f(p.x(k))}" cy="{_f(p.y(v))}" r="3.5" fill="#1f77b4"/>' for k, v in zip(ks, probabilities)]
    return out


def t_panel(
    dx: float,
    title: str,
    times: list[float],
    probabilities: list[float],
    lows: list[float],
    highs: list[float],
    t999: float,
) -> list[str]:
    """Probability of a consistent read against t, with its 95% band and the 99.9% point."""
    lo = _floor_tenth(min(lows + [1.0]))
    x1 = max(times) if times else 1.0
    p = _Panel(dx, (0.0, x1), (lo, 1.0))
    xticks = [(x1 * i / 4, _f(x1 * i / 4)) for i in range(5)]
    out = _axes(p, title, "t (ms after commit)", xticks, _y_ticks(lo))
    band = [f"{_f(p.x(t))},{_f(p.y(h))}" for t, h in zip(times, highs)]
    band += [f"{_f(p.x(t))},{_f(p.y(v))}" for t, v in reversed(list(zip(times, lows)))]
    out.append(f'<polygon points="{" ".join(band)}" fill="#ff7f0e" fill-opacity="0.25" stroke="none"/>')
    line = " ".join(f"{_f(p.x(t))},{_f(p.y(v))}" for t, v in zip(times, probabilities))
    out.append(f'<polyline points="{line}" fill="none" stroke="#d62728" stroke-width="2"/>')
    if t999 <= x1:
        out.append(
            f'<line x1="{_f(p.x(t999))}" y1="{_f(p.y(lo))}" x2="{_f(p.x(t999))}" y2="{_f(p.y(1.0))}" '
            'stroke="#555" stroke-dasharray="4 3"/>'
        )
        out.append(
            f'<text x="{_f(p.x(t999) + 4)}" y="{_f(p.y(lo) - 6)}" font-size="11">99.9% at {escape(_f(t999))} ms</text>'
        )
    return out


def svg(panels: list[list[str]]) -> str:
    """The document holding the panels side by side."""
    width = WIDTH * len(panels)
    body = "\n".join(line for panel in panels for line in panel)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" font-family="sans-serif">\n'
        f'<rect width="{width}" height="{HEIGHT}" fill="white"/>\n{body}\n</svg>\n'
    )
