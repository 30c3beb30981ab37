"""Typo correction: towards the articles' words, never turning one real word into another."""

from __future__ import annotations

from knowledge.answers import answer
from knowledge.spelling import Speller

SPELLER = Speller(["beijing", "negotiations", "first", "chinese", "expert", "wanting", "macro"])


def test_typos_are_corrected_towards_known_words():
    fixed = SPELLER.correct_text("did beijng say negotiatons would come frist, chnese side?")
    assert fixed == "did beijing say negotiations would come first, chinese side?"


def test_real_words_names_and_short_words_are_left_as_typed():
    for text in ("export controls", "waiting for trump", "what about Macron", "beijng's"[:4]):
        assert SPELLER.correct_text(text) == text


def test_a_letter_doubled_in_the_wrong_place_is_corrected():
    speller = Speller(["tariffs", "tariff", "committee"])
    fixed = speller.correct_text("are the tarrifs up, says the comittee? one tarrif")
    assert fixed == "are the tariffs up, says the committee? one tariff"


def test_a_word_too_far_from_any_known_word_is_left_alone():
    assert SPELLER.correct("xylophonx") is None


def test_an_empty_speller_changes_nothing():
    assert Speller().correct_text("beijng") == "beijng"


def test_a_capitalised_word_is_corrected_only_towards_a_name():
    speller = Speller(["beijing", "macro", "china"])
    names = {"beijing", "china"}
    fixed = speller.correct_text("Did Bejing and Macron talk?", is_name=lambda w: w in names)
    assert fixed == "Did Beijing and Macron talk?"


def test_a_misspelt_question_gets_the_same_answer_as_the_spelt_one(kb):
    typed = answer(kb, "what did Bejing say about the negotiatons")
    spelt = answer(kb, "what did beijing say about the negotiations")
    assert typed.answered and [q.text for q in typed.quotes] == [q.text for q in spelt.quotes]
    assert typed.question == "what did Bejing say about the negotiatons"  # shown as asked


def test_one_edit_finds_what_the_spell_checker_finds(kb):
    """``Speller._one_edit``: the spell checker's candidates one edit away (its letters, its
    dictionary), for typos of the articles' words (each kind of edit) and for unknown words."""
    import random

    speller = kb.speller
    words = sorted(w for w in speller._known if len(w) >= 5)
    rng = random.Random(4)
    tried = ["xqzvw", "chinee", "negotiatons", "tarrif", "z" * 40, "beijing"]
    for word in rng.sample(words, min(len(words), 150)):
        at = rng.randrange(len(word))
        tried += [
            word[:at] + word[at + 1 :],  # a letter dropped
            word[:at] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[at:],  # one put in
            word[:at] + "q" + word[at + 1 :],  # one changed
            word[:at] + word[at + 1 : at + 2] + word[at] + word[at + 2 :],  # two swapped
        ]
    for word in tried:
        expected = {w for w in speller._near.candidates(word) or () if w != word}
        assert speller._one_edit(word) == expected, word


def test_near_english_is_the_spell_checkers_one_edit():
    """``near_english``: an English word one edit away, as the spell checker's own
    ``known(edit_distance_1(word))`` finds it (typos, names, words too long to look at)."""
    from knowledge.spelling import _english, near_english

    english = _english()
    words = ["huawei", "bitcoin", "yellen", "tariffz", "negotations", "coronavirus", "Xqzvw",
             "chinee", "walmart", "z" * 60, "ministry", "gettng"]
    for word in words:
        assert near_english(word) == bool(english.known(english.edit_distance_1(word.lower()))), word
