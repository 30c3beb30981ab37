"""Text analysis shared by articles and questions: both sides must go through the same steps.

Steps: Unicode/quote normalisation → tokens (dotted abbreviations such as "U.S." kept whole) →
case-sensitive aliases (``US`` is the country, ``us`` the pronoun) → stop words → Snowball stems →
alias table on stems (single words and phrases), so "talks", "talking" and "consultation" meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

# Dotted abbreviations ("U.S.", "U.K.", "e.g.") first, then words with inner apostrophes or hyphens.
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\w+(?:['’\-]\w+)*", re.UNICODE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-"})

STOP_WORDS: frozenset[str] = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves also just may
    might must shall will yes tell told know please thanks thank hi hey hello right now
    currently actually really like got go going anything something even ever us s t d ll m re
    ve whats hows whos wheres whys whens thats theres dont doesnt didnt isnt arent wasnt wont
    cant im ive youre u ur rn pls plz idk tho lol lmao ok okay yeah yep nope hmm um uh btw fyi
    imo basically literally honestly anyway anyways seriously exactly kinda sorta gonna wanna
    gotta bot guys folks someone anyone everyone thing things stuff lot lots bit kind sort way
    make makes made get gets getting think thinks thought mean means happen happens happening
    happened""".split()
)


def normalise(text: str) -> str:
    """The matching form of a text: NFKC, straight quotes, plain hyphens. Never shown to users."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


def surface_tokens(text: str) -> list[str]:
    """Tokens in their original case, dotted abbreviations kept whole ("U.S." → "U.S")."""
    return [m.group(0).rstrip(".") for m in _TOKEN.finditer(normalise(text))]


@dataclass(frozen=True)
class AliasTable:
    """Maps variants to a canonical term. Variants written in capitals match case-sensitively."""

    case_sensitive: Mapping[str, str] = field(default_factory=dict)
    words: Mapping[str, str] = field(default_factory=dict)  # stem → canonical term
    phrases: Mapping[tuple[str, ...], str] = field(default_factory=dict)  # stems → canonical term
    longest_phrase: int = 1

    @classmethod
    def from_mapping(cls, aliases: Mapping[str, Iterable[str]], stem) -> AliasTable:
        case_sensitive: dict[str, str] = {}
        words: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for canonical, variants in aliases.items():
            target = _canonical_term(canonical)
            for variant in [canonical, *variants]:
                parts = [t.lower() for t in surface_tokens(variant)]
                if not parts:
                    continue
                if len(parts) == 1 and variant.isupper() and "." not in variant:
                    case_sensitive[variant] = target  # "US" the country, not "us"
                    continue
                stems = tuple(stem(p) for p in parts)
                if len(stems) == 1:
                    words[stems[0]] = target
                else:
                    phrases[stems] = target
        longest = max((len(p) for p in phrases), default=1)
        return cls(case_sensitive, words, phrases, longest)


def _canonical_term(name: str) -> str:
    """The indexed form of a canonical alias name: lower case, abbreviation dots folded."""
    return normalise(name).strip().lower().rstrip(".")


@dataclass(frozen=True)
class Analyzer:
    """Turns text into index terms. Pure and deterministic; one instance serves articles and questions."""

    aliases: AliasTable = field(default_factory=AliasTable)
    stop_words: frozenset[str] = STOP_WORDS

    @classmethod
    def from_aliases(cls, aliases: Mapping[str, Iterable[str]] | None = None) -> Analyzer:
        return cls(AliasTable.from_mapping(aliases or {}, stem))

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` in order (repeats kept: BM25 counts them)."""
        stems: list[str | None] = []  # None marks a stop word: phrases may not span it
        for token in surface_tokens(text):
            canonical = self.aliases.case_sensitive.get(token)
            if canonical is not None:
                stems.append("=" + canonical)
                continue
            lower = token.lower()
            if "'" in lower:
                lower = lower.split("'")[0] if lower.endswith("'s") else lower
            if lower in self.stop_words:
                stems.append(None)
                continue
            pieces = [p for p in lower.split("-") if p] if "-" in lower else [lower]
            if len(pieces) > 1:
                stems.append(stem("".join(pieces)))
                stems.extend(stem(p) for p in pieces if len(p) > 2 and p not in self.stop_words)
            else:
                stems.append(stem(lower))
        return self._apply_aliases(stems)

    def _apply_aliases(self, stems: list[str | None]) -> list[str]:
        out: list[str] = []
        words, phrases = self.aliases.words, self.aliases.phrases
        i = 0
        while i < len(stems):
            current = stems[i]
            if current is None:
                i += 1
                continue
            if current.startswith("="):
                out.append(current[1:])
                i += 1
                continue
            matched = False
            for size in range(min(self.aliases.longest_phrase, len(stems) - i), 1, -1):
                window = stems[i : i + size]
                if None in window:
                    continue
                target = phrases.get(tuple(window))  # type: ignore[arg-type]
                if target is not None:
                    out.append(target)
                    i += size
                    matched = True
                    break
            if not matched:
                out.append(words.get(current, current))
                i += 1
        return out


_STEMMER = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a lower-case word; cached because news vocabulary repeats."""
    if any(ch.isdigit() for ch in word) or "." in word:
        return word
    return _STEMMER.stemWord(word)
