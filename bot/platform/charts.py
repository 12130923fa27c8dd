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

FONT_FILE = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
COLOURS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e")


@lru_cache(maxsize=1)
def font() -> font_manager.FontProperties:
    font_manager.fontManager.addfont(str(FONT_FILE))
    return font_manager.FontProperties(fname=str(FONT_FILE))


@lru_cache(maxsize=1)
def _face() -> FT2Font:
    return FT2Font(str(FONT_FILE))


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
