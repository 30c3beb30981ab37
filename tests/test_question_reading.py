"""Reading a question: what is worked out once per analyser rather than per question."""

from __future__ import annotations

import gc
import weakref

from knowledge.analysis import Analyzer
from knowledge.config import KnowledgeConfig
from knowledge.cues import ATTRIBUTES, PERSON_NOUNS
from knowledge.question import _attribute_terms


def test_attribute_terms_are_kept_per_analyser_without_keeping_it_alive(
    config: KnowledgeConfig,
) -> None:
    analyzer = Analyzer.from_aliases(config.aliases)
    expected = {t for w in ATTRIBUTES | PERSON_NOUNS for t in analyzer.terms(w)}
    assert _attribute_terms(analyzer) == expected
    assert _attribute_terms(analyzer) is _attribute_terms(analyzer)
    gone = weakref.ref(analyzer)
    del analyzer
    gc.collect()
    assert gone() is None
