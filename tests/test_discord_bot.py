"""End to end: the real DisputeBot (discord.py) against the Discord emulator on loopback."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.settings import ChannelConfig
from tests.conftest import SEED
from tests.discord_bot_harness import dispute_bot, followup, make_project
from tests.discord_emulator import DiscordEmulator, StandardGuild

pytest_plugins = ["tests.discord_emulator.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

EPHEMERAL = 1 << 6
NO_PINGS = {"parse": [], "replied_user": False}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def channel_messages(world: StandardGuild) -> str:
    return f"/channels/{world.channel.id}/messages"


async def test_mention_gets_a_cited_reply_that_pings_nobody(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project) as bot:
        question = f"<@{bot.user.id}> is China negotiating? @everyone <@{world.member.id}>"
        sent = await emu.dispatch_message(
            world.channel, question, author=world.moderator, mentions=[bot.user.id, world.member]
        )
        typing = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/typing")
        reply = await emu.wait_for_request("POST", channel_messages(world))
        # One persistent view serves every answer's buttons; none may be kept per message (that
        # leaked ~2.6 KB an answer). Read-only look at discord.py's view store: no public count.
        assert len(bot.persistent_views) == 1
        await asyncio.sleep(0.3)  # the bot files the sent view after the HTTP response
        assert not bot._connection._view_store._synced_message_views
    assert typing.ok
    body = reply.json
    assert body["message_reference"]["message_id"] == int(sent["id"])
    assert body["allowed_mentions"] == NO_PINGS
    assert reply.response["mentions"] == [] and not reply.response["mention_everyone"]
    assert body["content"].startswith("> ") and "**[1]**" in body["content"]
    assert SEED.name in body["content"] and len(body["content"]) <= 2000
    buttons = [c["custom_id"] for row in body["components"] for c in row["components"]]
    assert buttons == ["dispute-bot:vote:up", "dispute-bot:vote:down"]


async def test_set_aside_channel_answers_questions_once_and_ignores_chatter_and_bots(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    other_bot = emu.add_user("other-bot")
    other_bot.bot = True
    emu.add_member(world.guild, other_bot)
    async with dispute_bot(emu, world, project):
        await emu.dispatch_message(world.channel, "lol nice", author=world.member)
        await emu.dispatch_message(world.channel, "is there a stalemate?", author=other_bot)
        asked = await emu.dispatch_message(world.channel, "who is guo jiakun?", author=world.member)
        await emu.dispatch_event("MESSAGE_CREATE", asked, guild_id=world.guild.id)  # a replay
        reply = await emu.wait_for_request("POST", channel_messages(world))
        with pytest.raises(TimeoutError):
            await emu.wait_for_request("POST", channel_messages(world), timeout=1.0)
    assert reply.json["message_reference"]["message_id"] == int(asked["id"])
    assert "Guo Jiakun" in reply.json["content"]


async def test_out_of_scope_question_says_so_without_quotes(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        await emu.dispatch_message(world.channel, "What is the capital of France?",
                                   author=world.member)
        reply = await emu.wait_for_request("POST", channel_messages(world))
    assert "don't" in reply.json["content"] or "nothing about" in reply.json["content"]
    assert "> " not in reply.json["content"] and not reply.json.get("components")


async def test_too_long_and_empty_mentions_get_a_polite_refusal(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project, max_question_chars=50) as bot:
        await emu.dispatch_message(world.channel, f"<@{bot.user.id}> " + "why? " * 40,
                                   author=world.member, mentions=[bot.user.id])
        long = await emu.wait_for_request("POST", channel_messages(world))
        await emu.dispatch_message(world.channel, f"<@{bot.user.id}>", author=world.member,
                                   mentions=[bot.user.id])
        empty = await emu.wait_for_request("POST", channel_messages(world))
    assert "too long" in long.json["content"] and long.json["content"].count("\n") == 0
    assert "Ask me a question" in empty.json["content"]


async def test_slash_ask_is_acknowledged_in_time_and_answered_publicly(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        record = await emu.dispatch_interaction(
            "ask", {"question": "when did china deny the \u202etalks\u202c? @everyone"},
            member=world.member, channel=world.channel,
        )
        body = await followup(emu, record)
    assert record.ack_latency is not None and record.ack_latency < 3.0
    assert record.response_type == 5  # deferred: "thinking…", then the followup
    assert not (body.get("flags") or 0) & EPHEMERAL
    assert body["allowed_mentions"]["parse"] == []
    assert "April 25, 2025" in body["content"] and body["content"].startswith("**Q:**")
    assert body["content"].startswith("**Q:** when did china deny the talks? @everyone")  # no RLO


async def test_help_sources_and_summary(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        help_record = await emu.dispatch_interaction("help", member=world.member,
                                                     channel=world.channel)
        await emu.wait_for_ack(help_record)
        moderator_help = await emu.dispatch_interaction("help", member=world.moderator,
                                                        channel=world.channel)
        await emu.wait_for_ack(moderator_help)
        sources = await emu.dispatch_interaction("sources", member=world.member,
                                                 channel=world.channel)
        await emu.wait_for_ack(sources)
        summary = await emu.dispatch_interaction("summary", {"length": "long"},
                                                 member=world.member, channel=world.channel)
        summary_body = await followup(emu, summary)
    help_body = help_record.callbacks[0].json["data"]
    assert help_body["flags"] & EPHEMERAL and "/ask" in help_body["content"]
    assert "/kb" not in help_body["content"] and "/timeline" in help_body["content"]
    assert "/kb add" in moderator_help.callbacks[0].json["data"]["content"]
    sources_body = sources.callbacks[0].json["data"]
    assert "China Stands Firm" in sources_body["content"] and "13 sentences" in sources_body["content"]
    assert summary_body["content"].startswith("**Summary of the articles**")
    assert summary_body["content"].count("\n> ") >= 4


async def test_reload_is_for_moderators_only(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        refused = await emu.dispatch_interaction("reload", member=world.member,
                                                 channel=world.channel)
        await emu.wait_for_ack(refused)
        (project.parent.parent / "seeds" / "geneva.md").write_text(
            "# Geneva talks\n\nNegotiators met in Geneva on May 10, 2025.\n"
        )
        by_role = await emu.dispatch_interaction("reload", member=world.moderator,
                                                 channel=world.channel)
        role_body = await followup(emu, by_role)
        by_permission = await emu.dispatch_interaction("reload", member=world.manager,
                                                       channel=world.channel)
        permission_body = await followup(emu, by_permission)
        asked = await emu.dispatch_interaction("ask", {"question": "where did negotiators meet?"},
                                               member=world.member, channel=world.channel)
        answer = await followup(emu, asked)
    refusal = refused.callbacks[0].json["data"]
    assert refusal["flags"] & EPHEMERAL and "Only moderators" in refusal["content"]
    assert role_body["flags"] & EPHEMERAL and "Added: `geneva.md`" in role_body["content"]
    assert "Added: none" in permission_body["content"]
    assert "Geneva" in answer["content"]


async def test_failed_reload_keeps_the_old_knowledge_base_serving(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        project.write_text("retrieval: {k1: fast}\n")
        record = await emu.dispatch_interaction("reload", member=world.manager,
                                                channel=world.channel)
        body = await followup(emu, record)
        await emu.dispatch_message(world.channel, "who is yun sun?", author=world.member)
        reply = await emu.wait_for_request("POST", channel_messages(world))
    assert body["flags"] & EPHEMERAL
    assert "Reload failed; still serving the previous articles" in body["content"]
    assert "retrieval.k1: expected a number" in body["content"]
    assert "Stimson Center" in reply.json["content"]


async def test_cooldown_and_unexpected_errors_are_ephemeral_one_liners(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project, cooldown_uses=1) as bot:
        first = await emu.dispatch_interaction("ask", {"question": "is there a stalemate?"},
                                               member=world.member, channel=world.channel)
        await followup(emu, first)
        second = await emu.dispatch_interaction("ask", {"question": "is there a stalemate?"},
                                                member=world.member, channel=world.channel)
        await emu.wait_for_ack(second)
        await bot.storage.db.close()  # a real fault: the database is gone
        broken = await emu.dispatch_interaction("stats", member=world.manager,
                                                channel=world.channel)
        failure = await followup(emu, broken)
    cooldown = second.callbacks[0].json["data"]
    assert cooldown["flags"] & EPHEMERAL and re.search(r"try again in \d+ s", cooldown["content"])
    assert failure["flags"] & EPHEMERAL
    assert re.search(r"error id `[0-9a-f]{8}`", failure["content"])
    assert "Traceback" not in failure["content"]


async def test_threads_and_follow_ups_without_mention(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    channels = [ChannelConfig(id=world.channel.id, answer_all=True, threads=True)]
    async with dispute_bot(emu, world, project, channels=channels):
        await emu.dispatch_message(world.channel, "is china confident about the trade war?",
                                   author=world.member)
        created = await emu.wait_for_request("POST", re.compile(r"/channels/\d+/messages/\d+/threads"))
        thread_id = int(created.response["id"])
        first = await emu.wait_for_request("POST", f"/channels/{thread_id}/messages")
        await emu.dispatch_message(thread_id, "why?", author=world.member)
        second = await emu.wait_for_request("POST", f"/channels/{thread_id}/messages")
    assert "confident" in first.json["content"]
    assert second.json["allowed_mentions"] == NO_PINGS
    assert "believing it can endure" in second.json["content"]


async def test_questions_are_answered_after_the_gateway_drops(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        await emu.drop_gateway(code=4000)
        await emu.wait_for_resume(1)
        await emu.dispatch_message(world.channel, "who leads china?", author=world.member)
        after_resume = await emu.wait_for_request("POST", channel_messages(world))
        await emu.drop_gateway(abrupt=True)
        await emu.wait_for_heartbeats(emu.heartbeat_count + 1)
        await emu.dispatch_message(world.channel, "is there a stalemate?", author=world.member)
        after_drop = await emu.wait_for_request("POST", channel_messages(world), timeout=15)
    assert "Xi Jinping" in after_resume.json["content"]
    assert "stalemate" in after_drop.json["content"]


async def test_commands_are_synced_to_the_configured_guild(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        sync = await emu.wait_for_request(
            "PUT", f"/applications/{emu.application_id}/guilds/{world.guild.id}/commands"
        )
    names = {c["name"] for c in sync.json}
    assert {"ask", "summary", "sources", "help", "reload", "kb", "stats", "unanswered"} <= names
    reload = next(c for c in sync.json if c["name"] == "reload")
    assert str(reload["default_member_permissions"]) == str(1 << 5)  # Manage Server: a hint only


async def test_first_start_with_no_loadable_article_serves_an_empty_knowledge_base(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, tmp_path: Path, caplog
):
    """Only a binary file in seeds/: the bot starts, says so in /sources and in its log."""
    emu, world = discord_emulator, standard_guild
    config = make_project(tmp_path / "project")
    seeds = config.parent.parent / "seeds"
    for article in seeds.iterdir():
        article.unlink()
    (seeds / "photo.txt").write_bytes(b"\x00\x01\x02 not text")
    async with dispute_bot(emu, world, config):
        sources = await emu.dispatch_interaction("sources", member=world.member,
                                                 channel=world.channel)
        await emu.wait_for_ack(sources)
    assert "knowledge base is empty" in sources.callbacks[0].json["data"]["content"]
    assert "the knowledge base is empty: photo.txt: binary file" in caplog.text


async def test_global_commands_are_synced_on_a_fresh_install_and_not_again_unchanged(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, tmp_path: Path
):
    """Default config (no guilds): /ask must appear without `bot sync`; a restart with the same
    commands must not spend Discord's sync rate limit."""
    from bot.storage.storage import Storage

    emu, world = discord_emulator, standard_guild
    path = f"/applications/{emu.application_id}/commands"
    storage = await Storage.open(tmp_path / "sync.sqlite3")
    try:
        async with dispute_bot(emu, world, project, storage=storage, guilds=[]):
            first = await emu.wait_for_request("PUT", path)
        assert "ask" in {c["name"] for c in first.json}
        async with dispute_bot(emu, world, project, storage=storage, guilds=[]) as bot:
            assert bot.is_ready()  # connected: setup_hook, where syncing happens, is over
        assert len(emu.requests_to("PUT", path)) == 1
    finally:
        await storage.close()


