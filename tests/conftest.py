"""Shared fixtures: the real configuration and the real seed article, loaded once per session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from knowledge.config import KnowledgeConfig, load_knowledge_config
from knowledge.index import KnowledgeBase, load_knowledge_base

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
