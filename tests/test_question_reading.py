"""Reading a question: what is worked out once per knowledge base rather than per question."""

from __future__ import annotations

import gc
import weakref

from knowledge.cues import ATTRIBUTES, PERSON_NOUNS
from knowledge.index import load_knowledge_base


def test_attribute_terms_are_worked_out_once_per_knowledge_base_without_keeping_it_alive(
    config_for, seeds_dir
) -> None:
    (seeds_dir / "a.md").write_text("# Test fixture\n\nTalks resumed in Geneva on Saturday.\n")
    kb = load_knowledge_base(config_for(seeds_dir))
    expected = {t for w in ATTRIBUTES | PERSON_NOUNS for t in kb.analyzer.terms(w)}
    assert kb.attribute_terms == expected
    assert kb.attribute_terms is kb.attribute_terms
    gone = weakref.ref(kb.analyzer)
    del kb
    gc.collect()
    assert gone() is None
