"""Question cues and sentence cues: what a question asks for and what a sentence offers."""

from __future__ import annotations

import pytest

from knowledge.cues import (
    Cue,
    implied_words,
    question_cues,
    question_focus,
    sentence_cues,
    speculates,
    venues_named,
)


@pytest.mark.parametrize(
    ("question", "cue"),
    [
        ("who is the spokesman?", Cue.PERSON),
        ("when did china post it", Cue.DATE),
        ("where is the Stimson Center?", Cue.PLACE),
        ("why won't beijing negotiate", Cue.REASON),
        ("how many tariffs are there", Cue.NUMBER),
        ("what did Guo Jiakun say?", Cue.SPEECH),
        ("Which official dismissed the claims?", Cue.PERSON),
        ("what is the name of the spokesman", Cue.PERSON),
        ("Under what circumstances would China talk?", Cue.REASON),
        ("and what does china want in return?", Cue.REASON),
        ("On what grounds did Commerce blacklist Huawei?", Cue.REASON),
        ("how did china justify hitting back", Cue.REASON),
        ("what prompted the tariff hike", Cue.REASON),
        ("what was trumps excuse for jacking china up to 125", Cue.REASON),
    ],
)
def test_question_words_ask_for_cues(question, cue):
    assert cue in question_cues(question)


@pytest.mark.parametrize(
    "question",
    [
        "What does the article say about the prospects?",
        "what does it say about tariffs",
        "what do the reports mention",
    ],
)
def test_asking_what_the_text_says_is_not_asking_for_someones_words(question):
    assert Cue.SPEECH not in question_cues(question)


def test_sentence_cues_and_leaning():
    cues = sentence_cues("On April 25, 2025, the Foreign Ministry stated “no talks”.")
    assert {Cue.DATE, Cue.SPEECH} <= cues.cues and Cue.NUMBER not in cues.cues
    assert sentence_cues("This could entail reducing tariffs.").leans
    assert not sentence_cues("China is rejecting talks.").leans


def test_a_sentence_saying_why_or_in_response_to_what_offers_a_reason():
    for text in ("The fentanyl duty stays, which is why the rate settles at 30 percent.",
                 "Trump said he would impose an extra 100% tariff in response to China's curbs.",
                 "He accused Beijing of failing to buy farm products.",
                 "Based on the lack of respect China has shown, I am raising the tariff."):
        assert Cue.REASON in sentence_cues(text).cues, text
    assert Cue.REASON not in sentence_cues("The tariff took effect on Friday.").cues


def test_focus_of_who_is_questions_is_required():
    focus = question_focus("who is the US trade representative")
    assert focus is not None and focus.required and focus.text.endswith("representative")


def test_the_speaker_is_the_focus_after_and_or_actually():
    for question, speaker in (("and what did beijing say about it?", "beijing"),
                              ("what did xi actually say to trump in busan", "xi")):
        focus = question_focus(question)
        assert focus is not None and focus.required and focus.text == speaker, question


def test_a_partitive_noun_is_no_focus():
    """"the newest round of chip curbs" asks about the curbs: a sentence reporting them need
    not say "round"."""
    assert question_focus("whats the newest round of us chip export curbs on china") is None
    assert question_focus("what is the latest package of sanctions") is None
    # without "of" after it, the noun is what is asked about
    for question, text in (("what is the entity list", "entity list"),
                           ("whats the latest export control package", "latest export control package")):
        focus = question_focus(question)
        assert focus is not None and focus.required and focus.text == text
    focus = question_focus("what is the tariff on chinese evs")
    assert focus is not None and focus.text == "tariff"


def test_someone_titled_at_a_research_institution_is_an_expert():
    text = "Yun Sun, director of the China program at the Stimson Center in Washington, stated it."
    assert implied_words(text) == "analyst expert"
    assert implied_words("The director of the Foreign Ministry said so.") == ""


def test_focus_of_a_question_with_a_clause_after_a_comma():
    # This shape once made the focus pattern backtrack for minutes.
    question = "Who is the Chinese foreign ministry spokesman, and what did he say? " * 3
    assert question_focus(question) is None


def test_places_named_after_a_preposition():
    from knowledge.cues import places_named

    text = "When the latest round of negotiations wrapped up at Rosenbad, the seat of the government"
    assert places_named(text) == ["Rosenbad"]
    assert places_named("Negotiators met again in London in June.") == ["London"]
    assert places_named("No place is named here.") == []


def test_where_wants_a_place_the_question_does_not_name(timeline_kb):
    """"where in Stockholm did they meet?" is not answered by a sentence whose only places are
    the question's own ("in London … in Stockholm" asked about both), and is by "at Rosenbad"."""
    from knowledge.answers import _names_a_new_place
    from knowledge.question import read_question

    text = timeline_kb.sentences.text
    both = next(i for i in range(len(timeline_kb.sentences))
                if "in London in June" in text(i) and "in Stockholm" in text(i))
    rosenbad = next(i for i in range(len(timeline_kb.sentences)) if "at Rosenbad" in text(i))
    stockholm = read_question(timeline_kb, "where in stockholm did they meet")
    both_asked = read_question(timeline_kb, "where in london and stockholm did they meet")
    assert _names_a_new_place(timeline_kb, rosenbad, stockholm)
    assert _names_a_new_place(timeline_kb, both, stockholm)  # London is new to this question
    assert not _names_a_new_place(timeline_kb, both, both_asked)


