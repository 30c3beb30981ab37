"""Why the engine answers what it answers, for tuning it: the question as read, what the search
found, why each dropped sentence is no answer, each candidate's score as BM25 × its features, and
the reply (``python -m bot explain``). ``find`` follows the sentences holding a given text — the
answer you expected — through every stage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from knowledge.answers import Candidate, Ranking, answer, quotes_under, ranking_of
from knowledge.index import KnowledgeBase
from knowledge.model import Answer
from knowledge.ranking import FEATURES, multiplier


def explain(
    kb: KnowledgeBase,
    question: str,
    context: Sequence[str] = (),
    find: str | None = None,
    top: int = 8,
) -> str:
    """A plain-text account of how ``question`` is answered (``top`` lines a stage)."""
    reply = answer(kb, question, context)
    lines = [f"question: {question!r}"]
    ranking = ranking_of(kb, question, context)
    if ranking is None:
        lines.append("not ranked: answered about the articles themselves, or refused")
        return "\n".join([*lines, *_reply(reply)])
    lines += _read(ranking)
    weights = kb.retrieval.ranking.vector()
    ranked = sorted(ranking.candidates, key=lambda c: (-c.score, c.sentence))
    position = {c.sentence: n for n, c in enumerate(ranked, 1)}
    lines.append(
        f"searched: {len(ranking.searched)} sentences by BM25; {len(ranked)} candidates passed "
        f"the filters, {len(ranking.dropped)} did not"
    )
    lines.append("candidates, best first (score = BM25 × exp(Σ weight × feature)):")
    lines += [f"  {n:>3}. {_candidate(kb, c, weights)}" for n, c in enumerate(ranked[:top], 1)]
    bm25_rank = {i: n for n, (i, _) in enumerate(ranking.searched, 1)}
    lines.append("dropped, in BM25 order (why each is no answer):")
    for i, why in sorted(ranking.dropped.items(), key=lambda item: bm25_rank[item[0]])[:top]:
        lines.append(f"  BM25 #{bm25_rank[i]:<3} {_where(kb, i)}: {why}")
    chosen = [q.sentence.id for q in quotes_under(kb, ranking, weights)]
    if chosen and ranked and chosen[0] != ranked[0].sentence:
        lines.append(f"reordered by time ({ranking.query.time.when.name.lower()}): "
                     f"candidate {position.get(chosen[0], '?')} comes first")
    lines += _reply(reply)
    if find:
        lines += _found(kb, ranking, find, position, bm25_rank, weights)
    return "\n".join(lines)


def _read(ranking: Ranking) -> list[str]:
    query = ranking.query

    def listed(items: Iterable[object]) -> str:
        return ", ".join(sorted(map(str, items))) or "-"

    shares = ", ".join(f"{t} {w:.2f}" for t, w in sorted(ranking.shares.items(), key=lambda x: -x[1]))
    return [
        f"read as: {query.asked!r}" if query.asked != query.text else "read as asked",
        f"  terms: {shares or '-'}; key terms: {listed(ranking.keys)}",
        f"  cues: {listed(query.cues)}; focus: {listed(query.focus)}; "
        f"predicate: {listed(query.predicate)}; time: {query.time.when.name.lower()}"
        + (f" ({query.time.label})" if query.time.label else "")
        + (f"; tariffs on: {listed(query.tariffs_on)}" if query.tariffs_on else ""),
    ]


def _candidate(kb: KnowledgeBase, c: Candidate, weights: Sequence[float]) -> str:
    parts = [f"{name} {value:.2f}" for name, value in zip(FEATURES, c.features, strict=True)
             if value]
    if c.factor != 1.0:
        parts.append(f"tariffs elsewhere ×{c.factor:.2f}")
    factor = multiplier(weights, c.features) * c.factor
    return (f"{c.score:6.2f} = {c.bm25:.2f} × {factor:.2f} [{', '.join(parts) or 'no features'}] "
            f"covers {c.coverage:.2f} {_where(kb, c.sentence)}")


def _where(kb: KnowledgeBase, i: int) -> str:
    sentence = kb.sentences[i]
    day = kb.day(sentence.source)
    text = sentence.text if len(sentence.text) <= 80 else sentence.text[:77] + "..."
    return (f"#{i} {sentence.source} ¶{sentence.paragraph} {sentence.kind.name.lower()}"
            f"{' ' + day.isoformat() if day else ''} {text!r}")


def _reply(reply: Answer) -> list[str]:
    if not reply.quotes:
        return [f"reply: no answer — {reply.reason}"]
    return ["reply:", *(f"  [{n}] #{q.sentence.id} {q.text[:100]!r}"
                        for n, q in enumerate(reply.quotes, 1))]


def _found(
    kb: KnowledgeBase,
    ranking: Ranking,
    find: str,
    position: dict[int, int],
    bm25_rank: dict[int, int],
    weights: Sequence[float],
) -> list[str]:
    """Each sentence holding ``find``: where it got to, and what stopped it."""
    holding = [i for i in range(len(kb.sentences)) if find in kb.sentences.text(i)]
    if not holding:
        return [f"find {find!r}: no sentence holds it"]
    lines = [f"find {find!r}:"]
    by_id = {c.sentence: c for c in ranking.candidates}
    for i in holding[:20]:
        if i in by_id:
            lines.append(f"  candidate {position[i]}: {_candidate(kb, by_id[i], weights)}")
        elif i in ranking.dropped:
            lines.append(f"  dropped (BM25 #{bm25_rank[i]}): {ranking.dropped[i]}: {_where(kb, i)}")
        else:
            lines.append(f"  not found by the search (no question term, or below its top "
                         f"{len(ranking.searched)}): {_where(kb, i)}")
    return lines
