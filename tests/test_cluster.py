"""Beyond one process: a shared PostgreSQL store, reloads that reach every process, moving an
install from SQLite, and two bot processes running one shard each against the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.knowledge_service import KnowledgeService
from bot.storage import Database, Storage
from tests.cluster_harness import BotProcess, live_shards, write_bot_config
from tests.conftest import ROOT, TIMELINE
from tests.discord_bot_harness import make_project
from tests.discord_emulator import DiscordEmulator, EmulatorConfig
from tests.postgres_server import fetch_value, new_database

BUSAN = TIMELINE / "080_busan_summit.md"
BUSAN_QUESTION = "what did Trump and Xi agree in Busan?"


async def served(service: KnowledgeService, generation: int | None, timeout: float) -> float:
    """Seconds until ``service`` serves ``generation``; fails after ``timeout``."""
    started = time.perf_counter()
    while service.generation != generation:
        if time.perf_counter() - started > timeout:
            raise AssertionError(f"still serving {service.generation}, not {generation}")
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def process(project: Path, url: str) -> AsyncIterator[KnowledgeService]:
    """What one bot process holds: its storage and knowledge service, following the store."""
    storage = await Storage.open(url)
    try:
        service = KnowledgeService(project, storage.knowledge)
        await service.load()
        await service.follow_store()
        yield service
    finally:
        await storage.close()


async def test_a_reload_anywhere_is_served_everywhere_within_two_seconds(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = make_project(tmp_path / "first")
    second = make_project(tmp_path / "second")  # its own seeds/: it never reads them here
    async with process(first, postgres_url) as one, process(second, postgres_url) as other:
        assert one.generation == other.generation == 1
        before = await other.ask(BUSAN_QUESTION)
        assert not any(q.sentence.source == BUSAN.name for q in before.quotes)

        shutil.copy(BUSAN, first.parent.parent / "seeds" / BUSAN.name)
        report = await one.reload()
        assert report.added == (BUSAN.name,) and one.generation == 2
        waited = await served(other, 2, timeout=2.0)
        after = await other.ask(BUSAN_QUESTION)
        assert after.answered and after.quotes[0].sentence.source == BUSAN.name
        assert BUSAN.name in other.kb.by_source
        print(f"second process served generation 2 {waited * 1000:.0f} ms after the commit")

        # The listening connection drops (server restart, network): notifications sent meanwhile
        # are lost, so the process catches up when it is back.
        (second.parent.parent / "seeds" / "extra.md").write_text("not read by anyone here\n")
        (first.parent.parent / "seeds" / BUSAN.name).unlink()
        admin = await asyncpg.connect(postgres_url)
        try:
            dropped = await admin.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
            assert dropped >= 2  # both processes listen
            await one.reload()  # generation 3, possibly while the other is away
        finally:
            await admin.close()
        await served(other, 3, timeout=5.0)
        assert BUSAN.name not in other.kb.by_source
    assert "listening on dispute_bot_generation again" in caplog.text


async def test_a_process_started_later_serves_the_current_generation(
    tmp_path: Path, postgres_url: str
) -> None:
    first = make_project(tmp_path / "first")
    shutil.copy(BUSAN, first.parent.parent / "seeds" / BUSAN.name)
    async with process(first, postgres_url) as one:
        await one.reload()
        late = make_project(tmp_path / "late")  # only the seed in its folder
        async with process(late, postgres_url) as other:
            assert other.generation == one.generation
            assert sorted(other.kb.by_source) == sorted(one.kb.by_source)


def bot_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, "DISCORD_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_index_and_ask_from_postgresql_then_move_a_sqlite_install(
    tmp_path: Path, postgres_server: str
) -> None:
    config = make_project(tmp_path / "p")
    sqlite = tmp_path / "bot.sqlite3"
    common = ["--config", str(config)]
    # An existing SQLite install: a generation and two logged questions.
    assert bot_cli(*common, "--database", str(sqlite), "index").returncode == 0
    for question in ("is China negotiating?", "what is the capital of France?"):
        assert bot_cli(*common, "--database", str(sqlite), "ask", question).returncode == 0

    url = asyncio.run(new_database(postgres_server))
    indexed = bot_cli(*common, "index", "--database", url)  # options after the command too
    assert indexed.returncode == 0, indexed.stderr
    assert indexed.stdout.startswith("Generation 1.")
    asked = bot_cli(*common, "ask", "--database", url, "--json", "is China negotiating?")
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert reply["answered"] and reply["quotes"][0]["source"] == "000_24966dab544a0349.txt"

    refused = bot_cli(*common, "--database", str(sqlite), "migrate-db", "--to", url)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr and "--replace" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    moved = bot_cli(*common, "--database", str(sqlite), "migrate-db", "--to", url, "--replace")
    assert moved.returncode == 0, moved.stderr
    assert "questions 2" in moved.stdout and "generations 1" in moved.stdout

    stats = bot_cli(*common, "--database", url, "unanswered", "--days", "1")
    assert "capital of France" in stats.stdout
    asked_again = bot_cli(*common, "--database", url, "ask", "is China negotiating?")
    assert asked_again.returncode == 0 and "> " in asked_again.stdout
    salts = asyncio.run(_salts(sqlite, url))
    assert salts[0] == salts[1]  # askers hashed before the move keep their pseudonyms

    missing = bot_cli(*common, "--database", str(tmp_path / "none.db"), "migrate-db", "--to", url)
    assert missing.returncode == 2 and "no database to copy" in missing.stderr


async def _salts(sqlite: Path, url: str) -> tuple[str, str]:
    async with await Database.open(sqlite) as a, await Database.open(url) as b:
        return a.salt, b.salt


# -- two bot processes, one shard each, one PostgreSQL database ----------------------------------


async def logged(url: str) -> int:
    """Questions in the shared log."""
    return int(await fetch_value(url, "SELECT COUNT(*) FROM questions"))


async def until(count: Callable[[], Awaitable[int]], expected: int, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while await count() != expected:
            await asyncio.sleep(0.05)


async def replies_in(emu: DiscordEmulator, channel_id: int) -> list[dict]:
    return [r.json for r in emu.requests_to("POST", f"/channels/{channel_id}/messages") if r.ok]


async def test_two_processes_one_shard_each_share_one_database(
    tmp_path: Path, postgres_url: str
) -> None:
    config = make_project(tmp_path / "p")
    async with DiscordEmulator(EmulatorConfig(shards=2)) as emu:
        worlds = []
        while {w.guild.id >> 22 & 1 for w in worlds} != {0, 1}:  # a guild on each shard
            worlds.append(emu.add_standard_guild(f"Trade Talks {len(worlds)}"))
        world = {(w.guild.id >> 22) % 2: w for w in worlds}
        write_bot_config(config, [w.channel.id for w in worlds])
        bots = [BotProcess(emu, config, postgres_url, str(shard)) for shard in (0, 1)]
        try:
            for bot in bots:  # one after the other: the first stores generation 1
                await bot.start()
            sessions = live_shards(emu)
            assert sessions == [(0, 2), (1, 2)]

            # Each question is answered once, by the process running its guild's shard.
            for shard in (0, 1):
                await emu.dispatch_message(
                    world[shard].channel, "is China negotiating?", author=world[shard].member
                )
            for shard in (0, 1):
                await emu.wait_for_request("POST", f"/channels/{world[shard].channel.id}/messages")
            await asyncio.sleep(1.0)  # time for a second, wrong answer to show up
            for shard in (0, 1):
                assert len(await replies_in(emu, world[shard].channel.id)) == 1

            # /reload through shard 0's process; shard 1's process serves it within 2 s.
            shutil.copy(BUSAN, config.parent.parent / "seeds" / BUSAN.name)
            record = await emu.dispatch_interaction(
                "reload", member=world[0].moderator, channel=world[0].channel
            )
            done = await emu.wait_for_request(
                "POST", f"/webhooks/{emu.application_id}/{record.token}", timeout=30
            )
            assert "Added: `080_busan_summit.md`" in done.json["content"]
            await bots[1].wait_for("serving knowledge generation 2", timeout=2.0)
            await emu.dispatch_message(world[1].channel, BUSAN_QUESTION, author=world[1].member)
            reply = await emu.wait_for_request(
                "POST", f"/channels/{world[1].channel.id}/messages", timeout=10
            )
            assert BUSAN.name in reply.json["content"]

            # Shard 1's process is stopped (SIGTERM): the questions it had queued for the log
            # are written on its way out. Started again, it resumes its shard on the current
            # generation.
            assert await bots[1].stop() == 0
            assert await logged(postgres_url) == 3
            await bots[1].start()
            assert live_shards(emu) == [(0, 2), (1, 2)]
            await emu.dispatch_message(world[1].channel, BUSAN_QUESTION, author=world[1].member)
            reply = await emu.wait_for_request(
                "POST", f"/channels/{world[1].channel.id}/messages", timeout=10
            )
            assert BUSAN.name in reply.json["content"]

            # Killed outright (SIGKILL) once its log is written (batches go out within 0.5 s):
            # the emulator still holds its dead session; the new process takes the shard over.
            await until(lambda: logged(postgres_url), 4)
            await bots[1].stop(signal.SIGKILL)
            await bots[1].start()
            assert live_shards(emu) == [(0, 2), (1, 2)]
            await emu.dispatch_message(world[1].channel, "is China negotiating?",
                                       author=world[1].member)
            await emu.wait_for_request(
                "POST", f"/channels/{world[1].channel.id}/messages", timeout=10
            )
            await asyncio.sleep(1.0)  # a second answer would show up by now
            assert len(await replies_in(emu, world[1].channel.id)) == 4
        finally:
            for bot in bots:
                if bot.proc is not None:
                    await bot.stop()
    # ordinary questions, a reload, a restart: nothing in either process's log is an error
    output = "".join(line for bot in bots for line in bot.lines)
    assert "ERROR " not in output and "Traceback" not in output, output[-3000:]  # plain or coloured
    storage = await Storage.open(postgres_url)
    try:
        rows = await storage.questions.recent(limit=50)
    finally:
        await storage.close()
    per_guild = sorted((q.guild_id, q.answered) for q in rows)
    assert per_guild == sorted([(world[0].guild.id, True)] + [(world[1].guild.id, True)] * 4)


@pytest.mark.parametrize(("shard_ids", "reads_feeds"), [([], True), ([0, 1], True), ([2, 3], False)])
async def test_only_the_process_running_shard_0_reads_the_feeds(
    tmp_path: Path, shard_ids: list[int], reads_feeds: bool
) -> None:
    from bot.discord_app.client import create_bot
    from bot.settings import BotConfig

    settings = BotConfig(feeds=["https://example.org/feed.xml"], shard_count=4, shard_ids=shard_ids)
    bot = create_bot(settings, KnowledgeService(make_project(tmp_path / "p")))
    async with bot:
        await bot.load_extension("bot.discord_app.cogs.feeds")
        feeds = bot.cogs["Feeds"]
        assert feeds.poll.is_running() is reads_feeds  # type: ignore[attr-defined]
