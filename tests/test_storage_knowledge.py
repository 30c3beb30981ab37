"""Knowledge generations: round trip equal to a fresh parse, sharing, pruning, and all-or-nothing
saves (an exception inside the transaction, a process killed half-way, two saves at once)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sqlite3
import sys
import textwrap
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

import knowledge.index
from bot.storage import Database, KnowledgeStore
from knowledge.article_analysis import Spans, article_spans
from knowledge.config import KnowledgeConfig
from knowledge.index import build_knowledge_base
from knowledge.ingest import parse_article
from knowledge.model import Article, Paragraph

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_24966dab544a0349.txt"

TRICKY = (
    "\ufeff---\ntitle: Tariffs, again\nsource: Example Wire\ndate: 2025-04-26\n---\r\n"
    "**Talks stall as both sides dig in**\r\n\r\n"
    "Officials met in Geneva. Neither side moved.\r\n"
    "A second paragraph wraps\r\nonto two lines without ending punctuation\r\n"
    "and ends here.\r\n"
)


def article(name: str, body: str | bytes, sidecar: dict | None = None) -> Article:
    raw = body.encode() if isinstance(body, str) else body
    return parse_article(name, raw, sidecar)


def simple(name: str, words: str = "") -> Article:
    """A quick article whose spans are its paragraphs (no sentence splitter needed)."""
    return article(name, f"**{name} headline**\n\nFirst paragraph {words} {name}.\n\nSecond one.\n")


def paragraph_spans(articles: Sequence[Article]) -> dict[str, Spans]:
    return {a.sha256: [(p.number, 0, len(p.text)) for p in a.paragraphs] for a in articles}


def real_spans(articles: Sequence[Article]) -> dict[str, Spans]:
    return {a.sha256: article_spans(a) for a in articles}


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    """The same tests on each store: a SQLite file and a PostgreSQL database."""
    database = await Database.open(database_target)
    yield database
    await database.close()


@pytest.fixture
async def store(db: Database) -> KnowledgeStore:
    return await KnowledgeStore.open(db)


async def count(db: Database, table: str) -> int:
    assert table.isidentifier()
    return (await db.main.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]


async def test_empty_database_has_no_generation(store: KnowledgeStore) -> None:
    assert await store.load_current() is None
    assert await store.current_generation() is None
    assert await store.list_sources() == []
    assert await store.known_spans(["ab" * 32]) == {}


async def test_loaded_articles_equal_a_fresh_parse_and_index_without_splitting(
    tmp_path: Path, config: KnowledgeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = article(SEED.name, SEED.read_bytes())
    tricky = article("wire/tricky.md", TRICKY, {"url": "https://example.com/t", "title": "Side"})
    assert tricky.text != TRICKY  # BOM and CRLF gone: the hash is of bytes the text no longer is
    articles = [seed, tricky]
    spans = real_spans(articles)
    path = tmp_path / "kb.db"
    async with await Database.open(path) as db:
        store = await KnowledgeStore.open(db)
        generation = await store.save_generation(articles, spans)
        assert generation == await store.current_generation() == 1

    async with await Database.open(path) as db:  # a restart
        loaded = await (await KnowledgeStore.open(db)).load_current()
    assert loaded is not None
    loaded_articles, loaded_spans = loaded
    fresh = [
        article(SEED.name, SEED.read_bytes()),
        article("wire/tricky.md", TRICKY, {"url": "https://example.com/t", "title": "Side"}),
    ]
    assert loaded_articles == fresh
    assert loaded_articles[1].metadata.publisher == "Example Wire"
    assert loaded_spans == spans

    # The rebuilt index is the same, and it is built without the sentence splitter.
    expected = build_knowledge_base(fresh, _analyzer(config), config.retrieval)

    def no_splitting(_article: Article) -> Spans:
        raise AssertionError("re-split an article the database already had")

    monkeypatch.setattr(knowledge.index, "article_spans", no_splitting)
    rebuilt = build_knowledge_base(
        loaded_articles, _analyzer(config), config.retrieval, cache=dict(loaded_spans)
    )
    assert rebuilt.sentences == expected.sentences


def _analyzer(config: KnowledgeConfig):
    from knowledge.analysis import Analyzer

    return Analyzer.from_aliases(config.aliases)


async def test_documents_are_shared_and_ingested_at_survives_unchanged_files(db: Database) -> None:
    times = iter(datetime(2025, 5, day, tzinfo=UTC) for day in (1, 2, 3))
    store = KnowledgeStore(await db.session(), clock=lambda: next(times))
    a, b, c = simple("a.txt"), simple("b.txt"), simple("c.txt")
    b2 = simple("b.txt", "edited")
    await store.save_generation([a, b], paragraph_spans([a, b]))
    await store.save_generation([a, b2, c], paragraph_spans([a, b2, c]))
    assert await count(db, "documents") == 4  # a stored once for both generations
    sources = {s.path: s for s in await store.list_sources()}
    assert list(sources) == ["a.txt", "b.txt", "c.txt"]
    assert sources["a.txt"].ingested_at.startswith("2025-05-01")  # unchanged since gen 1
    assert sources["b.txt"].ingested_at.startswith("2025-05-02")  # new bytes
    assert sources["c.txt"].sha256 == c.sha256 and sources["c.txt"].sentences == 3

    # A third generation going back to the old b reuses its document.
    await store.save_generation([a, b], paragraph_spans([a, b]))
    assert await count(db, "documents") == 4
    generations = await store.generations()
    assert [(g.id, g.sources, g.sentences, g.current) for g in generations] == [
        (1, 2, 6, False),
        (2, 3, 9, False),
        (3, 2, 6, True),
    ]


async def test_list_sources_reports_metadata(store: KnowledgeStore) -> None:
    meta = {"title": "Sidecar title", "publisher": "Wire", "published": "2025-04-25", "url": "u"}
    item = article("x.txt", "Just one paragraph. With two sentences.\n", meta)
    await store.save_generation([item], real_spans([item]))
    [info] = await store.list_sources()
    assert (info.path, info.title, info.sentences) == ("x.txt", "Sidecar title", 2)
    assert (info.published, info.publisher, info.url) == ("2025-04-25", "Wire", "u")
    assert datetime.fromisoformat(info.ingested_at).tzinfo is not None


async def test_prune_keeps_the_newest_generations_and_used_documents(db: Database) -> None:
    store = KnowledgeStore(await db.session(), keep=2)
    shared = simple("shared.txt")
    for n in range(4):
        items = [shared, simple(f"only{n}.txt")]
        await store.save_generation(items, paragraph_spans(items))
    assert [g.id for g in await store.generations()] == [3, 4]
    assert await count(db, "documents") == 3  # shared, only2, only3
    assert await count(db, "sentences") == 3 * 3  # sentences of pruned documents went too
    assert await count(db, "paragraphs") == 3 * 3
    assert await store.prune(keep=1) == 1
    assert [g.id for g in await store.generations()] == [4]
    assert await count(db, "documents") == 2


async def test_known_and_reusable_spans(store: KnowledgeStore) -> None:
    seed = article(SEED.name, SEED.read_bytes())
    spans = real_spans([seed])
    await store.save_generation([seed], spans)
    unknown = "0" * 64
    assert await store.known_spans([seed.sha256, unknown]) == spans
    assert await store.reusable_spans([seed]) == spans
    # Same bytes, but paragraphs cut differently (as by a changed ingest): not reused.
    first = seed.paragraphs[0]
    reparsed = dataclasses.replace(
        seed,
        paragraphs=(Paragraph(1, first.kind, first.text[:10], first.start), *seed.paragraphs[1:]),
    )
    assert await store.reusable_spans([reparsed]) == {}


async def test_bad_input_is_refused_before_anything_is_written(
    db: Database, store: KnowledgeStore
) -> None:
    a = simple("a.txt")
    with pytest.raises(ValueError, match="no sentence spans"):
        await store.save_generation([a], {})
    with pytest.raises(ValueError, match="repeated"):
        await store.save_generation([a, a], paragraph_spans([a]))
    with pytest.raises(ValueError, match="outside its paragraph"):
        await store.save_generation([a], {a.sha256: [(1, 0, 10_000)]})
    assert await count(db, "generations") == 0


async def test_exception_inside_the_transaction_keeps_the_previous_generation(
    db: Database, store: KnowledgeStore
) -> None:
    old = [simple("a.txt"), simple("b.txt")]
    await store.save_generation(old, paragraph_spans(old))
    before = await store.load_current()
    new = [simple(f"new{i}.txt") for i in range(250)]  # three chunks of writes

    def fail_half_way(done: int, total: int) -> None:
        if done > total / 2:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        await store.save_generation(new, paragraph_spans(new), progress=fail_half_way)
    assert await store.load_current() == before
    assert await store.current_generation() == 1
    assert await count(db, "documents") == 2 and await count(db, "generations") == 1
    assert await store.save_generation(new, paragraph_spans(new)) == 2  # and it recovers


async def test_concurrent_saves_are_serialised(database_target: str | Path) -> None:
    path = database_target
    async with await Database.open(path) as db, await Database.open(path) as other:
        store = await KnowledgeStore.open(db, keep=10)
        elsewhere = await KnowledgeStore.open(other, keep=10)  # another process, in effect
        batches = [[simple(f"g{g}-{i}.txt") for i in range(120)] for g in range(4)]
        ids = await asyncio.gather(
            store.save_generation(batches[0], paragraph_spans(batches[0])),
            store.save_generation(batches[1], paragraph_spans(batches[1])),
            elsewhere.save_generation(batches[2], paragraph_spans(batches[2])),
            elsewhere.save_generation(batches[3], paragraph_spans(batches[3])),
        )
        assert sorted(ids) == [1, 2, 3, 4]
        generations = await store.generations()
        assert [g.sources for g in generations] == [120] * 4
        current = await store.current_generation()
        assert current == max(ids)  # the last one to commit
        loaded = await store.load_current()
        assert loaded is not None
        assert loaded[0] == batches[ids.index(current)]
        assert await db.integrity_check() == ["ok"]


WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.storage import Database, KnowledgeStore
    from knowledge.ingest import parse_article

    def text(i):
        paragraphs = [
            f"Paragraph {n} of bulk article {i} says something about tariffs. " * 8
            for n in range(40)
        ]
        return "\\n\\n".join(paragraphs).encode()

    def hold(done, total):
        if done >= total // 2:
            print("began", flush=True)
            time.sleep(60)  # the transaction stays open until the test kills us

    async def main(path, count):
        db = await Database.open(path)
        store = await KnowledgeStore.open(db)
        articles = [parse_article(f"bulk/{i:04d}.txt", text(i)) for i in range(count)]
        spans = {a.sha256: [(p.number, 0, len(p.text)) for p in a.paragraphs] for a in articles}
        await store.save_generation(articles, spans, progress=hold)
        print("finished", flush=True)

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    """
)


async def test_a_process_killed_while_saving_leaves_the_previous_generation(
    tmp_path: Path, database_target: str | Path
) -> None:
    path = database_target
    seed = article(SEED.name, SEED.read_bytes())
    async with await Database.open(path) as db:
        store = await KnowledgeStore.open(db)
        await store.save_generation([seed], real_spans([seed]))
        before = await store.load_current()

    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        str(path),
        "400",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        if line.strip() != b"began":
            raise AssertionError(f"writer: {line!r} {await proc.stderr.read()!r}")
        if isinstance(path, Path):
            # Half the generation (~12 MB) is written and uncommitted; much of it in the WAL.
            assert path.with_name(path.name + "-wal").stat().st_size > 1_000_000
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL

    async with await Database.open(path) as db:
        assert await db.integrity_check() == ["ok"]
        store = await KnowledgeStore.open(db)
        assert await store.current_generation() == 1
        assert await store.load_current() == before
        assert await count(db, "documents") == 1
        assert [g.id for g in await store.generations()] == [1]
    if isinstance(path, Path):
        with sqlite3.connect(path) as conn:  # and SQLite itself agrees, on a fresh connection
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
