"""Bot processes of a cluster, for tests and the load benchmark: each the real
``python -m bot run`` (see tests/cluster_bot.py), sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.discord_emulator import DiscordEmulator


class BotProcess:
    """``python -m bot run --shards … --shard-count …`` against the emulator; its log is read
    line by line from stderr, so a test can wait for what the bot says."""

    def __init__(
        self, emu: DiscordEmulator, config: Path, url: str, shards: str, shard_count: int = 2
    ) -> None:
        self.args = [
            sys.executable, "-m", "tests.cluster_bot", emu.api_url, emu.gateway_url,
            "--config", str(config), "--database", url,
            "run", "--shards", shards, "--shard-count", str(shard_count),
        ]
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []

    async def start(self, timeout: float = 60.0) -> None:
        self.lines.clear()
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, cwd=ROOT, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            env={**os.environ, "DISCORD_TOKEN": "emulator.fake.token"},
        )
        await self.wait_for("ready as", timeout)

    async def wait_for(self, text: str, timeout: float = 10.0) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.proc.stderr.readline()).decode(errors="replace")
                if not line:
                    raise AssertionError("bot exited:\n" + "".join(self.lines[-30:]))
                self.lines.append(line)
                if text in line:
                    return line

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signum)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(20):
                rest = await self.proc.stderr.read() if self.proc.stderr else b""
                self.lines.append(rest.decode(errors="replace"))
        return await self.proc.wait()


def write_bot_config(config: Path, channels: list[int], cooldown_uses: int = 100) -> None:
    listed = "\n".join(f"  - {{id: {c}, answer_all: true}}" for c in channels)
    (config.parent / "bot.yaml").write_text(
        "# test fixture: the guilds' channels set aside for the bot\n"
        f"channels:\n{listed}\nmoderator_roles: [Moderator]\ncooldown_uses: {cooldown_uses}\n"
    )


def live_shards(emu: DiscordEmulator) -> list[tuple[int, int]]:
    return sorted(s.shard for s in emu.gateway.sessions.values() if s.live)

