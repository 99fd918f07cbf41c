"""Server-drawn SVG charts and the Markdown helper: geometry, text alternatives, escaping."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from service.pages._markdown import render_markdown
from service.pages.charts import (
    APTITUDE_RANGE_SD,
    draw_aptitude_bars,
    draw_grouped_bars,
    draw_interest_hexagon,
)

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["R", "I", "A", "S", "E", "C"]


def _points(polygon: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for x, y in re.findall(r"([-\d.]+),([-\d.]+)", polygon.get("points", ""))
    ]


def _hexagon(scores: list[float | None], labels: list[str] = LABELS) -> ET.Element:
    return ET.fromstring(str(draw_interest_hexagon("h", scores, labels, title="Interests")))


def _geometry(
    svg: ET.Element,
) -> tuple[tuple[float, float], list[tuple[float, float]], list[tuple[float, float]]]:
    """(centre, outer ring vertices, score vertices) read back from the drawing."""
    spoke = svg.find(f"{SVG}line")
    assert spoke is not None
    centre = (float(spoke.get("x1", "nan")), float(spoke.get("y1", "nan")))
    polygons = svg.findall(f"{SVG}polygon")
    rings = [p for p in polygons if p.get("fill") == "none"]
    outer = max(rings, key=lambda p: math.dist(centre, _points(p)[0]))
    (shape,) = [p for p in polygons if p.get("fill") != "none"]
    return centre, _points(outer), _points(shape)


def test_a_maximum_score_lies_on_the_outer_ring_and_zero_at_the_centre() -> None:
    centre, outer, shape = _geometry(_hexagon([1.0, 0.0, 0.5, 1.0, 0.0, None]))
    assert shape[0] == pytest.approx(outer[0], abs=0.1)
    assert shape[3] == pytest.approx(outer[3], abs=0.1)
    for k in (1, 4, 5):  # zero and "not measured" are drawn at the centre
        assert shape[k] == pytest.approx(centre, abs=0.1)
    half = math.dist(centre, shape[2]) / math.dist(centre, outer[2])
    assert half == pytest.approx(0.5, abs=0.01)


def test_the_first_score_points_straight_up() -> None:
    centre, outer, _ = _geometry(_hexagon([1.0] * 6))
    assert outer[0][0] == pytest.approx(centre[0], abs=0.1) and outer[0][1] < centre[1]


def test_scores_outside_zero_to_one_are_clipped() -> None:
    _, outer, shape = _geometry(_hexagon([1.7, -0.3, 1.0, 1.0, 1.0, 1.0]))
    centre, _, _ = _geometry(_hexagon([0.0] * 6))
    assert shape[0] == pytest.approx(outer[0], abs=0.1)
    assert shape[1] == pytest.approx(centre, abs=0.1)


def test_hexagon_labels_are_escaped_and_described_for_screen_readers() -> None:
    labels = ["<b>Build</b>", "I & me", "A", "S", "E", "C"]
    html = str(draw_interest_hexagon("h", [0.5, None, 0, 0, 0, 1], labels, title="<x>"))
    assert "<b>" not in html and "&lt;b&gt;Build&lt;/b&gt;" in html and "I &amp; me" in html
    svg = ET.fromstring(html)
    assert svg.get("role") == "img"
    desc = svg.findtext(f"{SVG}desc") or ""
    assert "<b>Build</b>: 50 of 100" in desc and "I & me: not measured" in desc
    assert svg.findtext(f"{SVG}title") == "<x>"


def test_hexagon_needs_six_scores() -> None:
    with pytest.raises(ValueError, match="6 scores"):
        draw_interest_hexagon("h", [0.5] * 5, LABELS[:5], title="t")


def test_aptitude_bars_start_at_zero_and_clip_at_the_range() -> None:
    svg = ET.fromstring(
        str(
            draw_aptitude_bars(
                "a", [1.0, -9.0, None], [0.5, None, None], ["V", "Q", "<S>"], title="t"
            )
        )
    )
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == 2, "a not-measured aptitude has no bar"
    one, clipped = (float(b.get("width", "nan")) for b in bars)
    assert clipped / one == pytest.approx(APTITUDE_RANGE_SD, rel=0.01)
    assert float(bars[0].get("x", "nan")) == pytest.approx(
        float(bars[1].get("x", "nan")) + clipped, abs=0.2
    ), "a positive and a negative bar meet at 0"
    desc = svg.findtext(f"{SVG}desc") or ""
    assert "V: +1.0 (likely between +0.0 and +2.0)" in desc and "<S>: not measured" in desc


def test_grouped_bars_scale_to_the_largest_value_and_refuse_negative_values() -> None:
    svg = ET.fromstring(str(draw_grouped_bars("g", ["a", "b"], ["x"], [[2.0], [4.0]], title="t")))
    widths = [float(r.get("width", "nan")) for r in svg.findall(f"{SVG}rect")][1:]
    assert widths[0] == pytest.approx(widths[1] / 2, rel=0.01)
    with pytest.raises(ValueError, match=">= 0"):
        draw_grouped_bars("g", ["a"], ["x"], [[-1.0]], title="t")
    with pytest.raises(ValueError, match="one row per group"):
        draw_grouped_bars("g", ["a", "b"], ["x"], [[1.0]], title="t")


def test_markdown_escapes_html_and_only_links_web_addresses() -> None:
    html = str(
        render_markdown(
            "# Card <script>alert(1)</script>\n\n"
            'Text with <img src=x onerror="alert(1)"> and **bold** and `a<b`.\n\n'
            "[bad](javascript:alert(1)) [good](https://www.onetcenter.org/)"
        )
    )
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<h2>" in html
    assert "<strong>bold</strong>" in html and "<code>a&lt;b</code>" in html
    assert 'href="javascript' not in html
    assert '<a href="https://www.onetcenter.org/">good</a>' in html


def test_markdown_lists_and_tables() -> None:
    html = str(render_markdown("- one\n- two\n\n1. first\n\n| a | b |\n|---|---|\n| 1 | <2> |"))
    assert html.count("<li>") == 3 and "<ul>" in html and "<ol>" in html
    assert '<th scope="col">a</th>' in html and "<td>&lt;2&gt;</td>" in html
    assert "---" not in html
    assert "<h6>" in str(render_markdown("###### deep", heading_offset=3))


def _label_texts(svg: ET.Element) -> list[tuple[float, list[str]]]:
    """(the right edge x, its lines) of each bar label: the end-anchored texts."""
    found = []
    for text in svg.iter(f"{SVG}text"):
        if text.get("text-anchor") != "end":
            continue
        spans = [t.text or "" for t in text.findall(f"{SVG}tspan")]
        found.append((float(text.get("x", "nan")), spans or [text.text or ""]))
    return found


def test_every_report_bar_label_fits_its_column_in_every_language() -> None:
    """Category labels and pathway titles, in each catalogue language, are drawn whole and
    no line is estimated wider than the label column (a long Spanish label was cut off)."""
    from recommender.catalogue import get_catalogue
    from service.choices import ActivityCategory
    from service.i18n import catalogues, translate
    from service.pages.charts import LABEL_CHAR_PX, draw_bars

    catalogue = get_catalogue()
    for language in catalogues().languages:
        sets = [
            [translate(language, c.label) for c in ActivityCategory],
            [p.title_es if language == "es" else p.title for p in catalogue.pathways],
        ]
        for labels in sets:
            svg = ET.fromstring(
                str(draw_bars("c", labels, [1.0] * len(labels), title="t", axis_label="a"))
            )
            drawn = _label_texts(svg)
            assert [" ".join(lines) for _, lines in drawn] == labels
            for right, lines in drawn:
                for line in lines:
                    assert len(line) * LABEL_CHAR_PX <= right, (language, line)
