"""Server-rendered charts (inline SVG) and the Vietnamese number formats the index pages use.

The charts carry their own accessible text: a `<title>`/`<desc>` for the whole chart, a
`<title>` per bar, and the value written beside every bar, so nothing is said by colour alone.
Horizontal bars are laid out in percentages of the page width (no `viewBox` scaling), so the
text keeps its size from a 360 px phone to a desktop; the month columns keep a fixed size and
scroll sideways inside their box on a narrow screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from motcua.core.text import number_vi

# ---------------------------------------------------------------- numbers, Vietnamese style


def percent_vi(fraction: float | None) -> str:
    """0.2162 → '21,62 %'; None (nothing to divide) → '—'."""
    if fraction is None:
        return "—"
    return f"{number_vi(fraction * 100)} %"


def money_vi(amount: int | None) -> str:
    return "—" if amount is None else f"{number_vi(amount, 0)} đồng"


# ---------------------------------------------------------------- charts

SVG_NS = "http://www.w3.org/2000/svg"
BAR_ROW = 46  # px: a label line, then the bar with its value
BAR_TRACK = 62  # % of the width for the bar; the value is written to its right


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    maximum: float
    text: str  # the value as a person reads it, written beside the bar
    muted: bool = False  # drawn hatched (e.g. an indicator with nothing to judge)
    detail: str = ""  # extra words for the bar's tooltip / screen reader


def _share(value: float, maximum: float) -> float:
    if maximum <= 0:
        return 0.0
    return max(0.0, min(1.0, value / maximum))


def _open_svg(chart_id: str, title: str, description: str, *, width: str, height: int) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" class="chart" id="{escape(chart_id)}" role="img" '
        f'width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(description)}</desc>'
    )


def _hatch(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e3e7ec"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#8a96a3" stroke-width="2"/></pattern></defs>'
    )


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str = ""
) -> SafeString:
    """Horizontal bars, one per row: the label above, the bar and its value below."""
    height = max(1, len(bars)) * BAR_ROW
    hatch_id = f"{escape(chart_id)}-na"
    parts = [
        _open_svg(chart_id, title, description, width="100%", height=height),
        _hatch(hatch_id),
    ]
    for i, bar in enumerate(bars):
        y = i * BAR_ROW
        filled = _share(bar.value, bar.maximum) * BAR_TRACK
        fill = f"url(#{hatch_id})" if bar.muted else "#0b57a4"
        value_style = (
            'font-size="12" font-style="italic" fill="#555e68"'
            if bar.muted
            else 'font-size="13" font-weight="600" fill="#1b1f24"'
        )
        tooltip = f"{bar.label}: {bar.text}" + (f" — {bar.detail}" if bar.detail else "")
        parts.append(
            f'<g class="chart-row"><title>{escape(tooltip)}</title>'
            f'<text x="0" y="{y + 15}" font-size="13" fill="#1b1f24">{escape(bar.label)}</text>'
            f'<rect x="0" y="{y + 21}" width="{BAR_TRACK}%" height="16" rx="2" fill="#eef1f4"/>'
            f'<rect x="0" y="{y + 21}" width="{filled:.2f}%" height="16" rx="2" fill="{fill}"/>'
            f'<text x="{BAR_TRACK + 2}%" y="{y + 34}" {value_style}>{escape(bar.text)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped


@dataclass(frozen=True)
class Column:
    label: str  # under the column (e.g. 'T3')
    sublabel: str  # a second line under it (e.g. the year, on January and the first column)
    value: float | None  # None: a gap (e.g. a month with no dossier), drawn as no column
    text: str  # above the column
    detail: str = ""  # tooltip / screen reader (e.g. 'Tháng 03/2026: 73,40 điểm — Khá')


COLUMN_WIDTH = 52
CHART_TOP = 22
CHART_HEIGHT = 200
AXIS_LEFT = 30


def column_chart(
    columns: Sequence[Column],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    maximum: float = 100,
    guides: Sequence[float] = (50, 70, 80, 90),
) -> SafeString:
    """Vertical columns on a 0..maximum scale with dashed guide lines (the band thresholds).
    A column without a value is a gap: no bar at all (a zero-height bar would read as 0), its
    text written on the base line."""
    width = AXIS_LEFT + len(columns) * COLUMN_WIDTH + 4
    height = CHART_TOP + CHART_HEIGHT + 40
    bottom = CHART_TOP + CHART_HEIGHT

    def y_of(value: float) -> float:
        return bottom - _share(value, maximum) * CHART_HEIGHT

    parts = [_open_svg(chart_id, title, description, width=str(width), height=height)]
    for guide in (0, *guides, maximum):
        y = y_of(guide)
        dash = "" if guide in (0, maximum) else ' stroke-dasharray="4 3"'
        parts.append(
            f'<line x1="{AXIS_LEFT}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" '
            f'stroke="#c4cbd3"{dash}/>'
            f'<text x="{AXIS_LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555e68">{number_vi(guide, 0)}</text>'
        )
    for i, column in enumerate(columns):
        x = AXIS_LEFT + i * COLUMN_WIDTH
        centre = x + COLUMN_WIDTH / 2
        if column.value is None:
            head = (
                f'<g class="chart-column chart-gap"><title>{escape(column.detail or column.text)}'
                f'</title><text x="{centre}" y="{bottom - 5}" font-size="11" '
                f'text-anchor="middle" fill="#555e68">{escape(column.text)}</text>'
            )
        else:
            top = y_of(column.value)
            head = (
                f'<g class="chart-column"><title>{escape(column.detail or column.text)}</title>'
                f'<rect x="{x + 9}" y="{top:.1f}" width="{COLUMN_WIDTH - 18}" '
                f'height="{bottom - top:.1f}" fill="#0b57a4"/>'
                f'<text x="{centre}" y="{top - 5:.1f}" font-size="11" text-anchor="middle" '
                f'font-weight="600" fill="#1b1f24">{escape(column.text)}</text>'
            )
        parts.append(
            head + f'<text x="{centre}" y="{bottom + 16}" font-size="12" text-anchor="middle" '
            f'fill="#1b1f24">{escape(column.label)}</text>'
            f'<text x="{centre}" y="{bottom + 31}" font-size="11" text-anchor="middle" '
            f'fill="#555e68">{escape(column.sublabel)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above is escaped
