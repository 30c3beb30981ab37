"""Load and soak of the real DisputeBot against the Discord emulator (tests/discord_emulator).

Questions arrive in bursts, half as messages in a channel set aside for the bot and half as
``/ask`` interactions, answerable and unanswerable ones mixed. Every question must get exactly one
reply (one message replying to it, or one followup on its interaction), every interaction must be
acknowledged within Discord's 3 s, and the time from dispatch to reply is measured.

The soak also samples the process's memory every ``sample_every`` questions: RSS (VmRSS from
/proc/self/status) and what ``tracemalloc`` traces, after a ``gc.collect()``. The emulator keeps a
log of everything (requests, messages, interactions, gateway frames for RESUME); the soak empties
those logs after each burst (``forget_emulator_history``), so the growth that remains is the bot's
(with discord.py's and aiohttp's), plus this harness's preallocated arrays. Sizes of the bot's and
discord.py's known containers are sampled too, to name the structure that grows.

    python -m benchmarks.discord_load [--questions 10000] [--burst 100] [--json out.json]

``run(questions, burst)`` returns the numbers as a dict (``format_report`` prints them).
``tests/test_discord_load.py`` uses ``LoadRig`` for a single 200-question burst.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import ChannelConfig
from tests.discord_bot_harness import dispute_bot, make_project
from tests.discord_emulator import (
    Channel,
    DiscordEmulator,
    EmulatorConfig,
    InteractionRecord,
    Member,
    RecordedRequest,
    StandardGuild,
)

ANSWERABLE = (
    "is china negotiating?",
    "who is guo jiakun?",
    "who leads china?",
    "is there a stalemate?",
    "what did yun sun say about china?",
    "when did china deny the talks?",
    "is china confident about the trade war?",
    "where is the stimson center?",
    "who denies that trade negotiations are happening?",
    "is there a deadlock?",
)
UNANSWERABLE = (
    "What is the capital of France?",
    "how tall is mount everest?",
    "who won the world cup in 2018?",
    "can you recommend a good pizza place?",
    "how do i bake sourdough bread?",
    "who wrote pride and prejudice?",
)
SET_ASIDE_CHANNEL = "ask-dispute-bot"
DEFERRED_CHANNEL_MESSAGE = 5
DISCORD_ACK_DEADLINE = 3.0
MAX_PROBLEMS = 20  # problems listed in full; more are only counted


def question(number: int) -> tuple[str, bool]:
    """The ``number``-th question of a run and whether the articles answer it (5 in 8 do)."""
    pick = number // 2 + 5 * (number % 2)  # messages and /ask each get every question
    if number % 8 in (3, 6, 7):
        return UNANSWERABLE[pick % len(UNANSWERABLE)], False
    return ANSWERABLE[pick % len(ANSWERABLE)], True


def load_settings(channel: Channel, askers: int) -> dict[str, Any]:
    """Bot settings for load: only ``channel`` set aside, and a cooldown that never throttles."""
    return {
        "channels": [ChannelConfig(id=channel.id, answer_all=True, threads=False)],
        "cooldown_uses": max(1_000_000, 10 * askers),
        "cooldown_seconds": 60,
    }


def add_askers(emu: DiscordEmulator, world: StandardGuild, count: int) -> list[Member]:
    """``count`` plain members; add them before the bot connects (GUILD_CREATE lists them)."""
    return [emu.add_member(world.guild, f"asker-{n:04d}") for n in range(count)]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass(slots=True)
class Pending:
    """One question in flight and what came back for it."""

    number: int
    kind: str  # "message" or "slash"
    text: str
    answerable: bool
    sent_at: float = 0.0
    key: int | str | None = None  # message id (message) or interaction token (slash)
    record: InteractionRecord | None = None
    replies: int = 0
    replied_at: float | None = None
    status: int | None = None
    content: str = ""
    components: bool = False


@dataclass
class BurstResult:
    size: int
    seconds: float  # first dispatch to last reply
    latencies: list[float]  # dispatch → reply, seconds, one per question answered
    ack_latencies: list[float]  # dispatch → accepted initial response, one per /ask
    by_kind: dict[str, list[float]]  # the latencies split: "message" and "slash"
    answered: int  # questions with exactly one accepted reply
    lost: int
    doubled: int
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)

    @property
    def ack_max(self) -> float:
        return max(self.ack_latencies, default=math.nan)

    def kind_summary(self) -> str:
        """p50/p99 per kind of question, e.g. ``message p50 ... ms p99 ... ms; slash ...``."""
        return "; ".join(
            f"{kind} p50 {percentile(values, 0.5) * 1000:.0f} ms "
            f"p99 {percentile(values, 0.99) * 1000:.0f} ms"
            for kind, values in sorted(self.by_kind.items())
        )


class LoadRig:
    """Sends bursts of questions and matches the bot's replies to them as they reach the emulator.

    Replies are seen through the emulator's recorder (its ``completed`` hook, wrapped on this
    instance only), so matching costs O(1) per request however long the request log grows.
    """

    def __init__(
        self,
        emu: DiscordEmulator,
        channel: Channel,
        slash_channel: Channel,
        askers: Sequence[Member],
    ) -> None:
        self.emu = emu
        self.channel = channel
        self.slash_channel = slash_channel
        self.askers = list(askers)
        self.sent = 0
        self.strays = 0  # replies to nothing this rig is waiting for (late doubles included)
        self._reply_path = f"/channels/{channel.id}/messages"
        self._followup = re.compile(rf"/webhooks/{emu.application_id}/([^/]+)")
        self._by_message: dict[int, Pending] = {}
        self._by_token: dict[str, Pending] = {}
        self._early: dict[int | str, list[RecordedRequest]] = {}  # replies before we knew the key
        self._outstanding = 0
        self._all_in = asyncio.Event()
        completed = emu.recorder.completed

        def observe_then_complete(request: RecordedRequest) -> None:
            self._observe(request)
            completed(request)

        emu.recorder.completed = observe_then_complete  # type: ignore[method-assign]

    # -- seeing replies ---------------------------------------------------------------------

    def _observe(self, request: RecordedRequest) -> None:
        if request.method != "POST":
            return
        key: int | str
        if request.path == self._reply_path:
            reference = (request.json or {}).get("message_reference") or {}
            key = int(reference.get("message_id") or 0)
            pending = self._by_message.get(key)
        elif found := self._followup.fullmatch(request.path):
            key = found.group(1)
            pending = self._by_token.get(key)
        else:
            return
        if pending is None:
            self._early.setdefault(key, []).append(request)
        else:
            self._take(pending, request)

    def _take(self, pending: Pending, request: RecordedRequest) -> None:
        pending.replies += 1
        if pending.replies > 1:
            return
        pending.replied_at = request.received_at
        pending.status = request.status
        body = request.json if isinstance(request.json, dict) else {}
        pending.content = str(body.get("content") or "")
        pending.components = bool(body.get("components"))
        self._outstanding -= 1
        if self._outstanding <= 0:
            self._all_in.set()

    def _register(self, pending: Pending, key: int | str) -> None:
        pending.key = key
        if isinstance(key, int):
            self._by_message[key] = pending
        else:
            self._by_token[key] = pending
        for request in self._early.pop(key, []):
            self._take(pending, request)

    # -- sending questions ------------------------------------------------------------------

    async def _send(self, pending: Pending) -> None:
        asker = self.askers[pending.number % len(self.askers)]
        if pending.kind == "message":
            pending.sent_at = time.monotonic()
            sent = await self.emu.dispatch_message(self.channel, pending.text, author=asker)
            self._register(pending, int(sent["id"]))
        else:
            record = await self.emu.dispatch_interaction(
                "ask", {"question": pending.text}, member=asker, channel=self.slash_channel
            )
            pending.record = record
            pending.sent_at = record.dispatched_at or time.monotonic()
            self._register(pending, record.token)

    async def burst(self, size: int, *, timeout: float = 60.0, settle: float = 0.0) -> BurstResult:
        """Dispatch ``size`` questions at once (even numbers as channel messages, odd ones as
        ``/ask``), wait until each has a reply (at most ``timeout`` s), then ``settle`` s more so
        that a doubled reply would be seen, and check every one."""
        self._by_message.clear()
        self._by_token.clear()
        self._all_in.clear()
        batch = []
        for offset in range(size):
            number = self.sent + offset
            text, answerable = question(number)
            kind = "message" if number % 2 == 0 else "slash"
            batch.append(Pending(number, kind, text, answerable))
        self.sent += size
        self._outstanding = size
        started = time.monotonic()
        await asyncio.gather(*(self._send(p) for p in batch))
        with contextlib.suppress(TimeoutError):  # what is missing is reported below as lost
            await asyncio.wait_for(self._all_in.wait(), timeout)
        if settle:
            await asyncio.sleep(settle)
        result = self._check(batch, started)
        self.strays += sum(len(v) for v in self._early.values())
        for key, requests in self._early.items():
            result.problem_count += len(requests)
            if len(result.problems) < MAX_PROBLEMS:
                result.problems.append(f"{len(requests)} reply(ies) to unknown {key!r}")
        self._early.clear()
        return result

    def _check(self, batch: list[Pending], started: float) -> BurstResult:
        result = BurstResult(
            len(batch), 0.0, [], [], {"message": [], "slash": []}, answered=0, lost=0, doubled=0
        )

        def problem(pending: Pending, what: str) -> None:
            result.problem_count += 1
            if len(result.problems) < MAX_PROBLEMS:
                result.problems.append(f"#{pending.number} {pending.kind} {pending.text!r}: {what}")

        last = started
        for pending in batch:
            record = pending.record
            if record is not None:
                self._check_ack(pending, record, result, problem)
            if pending.replies == 0 or pending.replied_at is None:
                result.lost += 1
                problem(pending, "no reply")
                continue
            if pending.replies > 1:
                result.doubled += 1
                problem(pending, f"{pending.replies} replies")
            if not (pending.status and 200 <= pending.status < 300):
                problem(pending, f"reply refused with HTTP {pending.status}")
                continue
            wrong = _wrong_content(pending)
            if wrong:
                problem(pending, wrong)
            if pending.replies == 1:
                result.answered += 1
            result.latencies.append(pending.replied_at - pending.sent_at)
            result.by_kind[pending.kind].append(pending.replied_at - pending.sent_at)
            last = max(last, pending.replied_at)
        result.seconds = last - started
        return result

    @staticmethod
    def _check_ack(pending: Pending, record: InteractionRecord, result: BurstResult, problem):
        latency = record.ack_latency
        if latency is None:
            problem(pending, "interaction never acknowledged")
            return
        result.ack_latencies.append(latency)
        if latency >= DISCORD_ACK_DEADLINE:
            problem(pending, f"acknowledged after {latency:.2f} s")
        if record.response_type != DEFERRED_CHANNEL_MESSAGE or len(record.callbacks) != 1:
            problem(
                pending,
                f"initial response type {record.response_type}, {len(record.callbacks)} callbacks",
            )


def _wrong_content(pending: Pending) -> str | None:
    """Why the reply is not the kind expected (quoted and cited, or an honest no), else None."""
    text = pending.content
    if pending.kind == "slash" and not text.startswith("**Q:**"):
        return f"followup does not quote the question: {text[:60]!r}"
    if "Slow down" in text or "went wrong" in text:
        return f"refused: {text[:80]!r}"
    cited = "**[1]**" in text and "\n> " in f"\n{text}"
    if pending.answerable and not (cited and pending.components):
        return f"expected a cited answer with vote buttons, got {text[:80]!r}"
    if not pending.answerable and (cited or pending.components):
        return f"expected no quotes, got {text[:80]!r}"
    return None


# -- the soak ----------------------------------------------------------------------------------


def forget_emulator_history(emu: DiscordEmulator) -> dict[str, int]:
    """Empty the emulator's logs (call between bursts, when nothing is in flight); returns how
    many entries each held. The emulator offers no public way, so this reaches into it."""
    sessions = list(emu.gateway.sessions.values())
    held = {
        "emulator.requests": len(emu.recorder.requests),
        "emulator.messages": len(emu.state.messages),
        "emulator.interactions": len(emu.interactions.records),
        "emulator.gateway_log": sum(len(s.log) for s in sessions),
    }
    emu.recorder.requests.clear()
    emu.recorder._claimed.clear()
    emu.state.messages.clear()
    emu.interactions.records.clear()
    for session in sessions:
        session.log.clear()
    for connection in emu.gateway.connections:
        connection.opcodes.clear()
    return held


def emulator_sizes(emu: DiscordEmulator) -> dict[str, int]:
    return {
        "emulator.requests": len(emu.recorder.requests),
        "emulator.messages": len(emu.state.messages),
        "emulator.interactions": len(emu.interactions.records),
        "emulator.gateway_log": sum(len(s.log) for s in emu.gateway.sessions.values()),
    }


def _length(root: object, path: str) -> int | None:
    obj: Any = root
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    try:
        return len(obj)
    except TypeError:
        return None


# Containers that grow with traffic, by where they live: the bot's own, then discord.py's.
BOT_STRUCTURES = {
    "Questions._seen (deque, maxlen 2000)": "cog._seen",
    "Questions._seen_set": "cog._seen_set",
    "Questions._threads": "cog._threads",
    "Questions._message_cooldown._cache": "cog._message_cooldown._cache",
    "ViewStore._synced_message_views": "bot._connection._view_store._synced_message_views",
    "ViewStore._views": "bot._connection._view_store._views",
    "HTTPClient._buckets": "bot.http._buckets",
    "ConnectionState._messages (deque, max_messages)": "bot._connection._messages",
}


def bot_sizes(bot: Any) -> dict[str, int | None]:
    roots = {"bot": bot, "cog": bot.get_cog("Questions")}
    sizes: dict[str, int | None] = {}
    for label, path in BOT_STRUCTURES.items():
        root, _, rest = path.partition(".")
        sizes[label] = _length(roots[root], rest)
    storage = getattr(bot, "storage", None)
    sizes["QuestionLog.pending"] = storage.questions.pending if storage is not None else None
    return sizes


def rss_bytes() -> int:
    """Current resident set size; the peak (ru_maxrss) where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


