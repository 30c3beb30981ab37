"""End to end on a knowledge base of many dated articles: /timeline, /summary across time, dated
/sources and answers that follow the dispute as it moves (the real bot against the emulator)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.discord_bot_harness import dispute_bot, followup, make_project
from tests.discord_emulator import DiscordEmulator, StandardGuild

pytest_plugins = ["tests.discord_emulator.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

TIMELINE = ROOT / "tests" / "data" / "timeline"
NO_PINGS = {"parse": [], "replied_user": False}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    config = make_project(tmp_path / "project")
    seeds = config.parent.parent / "seeds"
    for article in TIMELINE.iterdir():
        if article.suffix in {".txt", ".md", ".yaml"}:
            shutil.copy(article, seeds / article.name)
    return config


async def test_timeline_lists_dated_events_oldest_first_in_pages(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        record = await emu.dispatch_interaction("timeline", member=world.member,
                                                channel=world.channel)
        await emu.wait_for_ack(record)
        # the pages' view then fetches its message (to edit it on a click): the bot is not shut
        # down under that request
        fetched = await emu.wait_for_request(
            "GET", f"/webhooks/{emu.application_id}/{record.token}/messages/@original"
        )
    assert fetched.ok
    data = record.callbacks[0].json["data"]
    content = data["content"]
    assert data["allowed_mentions"]["parse"] == [] and len(content) <= 2000
    assert content.startswith("**Timeline** — 10 dated articles, oldest first")
    assert content.index("**11 Apr 2025**") < content.index("**25 Apr 2025**")
    assert "*Page 1 of " in content  # ten cited lines do not fit one message
    assert [c["custom_id"] for row in data["components"] for c in row["components"]]


async def test_summary_leads_with_where_things_stand_then_how_they_got_there(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project):
        everything = await emu.dispatch_interaction("summary", member=world.member,
                                                    channel=world.channel)
        everything_body = await followup(emu, everything)
        one = await emu.dispatch_interaction(
            "summary", {"source": "020_geneva_truce.md"}, member=world.member,
            channel=world.channel,
        )
        one_body = await followup(emu, one)
        missing = await emu.dispatch_interaction(
            "summary", {"source": "nope.md"}, member=world.member, channel=world.channel
        )
        await emu.wait_for_ack(missing)
    text = everything_body["content"]
    assert text.startswith("**Where things stand** (6 Nov 2025)") and len(text) <= 2000
    assert "**How they got there**" in text and "(more quotes left out)" not in text
    assert text.index("090_november_implementation.md") < text.index("080_busan_summit.md")
    single = one_body["content"]
    assert single.startswith("**Summary of U.S. and China Agree to Slash Tariffs")
    assert "020_geneva_truce.md" in single and "090_" not in single
    refusal = missing.callbacks[0].json["data"]
    assert "No source named" in refusal["content"] and refusal["flags"] & (1 << 6)


async def test_sources_are_dated_newest_first_and_a_question_of_now_gets_the_newest_answer(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, caplog
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project) as bot:
        sources = await emu.dispatch_interaction("sources", member=world.member,
                                                 channel=world.channel)
        await emu.wait_for_ack(sources)
        await emu.dispatch_message(
            world.channel, f"<@{bot.user.id}> are the export controls still in place now?",
            author=world.member, mentions=[bot.user.id],
        )
        reply = await emu.wait_for_request("POST", f"/channels/{world.channel.id}/messages")
    listed = [line for line in sources.callbacks[0].json["data"]["content"].splitlines() if line]
    assert "090_november_implementation.md" in listed[1] and "6 Nov 2025, date inferred" in listed[1]
    assert "010_tariffs_145.txt" in listed[-1] and "11 Apr 2025" in listed[-1]
    answer = reply.json["content"]
    assert answer.startswith("**6 Nov 2025**\n> ")  # the newest article first, dated
    assert "**Earlier, 11 Jun 2025**\n> " in answer  # then what an older article said
    assert reply.json["allowed_mentions"] == NO_PINGS
    # a question by mention is ordinary use: the log shows no ERROR for it
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
