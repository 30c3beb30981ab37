"""Scores the answer engine on a question set (format: tests/data/dev_questions.yaml).

A reply *hits* when a quote contains a gold key's substring. Precision counts quoted sentences that
are gold or ``ok``; abstention is the share of out-of-scope questions answered with no quotes;
faithfulness checks every quote word for word against its source file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.answers import answer, is_verbatim, words_shared
from knowledge.config import ConfigError, read_yaml
from knowledge.index import KnowledgeBase
from knowledge.model import Answer
from knowledge.question import read_question

TARGETS = {
    "hit@1": 0.90,
    "hit@any": 0.97,
    "precision": 0.80,
    "abstention": 0.95,
    "faithfulness": 1.0,
}


@dataclass(frozen=True)
class InScope:
    question: str
    gold: tuple[str, ...]  # substrings
    ok: tuple[str, ...]
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionSet:
    in_scope: tuple[InScope, ...]
    out_of_scope: tuple[str, ...]
    # The articles the set was written for (``knowledge:``, relative to the set's file); None:
    # the configured seeds folder.
    knowledge: Path | None = None
    # ``held_out: true``: a set kept unread to measure the engine on questions nobody tuned it
    # on; its misses (the questions) are never shown (``bot eval``, the tests)
    held_out: bool = False


@dataclass
class Report:
    scores: dict[str, float]
    misses: list[str] = field(default_factory=list)  # one line per question that went wrong
    # the in-scope counts by the time each question asks about (``timeframe.When``: "now",
    # "later", "period"…): where the misses are, told without showing a question, so a held-out
    # set can say it too
    by_time: dict[str, Tally] = field(default_factory=dict)
    # the same counts by how much of each question its gold sentences say in its words
    # (``overlap_bands``), in the bands' order: how much of a set the words alone can answer,
    # told without a question
    by_overlap: dict[str, Tally] = field(default_factory=dict)

    def meets_targets(self) -> bool:
        return all(self.scores[k] >= v for k, v in TARGETS.items())

    def table(self) -> str:
        lines = [f"{'measure':<14}{'score':>8}{'target':>8}"]
        for key, target in TARGETS.items():
            mark = "ok" if self.scores[key] >= target else "BELOW"
            lines.append(f"{key:<14}{self.scores[key]:>8.3f}{target:>8.2f}  {mark}")
        counts = (
            f"({int(self.scores['in_scope'])} in scope, {int(self.scores['out_of_scope'])} out)"
        )
        lines.append(counts)
        return "\n".join(lines)

    def time_table(self) -> str:
        """hit@1, hit@any and unanswered in-scope questions by the time each asks about."""
        return _tally_table("time asked", sorted(self.by_time.items()))

    def overlap_table(self) -> str:
        """hit@1, hit@any and unanswered in-scope questions by how much of each question's
        informative weight its best gold sentence holds in its own words (``overlap_bands``)."""
        return _tally_table("gold shares", list(self.by_overlap.items()))


def _tally_table(title: str, rows: Sequence[tuple[str, Tally]]) -> str:
    lines = [f"{title:<14}{'questions':>10}{'hit@1':>8}{'hit@any':>9}{'no answer':>11}"]
    for label, tally in rows:
        scores = tally.scores()
        lines.append(
            f"{label:<14}{tally.questions:>10}{scores['hit@1']:>8.3f}{scores['hit@any']:>9.3f}"
            f"{tally.unanswered:>11}"
        )
    return "\n".join(lines)


# Where a question's gold sentences could not be measured: it is answered without a search (a
# refusal, a question about the articles themselves), or no one sentence holds a gold key.
UNMEASURED = "unmeasured"
LOW_OVERLAP = 0.2


def overlap_bands(bar: float) -> tuple[tuple[float, str], ...]:
    """The bands of ``Report.by_overlap`` (upper bound, label), lowest first: the share of a
    question's informative weight (its words as the ranking weighs them) that its best gold
    sentence holds in its own words, without its article's lead or a sentence it leans on.
    Below the coverage bar (``bar``) the words alone do not find the answer: what is found
    there is found through its article, or not at all."""
    return (
        (LOW_OVERLAP, f"under {LOW_OVERLAP:.2f}"),
        (bar, f"{LOW_OVERLAP:.2f}-{bar:.2f}"),
        (float("inf"), f"{bar:.2f} and up"),
    )


def overlap_band(share: float | None, bar: float) -> str:
    """The label of the band ``share`` falls in (``overlap_bands``)."""
    if share is None:
        return UNMEASURED
    return next(label for upper, label in overlap_bands(bar) if share < upper)


def load_question_set(path: Path) -> QuestionSet:
    data = read_yaml(path)
    keys: dict[str, str] = {str(k): str(v) for k, v in (data.get("gold_keys") or {}).items()}

    def resolve(names: Any, where: str) -> tuple[str, ...]:
        if names is None:
            return ()
        if not isinstance(names, list):
            raise ConfigError(f"{path}: {where}: expected a list of gold keys")
        try:
            return tuple(keys[str(n)] for n in names)
        except KeyError as exc:
            raise ConfigError(f"{path}: {where}: unknown gold key {exc.args[0]!r}") from None

    in_scope = []
    for n, item in enumerate(data.get("in_scope") or []):
        if not isinstance(item, dict) or "q" not in item:
            raise ConfigError(f"{path}: in_scope[{n}]: expected a mapping with q and gold")
        context = item.get("context") or []
        in_scope.append(
            InScope(
                str(item["q"]),
                resolve(item.get("gold"), f"in_scope[{n}].gold"),
                resolve(item.get("ok"), f"in_scope[{n}].ok"),
                tuple(str(c) for c in ([context] if isinstance(context, str) else context)),
            )
        )
    out = tuple(str(q) for q in data.get("out_of_scope") or [])
    folder = data.get("knowledge")
    knowledge = (path.parent / str(folder)).resolve() if folder else None
    if knowledge is not None and not knowledge.is_dir():
        raise ConfigError(f"{path}: knowledge: {folder!r} is not a folder next to the set")
    held_out = data.get("held_out", False)
    if not isinstance(held_out, bool):
        raise ConfigError(f"{path}: held_out: expected true or false")
    return QuestionSet(tuple(in_scope), out, knowledge, held_out)


def evaluate(
    kb: KnowledgeBase,
    questions: QuestionSet,
    ask: Callable[[KnowledgeBase, str, tuple[str, ...]], Answer] | None = None,
    by_time: bool = False,
    by_overlap: bool = False,
) -> Report:
    """The scores of ``questions``; ``by_time``: their in-scope counts by the time each asks
    about too (``Report.by_time``); ``by_overlap``: by how much of each its gold sentences say in
    its words (``Report.by_overlap``)."""
    ask = ask or (lambda kb, q, ctx: answer(kb, q, ctx))
    faithful = total_quotes = 0
    tally = Tally()
    times: dict[str, Tally] = {}
    bar = kb.retrieval.min_coverage
    overlaps = {label: Tally() for label in (*(b for _, b in overlap_bands(bar)), UNMEASURED)}
    holding = _holding(kb, {k for item in questions.in_scope for k in item.gold}) if by_overlap else {}
    misses: list[str] = []
    for item in questions.in_scope:
        result = ask(kb, item.question, item.context)
        texts = [q.text for q in result.quotes]
        if by_time:
            when = read_question(kb, item.question, item.context).time.when.value
            times.setdefault(when, Tally()).add(texts, item.gold, item.ok)
        if by_overlap:
            gold = {i for key in item.gold for i in holding[key]}
            shared = words_shared(kb, item.question, item.context, gold)
            overlaps[overlap_band(shared, bar)].add(texts, item.gold, item.ok)
        if not tally.add(texts, item.gold, item.ok):
            got = texts[0][:70] if texts else f"(no answer: {result.reason})"
            misses.append(f"hit@1 miss: {item.question!r} → {got}")
        faithful, total_quotes = _faithfulness(kb, result, faithful, total_quotes)
    abstained = 0
    for question in questions.out_of_scope:
        result = ask(kb, question, ())
        abstained += not result.quotes
        if result.quotes:
            misses.append(f"answered out of scope: {question!r} → {result.quotes[0].text[:70]}")
        faithful, total_quotes = _faithfulness(kb, result, faithful, total_quotes)
    scores = {
        **tally.scores(),
        "abstention": abstained / max(len(questions.out_of_scope), 1),
        "faithfulness": faithful / total_quotes if total_quotes else 1.0,
        "in_scope": float(len(questions.in_scope)),
        "out_of_scope": float(len(questions.out_of_scope)),
    }
    return Report(scores, misses, times, {k: t for k, t in overlaps.items() if t.questions})


@dataclass
class Tally:
    """The in-scope counts behind hit@1, hit@any and precision: kept by ``evaluate``, and by
    ``fitting`` for replies re-ranked under other weights."""

    questions: int = 0
    hit1: int = 0
    hit_any: int = 0
    quoted: int = 0
    relevant: int = 0  # quotes holding a gold or an ``ok`` key
    unanswered: int = 0

    def add(self, texts: Sequence[str], gold: tuple[str, ...], ok: tuple[str, ...]) -> bool:
        """Count one question's quotes (their texts, first first); whether the first hits."""
        first = bool(texts) and _contains_any(texts[0], gold)
        self.questions += 1
        self.hit1 += first
        self.hit_any += any(_contains_any(t, gold) for t in texts)
        self.quoted += len(texts)
        self.unanswered += not texts
        self.relevant += sum(_contains_any(t, gold + ok) for t in texts)
        return first

    def scores(self) -> dict[str, float]:
        n = max(self.questions, 1)
        return {
            "hit@1": self.hit1 / n,
            "hit@any": self.hit_any / n,
            "precision": self.relevant / self.quoted if self.quoted else 1.0,
        }


def _holding(kb: KnowledgeBase, keys: set[str]) -> dict[str, list[int]]:
    """The sentences whose text holds each of ``keys``: one pass over the sentences."""
    found: dict[str, list[int]] = {key: [] for key in keys}
    text = kb.sentences.text
    for i in range(len(kb.sentences)):
        sentence = text(i)
        for key in keys:
            if key in sentence:
                found[key].append(i)
    return found


def _contains_any(text: str, keys: tuple[str, ...]) -> bool:
    return any(key in text for key in keys)


def _faithfulness(kb: KnowledgeBase, result: Answer, faithful: int, total: int) -> tuple[int, int]:
    for quote in result.quotes:
        total += 1
        faithful += is_verbatim(quote.text, kb.article(quote.sentence.source).text)
    return faithful, total
