"""Which way a tariff goes: the countries a text puts tariffs on.

"What is the tariff on China now?" asks about Washington's duties on Chinese goods; "China will
keep a 10% tariff on American goods" shares every word of it and answers the other question. Two
parties levying on each other write the same words both ways round; the country after "on" tells
them apart. A sentence naming both directions ("cut US tariffs on Chinese imports to 30% and
China's tariffs on US goods to 10%") answers either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_LEVY = re.compile(r"\b(?:tariffs?|dut(?:y|ies)|lev(?:y|ies)|import tax(?:es)?)\b", re.IGNORECASE)
# "on" a few words after the levy word ("the tariff Trump put on China", "duties of 7.5% on"),
# no clause between
_ON = re.compile(r"(?:[^.;:?!]|\.(?=\S)){0,45}?\bon\s", re.IGNORECASE)
# the country is among the first words after "on": "on $200 billion of Chinese goods",
# "on imports from the United States"
WORDS_AFTER_ON = 7
_WORD = re.compile(r"[$\w][\w.'’%$-]*")


def tariff_targets(
    text: str, terms_of: Callable[[str], list[str]], countries: Mapping[str, str]
) -> frozenset[str]:
    """The countries that ``text`` puts a tariff, duty or levy on: the first term among the few
    words after the "on" that follows a levy word that ``countries`` holds (a name's or a
    demonym's term, see ``terms_of``), as the term it maps it to (its country's name's)."""
    found: set[str] = set()
    for levy in _LEVY.finditer(text):
        on = _ON.match(text, levy.end())
        if on is None:
            continue
        after = " ".join(_WORD.findall(text, on.end(), on.end() + 120)[:WORDS_AFTER_ON])
        country = next((countries[t] for t in terms_of(after) if t in countries), None)
        if country is not None:
            found.add(country)
    return frozenset(found)


def goes_elsewhere(asked_on: frozenset[str], sentence_on: frozenset[str]) -> bool:
    """Whether a sentence's tariffs all fall on countries other than those the question asks
    about (a sentence naming none says nothing either way)."""
    return bool(asked_on and sentence_on) and not asked_on & sentence_on
