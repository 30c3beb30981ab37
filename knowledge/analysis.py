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
from functools import cached_property, lru_cache
from itertools import pairwise

import Stemmer

from knowledge.irregular_verbs_table import IRREGULAR_VERBS
from knowledge.spelling import is_english

# Dotted abbreviations ("U.S.", "U.K.", "e.g.") first, then words with inner apostrophes or hyphens,
# and "%", which the alias table makes "percent" ("145%" and "145 percent" meet). An abbreviation
# is kept without its last dot ("U.S"): matched as letter-dot pairs, then a letter followed by a
# dot, so that findall gives the tokens as kept (what ``(?:[A-Za-z]\.){2,}`` matched, stripped).
_TOKEN_KEPT = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z](?=\.)|\w+(?:['’\-]\w+)*|%", re.UNICODE)
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
    what what's when when's where where's which while who who's whom why why's with
    would wouldn't you you'd you'll you're you've your yours yourself yourselves also just may
    might must shall will yes say says said saying tell told telling know please thanks thank
    hi hey hello right now
    currently actually really like got go going anything something even ever us s t d ll m re
    ve whats hows whos wheres whys whens thats theres dont doesnt didnt isnt arent wasnt
    why'd how'd what'd where'd when'd who'd
    cant im ive youre u ur rn pls plz idk tho lol lmao ok okay yeah yep nope hmm um uh btw fyi
    imo basically literally honestly anyway anyways seriously exactly kinda sorta gonna wanna
    gotta bot guys folks someone anyone everyone thing things stuff lot lots bit kind sort way
    make makes made get gets getting think thinks thought mean means happen happens happening
    happened article articles story stories piece according quoted quote quotes mentioned
    mention mentions cited situation situations side sides matter matters aspect aspects
    two believe believes believed believing guy person view views opinion opinions angle
    day days date dates time put puts hold holds held based located headquartered
    wait exactly
    come comes came coming need needs needed seem seems seemed
    hear heard name use used using
    many much ppl
    n w r y b4 bc cuz coz tbh ngl smth sth rly abt wat nah tho thru supposed
    regarding concerning""".split()
)


def normalise(text: str) -> str:
    """The matching form of a text: NFKC, straight quotes, plain hyphens. Never shown to users."""
    if text.isascii():  # already its own form (``_QUOTES`` maps none of its characters)
        return text
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


def surface_tokens(text: str) -> list[str]:
    """Tokens in their original case, dotted abbreviations kept whole ("U.S." → "U.S")."""
    return _TOKEN_KEPT.findall(normalise(text))


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # stem, or the word itself for a stop word; phrases are matched on keys
    stop: bool = False
    canonical: str | None = None  # set by a case-sensitive alias ("US")


@dataclass(frozen=True)
class AliasTable:
    """Maps variants to a canonical term. Variants written in capitals match case-sensitively."""

    case_sensitive: Mapping[str, str] = field(default_factory=dict)
    words: Mapping[str, str] = field(default_factory=dict)  # stem → canonical term
    phrases: Mapping[tuple[str, ...], str] = field(default_factory=dict)  # keys → canonical term
    longest_phrase: int = 1
    phrase_starts: frozenset[str] = frozenset()  # first keys of phrases: the only places to look
    surface_words: frozenset[str] = frozenset()  # every word of every name and variant, lowercase

    @classmethod
    def from_mapping(
        cls, aliases: Mapping[str, Iterable[str]], stop_words: frozenset[str] = STOP_WORDS
    ) -> AliasTable:
        case_sensitive: dict[str, str] = {}
        words: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for canonical, variants in aliases.items():
            target = _canonical_term(canonical)
            for variant in [canonical, *variants]:
                if variant.isupper() and "." not in variant and len(surface_tokens(variant)) == 1:
                    case_sensitive[variant] = target  # "US" the country, not "us"
                    continue
                keys = tuple(t.key for t in _tokens(variant, stop_words, {}))
                if len(keys) == 1:
                    words[keys[0]] = target
                    # Snowball stems some inflections apart ("rebuff", "rebuffed" → "rebuf"):
                    # those map to the same term, unless the table says otherwise.
                    for inflected in _inflections(variant):
                        for token in _tokens(inflected, stop_words, {}):
                            words.setdefault(token.key, target)
                elif keys:
                    phrases[keys] = target  # may hold stop words: "calling the shots"
        longest = max((len(p) for p in phrases), default=1)
        starts = frozenset(p[0] for p in phrases)
        surface = frozenset(
            token.lower()
            for canonical, variants in aliases.items()
            for variant in [canonical, *variants]
            for token in surface_tokens(variant)
        )
        return cls(case_sensitive, words, phrases, longest, starts, surface)

    @cached_property
    def phrase_pairs(self) -> frozenset[tuple[str, ...]]:
        """The first two keys of each phrase: where no two keys in a row are one of these, no
        phrase can match."""
        return frozenset(phrase[:2] for phrase in self.phrases)


def _inflections(word: str) -> list[str]:
    """Regular inflections of a single lowercase word ("rebuff" → "rebuffed", "rebuffing"…),
    only those that are English words: "lie" must not give "liing", whose stem "li" is a name."""
    if not word.isalpha() or not word.islower():
        return []
    stem = word[:-1] if word.endswith("e") else word
    plural = word + "es" if word.endswith(("s", "x", "z", "ch", "sh")) else word + "s"
    forms = [plural, stem + "ed", stem + "ing"]
    return [form for form in forms if is_english(form)]


def _canonical_term(name: str) -> str:
    """The indexed form of a canonical alias name: lower case, abbreviation dots folded."""
    return normalise(name).strip().lower().rstrip(".")


def _tokens(
    text: str,
    stop_words: frozenset[str],
    case_sensitive: Mapping[str, str],
    memo: dict[tuple[str, bool], tuple[_Token, ...]] | None = None,
    seen: set[str] | None = None,
) -> list[_Token]:
    words = surface_tokens(text)
    if seen is not None:
        seen.update(words)
    return _tokens_of(words, stop_words, case_sensitive, memo)


def _tokens_of(
    words: list[str],
    stop_words: frozenset[str],
    case_sensitive: Mapping[str, str],
    memo: dict[tuple[str, bool], tuple[_Token, ...]] | None = None,
) -> list[_Token]:
    out: list[_Token] = []
    previous = ""
    for token in words:
        after_the = previous == "the"
        previous = token.lower()
        if memo is not None:
            known = memo.get((token, after_the))
            if known is None:
                known = memo[(token, after_the)] = tuple(
                    _token(token, after_the, stop_words, case_sensitive)
                )
            out.extend(known)
        else:
            out.extend(_token(token, after_the, stop_words, case_sensitive))
    return out


# An amount with its unit abbreviated, as chat and headlines write it: "300bn", "1.5tn", "10k".
_AMOUNT_UNITS = {"k": "thousand", "mn": "million", "bn": "billion", "b": "billion",
                 "tn": "trillion", "trn": "trillion"}
_ABBREVIATED_AMOUNT = re.compile(rf"(\d+(?:[.,]\d+)?)({'|'.join(_AMOUNT_UNITS)})")


def _token(
    token: str, after_the: bool, stop_words: frozenset[str], case_sensitive: Mapping[str, str]
) -> list[_Token]:
    """The analysis of one surface token (a hyphenated word may give several)."""
    canonical = case_sensitive.get(token)
    if canonical is None and after_the:  # "the us" is never the pronoun
        canonical = case_sensitive.get(token.upper())
    if canonical is not None:
        return [_Token(canonical, canonical=canonical)]
    lower = token.lower()
    if lower.endswith("'s"):
        lower = lower[:-2]
    if lower in stop_words:
        return [_Token(lower, stop=True)]
    amount = _ABBREVIATED_AMOUNT.fullmatch(lower)
    if amount:  # "300bn" is "300 billion", as the articles write it
        return [_Token(amount[1]), _Token(stem(_AMOUNT_UNITS[amount[2]]))]
    pieces = _numerals([p for p in lower.split("-") if p])
    if len(pieces) == 1:
        piece = pieces[0]
        if piece.isdigit():
            return [_Token(piece)]
        return [_Token(stem(_base_form(piece) if token.islower() else piece))]
    out = [_Token(stem("".join(pieces)))] if pieces else []
    for piece in pieces:  # "de-escalate" matches "deescalate", and "escalate" too
        country = case_sensitive.get(piece.upper())  # "us-china": no pronoun in there
        if country is not None:
            out.append(_Token(country, canonical=country))
        elif piece.isdigit() or (len(piece) > 2 and piece not in stop_words):
            out.append(_Token(piece if piece.isdigit() else stem(piece)))
    return out


# Numbers spelled out, as digits: "a ninety-day truce" is the "90-day" truce of another article,
# and "twenty-four points" its "24 points". "One" is left alone ("no one", "the one who…").
_UNITS = ("two", "three", "four", "five", "six", "seven", "eight", "nine")
_NUMBER_WORDS = {
    **{word: value for value, word in enumerate(_UNITS, start=2)},
    **{word: value for value, word in enumerate(
        ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"), start=10)},
    **{word: value for word, value in zip(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"),
        range(20, 100, 10), strict=True)},
}

_TENS = frozenset(str(value) for value in range(20, 100, 10))


def _numerals(pieces: list[str]) -> list[str]:
    """The pieces of a (hyphenated) word with number words as digits, a tens word and a unit
    word as one number ("twenty-four" → "24")."""
    if not any(piece in _NUMBER_WORDS for piece in pieces):
        return pieces
    out: list[str] = []
    for piece in pieces:
        value = _NUMBER_WORDS.get(piece)
        if value is None:
            out.append(piece)
        elif value < 10 and out and out[-1] in _TENS:
            out[-1] = str(int(out[-1]) + value)
        else:
            out.append(str(value))
    return out


@dataclass(frozen=True)
class Analyzer:
    """Turns text into index terms; pure, and one instance serves articles and questions."""

    aliases: AliasTable = field(default_factory=AliasTable)
    stop_words: frozenset[str] = STOP_WORDS
    # Surface token → its analysis; news vocabulary repeats, so indexing mostly hits this.
    _memo: dict[tuple[str, bool], tuple[_Token, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # [after "the"][surface token] → what it gives alone (``_output``)
    _outputs: tuple[dict[str, tuple[tuple[str, ...], str | None, bool, str | None, bool]], ...] = field(
        default_factory=lambda: ({}, {}), compare=False, repr=False
    )

    @classmethod
    def from_aliases(cls, aliases: Mapping[str, Iterable[str]] | None = None) -> Analyzer:
        return cls(AliasTable.from_mapping(aliases or {}, STOP_WORDS))

    def seen_tokens(self) -> set[str]:
        """Every surface token analysed so far, as written (for an analyzer made fresh for one
        build: the articles' words)."""
        return {token for token, _ in self._memo}

    def known_words(self, seen: Iterable[str] | None = None) -> set[str]:
        """The words seen (``seen``: surface tokens; by default every token this analyzer has
        analysed), the alias table's and the stop words, lowercase: what a typo is corrected
        towards."""
        words = {token.lower() for token in (self.seen_tokens() if seen is None else seen)}
        return words | self.aliases.surface_words | self.stop_words

    def terms(self, text: str, seen: set[str] | None = None) -> list[str]:
        """Index terms of ``text`` in order (repeats kept: BM25 counts them); its surface tokens
        are added to ``seen`` when given.

        A phrase of the alias table is matched where a token's key opens one and the next
        token's key follows it there: most texts hold no such pair of keys, and their terms are
        each token's own, remembered per distinct token (``_outputs``). Only a text holding such
        a pair goes through the phrase matching (``_phrase_terms``)."""
        return self.plain_terms(normalise(text), seen)

    def plain_terms(self, plain: str, seen: set[str] | None = None) -> list[str]:
        """``terms`` of a text already normalised (``normalise``): for a caller that needs the
        normalised text for something else too."""
        words = _TOKEN_KEPT.findall(plain)
        if seen is not None:
            seen.update(words)
        outputs = self._outputs
        pairs = self.aliases.phrase_pairs
        out: list[str] = []
        after_the = False
        phrase = False
        opener = None  # the last key of the token before, if it may open a phrase
        for word in words:
            known = outputs[after_the].get(word)
            if known is None:
                known = self._output(word, after_the)
            found, first, inner, last_opener, after_the = known
            if inner or (opener is not None and (opener, first) in pairs):
                phrase = True
            opener = last_opener
            out += found
        return self._phrase_terms(words) if phrase else out

    def _output(
        self, word: str, after_the: bool
    ) -> tuple[tuple[str, ...], str | None, bool, str | None, bool]:
        """What surface token ``word`` gives alone: (its terms, its first key, whether two of its
        own keys may begin a phrase, its last key if that may open a phrase, whether it is
        "the")."""
        key = (word, after_the)
        tokens = self._memo.get(key)
        if tokens is None:
            tokens = self._memo[key] = tuple(
                _token(word, after_the, self.stop_words, self.aliases.case_sensitive)
            )
        words = self.aliases.words
        found = tuple(
            t.canonical if t.canonical is not None else words.get(t.key, t.key)
            for t in tokens
            if t.canonical is not None or not t.stop
        )
        keys = [t.key for t in tokens]
        pairs = self.aliases.phrase_pairs
        inner = any(pair in pairs for pair in pairwise(keys))
        last = keys[-1] if keys and keys[-1] in self.aliases.phrase_starts else None
        known = (found, keys[0] if keys else None, inner, last, word.lower() == "the")
        self._outputs[after_the][word] = known
        return known

    def _phrase_terms(self, words: list[str]) -> list[str]:
        tokens = _tokens_of(words, self.stop_words, self.aliases.case_sensitive, self._memo)
        out: list[str] = []
        words_, phrases, starts = self.aliases.words, self.aliases.phrases, self.aliases.phrase_starts
        i = 0
        while i < len(tokens):
            sizes = range(min(self.aliases.longest_phrase, len(tokens) - i), 1, -1)
            for size in sizes if tokens[i].key in starts else ():
                target = phrases.get(tuple(t.key for t in tokens[i : i + size]))
                if target is not None:
                    out.append(target)
                    i += size
                    break
            else:
                token = tokens[i]
                if token.canonical is not None:
                    out.append(token.canonical)
                elif not token.stop:
                    out.append(words_.get(token.key, token.key))
                i += 1
        return out


_STEMMER = Stemmer.Stemmer("english")


def _base_form(word: str) -> str:
    """The base form of an irregular verb form ("met" → "meet", "held" → "hold"), which the
    stemmer leaves alone, so that "did they meet" finds "the leaders met"; other words as they
    are. From lemminflect's dictionary (``irregular_verbs``): only forms with one base ("found"
    may be find or found, "saw" see or saw: left to the stemmer)."""
    return IRREGULAR_VERBS.get(word, word)


# Plurals that name something else than their singular: "goods" are merchandise, not "good"
# ("any good movies?" is no question about trade), "customs" a border agency, "arms" weapons.
_OWN_PLURALS = frozenset({"goods", "customs", "arms", "earnings", "savings"})


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a lower-case word; cached because news vocabulary repeats."""
    if any(ch.isdigit() for ch in word) or "." in word or word in _OWN_PLURALS:
        return word
    return _STEMMER.stemWord(word)
