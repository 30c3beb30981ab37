"""The first stage of an answer: the question, read once — its words, what kind of answer it wants,
what it is about, the time it asks about — or why the articles cannot answer it at all.

Everything the later stages (candidates, features, ranking by time, selection) need is in
``Question``: a new mechanism reads one more thing here and uses it there, rather than adding a
branch to the ranking.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise

from knowledge.analysis import normalise, surface_tokens
from knowledge.cues import MONTH_NAMES, WHAT_PERIOD, Cue, question_cues, question_focus
from knowledge.direction import mentions_levy, tariff_targets
from knowledge.index import KnowledgeBase
from knowledge.model import Kind
from knowledge.spelling import english_frequency, is_english, is_given_name, near_english
from knowledge.timeframe import IN_A_YEAR, TimeAsked, When, time_asked

NOTHING_TO_SEARCH = "That question has no words I can look up. Ask about the trade talks."
UNKNOWN_NAME = "The articles I have don't mention {name}."
UNKNOWN_TOPIC = "The articles I have say nothing about {name}."
AFTER_THE_ARTICLES = "The articles I have don't say what happened after they were written."
OFF_TOPIC = "The articles I have don't cover that topic."
# A word the articles keep coming back to: used in at least this many of them (all, if fewer).
RECURRING_ARTICLES = 3
# An unknown lowercase word counted in this many uses of the English word list (pyspellchecker's,
# drawn from film subtitles) or fewer is specific: names ("canada" 373, "walmart" 50) and
# specialist words, while chat and common words run to thousands ("chill" 17660, "stuff").
RARE_IN_ENGLISH = 1000


@dataclass(frozen=True, slots=True)
class Question:
    """A question as the ranking stages need it."""

    text: str  # as asked
    asked: str = ""  # typos fixed, a leading "according to the …," taken off
    terms: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()  # of the earlier question of a thread (a follow-up)
    cues: frozenset[Cue] = frozenset()  # the kind of answer wanted: a person, a date, a number…
    focus: frozenset[str] = frozenset()  # an answer must contain one of these terms
    # what the question says of the names in it: an answer must share some of it, if any
    predicate: frozenset[str] = frozenset()
    time: TimeAsked = field(default_factory=TimeAsked)
    specific: frozenset[str] = frozenset()  # unknown words rare in English: see ``_specific``
    # a follow-up's place in the story: the sentences the reply to the previous question quoted
    # first (``answers._thread``)
    thread: tuple[int, ...] = ()
    refusal: str = ""  # why no article can answer it (an unknown name, nothing to look up)
    # "where" of a place it names ("where in Stockholm…", "where were the Geneva talks held"):
    # what is asked is the venue there (``_asks_for_venue``)
    venue: bool = False
    # the countries it names, each as the terms of its name (``_countries_named``)
    countries: tuple[frozenset[str], ...] = ()
    # the countries it asks about tariffs on ("the tariff on China"), as terms (``direction``)
    tariffs_on: frozenset[str] = frozenset()


def read_question(kb: KnowledgeBase, question: str, context: Sequence[str] = ()) -> Question:
    """Read ``question``; ``context`` holds earlier questions of the conversation, oldest first."""
    corrected = _corrected(kb, question)
    attributed = _without_attribution(corrected)  # "according to the article, …" taken off
    asked = _with_initials(kb, _with_countries(kb, attributed))
    time = time_asked(normalise(asked), kb.dates, kb.event_date)
    terms = _known_forms(kb, kb.analyzer.terms(_without_cue_phrases(time.rest)))
    earlier = _known_forms(kb, [t for q in context[-1:] for t in kb.analyzer.terms(q)])
    read = Question(question, asked, terms, earlier, time=time)
    unknown = (
        _unknown_name(kb, asked)
        or _unknown_country(kb, asked)
        or _unknown_lower_name(kb, asked)
        or _unknown_lower_person(kb, asked)
    )
    if unknown:
        return replace(read, refusal=UNKNOWN_NAME.format(name=unknown))
    if _after_the_articles(time, kb.dates, asked):
        return replace(read, refusal=AFTER_THE_ARTICLES)
    if not terms and not earlier:
        return replace(read, refusal=NOTHING_TO_SEARCH)
    focus: frozenset[str] = frozenset()
    asked_about = question_focus(asked)
    head = kb.analyzer.terms(asked_about.text)[-1:] if asked_about else []
    if head and kb.scorer.doc_freq(head[0]) == 0:
        words = [w for w in asked_about.text.split() if kb.analyzer.terms(w) == head]
        name = words[-1] if words else asked_about.text
        return replace(read, refusal=UNKNOWN_TOPIC.format(name=name))
    if not earlier and not _on_topic(kb, asked, terms):
        return replace(read, refusal=OFF_TOPIC)
    if head and asked_about.required:
        focus = frozenset(head)
    cues = question_cues(asked) | ({Cue.SPEECH} if attributed != corrected else set())
    return replace(
        read,
        cues=frozenset(cues),
        focus=focus,
        predicate=_predicate(kb, asked, terms),
        specific=_specific(kb, asked),
        venue=Cue.PLACE in cues and _asks_for_venue(kb, asked),
        countries=_countries_named(kb, time.rest),  # "after the Swiss talks" dates, it names none
        tariffs_on=tariffs_on(kb, time.rest),
    )


# A place a question names: "in Stockholm", "the Geneva talks", "the KL negotiations".
_PLACE_ASKED = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?([A-Za-z][\w'-]*)|\b([A-Za-z][\w'-]*)\s+(?:talks|negotiations|"
    r"meeting|summit|round|session)\b",
    re.IGNORECASE,
)


def _asks_for_venue(kb: KnowledgeBase, question: str) -> bool:
    """Whether a "where" question names the place already (a name the articles use, after "in"
    or before "talks"): it asks where there, which a venue answers and the city does not."""
    return any(
        term in kb.names
        for groups in _PLACE_ASKED.findall(normalise(question))
        for word in groups
        if word
        for term in kb.analyzer.terms(word)
    )


def _on_topic(kb: KnowledgeBase, question: str, terms: Sequence[str]) -> bool:
    """Whether a question shares anything with what the articles are about: a name they use,
    a word of an article's title or lead lines, a word they keep coming back to, or a word of
    theirs that is rare in English ("stalemate"). A question about nothing of the kind ("who
    scored in the football match yesterday") would otherwise be answered by the one sentence
    that happens to hold its rarest word ("match"): on a few short articles such a word covers
    most of the question."""
    recurring = min(RECURRING_ARTICLES, len(kb.articles))
    if any(
        term in kb.names
        or kb.lead_counts.get(term, 0) > 0
        or kb.articles_holding(term) >= recurring
        for term in terms
    ):
        return True
    return any(
        english_frequency(token) < RARE_IN_ENGLISH and kb.scorer.doc_freq(term) > 0
        for token in surface_tokens(question)
        for term in kb.analyzer.terms(token)
    )


def _known_forms(kb: KnowledgeBase, terms: Sequence[str]) -> tuple[str, ...]:
    """The terms, each unknown one that is a known term with its final letter undoubled taken
    as that term: the Snowball stemmer undoubles a consonant before a suffix ("tariffed" →
    "tarif") though the word without one keeps it ("tariff")."""
    doc_freq = kb.scorer.doc_freq
    return tuple(
        t + t[-1] if len(t) > 2 and doc_freq(t) == 0 and doc_freq(t + t[-1]) > 0 else t
        for t in terms
    )


# Asking what happened, in the past tense: "what happened when…", "did they…", "was it…".
_PAST = re.compile(r"\b(?:did|was|were|had|happened|went)\b", re.IGNORECASE)
# Verbs whose past is also their participle ("who won…", but "will the summit be held…"): past
# only in a question with no future or passive before them
_PAST_FORMS = re.compile(
    r"\b(?:won|lost|met|held|took|gave|came|got|made|sold|bought|paid|fell|rose)\b", re.IGNORECASE
)
_NOT_PAST = re.compile(r"\b(?:will|would|going to|gonna|be|been|being)\b", re.IGNORECASE)
# A later year naming an event ("the 2026 midterm elections"), not a plan or a deadline set for
# it ("the 2026 deadline", "the 2021 purchases"), which the articles may report
_YEAR_OF = re.compile(
    r"\bthe\s+(?P<year>(?:19|20)\d\d)\s+(?:[\w-]+\s+){0,2}?(?:elections?|midterms?|summit|"
    r"olympics|games|world cup|cup|races?|primar(?:y|ies)|votes?|polls?|census)\b",
    re.IGNORECASE,
)
# Asking whether something was planned, promised or said for a time ("were the tariffs
# scheduled to rise in 2026?", "did China commit to buying more in 2021?"): a report of it may
# be in the articles. Not whether a plan was kept ("did China meet its commitment for 2026?").
_PLANNED = re.compile(
    r"\b(?:did|was|were|had)\s+(?:[\w'.-]+\s+){0,6}?(?:schedul(?:e|ed)|due|set|plann?(?:ed)?|"
    r"say|said|commit(?:ted)?|promis(?:e|ed)|pledg(?:e|ed)|expect(?:ed)?|intend(?:ed)?|"
    r"announc(?:e|ed)|propos(?:e|ed)|supposed)\b",
    re.IGNORECASE,
)


def _after_the_articles(time: TimeAsked, dates: Sequence[dt.date], asked: str) -> bool:
    """Whether the question asks what happened in a period that begins after the newest article
    ("what happened when Trump visited Beijing in April 2026?"): no article can report it, and a
    sentence announcing the plan ("he would visit China in April") is no report of it. A question
    of the future ("will the truce run out in November 2026?") may be answered by such a plan."""
    past = _PAST.search(asked) or (_PAST_FORMS.search(asked) and not _NOT_PAST.search(asked))
    if not dates or not past:
        return False
    if time.when is When.PERIOD and time.start is not None and time.start > max(dates):
        return True
    # "did China lift the ban in 2025?" when the newest article is of 2024; but what was planned
    # or said for that year ("were the tariffs scheduled to rise in 2026?") the articles report
    return not _PLANNED.search(asked) and any(
        int(m["year"]) > max(dates).year
        for pattern in (IN_A_YEAR, _YEAR_OF)
        for m in pattern.finditer(asked)
    )


def _corrected(kb: KnowledgeBase, question: str) -> str:
    """The question with typos fixed (names too, towards the articles' names); on a tie, the word
    the articles use most wins."""

    def used(word: str) -> float:
        terms = kb.analyzer.terms(word)
        return kb.scorer.doc_freq(terms[0]) if terms else 0

    def is_name(word: str) -> bool:
        terms = kb.analyzer.terms(word.capitalize())
        return bool(terms) and all(term in kb.names for term in terms)

    return kb.speller.correct_text(question, used, is_name)


# "According to the analyst quoted, …": who said it, named by a common noun, is not the topic.
_ATTRIBUTION = re.compile(r"^\s*(?:so\s+)?according to\s+(?P<who>[^,?]{1,60}?)\s*,\s*", re.IGNORECASE)


def _without_attribution(question: str) -> str:
    """The question without a leading "according to the …," naming no one; a named source
    ("According to Yun Sun, …") stays, since the name is what to look for."""
    match = _ATTRIBUTION.match(question)
    if not match or any(ch.isupper() for ch in match["who"]) or match.end() == len(question):
        return question
    return question[match.end() :]


# Words that ask for a kind of answer (a duration, an amount), which the cues look for: "how
# long did the meeting last" is about the meeting, not about "long" or "last".
_CUE_PHRASES = re.compile(rf"\bhow (?:long|many|much|often|far)\b|{WHAT_PERIOD}", re.IGNORECASE)


_LASTED = re.compile(r"\b(?:last|lasted|take|took)\W*$", re.IGNORECASE)


# A request's opening ("give me", "can you show me"): how it asks, not what it asks about.
_REQUEST = re.compile(
    r"^\W*(?:(?:can|could|would|will) (?:you|u) )?(?:pls |please )?(?:give|show|get|send|find) me\b",
    re.IGNORECASE,
)


# "What reason did Mnuchin give", "what rationale did China offer": with a reason noun, the verb
# is how the question asks for a reason, not something the answer must say ("gave 90 days").
_REASON_NOUN = re.compile(
    r"\b(?:reasons?|rationale|justification|explanation|excuse|motive|grounds)\b", re.IGNORECASE
)
_GIVING = re.compile(
    r"\b(?:give|gave|given|giving|offer(?:s|ed|ing)?|provid(?:e|es|ed|ing)|cite[sd]?|citing)\b",
    re.IGNORECASE,
)


def _without_cue_phrases(question: str) -> str:
    question = _REQUEST.sub(" ", question)
    if _REASON_NOUN.search(question):
        question = _GIVING.sub(" ", question)
    if not _CUE_PHRASES.search(question):
        return question
    return _CUE_PHRASES.sub(" ", _LASTED.sub(" ", question))


def _unknown_name(kb: KnowledgeBase, question: str) -> str | None:
    """A name, acronym or number in the question that no article contains, if any.

    Names are runs of capitalised words ("Mount Everest", "Xi Jinping"), analysed as a whole so
    that phrase aliases apply. A lone capitalised first word is only sentence case, and skipped.
    Numbers count as names: a question about "May 12" or "2019" is not answered by a sentence
    that shares only "China".
    """
    spans: list[tuple[int, list[str]]] = []
    previous = -2
    for position, token in enumerate(surface_tokens(question)):
        if token.isdigit():
            if len(token) <= 6:  # a date or an amount; longer digit runs are ids, not topics
                spans.append((position, [token]))
            continue
        if token in MONTH_NAMES and position > 0 and token not in kb.months:
            return token  # "in May 2025": "may" is a stop word (never indexed), "May" a date
        if not token[:1].isupper() or len(token) < 2 or token.lower() in kb.analyzer.stop_words:
            continue
        if position == previous + 1 and spans and not spans[-1][1][-1].isdigit():
            spans[-1][1].append(token)
        else:
            spans.append((position, [token]))
        previous = position
    for start, span in spans:
        if start == 0 and len(span) == 1 and not span[0].isdigit():
            continue
        name = " ".join(span)
        if _unmentioned(kb, name):
            return name
        for word in span:  # "NBA Finals": an acronym no article uses names what is asked about
            if word.isupper() and word.isalpha() and 2 <= len(word) <= 5 and _unmentioned(kb, word):
                return word
    return None


def _unmentioned(kb: KnowledgeBase, text: str) -> bool:
    """Whether ``text`` gives terms and no article holds any of them."""
    terms = kb.analyzer.terms(text)
    return bool(terms) and all(kb.scorer.doc_freq(t) == 0 for t in terms)


# A lower-case word this long that is no English word, nor one edit away from one, nor the
# articles', is a name written in lower case ("huawei", "bitcoin"); shorter ones are as often
# chat and abbreviations ("irl", "dept", "cfo").
LOWER_NAME_LENGTH = 5


def _unknown_lower_person(kb: KnowledgeBase, question: str) -> str | None:
    """A person's name written in lower case that no article mentions ("what did janet yellen
    say?"): a given name that is rare as an English word, then a word, neither of them the
    articles'. Given names that are common words ("will", "mark", "price") are left alone."""
    for first, last in pairwise(_without_possessive(t) for t in surface_tokens(question)):
        if not (first.isalpha() and first.islower() and last.isalpha() and last.islower()):
            continue
        if first.capitalize() in MONTH_NAMES:  # "june", "april": given names, and months
            continue
        if len(last) < 3 or last in kb.analyzer.stop_words or not is_given_name(first):
            continue
        if english_frequency(first) >= RARE_IN_ENGLISH:
            continue
        if _unmentioned(kb, first) and _unmentioned(kb, last):
            return f"{first} {last}"
    return None


def _unknown_lower_name(kb: KnowledgeBase, question: str) -> str | None:
    """A name written in lower case that no article mentions ("was huawei taken off the entity
    list?"): a word that is neither English, nor a typo of an English word, nor the articles'."""
    for token in surface_tokens(question):
        if not (token.isalpha() and token.islower() and len(token) >= LOWER_NAME_LENGTH):
            continue
        if token in kb.analyzer.stop_words or is_english(token) or kb.speller.knows(token):
            continue
        terms = _known_forms(kb, kb.analyzer.terms(token))
        if terms and all(kb.scorer.doc_freq(t) == 0 for t in terms) and not near_english(token):
            return token
    return None


def _specific(kb: KnowledgeBase, question: str) -> frozenset[str]:
    """Terms of the question's words that no article uses and that are rare in English: names
    written in lower case ("canada", "walmart") and specific things, not chat ("chill", "stuff").
    A word the articles write is not one, though a phrase alias takes it into another term
    ("ministry" of "Foreign Ministry"): the question asks about what the articles discuss."""
    return frozenset(
        term
        for token in surface_tokens(question)
        if token.islower() and is_english(token) and english_frequency(token) < RARE_IN_ENGLISH
        and not kb.speller.knows(token)  # "ministry": the articles' word, inside a phrase
        for term in kb.analyzer.terms(token)
        if kb.scorer.doc_freq(term) == 0
    )


def _predicate(kb: KnowledgeBase, question: str, terms: Sequence[str]) -> frozenset[str]:
    """The terms of a question that are not names: what it asks about them. Left out: attribute
    nouns ("job": whoever holds one answers it) and words that are neither the articles' nor
    English (typos, slang), which say nothing certain."""
    unreadable = {
        term
        for token in surface_tokens(question)
        if not is_english(token)
        for term in kb.analyzer.terms(token)
        if kb.scorer.doc_freq(term) == 0
    }
    return frozenset(set(terms) - kb.names - kb.attribute_terms - unreadable)


@cache
def _countries() -> dict[tuple[str, ...], str]:
    """Every country's name and common name, as lowercase words (pycountry's ISO 3166 list)."""
    import pycountry  # loaded on the first question that could name one, not at import

    names: dict[tuple[str, ...], str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name:
                names[tuple(name.lower().split())] = name
    return names


@cache
def _demonyms() -> dict[str, tuple[str, str]]:
    """Each country's demonym, lower case, to its name and capital ("swiss" → Switzerland, Bern),
    from countryinfo's table; a demonym of several (French, Indian) is the most populous one's."""
    import countryinfo  # loaded on the first question, not at import

    best: dict[str, tuple[int, str, str]] = {}
    for country in countryinfo.all_countries():
        info = country.info()
        demonym, name = info.get("demonym"), info.get("name")
        if not demonym or not name:
            continue
        population = int(info.get("population") or 0)
        key = demonym.lower()
        if key not in best or population > best[key][0]:
            best[key] = (population, name, info.get("capital") or "")
    return {key: (name, capital) for key, (_, name, capital) in best.items()}


_DEMONYM_WORDS = re.compile(r"\b(?:south |north |new )?[a-z]+(?: capital\b)?", re.IGNORECASE)


def _with_countries(kb: KnowledgeBase, question: str) -> str:
    """The question with a demonym the articles do not use as the country it stands for ("the
    Swiss talks" → "the Switzerland talks"), and "the <demonym> capital" as the capital city
    ("the Malaysian capital" → "the Kuala Lumpur"), where the articles name them: people
    paraphrase places so, and "Swiss" is no name the articles lack when they say Switzerland."""
    demonyms = _demonyms()

    def known(name: str) -> bool:
        terms = kb.analyzer.terms(name)
        return bool(terms) and all(kb.scorer.doc_freq(t) > 0 for t in terms)

    def place(match: re.Match[str]) -> str:
        words = match[0]
        capital = words.lower().endswith(" capital")
        demonym = words[: -len(" capital")] if capital else words
        found = demonyms.get(demonym.lower())
        if found is None:
            return words
        country, city = found
        ours = known(demonym)  # "Chinese": the articles' own word stays
        if capital and city and known(city):
            return f"{demonym} {city}" if ours else city
        if not ours and known(country):
            return country + (" capital" if capital else "")
        return words

    return _DEMONYM_WORDS.sub(place, question)


_INITIALS_SEARCHED = 200  # name terms (and sentences of each) searched for one abbreviation
_INITIALS_KEPT = 1024  # abbreviations whose names a knowledge base remembers
# a word of two to four letters may be a name's initials ("KL", "kl": Kuala Lumpur)
_WORD = re.compile(r"\b[A-Za-z]{2,4}\b")


def _with_initials(kb: KnowledgeBase, question: str) -> str:
    """The question with an abbreviation the articles never write as the name whose initials
    it is, where the articles write that name ("the kl talks" → "the Kuala Lumpur talks"):
    people shorten the names of places and bodies so, and the articles spell them out."""

    def spelled_out(match: re.Match[str]) -> str:
        word = match[0]
        if not (word.islower() or word.isupper()) or word.lower() in kb.analyzer.stop_words:
            return word
        if is_english(word.lower()) or not _unmentioned(kb, word):
            return word  # "deal", "talk": a word, not initials
        memo = kb.memo.setdefault("initials", {})
        assert isinstance(memo, dict)
        key = word.lower()
        if key not in memo:
            if len(memo) >= _INITIALS_KEPT:
                memo.clear()  # chat abbreviations are many ("rn", "tbh"): a bounded few kept
            memo[key] = _name_of_initials(kb, key)
        return memo[key] or word

    return _WORD.sub(spelled_out, question)


def _name_of_initials(kb: KnowledgeBase, letters: str) -> str | None:
    """The capitalised run of words the articles write most whose initials are ``letters``,
    found through the sentences of the name terms that start with its first letter."""
    run = re.compile(r"\b" + r"\s+".join(f"{c.upper()}[a-z]+" for c in letters) + r"\b")
    found: dict[str, int] = {}
    starting = sorted(t for t in kb.names if t[:1] == letters[0])[:_INITIALS_SEARCHED]
    for term in starting:
        for sentence in kb.scorer.docs_with(term)[:_INITIALS_SEARCHED].tolist():
            if kb.sentences.kind(sentence) is Kind.HEADLINE:
                continue  # title case: "Talks Yield…" is no name
            for name in run.findall(kb.sentences.text(sentence)):
                found[name] = found.get(name, 0) + 1
    # two letters are as often chat ("af", "ty"): their name must recur
    least = 2 if len(letters) == 2 else 1
    found = {name: count for name, count in found.items() if count >= least}
    return max(found, key=lambda name: (found[name], name)) if found else None


def _without_possessive(token: str) -> str:
    return token.removesuffix("'s").removesuffix("’s")


def _plain_words(question: str) -> list[str]:
    """The question's words, lower case, without a possessive ("Japan's" → "japan")."""
    return [_without_possessive(w.lower()) for w in surface_tokens(question)]


def _country_names(question: str) -> list[str]:
    """The countries a question names by name, in any case and possessive ("Japan's", "south
    korea", "indias": chat drops the apostrophe)."""
    words = _plain_words(question)
    countries = _countries()
    found = []
    for length in (3, 2, 1):
        for start in range(len(words) - length + 1):
            named = tuple(words[start : start + length])
            name = countries.get(named)
            if name is None and length == 1 and named[0].endswith("s"):
                name = countries.get((named[0][:-1],))  # "indias": India's
            if name is not None:
                found.append(name)
    return found


def country_terms(kb: KnowledgeBase) -> Mapping[str, str]:
    """The terms that name a country in these articles' analysis, each to its country's name's
    term ("japanes" → "japan"; "Chinese" and "Beijing" are "china" already, by the alias
    table): each name or demonym that is one term. Worked out once per knowledge base."""
    found = kb.memo.get("question.country_terms")
    if not isinstance(found, dict):
        found = {}
        names = [" ".join(name) for name in _countries()]
        names += [name for _, (name, _) in sorted(_demonyms().items())]
        for name in names:
            if len(terms := kb.analyzer.terms(name)) == 1:
                found[terms[0]] = terms[0]
        for demonym, (name, _) in sorted(_demonyms().items()):
            said, named = kb.analyzer.terms(demonym), kb.analyzer.terms(name)
            if len(said) == 1 and len(named) == 1:
                found.setdefault(said[0], named[0])
        kb.memo["question.country_terms"] = found
    return found


def tariffs_on(kb: KnowledgeBase, text: str) -> frozenset[str]:
    """The countries ``text`` puts tariffs on (``direction.tariff_targets``), as terms."""
    if not mentions_levy(text):  # most texts: the country lists are not read
        return frozenset()
    return tariff_targets(text, kb.analyzer.terms, country_terms(kb))


def _countries_named(kb: KnowledgeBase, question: str) -> tuple[frozenset[str], ...]:
    """The countries a question names, each as the terms of its name ("japan", {"south",
    "korea"}); a demonym the articles do not use is its country already (``_with_countries``).
    (Its demonym and capital as other names of it let in articles that say "Canadian" in
    passing: held-out precision down.)"""
    terms = (frozenset(kb.analyzer.terms(name)) for name in dict.fromkeys(_country_names(question)))
    return tuple(t for t in terms if t)


def _unknown_country(kb: KnowledgeBase, question: str) -> str | None:
    """A country the question names in any case ("did india get a deal?", "whats indias rate",
    "australian wine") that no article mentions: capitalised names are caught by
    ``_unknown_name``, chat is often lower case and drops the apostrophe."""
    for name in _country_names(question):
        if _unmentioned(kb, name):
            return name
    demonyms = _demonyms()
    words = _plain_words(question)
    for length in (2, 1):  # "south korean", "australian"
        for start in range(len(words) - length + 1):
            said = " ".join(words[start : start + length])
            if said in demonyms and _unmentioned(kb, said) and _unmentioned(kb, demonyms[said][0]):
                return demonyms[said][0]  # "australian": Australia
    return None
