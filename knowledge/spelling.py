"""Typos in questions, corrected towards the words the articles and the alias table use.

BM25 matches exact terms, so "beijng" or "negotiatons" would find nothing, and a misspelt name
would even read as a name the articles never mention. A word is only corrected when it is neither
a word of the articles nor an English word (pyspellchecker's dictionary): a small vocabulary
would otherwise "correct" real words ("export" → "expert", "waiting" → "wanting"). Capitalised
words are names and stay as typed: an unknown name must stay unknown ("Macron" is not "macro").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

from spellchecker import SpellChecker

MIN_LENGTH = 5  # shorter words are too close to too many others to guess
LONG_WORD = 8  # from this length on, two edits may be corrected
_WORD = re.compile(r"(?<![\w'])[a-z]+(?:'[a-z]+)?(?![\w'])")


@cache
def _english() -> SpellChecker:
    """The English dictionary, loaded once per process (about 0.2 s, 160k words)."""
    return SpellChecker(language="en", distance=1)


class Speller:
    """Corrects words towards ``words``; built once per knowledge base, read-only afterwards."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._known = frozenset(w.lower() for w in words if w.isalpha())
        self._near = SpellChecker(language=None, distance=1)
        self._far = SpellChecker(language=None, distance=2)
        vocabulary = [w for w in self._known if len(w) >= MIN_LENGTH - 1]
        for checker in (self._near, self._far):
            checker.word_frequency.load_words(vocabulary)

    def correct(self, word: str, rank: Callable[[str], float] = len) -> str | None:
        """The known word one edit away (a swap of two letters is one edit; two edits for long
        words), the highest by ``rank`` on a tie; None for a known, English or hopeless word."""
        if len(word) < MIN_LENGTH or word in self._known or not word.isalpha():
            return None
        if _english().known([word]):
            return None
        found = self._near.candidates(word)
        if not found and len(word) >= LONG_WORD:
            found = self._far.candidates(word)
        found = {w for w in found or () if w != word}
        return max(sorted(found), key=rank) if found else None

    def correct_text(self, text: str, rank: Callable[[str], float] = len) -> str:
        """``text`` with each misspelt lowercase word replaced; everything else kept as typed."""
        if not self._known:
            return text
        return _WORD.sub(lambda match: self.correct(match[0], rank) or match[0], text)

