"""End to end, moderators' side: 👍/👎 feedback, /stats, /unanswered, /kb and the question log.

The real DisputeBot (discord.py) against the Discord emulator, with a real SQLite file per test.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.discord_app.views import VOTE_DOWN, VOTE_UP
from bot.storage.database import utcnow
from bot.storage.feedback import VoteCount
from bot.storage.question_log import Origin, QuestionRecord
from tests.conftest import SEED
from tests.discord_bot_harness import dispute_bot, make_project
from tests.discord_emulator import (
    DiscordEmulator,
    InteractionRecord,
    Member,
    StandardGuild,
    UploadedFile,
)

pytest_plugins = ["tests.discord_emulator.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

EPHEMERAL = 1 << 6
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 5, 7, 8
REFUSED = "Only moderators can do that"

GENEVA = b"# Geneva talks\n\nNegotiators met in Geneva on May 10, 2025 and agreed to cut tariffs.\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def seeds_of(project: Path) -> Path:
    return project.parent.parent / "seeds"


def database_of(project: Path) -> Path:
    return project.parent.parent / "var" / "bot.sqlite3"


def channel_messages(world: StandardGuild, channel_id: int | None = None) -> str:
    return f"/channels/{channel_id or world.channel.id}/messages"


def initial(record: InteractionRecord) -> dict[str, Any]:
    """The accepted initial response (type and data) of an interaction."""
    assert record.response is not None, [c.summary() for c in record.callbacks]
    return record.response


async def followup(emu: DiscordEmulator, record: InteractionRecord) -> dict[str, Any]:
    request = await emu.wait_for_request("POST", f"/webhooks/{emu.application_id}/{record.token}")
    assert request.ok, request.response
    return request.json


async def refused(emu: DiscordEmulator, record: InteractionRecord) -> str:
    """The one ephemeral line a refused command gets; it never reaches the command body."""
    await emu.wait_for_ack(record)
    response = initial(record)
    assert response["type"] == CHANNEL_MESSAGE and response["data"]["flags"] & EPHEMERAL
    return response["data"]["content"]


async def ask_in_channel(
    emu: DiscordEmulator, world: StandardGuild, text: str, author: Member
) -> dict[str, Any]:
    """A question posted in the set-aside channel; returns the bot's reply (a message object)."""
    await emu.dispatch_message(world.channel, text, author=author)
    reply = await emu.wait_for_request("POST", channel_messages(world))
    assert reply.ok, reply.response
    return reply.response


async def slash_ask(
    emu: DiscordEmulator, world: StandardGuild, question: str, member: Member, channel=None
) -> dict[str, Any]:
    """/ask; returns the public answer as a message object (the completed "thinking" message)."""
    record = await emu.dispatch_interaction(
        "ask", {"question": question}, member=member, channel=channel or world.channel
    )
    request = await emu.wait_for_request("POST", f"/webhooks/{emu.application_id}/{record.token}")
    assert request.ok, request.response
    return request.response


async def click(
    emu: DiscordEmulator, message: dict[str, Any], custom_id: str, member: Member
) -> dict[str, Any]:
    record = await emu.dispatch_component(message, custom_id, member=member)
    await emu.wait_for_ack(record)
    return initial(record)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's buttons by label or emoji."""
    found = {}
    for row in message["components"]:
        for button in row["components"]:
            key = button.get("label") or (button.get("emoji") or {}).get("name")
            found[key] = button
    return found


async def moderator_command(
    emu: DiscordEmulator, world: StandardGuild, name: str, options: dict | None = None
) -> tuple[InteractionRecord, dict[str, Any]]:
    """A deferred, ephemeral moderator command and its one followup."""
    record = await emu.dispatch_interaction(
        name, options, member=world.moderator, channel=world.channel
    )
    body = await followup(emu, record)
    assert initial(record)["type"] == DEFERRED_CHANNEL_MESSAGE
    assert body["flags"] & EPHEMERAL
    return record, body


# -- 1. feedback --------------------------------------------------------------------------------


