"""Charts render Chinese: the font is found, it has the glyphs of the labels the bot draws in both scripts,
and a chart comes out as a PNG."""

from __future__ import annotations

from bot.platform import charts


def test_the_chart_font_draws_simplified_and_traditional_chinese_and_latin() -> None:
    assert charts.FONT_FILE.exists()
    labels = "1号楼 回答率 平均分 第一网格 1號樓 回答率 第一網格 Building 7 (seniors' flats) %"
    assert charts.missing_glyphs(labels) == set()
    assert charts.missing_glyphs("🙂") == {"🙂"}  # the check can fail: an emoji is not in the font


def test_a_bar_chart_is_a_png() -> None:
    png = charts.bar_chart("回答率 · 問卷", ["1号楼", "2號樓", "Building 3"], {"回答率 (%)": [50, 75, 20],
                                                                          "平均分 × 20": [70, 80, 40]}, ymax=100)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
