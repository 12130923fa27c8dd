"""How well "Is it true?" and the group watch match: precision, recall and time on a labelled set.

    python bench/rumours.py                  # the starter library, padded to 1,000 entries for the timing
    python bench/rumours.py --sweep          # precision and recall at every threshold from 0.30 to 0.90

The labelled set (`bench/data/rumour_queries.yaml`) holds what people would write about each entry of
`examples/rumours.yaml` — paraphrases in the three languages and both scripts, typos, forwarded texts — and
messages of a residential group chat that must match nothing. Targets (issue #14): precision >= 0.97 for the
group watch (a reply is right only if its entry is the labelled one; a reply to chatter is wrong), recall >=
0.90 for "Is it true?" (the labelled entry among the three shown), and < 20 ms per query with 1,000 entries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.rumours import rules  # noqa: E402
from bot.rumours.matching import Index  # noqa: E402

FILLER_WORDS = ("社区 通知 居民 楼栋 物业 停车 装修 快递 会议 活动 报名 缴费 维修 门禁 健身 图书 讲座 志愿 "
                "garden parking meeting repair library fitness concert festival volunteer election recycling "
                "花园 春节 中秋 义诊 体检 养老 托育 家政 保洁 绿化 路灯 井盖 水管 电表 燃气表").split()


def load() -> tuple[list[dict], dict[str, list[str]], list[str]]:
    entries = rules.parse_library((ROOT / "examples" / "rumours.yaml").read_text(encoding="utf-8"))
    data = yaml.safe_load((ROOT / "bench" / "data" / "rumour_queries.yaml").read_text(encoding="utf-8"))
    return entries, data["about"], data["chatter"]


def build(entries: list[dict], pad_to: int = 0) -> tuple[Index, dict[int, dict]]:
    """The index of the library's phrasings, padded with made-up entries (for the timing) when asked."""
    by_id = dict(enumerate(entries))
    rows = [(i, p) for i, e in by_id.items() for ps in e["claims"].values() for p in ps]
    rnd = random.Random(7)
    for i in range(len(entries), pad_to):
        by_id[i] = {"key": f"filler-{i}", "verdict": "false"}
        rows += [(i, " ".join(rnd.choices(FILLER_WORDS, k=rnd.randint(6, 12)))) for _ in range(3)]
    return Index(rows), by_id


def evaluate(index: Index, by_id: dict[int, dict], about: dict[str, list[str]], chatter: list[str],
             show_at: float, group_at: float) -> dict:
    found = total = 0
    answered = answered_right = 0
    replies = right_replies = 0
    reply_able = replied_right = 0
    for key, questions in about.items():
        for q in questions:
            hits = index.match(q, limit=3)
            total += 1
            found += any(by_id[h.entry_id]["key"] == key and h.score >= show_at for h in hits)
            top = hits[0] if hits else None
            if top and top.score >= rules.ANSWER_AT:
                answered += 1
                answered_right += by_id[top.entry_id]["key"] == key
            watched = by_id.get(next((i for i, e in by_id.items() if e["key"] == key), -1), {}).get("verdict") in (
                "false", "misleading")
            reply_able += watched
            if top and top.score >= group_at and by_id[top.entry_id]["verdict"] in ("false", "misleading"):
                replies += 1
                ok = by_id[top.entry_id]["key"] == key
                right_replies += ok
                replied_right += ok and watched
    chatter_replies = chatter_answered = 0
    for q in chatter:
        hits = index.match(q, limit=1)
        chatter_answered += bool(hits) and hits[0].score >= rules.ANSWER_AT
        if hits and hits[0].score >= group_at and by_id[hits[0].entry_id]["verdict"] in ("false", "misleading"):
            chatter_replies += 1
    replies += chatter_replies
    return {"recall_at_3": found / total, "questions": total, "group_precision": right_replies / replies if replies
            else 1.0, "group_replies": replies, "wrong_group_replies": replies - right_replies,
            "chatter_replies": chatter_replies, "answer_precision": answered_right / (answered + chatter_answered)
            if answered + chatter_answered else 1.0, "answered": answered + chatter_answered,
            "answer_rate": answered / total, "group_recall": replied_right / reply_able if reply_able else 0.0}


def timing(index: Index, queries: list[str]) -> tuple[float, float]:
    for q in queries[:20]:
        index.match(q)  # warm up
    times = []
    for q in queries:
        t = time.perf_counter()
        index.match(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    entries, about, chatter = load()
    index, by_id = build(entries)
    n_about = sum(len(v) for v in about.values())
    print(f"library: {len(entries)} entries, {len(index)} phrasings; labelled: {n_about} questions about "
          f"{len(about)} entries, {len(chatter)} chatter")
    r = evaluate(index, by_id, about, chatter, rules.SHOW_AT, rules.GROUP_AT)
    print(f"thresholds: show {rules.SHOW_AT}, answer {rules.ANSWER_AT}, group {rules.GROUP_AT}")
    print(f"'Is it true?' recall (labelled entry among the 3 shown): {r['recall_at_3']:.3f}")
    print(f"'Is it true?' answered outright: {r['answer_rate']:.3f} of the questions, precision "
          f"{r['answer_precision']:.3f} ({r['answered']} answers, chatter included)")
    print(f"group watch precision: {r['group_precision']:.3f} ({r['group_replies']} replies, "
          f"{r['wrong_group_replies']} wrong, {r['chatter_replies']} to chatter); "
          f"recall of false/misleading: {r['group_recall']:.3f}")
    if args.sweep:
        print("\n| threshold | recall@3 (as show) | group precision | group replies | wrong | group recall |")
        print("|---|---|---|---|---|---|")
        for t in [x / 100 for x in range(30, 95, 5)]:
            s = evaluate(index, by_id, about, chatter, t, t)
            print(f"| {t:.2f} | {s['recall_at_3']:.3f} | {s['group_precision']:.3f} | {s['group_replies']} | "
                  f"{s['wrong_group_replies']} | {s['group_recall']:.3f} |")
    padded, padded_ids = build(entries, pad_to=1000)
    queries = [q for v in about.values() for q in v] + chatter
    p = evaluate(padded, padded_ids, about, chatter, rules.SHOW_AT, rules.GROUP_AT)
    median, p95 = timing(padded, queries)
    print(f"\nwith the library padded to 1,000 entries ({len(padded)} phrasings): recall@3 {p['recall_at_3']:.3f}, "
          f"group precision {p['group_precision']:.3f}; per query median {median:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
