"""Discord markdown: escaped quotes, citations with metadata, and the 2000-character limit."""

from __future__ import annotations

import datetime as dt

from bot.formatting import DISCORD_LIMIT, escape, render_answer, render_quotes, trim
from knowledge.dates import ArticleDate, DateOrigin
from knowledge.model import Answer, Citation, Kind, Metadata, Quote, Sentence


def sentence(text: str, n: int = 1) -> Sentence:
    return Sentence(n, "a.txt", 2, n, Kind.BODY, text, 0, len(text))


def test_markdown_and_masked_links_are_escaped():
    assert escape("*bold* _it_ `code` ~~s~~ |spoiler| [x](https://evil)") == (
        r"\*bold\* \_it\_ \`code\` \~\~s\~\~ \|spoiler\| \[x\](https://evil)"
    )


def test_citation_shows_title_publisher_date_paragraph_and_sentence():
    quote = Quote(sentence("Talks stalled."), 1.0, (), "Talks stalled.")
    meta = Metadata(title="Talks", publisher="Wire", published="2025-05-10")
    published = ArticleDate(dt.date(2025, 5, 10), DateOrigin.PUBLISHED)
    text = render_quotes([quote], {"a.txt": Citation("Talks", meta, published)})
    assert text == "> Talks stalled. **[1]**\n\n**[1]** *Talks* (Wire, 10 May 2025) — ¶2, s1 · `a.txt`"
    inferred = ArticleDate(dt.date(2025, 4, 25), DateOrigin.TEXT)
    text = render_quotes([quote], {"a.txt": Citation("Talks", Metadata(), inferred)})
    assert "*Talks* (25 Apr 2025, date inferred) — ¶2" in text


def test_long_answers_fit_discords_limit_by_dropping_whole_quotes():
    quotes = [Quote(sentence("Word " * 150 + "end.", n), 1.0, (), "Word " * 150 + "end.")
              for n in range(1, 4)]
    text = render_answer(Answer("q", True, tuple(quotes), sources={}))
    assert len(text) <= DISCORD_LIMIT
    assert "**[1]**" in text and "**[3]**" not in text and "more quotes left out" in text


def test_a_single_huge_quote_is_cut_at_a_sentence_with_an_ellipsis():
    body = " ".join(f"Sentence number {n} is here." for n in range(200))
    quote = Quote(sentence(body), 1.0, (), body)
    text = render_answer(Answer("q", True, (quote,), sources={}))
    assert len(text) <= DISCORD_LIMIT
    assert "is here.…" in text and text.count("**[1]**") == 2


def test_trim_prefers_sentence_then_word_boundaries():
    assert trim("One sentence here. Two three four five.", 25) == "One sentence here.…"
    assert trim("abcdefghij klmnopqrstuvwxyz", 15) == "abcdefghij…"
    assert trim("short", 10) == "short"


def test_not_answered_reply_is_one_line_without_quotes():
    text = render_answer(Answer("q", False, reason="The articles I have don't answer that."))
    assert "\n" not in text and not text.startswith(">")


def test_citation_spans_context_and_continuation():
    matched, after = sentence("Talks stalled.", 1), sentence("This could change.", 2)
    quote = Quote(matched, 1.0, (), "Talks stalled. This could change.", (after,))
    assert "¶2, s1–2 ·" in render_quotes([quote], {})


def test_echoed_questions_lose_bidi_controls_and_counts_read_as_english():
    from bot.formatting import echoed, plural

    assert echoed("is \u202echina\u202c  negotiating?\n", 100) == "is china negotiating?"
    assert echoed("*bold*", 100) == r"\*bold\*"
    assert (plural(1, "source"), plural(3, "source"), plural(0, "day")) == (
        "1 source", "3 sources", "0 days")


def test_a_citation_links_its_url_without_a_preview():
    quote = Quote(sentence("Talks stalled."), 1.0, (), "Talks stalled.")
    meta = Metadata(publisher="Wire", url="https://example.invalid/a")
    text = render_quotes([quote], {"a.txt": Citation("Talks", meta)})
    assert "*Talks* (Wire) <https://example.invalid/a> — ¶2, s1" in text
    hostile = Metadata(url="javascript:alert(1)")
    assert "<javascript" not in render_quotes([quote], {"a.txt": Citation("Talks", hostile)})


def test_quotes_of_one_article_share_one_citation_line():
    quotes = [Quote(sentence(f"Line {n}.", n), 1.0, (), f"Line {n}.") for n in (1, 2)]
    text = render_quotes(quotes, {"a.txt": Citation("Talks", Metadata(publisher="Wire"))})
    assert text.endswith("**[1, 2]** *Talks* (Wire) — [1] ¶2, s1 · [2] ¶2, s2 · `a.txt`")
    assert text.count("*Talks*") == 1
