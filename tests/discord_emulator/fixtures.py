"""pytest fixtures; ``tests/conftest.py`` already exists, so import these from a test module or
conftest: ``from tests.discord_emulator.fixtures import discord_emulator, standard_guild``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .emulator import DiscordEmulator, EmulatorConfig
from .state import StandardGuild


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Override in a module to change knobs (deadline, heartbeat, compression...)."""
    return EmulatorConfig(heartbeat_interval_ms=1000)


@pytest.fixture
async def discord_emulator(emulator_config: EmulatorConfig) -> AsyncIterator[DiscordEmulator]:
    """A started emulator with discord.py patched to use it; fails the test at teardown if the
    client called a route the emulator does not know (``emu.allow_unknown_routes = True`` to
    permit)."""
    async with DiscordEmulator(emulator_config) as emulator:
        yield emulator
    unknown = emulator.unknown_requests
    if unknown and not emulator.allow_unknown_routes:
        pytest.fail("client called unknown routes: " + ", ".join(r.summary() for r in unknown))


@pytest.fixture
def standard_guild(discord_emulator: DiscordEmulator) -> StandardGuild:
    """Trade Talks: #general, Moderator and Server Manager roles, moderator/manager/member."""
    return discord_emulator.add_standard_guild()
