"""Starting and stopping the Discord bot: token, logging, signals, exit codes.

The token comes only from the environment or a git-ignored ``.env``; it is never logged or echoed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import discord
from dotenv import dotenv_values

from bot.discord_app.client import DisputeBot, create_bot
from bot.knowledge_service import KnowledgeService
from bot.settings import BotConfig, load_bot_config
from bot.storage.storage import Storage

log = logging.getLogger("bot")

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class StartError(Exception):
    """Why the bot cannot start, in one line (exit status 2)."""


def discord_token(root: Path = PROJECT_ROOT) -> str:
    token = os.environ.get("DISCORD_TOKEN") or dotenv_values(root / ".env").get("DISCORD_TOKEN")
    if not token or not token.strip():
        raise StartError("DISCORD_TOKEN is not set (environment or .env)")
    token = token.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        # a pasted line break or space would otherwise surface as an HTTP header error
        raise StartError("DISCORD_TOKEN contains a space or a line break: paste it again")
    return token


def bot_config_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "bot_config", None) or args.config.parent / "bot.yaml")


def run_bot(args: argparse.Namespace) -> int:
    settings = load_bot_config(bot_config_path(args))
    if getattr(args, "database", None):
        settings = dataclasses.replace(settings, database=args.database)
    if getattr(args, "shard_count", None):
        settings = dataclasses.replace(settings, shard_count=args.shard_count)
    if getattr(args, "shards", None):
        try:  # checked again with the count, which may come from bot.yaml
            settings = dataclasses.replace(settings, shard_ids=args.shards)
        except ValueError as exc:
            raise StartError(str(exc)) from None
    token = discord_token()
    discord.utils.setup_logging(level=getattr(logging, settings.log_level.upper()), root=True)
    # trafilatura warns for every page it finds no article in; the reply already says so.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        return asyncio.run(_serve(settings, args.config, token))
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


async def _serve(settings: BotConfig, config_path: Path, token: str) -> int:
    storage = await Storage.open(
        settings.database,
        store_raw_ids=settings.store_raw_ids,
        retention_days=settings.retention_days,
    )
    try:
        return await connect(
            settings, KnowledgeService(config_path, storage.knowledge), storage, token
        )
    finally:
        await storage.close()  # after the bot: queued question-log rows are written first


BotFactory = Callable[..., DisputeBot]


async def connect(
    settings: BotConfig,
    knowledge: KnowledgeService,
    storage: Storage | None,
    token: str,
    factory: BotFactory = create_bot,
) -> int:
    """Run the bot until it is closed (SIGTERM, Ctrl-C); 0 on a clean stop.

    Without the Message Content intent enabled in the developer portal Discord refuses the
    connection; the bot then reconnects without it and serves mentions and slash commands.
    """
    loop = asyncio.get_running_loop()
    message_content = True
    while True:
        bot = factory(settings, knowledge, storage=storage, message_content=message_content)
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # POSIX main thread only
                loop.add_signal_handler(signum, lambda b=bot: asyncio.ensure_future(b.close()))
        try:
            async with bot:
                await bot.start(token)
            log.info("disconnected cleanly")
            return 0
        except discord.LoginFailure:
            raise StartError("Discord rejected the token: check DISCORD_TOKEN") from None
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise StartError("Discord refused the gateway intents this bot asks for") from None
            log.warning(
                "Message Content intent is not enabled for this application: answering mentions "
                "and slash commands only (see README, 'Message Content intent')"
            )
            message_content = False
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(signum)


def sync_commands(args: argparse.Namespace) -> int:
    """``python -m bot sync [--global]``: push the slash commands to Discord and exit."""
    settings = load_bot_config(bot_config_path(args))
    token = discord_token()
    discord.utils.setup_logging(level=logging.INFO, root=True)

    async def main() -> int:
        bot = create_bot(settings, KnowledgeService(args.config), sync_on_start=False)
        async with bot:
            try:
                await bot.login(token)
            except discord.LoginFailure:
                raise StartError("Discord rejected the token: check DISCORD_TOKEN") from None
            if args.globally:
                synced = await bot.tree.sync()
                print(f"synced {len(synced)} commands globally (may take up to an hour to show)")
            else:
                if not settings.guilds:
                    raise StartError("no guilds in config/bot.yaml: use --global or list guilds")
                await bot.sync_guilds()
                print(f"synced commands to {len(settings.guilds)} guild(s)")
        return 0

    try:
        return asyncio.run(main())
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
