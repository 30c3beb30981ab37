"""/kb list, /kb add, /kb remove: moderators manage the articles from Discord."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import is_moderator, require_moderator
from bot.discord_app.cogs.moderation import reload_and_report
from bot.discord_app.tree import NO_MENTIONS
from bot.discord_app.views import Paginator, paginate
from bot.fetching import FetchError
from bot.formatting import escape, plural
from bot.intake import (
    PAGE_SUFFIXES,
    Corrections,
    Draft,
    IntakeError,
    correct_article,
    describe,
    draft_from_file,
    draft_from_source,
    parse_day,
    save_draft,
)
from bot.uploads import UploadError, names_in, remove_article
from knowledge.config import load_knowledge_config
from knowledge.ingest import ARTICLE_SUFFIXES
from knowledge.model import Article

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class EditArticle(discord.ui.View):
    """Under the reply to /kb add: the moderator who added it may correct its title and date."""

    def __init__(self, bot: DisputeBot, name: str, owner_id: int) -> None:
        super().__init__(timeout=900)
        self.bot, self.name, self.owner_id = bot, name, owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the moderator who added it can edit it here; use /kb add again.",
                ephemeral=True,
            )
            return False
        return True

    @discord.ui.button(label="Edit title or date", style=discord.ButtonStyle.secondary)
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        article = self.bot.knowledge.kb.by_source.get(self.name)
        day = article.date.day.isoformat() if article and article.date else ""
        await interaction.response.send_modal(
            ArticleCorrections(self.bot, self.name, article.title if article else "", day)
        )


class ArticleCorrections(discord.ui.Modal, title="Correct the article"):
    def __init__(self, bot: DisputeBot, name: str, title: str, day: str) -> None:
        super().__init__()
        self.bot, self.name = bot, name
        self.new_title = discord.ui.TextInput(
            label="Title", default=title[:200] or None, max_length=200
        )
        self.new_day = discord.ui.TextInput(
            label="Published (YYYY-MM-DD)", default=day or None, required=False, max_length=10
        )
        self.add_item(self.new_title)
        self.add_item(self.new_day)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        seeds = load_knowledge_config(self.bot.knowledge.config_path).seeds
        try:
            day = parse_day(self.new_day.value) if self.new_day.value.strip() else None
            corrections = Corrections(self.new_title.value, day)
            draft = await asyncio.to_thread(correct_article, seeds, self.name, corrections)
        except (IntakeError, OSError) as exc:
            await interaction.followup.send(
                f"Not changed: {exc}", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        facts = "\n".join(f"· {escape(line)}" for line in describe(draft))
        await reload_and_report(self.bot, interaction, f"Corrected `{self.name}`.\n{facts}\n")


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
        counts = kb.sentences.counts()
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

    @app_commands.command(name="add", description="Add an article from a link or a file, then reload")
    @app_commands.describe(
        url="A link to the news page (http or https)",
        article="Or the article as a file (.html, .htm, .txt or .md)",
        title="The title to keep, if the page's is wrong",
        published="The date to keep (YYYY-MM-DD), if the page's is wrong",
        force="Add even when an article held has nearly the same text",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: str | None = None,
        article: discord.Attachment | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
        published: str | None = None,
        force: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = self.bot.settings
        seeds = self._seeds()
        held = self.bot.knowledge.kb.articles
        try:
            if (url is None) == (article is None):
                raise IntakeError("give either a link (url:) or a file (article:), not both")
            corrections = Corrections(title, parse_day(published) if published else None)
            if url is not None:
                draft = await draft_from_source(
                    url, settings.fetch_policy(), held, seeds, corrections, force
                )
            else:
                assert article is not None
                draft = await self._draft_from_upload(article, held, seeds, corrections, force)
            await asyncio.to_thread(save_draft, seeds, draft)
        except (IntakeError, FetchError, UploadError, discord.HTTPException) as exc:
            await interaction.followup.send(
                f"Not added: {exc}", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        facts = "\n".join(f"· {escape(line)}" for line in describe(draft))
        prefix = f"Saved `{draft.name}`.\n{facts}\n"
        view = EditArticle(self.bot, draft.name, interaction.user.id)
        await reload_and_report(self.bot, interaction, prefix, view)

    async def _draft_from_upload(
        self,
        article: discord.Attachment,
        held: Sequence[Article],
        seeds: Path,
        corrections: Corrections,
        force: bool,
    ) -> Draft:
        limit = self.bot.settings.max_upload_bytes
        suffix = Path(article.filename).suffix.lower()
        if suffix not in (*ARTICLE_SUFFIXES, *PAGE_SUFFIXES):  # refuse before downloading it
            raise IntakeError("only .html, .htm, .txt and .md articles can be added")
        if article.size > limit:
            raise IntakeError(
                f"the file is too large ({article.size:,} bytes; the limit is {limit:,})"
            )
        data = await article.read()
        return draft_from_file(
            article.filename, data, limit, held, names_in(seeds), corrections, force
        )

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
