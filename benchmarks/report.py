"""Tables, targets and the plot: printed, and written to results/latest.md and latest.png."""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.measure import Latency, Results
from benchmarks.peers import K
from knowledge.config import RetrievalConfig

PROJECT = "project"


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool | None  # None: not measured in this run


# --- machine -----------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    versions = []
    for package in ("numpy", "rank-bm25", "bm25s", "numba", "tantivy", "syntok"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(versions),
    }


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --- targets -------------------------------------------------------------------------------------


def targets(results: Results) -> list[Target]:
    """Issue 12's targets, each measured in this run; ratios only within it."""
    out: list[Target] = []
    project = {r.size: r for r in results.systems if r.system.startswith(PROJECT)}
    kbs = {k.size: k for k in results.kbs}
    for size in (100_000, 1_000_000):
        mine = project.get(size)
        if mine is None:
            out.append(Target(f"{_size(size)}: retrieval top-K ahead of every peer", "not run", None))
            continue
        peers = [r for r in results.systems if r.size == size and r is not mine]
        for which, ours, theirs in (
            ("cold p50", mine.latency.cold_p50_ms, lambda r: r.latency.cold_p50_ms),
            ("cold p99", mine.latency.cold_p99_ms, lambda r: r.latency.cold_p99_ms),
        ):
            fastest = min(peers, key=theirs, default=None)
            if fastest is None:
                continue
            ratio = theirs(fastest) / ours
            out.append(
                Target(
                    f"{_size(size)}: retrieval top-K {which} ahead of every peer (fastest: "
                    f"{fastest.system})",
                    f"{ours:.3f} ms vs {theirs(fastest):.3f} ms ({ratio:.2f}×)",
                    ratio > 1,
                )
            )
    at1m = kbs.get(1_000_000)
    if at1m is None:
        out.append(Target("1M: answer end to end, cold, p50 ≤ 2 ms, p99 ≤ 10 ms", "not run", None))
    else:
        for what, lat in (("answer", at1m.latency), ("follow-ups", at1m.follow_ups)):
            if lat is not None:
                out.append(
                    Target(
                        f"1M: {what} end to end, cold, p50 ≤ 2 ms, p99 ≤ 10 ms",
                        f"{lat.cold_p50_ms:.3f} / {lat.cold_p99_ms:.3f} ms",
                        lat.cold_p50_ms <= 2 and lat.cold_p99_ms <= 10,
                    )
                )
        out.append(Target("1M: reload warm ≤ 20 s", f"{at1m.warm_s:.1f} s", at1m.warm_s <= 20))
        out.append(Target("1M: load cold ≤ 60 s", f"{at1m.cold_s:.1f} s", at1m.cold_s <= 60))
        out.append(
            Target(
                "1M: event loop never stalled over 50 ms during a reload",
                f"{at1m.stall_ms:.0f} ms",
                at1m.stall_ms <= 50,
            )
        )
        out.append(
            Target(
                "1M: resident memory ≤ 600 MB serving",
                f"{at1m.rss_steady / 2**20:.0f} MB",
                at1m.rss_steady <= 600 * 2**20,
            )
        )
        out.append(
            Target(
                "1M: resident peak during a reload ≤ 1 GB",
                f"{at1m.rss_peak_reload / 2**20:.0f} MB",
                0 < at1m.rss_peak_reload <= 2**30,
            )
        )
    return out


# --- rendering -----------------------------------------------------------------------------------


