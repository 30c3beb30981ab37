"""Questions per second held by one bot process vs two, through the Discord emulator.

The same work both times: ``guilds`` guilds spread over 2 shards, one channel each set aside for
the bot, and ``questions`` channel messages (answerable questions about the seed article, round
robin over the guilds) sent as fast as the emulator writes them. One process runs shards 0-1;
then two processes run one shard each; both share one PostgreSQL database (a server from the
pgserver wheel, as in the tests). Measured: the time from the first question to the last reply
(throughput) and each question's time to its reply (p50, p99). Every question must get exactly
one reply.

The emulator, PostgreSQL and the bot processes share the machine: on 2 cores the second process
competes with the emulator for the second core, so the ratio is a floor, not what two machines
would give.

    python -m benchmarks.cluster_load [--questions 2000] [--guilds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.cluster_harness import BotProcess, write_bot_config
from tests.discord_bot_harness import make_project
from tests.discord_emulator import DiscordEmulator, EmulatorConfig
from tests.postgres_server import new_database, running_server

QUESTIONS = (
    "is china negotiating?",
    "who is guo jiakun?",
    "is there a stalemate?",
    "what did china say about the talks?",
    "what tariffs has the us imposed?",
)
LAYOUTS = {1: ["0-1"], 2: ["0", "1"]}  # processes → the shard range each runs


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(server: str, processes: int, questions: int, guilds: int) -> dict[str, Any]:
    url = await new_database(server)
    with tempfile.TemporaryDirectory(prefix="cluster-load-") as folder:
        config = make_project(Path(folder) / "p")
        async with DiscordEmulator(EmulatorConfig(shards=2)) as emu:
            worlds = balanced_guilds(emu, guilds)
            write_bot_config(config, [w.channel.id for w in worlds], cooldown_uses=1_000_000)
            bots = [BotProcess(emu, config, url, shards) for shards in LAYOUTS[processes]]
            try:
                for bot in bots:
                    await bot.start()
                await _ask(emu, worlds, len(worlds))  # warm: each guild once
                pids = [b.proc.pid for b in bots if b.proc is not None]
                before = [cpu_seconds(pid) for pid in pids], cpu_seconds()
                result = await _ask(emu, worlds, questions)
                after = [cpu_seconds(pid) for pid in pids], cpu_seconds()
                bot_cpu = sum(a - b for a, b in zip(after[0], before[0], strict=True))
                return {
                    "processes": processes,
                    **result,
                    "bot_cpu_ms": 1000 * bot_cpu / questions,  # all bot processes, a question
                    "emulator_cpu_share": (after[1] - before[1]) / result["seconds"],
                }
            finally:
                for bot in bots:
                    await bot.stop()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), from /proc."""
    fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def balanced_guilds(emu: DiscordEmulator, count: int) -> list:
    """``count`` guilds, half on each of the 2 shards (a guild's shard is ``(id >> 22) % 2``)."""
    kept: list = []
    while len(kept) < count:
        world = emu.add_standard_guild(f"Guild {len(kept)}")
        on_shard = sum((w.guild.id >> 22) % 2 == (world.guild.id >> 22) % 2 for w in kept)
        if on_shard < (count + 1) // 2:
            kept.append(world)
    return kept


async def _ask(emu: DiscordEmulator, worlds: list, count: int) -> dict[str, Any]:
    sent: dict[int, float] = {}
    before = len(_replies(emu))
    started = time.perf_counter()
    for n in range(count):
        world = worlds[n % len(worlds)]
        message = await emu.dispatch_message(
            world.channel, QUESTIONS[n % len(QUESTIONS)], author=world.member
        )
        sent[int(message["id"])] = time.monotonic()
    deadline = time.perf_counter() + 60 + count / 20
    while len(_replies(emu)) - before < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    replies = _replies(emu)[before:]
    answered = [r.json["message_reference"]["message_id"] for r in replies]
    latencies = [
        (r.received_at - sent[int(i)]) * 1000
        for r, i in zip(replies, answered, strict=True)
        if int(i) in sent
    ]
    if sorted(map(int, answered)) != sorted(sent):
        raise AssertionError(f"{len(answered)} replies to {len(sent)} questions, not one each")
    return {
        "questions": count,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


def _replies(emu: DiscordEmulator) -> list:
    return [r for r in emu.requests_to("POST", "/channels/*/messages") if r.ok]


def report(rows: list[dict[str, Any]], guilds: int) -> str:
    base = rows[0]["per_second"]
    lines = [
        f"Cluster load: {rows[0]['questions']} channel questions over {guilds} guilds on 2 shards,"
        " one PostgreSQL database, through the Discord emulator; warm (each guild asked once"
        f" first). Machine: {platform.machine()}, {os.cpu_count()} cores, Python"
        f" {platform.python_version()}.",
        "",
        "| processes | shards each | questions/s | vs 1 process | p50 reply ms | p99 reply ms"
        " | bot CPU ms a question | emulator's CPU (cores) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['processes']} | {', '.join(LAYOUTS[row['processes']])} |"
            f" {row['per_second']:.0f} | {row['per_second'] / base:.2f}× |"
            f" {row['p50_ms']:.0f} | {row['p99_ms']:.0f} | {row['bot_cpu_ms']:.2f} |"
            f" {row['emulator_cpu_share']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cluster_load", description=__doc__)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--guilds", type=int, default=8)
    args = parser.parse_args(argv)

    async def run(server: str) -> list[dict[str, Any]]:
        return [
            await measure(server, processes, args.questions, args.guilds) for processes in (1, 2)
        ]

    with running_server() as server:
        rows = asyncio.run(run(server))
    print(report(rows, args.guilds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
