"""Whether a text (a feed item's title and summary) is about what the knowledge base is about.

The knowledge base's own vocabulary decides, against ordinary English: its *key words* are the
words it uses at least ``MIN_USES`` times and at least ``KEYNESS`` times more often, per word
written, than the English word list does ("tariffs", "beijing", "soybeans", "truce"; not "week"
or "deal"). A text is about the topic when at least two distinct key words make at least a fifth
of its distinct words: one key word can be chance ("United", "Friday" in a match report), a
story about the dispute names several. Nothing here is a list of the dispute's words, so the
test follows the articles as moderators add them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from knowledge.analysis import STOP_WORDS, surface_tokens
from knowledge.spelling import english_counts

MIN_USES = 3
KEYNESS = 100.0
MIN_KEY_WORDS = 2
MIN_SHARE = 0.2


def _words(text: str) -> list[str]:
    return [
        w.lower()
        for w in surface_tokens(text)
        if w.isalpha() and len(w) >= 3 and w.lower() not in STOP_WORDS
    ]


def key_words(texts: Iterable[str]) -> frozenset[str]:
    """The words the texts (the knowledge base's sentences) use far more than English does."""
    counts = Counter(w for text in texts for w in _words(text))
    english, english_total = english_counts()
    total = sum(counts.values()) or 1
    return frozenset(
        word
        for word, n in counts.items()
        if n >= MIN_USES
        and (n / total) / ((english.get(word, 0) + 1) / english_total) >= KEYNESS
    )


def about_topic(text: str, keys: frozenset[str]) -> bool:
    words = set(_words(text))
    found = words & keys
    return len(found) >= MIN_KEY_WORDS and len(found) >= MIN_SHARE * len(words)
