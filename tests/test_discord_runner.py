"""Starting and stopping: token sources, rejected tokens, the intent fallback, SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.discord_app.runner import StartError, connect, discord_token
from bot.knowledge_service import KnowledgeService
from tests.conftest import ROOT
from tests.discord_bot_harness import EmulatedDisputeBot, make_project, settings_for
from tests.discord_emulator import DiscordEmulator, EmulatorConfig

MESSAGE_CONTENT = 1 << 15
TOKEN = "emulator.secret.token-value"


def test_token_from_environment_or_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(StartError, match="DISCORD_TOKEN is not set"):
        discord_token(tmp_path)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dotenv\n")
    assert discord_token(tmp_path) == "from-dotenv"
    monkeypatch.setenv("DISCORD_TOKEN", " from-env ")
    assert discord_token(tmp_path) == "from-env"
    monkeypatch.setenv("DISCORD_TOKEN", "from\nenv")  # a pasted line break
    with pytest.raises(StartError, match="a space or a line break"):
        discord_token(tmp_path)


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a developer's .env holds a token")
def test_run_without_token_is_one_line_and_exit_two(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "DISPUTE_BOT_DATABASE": str(tmp_path / "db.sqlite3")}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "error: DISCORD_TOKEN is not set (environment or .env)\n"


class Bots:
    """A factory that builds emulator-friendly bots and remembers them."""

    def __init__(self) -> None:
        self.made: list[EmulatedDisputeBot] = []

    def __call__(self, settings, knowledge, **options) -> EmulatedDisputeBot:
        bot = EmulatedDisputeBot(settings, knowledge, guild_ready_timeout=0.1, **options)
        self.made.append(bot)
        return bot

    async def ready(self, count: int = 1) -> EmulatedDisputeBot:
        for _ in range(500):
            if len(self.made) >= count and self.made[count - 1].is_ready():
                return self.made[count - 1]
            await asyncio.sleep(0.02)
        raise TimeoutError("bot not ready")


async def test_rejected_token_is_a_start_error_and_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    async with DiscordEmulator(EmulatorConfig(token="the-right-token")) as emu:
        world = emu.add_standard_guild()
        service = KnowledgeService(make_project(tmp_path / "p"))
        with pytest.raises(StartError, match="rejected the token"):
            await connect(settings_for(world), service, None, TOKEN, factory=Bots())
    assert TOKEN not in caplog.text


async def test_without_message_content_intent_it_still_answers_mentions(tmp_path: Path):
    async with DiscordEmulator(EmulatorConfig(forbidden_intents=MESSAGE_CONTENT)) as emu:
        world = emu.add_standard_guild()
        service = KnowledgeService(make_project(tmp_path / "p"))
        bots = Bots()
        running = asyncio.create_task(connect(settings_for(world), service, None, TOKEN, bots))
        bot = await bots.ready(2)
        assert not bot.intents.message_content
        await emu.dispatch_message(world.channel, f"<@{bot.user.id}> who is Yun Sun?",
                                   author=world.member, mentions=[bot.user.id])
        reply = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")
        await bot.close()
        assert await asyncio.wait_for(running, 10) == 0
    assert "Stimson Center" in reply.json["content"]


async def test_sigterm_shuts_down_cleanly(tmp_path: Path):
    async with DiscordEmulator(EmulatorConfig()) as emu:
        world = emu.add_standard_guild()
        service = KnowledgeService(make_project(tmp_path / "p"))
        bots = Bots()
        running = asyncio.create_task(connect(settings_for(world), service, None, TOKEN, bots))
        bot = await bots.ready()
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(running, 10) == 0
        assert bot.is_closed()
    loop = asyncio.get_running_loop()
    assert not loop.remove_signal_handler(signal.SIGTERM)  # handler gone with the bot
