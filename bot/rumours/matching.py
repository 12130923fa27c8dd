"""Matching what people ask against the library, Telegram-free.

A question and every stored phrasing of a claim are compared in one normal form: Unicode NFKC (full-width letters
and digits become ordinary ones), Traditional characters converted to Simplified with OpenCC (so 繁體 and 简体 meet),
case folded, emoji and punctuation dropped, Chinese segmented into words with jieba (English words are words
already; English function words are dropped). Scoring is scikit-learn's TF-IDF over character n-grams within those
words (2 to 4 characters): it tolerates rephrasing, word order, extra words and typos, and gives little weight to
what every claim says ("virus", "病毒"). The score of an entry is the cosine similarity of the question with its
closest phrasing, from 0 to 1. The people who use the scores pick the thresholds (`bot/rumours/rules.py`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import jieba
import opencc
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

jieba.setLogLevel(logging.WARNING)  # it announces its dictionary on the first call
_HAN = re.compile(r"[\u3400-\u9fff]")
QUERY_MAX = 2000  # characters of a (forwarded) text looked at


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normal_form(text: str) -> str:
    """The copy compared, never stored or shown: NFKC, Simplified, case folded, words only, words apart."""
    s = unicodedata.normalize("NFKC", text or "")[:QUERY_MAX]
    if _HAN.search(s):
        s = _t2s().convert(s)
    s = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in s.casefold())
    words = []
    for chunk in s.split():
        words += jieba.lcut(chunk) if _HAN.search(chunk) else [chunk]
    # English function words ("who has a...") carry nothing (scikit-learn's list); Chinese ones weigh little
    # through TF-IDF, as they are in every phrasing.
    return " ".join(w for w in (x.strip() for x in words) if w and w not in ENGLISH_STOP_WORDS)


@dataclass(frozen=True)
class Hit:
    entry_id: int
    score: float
    phrasing: str  # the stored phrasing that came closest, as typed


class Index:
    """Every active phrasing of the entries given; built once per change of the library (milliseconds for a
    thousand entries), asked many times."""

    def __init__(self, phrasings: Iterable[tuple[int, str]]) -> None:
        self._rows = [(entry_id, text) for entry_id, text in phrasings if (text or "").strip()]
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._matrix = (self._vectorizer.fit_transform([normal_form(t) for _e, t in self._rows])
                        if self._rows else None)

    def __len__(self) -> int:
        return len(self._rows)

    def match(self, question: str, limit: int = 3) -> list[Hit]:
        """The closest entries, best first, one hit per entry."""
        form = normal_form(question)
        if self._matrix is None or not form:
            return []
        scores = linear_kernel(self._vectorizer.transform([form]), self._matrix)[0]
        best: dict[int, Hit] = {}
        for i in scores.argsort()[::-1]:
            score = float(scores[i])
            if score <= 0:
                break
            entry_id, text = self._rows[i]
            if entry_id not in best:
                best[entry_id] = Hit(entry_id, round(score, 4), text)
                if len(best) == limit:
                    break
        return list(best.values())
