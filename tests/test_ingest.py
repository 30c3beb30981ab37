"""Ingest: real files on disk, including the awkward ones."""

from __future__ import annotations

import pytest

from knowledge.index import build_knowledge_base
from knowledge.ingest import ArticleError, load_articles, parse_article
from knowledge.model import Kind
from tests.conftest import SEED


def test_seed_structure_and_repeats_dropped():
    article = parse_article(SEED.name, SEED.read_bytes())
    kinds = [p.kind for p in article.paragraphs]
    assert kinds == [Kind.SUMMARY, Kind.HEADLINE, Kind.SUBTITLE] + [Kind.BODY] * 4
    assert (
        article.title
        == "China Stands Firm Against U.S. Trade Negotiation Claims Amid Escalating Tensions"
    )
    body = [p.text for p in article.paragraphs if p.kind is Kind.BODY]
    assert len(body) == len(set(body)) == 4
    for paragraph in article.paragraphs:  # offsets point at the verbatim text
        assert (
            article.text[paragraph.start : paragraph.start + len(paragraph.text)] == paragraph.text
        )


def test_second_article_with_front_matter_and_hash_headline(seeds_dir, config, kb):
    (seeds_dir / "a.txt").write_bytes(SEED.read_bytes())
    (seeds_dir / "b.md").write_text(
        "---\ntitle: Talks resume in Geneva\npublisher: Example Wire\npublished: 2025-05-10\n---\n"
        "# Officials meet in Geneva\n\nU.S. and Chinese officials met in Geneva on Saturday.\n"
        "The talks lasted\ntwo days.\n",
        encoding="utf-8",
    )
    articles, problems = load_articles(seeds_dir)
    assert problems == []
    second = articles[1]
    assert second.title == "Talks resume in Geneva"
    assert second.metadata.publisher == "Example Wire"
    assert second.metadata.published == "2025-05-10"
    assert second.paragraphs[0].kind is Kind.HEADLINE
    assert second.paragraphs[-1].text == "The talks lasted\ntwo days."  # wrapped lines joined
    index = build_knowledge_base(articles, kb.analyzer, kb.retrieval)
    assert {s.source for s in index.sentences} == {"a.txt", "b.md"}


def test_sidecar_metadata(seeds_dir):
    (seeds_dir / "c.txt").write_text("Body sentence one. Body sentence two.\n", encoding="utf-8")
    (seeds_dir / "c.meta.yaml").write_text("title: Sidecar title\nurl: https://example.org/c\n")
    [article], problems = load_articles(seeds_dir)
    assert problems == []
    assert (article.title, article.metadata.url) == ("Sidecar title", "https://example.org/c")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \t\n", "empty file"),
        ("latin1.txt", "Caf\u00e9 talks.".encode("latin-1"), "not valid UTF-8 (byte 3: 0xe9)"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file (NUL bytes), not text"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\nText.\n", "front matter: invalid YAML"),
        ("only-front.md", b"---\ntitle: x\n---\n", "no text after the front matter"),
    ],
)
def test_bad_files_are_reported_by_name_and_skipped(seeds_dir, name, content, reason):
    (seeds_dir / "good.txt").write_text("A good sentence about tariffs.\n", encoding="utf-8")
    (seeds_dir / name).write_bytes(content)
    articles, problems = load_articles(seeds_dir)
    assert [a.source for a in articles] == ["good.txt"]
    assert len(problems) == 1 and problems[0].source == name
    assert problems[0].reason.startswith(reason)


def test_headline_only_file(seeds_dir):
    (seeds_dir / "h.md").write_text("**Trade War Deepens**\n", encoding="utf-8")
    [article], _ = load_articles(seeds_dir)
    assert [(p.kind, p.text) for p in article.paragraphs] == [(Kind.HEADLINE, "Trade War Deepens")]
    assert article.title == "Trade War Deepens"


def test_five_megabyte_article_loads(seeds_dir, kb):
    paragraph = "Officials met on day {n} to discuss tariffs on {n} goods, and the talks went on.\n"
    lines = []
    size = 0
    n = 0
    while size < 5_000_000:
        line = paragraph.format(n=n)
        lines.append(line)
        size += len(line)
        n += 1
    (seeds_dir / "big.txt").write_text("".join(lines), encoding="utf-8")
    [article], problems = load_articles(seeds_dir)
    assert problems == []
    assert len(article.paragraphs) == n


def test_too_large_article_refused(seeds_dir):
    (seeds_dir / "huge.txt").write_bytes(b"Words. " * 1000)
    articles, problems = load_articles(seeds_dir, max_bytes=100)
    assert articles == [] and "too large" in problems[0].reason


def test_missing_seeds_folder(tmp_path):
    articles, problems = load_articles(tmp_path / "nope")
    assert articles == [] and problems[0].reason == "seeds folder not found"


def test_parse_article_raises_article_error():
    with pytest.raises(ArticleError):
        parse_article("x.txt", b"\xff\xfe\xfa")


def _reload(seeds_dir, known):
    articles, problems = load_articles(seeds_dir, known={a.source: a for a in known})
    assert not problems
    return {a.source: a for a in articles}


def test_a_reload_keeps_unchanged_articles_and_parses_changed_ones(seeds_dir):
    """Same bytes and metadata: the article already held is kept as it is. Edited bytes, or a
    sidecar changed alone, are parsed again."""
    import dataclasses

    (seeds_dir / "a.md").write_text("# Test fixture A\n\nTalks resumed in Geneva on Saturday.\n")
    (seeds_dir / "b.md").write_text("# Test fixture B\n\nTariffs fell to 30% in May.\n")
    (seeds_dir / "c.md").write_text("# Test fixture C\n\nThe truce was extended in August.\n")
    first, _ = load_articles(seeds_dir)
    (seeds_dir / "b.md").write_text("# Test fixture B\n\nTariffs fell to 30% on May 14.\n")
    (seeds_dir / "c.meta.yaml").write_text("title: Sidecar title\n")
    again = _reload(seeds_dir, first)
    before = {a.source: a for a in first}
    assert again["a.md"] is before["a.md"]
    assert "May 14" in again["b.md"].text and again["b.md"] is not before["b.md"]
    assert again["c.md"].title == "Sidecar title"
    # an article with the same bytes that this process's parser did not make (one read back from
    # the knowledge store, perhaps by an older version) is parsed again
    stored = dataclasses.replace(before["a.md"], title="Stale title")
    assert _reload(seeds_dir, [stored])["a.md"].title == "Test fixture A"
