"""How well each article as a whole matches a question: a sentence is also found through its article.

A sentence answering a question often leaves out what the question names because its article
already said it: "I would say the meeting was a 12" never repeats "Busan", "wrapped up at Rosenbad"
never repeats "Stockholm". BM25 over sentences cannot see that; BM25 over articles can. Articles are
scored from the sentence index itself (no second index): an article's term frequency is the number
of its sentences holding the term, its length its number of sentences.

The score is given relative to the best article (1.0 for the best), so that in a knowledge base of
one article every sentence gets the same factor and the sentence ranking is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from knowledge.index import KnowledgeBase

K1 = 1.2  # saturation: the fifth sentence naming "Busan" says less than the first
B = 0.5  # a long article names more terms by its length alone


def article_relevance(kb: KnowledgeBase, terms: Iterable[str]) -> dict[str, float]:
    """Each article holding a question term → its BM25 score over articles, over the best one's."""
    of = kb.sentence_article
    count = len(kb.articles)
    if not len(of) or count == 0:
        return {}
    lengths = np.bincount(of, minlength=count).astype(np.float64)
    present = lengths > 0
    articles = int(present.sum())
    average = float(lengths[present].mean()) if articles else 0.0
    scores = np.zeros(count, dtype=np.float64)
    for term in set(terms):
        docs = kb.scorer.docs_with(term)
        if not len(docs):
            continue
        tf = np.bincount(of[docs], minlength=count).astype(np.float64)
        df = int((tf > 0).sum())
        idf = math.log(1 + (articles - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
        scores += idf * tf * (K1 + 1) / (tf + norm)
    best = float(scores.max())
    if best <= 0:
        return {}
    return {
        kb.articles[a].source: float(scores[a]) / best for a in np.flatnonzero(scores > 0).tolist()
    }
