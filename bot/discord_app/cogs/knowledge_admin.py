"""/kb list, /kb add, /kb remove: moderators manage the articles from Discord."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import is_moderator, require_moderator
from bot.discord_app.cogs.moderation import reload_and_report
from bot.discord_app.tree import NO_MENTIONS
from bot.discord_app.views import Paginator, paginate
from bot.formatting import escape, plural
from bot.uploads import UploadError, check_upload, remove_article, safe_name, save_article
from knowledge.config import load_knowledge_config

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class KnowledgeAdmin(
    commands.GroupCog, group_name="kb", group_description="Manage the articles (moderators)"
):
    def __init__(self, bot: DisputeBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        require_moderator(interaction, self.bot.settings.moderator_roles)
        return True

    def _seeds(self):
        return load_knowledge_config(self.bot.knowledge.config_path).seeds

    @app_commands.command(name="list", description="Sources with sentence counts and dates")
    async def list_sources(self, interaction: discord.Interaction) -> None:
        kb = self.bot.knowledge.kb
        counts = Counter(s.source for s in kb.sentences)
        ingested: dict[str, str] = {}
        if self.bot.storage is not None:
            ingested = {
                i.path: i.ingested_at for i in await self.bot.storage.knowledge.list_sources()
            }
        lines = []
        for n, article in enumerate(kb.newest_first(), 1):
            dates = " · ".join(
                x
                for x in (
                    article.date.label() if article.date else None,
                    f"added {ingested[article.source][:10]}"
                    if article.source in ingested
                    else None,
                )
                if x
            )
            lines.append(
                f"**{n}.** `{article.source}` — *{escape(article.title)}*, "
                f"{counts.get(article.source, 0)} sentences" + (f" · {dates}" if dates else "")
            )
        pages = paginate(lines or ["(no articles)"], f"**{plural(len(lines), 'source')}**")
        view = Paginator(pages, interaction.user.id)
        await interaction.response.send_message(
            view.content(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        view.message = await interaction.original_response()

    @app_commands.command(name="add", description="Add a .txt or .md article, then reload")
    @app_commands.describe(article="The article file (.txt or .md, UTF-8)")
    async def add(self, interaction: discord.Interaction, article: discord.Attachment) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        limit = self.bot.settings.max_upload_bytes
        seeds = self._seeds()
        try:
            safe_name(article.filename, set())  # refuse a wrong type before downloading it
            if article.size > limit:
                raise UploadError(
                    f"the file is too large ({article.size:,} bytes; the limit is {limit:,})"
                )
            data = await article.read()
            taken = {p.name for p in seeds.iterdir()} if seeds.is_dir() else set()
            name, parsed = check_upload(article.filename, data, limit, taken)
            same = next(
                (a for a in self.bot.knowledge.kb.articles if a.sha256 == parsed.sha256), None
            )
            if same is not None:
                raise UploadError(
                    f"this article is already in the knowledge base as `{same.source}`"
                )
            save_article(seeds, name, data)
        except (UploadError, discord.HTTPException) as exc:
            await interaction.followup.send(
                f"Not added: {exc}", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        prefix = f"Saved `{name}` (*{escape(parsed.title)}*).\n"
        await reload_and_report(self.bot, interaction, prefix)

    @app_commands.command(name="remove", description="Remove a source, then reload")
    @app_commands.describe(source="The source's file name (see /kb list)")
    async def remove(self, interaction: discord.Interaction, source: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if source not in self.bot.knowledge.kb.by_source:
            await interaction.followup.send(
                f"No source named `{escape(source)}`; see `/kb list`.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        try:
            remove_article(self._seeds(), source)
        except UploadError as exc:
            await interaction.followup.send(f"Not removed: {exc}", ephemeral=True)
            return
        await reload_and_report(self.bot, interaction, f"Removed `{source}`.\n")

    @remove.autocomplete("source")
    async def _source_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not is_moderator(
            interaction.user, interaction.permissions, self.bot.settings.moderator_roles
        ):
            return []  # autocomplete skips the group's check: do not list files to everyone
        names = [a.source for a in self.bot.knowledge.kb.articles]
        wanted = current.lower()
        return [app_commands.Choice(name=n[:100], value=n) for n in names if wanted in n.lower()][
            :25
        ]


async def setup(bot: DisputeBot) -> None:
    await bot.add_cog(KnowledgeAdmin(bot))
