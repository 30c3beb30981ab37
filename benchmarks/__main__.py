"""``python -m benchmarks``: the project's retrieval against rank-bm25 and bm25s, 1k to 1M sentences.

Writes benchmarks/results/latest.md and latest.png and prints the same tables. The corpus and its
token lists are cached in benchmarks/.cache/ (git-ignored); the first run makes them (about a
minute and a half), later runs read them in seconds.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import corpus, report
from benchmarks.measure import Results, log, measure_knowledge_base, measure_systems
from benchmarks.peers import System, available_systems
from benchmarks.questions import realistic
from knowledge.analysis import Analyzer
from knowledge.config import RetrievalConfig, load_knowledge_config

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
SIZES = (1_000, 10_000, 100_000, 1_000_000)
KB_SIZES = (1_000, 10_000, 100_000, 1_000_000)
DETAILED_KB = 100_000  # where a warm reload is broken down step by step


def _sizes(text: str) -> tuple[int, ...]:
    units = {"k": 1_000, "m": 1_000_000}
    out = []
    for part in filter(None, text.replace("_", "").split(",")):
        part = part.strip().lower()
        out.append(int(float(part[:-1]) * units[part[-1]]) if part[-1] in units else int(part))
    return tuple(out)


def run(
    sizes: Sequence[int] = SIZES,
    kb_sizes: Sequence[int] = KB_SIZES,
    *,
    queries: int = 100,
    budget_s: float = 20.0,
    out: Path | None = RESULTS,
    cache: Path | None = corpus.CACHE,
    image: bool = True,
    command: str = "",
    systems: Callable[[RetrievalConfig], list[System]] = available_systems,
) -> Results:
    """Measure every size; write the report into ``out`` (if given) and return the results."""
    started, load_start = time.perf_counter(), report.load_average()
    date = report.now()
    config = load_knowledge_config(ROOT / "config" / "knowledge.yaml")
    settings = config.retrieval
    largest = max([*sizes, *kb_sizes, 1_000])
    texts = corpus.sentences(largest, cache)
    analyzer = Analyzer.from_aliases(config.aliases)
    key = f"{corpus.corpus_key()}-{corpus.analyzer_key(config.aliases)}"
    log(f"corpus: {len(texts):,} sentences; analysing (cached after the first run)")
    tokens = corpus.tokenize(
        texts[: max([*sizes, 1])],
        analyzer,
        cache=cache,
        key=key,
        workers=min(2, os.cpu_count() or 1),
    )
    # The corpus is input, alive the whole run: keep it out of every system's garbage collections.
    gc.collect()
    gc.freeze()
    asked, follow_ups = realistic(analyzer)
    asked = asked[:queries]
    warmup = corpus.make_queries(texts[:1_000], analyzer, 5)  # not in the set: imports, JIT
    del texts

    results = Results()
    for size in sizes:
        results.systems += measure_systems(
            size, tokens[:size], asked, systems(settings), warmup=warmup, budget_s=budget_s
        )
    terms_a_sentence = sum(map(len, tokens)) / max(len(tokens), 1)
    del tokens
    gc.unfreeze()
    gc.collect()
    for size in kb_sizes:
        results.kbs.append(
            measure_knowledge_base(
                size, asked, follow_ups, retained=size == DETAILED_KB, cache=cache
            )
        )

    print(report.console(results))
    if out is not None:
        real = corpus.real_count()
        run_facts = {
            "date": date,
            "command": command or report.command_line(),
            "duration": f"{(time.perf_counter() - started) / 60:.1f} minutes",
            "load_start": load_start,
            "load_end": report.load_average(),
            "corpus": f"{largest:,} sentences by recipe r{corpus.RECIPE} (results/README.md): "
            f"the first {min(real, largest):,} real sentences of the Python "
            f"{sys.version.split()[0]} standard library's docstrings, comments and language "
            f"reference, then {max(0, largest - real):,} spliced variants; "
            f"{terms_a_sentence:.1f} terms a sentence.",
            "queries": f"{len(asked)} questions written by hand the way users ask "
            f"(benchmarks/questions.yaml), {len(follow_ups)} follow-ups; "
            f"{sum(map(lambda q: len(q.terms), asked)) / max(len(asked), 1):.2f} terms a question"
            f' after analysis, e.g. "{asked[1].text}" → {list(asked[1].terms)}.',
        }
        report.write(results, settings, out, run_facts, image=image)
        log(f"wrote {out / 'latest.md'}" + (f" and {out / 'latest.png'}" if image else ""))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=SIZES,
        help="corpus sizes for the three systems (default 1k,10k,100k,1M)",
    )
    parser.add_argument(
        "--kb-sizes",
        type=_sizes,
        default=KB_SIZES,
        help="sizes for the knowledge base's reload and answers (default 1k,10k,100k,1M)",
    )
    parser.add_argument(
        "--queries", type=int, default=100, help="realistic questions used (default: all 100)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds of queries per system and size at most (default 20)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.md/png go")
    parser.add_argument("--no-cache", action="store_true", help="rebuild the corpus in memory")
    parser.add_argument("--no-plot", action="store_true", help="skip latest.png")
    args = parser.parse_args(argv)
    run(
        args.sizes,
        args.kb_sizes,
        queries=args.queries,
        budget_s=args.budget,
        out=args.out,
        cache=None if args.no_cache else corpus.CACHE,
        image=not args.no_plot,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
