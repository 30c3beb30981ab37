"""Sentence boundaries: every sentence of the seed is pinned, plus news-English edge cases."""

from __future__ import annotations

import pytest

from knowledge.ingest import parse_article
from knowledge.sentences import sentence_spans, split_sentences
from tests.conftest import SEED

SEED_SENTENCES = [
    "In a recent statement, Beijing refuted assertions from the Trump administration about "
    "dialogues aimed at resolving ongoing trade tensions, highlighting a divide between the two "
    "nations.",
    "China Stands Firm Against U.S. Trade Negotiation Claims Amid Escalating Tensions",
    "China's Foreign Ministry denies U.S. claims of ongoing trade negotiations, amidst speculation "
    "over high-stakes discussions.",
    "China is currently rejecting the notion of any ongoing negotiations with the Trump "
    "administration, despite claims from U.S. officials that talks aimed at resolving the trade "
    "war are underway.",
    "On April 25, 2025, the Chinese Foreign Ministry firmly stated via social media platform X that "
    "“China and the U.S. are NOT having any consultation or negotiation” and urged the U.S. to cease "
    "its “confusion-creating” rhetoric.",
    "This statement followed remarks from Foreign Ministry spokesman Guo Jiakun who labeled U.S. "
    "assertions as “fake news.”",
    "The disagreement comes amidst a backdrop of escalating tensions, as President Trump and his "
    "administration maintain that a deal could be on the horizon within weeks.",
    "However, analysts suggest that China's leadership, led by Xi Jinping, feels increasingly "
    "confident in its position, believing it can endure the repercussions of the trade war more "
    "effectively than the U.S.",
    "Yun Sun, director of the China program at the Stimson Center in Washington, stated, “The "
    "Chinese are not eager to climb down the ladder.”",
    "She added that they perceive Trump as the one wanting to de-escalate and are willing to let "
    "him face political pressures domestically and on Wall Street.",
    "China’s approach indicates that they are unwilling to engage in negotiations unless they see "
    "significant concessions from the U.S.",
    "This could entail reducing tariffs or the U.S. demonstrating goodwill, potentially by showing "
    "that Trump is reaching out to Xi first.",
    "As the situation unfolds, both nations remain in a stalemate, complicating paths toward "
    "resolution.",
]


def test_every_seed_sentence_once_in_order(kb):
    assert [s.text for s in kb.sentences] == SEED_SENTENCES


def test_seed_sentences_are_exact_slices_of_the_file(kb):
    article = kb.article(SEED.name)
    for sentence in kb.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text


def test_repeats_are_cited_at_first_position(kb):
    stalemate = next(s for s in kb.sentences if "stalemate" in s.text)
    assert (stalemate.paragraph, stalemate.number) == (7, 3)
    assert kb.sentences[-1] == stalemate  # made on access: equal, not the same object


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "China and the U.S. are NOT having talks. They deny it.",
            ["China and the U.S. are NOT having talks.", "They deny it."],
        ),
        (
            "It wants concessions from the U.S. This could entail cuts.",
            ["It wants concessions from the U.S.", "This could entail cuts."],
        ),
        (
            "He labeled it “fake news.” Then he left.",
            ["He labeled it “fake news.”", "Then he left."],
        ),
        (
            "On April 25, 2025, the ministry spoke. Talks stalled.",
            ["On April 25, 2025, the ministry spoke.", "Talks stalled."],
        ),
        (
            "J. K. Rowling met Sen. Warren. Nothing came of it.",
            ["J. K. Rowling met Sen. Warren.", "Nothing came of it."],
        ),
        (
            "Tariffs rose 2.5 percent to $1.2 billion. Markets fell.",
            ["Tariffs rose 2.5 percent to $1.2 billion.", "Markets fell."],
        ),
        ("Mr. Smith said no. Is it over? No!", ["Mr. Smith said no.", "Is it over?", "No!"]),
    ],
)
def test_news_english_boundaries(text, expected):
    assert split_sentences(text) == expected


def test_spans_trim_whitespace_and_skip_blank():
    text = "  First one.   Second one.  \n "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one."]
    assert sentence_spans("   \n ") == []


def test_headline_without_final_stop_is_one_sentence():
    article = parse_article("x.md", b"# Trade Talks Stall\n\nBody text here. More text.\n")
    assert article.paragraphs[0].text == "Trade Talks Stall"


# Texts that take syntok's segmenter down each of its branches: brackets opening a sentence and
# inside one (short, long, holding a sentence, nested, unclosed), quotes after a stop,
# abbreviations, "No. 5", numbers, months, initials, roman numerals, ellipses, lower-case
# starts, blank lines (several syntok paragraphs), trailing whitespace, no words at all.
SEGMENTER_CASES = [
    "(Reuters) China said no. Talks stalled.",
    "(This is a whole sentence in brackets.) And then another one.",
    "He said (in a long aside that goes on and on. It Holds a Sentence.) more. Then stop.",
    "Short (see Fig. 3). Next one (A. Author et al.) a few months ago. Done.",
    "Nested (a (b) c) here. Unclosed (bracket here. Next.",
    "He said “stop.” Then “Go!” she said. ‘Fine.’ Over.",
    "No. 5 was cut. No. he said. It rose to No. 12a today.",
    "It grew 5.5 percent. 100 tons were shipped. On Jan. 5 it ended. In 2025 Dec. 3 came.",
    "J. R. R. Tolkien wrote. I. II. III. The U.S. Army. The U.S.A. is big. A. B. C.",
    "Wait... what? Yes... No!!! Really?! (Maybe.) [Or not.] {Never.}",
    "it starts lower-case. and stays so. e.g. this. i.e. that.",
    "First paragraph here.\n\nSecond one, after a blank line.\n \n Third.",
    "   Leading and trailing spaces.   ",
    "…; ; . ! ?",
    "",
    "Sen. Warren met Gov. Smith at 5 p.m. on Sept. 3. Dr. Who? Prof. X.",
    "He paid $1.2bn (€1.1bn). The deal: done; signed. Next: (a) one; (b) two.",
    "Ends with a bracket (like this). (Starts with one) and continues. (Another.)",
    "x" * 3 + " (" + " ".join(["Word"] * 60) + ". Done.) After the long bracket. End.",
]


@pytest.mark.parametrize("text", SEGMENTER_CASES)
def test_the_restated_segmenter_cuts_where_syntok_does(text):
    from knowledge.sentences import _sentence_starts, _syntok_starts

    assert _sentence_starts(text) == _syntok_starts(text)


def test_the_restated_segmenter_cuts_the_project_articles_where_syntok_does():
    from knowledge.ingest import load_articles
    from knowledge.sentences import _sentence_starts, _syntok_starts
    from tests.conftest import TIMELINE

    texts = []
    for folder in (TIMELINE, SEED.parent):
        articles, _ = load_articles(folder, 10**7)
        texts += [p.text for a in articles for p in a.paragraphs] + [a.text for a in articles]
    assert len(texts) > 100
    assert [_sentence_starts(t) for t in texts] == [_syntok_starts(t) for t in texts]
