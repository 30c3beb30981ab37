"""Answers on the real seed: verbatim quotes, context for leaning sentences, no repeats, abstention."""

from __future__ import annotations

import pytest

from knowledge.answers import answer, is_verbatim


def test_quotes_are_verbatim_and_cited(kb):
    result = answer(kb, "is China negotiating?")
    assert result.answered and 1 <= len(result.quotes) <= 3
    article = kb.article(result.quotes[0].sentence.source)
    for quote in result.quotes:
        assert quote.text in article.text
        assert quote.sentence.paragraph >= 1 and quote.sentence.number >= 1


def test_leaning_sentence_is_quoted_with_its_context(kb):
    result = answer(kb, "could the US reduce tariffs to show goodwill?")
    quote = next(q for q in result.quotes if "reducing tariffs" in q.sentence.text)
    assert [s.text[:20] for s in quote.context] == ["China’s approach ind"]
    assert quote.text.startswith("China’s approach indicates")
    assert quote.text.endswith("reaching out to Xi first.")


def test_no_sentence_quoted_twice(kb):
    for question in [
        "what concessions does China want from the US?",
        "is there a stalemate?",
        "what did Yun Sun say?",
        "are the two countries negotiating?",
    ]:
        ids = [s.id for q in answer(kb, question).quotes for s in q.sentences]
        assert len(ids) == len(set(ids)), question


def test_a_question_answered_by_one_sentence_gets_one(kb):
    result = answer(kb, "Where is the Stimson Center?")
    assert len(result.quotes) == 1
    assert "Stimson Center in Washington" in result.quotes[0].text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the Chinese Foreign Ministry spokesman?", "Guo Jiakun"),
        ("When did the Foreign Ministry make its statement?", "April 25, 2025"),
        ("Why does China think it can outlast the US?", "led by Xi Jinping"),
    ],
)
def test_question_words_pick_the_right_sentence(kb, question, expected):
    assert expected in answer(kb, question).quotes[0].text


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "hello",
        "What is the GDP of China?",
        "good morning",
        "Who won the World Cup?",
        "?!",
        "   ",
        "the the the",
    ],
)
def test_abstains_when_the_articles_do_not_answer(kb, question):
    result = answer(kb, question)
    assert not result.answered and result.quotes == () and result.reason


def test_hostile_and_huge_questions_get_a_reason(kb):
    assert not answer(kb, "x" * 10_000).answered
    result = answer(kb, "'; DROP TABLE sentences; -- @everyone \x00\ufffd")
    assert result.reason or result.quotes


def test_follow_up_uses_the_earlier_question(kb):
    alone = answer(kb, "why?")
    assert not alone.answered
    follow = answer(kb, "why?", context=["Is China confident about the trade war?"])
    assert follow.answered
    assert "believing it can endure" in follow.quotes[0].text


def test_is_verbatim():
    assert is_verbatim("a  b", "x a\nb y")
    assert not is_verbatim("a c", "x a b y")
