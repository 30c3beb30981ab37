"""Analysis: tokens, stop words, stems and aliases, the same for articles and questions."""

from __future__ import annotations

from knowledge.analysis import Analyzer, surface_tokens


def test_dotted_abbreviations_survive_tokenising():
    assert surface_tokens("the U.S. and the U.K. agreed") == [
        "the",
        "U.S",
        "and",
        "the",
        "U.K",
        "agreed",
    ]


def test_tokens_are_the_abbreviations_matched_then_stripped_of_their_last_dot():
    """The tokenising pattern gives dotted abbreviations as kept ("U.S"): the same tokens as
    matching two letter-dot pairs or more and stripping the dots after."""
    import re

    from knowledge.analysis import normalise

    dotted = re.compile(r"(?:[A-Za-z]\.){2,}|\w+(?:['’\-]\w+)*|%")
    for text in ["the U.S. and the U.K. agreed", "U.S.A. or U.S.. or U.S", "a.b.c e.g., i.e.",
                 "U.S.Army", "A.B", "x.y.z.", "U. S. talks", "1.2.3 and 45% of U.S.-China"]:
        expected = [m.group(0).rstrip(".") for m in dotted.finditer(normalise(text))]
        assert surface_tokens(text) == expected, text


def test_us_in_capitals_is_the_country_and_lowercase_is_a_pronoun(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("US tariffs") == analyzer.terms("U.S. tariffs")
    assert "u.s" not in analyzer.terms("tell us about tariffs")
    assert analyzer.terms("USA") == analyzer.terms("United States") == ["u.s"]


def test_aliases_apply_after_stemming(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    negotiation = analyzer.terms("negotiation")
    for variant in ("talks", "talking", "consultation", "negotiating", "negotiations"):
        assert analyzer.terms(variant) == negotiation, variant
    assert analyzer.terms("Beijing") == analyzer.terms("Chinese") == analyzer.terms("China")


def test_phrase_alias_is_one_term(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("the Foreign Ministry") == ["foreign ministry"]
    assert analyzer.terms("President Xi") == analyzer.terms("Xi") == ["xi"]
    assert analyzer.terms("calling the shots") == analyzer.terms("leadership")  # across stop words


def test_stop_words_and_case_folding():
    analyzer = Analyzer.from_aliases({})
    assert analyzer.terms("What is THE Tariff?") == ["tariff"]
    assert analyzer.terms("what is the") == []


def test_curly_and_straight_quotes_and_possessives_match():
    analyzer = Analyzer.from_aliases({})
    assert (
        analyzer.terms("China’s approach")
        == analyzer.terms("China's approach")
        == ["china", "approach"]
    )


def test_hyphenated_words_match_joined_and_parts():
    analyzer = Analyzer.from_aliases({})
    terms = analyzer.terms("de-escalate")
    assert analyzer.terms("deescalate")[0] in terms
    assert "escal" in terms


def test_case_sensitive_alias_does_not_leak_into_other_words():
    analyzer = Analyzer.from_aliases({"china": ["PRC"]})
    assert analyzer.terms("PRC") == ["china"]
    assert analyzer.terms("prc") == ["prc"]


def test_vague_nouns_are_not_search_terms(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("is the situation getting worse on that side?") == ["escalate"]


def test_light_verbs_are_not_search_terms(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("where did that come from, I heard") == []


def test_inflections_the_stemmer_splits_still_meet_their_alias(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("rebuffed rebuffing") == analyzer.terms("rebuff") * 2 == ["deny", "deny"]


def test_only_real_inflections_join_an_alias(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("Li Xie spate") == ["li", "xie", "spate"]  # not "liing", "xies", "spates"


def test_percent_sign_and_word_meet(config):
    from knowledge.analysis import Analyzer

    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("145%") == analyzer.terms("145 percent") == ["145", "percent"]


def test_an_abbreviated_amount_is_the_number_and_its_unit(config):
    analyzer = Analyzer.from_aliases(config.aliases)
    assert analyzer.terms("the last 300bn") == analyzer.terms("the last $300 billion")
    assert analyzer.terms("10k tons")[:2] == ["10", "thousand"]
    assert analyzer.terms("5g networks")[0] == "5g"  # not an amount


def test_contracted_question_words_are_not_search_terms():
    assert Analyzer.from_aliases({}).terms("why'd treasury drop it") == ["treasuri", "drop"]


# Reviewed: the variant's stem is another English word, and taking that word in is meant
# ("runs" → "run": "who runs China"; "markets" → "market": the stock market of the articles).
_STEMS_TAKEN_IN = {
    "govern", "research", "run", "bargain", "scare", "stock", "market", "investor", "magnet",
    "construct", "character",
}


def test_alias_variants_take_in_no_other_common_word_unreviewed(config):
    """An alias variant is matched by its stem, so a variant whose stem is another common word
    takes that word in too: "production" (stem "product") made every "products" a supply. A
    new such variant must be reviewed and listed above, or left out."""
    from knowledge.analysis import stem
    from knowledge.spelling import english_frequency

    listed = {w.lower() for canonical, variants in config.aliases.items()
              for w in [canonical, *variants]}
    taken_in = set()
    for canonical, variants in config.aliases.items():
        for variant in variants:
            word = variant.lower()
            if " " in word or "-" in word:
                continue
            root = stem(word)
            if (root != word and root not in listed and root != stem(canonical.lower())
                    and english_frequency(root) > 2000):
                taken_in.add(root)
    assert taken_in <= _STEMS_TAKEN_IN, sorted(taken_in - _STEMS_TAKEN_IN)


def test_numbers_spelled_out_are_the_digits_articles_write(config):
    analyzer = Analyzer.from_aliases()
    assert analyzer.terms("a ninety-day truce") == analyzer.terms("a 90-day truce")
    assert "90" in analyzer.terms("for another 90 days")
    assert "90" in analyzer.terms("a 90-day truce")  # the number alone, not only "90day"
    assert analyzer.terms("twenty-four points") == analyzer.terms("24 points")
    assert analyzer.terms("three months") == analyzer.terms("3 months")
    assert "1" not in analyzer.terms("no one would say")  # "one" is left alone


def test_irregular_verb_forms_meet_their_base_form():
    analyzer = Analyzer.from_aliases()
    assert analyzer.terms("the leaders met in Busan") == analyzer.terms("the leaders meet in Busan")
    assert analyzer.terms("Xi spoke to Trump") == analyzer.terms("Xi speaks to Trump")
    assert analyzer.terms("found") == ["found"]  # find or found: left to the stemmer
    assert analyzer.terms("the Fed") == ["fed"]  # a capitalised word is a name, not "feed"


def test_plurals_naming_something_else_keep_their_own_term():
    analyzer = Analyzer.from_aliases()
    assert analyzer.terms("tariffs on goods") != analyzer.terms("tariffs on good")
    assert analyzer.terms("customs") != analyzer.terms("custom")


def test_the_irregular_verb_table_is_lemminflects():
    """The table is kept in the project (loading lemminflect's dictionary costs the serving
    process ~50 MB); it must be what lemminflect gives, regenerated after an upgrade."""
    from knowledge.irregular_verbs import derive
    from knowledge.irregular_verbs_table import IRREGULAR_VERBS

    assert derive() == IRREGULAR_VERBS
    assert IRREGULAR_VERBS["met"] == "meet" and "found" not in IRREGULAR_VERBS
