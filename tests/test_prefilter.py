"""A pattern ruled out first by the words its matches hold (``knowledge.prefilter``) finds what
the pattern alone finds: on the cue patterns, over real sentences and texts made to trip it."""

from __future__ import annotations

import re

import pytest
import yaml

from benchmarks import corpus
from knowledge import cues
from knowledge.analysis import _QUOTES, normalise
from knowledge.prefilter import Prefiltered, necessary_words
from tests.conftest import ROOT

CUE_PATTERNS = [
    cues._DATE, cues._NAME, cues._ROLE, cues._PLACE, cues._REASON, cues._NUMBER, cues._DURATION,
    cues._SPEECH, cues._LEANING, cues._MONTH_NAME, cues._INSTITUTION, cues._EXPERT,
    *(pattern for pattern, _ in cues._QUESTION_CUES),
]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"abc", {"abc"}),
        (r"^abc", {"^abc"}),
        (r"(?m)^abc", {"abc"}),  # a line's start, not the text's
        (r"\bfoo\b|bar", {"foo", "bar"}),
        (r"(?:foo)?bar", {"bar", "foobar"}),
        (r"a\s+b", {"a "}),  # more than one space may follow
        (r"[ab]c", {"ac", "bc"}),
        (r"(?:^|,\s)as\s", {"^as ", ", as "}),
        (r"x\d", {f"x{d}" for d in range(10)}),
        (r"(?i)SAID", {"said"}),
        (r"[“\"]", {'"'}),  # no ASCII text holds the curly quote
        (r"\w+", None),
        (r"[^a]", None),
        (r"a|\w", None),  # an alternative without a word: none for the whole
        (r"a*", None),
    ],
)
def test_the_words_any_match_holds(pattern: str, words: set[str] | None) -> None:
    found = necessary_words(re.compile(pattern))
    assert (None if found is None else set(found)) == words


def _texts() -> list[str]:
    """Real sentences (the benchmark corpus, the test articles), and the same made awkward:
    other whitespace, other case, letters that match ASCII ones ignoring case, quotes."""
    texts = corpus.real_sentences()[:20_000]
    for path in sorted((ROOT / "tests" / "data").rglob("*")):
        if path.suffix not in (".md", ".txt") or any(
            unread in path.name for unread in ("unseen", "timeline_blind", "fresh2")
        ):
            continue  # articles only; and nothing of a set that must stay unread
        texts += path.read_text(encoding="utf-8").split("\n")
    made = []
    for text in texts[::7]:
        made += [
            text.upper(), text.replace(" ", "\n", 1), text.replace(" ", "\t"), "As " + text,
            text + ", as it", "“" + text, text.replace("s", "ſ"), text.replace("k", "K"),
        ]
    questions = yaml.safe_load((ROOT / "benchmarks" / "questions.yaml").read_text("utf-8"))
    asked = [str(q) for q in questions["questions"]] + [str(q) for p in questions["follow_ups"] for q in p]
    asked += [q.upper() for q in asked] + [q.replace(" ", "\t") for q in asked]
    return texts + made + asked + ["As\tif", "x, as\ny", "May  5", "$5", "in 1999", "for a year"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


@pytest.mark.parametrize("pattern", CUE_PATTERNS, ids=lambda p: p.pattern[:30])
def test_a_prefiltered_pattern_finds_what_the_pattern_finds(pattern, texts) -> None:
    quick = Prefiltered(pattern)
    for text in texts:
        for form in (text, normalise(text)):
            assert quick.search(form) == (pattern.search(form) is not None), form


def test_cue_offers_are_those_of_the_patterns(texts) -> None:
    """``cues.offers``: each cue's own pattern (a number's once dates are taken out)."""
    plain_offers = {
        cues.Cue.DATE: lambda t: cues._DATE.search(t),
        cues.Cue.PERSON: lambda t: cues._NAME.search(t) or cues._ROLE.search(t),
        cues.Cue.PLACE: lambda t: cues._PLACE.search(t),
        cues.Cue.REASON: lambda t: cues._REASON.search(t),
        cues.Cue.NUMBER: lambda t: cues._NUMBER.search(cues._DATE.sub(" ", t)),
        cues.Cue.DURATION: lambda t: cues._DURATION.search(t),
        cues.Cue.SPEECH: lambda t: cues._SPEECH.search(t),
    }
    for text in texts:
        for cue, offered in plain_offers.items():
            assert cues.offers(text, cue) == bool(offered(normalise(text))), (cue, text)


def test_normalise_leaves_ascii_as_it_is() -> None:
    """``normalise`` returns an ASCII text itself: NFKC leaves it, and ``_QUOTES`` maps no
    ASCII character."""
    assert all(code > 127 for code in _QUOTES)
    text = "He said: \"don't\" -- it's 5 o'clock."
    assert normalise(text) is text
    assert normalise("“Yes” – he said") == '"Yes" - he said'


def test_without_re_parser_every_pattern_runs_unfiltered(monkeypatch, texts) -> None:
    """On a Python whose ``re`` has no ``_parser`` module (a private name), no words are read
    and the pattern alone decides: the cues still work, only slower."""
    from knowledge import prefilter

    monkeypatch.setattr(prefilter, "_parser", None)
    for pattern in CUE_PATTERNS:
        assert necessary_words(pattern) is None
        unfiltered = Prefiltered(pattern)
        for text in texts[:200]:
            assert unfiltered.search(text) == (pattern.search(text) is not None)
