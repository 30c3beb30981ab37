"""Questions about the articles themselves, answered from their lead lines and summaries rather
than by ranking sentences: their headline or subtitle, the gist ("tl;dr?", "what's going on?"),
what happened at a time or a place ("what happened in April?", "what happened in Geneva?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.analysis import normalise
from knowledge.index import KnowledgeBase
from knowledge.model import LEAD_KINDS, Kind, Quote, Sentence
from knowledge.summaries import event_lines, summarize
from knowledge.timeframe import TimeAsked, When

GIST_SENTENCES = 2  # a summary asked for in a question (the /summary command gives more)
CANDIDATES = 200  # lead lines looked at per question


# Questions about the articles themselves: their headline, subtitle, gist, or what is going on.
_HEADLINE_INTENT = re.compile(r"\b(?:headlines?|title)\b", re.IGNORECASE)
_SUBTITLE_INTENT = re.compile(
    r"\b(?:sub-?titles?|taglines?|sub-?head(?:ings?|lines?)?|standfirst)\b", re.IGNORECASE
)
_SUMMARY_INTENT = re.compile(
    r"\b(?:give me |gimme )?(?:(?:a|the) )?(?:one[- ]line |short |brief |quick )?(?:tl;?dr|"
    r"summar(?:y|ise|ize)|gist|overview|recap|in short|in a nutshell|main point|what(?:'s| is) "
    r"(?:this|it|the (?:article|story|news)) about|what(?:'s| is) the (?:story|article|news))\b",
    re.IGNORECASE,
)
_ONE_LINE = re.compile(r"\b(?:one[- ](?:line|sentence)|in a (?:line|sentence)|tl;?dr)\b", re.IGNORECASE)
# "What's going on?", "any news on the talks?": a request for the gist, not for one fact.
_OVERVIEW_INTENT = re.compile(
    r"\bwhat(?:'?s| is| are)\s+(?:going on|happening|the (?:latest|situation|status|state of play|"
    r"deal))(?:\s+(?:news|updates?|developments?))?\b|\b(?:latest|any) (?:news|updates?|"
    r"developments?)\b|\bcatch me up\b|\bfill me in\b|\bwhere (?:do|does) (?:things|it|this|that) "
    r"stand\b|\bstate of play\b",
    re.IGNORECASE,
)
# "What happened in April?", "what went down in Geneva?", "what did they agree in Geneva?", "what
# came out of London?": the events of a time or a place (read sets hit@1 +1; held-out precision
# -0.007 and +0.008; "outcome" and "result" alone lost a held-out answer anywhere).
_HAPPENED_INTENT = re.compile(
    r"\bwh?at(?:'?s)?\s+(?:happened|went down|was going on|has been happening|been happening|"
    r"went on|occurred|came out of|was (?:agreed|decided|achieved)|did (?:they|the (?:two |both )?"
    r"sides) (?:agree|decide|achieve)(?: on)?)\b(?! to)",
    re.IGNORECASE,
)


def about_the_articles(kb: KnowledgeBase, question: str, time: TimeAsked) -> tuple[Quote, ...]:
    """Questions about the articles themselves ("tl;dr?", "what's the headline saying about
    China?", "what's going on?", "what happened in April?"), when every other word of theirs is
    in the lines that say what an article is about (headline, summary line, subtitle); () for
    any other question."""
    plain = normalise(question)
    rest = _HEADLINE_INTENT.sub(" ", _SUBTITLE_INTENT.sub(" ", plain))  # "the tagline under the headline"
    for intent, kinds in (
        (_SUBTITLE_INTENT, frozenset({Kind.SUBTITLE})),
        (_HEADLINE_INTENT, frozenset({Kind.HEADLINE})),
    ):
        if intent.search(plain):
            lines = _lead_lines(kb, kb.analyzer.terms(rest), kinds)
            if lines:
                return tuple(Quote(s, 1.0, (), s.text) for s in lines[: kb.retrieval.max_quotes])
    for intent in (_SUMMARY_INTENT, _OVERVIEW_INTENT, _HAPPENED_INTENT):
        if not intent.search(plain):
            continue
        rest = intent.sub(" ", plain.replace(time.phrase, " ") if time.phrase else plain)
        terms = kb.analyzer.terms(rest)
        lines = [
            s for s in (_lead_lines(kb, terms, LEAD_KINDS) if terms else [])
            if time.admits(kb.day(s.source))
        ]
        if not lines and terms:
            continue
        among = {s.source for s in lines} if lines else None
        if time.when is When.PERIOD or (intent is _HAPPENED_INTENT and among):
            # "what happened in April?", "what happened in Geneva?": what those articles report,
            # one line each, oldest first (an event's own article first, not later recollections)
            chosen = [
                a.source
                for a in reversed(kb.newest_first())
                if (among is None or a.source in among) and time.admits(kb.day(a.source))
            ]
            if not chosen:
                continue
            return tuple(event_lines(kb, chosen[: kb.retrieval.max_quotes]))
        if intent is _HAPPENED_INTENT:
            continue  # "what happened to the tariff": a question of fact
        if intent is _OVERVIEW_INTENT and any(kb.is_key_term(t) for t in terms):
            # "where do things stand on TikTok?" (a word of one story, not of every story):
            # the newest answer about it, ranked, and an earlier one after it; not the gist of
            # the articles whose titles name it. "What's going on with the trade war?": the gist
            continue
        # A chat answer is the gist: shorter than /summary, one line if asked for one; where
        # things stand now, then the line of the article before.
        one_line = bool(_ONE_LINE.search(plain))
        summary = summarize(
            kb, among=among, sentences=1 if one_line else GIST_SENTENCES, earlier=0 if one_line else 1
        )
        return summary.all_quotes
    return ()


def _lead_lines(kb: KnowledgeBase, terms: Sequence[str], kinds: frozenset[Kind]) -> list[Sentence]:
    """Sentences of these kinds that hold every one of ``terms`` (all of them, for no terms)."""
    if not terms:
        return list(kb.sentences.with_kinds(kinds))
    wanted = set(terms)
    hits = kb.scorer.top_k(list(wanted), CANDIDATES)
    found = [kb.sentences[i] for i, _ in hits if wanted <= set(kb.terms[i])]
    return sorted((s for s in found if s.kind in kinds), key=lambda s: s.id)
