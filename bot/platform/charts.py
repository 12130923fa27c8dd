"""Charts as PNG images, with a font that renders Chinese: Noto Sans CJK SC (SIL Open Font License), shipped
inside the `mplfonts` package from PyPI, so nothing outside the project's own files is needed. Its glyphs
cover Simplified and Traditional characters and Latin. Figures are drawn with matplotlib's object API (no
pyplot state), so charts may be drawn in worker threads at the same time."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mplfonts
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

FONT_FILE = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
COLOURS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e")


@lru_cache(maxsize=1)
def font() -> font_manager.FontProperties:
    font_manager.fontManager.addfont(str(FONT_FILE))
    return font_manager.FontProperties(fname=str(FONT_FILE))


@lru_cache(maxsize=1)
def _face() -> FT2Font:
    return FT2Font(str(FONT_FILE))


def _sized(size: float) -> font_manager.FontProperties:
    return font_manager.FontProperties(fname=str(FONT_FILE), size=size)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` the chart font cannot draw (they would come out as empty boxes)."""
    return {ch for ch in text if not ch.isspace() and _face().get_char_index(ord(ch)) == 0}


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]], *, ylabel: str = "",
              ymax: float | None = None) -> bytes:
    """Grouped bars: one group per label, one bar per series (its name in the legend). Returns a PNG."""
    fp = font()
    width = max(6.0, min(14.0, 1.0 + 0.6 * len(labels) * max(1, len(series))))
    fig = Figure(figsize=(width, 4.5), dpi=110)
    ax = fig.add_subplot()
    n = max(1, len(series))
    step = 0.8 / n
    for i, (name, values) in enumerate(series.items()):
        xs = [x - 0.4 + step * (i + 0.5) for x in range(len(labels))]
        ax.bar(xs, values, width=step * 0.95, label=name, color=COLOURS[i % len(COLOURS)])
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontproperties=fp, rotation=30 if len(labels) > 6 else 0, ha="right"
                       if len(labels) > 6 else "center")
    ax.set_title(title, fontproperties=fp)
    if ylabel:
        ax.set_ylabel(ylabel, fontproperties=fp)
    if ymax is not None:
        ax.set_ylim(0, ymax)
    if len(series) > 1:
        ax.legend(prop=fp)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def panels_chart(title: str, labels: list[str], panels: list[tuple[str, dict[str, list[float | None]], bool]]
                 ) -> bytes:
    """Small line charts side by side, one per panel (its title, its series by name, whether values are
    shares 0–1 shown as percentages), over the same days. Returns a PNG."""
    font()
    n = max(1, len(panels))
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(6.0 * cols, 3.2 * rows + 0.6), dpi=100)
    fig.suptitle(title, fontproperties=_sized(13))
    xs = list(range(len(labels)))
    for i, (name, series, percent) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        for j, (label, values) in enumerate(series.items()):
            ys = [float("nan") if v is None else (v * 100 if percent else v) for v in values]
            ax.plot(xs, ys, marker="o", markersize=3, label=label, color=COLOURS[j % len(COLOURS)])
        ax.set_title(name, fontproperties=_sized(11))
        ax.set_xticks(xs[::2])
        ax.set_xticklabels(labels[::2], fontproperties=_sized(8))
        if percent:
            ax.set_ylim(0, 105)
            ax.yaxis.set_major_formatter("{x:.0f}%")
        else:
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if len(series) > 1:
            ax.legend(prop=_sized(8))
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
