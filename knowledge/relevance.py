"""How well each article as a whole matches a question: a sentence is also found through its article.

A sentence answering a question often leaves out what the question names because its article
already said it: "I would say the meeting was a 12" never repeats "Busan", "wrapped up at Rosenbad"
never repeats "Stockholm". BM25 over sentences cannot see that; BM25 over articles can. Articles are
scored from the sentence index itself (no second index): an article's term frequency is the number
of its sentences holding the term, its length its number of sentences.

What counts for a sentence is what its article adds to it: the terms it lacks and its article
holds ("Busan"), as far as they make that article match. Scores are relative to the best article's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from knowledge.index import KnowledgeBase

K1 = 1.2  # saturation: the fifth sentence naming "Busan" says less than the first
B = 0.5  # a long article names more terms by its length alone


def article_relevance(kb: KnowledgeBase, terms: Iterable[str]) -> dict[str, dict[str, float]]:
    """Each article holding a question term → what each term adds to its BM25 score over
    articles, over the best article's whole score (so an article's values sum to 1 at most)."""
    of = kb.sentence_article
    count = len(kb.articles)
    if not len(of) or count == 0:
        return {}
    lengths = np.bincount(of, minlength=count).astype(np.float64)
    present = lengths > 0
    articles = int(present.sum())
    norm = K1 * (1 - B + B * lengths / float(lengths[present].mean()))
    parts: dict[str, np.ndarray] = {}
    for term in set(terms):
        docs = kb.scorer.docs_with(term)
        if not len(docs):
            continue
        tf = np.bincount(of[docs], minlength=count).astype(np.float64)
        df = int((tf > 0).sum())
        idf = math.log(1 + (articles - df + 0.5) / (df + 0.5))
        parts[term] = idf * tf * (K1 + 1) / (tf + norm)
    if not parts:
        return {}
    best = float(sum(parts.values()).max())  # type: ignore[union-attr]
    if best <= 0:
        return {}
    found: dict[str, dict[str, float]] = {}
    for term, scores in parts.items():
        for a in np.flatnonzero(scores > 0).tolist():
            found.setdefault(kb.articles[a].source, {})[term] = float(scores[a]) / best
    return found
