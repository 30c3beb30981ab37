"""Feeds read every ``feed_minutes``; each article added is reported with a button to remove it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.discord_app.checks import require_moderator
from bot.discord_app.cogs.moderation import reload_and_report
from bot.discord_app.tree import NO_MENTIONS, NotModerator
from bot.feeds import FeedPass, feed_pass
from bot.formatting import escape
from bot.intake import Draft
from bot.knowledge_service import ReloadError
from bot.uploads import UploadError, remove_article
from knowledge.config import load_knowledge_config
from knowledge.topic import key_words

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot

log = logging.getLogger(__name__)


class RemoveArticle(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"dispute-bot:kb-remove:(?P<name>[A-Za-z0-9._-]{1,80})",
):
    """Under a feed report: a moderator removes the article it added. The file name lives in
    the custom id, so the button works on reports sent before a restart."""

    def __init__(self, name: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remove",
                style=discord.ButtonStyle.danger,
                custom_id=f"dispute-bot:kb-remove:{name}",
            )
        )
        self.name = name

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match
    ) -> RemoveArticle:
        return cls(match["name"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Buttons bypass the command tree's error handler: refuse here, in one line."""
        bot: DisputeBot = interaction.client  # type: ignore[assignment]
        try:
            require_moderator(interaction, bot.settings.moderator_roles)
        except NotModerator as exc:
            await interaction.response.send_message(
                str(exc), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: DisputeBot = interaction.client  # type: ignore[assignment]
        await interaction.response.defer(ephemeral=True, thinking=True)
        seeds = load_knowledge_config(bot.knowledge.config_path).seeds
        try:
            await asyncio.to_thread(remove_article, seeds, self.name)
        except UploadError as exc:
            await interaction.followup.send(
                f"Not removed: {exc}", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        if interaction.message is not None:
            await interaction.message.edit(
                content=f"{interaction.message.content}\n~~removed by a moderator~~",
                view=None,
                allowed_mentions=NO_MENTIONS,
            )
        await reload_and_report(bot, interaction, f"Removed `{self.name}`.\n")


def report_line(draft: Draft) -> str:
    facts = draft.summary()
    when = f", {facts['date']}" if facts["date"] else ""
    by = f" — {escape(facts['publisher'])}" if facts["publisher"] else ""
    return (
        f"📰 Added from a feed: *{escape(facts['title'])}*{by}{when} · `{draft.name}` · "
        f"{facts['sentences']} sentences\n<{facts['url']}>"
    )


class Feeds(commands.Cog):
    def __init__(self, bot: DisputeBot) -> None:
        self.bot = bot
        self.last: FeedPass | None = None

    async def cog_load(self) -> None:
        settings = self.bot.settings
        if settings.shard_ids and 0 not in settings.shard_ids:
            # In a cluster one process reads the feeds (the one running shard 0): the others get
            # its additions as a new generation, and would only add the same articles again.
            return
        if settings.feeds:
            self.poll.change_interval(minutes=self.bot.settings.feed_minutes)
            self.poll.start()

    async def cog_unload(self) -> None:
        self.poll.cancel()

    @tasks.loop(minutes=60)
    async def poll(self) -> None:
        try:
            await self.run_pass()
        except Exception:  # a bad pass is logged; the next one runs as planned
            log.exception("feed pass failed")

    @poll.before_loop
    async def _ready(self) -> None:
        await self.bot.wait_until_ready()

    async def run_pass(self) -> FeedPass:
        settings, kb = self.bot.settings, self.bot.knowledge.kb
        seeds = load_knowledge_config(self.bot.knowledge.config_path).seeds
        keys = await asyncio.to_thread(key_words, kb.sentences.texts())
        result = await feed_pass(settings.feeds, settings.fetch_policy(), kb.articles, keys, seeds)
        self.last = result
        log.info("feeds: %s", result.summary().splitlines()[0])
        if result.added:
            try:
                await self.bot.knowledge.reload()
            except ReloadError as exc:
                log.warning("feeds: reload failed, previous articles still served: %s", exc)
            await self._report(result)
        return result

    async def _report(self, result: FeedPass) -> None:
        channel_id = self.bot.settings.report_channel
        if channel_id is None:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("feeds: report channel %s not found", channel_id)
            return
        for draft in result.added:
            view = discord.ui.View(timeout=None)
            view.add_item(RemoveArticle(draft.name))
            view.stop()  # clicks are handled by the dynamic item, by custom id
            try:
                await channel.send(report_line(draft), view=view, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:
                log.warning("feeds: report not sent: %s", exc)


async def setup(bot: DisputeBot) -> None:
    bot.add_dynamic_items(RemoveArticle)
    await bot.add_cog(Feeds(bot))
