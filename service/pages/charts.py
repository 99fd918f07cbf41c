"""Charts drawn on the server as inline SVG: interest hexagon, aptitude bars, bar charts.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states the numbers,
so a screen reader gets the same facts as the picture. Sizes are in SVG user units; the SVG scales
to its container (``viewBox``, no fixed width).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

from service.i18n import N_, translate

#: Bars of the aptitude chart span this many standard deviations either side of the mean.
APTITUDE_RANGE_SD = 3.0
#: Whiskers show the estimate plus and minus this many standard errors (a 95% interval).
INTERVAL_Z = 1.96
#: Colours (all reach 4.5:1 against white for text, 3:1 for shapes).
_INK = "#1b1b1b"
_ACCENT = "#005ea2"
_MUTED = "#565c65"
_GRID = "#a9aeb1"
_SERIES = ("#005ea2", "#c05600", "#008817", "#8b1a8b", "#a23737", "#3d4551", "#6a5acd")


def _num(value: float) -> str:
    return f"{value:.1f}"


def _header(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def draw_interest_hexagon(
    chart_id: str,
    scores: Sequence[float | None],
    labels: Sequence[str],
    *,
    title: str,
    language: str = "en",
) -> Markup:
    """Six scores in 0..1 (None = not measured, drawn at 0); labels clockwise from the top;
    ``title`` and ``labels`` already in ``language``, the description written in it.

    Sized so its labels (20 units, wrapped at about 12 characters a line, the score below)
    are at least 12 px tall on a 320 px wide screen, where the drawing is about 288 px wide.
    """
    if len(scores) != 6 or len(labels) != 6:
        raise ValueError(f"a hexagon needs 6 scores and 6 labels, got {len(scores)}/{len(labels)}")
    width, height, cx, cy, radius = 450, 314, 218, 158, 70
    font, line = 20, 22

    def wrap(words: str) -> list[str]:
        lines: list[str] = []
        for word in words.split():
            if lines and len(lines[-1]) + 1 + len(word) <= 12:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines or [""]

    def point(k: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + k * math.pi / 3
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    values = [0.0 if s is None or math.isnan(s) else min(max(float(s), 0.0), 1.0) for s in scores]
    desc = "; ".join(
        translate(language, N_("%(label)s: not measured"), label=label)
        if s is None
        else translate(
            language, N_("%(label)s: %(score)s of 100"), label=label, score=round(v * 100)
        )
        for label, s, v in zip(labels, scores, values, strict=True)
    )
    out = _header(chart_id, title, desc, width, height)
    out[0] = out[0].replace('class="chart"', 'class="chart chart-hexagon"', 1)
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(
            f"{_num(x)},{_num(y)}" for x, y in (point(k, radius * ring) for k in range(6))
        )
        out.append(f'<polygon points="{pts}" fill="none" stroke="{_GRID}" stroke-width="1"/>')
    for k in range(6):
        x, y = point(k, radius)
        out.append(
            f'<line x1="{cx}" y1="{cy}" x2="{_num(x)}" y2="{_num(y)}" stroke="{_GRID}" '
            'stroke-width="1"/>'
        )
    shape = " ".join(
        f"{_num(x)},{_num(y)}" for x, y in (point(k, radius * values[k]) for k in range(6))
    )
    out.append(
        f'<polygon points="{shape}" fill="{_ACCENT}" fill-opacity="0.25" stroke="{_ACCENT}" '
        'stroke-width="3"/>'
    )
    for k in range(6):
        x, y = point(k, radius * values[k])
        out.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" fill="{_ACCENT}"/>')
        lx, ly = point(k, radius + 12)
        anchor = "middle" if k in (0, 3) else ("start" if k in (1, 2) else "end")
        lines = [*wrap(labels[k]), str(round(values[k] * 100))]
        if k == 0:
            first = ly - (len(lines) - 1) * line
        elif k == 3:
            first = ly + font - 2
        else:
            first = ly - (len(lines) - 1) * line / 2 + font / 3
        spans = "".join(
            f'<tspan x="{_num(lx)}" y="{_num(first + j * line)}">{escape(text)}</tspan>'
            for j, text in enumerate(lines)
        )
        out.append(f'<text text-anchor="{anchor}" font-size="{font}" fill="{_INK}">{spans}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def draw_aptitude_bars(
    chart_id: str,
    estimates: Sequence[float | None],
    standard_errors: Sequence[float | None],
    labels: Sequence[str],
    *,
    title: str,
    language: str = "en",
) -> Markup:
    """Z-scores as bars from 0 with ±1.96 SE whiskers, clipped to ±3; None = not measured;
    ``title`` and ``labels`` already in ``language``, the description written in it."""
    if not len(estimates) == len(standard_errors) == len(labels):
        raise ValueError("estimates, standard errors and labels must have the same length")
    row_h, label_w, plot_w, pad = 36, 170, 300, 12
    width = label_w + plot_w + 2 * pad
    height = row_h * len(labels) + 40

    def x_of(z: float) -> float:
        z = min(max(z, -APTITUDE_RANGE_SD), APTITUDE_RANGE_SD)
        return label_w + pad + (z + APTITUDE_RANGE_SD) / (2 * APTITUDE_RANGE_SD) * plot_w

    parts = []
    for label, est, se in zip(labels, estimates, standard_errors, strict=True):
        if est is None or math.isnan(est):
            parts.append(translate(language, N_("%(label)s: not measured"), label=label))
        elif se is None or math.isnan(se):
            parts.append(f"{label}: {est:+.1f}")
        else:
            low, high = est - INTERVAL_Z * se, est + INTERVAL_Z * se
            message = N_("%(label)s: %(estimate)s (likely between %(low)s and %(high)s)")
            parts.append(
                translate(
                    language,
                    message,
                    label=label,
                    estimate=f"{est:+.1f}",
                    low=f"{low:+.1f}",
                    high=f"{high:+.1f}",
                )
            )
    about = N_(
        "Scores in standard deviations from the average student (0); whiskers show a 95%% range."
    )
    desc = translate(language, about, **{}) + " " + "; ".join(parts)
    out = _header(chart_id, title, desc, width, height)
    for z in (-2, -1, 0, 1, 2):
        x = x_of(z)
        dash = "" if z == 0 else ' stroke-dasharray="3 3"'
        out.append(
            f'<line x1="{_num(x)}" y1="4" x2="{_num(x)}" y2="{height - 30}" '
            f'stroke="{_GRID}"{dash}/>'
        )
        out.append(
            f'<text x="{_num(x)}" y="{height - 12}" text-anchor="middle" font-size="12" '
            f'fill="{_MUTED}">{z:+d}</text>'.replace("+0", "0")
        )
    for k, (label, est, se) in enumerate(zip(labels, estimates, standard_errors, strict=True)):
        y = 8 + k * row_h
        mid = y + row_h / 2 - 4
        out.append(
            f'<text x="{label_w}" y="{_num(mid + 5)}" text-anchor="end" font-size="14" '
            f'fill="{_INK}">{escape(label)}</text>'
        )
        if est is None or math.isnan(est):
            # the message outside the f-string: the extractor does not read inside f-strings
            missing = escape(translate(language, N_("not measured")))
            out.append(
                f'<text x="{_num(x_of(0) + 6)}" y="{_num(mid + 5)}" font-size="13" '
                f'fill="{_MUTED}">{missing}</text>'
            )
            continue
        x0, x1 = x_of(0), x_of(est)
        out.append(
            f'<rect x="{_num(min(x0, x1))}" y="{_num(mid - 8)}" width="{_num(abs(x1 - x0))}" '
            f'height="16" fill="{_ACCENT}" fill-opacity="0.6"/>'
        )
        if se is not None and not math.isnan(se):
            lo, hi = x_of(est - INTERVAL_Z * se), x_of(est + INTERVAL_Z * se)
            out.append(
                f'<line x1="{_num(lo)}" y1="{_num(mid)}" x2="{_num(hi)}" y2="{_num(mid)}" '
                f'stroke="{_INK}" stroke-width="2"/>'
            )
            for xx in (lo, hi):
                out.append(
                    f'<line x1="{_num(xx)}" y1="{_num(mid - 7)}" x2="{_num(xx)}" '
                    f'y2="{_num(mid + 7)}" stroke="{_INK}" stroke-width="2"/>'
                )
        out.append(f'<circle cx="{_num(x1)}" cy="{_num(mid)}" r="5" fill="{_INK}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def axis_ticks(top: float, *, counts: bool = True, intervals: int = 4) -> list[float]:
    """Tick values of a bar axis from 0: steps of 1, 2 or 5 x 10^k, about ``intervals`` of them,
    the last at or above ``top``. Counts get whole-number steps and at least ``intervals``
    intervals, so a count of 1 is a quarter of the axis, not its whole width."""
    if not math.isfinite(top) or top < 0:
        raise ValueError("the largest bar value must be a finite number >= 0")
    raw = max(top, 1e-9) / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if counts:
        step = max(1.0, float(math.ceil(step)))
    n = max(1, math.ceil(top / step - 1e-9))
    if counts:
        n = max(n, intervals)
    return [round(k * step, 10) for k in range(n + 1)]


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _axis(
    out: list[str], ticks: Sequence[float], x0: float, plot_w: float, y_top: float, y_axis: float
) -> None:
    """Vertical grid lines and tick labels under the bars (ticks[0] is 0)."""
    for tick in ticks:
        x = x0 + tick / ticks[-1] * plot_w
        dash = "" if tick == 0 else ' stroke-dasharray="3 3"'
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(y_top)}" x2="{_num(x)}" y2="{_num(y_axis)}" '
            f'stroke="{_GRID}"{dash}/>'
        )
        out.append(
            f'<text x="{_num(x)}" y="{_num(y_axis + 15)}" text-anchor="middle" font-size="12" '
            f'fill="{_MUTED}">{_tick_text(tick)}</text>'
        )


#: About how wide a character of the charts' 13 px sans-serif labels is (DejaVu Sans averages
#: 0.55 em); used to size the label column so that no label is cut off.
LABEL_CHAR_PX: Final = 7.4
#: The label column's narrowest and widest widths (px, before the SVG scales to the page).
LABEL_MIN_PX: Final = 120
LABEL_MAX_PX: Final = 300


def label_lines(label: str) -> tuple[str, ...]:
    """A bar label as one line, or two split at the space nearest the middle when one line
    would not fit the widest label column."""
    if len(label) * LABEL_CHAR_PX + 8 <= LABEL_MAX_PX or " " not in label:
        return (label,)
    spaces = [i for i, c in enumerate(label) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return (label[:cut], label[cut + 1 :])


def label_width(lines: Sequence[Sequence[str]]) -> int:
    """The label column's width: the longest line's estimated width and a margin, clamped."""
    longest = max((len(line) for parts in lines for line in parts), default=0)
    return int(min(LABEL_MAX_PX, max(LABEL_MIN_PX, math.ceil(longest * LABEL_CHAR_PX) + 16)))


def draw_bars(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    axis_label: str,
    counts: bool = True,
) -> Markup:
    """Horizontal bars from 0 on a labelled axis with ticks; each bar shows its value.

    A bar's length is ``value / last tick`` of the plot width (``axis_ticks``), so lengths are
    proportional to values and comparable between bars. ``desc`` lists every label and value.
    """
    if len(labels) != len(values):
        raise ValueError("there must be one value per label")
    if any(not math.isfinite(v) or v < 0 for v in values):
        raise ValueError("bar values must be finite and >= 0")
    row_h, plot_w, right = 26, 330, 70
    lines = [label_lines(label) for label in labels]
    label_w = label_width(lines)
    width = label_w + plot_w + right
    top_pad = 8
    y_axis = top_pad + row_h * len(labels) + 4
    height = int(y_axis + 44)
    ticks = axis_ticks(max(values, default=0.0), counts=counts)
    desc = f"{axis_label}: " + "; ".join(
        f"{label} {_tick_text(v)}" for label, v in zip(labels, values, strict=True)
    )
    out = _header(chart_id, title, desc, width, height)
    x0 = label_w
    _axis(out, ticks, x0, plot_w, top_pad, y_axis)
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top_pad + k * row_h + 4
        w = value / ticks[-1] * plot_w
        if len(lines[k]) == 1:
            out.append(
                f'<text x="{label_w - 8}" y="{_num(y + 13)}" text-anchor="end" font-size="13" '
                f'fill="{_INK}">{escape(label)}</text>'
            )
        else:  # a long label on two lines, a little smaller
            first, second = (escape(part) for part in lines[k])
            out.append(
                f'<text x="{label_w - 8}" y="{_num(y + 6)}" text-anchor="end" font-size="12" '
                f'fill="{_INK}"><tspan x="{label_w - 8}">{first}</tspan>'
                f'<tspan x="{label_w - 8}" dy="12">{second}</tspan></text>'
            )
        out.append(
            f'<rect class="bar" x="{x0}" y="{_num(y)}" width="{_num(w)}" height="{row_h - 8}" '
            f'fill="{_ACCENT}"><title>{escape(label)}: {_tick_text(value)}</title></rect>'
        )
        out.append(
            f'<text x="{_num(x0 + w + 4)}" y="{_num(y + 13)}" font-size="12" '
            f'fill="{_INK}">{_tick_text(value)}</text>'
        )
    out.append(
        f'<text x="{_num(x0 + plot_w / 2)}" y="{height - 6}" text-anchor="middle" '
        f'font-size="13" fill="{_INK}">{escape(axis_label)}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def draw_grouped_bars(
    chart_id: str,
    groups: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float]],
    *,
    title: str,
    axis_label: str = "",
) -> Markup:
    """Horizontal bars: one block per group, one bar per series; values[g][s] >= 0, one axis
    from 0 with ticks (``axis_ticks``) and, when given, its label under it."""
    if len(values) != len(groups) or any(len(v) != len(series) for v in values):
        raise ValueError("values must have one row per group and one column per series")
    if any(v < 0 for row in values for v in row):
        raise ValueError("bar values must be >= 0")
    bar_h, gap, label_w, plot_w = 14, 18, 190, 330
    block = bar_h * len(series) + gap
    legend_h = 20 * len(series) + 10
    width = label_w + plot_w + 60
    y_axis = legend_h + block * len(groups)
    height = y_axis + (44 if axis_label else 26)
    ticks = axis_ticks(max((v for row in values for v in row), default=0.0))
    desc = "; ".join(
        f"{g}: " + ", ".join(f"{s} {v:g}" for s, v in zip(series, row, strict=True))
        for g, row in zip(groups, values, strict=True)
    )
    if axis_label:
        desc = f"{axis_label}. {desc}"
    out = _header(chart_id, title, desc, width, height)
    for s, name in enumerate(series):
        y = 6 + 20 * s
        colour = _SERIES[s % len(_SERIES)]
        out.append(f'<rect x="{label_w}" y="{y}" width="14" height="14" fill="{colour}"/>')
        out.append(
            f'<text x="{label_w + 20}" y="{y + 12}" font-size="13" fill="{_INK}">'
            f"{escape(name)}</text>"
        )
    _axis(out, ticks, label_w, plot_w, legend_h - 4, y_axis)
    for g, (group, row) in enumerate(zip(groups, values, strict=True)):
        y0 = legend_h + g * block
        out.append(
            f'<text x="{label_w - 8}" y="{y0 + bar_h * len(series) / 2 + 5:.1f}" '
            f'text-anchor="end" font-size="13" fill="{_INK}">{escape(group)}</text>'
        )
        for s, value in enumerate(row):
            w = value / ticks[-1] * plot_w
            y = y0 + s * bar_h
            colour = _SERIES[s % len(_SERIES)]
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{_num(w)}" height="{bar_h - 2}" '
                f'fill="{colour}"/>'
            )
            out.append(
                f'<text x="{_num(label_w + w + 4)}" y="{y + bar_h - 3}" font-size="11" '
                f'fill="{_INK}">{value:g}</text>'
            )
    if axis_label:
        out.append(
            f'<text x="{_num(label_w + plot_w / 2)}" y="{height - 6}" text-anchor="middle" '
            f'font-size="13" fill="{_INK}">{escape(axis_label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
