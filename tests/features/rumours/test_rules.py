"""The corrections library and its matching, without Telegram (the database ones on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.platform.clock import FakeClock
from bot.rumours import rules as rumours
from bot.rumours.matching import Index, normal_form
from models import Community
from models.rumours import RumourEntry, RumourQuestion

ROOT = Path(__file__).resolve().parents[3]
STARTER = ROOT / "examples" / "rumours.yaml"
NOW = FakeClock().now()


def test_the_normal_form_meets_scripts_widths_and_emoji() -> None:
    assert normal_form("聽說多喝熱水！！🙏") == normal_form("听说多喝热水") != ""
    assert normal_form("ＧＡＲＬＩＣ garlic") == "garlic garlic"
    assert normal_form("Who has a spare charger?") == "spare charger"  # function words carry nothing


def test_the_starter_set_covers_what_the_issue_names_in_three_languages() -> None:
    entries = rumours.parse_library(STARTER.read_text(encoding="utf-8"))
    assert len(entries) >= 40
    keys = {e["key"] for e in entries}
    for needed in ("hot-water", "hot-bath", "sun-heat", "garlic", "vinegar", "salt-water", "alcohol-drinking",
                   "smoking", "antibiotics", "5g", "mosquitoes", "packages", "cold-chain", "pets", "mask-co2",
                   "vaccine-dna", "vaccine-infertility", "breath-test", "thermal-scanners", "spray-body",
                   "hand-dryer", "uv-lamp", "children-immune", "only-elderly", "herbal-cure",
                   "local-building-sealed", "local-supermarket-closed"):
        assert needed in keys, needed
    for e in entries:
        assert set(e["claims"]) == {"zh_Hans", "zh_Hant", "en"} and e["source_name"], e["key"]


@pytest.mark.parametrize(("text", "error"), [
    ("entries: []", "no 'entries:'"),
    ("entries:\n  - {key: a, verdict: maybe}", "verdict"),
    ("entries:\n  - {key: a, verdict: false, claims: {en: [x]}, correction: {en: y}}", "correction in"),
    ("[unclosed", "not valid YAML"),
])
def test_a_bad_library_file_is_refused_whole(text: str, error: str) -> None:
    with pytest.raises(rumours.LibraryFileError, match=error):
        rumours.parse_library(text)


@pytest.fixture(scope="module")
def starter_index() -> tuple[Index, dict[int, str]]:
    entries = rumours.parse_library(STARTER.read_text(encoding="utf-8"))
    keys = dict(enumerate(e["key"] for e in entries))
    return Index((i, p) for i, e in enumerate(entries) for ps in e["claims"].values() for p in ps), keys


@pytest.mark.parametrize(("question", "key"), [
    ("喝热水真的可以杀死病毒吗？", "hot-water"),
    ("聽說多喝開水就不會被感染", "hot-water"),
    ("Is it true that hot water kills covid??", "hot-water"),
    ("garlick protects from corona 🧄", "garlic"),
    ("转发：紧急通知！明天开始整栋楼封闭，大家赶紧去超市囤米囤油！！！", "local-building-sealed"),
    ("疫苗会改变DNA吗", "vaccine-dna"),
    ("打了疫苗还能生孩子吗", "vaccine-infertility"),
    ("5G基站会传播病毒？", "5g"),
    ("cats spread covid?", "pets"),
    ("戴口罩時間長了會缺氧嗎", "mask-co2"),
    ("快递能收吗 会不会有病毒", "packages"),
])
def test_paraphrases_find_their_entry_first(starter_index, question: str, key: str) -> None:
    index, keys = starter_index
    hits = index.match(question)
    assert hits and keys[hits[0].entry_id] == key, [(keys[h.entry_id], h.score) for h in hits]
    assert hits[0].score >= rumours.SHOW_AT


@pytest.mark.parametrize("chatter", ["who has a spare charger", "电梯又坏了，物业什么时候修", "明天几点收快递柜",
                                     "lift broken again in building 3", "谁家有多余的打印纸"])
def test_group_chatter_stays_below_what_a_group_would_answer(starter_index, chatter: str) -> None:
    index, _keys = starter_index
    assert all(h.score < rumours.GROUP_AT for h in index.match(chatter))


async def test_import_is_idempotent_and_withdrawn_entries_never_match(session):
    first = await rumours.import_library_file(session, STARTER, NOW)
    assert first.created >= 40 and first.updated == 0
    again = await rumours.import_library_file(session, STARTER, NOW)
    assert (again.created, again.updated) == (0, 0) and again.unchanged == first.created
    garlic = (await session.exec(select(RumourEntry).where(RumourEntry.key == "garlic"))).one()
    garlic.status = "withdrawn"
    await session.commit()
    index, entries = await rumours.index_for(session, None)
    assert garlic.id not in entries
    assert all(h.entry_id != garlic.id for h in index.match("Eating garlic prevents infection"))
    await rumours.import_library_file(session, STARTER, NOW)
    await session.refresh(garlic)
    assert garlic.status == "withdrawn"  # an import does not bring it back


async def test_a_community_s_own_entries_are_its_own(session):
    await rumours.import_library_file(session, STARTER, NOW)
    c1, c2 = Community(code="a", name="A"), Community(code="b", name="B")
    session.add_all([c1, c2])
    await session.flush()
    session.add(RumourEntry(community_id=c1.id, verdict="false", claims={"zh_Hans": ["三号楼的水有毒，不能喝"]},
                            correction={"zh_Hans": "水质检测合格。", "zh_Hant": "水質檢測合格。",
                                        "en": "The water is safe."},
                            source_name="居委会"))
    await session.commit()
    mine, _e = await rumours.index_for(session, c1.id)
    theirs, _e = await rumours.index_for(session, c2.id)
    assert mine.match("三号楼的水有毒吗")[0].score >= rumours.ANSWER_AT
    assert all(h.score < rumours.SHOW_AT for h in theirs.match("三号楼的水有毒吗"))


async def test_a_question_is_kept_as_written_and_waits_when_nothing_answers_it(session):
    await rumours.import_library_file(session, STARTER, NOW)
    a = await rumours.ask(session, None, "  Drinking hot water kills the virus?  ", NOW)
    b = await rumours.ask(session, None, "Is the new bakery on Fifth Street halal?", NOW)
    await session.commit()
    assert a.answered and a.question.text == "Drinking hot water kills the virus?" and a.question.status == "answered"
    assert not b.answered and b.question.status == "open" and b.question.entry_id is None
    assert a.millis < 50
    assert len((await session.exec(select(RumourQuestion))).all()) == 2
