"""A real PostgreSQL server for the tests, started from the binaries the ``pgserver`` wheel ships.

``make test`` installs pgserver with the test extras, so a fresh machine needs nothing else: no
system package, no Docker. One server runs per test session (a Unix socket in a temporary
folder, stopped at exit); each test that asks gets a database of its own on it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterator

import asyncpg
from yarl import URL

_numbers = itertools.count(1)


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """A server in a new temporary folder, its ``postgres`` database's URL; stopped and deleted
    after. The folder is not under pytest's (private, 0700) tmp root: when run as root, the
    server runs as a system user of its own, which must reach its data folder."""
    import pgserver  # imported here: only the tests that use PostgreSQL pay for it

    folder = tempfile.mkdtemp(prefix="dispute-bot-postgres-")
    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


async def new_database(server_url: str) -> str:
    """A new, empty database on the server; returns its URL."""
    name = f"test_{os.getpid()}_{next(_numbers)}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = URL(server_url)
    return str(url.with_path(f"/{name}").with_query(url.query))  # the query names the socket


async def fetch_value(url: str, sql: str) -> object:
    """One value, read straight from the database over a connection of its own (not the
    project's store): what a test checks the store against."""
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()