def test_the_state_of_something_is_asked_about_that_thing(timeline_kb):
    """"the latest status of X" asks about X: "status" is no topic the articles must name."""
    from knowledge.answers import answer
    from knowledge.cues import question_focus

    assert question_focus("What is the most recent status of China's rare earth curbs?") is None
    assert question_focus("what is the GDP of China?").text == "GDP"  # a topic still is one
    reply = answer(timeline_kb, "What is the most recent status of China's rare earth export "
                                "restrictions?")
    assert reply.quotes, reply.reason  # was: "The articles I have say nothing about status."
    assert reply.quotes[0].sentence.source == timeline_kb.newest_first()[0].source
    # the reason of something is asked the same way: the reason cue, not a topic
    excuse = answer(timeline_kb, "what was trumps excuse for jacking china up to 125")
    assert excuse.quotes, excuse.reason  # was: "The articles I have say nothing about excuse."


def test_what_a_how_many_question_counts_is_what_it_asks_about(timeline_kb):
    """"How much tariff revenue …": no article speaks of revenue, so none answers it, though many
    speak of tariffs; "how many tons of soybeans" is answered; "how many times" names nothing."""
    from knowledge.answers import answer
    from knowledge.cues import question_focus

    assert question_focus("how many us jobs did the trade war cost").text == "us jobs"
    assert question_focus("how many times did they meet") is None
    refused = answer(timeline_kb, "How much tariff revenue has the US Treasury collected?")
    assert not refused.quotes and "revenue" in refused.reason
    counted = answer(timeline_kb, "how many tons of soybeans is china supposed to buy")
    assert counted.quotes and "tons" in counted.quotes[0].text


def test_which_building_asks_for_a_place():
    from knowledge.cues import question_cues

    assert Cue.PLACE in question_cues("Which building in Kuala Lumpur hosted the talks?")
    assert Cue.PLACE in question_cues("At what exact location did they meet?")
    assert Cue.PLACE not in question_cues("What did they agree?")


def test_the_cue_table_remembers_in_fixed_space_what_the_patterns_say(timeline_kb):
    """Asked twice, in any order of cues, each sentence offers what its text's patterns say, and
    the table holds no more than its two bytes a sentence however much it is asked."""
    from knowledge.cues import offers
    from knowledge.index import CueTable

    table = CueTable(timeline_kb.sentences)
    before = table._known.buffer_info()
    for round_ in range(2):
        for i in range(len(timeline_kb.sentences)):
            cues = frozenset(list(Cue)[round_::2]) | {Cue.DATE}
            expected = {c for c in cues if offers(timeline_kb.sentences.text(i), c)}
            assert table.offers(i, cues) == expected
    assert table._known.buffer_info() == before


@pytest.mark.parametrize("text", [
    'Bessent described another 90-day pause as one option.',
    '"I was to meet President Xi in two weeks, at APEC, but now there seems to be no reason."',
    "Trump said he would cut the fentanyl tariff to 10%.",
])
def test_a_sentence_of_what_may_happen_speculates(text):
    assert speculates(text)


@pytest.mark.parametrize("text", [
    "Trump signed an executive order extending the truce for another 90 days.",
    "The talks resumed in May in Geneva.",  # the month, not the modal
    "Bessent said the threat of the 100% has gone away.",
])
def test_a_sentence_of_what_happened_does_not(text):
    assert not speculates(text)


@pytest.mark.parametrize("text", [
    "The dinner lasted about two and a half hours.",
    "The call took a couple of hours.",
    "They talked for an hour and a half.",
    "The meeting lasted an hour and forty minutes.",
])
def test_a_length_of_time_however_it_is_written_offers_a_duration(text):
    assert Cue.DURATION in sentence_cues(text).cues


def test_what_quantity_and_over_what_period_ask_for_a_number_and_a_duration():
    cues = question_cues("What quantities of soybeans will China buy, and over what period?")
    assert {Cue.NUMBER, Cue.DURATION} <= cues
    assert Cue.NUMBER in question_cues("what tariff level did Trump suggest?")


@pytest.mark.parametrize(
    ("sentence", "venue"),
    [
        ("The meetings were held at the Palacio de Santa Cruz, the baroque building", "Palacio"),
        ("The talks, held at the Gimhae air base beside Busan's airport", "Gimhae"),
        ("The talks were held at the residence of Switzerland's ambassador", "residence"),
        ("When the round wrapped up at Rosenbad, the seat of the Swedish government", "Rosenbad"),
    ],
)
def test_a_venue_is_the_place_at_which_something_was_held(sentence: str, venue: str) -> None:
    """"held at the Palacio": the venue, not the article before it."""
    assert venues_named(sentence) == [venue]
    assert venues_named("The talks in Stockholm ended on Tuesday.") == []
