"""Load: 200 questions at once against the real DisputeBot on the Discord emulator.

Half arrive as messages in a channel set aside for the bot, half as ``/ask``; answerable and
unanswerable ones are mixed. Each must get exactly one reply (nothing lost, nothing doubled), each
interaction must be acknowledged within Discord's 3 s, and the p50/p99 time from dispatch to reply
is printed (``pytest -s``) and attached as properties. The soak (10,000 questions, memory sampled)
is ``python -m benchmarks.discord_load``; both use its ``LoadRig``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.discord_load import (
    DISCORD_ACK_DEADLINE,
    SET_ASIDE_CHANNEL,
    LoadRig,
    add_askers,
    load_settings,
)
from tests.discord_bot_harness import dispute_bot, make_project
from tests.discord_emulator import DiscordEmulator, StandardGuild

pytest_plugins = ["tests.discord_emulator.fixtures"]
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

QUESTIONS = 200
REPLY_TIMEOUT = 20.0  # bounded: lost questions fail the test instead of hanging it
SETTLE = 0.5  # after the last reply, a doubled reply would still be seen in this window


async def test_200_questions_at_once_are_each_answered_exactly_once_and_in_time(
    discord_emulator: DiscordEmulator,
    standard_guild: StandardGuild,
    tmp_path: Path,
    record_property,
):
    emu, world = discord_emulator, standard_guild
    channel = emu.add_text_channel(world.guild, SET_ASIDE_CHANNEL)
    askers = add_askers(emu, world, QUESTIONS)  # one question each: per-user limits don't apply
    project = make_project(tmp_path / "project")
    started = time.perf_counter()
    async with dispute_bot(emu, world, project, **load_settings(channel, len(askers))):
        rig = LoadRig(emu, channel, world.channel, askers)
        result = await rig.burst(QUESTIONS, timeout=REPLY_TIMEOUT, settle=SETTLE)
    elapsed = time.perf_counter() - started

    summary = (
        f"{QUESTIONS} questions at once ({QUESTIONS // 2} channel messages, "
        f"{QUESTIONS - QUESTIONS // 2} /ask): answered {result.answered}, lost {result.lost}, "
        f"doubled {result.doubled}; reply time p50 {result.p50 * 1000:.0f} ms, "
        f"p99 {result.p99 * 1000:.0f} ms ({result.kind_summary()}); "
        f"slowest ack {result.ack_max * 1000:.0f} ms; "
        f"last reply after {result.seconds:.2f} s; bot up and down in {elapsed:.1f} s"
    )
    print("\n" + summary)
    record_property("reply_p50_ms", round(result.p50 * 1000, 1))
    record_property("reply_p99_ms", round(result.p99 * 1000, 1))
    record_property("ack_max_ms", round(result.ack_max * 1000, 1))

    assert result.problems == [], f"{result.problem_count} problems, first: {result.problems}"
    assert result.lost == 0 and result.doubled == 0 and rig.strays == 0
    assert result.answered == QUESTIONS and len(result.latencies) == QUESTIONS
    assert len(result.ack_latencies) == QUESTIONS - QUESTIONS // 2
    assert result.ack_max < DISCORD_ACK_DEADLINE
    replies = emu.requests_to("POST", f"/channels/{channel.id}/messages")
    followups = emu.requests_to("POST", f"/webhooks/{emu.application_id}/*")
    assert len(replies) == QUESTIONS // 2 and all(r.ok for r in replies)
    assert len(followups) == QUESTIONS - QUESTIONS // 2 and all(r.ok for r in followups)
    unanswerable = [r for r in replies if "> " not in r.json["content"]]
    assert 0 < len(unanswerable) < len(replies)  # the mix really was mixed
