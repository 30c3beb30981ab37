"""Questions from people: mentions and set-aside channels, threads with follow-ups, /ask and friends."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app.checks import is_moderator
from bot.discord_app.tree import NO_MENTIONS
from bot.discord_app.views import Paginator, feedback_buttons, paginate
from bot.formatting import (
    DISCORD_LIMIT,
    echoed,
    escape,
    render_answer,
    render_sources,
    render_summary,
    render_timeline,
    timeline_heading,
    too_long,
    trim,
)
from bot.records import record_for
from bot.storage.question_log import Origin
from knowledge.model import Answer
from knowledge.summaries import Length, dated_events, summarize

if TYPE_CHECKING:
    from bot.discord_app.client import DisputeBot

log = logging.getLogger(__name__)
T = TypeVar("T")

_QUESTION_START = re.compile(
    r"^(?:who|whom|whose|what|whats|when|where|why|how|which|is|are|was|were|do|does|did|can|"
    r"could|will|would|should|has|have|had|any|tell me|explain)\b",
    re.IGNORECASE,
)

# User, role and channel mentions and custom emoji: markup, not words of the question.
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>")

HELP_TEXT = (
    "**dispute-bot** answers questions about the US–China trade talks with sentences quoted "
    "word for word from its news articles, each cited.\n"
    "• `/ask question` — ask in public (or mention me in a message)\n"
    "• `/summary [length] [source]` — where things stand now and how they got there, or one "
    "article\n"
    "• `/timeline` — the dated events, oldest first\n"
    "• `/sources` — what the knowledge base holds\n"
    "• `/reload` — moderators: re-read the articles after adding or changing them\n"
    "If the articles don't answer a question, I say so rather than guess."
)


MODERATOR_HELP = (
    "\n**For moderators** (you see this because you are one):\n"
    "• `/kb list`, `/kb add url:` (or `article:`), `/kb remove source:` — the articles\n"
    "• `/stats [days]`, `/unanswered [days]` — what people ask and what the articles lack"
)


def looks_like_question(text: str) -> bool:
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION_START.match(text))


def _settings_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """Per-user cooldown read from configuration at call time."""
    bot: DisputeBot = interaction.client  # type: ignore[assignment]
    return app_commands.Cooldown(bot.settings.cooldown_uses, bot.settings.cooldown_seconds)


class Questions(commands.Cog):
    def __init__(self, bot: DisputeBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self._seen: deque[int] = deque(maxlen=2000)  # message ids answered: each only once
        self._seen_set: set[int] = set()
        # thread id → questions asked there, for follow-ups; least recently used forgotten.
        self._threads: OrderedDict[int, list[str]] = OrderedDict()
        self._message_cooldown = commands.CooldownMapping.from_cooldown(
            self.settings.cooldown_uses, self.settings.cooldown_seconds, commands.BucketType.user
        )
        self._writes: set[asyncio.Task[None]] = set()  # thread memory being stored

    async def cog_load(self) -> None:
        """The threads remembered before a restart: their follow-ups still need no mention."""
        if self.bot.storage is not None and self.settings.thread_memory:
            for thread_id, questions in await self.bot.storage.threads.recent(
                self.settings.thread_memory
            ):
                self._threads[thread_id] = questions

    async def cog_unload(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    # ---- messages -------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or message.author.id == me.id:
            return
        if message.id in self._seen_set:
            return
        question, _reason = self._question_in(message)
        if question is None:
            return
        self._remember(message.id)
        bucket = self._message_cooldown.get_bucket(message)
        retry = bucket.update_rate_limit() if bucket else None
        if retry:
            await self._reply(message, f"Slow down a little: try again in {retry:.0f} s.")
            return
        refusal = self._refusal(question)
        if refusal:
            await self._reply(message, refusal)
            return
        thread_id = message.channel.id if isinstance(message.channel, discord.Thread) else None
        context = tuple(self._threads.get(thread_id, [])) if thread_id else ()
        started = time.perf_counter()
        typing = asyncio.create_task(_typing(message.channel))  # decoration, in the background
        try:
            result = await self.bot.knowledge.ask(question, context[-1:])
            # once the answer is ready, typing gets a moment to finish; a rate-limited one is
            # dropped rather than shown after the reply
            await asyncio.wait({typing}, timeout=TYPING_GRACE)
        finally:
            typing.cancel()
        text = render_answer(result)
        view = feedback_buttons() if result.answered else None
        channel_config = self.settings.channel(message.channel.id)
        sent: discord.Message | None = None
        failure: str | None = None
        try:
            if thread_id is None and channel_config and channel_config.threads and message.guild:
                sent = await self._answer_in_thread(message, question, text, view)
            else:
                if thread_id is not None:
                    self._note_thread(thread_id, question)
                sent = await _retried(lambda: self._reply(message, text, view))
        except discord.HTTPException as exc:
            failure = _why(exc)
            log.warning("reply to message %s failed: %s", message.id, failure)
        finally:  # every question is logged, whether its reply went out or not
            self._log(
                result,
                Origin.CHANNEL,
                started,
                sent,
                message.author.id,
                message.guild,
                message.channel.id,
                failure,
            )

    def _question_in(self, message: discord.Message) -> tuple[str | None, str]:
        me = self.bot.user
        assert me is not None
        content = message.content or ""
        mentioned = me in message.mentions or re.search(rf"<@!?{me.id}>", content) is not None
        text = _DISCORD_MARKUP.sub(" ", re.sub(rf"<@!?{me.id}>", "", content)).strip()
        if mentioned:
            return text, "mention"
        channel = message.channel
        if isinstance(channel, discord.Thread) and channel.id in self._threads:
            return (text or None), "thread"
        config = self.settings.channel(channel.id)
        if config and config.answer_all and looks_like_question(text):
            return text, "channel"
        return None, ""

    def _refusal(self, question: str) -> str | None:
        if not question.strip():
            return "Ask me a question about the US–China trade talks, e.g. “is China negotiating?”"
        if len(question) > self.settings.max_question_chars:
            return too_long(len(question), self.settings.max_question_chars)
        return None

    async def _answer_in_thread(
        self, message: discord.Message, question: str, text: str, view: discord.ui.View | None
    ) -> discord.Message:
        try:
            thread = await message.create_thread(name=trim(question, 90) or "question")
        except discord.HTTPException:
            log.warning(
                "could not open a thread in channel %s; replying inline", message.channel.id
            )
            return await self._reply(message, text, view)
        self._note_thread(thread.id, question)
        return await _retried(
            lambda: thread.send(text, allowed_mentions=NO_MENTIONS, **_with(view))
        )

    def _note_thread(self, thread_id: int, question: str) -> None:
        history = self._threads.pop(thread_id, [])
        history.append(question)
        self._threads[thread_id] = history[-5:]
        while len(self._threads) > self.settings.thread_memory:
            self._threads.popitem(last=False)
        if self.bot.storage is not None:  # off the reply path; a failure costs only the memory
            write = asyncio.create_task(self._store_thread(thread_id, history[-5:]))
            self._writes.add(write)
            write.add_done_callback(self._writes.discard)

    async def _store_thread(self, thread_id: int, questions: list[str]) -> None:
        assert self.bot.storage is not None
        try:
            await self.bot.storage.threads.remember(
                thread_id, questions, self.settings.thread_memory
            )
        except Exception:
            log.warning("could not store thread %s for follow-ups", thread_id, exc_info=True)

    def _remember(self, message_id: int) -> None:
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(message_id)
        self._seen_set.add(message_id)

    async def _reply(
        self, message: discord.Message, text: str, view: discord.ui.View | None = None
    ) -> discord.Message:
        return await message.reply(
            text[:DISCORD_LIMIT], mention_author=False, allowed_mentions=NO_MENTIONS, **_with(view)
        )

    def _log(
        self,
        result: Answer,
        origin: Origin,
        started: float,
        sent: discord.Message | None,
        user_id: int,
        guild: discord.Guild | None,
        channel_id: int | None,
        reply_error: str | None = None,
    ) -> None:
        """Queue the question for the log; never delays the reply (the write is batched)."""
        storage = self.bot.storage
        if storage is None:
            return
        record = record_for(
            self.bot.knowledge,
            result,
            origin,
            started,
            user_id=user_id,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            reply_message_id=sent.id if sent else None,
        )
        if reply_error is not None:
            record = dataclasses.replace(record, reply_error=reply_error)
        try:
            storage.questions.record(record)
        except RuntimeError:  # closing down
            log.warning("question log closed; question not logged")

    # ---- slash commands ---------------------------------------------------------------------
    @app_commands.command(name="ask", description="Ask about the US–China trade talks")
    @app_commands.describe(question="Your question, e.g. “is China negotiating?”")
    @app_commands.checks.dynamic_cooldown(_settings_cooldown, key=lambda i: i.user.id)
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        refusal = self._refusal(question)
        if refusal:
            await interaction.response.send_message(
                refusal, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        started = time.perf_counter()
        await interaction.response.defer(thinking=True)
        result = await self.bot.knowledge.ask(question)
        quoted = f"**Q:** {echoed(question, 300)}\n\n"
        text = render_answer(result)
        if len(quoted) + len(text) > DISCORD_LIMIT:
            quoted = ""
        view = feedback_buttons() if result.answered else None
        sent: discord.WebhookMessage | None = None
        failure: str | None = None
        try:
            sent = await _retried(
                lambda: interaction.followup.send(
                    quoted + text, allowed_mentions=NO_MENTIONS, wait=True, **_with(view)
                )
            )
        except discord.HTTPException as exc:
            failure = _why(exc)
            log.warning("answer to /ask %s failed: %s", interaction.id, failure)
        self._log(
            result,
            Origin.SLASH,
            started,
            sent,
            interaction.user.id,
            interaction.guild,
            interaction.channel_id,
            failure,
        )

    @app_commands.command(
        name="summary", description="Where things stand, and how they got there (or one article)"
    )
    @app_commands.describe(length="short or long", source="summarise this one article instead")
    @app_commands.checks.dynamic_cooldown(_settings_cooldown, key=lambda i: i.user.id)
    async def summary(
        self,
        interaction: discord.Interaction,
        length: Length = Length.SHORT,
        source: str | None = None,
    ) -> None:
        kb = self.bot.knowledge.kb
        if source is not None and source not in kb.by_source:
            await interaction.response.send_message(
                f"No source named `{escape(source)}`; see `/sources`.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await interaction.response.defer(thinking=True)
        result = await asyncio.to_thread(summarize, kb, length, source)
        await interaction.followup.send(render_summary(result), allowed_mentions=NO_MENTIONS)

    @summary.autocomplete("source")
    async def _source_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.lower()
        return [
            app_commands.Choice(name=trim(f"{a.source} — {a.title}", 100), value=a.source)
            for a in self.bot.knowledge.kb.newest_first()
            if wanted in a.source.lower() or wanted in a.title.lower()
        ][:25]

    @app_commands.command(name="timeline", description="The dated events, one cited line each")
    async def timeline(self, interaction: discord.Interaction) -> None:
        kb = self.bot.knowledge.kb
        events = dated_events(kb)
        if not events:
            await interaction.response.send_message(
                "No dated articles yet: the timeline is empty.", allowed_mentions=NO_MENTIONS
            )
            return
        pages = paginate(render_timeline(events, kb.citations(events)), timeline_heading(len(events)))
        view = Paginator(pages, interaction.user.id)
        await interaction.response.send_message(
            view.content(), allowed_mentions=NO_MENTIONS, **_with(view if len(pages) > 1 else None)
        )
        if len(pages) > 1:
            view.message = await interaction.original_response()

    @app_commands.command(name="sources", description="What the knowledge base holds")
    async def sources(self, interaction: discord.Interaction) -> None:
        kb = self.bot.knowledge.kb
        counts = dict(kb.sentences.counts())
        await interaction.response.send_message(
            render_sources(kb.newest_first(), counts), allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="help", description="How to use dispute-bot")
    async def help(self, interaction: discord.Interaction) -> None:
        moderator = interaction.guild is not None and is_moderator(
            interaction.user, interaction.permissions, self.settings.moderator_roles
        )
        await interaction.response.send_message(
            HELP_TEXT + (MODERATOR_HELP if moderator else ""),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


# Pauses before sending a failed reply again: discord.py has already retried each attempt's
# 429s and 5xx (five tries); these ride out a longer storm before the answer is given up.
SEND_RETRY_DELAYS = (1.0, 3.0)
TYPING_GRACE = 0.5  # seconds a ready answer waits for the typing indicator, at most


async def _retried(send: Callable[[], Awaitable[T]]) -> T:
    """``send()``, tried again after each delay while Discord answers with a rate limit or a
    server error; a refusal that cannot change (403, 404, 400) is not retried."""
    for delay in (*SEND_RETRY_DELAYS, None):
        try:
            return await send()
        except discord.HTTPException as exc:
            if delay is None or not (exc.status == 429 or exc.status >= 500):
                raise
            log.warning("sending failed (%s); trying again in %.0f s", _why(exc), delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def _why(exc: discord.HTTPException) -> str:
    return f"HTTP {exc.status}: {exc.text or type(exc).__name__}"[:300]


async def _typing(channel: discord.abc.Messageable) -> None:
    """"Typing…" once, best effort: a rate limit or an error on it costs nothing."""
    with contextlib.suppress(discord.HTTPException, asyncio.CancelledError):
        await channel.typing()


def _with(view: discord.ui.View | None) -> dict[str, discord.ui.View]:
    """``view=`` only when there is one."""
    return {"view": view} if view is not None else {}


async def setup(bot: DisputeBot) -> None:
    await bot.add_cog(Questions(bot))
