"""End-to-end: a real discord.py ``commands.Bot`` against the Discord emulator (no mocks)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.discord_emulator import (
    FAKE_TOKEN,
    DiscordEmulator,
    EmulatorConfig,
    StandardGuild,
    running_client,
)

# The fixtures (discord_emulator, emulator_config, standard_guild); tests/conftest.py is not ours.
pytest_plugins = ["tests.discord_emulator.fixtures"]

pytestmark = pytest.mark.filterwarnings(
    "error::ResourceWarning", "error::pytest.PytestUnraisableExceptionWarning"
)

MESSAGE_CONTENT = 1 << 15


class EmulatedBot(commands.Bot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; not needed against the emulator."""


def make_bot(*, message_content: bool = True, **options: Any) -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = message_content
    return EmulatedBot(
        command_prefix=commands.when_mentioned,
        intents=intents,
        help_command=None,
        guild_ready_timeout=0.1,  # discord.py waits this long after the last GUILD_CREATE
        **options,
    )


async def sync_to(bot: commands.Bot, world: StandardGuild) -> list[app_commands.AppCommand]:
    guild = discord.Object(id=world.guild.id)
    bot.tree.copy_global_to(guild=guild)
    return await bot.tree.sync(guild=guild)


async def test_login_ready_and_guild_cached(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    async with running_client(make_bot(), emu) as bot:
        assert [r.path for r in emu.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
        assert emu.requests[0].headers["Authorization"] == f"Bot {FAKE_TOKEN}"
        assert bot.user is not None and bot.user.id == emu.bot_user.id
        assert bot.application_id == emu.application_id
        guild = bot.get_guild(world.guild.id)
        assert guild is not None and guild.me.id == emu.bot_user.id
        channel = guild.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel) and channel.name == "general"
        assert channel.permissions_for(guild.me).send_messages
        moderator = guild.get_role(world.moderator_role.id)
        assert moderator is not None and moderator.name == "Moderator"
        assert moderator.permissions.manage_messages and not moderator.permissions.manage_guild
        manager = guild.get_role(world.manager_role.id)
        assert manager is not None and manager.permissions.manage_guild
        assert emu.identify_count == 1
        (connection,) = emu.gateway.connections
        # discord.py asks for zlib-stream yet accepts the plain JSON text frames sent here.
        assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
        assert not connection.compress


async def test_zlib_stream_frames_work_too() -> None:
    async with DiscordEmulator(EmulatorConfig(honour_compression=True)) as emu:
        world = emu.add_standard_guild()
        async with running_client(make_bot(), emu) as bot:
            assert emu.gateway.connections[0].compress
            assert bot.get_guild(world.guild.id) is not None


async def test_reply_is_recorded_with_reference_and_allowed_mentions(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot(allowed_mentions=discord.AllowedMentions.none())

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        async with message.channel.typing():
            text = f"{message.author.mention} asked: {message.content}"
            await message.reply(text, mention_author=False)

    async with running_client(bot, emu):
        sent = await emu.dispatch_message(world.channel, "tariffs?", author=world.member)
        typing = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/typing")
        reply = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")

    assert typing.status == 204
    assert reply.status == 200
    assert reply.json["content"] == f"<@{world.member.id}> asked: tariffs?"
    assert reply.json["message_reference"]["message_id"] == int(sent["id"])
    assert reply.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert reply.response["type"] == 19
    assert reply.response["referenced_message"]["id"] == sent["id"]
    assert reply.response["mentions"] == []  # named in the text, but nobody is pinged


async def test_without_message_content_intent_only_mentions_carry_content(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot(message_content=False)
    seen: asyncio.Queue[str] = asyncio.Queue()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if not message.author.bot:
            seen.put_nowait(message.content)

    async with running_client(bot, emu):
        await emu.dispatch_message(world.channel, "plain question", author=world.member)
        assert await asyncio.wait_for(seen.get(), 5) == ""
        await emu.dispatch_message(
            world.channel, "tariffs?", author=world.member, mentions=[bot.user.id]
        )
        assert await asyncio.wait_for(seen.get(), 5) == f"<@{emu.bot_user.id}> tariffs?"


async def test_privileged_intent_refusal_raises_in_the_client() -> None:
    config = EmulatorConfig(forbidden_intents=MESSAGE_CONTENT)
    async with DiscordEmulator(config) as emu:
        emu.add_standard_guild()
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running_client(make_bot(), emu):
                pass


async def test_slash_command_ephemeral_response_within_deadline(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot()
    results: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bot.tree.command(name="ask", description="Ask about the trade talks")
    @app_commands.describe(question="What you want to know")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        callback = await interaction.response.send_message(f"Q: {question}", ephemeral=True)
        results.put_nowait({"callback": callback, "perms": interaction.permissions})

    async with running_client(bot, emu):
        synced = await sync_to(bot, world)
        assert [c.name for c in synced] == ["ask"]
        record = await emu.dispatch_interaction(
            "ask", {"question": "tariffs"}, member=world.manager, channel=world.channel
        )
        latency = await emu.wait_for_ack(record)
        outcome = await asyncio.wait_for(results.get(), 5)
        as_member = await emu.dispatch_interaction(
            "ask", {"question": "soybeans"}, member=world.member, channel=world.channel
        )
        await emu.wait_for_ack(as_member)
        member_outcome = await asyncio.wait_for(results.get(), 5)

    put = emu.requests_to("PUT", f"/applications/{emu.application_id}/guilds/*/commands")
    assert put[0].json[0]["name"] == "ask"
    assert record.payload["data"]["guild_id"] == str(world.guild.id)
    assert latency < emu.interaction_deadline
    (callback,) = record.callbacks
    assert callback.path == f"/interactions/{record.id}/{record.token}/callback"
    assert callback.query["with_response"] == "1"
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "Q: tariffs"
    assert callback.json["data"]["flags"] == 64
    message_id = callback.response["interaction"]["response_message_id"]
    assert outcome["callback"].message_id == int(message_id)
    assert outcome["callback"].is_ephemeral()
    assert outcome["perms"].manage_guild
    assert not member_outcome["perms"].manage_guild


async def test_defer_then_followups_and_edit(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot()
    results: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bot.tree.command(name="summary", description="Summarise the talks")
    async def summary(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.05)  # the slow work a defer is for
        first = await interaction.followup.send("Here is the summary", wait=True)
        second = await interaction.followup.send("A public note", wait=True)
        await interaction.edit_original_response(content="Here is the edited summary")
        original = await interaction.original_response()
        results.put_nowait({"first": first, "second": second, "original": original})

    async with running_client(bot, emu):
        record = await emu.dispatch_interaction(
            "summary", member=world.member, channel=world.channel
        )
        await emu.wait_for_ack(record)
        outcome = await asyncio.wait_for(results.get(), 5)

    (callback,) = record.callbacks
    assert callback.json == {"type": 5, "data": {"flags": 64}}
    webhook = f"/webhooks/{emu.application_id}/{record.token}"
    followups = emu.requests_to("POST", webhook)
    assert [r.json["content"] for r in followups] == ["Here is the summary", "A public note"]
    assert all(r.query["wait"] == "1" for r in followups)
    # The first followup after a "thinking" defer completes the deferred (ephemeral) message.
    assert outcome["first"].id == record.original_message_id
    assert outcome["first"].flags.ephemeral
    assert outcome["second"].id != record.original_message_id
    assert not outcome["second"].flags.ephemeral
    assert emu.requests_to("PATCH", webhook + "/messages/@original")[0].ok
    assert outcome["original"].content == "Here is the edited summary"


async def test_second_initial_response_is_refused(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot()
    errors: asyncio.Queue[Exception] = asyncio.Queue()

    @bot.tree.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        try:
            await interaction.response.send_message("second")
        except Exception as exc:
            errors.put_nowait(exc)

    async with running_client(bot, emu):
        record = await emu.dispatch_interaction("twice", member=world.member, channel=world.channel)
        error = await asyncio.wait_for(errors.get(), 5)

    # discord.py refuses locally: no second request reaches Discord.
    assert isinstance(error, discord.InteractionResponded)
    assert len(record.callbacks) == 1
    # A second callback that does reach Discord (another process, raw HTTP) gets 40060.
    url = f"{emu.api_url}/interactions/{record.id}/{record.token}/callback"
    async with aiohttp.ClientSession() as http:
        body = {"type": 4, "data": {"content": "again"}}
        async with http.post(url, json=body) as response:
            assert response.status == 400
            assert (await response.json())["code"] == 40060
    assert record.callbacks[-1].error_code == 40060


async def test_late_initial_response_is_unknown_interaction(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    emu.interaction_deadline = 0.2
    bot = make_bot()
    errors: asyncio.Queue[Exception] = asyncio.Queue()

    @bot.tree.command(name="slow", description="Thinks too long before answering")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.35)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            errors.put_nowait(exc)

    async with running_client(bot, emu):
        record = await emu.dispatch_interaction("slow", member=world.member, channel=world.channel)
        error = await asyncio.wait_for(errors.get(), 5)

    assert isinstance(error, discord.NotFound)
    assert (error.status, error.code) == (404, 10062)
    assert not record.acknowledged


async def test_message_limits_are_enforced_like_discord(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    async with running_client(make_bot(), emu) as bot:
        channel = bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)

        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert (too_long.value.status, too_long.value.code) == (400, 50035)
        assert "In content: Must be 2000 or fewer in length." in too_long.value.text

        with pytest.raises(discord.HTTPException) as description:
            await channel.send(embed=discord.Embed(description="d" * 4097))
        assert "embeds.0.description" in description.value.text

        crowded = discord.Embed(title="Fields")
        for number in range(26):
            crowded.add_field(name=f"f{number}", value="v")
        with pytest.raises(discord.HTTPException) as fields:
            await channel.send(embed=crowded)
        assert "embeds.0.fields" in fields.value.text

        halves = [discord.Embed(description="h" * 3500), discord.Embed(description="h" * 3500)]
        with pytest.raises(discord.HTTPException) as total:
            await channel.send(embeds=halves)
        assert "6000" in total.value.text

        with pytest.raises(discord.HTTPException) as empty:
            await channel.send()
        assert (empty.value.status, empty.value.code) == (400, 50006)

        assert (await channel.send("x" * 2000)).content == "x" * 2000

    # discord.py itself raises ValueError for more than 10 embeds; the emulator refuses too.
    url = f"{emu.api_url}/channels/{world.channel.id}/messages"
    headers = {"Authorization": f"Bot {FAKE_TOKEN}"}
    async with aiohttp.ClientSession() as http:
        body = {"embeds": [{"title": str(n)} for n in range(11)]}
        async with http.post(url, json=body, headers=headers) as response:
            assert response.status == 400
            assert (await response.json())["errors"]["embeds"]["_errors"][0]["code"] == (
                "BASE_TYPE_MAX_LENGTH"
            )


async def test_file_upload_is_parsed_from_multipart(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    async with running_client(make_bot(), emu) as bot:
        channel = bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("notes", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))
        request = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")

    assert request.json["content"] == "notes"
    assert [(f.filename, f.data) for f in request.files] == [("notes.txt", b"hello")]
    assert [a.filename for a in message.attachments] == ["notes.txt"]
    assert message.attachments[0].size == 5


async def test_thread_from_message_and_button_click(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot()
    clicked = asyncio.Event()

    class Feedback(discord.ui.View):
        @discord.ui.button(label="Helpful", custom_id="helpful")
        async def helpful(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.edit_message(content="Thanks for the feedback", view=None)
            clicked.set()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        thread = await message.create_thread(name="Answer")
        await thread.send("The answer", view=Feedback(timeout=None))

    async with running_client(bot, emu):
        thread_created = asyncio.ensure_future(bot.wait_for("thread_create", timeout=5))
        question = await emu.dispatch_message(world.channel, "tariffs?", author=world.member)
        created = await emu.wait_for_request("POST", "/channels/*/messages/*/threads")
        answer = await emu.wait_for_request("POST", f"/channels/{question['id']}/messages")
        thread = await thread_created
        record = await emu.dispatch_component(answer.response, "helpful", member=world.member)
        await emu.wait_for_ack(record)
        await asyncio.wait_for(clicked.wait(), 5)

    assert created.status == 201 and created.json["name"] == "Answer"
    assert created.response["type"] == 11 and created.response["id"] == question["id"]
    assert isinstance(thread, discord.Thread) and thread.parent_id == world.channel.id
    assert answer.response["components"][0]["components"][0]["custom_id"] == "helpful"
    assert record.response_type == 7
    stored = emu.state.messages[int(answer.response["id"])]
    assert (stored["content"], stored["components"]) == ("Thanks for the feedback", [])


@pytest.mark.parametrize("fault", ["close-4000", "abrupt", "invalid-session"])
async def test_client_recovers_after_gateway_drop(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, fault: str
) -> None:
    emu, world = discord_emulator, standard_guild
    bot = make_bot()

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if not message.author.bot:
            await message.channel.send(f"pong: {message.content}")

    async with running_client(bot, emu):
        if fault == "invalid-session":
            emu.invalidate_sessions()
        assert await emu.drop_gateway(abrupt=fault == "abrupt") == 1
        if fault == "invalid-session":
            await emu.wait_for_identify(2)
        else:
            # Sent while the socket is down: kept in the session and replayed on RESUME.
            await emu.dispatch_message(world.channel, "during outage", author=world.member)
            await emu.wait_for_resume(1)
            reply = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")
            assert reply.json["content"] == "pong: during outage"
        await emu.dispatch_message(world.channel, "after", author=world.member)
        reply = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")
        assert reply.json["content"] == "pong: after"

    for session in emu.gateway.sessions.values():
        assert [f["s"] for f in session.log] == list(range(1, session.seq + 1))
    paths = [c.path for c in emu.gateway.connections]
    assert emu.resume_count == 1
    if fault == "invalid-session":
        # discord.py re-IDENTIFYs at the stale resume URL (it only resets ws.gateway).
        assert paths == ["/gateway", "/gateway-resume", "/gateway-resume"]
        assert (emu.identify_count, emu.gateway.invalid_session_count) == (2, 1)
    else:
        assert paths == ["/gateway", "/gateway-resume"]
        assert emu.identify_count == 1


async def test_auto_sharded_bot_gets_each_guild_on_its_shard() -> None:
    class ShardedBot(commands.AutoShardedBot):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            pass

    async with DiscordEmulator(EmulatorConfig(shards=2)) as emu:
        guilds = [emu.add_guild(f"Guild {n}") for n in range(4)]
        bot = ShardedBot(
            command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1
        )
        async with running_client(bot, emu):
            assert emu.requests_to("GET", "/gateway/bot")
            assert (bot.shard_count, emu.identify_count) == (2, 2)
            for guild in guilds:
                cached = bot.get_guild(guild.id)
                assert cached is not None and cached.shard_id == (guild.id >> 22) % 2


async def test_heartbeats_are_sent_and_acknowledged() -> None:
    async with DiscordEmulator(EmulatorConfig(heartbeat_interval_ms=150)) as emu:
        emu.add_standard_guild()
        async with running_client(make_bot(), emu) as bot:
            start = emu.heartbeat_count
            await emu.wait_for_heartbeats(start + 3, timeout=3)
            assert bot.latency < 1.0  # finite: the client got HEARTBEAT_ACKs
            assert (emu.gateway.last_heartbeat_seq or 0) >= 2  # READY + GUILD_CREATE seen


async def test_unknown_routes_are_answered_404_and_recorded(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild
) -> None:
    emu = discord_emulator
    emu.allow_unknown_routes = True
    async with running_client(make_bot(), emu) as bot:
        with pytest.raises(discord.NotFound):
            await bot.fetch_invite("trade-talks")
    assert [r.path for r in emu.unknown_requests] == ["/invites/trade-talks"]
