"""The knowledge base on disk, as numbered generations, so a restart needs no re-splitting.

A generation is the list of sources one (re)load served: path, title, metadata, and a reference to
the document (decoded text, paragraphs, sentence spans) stored once by the file's sha256 and shared
by every generation that uses it. A new generation is written and made current in one
transaction: if anything fails half-way, or the process dies, the previous one is still complete
and current.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database, Session, Transaction, chunks, utc_iso, utcnow
from knowledge.article_analysis import Spans
from knowledge.ingest import article_date
from knowledge.model import Article, Kind, Metadata, Paragraph

log = logging.getLogger(__name__)

KEEP_GENERATIONS = 3
GENERATIONS = "dispute_bot_generation"  # lock and notification channel of generation saves
WRITE_CHUNK = 100  # documents per round of inserts (and per progress call)

Progress = Callable[[int, int], None]  # (documents written, documents to write)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: str
    title: str
    sentences: int
    published: str | None
    ingested_at: str  # when this path first had these bytes (UTC ISO)
    publisher: str | None
    url: str | None
    sha256: str


@dataclass(frozen=True, slots=True)
class StoredGeneration:
    id: int
    articles: list[Article]
    spans: dict[str, Spans]  # by article sha256


@dataclass(frozen=True, slots=True)
class GenerationInfo:
    id: int
    created_at: str
    sentences: int  # sentence spans over all its sources (before repeats are dropped)
    sources: int
    current: bool


@dataclass(frozen=True, slots=True)
class _Document:
    sha256: str
    content: str
    paragraphs: list[tuple[int, str, int, str]]  # number, kind, start, text
    sentences: list[tuple[int, int, int, int, str]]  # position, paragraph, start, stop, text


class KnowledgeStore:
    """Generations of the knowledge base. Give it a session of its own (``open`` does)."""

    def __init__(
        self,
        session: Session,
        *,
        keep: int = KEEP_GENERATIONS,
        clock: Callable[[], datetime] = utcnow,
        db: Database | None = None,
    ) -> None:
        if keep < 1:
            raise ValueError("keep: at least the current generation must be kept")
        self._session = session
        self._keep = keep
        self._clock = clock
        self._db = db  # where to listen for other processes' generations

    @classmethod
    async def open(cls, db: Database, *, keep: int = KEEP_GENERATIONS) -> KnowledgeStore:
        return cls(await db.session(), keep=keep, db=db)

    async def watch(self, listener: Callable[[str | None], Awaitable[None]]) -> None:
        """Call ``listener`` when any process commits a generation (its id as text), and with
        None when notifications may have been missed. Only PostgreSQL tells; SQLite never calls."""
        if self._db is not None:
            await self._db.listen(GENERATIONS, listener)

    async def save_generation(
        self,
        articles: Sequence[Article],
        spans: Mapping[str, Spans],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Store ``articles`` (in order) as a new generation, make it current; returns its id.

        ``spans`` maps each article's sha256 to its sentence spans (``knowledge.article_analysis.Spans``).
        Everything happens in one transaction, which also prunes old generations. Concurrent calls
        run one after the other (the session lock here, SQLite's write lock across processes).
        """
        documents = _documents(articles, spans)
        now = utc_iso(self._clock())
        sentence_total = sum(len(documents[a.sha256].sentences) for a in articles)
        async with self._session.transaction() as conn:
            await conn.lock(GENERATIONS)  # PostgreSQL: one save at a time across processes
            ids = await _document_ids(conn, list(documents))
            new = [documents[sha] for sha in documents if sha not in ids]
            for done, batch in enumerate(chunks(new, WRITE_CHUNK)):
                ids.update(await _insert_documents(conn, batch))
                if progress is not None:
                    progress(min((done + 1) * WRITE_CHUNK, len(new)), len(new))
            first_seen = await _ingested_at(conn)
            generation = int(
                await conn.fetchval(
                    "INSERT INTO generations(created_at, sentences, sources) VALUES (?, ?, ?)"
                    " RETURNING id",
                    (now, sentence_total, len(articles)),
                )
            )
            await conn.executemany(
                "INSERT INTO generation_sources(generation_id, position, path, document_id, title,"
                " metadata, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        generation,
                        position,
                        a.source,
                        ids[a.sha256],
                        a.title,
                        json.dumps(dataclasses.asdict(a.metadata), ensure_ascii=False),
                        first_seen.get((a.source, a.sha256), now),
                    )
                    for position, a in enumerate(articles)
                ],
            )
            await conn.execute(
                "INSERT INTO current_generation(singleton, generation_id) VALUES (1, ?)"
                " ON CONFLICT(singleton) DO UPDATE SET generation_id = excluded.generation_id",
                (generation,),
            )
            await _prune(conn, self._keep)
            await conn.notify(GENERATIONS, str(generation))  # delivered on commit
        log.info(
            "knowledge generation %d saved: %d sources, %d new documents, %d sentences",
            generation,
            len(articles),
            len(new),
            sentence_total,
        )
        return generation

    async def load_current(self) -> tuple[list[Article], dict[str, Spans]] | None:
        """The current generation's articles (equal to a fresh parse) and spans; None if empty."""
        stored = await self.load_generation()
        return None if stored is None else (stored.articles, stored.spans)

    async def load_generation(self) -> StoredGeneration | None:
        """The current generation, read in one consistent snapshot; None if there is none."""
        async with self._session.transaction(write=False) as conn:  # one consistent snapshot
            generation = await _current(conn)
            if generation is None:
                return None
            sources = await conn.fetchall(
                "SELECT s.path, s.title, s.metadata, s.document_id, d.sha256, d.content"
                " FROM generation_sources s JOIN documents d ON d.id = s.document_id"
                " WHERE s.generation_id = ? ORDER BY s.position",
                (generation,),
            )
            used = "SELECT document_id FROM generation_sources WHERE generation_id = ?"
            paragraph_rows = await conn.fetchall(
                "SELECT document_id, number, kind, start, text FROM paragraphs"
                f" WHERE document_id IN ({used}) ORDER BY document_id, number",
                (generation,),
            )
            span_rows = await conn.fetchall(
                "SELECT document_id, paragraph, start, stop FROM sentences"
                f" WHERE document_id IN ({used}) ORDER BY document_id, position",
                (generation,),
            )
        paragraphs: dict[int, list[Paragraph]] = {}
        for row in paragraph_rows:
            paragraphs.setdefault(row["document_id"], []).append(
                Paragraph(row["number"], Kind(row["kind"]), row["text"], row["start"])
            )
        by_document: dict[int, Spans] = {}
        for row in span_rows:
            by_document.setdefault(row["document_id"], []).append(
                (row["paragraph"], row["start"], row["stop"])
            )
        articles: list[Article] = []
        spans: dict[str, Spans] = {}
        for row in sources:
            metadata = _metadata(row["metadata"])
            kept = tuple(paragraphs.get(row["document_id"], ()))
            articles.append(
                Article(
                    source=row["path"],
                    text=row["content"],
                    title=row["title"],
                    metadata=metadata,
                    paragraphs=kept,
                    sha256=row["sha256"],
                    date=article_date(metadata, kept),
                )
            )
            spans[row["sha256"]] = list(by_document.get(row["document_id"], ()))
        return StoredGeneration(generation, articles, spans)

    async def current_generation(self) -> int | None:
        row = await self._session.fetchone("SELECT generation_id FROM current_generation")
        return int(row[0]) if row else None

    async def known_spans(self, sha256s: Iterable[str]) -> dict[str, Spans]:
        """Stored spans of whichever of these documents the database holds."""
        return {
            sha: [(p, start, stop) for p, start, stop, _text in rows]
            for sha, rows in (await self._stored_sentences(sha256s)).items()
        }

    async def reusable_spans(self, articles: Iterable[Article]) -> dict[str, Spans]:
        """``known_spans`` for freshly parsed articles, keeping only spans that still fit them.

        The stored spans were cut from the paragraphs of an earlier parse; if the ingest code
        has changed how a file is cut into paragraphs since, that file is left out (and re-split).
        """
        articles = list(articles)
        stored = await self._stored_sentences(a.sha256 for a in articles)
        reusable: dict[str, Spans] = {}
        for article in articles:
            rows = stored.get(article.sha256)
            if rows is not None and _fits(article, rows):
                reusable[article.sha256] = [(p, start, stop) for p, start, stop, _ in rows]
        return reusable

    async def list_sources(self) -> list[SourceInfo]:
        """The current generation's sources, in knowledge-base order."""
        rows = await self._session.fetchall(
            "SELECT s.path, s.title, s.metadata, s.ingested_at, d.sha256, d.sentences"
            " FROM current_generation c"
            " JOIN generation_sources s ON s.generation_id = c.generation_id"
            " JOIN documents d ON d.id = s.document_id ORDER BY s.position"
        )
        out: list[SourceInfo] = []
        for row in rows:
            metadata = _metadata(row["metadata"])
            out.append(
                SourceInfo(
                    path=row["path"],
                    title=row["title"],
                    sentences=row["sentences"],
                    published=metadata.published,
                    ingested_at=row["ingested_at"],
                    publisher=metadata.publisher,
                    url=metadata.url,
                    sha256=row["sha256"],
                )
            )
        return out

    async def generations(self) -> list[GenerationInfo]:
        rows = await self._session.fetchall(
            "SELECT g.id, g.created_at, g.sentences, g.sources,"
            " g.id IN (SELECT generation_id FROM current_generation) AS current"
            " FROM generations g ORDER BY g.id"
        )
        return [
            GenerationInfo(
                r["id"], r["created_at"], r["sentences"], r["sources"], bool(r["current"])
            )
            for r in rows
        ]

    async def prune(self, keep: int | None = None) -> int:
        """Delete all but the newest ``keep`` generations (never the current one) and documents
        no generation uses any more; returns how many generations went."""
        keep = self._keep if keep is None else keep
        if keep < 1:
            raise ValueError("keep: at least the current generation must be kept")
        async with self._session.transaction() as conn:
            return await _prune(conn, keep)

    async def _stored_sentences(
        self, sha256s: Iterable[str]
    ) -> dict[str, list[tuple[int, int, int, str]]]:
        wanted = sorted(set(sha256s))
        out: dict[str, list[tuple[int, int, int, str]]] = {}
        async with self._session.transaction(write=False) as conn:
            for batch in chunks(wanted):
                marks = ", ".join("?" * len(batch))
                documents = await conn.fetchall(
                    f"SELECT sha256 FROM documents WHERE sha256 IN ({marks})", batch
                )
                out.update({row["sha256"]: [] for row in documents})
                rows = await conn.fetchall(
                    "SELECT d.sha256, s.paragraph, s.start, s.stop, s.text"
                    " FROM documents d JOIN sentences s ON s.document_id = d.id"
                    f" WHERE d.sha256 IN ({marks}) ORDER BY d.id, s.position",
                    batch,
                )
                for row in rows:
                    out[row["sha256"]].append(
                        (row["paragraph"], row["start"], row["stop"], row["text"])
                    )
        return out