MB = 1024 * 1024


def _top_growth(before: Path, limit: int = 10) -> list[str]:
    """Source lines whose live allocations grew most since the snapshot in ``before``."""
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    now = tracemalloc.take_snapshot().filter_traces(ignore)
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(ignore)
    lines = []
    for stat in now.compare_to(old, "lineno")[:limit]:
        if stat.size_diff <= 0:
            break
        frame = stat.traceback[0]
        lines.append(
            f"{_short(frame.filename)}:{frame.lineno}  {stat.size_diff / 1024:+.0f} KiB "
            f"({stat.count_diff:+d} blocks)"
        )
    return lines


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    root = str(Path(__file__).resolve().parent.parent) + os.sep
    return filename.removeprefix(root)


async def soak(
    questions: int = 10_000,
    burst: int = 100,
    *,
    sample_every: int = 1_000,
    warmup: int = 2_000,
    bound_mb: float = 10.0,
    trace: bool = True,
    keep_emulator_history: bool = False,
    burst_timeout: float = 60.0,
    progress: bool = False,
) -> dict[str, Any]:
    """The soak itself (``run`` wraps it in ``asyncio.run``)."""
    if questions < 1 or burst < 1:
        raise ValueError("questions and burst must be positive")
    sample_every = max(burst, sample_every - sample_every % burst)
    warmup = min(warmup - warmup % sample_every, questions - questions % sample_every)
    latencies = array("d", bytes(8 * questions))  # preallocated: the harness must not grow
    answered_count = 0
    bursts: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    problems: list[str] = []
    totals = {"lost": 0, "doubled": 0, "problems": 0}
    ack_max = 0.0
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="discord-load-") as scratch:
        project = make_project(Path(scratch) / "project")
        warm_snapshot = Path(scratch) / "warm.tracemalloc"
        async with DiscordEmulator(EmulatorConfig()) as emu:
            world = emu.add_standard_guild()
            channel = emu.add_text_channel(world.guild, SET_ASIDE_CHANNEL)
            askers = add_askers(emu, world, min(burst, 500))
            settings = load_settings(channel, len(askers))
            async with dispute_bot(emu, world, project, **settings) as bot:
                rig = LoadRig(emu, channel, world.channel, askers)
                if trace:
                    tracemalloc.start()
                emulator_held: dict[str, int] = {}
                top_growth: list[str] = []

                def sample(done: int, window: Sequence[float]) -> None:
                    gc.collect()
                    row: dict[str, Any] = {
                        "questions": done,
                        "rss_mb": rss_bytes() / MB,
                        "traced_mb": tracemalloc.get_traced_memory()[0] / MB if trace else None,
                        "p50_ms": percentile(window, 0.5) * 1000,
                        "p99_ms": percentile(window, 0.99) * 1000,
                        "structures": {**bot_sizes(bot), **emulator_sizes(emu)},
                    }
                    samples.append(row)
                    if progress:
                        print(_sample_line(row), file=sys.stderr, flush=True)

                sample(0, [])
                done = 0
                window_start = 0
                while done < questions:
                    size = min(burst, questions - done)
                    result = await rig.burst(size, timeout=burst_timeout)
                    for latency in result.latencies:
                        latencies[answered_count] = latency
                        answered_count += 1
                    ack_max = max(ack_max, result.ack_max if result.ack_latencies else 0.0)
                    totals["lost"] += result.lost
                    totals["doubled"] += result.doubled
                    totals["problems"] += result.problem_count
                    problems.extend(result.problems[: max(0, MAX_PROBLEMS - len(problems))])
                    bursts.append(
                        {
                            "index": len(bursts),
                            "size": size,
                            "seconds": result.seconds,
                            "p50_ms": result.p50 * 1000,
                            "p99_ms": result.p99 * 1000,
                            "max_ms": max(result.latencies, default=math.nan) * 1000,
                            "ack_max_ms": result.ack_max * 1000,
                            **{
                                f"{kind}_{name}_ms": percentile(values, q) * 1000
                                for kind, values in result.by_kind.items()
                                for name, q in (("p50", 0.5), ("p99", 0.99))
                            },
                            "lost": result.lost,
                            "doubled": result.doubled,
                        }
                    )
                    done += size
                    if not keep_emulator_history:
                        emulator_held = forget_emulator_history(emu)
                    if done % sample_every == 0 or done == questions:
                        sample(done, latencies[window_start:answered_count])
                        window_start = answered_count
                        if trace and done == warmup:
                            tracemalloc.take_snapshot().dump(str(warm_snapshot))
                            gc.collect()
                if trace and warm_snapshot.exists():
                    top_growth = _top_growth(warm_snapshot)
                if trace:
                    tracemalloc.stop()
                strays = rig.strays
    all_latencies = latencies[:answered_count]
    memory = _memory_verdict(samples, warmup, bound_mb, trace)
    memory["top_growth_since_warmup"] = top_growth
    memory["emulator_history_per_burst"] = emulator_held
    memory["emulator_history_kept"] = keep_emulator_history
    return {
        "questions": questions,
        "burst": burst,
        "seconds": time.perf_counter() - wall,
        "tracemalloc": trace,
        "answered": answered_count,
        "lost": totals["lost"],
        "doubled": totals["doubled"],
        "strays": strays,
        "problems": problems,
        "problem_count": totals["problems"],
        "overall": {
            "p50_ms": percentile(all_latencies, 0.5) * 1000,
            "p99_ms": percentile(all_latencies, 0.99) * 1000,
            "max_ms": max(all_latencies, default=math.nan) * 1000,
            "ack_max_ms": ack_max * 1000,
        },
        "bursts": bursts,
        "samples": samples,
        "memory": memory,
    }