def _size(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def _bytes(value: int | None, size: int) -> str:
    return "–" if value is None else f"{value / size:,.0f}"


def _timed(latency: Latency) -> str:
    text = f"{latency.distinct}"
    if latency.estimated:
        text += f" of {latency.total}: estimate"
    return text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def system_rows(results: Results) -> list[list[str]]:
    rows = []
    for r in results.systems:
        rows.append(
            [
                _size(r.size),
                r.system,
                "–" if r.build_s is None else f"{r.build_s:.2f}",
                f"{r.latency.cold_p50_ms:.3f}",
                f"{r.latency.cold_p99_ms:.3f}",
                f"{r.latency.p50_ms:.3f}",
                f"{r.latency.p99_ms:.3f}",
                _timed(r.latency),
                _bytes(r.index_bytes, r.size),
                _bytes(r.peak_bytes, r.size),
                "(reference)" if r.overlap is None else f"{r.overlap:.1%}",
            ]
        )
    return rows


SYSTEM_HEADER = [
    "sentences",
    "system",
    "build s",
    "cold p50 ms",
    "cold p99 ms",
    "warm p50 ms",
    "warm p99 ms",
    "queries (cold)",
    "index B/sentence",
    "build peak B/sentence",
    "top-K overlap",
]
KB_HEADER = [
    "corpus sentences",
    "KB sentences",
    "articles",
    "cold load s",
    "warm reload s",
    "loop stall ms",
    "answer cold p50/p99 ms",
    "answer warm p50/p99 ms",
    "follow-up cold p50/p99 ms",
    "answered",
    "RSS MB: base / serving / reload peak",
    "KB B/sentence beyond text",
]


def _pair(a: float, b: float) -> str:
    return f"{a:.3f} / {b:.3f}"


def kb_rows(results: Results) -> list[list[str]]:
    return [
        [
            _size(k.size),
            f"{k.sentences:,}",
            str(k.articles),
            f"{k.cold_s:.2f}",
            f"{k.warm_s:.2f}",
            f"{k.stall_ms:.0f}",
            _pair(k.latency.cold_p50_ms, k.latency.cold_p99_ms),
            _pair(k.latency.p50_ms, k.latency.p99_ms),
            "–" if k.follow_ups is None else _pair(k.follow_ups.cold_p50_ms, k.follow_ups.cold_p99_ms),
            f"{k.answered}/{k.latency.distinct}",
            f"{k.rss_base / 2**20:.0f} / {k.rss_steady / 2**20:.0f} / "
            f"{k.rss_peak_reload / 2**20:.0f}",
            _bytes(k.retained_bytes, k.sentences),
        ]
        for k in results.kbs
    ]


def phase_lines(results: Results) -> list[str]:
    """Where a warm reload's time goes, for the largest knowledge base measured."""
    measured = [k for k in results.kbs if k.phases]
    if not measured:
        return []
    kb = measured[-1]
    total = sum(v for k, v in kb.phases.items() if not k.startswith(" "))
    lines = [
        f"Where a build of {kb.sentences:,} sentences goes (each step timed alone, garbage "
        f"collector on; the service's cold load took {kb.cold_s:.2f} s, a warm reload "
        f"{kb.warm_s:.2f} s; shares of the steps' sum):",
        "",
        *_table(
            ["step", "seconds", "share", "µs a sentence"],
            [
                [
                    name,
                    f"{seconds:.2f}",
                    f"{seconds / total:.0%}",
                    f"{seconds / kb.sentences * 1e6:.0f}",
                ]
                for name, seconds in kb.phases.items()
            ],
        ),
        "",
    ]
    return lines


def _mark(met: bool | None) -> str:
    return {True: "✅ met", False: "❌ not met", None: "–"}[met]


def markdown(
    results: Results, settings: RetrievalConfig, info: dict[str, str], run: dict[str, str]
) -> str:
    lines = [
        "# Retrieval benchmark",
        "",
        f"Run {run['date']} with `{run['command']}`, {run['duration']}. "
        f"Load average at start {run['load_start']}, at end {run['load_end']} "
        "(other work on the machine shows up as noise, mostly in p99).",
        "",
        f"- Machine: {info['cpu']}, {info['memory']}; {info['os']}",
        f"- {info['python']}; {info['packages']}",
        f"- Settings (config/knowledge.yaml): BM25 variant {settings.variant}, k1 {settings.k1}, "
        f"b {settings.b}, delta {settings.delta}; top {K} per question (what `answer` asks its "
        "scorer for).",
        f"- Corpus: {run['corpus']}",
        f"- Queries: {run['queries']}",
        "",
        "## Query latency, index build and memory",
        "",
        "Each system gets the same token lists. Latency is one question at a time. **Cold** (the "
        "headline): each question timed the first time the process runs it, after 5 warm-up "
        "questions that are not in the set; **warm**: the same questions again (up to 2 more "
        "passes). A slow system gets the first questions that fit its time budget: its row says "
        "so. Index B/sentence: the structures kept for querying (project: `BM25Scorer.nbytes`; "
        "bm25s: its sparse matrix, vocabulary dict and set; rank-bm25: its per-document "
        "term-count dicts, lengths and idf; FTS5: its in-memory database pages; tantivy: its "
        "index files, memory-mapped). Build peak: tracemalloc's peak during a second build "
        "(Python allocations only: not tantivy's or SQLite's own; up to 100k for every system, "
        "at every size for the project). Top-K overlap: share of the shorter of the project's "
        "and the system's top-K lists that the other holds too (BM25+ ranks every sentence; "
        "FTS5 and tantivy list matching ones only; ties may be ordered differently; tantivy and "
        "FTS5 score Okapi BM25 with their own k1, b and idf, not the project's BM25+).",
        "",
        *_table(SYSTEM_HEADER, system_rows(results)),
        "",
        "## Knowledge base: the service's reload and end-to-end answers",
        "",
        "In a process of its own (so its memory is the bot's, not the benchmark's): the "
        "corpus's first N sentences written as Markdown articles (a headline, paragraphs of 4 "
        "sentences, 250 sentences an article) into a temporary seeds folder, then "
        "`KnowledgeService.load()` (cold: every article read and split by syntok, analysed, "
        "indexed) and `KnowledgeService.reload()` (warm: spans cached by article hash; best of "
        "2; loop stall: how late a 5 ms ticker on the event loop woke during it). Answers: "
        "`knowledge.answers.answer(kb, question)` on the question texts, cold then warm; "
        "follow-ups: `answer(kb, follow_up, context=[question])`, right after the question "
        "was answered, as in a conversation (only the follow-up timed). RSS: the whole process's "
        "resident memory before the load (Python and imports), serving, and its high-water mark "
        "during a reload (`/proc/self/status` VmHWM, reset before). KB B/sentence beyond text "
        "(at 100k): tracemalloc's growth over one more warm build of the whole `KnowledgeBase` "
        "(its articles not counted; it holds no sentence strings: they are slices of the "
        "articles' text, made on access).",
        "",
        *_table(KB_HEADER, kb_rows(results)),
        "",
        *phase_lines(results),
        "## Targets",
        "",
        *_table(
            ["target", "measured", "status"],
            [[t.name, t.measured, _mark(t.met)] for t in targets(results)],
        ),
        "",
        "![p50 latency against corpus size](latest.png)",
        "",
    ]
    return "\n".join(lines)


def plot(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[int, Latency]]] = {}
    for r in results.systems:
        series.setdefault(r.system, []).append((r.size, r.latency))
    for k in results.kbs:
        name = "project answers.answer (end to end)"
        series.setdefault(name, []).append((k.size, k.latency))
    figure, axis = plt.subplots(figsize=(8.5, 5.5), dpi=110)
    for name, points in series.items():
        points.sort(key=lambda p: p[0])
        sizes = [p[0] for p in points]
        (line,) = axis.plot(
            sizes, [p[1].cold_p50_ms for p in points], marker="o", label=f"{name} p50"
        )
        axis.plot(
            sizes,
            [p[1].cold_p99_ms for p in points],
            linestyle=":",
            color=line.get_color(),
            alpha=0.6,
        )
        for size, latency in points:
            if latency.estimated:
                axis.plot(
                    [size],
                    [latency.cold_p50_ms],
                    marker="o",
                    markersize=11,
                    markerfacecolor="none",
                    color=line.get_color(),
                )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("sentences in the corpus")
    axis.set_ylabel("latency per question (ms)")
    axis.set_title(f"Cold latency, top {K}: p50 (solid), p99 (dotted); ringed: estimated")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def console(results: Results) -> str:
    """The tables as aligned plain text."""

    def align(header: list[str], rows: list[list[str]]) -> list[str]:
        widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

        def render(row: list[str]) -> str:
            return "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

        return [render(header), render(["-" * w for w in widths]), *map(render, rows)]

    lines = align(SYSTEM_HEADER, system_rows(results))
    if results.kbs:
        lines += ["", *align(KB_HEADER, kb_rows(results))]
    measured = [k for k in results.kbs if k.phases]
    if measured:
        lines += ["", f"Warm rebuild of {measured[-1].sentences:,} sentences, step by step:"]
        lines += [f"  {name}: {seconds:.2f} s" for name, seconds in measured[-1].phases.items()]
    lines += ["", "Targets:"]
    lines += [f"  [{_mark(t.met)}] {t.name}: {t.measured}" for t in targets(results)]
    return "\n".join(lines)


def write(
    results: Results,
    settings: RetrievalConfig,
    out: Path,
    run: dict[str, str],
    *,
    image: bool = True,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    (out / "latest.md").write_text(markdown(results, settings, info, run), encoding="utf-8")
    if image:
        plot(results, out / "latest.png")


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z")


def command_line() -> str:
    return " ".join(["python -m benchmarks", *sys.argv[1:]])
