"""Reloads you can trust: diffs, failures that keep the old index serving, serialised reloads."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.knowledge_service import KnowledgeService, ReloadError
from tests.conftest import ROOT, SEED


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder of the test's own: real config, real seed article."""
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "knowledge.yaml", tmp_path / "config" / "knowledge.yaml")
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    return tmp_path


@pytest.fixture
async def service(project: Path) -> KnowledgeService:
    service = KnowledgeService(project / "config" / "knowledge.yaml")
    await service.load()
    return service


async def test_reload_reports_added_changed_removed(project: Path, service: KnowledgeService):
    seeds = project / "seeds"
    (seeds / "geneva.md").write_text("# Talks in Geneva\n\nOfficials met in Geneva on May 10.\n")
    report = await service.reload()
    assert report.added == ("geneva.md",) and report.changed == () and report.removed == ()
    assert report.sentences == len(service.kb) == 15
    (seeds / "geneva.md").write_text("# Talks in Geneva\n\nOfficials met in Geneva on May 11.\n")
    (seeds / SEED.name).unlink()
    report = await service.reload()
    assert report.changed == ("geneva.md",) and report.removed == (SEED.name,)
    assert "Removed: `000_24966dab544a0349.txt`" in report.summary()
    answer = await service.ask("where did officials meet?")
    assert answer.answered and "Geneva" in answer.quotes[0].text


async def test_broken_config_keeps_the_old_index(project: Path, service: KnowledgeService):
    before = service.kb
    (project / "config" / "knowledge.yaml").write_text("retrieval: [broken\n")
    with pytest.raises(ReloadError, match="invalid YAML"):
        await service.reload()
    assert service.kb is before
    assert (await service.ask("is China negotiating?")).answered


async def test_article_broken_by_an_edit_keeps_its_previous_version(
    project: Path, service: KnowledgeService
):
    (project / "seeds" / SEED.name).write_bytes(b"\xff\xfe broken \x00")
    report = await service.reload()
    assert report.kept == (SEED.name,)
    assert "previous version kept" in report.summary()
    assert len(service.kb) == 13
    assert (await service.ask("who is Guo Jiakun?")).answered


async def test_new_broken_article_is_skipped_and_named(project: Path, service: KnowledgeService):
    (project / "seeds" / "bad.txt").write_bytes("caf\u00e9".encode("latin-1"))
    report = await service.reload()
    assert report.added == () and [p.source for p in report.problems] == ["bad.txt"]
    assert "`bad.txt`: not valid UTF-8" in report.summary()


async def test_missing_seeds_folder_fails_the_reload(project: Path, service: KnowledgeService):
    shutil.rmtree(project / "seeds")
    with pytest.raises(ReloadError, match="not found"):
        await service.reload()
    assert len(service.kb) == 13


async def test_reloads_are_serialised_and_questions_keep_being_answered(
    project: Path, service: KnowledgeService
):
    for n in range(10):
        (project / "seeds" / f"extra{n}.txt").write_text(
            "".join(f"Tariff round {n}.{k} was discussed at length.\n" for k in range(20))
        )
    reloads = [asyncio.create_task(service.reload()) for _ in range(3)]
    answers = []
    while not all(r.done() for r in reloads):
        answers.append(await service.ask("is there a stalemate?"))
        await asyncio.sleep(0.005)
    reports = [await r for r in reloads]
    assert reports[0].added and reports[1].added == () and reports[2].added == ()
    assert answers and all(a.answered for a in answers)


@pytest.fixture
async def storage(tmp_path: Path):
    from bot.storage.storage import Storage

    opened = await Storage.open(tmp_path / "var" / "bot.sqlite3")
    yield opened
    await opened.close()


async def test_restart_serves_the_stored_generation_without_the_seeds(project: Path, storage):
    first = KnowledgeService(project / "config" / "knowledge.yaml", storage.knowledge)
    await first.load()
    assert first.generation == 1
    shutil.rmtree(project / "seeds")  # what is served now comes from the database alone
    again = KnowledgeService(project / "config" / "knowledge.yaml", storage.knowledge)
    await again.load()
    assert again.generation == 1
    assert [s.text for s in again.kb.sentences] == [s.text for s in first.kb.sentences]
    assert (await again.ask("who is Guo Jiakun?")).answered


async def test_reload_is_swapped_in_only_after_it_commits(project: Path, storage):
    service = KnowledgeService(project / "config" / "knowledge.yaml", storage.knowledge)
    await service.load()
    before = service.kb
    (project / "seeds" / "new.txt").write_text("Negotiators met in Geneva on Saturday.\n")
    await storage.db.close()  # the next commit cannot happen
    with pytest.raises(ReloadError):
        await service.reload()
    assert service.kb is before and service.generation == 1


async def test_a_reload_analyses_only_the_articles_that_changed(tmp_path):
    """The second build reuses each unchanged article's analysis (by content hash) and gives a
    knowledge base equal to a cold build's: terms, names, spelling dictionary, leaning."""
    import shutil

    from knowledge import index
    from knowledge.config import load_knowledge_config
    from knowledge.index import load_knowledge_base
    from tests.conftest import ROOT

    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(ROOT / "config" / "knowledge.yaml", config / "knowledge.yaml")
    shutil.copytree(ROOT / "tests" / "data" / "timeline", tmp_path / "seeds")
    service = KnowledgeService(config / "knowledge.yaml")
    await service.load()
    analysed: list[str] = []
    real = index.analyse_articles

    def counting(articles, analyzer, spans=None, **options):
        analysed.extend(a.source for a in articles)
        return real(articles, analyzer, spans, **options)

    index.analyse_articles = counting
    try:
        edited = tmp_path / "seeds" / "020_geneva_truce.md"
        edited.write_text(edited.read_text() + "\nA sentence added later.\n")
        await service.reload()
    finally:
        index.analyse_articles = real
    assert analysed == ["020_geneva_truce.md"]
    warm = service.kb
    cold = load_knowledge_base(load_knowledge_config(config / "knowledge.yaml"))
    assert warm.terms == cold.terms and warm.names == cold.names
    assert [s.text for s in warm.sentences] == [s.text for s in cold.sentences]
    assert all(warm.cues.leans(i) == cold.cues.leans(i) for i in range(len(cold)))
    assert warm.speller.correct_text("tarrifs") == cold.speller.correct_text("tarrifs")
