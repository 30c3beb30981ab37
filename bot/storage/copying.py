"""Moving an install from one store to another (``python -m bot migrate-db --to postgresql://…``).

Every table is copied row for row, ids included, in one transaction on the target: generations,
documents, the question log, votes, threads, and ``meta`` with the salt, so askers hashed before
the move keep their pseudonyms after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.storage.database import Database
from bot.storage.migrations import StorageError

BATCH = 5_000

# Parents before children; each with the columns that order its rows.
TABLES: tuple[tuple[str, str], ...] = (
    ("meta", "key"),
    ("documents", "id"),
    ("paragraphs", "document_id, number"),
    ("sentences", "document_id, position"),
    ("generations", "id"),
    ("generation_sources", "generation_id, position"),
    ("current_generation", "singleton"),
    ("questions", "id"),
    ("votes", "question_id, voter"),
    ("threads", "thread_id"),
)
IDENTITY_TABLES = ("documents", "generations", "questions")

Progress = Callable[[str, int], None]  # table, rows copied so far


class TargetNotEmpty(StorageError):
    """The target already holds an install's data; copying would mix two of them."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]  # table → rows copied

    def summary(self) -> str:
        counts = ", ".join(f"{table} {n}" for table, n in self.rows.items())
        return f"copied {sum(self.rows.values())} rows: {counts}"


async def held_rows(db: Database) -> dict[str, int]:
    """Rows per table, not counting the salt every new database makes for itself."""
    counts: dict[str, int] = {}
    for table, _order in TABLES:
        where = " WHERE key <> 'salt'" if table == "meta" else ""
        row = await db.main.fetchone(f"SELECT COUNT(*) FROM {table}{where}")
        counts[table] = int(row[0]) if row else 0
    return counts


async def copy_database(
    source: Database, target: Database, *, replace: bool = False, progress: Progress | None = None
) -> CopyReport:
    """Copy everything ``source`` holds into ``target``, all or nothing.

    A target holding anything but its salt is refused unless ``replace``, which empties it first
    (in the same transaction: a failed copy leaves it as it was).
    """
    held = {table: n for table, n in (await held_rows(target)).items() if n}
    if held and not replace:
        listed = ", ".join(f"{table} {n}" for table, n in held.items())
        raise TargetNotEmpty(
            f"{target.name} is not empty ({listed}): use --replace to overwrite it"
        )
    copied: dict[str, int] = {}
    async with target.main.transaction() as tx:
        for table, _order in reversed(TABLES):
            await tx.execute(f"DELETE FROM {table}")
        for table, order in TABLES:
            copied[table] = 0
            offset = 0
            while True:
                rows = await source.main.fetchall(
                    f"SELECT * FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (BATCH, offset)
                )
                if not rows:
                    break
                columns = list(rows[0].keys())
                marks = ", ".join("?" * len(columns))
                await tx.executemany(
                    f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})",
                    [tuple(row) for row in rows],
                )
                offset += len(rows)
                copied[table] = offset
                if progress is not None:
                    progress(table, offset)
        if target.kind == "postgresql":  # new rows must not reuse the copied ids
            for table in IDENTITY_TABLES:
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
    target.salt = source.salt
    return CopyReport(copied)
