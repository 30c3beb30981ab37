"""Which way a tariff goes: the countries a text puts tariffs on.

"What is the tariff on China now?" asks about Washington's duties on Chinese goods; "China will
keep a 10% tariff on American goods" shares every word of it and answers the other question. Two
parties levying on each other write the same words both ways round; the countries after "on" tell
them apart. A sentence naming both directions ("cut US tariffs on Chinese imports to 30% and
China's tariffs on US goods to 10%") answers either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_LEVY = re.compile(r"\b(?:tariffs?|dut(?:y|ies)|lev(?:y|ies)|import tax(?:es)?)\b", re.IGNORECASE)
# "on" a few words after the levy word ("the tariff Trump put on China", "duties of 7.5% on",
# "the tariffs the U.S. imposed on"), no clause between: a full stop ends one unless a lower-case
# word or a number follows it (an abbreviation's dot)
_ON = re.compile(
    r"(?:[^.;:?!]|\.(?=\S)|(?-i:\.(?=\s+[a-z0-9$]))){0,45}?\bon\s", re.IGNORECASE
)
# the countries are among the first words after "on" ("on $200 billion of Chinese goods", "on
# steel and aluminum imports from Canada and China"), up to a clause break: a comma or semicolon
# not followed by another country or "and"/"or" ("tariffs on soybeans, the ministry in Beijing
# said" puts none on China)
WORDS_AFTER_ON = 10
_WORD = re.compile(r"[$\w][\w.'’%$-]*")
_CLAUSE_BREAK = re.compile(r"\s*[,;]\s*")
_LISTS_ON = re.compile(r"(?:and|or)\b", re.IGNORECASE)


def mentions_levy(text: str) -> bool:
    """Whether ``text`` names a tariff, duty or levy at all: most texts do not."""
    return _LEVY.search(text) is not None


def tariff_targets(
    text: str, terms_of: Callable[[str], list[str]], countries: Mapping[str, str]
) -> frozenset[str]:
    """The countries that ``text`` puts a tariff, duty or levy on: every term of the few words
    after the "on" that follows a levy word that ``countries`` holds (a name's or a demonym's
    term, see ``terms_of``), as the term it maps it to (its country's name's)."""
    found: set[str] = set()
    for levy in _LEVY.finditer(text):
        on = _ON.match(text, levy.end())
        if on is None:
            continue
        after = _up_to_clause_break(text[on.end() : on.end() + 160], terms_of, countries)
        terms = terms_of(" ".join(_WORD.findall(after)[:WORDS_AFTER_ON]))
        found.update(_listed_countries(terms, countries))
    return frozenset(found)


def _listed_countries(terms: list[str], countries: Mapping[str, str]) -> list[str]:
    """The first country among ``terms`` and those listed right after it ("Mexican and Chinese
    goods", "Canada and China": "and" is no term), not one named later ("ships operated by
    Chinese interests … at American ports" are Chinese ships)."""
    listed: list[str] = []
    for term in terms:
        if term in countries:
            listed.append(countries[term])
        elif listed:
            break
    return listed


def _up_to_clause_break(
    text: str, terms_of: Callable[[str], list[str]], countries: Mapping[str, str]
) -> str:
    """``text`` up to its first comma or semicolon that another country or "and"/"or" does not
    follow: a list of countries goes on, a new clause does not."""
    kept = []
    for k, part in enumerate(_CLAUSE_BREAK.split(text)):
        if k and not (
            _LISTS_ON.match(part) or any(t in countries for t in terms_of(part.split(" ")[0]))
        ):
            break
        kept.append(part)
    return ", ".join(kept)


def goes_elsewhere(asked_on: frozenset[str], sentence_on: frozenset[str]) -> bool:
    """Whether a sentence's tariffs all fall on countries other than those the question asks
    about (a sentence naming none says nothing either way)."""
    return bool(asked_on and sentence_on) and not asked_on & sentence_on
