"""End to end, moderators adding the news: /kb add url:, the edit form, feeds and their reports.

The real DisputeBot against the Discord emulator; the pages come from a real HTTP server on
127.0.0.1 (tests/news_server.py), which the bot may reach only because these tests allow it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot_harness import dispute_bot, make_project
from tests.discord_emulator import DiscordEmulator, StandardGuild
from tests.news_server import NewsSite, news_site
from tests.test_discord_moderation import (
    EPHEMERAL,
    REFUSED,
    buttons,
    channel_messages,
    click,
    initial,
    moderator_command,
    seeds_of,
    slash_ask,
)

pytest_plugins = ["tests.discord_emulator.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

LOOPBACK = {"allow_private_urls": ["127.0.0.0/8"]}
MODAL = 9


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with news_site() as served:
        yield served


async def add_link(emu: DiscordEmulator, world: StandardGuild, url: str, **options: Any):
    return await moderator_command(emu, world, "kb add", {"url": url, **options})


async def test_a_pasted_link_is_answered_from_with_its_date_and_publisher(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, site: NewsSite
):
    emu, world = discord_emulator, standard_guild
    seeds = seeds_of(project)
    async with dispute_bot(emu, world, project, **LOOPBACK):
        _, added = await add_link(emu, world, site.url("busan_meeting.html"))
        text = added["content"]
        assert text.startswith("Saved `trump-and-xi-agree-to-trim-tariffs")
        assert "· publisher: Harbour Ledger" in text
        assert "· date: 30 Oct 2025, from the page" in text and "Added: `" in text
        name = text.split("`")[1]
        answer = await slash_ask(emu, world, "which rare earths did China add to its list?",
                                 world.member)
        assert "holmium" in answer["content"]
        assert "Harbour Ledger" in answer["content"] and "30 Oct 2025" in answer["content"]

        _, again = await add_link(emu, world, site.url("busan_meeting.html"))
        assert f"· replaces: {name}" in again["content"]
        _, twin = await add_link(emu, world, site.url("busan_meeting_syndicated.html"))
        assert twin["content"].startswith(f"Not added: nearly the same text as `{name}`")
        assert "\n" not in twin["content"]
        assert sorted(p.name for p in seeds.glob("*.md")) == [name]

        _, both = await moderator_command(emu, world, "kb add", {})
        assert both["content"] == (
            "Not added: give either a link (url:) or a file (article:), not both"
        )


async def test_unsafe_links_are_refused_in_one_line_and_nothing_is_written(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, site: NewsSite
):
    emu, world = discord_emulator, standard_guild
    seeds = seeds_of(project)
    before = sorted(p.name for p in seeds.iterdir())
    async with dispute_bot(emu, world, project):  # the default: no private addresses
        _, loopback = await add_link(emu, world, site.url("busan_meeting.html"))
        assert loopback["content"] == (
            "Not added: refused: 127.0.0.1 is a loopback address "
            "(set allow_private_urls to allow it)"
        )
        for url, reason in (
            ("file:///etc/passwd", "only http and https"),
            ("http://169.254.169.254/latest/meta-data/", "link-local address"),
            ("not a link at all", "cannot read not a link at all"),
        ):
            _, refused = await add_link(emu, world, url)
            assert refused["content"].startswith("Not added: ") and reason in refused["content"]
        record = await emu.dispatch_interaction(
            "kb add", {"url": site.url("busan_meeting.html")}, member=world.member,
            channel=world.channel,
        )
        await emu.wait_for_ack(record)
        assert REFUSED in initial(record)["data"]["content"]
    assert sorted(p.name for p in seeds.iterdir()) == before
    assert site.requests == []


async def test_the_moderator_corrects_title_and_date_in_a_form(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, site: NewsSite
):
    emu, world = discord_emulator, standard_guild
    async with dispute_bot(emu, world, project, **LOOPBACK) as bot:
        record = await emu.dispatch_interaction(
            "kb add", {"url": site.url("stockholm_no_meta.html")}, member=world.moderator,
            channel=world.channel,
        )
        sent = await emu.wait_for_request("POST", f"/webhooks/{emu.application_id}/{record.token}")
        added = sent.response  # the message as Discord stored it, buttons and id included
        assert "· date: 29 Jul 2025, inferred from the text" in added["content"]
        name = added["content"].split("`")[1]
        edit = buttons(added)["Edit title or date"]
        form = await click(emu, added, edit["custom_id"], world.moderator)
        assert form["type"] == MODAL
        inputs = [c for row in form["data"]["components"] for c in row["components"]]
        assert inputs[1]["value"] == "2025-07-29"
        submitted = await emu.dispatch_modal_submit(
            form["data"]["custom_id"],
            {inputs[0]["custom_id"]: "Stockholm talks end", inputs[1]["custom_id"]: "2025-07-30"},
            member=world.moderator, channel=world.channel,
        )
        reply = await emu.wait_for_request(
            "POST", f"/webhooks/{emu.application_id}/{submitted.token}"
        )
        assert reply.json["content"].startswith(f"Corrected `{name}`.")
        assert "· date: 30 Jul 2025, from the page" in reply.json["content"]
        article = bot.knowledge.kb.by_source[name]
        assert article.title == "Stockholm talks end" and not article.date.inferred

        stranger = await click(emu, added, edit["custom_id"], world.member)
        assert stranger["data"]["flags"] & EPHEMERAL and "Only the moderator" in (
            stranger["data"]["content"]
        )


async def test_feeds_add_articles_by_themselves_and_report_them_with_a_remove_button(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path, site: NewsSite
):
    emu, world = discord_emulator, standard_guild
    seeds = seeds_of(project)
    timeline = Path(__file__).parent / "data" / "timeline"
    for article in timeline.iterdir():
        (seeds / article.name).write_bytes(article.read_bytes())
    feeds = [site.url("broken.rss"), site.url("feed.atom")]
    async with dispute_bot(
        emu, world, project, feeds=feeds, report_channel=world.channel.id, **LOOPBACK
    ) as bot:
        report = await emu.wait_for_request("POST", channel_messages(world), timeout=20)
        note = report.response
        assert note["content"].startswith("📰 Added from a feed: *US and China agree to seek")
        assert report.json["allowed_mentions"] == {"parse": []}  # never pings
        name = note["content"].split("`")[1]
        assert (seeds / name).is_file() and name in bot.knowledge.kb.by_source
        cog = bot.get_cog("Feeds")
        assert cog.last is not None and [f for f, _ in cog.last.failed_feeds] == feeds[:1]

        remove = buttons(note)["Remove"]["custom_id"]
        refused = await click(emu, note, remove, world.member)
        assert REFUSED in refused["data"]["content"]
        assert (seeds / name).is_file()
        record = await emu.dispatch_component(note, remove, member=world.moderator)
        done = await emu.wait_for_request(
            "POST", f"/webhooks/{emu.application_id}/{record.token}"
        )
        assert done.json["content"].startswith(f"Removed `{name}`.")
        assert not (seeds / name).exists() and name not in bot.knowledge.kb.by_source
        await asyncio.sleep(0)


async def test_an_attached_html_page_is_added_like_a_link(
    discord_emulator: DiscordEmulator, standard_guild: StandardGuild, project: Path
):
    from tests.discord_emulator import UploadedFile
    from tests.news_server import PAGES

    emu, world = discord_emulator, standard_guild
    page = (PAGES / "madrid_talks_latin1.html").read_bytes()
    async with dispute_bot(emu, world, project):
        _, added = await moderator_command(
            emu, world, "kb add", {"article": UploadedFile("madrid.html", page)}
        )
        assert added["content"].startswith("Saved `us-and-china-settle-on-tiktok-framework")
        assert "· date: 15 Sep 2025, inferred from the text" in added["content"]
        answer = await slash_ask(emu, world, "where were the Madrid talks held?", world.member)
        assert "Palacio de Santa Cruz" in answer["content"]