def _documents(articles: Sequence[Article], spans: Mapping[str, Spans]) -> dict[str, _Document]:
    """Check the input and cut the rows to store, before any transaction is opened."""
    paths = [a.source for a in articles]
    if len(set(paths)) != len(paths):
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        raise ValueError(f"a generation lists each source once; repeated: {repeated[:3]}")
    documents: dict[str, _Document] = {}
    for article in articles:
        if article.sha256 in documents:
            continue
        article_spans = spans.get(article.sha256)
        if article_spans is None:
            raise ValueError(f"no sentence spans for {article.source} ({article.sha256[:12]}…)")
        paragraphs = {p.number: p for p in article.paragraphs}
        sentences: list[tuple[int, int, int, int, str]] = []
        for position, (number, start, stop) in enumerate(article_spans):
            paragraph = paragraphs.get(number)
            if paragraph is None or not 0 <= start <= stop <= len(paragraph.text):
                raise ValueError(
                    f"{article.source}: span {(number, start, stop)} is outside its paragraph"
                )
            sentences.append((position, number, start, stop, paragraph.text[start:stop]))
        documents[article.sha256] = _Document(
            article.sha256,
            article.text,
            [(p.number, p.kind.value, p.start, p.text) for p in article.paragraphs],
            sentences,
        )
    return documents


