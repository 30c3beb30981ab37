"""``python -m bot …``: the engine in a terminal, and the entry point of the Discord bot.

argparse (standard library) is enough here: it gives sub-commands, help and exit status 2 for usage
errors, which is the contract the README promises. Exit status: 0 for an answer or an honest "not in
the articles", 2 with one line on stderr for a usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from bot.console import ConsoleSession
from bot.formatting import (
    render_answer,
    render_sources,
    render_stats,
    render_summary,
    render_timeline,
    render_unanswered,
    timeline_heading,
)
from bot.knowledge_service import ReloadError
from bot.settings import BotConfig, database_path, load_bot_config, shard_range
from bot.storage.copying import copy_database
from bot.storage.database import Database, database_target
from bot.storage.migrations import StorageError
from knowledge.config import ConfigError, load_knowledge_config
from knowledge.evaluation import evaluate, load_question_set
from knowledge.index import KnowledgeBase, load_knowledge_base
from knowledge.model import Answer, Quote
from knowledge.summaries import Length, dated_events, summarize

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "knowledge.yaml"


class UsageError(Exception):
    """A mistake in how the command was called, shown as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints in one line (no usage block): exit status 2, like ours."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


MAX_DAYS = 36_500  # a century of question log: more is a typo, and overflows date arithmetic


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low} to {high}, got {value}")
        return value

    return parse


def _shards(text: str) -> list[int]:
    try:
        return shard_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_days = _bounded(1, MAX_DAYS)
