"""Run a real discord.py client against the emulator and always close it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import discord

from .emulator import DiscordEmulator

ClientT = TypeVar("ClientT", bound=discord.Client)

FAKE_TOKEN = "emulator.fake.token"


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT,
    emulator: DiscordEmulator,
    *,
    token: str | None = None,
    ready_timeout: float = 10.0,
) -> AsyncIterator[ClientT]:
    """Start ``client`` (login, connect, wait for ``on_ready``), yield it, then close it and wait
    for its task, so no session, socket or task outlives the test.

    Build clients with ``guild_ready_timeout=0.1`` (or so): discord.py otherwise waits 2 s after
    the last GUILD_CREATE before ``on_ready``.
    """
    if emulator.port == 0:
        raise RuntimeError("start the emulator first (async with DiscordEmulator() as emu)")
    task = asyncio.create_task(client.start(token or emulator.config.token or FAKE_TOKEN))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=ready_timeout, return_when="FIRST_COMPLETED"
        )
        if task in done:
            task.result()  # raises why start() ended (LoginFailure, PrivilegedIntentsRequired, ...)
            raise RuntimeError("client.start() returned before the client was ready")
        if ready not in done:
            raise TimeoutError(f"client not ready after {ready_timeout}s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10.0)