async def _logged(storage) -> list:
    await storage.questions.flush()
    return await storage.questions.recent(limit=10)


async def test_a_failing_typing_indicator_never_costs_the_answer(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, tmp_path: Path
):
    """Typing is decoration: five 429s on it, or one 6-second 429, and the answer still comes,
    at once, and is logged."""
    from bot.storage.storage import Storage

    emu, world = discord_emulator, standard_guild
    storage = await Storage.open(tmp_path / "log.sqlite3")
    try:
        async with dispute_bot(emu, world, project, storage=storage) as bot:
            for fault in ({"times": 5, "retry_after": 0.01}, {"times": 1, "retry_after": 6.0}):
                emu.fail("POST", f"/channels/{world.channel.id}/typing", **fault)
                started = asyncio.get_running_loop().time()
                await emu.dispatch_message(world.channel, f"<@{bot.user.id}> is China negotiating?",
                                           author=world.member, mentions=[bot.user.id])
                reply = await emu.wait_for_request("POST", channel_messages(world))
                assert reply.ok and asyncio.get_running_loop().time() - started < 3.0
            # the bot logs a question once the reply's response is back: after the emulator
            # has recorded the request, so wait for the row rather than race it
            for _ in range(100):
                if len(rows := await _logged(storage)) == 2:
                    break
                await asyncio.sleep(0.02)
        assert len(rows) == 2 and all(r.answered and r.reply_error is None for r in rows)
    finally:
        await storage.close()


