"""Which way a tariff goes (``knowledge.direction``), read with the timeline articles' analysis
(their alias table makes "Chinese", "Beijing" and "China" one term)."""

from __future__ import annotations

import pytest

from knowledge.direction import goes_elsewhere
from knowledge.question import read_question, tariffs_on


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("What is the tariff on China now?", {"china"}),
        ("the tariff Trump put on China", {"china"}),
        ("tariffs on $200 billion of Chinese goods", {"china"}),
        ("Beijing's duties on imports from the United States", {"u.s"}),
        ("a levy on American soybeans", {"u.s"}),
        ("cut US tariffs on Chinese imports to 30% and China's tariffs on US goods to 10%",
         {"china", "u.s"}),
        ("tariffs on Japanese cars", {"japan"}),
        ("duties of 7.5% on U.S. soybeans", {"u.s"}),
        # an abbreviation's dot before "on" ends no clause
        ("what tariff did the U.S. put on china", {"china"}),
        ("tariffs imposed Jan. 1 on China", {"china"}),
        # a list of countries, each of them; a country named later is not a target
        ("tariffs on Mexico, Canada and China", {"mexico", "canada", "china"}),
        ("tariffs on steel and aluminum imports from Canada and China", {"canada", "china"}),
        ("tariffs on Mexican and Chinese goods", {"mexico", "china"}),
        ("levies on ships operated by Chinese interests, collected at American ports", {"china"}),
        ("levies on ships run by Chinese interests still collected at American ports", {"china"}),
        # a comma that starts a new clause ends the words read
        ("China kept tariffs on soybeans, the commerce ministry in Beijing said", set()),
        # no country after "on", or "on" too far off or in another clause
        ("Trump raised tariffs on Friday after the talks", set()),
        ("The tariffs stay. On China, the ministry said nothing", set()),
        ("tariffs that the administration had been weighing for months on China", set()),
        ("China will buy more soybeans", set()),
    ],
)
def test_the_countries_a_text_puts_tariffs_on(timeline_kb, text, countries):
    assert tariffs_on(timeline_kb, text) == countries


def test_a_question_asks_which_way_round(timeline_kb):
    assert read_question(timeline_kb, "whats the tariff on china rn").tariffs_on == {"china"}
    assert read_question(timeline_kb, "is china negotiating?").tariffs_on == frozenset()


def test_a_sentence_goes_elsewhere_only_when_all_its_tariffs_do():
    china, us = frozenset({"china"}), frozenset({"u.s"})
    assert goes_elsewhere(china, us)
    assert not goes_elsewhere(china, china | us)  # both directions: it answers either
    assert not goes_elsewhere(china, frozenset())  # says nothing either way
    assert not goes_elsewhere(frozenset(), us)  # the question asks no direction
