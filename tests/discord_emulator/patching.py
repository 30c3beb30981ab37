"""Point discord.py at the emulator: ``Route.BASE`` for REST (webhooks and interaction callbacks
use the same ``Route``), ``DiscordWebSocket.DEFAULT_GATEWAY`` for the first connection and for
re-IDENTIFY after INVALID_SESSION. Resumes go to READY's ``resume_gateway_url`` (the emulator's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord.gateway
import discord.http
import yarl


@contextmanager
def patch_discord(api_base: str, gateway_url: str) -> Iterator[None]:
    route = discord.http.Route
    socket = discord.gateway.DiscordWebSocket
    saved = (route.BASE, socket.DEFAULT_GATEWAY)
    route.BASE = api_base
    socket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        route.BASE, socket.DEFAULT_GATEWAY = saved