async def test_a_reply_that_fails_is_retried_and_a_lost_one_is_still_logged(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, tmp_path: Path
):
    from bot.storage.storage import Storage

    emu, world = discord_emulator, standard_guild
    storage = await Storage.open(tmp_path / "log.sqlite3")
    try:
        async with dispute_bot(emu, world, project, storage=storage) as bot:
            # five 429s exhaust discord.py's own tries: the bot tries again after a pause
            emu.fail("POST", channel_messages(world), times=5, retry_after=0.01)
            await emu.dispatch_message(world.channel, f"<@{bot.user.id}> is China negotiating?",
                                       author=world.member, mentions=[bot.user.id])
            reply = await emu.wait_for_request("POST", channel_messages(world),
                                               predicate=lambda r: r.ok, timeout=10)
            # a storm longer than every retry: the /ask answer is lost, the question is not
            emu.fail("POST", f"/webhooks/{emu.application_id}/*", times=100, retry_after=0.01)
            record = await emu.dispatch_interaction("ask", {"question": "who is Guo Jiakun?"},
                                                    member=world.member, channel=world.channel)
            await emu.wait_for_ack(record)
            for _ in range(200):
                rows = await _logged(storage)
                if len(rows) == 2:
                    break
                await asyncio.sleep(0.05)
        delivered = next(r for r in rows if r.origin == "channel")
        lost = next(r for r in rows if r.origin == "slash")
        assert delivered.reply_message_id == int(reply.response["id"]) and not delivered.reply_error
        assert lost.answered and lost.reply_message_id is None
        assert lost.reply_error is not None and "429" in lost.reply_error
    finally:
        await storage.close()


async def test_thread_follow_ups_survive_a_restart(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, tmp_path: Path
):
    from bot.storage.storage import Storage

    emu, world = discord_emulator, standard_guild
    channels = [ChannelConfig(id=world.channel.id, answer_all=True, threads=True)]
    storage = await Storage.open(tmp_path / "threads.sqlite3")
    try:
        async with dispute_bot(emu, world, project, storage=storage, channels=channels):
            await emu.dispatch_message(world.channel, "is china confident about the trade war?",
                                       author=world.member)
            created = await emu.wait_for_request(
                "POST", re.compile(r"/channels/\d+/messages/\d+/threads"))
            thread_id = int(created.response["id"])
            await emu.wait_for_request("POST", f"/channels/{thread_id}/messages")
        async with dispute_bot(emu, world, project, storage=storage, channels=channels):
            await emu.dispatch_message(thread_id, "why?", author=world.member)  # no mention
            follow_up = await emu.wait_for_request("POST", f"/channels/{thread_id}/messages")
        assert "believing it can endure" in follow_up.json["content"]
    finally:
        await storage.close()
