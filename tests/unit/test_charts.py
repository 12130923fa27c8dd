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


def test_the_evening_chart_is_drawn_in_each_language_with_every_glyph_found() -> None:
    from datetime import date, timedelta

    import bot.features  # noqa: F401 - installs the capabilities' series
    from bot.glance import messages as words
    from bot.platform.i18n import get_i18n, translate

    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(14)]
    series = {"health": {"reports": list(range(14)), "abnormal": [1] * 14},
              "supplies": {"requested": [2] * 14, "delivered": [1] * 14},
              "hazards": {"opened": [0] * 14, "closed": [0] * 14}, "notices": {"ack_rate": [None] * 13 + [0.5]}}
    for locale in ("zh_Hans", "zh_Hant", "en"):
        with get_i18n().use_locale(locale):
            png = words.chart("阳光社区 陽光社區", days, series)
        assert png.startswith(b"\x89PNG")
        labels = [translate(locale, m) for _s, m, _p in words.PANELS] + [translate(locale, "Health reports"),
                                                                         translate(locale, "abnormal")]
        assert not charts.missing_glyphs("".join(labels) + "阳光社区 陽光社區：最近")
