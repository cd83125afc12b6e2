"""Inline SVG line plots for the reference site (no plotting library, no scripts)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Series", "nice_ticks", "svg_plot"]

FUNCTION_COLOUR = "#1d4ed8"  # contrast 6.7:1 on white
DERIVATIVE_COLOUR = "#b45309"  # contrast 5.0:1 on white
AXIS_COLOUR = "#4b5563"
GRID_COLOUR = "#e5e7eb"


@dataclass(frozen=True)
class Series:
    x: np.ndarray
    y: np.ndarray
    label: str
    colour: str = FUNCTION_COLOUR
    dashed: bool = False


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick positions covering [lo, hi] (1, 2, 5 times a power of ten)."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return [lo]
    raw = span / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 5.0, 10.0) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + 1e-9 * step:
        ticks.append(0.0 if abs(t) < 1e-12 * step else t)
        t += step
    return ticks


def _tick_label(v: float) -> str:
    text = f"{v:.6g}"
    return text.replace("-", "\u2212")


def _path(xs: np.ndarray, ys: np.ndarray, sx: object, sy: object, y_lo: float, y_hi: float) -> str:
    """Path data; breaks at non-finite values, coordinates clamped to stay finite."""
    span = y_hi - y_lo
    parts: list[str] = []
    pen_down = False
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if not math.isfinite(y):
            pen_down = False
            continue
        y = min(max(y, y_lo - span), y_hi + span)  # off-plot points are clipped
        px, py = sx(x), sy(y)  # type: ignore[operator]
        parts.append(f"{'L' if pen_down else 'M'}{px:.1f} {py:.1f}")
        pen_down = True
    return "".join(parts)


def svg_plot(
    series: Sequence[Series],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    title: str,
    description: str,
    ident: str,
    width: int = 560,
    height: int = 340,
    small: bool = False,
    x_label: str = "x",
    y_label: str = "y",
) -> str:
    """An accessible SVG line plot: <title>/<desc>, axes, ticks, legend (unless small)."""
    if small:
        ml, mr, mt, mb = 4, 4, 4, 4
    else:
        ml, mr, mt, mb = 52, 16, 16, 44
    x0, x1 = x_range
    y0, y1 = y_range
    pw, ph = width - ml - mr, height - mt - mb

    def sx(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return mt + (y1 - y) / (y1 - y0) * ph

    tid, did, cid = f"{ident}-title", f"{ident}-desc", f"{ident}-clip"
    out = [
        f'<svg class="plot{" plot-small" if small else ""}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{tid} {did}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{tid}">{_esc(title)}</title>',
        f'<desc id="{did}">{_esc(description)}</desc>',
        f'<defs><clipPath id="{cid}"><rect x="{ml}" y="{mt}" width="{pw}" height="{ph}"/>'
        "</clipPath></defs>",
        f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="{GRID_COLOUR}"/>',
    ]
    xt = nice_ticks(x0, x1, 4 if small else 8)
    yt = nice_ticks(y0, y1, 3 if small else 6)
    if not small:
        for t in xt:
            out.append(
                f'<line x1="{sx(t):.1f}" y1="{mt}" x2="{sx(t):.1f}" y2="{mt + ph}" '
                f'stroke="{GRID_COLOUR}"/>'
            )
            out.append(
                f'<text x="{sx(t):.1f}" y="{mt + ph + 16}" text-anchor="middle" '
                f'class="tick">{_tick_label(t)}</text>'
            )
        for t in yt:
            out.append(
                f'<line x1="{ml}" y1="{sy(t):.1f}" x2="{ml + pw}" y2="{sy(t):.1f}" '
                f'stroke="{GRID_COLOUR}"/>'
            )
            out.append(
                f'<text x="{ml - 6}" y="{sy(t) + 4:.1f}" text-anchor="end" '
                f'class="tick">{_tick_label(t)}</text>'
            )
        out.append(
            f'<text x="{ml + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'class="axis-label">{_esc(x_label)}</text>'
        )
        out.append(
            f'<text transform="translate(14 {mt + ph / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle" class="axis-label">{_esc(y_label)}</text>'
        )
    if y0 <= 0.0 <= y1:
        out.append(
            f'<line x1="{ml}" y1="{sy(0.0):.1f}" x2="{ml + pw}" y2="{sy(0.0):.1f}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
    if x0 <= 0.0 <= x1:
        out.append(
            f'<line x1="{sx(0.0):.1f}" y1="{mt}" x2="{sx(0.0):.1f}" y2="{mt + ph}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
    out.append(f'<g clip-path="url(#{cid})" fill="none" stroke-linejoin="round">')
    for s in series:
        dash = ' stroke-dasharray="7 5"' if s.dashed else ""
        w = 2 if small else 2.5
        out.append(
            f'<path d="{_path(s.x, s.y, sx, sy, y0, y1)}" stroke="{s.colour}" '
            f'stroke-width="{w}"{dash}><title>{_esc(s.label)}</title></path>'
        )
    out.append("</g>")
    if not small:
        ly = mt + 10
        for s in series:
            dash = ' stroke-dasharray="7 5"' if s.dashed else ""
            out.append(
                f'<line x1="{ml + 10}" y1="{ly}" x2="{ml + 38}" y2="{ly}" '
                f'stroke="{s.colour}" stroke-width="2.5"{dash}/>'
            )
            out.append(f'<text x="{ml + 44}" y="{ly + 4}" class="legend">{_esc(s.label)}</text>')
            ly += 18
    out.append("</svg>")
    return "".join(out)