async def _document_ids(conn: Transaction, sha256s: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for batch in chunks(sha256s):
        marks = ", ".join("?" * len(batch))
        rows = await conn.fetchall(
            f"SELECT sha256, id FROM documents WHERE sha256 IN ({marks})", batch
        )
        ids.update({row["sha256"]: row["id"] for row in rows})
    return ids


async def _insert_documents(
    conn: Transaction, documents: Sequence[_Document]
) -> dict[str, int]:
    await conn.executemany(
        "INSERT INTO documents(sha256, content, sentences) VALUES (?, ?, ?)",
        [(d.sha256, d.content, len(d.sentences)) for d in documents],
    )
    ids = await _document_ids(conn, [d.sha256 for d in documents])
    await conn.executemany(
        "INSERT INTO paragraphs(document_id, number, kind, start, text) VALUES (?, ?, ?, ?, ?)",
        [(ids[d.sha256], *row) for d in documents for row in d.paragraphs],
    )
    await conn.executemany(
        "INSERT INTO sentences(document_id, position, paragraph, start, stop, text)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(ids[d.sha256], *row) for d in documents for row in d.sentences],
    )
    return ids


async def _current(conn: Transaction) -> int | None:
    value = await conn.fetchval("SELECT generation_id FROM current_generation")
    return None if value is None else int(value)


async def _ingested_at(conn: Transaction) -> dict[tuple[str, str], str]:
    """(path, sha256) → ingested_at in the current generation: an unchanged file keeps its date."""
    rows = await conn.fetchall(
        "SELECT s.path, d.sha256, s.ingested_at FROM current_generation c"
        " JOIN generation_sources s ON s.generation_id = c.generation_id"
        " JOIN documents d ON d.id = s.document_id"
    )
    return {(row["path"], row["sha256"]): row["ingested_at"] for row in rows}


async def _prune(conn: Transaction, keep: int) -> int:
    removed = await conn.execute(
        "DELETE FROM generations WHERE id NOT IN (SELECT id FROM generations ORDER BY id DESC"
        " LIMIT ?) AND id NOT IN (SELECT generation_id FROM current_generation)",
        (keep,),
    )
    if removed:
        await conn.execute(
            "DELETE FROM documents WHERE id NOT IN (SELECT document_id FROM generation_sources)"
        )
    return removed


def _metadata(data: str) -> Metadata:
    values: dict[str, Any] = json.loads(data)
    known = {f.name for f in dataclasses.fields(Metadata)}
    return Metadata(**{k: v for k, v in values.items() if k in known})


def _fits(article: Article, rows: list[tuple[int, int, int, str]]) -> bool:
    """Stored spans still cut this article's paragraphs into the same sentences."""
    paragraphs = {p.number: p.text for p in article.paragraphs}
    if {row[0] for row in rows} != set(paragraphs):
        return False
    return all(
        number in paragraphs and paragraphs[number][start:stop] == text
        for number, start, stop, text in rows
    )
