"""The dashboard's charts: SVG drawn on the server with pygal, no script, no external font.

Every chart scales to its box (a fixed `viewBox`, no width or height), carries its title for screen
readers, and each drawn bar or point carries `data-label`, `data-value` and `data-series` attributes, so
that what is drawn can be checked against the data table beside it (the contract is in
notes/contracts.md). A rendered chart is cached by its data: the same figures draw the same SVG.
"""

from __future__ import annotations

import functools
import html
import math
import re

import pygal  # type: ignore[import-untyped, unused-ignore]
from markupsafe import Markup
from pygal.style import Style  # type: ignore[import-untyped, unused-ignore]
from pygal.util import alter  # type: ignore[import-untyped, unused-ignore]

from bot.core.dashboard import Chart, Series

WIDTH, HEIGHT = 640, 320
CACHED = 64

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2430",
    foreground_strong="#1d2430",
    foreground_subtle="#4f5b6b",
    opacity="1",
    opacity_hover="1",
    transition="0ms",
    colors=("#0b5cad", "#b35c00", "#4f5b6b", "#2e7d32"),
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    label_font_size=16,
    major_label_font_size=16,
    value_font_size=16,
    legend_font_size=16,
    title_font_size=18,
    tooltip_font_size=13,
    no_data_font_size=20,
)
"""Plain and readable: dark text on white, colours that keep a 4.5:1 contrast with the background."""


class _Plain:
    """No tooltip nodes under each bar: without a script nobody sees them, and they cost a quarter of
    the drawing time of the eight weeks' chart (168 bars)."""

    def _tooltip_and_print_values(self, *args: object, **kwargs: object) -> None:
        return None


class _Bar(_Plain, pygal.Bar):
    pass


class _HorizontalBar(_Plain, pygal.HorizontalBar):
    pass


class _StackedBar(_Plain, pygal.StackedBar):
    """pygal's stacked bars, with each bar's own attributes (`node`) set as the other kinds do."""

    def _bar(
        self, serie: object, parent: object, x: float, y: float, i: int, zero: float, secondary: bool = False
    ) -> object:
        drawn = super()._bar(serie, parent, x, y, i, zero, secondary)
        alter(list(parent)[-1], serie.metadata.get(i))  # type: ignore[call-overload, attr-defined]
        return drawn


_KINDS = {
    "bar": _Bar,
    "stacked": _StackedBar,
    "line": pygal.Line,
    "hbar": _HorizontalBar,
}
_GENERATED = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
"""pygal writes its config as a script even with `js=[]`: the pages carry no script at all."""
_TITLE = re.compile(r"<title>Pygal</title>")


def svg(chart: Chart) -> Markup:
    """The chart as inline SVG markup (cached by its kind, title, unit and points)."""
    return Markup(_render(chart.kind, chart.title, chart.unit, chart.series))


def value_text(value: int | float) -> str:
    """A value as `data-value` says it, in the SVG and in the table alike: `12`, `12.5`."""
    return str(int(value)) if float(value).is_integer() else str(value)


@functools.lru_cache(maxsize=CACHED)
def _render(kind: str, title: str, unit: str, series: tuple[Series, ...]) -> str:
    many = len(series) > 1
    if kind == "hbar":  # pygal draws the first bar at the bottom: a funnel reads from the top
        series = tuple(Series(one.key, one.title, one.points[::-1]) for one in series)
    labels = [point.label for point in series[0].points] if series else []
    config = {
        "js": [],
        "disable_xml_declaration": True,
        "width": WIDTH,
        "height": HEIGHT,
        "style": STYLE,
        "show_legend": many,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": max(1, len(series)),
        "print_values": False,
        "margin": 12,
        "margin_right": 28,
        "dots_size": 5,
        "stroke_style": {"width": 3},
        "x_label_rotation": 0,
        "truncate_label": -1,
        "truncate_legend": -1,
        "no_data_text": "",
    }
    if len(labels) > 14:  # eight weeks of days: a label a week
        config.update(x_labels_major_every=7, show_minor_x_labels=False)
    if unit == "%":
        config.update(range=(0, 100), value_formatter=lambda v: f"{v:g}%")
    else:  # counts: whole-number ticks only
        config.update(y_labels=_count_ticks(kind, series))
    drawing = _KINDS[kind](**config)
    drawing.x_labels = labels
    for one in series:
        values: list[object] = []
        for point in one.points:
            if point.value is None:
                values.append(None)
                continue
            attributes = {"data-label": point.label, "data-value": value_text(point.value)}
            attributes["data-series"] = one.key
            values.append({"value": point.value, "node": attributes, "label": point.label})
        drawing.add(one.title, values)
    text = drawing.render(is_unicode=True)
    text = _SCRIPT.sub("", _GENERATED.sub("", text))
    text = _TITLE.sub(f"<title>{html.escape(title)}</title>", text, count=1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" ', 1)


def _count_ticks(kind: str, series: tuple[Series, ...]) -> list[int]:
    """About five whole-number ticks from 0 to the tallest bar (stacked bars add up)."""
    columns = zip(*(one.points for one in series), strict=True)
    if kind == "stacked":
        tallest = max((sum(p.value or 0 for p in column) for column in columns), default=0)
    else:
        tallest = max((p.value or 0 for one in series for p in one.points), default=0)
    step = max(1, math.ceil(tallest / 5))
    return list(range(0, int(tallest) + step + 1, step)) if tallest else [0, 1]
