"""Horizontal bar charts laid out on the server; templates/insight/_chart.html draws the SVG."""

from __future__ import annotations

from dataclasses import dataclass

from coordinator.insight.reports import Figure

# A narrow drawing keeps the text legible when a phone scales it down to ~330 px.
WIDTH = 480
LABEL_WIDTH = 170
COUNT_WIDTH = 44
BAR_HEIGHT = 22
ROW_HEIGHT = 30
PADDING = 8
MAX_LABEL_CHARS = 20
FONT_SIZE = 15


@dataclass(frozen=True)
class Bar:
    y: int
    width: float
    label: str  # the acronym, or the label shortened to fit
    full_label: str  # for the tooltip; the data table beside the chart has it too
    count: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    font_size: int
    bars: list[Bar]


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart(figures: list[Figure]) -> BarChart:
    """Bars scaled to the largest count; a zero count draws no bar but keeps its row."""
    largest = max((figure.count for figure in figures), default=0)
    room = WIDTH - LABEL_WIDTH - COUNT_WIDTH - PADDING
    bars = [
        Bar(
            y=PADDING + index * ROW_HEIGHT,
            width=round(room * figure.count / largest, 1) if largest else 0,
            label=figure.short or _shorten(figure.label),
            full_label=figure.label,
            count=figure.count,
        )
        for index, figure in enumerate(figures)
    ]
    return BarChart(
        width=WIDTH,
        height=PADDING * 2 + max(len(figures), 1) * ROW_HEIGHT,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        font_size=FONT_SIZE,
        bars=bars,
    )
