"""Question words and what sentences offer them: "who" wants a person, "when" a date, and so on.

BM25 only sees shared words; these cues re-rank sentences that already match, so that "When was the
statement released?" prefers the sentence with the date over the one that only says "statement".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.analysis import normalise
from knowledge.prefilter import Prefiltered


class Cue(StrEnum):
    PERSON = "person"
    DATE = "date"
    PLACE = "place"
    REASON = "reason"
    NUMBER = "number"
    SPEECH = "speech"
    DURATION = "duration"


MONTH_NAMES = (
    "January February March April May June July August September October November December".split()
)
_MONTHS = "|".join(MONTH_NAMES) + "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_MONTH_NAME = re.compile(rf"\b(?:{'|'.join(MONTH_NAMES)})\b")


def months_named(text: str) -> set[str]:
    """The months a text names in full ("April"), capitalised."""
    return set(_MONTH_NAME.findall(text))


_RELATIVE = (
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|"
    "(?:last|this|next) (?:week|month|year)|within (?:days|weeks|months)|on the horizon"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}|(?:19|20)\d\d|{_RELATIVE})\b", re.IGNORECASE
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
_ROLE = re.compile(
    r"\b(?:spokes(?:man|woman|person)|director|president|minister|secretary|leader(?:ship)?|"
    r"official|officials|analyst|analysts|ambassador|chairman|premier|led by|envoy|negotiator|"
    r"representative|CEO|head of)\b",
    re.IGNORECASE,
)
# "in Busan", "at the Merdeka…": a capitalised word after a preposition of place
_AT_PLACE = r"\b(?:in|at|from|to|near|based in)\s+(?:the\s+)?"
_PLACE = re.compile(_AT_PLACE + r"[A-Z][a-z]+")
_REASON = re.compile(
    r"\b(?:because|since|due to|as a result|so that|in order to|believ\w*|confident|reason|"
    r"thanks to|given that|unless|perceive|pressure|fear\w*|aim\w* (?:at|to)|"
    r"why|in (?:response|retaliation|reaction) (?:to|for|against)|citing|accus\w+ \w+ of|"
    r"based on|on the grounds|owing to|in (?:light|view) of|in (?:return|exchange)|"
    r"(?:^|,\s)as\s)",
    re.IGNORECASE,
)
# A quantity: looked for once dates are taken out, so "April 25, 2025" is not a number.
SPELLED_NUMBERS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
_NUMBER = re.compile(
    rf"\b\d[\d,.]*|\$\d|\b(?:hundred|thousand|dozen|million|billion|trillion|percent|half|"
    rf"double|triple|{SPELLED_NUMBERS.removeprefix('one|two|')})\b",
    re.IGNORECASE,
)
# A length of time: "an hour and forty minutes", "90 days", "a ninety-day truce", "for a year".
_DURATION = re.compile(
    rf"\b(?:\d[\d,.]*|an?|{SPELLED_NUMBERS}|several|few|half an?|another|couple of|"
    rf"(?:\d+|an?|{SPELLED_NUMBERS}) and a half)[- ]+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b|\b(?:for|until|till|"
    r"through) (?:another |a further |one )?(?:year|month|week)",
    re.IGNORECASE,
)
_SPEECH = re.compile(
    r"[“\"]|\b(?:said|says|stated|states|told|added|argued|declared|announced|posted|wrote|"
    r"denied|denies|labeled|labelled|called|urged|claimed|claims|maintain|maintains|insist|"
    r"insists|refuted|assertions?)\b",
    re.IGNORECASE,
)

# What may happen or was only planned, not what happened: "described another 90-day pause as one
# option", "I was to meet President Xi… but", "he would cut". ("may": lower case only, not May.)
_SPECULATION = re.compile(
    r"\b(?:could|might|would|(?-i:may)|options?|possib\w+|consider\w*|weigh\w*|if|whether|"
    r"plans? to|planned|propos\w*|seem\w*|hope\w*|likely|unlikely|"
    r"was to|were to)\b",
    re.IGNORECASE,
)


def speculates(text: str) -> bool:
    """Whether a sentence tells of what may happen rather than what did."""
    return _SPECULATION.search(text) is not None


# First words that make a sentence lean on the one before it ("This could entail…").
_LEANING = re.compile(
    r"^(?:This|That|These|Those|It|Its|He|She|They|Their|His|Her|Such|However|But|Yet|Also|"
    r"Moreover|Furthermore|Meanwhile|Still|Instead|Otherwise|Therefore|Thus|Then|The move|"
    r"The statement|The comments|The remarks|And|Or|So)\b"
)


# "Yun Sun, director of the China program at the Stimson Center": someone introduced by a title
# at a research institution is what readers call an analyst or expert, though no word says so.
_INSTITUTIONS = (
    r"(?:Cent(?:er|re)|Institut(?:e|ion)|Foundation|Endowment|Council|University|School|College)"
)
_INSTITUTION = re.compile(rf"\b{_INSTITUTIONS}\b")
_EXPERT = re.compile(
    r"\b(?:director|fellow|professor|economist|scholar|researcher|analyst|head|chair)\b[^.;]{0,80}?"
    rf"\b(?:at|of)\s+the\s+(?:[A-Z][\w&'-]*\s+)+{_INSTITUTIONS}\b"
)


def implied_words(text: str) -> str:
    """Words a sentence means without writing them, to be indexed with it ("" for none)."""
    if not _INSTITUTION.search(text):  # most sentences: one quick look
        return ""
    return "analyst expert" if _EXPERT.search(normalise(text)) else ""


@dataclass(frozen=True, slots=True)
class SentenceCues:
    cues: frozenset[Cue]
    leans: bool  # needs the sentence before it to be understood


# Most sentences offer none of a question's cues: each pattern is ruled out first by the words
# any match of it holds (``prefilter``), where it has such words
_QUICK_DATE, _QUICK_ROLE, _QUICK_REASON, _QUICK_NUMBER, _QUICK_DURATION, _QUICK_SPEECH = (
    Prefiltered(p) for p in (_DATE, _ROLE, _REASON, _NUMBER, _DURATION, _SPEECH)
)


def _offers_number(plain: str) -> bool:
    """A quantity, dates taken out first (where there may be one)."""
    if not _QUICK_NUMBER.may_match(plain):
        return False  # taking dates out only takes characters away
    return _QUICK_NUMBER.search(_DATE.sub(" ", plain) if _QUICK_DATE.may_match(plain) else plain)


_OFFERS = {
    Cue.DATE: _QUICK_DATE.search,
    Cue.PERSON: lambda plain: bool(_NAME.search(plain) or _QUICK_ROLE.search(plain)),
    Cue.PLACE: lambda plain: bool(_PLACE.search(plain)),
    Cue.REASON: _QUICK_REASON.search,
    Cue.NUMBER: _offers_number,
    Cue.DURATION: _QUICK_DURATION.search,
    Cue.SPEECH: _QUICK_SPEECH.search,
}


_PLACE_NAME = re.compile(_AT_PLACE + r"([A-Z][\w'-]*)")


def places_named(text: str) -> list[str]:
    """The places a sentence names after a preposition ("at Rosenbad", "in Busan"): what a
    "where" question is answered by, unless the question named the place itself."""
    return [w for w in _PLACE_NAME.findall(normalise(text)) if w not in _NOT_PLACES]


# A venue: the place "at" which something was held ("at Rosenbad", "at the Merdeka 118 tower",
# "held at the residence of…"), where "in" names the city around it.
_VENUE = re.compile(r"\bat\s+(?:the\s+)?([A-Z][\w'-]*)|\b(?:held|hosted|took place|met)\s+at\s+"
                    r"(?:(?:the|an?)\s+)?([A-Za-z][\w'-]*)")


def names_named(text: str) -> list[str]:
    """The names a sentence writes out (two or more capitalised words past its first: "Vice
    Premier He Lifeng", "Cai Qi"): who a "who" question may be answered by."""
    return _NAME.findall(normalise(text))


def venues_named(text: str) -> list[str]:
    """The venues a sentence names (``_VENUE``): a "where" question asking where in a city, or
    in which building, is answered by one."""
    return [a or b for a, b in _VENUE.findall(normalise(text)) if (a or b) not in _NOT_PLACES]


_NOT_PLACES = frozenset(
    [*MONTH_NAMES, *"Monday Tuesday Wednesday Thursday Friday Saturday Sunday The A An".split()]
)


def offers(text: str, cue: Cue) -> bool:
    """Whether a sentence offers what ``cue`` asks for (a date, a person, …): one pattern."""
    return _OFFERS[cue](normalise(text))


def sentence_cues(text: str) -> SentenceCues:
    plain = normalise(text)
    found = frozenset(cue for cue, test in _OFFERS.items() if test(plain))
    return SentenceCues(found, leans(plain))


def leans(text: str) -> bool:
    """Whether a sentence needs the one before it to be understood ("This could entail…")."""
    return bool(_LEANING.match(normalise(text[:40]).lstrip("“\"'")))


# "Over what period…": asks for a duration, and is how the question asks (``question``
# leaves it out of the words to look for).
WHAT_PERIOD = r"\b(?:over|for|during) what (?:period|length of time|time ?frame|time span|span)\b"

_QUESTION_CUES: tuple[tuple[re.Pattern[str], Cue], ...] = (
    (
        re.compile(
            r"\b(?:who|whom|whose|name of)\b|\b(?:which|what) (?:\w+ )?(?:officials?|spokes\w+|"
            r"persons?|people|ministers?|analysts?|experts?|leaders?|diplomats?|politicians?)\b",
            re.I,
        ),
        Cue.PERSON,
    ),
    (
        # "when" asks for a date where it opens the question ("so when did…", "ok but when…");
        # inside it, it is a clause ("…discussed when Trump and Xi met?")
        re.compile(r"^\W*(?:\w+\W+){0,2}?when\b|\b(?:what (?:date|day|time|year|month)|how long ago|"
                   r"since when|till when|until when)\b", re.I),
        Cue.DATE,
    ),
    (
        # "where do things stand", "where is this heading": the state of things, not a place
        re.compile(r"\b(?:where(?![^?.!]*?\b(?:stand|stands|standing|heading|headed|"
                   r"going|leaves?|left)\b)|(?:which|what) (?:exact )?(?:city|country|place|"
                   r"building|venue|location|site|town|hotel|palace|tower))\b", re.I),
        Cue.PLACE,
    ),
    # a reason, or a condition: "under what conditions", "what would it take", "in return"
    (
        re.compile(
            r"\b(?:why|how come|what makes|reason|(?:under|on) what (?:conditions?|circumstances|"
            r"terms|grounds?|basis)|what conditions|what (?:would|will|does) it take|"
            r"in (?:return|exchange)|justif\w*|what (?:prompted|led to|caused|triggered)|"
            r"excuse|motive|rationale|pretext|explanation)\b",
            re.I,
        ),
        Cue.REASON,
    ),
    (re.compile(rf"\bhow long\b(?! ago)|\bfor how long\b|{WHAT_PERIOD}", re.I), Cue.DURATION),
    (re.compile(r"\bhow (?:many|much|old|big|large|tall|high|far)\b|\bwhat (?:\w+ )?(?:rate|"
                r"percent\w*|amount|number|price|cost|size|share|total|figure|level|volume|"
                r"quantit(?:y|ies))s?\b", re.I), Cue.NUMBER),
    (
        re.compile(
            r"\b(?:say|said|says|tell|told|claim|claims|post|posted|state|stated|call|"
            r"called|describe|described|quote|quoted|cited|words)\b",
            re.I,
        ),
        Cue.SPEECH,
    ),
)


# Cues that a sentence must satisfy to answer at all: "when" wants a date, "how many" a number.
REQUIRED = frozenset({Cue.DATE, Cue.NUMBER, Cue.DURATION})


# "What does the article say about…" asks what the text holds, not for someone's words.
_ABOUT_THE_TEXT = re.compile(
    r"\b(?:articles?|story|stories|piece|report|text|news|sources?|it)\s+(?:say|says|said|tell|"
    r"tells|mention|mentions|report|reports)\b",
    re.IGNORECASE,
)


def question_cues(question: str) -> frozenset[Cue]:
    plain = _ABOUT_THE_TEXT.sub(" ", normalise(question))
    return frozenset(cue for pattern, cue in _QUICK_QUESTION_CUES if pattern.search(plain))


# ``_QUESTION_CUES``, each pattern ruled out first by the words any match of it holds
_QUICK_QUESTION_CUES = tuple((Prefiltered(pattern), cue) for pattern, cue in _QUESTION_CUES)


_PREPOSITIONS = (
    r"(?:of|in|to|for|on|at|from|with|about|between|by|over|under|during|since|as|now|today)"
)
# "What is Guo Jiakun's job?" asks about Guo Jiakun: these nouns name an attribute, not a topic.
ATTRIBUTES = frozenset(
    "job role title position occupation profession work name age background living "
    # what a question asks the state of ("the latest status of the export curbs"): the curbs
    "status state situation standing outcome result progress update latest "
    # what a question asks the reason of ("what was Trump's excuse for…"): the reason cue
    "excuse reason motive rationale justification pretext grounds explanation".split()
)
# Nouns that count or pick without naming a topic: "how many times", "which people".
_GENERIC_NOUNS = frozenset("times time ways things people folks ones".split())
# Nouns that take a part of what follows them: "the newest round of chip curbs" asks about the
# curbs, which a sentence may report without the word "round".
_PARTITIVES = frozenset(
    "round rounds wave waves batch batches set sets series package packages bunch kind kinds "
    "type types sort sorts lot lots piece pieces part parts number amount group list".split()
)
# "What did the Stimson Center lady say?": words that point at someone the names already say.
PERSON_NOUNS = frozenset("lady ladies dude dudes man men woman women gentleman chap fella bloke".split())
_FOCUS_PATTERNS = (
    # "who is the US trade representative", "what's the weather in Beijing", "what is the GDP of China"
    re.compile(
        r"^(?:so\s+|and\s+|but\s+)?(?:who|what|which)(?:'s|s|\s+is|\s+are|\s+was|\s+were)\s+"
        rf"(?:(?:the|a|an|this|that)\s+)?(?P<phrase>(?!{_PREPOSITIONS}\b)[\w'.-]+"
        rf"(?:\s+(?!{_PREPOSITIONS}\b)[\w'.-]+)*?)"
        rf"(?:\s+{_PREPOSITIONS}\b.*)?[?.!]*$",
        re.IGNORECASE,
    ),
    # "which companies are hurt", "which think tank does he work for": the noun is what is asked
    re.compile(
        r"^(?:so\s+|and\s+)?which\s+(?P<noun>(?:[\w'.-]+\s+){0,2}?[\w'.-]+)\s+(?:is|are|was|"
        r"were|did|does|do|has|have|had|will|would|can|could)\b",
        re.IGNORECASE,
    ),
    # "how much tariff revenue has …", "how many US jobs did …": what is counted is asked about
    re.compile(
        r"^(?:so\s+|and\s+)?how\s+(?:many|much)\s+(?P<noun>(?:[\w'.-]+\s+){0,2}?[\w'.-]+)\s+"
        r"(?:is|are|was|were|did|does|do|has|have|had|will|would|can|could)\b",
        re.IGNORECASE,
    ),
    # "who owns X": the verb is what is asked about
    re.compile(r"^(?:so\s+)?who\s+(?P<verb>(?!is|was|are|were|did|does|do|has|had|will|would|can|could)"
               r"[a-z]+s)\b", re.IGNORECASE),
    # "what did Japan say", "what does Trump want": the speaker
    re.compile(r"^(?:so\s+|and\s+)?(?:what|how|why)\s+(?:did|does|do|has|have|will|would)\s+"
               r"(?:the\s+)?(?P<subject>[\w'.-]+?)(?:'s)?\s+(?:actually\s+|really\s+)?"
               r"(?:say|said|think|want|claim|do|post|tell|mean|feel|believe|respond|react)\b",
               re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class Focus:
    """What a question is really about: the noun phrase of "who is the …", the speaker of "what did
    … say", the verb of "who owns …". ``required``: an answer must contain its last term."""

    text: str
    required: bool


def question_focus(question: str) -> Focus | None:
    plain = " ".join(normalise(question).split())
    for pattern in _FOCUS_PATTERNS:
        match = pattern.match(plain)
        if not match:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        if "noun" in groups:
            # "which country …": the answer names one (China), not the class: asked, not required
            if groups["noun"].split()[-1].lower() in _GENERIC_NOUNS:
                return None  # "how many times …", "which people …": nothing named to look for
            return Focus(groups["noun"], required=False)
        if "phrase" in groups:
            phrase = groups["phrase"]
            words = phrase.split()
            if words and words[-1].lower() in _PARTITIVES and re.match(
                r"\s+of\b", plain[match.end("phrase"):], re.IGNORECASE
            ):
                return None  # "what's the latest round of curbs": the curbs, not the round
            if words and words[-1].lower() in ATTRIBUTES:
                owner = phrase.rsplit("'s", 1)[0] if "'s" in phrase else ""
                return Focus(owner, required=True) if owner.strip() else None
            return Focus(phrase, required=True)
        if "subject" in groups:
            return Focus(groups["subject"], required=True)
        return Focus(groups["verb"], required=False)
    return None
