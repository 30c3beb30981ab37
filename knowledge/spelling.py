"""Typos in questions, corrected towards the words the articles and the alias table use.

BM25 matches exact terms, so "beijng" or "negotiatons" would find nothing, and a misspelt name
would even read as a name the articles never mention. A word is only corrected when it is neither
a word of the articles nor an English word (pyspellchecker's dictionary): a small vocabulary
would otherwise "correct" real words ("export" → "expert", "waiting" → "wanting"). A capitalised
word is a name: it is only corrected into a name the articles use ("Bejing" → "Beijing"), so an
unknown name stays unknown ("Macron" is not "macro").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

from spellchecker import SpellChecker, WordFrequency

MIN_LENGTH = 5  # shorter words are too close to too many others to guess
MAX_LENGTH = 20  # longer "words" are keyboard mashing, not typos
MAX_FIXES = 8  # words looked at per text: a wall of gibberish costs no more than this
_WORD = re.compile(r"(?<![\w'])[a-z]+(?:'[a-z]+)?(?![\w'])")
_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][a-z]+(?![\w'])")


@cache
def _english() -> SpellChecker:
    """The English dictionary, loaded once per process (about 0.4 s, 160k words)."""
    return SpellChecker(language="en", distance=1)


class Speller:
    """Corrects words towards ``words``; built once per knowledge base, read-only afterwards."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._known = frozenset(w.lower() for w in words if w.isalpha())
        # One edit only: two edits mean ~10^5 candidate strings per word (most of a second), and
        # the typos people make in chat are one slip of a finger.
        self._near = SpellChecker(language=None, distance=1)
        self._near.word_frequency.load_words([w for w in self._known if len(w) >= MIN_LENGTH - 1])
        # the commonest slip in spelling a word, not typing it: a letter doubled in the wrong
        # place ("tarrif" for "tariff", "comittee"), two edits away, one skeleton apart
        self._by_skeleton: dict[str, set[str]] = {}
        for known in self._known:
            if len(known) >= MIN_LENGTH - 1:
                self._by_skeleton.setdefault(_skeleton(known), set()).add(known)
        _english()  # loaded here, while indexing, not by the first question
        _given_names()

    def knows(self, word: str) -> bool:
        """Whether the articles write ``word`` (in any case), even where a phrase alias takes it
        into another term ("Ministry" in "Foreign Ministry")."""
        word = word.lower()
        return word in self._known or word.removesuffix("'s").removesuffix("’s") in self._known

    def correct(self, word: str, rank: Callable[[str], float] = len) -> str | None:
        """The known word one edit away (a swap of two letters is one edit), the highest by
        ``rank`` on a tie; None for a known, English or hopeless word."""
        if not MIN_LENGTH <= len(word) <= MAX_LENGTH or word in self._known or not word.isalpha():
            return None
        if is_english(word):
            return None
        found = self._one_edit(word)
        if not found:
            found = self._by_skeleton.get(_skeleton(word), set()) - {word}
        return max(sorted(found), key=rank) if found else None

    def _one_edit(self, word: str) -> set[str]:
        """The articles' words one edit from ``word`` (lowercase letters, none of them): what the
        spell checker's ``candidates`` gives at distance 1, but ``word``."""
        frequency = self._near.word_frequency
        if word in frequency.dictionary:
            return set()  # a word of its own
        return _one_edit_words(word, frequency) - {word}

    def correct_text(
        self,
        text: str,
        rank: Callable[[str], float] = len,
        is_name: Callable[[str], bool] = lambda word: False,
    ) -> str:
        """``text`` with each misspelt lowercase word replaced, and each capitalised word that is
        one edit from a name ``is_name`` accepts ("Bejing" → "Beijing"; an unknown name that is
        near no known name stays as typed); everything else kept as typed."""
        if not self._known:
            return text

        looked = 0

        def fix(word: str) -> str | None:
            nonlocal looked
            if len(word) < MIN_LENGTH or word.lower() in self._known or looked >= MAX_FIXES:
                return None
            looked += 1  # a word that needs looking up: the expensive part
            return self.correct(word.lower(), rank)

        def name(match: re.Match[str]) -> str:
            fixed = fix(match[0])
            return fixed.capitalize() if fixed and is_name(fixed) else match[0]

        text = _WORD.sub(lambda match: fix(match[0]) or match[0], text)
        return _CAPITALISED.sub(name, text)


def _skeleton(word: str) -> str:
    """A word with each run of one letter written once: "tarrif" and "tariff" are "tarif"."""
    return re.sub(r"(.)\1+", r"\1", word)


@cache
def _english_words() -> dict[str, int]:
    """The English dictionary's words and counts (read a few dozen times a question: the
    lookups through the spell checker's properties cost more than the lookup itself)."""
    return _english().word_frequency.dictionary


def _one_edit_words(word: str, frequency: WordFrequency) -> set[str]:
    """The words of ``frequency``'s dictionary one edit from ``word`` (``word`` too, if it is
    one): the spell checker's ``known(edit_distance_1(word))`` — the same edits over the same
    letters — looked up in its dictionary at once, where it checks each of the several hundred
    strings on its own (2 ms a word). A word too long for it to look at has none."""
    if len(word) > frequency.longest_word_length + 3:
        return set()
    letters = frequency.letters
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
    edits.update(left + c + right[1:] for left, right in splits if right for c in letters)
    edits.update(left + c + right for left, right in splits for c in letters)
    return edits & frequency.dictionary.keys()


def is_english(word: str) -> bool:
    """Whether ``word`` (any case) is in the English dictionary."""
    return word.lower() in _english_words()


def near_english(word: str) -> bool:
    """Whether an English word is one edit away from ``word`` (a typo of it, most likely)."""
    return bool(_one_edit_words(word.lower(), _english().word_frequency))


@cache
def _given_names() -> frozenset[str]:
    """Given names, lower case: the 1990 US census's 5,494 first names (the ``names`` package's
    lists; read once, a few milliseconds)."""
    import names

    found: set[str] = set()
    for key in ("first:male", "first:female"):
        with open(names.FILES[key], encoding="ascii") as lines:
            found.update(line.split(maxsplit=1)[0].lower() for line in lines if line.strip())
    return frozenset(found)


def is_given_name(word: str) -> bool:
    """Whether ``word`` (any case) is a person's given name ("janet", "gina", "jerome")."""
    return word.lower() in _given_names()


def english_frequency(word: str) -> int:
    """How often ``word`` (any case) occurs in the English word list's source text; 0 if never."""
    return _english_words().get(word.lower(), 0)


def english_counts() -> tuple[dict[str, int], int]:
    """The English word list's counts and their total: how common each word is in English."""
    dictionary = _english().word_frequency.dictionary
    return dictionary, _english().word_frequency.total_words