async def test_votes_are_stored_per_person_changeable_and_survive_a_restart(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project) as bot:
        answer = await ask_in_channel(emu, world, "who is guo jiakun?", world.member)
        asked = await slash_ask(emu, world, "is there a stalemate?", world.member)
        assert list(buttons(answer)) == ["👍", "👎"]
        assert [b["custom_id"] for b in buttons(asked).values()] == [VOTE_UP, VOTE_DOWN]
        votes = bot.storage.feedback

        up = await click(emu, answer, VOTE_UP, world.member)
        assert up["type"] == CHANNEL_MESSAGE and up["data"]["flags"] & EPHEMERAL
        assert "Thanks for the 👍" in up["data"]["content"]
        assert await votes.votes_for(message_id=int(answer["id"])) == VoteCount(up=1, down=0)
        _, stats = await moderator_command(emu, world, "stats")
        assert "👍 1 / 👎 0" in stats["content"]

        down = await click(emu, answer, VOTE_DOWN, world.member)  # the same person: a change
        assert "Thanks for the 👎" in down["data"]["content"] and down["data"]["flags"] & EPHEMERAL
        assert await votes.votes_for(message_id=int(answer["id"])) == VoteCount(up=0, down=1)

        await click(emu, answer, VOTE_UP, world.moderator)  # someone else: counted apart
        await click(emu, asked, VOTE_UP, world.member)  # an /ask answer is rated the same way
        assert await votes.votes_for(message_id=int(answer["id"])) == VoteCount(up=1, down=1)
        assert await votes.votes_for(message_id=int(asked["id"])) == VoteCount(up=1, down=0)
        _, stats = await moderator_command(emu, world, "stats")
        assert "👍 2 / 👎 1" in stats["content"]

    # A new bot on the same database file: the buttons of old answers still work.
    async with dispute_bot(emu, world, project) as restarted:
        again = await click(emu, answer, VOTE_DOWN, world.manager)
        assert "Thanks for the 👎" in again["data"]["content"]
        assert again["data"]["flags"] & EPHEMERAL
        counts = await restarted.storage.feedback.votes_for(message_id=int(answer["id"]))
        assert counts == VoteCount(up=1, down=2)
        changed = await click(emu, answer, VOTE_UP, world.member)  # same voter after restart
        assert "Thanks for the 👍" in changed["data"]["content"]
        counts = await restarted.storage.feedback.votes_for(message_id=int(answer["id"]))
        assert counts == VoteCount(up=2, down=1)


# -- 2. /stats and /unanswered ----------------------------------------------------------------------


