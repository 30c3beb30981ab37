"""Shared fixtures: the real configuration and the real seed article, loaded once per session."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.config import KnowledgeConfig, load_knowledge_config
from knowledge.index import KnowledgeBase, load_knowledge_base
from tests.postgres_server import new_database, running_server

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_24966dab544a0349.txt"


@pytest.fixture(scope="session")
def config() -> KnowledgeConfig:
    return load_knowledge_config(ROOT / "config" / "knowledge.yaml")


@pytest.fixture(scope="session")
def kb(config: KnowledgeConfig) -> KnowledgeBase:
    return load_knowledge_base(config)


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """An empty seeds folder of the test's own."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    return folder


@pytest.fixture
def config_for(config: KnowledgeConfig):
    """The real configuration pointed at another seeds folder."""

    def make(folder: Path) -> KnowledgeConfig:
        return dataclasses.replace(config, seeds=folder)

    return make


TIMELINE = ROOT / "tests" / "data" / "timeline"


@pytest.fixture(scope="session")
def timeline_kb(config: KnowledgeConfig) -> KnowledgeBase:
    """Ten dated articles of the dispute, April to November 2025 (test fixtures)."""
    return load_knowledge_base(dataclasses.replace(config, seeds=TIMELINE))


@pytest.fixture(scope="session")
def timeline2_kb(config: KnowledgeConfig) -> KnowledgeBase:
    """Nine dated articles of the first trade war, July 2018 to January 2020 (test fixtures)."""
    return load_knowledge_base(dataclasses.replace(config, seeds=TIMELINE.with_name("timeline2")))


@pytest.fixture(scope="session")
def timeline4_kb(config: KnowledgeConfig) -> KnowledgeBase:
    """Eight dated articles on the chip controls and the Section 301 tariffs, October 2021 to
    December 2024 (test fixtures)."""
    return load_knowledge_base(dataclasses.replace(config, seeds=TIMELINE.with_name("timeline4")))


@pytest.fixture(scope="session")
def timeline5_kb(config: KnowledgeConfig) -> KnowledgeBase:
    """Eight dated articles on chips, port fees, Nexperia, TikTok and the Supreme Court's IEEPA
    ruling, August 2025 to February 2026 (test fixtures)."""
    return load_knowledge_base(dataclasses.replace(config, seeds=TIMELINE.with_name("timeline5")))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One real PostgreSQL server for the session (see tests/postgres_server.py)."""
    with running_server() as url:
        yield url


@pytest.fixture
async def postgres_url(postgres_server: str) -> str:
    """A new, empty PostgreSQL database of the test's own."""
    return await new_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a storage test keeps its database: run once on each store."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    return await new_database(request.getfixturevalue("postgres_server"))