_limit = _bounded(1, 1000)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # The console says what went wrong itself, in one line; the Discord bot's `run` sets up
    # real logging. Without this, Python's last-resort handler would print warnings twice.
    logging.getLogger("bot").addHandler(logging.NullHandler())
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, UsageError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `python -m bot eval … | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 141


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m bot",
        description="Answers questions about the US–China trade talks with quoted, cited sentences.",
    )
    _common_options(parser)
    # the same options after the command too ("bot ask --database URL …"); given there, they win
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **options: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **options)

    ask = command("ask", help="answer one question and exit")
    ask.add_argument("question", nargs="+", help="the question, quoted or as words")
    ask.add_argument("--json", action="store_true", help="print JSON instead of the Discord text")
    ask.set_defaults(handler=cmd_ask)

    chat = command("chat", help="interactive console (Ctrl-D to leave)")
    chat.set_defaults(handler=cmd_chat)

    summary = command("summary", help="extractive summary of the articles")
    summary.add_argument("--long", action="store_true", help="a longer summary")
    summary.add_argument("--source", help="summarise one source (file name, see `sources`)")
    summary.add_argument("--json", action="store_true")
    summary.set_defaults(handler=cmd_summary)

    timeline = command("timeline", help="the dated events, one cited line each, oldest first")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(handler=cmd_timeline)

    sources = command("sources", help="list the articles in the knowledge base")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(handler=cmd_sources)

    evaluation = command("eval", help="score the engine on a question set")
    evaluation.add_argument("file", type=Path, help="question set YAML")
    shown = evaluation.add_mutually_exclusive_group()
    shown.add_argument("--verbose", "-v", action="store_true", help="list the misses")
    shown.add_argument(
        "--scores-only",
        action="store_true",
        help="never list misses (a held-out set whose questions must stay unread)",
    )
    evaluation.add_argument(
        "--by-time",
        action="store_true",
        help="hit@1, hit@any and unanswered by the time each question asks about (now, later…)",
    )
    evaluation.add_argument(
        "--by-overlap",
        action="store_true",
        help="the same by how much of each question its gold sentences say in its own words",
    )
    evaluation.set_defaults(handler=cmd_eval)

    why = command(
        "explain",
        help="how a question is answered: as read, candidates, filters, features, the reply",
    )
    why.add_argument("question", nargs="+", help="the question, quoted or as words")
    why.add_argument("--find", help="follow the sentences holding this text through each stage")
    why.add_argument("--context", action="append", default=[],
                     help="an earlier question of the conversation (repeatable, oldest first)")
    why.add_argument("--top", type=int, default=8, help="lines per stage (default 8)")
    why.add_argument("--seeds", type=Path, help="a folder of articles instead of the configured one")
    why.set_defaults(handler=cmd_explain)

    fit = command(
        "fit",
        help="fit the ranking's feature weights on question sets, cross-validated by set",
    )
    fit.add_argument("files", type=Path, nargs="+", help="labelled question sets to fit on")
    fit.add_argument(
        "--judge", type=Path, action="append", default=[],
        help="a set only scored, never fitted on (repeatable); its misses are never shown",
    )
    fit.set_defaults(handler=cmd_fit)

    add = command(
        "add", help="add an article from a link or a file (.html, .htm, .txt, .md), then reload"
    )
    add.add_argument("source", help="an http(s) link or a local file")
    add.add_argument("--title", help="the title to keep, if the page's is wrong")
    add.add_argument("--published", help="the date to keep (YYYY-MM-DD), if the page's is wrong")
    add.add_argument(
        "--force", action="store_true", help="add even when an article held has nearly the same text"
    )
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add)

    feeds = command("feeds", help="read the feeds in bot.yaml once; add what is new")
    feeds.add_argument("--json", action="store_true")
    feeds.set_defaults(handler=cmd_feeds)

    index = command("index", help="build a new knowledge generation from seeds/")
    index.set_defaults(handler=cmd_index)

    stats = command("stats", help="questions per day, answered share, feedback, channels")
    stats.add_argument("--days", type=_days, default=7, help=f"1 to {MAX_DAYS} (default 7)")
    stats.set_defaults(handler=cmd_stats)

    unanswered = command("unanswered", help="recent questions the articles could not answer")
    unanswered.add_argument("--days", type=_days, default=7, help=f"1 to {MAX_DAYS} (default 7)")
    unanswered.add_argument("--limit", type=_limit, default=20, help="1 to 1000 (default 20)")
    unanswered.set_defaults(handler=cmd_unanswered)

    move = command(
        "migrate-db", help="copy this database (e.g. the SQLite file) into another (PostgreSQL)"
    )
    move.add_argument("--to", required=True, type=database_target, help="postgresql:// URL or file")
    move.add_argument(
        "--replace", action="store_true", help="overwrite a target that already holds data"
    )
    move.set_defaults(handler=cmd_migrate_db)

    run = command("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument(
        "--shards",
        type=_shards,
        help="shard ids this process runs, e.g. 0-7 (with --shard-count; default: all)",
    )
    run.add_argument(
        "--shard-count", type=_bounded(1, 10_000), help="shards across all processes"
    )
    run.set_defaults(handler=cmd_run)

    sync = command("sync", help="sync slash commands to the configured guilds, or --global")
    sync.add_argument("--global", dest="globally", action="store_true", help="sync globally")
    sync.set_defaults(handler=cmd_sync)

    start = command(
        "start", help="the Discord bot if DISCORD_TOKEN is set, else the console"
    )
    start.set_defaults(handler=cmd_start)
    return parser


def _common_options(parser: argparse.ArgumentParser, default: Any = None) -> None:
    """``--config``, ``--bot-config``, ``--database``; ``default`` overrides the defaults (the
    copy after the command must not reset what was given before it)."""

    def chosen(value: Any) -> Any:
        return value if default is None else default

    parser.add_argument(
        "--config",
        type=Path,
        default=chosen(Path(os.environ.get("DISPUTE_BOT_CONFIG", DEFAULT_CONFIG))),
        help="knowledge configuration (default: config/knowledge.yaml)",
    )
    parser.add_argument(
        "--bot-config",
        type=Path,
        default=chosen(None),
        help="bot configuration (default: bot.yaml beside the knowledge configuration)",
    )
    parser.add_argument(
        "--database",
        type=database_target,
        default=chosen(os.environ.get("DISPUTE_BOT_DATABASE")),
        help="SQLite file or postgresql:// URL (default: `database` in config/bot.yaml)",
    )


def load(args: argparse.Namespace, seeds: Path | None = None) -> KnowledgeBase:
    """The knowledge base straight from seeds/, or from ``seeds`` (eval: what the engine makes of
    the files now)."""
    config = load_knowledge_config(args.config)
    kb = load_knowledge_base(dataclasses.replace(config, seeds=seeds) if seeds else config)
    for problem in kb.problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    return kb


def bot_settings(args: argparse.Namespace) -> BotConfig:
    """bot.yaml; the console may run without one (defaults), the Discord bot may not."""
    path = args.bot_config or args.config.parent / "bot.yaml"
    if not path.exists() and args.bot_config is None and args.command not in {"run", "sync"}:
        defaults = BotConfig()
        return dataclasses.replace(defaults, database=database_path(args.config, defaults.database))
    return load_bot_config(path)


def session(args: argparse.Namespace) -> ConsoleSession:
    settings = bot_settings(args)
    return ConsoleSession(args.config, settings, args.database or settings.database)


def question_text(words: Sequence[str]) -> str:
    text = " ".join(words).strip()
    if not text:
        raise UsageError("the question is empty")
    return text


def answer_json(result: Answer) -> dict[str, Any]:
    return {
        "question": result.question,
        "answered": result.answered,
        "reply": render_answer(result),
        "quotes": [
            {
                "text": q.text,
                "source": q.sentence.source,
                "title": result.sources[q.sentence.source].title,
                "paragraph": q.sentence.paragraph,
                "sentence": q.sentence.number,
                "score": round(q.score, 4),
            }
            for q in result.quotes
        ],
    }


def cmd_ask(args: argparse.Namespace) -> int:
    question = question_text(args.question)

    async def ask() -> Answer:
        async with session(args) as console:
            assert console.service is not None
            _with_articles(console.service.kb)
            return await console.ask(question)

    result = asyncio.run(ask())
    if args.json:
        print(json.dumps(answer_json(result), ensure_ascii=False, indent=2))
    else:
        print(render_answer(result))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(args))


async def _chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    async with session(args) as console:
        assert console.service is not None
        kb = console.service.kb
        if interactive:
            print(
                f"dispute-bot console — {len(kb.articles)} article(s), {len(kb)} sentences. "
                "Ask a question; 'summary', 'sources', 'reload' or Ctrl-D to leave."
            )
        history: list[str] = []
        while True:
            try:
                line = await asyncio.to_thread(input, "> " if interactive else "")
            except EOFError:
                if interactive:
                    print()
                return 0
            question = line.strip()
            command = question.lower().lstrip("/")
            if not question:
                continue
            if command in {"quit", "exit", ":q"}:
                return 0
            if command == "summary":
                print(render_summary(summarize(console.service.kb)) + "\n")
            elif command == "sources":
                print(render_sources(console.service.kb.newest_first(), _counts(console.service.kb)))
            elif command == "reload":
                try:
                    print((await console.service.reload()).summary() + "\n")
                except ReloadError as exc:
                    print(f"Reload failed; still serving the previous articles. {exc}\n")
            else:
                result = await console.ask(question, tuple(history[-1:]))
                history.append(question)
                print(render_answer(result) + "\n")


async def _stored_kb(args: argparse.Namespace) -> KnowledgeBase:
    async with session(args) as console:
        assert console.service is not None
        return console.service.kb


def _with_articles(kb: KnowledgeBase) -> KnowledgeBase:
    """``kb``, or one line saying why there is nothing to answer from (exit status 2)."""
    if kb.articles:
        return kb
    why = "; ".join(map(str, kb.problems[:3])) or "no .txt or .md file"
    raise UsageError(f"the knowledge base is empty ({why}): add articles to the seeds folder")


def cmd_summary(args: argparse.Namespace) -> int:
    kb = _with_articles(asyncio.run(_stored_kb(args)))
    if args.source and args.source not in kb.by_source:
        raise UsageError(f"no source named {args.source!r}; see `python -m bot sources`")
    result = summarize(kb, Length.LONG if args.long else Length.SHORT, args.source)
    if args.json:
        print(json.dumps({"source": result.source, "quotes": _quotes_json(kb, result.quotes),
                          "timeline": _quotes_json(kb, result.timeline),
                          "reply": render_summary(result)}, ensure_ascii=False, indent=2))
    else:
        print(render_summary(result))
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    kb = _with_articles(asyncio.run(_stored_kb(args)))
    events = dated_events(kb)
    if args.json:
        print(json.dumps(_quotes_json(kb, events), ensure_ascii=False, indent=2))
    elif not events:
        print("No dated articles yet: the timeline is empty.")
    else:
        print("\n".join([timeline_heading(len(events)), *render_timeline(events, kb.citations(events))]))
    return 0


def _quotes_json(kb: KnowledgeBase, quotes: Sequence[Quote]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for q in quotes:
        day = kb.day(q.sentence.source)
        out.append({"text": q.text, "source": q.sentence.source, "paragraph": q.sentence.paragraph,
                    "sentence": q.sentence.number, "date": day.isoformat() if day else None})
    return out


def _counts(kb: KnowledgeBase) -> dict[str, int]:
    return dict(kb.sentences.counts())


def cmd_sources(args: argparse.Namespace) -> int:
    kb = asyncio.run(_stored_kb(args))
    if args.json:
        counts = _counts(kb)
        items = [
            {
                "source": a.source,
                "title": a.title,
                "sentences": counts.get(a.source, 0),
                "publisher": a.metadata.publisher,
                "published": a.metadata.published,
                "date": a.date.day.isoformat() if a.date else None,
                "date_inferred": a.date.inferred if a.date else None,
                "url": a.metadata.url,
            }
            for a in kb.newest_first()
        ]
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        print(render_sources(kb.newest_first(), _counts(kb)))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    questions = load_question_set(args.file)
    kb = load(args, questions.knowledge)
    report = evaluate(kb, questions, by_time=args.by_time, by_overlap=args.by_overlap)
    print(report.table())
    if args.by_time:
        print(report.time_table())
    if args.by_overlap:
        print(report.overlap_table())
    if questions.held_out:
        print("(a held-out set: its questions are never listed)")
    elif not args.scores_only and (args.verbose or not report.meets_targets()):
        for miss in report.misses:
            print(f"  {miss}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Straight from the articles on disk, like ``eval``: what the engine makes of them now."""
    from knowledge.explain import explain

    if args.seeds is not None and not args.seeds.is_dir():
        raise UsageError(f"--seeds: {args.seeds} is not a folder")
    kb = load(args, args.seeds)
    print(explain(kb, question_text(args.question), args.context, args.find, max(args.top, 1)))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """Cross-validation by set (each set scored under weights fitted on the others), then weights
    fitted on all of them, printed as the YAML block that sets them."""
    from knowledge import fitting
    from knowledge.ranking import FEATURES, RankingWeights

    config = load_knowledge_config(args.config)
    built: dict[Path | None, KnowledgeBase] = {}

    def loaded(folder: Path | None) -> KnowledgeBase:
        if folder not in built:
            built[folder] = load(args, folder)
        return built[folder]

    sets = [fitting.labelled_set(path, loaded) for path in args.files]
    judges = [fitting.labelled_set(path, loaded) for path in args.judge]
    start = config.retrieval.ranking.vector()

    def row(name: str, got: dict[str, float]) -> str:
        return f"{name:<58}" + "".join(f"{got[k]:>10.3f}" for k in fitting.OBJECTIVE)

    header = f"{'set':<58}" + "".join(f"{k:>10}" for k in fitting.OBJECTIVE)
    if len(sets) > 1:
        print("cross-validation by set: each set scored under the configured weights, then "
              "under weights fitted on the other sets")
        print(header)
        for fold in fitting.cross_validate(sets, start):
            print(row(fold.name + " (configured)", fold.hand))
            print(row(fold.name + " (fitted on others)", fold.fitted))
    weights = fitting.fit(sets, start)
    print("\nfitted on all of them:")
    print(header)
    for labelled in [*sets, *judges]:
        judged = " (judge)" if labelled in judges else ""
        print(row(labelled.name + judged + " (configured)", fitting.scores(labelled, start)))
        print(row(labelled.name + judged + " (fitted)", fitting.scores(labelled, weights)))
    fitted = RankingWeights.from_vector(weights)
    print("\n# retrieval.ranking in config/knowledge.yaml, to use the fitted weights:")
    print("retrieval:\n  ranking:")
    for name in FEATURES:
        print(f"    {name}: {getattr(fitted, name)}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from bot.fetching import FetchError
    from bot.intake import (
        Corrections,
        IntakeError,
        describe,
        draft_from_source,
        parse_day,
        save_draft,
    )

    settings = bot_settings(args)
    seeds = load_knowledge_config(args.config).seeds

    async def add() -> tuple[Any, str]:
        corrections = Corrections(args.title, parse_day(args.published) if args.published else None)
        async with session(args) as console:
            assert console.service is not None
            draft = await draft_from_source(
                args.source, settings.fetch_policy(), console.service.kb.articles, seeds,
                corrections, args.force,
            )
            save_draft(seeds, draft)
            report = await console.service.reload()
            return draft, f"Generation {console.service.generation}. " + report.summary()

    try:
        draft, reloaded = asyncio.run(add())
    except (FetchError, IntakeError) as exc:
        raise UsageError(f"not added: {exc}") from None
    except ReloadError as exc:
        print(f"error: saved, but the reload failed (the previous generation is still "
              f"current): {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**draft.summary(), "added": True}, ensure_ascii=False, indent=2))
    else:
        print(f"Added {draft.name}")
        print("\n".join(f"  {line}" for line in describe(draft)))
        print(reloaded)
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    from bot.feeds import feed_pass
    from knowledge.topic import key_words

    settings = bot_settings(args)
    if not settings.feeds:
        raise UsageError("no feeds configured: list them under `feeds:` in config/bot.yaml")
    seeds = load_knowledge_config(args.config).seeds

    async def one_pass() -> tuple[Any, str]:
        async with session(args) as console:
            assert console.service is not None
            kb = console.service.kb
            keys = key_words(kb.sentences.texts())
            bar = item_bar()
            try:
                result = await feed_pass(
                    settings.feeds, settings.fetch_policy(), kb.articles, keys, seeds,
                    bar.update if bar else None,
                )
            finally:
                if bar:
                    bar.close()
            if not result.added:
                return result, "Nothing new; the knowledge base is unchanged."
            report = await console.service.reload()
            return result, f"Generation {console.service.generation}. " + report.summary()

    result, reloaded = asyncio.run(one_pass())
    if args.json:
        print(json.dumps({
            "added": [d.summary() for d in result.added],
            "already_held": result.held,
            "off_topic": [i.link for i in result.off_topic],
            "refused": [{"link": link, "why": why} for link, why in result.refused],
            "failed_feeds": [{"feed": f, "why": why} for f, why in result.failed_feeds],
        }, ensure_ascii=False, indent=2))
    else:
        print(result.summary())
        print(reloaded)
    return 0


def item_bar():
    """A tqdm counter of feed items, on a terminal only."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc="feed items", unit="item", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    async def index() -> str:
        async with session(args) as console:
            assert console.service is not None
            console.service.progress = progress_bar()
            report = await console.service.reload()
            return f"Generation {console.service.generation}. " + report.summary()

    try:
        print(asyncio.run(index()))
    except ReloadError as exc:
        print(f"error: reload failed, the previous generation is still current: {exc}",
              file=sys.stderr)
        return 1
    return 0


def progress_bar():
    """tqdm over the articles being split, on a terminal only (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda articles: tqdm(articles, desc="indexing", unit="article", file=sys.stderr)


def cmd_stats(args: argparse.Namespace) -> int:
    async def stats() -> str:
        async with session(args) as console:
            assert console.storage is not None
            return render_stats(await console.storage.reports.stats(args.days), args.days)

    print(asyncio.run(stats()))
    return 0


def cmd_unanswered(args: argparse.Namespace) -> int:
    async def unanswered() -> str:
        async with session(args) as console:
            assert console.storage is not None
            rows = await console.storage.reports.unanswered(args.days, args.limit)
            return render_unanswered(rows, args.days)

    print(asyncio.run(unanswered()))
    return 0


def cmd_migrate_db(args: argparse.Namespace) -> int:
    source_target = args.database or bot_settings(args).database
    if str(source_target) == str(args.to):
        raise UsageError("--to names the database being copied")
    if isinstance(source_target, Path) and not source_target.is_file():
        raise UsageError(f"{source_target}: no database to copy")

    async def move() -> str:
        async with (
            await Database.open(source_target) as source,
            await Database.open(args.to) as target,
        ):
            report = await copy_database(source, target, replace=args.replace)
            return f"{source.name} → {target.name}: {report.summary()}"

    print(asyncio.run(move()))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.discord_app.runner import StartError, run_bot  # discord.py only when needed

    try:
        return run_bot(args)
    except StartError as exc:
        raise UsageError(str(exc)) from None


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.discord_app.runner import StartError, sync_commands

    try:
        return sync_commands(args)
    except StartError as exc:
        raise UsageError(str(exc)) from None


def cmd_start(args: argparse.Namespace) -> int:
    from bot.discord_app.runner import StartError, discord_token

    try:
        discord_token()
    except StartError:
        print("DISCORD_TOKEN is not set: starting the local console instead.", file=sys.stderr)
        return cmd_chat(args)
    return cmd_run(args)