async def test_stats_and_unanswered_are_for_moderators_with_right_numbers_and_safe_text(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    other = emu.add_text_channel(world.guild, "random")
    hostile = [
        "'); DROP TABLE questions;--",
        "@everyone is this *bold* _under_ `code`?",
        f"<@{world.member.id}> who won the world cup?",
        "🇨🇳🤝🇺🇸" * 60,
    ]
    async with dispute_bot(emu, world, project) as bot:
        for command in ("stats", "unanswered"):
            record = await emu.dispatch_interaction(command, member=world.member,
                                                    channel=world.channel)
            assert REFUSED in await refused(emu, record)

        # 9 questions: 3 answered; 8 in #general, 1 in #random.
        await ask_in_channel(emu, world, "who is guo jiakun?", world.member)
        await ask_in_channel(emu, world, "is there a stalemate?", world.moderator)
        await ask_in_channel(emu, world, "What is the capital of France?", world.member)
        await slash_ask(emu, world, "what is   the capital of france?", world.manager)
        await slash_ask(emu, world, "when did china deny the talks?", world.member, other)
        for text in hostile:
            await slash_ask(emu, world, text, world.member)

        _, stats = await moderator_command(emu, world, "stats", {"days": 30})
        text = stats["content"]
        assert "**Last 30 days**: 9 questions, 33% answered, 👍 0 / 👎 0" in text
        assert f"Busiest channels: <#{world.channel.id}> 8 · <#{other.id}> 1" in text
        assert stats["allowed_mentions"]["parse"] == []

        # Older, less asked questions: enough for a second page (filler 00 the newest of them).
        yesterday = utcnow() - timedelta(days=1)
        for n in range(20):
            bot.storage.questions.record(QuestionRecord(
                f"filler question {n:02} " + "about something the articles never cover " * 3,
                Origin.SLASH, answered=False, guild_id=world.guild.id,
                asked_at=yesterday - timedelta(minutes=n),
            ))
        # …and one from another server, which this one's moderators must not see.
        bot.storage.questions.record(QuestionRecord(
            "a question from another server?", Origin.SLASH, answered=False, guild_id=1,
        ))

        record, page_one = await moderator_command(emu, world, "unanswered")
        message = emu.state.messages[record.original_message_id]
        lines = page_one["content"].splitlines()
        assert lines[0] == "**Unanswered in the last 7 days**, most asked first:"
        assert lines[1].startswith("2× “what is the capital of france?”")  # latest wording
        assert not any("guo jiakun" in line or "another server" in line for line in lines)
        assert "*Page 1 of 2*" in lines[-1]
        body = page_one["content"]
        assert "1× “'); DROP TABLE questions;--”" in body
        assert r"“@everyone is this \*bold\* \_under\_ \`code\`?”" in body
        assert f"“<@{world.member.id}> who won the world cup?”" in body
        emoji_line = next(line for line in lines if "🇨🇳" in line)
        assert len(emoji_line) < 200 and "…" in emoji_line
        # Nobody is pinged: not @everyone, not the member named in a question.
        assert page_one["allowed_mentions"]["parse"] == []
        assert not page_one["allowed_mentions"].get("users")
        assert message["mentions"] == [] and not message["mention_everyone"]
        assert message["flags"] & EPHEMERAL and len(message["content"]) <= 2000
        previous, following = buttons(message)["◀"], buttons(message)["▶"]
        assert previous["disabled"] and not following["disabled"]

        turned = await click(emu, message, following["custom_id"], world.moderator)
        assert turned["type"] == UPDATE_MESSAGE
        assert turned["data"]["allowed_mentions"]["parse"] == []
        page_two = message["content"]
        for n in range(20):  # every question on exactly one page
            assert (body + page_two).count(f"filler question {n:02} ") == 1
        assert "*Page 2 of 2*" in message["content"] and "filler question 19" in message["content"]
        assert "DROP TABLE" not in message["content"]
        assert not buttons(message)["◀"]["disabled"] and buttons(message)["▶"]["disabled"]
        assert message["mentions"] == [] and not message["mention_everyone"]

        # Discord shows an ephemeral message to its owner only; the view checks anyway.
        intruder = await click(emu, message, previous["custom_id"], world.manager)
        assert intruder["type"] == CHANNEL_MESSAGE and intruder["data"]["flags"] & EPHEMERAL
        assert "Only the person who asked" in intruder["data"]["content"]
        assert "*Page 2 of 2*" in message["content"]

        back = await click(emu, message, previous["custom_id"], world.moderator)
        assert back["type"] == UPDATE_MESSAGE and "*Page 1 of 2*" in message["content"]


async def test_stats_counts_questions_asked_just_before(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    """The question log writes in batches; a report must not miss what is still queued."""
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        await ask_in_channel(emu, world, "What is the capital of France?", world.member)
        _, stats = await moderator_command(emu, world, "stats")
        _, unanswered = await moderator_command(emu, world, "unanswered")
    assert "1 question, 0% answered" in stats["content"]
    assert "1× “What is the capital of France?”" in unanswered["content"]


# -- 3. /kb ------------------------------------------------------------------------------------


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


async def kb_add(
    emu: DiscordEmulator, world: StandardGuild, filename: str, data: bytes
) -> str:
    _, body = await moderator_command(
        emu, world, "kb add", {"article": UploadedFile(filename, data)}
    )
    return body["content"]


async def test_kb_list_add_and_remove(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    root, seeds = project.parent.parent, seeds_of(project)
    async with dispute_bot(emu, world, project):
        record = await emu.dispatch_interaction("kb list", member=world.moderator,
                                                channel=world.channel)
        await emu.wait_for_ack(record)
        listing = initial(record)["data"]
        assert listing["flags"] & EPHEMERAL
        assert f"`{SEED.name}`" in listing["content"] and "13 sentences" in listing["content"]
        before = await slash_ask(emu, world, "what was agreed in Geneva?", world.member)
        assert "don't mention Geneva" in before["content"]

        added = await kb_add(emu, world, "Geneva Talks.md", GENEVA)
        assert "Saved `geneva-talks.md`." in added and "· title: Geneva talks" in added
        assert "Added: `geneva-talks.md`" in added
        assert (seeds / "geneva-talks.md").read_bytes() == GENEVA
        answer = await slash_ask(emu, world, "what was agreed in Geneva?", world.member)
        assert "Geneva" in answer["content"] and "geneva-talks.md" in answer["content"]

        sneaky = await kb_add(emu, world, "../../evil.txt", b"Evil plans.\n\nThey met at night.\n")
        assert "Saved `evil.txt`" in sneaky and "Added: `evil.txt`" in sneaky
        assert list(root.parent.rglob("evil*")) == [seeds / "evil.txt"]  # nothing outside

        record = await emu.dispatch_interaction("kb list", member=world.moderator,
                                                channel=world.channel)
        await emu.wait_for_ack(record)
        listing = initial(record)["data"]["content"]
        assert "**3 sources**" in listing
        assert "`geneva-talks.md` — *Geneva talks*, 2 sentences" in listing

        choices = await emu.dispatch_autocomplete(
            "kb remove", {"source": "GEN"}, focused="source", member=world.moderator,
            channel=world.channel,
        )
        await emu.wait_for_ack(choices)
        result = initial(choices)
        assert result["type"] == AUTOCOMPLETE_RESULT
        assert result["data"]["choices"] == [{"name": "geneva-talks.md", "value": "geneva-talks.md"}]

        _, removed = await moderator_command(emu, world, "kb remove", {"source": "geneva-talks.md"})
        assert "Removed `geneva-talks.md`." in removed["content"]
        assert "Removed: `geneva-talks.md`" in removed["content"]
        assert not (seeds / "geneva-talks.md").exists()
        after = await slash_ask(emu, world, "what was agreed in Geneva?", world.member)
        assert "geneva-talks.md" not in after["content"]

        for source in ("nope.md", "../config/knowledge.yaml", "geneva-talks.md"):
            _, unknown = await moderator_command(emu, world, "kb remove", {"source": source})
            assert unknown["content"].startswith("No source named")
        assert (root / "config" / "knowledge.yaml").is_file()
        assert files_under(seeds) == {SEED.name, "evil.txt"}


async def test_kb_add_refuses_bad_files_and_non_moderators_writing_nothing(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    root = project.parent.parent
    async with dispute_bot(emu, world, project, max_upload_bytes=300):
        before = files_under(root)
        cases = {
            "image.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40), "binary file"),
            "latin1.txt": ("Négociations à Genève, été 2025.".encode("latin-1"), "not valid UTF-8"),
            "paper.pdf": (b"%PDF-1.7\n" + GENEVA, "only .html, .htm, .txt and .md"),
            "paper.html": (b"%PDF-1.7\n" + GENEVA, "not a web page"),
            "huge.md": (GENEVA * 4, "too large"),
            "empty.md": (b" \n\n", "empty file"),
        }
        for filename, (data, reason) in cases.items():
            text = await kb_add(emu, world, filename, data)
            assert text.startswith("Not added: ") and reason in text, (filename, text)
            assert "\n" not in text
        assert files_under(root) - before <= {"var/bot.sqlite3-wal", "var/bot.sqlite3-shm"}
        assert not list(seeds_of(project).glob(".upload-*"))
        # The oversized file was refused by its declared size, before any download.
        downloads = [r.path for r in emu.requests_to("GET") if "attachments/" in r.path]
        assert downloads and not any("huge.md" in path for path in downloads)

        record = await emu.dispatch_interaction(
            "kb add", {"article": UploadedFile("geneva.md", GENEVA)}, member=world.member,
            channel=world.channel,
        )
        assert REFUSED in await refused(emu, record)
        for command, options in (("kb list", {}), ("kb remove", {"source": SEED.name})):
            record = await emu.dispatch_interaction(command, options, member=world.member,
                                                    channel=world.channel)
            assert REFUSED in await refused(emu, record)
        assert files_under(seeds_of(project)) == {SEED.name}
        # Nor was a non-moderator's file ever fetched.
        assert len([r for r in emu.requests_to("GET") if "attachments/" in r.path]) == len(downloads)


# -- 4. the question log ------------------------------------------------------------------------


async def test_questions_are_logged_with_where_who_hashed_and_the_reply(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project) as bot:
        in_channel = await ask_in_channel(emu, world, "who is guo jiakun?", world.member)
        by_slash = await slash_ask(emu, world, "when did china deny the talks?", world.moderator)
        missed = await ask_in_channel(emu, world, "What is the capital of France?", world.manager)
        await bot.storage.questions.flush()
        logged = {q.question: q for q in await bot.storage.questions.recent()}
        sentence_ids = {s.id for s in bot.knowledge.kb.sentences}
        hash_user, generation = bot.storage.db.hash_user, bot.knowledge.generation

    channel_q = logged["who is guo jiakun?"]
    assert channel_q.origin is Origin.CHANNEL
    assert channel_q.asker == hash_user(world.member.id) != str(world.member.id)
    assert channel_q.asker_id is None
    assert (channel_q.guild_id, channel_q.channel_id) == (world.guild.id, world.channel.id)
    assert channel_q.answered and channel_q.quoted and set(channel_q.quoted) <= sentence_ids
    assert channel_q.reply_message_id == int(in_channel["id"])
    assert channel_q.generation_id == generation is not None
    assert re.search(r"\*\*\[1\]\*\*", in_channel["content"])

    slash_q = logged["when did china deny the talks?"]
    assert slash_q.origin is Origin.SLASH
    assert slash_q.asker == hash_user(world.moderator.id)
    assert (slash_q.guild_id, slash_q.channel_id) == (world.guild.id, world.channel.id)
    assert slash_q.answered and set(slash_q.quoted) <= sentence_ids and slash_q.quoted
    assert slash_q.reply_message_id == int(by_slash["id"])

    missed_q = logged["What is the capital of France?"]
    assert not missed_q.answered and missed_q.quoted == ()
    assert missed_q.reply_message_id == int(missed["id"])

    # Straight from the file: no raw user id anywhere in the log.
    with contextlib.closing(sqlite3.connect(database_of(project))) as conn:
        rows = conn.execute("SELECT * FROM questions").fetchall()
    assert len(rows) == 3
    raw_ids = {str(m.id) for m in (world.member, world.moderator, world.manager)}
    assert not raw_ids & {str(value) for row in rows for value in row}
