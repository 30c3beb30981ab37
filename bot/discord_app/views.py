"""Buttons: 👍/👎 under every answer (persistent across restarts) and ◀/▶ for long lists."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.discord_app.tree import NO_MENTIONS

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot

log = logging.getLogger(__name__)

VOTE_UP = "dispute-bot:vote:up"
VOTE_DOWN = "dispute-bot:vote:down"


class FeedbackView(discord.ui.View):
    """Static custom ids and no timeout: registered once with ``bot.add_view``, the buttons keep
    working on every answer ever sent, across restarts. The answer is found by its message id."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary, custom_id=VOTE_UP)
    async def up(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, +1)

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary, custom_id=VOTE_DOWN)
    async def down(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._vote(interaction, -1)

    async def _vote(self, interaction: discord.Interaction, value: int) -> None:
        bot: DisputeBot = interaction.client  # type: ignore[assignment]
        storage = bot.storage
        if storage is None or interaction.message is None:
            text = "Thanks! (Feedback is not being stored on this bot.)"
        else:
            voter = storage.db.hash_user(interaction.user.id)
            stored = await storage.feedback.vote(
                voter=voter, value=value, message_id=interaction.message.id
            )
            text = (
                f"Thanks for the {'👍' if value > 0 else '👎'} — clicking the other button "
                "changes your vote."
                if stored
                else "This answer is too old to rate."
            )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def feedback_buttons() -> FeedbackView:
    """The 👍/👎 buttons to attach to one answer.

    The view is stopped before it is sent: discord.py would otherwise keep every sent view (and a
    future) in its view store forever, since these never time out — a leak of ~2.6 KB an answer.
    Clicks are handled by the one persistent view registered at start-up, by custom id.
    """
    view = FeedbackView()
    view.stop()
    return view


class Paginator(discord.ui.View):
    """◀/▶ through pages of text; only the person who asked may turn them."""

    def __init__(self, pages: Sequence[str], owner_id: int, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages) or ["(empty)"]
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.Message | None = None  # set by the sender, to grey out on timeout
        self._sync_buttons()

    def content(self) -> str:
        footer = f"\n*Page {self.index + 1} of {len(self.pages)}*" if len(self.pages) > 1 else ""
        return self.pages[self.index] + footer

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The interaction token (15 min) may have expired: then there is nothing to grey out.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the person who asked can turn these pages.", ephemeral=True
            )
            return False
        return True

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.index = max(self.index - 1, 0)
        await self._show(interaction)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.index = min(self.index + 1, len(self.pages) - 1)
        await self._show(interaction)

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(
            content=self.content(), view=self, allowed_mentions=NO_MENTIONS
        )


def paginate(lines: Sequence[str], heading: str, limit: int = 1900) -> list[str]:
    """Split lines into pages under ``limit`` characters, each starting with ``heading``."""
    pages: list[str] = []
    current = heading
    for line in lines:
        line = line[: limit - len(heading) - 2]
        if len(current) + 1 + len(line) > limit:
            pages.append(current)
            current = heading
        current += "\n" + line
    pages.append(current)
    return pages