def _memory_verdict(
    samples: list[dict[str, Any]], warmup: int, bound_mb: float, trace: bool
) -> dict[str, Any]:
    base = next((s for s in samples if s["questions"] == warmup), samples[0])
    end = samples[-1]
    rss_growth = end["rss_mb"] - base["rss_mb"]
    traced_growth = end["traced_mb"] - base["traced_mb"] if trace else None
    growing = {}
    for name, value in end["structures"].items():
        before = base["structures"].get(name)
        if value is not None and before is not None and value > before:
            growing[name] = {"at_warmup": before, "at_end": value}
    # tracemalloc's own bookkeeping inflates RSS while tracing; the traced figure is the bot's.
    judged = traced_growth if traced_growth is not None else rss_growth
    return {
        "from_question": base["questions"],
        "to_question": end["questions"],
        "rss_growth_mb": rss_growth,
        "traced_growth_mb": traced_growth,
        "bound_mb": bound_mb,
        "flat": judged < bound_mb,
        "growing_structures": growing,
    }


# -- printing ----------------------------------------------------------------------------------


def _sample_line(row: dict[str, Any]) -> str:
    traced = f"{row['traced_mb']:7.1f}" if row["traced_mb"] is not None else "      -"
    s = row["structures"]
    return (
        f"{row['questions']:>7} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['rss_mb']:8.1f} "
        f"{traced} {_n(s.get('ViewStore._synced_message_views')):>9} "
        f"{_n(s.get('HTTPClient._buckets')):>8} {_n(s.get('Questions._seen_set')):>6}"
    )


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_report(report: dict[str, Any]) -> str:
    overall, memory = report["overall"], report["memory"]
    lines = [
        f"discord load soak: {report['questions']} questions in bursts of {report['burst']} "
        f"(half channel messages, half /ask) in {report['seconds']:.1f} s",
        f"answered {report['answered']}, lost {report['lost']}, doubled {report['doubled']}, "
        f"stray replies {report['strays']}, problems {report['problem_count']}",
        f"reply time p50 {overall['p50_ms']:.1f} ms, p99 {overall['p99_ms']:.1f} ms, "
        f"max {overall['max_ms']:.1f} ms; slowest /ask ack {overall['ack_max_ms']:.1f} ms",
        "",
        "  (p50/p99: reply time over the questions since the previous row; views: "
        "ViewStore._synced_message_views; buckets: HTTPClient._buckets; seen: Questions._seen_set)",
        f"{'asked':>7} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8} {'traced':>7} "
        f"{'views':>9} {'buckets':>8} {'seen':>6}",
    ]
    lines += [_sample_line(row) for row in report["samples"]]
    if report.get("tracemalloc"):
        lines.append("  (times taken with tracemalloc on, a few times slower: --no-tracemalloc)")
    traced = memory["traced_growth_mb"]
    lines += [
        "",
        f"memory from question {memory['from_question']} to {memory['to_question']}: "
        f"RSS {memory['rss_growth_mb']:+.1f} MB, traced "
        + (f"{traced:+.1f} MB" if traced is not None else "n/a")
        + f" (bound {memory['bound_mb']:g} MB): "
        + ("FLAT" if memory["flat"] else "GROWING"),
    ]
    for name, sizes in memory["growing_structures"].items():
        lines.append(f"  grew: {name}: {sizes['at_warmup']} -> {sizes['at_end']}")
    if memory["top_growth_since_warmup"]:
        lines.append("  top allocation growth since the warm-up (tracemalloc, by line):")
        lines += [f"    {line}" for line in memory["top_growth_since_warmup"]]
    if memory["emulator_history_kept"]:
        lines.append("  (emulator logs kept: their growth is included above)")
    for problem in report["problems"]:
        lines.append(f"  problem: {problem}")
    return "\n".join(lines)


def run(questions: int = 10_000, burst: int = 100, **options: Any) -> dict[str, Any]:
    """Soak the bot with ``questions`` questions, ``burst`` at a time; the numbers as a dict."""
    return asyncio.run(soak(questions, burst, **options))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.discord_load", description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--sample-every", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--bound-mb", type=float, default=10.0)
    parser.add_argument("--no-tracemalloc", action="store_true", help="RSS only (faster)")
    parser.add_argument(
        "--keep-emulator-history",
        action="store_true",
        help="do not empty the emulator's logs between bursts (their growth is then counted)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--quiet", action="store_true", help="no progress rows on stderr")
    args = parser.parse_args(argv)
    report = run(
        args.questions,
        args.burst,
        sample_every=args.sample_every,
        warmup=args.warmup,
        bound_mb=args.bound_mb,
        trace=not args.no_tracemalloc,
        keep_emulator_history=args.keep_emulator_history,
        progress=not args.quiet,
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if report["lost"] == report["doubled"] == report["problem_count"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
